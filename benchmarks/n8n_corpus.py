#!/usr/bin/env python3
"""Translate the n8n development corpus and validate every produced document.

Usage: python scripts/bench.py n8n_corpus [corpus_dir ...] [--keep DIR]

Per corpus (default: both development corpora) it prints: files,
translated/errored, the share of nodes translated to real steps (sticky notes
excluded; a node counts when its step can run: a structural or proven native
step, or a node-host step whose type the installed n8n-nodes-base has and whose
credentials map to Windmill resources), the share of workflows with no
placeholder, validator failures (windmill-yaml-validator on
every flow, schedule and trigger, and `wmill lint` on the whole tree), step
files that esbuild cannot read or whose top level is not a generated step's
known shape (deploy.py check's reading, with TypeScript's parser), and the
wall time of the translation alone (target: under 10 s for the 400 files).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

from lib.n8n.report import format_summary, summarize, translate_folder, write_report  # noqa: E402
from scripts.tooling.windmill_tools import validate_documents, wmill_lint  # noqa: E402
from scripts.tooling.step_tools import StepReader  # noqa: E402
from tests.support.ts_step import syntax_errors  # noqa: E402

DEFAULT_CORPORA = [Path("/work/shared/corpus/n8n/zie619-dev"), Path("/work/shared/corpus/n8n/enescingoz-dev")]


def collect_documents(tree: Path) -> list[tuple[str, dict]]:
    """(file name relative to the tree, parsed YAML) for every flow, schedule and trigger."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    found = []
    for path in sorted(tree.rglob("*.yaml")):
        if path.name == "flow.yaml" or path.name.endswith((".schedule.yaml", "_trigger.yaml")):
            found.append((path.relative_to(tree).as_posix(), yaml.load(path.read_text(encoding="utf-8"), Loader=loader)))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", nargs="*", default=[str(c) for c in DEFAULT_CORPORA])
    parser.add_argument("--keep", help="write the translated tree here instead of a temporary folder (one corpus)")
    parser.add_argument("--report", help="also write the JSON report here (one corpus)")
    args = parser.parse_args(argv)
    if len(args.corpus) > 1 and (args.keep or args.report):
        parser.error("--keep and --report take one corpus")
    failed = 0
    for corpus in args.corpus:
        print(f"== {corpus}")
        failed |= run_corpus(corpus, args.keep, args.report)
    return failed


def run_corpus(corpus: str, keep: str | None, report_path: str | None) -> int:
    work = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="phoenix-n8n-corpus-"))
    try:
        work.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / "wmill.yaml", work / "wmill.yaml")
        out = work / "f" / "phoenix" / "n8n"
        started = time.perf_counter()
        report = translate_folder(corpus, out)
        elapsed = time.perf_counter() - started
        write_report(report, report_path)
        summary = summarize(report)
        documents = collect_documents(work)
        started_validation = time.perf_counter()
        errors = validate_documents(documents)
        failures = {name: problems for name, problems in errors.items() if problems}
        lint_ok, lint_output = wmill_lint(work)
        steps = {p.relative_to(work).as_posix(): p.read_text(encoding="utf-8") for p in work.rglob("*.ts")}
        broken_steps = syntax_errors(steps)
        with StepReader() as reader:  # what deploy.py check runs on every generated step
            not_shaped = {name: problems for name, problems in reader.shape(steps).items() if problems}
        validation_time = time.perf_counter() - started_validation
        print(format_summary(summary))
        print(f"errored files: {[e['file'] + ': ' + e['error'] for e in report['workflows'] if e['status'] == 'error']}")
        print(f"documents validated: {len(documents)}; windmill-yaml-validator failures: {len(failures)}")
        for name, problems in list(failures.items())[:10]:
            print(f"  {name}: {problems[:3]}")
        print(f"wmill lint: {'passed' if lint_ok else 'FAILED'}; {lint_output.strip().splitlines()[-1] if lint_output.strip() else ''}")
        if not lint_ok:
            print("\n".join(lint_output.splitlines()[:20]))
        print(f"step files: {len(steps)}; TypeScript syntax errors (esbuild): {len(broken_steps)}; "
              f"not the known shape of a generated step (TypeScript parser): {len(not_shaped)}")
        for name, problems in list(not_shaped.items())[:5]:
            print(f"  {name}: {problems[0][:200]}")
        for name, problem in list(broken_steps.items())[:5]:
            print(f"  {name}: {problem[:200]}")
        print(f"translation wall time: {elapsed:.2f} s for {summary['files']} files (target < 10 s); "
              f"validation {validation_time:.1f} s")
        return 0 if not failures and lint_ok and not broken_steps and not not_shaped else 1
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
