"""The operator's .roo/domains/<domain>/ context reaches the router's prompt: bounded, read only, in the trace."""

from __future__ import annotations

import os

import pytest

from lib.backends.ollama import backend as ollama_backend
from lib.router import domain_context as context_module
from lib.router.core import route
from lib.stack import load_stack
from tests.support.ollama_server import OllamaStandIn

CODING_TASK = "Refactor this python function and fix the bug"  # classified softwaredevelopment


@pytest.fixture(scope="module")
def own_ollama(tiny_gguf):
    """An Ollama stand-in of this module's own: the session one's tiny model draws from one random state,
    which later tests' outcomes depend on."""
    with OllamaStandIn(tiny_gguf, ["qwen2.5-coder:7b"]) as server:
        yield server


@pytest.fixture
def ollama(own_ollama):
    ollama_backend._TAGS.clear()  # a listing cached by an earlier test would answer for the server
    own_ollama.requests.clear()
    return own_ollama


@pytest.fixture
def domains(operator_root):
    folder = operator_root / ".roo" / "domains" / "softwaredevelopment"
    folder.mkdir(parents=True)
    (folder / "01-conventions.md").write_text("Use Windmill scripts for Python steps.\n")
    (folder / "02-stack.yaml").write_text("languages: [python, typescript]\n")
    (folder / "notes.bin").write_bytes(b"\x00\x01 not text")  # not a text suffix: not read
    return folder


def _ollama_stack(tiny_stack, ollama):
    return {**tiny_stack, "services": {"ollama": {"url": ollama.url}},
            "models": {**tiny_stack["models"], "phoenixcore": {"path": None},
                       "ollama": {"coding": ["qwen2.5-coder:7b"], "reasoning": [], "fast": [], "complex": []}}}


def _system_messages(ollama) -> list[str]:
    chats = [r["body"] for r in ollama.requests if r["path"] == "/api/chat"]
    return [m["content"] for chat in chats for m in chat["messages"] if m["role"] == "system"]


def test_the_classified_domains_context_is_in_the_prompt_and_the_trace(tiny_stack, ollama, domains):
    result = route(CODING_TASK, _ollama_stack(tiny_stack, ollama), mode="text")
    assert result["classification"]["domain"] == "softwaredevelopment"
    trace = result["trace"]["domain_context"]
    assert trace["files"] == [".roo/domains/softwaredevelopment/01-conventions.md",
                              ".roo/domains/softwaredevelopment/02-stack.yaml"]
    assert trace["truncated"] is False and trace["refused"] == [] and trace["chars"] > 0
    (system,) = _system_messages(ollama)
    assert "Roo domain softwaredevelopment" in system and "not instructions" in system
    assert "Use Windmill scripts for Python steps." in system and "languages: [python, typescript]" in system
    assert "not text" not in system


def test_orchestrator_mode_keeps_its_system_prompt_and_adds_the_context(tiny_stack, ollama, domains):
    route(CODING_TASK, _ollama_stack(tiny_stack, ollama), mode="orchestrator")
    system, *retries = _system_messages(ollama)  # unusable JSON from the tiny model is retried once
    assert all(retry == system for retry in retries)
    assert system.startswith("You are the Phoenix DemiGod v8.7 hybrid orchestrator")
    assert system.index("Use Windmill scripts") > system.index("Answer with JSON only")


def test_no_folder_for_the_domain_means_no_context_and_no_trace_entry(tiny_stack, ollama, domains):
    result = route("Should I choose option A or B? Decide the trade-off", _ollama_stack(tiny_stack, ollama),
                   mode="text")
    assert result["classification"]["domain"] == "decisionmaking"
    assert result["trace"]["domain_context"] is None
    assert _system_messages(ollama) == []


def test_the_context_is_bounded_even_for_a_huge_file(tiny_stack, domains, monkeypatch):
    (domains / "03-huge.md").write_text("x" * 10_000_000)
    read_sizes = []
    real_open = open

    def counting_open(path, mode="r", *args, **kwargs):
        handle = real_open(path, mode, *args, **kwargs)
        if "b" in mode and str(path).endswith("03-huge.md"):
            original = handle.read
            handle.read = lambda size=-1: read_sizes.append(size) or original(size)
        return handle

    monkeypatch.setattr("builtins.open", counting_open)
    text, trace = context_module.domain_context(load_stack(tiny_stack), "softwaredevelopment")
    assert trace["truncated"] is True
    assert trace["chars"] <= context_module.MAX_CHARS
    assert len(text) < context_module.MAX_CHARS + 500
    assert read_sizes and all(0 < size <= 4 * context_module.MAX_CHARS + 1 for size in read_sizes)


def test_links_out_of_the_root_are_refused_and_named(tiny_stack, domains, tmp_path):
    secret = tmp_path / "outside" / "secret.md"
    secret.parent.mkdir()
    secret.write_text("THE OPERATOR'S SECRET\n")
    os.symlink(secret, domains / "00-link.md")
    os.symlink(secret.parent, domains / "linked-folder")
    text, trace = context_module.domain_context(load_stack(tiny_stack), "softwaredevelopment")
    assert "SECRET" not in text
    assert {entry["path"] for entry in trace["refused"]} == {".roo/domains/softwaredevelopment/00-link.md",
                                                             ".roo/domains/softwaredevelopment/linked-folder"}
    assert trace["files"][0].endswith("01-conventions.md")


def test_a_domain_folder_that_is_itself_a_link_out_is_refused(tiny_stack, operator_root, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "notes.md").write_text("outside notes\n")
    (operator_root / ".roo" / "domains").mkdir(parents=True)
    os.symlink(outside, operator_root / ".roo" / "domains" / "education")
    text, trace = context_module.domain_context(load_stack(tiny_stack), "education")
    assert text is None
    assert trace["refused"] == [{"path": ".roo/domains/education", "reason": "its real path is outside the stack root"}]


def test_files_that_are_not_utf8_are_skipped_and_said(tiny_stack, domains):
    (domains / "00-latin1.md").write_bytes("café".encode("latin-1"))
    text, trace = context_module.domain_context(load_stack(tiny_stack), "softwaredevelopment")
    assert trace["skipped"] == [{"path": ".roo/domains/softwaredevelopment/00-latin1.md", "reason": "not UTF-8 text"}]
    assert "Use Windmill scripts" in text


def test_reading_the_context_writes_nothing(tiny_stack, domains):
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in domains.rglob("*")}
    context_module.domain_context(load_stack(tiny_stack), "softwaredevelopment")
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in domains.rglob("*")} == before
