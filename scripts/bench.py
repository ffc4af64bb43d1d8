"""Run one of the benchmarks: ``python scripts/bench.py <name> [its options]``.

The benchmarks (``benchmarks/<name>.py``) print figures and ratios; the
README's "Benchmarks" section says what each measures. Without a name, or
with ``--list``, this lists them. From the repository root,
``python -m benchmarks.<name>`` runs one too. A benchmark is a module of the
repository like any other: this entry point puts the root on ``sys.path``,
the benchmark does not.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

USAGE = "usage: python scripts/bench.py <name> [options]   (python scripts/bench.py <name> --help: its options)"


def benchmark_names() -> list[str]:
    return sorted(path.stem for path in (REPO / "benchmarks").glob("*.py") if not path.name.startswith("_"))


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("--list", "-l", "--help", "-h"):
        print(USAGE + "\n\nbenchmarks:\n" + "\n".join(f"  {name}" for name in benchmark_names()))
        return 0
    name = Path(argv[0]).name.removesuffix(".py")
    if name not in benchmark_names():
        print(f"no benchmark named {argv[0]!r}; there are: {', '.join(benchmark_names())}", file=sys.stderr)
        return 2
    sys.argv = [str(REPO / "benchmarks" / f"{name}.py"), *argv[1:]]
    runpy.run_module(f"benchmarks.{name}", run_name="__main__", alter_sys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
