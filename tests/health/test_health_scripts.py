"""The Windmill scripts and the 5-minute schedule, run the way a worker runs them (main() with a stack value)."""

from __future__ import annotations

import inspect
from pathlib import Path

import yaml

from f.phoenix.health import check, dashboard

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
