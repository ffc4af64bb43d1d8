"""The model benchmark: every available model on the same prompts, the rest listed with why."""

import json
import subprocess
import sys

import pytest
import yaml

from lib.errors import InputError
from lib.models.benchmark import benchmark_models
from tests.conftest import REPO


def _by_model(report):
    return {(row["backend"], row["model"]): row for row in report["models"]}


def test_every_available_model_is_measured_and_the_rest_say_why(full_stack, ollama):
    full_stack["models"]["ollama"]["complex"] = ["mixtral:8x7b", "zamba2-7b-instruct"]
    seen = []
    report = benchmark_models(full_stack, runs=2, max_tokens=12,
                              progress=lambda message, fraction: seen.append((message, fraction)))
    rows = _by_model(report)
    measured = [row for row in report["models"] if row["status"] == "ok"]
    assert {row["backend"] for row in measured} == {"ollama", "hf_gguf", "openai:llamacpp", "embedded"}
    for row in measured:
        assert row["tokens"] > 0 and row["tokens_per_s"] > 0 and row["median_s"] > 0
        assert isinstance(row["json_ok"], bool)
    assert rows[("embedded", "SmolLM2-135M-Instruct")]["json_ok"] is True  # llama.cpp grammar
    phoenixcore = rows[("phoenixcore", "PhoenixCore")]
    assert phoenixcore["status"] == "unavailable" and "model file not found" in phoenixcore["note"]
    assert [m for (_, m), row in rows.items() if row["note"] == "not on this backend"] == ["zamba2-7b-instruct"]
    chats = [r for r in ollama.requests if r["path"] == "/api/chat"]
    assert len(chats) == 4 * 3  # four Ollama models there, two runs and one JSON request each
    fractions = [fraction for _, fraction in seen]
    assert fractions[0] == 0 and fractions[-1] == 1 and fractions == sorted(fractions)
    assert len(set(fractions)) == len(measured) * 3 + 1  # 0, then each of two runs and the JSON request, per model
    assert report["fastest"] in {f"{r['backend']}:{r['model']}" for r in measured}
    assert report["markdown"].count("\n") == len(report["models"]) + 1


def test_a_dead_backend_is_listed_and_the_others_still_measured(full_stack, ollama, closed_port):
    full_stack["services"]["ollama"]["url"] = f"http://127.0.0.1:{closed_port}"
    report = benchmark_models(full_stack, runs=1, max_tokens=8, backends=["ollama", "embedded"],
                              progress=lambda *_: None)
    statuses = {(row["backend"], row["status"]) for row in report["models"]}
    assert statuses == {("ollama", "unavailable"), ("embedded", "ok")}
    assert all("nothing answers" in row["note"] for row in report["models"] if row["backend"] == "ollama")


def test_a_failure_during_the_run_is_recorded_not_raised(tiny_stack, tmp_path):
    report = benchmark_models(tiny_stack, runs=1, max_tokens=8, backends=["embedded"], progress=lambda *_: None)
    assert report["models"][0]["status"] == "ok"
    tiny_stack["routing"]["attempt_timeout_s"] = 0.001
    report = benchmark_models(tiny_stack, runs=1, max_tokens=4000, timeout_s=0.001, backends=["embedded"],
                              progress=lambda *_: None)
    assert report["models"][0]["status"] == "hung"


@pytest.mark.parametrize("runs", [0, 11])
def test_runs_out_of_range_is_a_clear_error(tiny_stack, runs):
    with pytest.raises(InputError, match="out of range"):
        benchmark_models(tiny_stack, runs=runs)


