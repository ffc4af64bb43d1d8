"""Nodes that shape the flow: IF, Filter, Switch, Merge, No-op, Split In Batches, Wait,
Stop and Error, Respond to Webhook (Execute Workflow: ``subflows.py``).

The structure itself (branches, joins, loops) is built by ``structure.py`` from
what these give: routing predicates, the batches a loop iterates, merged inputs.
"""

from __future__ import annotations

from ...expressions import Untranslatable, to_input_transform
from ...literals import js_value
from ..context import BASE, NodeContext, NodeTranslation
from ..registry import translates
from ..steps import bun_step, int_or, params_js, pass_through_step, per_item, routing_outputs


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
        fallback_js = str(len(rules)) if fallback == "extra" else str(int_or(fallback, -1)) if fallback != "none" else "-1"
        all_matching = "true" if options.get("allMatchingOutputs") else "false"
        choose = ("let chosen = params.rules.map((r: any, i: number) => (n8nConditions(r, false) ? i : -1)).filter((i: number) => i >= 0);\n"
                  f"    if (!{all_matching}) chosen = chosen.slice(0, 1);\n"
                  f"    if (!chosen.length && {fallback_js} >= 0) chosen = [{fallback_js}];")
        count = max(count, len(rules) + (1 if fallback == "extra" else 0))
    else:
        rules = (p.get("rules") or {}).get("rules") or []
        params = {"value1": p.get("value1"), "rules": [{"operation": r.get("operation", "equal"), "value2": r.get("value2"),
                                                        "output": r.get("output", 0)} for r in rules if isinstance(r, dict)]}
        fallback = int_or(p.get("fallbackOutput", -1), -1)
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
    count = max([int_or(p.get("numberInputs", 2), 2)] + [i + 1 for i in ctx.inputs])
    inputs_js = "[" + ", ".join(ctx.inputs.get(i, "[]") for i in range(count)) + "]"
    mode = p.get("mode", "append")
    join = p.get("combineBy") or p.get("combinationMode") or ""
    if mode in ("append", "wait") or (mode == "passThrough" and p.get("output") != "input2"):
        body = "  return mode === 'passThrough' ? lists[0] : lists.flat();"
    elif mode == "passThrough":
        body = "  return lists[1];"
    elif mode == "chooseBranch":
        chosen = int_or(str(p.get("useDataOfInput", p.get("output", "input1"))).replace("input", ""), 1) - 1
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

@translates(BASE + "splitInBatches")
def split_in_batches(ctx: NodeContext) -> NodeTranslation:
    size = ctx.node.parameters.get("batchSize", 1 if ctx.node.type_version >= 3 else 10)
    body = (f"  const size = Math.max(1, Number({params_js(size)}) || 1);\n"
            "  const batches: any[][] = [];\n"
            "  for (let i = 0; i < input.length; i += size) batches.push(input.slice(i, i + size));\n"
            "  return batches;")
    return bun_step(ctx, body, comment="Cuts the items into batches; the for-loop that follows runs the loop body once per batch.")

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
