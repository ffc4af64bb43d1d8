# GENERATED from lib/n8n/translate/emit.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""Emitting: one translated workflow as its flow document, inline step files and trigger documents.

``translate_workflow`` is the translator's entry point: it parses the n8n
JSON, lets ``structure.py`` build the modules, then writes the flow's summary,
description (what was not translated and why, the resources to create, the
sticky notes) and input schema, and the schedule and HTTP route documents of
its triggers.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from typing import Callable, Optional

from ...n8n_host.catalog import credential_type
from ...n8n_host.credentials import resource_type_name
from ...n8n_host.trigger_steps import AppTrigger, app_trigger
from ..expressions import Untranslatable
from ..literals import one_line, text_block
from ..workflow import Node, Workflow, WorkflowError, parse_workflow
from .callees import ERROR_START, callee_of
from .failure import failure_handler
from .links import MAX_INLINE_DEPTH, Callee, WorkflowLinks
from .translators import ONE_PER_MODULE  # noqa: F401  (importing it registers every node translator)
from .structure import TRIGGER_INPUT, StructureError, Structurer

#: an AI sub-node (a chat model, a tool...) connected to no root: n8n never runs it, so it becomes nothing
UNATTACHED = "an AI sub-node connected to no root node (n8n never runs it): nothing to translate"
TIMEZONE = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$")


@dataclass
class Translation:
    """One workflow's flow document, inline files, trigger documents and node accounting."""
    flow: dict
    files: dict[str, str]
    schedules: list[dict]
    http_triggers: list[dict]
    status: dict[str, str] = field(default_factory=dict)   # node name -> translated|placeholder|unused
    reasons: dict[str, str] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    resources: list[dict] = field(default_factory=list)     # [{path, resource_type}] the operator creates
    scripts: dict[str, dict] = field(default_factory=dict)  # file stem -> {"code", "metadata"}: app trigger scripts
    callee: Optional[Callee] = None                         # how other flows call this one
    subflows: list["Subflow"] = field(default_factory=list)  # inline sub-workflows, translated as flows


@dataclass
class Subflow:
    """An inline sub-workflow (Execute Workflow, source "parameter") translated as its own flow."""
    path: str
    translation: Translation


def translate_workflow(document, source: str, flow_path: str, flow_path_of: Optional[Callable] = None, *,
                       links: Optional[WorkflowLinks] = None,
                       subflow_path: Optional[Callable[[str], str]] = None) -> Translation:
    """Translate one parsed-JSON n8n workflow; raises WorkflowError or StructureError.

    ``links`` are the run's other workflows (``links.py``; ``flow_path_of``, an
    n8n id -> flow path function, is the older form of ``links.by_id``);
    ``subflow_path`` names the flow an inline sub-workflow becomes (default:
    ``<flow_path>_<step id>``).
    """
    workflow = parse_workflow(document, source)
    links = links or WorkflowLinks(by_id=_callee_by_path(flow_path_of))
    subflows: list[Subflow] = []
    structurer = Structurer(workflow)
    entries = structurer.entry_points()
    own = callee_of(workflow, flow_path, entries=entries)
    structurer.links = links = replace(
        links, itself=links.itself or own,
        itself_on_error=links.itself_on_error or callee_of(workflow, flow_path, ERROR_START, entries),
        inline=_inline_translator(source, flow_path, links, subflow_path, subflows))
    modules = structurer.build()
    status, reasons = dict(structurer.status), dict(structurer.reasons)
    unattached = set(workflow.unattached_sub_nodes)
    for name in workflow.nodes:
        if name not in status:
            status[name] = "unused" if name in unattached else "placeholder"
            reasons[name] = UNATTACHED if name in unattached else "not connected to anything the flow runs"
    multiple_roots = len(structurer.top.roots) > 1
    apps = _app_triggers(workflow, structurer, flow_path, multiple_roots)
    failure = failure_handler(workflow, structurer, links)
    structurer.notes += failure.notes
    flow = {"summary": _summary(workflow, source),
            "description": _description(workflow, source, status, reasons, structurer, modules, apps),
            "value": {"modules": modules, **({"failure_module": failure.module} if failure.module else {})},
            "schema": _flow_schema(structurer, multiple_roots)}
    schedules, http = _trigger_documents(workflow, structurer, flow_path, multiple_roots)
    for app in apps:
        schedules += app.schedules
        http += app.routes
    for document in [flow, *schedules, *http]:
        _plain_texts(document)
    return Translation(flow=flow, files={**structurer.files, **failure.files}, schedules=schedules,
                       http_triggers=http, status=status, reasons=reasons,
                       types={n: workflow.nodes[n].type for n in workflow.nodes},
                       resources=resources_needed(modules, structurer, apps),
                       scripts={app.script_path.rsplit("/", 1)[1]: {"code": app.script, "metadata": app.metadata}
                                for app in apps},
                       callee=own, subflows=subflows)


