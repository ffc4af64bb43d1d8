#!/usr/bin/env python3
"""What the typed stack costs a job: importing ``lib.stack`` and loading a stack.

Every Windmill job is a new process that imports the stack module (pydantic and
the stack's models are built then) and loads one stack. Times, as medians:
  - importing ``lib.stack`` and loading a first stack in a fresh process (pydantic
    imported, the stack's validator built): what a job pays before its work;
  - ``load_stack`` in process: the defaults, a full resource value (every key
    written) and the same document as YAML text;
  - refusing a malformed document (the error wording walks the schema).

Usage: python scripts/bench.py stack_load [--processes 7] [--loads 200]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

import yaml  # noqa: E402

from lib.errors import ConfigError  # noqa: E402
from lib.stack import Stack, load_stack  # noqa: E402

#: what a job pays before its work: the import, then the first load (which builds the stack's validator)
FIRST_LOAD = ("import time; t = time.perf_counter(); from lib.stack import load_stack; "
              "load_stack({'routing': {'priority': 'speed'}}); print(time.perf_counter() - t)")


def fresh_process_ms(code: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
        times.append(float(done.stdout.strip()))
    return statistics.median(times) * 1000


def median_ms(call, runs: int) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000


def refused(document: dict) -> None:
    try:
        load_stack(document)
    except ConfigError:
        return
    raise AssertionError("the malformed document loaded")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--processes", type=int, default=7)
    parser.add_argument("--loads", type=int, default=200)
    options = parser.parse_args()
    full = Stack().model_dump()
    text = yaml.safe_dump(full)
    bad = {**full, "routing": {**full["routing"], "max_tokens": "many"}, "zzz": 1}
    print(f"import + first load, fresh process     {fresh_process_ms(FIRST_LOAD, options.processes):8.1f} ms")
    print(f"load_stack(None), later loads          {median_ms(lambda: load_stack(None), options.loads):8.3f} ms")
    print(f"load_stack(full resource value)        {median_ms(lambda: load_stack(full), options.loads):8.3f} ms")
    print(f"load_stack(full document as YAML text) {median_ms(lambda: load_stack(text), options.loads):8.3f} ms")
    print(f"refusing a malformed document          {median_ms(lambda: refused(bad), options.loads):8.3f} ms")


if __name__ == "__main__":
    main()
