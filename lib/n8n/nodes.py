"""One translator per n8n node family, registered in ``TRANSLATORS``.

A translator turns one node into Windmill modules and says how its output
items are read (``output(i)``: a Windmill JavaScript expression giving the
items of output ``i``). Routing nodes (IF, Switch, error outputs) also give a
predicate per output, which the structurer turns into ``branchone`` branches.

Most nodes become a Bun ``rawscript`` step that carries the n8n runtime
(``runtime.py``), receives its items and the results of the nodes its
expressions read, and evaluates the node's parameters per item exactly like
n8n. A node nobody can translate becomes a placeholder step that fails when
run and says why: nothing is silently dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Optional

from .runtime import CONDITIONS, CORE, LUXON_BINDINGS, LUXON_IMPORT
from .expressions import Untranslatable, referenced_nodes, to_input_transform, to_step_js, walk_strings
from .literals import js_key, js_string, js_value
from .workflow import Node, Workflow

CREDENTIAL_RESOURCE_PREFIX = "f/phoenix/n8n_credentials/"
LANGCHAIN = "@n8n/n8n-nodes-langchain."
BASE = "n8n-nodes-base."


@dataclass
class NodeContext:
    node: Node
    workflow: Workflow
    step_id: str
    items: str                                   # JS: the node's input items
    inputs: dict[int, str]                       # JS per input index (Merge)
    node_items: Callable[[str], Optional[str]]   # JS giving an earlier node's items
    flow_path_of: Callable[[str], Optional[str]] = lambda _id: None
    output_count: int = 1
    new_id: Callable[[str], str] = lambda name: name  # a fresh step id, for nodes that need two steps


@dataclass
class NodeTranslation:
    modules: list[dict]
    files: dict[str, str] = field(default_factory=dict)
    output: Callable[[int], str] = lambda _i: "[]"
    status: str = "translated"                  # translated | placeholder
    reason: str = ""
    predicates: Optional[list[str]] = None      # routing nodes: branch expr per output
    trigger: Optional[dict] = None              # entry nodes: {"kind": ..., ...}


Translator = Callable[[NodeContext], NodeTranslation]
TRANSLATORS: dict[str, Translator] = {}


def translates(*types: str):
    """Register a translator for full node type names."""
    def register(function: Translator) -> Translator:
        for node_type in types:
            TRANSLATORS[node_type] = function
        return function
    return register


def translate_node(ctx: NodeContext) -> NodeTranslation:
    """The registered translator, a family fallback, or a placeholder; never raises Untranslatable."""
    if ctx.node.disabled:
        return disabled_pass_through(ctx)
    translator = TRANSLATORS.get(ctx.node.type) or family_translator(ctx.node)
    if translator is None:
        return placeholder(ctx, f"no translation exists for node type {ctx.node.type}")
    try:
        return translator(ctx)
    except Untranslatable as exc:
        return placeholder(ctx, str(exc))
    except (AttributeError, TypeError, ValueError, KeyError, OverflowError) as exc:
        # Parameters of a shape this translator does not know (a whole object given as one
        # expression, a list where n8n writes an object): this node only, never the whole file.
        return placeholder(ctx, f"its parameters have a shape the translator does not handle "
                                f"({type(exc).__name__}: {exc})")


def family_translator(node: Node) -> Optional[Translator]:
    short = node.short_type
    if node.type.startswith(LANGCHAIN) and _is_ai_sub_node(short):
        return lambda ctx: placeholder(ctx, f"no translation exists for the AI node type {ctx.node.type} "
                                            "(only agents and LLM chains are folded into a router call)")
    if short.lower().endswith("trigger"):
        return service_trigger
    return None


def _is_ai_sub_node(short: str) -> bool:
    return short.startswith(("lmChat", "lm", "memory", "tool", "embeddings", "outputParser",
                             "textSplitter", "document", "retriever", "vectorStore", "reranker"))


# --- building blocks --------------------------------------------------------------------

# The first line of every generated step: no workflow text ever goes into a comment.
STEP_HEADER = "// Translated from n8n by Phoenix. N8N_NODE below names the node (as data, never as code).\n"


def params_js(value) -> str:
    """A parameter tree as JavaScript: data as literals, each expression as a literal the runtime evaluates."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{js_key(k)}: {params_js(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(params_js(v) for v in value) + "]"
    if isinstance(value, str):
        return to_step_js(value)
    return js_value(value)


def node_literal(node: Node, extra: dict | None = None) -> str:
    """``const N8N_NODE = {...};``: who the step stands for, as a literal (names, type, notes)."""
    about = {"name": node.name, "type": node.type, "typeVersion": node.type_version}
    if node.notes:
        about["notes"] = node.notes
    about.update(extra or {})
    return f"const N8N_NODE = {js_value(about)};\n"


def node_refs_input(ctx: NodeContext) -> Optional[str]:
    """The ``nodes`` input: ``{"Name": results.step, ...}`` for every node the parameters read."""
    names = set()
    for text in walk_strings(ctx.node.parameters):
        names |= referenced_nodes(text)
    known = {name: ctx.node_items(name) for name in sorted(names)}
    pairs = [f"{js_key(name)}: {expr}" for name, expr in known.items() if expr is not None]
    return "({" + ", ".join(pairs) + "})" if pairs else None


def bun_step(ctx: NodeContext, body: str, *, conditions: bool = False, extra_inputs: dict | None = None,
             comment: str = "", output: Callable[[int], str] | None = None,
             predicates: list[str] | None = None, imports: str = "") -> NodeTranslation:
    """A Bun rawscript step running ``body`` with the n8n runtime in scope.

    ``comment`` is Phoenix's own text about the step; ``imports`` are the
    ``import`` lines the body needs (they must come first in an ES module).
    """
    uses_luxon = "DateTime" in body or "$now" in body or "$today" in body
    workflow = {"name": ctx.workflow.name, "id": str(ctx.workflow.raw.get("id", ""))}
    parameters = ["items: any", "nodes: Record<string, any> = {}"] + [f"{k}: any" for k in (extra_inputs or {})]
    code = (STEP_HEADER
            + "".join(f"// {line}\n" for line in comment.splitlines())
            + imports + (LUXON_IMPORT if uses_luxon else "")
            + node_literal(ctx.node)
            + CORE + (CONDITIONS if conditions else "")
            + f"\nexport async function main({', '.join(parameters)}) {{\n"
            + "  const input = toItems(items);\n"
            + "  const n8n = n8nContext(input, nodes ?? {}, "
            + f"{js_value(workflow)}{', ' + LUXON_BINDINGS if uses_luxon else ''});\n"
            + "  const { $, $input, $node, $items, $workflow, $execution, $env, $vars, $runIndex, $prevNode,"
            + " $ifEmpty, $if, $max, $min, setIndex, $e, $t } = n8n;\n"
            + body.rstrip() + "\n}\n")
    transforms = {"items": {"type": "javascript", "expr": ctx.items}}
    refs = node_refs_input(ctx)
    if refs:
        transforms["nodes"] = {"type": "javascript", "expr": refs}
    for name, expr in (extra_inputs or {}).items():
        transforms[name] = expr
    return _rawscript(ctx, code, transforms, ctx.node.name, output=output, predicates=predicates)