def test_the_windmill_script_runs_locally(tiny_stack, tmp_path):
    stack_file = tmp_path / "stack.yaml"
    stack_file.write_text(yaml.safe_dump(tiny_stack))
    done = subprocess.run([sys.executable, str(REPO / "scripts" / "run.py"), "f/phoenix/models/benchmark",
                           "--args", '{"runs": 1, "max_tokens": 8, "backends": ["embedded"]}',
                           "--stack", str(stack_file), "--json"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["models"][0]["backend"] == "embedded" and report["models"][0]["status"] == "ok"
    assert "benchmarking embedded" in done.stderr  # progress goes to stderr, JSON stays clean
    assert "[100%] embedded:SmolLM2-135M-Instruct: structured request done" in done.stderr


def test_progress_moves_after_every_run_even_with_one_model(tiny_stack):
    seen = []
    benchmark_models(tiny_stack, runs=3, max_tokens=4, backends=["embedded"],
                     progress=lambda message, fraction: seen.append((message, fraction)))
    assert [round(f, 2) for _, f in seen] == [0, 0, 0.25, 0.5, 0.75, 1.0]  # it sat at 0 % until the end
    assert seen[2][0].startswith("embedded:SmolLM2-135M-Instruct: run 1/3 done")


def test_a_model_failing_half_way_still_moves_the_bar_to_its_end(tiny_stack, monkeypatch):
    from lib.backends.llama_local import LocalGGUF
    from lib.errors import BackendHung

    monkeypatch.setattr(LocalGGUF, "complete", lambda self, *a: (_ for _ in ()).throw(BackendHung("embedded", "x")))
    seen = []
    benchmark_models(tiny_stack, runs=2, max_tokens=4, backends=["embedded"],
                     progress=lambda message, fraction: seen.append((message, fraction)))
    assert seen[-1] == ("embedded:SmolLM2-135M-Instruct: hung", 1.0)


def test_the_script_fails_when_no_model_could_be_measured_and_the_terminal_shows_the_table(tiny_stack, tmp_path,
                                                                                           capsys):
    from f.phoenix.lib.errors import JobFailed
    from f.phoenix.models.benchmark import main
    from scripts import run as run_cli

    with pytest.raises(JobFailed, match="no model could be measured .ollama:llama3:8b unavailable: ") as failed:
        main(runs=1, backends=["ollama"], stack=tiny_stack)  # Ollama is a closed port here
    assert failed.value.result["models"] and failed.value.result["fastest"] is None
    stack_file = tmp_path / "stack.yaml"
    stack_file.write_text(yaml.safe_dump(tiny_stack))
    code = run_cli.main(["f/phoenix/models/benchmark", "--args", '{"runs": 1, "backends": ["ollama"]}',
                         "--stack", str(stack_file)])
    out, err = capsys.readouterr()
    assert code == 1 and "job failed: f/phoenix/models/benchmark failed: no model could be measured" in err
    assert out.splitlines()[0].split() == ["backend", "model", "status", "median", "s", "tokens", "tokens/s",
                                           "JSON", "note"]  # the markdown table, aligned


def test_a_prompt_that_is_not_text_says_its_type(tiny_stack):
    from f.phoenix.lib.errors import InputError as ScriptInputError
    from f.phoenix.models.benchmark import main

    with pytest.raises(ScriptInputError, match="prompt must be text, got a number"):
        main(prompt=5, stack=tiny_stack)
    with pytest.raises(InputError, match="prompt must be text, got a list"):
        benchmark_models(tiny_stack, prompt=["x"])


@pytest.mark.parametrize("arguments, message", [
    ({"runs": "two"}, "runs='two'"),
    ({"runs": True}, "runs=True"),
    ({"max_tokens": 0}, "max_tokens=0"),
    ({"max_tokens": -1}, "max_tokens=-1"),
    ({"max_tokens": "many"}, "max_tokens='many'"),
    ({"backends": ["nonsense"]}, "unknown backend(s) nonsense"),
    ({"backends": "ollama"}, "backends must be a list"),
])
def test_bad_arguments_are_refused_before_any_model_runs(tiny_stack, arguments, message):
    with pytest.raises(InputError) as caught:
        benchmark_models(tiny_stack, **arguments)
    assert message in str(caught.value)


def test_a_client_library_bug_in_one_model_is_recorded_not_raised(tiny_stack, monkeypatch):
    # the router treats an exception a backend did not map as outcome "error" and goes on;
    # the benchmark let it end the whole run, losing every other model's row
    from lib.backends.llama_local import LocalGGUF

    def broken(self, request, model, deadline):
        raise TypeError("'NoneType' object is not subscriptable")

    monkeypatch.setattr(LocalGGUF, "complete", broken)
    report = benchmark_models(tiny_stack, runs=1, max_tokens=8, backends=["embedded"], progress=lambda *_: None)
    row = report["models"][0]
    assert row["status"] == "error" and "unexpected TypeError" in row["note"]
    assert report["fastest"] is None and "| error |" in report["markdown"]
