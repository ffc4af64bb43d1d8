"""Translated flows run end to end (tests/support/openflow_run.py) and give n8n's results."""

from __future__ import annotations

import json

import pytest

from lib.n8n.translate.emit import translate_workflow
from tests.n8n import translate_fixtures as fx
from tests.support.openflow_run import json_of_items, run_flow


def run(document, args=None, stubs=None) -> dict:
    translation = translate_workflow(document, "fixture.json", "f/phoenix/n8n/fixture")
    outcome = run_flow(translation.flow, translation.files, args, stubs)
    assert outcome["ok"], outcome.get("error")
    return {**outcome, "items": outcome["result"], "result": json_of_items(outcome["result"])}


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
    ready["parameters"] = {"conditions": {"combinator": "and", "options": {"caseSensitive": True}, "conditions": [
        {"leftValue": "={{ $json.tries }}", "rightValue": 3, "operator": {"type": "number", "operation": "gte"}}]}}
    outcome = run(document)
    assert outcome["result"] == [{"tries": 3}]
    assert len(outcome["results"]["check_loop"]) == 3


def test_split_out_items_are_labelled_then_aggregated():
    assert run(fx.SPLIT_OUT)["result"] == [{"data": [{"a": 1, "label": "row 1"}, {"a": 2, "label": "row 2"}]}]


def test_agent_asks_the_router_and_hands_on_its_answer():
    outcome = run(fx.SIMPLE_AGENT, {"chatInput": "What is 6 x 7?"}, stubs={"f/phoenix/router": {"answer": "42"}})
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


def test_prompt_needing_the_n8n_runtime_is_built_in_a_step_first():
    document = fx.workflow(
        [fx.node("Start", "manualTrigger"),
         fx.node("Rows", "code", 2, jsCode="return [{json: {d: 1}}, {json: {d: 2}}];"),
         fx.node("Ask", "@n8n/n8n-nodes-langchain.chainLlm", 1.5, promptType="define",
                 text="=Sum of {{ $input.all().map(i => i.json.d).join(' + ') }}?")],
        fx.link(("Start", 0, "Rows"), ("Rows", 0, "Ask")))
    outcome = run(document, stubs={"f/phoenix/router": {"answer": "3"}})
    # n8n runs the chain once per item; $input.all() still sees every item.
    assert outcome["result"] == [{"text": "3"}, {"text": "3"}]
    assert [call["args"] for call in outcome["calls"]] == [{"prompt": "Sum of 1 + 2?"}] * 2


def test_information_extractor_hands_on_the_parsed_object():
    document = fx.workflow(
        [fx.node("Start", "manualTrigger"),
         fx.node("Extract", "@n8n/n8n-nodes-langchain.informationExtractor", 1, text="Ada, 36, from London",
                 attributes={"attributes": [{"name": "name", "description": "first name", "required": True},
                                            {"name": "age", "type": "number", "description": "age"}]}),
         fx.node("Out", "set", 3.4, assignments={"assignments": [{"name": "who", "value": "={{ $json.output.name }}", "type": "string"}]})],
        fx.link(("Start", 0, "Extract"), ("Extract", 0, "Out")))
    outcome = run(document, stubs={"f/phoenix/router": {"answer": 'Sure: {"name": "Ada", "age": 36}'}})
    assert outcome["result"] == [{"who": "Ada"}]
    assert "name (string, required): first name" in outcome["calls"][0]["args"]["prompt"]


