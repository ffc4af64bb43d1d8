# GENERATED from lib/workspace/install.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""Install Roo Code's Phoenix orchestrator, its MCP tools and the seed's VS Code workspace: plan, apply, uninstall.

Files, in the operator's root:
- ``.roomodes``: the ``phoenix-orchestrator`` mode, beside the operator's modes (YAML or JSON);
- ``.roo/rules-phoenix-orchestrator/phoenix-0N-*.md``: the mode's rules, Phoenix's own files;
- ``.roo/mcp.json``: the ``phoenix-windmill`` server, beside the operator's servers;
- ``.vscode/settings.json`` and ``.vscode/tasks.json``: the seed's entries and tasks;
- ``.phoenix/workspace-install.json``: Phoenix's record of what it added.

``plan`` (the default) writes nothing and shows the unified diff of every
file. ``apply`` writes exactly that, through the preservation guard
(``lib/preserve.py``: a verified backup of ``.roo/`` first, nothing outside
the root, no symbolic link out of it). A second ``apply`` finds nothing to
change. ``uninstall`` takes back only what Phoenix added: a file Phoenix
has not seen changed since it wrote it gets its earlier content back byte for
byte (or is removed, if Phoenix created it); in a file the operator changed
since, only Phoenix's entries still as Phoenix wrote them are removed.
``plan_uninstall`` shows that without writing.

An entry the operator already has with another value is the operator's and
is kept (listed under ``kept``); malformed files are refused, naming the line,
before anything is written.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import InputError, PhoenixError
from ..preserve import guarded_write, resolve_target
from ..stack import Stack, load_stack
from .install_docs import add_entries, open_document, remove_entries
from .roo_modes import is_json
from .roo import (DEFAULT_TOKEN_ENV, MCP_SERVER, RULES_DIR, check_token_env, mcp_server_entry, orchestrator_mode,
                  roo_provider, rules_files, stack_facts)
from .vscode import NEW_FILE_HEADER, SETTINGS_FILE, TASKS_FILE, settings_entries, tasks_entries

ACTIONS = ("plan", "apply", "uninstall", "plan_uninstall")
MANIFEST = ".phoenix/workspace-install.json"
MAX_FILE_BYTES = 5 * 1024 * 1024
PHOENIX_HOME_REFERENCE = "${env:PHOENIX_HOME}"


class WorkspaceError(PhoenixError):
    """The workspace cannot be installed or uninstalled as asked; nothing was written."""

    kind = "workspace_refused"


@dataclass
class Managed:
    """One file Phoenix manages: entries it adds to the operator's file, or a whole file of its own."""

    path: str
    entries: list = field(default_factory=list)
    content: str | None = None      # a file of Phoenix's own
    roomodes: bool = False
    header: str = ""                # starts a JSONC file Phoenix creates


@dataclass
class FilePlan:
    path: str
    before: str | None
    after: str | None
    record: dict | None = None      # the manifest record after this action (None: no record)
    added: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    kept: list = field(default_factory=list)
    removed: list = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.before == self.after:
            return "unchanged"
        if self.before is None:
            return "create"
        return "delete" if self.after is None else "update"

    def report(self) -> dict:
        return {"path": self.path, "status": self.status, "diff": unified_diff(self.path, self.before, self.after),
                "sha256_before": sha256(self.before), "sha256_after": sha256(self.after),
                "added": self.added, "updated": self.updated, "kept": self.kept, "removed": self.removed}


def sha256(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode("utf-8")).hexdigest()


