"""lib/openai_api in process: what a Windmill route returns, and the cases serve.py tests cannot reach."""

from __future__ import annotations

import json

from lib.openai_api.chat import chat_completions
from lib.openai_api.tools import as_turn, call_schema, partial_answer

ASK = {"model": "phoenix", "messages": [{"role": "user", "content": "Hello"}]}


def test_windmill_composite_result(tiny_stack):
    response = chat_completions(ASK, tiny_stack)
    assert response["windmill_status_code"] == 200 and "wm_failure" not in response
    assert response["windmill_headers"]["x-phoenix-model"] == "embedded:SmolLM2-135M-Instruct"
    assert response["result"]["object"] == "chat.completion"


def test_stream_events_go_to_emit_and_make_the_body(tiny_stack):
    emitted = []
    response = chat_completions({**ASK, "stream": True}, tiny_stack, emit=emitted.append)
    assert response["windmill_content_type"] == "text/event-stream"
    assert "".join(emitted) == response["result"] and emitted[-1] == "data: [DONE]\n\n"


def test_every_backend_failing_is_503_with_the_reasons(tiny_stack, tmp_path):
    tiny_stack["models"]["embedded"]["path"] = str(tmp_path / "absent.gguf")
    for body in (ASK, {**ASK, "stream": True}):
        emitted = []
        response = chat_completions(body, tiny_stack, emit=emitted.append)
        error = response["result"]["error"]
        assert response["windmill_status_code"] == 503 and error["code"] == "all_backends_failed"
        assert response["wm_failure"].startswith("HTTP 503")  # the job is marked failed in Windmill
        outcomes = {a["backend"]: a["outcome"] for a in error["phoenix_trace"]["attempts"]}
        assert outcomes["embedded"] in ("down", "skipped") and outcomes["ollama"] in ("down", "skipped")
        assert emitted == []  # nothing streamed before the failure: the status is still 503


def test_errors_redact_pasted_secrets(tiny_stack):
    response = chat_completions({**ASK, "model": "hf_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}, tiny_stack)
    assert response["windmill_status_code"] == 404
    assert "hf_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" not in json.dumps(response)


def test_tool_turns_become_text_turns_any_template_carries():
    call = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": '{"x": 1}'}}
    assert as_turn({"role": "assistant", "content": None, "tool_calls": [call]}) == {
        "role": "assistant", "content": '{"tool_call": {"name": "f", "arguments": {"x": 1}}}'}
    assert as_turn({"role": "tool", "tool_call_id": "c1", "content": "42"}) == {
        "role": "user", "content": "Result of tool call c1: 42"}


def test_call_schema_allows_only_the_forced_function():
    functions = [{"name": "a", "description": "", "parameters": {"type": "object"}},
                 {"name": "b", "description": "", "parameters": {"type": "object"}}]
    forced = call_schema(functions, "b")
    assert forced["properties"]["tool_call"]["properties"]["name"]["enum"] == ["b"]
    assert [s["properties"]["name"]["enum"] for s in call_schema(functions, "*")["properties"]["tool_call"]["anyOf"]] \
        == [["a"], ["b"]]
    assert "answer" in call_schema(functions, None)["anyOf"][1]["properties"]


def test_partial_answer_keeps_only_a_cut_plain_answer():
    assert partial_answer('{"answer": "it is sun') == "it is sun"
    assert partial_answer('{"answer": "half an escape \\u00') == "half an escape "
    assert partial_answer('{"tool_call": {"name": "f", "argu') is None
    assert partial_answer("not json") is None


def test_parameters_that_say_nothing_are_any_object():
    from lib.openai_api.tools import check_tools

    zod = {"default": {"_def": {"typeName": "ZodDefault"}}, "$schema": "http://json-schema.org/draft-07/schema#"}
    (function,), forced = check_tools([{"type": "function", "function": {"name": "Think", "parameters": zod}}], None)
    assert function["parameters"] == {"type": "object"} and forced is None
    typed = {"type": "object", "properties": {"x": {"type": "integer"}}, "$schema": "x"}
    (function,), _ = check_tools([{"type": "function", "function": {"name": "f", "parameters": typed}}], "required")
    assert function["parameters"] == {"type": "object", "properties": {"x": {"type": "integer"}}}
