"""The seed's status dashboard as markdown: core components, hybrid services, integrations.

Rendered from a health report (see ``run.py``) so that the check script, the
dashboard script and ``docs/system-status.md`` all show the same thing. Each
row has the confirmed status, the response time of the last probe and since
when the status holds; a status still being confirmed (flap damping) is shown
as pending.
"""

from __future__ import annotations

from datetime import datetime, timezone

from .alerts import ICONS

SECTIONS = (
    ("Core components", ("core",)),
    ("Hybrid services", ("services", "containers")),
    ("Integrations", ("integrations",)),
    ("Model backends", ("backends",)),
    ("Backups", ("backups",)),
)


def render_dashboard(report: dict, title: str = "Phoenix") -> str:
    lines = [f"# {title}: system status", "", _headline(report), ""]
    if report.get("problems"):
        lines += ["## Problems of this run", ""]
        lines += [f"- ⚠️ {_line(problem)}" for problem in report["problems"]]
        if any(p.startswith("state not saved") for p in report["problems"]):
            lines.append("- The results above are this run's own: the next run will not know them "
                         "(flap damping, history, alert retries and the router's view start from the last saved state).")
        lines.append("")
    for heading, groups in SECTIONS:
        rows = [c for c in report["components"] if c["group"] in groups]
        if rows:
            lines += [f"## {heading}", "", "| | Component | Status | Response | Since | Detail |",
                      "|---|---|---|---|---|---|"]
            lines += [_row(c, report["at_unix"]) for c in rows]
            lines.append("")
    if report.get("events"):
        lines += ["## Changes in this run", ""]
        lines += [f"- {ICONS.get(e['to'], '')} {e['label']}: {e['from']} → {e['to']}" for e in report["events"]]
        lines.append("")
    lines += _alerts_section(report.get("alerts") or {}, report["at_unix"])
    return "\n".join(lines)


def _alerts_section(alerts: dict, now: float) -> list[str]:
    """Alerts that could not be delivered: how many wait, since when, and why."""
    lines = []
    if alerts.get("pending"):
        since = alerts.get("waiting_since")
        when = f", waiting since {_when(since)} ({age_text(now - since)})" if since else ""
        target = f" to {alerts['target']}" if alerts.get("target") else ""
        lines.append(f"- 🔴 {alerts['pending']} alert(s) not delivered{target}{when}")
        lines += [f"  - {_line(error)}" for error in alerts.get("errors", [])[:1]]
        if alerts.get("skipped"):
            lines.append("  - this run did not send alerts (send_alerts off)")
    if alerts.get("dropped"):
        why = "alerts.url is not set" if not alerts.get("target") else "the outbox keeps only the newest"
        lines.append(f"- ⚪ {alerts['dropped']} alert(s) dropped: {why}")
    return ["## Alerts", "", *lines, ""] if lines else []


def _line(text) -> str:
    return str(text).replace("\n", " ")


def _headline(report: dict) -> str:
    counts = report["summary"]
    tally = " · ".join(f"{ICONS[s]} {counts.get(s, 0)} {s}" for s in ("up", "degraded", "down", "unknown", "absent"))
    return (f"_Last check: {_when(report['at_unix'])} · {len(report['components'])} probes in "
            f"{report['duration_ms'] / 1000:.2f} s · {tally}_")


def _row(component: dict, now: float) -> str:
    status = component["status"]
    if component["raw_status"] != status:
        status += f" (now {component['raw_status']}, confirming)"
    since = f"{_when(component['since_unix'])} ({age_text(now - component['since_unix'])})"
    cells = [ICONS.get(component["status"], ""), component["label"], status,
             f"{component['latency_ms']:.0f} ms", since, component["detail"]]
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _when(unix: float) -> str:
    return datetime.fromtimestamp(unix, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def age_text(seconds: float) -> str:
    seconds = max(0, int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m" if minutes else "just now"
