"""Loopback backends the benchmarks share: the Ollama stand-in and llama.cpp's
OpenAI-compatible server, each in its own process on the tiny generated GGUF
(so the model's own time is about a millisecond and the same for everyone)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from tests.support.tiny_gguf import write_tiny_gguf

REPO = Path(__file__).resolve().parents[1]
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tiny_model(folder: Path) -> Path:
    return write_tiny_gguf(folder / "tiny.gguf")


@contextmanager
def server(kind: str, gguf: Path, fault: str | None = None):
    """Yield the URL of a running ``ollama`` stand-in or ``llamacpp`` server."""
    port = free_port()
    if kind == "ollama":
        command = [sys.executable, "-m", "tests.support.ollama_server", "--gguf", str(gguf), "--port", str(port),
                   "--models", "llama3:8b,mistral:7b"] + (["--fault", fault] if fault else [])
        ready = "/api/version"
    else:
        command = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--host", "127.0.0.1",
                   "--port", str(port), "--n_ctx", "2048", "--n_threads", "1", "--chat_format", "chatml"]
        ready = "/v1/models"
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(url + ready, process, http=fault is None)  # a hung server only accepts connections
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait(url: str, process, limit_s: float = 60, http: bool = True) -> None:
    import httpx
    from urllib.parse import urlparse

    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if not http:
                socket.create_connection((urlparse(url).hostname, urlparse(url).port), timeout=1).close()
                return
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except (httpx.HTTPError, OSError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} not ready after {limit_s}s")


def phoenix_stack(state_dir: Path, ollama_url: str | None = None, openai_url: str | None = None,
                  embedded: Path | None = None, **routing) -> dict:
    """A stack with only the named backends (PhoenixCore absent, embedded last)."""
    return {
        "state_dir": str(state_dir),
        "services": {"ollama": {"url": ollama_url or "http://127.0.0.1:9"}},
        "models": {
            "phoenixcore": {"path": None},
            "embedded": {"path": str(embedded) if embedded else None},
            "ollama": {"reasoning": ["llama3:8b"], "coding": [], "fast": ["mistral:7b"], "complex": []},
            "huggingface": {"endpoints": [{"name": "llamacpp", "url": openai_url}] if openai_url else []},
        },
        "routing": {"threads": 1, **routing},
    }