def _rawscript(ctx: NodeContext, code: str, transforms: dict, summary: str, *,
               output: Callable[[int], str] | None = None, predicates: list[str] | None = None,
               status: str = "translated", reason: str = "") -> NodeTranslation:
    """One Bun step with its inline file, named by the Phoenix-made step id."""
    file_name = f"{ctx.step_id}.ts"
    module = {"id": ctx.step_id, "summary": summary,
              "value": {"type": "rawscript", "language": "bun", "content": f"!inline {file_name}",
                        "input_transforms": transforms}}
    step_result = f"results.{ctx.step_id}"
    return NodeTranslation(modules=[module], files={file_name: code}, output=output or (lambda _i: step_result),
                           predicates=predicates, status=status, reason=reason)


def per_item(params_js: str, expression: str) -> str:
    """Body evaluating the node's parameters per item, like n8n, then ``expression``."""
    return ("  const out: any[] = [];\n"
            "  for (let $itemIndex = 0; $itemIndex < input.length; $itemIndex++) {\n"
            "    setIndex($itemIndex);\n"
            "    const $json = input[$itemIndex];\n"
            f"    const params: any = {params_js};\n"
            f"    {expression}\n"
            "  }\n"
            "  return out;\n")


def routing_outputs(ctx: NodeContext, count: int) -> tuple[Callable[[int], str], list[str]]:
    result = f"results.{ctx.step_id}"
    return ((lambda i: f"{result}.outputs[{i}]"),
            [f"{result}.outputs[{i}].length > 0" for i in range(count)])


def placeholder(ctx: NodeContext, reason: str) -> NodeTranslation:
    """A step that fails when run, naming the node and why it was not translated.

    Its n8n parameters and credential references travel in the file as
    literals (``N8N_NODE``), for whoever writes the replacement.
    """
    node = ctx.node
    message = (f'n8n node "{node.name}" ({node.type}) was not translated to Windmill: {reason}. '
               "Replace this placeholder step with an equivalent script.")
    code = (STEP_HEADER
            + "// PLACEHOLDER: this n8n node was NOT translated; main() fails, saying why.\n"
            + "// N8N_NODE holds its parameters and the credentials it used (references only).\n"
            + node_literal(node, {"reason": reason, "credentials": sorted(node.credentials),
                                  "parameters": node.parameters})
            + "export async function main(items: any) {\n"
            + f"  throw new Error({js_string(message)});\n}}\n")
    return _rawscript(ctx, code, {"items": {"type": "javascript", "expr": ctx.items}},
                      f"PLACEHOLDER (not translated): {node.name} [{node.short_type}]",
                      status="placeholder", reason=reason)


PASS_THROUGH_JS = """export async function main(items: any) {
  // Items travel as plain JSON; nested lists (loop results) and routed outputs are flattened.
  const flat = (v: any): any[] => v == null ? [] : Array.isArray(v) ? v.flatMap(flat) : v.outputs ? v.outputs.flatMap(flat) : [v];
  return flat(items);
}
"""


def pass_through_step(ctx: NodeContext, summary: str, why: str) -> NodeTranslation:
    """A step returning its input items unchanged, so the flow's result is right where it ends.

    (Windmill's ``identity`` would return the previous module's raw result,
    which after a loop or a branch is not this node's items.)
    """
    code = STEP_HEADER + "".join(f"// {line}\n" for line in why.splitlines()) + node_literal(ctx.node) + PASS_THROUGH_JS
    translation = _rawscript(ctx, code, {"items": {"type": "javascript", "expr": ctx.items}}, summary)
    step_result = f"results.{ctx.step_id}"
    translation.output = lambda i: step_result if i == 0 else "[]"
    return translation


def disabled_pass_through(ctx: NodeContext) -> NodeTranslation:
    """n8n skips a disabled node and hands its input to the first output."""
    return pass_through_step(ctx, f"{ctx.node.name} (disabled in n8n: passes items through)",
                             "Disabled in n8n: n8n hands its input items to its first output unchanged.")


def _param(node: Node, key: str, default=None):
    value = node.parameters.get(key, default)
    return default if value is None else value


def _rl_value(value):
    """n8n resource locators (``{"__rl": true, "value": ...}``) to their value."""
    return value.get("value") if isinstance(value, dict) and "__rl" in value else value


# --- entry points (triggers) -------------------------------------------------------------

def entry(items_expr: str, trigger: dict) -> NodeTranslation:
    return NodeTranslation(modules=[], output=lambda _i: items_expr, trigger=trigger)


@translates(BASE + "manualTrigger", BASE + "start")
def manual_trigger(ctx: NodeContext) -> NodeTranslation:
    return entry("[{}]", {"kind": "manual"})


@translates(BASE + "webhook")
def webhook_trigger(ctx: NodeContext) -> NodeTranslation:
    p = ctx.node.parameters
    items = "[{headers: flow_input.headers ?? {}, params: {}, query: flow_input.query ?? {}, body: flow_input.body ?? {}}]"
    return entry(items, {"kind": "http", "path": str(_param(ctx.node, "path", "") or ctx.node.raw.get("webhookId", "")),
                         "method": str(p.get("httpMethod", "GET")), "auth": str(p.get("authentication", "none")),
                         "response_mode": str(p.get("responseMode", "onReceived")),
                         "inputs": {"body": {"type": "object", "description": "the request body (n8n $json.body)"},
                                    "query": {"type": "object", "description": "query parameters"},
                                    "headers": {"type": "object", "description": "request headers"}}})


@translates(BASE + "formTrigger")
def form_trigger(ctx: NodeContext) -> NodeTranslation:
    trigger = webhook_trigger(ctx).trigger
    trigger.update(method="POST", response_mode="onReceived")
    return entry("[flow_input.body ?? {}]", trigger)


@translates(LANGCHAIN + "chatTrigger", LANGCHAIN + "manualChatTrigger")
def chat_trigger(ctx: NodeContext) -> NodeTranslation:
    items = '[{sessionId: flow_input.sessionId ?? "windmill", action: "sendMessage", chatInput: flow_input.chatInput ?? ""}]'
    return entry(items, {"kind": "http", "path": f"chat/{ctx.node.raw.get('webhookId') or ctx.step_id}",
                         "method": "POST", "auth": "none", "response_mode": "lastNode", "unwrapped": True,
                         "inputs": {"chatInput": {"type": "string", "description": "the chat message"},
                                    "sessionId": {"type": "string", "description": "chat session id"}}})


@translates(BASE + "scheduleTrigger", BASE + "cron", BASE + "interval")
def schedule_trigger(ctx: NodeContext) -> NodeTranslation:
    crons = schedule_crons(ctx.node)
    if not crons:
        raise Untranslatable("its schedule rule could not be converted to a cron expression")
    return entry("[{timestamp: new Date().toISOString()}]", {"kind": "schedule", "crons": crons,
                                                              "timezone": ctx.workflow.raw.get("settings", {}).get("timezone") if isinstance(ctx.workflow.raw.get("settings"), dict) else None})


