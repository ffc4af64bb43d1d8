"""n8n app triggers in Windmill: one trigger script per node, with its HTTP routes or its schedule.

An n8n app trigger is either webhook-based (GitHub Trigger, Telegram Trigger, Stripe
Trigger...: ``description.webhooks`` and ``webhookMethods`` that register the webhook with
the service) or polling (RSS Feed Trigger, Gmail Trigger, Google Drive Trigger...:
``description.polling`` and ``poll()``). Either way n8n runs the node's own code outside any
execution, and starts an execution with the items it produced. The translation keeps that
shape, and the node's own code (f/phoenix/n8n_host/triggers.ts runs it with n8n's engine):

- one Bun **trigger script** per node (``trigger_script``): actions ``register`` /
  ``remove`` / ``check`` (the node's checkExists/create/delete, given the public URL of its
  Windmill route), ``receive`` (its route's request through the node's ``webhook()``, answered
  as n8n answers), ``poll`` (its ``poll()``); when the node produced items it starts the
  translated flow with them as the flow input ``n8n_outputs`` (one item list per output);
- for a webhook trigger, one Windmill **HTTP route** per webhook and method, run
  synchronously so the service gets n8n's own answer (a handshake's challenge, a refused
  signature's 401) before the flow runs, as n8n answers before its execution;
- for a polling trigger, a Windmill **schedule** per ``pollTimes`` entry (n8n's
  ``toCronExpression``), running the script with ``action: poll``;
- the node's static data in a Windmill state resource (``state_path``) between runs.

Workflow text (names, parameters, credential names) reaches the script only through
``lib/n8n/literals.py`` (``js_json_text``); summaries and descriptions only as plain text
(``one_line``/``text_block``); paths are Phoenix-made slugs.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Optional

from ..errors import InputError
from ..n8n.expressions import Untranslatable
from ..n8n.literals import js_json_text, js_string, one_line, text_block
from .catalog import node_type

TRIGGERS_IMPORT = "/f/phoenix/n8n_host/triggers.ts"  # how Windmill resolves a workspace script for a Bun script
OUTPUTS_INPUT = "n8n_outputs"  # the flow input holding the trigger's items
ROUTE_PREFIX = "n8n/app"
WINDMILL_METHODS = {"GET", "POST", "PUT", "DELETE", "PATCH"}  # what a Windmill HTTP route can listen to
WEBHOOK_ACTIONS = ("register", "remove", "check", "receive")
POLL_ACTIONS = ("poll",)
NODE_KEYS = ("name", "type", "typeVersion", "parameters", "credentials", "disabled", "webhookId")
SCHEMA = "https://json-schema.org/draft/2020-12/schema"
_SLUG = re.compile(r"[^a-z0-9]+")
_WINDMILL_PATH = re.compile(r"^[uf]/[A-Za-z0-9_\-]+(/[A-Za-z0-9_\-.]+)+$")
_WEBHOOK_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-]{7,63}$")
_CRON_FIELD = re.compile(r"^[0-9A-Za-z*/,?#-]{1,64}$")


@dataclass(frozen=True)
class Webhook:
    """One entry of a node type's ``description.webhooks``."""
    name: str     # "default", "setup", ...
    method: str   # n8n's httpMethod: "POST", "GET", "HEAD"
    path: str     # n8n's webhook path ("webhook")


@dataclass(frozen=True)
class TriggerType:
    """What the translator must know of an app trigger's type (from the catalog of the installed n8n)."""
    polling: bool = False
    webhooks: tuple = ()           # Webhook entries
    registers: frozenset = frozenset()  # webhook names the node registers with its service (webhookMethods)


HOST_PACKAGE = "n8n-nodes-base"  # the node host runs this package's node types only


def trigger_type_of(type_name, version) -> Optional[TriggerType]:
    """The app trigger facts of an n8n node type and version (from the catalog), or None if it is no app trigger.

    An app trigger is an n8n-nodes-base trigger that polls, or that has webhooks n8n
    registers (a webhook path and method); triggers that keep a connection open
    (``trigger()``: IMAP, MQTT, Kafka...) are not.
    """
    info = node_type(type_name)
    at = info.at(version) if info else None
    if at is None or at.package != HOST_PACKAGE or not at.is_trigger:
        return None
    if at.polling:
        return TriggerType(polling=True)
    if not at.webhooks:
        return None
    return TriggerType(webhooks=tuple(Webhook(str(name), str(method), str(path)) for name, method, path in at.webhooks),
                       registers=frozenset(at.webhook_methods))


