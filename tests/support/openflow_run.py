"""Run a translated flow end to end, locally, with the semantics the translator relies on.

No Windmill server can run here, so this small interpreter executes the
OpenFlow modules the n8n translator produces: Bun ``rawscript`` steps (run by
the pinned Bun, as Windmill runs ``language: bun``; host steps run n8n's own
nodes with the cached n8n install), ``identity``, ``branchone``,
``branchall``, ``forloopflow``, ``whileloopflow`` with ``stop_after_if``,
``continue_on_error``, and ``script`` modules answered by stubs (the Phoenix
router). Input transforms are evaluated as JavaScript over ``flow_input`` and
``results``, as Windmill does. It is a test harness, not a Windmill
replacement: sleeps and suspends are skipped and nested flows are refused.

Steps import the node host and the runtime as Windmill resolves workspace
scripts (``/f/phoenix/n8n_host/host.ts``); a Bun preload makes those imports
this repository's files (tests/support/ts_step.py ``workspace_preload``).
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

import yaml

from tests.support.n8n_host_run import bun_binary
from tests.support.ts_step import npm_packages_for_steps, step_environment, workspace_preload

RUNNER = r"""
import fs from "node:fs";
import path from "node:path";
const [,, specFile] = process.argv;
const spec = JSON.parse(fs.readFileSync(specFile, "utf8"));
const work = path.dirname(specFile);
const results = {};
const loaded = {};
class Stop { constructor(value) { this.value = value; } }