@translates(BASE + "executeWorkflowTrigger", BASE + "errorTrigger")
def called_trigger(ctx: NodeContext) -> NodeTranslation:
    return entry("(flow_input.items ?? [])", {"kind": "called", "inputs": {
        "items": {"type": "array", "items": {"type": "object"}, "description": "items passed by the caller"}}})


def service_trigger(ctx: NodeContext) -> NodeTranslation:
    translation = placeholder(ctx, f"{ctx.node.short_type} listens to an external service; Windmill has no "
                                   "built-in equivalent (call this flow from that service's webhook instead)")
    translation.output = lambda _i: "[flow_input.trigger_event ?? {}]"
    translation.trigger = {"kind": "service", "inputs": {
        "trigger_event": {"type": "object", "description": "the event the n8n trigger would have produced"}}}
    return translation


def schedule_crons(node: Node) -> list[str]:
    """Windmill 6-field cron expressions (seconds first) for an n8n schedule node."""
    p = node.parameters
    if node.short_type == "interval":
        seconds = int(p.get("interval", 1) or 1) * {"minutes": 60, "hours": 3600}.get(p.get("unit", "seconds"), 1)
        return [_every_seconds(seconds)]
    if node.short_type == "cron":
        items = (p.get("triggerTimes") or {}).get("item") or [{"mode": "everyDay"}]
        return [c for c in (_legacy_cron(item) for item in items if isinstance(item, dict)) if c]
    intervals = (p.get("rule") or {}).get("interval") or [{}]
    return [c for c in (_rule_cron(rule) for rule in intervals if isinstance(rule, dict)) if c]


def _every_seconds(seconds: int) -> str:
    if seconds < 60:
        return f"*/{max(1, seconds)} * * * * *"
    if seconds < 3600:
        return f"0 */{seconds // 60} * * * *"
    return f"0 0 */{max(1, seconds // 3600)} * * *"


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _rule_cron(rule: dict) -> Optional[str]:
    kind = rule.get("field", "days")
    minute, hour = _int(rule.get("triggerAtMinute", 0), 0), _int(rule.get("triggerAtHour", 0), 0)
    if kind == "cronExpression":
        return _normalize_cron(str(rule.get("expression", "")))
    if kind == "seconds":
        return f"*/{_int(rule.get('secondsInterval', 30), 30)} * * * * *"
    if kind == "minutes":
        return f"0 */{_int(rule.get('minutesInterval', 5), 5)} * * * *"
    if kind == "hours":
        return f"0 {minute} */{_int(rule.get('hoursInterval', 1), 1)} * * *"
    if kind == "days":
        days = _int(rule.get("daysInterval", 1), 1)
        return f"0 {minute} {hour} {'*' if days == 1 else f'*/{days}'} * *"
    if kind == "weeks":
        weekdays = rule.get("triggerAtDay") or [0]
        return f"0 {minute} {hour} * * {','.join(str(_int(d, 0)) for d in weekdays)}"
    if kind == "months":
        return f"0 {minute} {hour} {_int(rule.get('triggerAtDayOfMonth', 1), 1)} */{_int(rule.get('monthsInterval', 1), 1)} *"
    return None


def _legacy_cron(item: dict) -> Optional[str]:
    mode, minute, hour = item.get("mode", "everyDay"), _int(item.get("minute", 0), 0), _int(item.get("hour", 0), 0)
    table = {"everyMinute": "0 * * * * *", "everyHour": f"0 {minute} * * * *",
             "everyDay": f"0 {minute} {hour} * * *",
             "everyWeek": f"0 {minute} {hour} * * {_int(item.get('weekday', 1), 1)}",
             "everyMonth": f"0 {minute} {hour} {_int(item.get('dayOfMonth', 1), 1)} * *"}
    if mode in table:
        return table[mode]
    if mode == "everyX":
        value = _int(item.get("value", 2), 2)
        return f"0 */{value} * * * *" if item.get("unit", "hours") == "minutes" else f"0 0 */{value} * * *"
    if mode == "custom":
        return _normalize_cron(str(item.get("cronExpression", "")))
    return None


# one cron field: numbers, names (JAN, MON), ranges, steps, lists, and croner's ? L W #
_CRON_FIELD = re.compile(r"^[0-9A-Za-z*/,?#-]{1,64}$")


def _normalize_cron(expression: str) -> Optional[str]:
    """A workflow's cron text as Windmill's 6 fields, or None when it is not plain cron syntax."""
    fields = expression.split()
    if not all(_CRON_FIELD.match(field) for field in fields):
        return None
    if len(fields) == 5:
        return "0 " + " ".join(fields)
    if len(fields) == 6:
        return " ".join(fields)
    return None


# --- data nodes -----------------------------------------------------------------------------

SET_JS = r"""
function setPath(target: any, path: string, value: any, dotNotation: boolean) {
  if (!dotNotation || !path.includes(".")) { target[path] = value; return; }
  const keys = path.split(".");
  let cursor = target;
  for (const key of keys.slice(0, -1)) cursor = cursor[key] = typeof cursor[key] === "object" && cursor[key] !== null ? cursor[key] : {};
  cursor[keys.at(-1)!] = value;
}
function typed(type: string, value: any) {
  if (typeof value !== "string") return value;
  if (type === "number") return Number(value);
  if (type === "boolean") return value === "true";
  if ((type === "array" || type === "object") && value.trim()) return JSON.parse(value);
  return value;
}
"""


@translates(BASE + "set")
def set_node(ctx: NodeContext) -> NodeTranslation:
    p, version = ctx.node.parameters, ctx.node.type_version
    options = p.get("options") if isinstance(p.get("options"), dict) else {}
    dot = "false" if options.get("dotNotation") is False else "true"
    if version >= 3:
        keep = "true" if (p.get("includeOtherFields") or p.get("include") == "all"
                          or (version < 3.3 and p.get("include", "none") != "none")) else "false"
        if p.get("mode") == "raw":
            expression = (f"const data = typeof params.jsonOutput === 'string' ? JSON.parse(params.jsonOutput) : params.jsonOutput;\n"
                          f"    out.push({keep} ? {{ ...$json, ...data }} : data);")
            params_code = params_js({"jsonOutput": p.get("jsonOutput", "{}")})
        else:
            assignments = ((p.get("assignments") or {}).get("assignments") or []) if version >= 3.3 else \
                [{"name": f.get("name"), "value": f.get(f"{f.get('type', 'string')}Value", f.get("stringValue")),
                  "type": f.get("type", "string")} for f in ((p.get("fields") or {}).get("values") or [])]
            params_code = params_js({"assignments": [{"name": a.get("name", ""), "value": a.get("value"),
                                                   "type": a.get("type", "string")} for a in assignments
                                                  if isinstance(a, dict)]})
            expression = (f"const item: any = {keep} ? structuredClone($json) : {{}};\n"
                          f"    for (const a of params.assignments) setPath(item, String(a.name), typed(a.type, a.value), {dot});\n"
                          "    out.push(item);")
    else:
        values = p.get("values") or {}
        flat = [{"name": v.get("name", ""), "value": v.get("value"), "type": kind}
                for kind, entries in values.items() if isinstance(entries, list)
                for v in entries if isinstance(v, dict)]
        keep = "false" if p.get("keepOnlySet") else "true"
        params_code = params_js({"assignments": flat})
        expression = (f"const item: any = {keep} ? structuredClone($json) : {{}};\n"
                      f"    for (const a of params.assignments) setPath(item, String(a.name), a.value, {dot});\n"
                      "    out.push(item);")
    return bun_step(ctx, SET_JS + per_item(params_code, expression))


