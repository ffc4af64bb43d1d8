# GENERATED from lib/health/probes.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""Health probes: small checks run all at once, each against its own deadline.

A probe is a named check ``(timeout_s) -> (status, detail)``. ``run_probes``
starts every probe in its own daemon thread and waits for each one only until
its deadline, so one target that never answers costs one deadline, not the
sum of them. A probe still running at its deadline is reported as its
``on_timeout`` status (``down``, or ``unknown`` for Podman, whose silence says
nothing about the containers) and its thread is abandoned: every check also
passes its timeout to its own I/O, so such threads end soon by themselves.

Statuses: ``up``, ``degraded`` (answers, but something is missing), ``down``,
``unknown`` (cannot tell from here: Podman unreachable, router not installed),
``absent`` (an optional folder that is not there: nothing is wrong).
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass
from typing import Callable

STATUSES = ("up", "degraded", "down", "unknown", "absent")
#: how long after its deadline a probe's thread may still deliver its result
GRACE_S = 0.2

Check = Callable[[float], "tuple[str, str]"]


@dataclass
class Probe:
    component: str  # stable id, e.g. "service:n8n", "folder:.roo"
    group: str      # "core", "services", "containers", "integrations", "backends"
    label: str      # what the dashboard shows
    check: Check
    timeout_s: float
    on_timeout: str = "down"


@dataclass
class Finding:
    component: str
    group: str
    label: str
    status: str
    detail: str
    latency_ms: float

    def to_dict(self) -> dict:
        return asdict(self)


def run_probes(probes: list[Probe]) -> list[Finding]:
    """Run every probe concurrently; return one finding per probe, in order."""
    results: dict[str, Finding] = {}
    started = []
    for probe in probes:
        thread = threading.Thread(target=_run_one, args=(probe, results), daemon=True,
                                  name=f"probe {probe.component}")
        begin = time.monotonic()
        thread.start()
        started.append((probe, thread, begin))
    for probe, thread, begin in started:
        thread.join(max(0.0, begin + probe.timeout_s + GRACE_S - time.monotonic()))
    finished = dict(results)  # a late thread may still write: decide on a snapshot
    return [finished.get(probe.component) or _timed_out(probe) for probe in probes]


def _run_one(probe: Probe, results: dict[str, Finding]) -> None:
    begin = time.monotonic()
    try:
        status, detail = probe.check(probe.timeout_s)
        if status not in STATUSES:
            status, detail = "unknown", f"probe returned an unknown status {status!r}"
    except Exception as exc:  # a broken probe is a finding, not a crash of the run
        status, detail = "down", f"probe failed: {type(exc).__name__}: {exc}"
    latency = round((time.monotonic() - begin) * 1000, 1)
    results[probe.component] = Finding(probe.component, probe.group, probe.label, status, detail, latency)


def _timed_out(probe: Probe) -> Finding:
    detail = f"no answer within {probe.timeout_s:g} s (hung)"
    return Finding(probe.component, probe.group, probe.label, probe.on_timeout, detail,
                   round(probe.timeout_s * 1000, 1))
