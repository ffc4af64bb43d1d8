"""scripts/run.py runs any f/phoenix script as Windmill would, offline."""

import json
import subprocess
import sys

import pytest
import yaml

from tests.conftest import REPO


def _run(*args, cwd=REPO):
    return subprocess.run([sys.executable, str(REPO / "scripts" / "run.py"), *args],
                          capture_output=True, text=True, cwd=cwd, timeout=120)


@pytest.fixture
def stack_file(tiny_stack, tmp_path):
    path = tmp_path / "stack.yaml"
    path.write_text(yaml.safe_dump(tiny_stack))
    return path


def test_router_script_runs_locally_and_prints_json(stack_file):
    done = _run("f/phoenix/router", "--args", '{"prompt": "Say hi", "response_mode": "text"}',
                "--stack", str(stack_file))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["model"]["backend"] == "embedded"
    assert result["orchestrator"]["execution"]["workflow_type"] == "windmill"


def test_router_script_streams_its_answer_and_still_returns_the_result(stack_file):
    """stream=true: the text goes out as Windmill's result stream (WM_STREAM lines, shown on
    stderr by the local runner) while the model writes it; stdout keeps only the result."""
    done = _run("f/phoenix/router", "--args", '{"prompt": "Say hi", "response_mode": "text", "stream": true}',
                "--stack", str(stack_file))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["model"]["backend"] == "embedded" and result["answer"]
    assert "WM_STREAM" not in done.stdout and "WM_STREAM" not in done.stderr
    assert result["answer"] in done.stderr  # the pieces, in order, make the whole answer
    assert result["trace"]["interrupted"] is None


def test_result_stream_lines_are_text_on_stderr_and_other_output_stays_on_stdout():
    import io

    from scripts.tooling.local_runner import _ResultStream

    out, err = io.StringIO(), io.StringIO()
    stream = _ResultStream(out, err)
    for text in ("WM_STREAM: Hel", "\n", "a log line\n", "WM_STREAM: lo\\nthere\n", "WM_STR", "EAM: !\n",
                 "partial"):
        stream.write(text)
    stream.flush()
    assert err.getvalue() == "Hello\nthere!"
    assert out.getvalue() == "a log line\npartial"


def test_resources_file_fills_resource_typed_arguments(tiny_stack, tmp_path):
    resources = tmp_path / "resources.yaml"
    resources.write_text(yaml.safe_dump({"resource_types": {"c_phoenix_stack": tiny_stack}}))
    args = tmp_path / "args.json"
    args.write_text(json.dumps({"prompt": "Say hi", "response_mode": "text"}))
    done = _run("f/phoenix/router.py", "--args", str(args), "--resources", str(resources))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["model"]["backend"] == "embedded"


def test_res_reference_is_resolved(tiny_stack, tmp_path):
    resources = tmp_path / "resources.yaml"
    resources.write_text(yaml.safe_dump({"resources": {"f/phoenix/stack": tiny_stack}}))
    done = _run("f/phoenix/router", "--args",
                '{"prompt": "hi", "response_mode": "text", "stack": "$res:f/phoenix/stack"}',
                "--resources", str(resources))
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("args, message", [
    (["f/phoenix/nowhere"], "no Windmill script at f/phoenix/nowhere"),
    (["f/phoenix/router", "--args", '{"prompt": "  "}'], "prompt is empty"),
    (["f/phoenix/router", "--args", '{"promt": "typo"}'], "unknown argument(s) promt"),
    (["f/phoenix/router", "--args", "{}"], "missing required argument(s): prompt"),
    (["f/phoenix/router", "--args", '{"prompt": [1, 2'], "malformed JSON/YAML"),
    (["f/phoenix/router", "--args", "missing-args.json"], "file not found"),
    (["f/phoenix/router", "--args", '{"prompt": "x", "stack": "$res:f/phoenix/none"}'],
     "resource f/phoenix/none is not in the resources file"),
])
def test_bad_input_is_a_clear_error(args, message, stack_file):
    done = _run(*args, "--stack", str(stack_file))
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_a_malformed_stack_names_its_key(tmp_path):
    path = tmp_path / "stack.yaml"
    path.write_text("routing:\n  priorty: speed\n")
    done = _run("f/phoenix/router", "--args", '{"prompt": "hi"}', "--stack", str(path))
    assert done.returncode == 2
    assert "routing.priorty: unknown key" in done.stderr


