"""Which model file a failure was about, so that the router remembers the file, not the name.

A GGUF that llama.cpp cannot load (or that is absent) is skipped by later
requests without being read again, but only while it is the *same* file: the
operator pointing the stack at another path, or replacing the file in place,
must make the router try at once. A file's identity is its resolved path,
device, inode, size, modification and change times, and a digest of its first
and last 64 KiB (a same-size copy whose times were kept still differs there).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

_EDGE = 64 * 1024
#: (resolved path, stat stamp) -> identity: the digest is read again only when the file changed
_KNOWN: dict[tuple, str] = {}


def file_identity(path: str | os.PathLike | None) -> str | None:
    """A 40-hex-digit identity of the file at ``path`` as it is now (absent files have one
    too: creating the file changes it); None when there is no path or it cannot be read."""
    if not path:
        return None
    try:
        resolved = Path(path).expanduser().resolve()
        info = os.stat(resolved)
    except FileNotFoundError:
        return _digest("absent", str(Path(path).expanduser().absolute()))
    except (OSError, ValueError, RuntimeError):  # no permission, a NUL in the name, a link loop
        return None
    stamp = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
    key = (str(resolved), stamp)
    if key not in _KNOWN:
        try:
            edges = _edges(resolved, info.st_size)
        except OSError:
            return None
        if len(_KNOWN) > 256:
            _KNOWN.clear()
        _KNOWN[key] = _digest("file", str(resolved), *map(str, stamp), edges)
    return _KNOWN[key]


def model_file_key(backend, model: str | None) -> str | None:
    """The identity of the file ``backend`` would load for ``model``, for backends that load files."""
    locate = getattr(backend, "model_file", None)
    return file_identity(locate(model)) if locate is not None else None


def _edges(path: Path, size: int) -> str:
    with open(path, "rb") as handle:
        head = handle.read(_EDGE)
        if size > 2 * _EDGE:
            handle.seek(-_EDGE, os.SEEK_END)
        tail = handle.read(_EDGE)
    return hashlib.sha256(head + b"|" + tail).hexdigest()


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()[:40]