def unified_diff(path: str, before: str | None, after: str | None) -> str:
    """The change as a unified diff (``\\ No newline at end of file`` where a file ends without one)."""
    if before == after:
        return ""
    old, new = "/dev/null" if before is None else f"a/{path}", "/dev/null" if after is None else f"b/{path}"
    lines = list(difflib.unified_diff(_lines(before or ""), _lines(after or ""), old, new))
    if not lines:  # an empty file created or removed
        return f"--- {old}\n+++ {new}\n"
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def _lines(text: str) -> list[str]:
    """Lines ending at "\n" only: str.splitlines would also split inside a JSON string at U+2028 or \f."""
    parts = text.split("\n")
    return [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def run_install(stack=None, action: str = "plan", *, mcp_token_env: str = DEFAULT_TOKEN_ENV,
                phoenix_dir: str = "", stack_file: str = "") -> dict:
    """Plan, apply or take back the Roo Code and VS Code workspace files (see the module doc)."""
    if action not in ACTIONS:
        raise InputError(f"action={action!r} is not one of: {', '.join(ACTIONS)}")
    stack = stack if isinstance(stack, Stack) else load_stack(stack)
    if not stack.root.is_dir():
        raise WorkspaceError(f"the stack root {stack.root} is not a folder: nothing was changed")
    token_env = check_token_env(mcp_token_env)
    checkout = _phoenix_checkout()
    tasks_dir = phoenix_dir or (str(checkout) if checkout else PHOENIX_HOME_REFERENCE)
    manifest = _read_manifest(stack)
    if action in ("plan", "apply"):
        files = managed_files(stack, token_env, tasks_dir, stack_file or None)
        plans, created_dirs = _plan_install(stack, files, manifest), _new_dirs(stack, files, manifest)
    else:
        plans, created_dirs = _plan_uninstall(stack, manifest), []
    plans.append(_manifest_plan(stack, manifest, plans, created_dirs, uninstall=action.endswith("uninstall")))
    removed_dirs = manifest.get("created_dirs", []) if action == "uninstall" else []
    backup = _write(stack, plans, removed_dirs) if action in ("apply", "uninstall") else None
    return _result(stack, action, plans, backup, token_env, tasks_dir, stack_file, checkout)


def managed_files(stack: Stack, token_env: str, tasks_dir: str, stack_file: str | None) -> list[Managed]:
    facts = stack_facts(stack)
    files = [Managed(".roomodes", [(["customModes", -1], orchestrator_mode(facts))], roomodes=True),
             Managed(".roo/mcp.json", [(["mcpServers", MCP_SERVER], mcp_server_entry(stack, token_env))])]
    files += [Managed(f"{RULES_DIR}/{name}", content=text) for name, text in rules_files(facts, token_env).items()]
    files += [Managed(SETTINGS_FILE, settings_entries(stack), header=NEW_FILE_HEADER),
              Managed(TASKS_FILE, tasks_entries(tasks_dir, stack_file), header=NEW_FILE_HEADER)]
    return files


# --- reading ---------------------------------------------------------------------------------------

def _read(stack: Stack, relative: str) -> str | None:
    """The operator's file as text, None when absent; refused when it is a link out of the root or not text."""
    path = resolve_target(stack, relative)
    if not path.exists() and not path.is_symlink():
        return None
    if not path.is_file():
        raise WorkspaceError(f"{relative} is not a regular file: nothing was changed")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise WorkspaceError(f"{relative} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB: not a settings "
                             "file Phoenix will edit; nothing was changed")
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WorkspaceError(f"{relative} is not UTF-8 text ({exc.reason} at byte {exc.start}): "
                             "nothing was changed") from exc


def _read_manifest(stack: Stack) -> dict:
    text = _read(stack, MANIFEST)
    if text is None:
        return {"version": 1, "files": {}, "created_dirs": []}
    try:
        manifest = json.loads(text)
        if not isinstance(manifest.get("files"), dict) or not isinstance(manifest.get("created_dirs", []), list):
            raise ValueError("unexpected layout")
        for relative, record in manifest["files"].items():
            _check_record(relative, record)
    except (ValueError, AttributeError) as exc:
        raise WorkspaceError(f"{MANIFEST} (Phoenix's record of what it added) is malformed ({exc}); restore it "
                             "from a backup, or delete it if Phoenix's entries were removed by hand: "
                             "nothing was changed") from exc
    manifest.setdefault("created_dirs", [])
    return manifest


def _check_record(relative: str, record) -> None:
    """One file's record: what it must hold for uninstall to trust it (ValueError otherwise)."""
    fields = {"created": bool, "installed_sha256": str}
    if isinstance(record, dict) and "owned" in record:
        fields.update(owned=list, containers=list, original=(str, type(None)))
    if not isinstance(record, dict) or any(not isinstance(record.get(k, ...), t) for k, t in fields.items()):
        raise ValueError(f"the record of {relative} is incomplete")
    if not all(isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], list)
               for entry in record.get("owned", [])):
        raise ValueError(f"the entries recorded for {relative} are malformed")