@translates(BASE + "if")
def if_node(ctx: NodeContext) -> NodeTranslation:
    return _condition_router(ctx, outputs=2)


@translates(BASE + "filter")
def filter_node(ctx: NodeContext) -> NodeTranslation:
    translation = _condition_router(ctx, outputs=2)
    result = f"results.{ctx.step_id}"
    # Filter passes what matches; kept items on output 0, discarded ones on output 1.
    translation.predicates = None
    translation.output = lambda i: f"{result}.outputs[{i}]"
    return translation


def _condition_router(ctx: NodeContext, outputs: int) -> NodeTranslation:
    p = ctx.node.parameters
    legacy = ctx.node.type_version < 2
    conditions = dict(p.get("conditions") or {})
    if legacy:
        conditions["combineOperation"] = p.get("combineOperation", "all")
    body = ("  const outputs: any[][] = [[], []];\n"
            + per_item(params_js({"conditions": conditions}),
                       f"(n8nConditions(params.conditions, {str(legacy).lower()}) ? outputs[0] : outputs[1]).push($json);")
            .replace("  return out;\n", "  return { outputs };\n").replace("  const out: any[] = [];\n", ""))
    output, predicates = routing_outputs(ctx, outputs)
    return bun_step(ctx, body, conditions=True, output=output, predicates=predicates)


@translates(BASE + "switch")
def switch_node(ctx: NodeContext) -> NodeTranslation:
    p, version = ctx.node.parameters, ctx.node.type_version
    count = max(ctx.output_count, 1)
    mode = p.get("mode", "rules")
    if mode == "expression":
        params = {"output": p.get("output", 0)}
        choose = "const chosen = [Number(params.output)];"
    elif version >= 3:
        rules = [r.get("conditions", {}) for r in ((p.get("rules") or {}).get("values") or []) if isinstance(r, dict)]
        options = p.get("options") or {}
        params = {"rules": rules}
        fallback = options.get("fallbackOutput", "none")
        fallback_js = str(len(rules)) if fallback == "extra" else str(_int(fallback, -1)) if fallback != "none" else "-1"
        all_matching = "true" if options.get("allMatchingOutputs") else "false"
        choose = ("let chosen = params.rules.map((r: any, i: number) => (n8nConditions(r, false) ? i : -1)).filter((i: number) => i >= 0);\n"
                  f"    if (!{all_matching}) chosen = chosen.slice(0, 1);\n"
                  f"    if (!chosen.length && {fallback_js} >= 0) chosen = [{fallback_js}];")
        count = max(count, len(rules) + (1 if fallback == "extra" else 0))
    else:
        rules = (p.get("rules") or {}).get("rules") or []
        params = {"value1": p.get("value1"), "rules": [{"operation": r.get("operation", "equal"), "value2": r.get("value2"),
                                                        "output": r.get("output", 0)} for r in rules if isinstance(r, dict)]}
        fallback = _int(p.get("fallbackOutput", -1), -1)
        choose = ("let chosen = params.rules.filter((r: any) => n8nCompare(r.operation, params.value1, r.value2))"
                  ".map((r: any) => Number(r.output)).slice(0, 1);\n"
                  f"    if (!chosen.length && {fallback} >= 0) chosen = [{fallback}];")
    body = (f"  const outputs: any[][] = Array.from({{ length: {count} }}, () => []);\n"
            + per_item(params_js(params), choose + "\n    for (const i of chosen) (outputs[i] ??= []).push($json);")
            .replace("  return out;\n", "  return { outputs };\n").replace("  const out: any[] = [];\n", ""))
    output, predicates = routing_outputs(ctx, count)
    return bun_step(ctx, body, conditions=True, output=output, predicates=predicates)


@translates(BASE + "merge")
def merge_node(ctx: NodeContext) -> NodeTranslation:
    p = ctx.node.parameters
    count = max([_int(p.get("numberInputs", 2), 2)] + [i + 1 for i in ctx.inputs])
    inputs_js = "[" + ", ".join(ctx.inputs.get(i, "[]") for i in range(count)) + "]"
    mode = p.get("mode", "append")
    join = p.get("combineBy") or p.get("combinationMode") or ""
    if mode in ("append", "wait") or (mode == "passThrough" and p.get("output") != "input2"):
        body = "  return mode === 'passThrough' ? lists[0] : lists.flat();"
    elif mode == "passThrough":
        body = "  return lists[1];"
    elif mode == "chooseBranch":
        chosen = _int(str(p.get("useDataOfInput", p.get("output", "input1"))).replace("input", ""), 1) - 1
        body = f"  return p.chooseBranchMode === 'waitForAll' && p.output === 'empty' ? [{{}}] : lists[{max(chosen, 0)}];"
    elif mode == "mergeByIndex" or join in ("combineByPosition", "mergeByPosition"):
        unpaired = bool((p.get("options") or {}).get("includeUnpaired")) or p.get("join") == "outer"
        body = (f"  const length = {'Math.max' if unpaired else 'Math.min'}(...lists.map((l) => l.length));\n"
                "  return Array.from({ length }, (_, i) => Object.assign({}, ...lists.map((l) => l[i] ?? {})));")
    elif mode == "multiplex" or join in ("combineAll", "multiplex"):
        body = "  return lists[0].flatMap((a: any) => lists[1].map((b: any) => ({ ...a, ...b })));"
    elif mode == "mergeByKey" or join in ("combineByFields", "mergeByFields"):
        pairs = [(f.get("field1"), f.get("field2")) for f in ((p.get("mergeByFields") or {}).get("values") or [])]
        if p.get("fieldsToMatchString"):
            pairs = [(f.strip(), f.strip()) for f in str(p["fieldsToMatchString"]).split(",")]
        if mode == "mergeByKey":
            pairs = [(p.get("propertyName1"), p.get("propertyName2"))]
        if not pairs or any(not a or not b for a, b in pairs):
            raise Untranslatable("merge by fields without field names")
        join_mode = p.get("joinMode", "keepMatches")
        body = (f"  const pairs = {js_value(pairs)};\n"
                "  const get = (o: any, path: string) => path.split('.').reduce((v, k) => v?.[k], o);\n"
                "  const matches = (a: any, b: any) => pairs.every(([x, y]: string[]) => get(a, x) == get(b, y));\n"
                f"  const joinMode = {js_value(join_mode)};\n"
                "  if (joinMode === 'keepNonMatches') return lists[0].filter((a: any) => !lists[1].some((b: any) => matches(a, b)));\n"
                "  const out: any[] = [];\n"
                "  for (const a of lists[0]) {\n"
                "    const found = lists[1].filter((b: any) => matches(a, b));\n"
                "    if (found.length) out.push(...found.map((b: any) => ({ ...a, ...b })));\n"
                "    else if (joinMode === 'keepEverything' || joinMode === 'enrichInput1') out.push(a);\n"
                "  }\n"
                "  return out;")
    else:
        raise Untranslatable(f"Merge mode {mode!r}{f' ({join})' if join else ''} is not supported")
    prefix = (f"  const p: any = {js_value({k: v for k, v in p.items() if isinstance(v, (str, int, float, bool))})};\n"
              "  const mode = p.mode ?? 'append';\n"
              "  const lists: any[][] = (inputs as any[]).map(toItems);\n")
    return bun_step(ctx, prefix + body, extra_inputs={"inputs": {"type": "javascript", "expr": inputs_js}},
                    comment="Merge: inputs arrive in n8n input order.")


