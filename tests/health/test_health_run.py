"""Whole health runs against loopback stand-ins: history, flap damping, alerts, the router's
view of backend health, and the dashboard file."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from lib.backup.snapshot import take_snapshot
from lib.health.run import BACKENDS_KEY, HISTORY_KEY, OUTBOX_KEY, last_dashboard, run_health
from lib.health.containers import API_PATH
from lib.stack import load_stack
from lib.store import open_store
from tests.health.stand_ins import N8N_UP, WINDMILL_UP, HungServer, PostgresStandIn, ollama_routes
from tests.support.canned_http import CannedHttp

POLICY_MODELS = ["llama3:8b", "mistral:7b"]
SECRET = "alert-token-do-not-leak"


def _operator_folders(root: Path) -> None:
    for folder in (".roo/core", "omas/agents", "n8n/workflows", "models/quantized", "windmill",
                   "ollama-integration", "hf-models"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / ".roo/core/orchestration.yaml").write_text("mode: reasoning\n")
    for agent in ("chaos", "demigod", "thanatos"):
        (root / f"omas/agents/{agent}.yaml").write_text(f"role: {agent}, as the operator tuned it\n")
    (root / "n8n/workflows/core-orchestration.json").write_text(
        json.dumps({"name": "core", "nodes": [], "connections": {}}))


@pytest.fixture
def services(tmp_path):
    """Every service of the stack, up, on loopback; the alert receiver; Podman's socket."""
    containers = [{"Names": [n], "State": "running", "Status": "Up"} for n in
                  ("n8n", "windmill-phoenix", "windmill-db-phoenix", "ollama-phoenix")]
    # a short folder (Unix socket paths are limited), removed with the socket in it
    with tempfile.TemporaryDirectory(prefix="phx-") as sock_dir, \
            CannedHttp(N8N_UP) as n8n, CannedHttp(WINDMILL_UP) as windmill, \
            CannedHttp(ollama_routes(POLICY_MODELS)) as ollama, PostgresStandIn() as postgres, \
            CannedHttp({"/hook": (200, {"ok": True})}) as receiver, \
            CannedHttp({"/v1/models": (200, {"data": []})}) as endpoint, \
            CannedHttp({API_PATH.split("?")[0]: (200, containers)}, unix_socket=f"{sock_dir}/podman.sock"):
        yield {"n8n": n8n, "windmill": windmill, "ollama": ollama, "postgres": postgres,
               "receiver": receiver, "endpoint": endpoint, "podman_socket": f"{sock_dir}/podman.sock"}


@pytest.fixture
def stack(tiny_stack, services, operator_root, monkeypatch):
    monkeypatch.setenv("PHX_ALERT_TOKEN", SECRET)
    _operator_folders(operator_root)
    document = dict(tiny_stack)
    document["services"] = {
        "n8n": {"url": services["n8n"].url}, "windmill": {"url": services["windmill"].url},
        "ollama": {"url": services["ollama"].url},
        "postgres": {"host": "127.0.0.1", "port": services["postgres"].port},
        "podman": {"socket": services["podman_socket"]},
    }
    document["models"] = {**tiny_stack["models"],
                          "ollama": {"reasoning": ["llama3:8b"], "fast": ["mistral:7b"], "coding": [],
                                     "complex": []},
                          "huggingface": {"endpoints": [{"name": "hf1", "url": f"{services['endpoint'].url}/v1"}]}}
    document["health"] = {"probe_timeout_s": 2, "flap_threshold": 2, "router_timeout_s": 60}
    document["alerts"] = {"url": f"{services['receiver'].url}/hook", "token_env": "PHX_ALERT_TOKEN"}
    stack = load_stack(document)
    assert take_snapshot(stack, label="nightly")["ok"]  # last night's backup, verified
    return stack


def _statuses(report: dict) -> dict:
    return {c["component"]: c["status"] for c in report["components"]}


