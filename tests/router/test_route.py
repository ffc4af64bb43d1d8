"""The router end to end on a real (tiny) GGUF model: fallbacks, deadlines, schemas."""

import time

import jsonschema
import pytest

from lib.backends.base import ChatRequest
from lib.backends.llama_local import LocalGGUF
from lib.errors import AllBackendsFailed, BackendHung, InputError
from lib.router.core import route
from lib.router.orchestrator import ORCHESTRATOR_SCHEMA


def _outcomes(result):
    return [(a["backend"], a["outcome"]) for a in result["trace"]["attempts"]]


def test_missing_phoenixcore_falls_back_to_embedded(tiny_stack):
    result = route("Explain recursion", tiny_stack, mode="text")
    assert result["model"]["backend"] == "embedded"
    assert result["answer"]
    attempts = result["trace"]["attempts"]
    assert attempts[0]["backend"] == "phoenixcore" and attempts[0]["outcome"] == "down"
    assert "model file not found" in attempts[0]["error"]
    assert attempts[-1] == {**attempts[-1], "backend": "embedded", "outcome": "ok"}


def test_existing_phoenixcore_answers_first(tiny_stack, phoenixcore_file):
    result = route("Explain recursion", tiny_stack, mode="text")
    assert result["model"] == {"backend": "phoenixcore", "model": "PhoenixCore"}
    assert _outcomes(result) == [("phoenixcore", "ok")]
    assert result["orchestrator"]["execution"]["model_selection"] == "phoenixcore:PhoenixCore"


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_corrupt_phoenixcore_is_reported_and_embedded_answers(tiny_stack, phoenixcore_file, damage):
    if damage == "garbage":
        phoenixcore_file.write_bytes(b"this is not a model" * 100)
    else:
        data = phoenixcore_file.read_bytes()
        phoenixcore_file.write_bytes(data[: len(data) // 2])
    result = route("Explain recursion", tiny_stack, mode="text")
    assert result["model"]["backend"] == "embedded"
    first = result["trace"]["attempts"][0]
    assert first["backend"] == "phoenixcore" and first["outcome"] == "corrupt_model"
    assert str(phoenixcore_file) in first["error"]


def test_orchestrator_mode_is_schema_valid_and_facts_come_from_the_system(tiny_stack):
    result = route("Refactor this python function", tiny_stack, mode="orchestrator", max_tokens=1500)
    document = result["orchestrator"]
    jsonschema.validate(document, ORCHESTRATOR_SCHEMA)
    assert document["execution"] == {"roo_domain": result["classification"]["domain"], "omas_agent": "none",
                                     "model_selection": "embedded:SmolLM2-135M-Instruct",
                                     "workflow_type": "windmill"}
    assert result["answer"] == document["analysis"]


def test_orchestrator_stays_valid_when_the_model_cannot_finish_its_json(tiny_stack):
    # 24 tokens cannot hold the keys of the prose fields alone (about 40 tokens), whatever the model samples:
    # the JSON is always cut off (600 sometimes sufficed, so the test depended on the draw).
    tiny_stack["routing"]["max_tokens"] = 24
    result = route("Plan the migration", tiny_stack, mode="orchestrator", max_tokens=24)
    jsonschema.validate(result["orchestrator"], ORCHESTRATOR_SCHEMA)
    assert result["trace"]["degraded"]
    assert any(a["outcome"] == "unusable_output" for a in result["trace"]["attempts"])


def test_custom_json_schema_answer_is_parsed(tiny_stack):
    schema = {"type": "object", "properties": {"verdict": {"enum": ["keep", "veto"]},
                                               "reason": {"type": "string", "maxLength": 40}},
              "required": ["verdict", "reason"], "additionalProperties": False}
    result = route("Judge this", tiny_stack, json_schema=schema, max_tokens=200)
    jsonschema.validate(result["json"], schema)


def test_text_mode_orchestrator_is_written_by_the_system(tiny_stack):
    result = route("Translate hello", tiny_stack, mode="text", agent="chaos", workflow_type="n8n")
    document = result["orchestrator"]
    jsonschema.validate(document, ORCHESTRATOR_SCHEMA)
    assert document["execution"]["omas_agent"] == "chaos"
    assert document["execution"]["workflow_type"] == "n8n"


@pytest.mark.parametrize("prompt", ["", "   \n", None])
def test_empty_prompt_is_a_clear_error(tiny_stack, prompt):
    with pytest.raises(InputError, match="prompt is empty"):
        route(prompt, tiny_stack)


def test_bad_choice_is_a_clear_error(tiny_stack):
    with pytest.raises(InputError, match="priority='cheapest' is not one of"):
        route("hi", tiny_stack, priority="cheapest")


def test_when_everything_fails_one_error_names_each_backend(tiny_stack, tmp_path):
    tiny_stack["models"]["embedded"]["path"] = str(tmp_path / "gone.gguf")
    with pytest.raises(AllBackendsFailed) as error:
        route("hello", tiny_stack)
    message = str(error.value)
    assert "phoenixcore" in message and "embedded" in message and "ollama" in message
    assert {a["backend"] for a in error.value.attempts} >= {"phoenixcore", "embedded", "ollama"}


def test_generation_stops_at_its_deadline(tiny_gguf):
    backend = LocalGGUF("tiny", tiny_gguf, n_ctx=4096, threads=1)
    request = ChatRequest([{"role": "user", "content": "go"}], max_tokens=4000)
    backend.complete(ChatRequest([{"role": "user", "content": "warm"}], max_tokens=2), None,
                     time.monotonic() + 30)
    with pytest.raises(BackendHung, match="deadline"):
        backend.complete(request, None, time.monotonic() + 0.02)
    with pytest.raises(BackendHung, match="deadline passed before"):
        backend.complete(request, None, time.monotonic() - 1)


def test_deadline_expiry_moves_to_the_next_candidate(tiny_stack, phoenixcore_file, monkeypatch):
    """PhoenixCore hangs past its attempt deadline; the embedded model answers."""
    original = LocalGGUF.complete

    def slow_phoenixcore(self, request, model, deadline):
        if self.name == "phoenixcore":
            while time.monotonic() < deadline:
                time.sleep(0.005)
            raise BackendHung(self.name, "generation passed its deadline")
        return original(self, request, model, deadline)

    monkeypatch.setattr(LocalGGUF, "complete", slow_phoenixcore)
    tiny_stack["routing"]["attempt_timeout_s"] = 0.05
    result = route("hello", tiny_stack, mode="text")
    assert result["model"]["backend"] == "embedded"
    assert result["trace"]["attempts"][0]["outcome"] == "hung"


def test_a_dead_backend_is_skipped_by_the_next_request(tiny_stack):
    route("hello", tiny_stack, mode="text")
    second = route("hello again", tiny_stack, mode="text")
    phoenixcore, ollama = second["trace"]["attempts"][:2]
    assert (phoenixcore["outcome"], ollama["outcome"]) == ("skipped", "skipped")
    assert "model file not found" in phoenixcore["error"]  # remembered for the file, not the backend
    assert "circuit open" in ollama["error"]


@pytest.mark.parametrize("arguments, message", [
    ({"agent": "zeus"}, "agent='zeus' is not one of"),
    ({"workflow_type": "zapier"}, "workflow_type='zapier' is not one of"),
    ({"max_tokens": -1}, "max_tokens=-1 must be a whole number of at least 1"),
    ({"max_tokens": "100"}, "max_tokens='100' must be a whole number of at least 1"),
    ({"temperature": -0.5}, "temperature=-0.5 must be a number from 0 to 2"),
    ({"prefer": "ollama"}, "prefer='ollama' must be a list of backend or backend:model names"),
    ({"prefer": [{"backend": "ollama"}]}, "must be a list of backend or backend:model names"),
])
def test_bad_arguments_are_refused_before_any_model_runs(tiny_stack, monkeypatch, arguments, message):
    # These used to reach the backends: an unknown agent or workflow type then failed the
    # orchestrator JSON with a bare ValueError after the answer was paid for, and a negative
    # max_tokens means "no limit" to llama.cpp and Ollama (generation ran to the deadline).
    from lib.router import core

    monkeypatch.setattr(core, "build_backend", lambda *a: pytest.fail("a backend was built"))
    with pytest.raises(InputError, match=message):
        route("hi", tiny_stack, **arguments)


def test_a_prompt_longer_than_the_context_is_refused_without_opening_the_breaker(tiny_stack):
    # llama.cpp raises a bare ValueError for it; unmapped, it counted as a backend failure
    # and opened the breaker of the embedded model, the last resort, for every later request.
    tiny_stack["models"]["embedded"]["n_ctx"] = 256
    with pytest.raises(AllBackendsFailed) as error:
        route("word " * 400, tiny_stack)
    embedded = [a for a in error.value.attempts if a["backend"] == "embedded"]
    assert [a["outcome"] for a in embedded] == ["bad_request"]
    assert "exceed context window" in embedded[0]["error"]
    result = route("Explain recursion", tiny_stack)
    assert result["model"]["backend"] == "embedded" and ("embedded", "ok") in _outcomes(result)


def test_one_corrupt_hub_gguf_does_not_take_the_other_hub_models_down(tiny_stack, hf_cache):
    # hf_gguf serves every configured file behind one backend name: a corrupt file says
    # nothing about the others, so it must not open the breaker of the whole backend.
    from tests.router.conftest import HF_COMMIT, HF_FILE, HF_REPO

    snapshot = hf_cache / f"models--{HF_REPO.replace('/', '--')}" / "snapshots" / HF_COMMIT
    (snapshot / "broken.gguf").write_bytes(b"not a gguf" * 50)
    tiny_stack["models"]["huggingface"] = {
        "cache_dir": str(hf_cache), "offline": True, "endpoints": [],
        "gguf": {"education": [{"repo": HF_REPO, "file": "broken.gguf"}, {"repo": HF_REPO, "file": HF_FILE}]}}
    for _ in range(2):  # the second request starts from the state the first one stored
        result = route("Explain to a student what recursion is", tiny_stack, prefer=["hf_gguf"])
        assert result["model"] == {"backend": "hf_gguf", "model": f"{HF_REPO}/{HF_FILE}"}
    outcomes = [(a["model"].split("/")[-1], a["outcome"]) for a in result["trace"]["attempts"][:2]]
    assert outcomes == [("broken.gguf", "skipped"), (HF_FILE, "ok")]
    assert "corrupt" in result["trace"]["attempts"][0]["error"]


def test_an_unwritable_state_store_does_not_stop_the_answer(tiny_stack, tmp_path):
    # breaker state is evidence, not a dependency: a failed write (read-only state folder,
    # a Windmill state API error) escaped route() in the middle of the fallback chain
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the state folder should be")
    tiny_stack["state_dir"] = str(blocker)
    result = route("Explain recursion", tiny_stack, mode="text")
    assert result["model"]["backend"] == "embedded"
    assert ("phoenixcore", "down") in _outcomes(result)


def test_a_half_open_probe_that_raises_is_a_failed_probe(tiny_stack, phoenixcore_file, monkeypatch):
    # the probe is a backend call like any other: an unmapped exception in it escaped route()
    from lib.router.breakers import BREAKERS_KEY
    from lib.store import FileStore

    FileStore(tiny_stack["state_dir"]).put(BREAKERS_KEY, {"backends": {"phoenixcore": {
        "failures": 1, "open_since": time.time() - 3600, "last_error": "phoenixcore: earlier failure"}}})
    original = LocalGGUF.health

    def health(self, timeout=1.0):
        if self.name == "phoenixcore":
            raise TypeError("'NoneType' object is not subscriptable")
        return original(self, timeout)

    monkeypatch.setattr(LocalGGUF, "health", health)
    result = route("Explain recursion", tiny_stack, mode="text")
    assert result["model"]["backend"] == "embedded"
    first = result["trace"]["attempts"][0]
    assert (first["backend"], first["outcome"]) == ("phoenixcore", "down") and "unexpected TypeError" in first["error"]


@pytest.mark.parametrize("breakers, health", [
    ([1, 2], "down"),
    ({"backends": {"phoenixcore": {"open_since": "yesterday", "failures": "many"}}, "missing": {"x|y": "now"}},
     {"embedded": {"up": False, "at": "noon"}}),
    ({"backends": ["phoenixcore"], "corrupt": 3}, {"embedded": "down"}),
])
def test_malformed_state_documents_do_not_take_the_router_down(tiny_stack, breakers, health):
    # valid JSON of the wrong shape (a hand edit, another version's format) raised
    # TypeError/AttributeError out of route(); the store's promise is that state never does
    from lib.router.breakers import BREAKERS_KEY, HEALTH_KEY
    from lib.store import FileStore

    store = FileStore(tiny_stack["state_dir"])
    store.put(BREAKERS_KEY, breakers)
    store.put(HEALTH_KEY, health)
    result = route("Explain recursion", tiny_stack, mode="text")
    assert result["model"]["backend"] == "embedded"
    assert ("phoenixcore", "down") in _outcomes(result)


def test_one_loaded_stack_orders_each_request_by_its_own_task(tiny_stack):
    """Candidate orders are kept per loaded stack (stack.derived); each task still gets its own."""
    from lib.stack import load_stack

    stack = load_stack({**tiny_stack, "models": {**tiny_stack["models"], "ollama": {
        "reasoning": ["llama3:8b"], "coding": ["qwen2.5-coder:7b"], "fast": ["mistral:7b"], "complex": []}}})
    first_ollama = []
    for task_type in ("coding", "reasoning", "coding"):
        candidates = route("hi", stack, task_type=task_type, max_tokens=4)["trace"]["candidates"]
        first_ollama.append(next(c["model"] for c in candidates if c["backend"] == "ollama"))
    assert first_ollama == ["qwen2.5-coder:7b", "llama3:8b", "qwen2.5-coder:7b"]
    by_prefer = [route("hi", stack, prefer=prefer, max_tokens=4)["trace"]["candidates"][0]["backend"]
                 for prefer in (["embedded"], None, ["embedded"])]
    assert by_prefer == ["embedded", "phoenixcore", "embedded"]