@translates(BASE + "noOp", BASE + "executionData")
def pass_through(ctx: NodeContext) -> NodeTranslation:
    return pass_through_step(ctx, ctx.node.name, "Passes its items on unchanged.")


@translates(BASE + "code", BASE + "function", BASE + "functionItem")
def code_node(ctx: NodeContext) -> NodeTranslation:
    p, short = ctx.node.parameters, ctx.node.short_type
    if short == "code" and p.get("language", "javaScript") != "javaScript":
        raise Untranslatable(f"{p.get('language')} Code nodes are not translated (only JavaScript runs as a Bun step)")
    source = p.get("jsCode") if short == "code" else p.get("functionCode")
    if not isinstance(source, str) or not source.strip():
        source = "return items;" if short != "functionItem" else "return item;"
    if "$getWorkflowStaticData" in source or "this.helpers" in source or "$binary" in source:
        raise Untranslatable("the code uses n8n internals ($getWorkflowStaticData, this.helpers or binary data)")
    # The source is a literal the runtime runs when the node runs (sloppy mode, n8n's bindings as parameters).
    prelude = ("  const require = createRequire(import.meta.url);  // n8n Code nodes may require() modules\n"
               f"  const source = {js_string(source)};\n")
    if short == "functionItem" or (short == "code" and p.get("mode") == "runOnceForEachItem"):
        item = "$json" if short == "functionItem" else "{ json: $json }"
        body = (prelude + "  const out: any[] = [];\n"
                "  for (let $itemIndex = 0; $itemIndex < input.length; $itemIndex++) {\n"
                "    setIndex($itemIndex);\n"
                "    const $json = input[$itemIndex];\n"
                f"    out.push(...unwrap(await n8n.runCode(source, {{ item: {item}, require }})));\n"
                "  }\n  return out;")
    else:
        body = prelude + "  return unwrap(await n8n.runCode(source, { items: $input.all(), require }));"
    return bun_step(ctx, body, imports='import { createRequire } from "node:module";\n',
                    comment="The n8n code is a string the runtime runs with n8n's bindings when the node runs.")


HTTP_JS = r"""
async function n8nRequest(p: any, auth: any) {
  const headers: Record<string, string> = { ...(auth?.headers ?? {}) };
  const query = new URLSearchParams(auth?.query ?? {});
  for (const h of p.headers ?? []) if (h?.name) headers[h.name] = String(h.value ?? "");
  if (p.jsonHeaders) Object.assign(headers, typeof p.jsonHeaders === "string" ? JSON.parse(p.jsonHeaders) : p.jsonHeaders);
  for (const q of p.query ?? []) if (q?.name) query.append(q.name, String(q.value ?? ""));
  if (p.jsonQuery) for (const [k, v] of Object.entries(typeof p.jsonQuery === "string" ? JSON.parse(p.jsonQuery) : p.jsonQuery)) query.append(k, String(v));
  // The resource holds the n8n credential's own fields: {name, value} (header or query auth),
  // {user, password} (basic), {token} / {accessToken} / {apiKey} (bearer), or explicit headers/query.
  if (auth?.name && auth?.value !== undefined) {
    if (p.authType === "httpQueryAuth") query.append(auth.name, String(auth.value)); else headers[auth.name] = String(auth.value);
  }
  const user = auth?.user ?? auth?.username;
  if (user) headers.Authorization = "Basic " + btoa(`${user}:${auth.password ?? ""}`);
  const bearer = auth?.token ?? auth?.accessToken ?? auth?.apiKey;
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  let body: any = undefined;
  if (p.sendBody) {
    if (p.contentType === "form-urlencoded") {
      body = new URLSearchParams(Object.fromEntries((p.body ?? []).map((b: any) => [b.name, String(b.value ?? "")])));
    } else if (p.contentType === "raw") {
      body = String(p.rawBody ?? ""); headers["Content-Type"] ??= p.rawContentType ?? "text/plain";
    } else {
      const data = p.jsonBody !== undefined ? (typeof p.jsonBody === "string" ? JSON.parse(p.jsonBody) : p.jsonBody)
        : Object.fromEntries((p.body ?? []).map((b: any) => [b.name, b.value]));
      body = JSON.stringify(data); headers["Content-Type"] ??= "application/json";
    }
  }
  const url = new URL(String(p.url));
  for (const [k, v] of query) url.searchParams.append(k, v);
  const response = await fetch(url, { method: String(p.method ?? "GET").toUpperCase(), headers, body,
    signal: p.timeout ? AbortSignal.timeout(Number(p.timeout)) : undefined });
  const text = await response.text();
  let data: any = text;
  if (p.responseFormat !== "text") { try { data = JSON.parse(text); } catch { data = p.responseFormat === "json" ? text : text; } }
  if (!response.ok && !p.neverError) throw new Error(`HTTP ${response.status} from ${url.host}: ${text.slice(0, 500)}`);
  if (p.fullResponse) return [{ body: data, headers: Object.fromEntries(response.headers), statusCode: response.status, statusMessage: response.statusText }];
  if (Array.isArray(data)) return data.map((d) => (d && typeof d === "object" ? d : { data: d }));
  return [data && typeof data === "object" ? data : { data }];
}
"""