# --- planning --------------------------------------------------------------------------------------

def _plan_install(stack: Stack, files: list[Managed], manifest: dict) -> list[FilePlan]:
    plans = []
    for managed in files:
        before = _read(stack, managed.path)
        record = manifest["files"].get(managed.path)
        if managed.content is not None:
            plans.append(_plan_own_file(managed, before, record))
        else:
            plans.append(_plan_entries(managed, before, record))
    return plans


def _plan_own_file(managed: Managed, before: str | None, record: dict | None) -> FilePlan:
    if before is None or (record and sha256(before) == record["installed_sha256"]) or before == managed.content:
        created = record["created"] if record else True
        return FilePlan(managed.path, before, managed.content,
                        {"created": created, "installed_sha256": sha256(managed.content)},
                        added=[] if before is not None else [managed.path],
                        updated=[managed.path] if before not in (None, managed.content) else [])
    reason = "you changed it since Phoenix wrote it" if record else "a file of yours has this name"
    return FilePlan(managed.path, before, before, record, kept=[f"{managed.path}: {reason} (left as it is)"])


def _plan_entries(managed: Managed, before: str | None, record: dict | None) -> FilePlan:
    start = before if before is not None else managed.header
    owned = [tuple(entry) for entry in record["owned"]] if record else []
    after, outcome = add_entries(start, managed.path, managed.entries, owned, managed.roomodes,
                                 record["containers"] if record else [])
    if before is None and not outcome.owned:
        after = None
    plan = FilePlan(managed.path, before, after, added=outcome.added, updated=outcome.updated, kept=outcome.kept)
    if not outcome.owned and not record:
        return plan
    if record is None:
        original = {"created": before is None, "original": before}
    elif after == before or sha256(before) == record["installed_sha256"]:
        original = {"created": record["created"], "original": record["original"]}
    else:  # changed by the operator since Phoenix wrote it: its earlier content is no longer the one to restore
        original = {"created": record["created"], "original": None}
    installed = sha256(after) if after != before or record is None else record["installed_sha256"]
    plan.record = {**original, "installed_sha256": installed, "owned": [list(e) for e in outcome.owned],
                   "containers": outcome.containers}
    return plan


def _plan_uninstall(stack: Stack, manifest: dict) -> list[FilePlan]:
    plans = []
    for relative, record in manifest["files"].items():
        before = _read(stack, relative)
        unchanged = before is not None and sha256(before) == record["installed_sha256"]
        if before is None:
            plans.append(FilePlan(relative, None, None, kept=[f"{relative}: already gone"]))
        elif "owned" not in record:  # a file of Phoenix's own (a rule file)
            if unchanged and record["created"]:
                plans.append(FilePlan(relative, before, None, removed=[relative]))
            else:
                plans.append(FilePlan(relative, before, before,
                                      kept=[f"{relative}: changed since Phoenix wrote it (left as it is)"]))
        elif unchanged and (record["created"] or record["original"] is not None):
            after = None if record["created"] else record["original"]
            plans.append(FilePlan(relative, before, after, removed=[f"{relative}: back as it was before Phoenix"]))
        else:
            plans.append(_plan_take_back(relative, before, record))
    return plans


def _plan_take_back(relative: str, before: str, record: dict) -> FilePlan:
    owned = [tuple(entry) for entry in record["owned"]]
    after, outcome = remove_entries(before, relative, owned, record["containers"], roomodes=relative == ".roomodes")
    if record["created"] and not open_document(after, relative, relative == ".roomodes").value():
        after = None  # only what Phoenix wrote was left: the file goes, as Phoenix created it
    return FilePlan(relative, before, after, removed=outcome.removed, kept=outcome.kept)


