# GENERATED from lib/preserve.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""The seed's preservation rule in code: nothing writes into ``.roo/`` or ``omas/`` without a verified backup.

Every Phoenix step that writes into the operator's protected folders goes
through this module, and only this one:

    from ..preserve import guarded_write, write_protected_file

    with guarded_write(stack, target_path) as record:
        ...  # write target_path (and anything else named above)

    write_protected_file(stack, "omas/agents/chaos.yaml", text)

Before the block runs, the protected folders the targets touch are archived
(label ``prewrite``), and the archive is verified; if either fails,
``PreservationError`` is raised and the block never runs. Targets outside the
protected folders pass straight through. A protected folder that does not
exist yet has nothing to lose: the write proceeds, and the record says so.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .backup.archive import create_backup
from .backup.verify import verify_backup
from .errors import PhoenixError

PROTECTED = (".roo", "omas")
LABEL = "prewrite"


class PreservationError(PhoenixError):
    """A write into a protected folder was refused: no verified backup could be taken."""


def protected_folders_touched(stack, targets) -> list[str]:
    """Which protected folders (relative to root) the targets are in, or contain."""
    root = Path(os.path.realpath(stack.root))
    touched = set()
    for target in targets:
        path = Path(target).expanduser()
        real = Path(os.path.realpath(path if path.is_absolute() else stack.root / path))
        for folder in PROTECTED:
            guarded = Path(os.path.realpath(root / folder))
            if _within(real, guarded) or _within(guarded, real):
                touched.add(folder)
    return sorted(touched)


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


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
def guarded_write(stack, *targets) -> Iterator[dict]:
    """Run the block only after ``ensure_backup_before_write`` succeeded for the targets."""
    yield ensure_backup_before_write(stack, *targets)


def write_protected_file(stack, target, content: str | bytes) -> dict:
    """Write one file (relative to root or absolute) through the guard, atomically."""
    path = Path(target).expanduser()
    path = path if path.is_absolute() else stack.root / path
    with guarded_write(stack, path) as record:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode("utf-8") if isinstance(content, str) else content
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            # mkstemp makes the file private; keep the mode the file had
            os.chmod(temporary, path.stat().st_mode & 0o777 if path.exists() else 0o644)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    return {**record, "written": str(path)}
