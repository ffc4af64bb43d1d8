"""Run a translated flow end to end, locally, with the semantics the translator relies on.

No Windmill server can run here, so this small interpreter executes the
OpenFlow modules the n8n translator produces: Bun ``rawscript`` steps (run by
the pinned Bun, as Windmill runs ``language: bun``; host steps run n8n's own
nodes with the cached n8n install), ``identity``, ``branchone``,
``branchall``, ``forloopflow``, ``whileloopflow`` with ``stop_after_if``,
``skip_if``, ``continue_on_error``, ``script`` modules answered by stubs (the
Phoenix router), ``flow`` modules run from the flows given by path (the other
flows of the same translation run), and the flow's ``failure_module``. It is a
test harness, not a Windmill replacement; what it does as Windmill does:

- input transforms are JavaScript over ``flow_input`` and ``results``; with
  ``windmill_eval`` they are rewritten as Windmill's js_eval rewrites them
  (every ``results.x`` awaited, an expression holding ``return `` taken as a
  function body), so an expression that only works outside Windmill fails here;
- ``$res:<path>`` strings in static values become the resource's value;
- a failed step's error reaches the failure module as ``error`` (name,
  message, stack, step_id of the step that threw) with ``flow_job_id``; the
  flow stays failed unless the failure module returns ``{recover: true}``, and
  ends with the failure module's error when that fails too;
- a skipped module (``skip_if``) leaves the previous result as its own;
- a loopback stand-in of Windmill's job API (``POST /api/w/{ws}/jobs/run/f/{path}``,
  Bearer token) runs a flow started by a step as a job of its own, not awaited
  by the step; ``jobs`` lists them with their outcome when the run is over.

Sleeps and suspends are skipped. Steps import the node host and the runtime as
Windmill resolves workspace scripts (``/f/phoenix/n8n_host/host.ts``); a Bun
preload makes those imports this repository's files (tests/support/ts_step.py
``workspace_preload``). Each flow's steps sit in their own temporary folder.
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
import http from "node:http";
import path from "node:path";
const [,, specFile] = process.argv;
const spec = JSON.parse(fs.readFileSync(specFile, "utf8"));
const work = path.dirname(specFile);
const loaded = {};
const jobs = [];
const failures = [];
let jobCounter = 0;
let topRun = null;
const MAX_DEPTH = 25;
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
const AsyncFunction = (async () => {}).constructor;
// With spec.windmillEval, as Windmill's js_eval.rs does: every results.x / flow_env.x is awaited, and an
// expression holding "return " is a function body (so `.map((r) => results.x)` or a literal "return " break
// there as they break in Windmill). Otherwise the plain value of the expression.
async function evaluate(expr, scope) {
  if (!spec.windmillEval) return new Function(...Object.keys(scope), `return (${expr});`)(...Object.values(scope));
  const awaited = expr.replace(/(?:results|flow_env)(?:\?)?(?:(?:\.[a-zA-Z_0-9]+)|(?:\[".*?"\]))/gm, (r) => `(await ${r})`);
  const body = expr.includes("return ") ? awaited : `return ${awaited}`;
  return new AsyncFunction(...Object.keys(scope), body)(...Object.values(scope));
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
async function transform(transforms, scope) {
  const args = {};
  for (const [k, t] of Object.entries(transforms ?? {})) args[k] = t.type === "static" ? resolved(t.value) : await evaluate(t.expr, scope);
  return args;
}
async function runScript(run, value, scope) {
  const name = value.content.replace(/^!inline /, "");
  const code = run.files[name];
  if (code === undefined) throw new Error(`inline file ${name} of flow ${run.where} is missing`);
  const key = `${run.dir}/${name}`;  // each flow's steps sit in their own folder (written by run_flow)
  if (!loaded[key]) loaded[key] = await import(path.join(work, "steps", run.dir, name));
  const args = await transform(value.input_transforms, scope);
  return loaded[key].main(...argNames(code).map((n) => args[n]));
}
async function runModule(run, module, flowInput, previous, extra = {}) {
  const value = module.value;
  const scope = { flow_input: flowInput, results: run.results, previous_result: previous, ...extra };
  let result;
  if (module.skip_if && await evaluate(module.skip_if.expr, scope)) {
    run.results[module.id] = previous;
    return previous;
  }
  try {
    if (value.type === "rawscript") result = await runScript(run, value, scope);
    else if (value.type === "identity") result = previous;
    else if (value.type === "script") {
      if (!(value.path in spec.stubs)) throw new Error(`no stub for script ${value.path}`);
      const args = await transform(value.input_transforms, scope);
      spec.calls.push({ path: value.path, args });
      result = spec.stubs[value.path];
    } else if (value.type === "flow") {
      const target = spec.flows[value.path];
      if (!target) throw new Error(`flow ${value.path} is not among the flows given to the test runner`);
      const args = await transform(value.input_transforms, scope);
      spec.calls.push({ path: value.path, args, flow: true });
      result = (await runFlow(target, args, value.path, run.depth + 1)).value;
    } else if (value.type === "branchone") {
      let branch = null;
      for (const candidate of value.branches) if (!branch && await evaluate(candidate.expr, scope)) branch = candidate;
      result = await runModules(run, branch ? branch.modules : value.default, flowInput, previous);
    } else if (value.type === "branchall") {
      result = [];
      for (const branch of value.branches) result.push(await runModules(run, branch.modules, flowInput, previous));
    } else if (value.type === "forloopflow") {
      result = [];
      const list = await evaluate(value.iterator.expr, scope);
      for (let index = 0; index < list.length; index++) {
        result.push(await runModules(run, value.modules, { ...flowInput, iter: { value: list[index], index } }, previous));
      }
    } else if (value.type === "whileloopflow") {
      result = [];
      for (let index = 0; index < 50; index++) {
        try {
          result.push(await runModules(run, value.modules, { ...flowInput, iter: { value: index, index } }, previous));
        } catch (signal) {
          if (!(signal instanceof Stop)) throw signal;
          result.push(signal.value);
          break;
        }
        if (index === 49) throw new Error("while loop did not stop after 50 rounds");
      }
    } else throw new Error(`module type ${value.type} is not supported by the test runner`);
  } catch (error) {
    if (error instanceof Stop) throw error;
    const failed = error instanceof Error ? error : new Error(String(error));
    failed.stepId ??= module.id;  // the innermost step that threw, as Windmill's error.step_id
    if (!module.continue_on_error) throw failed;
    result = { error: { name: failed.name, message: String(failed.message) } };
  }
  run.results[module.id] = result;
  if (module.stop_after_if && await evaluate(module.stop_after_if.expr, { ...scope, result })) throw new Stop(result);
  return result;
}
async function runModules(run, modules, flowInput, previous) {
  let last = previous;
  for (const module of modules) last = await runModule(run, module, flowInput, last);
  return last;
}
// One flow job: its own results; on failure its failure module (with the error and the job's id).
async function runFlow(target, args, where, depth) {
  if (depth > MAX_DEPTH) throw new Error(`flows nested more than ${MAX_DEPTH} deep (a flow calling itself forever?)`);
  const run = { results: {}, files: target.files, dir: target.dir, where, depth, jobId: `job-${++jobCounter}` };
  if (depth === 0) topRun = run;
  const value = target.flow.value;
  try {
    return { value: await runModules(run, value.modules, args, null), results: run.results };
  } catch (error) {
    if (error instanceof Stop) return { value: error.value, results: run.results };
    if (!value.failure_module) throw error;
    const wrapped = { error: { name: error.name, message: String(error.message), stack: String(error.stack ?? ""),
                               step_id: error.stepId } };
    const failure = { flow: where, job: run.jobId, error: wrapped.error };
    let handled;
    try {
      handled = await runModule(run, value.failure_module, args, wrapped, { error: wrapped.error, flow_job_id: run.jobId });
    } catch (failed) {
      failures.push({ ...failure, failed: String(failed?.message ?? failed) });
      throw failed;  // the failure module failed: the flow ends with its error
    }
    failures.push({ ...failure, result: handled });
    if (handled && handled.recover === true) return { value: handled, results: run.results };
    throw error;
  }
}
// A loopback stand-in of Windmill's "run flow by path" API: the flow runs as a job of its own.
const token = `test-token-${process.pid}`;
const server = http.createServer((request, response) => {
  let body = "";
  request.on("data", (chunk) => { body += chunk; });
  request.on("end", () => {
    const match = request.url.match(/^\/api\/w\/([^/]+)\/jobs\/run\/f\/(.+)$/);
    const target = match && spec.flows[match[2]];
    if (request.method !== "POST" || !match || request.headers.authorization !== `Bearer ${token}`
        || decodeURIComponent(match[1]) !== "test" || !target) {
      response.writeHead(match && !target ? 404 : 400); response.end("refused by the test stand-in"); return;
    }
    const args = JSON.parse(body || "{}");
    const id = `started-${jobs.length + 1}`;
    const job = { id, path: match[2], args };
    job.done = runFlow(target, args, match[2], 1).then((out) => { job.ok = true; job.result = out.value; },
                                                      (error) => { job.ok = false; job.error = String(error?.message ?? error); });
    jobs.push(job);
    response.writeHead(200, { "Content-Type": "text/plain" }); response.end(id);
  });
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
process.env.BASE_INTERNAL_URL = `http://127.0.0.1:${server.address().port}`;
process.env.WM_TOKEN = token;
process.env.WM_WORKSPACE = "test";
let outcome;
try {
  const out = await runFlow({ flow: spec.flow, files: spec.files, dir: "main" }, spec.args, "(flow)", 0);
  outcome = { ok: true, result: out.value, results: out.results };
} catch (error) {
  outcome = { ok: false, error: String(error?.message ?? error), results: topRun?.results ?? {} };
}
for (const job of jobs) await job.done;
server.close();
outcome.calls = spec.calls;
outcome.failures = failures;
outcome.jobs = jobs.map(({ done, ...job }) => job);
// one line, then exit: n8n's engine leaves timers running that would keep the process alive
fs.writeSync(1, "\n" + JSON.stringify(outcome) + "\n");
process.exit(0);
"""


