"""Fault injection over every backend and fault mode.

Judged by: every request is answered by some backend, with a correct trace;
nothing runs past its deadline; structured output is schema-valid on every
backend, including when a server ignores the requested format.
"""

import copy
import json
import time

import jsonschema
import pytest

from lib.errors import AllBackendsFailed
from lib.router.core import route, route_stream
from lib.router.orchestrator import ORCHESTRATOR_SCHEMA
from tests.router.conftest import HF_FILE, HF_REPO

SLACK_S = 2.0
OUTCOMES = {"ok", "skipped", "down", "hung", "model_missing", "server_error", "unusable_output",
            "corrupt_model", "bad_request", "interrupted", "error"}
SCHEMA = {"type": "object", "properties": {"verdict": {"enum": ["keep", "veto"]}, "score": {"type": "integer"}},
          "required": ["verdict", "score"], "additionalProperties": False}
PROMPT = "Explain why the sky is blue"  # classified reasoning / education


def _check_trace(result):
    """A correct trace: known outcomes, reasons for every failure, the winner last."""
    attempts = result["trace"]["attempts"]
    assert attempts, "no attempt recorded"
    for attempt in attempts:
        assert attempt["outcome"] in OUTCOMES, attempt
        assert attempt["seconds"] >= 0
        if attempt["outcome"] != "ok":
            assert attempt["error"], f"failure without a reason: {attempt}"
    winners = [a for a in attempts if a["outcome"] == "ok"]
    assert len(winners) == 1 and attempts[-1] is winners[0]
    assert result["model"]["backend"] == winners[0]["backend"]
    assert sum(a["seconds"] for a in attempts) <= result["trace"]["total_s"] + 0.01
    jsonschema.validate(result["orchestrator"], ORCHESTRATOR_SCHEMA)


def _route(stack, **kwargs):
    started = time.monotonic()
    result = route(kwargs.pop("prompt", PROMPT), stack, **kwargs)
    limit = stack["routing"]["overall_timeout_s"] + SLACK_S
    assert time.monotonic() - started < limit, "the request ran past its overall deadline"
    _check_trace(result)
    return result


def _outcomes(result, backend=None):
    return [a["outcome"] for a in result["trace"]["attempts"] if backend in (None, a["backend"])]


@pytest.mark.parametrize("fault, first_outcome", [
    ("refuse", "down"), ("hang", "hung"), ("500", "server_error"), ("garbage", "unusable_output"),
])
def test_ollama_faults_fall_back_and_the_trace_says_why(full_stack, ollama, fault, first_outcome):
    if fault == "refuse":
        ollama.stop()
    else:
        ollama.fault = fault
    result = _route(full_stack, prefer=["ollama"])
    ollama_outcomes = _outcomes(result, "ollama")
    assert ollama_outcomes[0] == first_outcome
    assert result["model"]["backend"] != "ollama" and result["answer"]
    if first_outcome in ("server_error", "unusable_output"):  # worth one immediate retry
        assert ollama_outcomes[1] == first_outcome and result["trace"]["attempts"][1].get("try") == 2
    if first_outcome != "unusable_output":  # the backend as a whole is suspect: its other models are skipped
        assert set(ollama_outcomes[-2:]) == {"skipped"}
        assert all("circuit open" in a["error"] for a in result["trace"]["attempts"] if a["outcome"] == "skipped")


def test_a_model_ollama_lacks_is_skipped_not_retried(full_stack, ollama):
    full_stack["models"]["ollama"]["reasoning"] = ["zamba2-7b-instruct", "llama3:8b"]
    result = _route(full_stack, prefer=["ollama"])
    attempts = result["trace"]["attempts"]
    assert (attempts[0]["model"], attempts[0]["outcome"]) == ("zamba2-7b-instruct", "model_missing")
    assert (attempts[1]["model"], attempts[1]["outcome"]) == ("llama3:8b", "ok")
    again = _route(full_stack, prefer=["ollama"])
    assert again["trace"]["attempts"][0]["outcome"] == "skipped"
    assert "missing" in again["trace"]["attempts"][0]["error"]
    assert sum(1 for r in ollama.requests if (r["body"] or {}).get("model") == "zamba2-7b-instruct") == 1


@pytest.mark.parametrize("fault, outcome", [
    ("refuse", "down"), ("hang", "hung"), ("500", "server_error"), ("garbage", "unusable_output"),
])
def test_openai_endpoint_faults_fall_back(full_stack, ollama, closed_port, fault, outcome):
    url = f"http://127.0.0.1:{closed_port}" if fault == "refuse" else ollama.url
    full_stack["models"]["huggingface"]["endpoints"] = [{"name": "faulty", "url": url}]
    ollama.fault = None if fault == "refuse" else fault
    result = _route(full_stack, prefer=["openai:faulty"])
    assert _outcomes(result, "openai:faulty")[0] == outcome
    assert result["model"]["backend"] != "openai:faulty"


