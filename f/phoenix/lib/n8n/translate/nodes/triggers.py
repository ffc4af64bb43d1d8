# GENERATED from lib/n8n/translate/nodes/triggers.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""Entry points: n8n trigger nodes become the flow's inputs plus a schedule or HTTP route document.

(The entries of called flows, Execute Workflow Trigger and Error Trigger, are in ``subflows.py``.)

A trigger has no module of its own: its ``output`` reads ``flow_input``, and its
``trigger`` says which Windmill trigger document ``emit.py`` writes for it.
"""

from __future__ import annotations

import re
from typing import Optional

from ....n8n_host.credentials import RESOURCES_KEY, credential_inputs
from ....n8n_host.trigger_steps import AppTrigger, TriggerType, app_trigger_inputs, app_trigger_problem, trigger_type_of
from ...expressions import Untranslatable
from ...workflow import Node
from ..context import BASE, LANGCHAIN, NodeContext, NodeTranslation
from ..registry import structural, structural_family
from ..steps import int_or, param, placeholder


def entry(items_expr: str, trigger: dict) -> NodeTranslation:
    return NodeTranslation(modules=[], output=lambda _i: items_expr, trigger=trigger)


@structural(BASE + "manualTrigger", BASE + "start")
def manual_trigger(ctx: NodeContext) -> NodeTranslation:
    return entry("[{}]", {"kind": "manual"})


@structural(BASE + "webhook")
def webhook_trigger(ctx: NodeContext) -> NodeTranslation:
    p = ctx.node.parameters
    items = "[{headers: flow_input.headers ?? {}, params: {}, query: flow_input.query ?? {}, body: flow_input.body ?? {}}]"
    return entry(items, {"kind": "http", "path": str(param(ctx.node, "path", "") or ctx.node.raw.get("webhookId", "")),
                         "method": str(p.get("httpMethod", "GET")), "auth": str(p.get("authentication", "none")),
                         "response_mode": str(p.get("responseMode", "onReceived")),
                         "inputs": {"body": {"type": "object", "description": "the request body (n8n $json.body)"},
                                    "query": {"type": "object", "description": "query parameters"},
                                    "headers": {"type": "object", "description": "request headers"}}})


@structural(BASE + "formTrigger")
def form_trigger(ctx: NodeContext) -> NodeTranslation:
    trigger = webhook_trigger(ctx).trigger
    trigger.update(method="POST", response_mode="onReceived")
    return entry("[flow_input.body ?? {}]", trigger)


@structural(LANGCHAIN + "chatTrigger", LANGCHAIN + "manualChatTrigger")
def chat_trigger(ctx: NodeContext) -> NodeTranslation:
    items = '[{sessionId: flow_input.sessionId ?? "windmill", action: "sendMessage", chatInput: flow_input.chatInput ?? ""}]'
    return entry(items, {"kind": "http", "path": f"chat/{ctx.node.raw.get('webhookId') or ctx.step_id}",
                         "method": "POST", "auth": "none", "response_mode": "lastNode", "unwrapped": True,
                         "inputs": {"chatInput": {"type": "string", "description": "the chat message"},
                                    "sessionId": {"type": "string", "description": "chat session id"}}})


@structural(BASE + "scheduleTrigger", BASE + "cron", BASE + "interval")
def schedule_trigger(ctx: NodeContext) -> NodeTranslation:
    crons = schedule_crons(ctx.node)
    if not crons:
        raise Untranslatable("its schedule rule could not be converted to a cron expression")
    return entry("[{timestamp: new Date().toISOString()}]", {"kind": "schedule", "crons": crons,
                                                              "timezone": ctx.workflow.raw.get("settings", {}).get("timezone") if isinstance(ctx.workflow.raw.get("settings"), dict) else None})


@structural_family(lambda node: node.short_type.lower().endswith("trigger"))
def service_trigger(ctx: NodeContext) -> NodeTranslation:
    kind = trigger_type_of(ctx.node.type, ctx.node.type_version)
    if kind is not None:
        return app_trigger_entry(ctx, kind)
    translation = placeholder(ctx, f"{ctx.node.short_type} listens to an external service; Windmill has no "
                                   "built-in equivalent (call this flow from that service's webhook instead)")
    translation.output = lambda _i: "[flow_input.trigger_event ?? {}]"
    translation.trigger = {"kind": "service", "inputs": {
        "trigger_event": {"type": "object", "description": "the event the n8n trigger would have produced"}}}
    return translation


def app_trigger_entry(ctx: NodeContext, kind: TriggerType) -> NodeTranslation:
    """An app trigger (webhook or polling, run by n8n's own code): the flow's items come from its trigger script.

    The script, its routes or schedules are written with the flow's documents
    (emit.py, lib/n8n_host/trigger_steps.py); here: whether it can be, and its credentials.
    """
    credentials = credential_inputs(ctx.node)
    if credentials.problem:
        raise Untranslatable(credentials.problem)
    problem = app_trigger_problem(ctx.node.raw, kind)
    if problem:
        raise Untranslatable(problem)
    resources = dict((credentials.transform or {}).get("value", {}).get(RESOURCES_KEY, {}))
    return NodeTranslation(modules=[], output=AppTrigger.output,
                           trigger={"kind": "app", "type": kind, "resources": resources,
                                    "inputs": dict(app_trigger_inputs())})


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


def int_or(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _rule_cron(rule: dict) -> Optional[str]:
    kind = rule.get("field", "days")
    minute, hour = int_or(rule.get("triggerAtMinute", 0), 0), int_or(rule.get("triggerAtHour", 0), 0)
    if kind == "cronExpression":
        return _normalize_cron(str(rule.get("expression", "")))
    if kind == "seconds":
        return f"*/{int_or(rule.get('secondsInterval', 30), 30)} * * * * *"
    if kind == "minutes":
        return f"0 */{int_or(rule.get('minutesInterval', 5), 5)} * * * *"
    if kind == "hours":
        return f"0 {minute} */{int_or(rule.get('hoursInterval', 1), 1)} * * *"
    if kind == "days":
        days = int_or(rule.get("daysInterval", 1), 1)
        return f"0 {minute} {hour} {'*' if days == 1 else f'*/{days}'} * *"
    if kind == "weeks":
        weekdays = rule.get("triggerAtDay") or [0]
        return f"0 {minute} {hour} * * {','.join(str(int_or(d, 0)) for d in weekdays)}"
    if kind == "months":
        return f"0 {minute} {hour} {int_or(rule.get('triggerAtDayOfMonth', 1), 1)} */{int_or(rule.get('monthsInterval', 1), 1)} *"
    return None


def _legacy_cron(item: dict) -> Optional[str]:
    mode, minute, hour = item.get("mode", "everyDay"), int_or(item.get("minute", 0), 0), int_or(item.get("hour", 0), 0)
    table = {"everyMinute": "0 * * * * *", "everyHour": f"0 {minute} * * * *",
             "everyDay": f"0 {minute} {hour} * * *",
             "everyWeek": f"0 {minute} {hour} * * {int_or(item.get('weekday', 1), 1)}",
             "everyMonth": f"0 {minute} {hour} {int_or(item.get('dayOfMonth', 1), 1)} * *"}
    if mode in table:
        return table[mode]
    if mode == "everyX":
        value = int_or(item.get("value", 2), 2)
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

