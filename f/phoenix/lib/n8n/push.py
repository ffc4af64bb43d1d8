# GENERATED from lib/n8n/push.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""Push: send edited workflow files back to n8n, safely.

For each workflow file in a pulled folder (see ``export.py``) push compares
three versions of the part n8n accepts on write (name, nodes, connections,
settings):

- *local*: the file as it is now (maybe edited in git);
- *remote*: what n8n holds now (GET);
- *base*: the fingerprint recorded when the folder was last pulled.

and decides:

| local vs remote | remote vs base | local vs base | outcome                                  |
|-----------------|----------------|---------------|------------------------------------------|
| same            | any            | any           | ``unchanged``: no request that writes    |
| different       | same           | different     | ``would_update`` (dry run) / ``updated`` |
| different       | different      | same          | ``outdated``: pull to get n8n's change   |
| different       | different      | different     | ``conflict``: both sides changed         |

A dry run (the default) writes nothing anywhere and returns the diff of each
change. A real push first saves n8n's current version of every workflow it is
about to overwrite into a time-stamped backup folder (through the guard of
``lib/preserve.py``, like the rewritten files and index), then PUTs only the
writable fields, then re-reads the workflow and records it as the new base so
the next push starts from what n8n really holds. ``on_conflict="overwrite"``
pushes over a conflict (still with a backup).
"""

from __future__ import annotations

import difflib
import json
import os
import time
from pathlib import Path
from typing import Any, Mapping

from contextlib import nullcontext

from ..backup.archive import backup_dir as backup_folder
from ..errors import ConfigError
from ..preserve import PreservationError, guarded_write, resolve_target
from ..stack import Stack, load_stack
from .bounded import UnreadableInput, read_json_file
from .client import N8nClient, writable_workflow
from .errors import N8nAuthError, N8nError, N8nNotFound, N8nTimeout, N8nUnreachable
from .export import (INDEX_NAME, canonical_workflow, content_fingerprint, dumps_workflow, file_name_for,
                     is_workflow, read_index, write_if_changed, write_index)
from .manifest import local_stack, sha256_of
from .workflow import WorkflowError

DIFF_LIMIT = 20_000
ON_CONFLICT = ("refuse", "overwrite")


def push_folder(client: N8nClient, folder: str | os.PathLike, *, dry_run: bool = True,
                on_conflict: str = "refuse", only_ids: list[str] | None = None,
                create_missing: bool = False, backup_dir: str | os.PathLike | None = None,
                stack=None, absolute_ok: bool | None = None) -> dict:
    """Push every workflow file of ``folder`` (or ``only_ids``) to n8n.

    The folder and the backup folder are written only through the guard of
    ``stack`` (default: rooted at the current folder, paths the caller's
    explicit choice).
    """
    guarded = local_stack(stack)
    allow = stack is None if absolute_ok is None else absolute_ok
    if on_conflict not in ON_CONFLICT:
        raise ConfigError("push", "on_conflict", f"must be one of {', '.join(ON_CONFLICT)}")
    folder = Path(folder)
    if not folder.is_dir():
        raise ConfigError(str(folder), "", "folder of pulled workflows not found")
    index = read_index(folder)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    # never inside the folder: a translator or a second pull would read backups as workflows
    backups = Path(backup_dir or folder.parent / f"{folder.name}-backups") / stamp
    # One cheap read first: a dry run of files n8n never saw asks nothing else, and must
    # not report a plan n8n could not take (unreachable, wrong key) as ok.
    next(client.iter_workflows(limit=1, on_unreadable=lambda _item: None), None)
    try:
        # a dry run writes nothing, so it takes no backup of .roo/ or omas/ either
        with (nullcontext() if dry_run else guarded_write(guarded, folder, backups, absolute_ok=allow)) as guard:
            context = _Context(client, folder, index, dry_run, on_conflict, create_missing, backups, guard)
            results = [r for r in (context.push_file(path, only_ids) for path in sorted(folder.glob("*.json")))
                       if r is not None]
            if not dry_run:
                write_index(guard, folder, context.index)
    except PreservationError as exc:
        raise ConfigError("push", "folder", str(exc)) from None
    counts: dict[str, int] = {}
    for item in results:
        counts[item["status"]] = counts.get(item["status"], 0) + 1
    return {"dry_run": dry_run, "folder": str(folder), "counts": counts,
            "backup_dir": str(backups) if context.backed_up else None, "workflows": results}


class _Context:
    """The state one push run shares across files."""

    def __init__(self, client, folder, index, dry_run, on_conflict, create_missing, backups, guard):
        self.guard = guard
        self.client = client
        self.folder = folder
        self.index = dict(index)
        self.dry_run = dry_run
        self.on_conflict = on_conflict
        self.create_missing = create_missing
        self.backups = backups
        self.backed_up = False
        self.files_by_key = {v.get("file"): k for k, v in index.items()}

    def push_file(self, path: Path, only_ids: list[str] | None) -> dict | None:
        result: dict[str, Any] = {"file": path.name}
        try:
            local = _load_local(path)
        except ValueError as exc:
            return {**result, "status": "error", "error": str(exc)} if not only_ids else None
        key = str(local["id"]) if local.get("id") else self.files_by_key.get(path.name)
        if only_ids and key not in only_ids:
            return None
        result.update(id=key, name=local.get("name"))
        try:
            result.update(self._decide(path, key, local))
        except (N8nUnreachable, N8nTimeout, N8nAuthError):
            raise  # the same for every file: stop and say it once
        except N8nError as exc:
            result.update(status="error", error=str(exc), error_kind=exc.kind)
        return result

    def _decide(self, path: Path, key: str | None, local: dict) -> dict:
        if not local.get("id"):
            return self._create(path, key, local, reason="the file has no n8n id")
        try:
            remote = self.client.get_workflow(local["id"])
        except N8nNotFound:
            return self._create(path, key, local, reason=f"workflow {local['id']} is not in n8n")
        local_fp, remote_fp = content_fingerprint(local), content_fingerprint(remote)
        if local_fp == remote_fp:
            return {"status": "unchanged"}
        base_fp = self.index.get(key, {}).get("fingerprint")
        diff = workflow_diff(remote, local, path.name)
        if remote_fp != base_fp:
            if local_fp == base_fp and self.on_conflict == "refuse":
                return {"status": "outdated", "diff": diff,
                        "reason": "changed in n8n since the last pull, file not edited: nothing to push; "
                                  "pull to bring n8n's change into git"}
            reason = ("changed in n8n since the last pull" if base_fp
                      else "no base fingerprint (file never pulled): cannot tell who changed it")
            if self.on_conflict == "refuse":
                return {"status": "conflict", "diff": diff,
                        "reason": reason + "; commit the file, pull again, merge with git, then push"}
            if self.dry_run:
                return {"status": "would_overwrite", "reason": reason, "diff": diff}
        elif self.dry_run:
            return {"status": "would_update", "diff": diff}
        backup = self._backup(remote, path.name)
        self.client.update_workflow(local["id"], local)
        self._record(path, key, self.client.get_workflow(local["id"]))
        return {"status": "updated", "diff": diff, "backup": str(backup)}

    def _create(self, path: Path, key: str | None, local: dict, reason: str) -> dict:
        if not self.create_missing:
            return {"status": "missing_remote", "reason": reason + " (create_missing is off)"}
        if self.dry_run:
            return {"status": "would_create", "reason": reason}
        created = self.client.create_workflow(local)
        self._record(path, key, self.client.get_workflow(created["id"]), drop_key=key)
        return {"status": "created", "new_id": created["id"]}

    def _backup(self, remote: Mapping, file_name: str) -> Path:
        """n8n's current version, raw as GET returned it, before we overwrite it."""
        target = self.guard.write(self.backups / file_name, json.dumps(remote, indent=2, ensure_ascii=True) + "\n")
        self.backed_up = True
        return target

    def _record(self, path: Path, key: str | None, remote: dict, drop_key: str | None = None) -> None:
        """Rewrite the file and its base from what n8n holds after the write."""
        canonical = canonical_workflow(remote)
        new_key = str(remote["id"])
        new_name = file_name_for(new_key, canonical.get("name"))
        text = dumps_workflow(canonical)
        write_if_changed(self.guard, self.folder / new_name, text)
        if new_name != path.name:
            self.guard.remove(path)
        if drop_key and drop_key != new_key:
            self.index.pop(drop_key, None)
        self.index[new_key] = {"file": new_name, "name": canonical.get("name"),
                               "fingerprint": content_fingerprint(canonical), "sha256": sha256_of(text.encode("utf-8"))}


