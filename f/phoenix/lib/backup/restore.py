# GENERATED from lib/backup/restore.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""Restore a backup into a folder: verified first, dry-run by default, never outside the folder.

Without an archive name the newest *full* backup is restored (not a one-folder
``prewrite`` backup). The target is the stack root by default; a relative
target is under the root (and must stay there), an absolute one may be
anywhere (README, "Backup and restore").

The plan lists every file as ``create``, ``replace`` or ``same``. A restore
that would replace differing files needs ``overwrite=True``; without it
nothing is written and the conflicts are listed. Every file and folder is
written through the guard (``lib/preserve.py``), opened for exactly the paths
the plan changes: writing into the stack's ``.roo/`` or ``omas/`` takes a
verified backup of what is there now first.

Each entry's destination is checked twice: its name (no absolute path, no
``..``: see ``verify.entry_problem``) and its real path after resolving any
symbolic links already in the target, which must stay inside the target. An
archive that holds one name both as a file and as a folder is refused whole,
before anything is written.
"""

from __future__ import annotations

import hashlib
import os
import tarfile
from pathlib import Path, PurePosixPath

from ..errors import InputError, os_reason
from ..preserve import WriteRefused, guarded_write, resolve_target
from .archive import MANIFEST, as_stack, resolve_archive, sha256_file
from .verify import READ_ERRORS, entry_problem, verify_backup

#: how many planned actions a result lists in full
SHOWN_ACTIONS = 200


def restore_backup(stack, archive: str | None = None, target: str | None = None, *,
                   dry_run: bool = True, overwrite: bool = False) -> dict:
    stack = as_stack(stack)
    for name, value in (("dry_run", dry_run), ("overwrite", overwrite)):
        if type(value) is not bool:  # "no" is truthy: overwrite="no" would overwrite
            raise InputError(f"{name}={value!r} must be true or false")
    source = resolve_archive(stack, archive, full=True)
    result = {"ok": False, "dry_run": dry_run, "archive": str(source), "target": str(target or stack.root),
              "counts": {}, "actions": [], "problems": [], "preservation": None}
    try:
        destination = resolve_target(stack, target or ".", absolute_ok=True)
    except WriteRefused as exc:
        result["problems"] = [f"refused: {exc}"]
        return result
    result["target"] = str(destination)
    check = verify_backup(source)
    if not check["ok"]:
        result["problems"] = ["refused: the archive does not verify"] + check["problems"]
        return result
    plan, folders, problems = plan_restore(source, destination)
    result["counts"] = {kind: sum(1 for a in plan if a["action"] == kind) for kind in ("create", "replace", "same")}
    result["actions"] = plan[:SHOWN_ACTIONS]
    conflicts = [a["path"] for a in plan if a["action"] == "replace"]
    if conflicts and not overwrite:
        problems.append(f"refused: {len(conflicts)} existing file(s) differ; pass overwrite=True to replace them")
    result["problems"] = problems
    if problems or dry_run:
        result["ok"] = not problems
        return result
    wanted = {a["path"] for a in plan if a["action"] != "same"}
    # the operator may name an absolute restore target (README, "Backup and restore")
    written: list[str] = []
    with guarded_write(stack, *[destination / p for p in sorted(wanted) + folders], absolute_ok=True) as guard:
        try:
            _extract(guard, source, destination, wanted, set(folders), written)
        except OSError as exc:  # a read-only or full target: say where, and how far it got
            result["problems"] = [f"stopped: cannot write {exc.filename or destination}: {os_reason(exc)} "
                                  f"({len(written)} of {len(wanted)} files restored)"]
    result["preservation"] = guard.record
    result["ok"] = not result["problems"]
    return result


def plan_restore(archive: Path, destination: Path) -> tuple[list[dict], list[str], list[str]]:
    """The file actions, the folders to create, and why not (each problem refuses the restore)."""
    plan, folders, problems = [], [], []
    if destination.exists() and not destination.is_dir():
        return plan, folders, [f"refused: the target {destination} is a file, not a folder"]
    kinds: dict[str, str] = {}
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            for member in tar:
                if member.name == MANIFEST:
                    continue
                problem = entry_problem(member) or _kind_problem(member, kinds) \
                    or _escape_problem(destination, member.name) or _shape_problem(destination, member)
                if problem:
                    problems.append(f"refused: {problem}")
                elif member.isfile():
                    plan.append({"path": member.name, "action": _action(tar, member, destination / member.name)})
                elif not (destination / member.name).is_dir():
                    folders.append(member.name)
    except READ_ERRORS as exc:  # changed since it was verified, or a disk error in the target
        problems.append(f"refused: {type(exc).__name__}: {exc}")
    return plan, folders, problems


def _kind_problem(member: tarfile.TarInfo, kinds: dict[str, str]) -> str | None:
    """One name must be one thing: a file that is also a folder (or a parent) of another entry
    would stop the restore half-way."""
    path = PurePosixPath(member.name)
    kind = "folder" if member.isdir() else "file"
    for parent in list(path.parents)[:-1]:
        if kinds.setdefault(parent.as_posix(), "folder") == "file":
            return f"{member.name!r}: {parent.as_posix()!r} is a file in the archive and a folder here"
    if kinds.setdefault(path.as_posix(), kind) != kind:
        return f"{member.name!r}: the archive holds this name both as a file and as a folder"
    return None


def _escape_problem(destination: Path, name: str) -> str | None:
    """The real path, symbolic links in the target included, must stay in the target."""
    base = os.path.realpath(destination)
    real = os.path.realpath(destination / name)
    if os.path.commonpath([base, real]) != base:
        return f"{name!r}: resolves outside the target folder ({real})"
    return None


def _shape_problem(destination: Path, member: tarfile.TarInfo) -> str | None:
    """A file where the archive has a folder (or the reverse) would stop the restore half-way."""
    name = PurePosixPath(member.name)
    folders = list(name.parents)[:-1] + ([name] if member.isdir() else [])
    for folder in folders:
        path = destination / folder
        if path.exists() and not path.is_dir():
            return f"{member.name!r}: {folder.as_posix()!r} is a file in the target where the archive has a folder"
    if member.isfile() and (destination / name).is_dir():
        return f"{member.name!r}: a folder in the target where the archive has a file"
    return None


def _action(tar: tarfile.TarFile, member: tarfile.TarInfo, path: Path) -> str:
    if not path.exists():
        return "create"
    if path.is_file() and path.stat().st_size == member.size:
        hasher, source = hashlib.sha256(), tar.extractfile(member)
        for chunk in iter(lambda: source.read(1 << 20), b""):
            hasher.update(chunk)
        if hasher.hexdigest() == sha256_file(path):
            return "same"
    return "replace"


def _extract(guard, archive: Path, destination: Path, wanted: set[str], folders: set[str],
             written: list[str]) -> None:
    """Every file through ``guard.write``: atomically (a crash never leaves a half file in
    place) and only where the plan said."""
    with tarfile.open(archive, mode="r:gz") as tar:
        for member in tar:
            path = destination / member.name
            try:
                if member.isdir() and member.name in folders:
                    guard.mkdir(path)
                elif member.isfile() and member.name in wanted:
                    guard.write(path, tar.extractfile(member), mode=member.mode & 0o777, mtime=member.mtime)
                    written.append(member.name)
            except OSError as exc:  # name the file restored, not the temporary beside it
                raise OSError(exc.errno, os_reason(exc), str(path)) from exc
