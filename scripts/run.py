#!/usr/bin/env python3
"""Run any f/phoenix script or flow locally and print its result.

  python scripts/run.py --list
  python scripts/run.py f/phoenix/router --args '{"prompt": "Hello"}'
  python scripts/run.py f/phoenix/omas/council --args '{"task": "..."}' [--approve]
  python scripts/run.py f/phoenix/router --args args.yaml --resources my-resources.yaml
  python scripts/run.py f/phoenix/health/check --stack my-stack.yaml [--json]

--list: every runnable script and flow with its summary. --args: inline
JSON/YAML or a file. --resources: a YAML file with `resources`,
`resource_types` and `variables` (see scripts/tooling/local_runner.py).
--stack: a stack YAML file used for every c_phoenix_stack argument.
A path with a `<path>__flow/flow.yaml` folder runs that flow (scripts/tooling/
flow_runner.py). --approve approves its suspend (approval) steps.

A result that carries markdown (the health dashboard, the benchmark table,
the sync report, a failure report) is shown as that markdown; any other as
pretty JSON. --json prints the exact JSON result instead, for machines.

Exit codes:
  0  the job succeeded: its result is printed (a dry-run plan or "nothing
     changed" is a success too)
  1  the job failed, as Windmill would mark it: the script raised (a
     JobFailed prints the message and the job's result), or a flow step
     failed (its failure module's result is printed)
  2  bad arguments or usage: an unknown path, a missing or malformed
     --args/--resources/--stack file, an argument main() does not take or
     refuses (InputError: "prompt must be text, got a number")
  3  a flow stopped at an approval step (what the approver sees is printed;
     run again with --approve)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# The library as the scripts import it: this process loads only the vendored copy, as a
# Windmill job does (under pytest, tests/support/one_library.py makes it lib's own classes).
from f.phoenix.lib.errors import InputError, JobFailed, PhoenixError  # noqa: E402
from f.phoenix.lib.stack import load_stack, read_stack_document  # noqa: E402
from scripts.tooling.flow_runner import flow_file, run_flow  # noqa: E402
from scripts.tooling.local_runner import (LocalRunError, check_resources, load_document, run_script,  # noqa: E402
                                          runnable_items)
from scripts.tooling.terminal import as_json, for_terminal, hidden_fields  # noqa: E402

SUCCEEDED, FAILED, BAD_ARGUMENTS, SUSPENDED = 0, 1, 2, 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("script", nargs="?", help="Windmill path, e.g. f/phoenix/router")
    parser.add_argument("--list", action="store_true", help="list every runnable script and flow, then exit")
    parser.add_argument("--args", default=None, help="arguments: inline JSON/YAML or a file")
    parser.add_argument("--resources", default=None, help="local resources/variables YAML file")
    parser.add_argument("--stack", default=None, help="stack YAML file for c_phoenix_stack arguments")
    parser.add_argument("--approve", action="store_true", help="flows: approve suspend steps instead of stopping")
    parser.add_argument("--json", action="store_true", help="print the exact JSON result (for machines)")
    options = parser.parse_args(argv)
    if options.list:
        print(_listing(options.json))
        return SUCCEEDED
    if not options.script:
        parser.print_usage(sys.stderr)
        print("error: give a Windmill path (e.g. f/phoenix/router), or --list to see them all", file=sys.stderr)
        return BAD_ARGUMENTS
    show = as_json if options.json else _for_terminal
    try:
        args, resources = _inputs(options)
        if flow_file(options.script):
            return _report_flow(run_flow(options.script, args, resources, auto_approve=options.approve), show)
        result = run_script(options.script, args, resources)
    except JobFailed as exc:  # before InputError: an InputRefused is both, and its result is worth showing
        print(show(exc.result))
        print(f"job failed: {exc}", file=sys.stderr)
        return BAD_ARGUMENTS if isinstance(exc, InputError) else FAILED
    except (LocalRunError, InputError) as exc:  # the job could not use what it was given
        print(f"error: {exc}", file=sys.stderr)
        return BAD_ARGUMENTS
    except PhoenixError as exc:
        print(f"job failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return FAILED
    print(show(result))
    return SUCCEEDED


def _inputs(options) -> tuple[dict, dict]:
    """Arguments and resources; a bad file is LocalRunError (exit 2), not the job's failure."""
    args = load_document(options.args, "--args")
    resources = check_resources(load_document(options.resources, "--resources"))
    if options.stack:
        stack = load_document(options.stack, "--stack")
        if _names_a_file(options.stack):
            try:
                load_stack(options.stack)  # validated here so that an error names the file, not "<stack resource>"
            except PhoenixError as exc:
                raise LocalRunError(str(exc)) from exc
            stack = read_stack_document(options.stack)  # parsed as load_stack parses it (1e3 is a number)
        resources.setdefault("resource_types", {})["c_phoenix_stack"] = stack
    return args, resources


def _names_a_file(text: str) -> bool:
    try:
        return Path(text).is_file()
    except OSError:  # inline YAML longer than a file name can be
        return False


def _for_terminal(result) -> str:
    hidden = hidden_fields(result)
    if hidden:
        print(f"(also in the result: {', '.join(hidden)}; --json shows it all)", file=sys.stderr)
    return for_terminal(result)


def _listing(machine: bool) -> str:
    items = runnable_items()
    if machine:
        return as_json(items)
    width = max(len(item["path"]) for item in items)
    lines = ["Runnable scripts and flows (python scripts/run.py <path> --args '{...}'):", ""]
    lines += [f"  {item['path']:<{width}}  {item['kind']:<6}  {item['summary']}".rstrip() for item in items]
    return "\n".join(lines)


def _report_flow(run, show) -> int:
    for step in run.log:
        print(f"  {step['id']}: {step['status']} ({step['seconds']} s)", file=sys.stderr)
    print(show(run.result))
    if run.status == "suspended":
        print(f"suspended at {run.suspended_at}: waiting for approval (the output above is what the approver "
              "sees); run again with --approve to approve locally", file=sys.stderr)
        return SUSPENDED
    if run.status == "failure":
        print(f"flow failed: {run.error['message']}", file=sys.stderr)
        return FAILED
    return SUCCEEDED


if __name__ == "__main__":
    sys.exit(main())
