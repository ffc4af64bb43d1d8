"""Probes against real loopback servers: up, down (closed port), hung (never answers), wrong answers."""

from __future__ import annotations

import threading

import pytest

from lib.health import services
from lib.health.probes import Probe, run_probes
from tests.health.stand_ins import (N8N_DB_NOT_READY, N8N_UP, WINDMILL_UP, BannerServer, HungServer, PostgresStandIn,
                                    ollama_routes)
from tests.support.canned_http import CannedHttp


# --- the harness: concurrency and deadlines -------------------------------------------------

def test_results_come_back_in_probe_order_with_their_statuses():
    probes = [Probe("a", "core", "A", lambda t: ("up", "fine"), 1),
              Probe("b", "core", "B", lambda t: ("down", "gone"), 1),
              Probe("c", "core", "C", lambda t: ("degraded", "half"), 1)]
    found = run_probes(probes)
    assert [(f.component, f.status, f.detail) for f in found] == [
        ("a", "up", "fine"), ("b", "down", "gone"), ("c", "degraded", "half")]


def test_a_probe_past_its_deadline_is_reported_with_its_timeout_status():
    release = threading.Event()
    probes = [Probe("stuck", "services", "Stuck", lambda t: (release.wait(), ("up", "late"))[1], 0.2),
              Probe("podman", "containers", "P", lambda t: (release.wait(), ("up", "late"))[1], 0.2,
                    on_timeout="unknown")]
    try:
        found = run_probes(probes)
    finally:
        release.set()
    assert [f.status for f in found] == ["down", "unknown"]
    assert "no answer within 0.2 s" in found[0].detail


def test_probes_run_at_the_same_time_not_one_after_another():
    # Each probe waits until all three have started: run one by one, none could finish.
    barrier = threading.Barrier(3, timeout=5)

    def meet(timeout):
        barrier.wait()
        return "up", "met"

    found = run_probes([Probe(str(i), "core", str(i), meet, 5) for i in range(3)])
    assert [f.status for f in found] == ["up", "up", "up"]


def test_a_probe_that_raises_is_a_down_finding_not_a_crash():
    def broken(timeout):
        raise RuntimeError("bug in probe")

    found = run_probes([Probe("x", "core", "X", broken, 1)])
    assert found[0].status == "down" and "RuntimeError: bug in probe" in found[0].detail


def test_an_invented_status_becomes_unknown():
    found = run_probes([Probe("x", "core", "X", lambda t: ("green", ""), 1)])
    assert found[0].status == "unknown"


# --- n8n -------------------------------------------------------------------------------------

def test_n8n_up_when_healthz_and_readiness_answer():
    with CannedHttp(N8N_UP) as n8n:
        assert services.check_n8n(n8n.url, 2)[0] == "up"
        assert [request.path for request, _ in n8n.log] == ["/healthz", "/healthz/readiness"]


def test_n8n_degraded_when_its_database_is_not_ready():
    with CannedHttp(N8N_DB_NOT_READY) as n8n:
        status, detail = services.check_n8n(n8n.url, 2)
    assert status == "degraded" and "readiness answered HTTP 503" in detail


def test_n8n_down_on_a_closed_port(closed_port):
    status, detail = services.check_n8n(f"http://127.0.0.1:{closed_port}", 2)
    assert status == "down" and "connection refused" in detail


def test_n8n_down_when_hung():
    with HungServer() as hung:
        status, detail = services.check_n8n(hung.url, 0.3)
    assert status == "down" and "no answer within 0.3 s" in detail


def test_n8n_two_requests_share_one_deadline():
    # each answer alone fits the deadline, both together do not
    slow = {"/healthz": (200, {}, 0.4), "/healthz/readiness": (200, {}, 0.4)}
    with CannedHttp(slow) as n8n:
        status, detail = services.check_n8n(n8n.url, 0.6)
    assert status == "down" and "no answer within 0.6 s" in detail


def test_n8n_down_when_healthz_is_an_error():
    with CannedHttp({"/healthz": (500, {})}) as n8n:
        assert services.check_n8n(n8n.url, 2) == ("down", "/healthz answered HTTP 500")


# --- Windmill --------------------------------------------------------------------------------

def test_windmill_up_reports_its_version():
    with CannedHttp(WINDMILL_UP) as windmill:
        assert services.check_windmill(windmill.url, 2) == ("up", "version CE v1.520.0")


