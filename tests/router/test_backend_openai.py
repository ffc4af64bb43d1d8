"""OpenAI-compatible endpoints through huggingface_hub.InferenceClient: the real
llama.cpp server for the happy path and structured output, the Ollama stand-in's
``/v1`` endpoint for the fault modes and for a server that ignores formats."""

import json
import os
import time

import jsonschema
import pytest

from lib.backends.openai_compat import backend as openai_compat
from lib.backends.base import ChatRequest
from lib.backends.openai_compat.backend import OpenAICompatBackend
from lib.errors import BackendDown, BackendHung, ServerError, UnusableOutput

SLACK_S = 1.5
SCHEMA = {"type": "object", "properties": {"verdict": {"enum": ["keep", "veto"]}, "score": {"type": "integer"}},
          "required": ["verdict", "score"], "additionalProperties": False}


def _ask(max_tokens=8, schema=None):
    return ChatRequest([{"role": "user", "content": "hello"}], max_tokens=max_tokens, json_schema=schema)


def _run(backend, method, request, timeout, model=None):
    deadline = time.monotonic() + timeout
    try:
        result = getattr(backend, method)(request, model, deadline)
        return "".join(result) if method == "stream" else result
    finally:
        assert time.monotonic() < deadline + SLACK_S, f"{method} overran its deadline"


@pytest.fixture(autouse=True)
def _forget_learned_forms():
    openai_compat._WORKING_FORM.clear()


def test_offline_mode_does_not_block_a_loopback_endpoint(llama_server):
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    backend = OpenAICompatBackend("openai:llamacpp", llama_server)
    completion = _run(backend, "complete", _ask(), 10)
    assert completion.text and completion.completion_tokens == 8 and completion.finish_reason == "length"
    assert len(_run(backend, "stream", _ask(), 10)) >= 8
    assert backend.models(2) and backend.health(2).up


def test_offline_mode_still_blocks_the_hub():
    from huggingface_hub import get_session
    from huggingface_hub.errors import OfflineModeIsEnabled

    openai_compat._prepare_session()
    with pytest.raises(OfflineModeIsEnabled):
        get_session().get("https://huggingface.co/api/models/x", timeout=1)


def test_a_plain_http_endpoint_never_sets_up_tls(llama_server):
    """Loading the CA bundle costs ~20 ms per process (per Windmill job); plain http does not need it."""
    from huggingface_hub import get_session

    _run(OpenAICompatBackend("openai:llamacpp", llama_server), "complete", _ask(), 10)
    assert list(get_session()._transport._made) == [False]  # only the plain-http transport was built


def test_json_schema_is_translated_so_llamacpp_constrains_it(llama_server):
    """InferenceClient's own json_schema rewrite is ignored by llama.cpp ("{}" comes back)."""
    from huggingface_hub import InferenceClient

    raw = InferenceClient(base_url=llama_server, timeout=10).chat_completion(
        [{"role": "user", "content": "hello"}], max_tokens=60,
        response_format={"type": "json_schema", "json_schema": {"name": "a", "schema": SCHEMA}})
    with pytest.raises(jsonschema.ValidationError):  # the library's way: not schema-valid
        jsonschema.validate(json.loads(raw.choices[0].message.content), SCHEMA)
    completion = _run(OpenAICompatBackend("openai:llamacpp", llama_server), "complete", _ask(60, SCHEMA), 10)
    jsonschema.validate(json.loads(completion.text), SCHEMA)
    assert completion.notes == ["structured output via response_format"]


def test_a_server_that_ignores_the_format_gets_the_schema_in_the_prompt_then_unusable(ollama):
    ollama.fault = "ignore_format"
    backend = OpenAICompatBackend("openai:ignoring", ollama.url)
    with pytest.raises(UnusableOutput, match="no schema-valid JSON") as error:
        _run(backend, "complete", _ask(40, SCHEMA), 10)
    assert not error.value.retryable and error.value.completion is not None
    bodies = [r["body"] for r in ollama.requests if r["path"] == "/v1/chat/completions"]
    assert bodies[0]["response_format"] == {"type": "json_object", "schema": SCHEMA, "value": SCHEMA}
    assert "JSON Schema" in bodies[1]["messages"][0]["content"] and len(bodies) == 2


