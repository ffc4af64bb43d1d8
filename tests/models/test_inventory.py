"""The model inventory: what is where, what is missing, without loading anything."""

import time

import pytest

from lib.errors import InputError
from lib.models.inventory import inventory
from lib.router.breakers import BREAKERS_KEY
from lib.store import FileStore
from tests.router.conftest import HF_FILE, HF_REPO


def _rows(report):
    return {row["backend"]: row for row in report["backends"]}


def test_every_backend_with_its_models_and_what_is_missing(full_stack, ollama):
    full_stack["models"]["ollama"]["complex"] = ["mixtral:8x7b", "zamba2-7b-instruct"]
    full_stack["models"]["huggingface"]["gguf"]["education"].append({"repo": "org/big", "file": "big.gguf"})
    rows = _rows(inventory(full_stack, timeout_s=3))
    assert set(rows) == {"phoenixcore", "ollama", "hf_gguf", "openai:llamacpp", "embedded"}
    assert rows["ollama"]["up"] and "0.12.6" in rows["ollama"]["detail"]
    assert rows["ollama"]["missing"] == ["zamba2-7b-instruct"]
    assert "llama3:8b" in rows["ollama"]["models"]
    assert rows["hf_gguf"]["models"] == [f"{HF_REPO}/{HF_FILE}"] and rows["hf_gguf"]["missing"] == ["org/big/big.gguf"]
    assert rows["openai:llamacpp"]["up"] and rows["openai:llamacpp"]["models"]
    assert rows["embedded"]["up"] and rows["embedded"]["missing"] == []
    assert not rows["phoenixcore"]["up"] and "model file not found" in rows["phoenixcore"]["detail"]
    assert rows["phoenixcore"]["missing"] == ["PhoenixCore"]
    assert not any(r["path"] == "/api/chat" for r in ollama.requests)  # looked, never ran a model


def test_dead_and_hung_backends_are_reported_within_the_timeout(full_stack, ollama, closed_port):
    ollama.fault = "hang"
    full_stack["models"]["huggingface"]["endpoints"] = [{"name": "gone", "url": f"http://127.0.0.1:{closed_port}"}]
    started = time.monotonic()
    report = inventory(full_stack, timeout_s=0.5)
    assert time.monotonic() - started < 0.5 + 2  # the slowest backend's timeout, not their sum
    rows = _rows(report)
    assert not rows["ollama"]["up"] and "hung" in rows["ollama"]["detail"]
    assert not rows["openai:gone"]["up"] and "nothing answers" in rows["openai:gone"]["detail"]
    assert report["summary"]["backends_down"] >= 3 and report["summary"]["backends_up"] >= 2


def test_an_open_breaker_is_shown(full_stack, tmp_path):
    FileStore(full_stack["state_dir"]).put(BREAKERS_KEY, {"backends": {"ollama": {
        "failures": 2, "open_since": 1700000000.0, "last_error": "ollama: nothing answers"}}})
    row = _rows(inventory(full_stack, timeout_s=2))["ollama"]
    assert row["breaker"] == {"open_since": 1700000000.0, "failures": 2, "last_error": "ollama: nothing answers"}


def test_a_missing_embedded_model_is_reported_not_fetched(tiny_stack, tmp_path):
    tiny_stack["models"]["embedded"]["path"] = str(tmp_path / "not-fetched.gguf")
    row = _rows(inventory(tiny_stack, timeout_s=1))["embedded"]
    assert not row["up"] and "not found" in row["detail"] and not (tmp_path / "not-fetched.gguf").exists()


def test_the_windmill_script_returns_the_inventory(tiny_stack):
    from f.phoenix.models.list import main

    report = main(timeout_s=1.0, stack=tiny_stack)
    assert {row["backend"] for row in report["backends"]} == {"phoenixcore", "ollama", "embedded"}
    assert _rows(report)["embedded"]["up"]


def test_a_backend_stuck_past_its_own_timeout_does_not_hold_the_inventory(tiny_stack, monkeypatch):
    # A health check that ignores its timeout (a hung file system, a client bug) must be
    # reported as no answer, not waited for: the executor used to join every worker on exit.
    import threading

    from lib.models import inventory as module

    release, real_look = threading.Event(), module._look

    def stuck(stack, name, timeout_s):
        if name == "embedded":
            release.wait(10)
            return True, "answered late", ["SmolLM2-135M-Instruct"], 10.0
        return real_look(stack, name, timeout_s)

    monkeypatch.setattr(module, "_look", stuck)
    try:
        row = _rows(inventory(tiny_stack, timeout_s=0.2))["embedded"]
    finally:
        release.set()
    assert not row["up"] and row["detail"] == "no answer within 0.2s"
    assert row["missing"] == ["SmolLM2-135M-Instruct"]


@pytest.mark.parametrize("timeout_s", [-1, 0, "x", float("nan"), 1e9])
def test_an_absurd_timeout_is_an_input_error(tiny_stack, timeout_s):
    with pytest.raises(InputError, match="timeout_s="):
        inventory(tiny_stack, timeout_s)


def test_the_embedded_model_path_is_read_as_the_router_reads_it(tiny_stack, tiny_gguf, monkeypatch):
    # the router expands ~ in models.embedded.path; the inventory reported the same file missing
    monkeypatch.setenv("HOME", str(tiny_gguf.parent))
    tiny_stack["models"]["embedded"]["path"] = f"~/{tiny_gguf.name}"
    row = _rows(inventory(tiny_stack, timeout_s=1))["embedded"]
    assert row["up"] and row["missing"] == [], row["detail"]


def test_a_backend_that_raises_unexpectedly_is_one_down_row(tiny_stack, monkeypatch):
    # the inventory's job is to show what is broken: one backend's unmapped exception
    # (a client library bug) used to end the whole inventory with a traceback
    from lib.backends.llama_local import LocalGGUF

    def broken(self, timeout=1.0):
        raise TypeError("'NoneType' object is not iterable")

    monkeypatch.setattr(LocalGGUF, "health", broken)
    rows = _rows(inventory(tiny_stack, timeout_s=1))
    assert not rows["embedded"]["up"] and "unexpected TypeError" in rows["embedded"]["detail"]
    assert "ollama" in rows and not rows["ollama"]["up"]


def test_a_malformed_breaker_state_does_not_break_the_inventory(tiny_stack):
    FileStore(tiny_stack["state_dir"]).put(BREAKERS_KEY, {"backends": ["ollama"]})
    assert "breaker" not in _rows(inventory(tiny_stack, timeout_s=1))["ollama"]
