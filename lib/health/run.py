"""One health run: probe everything, damp flaps, alert on changes, publish the result.

What a run leaves behind, in the store (``open_store(stack.state_dir)``):
- ``health/state``: per component, the confirmed status, since when, and the
  candidate being confirmed (flap damping);
- ``health/last``: the last full report, which the dashboard script renders;
- ``health/history``: one compact record per run, the newest ``history_runs``;
- ``health/alert_outbox``: alerts not delivered yet;
- ``health/backends``: ``{backend: {"up", "at", "detail"}}``, the router's view
  of which model sources are healthy;
and the dashboard in the operator's ``docs/system-status.md``, written through
the guard (``lib/preserve.py``): inside ``.roo/`` or ``omas/`` only after a
verified backup, never outside the root.

A state that cannot be saved (read-only or full ``state_dir``, a folder where
a state file goes, a refused ``state_dir`` setting) does not end the run: the
report and the dashboard are still made and say what could not be saved and
why (``problems``); so does a dashboard file that could not be written.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

from ..errors import ConfigError, InputError, PhoenixError, StorageError, os_reason
from ..preserve import resolve_target, write_file
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
    store = StateKeeper(stack)

    events: list[dict] = []

    def observe(state):
        updated, new_events = apply_findings(state or {}, findings, stack.health.flap_threshold, now)
        events[:] = new_events  # a failed save runs this again on the state as read
        return updated

    state = store.update(STATE_KEY, observe, default={})
    store.update(HISTORY_KEY, lambda runs: append_run(runs, findings, now, duration_ms,
                                                               stack.health.history_runs), default=[])
    store.put(BACKENDS_KEY, backends_view(stack, state, now))
    report = build_report(findings, state, events, now, duration_ms)
    report["alerts"] = _alert(stack, store, events, send_alerts)
    report["problems"] = store.problems  # the same list: what fails below is added to it
    title = stack.name.capitalize()
    report["markdown"] = render_dashboard(report, title)
    report["dashboard_file"] = write_dashboard_file(stack, report["markdown"]) if write_dashboard else None
    if (report["dashboard_file"] or "").startswith("not written: "):
        store.problems.append(f"dashboard file {report['dashboard_file']}")
        report["markdown"] = render_dashboard(report, title)
    shown = len(store.problems)
    store.put(LAST_KEY, report)
    if len(store.problems) > shown:  # this report could not be kept: at least its answer says so
        report["markdown"] = render_dashboard(report, title)
    return report


class StateKeeper:
    """The store as a health run uses it: a state that cannot be saved is a problem to report,
    not the end of the run (the dashboard is what the operator looks at when things go wrong)."""

    def __init__(self, stack):
        self.problems: list[str] = []
        try:
            self.store = open_store(stack.state_dir)
        except ConfigError as exc:  # a refused state_dir setting: nothing can be kept
            self.store = None
            self._failed(exc)

    def get(self, key: str, default):
        return default if self.store is None else self.store.get(key, default)

    def update(self, key: str, change, default):
        if self.store is not None:
            try:
                return self.store.update(key, change, default)
            except (StorageError, ConfigError) as exc:
                self._failed(exc)
        return change(self.get(key, default))

    def put(self, key: str, value) -> None:
        if self.store is not None:
            try:
                self.store.put(key, value)
            except (StorageError, ConfigError) as exc:
                self._failed(exc)

    def _failed(self, exc: PhoenixError) -> None:
        problem = f"state not saved: {exc}"
        if problem not in self.problems:
            self.problems.append(problem)


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


def _alert(stack, store, events: list[dict], send: bool) -> dict:
    """Deliver (or, with ``send`` off, only count) the alerts; the summary says what still waits
    and since when."""
    url, token_env = stack.alerts.url, stack.alerts.token_env
    stored = store.get(OUTBOX_KEY, [])
    stored = stored if isinstance(stored, list) else []
    if not send:
        return {"sent": 0, "skipped": True, "pending": len(stored), "waiting_since": _oldest(stored),
                "target": None, "errors": [], "dropped": 0}
    outbox = stored + events if url else events
    waiting, summary = deliver(outbox, url, token_env, stack.name)
    store.put(OUTBOX_KEY, waiting)
    return {**summary, "waiting_since": _oldest(waiting)}


def _oldest(outbox: list) -> float | None:
    times = [e["at"] for e in outbox if isinstance(e, dict) and isinstance(e.get("at"), (int, float))]
    return min(times) if times else None


def write_dashboard_file(stack, markdown: str) -> str | None:
    """Write the dashboard into the operator's folder through the guard: its path,
    "not written: <why>", or None when there is no such folder.

    ``health.dashboard_file`` is relative to the root (or absolute inside it);
    in ``.roo/`` or ``omas/`` a verified backup is taken first, and a failed
    backup leaves the file as it was.
    """
    relative = stack.health.dashboard_file
    if not relative or not stack.root.is_dir():
        return None
    try:
        target = resolve_target(stack, relative)
        if target.is_dir():  # the write would fail after the probes, alerts and state were done
            return f"not written: {target} is a folder"
        return write_file(stack, target, markdown + "\n")["written"]
    except PhoenixError as exc:  # refused: outside the root, or no verified backup
        return f"not written: {exc}"
    except OSError as exc:  # a read-only or full disk: name the dashboard, not the temporary beside it
        return f"not written: {stack.under_root(relative)}: {os_reason(exc)}"


def last_dashboard(stack) -> str:
    """The dashboard of the last run, without probing anything."""
    report = StateKeeper(stack).get(LAST_KEY, None)
    if not report:
        return f"# {stack.name.capitalize()}: system status\n\n_No health run yet: run f/phoenix/health/check._"
    return report["markdown"]


def _iso(unix: float) -> str:
    return datetime.fromtimestamp(unix, timezone.utc).isoformat(timespec="seconds")
