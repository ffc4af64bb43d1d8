"""The one guard for every write Phoenix makes into the operator's folders.

The seed's preservation rule in code: nothing writes into ``.roo/`` or
``omas/`` without a verified backup, and nothing writes outside the stack root
unless the operator named an absolute path where the README allows one. Every
Phoenix writer (dashboard, translation and pull output, restore, installers)
goes through this module, and only this one:

    from ..preserve import guarded_write, write_file, remove_file

    write_file(stack, "omas/agents/chaos.yaml", text)          # one file
    with guarded_write(stack, folder) as guard:               # many, one backup
        guard.write(folder / "a.yaml", text)                  # text, bytes or a stream
        guard.remove(folder / "old.yaml")
        with guard.open_new(folder / ".big.partial") as out:  # written piece by piece...
            ...
        guard.rename(folder / ".big.partial", folder / "big")  # ...then put in place

The folders Phoenix keeps its own files in (``backup.dir``, ``state_dir``)
are resolved by ``own_folder``: absolute anywhere, relative under the root,
never in or around a protected folder.

``resolve_target`` decides where a path lands: a relative path is under the
root and may not leave it (``..``, or a symbolic link pointing out); an
absolute path outside the root is refused with ``WriteRefused`` unless the
caller passes ``absolute_ok=True`` for a setting the README documents as
accepting one. Before a guarded block runs, the protected folders its targets
touch are archived (label ``prewrite``) and the archive verified; if either
fails, ``PreservationError`` is raised and the block never runs. A protected
folder that does not exist yet has nothing to lose: the write proceeds, and the
record says so. Inside the block the guard writes only under the targets it
was opened for.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .backup.archive import PREWRITE, create_backup
from .backup.verify import verify_backup
# The path rules and the writer live in lib/guard.py (the backup code writes through them too);
# this module re-exports them, so every caller keeps importing the guard from here.
from .guard import (PROTECTED, Guard, PreservationError, WriteRefused, own_folder,  # noqa: F401
                    protected_folders_touched, refuse_protected_home, resolve_target)

LABEL = PREWRITE


def ensure_backup_before_write(stack, *targets) -> dict:
    """Take and verify a backup of the protected folders the targets touch, or raise."""
    touched = protected_folders_touched(stack, targets)
    record = {"protected": touched, "archive": None, "verified": False, "note": None}
    if not touched:
        record["note"] = "no protected folder touched"
        return record
    existing = [f for f in touched if _has_content(stack.root / f)]
    if not existing:
        record["note"] = "protected folder(s) empty or absent: nothing to preserve"
        return record
    try:
        made = create_backup(stack, folders=existing, label=LABEL)
    except Exception as exc:
        raise PreservationError(f"refusing to write into {', '.join(existing)}: backup failed: {exc}") from exc
    check = verify_backup(made["archive"])
    if not check["ok"]:
        raise PreservationError(f"refusing to write into {', '.join(existing)}: backup {made['archive']} "
                                f"does not verify: {'; '.join(check['problems'][:3])}")
    record.update(archive=made["archive"], verified=True, files=made["files"])
    return record


def _has_content(folder: Path) -> bool:
    try:
        return folder.is_dir() and any(folder.iterdir())
    except OSError:
        return True  # unreadable but present: let the backup say what is wrong


@contextmanager
def guarded_write(stack, *targets, absolute_ok: bool = False) -> Iterator[Guard]:
    """Run the block only after the targets passed ``resolve_target`` and the backup check."""
    paths = [resolve_target(stack, target, absolute_ok=absolute_ok) for target in targets]
    record = ensure_backup_before_write(stack, *paths)
    yield Guard(stack, paths, record)


def write_file(stack, target, content: str | bytes, *, absolute_ok: bool = False) -> dict:
    """Write one file (relative to root, or absolute where allowed) through the guard, atomically."""
    with guarded_write(stack, target, absolute_ok=absolute_ok) as guard:
        written = guard.write(guard.targets[0], content)
    return {**guard.record, "written": str(written)}


def remove_file(stack, target, *, absolute_ok: bool = False) -> dict:
    """Remove one file through the guard (a backup first when it is in a protected folder)."""
    with guarded_write(stack, target, absolute_ok=absolute_ok) as guard:
        removed = guard.remove(guard.targets[0])
    return {**guard.record, "removed": removed}


# the name earlier callers used
write_protected_file = write_file
