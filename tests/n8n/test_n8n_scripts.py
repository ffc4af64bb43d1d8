"""The Windmill side of the n8n capability: thin scripts, the sync flow, its schedule."""

from __future__ import annotations

import ast
import importlib
import inspect
import json
from pathlib import Path

import pytest
import yaml

from f.phoenix.lib.errors import InputError, JobFailed  # what the scripts (the vendored copy) raise
from lib.n8n.sync import sync_report
from scripts import run as run_cli
from scripts.tooling.flow_runner import run_flow
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
    assert {i.module for i in imports} - {"typing"} <= {"f.phoenix.lib.stack", "f.phoenix.lib.job"} | {
        i.module for i in imports if i.module.startswith("f.phoenix.lib.n8n.")}
    mains = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    assert [m.name for m in mains] == ["main"] and len(mains[0].body) == 1  # one library call
    assert [ast.unparse(d) for d in mains[0].decorator_list] == ["job"]  # arguments checked, failures raised
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


def test_call_webhook_script_fails_when_n8n_is_dead(closed_port):
    with pytest.raises(JobFailed) as failed:
        run_script("f/phoenix/n8n/call_webhook",
                   {"path": "x", "stack": {"services": {"n8n": {"url": f"http://127.0.0.1:{closed_port}"}}}}, {})
    assert "f/phoenix/n8n/call_webhook failed: POST /webhook/x: nothing answers" in str(failed.value)
    assert failed.value.result["error"]["kind"] == "unreachable"  # the whole result travels with the error


def test_call_webhook_script_returns_what_the_webhook_answered(standin, monkeypatch, tmp_path):
    monkeypatch.setenv("WM_MOCKED_API_FILE", str(tmp_path / "absent.json"))
    standin.add_webhook("POST", "phoenix-test", lambda request: (200, {"got": request["body"]}))
    result = run_script("f/phoenix/n8n/call_webhook",
                        {"path": "phoenix-test", "payload": {"a": 1},
                         "stack": {"services": {"n8n": {"url": standin.url}}}}, {})
    assert result["ok"] is True and result["status"] == 200 and result["body"] == {"got": {"a": 1}}


def test_the_dead_n8n_fails_pull_and_push_as_windmill_jobs(standin_stack, closed_port, tmp_path, monkeypatch,
                                                           capsys):
    monkeypatch.setenv("WM_MOCKED_API_FILE", str(tmp_path / "absent.json"))
    standin_stack["services"]["n8n"]["url"] = f"http://127.0.0.1:{closed_port}"
    (Path(standin_stack["root"]) / "n8n" / "git").mkdir(parents=True)  # push has a folder, n8n is what is missing
    for script in ("f/phoenix/n8n/pull", "f/phoenix/n8n/push"):
        with pytest.raises(JobFailed, match=f"{script} failed: .*nothing answers"):
            run_script(script, {"stack": standin_stack}, {})
        code = run_cli.main([script, "--args", json.dumps({"stack": standin_stack})])
        out, err = capsys.readouterr()
        assert code == 1 and f"job failed: {script} failed" in err
        assert json.loads(out)["error"]["kind"] == "unreachable"  # the result is still shown


def test_call_from_n8n_refuses_a_bad_path_as_bad_arguments(capsys):
    with pytest.raises(InputError, match="not a Windmill path"):
        run_script("f/phoenix/n8n/call_from_n8n", {"windmill_path": "../etc"}, {})
    assert run_cli.main(["f/phoenix/n8n/call_from_n8n", "--args", '{"windmill_path": 5}']) == 2
    assert "windmill_path must be text, got a number" in capsys.readouterr().err


