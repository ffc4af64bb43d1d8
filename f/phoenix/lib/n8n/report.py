# GENERATED from lib/n8n/report.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""Translate a whole folder of n8n JSON files and report on every file.

Each ``*.json`` file under the input folder (recursively) gets either a flow
(``<out>/<slug>__flow/flow.yaml`` with its inline step files, plus
``<slug>.schedule.yaml`` / ``<slug>.http_trigger.yaml`` for its triggers) or
a per-file error. Nothing in one file can stop the others. The report has the
shape::

    {"workflows": [{"file", "status": "translated"|"error", "nodes_total",
                    "nodes_translated", "placeholders", "ai_placeholders",
                    "unused_sub_nodes", "untranslated_types",
                    "resources": [{"path", "resource_type"}], "error", "subflows"}]}

with ``file`` relative to the input folder and sticky notes never counted
(the nodes of an inline sub-workflow count with the file that holds it; its
flow is written beside the file's, ``subflows`` lists their paths);
``resources`` are the Windmill resources the operator creates for the flow's
credentials (paths and resource types, never a secret),
plus ``conflicts``: the generated files kept because the operator changed
them since Phoenix wrote them (or Phoenix never wrote them), each with its
path relative to the output folder and the reason.

Re-running never destroys the operator's work: each flow folder carries a
manifest (``manifest.py``) of what Phoenix wrote, and every write and removal
goes through the guard of ``lib/preserve.py`` (a verified backup first inside
``.roo/`` or ``omas/``; outside the stack root only where absolute paths are
allowed). Without a stack (the CLI, library calls), the root is the current
folder and the output folder given is the caller's explicit choice.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Optional

import yaml

from ..errors import InputError
from ..preserve import PreservationError, guarded_write, resolve_target, write_file
from ..stack import Stack, load_stack
from .ai_catalog import is_ai_type
from .bounded import UnreadableInput, read_json_file
from .manifest import MANIFEST_NAME, GeneratedFiles, local_stack
from .translate.callees import CALLED_START, ERROR_START, callee_of
from .translate.emit import Translation, translate_workflow
from .translate.links import Callee, WorkflowLinks, match_file
from .translate.structure import StructureError
from .workflow import STICKY_NOTE, WorkflowError, parse_workflow

DEFAULT_PATH_PREFIX = "f/phoenix/n8n"
# f/<folder>/... or u/<user>/...: the flows' paths (and their triggers' script paths) start with it
WINDMILL_FOLDER = re.compile(r"^[fu](/[\w.-]+)+$")
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _FlowDumper(_Dumper):
    """Multi-line text (descriptions, sticky notes) as readable ``|`` blocks."""


def _text(dumper, value: str):
    style = "|" if "\n" in value and not any(line != line.rstrip() for line in value.splitlines()) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_FlowDumper.add_representer(str, _text)


def dump_yaml(document: dict) -> str:
    return yaml.dump(document, Dumper=_FlowDumper, sort_keys=False, allow_unicode=True, width=120)


def slug_for(relative: str) -> str:
    stem = relative.rsplit(".", 1)[0]
    slug = re.sub(r"[^a-z0-9]+", "_", stem.lower()).strip("_") or "workflow"
    return ("n8n_" + slug if slug[0].isdigit() else slug)[:100]


def translate_folder(input_dir: str | Path, output_dir: str | Path,
                     path_prefix: str = DEFAULT_PATH_PREFIX, *, stack=None, absolute_ok: bool | None = None) -> dict:
    """Translate every n8n JSON file under ``input_dir`` into ``output_dir``; return the report.

    Writes go through the guard of ``stack`` (default: rooted at the current
    folder); an absolute ``output_dir`` outside the root is accepted when
    ``absolute_ok`` (default: when no stack is given, i.e. a path the caller
    named explicitly).
    """
    source_root = Path(input_dir)
    if not source_root.is_dir():
        raise InputError(f"{input_dir}: not a folder")
    if not isinstance(path_prefix, str) or not WINDMILL_FOLDER.match(path_prefix.rstrip("/")) \
            or ".." in path_prefix.split("/"):
        raise InputError(f"path_prefix {path_prefix!r}: expected a Windmill folder such as {DEFAULT_PATH_PREFIX}")
    guarded = local_stack(stack)
    allow = stack is None if absolute_ok is None else absolute_ok
    try:
        target_root = resolve_target(guarded, output_dir, absolute_ok=allow)
        if target_root.exists() and not target_root.is_dir():  # e.g. a file already has that name: touch nothing
            raise InputError(f"{output_dir}: cannot write there: not a folder")
        with guarded_write(guarded, target_root, absolute_ok=allow) as guard:
            try:
                guard.mkdir(target_root)
            except OSError as exc:
                raise InputError(f"{output_dir}: cannot write there: {exc.strerror}") from None
            return _translate_all(source_root, target_root, path_prefix, guard)
    except PreservationError as exc:  # outside the root, or no verified backup of .roo/omas
        raise InputError(str(exc)) from None


def _translate_all(source_root: Path, target_root: Path, path_prefix: str, guard) -> dict:
    files = sorted(p for p in source_root.rglob("*.json") if p.is_file())
    loaded = {path.relative_to(source_root).as_posix(): _load(path) for path in files}
    slugs = _slugs(list(loaded))
    prefix = path_prefix.rstrip("/")
    run = RunIndex(loaded, {rel: f"{prefix}/{slug}" for rel, slug in slugs.items()})
    names = _SlugReserver(set(slugs.values()))
    routes: set[tuple[str, str]] = set()
    entries = []
    for relative, document in loaded.items():
        links = WorkflowLinks(by_id=run.by_id, by_file=run.by_file, error_by_id=run.error_by_id)
        subflow_path = lambda key, slug=slugs[relative]: f"{prefix}/{names.reserve(f'{slug}_{key}')}"  # noqa: E731
        entries.append(_translate_one(relative, document, target_root, slugs[relative], run.paths[relative],
                                      links, subflow_path, routes, guard))
    return {"workflows": entries}


class RunIndex:
    """The run's workflows as callees, by n8n id and by file; each worked out when first asked for.

    A workflow is called at its Execute Workflow Trigger (``CALLED_START``), an
    error workflow at its Error Trigger (``ERROR_START``); a file that cannot be
    parsed is no callee (its caller gets a placeholder saying so).
    """

    def __init__(self, loaded: dict, paths: dict[str, str]):
        self.loaded, self.paths = loaded, paths
        self.ids = {str(doc["id"]): rel for rel, doc in loaded.items()
                    if isinstance(doc, dict) and isinstance(doc.get("id"), (str, int)) and str(doc["id"])}
        self._callees: dict[tuple[str, tuple], Optional[Callee]] = {}

    def by_id(self, workflow_id: str) -> Optional[Callee]:
        rel = self.ids.get(str(workflow_id))
        return self._callee(rel, CALLED_START) if rel else None

    def error_by_id(self, workflow_id: str) -> Optional[Callee]:
        rel = self.ids.get(str(workflow_id))
        return self._callee(rel, ERROR_START) if rel else None

    def by_file(self, path: str) -> Optional[Callee]:
        rel = match_file(path, self.loaded)
        return self._callee(rel, CALLED_START) if rel else None

    def _callee(self, rel: str, start: tuple) -> Optional[Callee]:
        key = (rel, start)
        if key not in self._callees:
            try:
                workflow = parse_workflow(self.loaded[rel], rel)
                self._callees[key] = callee_of(workflow, self.paths[rel], start)
            except (WorkflowError, StructureError, RecursionError, TypeError):
                self._callees[key] = None  # a _Failure, or not a workflow: nothing to call
        return self._callees[key]


class _SlugReserver:
    """Unique flow names for inline sub-workflows, next to the run's file slugs."""

    def __init__(self, taken: set[str]):
        self.taken = taken

    def reserve(self, wanted: str) -> str:
        base = re.sub(r"[^a-z0-9_]+", "_", wanted.lower()).strip("_")[:100] or "subflow"
        slug, counter = base, 2
        while slug in self.taken:
            slug, counter = f"{base}_{counter}", counter + 1
        self.taken.add(slug)
        return slug


def _load(path: Path):
    """The parsed JSON, or a _Failure saying why not (never raises)."""
    try:
        return read_json_file(path)
    except UnreadableInput as exc:
        return _Failure(str(exc))


class _Failure:
    def __init__(self, message: str):
        self.message = message


def _slugs(relatives: list[str]) -> dict[str, str]:
    taken: set[str] = set()
    result = {}
    for relative in relatives:
        base = slug_for(relative)
        slug, counter = base, 2
        while slug in taken:
            slug, counter = f"{base}_{counter}", counter + 1
        taken.add(slug)
        result[relative] = slug
    return result


def _translate_one(relative: str, document, target_root: Path, slug: str, flow_path: str, links: WorkflowLinks,
                   subflow_path, routes: set[tuple[str, str]], guard) -> dict:
    entry = {"file": relative, "status": "error", "nodes_total": _count_nodes(document), "nodes_translated": 0,
             "placeholders": 0, "ai_placeholders": 0, "unused_sub_nodes": 0, "untranslated_types": [],
             "resources": [], "error": None, "conflicts": [], "subflows": []}
    if isinstance(document, _Failure):
        entry["error"] = document.message
        return entry
    try:
        translation = translate_workflow(document, relative, flow_path, links=links, subflow_path=subflow_path)
        _unique_routes(translation, slug, routes)
        rendered = render_translation(translation, slug)
        inline = [(sub.path.rsplit("/", 1)[-1], sub.translation) for sub in translation.subflows]
        rendered_inline = [(sub_slug, render_translation(sub, sub_slug)) for sub_slug, sub in inline]
    except (WorkflowError, StructureError) as exc:
        entry["error"] = str(exc).removeprefix(f"{relative}: ")  # the entry already names the file
        return entry
    except RecursionError:
        entry["error"] = "workflow too deeply nested to translate"
        return entry
    except Exception as exc:  # noqa: BLE001 - one broken file must not stop the folder; reported as our bug
        entry["error"] = f"internal translator error (a Phoenix bug, please report): {type(exc).__name__}: {exc}"
        return entry
    try:
        outcome = write_translation(rendered, target_root, slug, guard)
        for sub_slug, files in rendered_inline:
            outcome["conflicts"] += write_translation(files, target_root, sub_slug, guard)["conflicts"]
    except (OSError, PreservationError) as exc:
        entry["error"] = f"could not be written: {exc}"
        return entry
    # An inline sub-workflow's nodes are nodes of this file: counted with it, its resources listed with it.
    every = [translation] + [sub for _slug, sub in inline]
    status = [(t, name, state) for t in every for name, state in t.status.items()]
    placeholders = [(t, name) for t, name, state in status if state == "placeholder"]
    unused = [(t, name) for t, name, state in status if state == "unused"]  # AI sub-nodes on no root: nothing
    counted = len(status) - len(unused)
    resources = list({r["path"]: r for t in every for r in t.resources}.values())
    entry.update(status="translated", nodes_total=counted,
                 nodes_translated=counted - len(placeholders), placeholders=len(placeholders),
                 ai_placeholders=sum(1 for t, name in placeholders if is_ai_type(t.types[name])),
                 unused_sub_nodes=len(unused),
                 untranslated_types=sorted({t.types[name] for t, name in placeholders}),
                 resources=sorted(resources, key=lambda r: r["path"]),
                 conflicts=outcome["conflicts"], subflows=[sub.path for sub in translation.subflows])
    return entry


def _unique_routes(translation: Translation, slug: str, taken: set[tuple[str, str]]) -> None:
    """Copied workflows share webhook paths; a Windmill route must be unique, so later ones get the slug."""
    for trigger in translation.http_triggers:
        key = (trigger["route_path"], trigger["http_method"])
        if key in taken and trigger.get("is_flow", True):  # an app trigger's route is unique by its flow path, and baked in its script
            trigger["route_path"] = f"n8n/{slug}/{trigger['route_path'].removeprefix('n8n/')}"
            key = (trigger["route_path"], trigger["http_method"])
        taken.add(key)


def _count_nodes(document) -> int:
    if isinstance(document, dict) and isinstance(document.get("nodes"), list):
        return sum(1 for n in document["nodes"] if not (isinstance(n, dict) and n.get("type") == STICKY_NOTE))
    return 0


def render_translation(translation: Translation, slug: str) -> dict[str, str]:
    """Every file of one translated workflow, by path relative to the output folder."""
    folder = f"{slug}__flow"
    files = {f"{folder}/flow.yaml": dump_yaml(translation.flow)}
    files.update({f"{folder}/{name}": text for name, text in translation.files.items()})
    for stem, script in translation.scripts.items():  # app trigger scripts, beside the flow (their own Windmill paths)
        files[f"{stem}.ts"] = script["code"]
        files[f"{stem}.script.yaml"] = dump_yaml(script["metadata"])
    for suffix, documents in (("schedule", translation.schedules), ("http_trigger", translation.http_triggers)):
        for index, document in enumerate(documents):
            name = f"{slug}.{suffix}.yaml" if len(documents) == 1 else f"{slug}_{index + 1}.{suffix}.yaml"
            files[name] = dump_yaml(document)
    return files


def write_translation(files: dict[str, str], target_root: Path, slug: str, guard) -> dict:
    """Write one workflow's files, keeping what the operator changed; stale generated files go.

    The flow folder's manifest records them all (the trigger files beside the
    folder too). Returns ``{written, removed, conflicts}`` with paths relative
    to ``target_root``.
    """
    folder = target_root / f"{slug}__flow"
    run = GeneratedFiles.open(guard, target_root, folder / MANIFEST_NAME)
    for relative, text in files.items():
        run.write(relative, text)
    return run.finish()


def summarize(report: dict) -> dict:
    """Totals over a report: files, translated/errored, node share (sticky notes excluded)."""
    entries = report["workflows"]
    total = sum(e["nodes_total"] for e in entries)
    translated = sum(e["nodes_translated"] for e in entries)
    translated_files = [e for e in entries if e["status"] == "translated"]
    complete = sum(1 for e in translated_files if not e["placeholders"])
    return {"files": len(entries),
            "translated": len(translated_files),
            "without_placeholder": complete,
            "share_without_placeholder": round(complete / len(entries), 4) if entries else 0.0,
            "errors": sum(1 for e in entries if e["status"] == "error"),
            "nodes_total": total, "nodes_translated": translated,
            "placeholders": sum(e["placeholders"] for e in entries),
            "ai_placeholders": sum(e.get("ai_placeholders", 0) for e in entries),
            "unused_sub_nodes": sum(e.get("unused_sub_nodes", 0) for e in entries),
            "conflicts": sum(len(e.get("conflicts") or []) for e in entries),
            "share_translated": round(translated / total, 4) if total else 0.0}


def format_summary(summary: dict) -> str:
    return (f"{summary['files']} files: {summary['translated']} translated, {summary['errors']} errors; "
            f"{summary['nodes_translated']}/{summary['nodes_total']} nodes translated to real steps "
            f"({summary['share_translated']:.1%}, sticky notes excluded), {summary['placeholders']} placeholders"
            + (f" ({summary['ai_placeholders']} of them AI nodes that cannot run on the stack's models)"
               if summary.get("ai_placeholders") else "")
            + f"; {summary['without_placeholder']}/{summary['files']} workflows with no placeholder "
              f"({summary['share_without_placeholder']:.1%})"
            + (f"; {summary['unused_sub_nodes']} AI sub-node(s) attached to nothing (n8n never runs them)"
               if summary.get("unused_sub_nodes") else "")
            + (f"; {summary['conflicts']} generated file(s) kept because they were changed (see conflicts)"
               if summary.get("conflicts") else ""))


def write_report(report: dict, path: Optional[str | Path], *, stack=None, absolute_ok: bool | None = None) -> None:
    """The report as JSON at ``path`` (through the guard; without a stack, an explicit path of the caller's)."""
    if path:
        text = json.dumps(report, indent=2, ensure_ascii=True) + "\n"
        write_file(local_stack(stack), path, text, absolute_ok=stack is None if absolute_ok is None else absolute_ok)


def translate_stack_folder(stack=None, input_dir: str = "n8n/workflows", out_dir: str = "n8n/windmill",
                           path_prefix: str = DEFAULT_PATH_PREFIX) -> dict:
    """The Windmill entry point: folders relative to the stack root; a missing folder is a result, not a crash.

    ``out_dir`` may also be an absolute path (README: which settings accept one);
    a relative one must stay under the root.
    """
    loaded = stack if isinstance(stack, Stack) else load_stack(stack)
    source = loaded.under_root(input_dir)
    if source is None or not out_dir:
        which = "input_dir" if source is None else "out_dir"
        return {"ok": False, "error": f"{which} is empty: give a folder", "summary": None, "workflows": []}
    if not source.is_dir():
        return {"ok": False, "error": f"input folder not found: {source}", "summary": None, "workflows": []}
    try:
        target = resolve_target(loaded, out_dir, absolute_ok=True)
        report = translate_folder(source, out_dir, path_prefix, stack=loaded, absolute_ok=True)
    except (InputError, PreservationError) as exc:  # an output path that is a file, outside the root, a bad prefix
        return {"ok": False, "error": str(exc), "summary": None, "workflows": []}
    summary = summarize(report)
    return {"ok": True, "error": None, "summary": summary, "message": format_summary(summary),
            "output_dir": str(target), **report}
