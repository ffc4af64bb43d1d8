#!/usr/bin/env python3
"""A ten-node n8n workflow: its translated Windmill flow's run time beside n8n's engine.

The workflow (a manual trigger, then ten nodes in a row: Code, Set, Filter, Sort,
Limit, Rename Keys, Set with Luxon, Code per item, Aggregate, Set) is translated
with the real translator; its steps then run as Windmill runs a flow, one fresh
Bun process per step, each given the previous step's result (the chain is linear,
so that is what the flow's input transforms hand on). The same workflow runs in
n8n's own engine (WorkflowExecute, one process, the spike's way). Printed: each
step's wall time, the flow's total, n8n's process and its ratio, and whether the
final items are the same.

    python scripts/bench.py n8n_ten_nodes [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

from lib.n8n.translate.emit import translate_workflow  # noqa: E402
from tests.n8n import translate_fixtures as fx  # noqa: E402
from tests.n8n_host.cases import assignment  # noqa: E402
from tests.support.n8n_host_run import HERE, bun_binary, missing, run_reference  # noqa: E402
from tests.support.ts_step import step_environment, workspace_preload  # noqa: E402


def set_node(name: str, *assignments: dict) -> dict:
    return fx.node(name, "set", 3.4, assignments={"assignments": list(assignments)}, options={})


def chain() -> list[dict]:
    """The ten nodes, as n8n's editor writes them."""
    return [
        fx.node("Make", "code", 2, jsCode="return Array.from({length: 20}, (_, i) => ({json: {i, name: `item ${i}`, price: i * 1.5}}));"),
        set_node("Tax", assignment("total", "={{ $json.price * 1.2 }}", "number"), assignment("name", "={{ $json.name }}"),
                 assignment("i", "={{ $json.i }}", "number")),
        fx.node("Cheap", "filter", 2, conditions={"combinator": "and", "options": {"caseSensitive": True, "leftValue": "",
                                                                                    "typeValidation": "strict"},
                                                   "conditions": [{"leftValue": "={{ $json.total }}", "rightValue": 20,
                                                                   "operator": {"type": "number", "operation": "lt"}}]}),
        fx.node("By total", "sort", 1, sortFieldsUi={"sortField": [{"fieldName": "total", "order": "descending"}]}),
        fx.node("Top 8", "limit", 1, maxItems=8),
        fx.node("Rename", "renameKeys", 1, keys={"key": [{"currentKey": "name", "newKey": "title"}]}),
        set_node("Dated", assignment("due", "={{ DateTime.fromISO('2024-01-01').plus({days: $json.i}).toISODate() }}"),
                 assignment("title", "={{ $json.title.toUpperCase() }}"), assignment("total", "={{ $json.total }}", "number")),
        fx.node("Label", "code", 2, mode="runOnceForEachItem", jsCode="$input.item.json.label = `${$json.title} due ${$json.due}`;\nreturn $input.item;"),
        fx.node("Collect", "aggregate", 1, aggregate="aggregateAllItemData", destinationFieldName="rows"),
        set_node("Summary", assignment("count", "={{ $json.rows.length }}", "number"),
                 assignment("first", "={{ $json.rows[0].label }}")),
    ]


def workflow(nodes: list[dict]) -> dict:
    trigger = fx.node("Start", "manualTrigger", 1)
    names = ["Start"] + [n["name"] for n in nodes]
    return fx.workflow([trigger, *nodes], fx.link(*[(a, 0, b) for a, b in zip(names, names[1:])]), name="ten nodes")


