#!/usr/bin/env python3
"""How long `deploy.py check` takes on a big package, and what batching buys.

Builds a throw-away package of N flows (each with an inline Python step and a
script step), N/4 scripts and N/4 schedules, then times:
  - the official validator over all flows in ONE node process vs one process per flow
    (on a sample, extrapolated),
  - schema inference for all scripts in one process,
  - the whole `check` (wmill lint included).

Usage: python scripts/bench.py deploy_check [--flows 400]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from scripts.tooling import check, metadata, windmill_tools
from tests.deploy.sample_package import FLOW, HELLO, SCHEDULE, STEP_A, build_package, write, write_yaml


def build_big_package(root: Path, flows: int) -> None:
    build_package(root)
    for i in range(flows // 4):
        write(root, f"f/phoenix/bench/hello_{i}.py", HELLO)
        write_yaml(root, f"f/phoenix/bench/hello_{i}_hourly.schedule.yaml",
                   {**SCHEDULE, "script_path": f"f/phoenix/bench/hello_{i}"})
    for i in range(flows):
        flow = {**FLOW, "value": {"modules": [dict(m) for m in FLOW["value"]["modules"]]}}
        flow["value"]["modules"][1] = {**flow["value"]["modules"][1], "value": {
            **flow["value"]["modules"][1]["value"], "path": f"f/phoenix/bench/hello_{i % max(1, flows // 4)}"}}
        write(root, f"f/phoenix/bench/flow_{i}__flow/a.py", STEP_A)
        write_yaml(root, f"f/phoenix/bench/flow_{i}__flow/flow.yaml", flow)
    metadata.refresh_metadata(root)


def timed(label: str, fn):
    start = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - start
    print(f"{label:<58} {elapsed:8.2f} s")
    return result, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flows", type=int, default=400)
    args = parser.parse_args()
    windmill_tools.ensure_npm_tools()
    with tempfile.TemporaryDirectory(prefix="phoenix-bench-") as tmp:
        root = Path(tmp)
        _, build_s = timed(f"build package ({args.flows} flows, {args.flows // 4} scripts)",
                           lambda: build_big_package(root, args.flows))
        import yaml
        documents = [(p.relative_to(root).as_posix(), yaml.safe_load(p.read_text()))
                     for p in sorted(root.glob("f/**/flow.yaml"))]
        _, batch_s = timed(f"validator, {len(documents)} flows in one node process",
                           lambda: windmill_tools.validate_documents(documents))
        sample = documents[:10]
        _, single_s = timed("validator, 10 flows one node process each",
                            lambda: [windmill_tools.validate_documents([d]) for d in sample])
        per_flow = single_s / len(sample)
        print(f"{'  extrapolated one-process-per-flow for all flows':<58} {per_flow * len(documents):8.2f} s"
              f"   (batch is {per_flow * len(documents) / batch_s:.0f}x faster)")
        scripts = metadata.script_files(root)
        timed(f"schema inference, {len(scripts)} scripts in one node process",
              lambda: metadata.expected_schemas(root, scripts))
        problems, check_s = timed("whole check (lint, validators, parser, own checks)",
                                  lambda: check.check_tree(root))
        print(f"problems found: {len(problems)} (expected 0)")
        for problem in problems[:5]:
            print(f"  {problem}")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
