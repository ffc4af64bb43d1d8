"""Snapshots of the operator's folders: a timestamped tar.gz with a manifest of sha256 sums.

Layout of one backup, in the stack's ``backup.dir`` (``backups/`` under root):
- ``phoenix-backup-<UTC time>-<label>.tar.gz``: the folders' files under their
  paths relative to root, then ``MANIFEST.json`` (every file's size, mode and
  sha256; the folders that were missing; what was skipped and why);
- ``<archive>.sha256``: the archive's own sha256 in ``sha256sum`` format, so
  a changed byte anywhere (the manifest included) is caught, with or without
  Phoenix (``sha256sum -c``).

An archive is written under a hidden ``.….partial`` name and renamed only once
it is complete and flushed, its checksum file first: a backup interrupted at
any point leaves nothing that looks complete. Symbolic links and special files
are not archived (a restored link could point anywhere); they are listed in
the manifest as skipped.

The backup folder is Phoenix's own: an absolute path anywhere, or a path
under the root; never in ``.roo/`` or ``omas/`` (``ConfigError``). Every file
in it is written through the guard's writer (``lib/guard.py``), and a folder that
refuses the write (read-only, full) is a ``StorageError`` naming it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import stat
import tarfile
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

from ..errors import ConfigError, InputError, StorageError, os_reason
from ..guard import own_folder, unprotected_write
from ..stack import Stack, load_stack

PREFIX = "phoenix-backup-"
SUFFIX = ".tar.gz"
MANIFEST = "MANIFEST.json"
FORMAT = "phoenix-backup/1"
NAME_PATTERN = re.compile(r"^phoenix-backup-(\d{8}T\d{6}_\d{6}Z)-([a-z0-9][a-z0-9-]*)\.tar\.gz$")
LABEL_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,40}$")
#: the label of the one-folder backups the guard takes before a write (see lib/preserve.py)
PREWRITE = "prewrite"
CHUNK = 1 << 20


def resolve_archive(stack, archive: str | None, *, full: bool = False) -> Path:
    """An absolute path, a name in the backup folder, or (None/empty) the newest backup.

    With ``full``, the newest is the newest that is not a ``prewrite`` backup:
    those hold only the one folder a write touched, and restoring one as "the
    latest backup" would bring back that folder alone.
    """
    directory = backup_dir(stack)
    if not archive:
        found = list_backups(directory)
        if full:
            found = [p for p in found if label_of(p) != PREWRITE]
        if not found:
            only = " other than pre-write backups (name one to restore it)" if full and list_backups(directory) else ""
            raise InputError(f"no backups in {directory}{only}")
        return found[-1]
    path = Path(archive).expanduser()
    return path if path.is_absolute() else directory / path


def as_stack(stack) -> Stack:
    """Scripts pass a resource value (dict) or None; library callers a Stack."""
    return stack if isinstance(stack, Stack) else load_stack(stack)


def backup_dir(stack, configured: str | os.PathLike | None = None) -> Path:
    """The backup folder (``backup.dir``, or ``configured``): absolute anywhere, relative under
    the root; ``ConfigError`` when it would leave the root or sit in a protected folder."""
    return own_folder(stack, configured or stack.backup.dir, "backup.dir")


def list_backups(directory: Path) -> list[Path]:
    """Complete archives in ``directory``, oldest first (their names sort by time)."""
    if not directory.is_dir():
        return []
    return sorted((p for p in directory.iterdir() if NAME_PATTERN.match(p.name) and p.is_file()),
                  key=lambda p: NAME_PATTERN.match(p.name).group(1))


def label_of(archive: Path) -> str | None:
    match = NAME_PATTERN.match(archive.name)
    return match.group(2) if match else None


def made_at(archive: Path) -> float | None:
    """When the archive was made (UTC, from its name), as a Unix time."""
    match = NAME_PATTERN.match(archive.name)
    if not match:
        return None
    return datetime.strptime(match.group(1), "%Y%m%dT%H%M%S_%fZ").replace(tzinfo=timezone.utc).timestamp()


def checksum_path(archive: Path) -> Path:
    return archive.with_name(archive.name + ".sha256")


def create_backup(stack, folders: list[str] | None = None, label: str = "manual",
                  destination: Path | None = None) -> dict:
    """Archive ``folders`` (relative to the stack root; default ``backup.folders``)."""
    if not isinstance(label, str) or not LABEL_PATTERN.match(label):
        raise InputError(f"backup label {label!r}: use lowercase letters, digits and dashes")
    root = stack.root
    if folders is not None and not isinstance(folders, list):
        # a string would be archived letter by letter ("omas" -> o, m, a, s)
        raise InputError(f"folders must be a list of folder names, got {type(folders).__name__}")
    folders = distinct_folders(folders or stack.backup.folders)
    destination = backup_dir(stack, destination)
    present = [f for f in folders if (root / f).is_dir()]
    if not present:
        raise InputError(f"nothing to back up: none of {', '.join(folders)} exists under {root}")
    # the backup folder touches no protected folder (backup_dir refuses that): the guard's path
    # rules and writer, without the backup a protected folder would need
    with unprotected_write(stack, destination, absolute_ok=True) as guard:
        _make_folder(stack, guard, destination)
        final = _unused_name(destination, label)
        manifest = {"format": FORMAT, "created_at": _now_iso(), "label": label, "root": str(root),
                    "folders": folders, "missing": [f for f in folders if f not in present],
                    "files": [], "dirs": [], "skipped": []}
        digest = _write_partial_then_rename(
            guard, final, lambda tar: _add_folders(tar, root, present, destination, manifest), manifest)
    total = sum(f["size"] for f in manifest["files"])
    return {"archive": str(final), "sha256": digest, "files": len(manifest["files"]), "bytes": total,
            "folders": present, "missing": manifest["missing"], "skipped": manifest["skipped"],
            "label": label, "created_at": manifest["created_at"]}


def check_relative(name: str, what: str) -> None:
    if not isinstance(name, str):
        raise InputError(f"{what} {name!r} must be a path relative to the stack root, given as text")
    path = PurePosixPath(name)
    if (not name or path.is_absolute() or ".." in re.split(r"[\\/]", name) or name.startswith("\\")
            or ":" in name or "\0" in name):
        raise InputError(f"{what} {name!r} must be a path relative to the stack root, without '..'")


def distinct_folders(folders) -> list[str]:
    """Each folder once, in the order given: ``omas``, ``omas/`` and ``./omas`` are one folder,
    and a folder inside another one listed (``omas/agents`` with ``omas``) is already in it."""
    for folder in folders:
        check_relative(folder, "folder")
    paths = list(dict.fromkeys(PurePosixPath(folder) for folder in folders))  # "./omas/" is "omas"
    return [path.as_posix() for path in paths
            if not any(other != path and _is_inside(path, other) for other in paths)]


def _is_inside(path: PurePosixPath, folder: PurePosixPath) -> bool:
    return path.parts[:len(folder.parts)] == folder.parts


def _make_folder(stack, guard, destination: Path) -> None:
    if destination.is_dir():
        return
    try:
        guard.mkdir(destination)
    except OSError as exc:
        reason = "is a file, not a folder" if destination.is_file() else f"cannot be created: {os_reason(exc)}"
        raise ConfigError(stack.source, "backup.dir", f"{destination} {reason}") from None


def _unused_name(destination: Path, label: str) -> Path:
    while True:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S_%fZ")
        candidate = destination / f"{PREFIX}{stamp}-{label}{SUFFIX}"
        if not candidate.exists():
            return candidate


class _DestinationFailed(Exception):
    """The backup folder refused a write; a failure to *read* a source file is not this."""

    def __init__(self, error: OSError):
        super().__init__(str(error))
        self.error = error


def _write_partial_then_rename(guard, final: Path, fill, manifest: dict) -> str:
    partial = final.with_name(f".{final.name}.partial")
    hasher = hashlib.sha256()
    try:
        try:
            raw = guard.open_new(partial)  # O_EXCL: two backups never share a partial file
        except OSError as exc:
            raise _DestinationFailed(exc) from exc
        try:
            sink = _HashingWriter(raw, hasher)
            with tarfile.open(fileobj=sink, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
                fill(tar)
                data = json.dumps(manifest, indent=1, sort_keys=True).encode("utf-8")
                tar.addfile(_info(MANIFEST, len(data), 0o644, 0), io.BytesIO(data))
            _on_destination(lambda: (raw.flush(), os.fsync(raw.fileno())))
        finally:
            _close_quietly(raw)
        digest = hasher.hexdigest()
        _on_destination(lambda: _write_checksum(guard, final, digest))
        _on_destination(lambda: guard.rename(partial, final))
        _fsync_dir(final.parent)
        return digest
    except _DestinationFailed as failed:
        _discard(guard, partial)
        raise StorageError("backup.dir", final.parent, os_reason(failed.error)) from None
    except BaseException:
        _discard(guard, partial)
        raise


def _close_quietly(handle) -> None:
    # after a failure closing flushes the buffer into the same full disk again; after
    # success everything is flushed and synced: either way only the first error matters
    try:
        handle.close()
    except OSError:
        pass


def _on_destination(step):
    try:
        return step()
    except OSError as exc:
        raise _DestinationFailed(exc) from exc


def _discard(guard, partial: Path) -> None:
    try:
        guard.remove(partial)
    except OSError:  # a read-only or failing disk: the error that brought us here matters more
        pass


def _write_checksum(guard, final: Path, digest: str) -> None:
    target = checksum_path(final)
    temporary = target.with_name(f".{target.name}.partial")  # retention clears it if a crash leaves it
    try:
        with guard.open_new(temporary) as handle:
            handle.write(f"{digest}  {final.name}\n".encode("utf-8"))
        guard.rename(temporary, target)
    except BaseException:
        _discard(guard, temporary)
        raise


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # not possible on every platform; the rename is still atomic
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _add_folders(tar: tarfile.TarFile, root: Path, folders: list[str], exclude: Path, manifest: dict) -> None:
    excluded = exclude.resolve()
    for folder in folders:
        for directory, subdirs, files in os.walk(root / folder):
            here = Path(directory)
            subdirs[:] = sorted(d for d in subdirs if (here / d).resolve() != excluded)
            relative_dir = here.relative_to(root).as_posix()
            mode = stat.S_IMODE(here.stat().st_mode)
            tar.addfile(_info(relative_dir, 0, mode, int(here.stat().st_mtime), directory=True))
            manifest["dirs"].append({"path": relative_dir, "mode": mode})
            for name in sorted(files):
                _add_file(tar, here / name, root, manifest)
            for name in subdirs:
                if (here / name).is_symlink():
                    manifest["skipped"].append({"path": f"{relative_dir}/{name}", "reason": "symbolic link"})
            subdirs[:] = [d for d in subdirs if not (here / d).is_symlink()]


def _add_file(tar: tarfile.TarFile, path: Path, root: Path, manifest: dict) -> None:
    relative = path.relative_to(root).as_posix()
    info = path.lstat()
    if not stat.S_ISREG(info.st_mode):
        kind = "symbolic link" if stat.S_ISLNK(info.st_mode) else "not a regular file"
        manifest["skipped"].append({"path": relative, "reason": kind})
        return
    hasher = hashlib.sha256()
    with open(path, "rb") as handle:
        # the digest is of exactly the bytes that went into the archive
        tar.addfile(_info(relative, info.st_size, stat.S_IMODE(info.st_mode), int(info.st_mtime)),
                    _HashingReader(handle, hasher))
    manifest["files"].append({"path": relative, "size": info.st_size, "mode": stat.S_IMODE(info.st_mode),
                              "sha256": hasher.hexdigest()})


def _info(name: str, size: int, mode: int, mtime: int, directory: bool = False) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, mode, mtime
    info.type = tarfile.DIRTYPE if directory else tarfile.REGTYPE
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


class _HashingReader:
    def __init__(self, handle, hasher):
        self.handle, self.hasher = handle, hasher

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.hasher.update(data)
        return data


class _HashingWriter:
    def __init__(self, handle, hasher):
        self.handle, self.hasher = handle, hasher

    def write(self, data: bytes) -> int:
        self.hasher.update(data)
        try:
            return self.handle.write(data)
        except OSError as exc:
            raise _DestinationFailed(exc) from exc

    def flush(self) -> None:
        _on_destination(self.handle.flush)


def sha256_file(path: Path) -> str:
    hasher = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
