"""Adding a backend kind is its own package and one registration (a line of lib/backends/shipped.py).

The ``echo`` kind below exists only in this test: registered, it is offered by
the policy, answers through the router, is listed by the inventory and the
OpenAI API's model list and probed by the health check, and none of those
modules names it (or any other kind).
"""

from __future__ import annotations

import ast
import inspect
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lib.backends.base import Completion, Health
from lib.backends.kinds import BackendKind, Candidate, HealthProbe
from lib.backends.registry import build_backend, kinds, register, registered
from lib.backends import settings as models_section
from lib.backends.settings import kind_entries
from lib.backends.shipped import SHIPPED, Shipped
from lib.health import catalog
from lib.health.run import BACKENDS_KEY, run_health
from lib.models import inventory as inventory_module
from lib.models.inventory import inventory
from lib.omas import thanatos
from lib.openai_api import request as openai_request
from lib.openai_api.request import model_ids, resolve_model
from lib.router import core, policy
from lib.router.classify import Classification
from lib.router.core import route, route_stream
from lib.stack import Stack, load_stack
from lib.store import open_store

REPO = Path(__file__).resolve().parents[2]


class EchoBackend:
    """Answers at once with what it was asked."""

    def __init__(self, name: str):
        self.name = name

    def health(self, timeout: float = 1.0) -> Health:
        return Health(True, "echo is listening")

    def models(self, timeout: float = 1.0) -> list[str]:
        return ["echo-1"]

    def complete(self, request, model, deadline) -> Completion:
        return Completion(f"echo: {request.messages[-1]['content']}", self.name, model, 1, 3)

    def stream(self, request, model, deadline):
        yield "echo: "
        yield request.messages[-1]["content"]


def _echo_candidates(stack, ask):
    return [("main", Candidate("echo", "echo-1", f"echo for a {ask.task.task_type} task"))]


ECHO = BackendKind(
    name="echo",
    label="Echo",
    build=lambda stack, name: EchoBackend(name),
    candidates=_echo_candidates,
    configured=lambda stack: {"echo": ["echo-1", "echo-2"]},
    probes=lambda stack: [HealthProbe("backend:echo", "backends", "Echo", "echo",
                                      lambda timeout: ("up", "echo is listening"))],
    folders=lambda stack: ["echo-data"],
)


@pytest.fixture
def echo():
    with registered(ECHO):
        yield ECHO


def _order(stack, priority="quality"):
    task = Classification("reasoning", "medium", "education")
    return [(c.backend, c.model) for c in policy.order_candidates(stack, task, priority)]


def test_the_policy_offers_a_registered_kind_in_its_place(echo):
    order = _order(load_stack({"root": "/boo"}))
    # main place, after the shipped kinds' main candidates; PhoenixCore's fallback and the embedded model stay last
    assert order[-3:] == [("echo", "echo-1"), ("phoenixcore", "/boo/models/quantized/PhoenixCore-4bit-Q5.gguf"),
                          ("embedded", "SmolLM2-135M-Instruct")]
    assert [backend for backend, _ in order[:-3]] == ["ollama"] * (len(order) - 3)


def test_the_router_answers_on_it_complete_and_streamed(echo, tiny_stack):
    result = route("Say hello", tiny_stack, prefer=["echo"])
    assert result["model"] == {"backend": "echo", "model": "echo-1"} and result["answer"] == "echo: Say hello"
    assert result["trace"]["attempts"][0]["outcome"] == "ok"
    *pieces, streamed = route_stream("Say hello", tiny_stack, prefer=["echo"])
    assert "".join(pieces) == "echo: Say hello" and streamed["model"] == {"backend": "echo", "model": "echo-1"}


def test_the_inventory_lists_it_with_what_it_lacks(echo, tiny_stack):
    rows = {row["backend"]: row for row in inventory(tiny_stack, timeout_s=1)["backends"]}
    assert rows["echo"]["up"] and rows["echo"]["detail"] == "echo is listening" and rows["echo"]["label"] == "Echo"
    assert rows["echo"]["models"] == ["echo-1"] and rows["echo"]["missing"] == ["echo-2"]


def test_the_health_check_probes_it_and_tells_the_router(echo, tiny_stack):
    stack = load_stack(tiny_stack)
    probes = {p.component: p for p in catalog.build_probes(stack)}
    assert probes["backend:echo"].group == "backends" and probes["backend:echo"].label == "Echo"
    assert catalog.backend_names(stack)["backend:echo"] == "echo"
    assert "echo-data" in catalog.required_folders(stack)  # missing, it would be down, not "absent"
    report = run_health(stack, send_alerts=False, write_dashboard=False, probes=[probes["backend:echo"]])
    assert report["components"][0]["status"] == "up" and "| Echo | up |" in report["markdown"]
    assert open_store(stack.state_dir).get(BACKENDS_KEY)["echo"]["up"] is True


