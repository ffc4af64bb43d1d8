"""The Windmill scripts and the 5-minute schedule, run the way a worker runs them (main() with a stack value)."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest
import yaml

from f.phoenix.lib.errors import ConfigError, InputError

from f.phoenix.health import check, dashboard
from scripts import run as run_cli

REPO = Path(__file__).resolve().parents[2]


def test_check_returns_windmill_rich_markdown_then_dashboard_shows_the_same(tiny_stack):
    before = dashboard.main(tiny_stack)
    assert "No health run yet" in before["markdown"]
    shown = check.main(stack=tiny_stack, send_alerts=False)
    assert list(shown) == ["markdown"] and "## Core components" in shown["markdown"]
    assert dashboard.main(tiny_stack) == shown


def test_check_can_return_the_full_report(tiny_stack):
    report = check.main(output="report", stack=tiny_stack, send_alerts=False, write_dashboard=False)
    assert report["dashboard_file"] is None
    assert {"components", "summary", "events", "alerts", "markdown"} <= set(report)


def test_the_schedule_runs_check_every_five_minutes_with_valid_arguments():
    schedule = yaml.safe_load((REPO / "f/phoenix/health/health_every_5m.schedule.yaml").read_text())
    assert schedule["schedule"] == "0 */5 * * * *" and schedule["timezone"] == "UTC"
    assert schedule["script_path"] == "f/phoenix/health/check" and schedule["is_flow"] is False
    assert set(schedule["args"]) <= set(inspect.signature(check.main).parameters)
    assert schedule["args"]["stack"] == "$res:f/phoenix/phoenix_stack"  # the resource deploy creates


def test_a_check_that_finds_things_down_is_a_result_not_a_failed_job(tiny_stack, tmp_path, capsys):
    # nothing runs here and most folders are missing: the check ran and its dashboard says so
    stack_file = tmp_path / "stack.yaml"
    stack_file.write_text(yaml.safe_dump(tiny_stack))
    code = run_cli.main(["f/phoenix/health/check", "--args", '{"send_alerts": false}', "--stack", str(stack_file)])
    out, _ = capsys.readouterr()
    assert code == 0
    assert out.startswith("# Phoenix: system status") and "🔴" in out  # markdown as text, not a JSON string
    assert "⚫" in out and "windmill/" in out  # seed folders the stack does not use: absent, not red
    code = run_cli.main(["f/phoenix/health/dashboard", "--json", "--stack", str(stack_file)])
    out, _ = capsys.readouterr()
    assert code == 0 and list(json.loads(out)) == ["markdown"]  # --json: the exact result


def test_a_check_that_cannot_run_fails(tiny_stack, capsys):
    broken = dict(tiny_stack, health={"flap_threshold": 0})
    with pytest.raises(ConfigError, match="health.flap_threshold"):
        check.main(stack=broken, send_alerts=False)
    assert run_cli.main(["f/phoenix/health/check", "--args", json.dumps({"stack": broken})]) == 1
    assert "job failed: ConfigError" in capsys.readouterr().err
    with pytest.raises(InputError, match="output must be one of: dashboard, report; got 'html'"):
        check.main(output="html", stack=tiny_stack)