def test_translate_script_fails_on_a_missing_folder_and_reports_a_translated_one(tmp_path):
    with pytest.raises(JobFailed, match="f/phoenix/n8n/translate failed: input folder not found"):
        run_script("f/phoenix/n8n/translate", {"input_dir": "missing", "stack": {"root": str(tmp_path)}}, {})
    (tmp_path / "n8n" / "workflows").mkdir(parents=True)
    (tmp_path / "n8n" / "workflows" / "one.json").write_text(json.dumps(
        {"name": "One", "nodes": [{"name": "Start", "type": "n8n-nodes-base.manualTrigger", "parameters": {},
                                   "typeVersion": 1, "position": [0, 0]}], "connections": {}}))
    (tmp_path / "n8n" / "workflows" / "broken.json").write_text("{ not json")
    report = run_script("f/phoenix/n8n/translate", {"stack": {"root": str(tmp_path)}}, {})
    # one unusable file is one per-file error in a successful run, not a failed job
    assert report["ok"] is True and {w["status"] for w in report["workflows"]} == {"translated", "error"}


def test_a_sync_whose_pull_fails_ends_failed_and_its_failure_module_says_why(standin_stack, closed_port, tmp_path,
                                                                            monkeypatch):
    monkeypatch.setenv("WM_MOCKED_API_FILE", str(tmp_path / "absent.json"))
    standin_stack["services"]["n8n"]["url"] = f"http://127.0.0.1:{closed_port}"
    run = run_flow("f/phoenix/n8n/sync", {}, {"resource_types": {"c_phoenix_stack": standin_stack}})
    assert run.status == "failure"
    assert [(step["id"], step["status"]) for step in run.log] == [("pull", "failed"), ("failure", "success")]
    assert set(run.results) == {"failure"}  # neither translate nor report ran, so none says "succeeded"
    assert run.result["failed"] is True and run.result["step_id"] == "pull"
    assert run.result["error"]["name"] == "JobFailed" and "nothing answers" in run.result["error"]["message"]
    assert "## n8n sync failed" in run.result["report"] and "`pull`" in run.result["report"]
    assert run.error["extra"]["result"]["error"]["kind"] == "unreachable"  # as a worker passes JobFailed's result


def test_the_cli_exits_1_for_a_failed_sync_and_prints_the_failure_report(standin_stack, closed_port, tmp_path,
                                                                         monkeypatch, capsys):
    monkeypatch.setenv("WM_MOCKED_API_FILE", str(tmp_path / "absent.json"))
    standin_stack["services"]["n8n"]["url"] = f"http://127.0.0.1:{closed_port}"
    stack_file = tmp_path / "stack.yaml"
    stack_file.write_text(yaml.safe_dump(standin_stack))
    code = run_cli.main(["f/phoenix/n8n/sync", "--stack", str(stack_file)])
    out, err = capsys.readouterr()
    assert code == 1 and "flow failed: pull" in err and "  pull: failed" in err
    assert out.startswith("## n8n sync failed") and "\\n" not in out  # the report as text, not a JSON string


def test_a_sync_that_works_reports_both_steps(standin, standin_stack, tmp_path, monkeypatch):
    monkeypatch.setenv("WM_MOCKED_API_FILE", str(tmp_path / "absent.json"))
    standin.add_workflow({"name": "Synced", "nodes": [], "connections": {}})
    run = run_flow("f/phoenix/n8n/sync", {}, {"resource_types": {"c_phoenix_stack": standin_stack}})
    assert run.status == "success", run.error
    assert run.result["ok"] is True and "- pull: 1 workflow(s), 1 file(s) changed" in run.result["markdown"]


def test_the_report_step_fails_when_given_a_failed_step(capsys):
    from f.phoenix.n8n.sync__flow.report import main as report

    with pytest.raises(JobFailed) as failed:
        report({"ok": False, "error": {"kind": "unreachable", "message": "nothing answers"}}, {"workflows": []})
    assert "pull: FAILED: nothing answers" in failed.value.result["markdown"]


def load_flow() -> dict:
    return yaml.safe_load(FLOW.read_text())


def test_sync_flow_is_pull_translate_report_and_never_pushes():
    modules = load_flow()["value"]["modules"]
    assert [m["id"] for m in modules] == ["pull", "translate", "report"]
    assert load_flow()["value"]["failure_module"]["value"]["content"] == "!inline report_failure.py"
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
