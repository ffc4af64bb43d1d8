"""Loopback backends for the router tests: an Ollama stand-in, llama.cpp's own
OpenAI-compatible server, and a hand-built offline Hugging Face cache, all on
the tiny generated GGUF."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lib.backends.ollama import backend as ollama_backend
from tests.support.ollama_server import OllamaStandIn

REPO_ROOT = Path(__file__).resolve().parents[2]
OLLAMA_MODELS = ["llama3:8b", "qwen2.5-coder:7b", "mistral:7b", "mixtral:8x7b"]
HF_REPO, HF_FILE = "phoenix-test/tiny-gguf", "tiny-q8.gguf"
HF_COMMIT = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture(scope="session")
def ollama_server(tiny_gguf):
    with OllamaStandIn(tiny_gguf, OLLAMA_MODELS, slow_s=0.3) as server:
        yield server


@pytest.fixture
def ollama(ollama_server):
    """The stand-in, healthy and with an empty request log, for one test."""
    ollama_backend._TAGS.clear()  # a listing cached by an earlier test would answer for the server
    if ollama_server._server is None:
        ollama_server.start()
    ollama_server.fault = None
    ollama_server.release.clear()
    ollama_server.requests.clear()
    yield ollama_server
    ollama_server.fault = None
    ollama_server.release.set()  # free any handler a test left hanging
    if ollama_server._server is None:
        ollama_server.start()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def llama_server(tiny_gguf, tmp_path_factory):
    """``python -m llama_cpp.server`` on the tiny model: the real OpenAI-compatible server."""
    pytest.importorskip("llama_cpp.server.app", reason="llama-cpp-python[server] extra not installed")
    port = _free_port()
    log = tmp_path_factory.mktemp("llama_server") / "server.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(tiny_gguf),
                                    "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096",
                                    "--n_threads", "1", "--chat_format", "chatml"],
                                   stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_ready(url: str, process, log: Path, limit_s: float = 60.0) -> None:
    import httpx

    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"llama_cpp.server exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/v1/models", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"llama_cpp.server not ready after {limit_s}s: {log.read_text()[-2000:]}")


@pytest.fixture
def hf_cache(tiny_gguf, tmp_path) -> Path:
    """An offline Hugging Face cache laid out by hand, as the hub client writes it:
    ``models--org--name/refs/main`` holds the commit, ``snapshots/<commit>/<file>``
    links into ``blobs/``."""
    repo_dir = tmp_path / "hf-cache" / f"models--{HF_REPO.replace('/', '--')}"
    blob = repo_dir / "blobs" / "4f1b2c3d4e5f60718293a4b5c6d7e8f9"
    blob.parent.mkdir(parents=True)
    shutil.copyfile(tiny_gguf, blob)
    (repo_dir / "refs").mkdir()
    (repo_dir / "refs" / "main").write_text(HF_COMMIT)
    snapshot = repo_dir / "snapshots" / HF_COMMIT
    snapshot.mkdir(parents=True)
    (snapshot / HF_FILE).symlink_to(Path("..") / ".." / "blobs" / blob.name)
    return tmp_path / "hf-cache"


@pytest.fixture
def full_stack(tiny_stack, ollama, llama_server, hf_cache) -> dict:
    """Every kind of backend, each on loopback or in-process; PhoenixCore absent."""
    stack = dict(tiny_stack)
    stack["services"] = {"ollama": {"url": ollama.url}}
    stack["models"] = {
        **tiny_stack["models"],
        "ollama": {"reasoning": ["llama3:8b"], "coding": ["qwen2.5-coder:7b"], "fast": ["mistral:7b"],
                   "complex": ["mixtral:8x7b"]},
        "huggingface": {"cache_dir": str(hf_cache), "offline": True,
                        "gguf": {domain: [{"repo": HF_REPO, "file": HF_FILE}]
                                 for domain in ("softwaredevelopment", "decisionmaking", "education")},
                        "endpoints": [{"name": "llamacpp", "url": llama_server}]},
    }
    stack["routing"] = {**tiny_stack["routing"], "attempt_timeout_s": 2, "overall_timeout_s": 30,
                        "breaker": {"failures_to_open": 1, "cooldown_s": 30, "probe_timeout_s": 0.5}}
    return stack
