"""The operator's folders, model files, and the integrations (router, OMAS configs, n8n workflows)."""

from __future__ import annotations

import json
import os

import pytest

from lib.errors import AllBackendsFailed
from lib.health import integrations
from lib.health.catalog import build_probes
from lib.health.folders import check_folder, check_gguf_file, check_local_model
from lib.stack import load_stack


# --- folders ---------------------------------------------------------------------------------

def test_a_folder_whose_configs_parse_is_up(tmp_path):
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "a.yaml").write_text("a: 1\n---\nb: 2\n")
    (tmp_path / "b.json").write_text('{"x": 1}')
    (tmp_path / "c.roo").write_text("domain: education\n")
    (tmp_path / "notes.txt").write_text("not a config: {{{")
    assert check_folder(tmp_path, 1) == ("up", "4 entries, 3 configs parse")


def test_malformed_configs_make_it_degraded_and_are_named(tmp_path):
    (tmp_path / "good.yaml").write_text("a: 1\n")
    (tmp_path / "bad.yaml").write_text("a: [1, 2\n")
    (tmp_path / "bad.json").write_text('{"x": ')
    (tmp_path / "latin1.yml").write_bytes(b"name: caf\xe9\n")
    status, detail = check_folder(tmp_path, 1)
    assert status == "degraded"
    assert detail.startswith("3 of 4 configs malformed")
    assert "bad.json (malformed JSON at line 1)" in detail and "bad.yaml (malformed YAML at line" in detail
    assert "latin1.yml (unreadable (UnicodeDecodeError))" in detail


def test_an_optional_folder_that_is_absent_is_noted_not_red(tmp_path):
    assert check_folder(tmp_path / "hf-models", 1, required=False) == (
        "absent", f"{tmp_path / 'hf-models'} is not there (optional: nothing in this stack needs it)")
    (tmp_path / "hf-models").write_text("a file where the folder goes")
    assert check_folder(tmp_path / "hf-models", 1, required=False)[0] == "down"  # there, but wrong: still red


def test_the_folders_the_stack_uses_are_required_and_the_others_optional(tmp_path):
    from lib.health.catalog import required_folders

    stack = load_stack({"root": str(tmp_path), "agents": {"dir": "./agents/"},
                        "models": {"phoenixcore": {"path": "models/core/PhoenixCore.gguf"}},
                        "health": {"folders": [".roo", "agents", "n8n/workflows", "models/core", "windmill",
                                               "hf-models", "models/quantized"]}})
    assert required_folders(stack) == {".roo", "agents", "n8n/workflows", "models/core"}
    statuses = {p.component: p.check(1)[0] for p in build_probes(stack) if p.component.startswith("folder:")}
    assert statuses == {"folder:.roo": "down", "folder:agents": "down", "folder:n8n/workflows": "down",
                        "folder:models/core": "down", "folder:windmill": "absent", "folder:hf-models": "absent",
                        "folder:models/quantized": "absent"}
    elsewhere = load_stack({"root": str(tmp_path), "models": {"phoenixcore": {"path": str(tmp_path / "x.gguf")}}})
    assert "models/quantized" not in required_folders(elsewhere)  # an absolute PhoenixCore needs no folder here


def test_missing_not_a_folder_and_unreadable_are_down(tmp_path):
    assert check_folder(tmp_path / "absent", 1)[0] == "down"
    (tmp_path / "file").write_text("x")
    assert check_folder(tmp_path / "file", 1) == ("down", f"{tmp_path / 'file'} is not a folder")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads everything")
