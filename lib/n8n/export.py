"""Pull: n8n workflows into git-friendly files.

One file per workflow, named ``<slug>_<id>.json``, holding the workflow's
*canonical* form: volatile fields removed (timestamps, version counters,
sharing, instance ids, pinned and static data), tags reduced to sorted names,
credentials reduced to ``{id, name}`` references, a fixed key order at the top
and in each node, and every nested object sorted. Node positions are kept: they
are the layout an operator sees. An unchanged workflow therefore gives a
byte-identical file, and a real change gives a small diff.

Beside the files, ``.n8n-sync.yaml`` records for each workflow the file it
went to, the *base fingerprint* (a hash of the part of the workflow n8n
accepts on write, as it was when pulled; push compares it with n8n's current
state to refuse overwriting a change made in n8n after the pull) and the
sha256 of the file as written. A file changed since (by a byte) is the
operator's: a pull keeps it and says so; a file the index does not list is
never overwritten or removed. Every write goes through the guard of
``lib/preserve.py``.

Sources: the public API (``pull_from_api``) or a folder of exported JSON files
such as the operator's ``n8n/workflows/`` (``pull_from_folder``), one workflow
per file or a JSON array of them (``n8n export:workflow --all``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from ..errors import ConfigError
from ..preserve import PreservationError, guarded_write, resolve_target
from ..stack import Stack, load_stack
from .bounded import UnreadableInput, UnreadableItem, parse_yaml, read_json_file, read_text
from .client import N8nClient, writable_workflow
from .errors import N8nError
from .manifest import local_stack, sha256_of
from .workflow import WorkflowError

INDEX_NAME = ".n8n-sync.yaml"
INDEX_HEADER = ("# Written by Phoenix `n8n pull`: the file and base fingerprint of each\n"
                "# workflow as last pulled. Push uses it to detect changes made in n8n.\n")

# Fields n8n changes on its own (saves, activations, executions, sharing) or
# that hold runtime data; keeping them would make every pull a diff.
VOLATILE_KEYS = frozenset({
    "createdAt", "updatedAt", "versionId", "activeVersionId", "activeVersion",
    "versionCounter", "triggerCount", "shared", "staticData", "pinData",
    "homeProject", "scopes", "usedCredentials", "checksum",
})
VOLATILE_META_KEYS = frozenset({"instanceId"})
TOP_ORDER = ("id", "name", "description", "active", "isArchived", "tags", "settings",
             "nodes", "connections", "meta")
NODE_ORDER = ("id", "name", "type", "typeVersion", "position", "disabled", "webhookId",
              "credentials", "parameters")
SLUG_MAX = 48


# -- canonical form -----------------------------------------------------------
def canonical_workflow(raw: Mapping[str, Any]) -> dict:
    """The stable, secret-free form of a workflow that goes into git."""
    if not is_workflow(raw):
        raise WorkflowError("not an n8n workflow (needs a nodes list and a connections object)")
    # null top-level fields are dropped: GET says "description": null where
    # the list endpoint leaves the key out, and both must give one file
    present = [k for k in raw if k not in VOLATILE_KEYS and raw[k] is not None]
    ordered = [k for k in TOP_ORDER if k in present] + sorted(k for k in present if k not in TOP_ORDER)
    result: dict = {}
    for key in ordered:
        value = _canonical_top_value(key, raw[key])
        if value is not _DROP:
            result[key] = value
    return result


_DROP = object()


def _canonical_top_value(key: str, value: Any) -> Any:
    if key == "nodes":
        return [canonical_node(node) for node in value]
    if key == "tags":
        return sorted({t.get("name") if isinstance(t, Mapping) else str(t) for t in value or []} - {None})
    if key == "meta":
        meta = {k: v for k, v in (value or {}).items() if k not in VOLATILE_META_KEYS}
        return _sorted_deep(meta) if meta else _DROP
    return _sorted_deep(value)


def canonical_node(node: Mapping[str, Any]) -> dict:
    keys = [k for k in NODE_ORDER if k in node] + sorted(k for k in node if k not in NODE_ORDER)
    result = {}
    for key in keys:
        value = node[key]
        if key == "credentials" and isinstance(value, Mapping):
            value = {kind: _credential_reference(ref) for kind, ref in value.items()}
        result[key] = value if key == "position" else _sorted_deep(value)
    return result


def _credential_reference(ref: Any) -> dict:
    """Only what identifies a credential; anything else could be a secret."""
    if isinstance(ref, Mapping):
        return {k: ref[k] for k in ("id", "name") if k in ref}
    return {"name": str(ref)}  # n8n 0.x stored the bare credential name


def _sorted_deep(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _sorted_deep(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, list):
        return [_sorted_deep(v) for v in value]
    return value


def is_workflow(value: Any) -> bool:
    return (isinstance(value, Mapping) and isinstance(value.get("nodes"), list)
            and isinstance(value.get("connections"), Mapping)
            and all(isinstance(n, Mapping) for n in value["nodes"]))


def dumps_workflow(canonical: Mapping[str, Any]) -> str:
    """The exact text of a workflow file: 2-space JSON, UTF-8, final newline.

    A lone surrogate (valid in JSON text, not in UTF-8) stays a ``\\udXXX`` escape.
    """
    text = json.dumps(canonical, indent=2, ensure_ascii=False) + "\n"
    return _LONE_SURROGATE.sub(lambda match: f"\\u{ord(match.group(0)):04x}", text)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def content_fingerprint(workflow: Mapping[str, Any]) -> str:
    """Hash of what a push would write (name, nodes, connections, settings).

    Activation, tags or timestamps changing in n8n do not change it; an edit
    to the graph, a parameter or a setting does.
    """
    canonical = canonical_workflow(workflow)
    # name may be absent in hand-made exports: hash what is there
    body = writable_workflow({"name": None, **canonical})
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def slugify(name: str) -> str:
    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    return text[:SLUG_MAX].rstrip("_") or "workflow"


def file_name_for(key: str, name: str | None) -> str:
    safe_key = re.sub(r"[^A-Za-z0-9-]+", "-", key).strip("-") or "noid"
    return f"{slugify(name or '')}_{safe_key}.json"


# -- the index of base fingerprints ---------------------------------------------
def read_index(folder: Path) -> dict:
    """``{key: {file, name, fingerprint, sha256}}``; an absent index is empty."""
    path = Path(folder) / INDEX_NAME
    if not path.exists():
        return {}
    try:
        document = parse_yaml(read_text(path)) or {}
    except UnreadableInput as exc:
        raise ConfigError(str(path), "", f"unreadable sync index: {exc}") from None
    workflows = document.get("workflows") if isinstance(document, dict) else None
    if not isinstance(workflows, dict):
        raise ConfigError(str(path), "workflows", "expected a mapping of workflow ids")
    return {str(k): v for k, v in workflows.items() if isinstance(v, dict) and _safe_file(v.get("file"))}


def _safe_file(name) -> bool:
    """A file name Phoenix itself would write into the folder (never a path out of it)."""
    return name is None or (isinstance(name, str) and re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\.json", name) is not None)


def write_index(guard, folder: Path, index: Mapping[str, Mapping]) -> bool:
    body = {"workflows": {k: dict(index[k]) for k in sorted(index)}}
    text = INDEX_HEADER + yaml.safe_dump(body, sort_keys=True, allow_unicode=True, width=1000)
    return write_if_changed(guard, Path(folder) / INDEX_NAME, text)


def write_if_changed(guard, path: Path, text: str) -> bool:
    """Replace ``path`` with ``text`` through the guard (atomically) unless it already holds it."""
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except (FileNotFoundError, UnicodeDecodeError):
        pass
    guard.write(path, text)
    return True


# -- pulling ------------------------------------------------------------------
@dataclass
class Pulled:
    """One workflow as read from a source, before it is written."""

    key: str
    raw: dict
    origin: str  # "api" or the source file's path relative to its folder


@dataclass
class PullReport:
    out_dir: str
    source: str
    workflows: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    index_changed: bool = False

    def as_dict(self) -> dict:
        counts: dict[str, int] = {}
        for item in self.workflows:
            counts[item["status"]] = counts.get(item["status"], 0) + 1
        return {"source": self.source, "out_dir": self.out_dir, "counts": counts,
                "files_changed": sum(1 for w in self.workflows if w["status"] == "written")
                + len(self.removed) + int(self.index_changed),
                "workflows": self.workflows, "removed": self.removed, "errors": self.errors}


def pull_from_api(client: N8nClient, out_dir: str | os.PathLike, *, prune: bool = True,
                  discard_local_edits: bool = False, stack=None, absolute_ok: bool | None = None) -> PullReport:
    """Export every workflow n8n lists (cursor-paginated) into ``out_dir``.

    A workflow n8n returns that cannot be read (nested too deeply, not an
    object, no id) is one entry in ``errors``; the others are written.
    """
    errors: list[dict] = []

    def unreadable(item: UnreadableItem) -> None:
        errors.append({"file": "api", "id": item.id, "name": item.name, "error": item.reason})

    pulled = []
    # pinned data is dropped from the files anyway: do not transfer it
    for workflow in client.iter_workflows(exclude_pinned_data=True, on_unreadable=unreadable):
        if not isinstance(workflow, dict) or workflow.get("id") in (None, "") or isinstance(workflow.get("id"), (dict, list)):
            errors.append({"file": "api", "id": None, "error": "an entry of n8n's list is not a workflow with an id"})
            continue
        pulled.append(Pulled(str(workflow["id"]), workflow, "api"))
    report = write_workflows(pulled, Path(out_dir), source=client.base_url, prune=prune and not errors,
                             discard_local_edits=discard_local_edits, stack=stack, absolute_ok=absolute_ok)
    report.errors[:0] = errors
    return report


def pull_from_folder(src_dir: str | os.PathLike, out_dir: str | os.PathLike, *, prune: bool = True,
                     discard_local_edits: bool = False, stack=None, absolute_ok: bool | None = None) -> PullReport:
    """Export the workflows of every ``*.json`` under ``src_dir`` (recursively)."""
    src = Path(src_dir)
    if not src.is_dir():
        raise ConfigError(str(src), "", "folder of n8n workflows not found")
    pulled, errors = read_workflow_folder(src, exclude=Path(out_dir))
    report = write_workflows(pulled, Path(out_dir), source=str(src), prune=prune,
                             discard_local_edits=discard_local_edits, stack=stack, absolute_ok=absolute_ok)
    report.errors[:0] = errors
    return report


def read_workflow_folder(src: Path, exclude: Path | None = None) -> tuple[list[Pulled], list[dict]]:
    """Workflows found under ``src`` and one error entry per unusable file."""
    pulled: list[Pulled] = []
    errors: list[dict] = []
    seen: dict[str, str] = {}
    excluded = exclude.resolve() if exclude else None
    for path in sorted(src.rglob("*.json")):
        if excluded and (path.resolve() == excluded or excluded in path.resolve().parents):
            continue
        rel = path.relative_to(src).as_posix()
        try:
            found = _workflows_in_file(path)
        except ValueError as exc:
            errors.append({"file": rel, "error": str(exc)})
            continue
        for position, raw in enumerate(found):
            key = str(raw["id"]) if raw.get("id") not in (None, "") else _local_key(rel, position)
            if key in seen:
                errors.append({"file": rel, "error": f"duplicate workflow id {key!r} "
                               f"(already taken from {seen[key]}); skipped"})
                continue
            seen[key] = rel
            pulled.append(Pulled(key, raw, rel))
    return pulled, errors


def _workflows_in_file(path: Path) -> list[dict]:
    try:
        document = read_json_file(path)
    except UnreadableInput as exc:
        raise WorkflowError(str(exc)) from None
    items = document if isinstance(document, list) else [document]
    if not items or not all(is_workflow(item) for item in items):
        raise WorkflowError("not an n8n workflow (needs a nodes list and a connections object)")
    return items


def _local_key(rel: str, position: int) -> str:
    """A stable stand-in id for a file that has none (never sent to n8n)."""
    digest = hashlib.sha1(f"{rel}#{position}".encode()).hexdigest()[:10]
    return f"local-{digest}"


def write_workflows(pulled: Iterable[Pulled], out_dir: Path, *, source: str, prune: bool,
                    discard_local_edits: bool = False, stack=None, absolute_ok: bool | None = None) -> PullReport:
    """Write canonical files, drop stale ones, and refresh the index, all through the guard.

    A file changed since the last pull (its bytes no longer match what was
    written) is the operator's: kept as it is, with its old base, unless
    ``discard_local_edits``; a scheduled pull must never destroy work in
    progress. Push then sees whether n8n changed meanwhile. A file the index
    does not list is never overwritten or removed (``kept_foreign_file``).
    Without a stack, the root is the current folder and ``out_dir`` the
    caller's explicit choice (absolute allowed).
    """
    guarded = local_stack(stack)
    allow = stack is None if absolute_ok is None else absolute_ok
    try:
        with guarded_write(guarded, out_dir, absolute_ok=allow) as guard:
            out_dir = guard.mkdir(guard.targets[0])
            return _write_all(guard, list(pulled), out_dir, source, prune, discard_local_edits)
    except PreservationError as exc:
        raise ConfigError("pull", "out_dir", str(exc)) from None


def _write_all(guard, pulled: list[Pulled], out_dir: Path, source: str, prune: bool,
               discard_local_edits: bool) -> PullReport:
    old_index = read_index(out_dir)
    index: dict[str, dict] = {} if prune else dict(old_index)
    tracked = {entry.get("file") for entry in old_index.values()}
    report = PullReport(out_dir=str(out_dir), source=source)
    for item in pulled:
        try:
            canonical = canonical_workflow(item.raw)
            fingerprint = content_fingerprint(canonical)
        except (ValueError, N8nError) as exc:
            report.errors.append({"file": item.origin, "id": item.key, "error": str(exc)})
            continue
        name = canonical.get("name")
        previous = old_index.get(item.key, {})
        edited = None if discard_local_edits else local_edit(out_dir, previous)
        if edited:
            index[item.key] = dict(previous)
            report.workflows.append({"id": item.key, "name": name, "file": previous["file"],
                                     "origin": item.origin, "status": "kept_local_edit",
                                     "reason": edited + ("" if fingerprint == previous.get("fingerprint")
                                                         else "; n8n changed too: push will report a conflict")})
            continue
        file_name = file_name_for(item.key, name or Path(item.origin).stem)
        text = dumps_workflow(canonical)
        if file_name not in tracked and _differs(out_dir / file_name, text):
            if previous:
                index[item.key] = dict(previous)
            report.workflows.append({"id": item.key, "name": name, "file": file_name, "origin": item.origin,
                                     "status": "kept_foreign_file",
                                     "reason": "a file of that name exists that Phoenix did not write: kept, "
                                               "the workflow was not written (move the file away to pull it)"})
            continue
        changed = write_if_changed(guard, out_dir / file_name, text)
        if previous.get("file") and previous["file"] != file_name:  # renamed in n8n: the old file goes
            _remove(guard, out_dir / previous["file"], report)
        index[item.key] = {"file": file_name, "name": name, "fingerprint": fingerprint,
                           "sha256": sha256_of(text.encode("utf-8"))}
        report.workflows.append({"id": item.key, "name": name, "file": file_name, "origin": item.origin,
                                 "status": "written" if changed else "unchanged"})
    if prune:
        _prune(guard, out_dir, old_index, index, report, discard_local_edits)
    report.index_changed = write_index(guard, out_dir, index)
    return report


def _prune(guard, out_dir: Path, old_index: dict, index: dict, report: PullReport, discard_local_edits: bool) -> None:
    """Files of workflows gone from the source: removed, unless edited here (then kept and listed)."""
    for key in sorted(set(old_index) - set(index)):
        if not old_index[key].get("file"):
            continue
        if not discard_local_edits and local_edit(out_dir, old_index[key]):
            index[key] = dict(old_index[key])
            report.workflows.append({"id": key, "name": old_index[key].get("name"),
                                     "file": old_index[key]["file"], "origin": None,
                                     "status": "kept_local_edit",
                                     "reason": "no longer in the source, but edited since the last pull"})
            continue
        _remove(guard, out_dir / old_index[key]["file"], report)


def _differs(path: Path, text: str) -> bool:
    """Whether a file is there with other content than ``text``."""
    try:
        return path.read_bytes() != text.encode("utf-8")
    except FileNotFoundError:
        return False
    except OSError:
        return True


def local_edit(out_dir: Path, entry: Mapping) -> str | None:
    """Why the file of an index entry counts as changed since the pull, or None.

    With the sha256 recorded at the pull, any change of a byte counts; an
    older index without it falls back to the part of the workflow n8n stores.
    """
    if not entry.get("file") or not entry.get("fingerprint"):
        return None
    path = out_dir / entry["file"]
    if not path.exists():
        return None  # deleted by hand: the pull restores it
    try:
        document = read_json_file(path)
        current = content_fingerprint(document)
    except (UnreadableInput, ValueError, N8nError):
        return "the file is not a readable workflow any more (edited by hand?)"
    if current != entry["fingerprint"]:
        return "edited since the last pull (not pushed yet)"
    if entry.get("sha256") and sha256_of(path.read_bytes()) != entry["sha256"]:
        return "changed since the last pull outside what n8n stores (formatting, tags, ...): kept"
    return None


def _remove(guard, path: Path, report: PullReport) -> None:
    if path.exists() and path.suffix == ".json":
        guard.remove(path)
        report.removed.append(path.name)


# -- the entry point scripts call ------------------------------------------------
def pull(stack: Stack | Mapping | str | None = None, *, source: str = "api",
         folder: str | None = None, out_dir: str = "n8n/git", prune: bool = True,
         discard_local_edits: bool = False, client: N8nClient | None = None) -> dict:
    """Pull from n8n's API or from a folder into ``out_dir`` (relative to the stack root).

    Expected failures (n8n down, bad key, missing folder) come back as
    ``{"ok": False, "error": {...}}``; per-file problems are listed in
    ``errors`` and never stop the other workflows.
    """
    stack = stack if isinstance(stack, Stack) else load_stack(stack)
    try:
        if not out_dir:
            raise ConfigError("pull", "out_dir", "empty: give the folder the workflows are written to")
        try:  # relative under the root; absolute where the README allows it (out_dir does)
            target = resolve_target(stack, out_dir, absolute_ok=True)
        except PreservationError as exc:
            raise ConfigError("pull", "out_dir", str(exc)) from None
        _check_output(target)
        if source == "api":
            api = client or N8nClient.from_stack(stack)
            try:
                report = pull_from_api(api, target, prune=prune, discard_local_edits=discard_local_edits,
                                       stack=stack, absolute_ok=True)
            finally:
                if client is None:
                    api.close()
        elif source == "folder":
            report = pull_from_folder(stack.under_root(folder or "n8n/workflows"), target, prune=prune,
                                      discard_local_edits=discard_local_edits, stack=stack, absolute_ok=True)
        else:
            raise ConfigError("pull", "source", f"unknown source {source!r} (api or folder)")
    except (N8nError, ConfigError) as exc:
        return exc.as_result()
    return {"ok": True, **report.as_dict()}


def _check_output(target: Path | None) -> None:
    """Refuse an empty or occupied output before any request (it failed with a traceback after them)."""
    if target is None:
        raise ConfigError("pull", "out_dir", "empty: give the folder the workflows are written to")
    if target.exists() and not target.is_dir():
        raise ConfigError("pull", "out_dir", f"{target} is a file, not a folder")

