"""Sub-workflows: Execute Workflow calls another translated flow; the triggers a called flow starts at.

Execute Workflow (every version) becomes a Windmill ``flow`` step calling the
flow translated from the sub-workflow in the same run (``links.py``): found by
id (source "database", ``$workflow.id`` being the workflow itself), by file
(source "localFile"), or translated from the node's inline JSON as its own
flow (source "parameter"). As n8n does:

- mode "once" passes all items in one call, mode "each" calls once per item
  (a ``forloopflow`` around the call); a node no item reaches calls nothing;
- v1.2+ maps the items through ``workflowInputs`` first (each field's value
  evaluated per item, converted to its declared type, removed fields dropped);
- the call's output is the sub-flow's items (its result; a routed result
  gives its first output, as n8n returns the last node's output 0);
- ``options.waitForSubWorkflow`` false starts the sub-flow through Windmill's
  API (``POST /api/w/{workspace}/jobs/run/f/{path}``, the job's own token) and
  hands on the node's input items without waiting, as n8n does: a Windmill
  flow step always waits for its sub-flow.

The Execute Workflow Trigger makes a called flow's inputs: ``items`` (what the
caller passes) plus, for v1.1 "workflowInputs"/"jsonExample", each declared
field with its type, so a run from Windmill's form is one item of those
fields. The Error Trigger's inputs are n8n's error data (``execution``,
``workflow``), which the caller's failure module passes (``../failure.py``).
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Optional

from ...expressions import Untranslatable
from ...literals import expression_literal, js_value
from ...runtime import runtime_import
from ...workflow import without_lone_surrogates
from ..context import BASE, TRIGGER_INPUT, NodeContext, NodeTranslation
from ..links import Callee
from ..registry import structural
from ..steps import (STEP_HEADER, bun_step, locator_value, node_literal, params_js, pass_through_step, per_item,
                     rawscript)
from .triggers import entry


def items_input(without: str) -> dict:
    return {"items": {"type": "array", "items": {"type": "object"},
                      "description": "the items the calling workflow passes (n8n: the Execute Workflow node's "
                                     f"input); leave empty to run with {without}"}}


ERROR_INPUTS = {
    "execution": {"type": "object", "description": "n8n's error data about the failed run: id, url, "
                                                   "error {message, stack}, lastNodeExecuted, mode"},
    "workflow": {"type": "object", "description": "the workflow that failed: id, name"}}
# The flow inputs every translated flow may already have; a declared field of those names is read from
# the caller's items only.
RESERVED_INPUTS = {"items", TRIGGER_INPUT}
# JSON schema types of n8n's workflow input types ("any": no type)
INPUT_TYPES = {"string": "string", "number": "number", "boolean": "boolean", "array": "array", "object": "object"}
SELF = re.compile(r"^=\s*\{\{\s*\$workflow\.id\s*\}\}\s*$")
# n8n_host/runtime.ts isItem, as an expression: an object whose `json` is an object, with n8n's item keys only
IS_ITEM = ("(e) => e !== null && typeof e === 'object' && !Array.isArray(e) && e.json !== null && typeof e.json === "
           "'object' && !Array.isArray(e.json) && Object.keys(e).every((k) => ['json', 'binary', 'pairedItem', "
           "'error', 'metadata', 'index'].includes(k))")

# A sub-flow's result as items: a routed or host step result ({outputs, staticData}) gives its first output
# (n8n returns the last node's output 0); loop and branch results are lists of lists; n8n items stay n8n
# items. (No "return " or inner ``results.`` here: Windmill rewrites both in an expression's text.)
SUBFLOW_ITEMS = ("((r, f) => f(f, r))({result}, (f, v) => v == null ? [] : Array.isArray(v) ? v.flatMap((w) => f(f, w))"
                 " : (typeof v === 'object' && Array.isArray(v.outputs) && Object.keys(v).every((k) => k === 'outputs'"
                 " || k === 'staticData')) ? f(f, v.outputs[0]) : [v])")


@structural(BASE + "executeWorkflow")
def execute_workflow(ctx: NodeContext) -> NodeTranslation:
    p = ctx.node.parameters
    callee = _callee(ctx)
    if callee.problem:
        raise Untranslatable(f"it calls {_describe(callee)}, but {callee.problem}")
    modules, files, items = _mapped_items(ctx)
    options = p.get("options") if isinstance(p.get("options"), dict) else {}
    wait = options.get("waitForSubWorkflow", True)
    if not isinstance(wait, bool):
        raise Untranslatable(f"waitForSubWorkflow is {wait!r}, not true or false")
    each = p.get("mode", "once") == "each"
    if not wait:
        started = _start_without_waiting(ctx, callee, items, each)
        started.modules = modules + started.modules
        started.files.update(files)
        return started
    step = ctx.new_id(f"{ctx.node.name}_call") if each else ctx.step_id
    call = {"id": step, "summary": f"{ctx.node.name}: run {callee.name or callee.path}",
            "value": {"type": "flow", "path": callee.path,
                      "input_transforms": _call_inputs(callee, "[flow_input.iter.value]" if each else items)}}
    if each:
        loop = {"id": ctx.step_id, "summary": f"{ctx.node.name}: once per item",
                "value": {"type": "forloopflow", "iterator": {"type": "javascript", "expr": items},
                          "skip_failures": False, "parallel": False, "modules": [call]}}
        # the loop's result is one list per call: collected into the node's items (the flow's result when last)
        collected = pass_through_step(replace(ctx, step_id=ctx.new_id(f"{ctx.node.name}_items"),
                                              items=SUBFLOW_ITEMS.format(result=f"results.{ctx.step_id}")),
                                      f"{ctx.node.name}: the items of every call",
                                      "The items every call of the sub-flow gave, in item order (n8n's output).")
        collected.modules = modules + [loop] + collected.modules
        collected.files.update(files)
        return collected
    # n8n runs no node that no item reaches: the call is skipped (its result is then not read)
    call["skip_if"] = {"expr": f"({items}).length === 0"}
    output = f"(({items}).length === 0 ? [] : {SUBFLOW_ITEMS.format(result=f'results.{step}')})"
    return NodeTranslation(modules=modules + [call], files=files, output=lambda _i: output)


def _callee(ctx: NodeContext) -> Callee:
    """The translated flow the node calls, or Untranslatable saying which workflow to translate with it."""
    source = ctx.node.parameters.get("source", "database")
    find = {"database": _by_id, "localFile": _by_file, "parameter": _inline}.get(source)
    if source == "url":
        raise Untranslatable("it downloads the workflow it runs from a URL when it runs: download that workflow "
                             "and translate it together with this one")
    if find is None:
        raise Untranslatable(f"sub-workflow source {source!r} is not translated")
    return find(ctx)


def _by_id(ctx: NodeContext) -> Callee:
    locator = ctx.node.parameters.get("workflowId", "")
    if ctx.node.type_version >= 1.1 and locator not in ("", None) and not isinstance(locator, dict):
        # ExecuteWorkflow getWorkflowInfo reads `.value` of the locator: a plain id gives none
        raise Untranslatable(f"its workflow id {str(locator)[:200]!r} is a plain value where this node version "
                             "expects a workflow locator ({__rl, value}): n8n fails this node too (\"No "
                             "information about the workflow to execute found\")")
    value = locator_value(locator)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise Untranslatable("no sub-workflow is chosen (its workflow id is empty)")
    if SELF.match(value):
        if ctx.links.itself is None:
            raise Untranslatable("it calls the workflow itself ($workflow.id), which has no flow path here")
        return ctx.links.itself
    if value.startswith("="):
        raise Untranslatable(f"the sub-workflow id is an expression ({value[:200]}) that n8n evaluates when it "
                             "runs; only {{ $workflow.id }} (the workflow itself) is resolved when translating")
    found = ctx.links.workflow(value.strip())
    if found is None:
        name = locator.get("cachedResultName") if isinstance(locator, dict) else None
        named = f" ({name})" if isinstance(name, str) and name else ""
        raise Untranslatable(f"it calls n8n workflow {value.strip()}{named}, which is not in this translation "
                             "run: translate that workflow together with this one (its JSON file in the same "
                             "folder, with its n8n id)")
    return found


def _by_file(ctx: NodeContext) -> Callee:
    path = ctx.node.parameters.get("workflowPath", "")
    if not isinstance(path, str) or not path.strip() or path.startswith("="):
        raise Untranslatable(f"its workflow file path {path!r} is empty or an expression")
    found = ctx.links.by_file(path)
    if found is None:
        raise Untranslatable(f"it runs the workflow file {path}, which is not in this translation run: put that "
                             "file in the folder translated with this one")
    return found


def _inline(ctx: NodeContext) -> Callee:
    text = ctx.node.parameters.get("workflowJson", "")
    if not isinstance(text, str) or text.startswith("="):
        raise Untranslatable("its inline workflow JSON is an expression or not text")
    if ctx.links.inline is None:
        raise Untranslatable("its inline workflow cannot be translated here")
    return ctx.links.inline(text, ctx.step_id)


def _describe(callee: Callee) -> str:
    return f"the workflow {callee.name or callee.workflow_id or callee.path}"


def _call_inputs(callee: Callee, items: str) -> dict:
    transforms = {}
    if callee.takes_items:
        transforms["items"] = {"type": "javascript", "expr": items}
    if callee.entry:
        transforms[TRIGGER_INPUT] = {"type": "static", "value": callee.entry}
    return transforms


# ---- workflowInputs (v1.2+): the items as the sub-workflow receives them ---------------------------

CONVERT_INPUT = r"""
// n8n-workflow validateFieldType for the types a sub-workflow input can have (the Execute Workflow node
// asks for strict types unless "attempt to convert types" is on).
function n8nWorkflowInput(key: string, value: any, type: string, strict: boolean, parseStrings: boolean, itemIndex: number): any {
  if (value === null || value === undefined) return value;
  const got = typeof value === "object" ? (Array.isArray(value) ? "array" : "object") : `'${String(value)}'`;
  const fail = (): never => {
    throw new Error(`Invalid input for '${key}' [item ${itemIndex}]: '${key}' expects a ${type} but we got ${got}`);
  };
  const kind = String(type).toLowerCase();
  if (kind === "string") {
    if (!parseStrings) return value;
    if (strict && typeof value !== "string") fail();
    return typeof value === "object" ? JSON.stringify(value) : String(value);
  }
  if (kind === "number") {
    if (strict && typeof value !== "number") fail();
    if (isNaN(Number(value))) fail();
    return Number(value);
  }
  if (kind === "boolean") {
    if (strict && typeof value !== "boolean") fail();
    if (typeof value === "boolean") return value;
    if (typeof value === "string" && ["true", "false"].includes(value.toLowerCase())) return value.toLowerCase() === "true";
    if (!(typeof value === "string" && value.trim() === "")) {
      const number = Number(value);
      if (number === 0) return false;
      if (number === 1) return true;
    }
    return fail();
  }
  if (kind === "object") {
    if (strict && (typeof value !== "object" && typeof value !== "function")) fail();
    if (typeof value === "object" && !Array.isArray(value)) return value;
    let parsed: any;
    try { parsed = JSON.parse(String(value)); } catch { return fail(); }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) fail();
    return parsed;
  }
  if (kind === "array") {
    if (strict && !Array.isArray(value)) fail();
    if (Array.isArray(value)) return value;
    let parsed: any;
    try { parsed = JSON.parse(String(value)); } catch {
      try { parsed = JSON.parse(String(value).replace(/'/g, '"')); } catch { return fail(); }
    }
    if (!Array.isArray(parsed)) fail();
    return parsed;
  }
  return value;
}
"""


def _mapped_items(ctx: NodeContext) -> tuple[list[dict], dict[str, str], str]:
    """A step applying ``workflowInputs`` (v1.2+, by id): its modules, files and the items it gives.

    Without a mapping (older versions, nothing mapped) the items go to the sub-flow as they are.
    """
    p = ctx.node.parameters
    inputs = p.get("workflowInputs")
    if ctx.node.type_version < 1.2 or p.get("source", "database") != "database" or not isinstance(inputs, dict):
        return [], {}, ctx.items
    values = inputs.get("value") if isinstance(inputs.get("value"), dict) else {}
    schema = [s for s in inputs.get("schema") or [] if isinstance(s, dict)]
    removed = [str(s.get("displayName", s.get("id", ""))) for s in schema if s.get("removed")]
    if not values and not removed:
        return [], {}, ctx.items
    types = {str(s["id"]): str(s["type"]) for s in schema if s.get("id") is not None and isinstance(s.get("type"), str)}
    mapping = {"types": types, "removed": removed,
               "strict": not bool(inputs.get("attemptToConvertTypes", False)),
               "parseStrings": bool(inputs.get("convertFieldsToString", False))}
    body = ("  const MAPPING: any = " + js_value(mapping) + ";\n"
            + "  const wired = wiredItems(items);  // n8n items: their binary data goes along, as in n8n\n"
            + per_item(params_js({"value": values}),
                       "const mapped: any = { ...$json };\n"
                       "    for (const [key, value] of Object.entries(params.value ?? {})) {\n"
                       "      mapped[key] = key in MAPPING.types ? n8nWorkflowInput(key, value, MAPPING.types[key], "
                       "MAPPING.strict, MAPPING.parseStrings, $itemIndex) : value;\n"
                       "    }\n"
                       "    for (const key of MAPPING.removed) delete mapped[key];\n"
                       "    const binary = (wired[$itemIndex] as any)?.binary;\n"
                       "    out.push({ json: mapped, ...(binary ? { binary } : {}), pairedItem: { item: $itemIndex } });"))
    step = replace(ctx, step_id=ctx.new_id(f"{ctx.node.name}_inputs"))
    mapped = bun_step(step, body, runtime=("wiredItems",),
                      comment="The items as the sub-workflow receives them (n8n's workflowInputs mapping).")
    name = f"{step.step_id}.ts"
    mapped.files[name] = mapped.files[name].replace("\nexport async function main(",
                                                    CONVERT_INPUT + "\nexport async function main(", 1)
    mapped.modules[0]["summary"] = f"{ctx.node.name}: workflow inputs"
    return mapped.modules, mapped.files, f"results.{step.step_id}"


# ---- "wait for sub-workflow completion" off: start the flow, hand the items on ----------------------

START_WITHOUT_WAITING = r"""
export async function main(items: any) {
  const input = passItems(items);  // n8n items (host steps) or plain JSON, handed on as they came
  if (!input.length) return [];
  const base = process.env.BASE_INTERNAL_URL ?? process.env.WM_BASE_URL;
  const token = process.env.WM_TOKEN;
  const workspace = process.env.WM_WORKSPACE;
  if (!base || !token || !workspace) {
    throw new Error("starting a sub-flow without waiting needs Windmill's job environment (BASE_INTERNAL_URL, WM_TOKEN, WM_WORKSPACE)");
  }
  const runs = SUBFLOW.each ? input.map((item: any) => [item]) : [input];
  const started: string[] = [];
  for (const batch of runs) {
    const args = { ...SUBFLOW.entry, ...(SUBFLOW.takesItems ? { items: batch } : {}) };
    const url = `${base.replace(/\/+$/, "")}/api/w/${encodeURIComponent(workspace)}/jobs/run/f/${SUBFLOW.path}`;
    const answer = await fetch(url, { method: "POST", body: JSON.stringify(args),
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" } });
    const text = await answer.text();
    if (!answer.ok) throw new Error(`Windmill did not start flow ${SUBFLOW.path}: HTTP ${answer.status} ${text.slice(0, 500)}`);
    started.push(text.trim().replace(/^"|"$/g, ""));
  }
  console.log(`started ${started.length} run(s) of ${SUBFLOW.path} without waiting for them: ${started.join(", ")}`);
  return input;
}
"""


def _start_without_waiting(ctx: NodeContext, callee: Callee, items: str, each: bool) -> NodeTranslation:
    """n8n's doNotWaitToFinish: the sub-flow is started as its own Windmill job; the node's items go on."""
    subflow = {"path": callee.path, "entry": {TRIGGER_INPUT: callee.entry} if callee.entry else {},
               "takesItems": callee.takes_items, "each": each}
    code = (STEP_HEADER
            + "// Starts the translated sub-flow as its own Windmill job and hands the items on without waiting\n"
            + "// (n8n's \"wait for sub-workflow completion\" off); SUBFLOW names the flow (Phoenix-made path).\n"
            + runtime_import("passItems") + node_literal(ctx.node) + f"const SUBFLOW = {js_value(subflow)};\n"
            + START_WITHOUT_WAITING)
    return rawscript(ctx, code, {"items": {"type": "javascript", "expr": items}},
                     f"{ctx.node.name}: start {callee.name or callee.path} (does not wait)")


# ---- the entry points of a called flow -------------------------------------------------------------

@structural(BASE + "executeWorkflowTrigger")
def execute_workflow_trigger(ctx: NodeContext) -> NodeTranslation:
    fields = declared_fields(ctx)
    if fields is None:  # v1 and "accept all data": the caller's items as they are
        return entry("(flow_input.items ?? [{}])", {"kind": "called", "inputs": items_input("one empty item")})
    inputs = items_input("one item of the workflow inputs below")
    for name, kind in fields:
        if name in RESERVED_INPUTS or name in inputs:
            continue
        spec = {"description": f"workflow input {name} ({kind}); one item of these fields when no items are given"}
        if kind in INPUT_TYPES:
            spec = {"type": INPUT_TYPES[kind], **spec}
        inputs[name] = spec
    names = list(dict.fromkeys(name for name, _kind in fields))
    # n8n: each item keeps the declared fields only, null where it has none, and its binary data
    # (ExecuteWorkflowTrigger.execute); the caller hands on n8n items (host steps) or plain JSON.
    pick = f"(json) => Object.fromEntries({expression_literal(names)}.map((key) => [key, json?.[key] ?? null]))"
    items = (f"((isItem, pick) => (flow_input.items ?? [flow_input]).flat(Infinity).map((entry) => isItem(entry) "
             f"? {{json: pick(entry.json), ...(entry.binary ? {{binary: entry.binary}} : {{}})}} : pick(entry)))"
             f"({IS_ITEM}, {pick})")
    return entry(items, {"kind": "called", "inputs": inputs})


def declared_fields(ctx: NodeContext) -> Optional[list[tuple[str, str]]]:
    """The trigger's declared inputs as (name, type), or None when it accepts all data."""
    p = ctx.node.parameters
    if ctx.node.type_version < 1.1:
        return None
    source = p.get("inputSource", "workflowInputs")
    if source == "passthrough":
        return None
    if source == "jsonExample":
        return _example_fields(p.get("jsonExample", ""))
    if source != "workflowInputs":
        raise Untranslatable(f"input data mode {source!r} is not one n8n knows")
    values = (p.get("workflowInputs") or {}).get("values") if isinstance(p.get("workflowInputs"), dict) else []
    return [(str(v.get("name", "")), str(v.get("type", "string"))) for v in values or [] if isinstance(v, dict)]


def _example_fields(text) -> list[tuple[str, str]]:
    """n8n's generate-schema of the JSON example: the top-level keys and their JSON types."""
    try:  # JSON text may escape a lone surrogate, which no UTF-8 file can hold: U+FFFD, as everywhere else
        example = without_lone_surrogates(json.loads(text)) if isinstance(text, str) else None
    except ValueError:
        example = None
    if not isinstance(example, dict):
        raise Untranslatable("its JSON example is not a JSON object (n8n fails this node too)")
    kinds = {str: "string", bool: "boolean", int: "number", float: "number", list: "array", dict: "object"}
    return [(str(key), kinds.get(type(value), "any")) for key, value in example.items()]


@structural(BASE + "errorTrigger")
def error_trigger(ctx: NodeContext) -> NodeTranslation:
    """An error flow's entry: one item of n8n's error data, which the failed flow's failure module passes."""
    return entry("[{execution: flow_input.execution ?? {}, workflow: flow_input.workflow ?? {}}]",
                 {"kind": "error", "inputs": dict(ERROR_INPUTS)})
