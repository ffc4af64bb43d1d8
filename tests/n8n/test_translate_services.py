"""Service and data nodes run on the node host: n8n's own node code, in the translated step.

Steps that call out (HTTP Request, Telegram, Supabase) run against a loopback server,
local ones (command, crypto, HTML) as they are, Postgres against a real server. The
step's ``credentials`` argument carries each n8n credential's own fields, as the
Windmill resource the flow names (``$res:`` references, never a secret) resolves to.
"""

from __future__ import annotations

import json

import pytest
import yaml

from lib.n8n.report import translate_folder
from lib.n8n.translate.emit import translate_workflow
from tests.n8n import translate_fixtures as fx
from tests.support.n8n_host_run import missing
from tests.support.openflow_run import json_of_items
from tests.support.ts_step import run_ts_step


pytestmark = pytest.mark.skipif(missing() is not None, reason=str(missing()))


@pytest.fixture
def loopback(httpserver_ipv4):
    """The service a step calls, on 127.0.0.1: its base URL and the server (each test says what it answers)."""
    return httpserver_ipv4.url_for("").rstrip("/"), httpserver_ipv4


def sent_target(request) -> str:
    """The request target as the client sent it: path and query, still percent-encoded."""
    return request.environ["RAW_URI"]


def one_step(node: dict, settings: dict | None = None):
    document = fx.workflow([fx.node("Start", "manualTrigger"), node], fx.link(("Start", 0, node["name"])))
    document["settings"] = settings or {}
    translation = translate_workflow(document, "t.json", "f/x")
    module = translation.flow["value"]["modules"][0]
    return translation, module, translation.files[f"{module['id']}.ts"]


def run_host(code: str, items: list, credentials: dict | None = None) -> dict:
    """The host step's main(items, inputs, nodes, credentials): ok and n8n's first output as JSON, or the error."""
    outcome = run_ts_step(code, items, None, {}, credentials or {})
    if not outcome["ok"]:
        return outcome
    return {"ok": True, "result": json_of_items(outcome["result"]["outputs"][0])}


def credentials_transform(kind: str, path: str) -> dict:
    return {"type": "static", "value": {kind: f"$res:{path}", "@resources": {kind: path}}}


def test_http_request_sends_what_n8n_would_and_splits_arrays_into_items(loopback):
    url, server = loopback
    node = fx.node("Call", "httpRequest", 4.2, method="POST", url=f"={url}/items/{{{{ $json.id }}}}",
                   sendQuery=True, queryParameters={"parameters": [{"name": "q", "value": "={{ $json.q }}"}]},
                   sendBody=True, specifyBody="json", jsonBody='={"name": "{{ $json.q }}"}',
                   authentication="genericCredentialType", genericAuthType="httpHeaderAuth")
    node["credentials"] = {"httpHeaderAuth": {"id": "1", "name": "My API"}}
    translation, module, code = one_step(node)
    path = "f/phoenix/n8n_credentials/httpheaderauth_my_api"
    assert module["value"]["input_transforms"]["credentials"] == credentials_transform("httpHeaderAuth", path)
    assert translation.resources == [{"path": path, "resource_type": "c_n8n_http_header_auth"}]
    assert f"{path} (resource type c_n8n_http_header_auth)" in translation.flow["description"]
    assert "s3cret" not in json.dumps(translation.flow)
    server.expect_request("/items/7", method="POST").respond_with_json([{"a": 1}, {"a": 2}])
    outcome = run_host(code, [{"id": 7, "q": "x y"}], {"httpHeaderAuth": {"name": "X-Key", "value": "s3cret"}})
    assert outcome == {"ok": True, "result": [{"a": 1}, {"a": 2}]}
    request = server.log[0][0]
    assert request.method == "POST" and sent_target(request) == "/items/7?q=x%20y"
    assert request.headers["X-Key"] == "s3cret" and json.loads(request.get_data()) == {"name": "x y"}


def test_http_request_errors_carry_the_status_and_body(loopback):
    url, server = loopback
    _translation, _module, code = one_step(fx.node("Call", "httpRequest", 4.2, url=f"{url}/missing"))
    server.expect_request("/missing").respond_with_json({"message": "no such thing"}, status=404)
    outcome = run_host(code, [{}])
    assert outcome == {"ok": False, "error": 'n8n node "Call" failed: The resource you are requesting could not be found'}


