"""Webhooks both ways: calling n8n (stand-in) and generating the n8n side of calls into Windmill."""

from __future__ import annotations

import base64
import json

import pytest

from lib.errors import ConfigError, InputError
from lib.n8n.errors import N8nAuthError, N8nNotFound, N8nTimeout, N8nUnreachable
from lib.n8n.webhooks import (call_n8n_webhook, call_webhook, describe_windmill_call, n8n_http_request_node,
                              windmill_endpoints, write_webhook_contract)
from lib.stack import load_stack

SECRET = "hook-secret-4242"


def echo(request):
    return 200, {"got": request["body"], "auth": request["headers"].get("X-Phoenix-Auth")}


def guarded(expected_header, expected_value):
    def answer(request):
        if request["headers"].get(expected_header) != expected_value:
            return 403, {"message": "Authorization data is wrong!"}
        return 200, {"ok": True, "query": request["query"]}
    return answer


def test_post_json_and_get_json_back(standin, standin_stack):
    standin.add_webhook("POST", "phoenix-echo", echo)
    answer = call_n8n_webhook("/phoenix-echo/", {"who": "windmill"}, stack=standin_stack)
    assert answer == {"status": 200, "content_type": "application/json", "body": {"got": {"who": "windmill"}, "auth": None}}


def test_header_auth_from_the_environment(standin, standin_stack, monkeypatch):
    monkeypatch.setenv("HOOK_SECRET", SECRET)
    standin.add_webhook("POST", "guarded", guarded("X-Phoenix-Auth", SECRET))
    answer = call_n8n_webhook("guarded", {}, auth="header", header_name="X-Phoenix-Auth",
                              secret_env="HOOK_SECRET", stack=standin_stack)
    assert answer["body"]["ok"] is True and SECRET not in json.dumps(answer)


def test_basic_auth_from_a_windmill_variable(standin, standin_stack, windmill_variables):
    windmill_variables({"f/phoenix/hook": "n8n-user:" + SECRET})
    expected = "Basic " + base64.b64encode(f"n8n-user:{SECRET}".encode()).decode()
    standin.add_webhook("GET", "basic", guarded("Authorization", expected))
    answer = call_n8n_webhook("basic", method="get", auth="basic", secret_variable="f/phoenix/hook",
                              query={"q": "1"}, stack=standin_stack)
    assert answer["body"] == {"ok": True, "query": {"q": ["1"]}}


def test_bearer_auth(standin, standin_stack, monkeypatch):
    monkeypatch.setenv("HOOK_SECRET", SECRET)
    standin.add_webhook("POST", "bearer", guarded("Authorization", f"Bearer {SECRET}"))
    assert call_n8n_webhook("bearer", auth="bearer", secret_env="HOOK_SECRET", stack=standin_stack)["status"] == 200


def test_wrong_secret_is_an_auth_error_without_the_secret(standin, standin_stack, monkeypatch):
    monkeypatch.setenv("HOOK_SECRET", "wrong-" + SECRET)
    standin.add_webhook("POST", "guarded", guarded("X-Phoenix-Auth", SECRET))
    with pytest.raises(N8nAuthError, match="Authorization data is wrong") as caught:
        call_n8n_webhook("guarded", auth="header", header_name="X-Phoenix-Auth", secret_env="HOOK_SECRET",
                         stack=standin_stack)
    assert SECRET not in str(caught.value)


def test_unregistered_webhook_says_so(standin, standin_stack):
    with pytest.raises(N8nNotFound, match='webhook "POST nowhere" is not registered'):
        call_n8n_webhook("nowhere", stack=standin_stack)


def test_text_answers_are_returned_as_text(standin, standin_stack):
    standin.add_webhook("POST", "text", lambda r: (200, (b"plain words", "text/plain")))
    assert call_n8n_webhook("text", stack=standin_stack)["body"] == "plain words"


def test_dead_and_hanging_n8n(closed_port, hanging_port):
    with pytest.raises(N8nUnreachable):
        call_n8n_webhook("x", stack={"services": {"n8n": {"url": f"http://127.0.0.1:{closed_port}"}}})
    with pytest.raises(N8nTimeout):
        call_n8n_webhook("x", timeout_s=0.5, stack={"services": {"n8n": {"url": f"http://127.0.0.1:{hanging_port}"}}})


def test_structured_result_for_scripts(closed_port, monkeypatch):
    monkeypatch.delenv("NO_SUCH_SECRET", raising=False)
    dead = {"services": {"n8n": {"url": f"http://127.0.0.1:{closed_port}"}}}
    result = call_webhook("x", stack=dead)
    assert result["ok"] is False and result["error"]["kind"] == "unreachable"
    missing = call_webhook("x", auth="header", secret_env="NO_SUCH_SECRET", secret_variable=None, stack=dead)
    assert missing["ok"] is False and missing["error"]["kind"] == "config" and "NO_SUCH_SECRET" in missing["error"]["message"]
    assert call_webhook("../../rest/login", stack=dead)["error"]["kind"] == "input"
    assert call_webhook("http://elsewhere.example/x", stack=dead)["error"]["kind"] == "input"
    assert call_webhook("x", method="TRACE", stack=dead)["error"]["kind"] == "input"


def test_basic_secret_must_have_user_and_password(standin_stack, monkeypatch):
    monkeypatch.setenv("HOOK_SECRET", "no-colon")
    with pytest.raises(ConfigError, match="user:password"):
        call_n8n_webhook("x", auth="basic", secret_env="HOOK_SECRET", stack=standin_stack)


STACK = {"services": {"windmill": {"url": "http://127.0.0.1:8002/", "workspace": "phoenix"}}}


