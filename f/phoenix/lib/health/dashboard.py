# GENERATED from lib/health/dashboard.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
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
)


def render_dashboard(report: dict, title: str = "Phoenix") -> str:
    lines = [f"# {title}: system status", "", _headline(report), ""]
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
    return "\n".join(lines)


def _headline(report: dict) -> str:
    counts = report["summary"]
    tally = " · ".join(f"{ICONS[s]} {counts.get(s, 0)} {s}" for s in ("up", "degraded", "down", "unknown", "absent"))
    return (f"_Last check: {_when(report['at_unix'])} · {len(report['components'])} probes in "
            f"{report['duration_ms'] / 1000:.2f} s · {tally}_")


def _row(component: dict, now: float) -> str:
    status = component["status"]
    if component["raw_status"] != status:
        status += f" (now {component['raw_status']}, confirming)"
    since = f"{_when(component['since_unix'])} ({_age(now - component['since_unix'])})"
    cells = [ICONS.get(component["status"], ""), component["label"], status,
             f"{component['latency_ms']:.0f} ms", since, component["detail"]]
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _when(unix: float) -> str:
    return datetime.fromtimestamp(unix, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _age(seconds: float) -> str:
    seconds = max(0, int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m" if minutes else "just now"