def _callee_by_path(flow_path_of: Optional[Callable]) -> Callable[[str], Optional[Callee]]:
    """The older ``flow_path_of`` (n8n id -> flow path) as callee look-ups (entered at their default)."""
    if flow_path_of is None:
        return lambda _id: None
    return lambda workflow_id: (Callee(path=flow_path_of(workflow_id), workflow_id=workflow_id)
                                if flow_path_of(workflow_id) else None)


def _inline_translator(source: str, flow_path: str, links: WorkflowLinks,
                       subflow_path: Optional[Callable[[str], str]], subflows: list[Subflow]):
    """``links.inline``: an Execute Workflow node's inline JSON, translated as a flow of its own.

    As in n8n, an inline workflow without an id is the calling workflow for
    ``$workflow.id``; its schedules, webhooks and app triggers are not activated
    (n8n only runs it from this node), so only its flow is written.
    """
    name_subflow = subflow_path or (lambda key: f"{flow_path}_{key}")

    def translate_inline(text: str, key: str) -> Callee:
        if links.depth >= MAX_INLINE_DEPTH:
            raise Untranslatable(f"its inline workflow is nested more than {MAX_INLINE_DEPTH} levels deep")
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise Untranslatable(f"its inline workflow JSON is not valid JSON ({exc}; n8n fails this node too)") \
                from None
        has_id = isinstance(document, dict) and isinstance(document.get("id"), (str, int))
        inner = replace(links, depth=links.depth + 1, itself=None if has_id else links.itself,
                        itself_on_error=None, inline=None)
        path = name_subflow(key)
        try:
            translation = translate_workflow(document, f"{source} (inline workflow)", path, links=inner,
                                             subflow_path=lambda sub: name_subflow(f"{key}_{sub}"))
        except (WorkflowError, StructureError) as exc:
            raise Untranslatable(f"its inline workflow cannot be translated: {exc}") from None
        except RecursionError:
            raise Untranslatable("its inline workflow is too deeply nested to translate") from None
        if translation.callee.problem:  # nothing could call it: no flow is written
            raise Untranslatable(f"its inline workflow cannot be called: {translation.callee.problem}")
        translation.schedules, translation.http_triggers, translation.scripts = [], [], {}
        subflows.append(Subflow(path, translation))
        subflows.extend(translation.subflows)
        translation.subflows = []
        return translation.callee
    return translate_inline


def _plain_texts(document) -> None:
    """Every summary and description holds workflow text: made plain, one way (literals.one_line/text_block)."""
    todo = [document]
    while todo:
        item = todo.pop()
        if isinstance(item, list):
            todo.extend(item)
        elif isinstance(item, dict):
            for key, value in item.items():
                if key == "summary" and isinstance(value, str):
                    item[key] = one_line(value)
                elif key == "description" and isinstance(value, str):
                    item[key] = text_block(value)
                else:
                    todo.append(value)


def _summary(workflow: Workflow, source: str) -> str:
    return (workflow.name or source.rsplit("/", 1)[-1].rsplit(".", 1)[0])[:200]


