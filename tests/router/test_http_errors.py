"""The HTTP backends' one error mapping (lib/backends/http_errors.py), case by case, and the private
huggingface_hub names kept to one function."""

from __future__ import annotations

import ast
import inspect
import json
from types import SimpleNamespace

import httpx
import httpx2
import ollama
import pydantic
import pytest
from huggingface_hub.errors import HfHubHTTPError, InferenceTimeoutError, OfflineModeIsEnabled

from lib.backends.openai_compat import backend as openai_compat
from lib.backends.http_errors import backend_error, error_text, mapped
from lib.errors import BackendDown, BackendHung, BadRequest, ModelMissing, ServerError, UnusableOutput

WHERE = SimpleNamespace(name="openai:tgi", shown_url="http://127.0.0.1:9", api="OpenAI")  # an HTTP backend


def _hub_error(status: int, body: str) -> HfHubHTTPError:
    request = httpx2.Request("POST", "http://127.0.0.1:9/v1/chat/completions")
    return HfHubHTTPError(f"{status} from the server", response=httpx2.Response(status, text=body, request=request))


def _validation_error() -> pydantic.ValidationError:
    class Reply(pydantic.BaseModel):
        done: bool

    try:
        Reply.model_validate({"done": "perhaps"})
    except pydantic.ValidationError as exc:
        return exc
    raise AssertionError("pydantic accepted it")


@pytest.mark.parametrize("raised, kind, words", [
    (httpx.ConnectError("refused"), BackendDown, "nothing answers at http://127.0.0.1:9"),
    (httpx2.ConnectError("refused"), BackendDown, "nothing answers"),
    (httpx.ConnectTimeout("slow syn"), BackendDown, "connection refused or unreachable"),
    (ConnectionError("Failed to connect to Ollama"), BackendDown, "nothing answers"),
    (OfflineModeIsEnabled("offline"), BackendDown, "offline mode is on"),
    (httpx.ReadTimeout("slow"), BackendHung, "before the deadline (ReadTimeout)"),
    (httpx2.ReadTimeout("slow"), BackendHung, "before the deadline"),
    (InferenceTimeoutError("slow"), BackendHung, "InferenceTimeoutError"),
    (ollama.ResponseError('{"error": "model \\"llama3:8b\\" not found, try pulling it first"}', 404),
     ModelMissing, 'model llama3:8b not found: model "llama3:8b" not found'),
    (ollama.ResponseError("model 'llama3:8b' not found", -1), ModelMissing, "not found"),
    (ollama.ResponseError("llama runner process has terminated", -1), ServerError, "llama runner"),
    (ollama.ResponseError("boom", 500), ServerError, "HTTP 500: boom"),
    (_hub_error(401, '{"error": {"message": "bad key"}}'), BackendDown, "refused access (HTTP 401): bad key"),
    (_hub_error(422, '{"error": "max_tokens must be positive"}'), BadRequest, "HTTP 422): max_tokens"),
    (_hub_error(500, '{"error": {"message": "response_format: bad schema"}}'), BadRequest, "response_format"),
    (_hub_error(503, "loading\n  model"), ServerError, "HTTP 503: loading model"),
    (json.JSONDecodeError("Expecting value", "<html>", 0), UnusableOutput, "not OpenAI JSON"),
    (_validation_error(), UnusableOutput, "not OpenAI JSON"),
    (KeyError("choices"), UnusableOutput, "not OpenAI JSON"),
    (httpx.RemoteProtocolError("peer closed"), ServerError, "connection broken: RemoteProtocolError"),
])
def test_each_failure_becomes_its_kind(raised, kind, words):
    error = backend_error(WHERE, raised, "llama3:8b")
    assert type(error) is kind and error.backend == "openai:tgi" and words in str(error)


def test_a_client_bug_is_not_mapped_and_leaves_as_it_is():
    assert backend_error(WHERE, TypeError("'NoneType' object is not iterable")) is None
    with pytest.raises(TypeError, match="not iterable"):
        with mapped(WHERE):
            raise TypeError("'NoneType' object is not iterable")


def test_inside_mapped_a_failure_leaves_as_its_kind_with_its_cause():
    cause = httpx.ConnectError("refused")
    with pytest.raises(BackendDown) as error:
        with mapped(WHERE, "m"):
            raise cause
    assert error.value.__cause__ is cause
    ours = BadRequest("openai:tgi", "already mapped")
    with pytest.raises(BadRequest) as again:
        with mapped(WHERE):
            raise ours
    assert again.value is ours


def test_a_generator_closed_inside_mapped_is_not_an_error():
    def pieces():
        with mapped(WHERE):
            yield "a"
            yield "b"

    stream = pieces()
    assert next(stream) == "a"
    stream.close()  # GeneratorExit passes through untouched


@pytest.mark.parametrize("body, message", [
    ('{"error": "model not found"}', "model not found"),
    ('{"error": {"message": "bad", "code": 400}}', "bad"),
    ('{"error": {"code": 400}}', '{"error": {"code": 400}}'),
    ('{"detail": "x"}', '{"detail": "x"}'),
    ("plain\n text", "plain text"),
    ("x" * 500, "x" * 300),
])
def test_the_error_text_is_the_servers_message_on_one_short_line(body, message):
    assert error_text(body) == message


def test_private_huggingface_hub_names_are_used_in_one_function_only():
    tree = ast.parse(inspect.getsource(openai_compat))
    private = {"_inner_post", "huggingface_hub.inference._providers", "huggingface_hub.utils._http"}
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    functions += [m for n in tree.body if isinstance(n, ast.ClassDef) for m in n.body if isinstance(m, ast.FunctionDef)]
    users = set()
    for function in functions:  # each with what it nests
        for node in ast.walk(function):
            named = (node.attr if isinstance(node, ast.Attribute) else
                     node.module if isinstance(node, ast.ImportFrom) else None)
            if named in private:
                users.add(function.name)
    assert users == {"_hub_internals"}
