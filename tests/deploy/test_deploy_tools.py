"""The bridge to the official Windmill tools: pinned, cached, batched, faithful."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from scripts.tooling import windmill_tools
from tests.deploy.sample_package import FLOW, HELLO, SCHEDULE, TRIGGER

REPO = Path(__file__).resolve().parents[2]
PINS = {"windmill-cli": "1.819.0", "windmill-yaml-validator": "1.775.2", "windmill-parser-wasm-py": "1.782.0"}


def test_pins_are_exact_and_locked():
    manifest = json.loads((windmill_tools.PINS_DIR / "package.json").read_text())
    lock = json.loads((windmill_tools.PINS_DIR / "package-lock.json").read_text())
    assert manifest["dependencies"] == PINS
    for name, version in PINS.items():
        assert lock["packages"][f"node_modules/{name}"]["version"] == version


def test_installed_tools_are_the_pinned_versions():
    modules = windmill_tools.ensure_npm_tools()
    for name, version in PINS.items():
        assert json.loads((modules / name / "package.json").read_text())["version"] == version
    assert modules.parent == windmill_tools.tools_dir()
    assert not (REPO / "node_modules").exists()


def test_ensure_is_idempotent_and_does_not_run_npm_when_cached(monkeypatch):
    first = windmill_tools.ensure_npm_tools()

    def no_subprocess(*args, **kwargs):
        raise AssertionError(f"npm ran although the cache matches the pins: {args}")

    monkeypatch.setattr(subprocess, "run", no_subprocess)
    assert windmill_tools.ensure_npm_tools() == first


def test_changed_pins_trigger_a_reinstall(monkeypatch, tmp_path):
    cache = tmp_path / "npm-tools"
    (cache / "node_modules" / "windmill-cli").mkdir(parents=True)
    (cache / "node_modules" / "windmill-cli" / "package.json").write_text("{}")
    calls = []
    monkeypatch.setattr(windmill_tools, "tools_dir", lambda: cache)
    monkeypatch.setattr(windmill_tools, "_npm_ci", lambda directory, digest: calls.append(digest))
    (cache / windmill_tools.STAMP).write_text("digest-of-older-pins\n")
    windmill_tools.ensure_npm_tools()
    assert calls == [windmill_tools._pins_digest()]
    (cache / windmill_tools.STAMP).write_text(windmill_tools._pins_digest() + "\n")
    windmill_tools.ensure_npm_tools()
    assert len(calls) == 1


def test_npm_failure_is_a_tooling_error(monkeypatch, tmp_path):
    monkeypatch.setattr(windmill_tools, "tools_dir", lambda: tmp_path / "npm-tools")
    monkeypatch.setenv("PATH", str(tmp_path))  # no npm on PATH
    with pytest.raises(windmill_tools.ToolingError, match="npm is not installed"):
        windmill_tools.ensure_npm_tools()


def test_validator_accepts_good_documents_and_names_what_is_wrong():
    bad_schedule = {k: v for k, v in SCHEDULE.items() if k != "timezone"}
    results = windmill_tools.validate_documents([
        ("f/x/greet__flow/flow.yaml", FLOW),
        ("f/x/s.schedule.yaml", SCHEDULE),
        ("f/x/t.http_trigger.yaml", TRIGGER),
        ("f/x/bad.schedule.yaml", bad_schedule),
        ("f/x/readme.yaml", {}),
    ])
    assert results["f/x/greet__flow/flow.yaml"] == []
    assert results["f/x/s.schedule.yaml"] == []
    assert results["f/x/t.http_trigger.yaml"] == []
    assert any("timezone" in e for e in results["f/x/bad.schedule.yaml"])
    assert results["f/x/readme.yaml"] == ["not a flow, schedule or trigger file name: f/x/readme.yaml"]


def test_validator_target_can_be_forced():
    results = windmill_tools.validate_documents([("anything.yaml", {"value": {"modules": []}})], {"type": "flow"})
    assert any("summary" in e for e in results["anything.yaml"])


def test_validator_handles_hundreds_of_flows_in_one_process():
    flows = [(f"f/x/flow_{i}__flow/flow.yaml", FLOW) for i in range(400)]
    results = windmill_tools.validate_documents(flows)
    assert len(results) == 400 and all(errors == [] for errors in results.values())


def test_parser_reads_stack_resource_and_literal_arguments():
    parsed = windmill_tools.parse_python_mains({"hello": HELLO, "broken": "def main(:\n"})
    args = {a["name"]: a for a in parsed["hello"]["args"]}
    assert args["stack"]["typ"] == {"resource": "c_phoenix_stack"} and args["stack"]["has_default"]
    assert args["tone"]["typ"] == {"str": ["plain", "warm"]} and args["tone"]["default"] == "plain"
    assert args["name"]["typ"] == {"str": None} and not args["name"]["has_default"]
    assert parsed["broken"] == {"type": "Invalid"}


def test_schema_inference_is_the_clis_and_keeps_ui_fields():
    current = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
               "properties": {"name": {"type": "string", "description": "Who to greet"}}, "required": []}
    result = windmill_tools.infer_script_schemas({"hello": (HELLO, current)})["hello"]
    schema = result["schema"]
    assert schema["required"] == ["name"]
    assert schema["properties"]["name"]["description"] == "Who to greet"
    assert schema["properties"]["stack"] == {"description": "", "type": "object",
                                             "format": "resource-c_phoenix_stack", "default": None}
    assert schema["properties"]["tone"]["enum"] == ["plain", "warm"]
    assert schema["properties"]["tone"]["originalType"] == "enum"


def test_wmill_lint_runs_offline(package):
    passed, output = windmill_tools.wmill_lint(package)
    assert passed, output
    (package / "f/phoenix/demo/broken.schedule.yaml").write_text("schedule: 5\n")
    passed, output = windmill_tools.wmill_lint(package)
    assert not passed
    assert "f/phoenix/demo/broken.schedule.yaml" in output and "timezone" in output