// As Windmill does with a job's arguments: "$res:<path>" strings, anywhere in a static value, become
// the resource's value (a missing resource fails the step, as in Windmill).
function resolved(value) {
  if (typeof value === "string" && value.startsWith("$res:")) {
    const path = value.slice(5);
    if (!(path in spec.resources)) throw new Error(`resource not found: ${path}`);
    return spec.resources[path];
  }
  if (Array.isArray(value)) return value.map(resolved);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolved(v)]));
  return value;
}
function evaluate(expr, flowInput, extra = {}) {
  const names = ["flow_input", "results", ...Object.keys(extra)];
  return new Function(...names, `return (${expr});`)(flowInput, results, ...Object.values(extra));
}
function argNames(code) {
  const inside = code.match(/export async function main\(([^)]*)\)/)[1];
  const names = []; let depth = 0, current = "";
  for (const ch of inside) {
    if ("<{[".includes(ch)) depth++;
    if (">}]".includes(ch)) depth--;
    if (ch === "," && depth === 0) { names.push(current); current = ""; } else current += ch;
  }
  if (current.trim()) names.push(current);
  return names.map((n) => n.trim().split(/[:=\s]/)[0]).filter(Boolean);
}
async function runScript(value, flowInput) {
  const name = value.content.replace(/^!inline /, "");
  const code = spec.files[name];
  if (!loaded[name]) loaded[name] = await import(path.join(work, "steps", name));
  const args = {};
  for (const [key, t] of Object.entries(value.input_transforms ?? {})) {
    args[key] = t.type === "static" ? resolved(t.value) : evaluate(t.expr, flowInput);
  }
  return loaded[name].main(...argNames(code).map((n) => args[n]));
}
async function runModule(module, flowInput, previous) {
  const value = module.value;
  let result;
  try {
    if (value.type === "rawscript") result = await runScript(value, flowInput);
    else if (value.type === "identity") result = previous;
    else if (value.type === "script") {
      if (!(value.path in spec.stubs)) throw new Error(`no stub for script ${value.path}`);
      const args = Object.fromEntries(Object.entries(value.input_transforms ?? {}).map(([k, t]) =>
        [k, t.type === "static" ? t.value : evaluate(t.expr, flowInput)]));
      spec.calls.push({ path: value.path, args });
      result = spec.stubs[value.path];
    } else if (value.type === "branchone") {
      const branch = value.branches.find((b) => evaluate(b.expr, flowInput));
      result = await runModules(branch ? branch.modules : value.default, flowInput, previous);
    } else if (value.type === "branchall") {
      result = [];
      for (const branch of value.branches) result.push(await runModules(branch.modules, flowInput, previous));
    } else if (value.type === "forloopflow") {
      result = [];
      const list = evaluate(value.iterator.expr, flowInput);
      for (let index = 0; index < list.length; index++) {
        result.push(await runModules(value.modules, { ...flowInput, iter: { value: list[index], index } }, previous));
      }
    } else if (value.type === "whileloopflow") {
      result = [];
      for (let index = 0; index < 50; index++) {
        try {
          result.push(await runModules(value.modules, { ...flowInput, iter: { value: index, index } }, previous));
        } catch (signal) {
          if (!(signal instanceof Stop)) throw signal;
          result.push(signal.value);
          break;
        }
        if (index === 49) throw new Error("while loop did not stop after 50 rounds");
      }
    } else throw new Error(`module type ${value.type} is not supported by the test runner`);
  } catch (error) {
    if (error instanceof Stop || !module.continue_on_error) throw error;
    result = { error: { name: error.name, message: String(error.message) } };
  }
  results[module.id] = result;
  if (module.stop_after_if && evaluate(module.stop_after_if.expr, flowInput, { result })) throw new Stop(result);
  return result;
}
async function runModules(modules, flowInput, previous) {
  let last = previous;
  for (const module of modules) last = await runModule(module, flowInput, last);
  return last;
}
let outcome;
try {
  const result = await runModules(spec.flow.value.modules, spec.args, null);
  outcome = { ok: true, result, results, calls: spec.calls };
} catch (error) {
  if (error instanceof Stop) outcome = { ok: true, result: error.value, results, calls: spec.calls };
  else outcome = { ok: false, error: String(error?.message ?? error), results, calls: spec.calls };
}
// one line, then exit: n8n's engine leaves timers running that would keep the process alive
fs.writeSync(1, "\n" + JSON.stringify(outcome) + "\n");
process.exit(0);
"""


def run_flow_folder(folder: Path, args: dict | None = None, stubs: dict | None = None) -> dict:
    """Run ``<folder>/flow.yaml`` with its inline files; ``{"ok", "result", "results", "calls"}``."""
    flow = yaml.safe_load((folder / "flow.yaml").read_text(encoding="utf-8"))
    files = {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir() if p.suffix == ".ts"}
    return run_flow(flow, files, args, stubs)


def run_flow(flow: dict, files: dict[str, str], args: dict | None = None, stubs: dict | None = None,
             env: dict | None = None, resources: dict | None = None) -> dict:
    """Run ``flow`` with its step ``files`` under Bun; ``env`` adds to the steps' environment,
    ``resources`` are the Windmill resources (path -> value) its ``$res:`` references read."""
    bun = bun_binary()
    if bun is None:
        raise AssertionError("the pinned Bun is not installed (set-up installs it)")
    with tempfile.TemporaryDirectory(prefix="phoenix-flow-") as tmp:
        packages = npm_packages_for_steps()
        if packages:
            Path(tmp, "node_modules").symlink_to(packages)
        steps = Path(tmp, "steps")
        steps.mkdir()
        for name, code in files.items():
            (steps / name).write_text(code, encoding="utf-8")
        spec = Path(tmp, "spec.json")
        spec.write_text(json.dumps({"flow": flow, "files": files, "args": args or {}, "stubs": stubs or {},
                                    "resources": resources or {}, "calls": []}), encoding="utf-8")
        runner = Path(tmp, "run.mjs")
        runner.write_text(RUNNER, encoding="utf-8")
        # no auto-install: a step's imports come from the local node_modules or fail
        proc = subprocess.run([str(bun), "run", "--no-install", *workspace_preload(tmp), str(runner), str(spec)],
                              capture_output=True, text=True, timeout=900, cwd=tmp, env={**step_environment(), **(env or {})})
    lines = [line for line in proc.stdout.split("\n") if line.startswith("{")]  # not splitlines: U+2028
    if not lines:
        raise AssertionError(f"the flow runner crashed: {proc.stderr[-3000:]}")
    return json.loads(lines[-1])


def json_of_items(value):
    """A flow result as n8n's ``$json`` of each item (host steps hand on n8n items; native steps plain JSON)."""
    if isinstance(value, dict) and set(value) <= {"outputs", "staticData"} and isinstance(value.get("outputs"), list):
        value = [entry for output in value["outputs"] for entry in (output or [])]
    if not isinstance(value, list):
        return value
    return [entry["json"] if isinstance(entry, dict) and isinstance(entry.get("json"), dict)
            and set(entry) <= {"json", "binary", "pairedItem", "error", "metadata", "index"} else entry
            for entry in value]
