"""Differential tests: the same workflow run by a real n8n 2.8.4 and as its translated flow.

Each workflow starts with a webhook that answers with every item of the last
node; the translated flow runs locally (tests/support/openflow_run.py) with
the same body. Both must produce the same items.
"""

from __future__ import annotations

import uuid

import pytest
import requests

from lib.n8n.translate import translate_workflow
from tests.n8n import translate_fixtures as fx
from tests.support.openflow_run import run_flow

pytestmark = pytest.mark.n8n

OUT = fx.node("Out", "code", 2, jsCode="return $input.all();")


def hooked(path: str, nodes: list[dict], *links) -> dict:
    hook = fx.node("Webhook", "webhook", 2, path=path, httpMethod="POST", responseMode="lastNode",
                   responseData="allEntries")
    hook["webhookId"] = str(uuid.uuid4())
    return fx.workflow([hook, *nodes, OUT], *links, name=f"phoenix diff {path}")


def flag(name: str, **values) -> dict:
    return fx.node(name, "set", 3.4, assignments={"assignments": [
        {"name": k, "value": v, "type": "number" if isinstance(v, int) else "string"} for k, v in values.items()]})


def conditions(left: str, right, kind: str, operation: str) -> dict:
    """A filter block as n8n's editor writes it (n8n needs the options)."""
    return {"combinator": "and", "options": {"caseSensitive": True, "leftValue": "", "typeValidation": "strict"},
            "conditions": [{"leftValue": left, "rightValue": right, "operator": {"type": kind, "operation": operation}}]}


N_FROM_BODY = {"name": "n", "value": "={{ $json.body.n }}", "type": "number"}

WORKFLOWS = {
    "if": hooked("diff-if", [fx.node("Big?", "if", 2, **fx.IF_CONDITION),
                             fx.node("Big", "set", 3.4, assignments={"assignments": [N_FROM_BODY, {"name": "size", "value": "big", "type": "string"}]}),
                             fx.node("Small", "set", 3.4, assignments={"assignments": [N_FROM_BODY, {"name": "size", "value": "small", "type": "string"}]})],
                 fx.link(("Webhook", 0, "Big?"), ("Big?", 0, "Big"), ("Big?", 1, "Small"), ("Big", 0, "Out"), ("Small", 0, "Out"))),
    "switch": hooked("diff-switch", [
        fx.node("Kind", "switch", 3.2, rules={"values": [
            {"conditions": conditions("={{ $json.body.kind }}", "a", "string", "equals")},
            {"conditions": conditions("={{ $json.body.kind }}", "b", "string", "startsWith")}]},
                options={"fallbackOutput": "extra"}),
        flag("A", route=0), flag("B", route=1), flag("Other", route=2)],
        fx.link(("Webhook", 0, "Kind"), ("Kind", 0, "A"), ("Kind", 1, "B"), ("Kind", 2, "Other"),
                ("A", 0, "Out"), ("B", 0, "Out"), ("Other", 0, "Out"))),
    "batches": hooked("diff-batches", [
        fx.node("Make", "code", 2, jsCode="return Array.from({length: $('Webhook').first().json.body.n}, (_, i) => ({json: {i}}));"),
        fx.node("Loop", "splitInBatches", 3, batchSize=2),
        fx.node("Square", "set", 3.4, assignments={"assignments": [{"name": "sq", "value": "={{ $json.i * $json.i }}", "type": "number"}]},
                includeOtherFields=True)],
        fx.link(("Webhook", 0, "Make"), ("Make", 0, "Loop"), ("Loop", 1, "Square"), ("Square", 0, "Loop"), ("Loop", 0, "Out"))),
    "split_aggregate": hooked("diff-split", [
        fx.node("Split", "splitOut", 1, fieldToSplitOut="body.rows"),
        fx.node("Label", "set", 3.4, assignments={"assignments": [{"name": "label", "value": "=#{{ $json.id }}", "type": "string"}]},
                includeOtherFields=True),
        fx.node("Keep", "filter", 2, conditions=conditions("={{ $json.id }}", 1, "number", "gt")),
        fx.node("Sorted", "sort", 1, sortFieldsUi={"sortField": [{"fieldName": "id", "order": "descending"}]}),
        fx.node("All", "aggregate", 1, aggregate="aggregateIndividualFields",
                fieldsToAggregate={"fieldToAggregate": [{"fieldToAggregate": "label"}]})],
        fx.link(("Webhook", 0, "Split"), ("Split", 0, "Label"), ("Label", 0, "Keep"), ("Keep", 0, "Sorted"),
                ("Sorted", 0, "All"), ("All", 0, "Out"))),
    "merge": hooked("diff-merge", [
        fx.node("People", "code", 2, jsCode="return [{json: {id: 1, name: 'ada'}}, {json: {id: 2, name: 'bob'}}, {json: {id: 3, name: 'cy'}}];"),
        fx.node("Scores", "code", 2, jsCode="return $('Webhook').first().json.body.scores.map(s => ({json: s}));"),
        fx.node("Join", "merge", 3, mode="combine", combineBy="combineByFields", fieldsToMatchString="id")],
        fx.link(("Webhook", 0, "People"), ("Webhook", 0, "Scores"), ("People", 0, "Join", 0), ("Scores", 0, "Join", 1),
                ("Join", 0, "Out"))),
    "code_each": hooked("diff-code", [
        fx.node("Items", "code", 2, jsCode="return [{json: {v: 'x'}}, {json: {v: 'y'}}];"),
        fx.node("Each", "code", 2, mode="runOnceForEachItem",
                jsCode="return {json: {v: $json.v.toUpperCase(), at: $itemIndex, k: $('Webhook').first().json.body.k}};")],
        fx.link(("Webhook", 0, "Items"), ("Items", 0, "Each"), ("Each", 0, "Out"))),
}