def test_a_server_that_ignores_the_format_but_follows_the_prompt_gives_valid_json(ollama):
    ollama.fault = "obedient"
    backend = OpenAICompatBackend("openai:obedient", ollama.url)
    completion = _run(backend, "complete", _ask(40, SCHEMA), 10)
    jsonschema.validate(json.loads(completion.text), SCHEMA)
    assert completion.notes[0].startswith("response_format: answer not valid for the schema")
    assert completion.notes[-1] == "structured output via prompt"
    # learned: the next request asks the way that worked, in one call
    ollama.requests.clear()
    jsonschema.validate(json.loads(_run(backend, "complete", _ask(40, SCHEMA), 10).text), SCHEMA)
    assert len(ollama.requests) == 1


def test_the_form_that_worked_is_tried_first_next_time(llama_server):
    backend = OpenAICompatBackend("openai:llamacpp", llama_server)
    openai_compat._WORKING_FORM[backend.url] = "prompt"
    assert backend._forms() == ["prompt", "response_format"]
    assert OpenAICompatBackend("x", llama_server, ignores_response_format=True)._forms() == ["prompt"]


def test_answer_in_a_code_fence_is_unwrapped():
    assert openai_compat._json_part('```json\n{"a": 1}\n```') == '{"a": 1}'
    assert openai_compat._json_part('Sure! {"a": 1} hope it helps') == '{"a": 1}'
    assert openai_compat._json_part("no json here") == "no json here"


@pytest.mark.parametrize("method", ["complete", "stream"])
def test_connection_refused_is_down(closed_port, method):
    backend = OpenAICompatBackend("openai:gone", f"http://127.0.0.1:{closed_port}")
    with pytest.raises(BackendDown, match="nothing answers"):
        _run(backend, method, _ask(), 5)
    assert not backend.health(1).up


@pytest.mark.parametrize("fault, method, kind", [
    ("hang", "complete", BackendHung), ("hang", "stream", BackendHung),
    ("500", "complete", ServerError), ("500", "stream", ServerError),
    ("garbage", "complete", UnusableOutput),
])
def test_fault_modes_map_to_kinds_within_the_deadline(ollama, fault, method, kind):
    ollama.fault = fault
    with pytest.raises(kind):
        _run(OpenAICompatBackend("openai:faulty", ollama.url), method, _ask(64), 1.0)


@pytest.mark.parametrize("token", [None, "sk-endpoint-secret"])
def test_the_request_sent_is_the_one_chat_completion_sends(ollama, token):
    """Phoenix reads the reply itself (openai_compat._chat, for speed): the request
    must stay exactly InferenceClient's own, on whatever huggingface_hub is installed."""
    from huggingface_hub import InferenceClient

    openai_compat._prepare_session()
    client = InferenceClient(base_url=ollama.url, token=token or openai_compat._NO_TOKEN, timeout=10,
                             headers={"authorization": f"Bearer {token}" if token else ""})
    messages = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hello"}]
    arguments = {"max_tokens": 8, "temperature": 0, "model": "llama3:8b", "seed": 3, "stop": ["zz"],
                 "response_format": {"type": "json_object", "schema": SCHEMA, "value": SCHEMA}}
    official = client.chat_completion(messages, **arguments)
    ours = openai_compat._chat(client, messages, **arguments)
    first, second = [r for r in ollama.requests if r["path"] == "/v1/chat/completions"]
    assert first["method"] == second["method"] == "POST"
    assert first["body"] == second["body"] and first["body"]["response_format"]["schema"] == SCHEMA
    assert {k.lower(): v for k, v in first["headers"].items()} == {k.lower(): v for k, v in second["headers"].items()}
    assert ours["choices"][0]["message"]["content"] == official.choices[0].message.content
    assert ours["usage"]["completion_tokens"] == official.usage.completion_tokens
    assert openai_compat._NO_TOKEN not in json.dumps(first["headers"])


