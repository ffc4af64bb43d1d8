"""Differential tests: sub-workflows run by a real n8n 2.8.4 and as their translated flows.

The workflows are imported into n8n (the sub-workflows first, the callers
naming them by the ids n8n gives them) and published; each caller starts
with a webhook that answers with every item of its last node. The same
documents, with those ids, are translated as one folder and run locally
(tests/support/openflow_run.py, expressions rewritten as Windmill rewrites
them), with the same body. Both must give the same items; for a failing
caller, n8n's error workflow and the translated failure module must get the
same error data.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest
import requests

from lib.n8n.report import translate_folder
from tests.n8n import translate_fixtures as fx
from tests.support.openflow_run import json_of_items, load_flows, run_flow

pytestmark = pytest.mark.n8n
PREFIX = "f/phoenix/n8n"


def code(name: str, js: str) -> dict:
    return fx.node(name, "code", 2, jsCode=js)


def hooked(path: str, nodes: list[dict], *pairs) -> dict:
    hook = fx.node("Webhook", "webhook", 2, path=path, httpMethod="POST", responseMode="lastNode",
                   responseData="allEntries")
    hook["webhookId"] = str(uuid.uuid4())
    rows = code("Rows", "return $json.body.rows.map(r => ({json: r}));")
    # json only: n8n's Code node refuses its own items' metadata (each mode's subExecution) as output keys
    out = code("Out", "return $input.all().map(i => ({json: i.json}));")
    first, last = nodes[0]["name"], nodes[-1]["name"]
    return fx.workflow([hook, rows, *nodes, out],
                       fx.link(("Webhook", 0, "Rows"), ("Rows", 0, first), *pairs, (last, 0, "Out")),
                       name=f"phoenix sub {path}")


CHILD = fx.workflow(
    [fx.node("In", "executeWorkflowTrigger", 1.1,
             workflowInputs={"values": [{"name": "n", "type": "number"}, {"name": "word"}]}),
     code("Double", "return $input.all().map((i, k) => ({json: {n: i.json.n * 2, word: i.json.word, at: k}}));")],
    fx.link(("In", 0, "Double")), name="phoenix sub child")
PASSTHROUGH_CHILD = fx.workflow(
    [fx.node("In", "executeWorkflowTrigger", 1.1, inputSource="passthrough"),
     code("Count", "return [{json: {count: $input.all().length, first: $input.first().json}}];")],
    fx.link(("In", 0, "Count")), name="phoenix sub passthrough")
ERRORS = fx.workflow(
    [fx.node("On error", "errorTrigger", 1),
     code("Report", "const e = $json.execution; return [{json: {message: e.error.message, node: e.lastNodeExecuted, "
                    "mode: e.mode, workflow: $json.workflow}}];")],
    fx.link(("On error", 0, "Report")), name="phoenix sub errors")


def callers(ids: dict[str, str]) -> dict[str, dict]:
    """The calling workflows, naming the sub-workflows by the ids n8n gave them."""
    by_id = {"__rl": True, "value": ids["child"], "mode": "id"}
    inline = {key: CHILD[key] for key in ("name", "nodes", "connections")}
    self_call = hooked("sub-self", [fx.node("Again", "executeWorkflow", 1.1, mode="each",
                                            workflowId={"__rl": True, "value": "={{ $workflow.id }}", "mode": "id"})])
    self_call["nodes"] += [fx.node("Sub", "executeWorkflowTrigger", 1.1, inputSource="passthrough"),
                           code("Tag", "return $input.all().map(i => ({json: {...i.json, inner: true}}));")]
    self_call["connections"].update(fx.link(("Sub", 0, "Tag")))
    failing = hooked("sub-fail", [fx.node("Call", "executeWorkflow", 1.1, workflowId=by_id),
                                  code("Boom", "if ($input.first().json.n > 5) throw new Error('too big'); "
                                               "return $input.all();")], ("Call", 0, "Boom"))
    failing["settings"] = {"errorWorkflow": ids["errors"]}
    return {
        "once": hooked("sub-once", [fx.node("Call", "executeWorkflow", 1.1, workflowId=by_id)]),
        "each": hooked("sub-each", [fx.node("Call", "executeWorkflow", 1, workflowId=ids["child"], mode="each")]),
        "mapped": hooked("sub-mapped", [fx.node("Call", "executeWorkflow", 1.2, workflowId=by_id, workflowInputs={
            "mappingMode": "defineBelow", "value": {"n": "={{ String($json.n + 1) }}", "word": "={{ 'w' + $itemIndex }}"},
            "schema": [{"id": "n", "displayName": "n", "type": "number"}, {"id": "word", "displayName": "word",
                                                                         "type": "string"}],
            "attemptToConvertTypes": True, "convertFieldsToString": True})]),
        "pass_call": hooked("sub-pass", [fx.node("Call", "executeWorkflow", 1.1,
                                                   workflowId={"__rl": True, "value": ids["passthrough"], "mode": "id"})]),
        "inline": hooked("sub-inline", [fx.node("Call", "executeWorkflow", 1.2, source="parameter",
                                                workflowJson=json.dumps(inline), mode="each")]),
        "self": self_call,
        "failing": failing,
    }


def create(server, document: dict) -> str:
    headers = {"X-N8N-API-KEY": server.api_key}
    body = {key: document[key] for key in ("name", "nodes", "connections")}
    body["settings"] = {"executionOrder": "v1", **document.get("settings", {})}
    answer = requests.post(f"{server.url}/api/v1/workflows", json=body, headers=headers, timeout=30)
    answer.raise_for_status()
    workflow_id = answer.json()["id"]
    requests.post(f"{server.url}/api/v1/workflows/{workflow_id}/activate", json={}, headers=headers,
                  timeout=30).raise_for_status()
    return workflow_id


@pytest.fixture(scope="module")
def both(n8n_server, tmp_path_factory):
    """The workflows published in n8n, and translated as one folder (same documents, same ids)."""
    headers = {"X-N8N-API-KEY": n8n_server.api_key}
    subs = {"child": CHILD, "passthrough": PASSTHROUGH_CHILD, "errors": ERRORS}
    ids = {name: create(n8n_server, document) for name, document in subs.items()}
    documents = callers(ids)
    for name, document in documents.items():
        ids[name] = create(n8n_server, document)
    source, out = tmp_path_factory.mktemp("sub-in"), tmp_path_factory.mktemp("sub-out")
    for name, document in {**subs, **documents}.items():
        (source / f"{name}.json").write_text(json.dumps({**document, "id": ids[name]}))
    report = translate_folder(source, out, PREFIX)
    assert {e["file"]: e["untranslated_types"] for e in report["workflows"] if e["placeholders"]} == {}
    yield n8n_server, load_flows(out, PREFIX), ids
    for workflow_id in ids.values():
        requests.post(f"{n8n_server.url}/api/v1/workflows/{workflow_id}/deactivate", json={}, headers=headers, timeout=30)
        requests.delete(f"{n8n_server.url}/api/v1/workflows/{workflow_id}", headers=headers, timeout=30)


ROWS = [{"n": 1, "word": "a", "extra": True}, {"n": 5}, {"n": 2, "word": "c"}]
CASES = [("once", ROWS), ("each", ROWS), ("mapped", ROWS), ("pass_call", ROWS), ("inline", ROWS), ("self", ROWS),
         ("failing", [{"n": 1}])]


def translated_run(flows: dict, name: str, rows: list) -> dict:
    target = flows[f"{PREFIX}/{name}"]
    return run_flow(target["flow"], target["files"], {"body": {"rows": rows}}, flows=flows, windmill_eval=True)


@pytest.mark.parametrize("name, rows", CASES, ids=[c[0] for c in CASES])
def test_translated_sub_flow_calls_give_the_items_n8n_gives(both, name, rows):
    server, flows, _ids = both
    path = callers({"child": "x", "passthrough": "x", "errors": "x"})[name]["nodes"][0]["parameters"]["path"]
    answer = requests.post(f"{server.url}/webhook/{path}", json={"rows": rows}, timeout=60)
    assert answer.status_code == 200, answer.text
    expected = answer.json()
    outcome = translated_run(flows, name, rows)
    assert outcome["ok"], outcome.get("error")
    assert json_of_items(outcome["result"]) == (expected if isinstance(expected, list) else [expected])


def test_a_failing_caller_gives_its_error_workflow_the_data_n8n_gives(both):
    server, flows, ids = both
    headers = {"X-N8N-API-KEY": server.api_key}
    answer = requests.post(f"{server.url}/webhook/sub-fail", json={"rows": [{"n": 4}]}, timeout=60)
    assert answer.status_code == 500
    expected = None
    for _ in range(60):
        executions = requests.get(f"{server.url}/api/v1/executions", headers=headers, timeout=30,
                                  params={"workflowId": ids["errors"], "includeData": "true"}).json()["data"]
        if executions and executions[0].get("finished"):
            run_data = executions[0]["data"]["resultData"]["runData"]
            expected = run_data["Report"][0]["data"]["main"][0][0]["json"]
            break
        time.sleep(0.5)
    assert expected is not None, "n8n did not run the error workflow"
    outcome = translated_run(flows, "failing", [{"n": 4}])
    assert not outcome["ok"] and "too big" in outcome["error"]
    [failure] = outcome["failures"]
    [got] = json_of_items(failure["result"])
    # n8n's Code node adds the line to its message ("too big [line 1]"), the node host names the node that
    # failed; the rest is the same data
    assert "too big" in got["message"] and expected["message"].startswith("too big")
    assert {k: got[k] for k in ("node", "mode", "workflow")} == {k: expected[k] for k in ("node", "mode", "workflow")}