def test_windmill_endpoints_for_scripts_and_flows():
    script = windmill_endpoints("f/phoenix/router", "script", stack=STACK)
    assert script["sync"] == "http://127.0.0.1:8002/api/w/phoenix/jobs/run_wait_result/p/f/phoenix/router"
    assert script["async"] == "http://127.0.0.1:8002/api/w/phoenix/jobs/run/p/f/phoenix/router"
    flow = windmill_endpoints("f/phoenix/n8n/core_orchestration", "flow", stack=STACK)
    assert flow["sync"].endswith("/jobs/run_wait_result/f/f/phoenix/n8n/core_orchestration")
    assert flow["result"] == "http://127.0.0.1:8002/api/w/phoenix/jobs_u/completed/get_result_maybe/{job_id}"
    with pytest.raises(InputError):
        windmill_endpoints("/etc/passwd", stack=STACK)
    with pytest.raises(InputError):
        windmill_endpoints("f/phoenix/x", "app", stack=STACK)


def test_http_request_node_references_a_credential_and_maps_inputs():
    node = n8n_http_request_node("f/phoenix/router", "script", stack=STACK, inputs=["prompt", "task_type"])
    assert node["type"] == "n8n-nodes-base.httpRequest"
    assert node["credentials"] == {"httpBearerAuth": {"name": "Phoenix Windmill token"}}
    params = node["parameters"]
    assert params["genericAuthType"] == "httpBearerAuth" and params["method"] == "POST"
    assert params["jsonBody"] == '={{ JSON.stringify({ "prompt": $json["prompt"], "task_type": $json["task_type"] }) }}'
    asynchronous = n8n_http_request_node("f/phoenix/router", "script", stack=STACK, mode="async")
    assert asynchronous["parameters"]["url"].endswith("/jobs/run/p/f/phoenix/router")


def test_describe_is_a_structured_result():
    described = describe_windmill_call("f/phoenix/router", "script", stack=STACK)
    assert described["ok"] and described["n8n_snippet"]["connections"] == {}
    assert describe_windmill_call("nope", stack=STACK)["ok"] is False


def test_contract_files_beside_a_flow(tmp_path, monkeypatch):
    monkeypatch.setenv("WINDMILL_TOKEN", "wm-token-should-not-appear")
    flow_dir = tmp_path / "core_orchestration__flow"
    paths = write_webhook_contract(flow_dir, "f/phoenix/n8n/core_orchestration", stack={**STACK, "root": str(tmp_path)},
                                   inputs_schema={"properties": {"body": {}, "query": {}}},
                                   http_route={"route_path": "n8n/core", "http_method": "post"},
                                   source_workflow="core-orchestration.json")
    snippet = json.loads((flow_dir / "n8n_call.json").read_text())
    node = snippet["nodes"][0]
    assert node["parameters"]["url"].endswith("/run_wait_result/f/f/phoenix/n8n/core_orchestration")
    assert '"body": $json["body"]' in node["parameters"]["jsonBody"]
    md = (flow_dir / "webhook.md").read_text()
    assert "POST http://127.0.0.1:8002/api/r/n8n/core" in md and "core-orchestration.json" in md
    assert "Bearer Auth" in md and "wm-token-should-not-appear" not in md + json.dumps(snippet)
    assert paths == {"webhook_md": str(flow_dir / "webhook.md"), "n8n_call_json": str(flow_dir / "n8n_call.json")}


def test_default_stack_is_enough_for_endpoints():
    assert windmill_endpoints("f/phoenix/router", "script", stack=load_stack(None))["sync"].startswith(
        "http://127.0.0.1:8002/api/w/phoenix/")


@pytest.mark.parametrize("timeout_s", [-5, 0, float("inf"), float("nan"), 1e300, "30"])
def test_an_absurd_timeout_is_an_input_error(closed_port, timeout_s):
    dead = {"services": {"n8n": {"url": f"http://127.0.0.1:{closed_port}"}}}
    result = call_webhook("x", timeout_s=timeout_s, stack=dead)
    assert result["ok"] is False and result["error"]["kind"] == "input"
    assert "timeout_s" in result["error"]["message"]


def test_credentials_in_the_n8n_url_never_reach_the_error(closed_port):
    leaky = {"services": {"n8n": {"url": f"http://op:hunter2@127.0.0.1:{closed_port}/?token=sekret"}}}
    result = call_webhook("x", stack=leaky)
    assert result["error"]["kind"] == "unreachable" and f"127.0.0.1:{closed_port}" in result["error"]["message"]
    assert "hunter2" not in result["error"]["message"] and "sekret" not in result["error"]["message"]


def test_a_secret_given_where_its_name_goes_is_not_echoed(closed_port, monkeypatch):
    dead = {"services": {"n8n": {"url": f"http://127.0.0.1:{closed_port}"}}}
    for where in ({"secret_env": "whsec-s3cr3t-value"}, {"secret_variable": "whsec-s3cr3t-value"}):
        result = call_webhook("x", auth="bearer", stack=dead, **{"secret_env": None, "secret_variable": None, **where})
        assert result["ok"] is False and result["error"]["kind"] == "config"
        assert "s3cr3t" not in result["error"]["message"]


@pytest.mark.parametrize("arguments, message", [
    ({"windmill_path": "f/phoenix/does not exist"}, "not a Windmill path"),
    ({"credential_name": "  "}, "credential_name is empty"),
])
def test_the_n8n_snippet_refuses_a_path_with_spaces_and_an_empty_credential(arguments, message):
    result = describe_windmill_call(**{"windmill_path": "f/phoenix/router", "kind": "script", "stack": STACK,
                                       **arguments})
    assert result["ok"] is False and message in result["error"]["message"]