def load_flows(out_dir: Path, path_prefix: str = "f/phoenix/n8n") -> dict[str, dict]:
    """Every ``<slug>__flow`` of a translation run's output folder, by its Windmill path."""
    flows = {}
    for folder in sorted(Path(out_dir).glob("*__flow")):
        flow = yaml.safe_load((folder / "flow.yaml").read_text(encoding="utf-8"))
        files = {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir() if p.suffix == ".ts"}
        flows[f"{path_prefix.rstrip('/')}/{folder.name.removesuffix('__flow')}"] = {"flow": flow, "files": files}
    return flows


def run_flow_folder(folder: Path, args: dict | None = None, stubs: dict | None = None,
                    flows: dict[str, dict] | None = None, windmill_eval: bool = False) -> dict:
    """Run ``<folder>/flow.yaml`` with its inline files; ``{"ok", "result", "results", "calls", ...}``."""
    flow = yaml.safe_load((folder / "flow.yaml").read_text(encoding="utf-8"))
    files = {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir() if p.suffix == ".ts"}
    return run_flow(flow, files, args, stubs, flows=flows, windmill_eval=windmill_eval)


def run_flow(flow: dict, files: dict[str, str], args: dict | None = None, stubs: dict | None = None,
             env: dict | None = None, resources: dict | None = None, flows: dict[str, dict] | None = None,
             windmill_eval: bool = False) -> dict:
    """Run ``flow`` with its step ``files`` under Bun.

    ``env`` adds to the steps' environment, ``resources`` are the Windmill
    resources (path -> value) its ``$res:`` references read, ``flows`` (path ->
    {"flow", "files"}, see ``load_flows``) the flows its steps may call,
    ``windmill_eval`` evaluates expressions the way Windmill rewrites them. The
    answer: ``ok``, ``result`` or ``error``, ``results`` (by step id), ``calls``
    (script stubs and flow steps, with their arguments), ``failures`` (failure
    modules that ran) and ``jobs`` (flows started through the job API).
    """
    bun = bun_binary()
    if bun is None:
        raise AssertionError("the pinned Bun is not installed (set-up installs it)")
    with tempfile.TemporaryDirectory(prefix="phoenix-flow-") as tmp:
        packages = npm_packages_for_steps()
        if packages:
            Path(tmp, "node_modules").symlink_to(packages)
        called = {path: {**target, "dir": f"flow{index}"} for index, (path, target) in enumerate((flows or {}).items())}
        for folder, step_files in [("main", files)] + [(t["dir"], t["files"]) for t in called.values()]:
            steps = Path(tmp, "steps", folder)
            steps.mkdir(parents=True)
            for name, code in step_files.items():
                (steps / name).write_text(code, encoding="utf-8")
        spec = Path(tmp, "spec.json")
        spec.write_text(json.dumps({"flow": flow, "files": files, "args": args or {}, "stubs": stubs or {},
                                    "resources": resources or {}, "flows": called, "calls": [],
                                    "windmillEval": windmill_eval}), encoding="utf-8")
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
    if isinstance(value, dict) and set(value) <= {"outputs", "staticData", "processedData", "state"} and isinstance(value.get("outputs"), list):
        value = [entry for output in value["outputs"] for entry in (output or [])]
    if not isinstance(value, list):
        return value
    return [entry["json"] if isinstance(entry, dict) and isinstance(entry.get("json"), dict)
            and set(entry) <= {"json", "binary", "pairedItem", "error", "metadata", "index"} else entry
            for entry in value]
