#!/usr/bin/env python3
"""Deploy Phoenix to Windmill: vendor, check, plan, push.

Usage: python scripts/deploy.py vendor
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.tooling import vendor as vendoring  # noqa: E402


def cmd_vendor(args: argparse.Namespace) -> int:
    changes = vendoring.vendor()
    for line in changes:
        print(line)
    print(f"f/phoenix/lib/ is up to date with lib/ ({len(changes)} change(s))")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    steps = parser.add_subparsers(dest="step", required=True)
    steps.add_parser("vendor", help="refresh f/phoenix/lib/ from lib/").set_defaults(run=cmd_vendor)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