def _description(workflow: Workflow, source: str, status: dict, reasons: dict, structurer: Structurer,
                 modules: list[dict], apps: tuple | list = ()) -> str:
    """The flow's description: one line per thing to know (names on one line each), then the sticky notes."""
    translated = sum(1 for s in status.values() if s == "translated")
    unused = sum(1 for s in status.values() if s == "unused")
    lines = [f"Translated by Phoenix from the n8n workflow \"{one_line(workflow.name or '(unnamed)')}\" "
             f"({one_line(source)}).",
             f"{translated} of {len(status) - unused} nodes translated; "
             f"{len(status) - unused - translated} became placeholder steps that fail when run, saying why."]
    for name, reason in reasons.items():
        lines.append(f"- {'not run (as in n8n)' if status[name] == 'unused' else 'not translated'}: "
                     f"{one_line(name)} ({one_line(workflow.nodes[name].type)}): {one_line(reason, 1000)}")
    for note in structurer.notes:
        lines.append(f"- not translated: {one_line(note, 1000)}")
    readers = _request_metadata_readers(workflow)
    if readers:
        lines.append("- not passed: the request's headers and query. Windmill's HTTP route gives the flow the "
                     "body only (input body); inputs headers and query stay empty unless the caller sets them. "
                     f"Nodes whose expressions read headers or query (check them): "
                     f"{', '.join(one_line(r) for r in readers)}")
    resources = resources_needed(modules, structurer, apps)
    if resources:
        lines.append("Windmill resources to create (each holds the fields of the n8n credential it replaces; "
                     "no secret is in this flow): "
                     + ", ".join(f"{r['path']} (resource type {r['resource_type']})" if r["resource_type"]
                                 else r["path"] for r in resources))
    if len(structurer.top.roots) > 1:
        roots = sorted(structurer.top.roots, key=structurer._root_rank)
        lines.append(f"Several n8n entry points: the flow input {TRIGGER_INPUT!r} picks one "
                     f"(default: the first of {', '.join(one_line(r) for r in roots)}).")
    for app in apps:
        lines.append(f"n8n trigger script: {app.script_path} " + (
            "(run it once with action register: it registers the webhook with the service as n8n does on activation; "
            "its HTTP routes deliver the service's calls)" if app.kind == "webhook" else
            "(its schedule polls; each new item starts this flow once)"))
    for note in workflow.sticky_notes:
        text = "\n".join(line.rstrip() for line in str(note.parameters.get("content", "")).strip().splitlines())
        if text:
            lines.append(f"\nSticky note \"{one_line(note.name)}\":\n{text}")
    return "\n".join(lines)


_WEBHOOK_TYPES = ("n8n-nodes-base.webhook",)
# $json.headers, $json["query"], $('Webhook').item.json.headers, ...
_REQUEST_METADATA = re.compile(r"""json\s*(?:\.|\[\s*['"])(headers|query)\b""")


def _request_metadata_readers(workflow: Workflow) -> list[str]:
    """Nodes of a webhook-triggered workflow whose expressions read the request's headers or query."""
    if not any(node.type in _WEBHOOK_TYPES for node in workflow.nodes.values()):
        return []
    return [name for name, node in workflow.nodes.items()
            if node.type not in _WEBHOOK_TYPES and _REQUEST_METADATA.search(json.dumps(node.parameters))]


def all_modules(modules: list[dict]):
    """Every module of a flow, nested ones included."""
    for module in modules:
        yield module
        value = module.get("value", {})
        for branch in value.get("branches", []):
            yield from all_modules(branch.get("modules", []))
        yield from all_modules(value.get("default", []))
        yield from all_modules(value.get("modules", []))


def resources_needed(modules: list[dict], structurer: Structurer, apps=()) -> list[dict]:
    """Every Windmill resource the flow's steps and trigger scripts read, with its resource type when known."""
    typed = dict(sorted(structurer.resources))
    typed.update({path: resource_type_name(kind) for app in apps for kind, path in app.resources.items()})
    found = set(typed)
    for module in all_modules(modules):
        for transform in (module.get("value", {}).get("input_transforms") or {}).values():
            if transform.get("type") == "static":
                for path, kind in _resource_references(transform.get("value")):
                    found.add(path)
                    if kind and credential_type(kind) is not None:
                        typed.setdefault(path, resource_type_name(kind))
    return [{"path": path, "resource_type": typed.get(path)} for path in sorted(found)]