def test_a_credential_n8n_does_not_define_makes_a_placeholder_saying_why():
    node = fx.node("Call", "httpRequest", 4.2, url="http://127.0.0.1:9/x", authentication="genericCredentialType",
                   genericAuthType="madeUpAuth")
    node["credentials"] = {"madeUpAuth": {"id": "1", "name": "Mine"}}
    translation, module, code = one_step(node)
    assert module["summary"].startswith("PLACEHOLDER")
    assert "credential type madeUpAuth is not defined by the installed n8n packages" in translation.reasons["Call"]


def test_telegram_send_message_calls_the_bot_api(loopback):
    url, server = loopback
    node = fx.node("Tell", "telegram", 1.2, chatId="={{ $json.chat }}", text="=Hi {{ $json.name }}",
                   additionalFields={"appendAttribution": False})
    node["credentials"] = {"telegramApi": {"id": "2", "name": "Bot"}}
    _translation, module, code = one_step(node)
    path = "f/phoenix/n8n_credentials/telegramapi_bot"
    assert module["value"]["input_transforms"]["credentials"] == credentials_transform("telegramApi", path)
    server.expect_request("/botT0K/sendMessage", method="POST").respond_with_json({"ok": True, "result": {"message_id": 5}})
    outcome = run_host(code, [{"chat": 42, "name": "Ada"}], {"telegramApi": {"accessToken": "T0K", "baseUrl": url}})
    assert outcome == {"ok": True, "result": [{"ok": True, "result": {"message_id": 5}}]}
    request = server.log[0][0]
    assert sent_target(request) == "/botT0K/sendMessage"
    assert json.loads(request.get_data())["chat_id"] == 42
    assert json.loads(request.get_data())["text"] == "Hi Ada"


def test_command_and_crypto_run_locally():
    _t, _m, command = one_step(fx.node("Run", "executeCommand", 1, command="=echo {{ $json.word }}"))
    # n8n's Execute Command runs once (its executeOnce default), for the first item
    assert run_host(command, [{"word": "hello"}, {"word": "again"}])["result"] == \
        [{"exitCode": 0, "stderr": "", "stdout": "hello"}]
    _t, _m, digest = one_step(fx.node("Hash", "crypto", 1, action="hash", type="MD5", value="={{ $json.v }}",
                                      dataPropertyName="md5"))
    assert run_host(digest, [{"v": "abc"}])["result"] == [{"v": "abc", "md5": "900150983cd24fb0d6963f7d28e17f72"}]


def test_execute_workflow_calls_the_flow_translated_from_the_sub_workflow(tmp_path):
    source = tmp_path / "in"
    source.mkdir()
    child = fx.workflow([fx.node("In", "executeWorkflowTrigger"), fx.node("Echo", "noOp")], fx.link(("In", 0, "Echo")))
    child["id"] = "abc123"
    parent = fx.workflow([fx.node("Start", "manualTrigger"),
                          fx.node("Call child", "executeWorkflow", 1.1, workflowId={"__rl": True, "value": "abc123"}),
                          fx.node("Call stranger", "executeWorkflow", 1.1, workflowId="zzz")],
                         fx.link(("Start", 0, "Call child"), ("Call child", 0, "Call stranger")))
    (source / "child.json").write_text(json.dumps(child))
    (source / "parent.json").write_text(json.dumps(parent))
    report = translate_folder(source, tmp_path / "out", "f/phoenix/n8n")
    flow = yaml.safe_load((tmp_path / "out" / "parent__flow" / "flow.yaml").read_text())
    call, stranger = flow["value"]["modules"]
    assert call["value"] == {"type": "flow", "path": "f/phoenix/n8n/child",
                             "input_transforms": {"items": {"type": "javascript", "expr": "[{}]"}}}
    assert stranger["summary"].startswith("PLACEHOLDER")
    entry = {e["file"]: e for e in report["workflows"]}["parent.json"]
    assert (entry["nodes_translated"], entry["placeholders"]) == (2, 1)


def test_a_workflow_calling_itself_calls_its_own_flow_at_its_execute_workflow_trigger():
    document = fx.workflow([fx.node("Hook", "webhook", 2, path="again"), fx.node("Called", "executeWorkflowTrigger", 1),
                            fx.node("Again", "executeWorkflow", 1.1,
                                    workflowId={"__rl": True, "mode": "id", "value": "={{ $workflow.id }}"})],
                           fx.link(("Hook", 0, "Again")))
    translation = translate_workflow(document, "self.json", "f/phoenix/n8n/self")
    [call] = [m for m in modules_of(translation.flow["value"]["modules"]) if m["id"] == "again"]
    assert call["value"]["path"] == "f/phoenix/n8n/self"
    assert call["value"]["input_transforms"]["n8n_trigger"] == {"type": "static", "value": "Called"}
    assert translation.status["Again"] == "translated"


