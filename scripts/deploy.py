#!/usr/bin/env python3
"""Deploy Phoenix to Windmill: vendor, metadata, check, plan, push, resources.

Steps (each runs alone):
  vendor     refresh f/phoenix/lib/ from lib/, its script metadata, the entry
             scripts' #extra_requirements blocks and the generated resource
             type resources/c_phoenix_stack.resource-type.yaml
  metadata   (re)write every script's schema as Windmill infers it from main(),
             and every entry's #extra_requirements block (what Windmill's
             inference misses, pinned as in requirements.txt)
  check      offline: wmill lint, the official validators, and what they miss
  plan       what a push would create/update/delete on the target (sends nothing)
  push       check, plan, then apply resources/ and run the real `wmill sync push`;
             refuses remote deletions unless --allow-delete
  resources  apply resources/ only (types follow the code; resources are created once)
  ci         check + plan against a loopback stand-in of Windmill (what .ci/run runs)

Target, from the environment only: WINDMILL_URL, WINDMILL_WORKSPACE,
WINDMILL_TOKEN (the token is never printed). `--against-stub` runs plan or
push against a loopback stand-in with an empty workspace instead (CI).
Inference scripts are committed with the worker tag `phoenix-inference`;
PHOENIX_INFERENCE_TAG (or --inference-tag) maps it at push time, e.g. to
`gpu` for GPU workers or `python3` for any default worker.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from scripts.tooling import check as checking  # noqa: E402
from scripts.tooling import extra_requirements  # noqa: E402
from scripts.tooling import metadata as script_metadata  # noqa: E402
from scripts.tooling import push as pushing  # noqa: E402
from scripts.tooling import resources as resource_files  # noqa: E402
from scripts.tooling import vendor as vendoring  # noqa: E402
from scripts.tooling import windmill_tools  # noqa: E402
from scripts.tooling.windmill_stub import StubWorkspace, WindmillStub  # noqa: E402

EXIT_PROBLEMS = 1
EXIT_REFUSED = 3


def cmd_vendor(args: argparse.Namespace) -> int:
    changes = vendoring.vendor()
    for line in changes:
        print(line)
    print(f"f/phoenix/lib/ is up to date with lib/ ({len(changes)} change(s))")
    # Every .py under f/ is pushed as a script; without a script.yaml the CLI
    # would write one into the checkout during the push.
    lib_scripts = [p for p in sorted(vendoring.COPY.rglob("*.py")) if "__pycache__" not in p.parts]
    for line in script_metadata.refresh_metadata(REPO, lib_scripts):
        print(line)
    # What entry scripts need comes from lib/: a new lazy import there changes their header.
    for line in extra_requirements.refresh_headers(REPO):
        print(line)
    for line in resource_files.write_resource_files(REPO):
        print(line)
    return 0


def cmd_metadata(args: argparse.Namespace) -> int:
    changes = script_metadata.refresh_metadata(Path(args.root).resolve())
    for line in changes:
        print(line)
    print(f"script metadata: {len(changes)} change(s)")
    return 0


def run_check(root: Path, strict: bool = False, quiet_warnings: bool = False) -> int:
    problems = checking.check_tree(root)
    drift = vendoring.drift() if root == REPO else []
    warnings = checking.check_warnings(root)
    for line in drift:
        print(f"f/phoenix/lib/: {line}: run `python scripts/deploy.py vendor`")
    for problem in problems:
        print(problem)
    if warnings and not quiet_warnings:
        for warning in warnings:
            print(f"warning: {warning}")
        print(f"check: {len(warnings)} warning(s)" + (" (fatal with --strict)" if not strict else ""))
    failures = len(problems) + len(drift) + (len(warnings) if strict else 0)
    if failures:
        print(f"check: {failures} problem(s)")
        return EXIT_PROBLEMS
    print("check: the tree is ready to push")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    return run_check(Path(args.root).resolve(), strict=args.strict, quiet_warnings=args.quiet_warnings)


@contextmanager
def target_for(args: argparse.Namespace) -> Iterator[pushing.Target]:
    if args.against_stub:
        with WindmillStub(StubWorkspace()) as stub:
            yield pushing.Target(stub.url, stub.workspace.workspace_id, stub.workspace.token)
    else:
        yield pushing.Target.from_env()


def print_plan(plan: pushing.Plan, as_json: bool) -> None:
    print(json.dumps(plan.as_json(), indent=2) if as_json else plan.render())


def refused(plan: pushing.Plan, allow_delete: bool) -> bool:
    """Deletions are refused unless asked for; say so either way."""
    if not plan.deletions:
        return False
    if allow_delete:
        print(f"--allow-delete: {len(plan.deletions)} remote item(s) will be deleted (Windmill keeps them "
              "in its trash for 3 days)")
        return False
    print(f"refused: {len(plan.deletions)} remote item(s) would be deleted "
          "(pass --allow-delete to delete them; they go to Windmill's trash for 3 days)")
    return True


def cmd_plan(args: argparse.Namespace) -> int:
    root = Path(args.root).resolve()
    with target_for(args) as target:
        plan = pushing.make_plan(root, target, args.overwrite_resources, args.inference_tag)
    print_plan(plan, args.json)
    return EXIT_REFUSED if refused(plan, args.allow_delete) else 0


def cmd_push(args: argparse.Namespace) -> int:
    root = Path(args.root).resolve()
    if not args.skip_check and run_check(root) != 0:
        print("push: not sent, fix the check first")
        return EXIT_PROBLEMS
    with target_for(args) as target:
        plan = pushing.make_plan(root, target, args.overwrite_resources, args.inference_tag)
        print_plan(plan, False)
        if refused(plan, args.allow_delete):
            print("push: nothing sent")
            return EXIT_REFUSED
        api = pushing.WindmillApi(target)
        for line in pushing.apply_resources(root, api, [c for c in plan.changes if c.kind.startswith("resource")]):
            print(line)
        print(pushing.push(root, target, allow_delete=args.allow_delete, inference_tag=args.inference_tag))
    return 0


def cmd_ci(args: argparse.Namespace) -> int:
    """What CI runs without a Windmill: check, then plan against the stand-in."""
    code = run_check(Path(args.root).resolve())
    if code != 0:
        return code
    args.against_stub, args.overwrite_resources, args.allow_delete, args.json = True, False, False, False
    args.inference_tag = os.environ.get("PHOENIX_INFERENCE_TAG") or None
    return cmd_plan(args)


def cmd_resources(args: argparse.Namespace) -> int:
    root = Path(args.root).resolve()
    with target_for(args) as target:
        api = pushing.WindmillApi(target)
        changes, notes = pushing.resource_changes(root, api, args.overwrite_resources)
        for line in [f"  {c}" for c in changes] + [f"note: {n}" for n in notes]:
            print(line)
        for line in pushing.apply_resources(root, api, changes):
            print(line)
    print(f"resources: {len(changes)} change(s) applied")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    steps = parser.add_subparsers(dest="step", required=True)
    steps.add_parser("vendor", help="refresh f/phoenix/lib/ from lib/").set_defaults(run=cmd_vendor)
    steps.add_parser("metadata", help="rewrite every script's schema and requirements header"
                     ).set_defaults(run=cmd_metadata)
    check = steps.add_parser("check", help="offline checks of the whole tree")
    check.set_defaults(run=cmd_check)
    check.add_argument("--strict", action="store_true",
                       help="warnings (folder imports, missing description/timeout) fail the check too")
    check.add_argument("--quiet-warnings", action="store_true", help="print problems only")
    steps.add_parser("ci", help="check, then plan against a loopback stand-in (no Windmill needed)"
                     ).set_defaults(run=cmd_ci)
    for name, run, text in (("plan", cmd_plan, "show what a push would change"),
                            ("push", cmd_push, "check, plan, apply resources, wmill sync push"),
                            ("resources", cmd_resources, "apply resources/ to the workspace")):
        step = steps.add_parser(name, help=text)
        step.set_defaults(run=run)
        step.add_argument("--against-stub", action="store_true",
                          help="target a loopback stand-in with an empty workspace (CI, tests)")
        step.add_argument("--overwrite-resources", action="store_true",
                          help="replace workspace resources that differ from resources/")
        if name != "resources":
            step.add_argument("--allow-delete", action="store_true",
                              help="let the push delete remote items that are not in the tree")
            step.add_argument("--inference-tag", default=os.environ.get("PHOENIX_INFERENCE_TAG") or None,
                              help="worker tag for scripts committed with tag phoenix-inference "
                                   "(env PHOENIX_INFERENCE_TAG; e.g. gpu, or python3 for default workers)")
        if name == "plan":
            step.add_argument("--json", action="store_true", help="machine-readable plan")
        if name == "push":
            step.add_argument("--skip-check", action="store_true", help="push without running check first")
    for step in steps.choices.values():
        step.add_argument("--root", default=str(REPO), help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    root = Path(args.root)
    if not (root / "wmill.yaml").is_file():
        print(f"{args.step}: {root} is not a Phoenix package (no wmill.yaml there)", file=sys.stderr)
        return 2
    try:
        return args.run(args)
    except (pushing.DeployError, windmill_tools.ToolingError) as exc:
        print(f"{args.step}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