@translates(BASE + "httpRequest")
def http_request(ctx: NodeContext) -> NodeTranslation:
    p, version = ctx.node.parameters, ctx.node.type_version
    if version < 3:
        return _legacy_http(ctx)
    if p.get("contentType") in ("multipart-form-data", "binaryData") or any(
            isinstance(b, dict) and b.get("parameterType") == "formBinaryData"
            for b in ((p.get("bodyParameters") or {}).get("parameters") or [])):
        raise Untranslatable("the request sends binary/multipart data, which translated steps do not carry")
    options = p.get("options") or {}
    response = ((options.get("response") or {}).get("response") or {})
    request = {
        "method": p.get("method", "GET"), "url": p.get("url", ""),
        "headers": ((p.get("headerParameters") or {}).get("parameters") or []) if p.get("sendHeaders") and p.get("specifyHeaders", "keypair") == "keypair" else [],
        "jsonHeaders": p.get("jsonHeaders") if p.get("sendHeaders") and p.get("specifyHeaders") == "json" else None,
        "query": ((p.get("queryParameters") or {}).get("parameters") or []) if p.get("sendQuery") and p.get("specifyQuery", "keypair") == "keypair" else [],
        "jsonQuery": p.get("jsonQuery") if p.get("sendQuery") and p.get("specifyQuery") == "json" else None,
        "sendBody": bool(p.get("sendBody")), "contentType": p.get("contentType", "json"),
        "body": ((p.get("bodyParameters") or {}).get("parameters") or []) if p.get("specifyBody", "keypair") == "keypair" else [],
        "rawBody": p.get("body"), "rawContentType": p.get("rawContentType"),
        "responseFormat": response.get("responseFormat", "autodetect"),
        "fullResponse": bool(response.get("fullResponse")), "neverError": bool(response.get("neverError")),
        "timeout": options.get("timeout"), "authType": p.get("genericAuthType") or p.get("nodeCredentialType"),
    }
    if p.get("sendBody") and p.get("specifyBody") == "json":
        request["jsonBody"] = p.get("jsonBody", "{}")
    return _http_step(ctx, request)


def _legacy_http(ctx: NodeContext) -> NodeTranslation:
    p = ctx.node.parameters
    if p.get("responseFormat") == "file" or p.get("sendBinaryData"):
        raise Untranslatable("the request reads or sends binary files")
    pairs = lambda key: ((p.get(key) or {}).get("parameter") or [])  # noqa: E731
    request = {"method": p.get("requestMethod", "GET"), "url": p.get("url", ""),
               "headers": pairs("headerParametersUi"), "query": pairs("queryParametersUi"),
               "sendBody": p.get("requestMethod", "GET") not in ("GET", "HEAD"),
               "contentType": "json", "body": pairs("bodyParametersUi"),
               "responseFormat": "text" if p.get("responseFormat") == "string" else "autodetect",
               "fullResponse": bool((p.get("options") or {}).get("fullResponse"))}
    if p.get("jsonParameters"):
        request.update(jsonBody=p.get("bodyParametersJson") or "{}", jsonHeaders=p.get("headerParametersJson") or None,
                       jsonQuery=p.get("queryParametersJson") or None, headers=[], query=[])
    return _http_step(ctx, request)


def _http_step(ctx: NodeContext, request: dict) -> NodeTranslation:
    extra, comment = {}, "One request per incoming item, like n8n; JSON arrays in the answer become items."
    credential = credential_resource(ctx.node)
    if credential:
        extra["auth"] = {"type": "static", "value": f"$res:{credential}"}
        comment += (f"\nCredentials: the n8n credential is expected as the Windmill resource {credential},"
                    "\nholding the credential's own fields (see n8nRequest).")
    auth = "auth" if credential else "undefined"
    body = HTTP_JS + per_item(params_js(request), f"out.push(...await n8nRequest(params, {auth}));")
    return bun_step(ctx, body, extra_inputs=extra, comment=comment)


def credential_resource(node: Node) -> Optional[str]:
    if not node.credentials or node.parameters.get("authentication", "none") == "none":
        return None
    kind = sorted(node.credentials)[0]
    name = (node.credentials[kind] or {}).get("name", kind) if isinstance(node.credentials[kind], dict) else kind
    slug = re.sub(r"[^a-z0-9]+", "_", f"{kind}_{name}".lower()).strip("_") or "credential"
    return CREDENTIAL_RESOURCE_PREFIX + slug[:80]


@translates(BASE + "splitOut")
def split_out(ctx: NodeContext) -> NodeTranslation:
    p = ctx.node.parameters
    options = p.get("options") or {}
    params = {"fields": p.get("fieldToSplitOut", ""), "include": p.get("include", "noOtherFields"),
              "selected": p.get("fieldsToInclude", ""), "destination": options.get("destinationFieldName", "")}
    expression = ("const get = (o: any, path: string) => path.split('.').reduce((v, k) => v?.[k], o);\n"
                  "    for (const field of String(params.fields).split(',').map((f) => f.trim()).filter(Boolean)) {\n"
                  "      const value = get($json, field);\n"
                  "      for (const entry of Array.isArray(value) ? value : value == null ? [] : [value]) {\n"
                  "        const base = params.include === 'allOtherFields' ? { ...$json } : params.include === 'selectedOtherFields'\n"
                  "          ? Object.fromEntries(String(params.selected).split(',').map((f) => f.trim()).map((f) => [f, $json[f]])) : {};\n"
                  "        const key = params.destination || field.split('.').at(-1);\n"
                  "        out.push(entry && typeof entry === 'object' && !Array.isArray(entry) && !params.destination\n"
                  "          ? { ...base, ...entry } : { ...base, [key]: entry });\n"
                  "      }\n    }")
    return bun_step(ctx, per_item(params_js(params), expression))


@translates(BASE + "splitInBatches")
def split_in_batches(ctx: NodeContext) -> NodeTranslation:
    size = ctx.node.parameters.get("batchSize", 1 if ctx.node.type_version >= 3 else 10)
    body = (f"  const size = Math.max(1, Number({params_js(size)}) || 1);\n"
            "  const batches: any[][] = [];\n"
            "  for (let i = 0; i < input.length; i += size) batches.push(input.slice(i, i + size));\n"
            "  return batches;")
    return bun_step(ctx, body, comment="Cuts the items into batches; the for-loop that follows runs the loop body once per batch.")


@translates(BASE + "aggregate")
def aggregate(ctx: NodeContext) -> NodeTranslation:
    p = ctx.node.parameters
    if p.get("aggregate") == "aggregateAllItemData":
        destination = p.get("destinationFieldName", "data")
        body = f"  return [{{ {js_key(destination)}: input }}];"
    else:
        fields = [(f.get("fieldToAggregate", ""), f.get("outputFieldName") if f.get("renameField") else None)
                  for f in ((p.get("fieldsToAggregate") or {}).get("fieldToAggregate") or []) if isinstance(f, dict)]
        merge = "true" if (p.get("options") or {}).get("mergeLists") else "false"
        body = (f"  const fields = {js_value(fields)};\n"
                "  const get = (o: any, path: string) => path.split('.').reduce((v, k) => v?.[k], o);\n"
                "  const out: any = {};\n"
                "  for (const [field, rename] of fields) {\n"
                "    const values = input.map((i) => get(i, field)).filter((v) => v !== undefined);\n"
                f"    out[rename || field.split('.').at(-1)] = {merge} ? values.flat() : values;\n"
                "  }\n  return [out];")
    return bun_step(ctx, body)


@translates(BASE + "limit")
def limit(ctx: NodeContext) -> NodeTranslation:
    p = ctx.node.parameters
    count = _int(p.get("maxItems", 1), 1)
    body = f"  return {js_value(p.get('keep', 'firstItems'))} === 'lastItems' ? input.slice(-{count}) : input.slice(0, {count});"
    return bun_step(ctx, body)


