# GENERATED from lib/n8n/translate/host.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""The node host's interface for the translator: which nodes it runs, and the step that runs one.

The node host (``f/phoenix/n8n_host/host.ts``) runs an n8n-nodes-base node with
n8n's own engine inside a Bun step (``lib/n8n_host/step.py``). The translator
uses it for every node it has no proven native step for, when:

- the installed n8n-nodes-base has the node's type in its version (the catalog,
  ``lib/n8n_host/catalog.py``), and the type is not a trigger (triggers are the
  flow's entry points, translated natively);
- its credentials map to Windmill resources (``lib/n8n_host/credentials.py``).

The step's result is n8n's ``{outputs: Item[][], staticData}``; output ``i`` is
``results.<step>.outputs[i]``. Nodes with several outputs (IF, Switch, an error
output) get one ``branchone`` predicate per output: it runs when n8n put items
there. Nodes with several inputs (Merge, Compare Datasets) get one item list per
input. Expressions that read other nodes (``$('Name')``, ``$node[...]``) get
those nodes' items, and the nodes on the way to them with their parents, so
n8n's paired items walk back to the item an expression means.
"""

from __future__ import annotations

import json
import re
from typing import Optional

from ...n8n_host.catalog import node_type, packages
from ...n8n_host.credentials import credential_inputs
from ...n8n_host.step import host_step
from ..expressions import Untranslatable, referenced_nodes, walk_strings
from ..literals import js_key
from ..workflow import Node, Workflow
from .context import NodeContext, NodeTranslation
from .steps import int_or

HOST_PACKAGE = "n8n-nodes-base"
# Nodes whose outputs decide which branch runs, even when only one output is connected.
ROUTERS = {"n8n-nodes-base.if", "n8n-nodes-base.switch"}
# Nodes whose inputs are separate item lists (n8n's input index), not one list.
MULTI_INPUT = {"n8n-nodes-base.merge", "n8n-nodes-base.compareDatasets"}
# Types the installed n8n defines but whose run needs the n8n server itself (a waiting execution, a form
# page): the host loads them, but their step could not do what n8n does.
NEEDS_N8N_SERVER = {
    "n8n-nodes-base.form": "an n8n form page waits for a person to submit it in n8n's own web server",
}
TIMEZONE = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$")


def host_problem(node: Node) -> Optional[str]:
    """Why the node host cannot run ``node``, or None when it can."""
    info = node_type(node.type)
    installed = ", ".join(f"{name} {version}" for name, version in packages().items())
    if info is None:
        return (f"node type {node.type} is not defined by the installed n8n packages ({installed}): "
                "a community or newer node the node host cannot load")
    if info.package != HOST_PACKAGE:
        return (f"{node.type} is an {info.package} node; the node host runs {HOST_PACKAGE} nodes only")
    if not info.supports(node.type_version):
        versions = ", ".join(f"{v:g}" for v in info.versions)
        return (f"typeVersion {node.type_version:g} of {node.type} is not in the installed {HOST_PACKAGE} "
                f"(it has {versions})")
    if info.is_trigger:
        return f"{node.type} is a trigger: it starts a workflow rather than running inside one"
    return NEEDS_N8N_SERVER.get(node.type)


def host_translation(ctx: NodeContext) -> NodeTranslation:
    """The host step for ``ctx.node``; call only when ``host_problem`` is None.

    Raises Untranslatable when the node's credentials cannot be given to the step."""
    node = ctx.node
    credentials = credential_inputs(node)
    if credentials.problem:
        raise Untranslatable(credentials.problem)
    count = _input_count(ctx)
    sources = _input_names(ctx, count)
    context = _context_nodes(ctx, [s for s in sources if s])
    code = host_step(host_node(node), input_nodes=sources, parents=context.parents,
                     timezone=workflow_timezone(ctx.workflow), workflow_name=ctx.workflow.name)
    transforms = {"items": {"type": "javascript", "expr": ctx.items}} if count == 1 else \
        {"inputs": {"type": "javascript", "expr": "[" + ", ".join(ctx.inputs.get(i, "[]") for i in range(count)) + "]"}}
    if context.expression:
        transforms["nodes"] = {"type": "javascript", "expr": context.expression}
    if credentials.transform:
        transforms["credentials"] = credentials.transform
    module = {"id": ctx.step_id, "summary": node.name,
              "value": {"type": "rawscript", "language": "bun", "content": f"!inline {ctx.step_id}.ts",
                        "input_transforms": transforms}}
    result = f"results.{ctx.step_id}"
    outputs = max(ctx.output_count, 1)
    routing = node.type in ROUTERS or outputs > 1
    return NodeTranslation(
        modules=[module], files={f"{ctx.step_id}.ts": code}, output=lambda i: f"{result}?.outputs[{i}]",
        predicates=[f"({result}.outputs[{i}] ?? []).length > 0" for i in range(outputs)] if routing else None,
        applies_node_settings=True, resources=list(credentials.resources))


def host_node(node: Node) -> dict:
    """The workflow node as the host reads it: type, version, parameters, credential names, settings."""
    document = {"name": node.name, "type": node.type, "typeVersion": node.type_version,
                "parameters": node.parameters, "credentials": node.credentials if isinstance(node.credentials, dict) else {}}
    raw = node.raw if isinstance(node.raw, dict) else {}
    for key in ("executeOnce", "alwaysOutputData", "onError", "continueOnFail", "retryOnFail", "maxTries",
                "waitBetweenTries"):
        if key in raw and isinstance(raw[key], (bool, int, float, str)):
            document[key] = raw[key]
    return document


def workflow_timezone(workflow: Workflow) -> Optional[str]:
    settings = workflow.raw.get("settings") if isinstance(workflow.raw, dict) else None
    zone = settings.get("timezone") if isinstance(settings, dict) else None
    return zone if isinstance(zone, str) and TIMEZONE.match(zone) else None


def _input_count(ctx: NodeContext) -> int:
    wired = max([i + 1 for i in ctx.inputs] + [1])
    if ctx.node.type not in MULTI_INPUT:
        return 1 if wired == 1 else wired
    declared = int_or(ctx.node.parameters.get("numberInputs", 2), 2) if ctx.node.type.endswith("merge") else 2
    return max(wired, declared, 2)


def _input_names(ctx: NodeContext, count: int) -> list[Optional[str]]:
    """The upstream node feeding each input (the first, when several do), each name once."""
    names: list[Optional[str]] = []
    for index in range(count):
        name = next(iter(ctx.input_sources.get(index, [])), None)
        if name is not None and (name in names or name == ctx.node.name):
            name = None  # the host names it "Input <n>": the same node cannot be pinned twice
        names.append(name)
    return names


class _Context:
    def __init__(self, expression: Optional[str], parents: dict[str, list[str]]):
        self.expression = expression
        self.parents = parents


def _context_nodes(ctx: NodeContext, inputs: list[str]) -> _Context:
    """The ``nodes`` input (earlier nodes the parameters read, and the nodes between them and the
    inputs) and the parents of each pinned node, without cycles."""
    workflow, me = ctx.workflow, ctx.node.name
    read = set()
    if _may_reference(ctx.node.parameters):
        for text in walk_strings(ctx.node.parameters):
            read |= referenced_nodes(text)
    read = {name for name in read if name in workflow.nodes and name != me}
    if not read:
        return _Context(None, {})  # nothing but the inputs is pinned: no parents to walk
    between = _between(workflow, read, inputs) | read
    available = {name: ctx.node_items(name) for name in sorted(between - set(inputs) - {me})}
    available = {name: items for name, items in available.items() if items is not None}
    pinned = set(available) | set(inputs)
    parents = _acyclic_parents(workflow, inputs, pinned)
    if not available:
        return _Context(None, parents)
    pairs = ", ".join(f"{js_key(name)}: {items}" for name, items in available.items())
    return _Context("({" + pairs + "})", parents)


def _may_reference(parameters) -> bool:
    """A quick look before the walk: can any string of the parameters read another node?"""
    try:
        text = json.dumps(parameters, ensure_ascii=False)
    except (TypeError, ValueError):
        return True
    return "$(" in text or "$node" in text or "$items" in text


def _between(workflow: Workflow, read: set[str], inputs: list[str]) -> set[str]:
    """Nodes on a path from a node the expressions read to an input (paired items walk these)."""
    upstream = _closure(inputs, lambda n: [e.source for e in workflow.incoming(n)])
    downstream = _closure(sorted(read), lambda n: [e.target for e in workflow.outgoing(n)])
    return upstream & downstream


def _closure(starts, step) -> set[str]:
    seen, todo = set(), list(starts)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += step(name)
    return seen


def _acyclic_parents(workflow: Workflow, inputs: list[str], pinned: set[str]) -> dict[str, list[str]]:
    """Each pinned node's pinned parents, walking up from the inputs; an edge closing a loop is left out
    (the host's one-off workflow must not loop)."""
    parents: dict[str, list[str]] = {}
    on_path: set[str] = set()

    def visit(name: str, depth: int = 0):
        if name in parents or depth > 500:
            return
        on_path.add(name)
        parents[name] = []
        for edge in workflow.incoming(name):
            source = edge.source
            if source in pinned and source not in on_path and source not in parents[name]:
                visit(source, depth + 1)
                if source not in on_path:
                    parents[name].append(source)
        on_path.discard(name)

    for name in list(inputs) + sorted(pinned - set(inputs)):
        visit(name)
    return {name: found for name, found in parents.items() if found}
