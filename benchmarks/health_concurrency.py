#!/usr/bin/env python3
"""Health run time with ten probes, one of whose targets never answers.

Ten real probes (the n8n, Windmill and Ollama checks) against loopback
servers: nine answer after a realistic delay, one accepts the connection and
never answers. Run concurrently (as ``run_probes`` does), the whole run should
take about one per-probe deadline; run one after another it takes the sum.

    python scripts/bench.py health_concurrency [--deadline 2.0] [--delay 0.3] [--hung 1]
"""

from __future__ import annotations

import argparse
import sys
import time
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

from lib.health import services  # noqa: E402
from lib.health.probes import Probe, run_probes  # noqa: E402
from tests.health.stand_ins import HungServer  # noqa: E402
from tests.support.canned_http import CannedHttp  # noqa: E402


def build_probes(up_urls: list[tuple[str, str]], hung_url: str, hung: int, deadline: float) -> list[Probe]:
    checks = {"n8n": services.check_n8n, "windmill": services.check_windmill,
              "ollama": lambda url, timeout: services.check_ollama(url, ["llama3:8b"], timeout)}
    probes = [Probe(f"{kind}-{i}", "services", kind, partial(checks[kind], url), deadline)
              for i, (kind, url) in enumerate(up_urls)]
    probes += [Probe(f"hung-{i}", "services", "never answers", partial(services.check_windmill, hung_url), deadline)
               for i in range(hung)]
    return probes


def run_sequentially(probes: list[Probe]) -> float:
    began = time.monotonic()
    for probe in probes:
        run_probes([probe])
    return time.monotonic() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deadline", type=float, default=2.0, help="per-probe deadline in seconds")
    parser.add_argument("--delay", type=float, default=0.3, help="answer delay of the working servers")
    parser.add_argument("--hung", type=int, default=1, choices=range(1, 11), help="how many of the ten never answer")
    args = parser.parse_args()
    d = args.delay
    routes = {"/healthz": (200, {}, d / 2), "/healthz/readiness": (200, {}, d / 2),
              "/api/version": (200, {"version": "0.6.3"}, d / 2),
              "/api/tags": (200, {"models": [{"name": "llama3:8b"}]}, d / 2)}
    kinds = (["n8n", "windmill", "ollama"] * 4)[:10 - args.hung]
    servers = [CannedHttp(routes) for _ in kinds]
    with HungServer() as hung:
        for server in servers:
            server.__enter__()
        try:
            probes = build_probes([(k, s.url) for k, s in zip(kinds, servers)], hung.url, args.hung, args.deadline)
            began = time.monotonic()
            findings = run_probes(probes)
            concurrent = time.monotonic() - began
            sequential = run_sequentially(probes)
        finally:
            for server in servers:
                server.__exit__(None, None, None)
    statuses = {f.status for f in findings if not f.component.startswith("hung")}
    hung_finding = findings[-1]
    latency_sum = sum(f.latency_ms for f in findings) / 1000
    print(f"probes: {len(probes)} ({len(kinds)} answer after ~{d:.2f} s, {args.hung} never answer)")
    print(f"statuses: working={sorted(statuses)} hung={hung_finding.status} ({hung_finding.detail})")
    print(f"per-probe deadline:          {args.deadline:7.3f} s")
    print(f"concurrent run, wall time:   {concurrent:7.3f} s  ({concurrent / args.deadline:.2f} x the deadline)")
    print(f"sum of the probes' own times:{latency_sum:7.3f} s")
    print(f"sequential run, wall time:   {sequential:7.3f} s  ({sequential / concurrent:.2f} x the concurrent run)")
    print(f"sum of deadlines (worst):    {args.deadline * len(probes):7.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