@dataclass
class AppTrigger:
    """Everything one app trigger node becomes (see the module docstring)."""
    kind: str                      # "webhook" | "poll"
    script_path: str               # the trigger script's Windmill path
    script: str                    # its Bun TypeScript
    metadata: dict                 # its .script.yaml
    state_path: str                # the Windmill state resource of the node's static data
    routes: list = field(default_factory=list)     # http_trigger documents
    schedules: list = field(default_factory=list)  # schedule documents
    flow_inputs: dict = field(default_factory=dict)  # the flow schema's properties for this entry
    resources: dict = field(default_factory=dict)    # credential type -> Windmill resource path the script reads

    @staticmethod
    def output(index: int) -> str:
        """The flow's items of the trigger's output ``index`` (n8n items, as host steps give them)."""
        return f"(flow_input.{OUTPUTS_INPUT}?.[{int(index)}] ?? [])"


# --- names ----------------------------------------------------------------------------------

def node_key(name: str) -> str:
    """A path-safe name for a workflow node: its slug plus a short hash of the exact name (distinct names stay distinct)."""
    slug = _SLUG.sub("_", str(name).lower()).strip("_")[:40] or "trigger"
    return f"{slug}_{hashlib.sha256(str(name).encode('utf-8', 'surrogatepass')).hexdigest()[:6]}"


def _checked_flow_path(flow_path: str) -> str:
    if not isinstance(flow_path, str) or not _WINDMILL_PATH.match(flow_path) or ".." in flow_path:
        raise InputError(f"not a Windmill flow path: {flow_path!r}")
    return flow_path


def script_path(flow_path: str, node_name: str) -> str:
    return f"{_checked_flow_path(flow_path)}_trigger_{node_key(node_name)}"


def state_path(flow_path: str, node_name: str) -> str:
    return f"{_checked_flow_path(flow_path)}_state_{node_key(node_name)}"


def route_path(flow_path: str, node_name: str, webhook_path: str, webhook_id: Optional[str] = None) -> str:
    """``n8n/app/<flow path>/<webhook id or node>/<n8n's webhook path>``: unique, as Windmill routes must be.

    n8n's own URL is ``<webhookId>/<path>``: the node's webhook id (a UUID n8n gives every
    webhook node) keeps the route as hard to guess as n8n's; without one, the node's key.
    """
    tail = re.sub(r"[^A-Za-z0-9_\-/]+", "_", str(webhook_path)).strip("/") or "webhook"
    middle = webhook_id if isinstance(webhook_id, str) and _WEBHOOK_ID.match(webhook_id) else node_key(node_name)
    return f"{ROUTE_PREFIX}/{_checked_flow_path(flow_path).split('/', 1)[1]}/{middle}/{tail}"


# --- polling times (n8n-workflow's toCronExpression) -------------------------------------------

# The defaults n8n fills into each pollTimes item (n8n-workflow NodeHelpers.cronNodeOptions).
POLL_ITEM_DEFAULTS = {"mode": "everyDay", "hour": 14, "minute": 0, "dayOfMonth": 1, "weekday": "1",
                      "cronExpression": "* * * * * *", "value": 2, "unit": "hours"}
DEFAULT_POLL_TIMES = {"item": [{"mode": "everyMinute"}]}  # n8n-core's commonPollingParameters


