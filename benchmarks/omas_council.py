#!/usr/bin/env python3
"""Wall time of the OMAS council flow on the embedded model, step by step, vs one router call.

  python scripts/bench.py omas_council                      # 1 run, 3 proposals
  python scripts/bench.py omas_council --runs 3 --proposals 2 --model-veto off

Each run executes f/phoenix/omas/council through the local flow runner
(approval auto-approved) in a fresh operator folder and state directory, so
no circuit breaker carries over between runs. PhoenixCore is absent and
Ollama refused, as on a machine with nothing installed: the embedded model
does every step. ``--model-veto off`` writes omas/agents/thanatos.yaml with
``model_veto: false`` (the embedded 135M model vetoes nearly everything, so
DemiGod's own model call only happens with it off). The single call is one
``route(mode="orchestrator")`` for the same task: the ratio says what the
council costs over asking one model once.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lib.router.core import route
from scripts.tooling.flow_runner import run_flow

TASK = ("Add a Windmill flow that checks every 5 minutes that the n8n workflows are still active, "
        "without touching .roo/")


def one_council(proposals: int, model_veto: bool) -> tuple[float, list, dict]:
    with tempfile.TemporaryDirectory(prefix="phoenix-council-bench-") as folder:
        root = Path(folder) / "BooPhoenix"
        (root / "omas" / "agents").mkdir(parents=True)
        if not model_veto:
            (root / "omas" / "agents" / "thanatos.yaml").write_text("model_veto: false\n")
        stack = {"root": str(root), "state_dir": str(Path(folder) / "state"),
                 "services": {"ollama": {"url": "http://127.0.0.1:9"}}}
        started = time.perf_counter()
        run = run_flow("f/phoenix/omas/council", {"task": TASK, "proposals": proposals},
                       {"resource_types": {"c_phoenix_stack": stack}}, auto_approve=True)
        seconds = time.perf_counter() - started
    if run.status != "success":
        raise SystemExit(f"council run ended {run.status}: {run.error or run.result}")
    return seconds, run.log, run.result


def one_call() -> float:
    with tempfile.TemporaryDirectory(prefix="phoenix-call-bench-") as folder:
        stack = {"root": str(Path(folder) / "BooPhoenix"), "state_dir": str(Path(folder) / "state"),
                 "services": {"ollama": {"url": "http://127.0.0.1:9"}}}
        started = time.perf_counter()
        route(TASK, stack, mode="orchestrator")
        return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--proposals", type=int, default=3)
    parser.add_argument("--model-veto", choices=["on", "off"], default="on")
    options = parser.parse_args(argv)
    one_call()  # load the model once so neither side pays the first load
    councils, calls = [], []
    for index in range(options.runs):
        seconds, log, result = one_council(options.proposals, options.model_veto == "on")
        councils.append(seconds)
        calls.append(one_call())
        steps = ", ".join(f"{s['id']} {s['seconds']:.1f}s" for s in log if "/" not in s["id"] and s["seconds"])
        print(f"run {index + 1}: council {seconds:.1f} s ({steps}); decision {result['decision']} "
              f"adopted {result['adopted']} risk {result['risk']}; one router call {calls[-1]:.1f} s")
    council, call = statistics.median(councils), statistics.median(calls)
    print(f"median over {options.runs} run(s): council {council:.1f} s, one call {call:.1f} s, "
          f"ratio {council / call:.1f}x ({options.proposals} proposals, model_veto {options.model_veto})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
