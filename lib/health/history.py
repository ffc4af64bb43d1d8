"""History with flap damping: a component's status changes only after N agreeing results.

The state keeps, per component, the *confirmed* status and since when, plus a
*candidate* status and how many consecutive runs reported it. A raw result
that differs from the confirmed status becomes (or extends) the candidate;
when the candidate has been seen ``threshold`` times in a row it becomes the
confirmed status and one event is emitted. A raw result equal to the confirmed
status clears the candidate, so a target that flaps up/down/up never changes
status with a threshold of 2 or more.

The first observation of a component sets its baseline without an event: a
fresh install should not page the operator once per component.

Everything here is pure (state in, state and events out); ``run.py`` keeps it
in the store.
"""

from __future__ import annotations

from .probes import Finding


def apply_findings(state: dict, findings: list[Finding], threshold: int, now: float) -> tuple[dict, list[dict]]:
    """Return the new state and the confirmed changes this run caused."""
    updated, events = {}, []
    for finding in findings:
        entry, event = _observe(state.get(finding.component), finding, threshold, now)
        updated[finding.component] = entry
        if event:
            events.append(event)
    return updated, events  # components no longer probed are dropped


def _observe(entry: dict | None, finding: Finding, threshold: int, now: float) -> tuple[dict, dict | None]:
    raw = finding.status
    if entry is None:
        entry = {"status": raw, "since": now, "candidate": None, "streak": 0}
    else:
        entry = dict(entry)
    event = None
    if raw == entry["status"]:
        entry["candidate"], entry["streak"] = None, 0
    else:
        entry["streak"] = entry["streak"] + 1 if raw == entry["candidate"] else 1
        entry["candidate"] = raw
        if entry["streak"] >= threshold:
            event = _event(finding, entry["status"], now)
            entry.update(status=raw, since=now, candidate=None, streak=0)
    entry.update(raw=raw, detail=finding.detail, latency_ms=finding.latency_ms,
                 label=finding.label, group=finding.group, checked_at=now)
    return entry, event


def _event(finding: Finding, previous: str, now: float) -> dict:
    return {"component": finding.component, "label": finding.label, "from": previous,
            "to": finding.status, "kind": "recovery" if finding.status == "up" else "change",
            "detail": finding.detail, "at": now}


def append_run(history: list | None, findings: list[Finding], now: float, duration_ms: float,
               keep: int) -> list:
    """Add one compact run record, keeping only the newest ``keep``."""
    record = {"at": now, "duration_ms": duration_ms,
              "statuses": {f.component: f.status for f in findings}}
    return (list(history or []) + [record])[-keep:]