def _new_dirs(stack: Stack, files: list[Managed], manifest: dict) -> list[str]:
    """Folders this install creates (recorded so that uninstall removes them when empty)."""
    created = set(manifest.get("created_dirs", []))
    for managed in files:
        parent = Path(managed.path).parent
        while parent != Path("."):
            if not (stack.root / parent).exists():
                created.add(parent.as_posix())
            parent = parent.parent
    for parent in (Path(MANIFEST).parent,):
        if not (stack.root / parent).exists():
            created.add(parent.as_posix())
    return sorted(created, key=lambda p: (-p.count("/"), p))


def _manifest_plan(stack: Stack, manifest: dict, plans: list[FilePlan], created_dirs: list[str],
                   uninstall: bool) -> FilePlan:
    before = _read(stack, MANIFEST)
    if uninstall:
        return FilePlan(MANIFEST, before, None, removed=[MANIFEST] if before is not None else [])
    records = {plan.path: plan.record for plan in plans if plan.record is not None}
    if not records:
        return FilePlan(MANIFEST, before, before)
    document = {"version": 1, "written_by": "f/phoenix/workspace/install",
                "note": "What Phoenix added to this folder; its uninstall reads this. Do not edit.",
                "files": records, "created_dirs": created_dirs}
    after = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if before is not None and _without_dirs(before) == _without_dirs(after) and not any(
            p.status != "unchanged" for p in plans):
        after = before  # nothing else changes: the record stays as it is
    return FilePlan(MANIFEST, before, after)


def _without_dirs(text: str) -> dict:
    try:
        document = json.loads(text)
    except ValueError:
        return {}
    document.pop("created_dirs", None)
    return document


# --- writing ---------------------------------------------------------------------------------------

def _write(stack: Stack, plans: list[FilePlan], removed_dirs: list[str]) -> dict | None:
    """Write every change under one guard; the record first on install, last on uninstall."""
    changed = [plan for plan in plans if plan.status != "unchanged"]
    if not changed:
        return None
    record_first = [p for p in changed if p.path == MANIFEST and p.after is not None]
    order = record_first + [p for p in changed if p not in record_first]
    targets = [plan.path for plan in order] + list(removed_dirs)
    with guarded_write(stack, *targets) as guard:
        for plan in order:
            if _read(stack, plan.path) != plan.before:
                raise WorkspaceError(f"{plan.path} changed while Phoenix was writing; run again "
                                     "(files written so far are listed in the backup record)")
            if plan.after is None:
                guard.remove(stack.root / plan.path)
            else:
                guard.write(stack.root / plan.path, plan.after.encode("utf-8"))
        for folder in removed_dirs:
            if (stack.root / folder).is_dir() and not any((stack.root / folder).iterdir()):
                guard.remove(stack.root / folder)
    return guard.record


# --- the result ------------------------------------------------------------------------------------

def _phoenix_checkout() -> Path | None:
    """The Phoenix checkout this code runs from, when it runs from one (not inside a Windmill worker)."""
    for parent in Path(__file__).resolve().parents:
        if (parent / "scripts" / "run.py").is_file() and (parent / "wmill.yaml").is_file():
            return parent
    return None