def _resource_references(value) -> list[tuple[str, str | None]]:
    """(path, credential type or None) of every ``$res:<path>`` string in a static value (Windmill
    resolves them nested too); a host step's credentials argument keys each one by its credential type."""
    todo, found = [(None, value)], []
    while todo:
        key, item = todo.pop()
        if isinstance(item, str) and item.startswith("$res:"):
            found.append((item.removeprefix("$res:"), key))
        elif isinstance(item, dict):
            todo.extend((k if isinstance(k, str) else None, v) for k, v in item.items())
        elif isinstance(item, list):
            todo.extend((None, v) for v in item)
    return found


def _flow_schema(structurer: Structurer, multiple_roots: bool) -> dict:
    properties: dict = {}
    for _node, trigger in structurer.triggers:
        for key, spec in (trigger.get("inputs") or {}).items():
            properties.setdefault(key, spec)
    if multiple_roots:
        roots = sorted(structurer.top.roots, key=structurer._root_rank)
        properties[TRIGGER_INPUT] = {"type": "string", "enum": roots, "default": roots[0],
                                     "description": "which n8n entry point this run starts from"}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
            "properties": properties, "required": [], "order": list(properties)}


HTTP_AUTH = {"none": "none", "basicAuth": "basic_http", "headerAuth": "api_key", "jwtAuth": "windmill"}
HTTP_METHODS = {"get", "post", "put", "delete", "patch"}


def _trigger_documents(workflow: Workflow, structurer: Structurer, flow_path: str,
                       multiple_roots: bool) -> tuple[list[dict], list[dict]]:
    schedules, http = [], []
    for node, trigger in structurer.triggers:
        args = {TRIGGER_INPUT: node.name} if multiple_roots else {}
        if trigger["kind"] == "schedule":
            for cron in trigger["crons"]:
                zone = trigger.get("timezone")
                schedules.append({"schedule": cron, "timezone": zone if isinstance(zone, str) and TIMEZONE.match(zone) else "UTC",
                                  "script_path": flow_path, "is_flow": True,
                                  "enabled": bool(workflow.raw.get("active")), "args": args,
                                  "summary": f"{node.name} (n8n schedule)"[:200]})
        elif trigger["kind"] == "http":
            http.append(_http_trigger(node, trigger, flow_path))
    return schedules, http


def _app_triggers(workflow: Workflow, structurer: Structurer, flow_path: str, multiple_roots: bool) -> list[AppTrigger]:
    """Each app trigger's script with its routes or schedules (lib/n8n_host/trigger_steps.py)."""
    settings = workflow.raw.get("settings") if isinstance(workflow.raw, dict) else None
    zone = settings.get("timezone") if isinstance(settings, dict) else None
    return [app_trigger(node.raw, trigger["type"], flow_path=flow_path, workflow_name=workflow.name,
                        timezone=zone if isinstance(zone, str) and TIMEZONE.match(zone) else None,
                        resources=trigger["resources"], flow_args={TRIGGER_INPUT: node.name} if multiple_roots else {},
                        active=bool(workflow.raw.get("active")))
            for node, trigger in structurer.triggers if trigger["kind"] == "app"]


def _http_trigger(node: Node, trigger: dict, flow_path: str) -> dict:
    route = re.sub(r"[^A-Za-z0-9_\-/:]+", "_", str(trigger.get("path") or node.name)).strip("/") or "hook"
    auth = HTTP_AUTH.get(trigger.get("auth", "none"), "windmill")
    method = str(trigger.get("method", "POST")).lower()
    document = {"script_path": flow_path, "is_flow": True, "route_path": f"n8n/{route}",
                "request_type": "async" if trigger.get("response_mode") == "onReceived" else "sync",
                "authentication_method": auth,
                "http_method": method if method in HTTP_METHODS else "post",
                "is_static_website": False, "workspaced_route": False,
                "wrap_body": not trigger.get("unwrapped"), "raw_string": False,
                "summary": f"{node.name} (n8n webhook)"[:200],
                "description": f"Replaces the n8n webhook node {node.name!r} (path {trigger.get('path')!r})."}
    if auth in ("basic_http", "api_key"):
        document["authentication_resource_path"] = f"f/phoenix/n8n_credentials/webhook_{re.sub(r'[^a-z0-9]+', '_', node.name.lower()).strip('_')}"
    return document