def test_a_stack_error_names_the_stack_file(tmp_path):
    path = tmp_path / "my-stack.yaml"
    path.write_text("routing:\n  priorty: speed\n")
    done = _run("f/phoenix/health/dashboard", "--args", "{}", "--stack", str(path))
    assert done.returncode == 2
    assert f"{path}: routing.priorty: unknown key" in done.stderr


def test_a_malformed_document_is_reported_on_one_line(tmp_path):
    path = tmp_path / "stack.yaml"
    path.write_text("root: [unclosed\n  foo: :\n")
    done = _run("f/phoenix/health/dashboard", "--args", "{}", "--stack", str(path))
    assert done.returncode == 2
    assert "malformed JSON/YAML: line 2, column 6" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_a_binary_arguments_file_is_a_clear_error(tmp_path):
    path = tmp_path / "args.yaml"
    path.write_bytes(b"\xe2\x28\xa1\x00\xff")
    done = _run("f/phoenix/health/dashboard", "--args", str(path))
    assert done.returncode == 2
    assert "cannot be read" in done.stderr
    assert "Traceback" not in done.stderr


def test_json_numbers_stay_numbers():
    # YAML 1.1 reads a JSON exponent without a dot (1e3) as a string
    from scripts.tooling.local_runner import load_document

    assert load_document('{"timeout_s": 1e3}', "--args") == {"timeout_s": 1000.0}


@pytest.mark.parametrize("text, message", [
    ("resources: 5\n", "--resources: resources: expected a mapping of paths, got int"),
    ("variables: [a]\n", "--resources: variables: expected a mapping of paths, got list"),
    ("resource: {}\n", "--resources: unknown section(s) resource (allowed: resource_types, resources, variables)"),
])
def test_a_malformed_resources_file_is_a_clear_error(tmp_path, text, message):
    path = tmp_path / "local.yaml"
    path.write_text(text)
    done = _run("f/phoenix/health/dashboard", "--args", '{"stack": "$res:f/phoenix/x"}', "--resources", str(path))
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr


def test_a_long_inline_stack_is_not_taken_for_a_file_name(tmp_path):
    inline = '{"root": "' + str(tmp_path) + '", "name": "' + "x" * 5000 + '", "state_dir": "' + str(tmp_path / "s") + '"}'
    done = _run("f/phoenix/health/dashboard", "--args", "{}", "--stack", inline)
    assert done.returncode == 0, done.stderr


def test_a_stack_file_number_with_an_exponent_reaches_the_script_as_a_number(tmp_path):
    path = tmp_path / "stack.yaml"
    path.write_text(f"root: {tmp_path}\nstate_dir: {tmp_path / 's'}\nrouting: {{attempt_timeout_s: 6e1}}\n")
    done = _run("f/phoenix/health/dashboard", "--args", "{}", "--stack", str(path))
    assert done.returncode == 0, done.stderr


# --- what a person sees, and the exit codes -------------------------------------------------

def test_list_shows_every_runnable_script_and_flow_with_its_summary_and_no_library_module():
    done = _run("--list")
    assert done.returncode == 0, done.stderr
    rows = {line.split()[0]: line for line in done.stdout.splitlines() if line.startswith("  f/")}
    from scripts.tooling.tree import load_tree

    tree = load_tree(REPO)
    expected = {path for path in tree.scripts if not path.startswith("f/phoenix/lib/")} | set(tree.flows)
    assert set(rows) == expected
    assert "flow" in rows["f/phoenix/omas/council"] and "Chaos proposes" in rows["f/phoenix/omas/council"]
    assert "Verify a backup: its checksum" in rows["f/phoenix/backup/verify"]
    machine = json.loads(_run("--list", "--json").stdout)
    assert {item["path"] for item in machine} == expected and all(item["summary"] for item in machine)