def modules_of(modules):
    for module in modules:
        yield module
        for branch in module["value"].get("branches", []):
            yield from modules_of(branch["modules"])


def test_html_template_and_table_render_like_n8n():
    _t, _m, template = one_step(fx.node("Page", "html", 1.2, html="<h1>{{ $json.title }}</h1><p>{{ $json.n * 2 }}</p>"))
    assert run_host(template, [{"title": "Hi", "n": 21}])["result"] == [{"html": "<h1>Hi</h1><p>42</p>"}]
    _t, _m, table = one_step(fx.node("Table", "html", 1.2, operation="convertToHtmlTable",
                                     options={"customStyling": True, "capitalize": True}))
    html = run_host(table, [{"first_name": "Ada", "ok": True}, {"first_name": "Bob"}])["result"][0]["table"]
    assert "<th>First Name</th><th>Ok</th>" in html


def test_html_extraction():
    _t, _m, code = one_step(fx.node("Extract", "html", 1.2, operation="extractHtmlContent", dataPropertyName="page",
                                    extractionValues={"values": [
                                        {"key": "title", "cssSelector": "h1"},
                                        {"key": "links", "cssSelector": "a", "returnValue": "attribute", "attribute": "href",
                                         "returnArray": True}]}))
    page = "<h1>  Hello\n  world </h1><a href='/a'>A</a><a href='/b'>B</a>"
    assert run_host(code, [{"page": page}])["result"] == [{"title": "Hello world", "links": ["/a", "/b"]}]


def test_luxon_dates_in_expressions_use_the_workflows_time_zone():
    _t, _m, code = one_step(fx.node("When", "set", 3.4, assignments={"assignments": [
        {"name": "zone", "value": "={{ $now.zoneName }}", "type": "string"},
        {"name": "day", "value": "={{ $today.toFormat('yyyy-MM-dd') }}", "type": "string"},
        {"name": "url", "value": "={{ 'https://x.org'.isUrl() }}", "type": "boolean"}]}),
        settings={"timezone": "Asia/Tokyo"})
    result = run_host(code, [{}])["result"][0]
    assert result["zone"] == "Asia/Tokyo" and len(result["day"]) == 10 and result["url"] is True


from tests.health.test_health_real_services import real_postgres  # noqa: E402,F401  (the real Postgres 15 fixture)


def test_postgres_query_runs_per_item_with_parameters(real_postgres):
    node = fx.node("Query", "postgres", 2.5, operation="executeQuery",
                   query="select $1::int * 2 as doubled, $2::text as who",
                   options={"queryReplacement": "={{ $json.n }}, {{ $json.name }}"})
    node["credentials"] = {"postgres": {"id": "6", "name": "Local"}}
    _t, module, code = one_step(node)
    path = "f/phoenix/n8n_credentials/postgres_local"
    assert module["value"]["input_transforms"]["credentials"] == credentials_transform("postgres", path)
    credentials = {"postgres": {"host": "127.0.0.1", "port": real_postgres, "database": "postgres", "user": "postgres",
                                "password": ""}}
    outcome = run_host(code, [{"n": 21, "name": "Ada"}, {"n": 2, "name": "Bob"}], credentials)
    assert outcome == {"ok": True, "result": [{"doubled": 42, "who": "Ada"}, {"doubled": 4, "who": "Bob"}]}


def test_supabase_rows_are_read_and_written_over_postgrest(loopback):
    url, server = loopback
    node = fx.node("Rows", "supabase", 1, tableId="stock", operation="getAll", returnAll=True,
                   filters={"conditions": [{"keyName": "sku", "condition": "eq", "keyValue": "={{ $json.sku }}"}]})
    node["credentials"] = {"supabaseApi": {"id": "7", "name": "Supa"}}
    _t, _m, read = one_step(node)
    server.expect_request("/rest/v1/stock").respond_with_json([{"sku": "A1", "qty": 3}])
    credentials = {"supabaseApi": {"host": url, "serviceRole": "S"}}
    assert run_host(read, [{"sku": "A1"}], credentials)["result"] == [{"sku": "A1", "qty": 3}]
    request = server.log[0][0]
    assert sent_target(request).startswith("/rest/v1/stock?")
    assert request.headers["apikey"] == "S"