def _load_local(path: Path) -> dict:
    try:
        document = read_json_file(path)
    except UnreadableInput as exc:
        raise WorkflowError(str(exc)) from None
    if not is_workflow(document) or not isinstance(document.get("name"), str):
        raise WorkflowError("not an n8n workflow (needs name, nodes and connections)")
    return document


def workflow_diff(remote: Mapping, local: Mapping, file_name: str) -> str:
    """Unified diff of the writable part: what a push would change in n8n."""
    def lines(workflow: Mapping) -> list[str]:
        body = writable_workflow(canonical_workflow(workflow))
        return json.dumps(body, indent=2, ensure_ascii=False, sort_keys=False).splitlines(keepends=True)

    text = "".join(difflib.unified_diff(lines(remote), lines(local),
                                        fromfile=f"n8n/{file_name}", tofile=f"git/{file_name}"))
    return text if len(text) <= DIFF_LIMIT else text[:DIFF_LIMIT] + "\n... (diff truncated)\n"


def push(stack: Stack | Mapping | str | None = None, *, folder: str = "n8n/git",
         workflow_ids: list[str] | None = None, dry_run: bool = True, on_conflict: str = "refuse",
         create_missing: bool = False, backup_dir: str | None = None,
         client: N8nClient | None = None) -> dict:
    """Push a pulled folder (relative to the stack root) back to n8n; dry run by default.

    Backups go to ``backup_dir`` or, by default, ``<stack backup dir>/n8n-push/<UTC time>/``.
    ``folder`` and ``backup_dir`` are relative to the root (they may not leave it) or
    absolute (README: settings that accept an absolute path).
    Expected failures come back as ``{"ok": False, "error": {...}}``.
    """
    stack = stack if isinstance(stack, Stack) else load_stack(stack)
    own_client = client is None
    try:
        if not folder:
            raise ConfigError("push", "folder", "empty: give the folder of pulled workflows")
        try:
            folder_path = resolve_target(stack, folder, absolute_ok=True)
            # the stack's backup folder is checked as every backup writer checks it (never in .roo/ or omas/)
            backups = backup_folder(stack, backup_dir) if backup_dir else backup_folder(stack) / "n8n-push"
        except PreservationError as exc:
            raise ConfigError("push", "backup_dir" if backup_dir else "folder", str(exc)) from None
        if workflow_ids is not None and not isinstance(workflow_ids, list):
            # a string would be taken letter by letter as ids
            raise ConfigError("push", "workflow_ids",
                              f"must be a list of workflow ids, got {type(workflow_ids).__name__}")
        api = client or N8nClient.from_stack(stack)
        try:
            report = push_folder(api, folder_path, dry_run=dry_run, on_conflict=on_conflict,
                                 only_ids=workflow_ids or None, create_missing=create_missing,
                                 backup_dir=backups, stack=stack, absolute_ok=True)
        finally:
            if own_client:
                api.close()
    except (N8nError, ConfigError) as exc:
        return exc.as_result()
    return {"ok": True, **report}


__all__ = ["push", "push_folder", "workflow_diff", "INDEX_NAME"]
