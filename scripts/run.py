#!/usr/bin/env python3
"""Run any f/phoenix script locally and print its result as JSON.

  python scripts/run.py f/phoenix/router --args '{"prompt": "Hello"}'
  python scripts/run.py f/phoenix/router --args args.yaml --resources my-resources.yaml
  python scripts/run.py f/phoenix/router --args '{"prompt": "Hi"}' --stack my-stack.yaml

--args: inline JSON/YAML or a file. --resources: a YAML file with
`resources`, `resource_types` and `variables` (see scripts/tooling/local_runner.py).
--stack: a stack YAML file used for every c_phoenix_stack argument.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from f.phoenix.lib.errors import PhoenixError  # noqa: E402  (the copy scripts run)
from scripts.tooling.local_runner import LocalRunError, load_document, run_script  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("script", help="Windmill path, e.g. f/phoenix/router")
    parser.add_argument("--args", default=None, help="arguments: inline JSON/YAML or a file")
    parser.add_argument("--resources", default=None, help="local resources/variables YAML file")
    parser.add_argument("--stack", default=None, help="stack YAML file for c_phoenix_stack arguments")
    options = parser.parse_args(argv)
    try:
        args = load_document(options.args, "--args")
        resources = load_document(options.resources, "--resources")
        if options.stack:
            stack = load_document(options.stack, "--stack")
            resources.setdefault("resource_types", {})["c_phoenix_stack"] = stack
        result = run_script(options.script, args, resources)
    except (LocalRunError, PhoenixError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
