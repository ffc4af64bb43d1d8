# GENERATED from lib/preserve.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
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

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator

from .backup.archive import PREWRITE, create_backup
from .backup.verify import verify_backup
from .errors import ConfigError, PhoenixError

PROTECTED = (".roo", "omas")
LABEL = PREWRITE


class PreservationError(PhoenixError):
    """A write into a protected folder was refused: no verified backup could be taken."""

    kind = "backup_failed"


class WriteRefused(PreservationError):
    """A write was refused because of where it would land (outside the root, undeclared)."""

    kind = "write_refused"


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _fold(path: Path) -> Path:
    # conservative on case-insensitive disks (Windows, macOS): .Roo is .roo there
    return Path(os.path.normcase(str(path)).casefold())


def resolve_target(stack, target, *, absolute_ok: bool = False) -> Path:
    """The path a write to ``target`` lands on, or ``WriteRefused``.

    Relative paths are taken under the stack root and must stay there once
    ``..`` and symbolic links are resolved. An absolute path is accepted
    outside the root only with ``absolute_ok`` (a setting whose README entry
    allows an absolute path).
    """
    raw = Path(os.path.expanduser(str(target)))
    given_absolute = raw.is_absolute()
    path = raw if given_absolute else stack.root / raw
    root = _real(stack.root)
    if _within(_real(path), root):
        return path
    if given_absolute and absolute_ok:
        return path
    how = "is outside" if given_absolute else "leaves"
    raise WriteRefused(f"refusing to write {target}: it {how} the stack root {root}"
                       + ("" if given_absolute else " (a relative path must stay under the root, links"
                                                    " included; where the README allows an absolute path,"
                                                    " give that instead)"))


def own_folder(stack, configured, key: str) -> Path:
    """Where a folder Phoenix keeps its own files in lands (``backup.dir``, ``state_dir``).

    An absolute path may be anywhere, a relative one is under the root and
    must stay there; neither may be, be inside or contain ``.roo/`` or
    ``omas/``: backups inside ``.roo/`` would each need a backup of ``.roo/``
    first (a loop), and state there would be a write into the operator's
    configs on every run. Anything else is a ``ConfigError`` naming ``key``.
    """
    try:
        path = resolve_target(stack, configured, absolute_ok=True)
    except WriteRefused as exc:
        raise ConfigError(stack.source, key, str(exc)) from None
    return refuse_protected_home(stack, path, key)


def refuse_protected_home(stack, path: Path, key: str) -> Path:
    """``path``, unless it is, is inside or contains ``.roo/`` or ``omas/`` (then ``ConfigError``)."""
    touched = protected_folders_touched(stack, [path])
    if touched:
        names = " and ".join(f"{folder}/" for folder in touched)
        raise ConfigError(stack.source, key, f"{path} is, is inside or contains the protected {names}: "
                                             "Phoenix keeps its own files apart from what it protects "
                                             "(choose a folder of its own, e.g. <root>/backups)")
    return path


def protected_folders_touched(stack, targets) -> list[str]:
    """Which protected folders (relative to root) the targets are in, or contain."""
    root = _real(stack.root)
    touched = set()
    for target in targets:
        path = Path(os.path.expanduser(str(target)))
        real = _fold(_real(path if path.is_absolute() else stack.root / path))
        for folder in PROTECTED:
            guarded = _fold(_real(root / folder))
            if _within(real, guarded) or _within(guarded, real):
                touched.add(folder)
    return sorted(touched)


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


class Guard:
    """Writes allowed inside one guarded block: only at or under its targets."""

    def __init__(self, stack, targets: list[Path], record: dict):
        self.stack = stack
        self.targets = targets
        self.record = record
        # the targets already passed resolve_target: a write is allowed when its real path is under
        # one of theirs (one realpath per write: translation writes thousands of files)
        self._real_targets = [_real(allowed) for allowed in targets]

    def _allowed(self, target) -> Path:
        raw = Path(os.path.expanduser(str(target)))
        path = raw if raw.is_absolute() else self.stack.root / raw
        real = _real(path)
        if not any(_within(real, allowed) for allowed in self._real_targets):
            raise WriteRefused(f"refusing to write {target}: not among the paths this write was guarded for")
        return path

    def write(self, target, content: str | bytes | BinaryIO, *, mode: int | None = None,
              mtime: float | None = None) -> Path:
        """Write one file atomically (a temporary file beside it, then a rename).

        ``content`` is text, bytes, or a binary file object copied in chunks (a
        restored member can be larger than memory). The file keeps the mode it
        had (0o644 when new) unless ``mode`` is given; ``mtime`` sets its time.
        """
        path = self._allowed(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "wb") as handle:
                if hasattr(content, "read"):
                    shutil.copyfileobj(content, handle, 1 << 20)
                else:
                    handle.write(content.encode("utf-8") if isinstance(content, str) else content)
            # mkstemp makes the file private
            if mode is None:
                mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
            os.chmod(temporary, mode)
            if mtime is not None:
                os.utime(temporary, (mtime, mtime))
            os.replace(temporary, path)
        except BaseException:
            _discard(temporary)
            raise
        return path

    def open_new(self, target) -> BinaryIO:
        """A new file (never an existing one: O_EXCL) opened for writing in binary, private
        until renamed: for a stream written piece by piece, such as an archive."""
        path = self._allowed(target)
        return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")

    def rename(self, source, target) -> Path:
        """Move a file written under a temporary name into place (atomic on one disk)."""
        origin, path = self._allowed(source), self._allowed(target)
        os.replace(origin, path)
        return path

    def mkdir(self, target) -> Path:
        path = self._allowed(target)
        path.mkdir(parents=True, exist_ok=True)
        return path

    def remove(self, target) -> bool:
        """Remove a file (or an empty folder); False when there was nothing to remove."""
        path = self._allowed(target)
        if path.is_dir() and not path.is_symlink():
            try:
                path.rmdir()
            except OSError:
                return False
            return True
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        return True

    def remove_tree(self, target) -> bool:
        """Remove a whole folder: only for folders Phoenix itself owns (e.g. a staging area)."""
        path = self._allowed(target)
        if not path.exists():
            return False
        shutil.rmtree(path)
        return True


def _discard(temporary) -> None:
    try:
        Path(temporary).unlink(missing_ok=True)
    except OSError:  # a read-only or failing disk: the error that brought us here matters more
        pass


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
