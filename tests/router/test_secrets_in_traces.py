"""A token that slips into a trace, an error or saved state is masked there.

The stack refuses tokens where variable names go; these are the other ways
one can arrive: pasted as a model name, quoted by a server's or a client
library's error, or left in a state file by another writer.
"""

import json
from pathlib import Path

import pytest

from lib.errors import AllBackendsFailed
from lib.router.breakers import HEALTH_KEY
from lib.router.core import route
from lib.store import FileStore

TOKEN = "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"
RANDOM_KEY = "rPzDKyZ7vuSj9bQIIr8yaRh8i4MGHhd3"


def _state_text(stack) -> str:
    return "".join(path.read_text() for path in Path(stack["state_dir"]).glob("*.json"))


def _everything(result_or_error) -> str:
    if isinstance(result_or_error, Exception):
        return " ".join([str(result_or_error), repr(result_or_error), json.dumps(result_or_error.attempts)])
    return json.dumps(result_or_error)


def test_a_token_pasted_as_a_model_name_is_masked_in_trace_errors_and_state(tiny_stack, ollama):
    tiny_stack["services"]["ollama"]["url"] = ollama.url
    tiny_stack["models"]["ollama"] = {"fast": [TOKEN], "reasoning": [], "coding": [], "complex": []}
    for _ in range(2):  # the second request reads what the first one saved
        result = route("Explain recursion", tiny_stack, prefer=["ollama"])
        shown = _everything(result)
        assert TOKEN not in shown and TOKEN[3:] not in shown
        assert {"backend": "ollama", "model": "***", "reason": "ollama fast model for a reasoning task"} \
            in result["trace"]["candidates"]
    first = route("Explain recursion", tiny_stack, prefer=["ollama"])["trace"]["attempts"][0]
    assert first["model"] == "***"
    assert TOKEN not in _state_text(tiny_stack) and "***" in _state_text(tiny_stack)


def test_a_token_quoted_by_a_failing_client_is_masked(tiny_stack, ollama, monkeypatch):
    from lib.backends.ollama.backend import OllamaBackend

    def leaky(self, request, model, deadline):  # a library echoing the request's header in its error
        raise RuntimeError(f"401 for request with headers {{'Authorization': 'Bearer {RANDOM_KEY}'}} "
                           + "x" * 180 + f" key={RANDOM_KEY}")

    monkeypatch.setattr(OllamaBackend, "complete", leaky)
    tiny_stack["services"]["ollama"]["url"] = ollama.url
    tiny_stack["models"]["embedded"]["path"] = str(Path(tiny_stack["root"]) / "absent.gguf")
    with pytest.raises(AllBackendsFailed) as failed:
        route("Explain recursion", tiny_stack, prefer=["ollama"])
    shown = _everything(failed.value)
    assert "unexpected RuntimeError" in shown and "Bearer ***" in shown
    assert RANDOM_KEY not in shown and RANDOM_KEY[:12] not in shown  # masked before it was cut, too
    assert RANDOM_KEY not in _state_text(tiny_stack) and RANDOM_KEY[:12] not in _state_text(tiny_stack)


def test_a_token_in_a_health_detail_written_by_someone_else_is_masked_in_the_trace(tiny_stack):
    import time

    state = Path(tiny_stack["state_dir"])
    state.mkdir(parents=True)
    # written raw, as an older version or another tool would: the store itself masks what it saves
    (state / "health_backends.json").write_text(json.dumps(
        {"ollama": {"up": False, "at": time.time(), "detail": f"401 from http://x?token={RANDOM_KEY}"}}))
    result = route("Explain recursion", tiny_stack)
    skipped = [a for a in result["trace"]["attempts"] if "health check found it down" in a["error"]]
    assert skipped and all(RANDOM_KEY not in a["error"] for a in skipped)
    FileStore(state).put(HEALTH_KEY, {"ollama": {"up": False, "at": 1.0, "detail": f"Bearer {RANDOM_KEY}"}})
    assert RANDOM_KEY not in (state / "health_backends.json").read_text()
