"""Containers through Podman: the REST socket (a Unix-socket stand-in), the CLI (a stand-in
executable that prints what `podman ps --all --format json` prints), and Podman unreachable."""

from __future__ import annotations

import json
import stat
import tempfile
from pathlib import Path

import pytest

from lib.health.containers import API_PATH, PodmanView, check_container
from tests.support.canned_http import CannedHttp

LISTING = [
    {"Id": "a1", "Names": ["n8n"], "State": "running", "Status": "Up 2 hours"},
    {"Id": "b2", "Names": ["ollama-phoenix"], "State": "exited", "Status": "Exited (1) 5 minutes ago"},
]


@pytest.fixture
def socket_path():
    # Unix socket paths are limited to ~100 bytes: pytest's tmp_path can be longer
    with tempfile.TemporaryDirectory(prefix="phx-") as folder:
        yield str(Path(folder) / "podman.sock")


@pytest.fixture
def fake_podman(tmp_path, monkeypatch):
    """A `podman` on PATH that prints a listing (or fails), and logs its arguments."""
    def install(listing=None, exit_code=0, stderr=""):
        script = tmp_path / "bin" / "podman"
        script.parent.mkdir(exist_ok=True)
        body = json.dumps(listing) if listing is not None else ""
        script.write_text("#!/bin/sh\n"
                          f"echo \"$@\" >> {tmp_path / 'calls.log'}\n"
                          f"echo '{stderr}' >&2\n"
                          f"cat <<'EOF'\n{body}\nEOF\n"
                          f"exit {exit_code}\n")
        script.chmod(script.stat().st_mode | stat.S_IEXEC)
        monkeypatch.setenv("PATH", f"{script.parent}:/usr/bin:/bin")
        monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
        return tmp_path / "calls.log"
    return install


def test_over_the_rest_socket_running_is_up_and_exited_is_down(socket_path):
    with CannedHttp({API_PATH.split("?")[0]: (200, LISTING)}, unix_socket=socket_path) as podman:
        view = PodmanView(socket_path)
        assert check_container(view, "n8n", 2) == ("up", "running: Up 2 hours")
        status, detail = check_container(view, "ollama-phoenix", 2)
        assert status == "down" and "Exited (1)" in detail
        assert check_container(view, "windmill-phoenix", 2) == ("down", "no container named windmill-phoenix")
        assert len(podman.log) == 1  # one listing shared by every container probe
        assert podman.log[0][0].full_path == API_PATH


def test_a_socket_answering_an_error_means_unknown(socket_path):
    with CannedHttp({}, unix_socket=socket_path):
        status, detail = check_container(PodmanView(socket_path), "n8n", 2)
    assert status == "unknown" and "HTTP 404" in detail


def test_a_missing_socket_means_unknown_not_down(tmp_path):
    status, detail = check_container(PodmanView(str(tmp_path / "nothing.sock")), "n8n", 2)
    assert status == "unknown" and "Podman socket" in detail


def test_through_the_command(fake_podman):
    calls = fake_podman(LISTING)
    view = PodmanView(None)
    assert check_container(view, "n8n", 2)[0] == "up"
    assert check_container(view, "ollama-phoenix", 2)[0] == "down"
    assert calls.read_text().split() == ["ps", "--all", "--format", "json"]


def test_a_failing_command_means_unknown_with_its_message(fake_podman):
    fake_podman(None, exit_code=125, stderr="Error: cannot connect to Podman")
    status, detail = check_container(PodmanView(None), "n8n", 2)
    assert status == "unknown" and "cannot connect to Podman" in detail


def test_a_command_printing_garbage_means_unknown(fake_podman):
    fake_podman("not a list")
    assert check_container(PodmanView(None), "n8n", 2)[0] == "unknown"


def test_no_socket_and_no_command_means_unknown(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setattr("lib.health.containers._default_socket", lambda: None)
    status, detail = check_container(PodmanView(None), "n8n", 2)
    assert status == "unknown" and "not reachable from this worker" in detail


def test_a_hung_socket_means_unknown(socket_path):
    # a Unix socket that accepts and never answers
    import socket as sockets
    server = sockets.socket(sockets.AF_UNIX, sockets.SOCK_STREAM)
    server.bind(socket_path)
    server.listen(4)
    try:
        status, detail = check_container(PodmanView(socket_path), "n8n", 0.3)
    finally:
        server.close()
    assert status == "unknown" and "timeout" in detail.lower()
