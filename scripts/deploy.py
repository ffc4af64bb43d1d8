#!/usr/bin/env python3
"""Deploy Phoenix to Windmill: vendor, metadata, check, plan, push, resources.

Steps (each runs alone; `all` runs vendor+metadata+check+plan):
  vendor     refresh f/phoenix/lib/ from lib/ (and its script metadata)
  metadata   (re)write every script's schema as Windmill infers it
  check      offline: wmill lint, official validators, and what they miss
  plan       what a push would create/update/delete (nothing is sent)
  push       the real `wmill sync push`, after the plan; refuses deletions
  resources  write resources/ from lib.stack and apply it to the workspace

Target from the environment: WINDMILL_URL, WINDMILL_WORKSPACE, WINDMILL_TOKEN.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from scripts.tooling import metadata as script_metadata  # noqa: E402
from scripts.tooling import vendor as vendoring  # noqa: E402


def cmd_vendor(args: argparse.Namespace) -> int:
    changes = vendoring.vendor()
    for line in changes:
        print(line)
    print(f"f/phoenix/lib/ is up to date with lib/ ({len(changes)} change(s))")
    # Every .py under f/ is pushed as a script; without a script.yaml the CLI
    # would write one into the checkout during the push.
    lib_scripts = sorted(vendoring.COPY.rglob("*.py"))
    for line in script_metadata.refresh_metadata(REPO, [p for p in lib_scripts if "__pycache__" not in p.parts]):
        print(line)
    return 0


def cmd_metadata(args: argparse.Namespace) -> int:
    changes = script_metadata.refresh_metadata(REPO)
    for line in changes:
        print(line)
    print(f"script metadata: {len(changes)} change(s)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    steps = parser.add_subparsers(dest="step", required=True)
    steps.add_parser("vendor", help="refresh f/phoenix/lib/ from lib/").set_defaults(run=cmd_vendor)
    steps.add_parser("metadata", help="rewrite every script's schema from its main()").set_defaults(run=cmd_metadata)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
