"""One health run: probe everything, damp flaps, alert on changes, publish the result.

What a run leaves behind, in the store (``open_store(stack.state_dir)``):
- ``health/state``: per component, the confirmed status, since when, and the
  candidate being confirmed (flap damping);
- ``health/last``: the last full report, which the dashboard script renders;
- ``health/history``: one compact record per run, the newest ``history_runs``;
- ``health/alert_outbox``: alerts not delivered yet;
- ``health/backends``: ``{backend: {"up", "at", "detail"}}``, the router's view
  of which model sources are healthy;
and the dashboard in the operator's ``docs/system-status.md``.
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from ..errors import InputError
from ..stack import Stack, load_stack
from ..store import open_store
from .alerts import deliver
from .history import append_run, apply_findings
from .catalog import backend_names, build_probes
from .dashboard import render_dashboard
from .probes import STATUSES, Finding, Probe, run_probes

STATE_KEY = "health/state"
LAST_KEY = "health/last"
HISTORY_KEY = "health/history"
OUTBOX_KEY = "health/alert_outbox"
BACKENDS_KEY = "health/backends"


def health_check(stack=None, *, output: str = "dashboard", send_alerts: bool = True,
                 write_dashboard: bool = True) -> dict:
    """The scheduled check: run, then answer Windmill rich markdown or the full report."""
    if output not in ("dashboard", "report"):
        raise InputError(f"output {output!r}: choose dashboard or report")
    report = run_health(as_stack(stack), send_alerts=send_alerts, write_dashboard=write_dashboard)
    return {"markdown": report["markdown"]} if output == "dashboard" else report


def show_dashboard(stack=None) -> dict:
    """The last run's dashboard as Windmill rich markdown, without probing."""
    return {"markdown": last_dashboard(as_stack(stack))}


def as_stack(stack) -> Stack:
    """Scripts pass a resource value (dict) or None; library callers a Stack."""
    return stack if isinstance(stack, Stack) else load_stack(stack)


def run_health(stack, *, send_alerts: bool = True, write_dashboard: bool = True,
               probes: list[Probe] | None = None) -> dict:
    """Run every probe of the stack (or the given ones) and return the report.

    The report is plain JSON: ``components`` (confirmed status, raw status,
    detail, response time, since), ``summary``, ``events`` (confirmed changes
    of this run), ``alerts`` (delivery summary), ``markdown`` (the dashboard)
    and ``dashboard_file`` (where it was written, or why not).
    """
    probes = build_probes(stack) if probes is None else probes
    began = time.monotonic()
    findings = run_probes(probes)
    duration_ms = round((time.monotonic() - began) * 1000, 1)
    now = time.time()
    store = open_store(stack.state_dir)

    events: list[dict] = []

    def observe(state):
        updated, new_events = apply_findings(state or {}, findings, stack["health"]["flap_threshold"], now)
        events.extend(new_events)
        return updated

    state = store.update(STATE_KEY, observe, default={})
    store.update(HISTORY_KEY, lambda runs: append_run(runs, findings, now, duration_ms,
                                                               stack["health"]["history_runs"]), default=[])
    store.put(BACKENDS_KEY, backends_view(stack, state, now))
    report = build_report(findings, state, events, now, duration_ms)
    report["alerts"] = _alert(stack, store, events) if send_alerts else {"sent": 0, "skipped": True}
    report["markdown"] = render_dashboard(report, stack["name"].capitalize())
    report["dashboard_file"] = write_dashboard_file(stack, report["markdown"]) if write_dashboard else None
    store.put(LAST_KEY, report)
    return report


def build_report(findings: list[Finding], state: dict, events: list[dict], now: float, duration_ms: float) -> dict:
    components = []
    for finding in findings:
        entry = state[finding.component]
        components.append({**finding.to_dict(), "raw_status": finding.status, "status": entry["status"],
                           "since_unix": entry["since"], "since": _iso(entry["since"])})
    summary = {s: sum(1 for c in components if c["status"] == s) for s in STATUSES}
    return {"at": _iso(now), "at_unix": now, "duration_ms": duration_ms, "summary": summary,
            "components": components, "events": events}


def backends_view(stack, state: dict, now: float) -> dict:
    """The router's knowledge of backend health: this run's raw findings.

    Not the flap-damped status: the router trusts a finding only for its
    breaker cool-down (seconds), so what matters there is what was true at
    ``at``; damping is for people, who should not be paged for a blip.
    """
    view = {}
    for component, backend in backend_names(stack).items():
        entry = state.get(component)
        if entry:
            # an Ollama that answers but misses some models still serves the others
            view[backend] = {"up": entry["raw"] in ("up", "degraded"), "at": now, "detail": entry["detail"]}
    return view


def _alert(stack, store, events: list[dict]) -> dict:
    url, token_env = stack["alerts"]["url"], stack["alerts"]["token_env"]
    outbox = store.get(OUTBOX_KEY, []) + events if url else events
    waiting, summary = deliver(outbox, url, token_env, stack["name"])
    store.put(OUTBOX_KEY, waiting)
    return summary


def write_dashboard_file(stack, markdown: str) -> str | None:
    """Write the dashboard into the operator's folder: its path, "not written: <why>", or
    None when there is no such folder."""
    relative = stack["health"]["dashboard_file"]
    if not relative or not stack.root.is_dir():
        return None
    target = stack.under_root(relative)
    if target.is_dir():  # os.replace would fail after the probes, alerts and state were done
        return f"not written: {target} is a folder"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"not written: {target.parent}: {exc.strerror}"
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(markdown + "\n")
        os.chmod(temporary, 0o644)  # mkstemp makes it private; the dashboard is for reading
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return str(target)


def last_dashboard(stack) -> str:
    """The dashboard of the last run, without probing anything."""
    report = open_store(stack.state_dir).get(LAST_KEY)
    if not report:
        return f"# {stack['name'].capitalize()}: system status\n\n_No health run yet: run f/phoenix/health/check._"
    return report["markdown"]


def _iso(unix: float) -> str:
    return datetime.fromtimestamp(unix, timezone.utc).isoformat(timespec="seconds")
