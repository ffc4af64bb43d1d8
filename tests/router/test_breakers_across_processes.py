"""Breaker state outlives the process: a backend found dead by one job is skipped
by the next jobs (new processes) without being called, until a half-open probe
lets it back in."""

import json
import subprocess
import sys
import time

import pytest

from lib.router.breakers import BREAKERS_KEY
from lib.store import FileStore
from tests.router.conftest import REPO_ROOT

# Long enough that a loaded machine's process start-up (1-2 s) cannot outlast it
# between the first and second request, which made the test fail under load.
COOLDOWN_S = 5.0


@pytest.fixture
def stack_file(tiny_stack, ollama, tmp_path):
    stack = dict(tiny_stack)
    stack["services"] = {"ollama": {"url": ollama.url}}
    stack["models"] = {**tiny_stack["models"], "ollama": {
        "reasoning": ["llama3:8b"], "coding": [], "fast": ["mistral:7b"], "complex": []}}
    stack["routing"] = {**tiny_stack["routing"], "attempt_timeout_s": 1, "overall_timeout_s": 30,
                        "breaker": {"failures_to_open": 1, "cooldown_s": COOLDOWN_S, "probe_timeout_s": 0.3}}
    path = tmp_path / "stack.json"
    path.write_text(json.dumps(stack))
    return path


def _route_in_new_process(stack_file) -> dict:
    done = subprocess.run([sys.executable, "-m", "tests.support.route_once", str(stack_file), "ollama"],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _ollama(result) -> list[dict]:
    return [a for a in result["attempts"] if a["backend"] == "ollama"]


def _chats(server) -> int:
    return sum(1 for r in server.requests if r["path"] == "/api/chat")


def test_dead_backend_is_skipped_by_new_processes_until_a_half_open_probe(stack_file, ollama, tmp_path):
    ollama.fault = "hang"
    first = _route_in_new_process(stack_file)
    assert [a["outcome"] for a in _ollama(first)] == ["hung", "skipped"]
    assert first["model"]["backend"] == "embedded"
    opened = FileStore(tmp_path / "state").get(BREAKERS_KEY)["backends"]["ollama"]
    assert opened["open_since"] and "before the deadline" in opened["last_error"]
    chats_after_first = _chats(ollama)

    # A new process pays nothing for it: not one request reaches the hung server.
    second = _route_in_new_process(stack_file)
    assert [a["outcome"] for a in _ollama(second)] == ["skipped", "skipped"]
    assert all("circuit open" in a["error"] and a["seconds"] == 0.0 for a in _ollama(second))
    assert second["model"]["backend"] == "embedded" and _chats(ollama) == chats_after_first

    # Cooled down but still hung: the half-open probe is the cheap health check, not a chat.
    time.sleep(COOLDOWN_S + 0.1)
    third = _route_in_new_process(stack_file)
    probe, rest = _ollama(third)[0], _ollama(third)[1:]
    assert probe["outcome"] == "down" and "half-open probe" in probe["error"]
    assert [a["outcome"] for a in rest] == ["skipped"] and _chats(ollama) == chats_after_first
    assert any(r["path"] == "/api/version" for r in ollama.requests)

    # Recovered: after the next cooldown the probe passes and the request is served by Ollama.
    ollama.fault = None
    ollama.release.set()
    time.sleep(COOLDOWN_S + 0.1)
    fourth = _route_in_new_process(stack_file)
    assert fourth["model"] == {"backend": "ollama", "model": "llama3:8b"}
    assert "ollama" not in FileStore(tmp_path / "state").get(BREAKERS_KEY).get("backends", {})


def test_the_health_schedule_finding_counts_as_evidence(stack_file, ollama, tmp_path):
    FileStore(tmp_path / "state").put("health/backends", {
        "ollama": {"up": False, "at": time.time(), "detail": "connection refused"}})
    result = _route_in_new_process(stack_file)
    assert all(a["outcome"] == "skipped" and "health check found it down" in a["error"] for a in _ollama(result))
    assert _chats(ollama) == 0
