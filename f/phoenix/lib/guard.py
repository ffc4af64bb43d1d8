# GENERATED from lib/guard.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""Where a write may land, and the writer that keeps to it: the path rules of the guard.

The seed's preservation rule has two halves. This module holds the half that
needs no backup code: which paths a write may touch (``resolve_target``:
under the root, or absolute where the README allows one; ``own_folder``:
Phoenix's own folders, never in or around ``.roo/`` or ``omas/``), which
protected folders a set of paths touches, and ``Guard``, the writer that
writes only under the paths it was opened for. ``lib/preserve.py`` adds the
other half, a verified backup before a write into a protected folder, with
the backup code, which itself writes its archives here, through
``unprotected_write``. Split so, neither imports the other in a function.

Callers use ``lib/preserve.py``, which re-exports all of this.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator

from .errors import ConfigError, PhoenixError

PROTECTED = (".roo", "omas")


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
def unprotected_write(stack, *targets, absolute_ok: bool = False) -> Iterator[Guard]:
    """A guard for writes that touch no protected folder (Phoenix's own: backups, state).

    The same path rules as ``preserve.guarded_write``; a target in or around
    ``.roo/`` or ``omas/`` is refused, since only ``guarded_write`` can take the
    backup such a write needs.
    """
    paths = [resolve_target(stack, target, absolute_ok=absolute_ok) for target in targets]
    touched = protected_folders_touched(stack, paths)
    if touched:
        raise WriteRefused(f"refusing to write {', '.join(map(str, targets))}: it touches the protected "
                           f"{' and '.join(f + '/' for f in touched)}, which needs a verified backup first")
    yield Guard(stack, paths, {"protected": [], "archive": None, "verified": False,
                               "note": "no protected folder touched"})
