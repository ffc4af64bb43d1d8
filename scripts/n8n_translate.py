#!/usr/bin/env python3
"""Translate a folder of n8n workflow JSON files (recursively) into Windmill flows.

Usage: python scripts/n8n_translate.py <input_dir> <output_dir> [--report report.json]
                                       [--path-prefix f/phoenix/n8n] [--stack my-stack.yaml]

Each workflow becomes <output_dir>/<slug>__flow/flow.yaml (plus inline step
files and any schedule / HTTP trigger files); the report lists every file
with its status and node counts. A generated file changed since Phoenix wrote
it (or never written by Phoenix) is kept and listed as a conflict.

Writes go through Phoenix's guard. The output folder and the report are
explicit arguments, so an absolute path is accepted; the root whose .roo/ and
omas/ get a verified backup before a write inside them is the current folder,
or the stack's root with --stack. Exit code 0 unless the input folder or an
output path is unusable.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lib.errors import ConfigError, InputError  # noqa: E402
from lib.n8n.report import DEFAULT_PATH_PREFIX, format_summary, summarize, translate_folder, write_report  # noqa: E402
from lib.n8n.manifest import local_stack  # noqa: E402
from lib.preserve import PreservationError  # noqa: E402
from lib.stack import load_stack  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input_dir")
    parser.add_argument("output_dir")
    parser.add_argument("--report", help="where to write the JSON report")
    parser.add_argument("--path-prefix", default=DEFAULT_PATH_PREFIX,
                        help="Windmill folder the flows are deployed under (default: %(default)s)")
    parser.add_argument("--stack", help="stack file whose root the guard protects (default: the current folder)")
    args = parser.parse_args(argv)
    try:
        if args.report and Path(args.report).is_dir():  # found out only after translating otherwise
            raise InputError(f"--report {args.report}: is a folder; give a file name such as report.json")
        stack = _stack(args.stack)
        report = translate_folder(args.input_dir, args.output_dir, args.path_prefix, stack=stack, absolute_ok=True)
        write_report(report, args.report, stack=stack, absolute_ok=True)
    except (InputError, ConfigError, PreservationError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: --report {args.report}: cannot be written: {exc.strerror}", file=sys.stderr)
        return 2
    for entry in report["workflows"]:
        if entry["status"] == "error":
            print(f"error: {entry['file']}: {entry['error']}", file=sys.stderr)
        for conflict in entry.get("conflicts") or []:
            print(f"kept: {conflict['path']}: {conflict['reason']}", file=sys.stderr)
    print(format_summary(summarize(report)))
    return 0


def _stack(path: str | None):
    """The stack the guard protects: the given file's, or one rooted at the current folder."""
    return load_stack(path) if path else local_stack()


if __name__ == "__main__":
    sys.exit(main())
