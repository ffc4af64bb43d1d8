"""Probes against the real thing where this machine can run it: Postgres 15 and n8n 2.8.4.

Each test is skipped (with the reason) when its server is not installed.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from lib.health import services
from tests.support.n8n_server import N8nServer, installed_n8n

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def real_postgres():
    if not (PG_BIN / "postgres").exists() or os.geteuid() != 0 or not shutil.which("runuser"):
        pytest.skip("needs Postgres 15 binaries and root (to run it as the postgres user)")
    # not under pytest's tmp_path: the postgres user cannot enter root's private folders
    folder = Path(tempfile.mkdtemp(prefix="phoenix-pg-"))
    shutil.chown(folder, "postgres")
    as_postgres = ["runuser", "-u", "postgres", "--"]
    subprocess.run(as_postgres + [str(PG_BIN / "initdb"), "-D", str(folder / "data"), "-A", "trust",
                                  "-U", "postgres"], check=True, capture_output=True)
    port = _free_port()
    server = subprocess.Popen(as_postgres + [str(PG_BIN / "postgres"), "-D", str(folder / "data"), "-p", str(port),
                                             "-k", str(folder), "-c", "listen_addresses=127.0.0.1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        for _ in range(100):
            if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", str(port)], capture_output=True).returncode == 0:
                break
            time.sleep(0.1)
        else:
            pytest.fail("Postgres did not become ready")
        yield port
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
        shutil.rmtree(folder, ignore_errors=True)


def test_real_postgres_is_up(real_postgres):
    status, detail = services.check_postgres("127.0.0.1", real_postgres, 3)
    assert status == "up", detail
    assert "SSL not offered" in detail  # a fresh initdb has ssl = off


@pytest.fixture(scope="module")
def real_n8n(tmp_path_factory):
    binary = installed_n8n()
    if binary is None:
        pytest.skip("n8n 2.8.4 not installed in the cache (tests/support/n8n_server.py install)")
    with N8nServer(binary, tmp_path_factory.mktemp("n8n")) as server:
        yield server


def test_real_n8n_is_up(real_n8n):
    assert services.check_n8n(real_n8n.url, 5) == ("up", "healthz and readiness OK")