@translates(BASE + "sort")
def sort_items(ctx: NodeContext) -> NodeTranslation:
    p = ctx.node.parameters
    if p.get("type", "simple") != "simple":
        raise Untranslatable(f"Sort type {p.get('type')!r} is not translated")
    fields = [(f.get("fieldName", ""), f.get("order", "ascending"))
              for f in ((p.get("sortFieldsUi") or {}).get("sortField") or []) if isinstance(f, dict)]
    body = (f"  const fields = {js_value(fields)};\n"
            "  const get = (o: any, path: string) => path.split('.').reduce((v, k) => v?.[k], o);\n"
            "  return [...input].sort((a, b) => {\n"
            "    for (const [field, order] of fields) {\n"
            "      const x = get(a, field), y = get(b, field);\n"
            "      if (x === y) continue;\n"
            "      const less = x < y ? -1 : 1;\n"
            "      return order === 'descending' ? -less : less;\n"
            "    }\n    return 0;\n  });")
    return bun_step(ctx, body)


@translates(BASE + "removeDuplicates")
def remove_duplicates(ctx: NodeContext) -> NodeTranslation:
    p = ctx.node.parameters
    # Item Lists calls this operation "removeDuplicates" (within the input, as here)
    if p.get("operation", "removeDuplicateInputItems") not in ("removeDuplicateInputItems", "removeDuplicates"):
        raise Untranslatable("removing duplicates across executions needs n8n's deduplication store")
    fields = p.get("fieldsToCompare", "")
    if isinstance(fields, dict):
        fields = ",".join(f.get("fieldName", "") for f in fields.get("fields") or [])
    compare = p.get("compare", "allFields")
    body = (f"  const fields = {js_value([f.strip() for f in str(fields).split(',') if f.strip()])};\n"
            f"  const compare = {js_value(compare)};\n"
            "  const seen = new Set<string>();\n"
            "  const get = (o: any, path: string) => (path in o ? o[path] : path.split('.').reduce((v, k) => v?.[k], o));\n"
            "  return input.filter((item) => {\n"
            "    const key = JSON.stringify(compare === 'selectedFields' ? fields.map((f) => get(item, f))\n"
            "      : compare === 'allFieldsExcept' ? Object.entries(item).filter(([k]) => !fields.includes(k)) : item);\n"
            "    if (seen.has(key)) return false;\n    seen.add(key);\n    return true;\n  });")
    return bun_step(ctx, body)


@translates(BASE + "renameKeys")
def rename_keys(ctx: NodeContext) -> NodeTranslation:
    pairs = [(k.get("currentKey", ""), k.get("newKey", "")) for k in
             ((ctx.node.parameters.get("keys") or {}).get("key") or []) if isinstance(k, dict)]
    body = (f"  const pairs = {js_value(pairs)};\n"
            "  return input.map((item) => {\n"
            "    const out: any = { ...item };\n"
            "    for (const [from, to] of pairs) if (from in out) { out[to] = out[from]; delete out[from]; }\n"
            "    return out;\n  });")
    return bun_step(ctx, body)


@translates(BASE + "summarize")
def summarize(ctx: NodeContext) -> NodeTranslation:
    p = ctx.node.parameters
    values = [(v.get("aggregation", "count"), v.get("field", "")) for v in
              ((p.get("fieldsToSummarize") or {}).get("values") or []) if isinstance(v, dict)]
    split = [f.strip() for f in str(p.get("fieldsToSplitBy", "") or "").split(",") if f.strip()]
    body = (f"  const values = {js_value(values)};\n  const split = {js_value(split)};\n"
            "  const groups = new Map<string, any[]>();\n"
            "  for (const item of input) {\n"
            "    const key = JSON.stringify(split.map((f) => item[f]));\n"
            "    groups.set(key, [...(groups.get(key) ?? []), item]);\n  }\n"
            "  return [...groups.entries()].map(([key, members]) => {\n"
            "    const out: any = Object.fromEntries(split.map((f, i) => [f, JSON.parse(key)[i]]));\n"
            "    for (const [how, field] of values) {\n"
            "      const list = members.map((m) => m[field]).filter((v) => v !== undefined && v !== null);\n"
            "      const numbers = list.map(Number);\n"
            "      const result = how === 'count' ? list.length : how === 'countUnique' ? new Set(list).size\n"
            "        : how === 'sum' ? numbers.reduce((a, b) => a + b, 0) : how === 'average' ? numbers.reduce((a, b) => a + b, 0) / (numbers.length || 1)\n"
            "        : how === 'max' ? Math.max(...numbers) : how === 'min' ? Math.min(...numbers)\n"
            "        : how === 'concatenate' ? list.join(', ') : list;\n"
            "      out[`${how}_${field}`] = result;\n"
            "    }\n    return out;\n  });")
    return bun_step(ctx, body)


@translates(BASE + "itemLists")
def item_lists(ctx: NodeContext) -> NodeTranslation:
    """The legacy Item Lists node: one of the newer single-purpose nodes by operation."""
    operation = ctx.node.parameters.get("operation", "splitOutItems")
    target = {"splitOutItems": split_out, "aggregateItems": aggregate, "removeDuplicates": remove_duplicates,
              "sort": sort_items, "limit": limit, "summarize": summarize}.get(operation)
    if target is None:
        raise Untranslatable(f"Item Lists operation {operation!r} is not translated")
    if operation == "aggregateItems" and ctx.node.parameters.get("aggregate") != "aggregateAllItemData":
        fields = ((ctx.node.parameters.get("fieldsToAggregate") or {}).get("fieldToAggregate") or [])
        ctx.node.parameters.setdefault("fieldsToAggregate", {"fieldToAggregate": fields})
    return target(ctx)


@translates(BASE + "wait")
def wait(ctx: NodeContext) -> NodeTranslation:
    p = ctx.node.parameters
    resume = p.get("resume", "timeInterval")
    translation = pass_through_step(ctx, ctx.node.name, "Waits, then passes its items on (the wait is the step's sleep/suspend).")
    module = translation.modules[0]
    if resume == "timeInterval":
        # n8n's defaults: 1 hour in Wait v1, 5 seconds from v1.1 on.
        legacy = ctx.node.type_version < 1.1
        unit = p.get("unit", "hours" if legacy else "seconds")
        factor = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}.get(unit, 1)
        amount = p.get("amount", 1 if legacy else 5)
        if isinstance(amount, str) and amount.startswith("="):
            current = f"({ctx.items})[0]"
            expr = to_input_transform(amount, current, ctx.node_items, ctx.workflow.name)
            module["sleep"] = {"type": "javascript", "expr": f"Math.round(Number({expr}) * {factor})"}
        else:
            module["sleep"] = {"type": "static", "value": max(0, round(float(amount or 0) * factor))}
        module["summary"] += f" (waits {amount} {unit})"
    elif resume in ("webhook", "form"):
        module["suspend"] = {"required_events": 1, "timeout": 30 * 86400}
        module["summary"] += " (waits for a resume call)"
    else:
        raise Untranslatable(f"Wait mode {resume!r} is not translated")
    return translation


