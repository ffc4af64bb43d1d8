"""scripts/serve.py as Windmill: a generated token, the sync_sse route's events."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import httpx

from tests.openai.conftest import REPO


def test_sync_sse_route_streams_windmill_updates(server):
    base, token, _lines = server
    with httpx.stream("POST", f"{base}/api/r/phoenix/route/stream", headers={"Authorization": f"Bearer {token}"},
                      json={"prompt": "Hello", "response_mode": "text", "stream": True}, timeout=120) as response:
        assert response.status_code == 200 and response.headers["content-type"] == "text/event-stream"
        events = [json.loads(line[6:]) for line in response.iter_lines() if line.startswith("data: ")]
    pieces = [e["new_result_stream"] for e in events if "new_result_stream" in e]
    last = events[-1]
    assert all(e["type"] == "update" for e in events) and last["completed"] is True
    assert "".join(pieces) == last["only_result"]["answer"] and pieces


def test_unknown_route_is_404_and_a_failed_job_422(server):
    base, token, _lines = server
    auth = {"Authorization": f"Bearer {token}"}
    assert httpx.post(f"{base}/api/r/phoenix/nowhere", headers=auth, json={}).status_code == 404
    failed = httpx.post(f"{base}/api/r/phoenix/route", headers=auth, json={"prompt": 5})
    assert failed.status_code == 422 and "prompt must be text" in failed.json()["error"]["message"]


def test_generated_token_is_printed_once_and_works(served_stack, tmp_path):
    import yaml

    stack_file = tmp_path / "stack.yaml"
    stack_file.write_text(yaml.safe_dump(served_stack), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PHOENIX_SERVE_TOKEN"}
    process = subprocess.Popen([sys.executable, str(REPO / "scripts" / "serve.py"), "--port", "0",
                                "--stack", str(stack_file)], cwd=REPO, env=env, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        for line in process.stderr:
            lines.append(line)
            if line.startswith("serving on "):
                break
        token = next(line.split(": ", 1)[1].strip() for line in lines if line.startswith("token "))
        base = lines[-1].split()[-1]
        assert sum(token in line for line in lines) == 1
        listed = httpx.get(f"{base}/api/r/phoenix/v1/models", headers={"Authorization": f"Bearer {token}"})
        assert listed.status_code == 200 and listed.json()["object"] == "list"
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_serve_refuses_a_host_beyond_loopback():
    done = subprocess.run([sys.executable, str(REPO / "scripts" / "serve.py"), "--host", "0.0.0.0"],
                          cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "loopback only" in done.stderr
