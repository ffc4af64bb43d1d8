"""Shared fixtures. Tests never leave loopback, the hub is always offline, and the vendored
library is lib/ itself: one copy of every class and cache per test process."""

from __future__ import annotations

import os
import shutil
import socket
import sys
from pathlib import Path

import pytest
from hypothesis import settings

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.pop("PHOENIX_STACK", None)
REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.support import one_library  # noqa: E402

# Before any test imports a script: f.phoenix.lib.X is lib.X in this process (one class, one cache).
one_library.install()

from tests.support.tiny_gguf import write_tiny_gguf  # noqa: E402

# The property suites explore new examples on every developer run; CI replays one fixed sequence
# (and keeps no example database), so a landing is never decided by the luck of a draw.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def tiny_gguf(tmp_path_factory) -> Path:
    """A real, random-weight GGUF that llama.cpp runs in milliseconds."""
    return write_tiny_gguf(tmp_path_factory.mktemp("models") / "tiny.gguf")


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (connection refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def operator_root(tmp_path) -> Path:
    """An operator folder like the seed's BooPhoenix/, mostly empty."""
    root = tmp_path / "BooPhoenix"
    (root / "models" / "quantized").mkdir(parents=True)
    return root


@pytest.fixture
def tiny_stack(tiny_gguf, operator_root, closed_port, tmp_path) -> dict:
    """A stack whose only working model is the tiny GGUF (as the embedded model).

    PhoenixCore is configured but absent, Ollama points at a closed port.
    """
    return {
        "root": str(operator_root),
        "state_dir": str(tmp_path / "state"),
        "services": {"ollama": {"url": f"http://127.0.0.1:{closed_port}"}},
        "models": {"embedded": {"path": str(tiny_gguf), "n_ctx": 4096},
                   "phoenixcore": {"path": "models/quantized/PhoenixCore-4bit-Q5.gguf", "n_ctx": 4096}},
        "routing": {"max_tokens": 24, "threads": 1},
    }


@pytest.fixture
def phoenixcore_file(tiny_gguf, operator_root) -> Path:
    """Put a working PhoenixCore (a copy of the tiny model) where the stack says."""
    target = operator_root / "models" / "quantized" / "PhoenixCore-4bit-Q5.gguf"
    shutil.copyfile(tiny_gguf, target)
    return target
