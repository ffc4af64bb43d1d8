"""The Ollama backend through the official client, against the loopback stand-in."""

import json
import time

import jsonschema
import pytest

from lib.backends.base import ChatRequest
from lib.backends.ollama.backend import OllamaBackend
from lib.errors import BackendDown, BackendHung, ModelMissing, ServerError, UnusableOutput

#: how far past its deadline a call may finish: thread wake-ups, not waiting
SLACK_S = 1.5
SCHEMA = {"type": "object", "properties": {"verdict": {"enum": ["keep", "veto"]}, "score": {"type": "integer"}},
          "required": ["verdict", "score"], "additionalProperties": False}


def _ask(max_tokens=8, schema=None):
    return ChatRequest([{"role": "user", "content": "hello"}], max_tokens=max_tokens, json_schema=schema)


def _run(backend, method, request, model, timeout):
    deadline = time.monotonic() + timeout
    try:
        result = getattr(backend, method)(request, model, deadline)
        return "".join(result) if method == "stream" else result
    finally:
        assert time.monotonic() < deadline + SLACK_S, f"{method} overran its deadline"


def test_chat_stream_tags_version_and_health(ollama):
    backend = OllamaBackend(ollama.url)
    completion = _run(backend, "complete", _ask(), "llama3:8b", 10)
    assert completion.text and completion.completion_tokens == 8 and completion.finish_reason == "length"
    assert completion.model == "llama3:8b" and completion.backend == "ollama"
    assert len(_run(backend, "stream", _ask(), "mistral:7b", 10)) >= 8
    assert set(backend.models(2)) == set(ollama.models)
    assert backend.version(2) == "0.12.6"
    health = backend.health(2)
    assert health.up and "0.12.6" in health.detail
    chats = [r for r in ollama.requests if r["path"] == "/api/chat"]
    assert chats[0]["body"]["stream"] is False and chats[1]["body"]["stream"] is True
    assert chats[0]["body"]["options"]["num_predict"] == 8


def test_structured_output_goes_through_format(ollama):
    completion = _run(OllamaBackend(ollama.url), "complete", _ask(60, SCHEMA), "llama3:8b", 10)
    jsonschema.validate(json.loads(completion.text), SCHEMA)
    chat = [r for r in ollama.requests if r["path"] == "/api/chat"][-1]
    assert chat["body"]["format"] == SCHEMA


def test_json_cut_off_by_max_tokens_is_unusable(ollama):
    with pytest.raises(UnusableOutput, match="cut off"):
        _run(OllamaBackend(ollama.url), "complete", _ask(3, SCHEMA), "llama3:8b", 10)


@pytest.mark.parametrize("method", ["complete", "stream"])
def test_missing_model_is_model_missing(ollama, method):
    with pytest.raises(ModelMissing, match='model "zamba2-7b-instruct" not found') as error:
        _run(OllamaBackend(ollama.url), method, _ask(), "zamba2-7b-instruct", 5)
    assert not error.value.retryable


def test_a_fresh_tags_listing_answers_model_missing_without_a_chat(ollama):
    backend = OllamaBackend(ollama.url)
    assert "llama3:8b" in backend.models(2)
    ollama.requests.clear()
    with pytest.raises(ModelMissing, match="not in /api/tags"):
        _run(backend, "complete", _ask(), "gemma:7b", 5)
    assert ollama.requests == []
    assert _run(backend, "complete", _ask(), "llama3:8b", 5).text  # listed: asked as usual


@pytest.mark.parametrize("method", ["complete", "stream"])
def test_connection_refused_is_down(closed_port, method):
    backend = OllamaBackend(f"http://127.0.0.1:{closed_port}")
    with pytest.raises(BackendDown, match="nothing answers"):
        _run(backend, method, _ask(), "llama3:8b", 5)
    health = backend.health(1)
    assert not health.up and "down" in health.detail


@pytest.mark.parametrize("fault, method, kind", [
    ("hang", "complete", BackendHung), ("hang", "stream", BackendHung),
    ("500", "complete", ServerError), ("500", "stream", ServerError),
    ("garbage", "complete", UnusableOutput), ("garbage", "stream", UnusableOutput),
    ("slow_stream", "stream", BackendHung), ("stream_error", "stream", ServerError),
])
def test_fault_modes_map_to_kinds_within_the_deadline(ollama, fault, method, kind):
    ollama.fault = fault
    with pytest.raises(kind) as error:
        _run(OllamaBackend(ollama.url), method, _ask(64), "llama3:8b", 1.0)
    assert type(error.value) is kind
    if fault == "500":
        assert "llama runner process has terminated" in str(error.value)


def test_hung_server_health_is_down_within_its_timeout(ollama):
    ollama.fault = "hang"
    started = time.monotonic()
    health = OllamaBackend(ollama.url).health(0.5)
    assert not health.up and "hung" in health.detail
    assert time.monotonic() - started < 0.5 + SLACK_S


def test_server_that_stops_and_comes_back(ollama):
    backend = OllamaBackend(ollama.url)
    assert _run(backend, "complete", _ask(), "llama3:8b", 5).text
    ollama.stop()
    with pytest.raises(BackendDown):
        _run(backend, "complete", _ask(), "llama3:8b", 5)
    ollama.start()
    assert _run(backend, "complete", _ask(), "llama3:8b", 5).text


def test_a_passed_deadline_fails_before_calling(ollama):
    with pytest.raises(BackendHung, match="deadline passed before"):
        OllamaBackend(ollama.url).complete(_ask(), "llama3:8b", time.monotonic() - 1)
    assert ollama.requests == []



def test_credentials_in_the_url_never_reach_a_result_or_an_error(ollama, closed_port):
    # a proxy's user:password in the stack's URL is a secret: the trace shows errors and details
    up = OllamaBackend(ollama.url.replace("http://", "http://phoenix:s3cret@"))
    health = up.health(2)
    assert health.up and "127.0.0.1" in health.detail and "s3cret" not in health.detail
    down = OllamaBackend(f"http://phoenix:s3cret@127.0.0.1:{closed_port}")
    with pytest.raises(BackendDown) as error:
        _run(down, "complete", _ask(), "llama3:8b", 5)
    assert "127.0.0.1" in str(error.value) and "s3cret" not in str(error.value)
    assert "s3cret" not in down.health(1).detail