CASES = [("if", {"n": 9}), ("if", {"n": 2}), ("switch", {"kind": "a"}), ("switch", {"kind": "bee"}),
         ("switch", {"kind": "zzz"}), ("batches", {"n": 5}), ("batches", {"n": 1}),
         ("split_aggregate", {"rows": [{"id": 1}, {"id": 3}, {"id": 2}]}),
         ("merge", {"scores": [{"id": 2, "score": 7}, {"id": 1, "score": 9}]}), ("code_each", {"k": 42})]


@pytest.fixture(scope="module")
def published(n8n_server):
    headers = {"X-N8N-API-KEY": n8n_server.api_key}
    created = []
    for name, document in WORKFLOWS.items():
        body = {key: document[key] for key in ("name", "nodes", "connections")}
        body["settings"] = {"executionOrder": "v1"}
        answer = requests.post(f"{n8n_server.url}/api/v1/workflows", json=body, headers=headers, timeout=30)
        answer.raise_for_status()
        workflow_id = answer.json()["id"]
        requests.post(f"{n8n_server.url}/api/v1/workflows/{workflow_id}/activate", json={}, headers=headers,
                      timeout=30).raise_for_status()
        created.append(workflow_id)
    yield n8n_server
    for workflow_id in created:
        requests.post(f"{n8n_server.url}/api/v1/workflows/{workflow_id}/deactivate", json={}, headers=headers, timeout=30)
        requests.delete(f"{n8n_server.url}/api/v1/workflows/{workflow_id}", headers=headers, timeout=30)


@pytest.mark.parametrize("name, body", CASES, ids=[f"{n}-{i}" for i, (n, _b) in enumerate(CASES)])
def test_translated_flow_gives_the_items_n8n_gives(published, name, body):
    path = WORKFLOWS[name]["nodes"][0]["parameters"]["path"]
    answer = requests.post(f"{published.url}/webhook/{path}", json=body, timeout=60)
    assert answer.status_code == 200, answer.text
    expected = answer.json()
    expected = expected if isinstance(expected, list) else [expected]
    translation = translate_workflow(WORKFLOWS[name], f"{name}.json", f"f/phoenix/n8n/{name}")
    outcome = run_flow(translation.flow, translation.files, {"body": body})
    assert outcome["ok"], outcome.get("error")
    assert outcome["result"] == expected
