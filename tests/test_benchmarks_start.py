"""Every benchmark starts as the README runs it, `python scripts/bench.py <name>`, from any folder.

A benchmark is a module of the repository: ``scripts/bench.py`` puts the root
on sys.path and runs it, and it imports Phoenix (and its sibling helpers,
``benchmarks._loopback``) from there. ``--help`` stops before any work, so
this costs a Python start each.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "scripts" / "bench.py"
BENCHMARKS = sorted(path.stem for path in (REPO / "benchmarks").glob("*.py") if not path.name.startswith("_"))


def bench(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    return subprocess.run([sys.executable, str(BENCH), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env=environment)


@pytest.mark.parametrize("name", BENCHMARKS)
def test_a_benchmark_starts_from_another_folder(name, tmp_path):
    run = bench(name, "--help", cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    assert f"usage: {name}.py" in run.stdout


def test_the_runner_lists_the_benchmarks_and_refuses_an_unknown_one(tmp_path):
    listed = bench(cwd=tmp_path)
    assert listed.returncode == 0 and "router_vs_bare" in listed.stdout and len(BENCHMARKS) >= 10
    assert all(f"  {name}\n" in listed.stdout + "\n" for name in BENCHMARKS)
    unknown = bench("router_vs_nothing", cwd=tmp_path)
    assert unknown.returncode == 2 and "no benchmark named 'router_vs_nothing'" in unknown.stderr


def test_the_options_reach_the_benchmark(tmp_path):
    run = bench("router_vs_bare.py", "--runs", "not-a-number", cwd=tmp_path)  # the file name works too
    assert run.returncode == 2 and "--runs: invalid int value: 'not-a-number'" in run.stderr