def test_a_healthy_stack_is_all_up_and_feeds_the_router(stack, phoenixcore_file):
    report = run_health(stack)
    statuses = _statuses(report)
    assert {k: v for k, v in statuses.items() if v != "up"} == {}, report["markdown"]
    # priority "existing": the operator's own model answers when it is there
    assert "on phoenixcore" in next(c["detail"] for c in report["components"]
                                 if c["component"] == "integration:router")
    backends = open_store(stack.state_dir).get(BACKENDS_KEY)
    assert set(backends) == {"ollama", "phoenixcore", "embedded", "openai:hf1"}
    assert all(entry["up"] is True and entry["at"] == report["at_unix"] for entry in backends.values())
    assert report["events"] == [] and report["alerts"]["sent"] == 0  # the first run is the baseline


def test_the_dashboard_file_has_the_seed_sections_with_times(stack):
    report = run_health(stack)
    written = Path(report["dashboard_file"])
    assert written == stack.root / "docs" / "system-status.md"
    text = written.read_text()
    for heading in ("## Core components", "## Hybrid services", "## Integrations", "## Model backends"):
        assert heading in text
    assert "| 🟢 | n8n | up |" in text and " ms |" in text and "UTC (just now)" in text
    assert last_dashboard(stack) == report["markdown"]


def test_one_alert_per_confirmed_change_and_one_on_recovery(stack, services):
    n8n, receiver = services["n8n"], services["receiver"]
    sent_each_run = []
    # up (baseline), a blip, up, then down for good, then back up for good
    for healthz in (200, 500, 200, 500, 500, 500, 500, 200, 200, 200):
        n8n.answer({**N8N_UP, "/healthz": (healthz, {})})
        run_health(stack, write_dashboard=False)
        sent_each_run.append(len(receiver.log))
    assert sent_each_run == [0, 0, 0, 0, 1, 1, 1, 1, 2, 2]
    alerts = [json.loads(request.get_data()) for request, _ in receiver.log]
    assert [(a["component"], a["from"], a["to"], a["kind"]) for a in alerts] == [
        ("service:n8n", "up", "down", "change"), ("service:n8n", "down", "up", "recovery")]
    assert alerts[0]["text"].startswith("🔴 n8n is down (was up)")
    assert all(request.headers["Authorization"] == f"Bearer {SECRET}" for request, _ in receiver.log)
    assert len(open_store(stack.state_dir).get(HISTORY_KEY)) == 10


def test_a_flapping_service_never_alerts_and_keeps_its_status(stack, services):
    n8n, receiver = services["n8n"], services["receiver"]
    raw = []
    for healthz in (200, 500, 200, 500, 200, 500, 200, 500):
        n8n.answer({**N8N_UP, "/healthz": (healthz, {})})
        report = run_health(stack, write_dashboard=False)
        component = next(c for c in report["components"] if c["component"] == "service:n8n")
        raw.append(component["raw_status"])
        assert component["status"] == "up"
    assert raw == ["up", "down"] * 4
    assert receiver.log == []


def test_the_token_never_appears_in_results_or_state(stack, services):
    services["receiver"].answer({"/hook": (500, {})})
    run_health(stack)
    services["n8n"].answer({**N8N_UP, "/healthz": (500, {})})
    run_health(stack)
    report = run_health(stack)
    assert report["alerts"]["errors"]
    assert SECRET not in json.dumps(report)
    assert not any(SECRET in p.read_text() for p in stack.state_dir.glob("*.json"))


def test_an_undelivered_alert_waits_and_is_sent_once_later(stack, services):
    receiver, n8n = services["receiver"], services["n8n"]
    run_health(stack)
    receiver.answer({"/hook": (503, {})})
    n8n.answer({**N8N_UP, "/healthz": (500, {})})
    run_health(stack)
    report = run_health(stack)  # confirmed down: the alert fails
    assert report["alerts"]["pending"] == 1 and "HTTP 503" in report["alerts"]["errors"][0]
    assert f"1 alert(s) not delivered to {receiver.url}/hook, waiting since" in report["markdown"]
    quiet = run_health(stack, send_alerts=False)  # not sending: still shows what waits
    assert quiet["alerts"]["pending"] == 1 and "1 alert(s) not delivered" in quiet["markdown"]
    receiver.answer({"/hook": (200, {})})
    report = run_health(stack)
    assert report["alerts"] == {"sent": 1, "pending": 0, "dropped": 0, "errors": [],
                                "target": f"{receiver.url}/hook", "waiting_since": None}
    run_health(stack)
    delivered = [json.loads(request.get_data()) for request, _ in receiver.log if request.path == "/hook"]
    assert [alert["to"] for alert in delivered] == ["down", "down"]  # one failed try, one delivery
    assert open_store(stack.state_dir).get(OUTBOX_KEY) == []