def test_an_unreadable_folder_is_down(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        assert check_folder(locked, 1)[0] == "down"
    finally:
        locked.chmod(0o755)


def test_gguf_files_are_checked_by_their_magic(tmp_path, tiny_gguf):
    assert check_gguf_file(tiny_gguf, 1)[0] == "up"
    fake = tmp_path / "fake.gguf"
    fake.write_bytes(b"PK\x03\x04 not a model")
    assert check_gguf_file(fake, 1) == ("down", f"{fake} is not a GGUF file")
    assert check_gguf_file(tmp_path / "absent.gguf", 1)[0] == "down"
    assert check_gguf_file(None, 1) == ("unknown", "no path configured")


def test_a_local_model_needs_llama_cpp(tiny_gguf, monkeypatch):
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    status, detail = check_local_model(tiny_gguf, 1)
    assert status == "down" and "llama-cpp-python is not installed" in detail


# --- OMAS and n8n ----------------------------------------------------------------------------

def _omas(root, names=("chaos", "demigod", "thanatos"), body="role: {name}, as the operator tuned it\n"):
    (root / "omas" / "agents").mkdir(parents=True)
    for name in names:
        (root / "omas" / "agents" / f"{name}.yaml").write_text(body.format(name=name))
    return load_stack({"root": str(root)})


def test_omas_configs_load_the_way_the_council_loads_them(tmp_path):
    stack = _omas(tmp_path)
    assert integrations.check_omas_configs(stack, 1) == (
        "up", "council loads (chaos, demigod, thanatos) with 3 operator file(s)")


def test_omas_agent_files_the_council_does_not_have_are_named_not_fatal(tmp_path):
    stack = _omas(tmp_path, ("chaos", "hermes"))
    status, detail = integrations.check_omas_configs(stack, 1)
    assert status == "up" and detail.startswith("council loads (chaos, demigod, thanatos) with 1 operator file(s)")
    assert "1 agent file(s) not read" in detail and "hermes.yaml" in detail


def test_omas_malformed_yaml_is_degraded_and_named(tmp_path):
    stack = _omas(tmp_path, ("chaos",))
    (tmp_path / "omas/agents/thanatos.yaml").write_text("role: [thanatos\n")
    status, detail = integrations.check_omas_configs(stack, 1)
    assert status == "degraded" and "agents/thanatos.yaml (malformed YAML" in detail


def test_omas_config_the_council_rejects_is_down_with_the_loaders_reason(tmp_path):
    stack = _omas(tmp_path, ("chaos",), body="colour: purple\n")
    status, detail = integrations.check_omas_configs(stack, 1)
    assert status == "down" and detail.startswith("the council does not load: ")
    assert "chaos.yaml" in detail


def test_omas_without_its_folder_runs_on_defaults_and_says_so(tmp_path):
    status, detail = integrations.check_omas_configs(load_stack({"root": str(tmp_path)}), 1)
    assert status == "degraded" and "shipped default agents" in detail


def test_n8n_workflows_parse(tmp_path):
    workflow = {"name": "w", "nodes": [{"name": "Start"}], "connections": {}}
    (tmp_path / "one.json").write_text(json.dumps(workflow))
    (tmp_path / "export-all.json").write_text(json.dumps([workflow, workflow]))  # `n8n export --all`
    assert integrations.check_n8n_workflows(tmp_path, 1) == ("up", "2 workflows parse")


@pytest.mark.parametrize("content, reason", [
    ('{"name": "w", "nodes": [', "malformed JSON at line 1"),
    ('{"name": "w", "connections": {}}', "no nodes list"),
    ('{"name": "w", "nodes": [], "connections": []}', "no connections object"),
    ('[1, 2]', "not a workflow object"),
])
def test_broken_n8n_workflows_are_named(tmp_path, content, reason):
    (tmp_path / "good.json").write_text('{"nodes": [], "connections": {}}')
    (tmp_path / "bad.json").write_text(content)
    status, detail = integrations.check_n8n_workflows(tmp_path, 1)
    assert status == "degraded" and f"bad.json ({reason})" in detail


def test_no_workflows_is_unknown_and_no_folder_is_down(tmp_path):
    assert integrations.check_n8n_workflows(tmp_path, 1)[0] == "unknown"
    assert integrations.check_n8n_workflows(tmp_path / "absent", 1)[0] == "down"


# --- the router probe --------------------------------------------------------------------------

def test_the_router_probe_answers_on_the_embedded_model(tiny_stack):
    status, detail = integrations.check_router(load_stack(tiny_stack), 60)
    assert status == "up" and detail.startswith("answered a tiny request on embedded:")


def test_the_router_probe_is_unknown_when_no_model_is_available(tiny_stack, tmp_path):
    document = dict(tiny_stack, models={**tiny_stack["models"], "embedded": {"path": str(tmp_path / "none.gguf")}})
    status, detail = integrations.check_router(load_stack(document), 60)
    assert (status, detail) == ("unknown", "no model available to answer")


def test_the_router_probe_is_down_when_backends_fail_for_real(tiny_stack, monkeypatch):
    def failing(prompt, stack, **options):
        raise AllBackendsFailed([{"backend": "embedded", "model": "x", "outcome": "server_error", "error": "boom"}])

    monkeypatch.setattr(integrations, "route", failing)
    assert integrations.check_router(load_stack(tiny_stack), 5) == ("down", "every backend failed: 1 attempt(s)")


def test_the_router_probe_cuts_the_router_deadlines_to_its_own(tiny_stack, monkeypatch):
    seen = {}

    def spy(prompt, stack, **options):
        seen.update(stack.routing.model_dump(), **options)
        return {"model": {"backend": "embedded", "model": "m"}}

    monkeypatch.setattr(integrations, "route", spy)
    integrations.check_router(load_stack(tiny_stack), 7)
    assert (seen["overall_timeout_s"], seen["attempt_timeout_s"], seen["max_tokens"]) == (7, 7, 8)


# --- the catalogue ----------------------------------------------------------------------------

def test_the_default_stack_gets_the_seed_components():
    components = [p.component for p in build_probes(load_stack(None))]
    assert components[:2] == ["folder:.roo", "folder:omas"]
    for expected in ("service:n8n", "service:windmill", "service:ollama", "service:postgres",
                     "container:n8n", "container:windmill-phoenix", "container:ollama-phoenix",
                     "integration:router", "integration:omas", "integration:n8n_workflows",
                     "backend:phoenixcore", "backend:embedded"):
        assert expected in components
    assert len(components) == len(set(components))