def test_once_unregistered_it_is_gone_everywhere(tiny_stack):
    with registered(ECHO):
        assert ("echo", "echo-1") in _order(load_stack(None))
    assert "echo" not in {kind.name for kind in kinds()}
    assert ("echo", "echo-1") not in _order(load_stack(None))
    assert "unknown backend kind 'echo'" in build_backend(load_stack(None), "echo").health(1).detail


def test_registering_replaces_for_a_while_and_refuses_duplicates(echo):
    with pytest.raises(ValueError, match="already registered"):
        register(ECHO)
    with pytest.raises(ValueError, match="a word"):
        register(BackendKind(name="echo:two", label="x", build=lambda stack, name: None))
    louder = BackendKind(name="echo", label="Louder echo", build=lambda stack, name: EchoBackend(name))
    with registered(louder):
        assert {kind.name: kind for kind in kinds()}["echo"] is louder
    assert {kind.name: kind for kind in kinds()}["echo"] is ECHO


def test_a_kind_offering_an_unknown_place_is_named():
    odd = BackendKind(name="odd", label="Odd", build=lambda stack, name: None,
                      candidates=lambda stack, ask: [("first", Candidate("odd", None, "?"))])
    with registered(odd), pytest.raises(ValueError, match="backend kind 'odd' offered a candidate in place 'first'"):
        _order(load_stack(None))


def test_the_openai_model_list_names_it_as_its_record_says(echo, tiny_stack):
    stack = load_stack(tiny_stack)
    assert {"echo:echo-1", "echo:echo-2"} <= set(model_ids(stack))  # a kind of many models: backend:model
    assert resolve_model("echo:echo-1", stack) == ("auto", ["echo:echo-1"])
    single = BackendKind(name="echo", label="Echo", build=ECHO.build, configured=ECHO.configured, one_model=True)
    with registered(single):
        assert "echo" in model_ids(stack) and "echo:echo-1" not in model_ids(stack)  # one model: the backend's name


def test_thanatos_takes_the_veto_of_a_last_resort_kind_as_advice(echo):
    opinion = {"backend": "echo", "verdict": "veto"}
    assert thanatos._model_may_veto("auto", opinion)
    with registered(BackendKind(name="echo", label="Echo", build=ECHO.build, last_resort=True)):
        assert not thanatos._model_may_veto("auto", opinion) and thanatos._model_may_veto(True, opinion)


def test_the_models_section_is_the_shipped_kinds_entries_and_the_embedding_model():
    # models.embeddings names the stack's one embedding model (lib/router/embeddings.py): it is read by
    # the embeddings route, not a backend kind the router chooses among
    assert list(Stack.model_fields["models"].annotation.model_fields) == [*kind_entries(), "embeddings"]
    assert list(kind_entries()) == ["phoenixcore", "ollama", "huggingface", "embedded"]
    stack = load_stack({"models": {"ollama": {"fast": ["phi3"]}}})
    assert stack.models.ollama.fast == ["phi3"] and stack.models.ollama.coding  # the rest keeps its defaults


def test_two_packages_declaring_one_entry_are_refused_by_name(monkeypatch):
    monkeypatch.setattr(models_section, "SHIPPED", (Shipped("ollama", settings=True), Shipped("ollama", settings=True)))
    with pytest.raises(ValueError, match="backend package 'ollama': models.ollama is declared twice"):
        models_section.kind_entries()


def test_every_shipped_package_holds_its_record_and_the_settings_it_says():
    backends = REPO / "lib" / "backends"
    for shipped in SHIPPED:
        assert (backends / shipped.package / "backend.py").is_file()
        assert (backends / shipped.package / "settings.py").is_file() or not shipped.settings
    assert [kind.name for kind in kinds()] == ["phoenixcore", "ollama", "hf_gguf", "openai", "embedded"]


ECHO_SETTINGS = """
from ...settings import Settings


class EchoSettings(Settings):
    greeting: str = "echo"


ENTRY = ("echo", EchoSettings)
"""

