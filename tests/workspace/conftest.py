"""Fixtures for the stack on Podman: the podman stand-in on PATH, free loopback ports, a stack file.

``scripts/stack.py`` runs as the operator runs it, in its own process, with the
stand-in first on PATH; the stand-in's state file says what it was asked.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
STANDIN = Path(__file__).resolve().parent / "podman_standin.py"
#: podman commands that change something (all the others only read)
MUTATING = {("secret", "create"), ("kube", "play"), ("pod", "start"), ("pod", "stop"), ("start",), ("pull",),
            ("rm",), ("pod", "rm"), ("volume", "rm"), ("secret", "rm"), ("kube", "down")}


def free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for sock in sockets:
            sock.close()


@dataclass
class StandIn:
    state_file: Path
    env: dict

    def state(self) -> dict:
        return json.loads(self.state_file.read_text()) if self.state_file.exists() else {}

    def seed(self, **values) -> None:
        state = self.state()
        state.update(values)
        self.state_file.write_text(json.dumps(state))

    def calls(self) -> list[list[str]]:
        return self.state().get("calls", [])

    def changes(self) -> list[list[str]]:
        return [c for c in self.calls() if tuple(c[:2]) in MUTATING or tuple(c[:1]) in MUTATING]

    def forget_calls(self) -> None:
        self.seed(calls=[])


@pytest.fixture
def podman(tmp_path):
    """The podman stand-in first on PATH, its state in a temp file; its service processes end with the test."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "podman"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{STANDIN}" "$@"\n')
    shim.chmod(0o755)
    state_file = tmp_path / "podman-state.json"
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
           "PODMAN_STANDIN_STATE": str(state_file), "STANDIN_WINDMILL_RECORD": str(tmp_path / "windmill.jsonl")}
    for name in ("PHOENIX_DB_PASSWORD", "WINDMILL_TOKEN", "N8N_API_KEY", "PHOENIX_STACK"):
        env.pop(name, None)
    standin = StandIn(state_file, env)
    yield standin
    for pid in standin.state().get("processes", {}).values():
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass


@dataclass
class Ports:
    windmill: int
    postgres: int
    ollama: int
    n8n: int


@pytest.fixture
def ports() -> Ports:
    return Ports(*free_ports(4))


@pytest.fixture
def root(tmp_path) -> Path:
    root = tmp_path / "BooPhoenix"
    (root / "models" / "quantized").mkdir(parents=True)
    (root / ".roo").mkdir()
    (root / ".roo" / "core.yaml").write_text("mode: orchestrator\n")
    return root


def write_stack(tmp_path: Path, root: Path, ports: Ports, **podman) -> Path:
    document = {
        "root": str(root),
        "state_dir": str(tmp_path / "state"),
        "services": {"windmill": {"url": f"http://127.0.0.1:{ports.windmill}"},
                     "postgres": {"host": "127.0.0.1", "port": ports.postgres},
                     "ollama": {"url": f"http://127.0.0.1:{ports.ollama}"},
                     "n8n": {"url": f"http://127.0.0.1:{ports.n8n}"}},
        "health": {"probe_timeout_s": 1, "router_timeout_s": 2},
        "models": {"embedded": {"path": str(tmp_path / "no-embedded-model.gguf")}},
        "podman": {"health_timeout_s": 20, **podman},
    }
    path = tmp_path / "stack.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


@pytest.fixture
def stack_file(tmp_path, root, ports) -> Path:
    return write_stack(tmp_path, root, ports)


def run_stack(standin: StandIn, *args: str, env: dict | None = None, timeout: float = 300):
    """``python scripts/stack.py ARGS`` as an operator runs it (no terminal: nothing is asked)."""
    return subprocess.run([sys.executable, str(REPO / "scripts" / "stack.py"), *args], cwd=REPO,
                          env={**standin.env, **(env or {})}, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=timeout)
