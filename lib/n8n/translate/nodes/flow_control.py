"""Nodes that shape the flow: Split In Batches, Wait, Respond to Webhook, No-op (Execute Workflow: ``subflows.py``).

The structure itself (branches, joins, loops) is built by ``structure.py``. IF,
Switch, Filter and Merge run on the node host, whose outputs decide the branches
(Merge gets one item list per input).
"""

from __future__ import annotations

from ...expressions import Untranslatable, to_input_transform
from ...literals import js_value
from ..context import BASE, NodeContext, NodeTranslation
from ..registry import structural, translates
from ..steps import bun_step, params_js, pass_through_step


@translates(BASE + "noOp")
def pass_through(ctx: NodeContext) -> NodeTranslation:
    return pass_through_step(ctx, ctx.node.name, "Passes its items on unchanged.")

@structural(BASE + "splitInBatches")
def split_in_batches(ctx: NodeContext) -> NodeTranslation:
    size = ctx.node.parameters.get("batchSize", 1 if ctx.node.type_version >= 3 else 10)
    body = f"  return inBatches(items, Math.max(1, Number({params_js(size)}) || 1));"
    return bun_step(ctx, body, runtime=("inBatches",),
                    comment="Cuts the items into batches; the for-loop that follows runs the loop body once per batch.")

@structural(BASE + "wait")
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


@structural(BASE + "respondToWebhook")
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
