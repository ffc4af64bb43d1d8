"""Every benchmark starts as the README runs it, `python benchmarks/<name>.py`, from any folder.

A benchmark is an entry point: it puts the repository root on sys.path and
imports Phoenix (and its sibling helpers, ``benchmarks._loopback``) from there.
``--help`` stops before any work, so this costs a Python start each.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BENCHMARKS = sorted(path.name for path in (REPO / "benchmarks").glob("*.py") if not path.name.startswith("_"))


def test_there_are_benchmarks_to_start():
    assert "router_vs_bare.py" in BENCHMARKS and len(BENCHMARKS) >= 10


@pytest.mark.parametrize("name", BENCHMARKS)
def test_a_benchmark_starts_from_another_folder(name, tmp_path):
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    run = subprocess.run([sys.executable, str(REPO / "benchmarks" / name), "--help"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120, env=environment)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "usage:" in run.stdout