def poll_crons(parameters: dict, seed: str) -> list[str]:
    """Windmill cron expressions (6 fields) for a polling node's ``pollTimes``, as n8n computes them.

    n8n picks a random second (and, for "every X hours", minute) so polls spread out; here
    they come from ``seed`` (the flow and node), so a translation is reproducible. Like n8n,
    an expression that fires every second is refused ("at least a minute").
    """
    times = parameters.get("pollTimes", DEFAULT_POLL_TIMES) if isinstance(parameters, dict) else DEFAULT_POLL_TIMES
    items = times.get("item", []) if isinstance(times, dict) else None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise Untranslatable("its pollTimes parameter is not a list of poll times")
    digest = int(hashlib.sha256(seed.encode("utf-8", "surrogatepass")).hexdigest(), 16)
    second, minute = digest % 60, (digest // 60) % 60
    return [_poll_cron({**POLL_ITEM_DEFAULTS, **item}, second, minute) for item in items]


def _number(item: dict, key: str, low: int, high: int) -> int:
    value = item.get(key)
    if isinstance(value, str) and value.startswith("="):
        raise Untranslatable(f"its poll time's {key} is an expression; a Windmill schedule needs a fixed time")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Untranslatable(f"its poll time's {key} is not a number: {one_line(str(value), 40)}") from None
    if not low <= number <= high or number != float(value):
        raise Untranslatable(f"its poll time's {key} {number} is outside {low}..{high}")
    return number


def _poll_cron(item: dict, second: int, random_minute: int) -> str:
    mode = item.get("mode")
    if mode == "everyMinute":
        return f"{second} * * * * *"
    if mode == "everyHour":
        return f"{second} {_number(item, 'minute', 0, 59)} * * * *"
    if mode == "everyX" and item.get("unit") == "minutes":
        return f"{second} */{_number(item, 'value', 1, 1000)} * * * *"
    if mode == "everyX" and item.get("unit") == "hours":
        return f"{second} {random_minute} */{_number(item, 'value', 1, 1000)} * * *"
    if mode == "everyDay":
        return f"{second} {_number(item, 'minute', 0, 59)} {_number(item, 'hour', 0, 23)} * * *"
    if mode == "everyWeek":
        return (f"{second} {_number(item, 'minute', 0, 59)} {_number(item, 'hour', 0, 23)} * * "
                f"{_number(item, 'weekday', 0, 7)}")
    if mode == "everyMonth":
        return (f"{second} {_number(item, 'minute', 0, 59)} {_number(item, 'hour', 0, 23)} "
                f"{_number(item, 'dayOfMonth', 1, 31)} * *")
    if mode not in ("custom", "everyX"):
        raise Untranslatable(f"its poll time mode {one_line(str(mode), 40)} is not one n8n knows")
    return _custom_cron(str(item.get("cronExpression", "")))


def _custom_cron(expression: str) -> str:
    fields = expression.strip().split()
    if expression.strip().startswith("=") or not fields or not all(_CRON_FIELD.match(f) for f in fields):
        raise Untranslatable("its custom poll time is not a plain cron expression")
    if "*" in fields[0]:
        # n8n refuses this when the workflow is activated (ActiveWorkflows.activatePolling)
        raise Untranslatable("its poll time fires more than once a minute, which n8n refuses too "
                             "(\"The polling interval is too short. It has to be at least a minute.\")")
    if len(fields) == 5:
        return "0 " + " ".join(fields)
    if len(fields) == 6:
        return " ".join(fields)
    raise Untranslatable("its custom poll time does not have 5 or 6 cron fields")


# --- the trigger script ------------------------------------------------------------------------

_SCRIPT = """\
// Generated by Phoenix: one n8n app trigger, run by n8n's own code through the node host
// (see f/phoenix/n8n_host/triggers.ts). TRIGGER below is data taken from the workflow, as JSON text.
import {{ triggerMain, triggerPreprocessor }} from {module};

const TRIGGER = {config};

export async function preprocessor(event: any) {{
  return triggerPreprocessor(TRIGGER, event);
}}

// Argument types as index signatures, not Record<...>: Windmill's parser reads Record as a resource type.
export async function main(
  action: {actions} = {default},
  request: {{ [key: string]: any }} | null = null,
  base_url: string = "",
  credentials: {{ [type: string]: {{ [field: string]: unknown }} }} = {{}},
) {{
  return await triggerMain(TRIGGER, action, {{ request, baseUrl: base_url, credentials }});
}}
"""


def trigger_node(node: dict) -> dict:
    """The part of an n8n workflow node the trigger script needs (nothing else of the workflow)."""
    if not isinstance(node, dict) or not all(isinstance(node.get(k), t) for k, t in
                                             (("name", str), ("type", str), ("typeVersion", (int, float)))):
        raise ValueError("an n8n node needs a name and a type (text) and a typeVersion (a number)")
    kept = {key: node[key] for key in NODE_KEYS if key in node}
    if not isinstance(kept.get("parameters", {}), dict):
        raise Untranslatable("its parameters are not an object")
    if "webhookId" in kept and not isinstance(kept["webhookId"], str):
        del kept["webhookId"]
    return kept


def trigger_script(config: dict, actions: tuple, *, module: str = TRIGGERS_IMPORT) -> str:
    """The TypeScript of a trigger script with ``config`` (see triggers.ts TriggerConfig) as its one literal."""
    return _SCRIPT.format(module=js_string(module), config=js_json_text(config),
                          actions=" | ".join(js_string(a) for a in actions), default=js_string(actions[0]))


def _metadata(node_name: str, kind: str, flow_path: str, actions: tuple, resources: dict) -> dict:
    about = one_line(node_name, 150)
    if kind == "webhook":
        use = ("Run it once with action register (Windmill's public base URL as base_url, or the job's WM_BASE_URL): "
               "it registers the webhook with the service exactly as the n8n node does when its workflow is activated; "
               "remove unregisters it, check asks the service whether it is still there. Its HTTP routes run it with "
               "action receive.")
    else:
        use = "Its schedule runs it with action poll: the node's poll(), each new item delivered once."
    lines = [f"The n8n trigger \"{about}\" of the flow {flow_path}, run by n8n's own code (the node host).", use,
             f"When the node produces items, it starts {flow_path} with them (input {OUTPUTS_INPUT})."]
    if resources:
        lines.append("Credentials: read from the Windmill resources " + ", ".join(sorted(resources.values()))
                     + " unless given as the credentials argument.")
    properties = {
        "action": {"type": "string", "enum": list(actions), "default": actions[0],
                   "description": "what to do (see the description)"},
        "request": {"type": "object", "nullable": True, "default": None,
                    "description": "receive: the HTTP request (the route's preprocessor gives it)"},
        "base_url": {"type": "string", "default": "",
                     "description": "Windmill's public base URL the service calls back (default: the job's WM_BASE_URL)"},
        "credentials": {"type": "object", "default": {},
                        "description": "credential values by n8n credential type (default: read from the resources)"},
    }
    document = {"summary": one_line(f"{node_name} (n8n trigger)", 200), "description": text_block("\n".join(lines)),
                "lock": "", "kind": "script",
                "schema": {"$schema": SCHEMA, "type": "object", "properties": properties, "required": [],
                           "order": list(properties)}}
    if kind == "webhook":
        document["has_preprocessor"] = True
    return document


# --- one trigger node -------------------------------------------------------------------------

def app_trigger(node: dict, trigger_type: TriggerType, *, flow_path: str, workflow_name: Optional[str] = None,
                timezone: Optional[str] = None, resources: Optional[dict] = None,
                flow_args: Optional[dict] = None, active: bool = False, module: str = TRIGGERS_IMPORT) -> AppTrigger:
    """What the app trigger ``node`` (an n8n workflow node) becomes; raises Untranslatable with the reason.

    ``resources``: credential type -> Windmill resource path holding its values (the host
    steps' mapping); ``flow_args``: more inputs the flow gets from this entry (which entry
    point); ``active``: the n8n workflow was active (its schedules start enabled).
    """
    kept = trigger_node(node)
    name = kept["name"]
    kind = "poll" if trigger_type.polling else "webhook"
    if kind == "webhook" and not trigger_type.webhooks:
        raise Untranslatable(f"{one_line(kept['type'])} neither polls nor has webhooks: a trigger the node host cannot run")
    script = script_path(flow_path, name)
    config = {"node": kept, "flowPath": flow_path, "flowArgs": flow_args or {}, "statePath": state_path(flow_path, name),
              "resources": dict(resources or {}), "timezone": timezone, "workflowName": workflow_name}
    routes, schedules = [], []
    if kind == "webhook":
        config["routes"] = _route_entries(flow_path, name, kept.get("webhookId"), trigger_type)
        routes = [_route_document(script, entry, name, trigger_type) for entry in config["routes"]]
    else:
        zone = timezone or "UTC"
        schedules = [{"schedule": cron, "timezone": zone, "script_path": script, "is_flow": False,
                      "args": {"action": "poll"}, "enabled": bool(active),
                      "summary": one_line(f"{name} (n8n poll)", 200),
                      "description": text_block(f"Polls for the n8n trigger \"{one_line(name, 150)}\" "
                                                "at the times its pollTimes give (n8n's own cron).")}
                     for cron in poll_crons(kept.get("parameters", {}), f"{flow_path}\n{name}")]
        if not schedules:
            raise Untranslatable("its pollTimes list no time to poll at")
    actions = POLL_ACTIONS if kind == "poll" else WEBHOOK_ACTIONS
    return AppTrigger(kind=kind, script_path=script, script=trigger_script(config, actions, module=module),
                      metadata=_metadata(name, kind, flow_path, actions, config["resources"]),
                      state_path=config["statePath"], routes=routes, schedules=schedules,
                      flow_inputs=app_trigger_inputs(), resources=config["resources"])


def app_trigger_inputs() -> dict:
    """The flow inputs an app trigger's entry reads (its script starts the flow with them)."""
    return {OUTPUTS_INPUT: {"type": "array", "items": {"type": "array"},
                            "description": "the items the n8n trigger produced, one list per output "
                                           "(its trigger script starts the flow with them)"}}


CHECK_FLOW_PATH = "f/phoenix/trigger_check"  # any valid path: what can be refused does not depend on it


def app_trigger_problem(node: dict, trigger_type: TriggerType) -> Optional[str]:
    """Why ``node`` cannot become a trigger script (its poll times, its webhooks), or None.

    The translator asks while it translates the node (a refusal makes a placeholder with
    this reason); the documents themselves need the flow's path, known when they are written.
    """
    try:
        app_trigger(node, trigger_type, flow_path=CHECK_FLOW_PATH)
    except Untranslatable as exc:
        return str(exc)
    return None


def _route_entries(flow_path: str, name: str, webhook_id: Optional[str], trigger_type: TriggerType) -> list[dict]:
    entries, seen = [], set()
    for webhook in trigger_type.webhooks:
        for method in (m.strip().upper() for m in str(webhook.method).split(",") if m.strip()):
            if webhook.path.startswith("=") or method.startswith("="):
                raise Untranslatable(f"its webhook {one_line(webhook.name, 40)} takes its path or method from an "
                                     "expression; a Windmill route needs fixed ones")
            if method not in WINDMILL_METHODS | {"HEAD"}:
                raise Untranslatable(f"its webhook listens to {one_line(method, 20)} requests, which a Windmill route cannot")
            route = route_path(flow_path, name, webhook.path, webhook_id)
            listen = "GET" if method == "HEAD" else method
            if (route, listen) in seen:
                raise Untranslatable("two of its webhooks share one path and method, which one Windmill route cannot tell apart")
            seen.add((route, listen))
            entries.append({"webhook": webhook.name, "method": method, "route": route})
    return entries


def _route_document(script: str, entry: dict, name: str, trigger_type: TriggerType) -> dict:
    method = "GET" if entry["method"] == "HEAD" else entry["method"]
    note = (" The node checks this webhook with HEAD requests; Windmill routes have no HEAD method, "
            "so this GET route is where such a request must arrive." if entry["method"] == "HEAD" else "")
    registered = entry["webhook"] in trigger_type.registers
    return {"script_path": script, "is_flow": False, "route_path": entry["route"], "request_type": "sync",
            "authentication_method": "none", "http_method": method.lower(), "is_static_website": False,
            "workspaced_route": False, "wrap_body": False, "raw_string": True,
            "summary": one_line(f"{name} (n8n {entry['webhook']} webhook)", 200),
            "description": text_block(
                f"Where the service calls the n8n trigger \"{one_line(name, 150)}\" back ({entry['method']}). "
                + ("Its trigger script registers this URL with the service (action register). " if registered else
                   "Give this URL to the service: the node registers nothing itself. ")
                + "The node's own webhook() checks each request (signatures included) and answers as n8n does." + note)}
