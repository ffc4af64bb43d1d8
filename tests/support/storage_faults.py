"""Real storage faults for tests: a read-only folder and a full one, as small tmpfs mounts.

The tests run as root, where ``chmod`` does not stop a write, so a read-only
folder has to be a read-only file system. Mounting needs CAP_SYS_ADMIN; where
that is missing, ``mounted`` skips the test; ``fail_writes_under`` makes the
os-level calls fail instead, for tests that run everywhere.
"""

from __future__ import annotations

import os
import subprocess
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import pytest


def _mount(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["mount", *args], capture_output=True, text=True)


@contextmanager
def mounted(folder: Path, *, read_only: bool = False, size_kb: int = 1024,
            fill: Callable[[Path], None] | None = None) -> Iterator[Path]:
    """``folder`` as a fresh tmpfs of ``size_kb``; ``fill`` writes into it before it turns read-only."""
    folder.mkdir(parents=True, exist_ok=True)
    done = _mount("-t", "tmpfs", "-o", f"size={size_kb}k,mode=0755", "tmpfs", str(folder))
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}); the os-level variant of this test runs")
    try:
        if fill:
            fill(folder)
        if read_only:
            remounted = _mount("-o", "remount,ro", str(folder))
            assert remounted.returncode == 0, remounted.stderr
        yield folder
    finally:
        if subprocess.run(["umount", str(folder)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True)



_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def fail_writes_under(monkeypatch, folder: Path, error: int) -> None:
    """Make every os-level write under ``folder`` fail with ``error``, as a disk would.

    For where a tmpfs cannot be mounted: opening for writing, creating,
    renaming into and removing from ``folder`` raise ``OSError(error)``;
    reads still work.
    """
    import builtins

    inside = str(Path(folder).resolve())

    def under(path) -> bool:
        try:
            resolved = os.path.realpath(os.fspath(path))
        except TypeError:  # a file descriptor
            return False
        return resolved == inside or resolved.startswith(inside + os.sep)

    def guard(real, paths):
        def call(*args, **kwargs):
            if any(under(args[i]) for i in paths if i < len(args)):
                raise OSError(error, os.strerror(error), str(args[paths[0]]))
            return real(*args, **kwargs)
        return call

    real_open, real_builtin_open = os.open, builtins.open

    def os_open(path, flags, *args, **kwargs):
        if flags & _WRITE_FLAGS and under(path):
            raise OSError(error, os.strerror(error), str(path))
        return real_open(path, flags, *args, **kwargs)

    def builtin_open(file, mode="r", *args, **kwargs):
        if any(c in mode for c in "wax+") and not isinstance(file, int) and under(file):
            raise OSError(error, os.strerror(error), str(file))
        return real_builtin_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(builtins, "open", builtin_open)
    for name, paths in (("replace", (0, 1)), ("rename", (0, 1)), ("mkdir", (0,)), ("unlink", (0,)),
                        ("rmdir", (0,))):
        monkeypatch.setattr(os, name, guard(getattr(os, name), paths))
