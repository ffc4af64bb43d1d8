"""Translated steps that call out (HTTP Request, Telegram) run against a loopback server;
local ones (command, crypto) run as they are. The resource given as ``auth`` carries the
n8n credential's own fields."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from lib.n8n.report import translate_folder
from lib.n8n.translate.emit import translate_workflow
from tests.n8n import translate_fixtures as fx
from tests.support.ts_step import npm_packages_for_steps, run_ts_step


class Recorder(BaseHTTPRequestHandler):
    answers: list = []
    seen: list = []

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        type(self).seen.append({"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body})
        status, payload = type(self).answers.pop(0) if type(self).answers else (200, {"ok": True})
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    def log_message(self, *args):
        pass


@pytest.fixture
def loopback():
    Recorder.answers, Recorder.seen = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", Recorder
    server.shutdown()
    server.server_close()


def one_step(node: dict):
    translation = translate_workflow(fx.workflow([fx.node("Start", "manualTrigger"), node],
                                                 fx.link(("Start", 0, node["name"]))), "t.json", "f/x")
    module = translation.flow["value"]["modules"][0]
    return translation, module, translation.files[f"{module['id']}.ts"]


def test_http_request_sends_what_n8n_would_and_splits_arrays_into_items(loopback):
    url, recorder = loopback
    node = fx.node("Call", "httpRequest", 4.2, method="POST", url=f"={url}/items/{{{{ $json.id }}}}",
                   sendQuery=True, queryParameters={"parameters": [{"name": "q", "value": "={{ $json.q }}"}]},
                   sendBody=True, specifyBody="json", jsonBody='={"name": "{{ $json.q }}"}',
                   authentication="genericCredentialType", genericAuthType="httpHeaderAuth")
    node["credentials"] = {"httpHeaderAuth": {"id": "1", "name": "My API"}}
    _translation, module, code = one_step(node)
    assert module["value"]["input_transforms"]["auth"] == {"type": "static",
                                                           "value": "$res:f/phoenix/n8n_credentials/httpheaderauth_my_api"}
    recorder.answers = [(200, [{"a": 1}, {"a": 2}])]
    outcome = run_ts_step(code, [{"id": 7, "q": "x y"}], {}, {"name": "X-Key", "value": "s3cret"})
    assert outcome == {"ok": True, "result": [{"a": 1}, {"a": 2}]}
    request = recorder.seen[0]
    assert request["method"] == "POST" and request["path"] == "/items/7?q=x+y"
    assert request["headers"]["X-Key"] == "s3cret" and json.loads(request["body"]) == {"name": "x y"}


def test_http_request_errors_carry_the_status_and_body(loopback):
    url, recorder = loopback
    _translation, _module, code = one_step(fx.node("Call", "httpRequest", 4.2, url=f"{url}/missing"))
    recorder.answers = [(404, {"message": "no such thing"})]
    outcome = run_ts_step(code, [{}])
    assert outcome["ok"] is False and "HTTP 404" in outcome["error"] and "no such thing" in outcome["error"]


def test_telegram_send_message_calls_the_bot_api(loopback):
    url, recorder = loopback
    node = fx.node("Tell", "telegram", 1.2, chatId="={{ $json.chat }}", text="=Hi {{ $json.name }}",
                   additionalFields={"appendAttribution": False})
    node["credentials"] = {"telegramApi": {"id": "2", "name": "Bot"}}
    _translation, module, code = one_step(node)
    assert module["value"]["input_transforms"]["auth"]["value"] == "$res:f/phoenix/n8n_credentials/telegramapi_bot"
    recorder.answers = [(200, {"ok": True, "result": {"message_id": 5}})]
    outcome = run_ts_step(code, [{"chat": 42, "name": "Ada"}], {}, {"accessToken": "T0K", "baseUrl": url})
    assert outcome == {"ok": True, "result": [{"ok": True, "result": {"message_id": 5}}]}
    assert recorder.seen[0]["path"] == "/botT0K/sendMessage"
    assert json.loads(recorder.seen[0]["body"]) == {"chat_id": 42, "text": "Hi Ada", "parse_mode": "Markdown",
                                                    "disable_web_page_preview": True}


def test_unsupported_service_operation_names_itself():
    _translation, module, code = one_step(fx.node("Kb", "telegram", 1.2, replyMarkup="inlineKeyboard", chatId="1", text="x"))
    assert module["summary"].startswith("PLACEHOLDER") and "reply markup" in code


def test_command_and_crypto_run_locally():
    _t, _m, command = one_step(fx.node("Run", "executeCommand", 1, command="=echo {{ $json.word }}"))
    assert run_ts_step(command, [{"word": "hello"}, {"word": "again"}])["result"] == \
        [{"exitCode": 0, "stderr": "", "stdout": "hello"}]
    _t, _m, digest = one_step(fx.node("Hash", "crypto", 1, action="hash", type="MD5", value="={{ $json.v }}",
                                      dataPropertyName="md5"))
    assert run_ts_step(digest, [{"v": "abc"}])["result"] == [{"v": "abc", "md5": "900150983cd24fb0d6963f7d28e17f72"}]


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
    import yaml

    flow = yaml.safe_load((tmp_path / "out" / "parent__flow" / "flow.yaml").read_text())
    call, stranger = flow["value"]["modules"]
    assert call["value"] == {"type": "flow", "path": "f/phoenix/n8n/child",
                             "input_transforms": {"items": {"type": "javascript", "expr": "[{}]"}}}
    assert stranger["summary"].startswith("PLACEHOLDER")
    entry = {e["file"]: e for e in report["workflows"]}["parent.json"]
    assert (entry["nodes_translated"], entry["placeholders"]) == (2, 1)


def test_html_template_and_table_render_like_n8n():
    _t, _m, template = one_step(fx.node("Page", "html", 1.2, html="<h1>{{ $json.title }}</h1><p>{{ $json.n * 2 }}</p>"))
    assert run_ts_step(template, [{"title": "Hi", "n": 21}])["result"] == [{"html": "<h1>Hi</h1><p>42</p>"}]
    _t, _m, table = one_step(fx.node("Table", "html", 1.2, operation="convertToHtmlTable",
                                     options={"customStyling": True, "capitalize": True}))
    html = run_ts_step(table, [{"first_name": "Ada", "ok": True}, {"first_name": "Bob"}])["result"][0]["table"]
    assert "<th>First Name</th><th>Ok</th>" in html
    assert '<input type="checkbox" checked="checked"/>' in html and "<td  >Bob</td><td  >undefined</td>" in html


SHEET = {"__rl": True, "mode": "list", "value": "gid=0"}
DOCUMENT = {"__rl": True, "mode": "url", "value": "https://docs.google.com/spreadsheets/d/SHEET123/edit"}
META = (200, {"sheets": [{"properties": {"sheetId": 0, "title": "Leads"}}]})
ROWS = (200, {"values": [["name", "email", "status"], ["Ada", "ada@x.org", "new"], ["Bob", "bob@x.org", "done"]]})


def sheets_step(**parameters):
    node = fx.node("Sheet", "googleSheets", 4.5, documentId=DOCUMENT, sheetName=SHEET, **parameters)
    node["credentials"] = {"googleSheetsOAuth2Api": {"id": "3", "name": "Google"}}
    return one_step(node)


def test_google_sheets_read_with_a_filter(loopback):
    url, recorder = loopback
    _t, module, code = sheets_step(filtersUI={"values": [{"lookupColumn": "status", "lookupValue": "={{ $json.want }}"}]})
    assert module["value"]["input_transforms"]["auth"]["value"] == \
        "$res:f/phoenix/n8n_credentials/googlesheetsoauth2api_google"
    recorder.answers = [META, ROWS]
    outcome = run_ts_step(code, [{"want": "done"}], {}, {"token": "G", "baseUrl": url})
    assert outcome == {"ok": True, "result": [{"row_number": 3, "name": "Bob", "email": "bob@x.org", "status": "done"}]}
    assert recorder.seen[1]["path"].startswith("/v4/spreadsheets/SHEET123/values/Leads?")
    assert recorder.seen[1]["headers"]["Authorization"] == "Bearer G"


def test_google_sheets_append_maps_columns_in_header_order(loopback):
    url, recorder = loopback
    _t, _m, code = sheets_step(operation="append", columns={
        "mappingMode": "defineBelow", "value": {"email": "={{ $json.mail }}", "name": "={{ $json.who }}"}})
    recorder.answers = [META, ROWS, (200, {"updates": {}})]
    outcome = run_ts_step(code, [{"who": "Cy", "mail": "cy@x.org"}], {}, {"token": "G", "baseUrl": url})
    assert outcome["result"] == [{"email": "cy@x.org", "name": "Cy"}]
    append = recorder.seen[2]
    assert append["method"] == "POST" and append["path"].startswith("/v4/spreadsheets/SHEET123/values/Leads:append")
    assert json.loads(append["body"]) == {"values": [["Cy", "cy@x.org", ""]]}


def test_google_sheets_update_rewrites_the_matching_row(loopback):
    url, recorder = loopback
    _t, _m, code = sheets_step(operation="update", columns={
        "mappingMode": "defineBelow", "matchingColumns": ["email"],
        "value": {"email": "={{ $json.email }}", "status": "contacted"}})
    recorder.answers = [META, ROWS, (200, {})]
    run_ts_step(code, [{"email": "bob@x.org"}], {}, {"token": "G", "baseUrl": url})
    update = recorder.seen[2]
    assert update["method"] == "PUT" and "/values/Leads!A3%3AC3?" in update["path"]
    assert json.loads(update["body"]) == {"values": [["Bob", "bob@x.org", "contacted"]]}


def test_gmail_send_posts_a_mime_message(loopback):
    import base64

    url, recorder = loopback
    node = fx.node("Mail", "gmail", 2.1, sendTo="={{ $json.to }}", subject="Héllo", message="=<p>Hi {{ $json.name }}</p>",
                   options={"ccList": "boss@x.org"})
    node["credentials"] = {"gmailOAuth2": {"id": "4", "name": "Gmail"}}
    _t, _m, code = one_step(node)
    recorder.answers = [(200, {"id": "m1", "threadId": "t1", "labelIds": ["SENT"]})]
    outcome = run_ts_step(code, [{"to": "ada@x.org", "name": "Ada"}], {}, {"token": "G", "baseUrl": url})
    assert outcome["result"] == [{"id": "m1", "threadId": "t1", "labelIds": ["SENT"]}]
    sent = recorder.seen[0]
    assert sent["path"] == "/gmail/v1/users/me/messages/send" and sent["headers"]["Authorization"] == "Bearer G"
    raw = base64.urlsafe_b64decode(json.loads(sent["body"])["raw"] + "==").decode()
    headers, _, payload = raw.partition("\r\n\r\n")
    assert "To: ada@x.org" in headers and "Cc: boss@x.org" in headers and "Content-Type: text/html" in headers
    assert "Subject: =?UTF-8?B?" + base64.b64encode("Héllo".encode()).decode() + "?=" in headers
    assert base64.b64decode(payload).decode() == "<p>Hi Ada</p>"


def airtable_step(**parameters):
    node = fx.node("Table", "airtable", 2.1, base={"__rl": True, "mode": "id", "value": "appB"},
                   table={"__rl": True, "mode": "id", "value": "tblT"}, **parameters)
    node["credentials"] = {"airtableTokenApi": {"id": "5", "name": "Airtable"}}
    return one_step(node)


def test_airtable_search_follows_pages_and_flattens_records(loopback):
    url, recorder = loopback
    _t, module, code = airtable_step(filterByFormula="={Status}='{{ $json.status }}'")
    assert module["value"]["input_transforms"]["auth"]["value"] == "$res:f/phoenix/n8n_credentials/airtabletokenapi_airtable"
    recorder.answers = [(200, {"records": [{"id": "r1", "createdTime": "t", "fields": {"Name": "Ada"}}], "offset": "o2"}),
                        (200, {"records": [{"id": "r2", "createdTime": "t", "fields": {"Name": "Bob"}}]})]
    outcome = run_ts_step(code, [{"status": "open"}], {}, {"accessToken": "A", "baseUrl": url})
    assert outcome["result"] == [{"id": "r1", "createdTime": "t", "Name": "Ada"}, {"id": "r2", "createdTime": "t", "Name": "Bob"}]
    assert recorder.seen[0]["path"] == "/v0/appB/tblT?filterByFormula=%7BStatus%7D%3D%27open%27"
    assert recorder.seen[1]["path"].endswith("&offset=o2") and recorder.seen[0]["headers"]["Authorization"] == "Bearer A"


def test_airtable_update_by_a_field_finds_the_records_first(loopback):
    url, recorder = loopback
    _t, _m, code = airtable_step(operation="update", columns={
        "mappingMode": "defineBelow", "matchingColumns": ["Email"],
        "value": {"Email": "={{ $json.email }}", "Status": "done"}})
    recorder.answers = [(200, {"records": [{"id": "r1", "fields": {"Email": "a@x.org"}},
                                           {"id": "r2", "fields": {"Email": "b@x.org"}}]}),
                        (200, {"records": [{"id": "r2", "fields": {"Email": "b@x.org", "Status": "done"}}]})]
    outcome = run_ts_step(code, [{"email": "b@x.org"}], {}, {"accessToken": "A", "baseUrl": url})
    assert outcome["result"] == [{"id": "r2", "fields": {"Email": "b@x.org", "Status": "done"}}]
    assert recorder.seen[1]["method"] == "PATCH"
    assert json.loads(recorder.seen[1]["body"]) == {"records": [{"id": "r2", "fields": {"Email": "b@x.org", "Status": "done"}}],
                                                   "typecast": False}


needs_packages = pytest.mark.skipif(npm_packages_for_steps() is None,
                                    reason="luxon/cheerio come from the cached n8n install, which is absent")


@needs_packages
def test_html_extraction_with_cheerio():
    _t, _m, code = one_step(fx.node("Extract", "html", 1.2, operation="extractHtmlContent", dataPropertyName="page",
                                    extractionValues={"values": [
                                        {"key": "title", "cssSelector": "h1"},
                                        {"key": "links", "cssSelector": "a", "returnValue": "attribute", "attribute": "href",
                                         "returnArray": True}]}))
    page = "<h1>  Hello\n  world </h1><a href='/a'>A</a><a href='/b'>B</a>"
    assert run_ts_step(code, [{"page": page}])["result"] == [{"title": "Hello world", "links": ["/a", "/b"]}]


@needs_packages
def test_luxon_dates_in_expressions():
    _t, _m, code = one_step(fx.node("When", "set", 3.4, assignments={"assignments": [
        {"name": "year", "value": "={{ $now.year }}", "type": "number"},
        {"name": "day", "value": "={{ $today.toFormat('yyyy-MM-dd') }}", "type": "string"}]}))
    import datetime

    result = run_ts_step(code, [{}])["result"][0]
    assert result["year"] == datetime.date.today().year and len(result["day"]) == 10


from tests.health.test_health_real_services import real_postgres  # noqa: E402,F401  (the real Postgres 15 fixture)


@needs_packages
def test_postgres_query_runs_per_item_with_parameters(real_postgres):
    node = fx.node("Query", "postgres", 2.5, operation="executeQuery",
                   query="select $1::int * 2 as doubled, $2::text as who",
                   options={"queryReplacement": "={{ $json.n }}, {{ $json.name }}"})
    node["credentials"] = {"postgres": {"id": "6", "name": "Local"}}
    _t, module, code = one_step(node)
    assert module["value"]["input_transforms"]["auth"]["value"] == "$res:f/phoenix/n8n_credentials/postgres_local"
    auth = {"host": "127.0.0.1", "port": real_postgres, "database": "postgres", "user": "postgres", "password": ""}
    outcome = run_ts_step(code, [{"n": 21, "name": "Ada"}, {"n": 2, "name": "Bob"}], {}, auth)
    assert outcome == {"ok": True, "result": [{"doubled": 42, "who": "Ada"}, {"doubled": 4, "who": "Bob"}]}
    _t, _m, ddl = one_step(fx.node("Make", "postgres", 2.5, query="create table if not exists t (x int)"))
    assert run_ts_step(ddl, [{}], {}, auth)["result"] == [{"success": True}]


def test_supabase_rows_are_read_and_written_over_postgrest(loopback):
    url, recorder = loopback
    node = fx.node("Rows", "supabase", 1, tableId="stock", operation="getAll", returnAll=True,
                   filters={"conditions": [{"keyName": "sku", "condition": "eq", "keyValue": "={{ $json.sku }}"}]})
    node["credentials"] = {"supabaseApi": {"id": "7", "name": "Supa"}}
    _t, _m, read = one_step(node)
    recorder.answers = [(200, [{"sku": "A1", "qty": 3}])]
    auth = {"host": url, "serviceRole": "S"}
    assert run_ts_step(read, [{"sku": "A1"}], {}, auth)["result"] == [{"sku": "A1", "qty": 3}]
    assert recorder.seen[0]["path"] == "/rest/v1/stock?or=%28sku.eq.A1%29"
    assert recorder.seen[0]["headers"]["apikey"] == "S"
    _t, _m, create = one_step(fx.node("Add", "supabase", 1, tableId="stock",
                                      fieldsUi={"fieldValues": [{"fieldId": "sku", "fieldValue": "={{ $json.sku }}"}]}))
    recorder.answers = [(201, [{"id": 9, "sku": "B2"}])]
    assert run_ts_step(create, [{"sku": "B2"}], {}, auth)["result"] == [{"id": 9, "sku": "B2"}]
    assert recorder.seen[1]["method"] == "POST" and json.loads(recorder.seen[1]["body"]) == [{"sku": "B2"}]
