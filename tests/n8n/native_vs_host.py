"""Differential runs of native translated steps against n8n's engine (the node host), on real parameters.

For a node type with a native translator, every instance of it in the development
corpora (``/work/shared/corpus/n8n/*-dev``: every file, no file singled out) is run
twice on the same synthesized items: through the node host (n8n's own node code) and
through the native step the translator writes for it. The items are built from the
node's own parameters (the fields its expressions and field parameters name), with
values of several kinds, so each instance meets strings, numbers, duplicates and
lists. The output items must be identical, their JSON and their pairing with the input
items (both failing counts as the same outcome).

``registry.PROVEN_NATIVE`` may list a type only when this finds no difference
(tests/n8n/test_native_vs_host.py runs it in CI).
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from lib.n8n.expressions import Untranslatable, referenced_nodes, walk_strings
from lib.n8n.translate.context import NodeContext
from lib.n8n.translate.host import host_node, host_problem
from lib.n8n.translate.registry import TRANSLATORS
from lib.n8n.translate.translators import ONE_PER_MODULE  # noqa: F401  (registers the translators)
from lib.n8n.workflow import WorkflowError, parse_workflow
from tests.support.n8n_host_run import bun_binary, run_host
from tests.support.ts_step import npm_packages_for_steps, step_environment, workspace_preload

CORPORA = (Path("/work/shared/corpus/n8n/zie619-dev"), Path("/work/shared/corpus/n8n/enescingoz-dev"))
INPUT_NAME = "Upstream"
# $json.a.b, $json["a b"], $json['a'].c: the field paths an expression reads
_JSON_PATH = re.compile(r"""\$json((?:\s*\.\s*[A-Za-z_$][\w$]*|\[\s*(?:'[^']*'|"[^"]*")\s*\])+)""")
_PATH_PART = re.compile(r"""\.\s*([A-Za-z_$][\w$]*)|\[\s*(?:'([^']*)'|"([^"]*)")\s*\]""")
_FIELD_KEY = re.compile(r"field|key|property|column|compare|split|name", re.IGNORECASE)
_FIELD_TEXT = re.compile(r"^[A-Za-z_][\w .\-]{0,60}$")


@dataclass
class Instance:
    source: str      # corpus file, relative to its corpus
    node: dict       # the workflow's node, as written


@lru_cache(maxsize=None)
def _corpus_nodes() -> tuple:
    found = []
    for corpus in CORPORA:
        for path in sorted(corpus.rglob("*.json")):
            try:
                document = json.loads(path.read_text(encoding="utf-8"))
                parse_workflow(document, path.name)
            except (OSError, ValueError, WorkflowError):
                continue
            for node in document.get("nodes") or []:
                if isinstance(node, dict) and not node.get("disabled"):
                    found.append(Instance(f"{corpus.name}/{path.relative_to(corpus).as_posix()}", node))
    return tuple(found)


def instances(type_name: str, versions: tuple[float, float] | None = None) -> list[Instance]:
    """Every enabled node of ``type_name`` in the corpora (within ``versions`` when given)."""
    chosen = []
    for instance in _corpus_nodes():
        version = instance.node.get("typeVersion", 1)
        if instance.node.get("type") != type_name or not isinstance(version, (int, float)):
            continue
        if versions is None or versions[0] <= version <= versions[1]:
            chosen.append(instance)
    return chosen


def field_paths(parameters) -> list[list[str]]:
    """Field paths the parameters name: read by expressions, or given as field names."""
    paths: list[list[str]] = []
    for text in walk_strings(parameters):
        for match in _JSON_PATH.finditer(text):
            paths.append([a or b or c for a, b, c in _PATH_PART.findall(match.group(1))])
    for key, value in _field_parameters(parameters):
        if _FIELD_KEY.search(key):
            for field in str(value).split(","):
                field = field.strip()
                if field and _FIELD_TEXT.match(field):
                    paths.append(field.split("."))
    unique = []
    for path in paths:
        if path and path not in unique:
            unique.append(path)
    return unique[:12]


def _field_parameters(value, key=""):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _field_parameters(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _field_parameters(v, key)
    elif isinstance(value, str) and not value.startswith("="):
        yield key, value


def synthesized_items(parameters, salt: int = 0) -> list[dict]:
    """Four items with every named field set: a text, a number, the first text again, a list of objects."""
    paths = field_paths(parameters)
    items = []
    for index in range(4):
        item: dict = {"id": index + salt}
        for number, path in enumerate(paths):
            leaf = path[-1]
            value = [f"{leaf} {salt}", index + number + 1 + salt, f"{leaf} {salt}",
                     [{"name": f"{leaf} a", "n": 1}, {"name": f"{leaf} b", "n": 2}]][index]
            cursor = item
            for part in path[:-1]:
                if not isinstance(cursor.get(part), dict):
                    cursor[part] = {}
                cursor = cursor[part]
            cursor[leaf] = value
        items.append(item)
    return items


def _context(node, workflow, inputs: int) -> NodeContext:
    items = {i: f"flow_input.inputs[{i}]" for i in range(inputs)}
    return NodeContext(node=node, workflow=workflow, step_id="native", items=items[0], inputs=items,
                       node_items=lambda name: f"flow_input.nodes[{json.dumps(name)}]" if name in workflow.nodes else None,
                       input_sources={0: [INPUT_NAME]})


def _case(instance: Instance):
    """(host request, native step code or None with the reason, native arguments) for one instance."""
    node = dict(instance.node)
    references = sorted(set().union(*(referenced_nodes(t) for t in walk_strings(node.get("parameters") or {})))
                        - {node.get("name"), INPUT_NAME})
    document = {"name": "diff", "nodes": [{"name": INPUT_NAME, "type": "n8n-nodes-base.noOp", "typeVersion": 1,
                                          "parameters": {}}]
                + [{"name": r, "type": "n8n-nodes-base.noOp", "typeVersion": 1, "parameters": {}} for r in references]
                + [node],
                "connections": {INPUT_NAME: {"main": [[{"node": node["name"], "type": "main", "index": i}
                                                       for i in range(2)]]}}}
    workflow = parse_workflow(document, instance.source)
    parsed = workflow.nodes[node["name"]]
    inputs = 2 if parsed.type.endswith(".merge") else 1
    lists = [synthesized_items(parsed.parameters, salt=10 * i) for i in range(inputs)]
    context_nodes = {r: [{"json": j, "pairedItem": {"item": k}} for k, j in enumerate(synthesized_items(parsed.parameters, 100))]
                     for r in references}
    wired = [[{"json": j, "pairedItem": {"item": k}} for k, j in enumerate(items)] for items in lists]
    request = {"node": host_node(parsed), "inputs": wired,
               "inputNodes": [INPUT_NAME] + [f"{INPUT_NAME} {i + 1}" for i in range(1, inputs)],
               "context": {"nodes": context_nodes}}
    translated = TRANSLATORS[parsed.type](_context(parsed, workflow, inputs))
    transforms = translated.modules[0]["value"]["input_transforms"]
    # the native step gets what a host step before it hands on: n8n items
    flow_input = {"inputs": wired, "nodes": context_nodes}
    return request, translated.files["native.ts"], transforms, flow_input


NATIVE_RUNNER = r"""
// Each case: load the step, evaluate its input transforms over flow_input (as Windmill does), call main.
const fs = await import("node:fs");
const path = await import("node:path");
const [dir, casesFile] = process.argv.slice(2);
const cases = JSON.parse(fs.readFileSync(casesFile, "utf8"));
const out = {};
for (const [name, c] of Object.entries(cases)) {
  try {
    const step = await import(path.join(dir, name + ".ts"));
    const source = fs.readFileSync(path.join(dir, name + ".ts"), "utf8");
    const inside = source.match(/export async function main\(([^)]*)\)/)[1];
    const names = inside.split(",").map((p) => p.trim().split(/[:=\s]/)[0]).filter(Boolean);
    const args = {};
    for (const [key, t] of Object.entries(c.transforms)) {
      args[key] = t.type === "static" ? t.value : new Function("flow_input", `return (${t.expr});`)(c.flow_input);
    }
    out[name] = { ok: true, result: await step.main(...names.map((n) => args[n])) };
  } catch (error) {
    out[name] = { ok: false, error: String(error?.message ?? error) };
  }
}
fs.writeSync(1, "RESULTS " + JSON.stringify(out) + "\n");
process.exit(0);
"""


def _run_native(cases: dict) -> dict:
    with tempfile.TemporaryDirectory(prefix="phoenix-native-diff-") as tmp:
        packages = npm_packages_for_steps()
        if packages:
            Path(tmp, "node_modules").symlink_to(packages)
        spec = {}
        for name, (code, transforms, flow_input) in cases.items():
            Path(tmp, f"{name}.ts").write_text(code, encoding="utf-8")
            spec[name] = {"transforms": transforms, "flow_input": flow_input}
        Path(tmp, "cases.json").write_text(json.dumps(spec), encoding="utf-8")
        Path(tmp, "run.ts").write_text(NATIVE_RUNNER, encoding="utf-8")
        proc = subprocess.run([str(bun_binary()), "run", "--no-install", *workspace_preload(tmp),
                               str(Path(tmp, "run.ts")), tmp, str(Path(tmp, "cases.json"))], capture_output=True,
                              text=True, timeout=900, cwd=tmp, env=step_environment())
    lines = [line for line in proc.stdout.split("\n") if line.startswith("RESULTS ")]
    if not lines:
        raise AssertionError(f"the native steps did not run: {proc.stderr[-3000:]}")
    return json.loads(lines[-1][len("RESULTS "):])


def _items(entries) -> list:
    """n8n items as the next step reads them (runtime.ts wiredItems): plain objects pair with their index."""
    return [e if isinstance(e, dict) and isinstance(e.get("json"), dict) else {"json": e, "pairedItem": {"item": i}}
            for i, e in enumerate(entries or [])]


def differences(type_name: str, versions: tuple[float, float] | None = None) -> tuple[int, list[dict]]:
    """(instances of the type in the corpora, one record per instance whose native output differs from n8n's).

    An instance the native translator declines (``Untranslatable``: the host runs it) is not compared."""
    chosen = [i for i in instances(type_name, versions)
              if host_problem(parse_workflow({"nodes": [i.node], "connections": {}}).nodes[i.node["name"]]) is None]
    host_cases, native_cases, untranslated = {}, {}, {}
    for number, instance in enumerate(chosen):
        name = f"case_{number}"
        try:
            request, code, transforms, flow_input = _case(instance)
        except Untranslatable:
            continue  # the native translator hands this instance to the host: nothing to compare
        except Exception as exc:  # noqa: BLE001 - a translator that cannot translate this instance: a difference
            untranslated[name] = f"{type(exc).__name__}: {exc}"
            continue
        host_cases[name] = request
        native_cases[name] = (code, transforms, flow_input)
    host = run_host(host_cases) if host_cases else {}
    native = _run_native(native_cases) if native_cases else {}
    found = [{"instance": chosen[int(n.split("_")[1])].source, "native": "not translated: " + why}
             for n, why in untranslated.items()]
    for name in host_cases:
        theirs, ours = host[name], native[name]
        n8n_failed = "thrown" in theirs or bool(theirs.get("error"))
        if n8n_failed and not ours["ok"]:
            continue  # both fail on these items
        expected = None if n8n_failed else _items((theirs.get("outputs") or [[]])[0])
        got = _items(ours["result"]) if ours["ok"] else None
        if n8n_failed or not ours["ok"] or expected != got:
            found.append({"instance": chosen[int(name.split("_")[1])].source,
                          "n8n": theirs.get("error") or theirs.get("thrown") or expected,
                          "native": got if ours["ok"] else ours["error"]})
    return len(chosen), found