def test_the_router_hears_of_a_failure_at_once_people_after_confirmation(stack, services):
    run_health(stack)
    services["ollama"].answer({**ollama_routes(POLICY_MODELS), "/api/version": (500, {})})
    report = run_health(stack)
    ollama = next(c for c in report["components"] if c["component"] == "service:ollama")
    assert (ollama["status"], ollama["raw_status"]) == ("up", "down")  # damped: one result is not enough
    backends = open_store(stack.state_dir).get(BACKENDS_KEY)
    assert backends["ollama"] == {"up": False, "at": report["at_unix"], "detail": "/api/version answered HTTP 500"}
    assert report["alerts"]["sent"] == 0


def test_a_hung_service_is_down_and_the_run_still_completes(stack, tmp_path):
    with HungServer() as hung:
        document = stack.model_dump()
        document["services"]["windmill"] = {"url": hung.url}
        document["health"]["probe_timeout_s"] = 0.5
        report = run_health(load_stack(document), write_dashboard=False)
    windmill = next(c for c in report["components"] if c["component"] == "service:windmill")
    assert windmill["status"] == "down" and "no answer within 0.5 s" in windmill["detail"]
    assert _statuses(report)["service:n8n"] == "up"


def test_ollama_missing_models_is_degraded_but_the_router_may_still_use_it(stack, services):
    services["ollama"].answer(ollama_routes(["llama3:8b"]))
    run_health(stack)
    backends = open_store(stack.state_dir).get(BACKENDS_KEY)
    assert backends["ollama"]["up"] is True and "mistral:7b" in backends["ollama"]["detail"]


def test_without_an_operator_folder_no_dashboard_file_is_written(tiny_stack, tmp_path):
    document = dict(tiny_stack, root=str(tmp_path / "absent"))
    report = run_health(load_stack(document), send_alerts=False)
    assert report["dashboard_file"] is None
    assert _statuses(report)["folder:.roo"] == "down"


def test_inside_windmill_the_results_are_kept_in_windmill_state(tiny_stack, tmp_path, monkeypatch):
    # wmill's offline mode (WM_MOCKED_API_FILE) serves state without a server
    mock = tmp_path / "wm_mock.json"
    mock.write_text(json.dumps({"variables": {}, "resources": {}}))
    for name, value in {"WM_JOB_ID": "job-1", "WM_TOKEN": "t", "WM_WORKSPACE": "phoenix",
                        "BASE_INTERNAL_URL": "http://127.0.0.1:9", "WM_MOCKED_API_FILE": str(mock)}.items():
        monkeypatch.setenv(name, value)
    import wmill

    report = run_health(load_stack(tiny_stack), send_alerts=False, write_dashboard=False)
    backends = wmill.get_state(path="f/phoenix/state/health/backends")
    assert backends["embedded"] == {"up": True, "at": report["at_unix"], "detail": backends["embedded"]["detail"]}
    assert wmill.get_state(path="f/phoenix/state/health/last")["markdown"] == report["markdown"]
    assert not (tmp_path / "state").exists()  # nothing went to the local file store


def test_a_dashboard_file_that_is_a_folder_is_reported_and_the_run_still_recorded(tiny_stack, tmp_path):
    root = tmp_path / "BooPhoenix"
    (root / "docs" / "system-status.md").mkdir(parents=True)  # a folder where the file goes
    stack = load_stack(dict(tiny_stack, root=str(root)))
    report = run_health(stack, send_alerts=False)
    assert report["dashboard_file"].startswith("not written: ") and "is a folder" in report["dashboard_file"]
    assert (root / "docs" / "system-status.md").is_dir()
    assert sorted(p.name for p in (root / "docs").iterdir()) == ["system-status.md"]  # no temporary left
    assert "No health run yet" not in last_dashboard(stack)