@pytest.mark.parametrize("damage, outcome", [("missing", "model_missing"), ("corrupt", "corrupt_model")])
def test_hub_gguf_faults_fall_back(full_stack, hf_cache, damage, outcome):
    repo_dir = hf_cache / f"models--{HF_REPO.replace('/', '--')}"
    if damage == "missing":
        next(repo_dir.glob(f"snapshots/*/{HF_FILE}")).unlink()
    else:
        next((repo_dir / "blobs").iterdir()).write_bytes(b"\0" * 4096)
    result = _route(full_stack, prefer=["hf_gguf"])
    assert _outcomes(result, "hf_gguf")[0] == outcome
    assert result["model"]["backend"] != "hf_gguf"


def test_everything_down_but_the_embedded_model(full_stack, ollama, closed_port, hf_cache):
    ollama.stop()
    full_stack["models"]["huggingface"]["endpoints"] = [{"name": "gone", "url": f"http://127.0.0.1:{closed_port}"}]
    full_stack["models"]["huggingface"]["cache_dir"] = str(hf_cache / "empty")
    result = _route(full_stack, priority="quality", prompt="Refactor this python function")
    assert result["model"]["backend"] == "embedded"
    seen = {a["backend"]: a["outcome"] for a in result["trace"]["attempts"] if a["outcome"] != "skipped"}
    assert seen == {"phoenixcore": "down", "ollama": "down", "hf_gguf": "model_missing",
                    "openai:gone": "down", "embedded": "ok"}


def test_when_all_fail_one_error_names_each_backend_and_why(full_stack, ollama, closed_port, tmp_path):
    ollama.fault = "500"
    full_stack["models"]["huggingface"]["endpoints"] = [{"name": "gone", "url": f"http://127.0.0.1:{closed_port}"}]
    full_stack["models"]["huggingface"]["cache_dir"] = str(tmp_path / "no-cache")
    full_stack["models"]["embedded"]["path"] = str(tmp_path / "no-model.gguf")
    with pytest.raises(AllBackendsFailed) as error:
        route("Refactor this python function", full_stack)
    message = str(error.value)
    for backend, reason in [("phoenixcore", "model file not found"), ("ollama", "HTTP 500"),
                            ("hf_gguf", "is not in"), ("openai:gone", "nothing answers"),
                            ("embedded", "model file not found")]:
        assert any(line.lstrip(" -").startswith(backend) and reason in line for line in message.splitlines()), \
            f"{backend} / {reason!r} not in:\n{message}"


def test_the_overall_deadline_stops_the_chain_and_blames_no_one_untried(full_stack, ollama):
    ollama.fault = "hang"
    full_stack["routing"].update(attempt_timeout_s=5, overall_timeout_s=0.8)
    started = time.monotonic()
    with pytest.raises(AllBackendsFailed, match="overall deadline reached") as error:
        route(PROMPT, full_stack, prefer=["ollama"])
    assert time.monotonic() - started < 0.8 + SLACK_S
    assert error.value.attempts[0]["outcome"] == "hung"
    from lib.router.breakers import BREAKERS_KEY
    from lib.store import FileStore

    assert set(FileStore(full_stack["state_dir"]).get(BREAKERS_KEY)["backends"]) == {"ollama"}


def test_a_backend_raising_something_unexpected_is_recorded_and_skipped(full_stack, monkeypatch):
    from lib.backends.ollama.backend import OllamaBackend

    def broken(self, request, model, deadline):
        raise TypeError("a client library bug")

    monkeypatch.setattr(OllamaBackend, "complete", broken)
    result = _route(full_stack, prefer=["ollama"])
    first = result["trace"]["attempts"][0]
    assert (first["outcome"], first["error"]) == ("error", "ollama: unexpected TypeError: a client library bug")
    assert result["model"]["backend"] != "ollama"


@pytest.mark.parametrize("backend", ["ollama", "openai:llamacpp", "hf_gguf", "embedded"])
def test_structured_output_is_schema_valid_on_every_backend(full_stack, backend):
    result = _route(full_stack, prefer=[backend], json_schema=SCHEMA, max_tokens=60, prompt="Judge this plan")
    assert result["model"]["backend"] == backend
    jsonschema.validate(result["json"], SCHEMA)


@pytest.mark.parametrize("ignoring", ["ollama", "openai"])
def test_structured_output_stays_valid_when_a_server_ignores_the_format(full_stack, ollama, ignoring):
    ollama.fault = "ignore_format"
    if ignoring == "openai":
        full_stack["models"]["huggingface"]["endpoints"] = [{"name": "ignoring", "url": ollama.url}]
    preferred = "ollama" if ignoring == "ollama" else "openai:ignoring"
    result = _route(full_stack, prefer=[preferred], json_schema=SCHEMA, max_tokens=60, prompt="Judge this plan")
    assert _outcomes(result, preferred)[0] == "unusable_output"
    assert result["model"]["backend"] != preferred
    jsonschema.validate(result["json"], SCHEMA)


