"""OMAS fixtures: the tiny-model stack, an operator omas/ folder, and a scripted model.

``scripted_model`` stands in for the model *inside* the real router: it
replaces the in-process GGUF backend's ``complete`` (the scripts' vendored copy
is lib/ itself in tests: tests/support/one_library.py), so routing, fallbacks, schema
validation and the orchestrator JSON all run for real, and only the text the
model writes is chosen by the test.
"""

from __future__ import annotations

import itertools
import json
import threading

import pytest
import yaml

import lib.backends.llama_local as llama_local
from lib.backends.base import Completion
from lib.stack import load_stack

SAFE_PROPOSAL = {"title": "Add a health script", "summary": "Write a new Windmill script that probes n8n.",
                 "risk": "low", "actions": [{"kind": "write", "target": "windmill/scripts/n8n_health.py"}]}


@pytest.fixture
def omas_stack(tiny_stack) -> dict:
    """The tiny-model stack (PhoenixCore absent, Ollama refused, embedded = tiny GGUF)."""
    return tiny_stack


@pytest.fixture
def stack(omas_stack, operator_root):
    """The loaded stack over an operator root that has .roo/, omas/, n8n workflows and src/."""
    for folder in (".roo/core", "omas/agents/chaos", "n8n/workflows", "src"):
        (operator_root / folder).mkdir(parents=True)
    (operator_root / "n8n/workflows/core-orchestration.json").write_text("{}")
    (operator_root / ".roo/core/system.md").write_text("core")
    return load_stack(omas_stack)


@pytest.fixture
def write_omas(operator_root):
    """Write files into the operator's omas/ folder: write_omas('agents/chaos.yaml', {...})."""
    def write(relative: str, document) -> object:
        path = operator_root / "omas" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(document if isinstance(document, str) else yaml.safe_dump(document), encoding="utf-8")
        return path
    return write


class ScriptedModel:
    """What 'the model' writes, per agent, recognised by the JSON schema it is asked for."""

    def __init__(self):
        self.proposals = [SAFE_PROPOSAL]
        self.verdict = {"verdict": "keep", "risk": "low", "reasons": ["looks fine"]}
        self.decision = None  # None: adopt the first proposal offered
        self.calls: list[tuple[str, str]] = []  # (agent role, backend name)
        self._counter = itertools.count()
        self._lock = threading.Lock()

    def text_for(self, request) -> str | None:
        properties = (request.json_schema or {}).get("properties", {})
        if "title" in properties:
            with self._lock:
                index = next(self._counter)
            return json.dumps(self.proposals[index % len(self.proposals)]), "chaos"
        if "verdict" in properties:
            return json.dumps(self.verdict), "thanatos"
        if "adopt" in properties:
            offered = properties["adopt"]["items"]["enum"]
            decision = self.decision or {
                "adopt": offered[:1], "analysis": f"Adopt {offered[0]}: it is the safest plan.",
                "integration_strategy": {"existing_components": "kept", "new_capabilities": "a health script",
                                         "synergy_points": "Windmill and n8n"},
                "validation": {"existing_compatibility": "model says: compatible", "enhancement_level": "low"}}
            return json.dumps(decision), "demigod"
        return None, None


@pytest.fixture
def scripted_model(monkeypatch):
    model = ScriptedModel()
    original = llama_local.LocalGGUF.complete

    def complete(self, request, name, deadline):
        text, role = model.text_for(request)
        if text is None:
            return original(self, request, name, deadline)
        self._check_file()  # a missing or corrupt file still fails like the real backend
        model.calls.append((role, self.name))
        return Completion(text=text, backend=self.name, model=self.label, completion_tokens=len(text))

    monkeypatch.setattr(llama_local.LocalGGUF, "complete", complete)
    return model