def run_step_process(tmp: Path, code: str, args: list) -> tuple[dict, float]:
    """One step in a fresh Bun process, as a Windmill worker runs it: (its answer, wall seconds)."""
    step, arguments = tmp / f"step{time.perf_counter_ns()}.ts", tmp / "args.json"
    step.write_text(code, encoding="utf-8")
    arguments.write_text(json.dumps(args), encoding="utf-8")
    started = time.perf_counter()
    proc = subprocess.run([str(bun_binary()), *workspace_preload(tmp), str(HERE / "run_step.ts"), str(step), str(arguments)],
                          capture_output=True, text=True, timeout=600, env=step_environment())
    wall = time.perf_counter() - started
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    if not lines:
        raise SystemExit(f"the step did not run: {proc.stderr[-2000:]}")
    return json.loads(lines[-1][len("RESULT "):]), wall


ROUTED = re.compile(r"^results\.(\w+)\?\.outputs\[(\d+)\]$")


def items_for(transform: dict, results: dict):
    """The step's ``items``, from its input transform: the shapes a chain of nodes gets."""
    expr = transform.get("expr", "")
    routed = ROUTED.match(expr)
    if routed:
        return results[routed.group(1)]["outputs"][int(routed.group(2))]
    whole = re.match(r"^results\.(\w+)$", expr)
    if whole:  # a native step's plain item list
        return results[whole.group(1)]
    try:
        return json.loads(expr)  # the trigger's items, e.g. [{}]
    except ValueError:
        raise SystemExit(f"unexpected input transform for a chain of nodes: {expr}") from None


def run_translated(translation, tmp: Path) -> tuple[object, list[tuple[str, float]]]:
    results, times, result = {}, [], None
    for module in translation.flow["value"]["modules"]:
        value = module["value"]
        if value.get("type") != "rawscript":
            raise SystemExit(f"the ten-node chain should translate to steps in a row, got a {value.get('type')} module")
        code = translation.files[value["content"].removeprefix("!inline ")]
        answer, wall = run_step_process(tmp, code, [items_for(value["input_transforms"]["items"], results)])
        if not answer["ok"]:
            raise SystemExit(f"step {module['id']} failed: {answer['error']}")
        result = results[module["id"]] = answer["result"]
        times.append((module["summary"], wall))
    return result, times


def final_jsons(result) -> list:
    if isinstance(result, dict) and isinstance(result.get("outputs"), list):
        result = [item for output in result["outputs"] for item in output or []]
    return [item["json"] if isinstance(item, dict) and "json" in item else item for item in result]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    why = missing()
    if why:
        print(f"cannot run: {why}")
        return 2
    nodes = chain()
    translation = translate_workflow(workflow(nodes), "ten.json", "f/bench/ten_nodes")
    kinds = translation.status
    print(f"translated: {sum(1 for s in kinds.values() if s == 'translated')}/{len(kinds)} nodes; "
          f"placeholders: {[n for n, s in kinds.items() if s == 'placeholder']}")
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    flow_totals, n8n_totals, same = [], [], None
    with tempfile.TemporaryDirectory(prefix="phoenix-ten-") as tmp:
        for run in range(args.runs):
            result, times = run_translated(translation, Path(tmp))
            flow_totals.append(sum(t for _, t in times))
            if run == 0:
                for summary, wall in times:
                    print(f"  step {summary:<40} {wall:6.3f} s")
            started = time.perf_counter()
            reference = run_reference({"ten": {"chain": nodes, "items": [{"json": {}}]}})["ten"]
            n8n_totals.append(time.perf_counter() - started)
            if "thrown" in reference or reference.get("error"):
                raise SystemExit(f"n8n's engine failed the workflow: {reference}")
            same = final_jsons(result) == final_jsons({"outputs": reference["outputs"]})
    flow, n8n = statistics.median(flow_totals), statistics.median(n8n_totals)
    print(f"translated flow, one process per step: median {flow:.2f} s (min {min(flow_totals):.2f}) over {args.runs} runs")
    print(f"n8n's engine, the whole workflow in one process: median {n8n:.2f} s (min {min(n8n_totals):.2f})")
    print(f"ratio flow / n8n: {flow / n8n:.1f}x; same final items as n8n: {same}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
