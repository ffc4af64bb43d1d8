"""scripts/serve.py started once for this folder on a free loopback port, with the tiny model."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
TOKEN = "test-token-" + os.urandom(6).hex()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def served_stack(tiny_gguf, tmp_path_factory) -> dict:
    """The tiny stack of tests/conftest.py, for the whole session: Ollama on a closed port."""
    root = tmp_path_factory.mktemp("openai") / "BooPhoenix"
    (root / "models" / "quantized").mkdir(parents=True)
    return {"root": str(root), "state_dir": str(root.parent / "state"),
            "services": {"ollama": {"url": f"http://127.0.0.1:{_closed_port()}"}},
            "models": {"embedded": {"path": str(tiny_gguf), "n_ctx": 4096}},
            "routing": {"max_tokens": 24, "threads": 1}}


@pytest.fixture(scope="session")
def server(served_stack, tmp_path_factory):
    """``(base_url, token)`` of a running scripts/serve.py; stopped at the end."""
    stack_file = tmp_path_factory.mktemp("serve") / "stack.yaml"
    stack_file.write_text(yaml.safe_dump(served_stack), encoding="utf-8")
    env = {**os.environ, "PHOENIX_SERVE_TOKEN": TOKEN, "HF_HUB_OFFLINE": "1"}
    process = subprocess.Popen([sys.executable, str(REPO / "scripts" / "serve.py"), "--port", "0",
                                "--stack", str(stack_file)], cwd=REPO, env=env,
                               stderr=subprocess.PIPE, text=True)
    lines = []
    try:
        for line in process.stderr:
            lines.append(line)
            found = re.match(r"serving on (http://\S+)", line)
            if found:
                break
        else:
            pytest.fail("serve.py ended before serving:\n" + "".join(lines))
        # keep reading stderr so the server never blocks on a full pipe
        threading.Thread(target=lambda: [lines.append(l) for l in process.stderr], daemon=True).start()
        yield found.group(1), TOKEN, lines
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def client(server):
    from openai import OpenAI

    base, token, _lines = server
    return OpenAI(base_url=f"{base}/api/r/phoenix/v1", api_key=token, max_retries=0, timeout=120)


@pytest.fixture(scope="session")
def own_model(tiny_gguf, tmp_path_factory):
    """A copy of the tiny model for this folder's in-process calls: the process keeps one
    llama.cpp model per file and its sampling state moves with every call, so calls made
    here must not move the one other folders' tests sample from."""
    copy = tmp_path_factory.mktemp("own_model") / "tiny.gguf"
    shutil.copyfile(tiny_gguf, copy)
    return copy


@pytest.fixture
def tiny_stack(tiny_stack, own_model):
    """tests/conftest.py's tiny stack, on this folder's copy of the model."""
    tiny_stack["models"]["embedded"]["path"] = str(own_model)
    return tiny_stack