@pytest.mark.parametrize("answer, route", [("Billing", "billing"), ("support request", "support"), ("??", "other")])
def test_text_classifier_routes_by_the_routers_answer(answer, route):
    document = fx.workflow(
        [fx.node("Start", "manualTrigger"),
         fx.node("Classify", "@n8n/n8n-nodes-langchain.textClassifier", 1, inputText="my invoice is wrong",
                 categories={"categories": [{"category": "Billing", "description": "money"},
                                            {"category": "Support", "description": "help"}]},
                 options={"fallback": "other"}),
         fx.node("B", "set", 3.4, assignments={"assignments": [{"name": "route", "value": "billing", "type": "string"}]}),
         fx.node("S", "set", 3.4, assignments={"assignments": [{"name": "route", "value": "support", "type": "string"}]}),
         fx.node("O", "set", 3.4, assignments={"assignments": [{"name": "route", "value": "other", "type": "string"}]})],
        fx.link(("Start", 0, "Classify"), ("Classify", 0, "B"), ("Classify", 1, "S"), ("Classify", 2, "O")))
    assert run(document, stubs={"f/phoenix/router": {"answer": answer}})["result"] == [{"route": route}]


@pytest.mark.parametrize("n, tag", [(9, "big"), (1, "small")])
def test_node_that_several_branches_reach_runs_once_after_them(n, tag):
    document = json.loads(json.dumps(fx.BRANCHES))
    document["nodes"].append(fx.node("Audit", "set", 3.4, assignments={"assignments": [
        {"name": "audited", "value": "={{ $json.size }}", "type": "string"}]}))
    document["connections"]["Tag big"]["main"][0].append({"node": "Audit", "type": "main", "index": 0})
    translation = translate_workflow(document, "fixture.json", "f/phoenix/n8n/fixture")
    summaries = [m["summary"] for m in translation.flow["value"]["modules"]]
    assert summaries[-1] == "Done: only if items reached it" and "Done" not in json.dumps(summaries[:-1])
    outcome = run_flow(translation.flow, translation.files, {"body": {"n": n}})
    assert outcome["ok"], outcome.get("error")
    assert json_of_items(outcome["results"]["done"])[0]["size"] == tag
    assert ("audit" in outcome["results"]) == (tag == "big")


def test_system_message_written_as_an_expression_is_evaluated_too():
    document = json.loads(json.dumps(fx.SIMPLE_AGENT))
    agent = next(n for n in document["nodes"] if n["name"] == "Agent")
    agent["parameters"]["options"]["systemMessage"] = "=You help {{ $json.sessionId }}."
    outcome = run(document, {"chatInput": "hi", "sessionId": "s-7"}, stubs={"f/phoenix/router": {"answer": "ok"}})
    assert outcome["calls"][0]["args"]["prompt"].startswith("You help s-7.\n\n")


def test_agent_runs_once_per_item_like_n8n():
    document = fx.workflow(
        [fx.node("Start", "manualTrigger"),
         fx.node("Questions", "code", 2, jsCode="return [{json: {chatInput: 'one?'}}, {json: {chatInput: 'two?'}}];"),
         fx.node("Agent", "@n8n/n8n-nodes-langchain.agent", 1.7)],
        fx.link(("Start", 0, "Questions"), ("Questions", 0, "Agent")))
    outcome = run(document, stubs={"f/phoenix/router": {"answer": "yes"}})
    assert [call["args"]["prompt"] for call in outcome["calls"]] == ["one?", "two?"]
    assert outcome["result"] == [{"output": "yes"}, {"output": "yes"}]


def test_items_split_by_an_if_run_both_branches_and_meet_again():
    document = fx.workflow(
        [fx.node("Start", "manualTrigger"),
         fx.node("Rows", "code", 2, jsCode="return [3, 8, 1, 9].map(n => ({json: {body: {n}}}));"),
         *[n for n in fx.BRANCHES["nodes"] if n["name"] != "Hook"]],
        fx.link(("Start", 0, "Rows"), ("Rows", 0, "Big?"), ("Big?", 0, "Tag big"), ("Big?", 1, "Tag small"),
                ("Tag big", 0, "Done"), ("Tag small", 0, "Done")))
    result = run(document)["result"]
    assert sorted((r["body"]["n"], r["size"]) for r in result) == [(1, "small"), (3, "small"), (8, "big"), (9, "big")]
