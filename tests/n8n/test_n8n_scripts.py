"""The Windmill side of the n8n capability: thin scripts, the sync flow, its schedule."""

from __future__ import annotations

import ast
import importlib
import inspect
import json
from pathlib import Path

import pytest
import yaml

from lib.n8n.sync import sync_report
from scripts.tooling.local_runner import run_script

REPO = Path(__file__).resolve().parents[2]
N8N_DIR = REPO / "f" / "phoenix" / "n8n"
FLOW = N8N_DIR / "sync__flow" / "flow.yaml"
SCHEDULE = N8N_DIR / "sync_hourly.schedule.yaml"
MY_SCRIPTS = ("pull", "push", "call_webhook", "call_from_n8n")


@pytest.mark.parametrize("name", MY_SCRIPTS)
def test_scripts_are_thin_and_import_the_vendored_library(name):
    tree = ast.parse((N8N_DIR / f"{name}.py").read_text())
    imports = [n for n in tree.body if isinstance(n, ast.ImportFrom)]
    assert {i.module for i in imports} - {"typing"} <= {"f.phoenix.lib.stack"} | {
        i.module for i in imports if i.module.startswith("f.phoenix.lib.n8n.")}
    mains = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    assert [m.name for m in mains] == ["main"] and len(mains[0].body) == 1  # one library call
    meta = yaml.safe_load((N8N_DIR / f"{name}.script.yaml").read_text())
    assert meta["kind"] == "script" and meta["lock"] == "" and meta["timeout"] > 0
    main = importlib.import_module(f"f.phoenix.n8n.{name}").main
    assert list(meta["schema"]["properties"]) == list(inspect.signature(main).parameters)


def test_pull_script_runs_like_a_worker(standin, standin_stack, tmp_path, monkeypatch):
    standin.add_workflow({"name": "From the script", "nodes": [], "connections": {}})
    monkeypatch.setenv("WM_MOCKED_API_FILE", str(tmp_path / "absent.json"))
    result = run_script("f/phoenix/n8n/pull", {"stack": standin_stack}, {})
    assert result["ok"] and result["counts"] == {"written": 1}
    assert (Path(standin_stack["root"]) / "n8n" / "git" / "from_the_script_wf0001.json").exists()
    dry = run_script("f/phoenix/n8n/push", {"stack": standin_stack}, {})
    assert dry["ok"] and dry["dry_run"] is True and dry["counts"] == {"unchanged": 1}


def test_call_from_n8n_script_gives_a_paste_ready_node():
    result = run_script("f/phoenix/n8n/call_from_n8n", {"windmill_path": "f/phoenix/n8n/sync", "kind": "flow"}, {})
    assert result["ok"] and result["n8n_snippet"]["nodes"][0]["parameters"]["url"].endswith(
        "/api/w/phoenix/jobs/run_wait_result/f/f/phoenix/n8n/sync")


def test_call_webhook_script_reports_a_dead_n8n(closed_port):
    result = run_script("f/phoenix/n8n/call_webhook",
                        {"path": "x", "stack": {"services": {"n8n": {"url": f"http://127.0.0.1:{closed_port}"}}}}, {})
    assert result["ok"] is False and result["error"]["kind"] == "unreachable"


def load_flow() -> dict:
    return yaml.safe_load(FLOW.read_text())


def test_sync_flow_is_pull_translate_report_and_never_pushes():
    modules = load_flow()["value"]["modules"]
    assert [m["id"] for m in modules] == ["pull", "translate", "report"]
    assert [m["value"].get("path") for m in modules[:2]] == ["f/phoenix/n8n/pull", "f/phoenix/n8n/translate"]
    assert "push" not in FLOW.read_text().split("description:")[0] + json.dumps(modules).replace(
        "f/phoenix/n8n/push", "")


def test_sync_flow_inputs_use_only_simple_transforms():
    allowed_prefixes = ("flow_input.", "results.")
    for module in load_flow()["value"]["modules"]:
        for name, transform in module["value"]["input_transforms"].items():
            if transform["type"] == "javascript":
                expr = transform["expr"]
                assert expr.startswith(allowed_prefixes) and all(c.isalnum() or c in "._" for c in expr), expr
            else:
                assert transform["type"] == "static"


@pytest.mark.parametrize("module_id", ["pull", "translate", "report"])
def test_sync_flow_arguments_match_each_steps_main(module_id):
    module = next(m for m in load_flow()["value"]["modules"] if m["id"] == module_id)
    if module["value"]["type"] == "script":
        source = REPO / f"{module['value']['path']}.py"
    else:
        source = FLOW.parent / module["value"]["content"].removeprefix("!inline ")
    if not source.exists():
        pytest.skip(f"{source.relative_to(REPO)} is not written yet (the translator's script)")
    tree = ast.parse(source.read_text())
    main = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "main")
    parameters = [a.arg for a in main.args.args]
    required = parameters[:len(parameters) - len(main.args.defaults)]
    given = set(module["value"]["input_transforms"])
    assert given <= set(parameters), f"{module_id}: unknown argument(s) {given - set(parameters)}"
    assert set(required) <= given, f"{module_id}: missing {set(required) - given}"


def test_flow_and_schedule_pass_the_official_validator():
    tools = pytest.importorskip("scripts.tooling.windmill_tools")
    try:
        errors = tools.validate_documents([(str(FLOW.relative_to(REPO)), load_flow()),
                                           (str(SCHEDULE.relative_to(REPO)), yaml.safe_load(SCHEDULE.read_text()))])
    except tools.ToolingError as exc:  # the pinned npm tools are not installed here
        pytest.skip(str(exc))
    assert errors == {str(FLOW.relative_to(REPO)): [], str(SCHEDULE.relative_to(REPO)): []}


def test_schedule_runs_the_flow_with_a_timezone():
    schedule = yaml.safe_load(SCHEDULE.read_text())
    assert schedule["script_path"] == "f/phoenix/n8n/sync" and schedule["is_flow"] is True
    assert schedule["timezone"] == "UTC" and len(schedule["schedule"].split()) == 6
    flow_inputs = set(load_flow()["schema"]["properties"])
    assert set(schedule["args"]) <= flow_inputs


def test_sync_report_summarises_both_steps():
    pulled = {"ok": True, "counts": {"written": 2, "unchanged": 4, "kept_local_edit": 1}, "errors": [{"file": "x"}],
              "removed": ["old.json"], "files_changed": 4}
    translation = {"workflows": [{"status": "translated", "nodes_total": 4, "nodes_translated": 3},
                                 {"status": "error", "nodes_total": 2, "nodes_translated": 0}]}
    report = sync_report(pulled, translation)
    assert report["ok"] is True
    assert "7 workflow(s), 2 file(s) changed, 1 removed, 1 unusable, 1 local edit(s) kept" in report["markdown"]
    assert "1/2 workflow(s) translated, 3/6 nodes to real steps (50%), 1 error(s)" in report["markdown"]


def test_sync_report_when_n8n_is_down():
    report = sync_report({"ok": False, "error": {"kind": "unreachable", "message": "nothing answers"}}, {})
    assert report["ok"] is False and "pull: FAILED: nothing answers" in report["markdown"]
    assert sync_report(None, {"ok": False, "error": "bad folder"})["translation"]["text"] == "FAILED: bad folder"


@pytest.mark.parametrize("pull, translation, bad", [(5, {}, "pull"), ({}, "x", "translation")])
def test_the_sync_report_refuses_results_that_are_not_objects(pull, translation, bad):
    from lib.errors import InputError

    with pytest.raises(InputError, match=f"{bad} must be the .* step's result"):
        sync_report(pull, translation)
