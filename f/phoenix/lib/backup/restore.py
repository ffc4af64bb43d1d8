# GENERATED from lib/backup/restore.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""Restore a backup into a folder: verified first, dry-run by default, never outside the folder.

The plan lists every file as ``create``, ``replace`` or ``same``. A restore
that would replace differing files needs ``overwrite=True``; without it
nothing is written and the conflicts are listed. Writing into the stack's
``.roo/`` or ``omas/`` goes through the preservation guard (a verified backup
of what is there now is taken first).

Each entry's destination is checked twice: its name (no absolute path, no
``..``: see ``verify.entry_problem``) and its real path after resolving any
symbolic links already in the target, which must stay inside the target.
"""

from __future__ import annotations

import hashlib
import os
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from ..errors import InputError
from ..preserve import guarded_write
from .archive import MANIFEST, as_stack, resolve_archive, sha256_file
from .verify import entry_problem, verify_backup

#: how many planned actions a result lists in full
SHOWN_ACTIONS = 200


def restore_backup(stack, archive: str | None = None, target: str | None = None, *,
                   dry_run: bool = True, overwrite: bool = False) -> dict:
    stack = as_stack(stack)
    for name, value in (("dry_run", dry_run), ("overwrite", overwrite)):
        if type(value) is not bool:  # "no" is truthy: overwrite="no" would overwrite
            raise InputError(f"{name}={value!r} must be true or false")
    source = resolve_archive(stack, archive)
    destination = Path(target).expanduser() if target else stack.root
    result = {"ok": False, "dry_run": dry_run, "archive": str(source), "target": str(destination),
              "counts": {}, "actions": [], "problems": [], "preservation": None}
    check = verify_backup(source)
    if not check["ok"]:
        result["problems"] = ["refused: the archive does not verify"] + check["problems"]
        return result
    plan, problems = plan_restore(source, destination)
    result["counts"] = {kind: sum(1 for a in plan if a["action"] == kind) for kind in ("create", "replace", "same")}
    result["actions"] = plan[:SHOWN_ACTIONS]
    conflicts = [a["path"] for a in plan if a["action"] == "replace"]
    if conflicts and not overwrite:
        problems.append(f"refused: {len(conflicts)} existing file(s) differ; pass overwrite=True to replace them")
    result["problems"] = problems
    if problems or dry_run:
        result["ok"] = not problems
        return result
    changing = [destination / a["path"] for a in plan if a["action"] != "same"]
    # the operator may name an absolute restore target (README, "Backup and restore")
    with guarded_write(stack, *changing, absolute_ok=True) as guard:
        _extract(source, destination, {a["path"] for a in plan if a["action"] != "same"})
    result["preservation"] = guard.record
    result["ok"] = True
    return result


def plan_restore(archive: Path, destination: Path) -> tuple[list[dict], list[str]]:
    plan, problems = [], []
    if destination.exists() and not destination.is_dir():
        return plan, [f"refused: the target {destination} is a file, not a folder"]
    with tarfile.open(archive, mode="r:gz") as tar:
        for member in tar:
            if member.name == MANIFEST:
                continue
            problem = entry_problem(member) or _escape_problem(destination, member.name) \
                or _shape_problem(destination, member)
            if problem:
                problems.append(f"refused: {problem}")
            elif member.isfile():
                plan.append({"path": member.name, "action": _action(tar, member, destination / member.name)})
    return plan, problems


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


def _extract(archive: Path, destination: Path, wanted: set[str]) -> None:
    with tarfile.open(archive, mode="r:gz") as tar:
        for member in tar:
            if member.isdir():
                (destination / member.name).mkdir(parents=True, exist_ok=True)
            elif member.name in wanted:
                _write_member(tar, member, destination / member.name)


def _write_member(tar: tarfile.TarFile, member: tarfile.TarInfo, path: Path) -> None:
    """Write through a temporary name so a crash never leaves a half file in place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as out:
            source = tar.extractfile(member)
            for chunk in iter(lambda: source.read(1 << 20), b""):
                out.write(chunk)
        os.chmod(temporary, member.mode & 0o777)
        os.utime(temporary, (member.mtime, member.mtime))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
