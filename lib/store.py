"""One small store for state that must outlive a job.

Each Windmill job is a fresh process, so circuit breakers, the last health
result and sync cursors cannot live in memory. Inside Windmill they are kept
as Windmill state at a fixed, shared path (``f/phoenix/state/<key>``) so every
script sees the same value; outside Windmill they are JSON files in the
stack's ``state_dir``, written atomically.

A store that cannot be written (a read-only or full disk, a folder where a
state file goes, a Windmill state API error) raises ``StorageError`` naming
the path and the reason, so that a caller can report it and carry on: state
is evidence for the next run, not a reason to fail this one.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from contextlib import ExitStack
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from filelock import FileLock

from .errors import ConfigError, StorageError, os_reason
from .redact import redacted

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
        if self.directory.is_dir():
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # a file in the way is the stack's to fix; a disk refusing is not
            if self.directory.is_file():
                raise ConfigError("state_dir", "", f"{self.directory} is a file, not a folder") from None
            raise StorageError("state_dir", self.directory, f"cannot be created: {os_reason(exc)}") from None

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
        try:
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=f".{target.name}.")
        except OSError as exc:
            raise StorageError("state_dir", self.directory, os_reason(exc)) from None
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(_saved(value), handle, sort_keys=True)
            os.replace(tmp, target)
        except OSError as exc:
            _discard(tmp)
            reason = "it is a folder, not a file" if target.is_dir() else os_reason(exc)
            raise StorageError("state_dir", target, reason) from None
        except BaseException:
            _discard(tmp)
            raise

    def update(self, key: str, change: Callable[[Any], Any], default: Any = None) -> Any:
        """Read, change and write one key under an inter-process lock."""
        with ExitStack() as held:
            self._make_directory()
            lock_path = self._path(key).with_suffix(".lock")
            try:
                held.enter_context(file_lock(lock_path))
            except OSError as exc:
                raise StorageError("state_dir", lock_path, f"cannot lock: {os_reason(exc)}") from None
            # read the file itself: another process's write can look unchanged to the cache's stat
            value = change(self.get(key, default, cached=False))
            self.put(key, value)
            return value


def _discard(temporary: str) -> None:
    try:
        Path(temporary).unlink(missing_ok=True)
    except OSError:  # the disk that failed the write may fail this too; the first error matters
        pass


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
        value = _saved(value)
        import wmill

        try:
            wmill.set_state(value, path=STATE_PREFIX + key)
        except Exception as exc:  # the API's errors (HTTP, connection) vary by client version
            raise StorageError("Windmill state", STATE_PREFIX + key,
                               f"{type(exc).__name__}: {str(exc)[:200]}") from None

    def update(self, key: str, change: Callable[[Any], Any], default: Any = None) -> Any:
        value = change(self.get(key, default))
        self.put(key, value)
        return value


def open_store(state_dir: Path) -> FileStore | WindmillStore:
    """The store for where this process runs."""
    return WindmillStore() if running_in_windmill() else FileStore(state_dir)


def _saved(value: Any) -> Any:
    """What is written: state outlives the job and people read it (the dashboard, the runs
    page), so a token that slipped into an error or a detail is masked (lib/redact.py)."""
    return redacted(value)
