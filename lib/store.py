"""One small store for state that must outlive a job.

Each Windmill job is a fresh process, so circuit breakers, the last health
result and sync cursors cannot live in memory. Inside Windmill they are kept
as Windmill state at a fixed, shared path (``f/phoenix/state/<key>``) so every
script sees the same value; outside Windmill they are JSON files in the
stack's ``state_dir``, written atomically.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from filelock import FileLock

from .errors import ConfigError

STATE_PREFIX = "f/phoenix/state/"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
# path -> ((inode, mtime, size), text): the router reads its state on every
# request; a stat is far cheaper than opening and reading the file again.
_TEXTS: dict[str, tuple[tuple[int, int, int], str]] = {}


def running_in_windmill() -> bool:
    return bool(os.environ.get("WM_JOB_ID") and os.environ.get("WM_TOKEN"))


class FileStore:
    """JSON documents in a folder; one file per key, replaced atomically."""

    def __init__(self, directory: Path):
        self.directory = directory if isinstance(directory, Path) else Path(directory)
        self._folder = str(self.directory)  # get() runs on every routed request: join strings, not Paths

    def _make_directory(self) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # a file in the way, no permission: name the stack key to fix
            reason = "is a file, not a folder" if self.directory.is_file() else f"cannot be created: {exc.strerror}"
            raise ConfigError("state_dir", "", f"{self.directory} {reason}") from None

    def _path(self, key: str) -> Path:
        return self.directory / _file_name(key)

    def get(self, key: str, default: Any = None, *, cached: bool = True) -> Any:
        path = os.path.join(self._folder, _file_name(key))
        try:
            return json.loads(_read_text(path) if cached else _read_fresh(path))
        except (OSError, ValueError):
            # Absent, or damaged: a state file must not take the router down.
            return default

    def put(self, key: str, value: Any) -> None:
        self._make_directory()
        target = self._path(key)
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=f".{target.name}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(value, handle, sort_keys=True)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def update(self, key: str, change: Callable[[Any], Any], default: Any = None) -> Any:
        """Read, change and write one key under an inter-process lock."""
        with self._locked(key):
            # read the file itself: another process's write can look unchanged to the cache's stat
            value = change(self.get(key, default, cached=False))
            self.put(key, value)
            return value

    def _locked(self, key: str):
        self._make_directory()
        return file_lock(self._path(key).with_suffix(".lock"))


@lru_cache(maxsize=256)
def _file_name(key: str) -> str:
    return f"{_UNSAFE.sub('_', key)}.json"


def file_lock(lock_path: Path) -> FileLock:
    """An exclusive inter-process lock on ``lock_path``, held while a ``with`` block runs.

    Used for state updates and for installs into the shared cache. ``filelock``
    takes the operating system's lock (``flock`` on Linux and macOS,
    ``msvcrt.locking`` on Windows), so it holds on every system the README
    promises, and the system releases it when a process dies. It waits as long
    as the holder takes; a new lock object per call, like a new open file.
    """
    return FileLock(lock_path)


def _read_fresh(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def _read_text(path: str) -> str:
    """The file's text, re-read only when the file was replaced or changed."""
    info = os.stat(path)
    stamp = (info.st_ino, info.st_mtime_ns, info.st_size)
    cached = _TEXTS.get(path)
    if cached is None or cached[0] != stamp:
        with open(path, encoding="utf-8") as handle:
            cached = (stamp, handle.read())
        _TEXTS[path] = cached
    return cached[1]


class WindmillStore:
    """Windmill state at shared paths, so all Phoenix scripts see one value."""

    def get(self, key: str, default: Any = None) -> Any:
        import wmill

        try:
            value = wmill.get_state(path=STATE_PREFIX + key)
        except Exception:  # never stored yet, or unreadable: behave as empty
            return default
        return default if value is None else value

    def put(self, key: str, value: Any) -> None:
        import wmill

        wmill.set_state(value, path=STATE_PREFIX + key)

    def update(self, key: str, change: Callable[[Any], Any], default: Any = None) -> Any:
        value = change(self.get(key, default))
        self.put(key, value)
        return value


def open_store(state_dir: Path) -> FileStore | WindmillStore:
    """The store for where this process runs."""
    return WindmillStore() if running_in_windmill() else FileStore(state_dir)