@translates(BASE + "stopAndError")
def stop_and_error(ctx: NodeContext) -> NodeTranslation:
    p = ctx.node.parameters
    message = p.get("errorMessage", "Workflow stopped") if p.get("errorType", "errorMessage") == "errorMessage" \
        else p.get("errorObject", "{}")
    body = per_item(params_js({"message": message}),
                    "throw new Error(typeof params.message === 'string' ? params.message : JSON.stringify(params.message));")
    return bun_step(ctx, body)


@translates(BASE + "respondToWebhook")
def respond_to_webhook(ctx: NodeContext) -> NodeTranslation:
    p = ctx.node.parameters
    how = p.get("respondWith", "firstIncomingItem")
    if how in ("binary", "redirect"):
        raise Untranslatable(f"responding with {how} is not translated")
    params = {"body": p.get("responseBody", "")}
    body = ("  setIndex(0);\n  const $json = input[0] ?? {};\n"
            f"  const params: any = {params_js(params)};\n"
            f"  const how = {js_value(how)};\n"
            "  if (how === 'allIncomingItems') return input;\n"
            "  if (how === 'noData') return {};\n"
            "  if (how === 'json') return typeof params.body === 'string' && params.body.trim() ? JSON.parse(params.body) : params.body;\n"
            "  if (how === 'text') return String(params.body ?? '');\n"
            "  return input[0] ?? {};")
    items = ctx.items
    return bun_step(ctx, body, output=lambda _i: items,
                    comment="The response body: the flow's result when this is its last step (run_wait_result or a sync HTTP route).")


@translates(BASE + "executeWorkflow")
def execute_workflow(ctx: NodeContext) -> NodeTranslation:
    p = ctx.node.parameters
    if p.get("source", "database") != "database":
        raise Untranslatable(f"sub-workflow source {p.get('source')!r} is not translated")
    workflow_id = str(_rl_value(p.get("workflowId", "")) or "")
    path = ctx.flow_path_of(workflow_id) if workflow_id and not workflow_id.startswith("=") else None
    if not path:
        raise Untranslatable(f"it calls n8n workflow {workflow_id or '(unknown)'}, which was not translated in this run "
                             "(translate it in the same folder to link the two flows)")
    module = {"id": ctx.step_id, "summary": ctx.node.name,
              "value": {"type": "flow", "path": path,
                        "input_transforms": {"items": {"type": "javascript", "expr": ctx.items}}}}
    result = f"results.{ctx.step_id}"
    return NodeTranslation(modules=[module], output=lambda _i: result)


DATETIME_JS = r"""
// As n8n's Date & Time node (v2): numbers are epoch seconds or milliseconds, text is parsed leniently,
// results are Luxon strings; the workflow's timezone applies where n8n applies it.
function parseDate(value: any, zone?: string, fromFormat?: string) {
  if (value instanceof DateTime) return value;
  let date: any = value;
  if (!fromFormat && !Number.isNaN(Number(date)) && date !== "" && date !== null) {
    date = Number(date);
    if (!Number.isInteger(date)) date = date * 1000;
  }
  let parsed: DateTime;
  if (Number.isInteger(date)) parsed = String(date).length < 12 ? DateTime.fromSeconds(date) : DateTime.fromMillis(date);
  else {
    if (!zone && String(date).includes("+")) zone = `Etc/GMT-${Number(String(date).split("+")[1].slice(0, 2))}`;
    parsed = fromFormat ? DateTime.fromFormat(String(date), fromFormat) : DateTime.fromISO(new Date(date).toISOString());
  }
  parsed = parsed.setZone(zone || "Etc/UTC");
  if (!parsed.isValid) throw new Error("Invalid date format");
  return parsed;
}
"""

DATETIME_OPERATIONS = {
    "getCurrentDate": """const now = DateTime.now().setZone(params.timezone || zone);
    item[params.field] = (params.includeTime ? now : now.startOf("day")).toString();""",
    "addToDate": """item[params.field] = parseDate(params.magnitude, zone).plus({ [params.unit]: Number(params.duration) }).toString();""",
    "subtractFromDate": """item[params.field] = parseDate(params.magnitude, zone).minus({ [params.unit]: Number(params.duration) }).toString();""",
    "formatDate": """item[params.field] = params.date == null ? params.date
      : parseDate(params.date, params.timezone ? zone : undefined, params.fromFormat || undefined)
          .toFormat(params.format === "custom" ? params.customFormat : params.format);""",
    "roundDate": """const date = parseDate(params.date, zone);
    item[params.field] = (params.mode === "roundUp" ? date.plus({ [params.to]: 1 }).startOf(params.to) : date.startOf(params.toNearest)).toString();""",
    "getTimeBetweenDates": """const duration = parseDate(params.endDate, zone).diff(parseDate(params.startDate, zone), params.units);
    item[params.field] = params.isoString ? duration.toString() : duration.toObject();""",
    "extractDate": """const date = parseDate(params.date, zone);
    item[params.field] = params.part === "week" ? date.weekNumber : date.get(params.part);""",
}
DATETIME_FIELDS = {"getCurrentDate": "currentDate", "addToDate": "newDate", "subtractFromDate": "newDate",
                   "formatDate": "formattedDate", "roundDate": "roundedDate", "getTimeBetweenDates": "timeDifference",
                   "extractDate": "datePart"}


@translates(BASE + "dateTime")
def date_time(ctx: NodeContext) -> NodeTranslation:
    p = ctx.node.parameters
    if ctx.node.type_version < 2:
        raise Untranslatable("Date & Time v1 (moment.js formats) is not translated")
    operation = p.get("operation", "getCurrentDate")
    if operation not in DATETIME_OPERATIONS:
        raise Untranslatable(f"Date & Time operation {operation!r} is not translated")
    options = p.get("options") if isinstance(p.get("options"), dict) else {}
    params = {"field": p.get("outputFieldName", DATETIME_FIELDS[operation]), "includeTime": p.get("includeTime", True),
              "timezone": options.get("timezone", "") if operation == "getCurrentDate" else bool(options.get("timezone")),
              "magnitude": p.get("magnitude", ""), "unit": p.get("timeUnit", "days"), "duration": p.get("duration", 0),
              "date": p.get("date", ""), "format": p.get("format", "MM/dd/yyyy"), "customFormat": p.get("customFormat", ""),
              "fromFormat": options.get("fromFormat", ""), "mode": p.get("mode", "roundDown"),
              "toNearest": p.get("toNearest", "month"), "to": p.get("to", "month"),
              "startDate": p.get("startDate", ""), "endDate": p.get("endDate", ""), "units": p.get("units", ["day"]),
              "isoString": bool(options.get("isoString")), "part": p.get("part", "month")}
    settings = ctx.workflow.raw.get("settings") if isinstance(ctx.workflow.raw.get("settings"), dict) else {}
    zone = js_value(settings.get("timezone") or "")
    include = "true" if options.get("includeInputFields") else "false"
    body = DATETIME_JS + per_item(params_js(params), (
        f"const zone = {zone} || process.env.GENERIC_TIMEZONE || \"America/New_York\";  // n8n's default timezone\n"
        f"    const item: any = {include} ? {{ ...$json }} : {{}};\n"
        f"    {DATETIME_OPERATIONS[operation]}\n"
        "    out.push(item);"))
    return bun_step(ctx, body)
