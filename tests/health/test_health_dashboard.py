"""The dashboard's markdown: sections, response times, since-when, pending confirmations."""

from __future__ import annotations

from lib.health.dashboard import render_dashboard

NOW = 1_800_000_000.0


def _component(component, group, label, status, raw=None, since=NOW, detail="ok", latency=12.4):
    return {"component": component, "group": group, "label": label, "status": status,
            "raw_status": raw or status, "since_unix": since, "detail": detail, "latency_ms": latency}


def _report(components, events=()):
    summary = {s: sum(1 for c in components if c["status"] == s) for s in ("up", "degraded", "down", "unknown")}
    return {"at_unix": NOW, "duration_ms": 3012.0, "summary": summary, "components": components,
            "events": list(events)}


def test_sections_rows_and_headline():
    text = render_dashboard(_report([
        _component("folder:.roo", "core", "Roo Code (.roo/)", "up", since=NOW - 2 * 3600 - 5 * 60),
        _component("service:n8n", "services", "n8n", "down", detail="refused", latency=2999.6),
        _component("container:n8n", "containers", "container n8n", "unknown"),
        _component("integration:router", "integrations", "Model router answers", "degraded"),
    ]), "Phoenix")
    assert text.startswith("# Phoenix: system status\n")
    assert "4 probes in 3.01 s · 🟢 1 up · 🟡 1 degraded · 🔴 1 down · ⚪ 1 unknown" in text
    assert "| 🟢 | Roo Code (.roo/) | up | 12 ms | 2027-01-15 05:55 UTC (2h 5m) | ok |" in text
    assert "| 🔴 | n8n | down | 3000 ms |" in text
    assert text.index("## Hybrid services") < text.index("container n8n") < text.index("## Integrations")
    assert "## Model backends" not in text  # no rows, no empty section


def test_a_status_being_confirmed_is_shown_as_pending():
    text = render_dashboard(_report([_component("service:n8n", "services", "n8n", "up", raw="down")]))
    assert "| 🟢 | n8n | up (now down, confirming) |" in text


def test_details_cannot_break_the_table_and_changes_are_listed():
    event = {"label": "n8n", "from": "up", "to": "down"}
    text = render_dashboard(_report([_component("service:n8n", "services", "n8n", "down",
                                                detail="a | b\nc")], [event]))
    assert "| a \\| b c |" in text
    assert "## Changes in this run\n\n- 🔴 n8n: up → down" in text
