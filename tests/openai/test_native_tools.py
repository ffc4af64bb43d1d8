"""Tools passed to a backend that calls them itself (Ollama, through the official client)."""

from __future__ import annotations

import json

import jsonschema
import pytest

from lib.backends.base import tool_reply
from lib.openai_api.chat import chat_completions
from tests.support.ollama_server import OllamaStandIn

WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "The weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string", "enum": ["Paris", "Rome"]}},
                   "required": ["city"], "additionalProperties": False}}}
ASK = {"model": "ollama:mistral:7b", "tools": [WEATHER], "messages": [{"role": "user", "content": "Weather?"}]}


@pytest.fixture(scope="module")
def ollama(tiny_gguf):
    with OllamaStandIn(tiny_gguf, ["mistral:7b"]) as server:
        yield server


@pytest.fixture
def stack(tiny_stack, ollama):
    from lib.backends.ollama import backend as ollama_backend

    ollama_backend._TAGS.clear()
    ollama.requests.clear()
    ollama.fault = None
    tiny_stack["services"]["ollama"]["url"] = ollama.url
    return tiny_stack


def _chat_requests(ollama) -> list[dict]:
    return [r["body"] for r in ollama.requests if r["path"] == "/api/chat"]


def test_ollama_tool_call_comes_back_in_openai_shape(stack, ollama):
    ollama.fault = "call_tool"
    response = chat_completions({**ASK, "tool_choice": "required"}, stack)["result"]
    (sent,) = _chat_requests(ollama)
    assert sent["tools"][0]["function"]["name"] == "get_weather" and "format" not in sent
    choice = response["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert response["model"] == "ollama:mistral:7b"
    (call,) = choice["message"]["tool_calls"]
    jsonschema.validate(json.loads(call["function"]["arguments"]), WEATHER["function"]["parameters"])


def test_ollama_plain_reply_is_a_plain_answer(stack, ollama):
    response = chat_completions(ASK, stack)["result"]
    assert _chat_requests(ollama)[0]["tools"]
    assert response["choices"][0]["finish_reason"] in ("stop", "length")
    assert isinstance(response["choices"][0]["message"]["content"], str)
    assert response["model"] == "ollama:mistral:7b"


def test_forced_call_the_backend_did_not_make_falls_back_to_a_valid_one(stack, ollama):
    """Ollama answered text though a call was required: not a valid answer, so the next candidate
    (the embedded model, under the call schema's grammar) makes the call."""
    response = chat_completions({**ASK, "tool_choice": "required"}, stack)["result"]
    outcomes = [(a["backend"], a["outcome"]) for a in response["phoenix_trace"]["trace"]["attempts"]]
    assert ("ollama", "unusable_output") in outcomes and outcomes[-1] == ("embedded", "ok")
    assert response["choices"][0]["finish_reason"] == "tool_calls"


def test_tool_reply_forms():
    assert json.loads(tool_reply("", [("f", '{"a": 1}')])) == {"tool_call": {"name": "f", "arguments": {"a": 1}}}
    assert json.loads(tool_reply("hello", [])) == {"answer": "hello"}
    assert tool_reply('{"answer": "x"}', []) == '{"answer": "x"}'


def test_openai_compatible_endpoint_gets_tools_and_tool_choice(stack, ollama):
    stack["models"]["huggingface"] = {"endpoints": [{"name": "local", "url": f"{ollama.url}/v1",
                                                     "model": "mistral:7b"}]}
    response = chat_completions({**ASK, "model": "openai:local",
                                 "tool_choice": {"type": "function", "function": {"name": "get_weather"}}}, stack)
    sent = next(r["body"] for r in ollama.requests if r["path"] == "/v1/chat/completions")
    assert sent["tools"][0]["function"]["name"] == "get_weather" and "response_format" not in sent
    assert sent["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}
    # the stand-in answers text though a call was forced: the next candidate makes the call
    assert response["result"]["choices"][0]["finish_reason"] == "tool_calls"