ECHO_BACKEND = """
from ...backends.base import Completion, Health
from ..kinds import BackendKind, Candidate


class EchoBackend:
    def __init__(self, name, greeting):
        self.name, self.greeting = name, greeting

    def health(self, timeout=1.0):
        return Health(True, "echo is listening")

    def models(self, timeout=1.0):
        return ["echo-1"]

    def complete(self, request, model, deadline):
        return Completion(f"{self.greeting}: {request.messages[-1]['content']}", self.name, model, 1, 3)

    def stream(self, request, model, deadline):
        yield self.complete(request, model, deadline).text


KIND = BackendKind(
    name="echo", label="Echo",
    build=lambda stack, name: EchoBackend(name, stack.models.echo.greeting),
    candidates=lambda stack, ask: [("main", Candidate("echo", "echo-1", "echo"))],
    configured=lambda stack: {"echo": ["echo-1"]},
)
"""

ECHO_RUN = """
import json, sys
from lib.errors import ConfigError
from lib.models.inventory import inventory
from lib.openai_api.request import model_ids
from lib.router.core import route
from lib.stack import load_stack, stack_schema

stack = json.loads(sys.argv[1])
stack["models"]["echo"] = {"greeting": "hi"}
result = route("Say hello", stack, prefer=["echo"])
try:
    load_stack({"models": {"echo": {"greeting": 3}}})
    refused = None
except ConfigError as exc:
    refused = str(exc)
print(json.dumps({
    "answer": result["answer"], "model": result["model"],
    "listed": "echo" in model_ids(load_stack(stack)) or "echo:echo-1" in model_ids(load_stack(stack)),
    "rows": [row["backend"] for row in inventory(load_stack(stack), timeout_s=1)["backends"]],
    "default": load_stack(None).models.echo.greeting,
    "schema": sorted(stack_schema()["properties"]["models"]["properties"]),
    "refused": refused,
}))
"""


def test_a_new_kind_with_settings_is_its_package_and_one_line(tmp_path, tiny_stack):
    """In a copy of lib/: the echo kind's package and one line of shipped.py, nothing else, and the
    stack reads its settings (defaults, validation, the resource type) and the router answers on it."""
    copy = tmp_path / "repo"
    shutil.copytree(REPO / "lib", copy / "lib", ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "lib/backends/echo").mkdir()
    (copy / "lib/backends/echo/settings.py").write_text(ECHO_SETTINGS, encoding="utf-8")
    (copy / "lib/backends/echo/backend.py").write_text(ECHO_BACKEND, encoding="utf-8")
    shipped = copy / "lib/backends/shipped.py"
    text = shipped.read_text(encoding="utf-8")
    assert text.count('    Shipped("embedded", settings=True),\n') == 1
    shipped.write_text(text.replace('    Shipped("embedded", settings=True),\n',
                                    '    Shipped("embedded", settings=True),\n    Shipped("echo", settings=True),\n'),
                       encoding="utf-8")
    changed = {path.relative_to(copy).as_posix() for path in (copy / "lib").rglob("*.py")
               if not (REPO / path.relative_to(copy)).is_file()
               or (REPO / path.relative_to(copy)).read_bytes() != path.read_bytes()}
    assert changed == {"lib/backends/echo/settings.py", "lib/backends/echo/backend.py", "lib/backends/shipped.py"}

    run = subprocess.run([sys.executable, "-c", ECHO_RUN, json.dumps(tiny_stack)], cwd=copy, capture_output=True,
                         text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(copy)})
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen["answer"] == "hi: Say hello" and seen["model"] == {"backend": "echo", "model": "echo-1"}
    assert seen["listed"] and "echo" in seen["rows"] and seen["default"] == "echo"
    assert seen["schema"] == ["echo", "embedded", "embeddings", "huggingface", "ollama", "phoenixcore"]
    assert "models.echo.greeting" in seen["refused"]


@pytest.mark.parametrize("module", [policy, inventory_module, catalog, core, openai_request, thanatos])
def test_the_readers_of_the_records_name_no_kind(module):
    """The policy, inventory, health catalog, router, OpenAI model list and Thanatos read the records;
    none lists a provider."""
    tree = ast.parse(inspect.getsource(module))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and ast.get_docstring(node)}
    texts = {node.value for node in ast.walk(tree)
             if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings}
    names = {kind.name for kind in kinds()} | {"SmolLM2-135M-Instruct", "PhoenixCore"}
    assert not {text.split(":", 1)[0] for text in texts} & names


def test_a_stream_names_the_model_as_its_kind_says(tiny_stack, phoenixcore_file):
    # PhoenixCore's candidate names its file; the answer names the model, streamed or not
    *pieces, streamed = route_stream("Say hello", tiny_stack, prefer=["phoenixcore"], max_tokens=4)
    whole = route("Say hello", tiny_stack, prefer=["phoenixcore"], max_tokens=4)
    assert pieces and streamed["model"] == whole["model"] == {"backend": "phoenixcore", "model": "PhoenixCore"}
