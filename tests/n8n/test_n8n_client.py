"""The n8n API client against the loopback stand-in: paging, writes, errors, secrecy."""

from __future__ import annotations

import json

import pytest

from lib.errors import ConfigError, PhoenixError
from lib.n8n.client import N8nClient, resolve_api_key, writable_workflow
from lib.n8n.errors import (N8nAuthError, N8nBadResponse, N8nNotFound, N8nRejected, N8nServerError,
                            N8nTimeout, N8nUnreachable)
from lib.stack import load_stack

NODE = {"id": "n1", "name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1,
        "position": [0, 0], "parameters": {}}


def workflow(name="Demo", **extra):
    return {"name": name, "nodes": [dict(NODE)], "connections": {}, "settings": {"executionOrder": "v1"},
            **extra}


@pytest.fixture
def client(standin):
    with N8nClient(standin.url, standin.api_key, timeout=(1, 2)) as api:
        yield api


def test_list_follows_the_cursor_until_it_is_null(standin, client):
    for i in range(7):
        standin.add_workflow(workflow(f"W{i}"))
    names = [wf["name"] for wf in client.iter_workflows(limit=3)]
    assert names == [f"W{i}" for i in range(7)]
    cursors = [r["query"].get("cursor") for r in standin.requests]
    assert cursors == [None, ["3"], ["6"]]
    assert all(r["query"]["limit"] == ["3"] for r in standin.requests)


def test_limit_is_clamped_to_what_n8n_accepts(standin, client):
    client.list_workflows(limit=10_000)
    assert standin.requests[0]["query"]["limit"] == ["250"]


def test_a_repeating_cursor_stops_instead_of_looping(standin, client, monkeypatch):
    standin.add_workflow(workflow())
    monkeypatch.setattr(standin, "_list", lambda query: (200, {"data": [], "nextCursor": "same"}))
    with pytest.raises(N8nBadResponse, match="repeats"):
        client.list_workflows()


def test_update_sends_only_writable_fields_of_a_get_body(standin, client):
    stored = standin.add_workflow(workflow())
    body = client.get_workflow(stored["id"])
    body["nodes"][0]["createdAt"] = "2026-01-01"  # read-only node key seen in some exports
    body["settings"]["somethingNew"] = 1
    client.update_workflow(stored["id"], body)  # the stand-in is strict like n8n: no 400
    sent = json.loads(standin.requests[-1]["body"])
    assert list(sent) == ["name", "nodes", "connections", "settings"]
    assert "createdAt" not in sent["nodes"][0] and sent["settings"] == {"executionOrder": "v1"}


def test_create_then_get(client):
    created = client.create_workflow(workflow("Made here", id="ignored", active=True, tags=[{"name": "x"}]))
    assert client.get_workflow(created["id"])["name"] == "Made here"


def test_activate_and_deactivate_send_an_empty_json_object(standin, client):
    stored = standin.add_workflow(workflow())
    assert client.publish_workflow(stored["id"])["active"] is True
    assert client.deactivate_workflow(stored["id"])["active"] is False
    posts = [r for r in standin.requests if r["method"] == "POST"]
    assert [p["body"] for p in posts] == ["{}", "{}"]
    assert all("application/json" in p["headers"]["Content-Type"] for p in posts)


def test_executions_are_listed(client):
    assert client.list_executions(workflow_id="1", include_data=True) == []


def test_writable_workflow_refuses_a_body_without_nodes():
    with pytest.raises(N8nRejected, match="nodes"):
        writable_workflow({"name": "x", "connections": {}})


def test_401_is_an_auth_error_and_never_shows_the_key(standin):
    api = N8nClient(standin.url, "wrong-secret-key-987")
    with pytest.raises(N8nAuthError) as caught:
        api.list_workflows()
    assert caught.value.status == 401 and "unauthorized" in str(caught.value)
    assert "wrong-secret-key-987" not in str(caught.value) + repr(api) + repr(caught.value)


def test_404_names_the_request(client):
    with pytest.raises(N8nNotFound, match=r"GET /workflows/nope: HTTP 404: Not Found"):
        client.get_workflow("nope")


def test_400_carries_n8ns_message(standin, client, monkeypatch):
    stored = standin.add_workflow(workflow())
    monkeypatch.setattr("lib.n8n.client.writable_workflow", lambda wf: dict(wf))  # bypass the filter
    with pytest.raises(N8nRejected, match="must NOT have additional properties") as caught:
        client.update_workflow(stored["id"], {**workflow(), "active": True})
    assert caught.value.status == 400


def test_an_error_body_echoing_the_key_is_redacted(standin, client, monkeypatch):
    monkeypatch.setattr(standin, "route", lambda *a: (400, {"message": f"bad key {standin.api_key}"}))
    with pytest.raises(N8nRejected) as caught:
        client.list_workflows()
    assert standin.api_key not in str(caught.value) and "***" in str(caught.value)


def test_5xx_and_non_json_answers(standin, client):
    standin.mode = "server_error"
    with pytest.raises(N8nServerError, match="database is locked"):
        client.list_workflows()
    standin.mode = "not_json"
    with pytest.raises(N8nBadResponse, match="not JSON"):
        client.get_workflow("1")


def test_dead_n8n_is_unreachable(closed_port):
    api = N8nClient(f"http://127.0.0.1:{closed_port}", "k" * 20, timeout=(1, 1))
    with pytest.raises(N8nUnreachable, match="nothing answers") as caught:
        api.list_workflows()
    assert isinstance(caught.value, PhoenixError) and "k" * 20 not in str(caught.value)


def test_hanging_n8n_times_out(hanging_port):
    api = N8nClient(f"http://127.0.0.1:{hanging_port}", "k" * 20, timeout=(1, 0.5))
    with pytest.raises(N8nTimeout, match="deadline"):
        api.get_workflow("1")


def test_ids_cannot_change_the_path(client):
    with pytest.raises(N8nRejected):
        client.get_workflow("../credentials")


def test_key_from_the_environment(monkeypatch):
    monkeypatch.setenv("MY_N8N_KEY", "env-key-value")
    stack = load_stack({"services": {"n8n": {"api_key_env": "MY_N8N_KEY"}}})
    assert resolve_api_key(stack) == "env-key-value"


def test_key_from_a_windmill_variable_wins(monkeypatch, windmill_variables):
    windmill_variables({"f/phoenix/n8n_api_key": "variable-key"})
    monkeypatch.setenv("N8N_API_KEY", "env-key")
    assert resolve_api_key(load_stack(None)) == "variable-key"


def test_an_absent_windmill_variable_falls_back_to_the_environment(monkeypatch, windmill_variables):
    windmill_variables({})
    monkeypatch.setenv("N8N_API_KEY", "env-key")
    assert resolve_api_key(load_stack(None)) == "env-key"


def test_missing_key_is_a_config_error_naming_both_places(monkeypatch):
    monkeypatch.delenv("N8N_API_KEY", raising=False)
    monkeypatch.delenv("WM_MOCKED_API_FILE", raising=False)
    with pytest.raises(ConfigError, match="f/phoenix/n8n_api_key.*N8N_API_KEY"):
        N8nClient.from_stack(None)