def test_windmill_down_on_404(closed_port):
    with CannedHttp({}) as windmill:
        assert services.check_windmill(windmill.url, 2)[0] == "down"
    assert services.check_windmill(f"http://127.0.0.1:{closed_port}", 2)[0] == "down"


# --- Ollama ----------------------------------------------------------------------------------

def test_ollama_up_when_every_policy_model_is_present():
    # A policy name without a tag means :latest, as in Ollama itself.
    with CannedHttp(ollama_routes(["llama3:8b", "deepseek-coder-v2:latest"])) as ollama:
        status, detail = services.check_ollama(ollama.url, ["llama3:8b", "deepseek-coder-v2"], 2)
    assert status == "up" and "version 0.6.3" in detail


def test_ollama_degraded_names_the_missing_models():
    with CannedHttp(ollama_routes(["llama3:8b"])) as ollama:
        status, detail = services.check_ollama(ollama.url, ["llama3:8b", "mixtral:8x7b", "mistral:7b"], 2)
    assert status == "degraded"
    assert "missing 2 of 3 models: mixtral:8x7b, mistral:7b" in detail


def test_ollama_with_a_tag_is_not_satisfied_by_another_tag():
    with CannedHttp(ollama_routes(["llama3:70b"])) as ollama:
        assert services.check_ollama(ollama.url, ["llama3:8b"], 2)[0] == "degraded"


def test_ollama_answering_garbage_is_degraded_not_a_crash():
    with CannedHttp({"/api/version": (200, b"<html>"), "/api/tags": (200, b"not json")}) as ollama:
        status, detail = services.check_ollama(ollama.url, ["x"], 2)
    assert status == "degraded" and "not the expected JSON" in detail


def test_ollama_down_when_hung():
    with HungServer() as hung:
        assert services.check_ollama(hung.url, ["x"], 0.3)[0] == "down"


# --- Postgres --------------------------------------------------------------------------------

@pytest.mark.parametrize("reply", [b"N", b"S"])
def test_postgres_up_when_it_answers_the_ssl_request(reply):
    with PostgresStandIn(reply) as postgres:
        status, detail = services.check_postgres("127.0.0.1", postgres.port, 2)
    assert status == "up" and "Postgres protocol" in detail


def test_postgres_down_when_the_port_speaks_something_else():
    with BannerServer() as other:
        status, detail = services.check_postgres("127.0.0.1", other.port, 2)
    assert status == "down" and "not Postgres" in detail


def test_postgres_down_on_a_closed_port(closed_port):
    assert services.check_postgres("127.0.0.1", closed_port, 2)[0] == "down"


def test_postgres_down_when_hung():
    with HungServer() as hung:
        status, detail = services.check_postgres("127.0.0.1", hung.port, 0.3)
    assert status == "down" and "no answer within 0.3 s" in detail


# --- OpenAI-compatible endpoints -------------------------------------------------------------

def test_endpoint_up_and_the_token_is_sent_but_never_shown(monkeypatch):
    monkeypatch.setenv("PHX_TEST_TOKEN", "sekret-token-123")
    with CannedHttp({"/v1/models": (200, {"data": []})}) as endpoint:
        status, detail = services.check_openai_endpoint(f"{endpoint.url}/v1", "PHX_TEST_TOKEN", 2)
        sent = endpoint.log[0][0].headers.get("Authorization")
    assert status == "up" and sent == "Bearer sekret-token-123"
    assert "sekret" not in detail


def test_endpoint_refusing_the_token_is_down_and_says_which_variable():
    with CannedHttp({"/v1/models": (401, {"error": "bad token"})}) as endpoint:
        status, detail = services.check_openai_endpoint(f"{endpoint.url}/v1", "PHX_UNSET_TOKEN", 2)
    assert status == "down" and "$PHX_UNSET_TOKEN" in detail



def test_credentials_in_urls_never_reach_a_result(closed_port):
    url = f"http://operator:hunter2@127.0.0.1:{closed_port}/v1?api_key=sekret"
    status, detail = services.check_openai_endpoint(url, None, 1)
    assert status == "down" and detail == f"http://127.0.0.1:{closed_port}/v1: connection refused or unreachable"
    assert services.shown(url) == f"http://127.0.0.1:{closed_port}/v1"