@pytest.mark.parametrize("reply, problem", [
    (b"[1, 2]", "not OpenAI JSON"),
    (b'{"choices": []}', "no choice with a message"),
    (b'{"choices": [{"message": {"content": 42}}]}', "not text"),
    (b'{"choices": [{"message": null}]}', "no choice with a message"),
])
def test_odd_replies_are_unusable_output_not_a_crash(monkeypatch, reply, problem):
    from huggingface_hub import InferenceClient

    monkeypatch.setattr(InferenceClient, "_inner_post", lambda self, request, stream=False: reply)
    with pytest.raises(UnusableOutput, match=problem):
        _run(OpenAICompatBackend("openai:odd", "http://127.0.0.1:9"), "complete", _ask(), 5)


def test_usage_that_is_not_a_count_reads_as_zero(monkeypatch):
    from huggingface_hub import InferenceClient

    reply = {"model": "m", "choices": [{"message": {"content": "hi"}, "finish_reason": "length"}],
             "usage": {"prompt_tokens": "many", "completion_tokens": -3}}
    monkeypatch.setattr(InferenceClient, "_inner_post", lambda self, request, stream=False: json.dumps(reply).encode())
    completion = _run(OpenAICompatBackend("openai:odd", "http://127.0.0.1:9"), "complete", _ask(), 5)
    assert (completion.text, completion.model, completion.prompt_tokens, completion.completion_tokens,
            completion.finish_reason) == ("hi", "m", 0, 0, "length")


def test_token_comes_from_the_named_variable_and_never_the_hub_token(ollama, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_should_never_leave_this_machine")
    _run(OpenAICompatBackend("openai:anon", ollama.url), "complete", _ask(), 10)
    monkeypatch.setenv("PHOENIX_TEST_ENDPOINT_TOKEN", "sk-endpoint-secret")
    _run(OpenAICompatBackend("openai:auth", ollama.url, token_env="PHOENIX_TEST_ENDPOINT_TOKEN"),
         "complete", _ask(), 10)
    anonymous, authenticated = [r["headers"] for r in ollama.requests if r["path"] == "/v1/chat/completions"]
    assert "authorization" not in {k.lower() for k in anonymous}
    assert {k.lower(): v for k, v in authenticated.items()}["authorization"] == "Bearer sk-endpoint-secret"


def test_a_missing_token_variable_is_down_and_the_message_holds_no_secret(ollama, monkeypatch):
    monkeypatch.delenv("PHOENIX_TEST_ENDPOINT_TOKEN", raising=False)
    backend = OpenAICompatBackend("openai:auth", ollama.url, token_env="PHOENIX_TEST_ENDPOINT_TOKEN")
    with pytest.raises(BackendDown, match="PHOENIX_TEST_ENDPOINT_TOKEN is not set"):
        _run(backend, "complete", _ask(), 5)
    assert ollama.requests == []


def test_credentials_in_the_url_never_reach_an_error(closed_port):
    backend = OpenAICompatBackend("openai:gone", f"http://phoenix:s3cret@127.0.0.1:{closed_port}/v1?key=s3cret")
    for method in ("complete", "stream"):
        with pytest.raises(BackendDown) as error:
            _run(backend, method, _ask(), 5)
        assert "127.0.0.1" in str(error.value) and "s3cret" not in str(error.value)
    assert "s3cret" not in backend.health(1).detail


def test_without_huggingface_hub_the_backend_is_down_not_a_crash(monkeypatch):
    import sys

    monkeypatch.setattr(openai_compat, "_session_ready", False)
    monkeypatch.setitem(sys.modules, "huggingface_hub", None)  # import raises ImportError
    with pytest.raises(BackendDown, match="huggingface_hub is not installed"):
        _run(OpenAICompatBackend("openai:x", "http://127.0.0.1:9"), "complete", _ask(), 5)