def test_a_markdown_result_is_shown_as_text_and_json_stays_exact(tiny_stack, tmp_path):
    stack = tmp_path / "stack.yaml"
    stack.write_text(yaml.safe_dump(tiny_stack))
    shown = _run("f/phoenix/health/dashboard", "--stack", str(stack))
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("# Phoenix: system status\n\n_No health run yet")
    exact = _run("f/phoenix/health/dashboard", "--stack", str(stack), "--json")
    from f.phoenix.health.dashboard import main as dashboard

    assert exact.stdout == json.dumps(dashboard(tiny_stack), indent=2, ensure_ascii=False) + "\n"
    report = _run("f/phoenix/health/check", "--args", '{"output": "report", "send_alerts": false}',
                  "--stack", str(stack))
    assert report.stdout.startswith("# Phoenix: system status")  # nothing is lost: the rest is named
    assert "(also in the result: at, at_unix, duration_ms, summary, components" in report.stderr


def test_markdown_tables_are_aligned_for_a_terminal():
    from scripts.tooling.terminal import for_terminal

    text = for_terminal({"markdown": "## T\n\n| | Name | Status |\n|---|---|---|\n| 🟢 | n8n | up |\n"
                                     "| 🔴 | Ollama \\| local | down |\n\n```\n| kept as written\n```"})
    assert text.splitlines() == ["## T", "", "    Name            Status", "--  --------------  ------",
                                 "🟢  n8n             up", "🔴  Ollama | local  down", "", "```",
                                 "| kept as written", "```"]
    assert for_terminal({"answer": "a\nb"}) == '{\n  "answer": "a\\nb"\n}'  # anything else: pretty JSON


def test_a_failed_job_exits_1_and_still_shows_its_result(tmp_path):
    archive = tmp_path / "phoenix-backup-someday.tar.gz"
    archive.write_bytes(b"not an archive")
    stack = tmp_path / "stack.yaml"
    stack.write_text(yaml.safe_dump({"root": str(tmp_path), "state_dir": str(tmp_path / "state")}))
    done = _run("f/phoenix/backup/verify", "--args", json.dumps({"archive": str(archive)}), "--stack", str(stack))
    assert done.returncode == 1
    assert "job failed: f/phoenix/backup/verify failed: checksum file" in done.stderr
    assert json.loads(done.stdout)["ok"] is False and "Traceback" not in done.stderr


def test_a_router_with_no_model_at_all_fails_with_each_reason(tmp_path):
    stack = tmp_path / "stack.yaml"
    stack.write_text(yaml.safe_dump({"root": str(tmp_path), "state_dir": str(tmp_path / "state"),
                                     "models": {"embedded": {"path": str(tmp_path / "gone.gguf")}},
                                     "services": {"ollama": {"url": "http://127.0.0.1:9"}}}))
    done = _run("f/phoenix/router", "--args", '{"prompt": "hi"}', "--stack", str(stack))
    assert done.returncode == 1 and "job failed: AllBackendsFailed: no backend could answer" in done.stderr
    assert "embedded" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("args, message", [
    ('{"prompt": 5}', "prompt must be text, got a number"),
    ('{"prompt": "hi", "max_tokens": "many"}', "max_tokens must be a whole number, got text"),
    ('{"prompt": "hi", "task_type": "cooking"}', "task_type must be one of: auto, reasoning, coding"),
    ('{"prompt": "hi", "stream": "yes"}', "stream must be true or false, got text"),
])
def test_an_argument_of_the_wrong_type_says_its_type(args, message, stack_file):
    done = _run("f/phoenix/router", "--args", args, "--stack", str(stack_file))
    assert done.returncode == 2 and message in done.stderr and "empty" not in done.stderr


def test_no_path_is_a_usage_error():
    done = _run()
    assert done.returncode == 2 and "--list" in done.stderr
