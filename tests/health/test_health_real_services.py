"""Probes against the real thing where this machine can run it: Postgres 15 and n8n 2.8.4,
and alerts delivered to a real n8n webhook.

Each test is skipped (with the reason) when its server is not installed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from lib.health import services
from lib.health.catalog import build_probes
from lib.health.run import run_health
from lib.n8n.client import N8nClient
from lib.stack import load_stack
from tests.health.stand_ins import WINDMILL_UP
from tests.support.canned_http import CannedHttp
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
        pytest.skip("n8n 2.8.4 not installed in the cache (python -m tests.support.n8n_server install)")
    with N8nServer(binary, tmp_path_factory.mktemp("n8n")) as server:
        yield server


def test_real_n8n_is_up(real_n8n):
    assert services.check_n8n(real_n8n.url, 5) == ("up", "healthz and readiness OK")


def _alert_workflow(path: str) -> dict:
    """An n8n workflow that receives Phoenix alerts on a webhook and keeps their text."""
    hook = {"id": str(uuid.uuid4()), "name": "Alert", "type": "n8n-nodes-base.webhook", "typeVersion": 2,
            "position": [0, 0], "webhookId": str(uuid.uuid4()),
            "parameters": {"path": path, "httpMethod": "POST", "responseMode": "lastNode", "options": {}}}
    keep = {"id": str(uuid.uuid4()), "name": "Keep", "type": "n8n-nodes-base.set", "typeVersion": 3.4,
            "position": [220, 0],
            "parameters": {"assignments": {"assignments": [
                {"id": "t", "name": "text", "value": "={{ $json.body.text }}", "type": "string"}]}, "options": {}}}
    return {"name": f"Phoenix alerts {path}", "nodes": [hook, keep],
            "connections": {"Alert": {"main": [[{"node": "Keep", "type": "main", "index": 0}]]}},
            "settings": {"executionOrder": "v1", "saveDataSuccessExecution": "all"}}


def test_alerts_reach_a_real_n8n_webhook_once_per_change(real_n8n, tmp_path):
    api = N8nClient(real_n8n.url, real_n8n.api_key)
    path = f"phoenix-alerts-{uuid.uuid4().hex[:8]}"
    workflow = api.create_workflow(_alert_workflow(path))
    api.activate_workflow(workflow["id"])
    root = tmp_path / "BooPhoenix"
    root.mkdir()
    with CannedHttp(WINDMILL_UP) as windmill:
        stack = load_stack({"root": str(root), "state_dir": str(tmp_path / "state"),
                            "services": {"n8n": {"url": real_n8n.url}, "windmill": {"url": windmill.url}},
                            "health": {"flap_threshold": 2},
                            "alerts": {"url": f"{real_n8n.url}/webhook/{path}"}})
        two_probes = [p for p in build_probes(stack) if p.component in ("service:windmill", "service:n8n")]
        reports = []
        for answer in (200, 500, 500, 500):
            windmill.answer({"/api/version": (answer, b"CE v1.520.0")})
            reports.append(run_health(stack, probes=two_probes, write_dashboard=False))
    assert [r["alerts"]["sent"] for r in reports] == [0, 0, 1, 0]
    assert {c["component"]: c["status"] for c in reports[0]["components"]}["service:n8n"] == "up"
    executions = api.list_executions(workflow_id=workflow["id"])
    assert len(executions) == 1
    data = api.get_execution(executions[0]["id"], include_data=True)
    assert "🔴 Windmill is down (was up)" in json.dumps(data, ensure_ascii=False)
