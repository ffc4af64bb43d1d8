"""Fixtures of the n8n tests: a loopback stand-in, and a real n8n 2.8.4.

The real n8n (``n8n_server``) is started once per session on a free loopback
port and stopped with SIGTERM at the end. Tests that need it carry
``@pytest.mark.n8n`` and are skipped, saying why, only when n8n is not
installed (``ensure_n8n()`` in tests/support/n8n_server.py installs it; set
PHOENIX_N8N_INSTALL=1 to let the tests install it themselves).
"""

from __future__ import annotations

import os
import socket
import threading

import pytest

from scripts.tooling.step_tools import StepReader
from tests.support.n8n_server import N8nServer, ensure_n8n, installed_n8n, n8n_install_dir
from tests.support.n8n_standin import StandInN8n


def pytest_configure(config):
    config.addinivalue_line("markers", "n8n: needs the real n8n 2.8.4 (installed by ensure_n8n())")


@pytest.fixture
def standin():
    with StandInN8n() as server:
        yield server


@pytest.fixture
def standin_stack(standin, tmp_path, monkeypatch) -> dict:
    """A stack pointing at the stand-in, its key in the environment only."""
    monkeypatch.setenv("PHOENIX_TEST_N8N_KEY", standin.api_key)
    return {"root": str(tmp_path / "root"), "state_dir": str(tmp_path / "state"),
            "services": {"n8n": {"url": standin.url, "api_key_env": "PHOENIX_TEST_N8N_KEY",
                                 "api_key_variable": None}}}


@pytest.fixture
def hanging_port():
    """A loopback port that accepts connections and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    accepted = []
    stop = threading.Event()

    def accept_and_hold():
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(sock.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept_and_hold, daemon=True)
    thread.start()
    yield sock.getsockname()[1]
    stop.set()
    thread.join(timeout=2)
    for conn in accepted:
        conn.close()
    sock.close()


@pytest.fixture(scope="session")
def n8n_server(tmp_path_factory):
    binary = installed_n8n()
    if binary is None and os.environ.get("PHOENIX_N8N_INSTALL") == "1":
        binary = ensure_n8n()
    if binary is None:
        pytest.skip(f"n8n 2.8.4 is not installed in {n8n_install_dir()}: run "
                    "`python -m tests.support.n8n_server install` (ensure_n8n()) or set PHOENIX_N8N_INSTALL=1")
    server = N8nServer(binary, tmp_path_factory.mktemp("n8n-home"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def step_reader():
    """TypeScript's parser in one node process for the whole session (scripts/tooling/step_tools.py)."""
    with StepReader() as reader:
        yield reader


@pytest.fixture
def windmill_variables(tmp_path, monkeypatch):
    """Make ``wmill.get_variable`` answer offline from a dict (WM_MOCKED_API_FILE)."""
    import json

    import wmill.client

    def install(variables: dict) -> None:
        mock = tmp_path / "wm_mock.json"
        mock.write_text(json.dumps({"variables": variables, "resources": {}}))
        monkeypatch.setenv("WM_MOCKED_API_FILE", str(mock))
        monkeypatch.setenv("WM_WORKSPACE", "phoenix")
        monkeypatch.setattr(wmill.client, "_client", None)  # the client caches the mock file

    return install