def _route_in_package(checkout: Path | None) -> bool | None:
    """Whether the checkout has the OpenAI-compatible route of issue 16 (None: no checkout to look in)."""
    if checkout is None:
        return None

    for trigger in (checkout / "f" / "phoenix").rglob("*.http_trigger.yaml"):
        try:
            document = yaml.safe_load(trigger.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            continue
        if isinstance(document, dict) and document.get("route_path") == "phoenix/v1/chat/completions":
            return True
    return False


def _result(stack: Stack, action: str, plans: list[FilePlan], backup, token_env: str, tasks_dir: str,
            stack_file: str, checkout: Path | None) -> dict:
    files = [plan.report() for plan in plans if plan.status != "unchanged" or plan.kept]
    changing = [f for f in files if f["status"] != "unchanged"]
    verb = {"plan": "would change", "apply": "changed", "uninstall": "changed",
            "plan_uninstall": "would change"}[action]
    summary = (f"{verb} {len(changing)} file(s): " + ", ".join(f"{f['path']} ({f['status']})" for f in changing)
               if changing else "nothing to change")
    result = {
        "action": action,
        "root": str(stack.root),
        "changed": bool(changing) and action in ("apply", "uninstall"),
        "summary": summary,
        "files": files,
        "kept": [line for plan in plans for line in plan.kept],
        "backup": backup,
        "mcp": {"server": MCP_SERVER, "url": mcp_server_entry(stack, token_env)["url"], "token_env": token_env},
        "roo_provider": roo_provider(stack, _route_in_package(checkout)),
        "tasks_run_from": tasks_dir,
        "notes": _notes(stack, action, token_env, tasks_dir, stack_file, checkout),
    }
    result["markdown"] = _markdown(result)
    return result


def _markdown(result: dict) -> str:
    """The result to read (Windmill and scripts/run.py show it): the summary, each file's diff, notes."""
    lines = [f"## Workspace {result['action'].replace('_', ' ')}: {result['root']}", "", result["summary"], ""]
    for shown in result["files"]:
        lines += [f"### {shown['path']} ({shown['status']})", ""]
        for label in ("added", "updated", "removed", "kept"):
            if shown[label]:
                lines.append(f"- {label}: " + "; ".join(shown[label]))
        if shown["diff"]:  # every diff line starts with " ", "+", "-", "@" or "\\": none can close the fence
            lines += ["", "```diff", shown["diff"].rstrip("\n"), "```"]
        lines.append("")
    if result["backup"]:
        lines += [f"Backup first: {result['backup'].get('archive') or result['backup'].get('note')}", ""]
    if result["notes"]:
        lines += ["### Notes", ""] + [f"- {note}" for note in result["notes"]]
    return "\n".join(lines).rstrip("\n") + "\n"


def _strict_json_notes(stack: Stack) -> list[str]:
    """Roo Code reads .roo/mcp.json (and a JSON .roomodes) with JSON.parse: comments there stop it reading them."""
    notes = []
    for relative in (".roo/mcp.json", ".roomodes"):
        text = _read(stack, relative)
        if text is None or (relative == ".roomodes" and not is_json(text)):
            continue
        try:
            json.loads(text)
        except ValueError:
            notes.append(f"{relative} has comments or trailing commas, which Phoenix kept; Roo Code reads it as "
                         "strict JSON and cannot load it until they are removed")
    return notes


def _notes(stack: Stack, action: str, token_env: str, tasks_dir: str, stack_file: str,
           checkout: Path | None) -> list[str]:
    if action.endswith("uninstall"):
        return []
    notes = [f"Roo Code reads the MCP token from the environment variable {token_env} of the process VS Code "
             "starts from: a Windmill token with an mcp scope (Account settings > Tokens > Generate MCP URL, "
             "or the scope mcp:all:f/phoenix/* for Phoenix's scripts and flows only); Phoenix never writes it.",
             "Roo Code's own model: an 'OpenAI Compatible' provider at roo_provider.base_url; that route is "
             "issue 16's and must be deployed first (see roo_provider.needs)."]
    if tasks_dir == PHOENIX_HOME_REFERENCE:
        notes.append("the VS Code tasks run from ${env:PHOENIX_HOME}: set it to your Phoenix checkout, or run "
                     "the install again with phoenix_dir")
    elif not (Path(tasks_dir) / "scripts" / "run.py").is_file():
        notes.append(f"phoenix_dir {tasks_dir} has no scripts/run.py here; the tasks assume it does where VS "
                     "Code runs")
    if checkout is not None and not (checkout / "scripts" / "stack.py").is_file():
        notes.append("the task 'Phoenix: Start Complete Stack' runs scripts/stack.py, which this checkout does "
                     "not have yet (the Podman stack command)")
    notes += _strict_json_notes(stack)
    if not stack_file:
        notes.append("the tasks pass no --stack: scripts read $PHOENIX_STACK, or the defaults")
    elif not os.path.isfile(os.path.expanduser(stack_file)):
        notes.append(f"stack_file {stack_file} is not a file here")
    return notes
