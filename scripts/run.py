#!/usr/bin/env python3
"""Run any f/phoenix script or flow locally and print its result as JSON.

  python scripts/run.py f/phoenix/router --args '{"prompt": "Hello"}'
  python scripts/run.py f/phoenix/omas/council --args '{"task": "..."}' [--approve]
  python scripts/run.py f/phoenix/router --args args.yaml --resources my-resources.yaml
  python scripts/run.py f/phoenix/router --args '{"prompt": "Hi"}' --stack my-stack.yaml
  python scripts/run.py f/phoenix/omas/council --arg 'task=Any text, "quotes" included'

--args: inline JSON/YAML or a file; --arg NAME=TEXT: one string argument,
as typed (no quoting). --resources: a YAML file with `resources`,
`resource_types` and `variables` (see scripts/tooling/local_runner.py).
--stack: a stack YAML file used for every c_phoenix_stack argument.
A path with a `<path>__flow/flow.yaml` folder runs that flow (scripts/tooling/
flow_runner.py). --approve approves its suspend (approval) steps; without it
the run stops there, prints what waits for approval and exits with 3. A
failed flow prints its failure module's result and exits with 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from f.phoenix.lib.errors import PhoenixError  # noqa: E402  (the copy scripts run)
from f.phoenix.lib.stack import load_stack, read_stack_document  # noqa: E402
from scripts.tooling.flow_runner import flow_file, run_flow  # noqa: E402
from scripts.tooling.local_runner import LocalRunError, check_resources, load_document, run_script  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("script", help="Windmill path, e.g. f/phoenix/router")
    parser.add_argument("--args", default=None, help="arguments: inline JSON/YAML or a file")
    parser.add_argument("--resources", default=None, help="local resources/variables YAML file")
    parser.add_argument("--stack", default=None, help="stack YAML file for c_phoenix_stack arguments")
    parser.add_argument("--approve", action="store_true", help="flows: approve suspend steps instead of stopping")
    parser.add_argument("--arg", action="append", default=[], metavar="NAME=TEXT",
                        help="one string argument, taken as it is (no JSON quoting); repeatable, wins over --args")
    options = parser.parse_args(argv)
    try:
        args = {**load_document(options.args, "--args"), **_text_args(options.arg)}
        resources = check_resources(load_document(options.resources, "--resources"))
        if options.stack:
            stack = load_document(options.stack, "--stack")
            if _names_a_file(options.stack):
                load_stack(options.stack)  # validated here so that an error names the file, not "<stack resource>"
                stack = read_stack_document(options.stack)  # parsed as load_stack parses it (1e3 is a number)
            resources.setdefault("resource_types", {})["c_phoenix_stack"] = stack
        if flow_file(options.script):
            return _report_flow(run_flow(options.script, args, resources, auto_approve=options.approve))
        result = run_script(options.script, args, resources)
    except (LocalRunError, PhoenixError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    return 0


def _text_args(pairs: list[str]) -> dict:
    """--arg NAME=TEXT: free text (a task typed into VS Code, a prompt) needs no JSON quoting."""
    args = {}
    for pair in pairs:
        name, separator, text = pair.partition("=")
        if not separator or not name.isidentifier():
            raise LocalRunError(f"--arg {pair!r}: expected NAME=TEXT, NAME an argument name")
        args[name] = text
    return args


def _names_a_file(text: str) -> bool:
    try:
        return Path(text).is_file()
    except OSError:  # inline YAML longer than a file name can be
        return False


def _report_flow(run) -> int:
    for step in run.log:
        print(f"  {step['id']}: {step['status']} ({step['seconds']} s)", file=sys.stderr)
    print(json.dumps(run.result, indent=2, ensure_ascii=False, default=str))
    if run.status == "suspended":
        print(f"suspended at {run.suspended_at}: waiting for approval (the output above is what the approver "
              "sees); run again with --approve to approve locally", file=sys.stderr)
        return 3
    if run.status == "failure":
        print(f"flow failed: {run.error['message']}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