def test_an_endpoint_that_ignores_the_format_answers_valid_json_through_the_prompt(full_stack, ollama):
    ollama.fault = "obedient"
    full_stack["models"]["huggingface"]["endpoints"] = [{"name": "obedient", "url": ollama.url}]
    result = _route(full_stack, prefer=["openai:obedient"], json_schema=SCHEMA, prompt="Judge this plan")
    assert result["model"]["backend"] == "openai:obedient"
    jsonschema.validate(result["json"], SCHEMA)
    assert result["trace"]["attempts"][-1]["notes"][-1] == "structured output via prompt"
    orchestrated = _route(full_stack, prefer=["openai:obedient"], mode="orchestrator")
    assert orchestrated["trace"]["degraded"] is None
    assert orchestrated["orchestrator"]["execution"]["model_selection"].startswith("openai:obedient:")


def test_orchestrator_mode_with_a_schema_of_other_fields_stays_valid_and_says_degraded(full_stack):
    result = _route(full_stack, prefer=["ollama"], mode="orchestrator", json_schema=SCHEMA, max_tokens=60)
    jsonschema.validate(result["json"], SCHEMA)
    assert result["trace"]["degraded"] and result["model"]["backend"] == "ollama"


def test_orchestrator_mode_on_an_http_backend(full_stack):
    result = _route(full_stack, prefer=["ollama"], mode="orchestrator", max_tokens=1500)
    assert result["model"]["backend"] == "ollama"
    assert result["orchestrator"]["execution"]["model_selection"].startswith("ollama:")


# -- streaming -----------------------------------------------------------------
def _stream(stack, **kwargs):
    started = time.monotonic()
    items = list(route_stream(kwargs.pop("prompt", PROMPT), stack, **kwargs))
    assert time.monotonic() - started < stack["routing"]["overall_timeout_s"] + SLACK_S
    *pieces, result = items
    assert all(isinstance(p, str) and p for p in pieces) and isinstance(result, dict)
    return pieces, result


@pytest.mark.parametrize("backend", ["ollama", "openai:llamacpp", "hf_gguf", "embedded"])
def test_streaming_on_every_backend(full_stack, backend):
    pieces, result = _stream(full_stack, prefer=[backend])
    _check_trace(result)
    assert result["model"]["backend"] == backend and len(pieces) > 1
    assert "".join(pieces) == result["answer"] and result["trace"]["interrupted"] is None


@pytest.mark.parametrize("fault", ["refuse", "hang", "500", "garbage"])
def test_streaming_falls_back_before_the_first_token(full_stack, ollama, fault):
    if fault == "refuse":
        ollama.stop()
    else:
        ollama.fault = fault
    pieces, result = _stream(full_stack, prefer=["ollama"])
    _check_trace(result)
    assert result["model"]["backend"] != "ollama" and "".join(pieces) == result["answer"]
    assert _outcomes(result, "ollama")[0] in {"down", "hung", "server_error", "unusable_output"}


@pytest.mark.parametrize("fault, reason", [("slow_stream", "hung"), ("stream_error", "server_error")])
def test_a_failure_after_the_first_token_ends_the_stream_and_says_so(full_stack, ollama, fault, reason):
    ollama.fault = fault
    full_stack["routing"]["attempt_timeout_s"] = 1
    pieces, result = _stream(full_stack, prefer=["ollama"], max_tokens=64)
    assert pieces and result["model"]["backend"] == "ollama"
    assert result["trace"]["interrupted"].startswith(reason)
    assert result["trace"]["attempts"][-1]["outcome"] == "interrupted"
    assert "".join(pieces) == result["answer"]


def test_streaming_structured_output_is_validated_at_the_end(full_stack):
    pieces, result = _stream(full_stack, prefer=["ollama"], json_schema=SCHEMA, max_tokens=60)
    jsonschema.validate(json.loads("".join(pieces)), SCHEMA)
    assert result["json"] == json.loads("".join(pieces))


def test_streaming_when_everything_fails_raises_the_same_clear_error(full_stack, ollama, tmp_path):
    ollama.stop()
    stack = copy.deepcopy(full_stack)
    stack["models"]["huggingface"] = {"cache_dir": str(tmp_path / "none"), "offline": True,
                                      "gguf": {}, "endpoints": []}
    stack["models"]["embedded"]["path"] = str(tmp_path / "none.gguf")
    with pytest.raises(AllBackendsFailed, match="embedded"):
        list(route_stream(PROMPT, stack))
