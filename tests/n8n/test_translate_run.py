"""Translated flows run end to end (tests/support/openflow_run.py) and give n8n's results."""

from __future__ import annotations

import json

import pytest

from lib.n8n.translate import translate_workflow
from tests.n8n import translate_fixtures as fx
from tests.support.openflow_run import run_flow


def run(document, args=None, stubs=None) -> dict:
    translation = translate_workflow(document, "fixture.json", "f/phoenix/n8n/fixture")
    outcome = run_flow(translation.flow, translation.files, args, stubs)
    assert outcome["ok"], outcome.get("error")
    return outcome


@pytest.mark.parametrize("n, size", [(9, "big"), (1, "small")])
def test_if_branches_take_the_path_n8n_takes(n, size):
    outcome = run(fx.BRANCHES, {"body": {"n": n}})
    assert outcome["result"] == [{"headers": {}, "params": {}, "query": {}, "body": {"n": n}, "size": size}]


def test_parallel_paths_merge_by_field():
    assert run(fx.MERGE)["result"] == [{"id": 1, "name": "ada", "score": 9}, {"id": 2, "name": "bob", "score": 7}]


def test_batches_loop_processes_every_item_then_continues_with_all_of_them():
    assert run(fx.BATCH_LOOP)["result"] == [{"n": 2}, {"n": 4}, {"n": 6}, {"n": 8}, {"n": 10}]


def test_polling_loop_repeats_until_the_condition_lets_items_out():
    document = json.loads(json.dumps(fx.POLLING))
    check = next(n for n in document["nodes"] if n["name"] == "Check")
    check.update(type="n8n-nodes-base.code", typeVersion=2,
                 parameters={"jsCode": "return [{json: {tries: ($input.first().json.tries ?? 0) + 1}}];"})
    ready = next(n for n in document["nodes"] if n["name"] == "Ready?")
    ready["parameters"] = {"conditions": {"combinator": "and", "conditions": [
        {"leftValue": "={{ $json.tries }}", "rightValue": 3, "operator": {"type": "number", "operation": "gte"}}]}}
    outcome = run(document)
    assert outcome["result"] == [{"tries": 3}]
    assert len(outcome["results"]["check_loop"]) == 3


def test_split_out_items_are_processed_one_by_one_then_aggregated():
    assert run(fx.SPLIT_OUT)["result"] == [{"data": [{"a": 1, "label": "row 1"}, {"a": 2, "label": "row 2"}]}]


def test_agent_asks_the_router_once_and_hands_on_its_answer():
    outcome = run(fx.AGENT, {"chatInput": "What is 6 x 7?"}, stubs={"f/phoenix/router": {"answer": "42"}})
    assert outcome["result"] == [{"reply": "42"}]
    [call] = outcome["calls"]
    assert call["path"] == "f/phoenix/router"
    assert call["args"]["prompt"].startswith("You are terse.") and call["args"]["prompt"].endswith("What is 6 x 7?")


def test_error_output_carries_the_failure_to_its_own_path():
    document = fx.workflow(
        [fx.node("Start", "manualTrigger"),
         fx.node("Fetch", "httpRequest", 4.2, url="http://127.0.0.1:9/nothing-listens-here"),
         fx.node("Fine", "set", 3.4, assignments={"assignments": [{"name": "ok", "value": True, "type": "boolean"}]}),
         fx.node("Failed", "set", 3.4, assignments={"assignments": [{"name": "why", "value": "={{ $json.error }}", "type": "string"}]})],
        fx.link(("Start", 0, "Fetch"), ("Fetch", 0, "Fine"), ("Fetch", 1, "Failed")))
    document["nodes"][1]["onError"] = "continueErrorOutput"
    result = run(document)["result"]
    assert len(result) == 1 and set(result[0]) == {"why"} and result[0]["why"]


def test_placeholder_stops_the_run_and_says_why():
    translation = translate_workflow(fx.UNKNOWN, "fixture.json", "f/phoenix/n8n/fixture")
    outcome = run_flow(translation.flow, translation.files)
    assert outcome["ok"] is False
    assert 'n8n node "Mystery"' in outcome["error"] and "was not translated" in outcome["error"]
