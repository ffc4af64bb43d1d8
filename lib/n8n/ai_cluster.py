"""An n8n AI cluster (a root node and the sub-nodes hanging off it) as one Bun step.

The step runs the cluster with n8n's own engine through the AI host
(f/phoenix/n8n_ai/cluster.ts): the agent's loop, its tools (LangChain tools
and n8n-nodes-base nodes used as tools), its memory, output parsers,
retrievers, vector stores, document loaders and text splitters all behave as
in n8n, while every model and embeddings sub-node is Phoenix's
(``ai_models.py``): the router answers, on the operator's own models.

Everything taken from the workflow (the nodes' names, types, parameters,
settings and credential names; the workflow's name, id and time zone) enters the
step text only through ``literals.js_json_text``: a JavaScript string holding
the JSON, read back with ``JSON.parse``. Comments carry no workflow text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..n8n_host.credentials import RESOURCES_KEY, credential_inputs
from ..n8n_host.step import host_node
from .ai_catalog import is_base_tool
from .ai_models import is_embeddings, is_model, phoenix_chat_model, phoenix_embeddings, phoenix_openai_app
from .expressions import Untranslatable, referenced_nodes, walk_strings
from .literals import js_json_text, js_key, js_string
from .translate.context import NodeContext, NodeTranslation
from .translate.steps import STEP_HEADER, node_literal
from .workflow import Node, Workflow

CLUSTER_IMPORT = "/f/phoenix/n8n_ai/cluster.ts"  # how Windmill resolves a workspace script for a Bun step
#: n8n node types calling another workflow: the host runs the Windmill flow translated from it
OPENAI_APPS = ("@n8n/n8n-nodes-langchain.openAi", "n8n-nodes-base.openAi")
EXECUTE_WORKFLOW_TRIGGER = "n8n-nodes-base.executeWorkflowTrigger"
SELF = re.compile(r"^=\s*\{\{\s*\$workflow\.id\s*\}\}\s*$")  # the workflow's own id
CALLS_WORKFLOW = {"@n8n/n8n-nodes-langchain.toolWorkflow", "@n8n/n8n-nodes-langchain.retrieverWorkflow"}

_STEP = """\
{header}// Runs an n8n AI cluster (a root node and its sub-nodes) with n8n's own engine; its models answer
// through the Phoenix router. CLUSTER and WORKFLOW hold the workflow's data as JSON text.
import {{ runClusterStep, type Item, type RunResult }} from {host};

{about}const CLUSTER = {cluster};
const WORKFLOW = {workflow};

export async function main(
  items: Item[] = [],
  nodes: {{ [node: string]: Item[] }} = {{}},
  credentials: {{ [type: string]: {{ [field: string]: unknown }} }} = {{}},
  static_data: {{ [key: string]: unknown }} = {{}},
): Promise<RunResult> {{
  const workflow = JSON.parse(WORKFLOW);
  return await runClusterStep({{
    ...JSON.parse(CLUSTER),
    items,
    inputNodes: workflow.inputNodes,
    credentials,
    context: {{ nodes, parents: workflow.parents, timezone: workflow.timezone, workflowName: workflow.name,
      workflowId: workflow.id, staticData: static_data }},
  }});
}}
"""


@dataclass
class Cluster:
    """What the AI host is given for one root: its sub-nodes as they run, and how they connect."""

    root: Node
    root_node: dict = field(default_factory=dict)            # the root as the host runs it
    sub_nodes: list[dict] = field(default_factory=list)      # host nodes, models already Phoenix's
    connections: list[dict] = field(default_factory=list)    # {source, type, target, index}
    models: dict[str, list[str]] = field(default_factory=dict)  # Phoenix model node -> model ids to try first
    sub_workflows: dict[str, dict] = field(default_factory=dict)  # n8n workflow id -> {path, entry} of its flow
    folded: list[Node] = field(default_factory=list)         # every original sub-node it stands for

    @property
    def members(self) -> list[Node]:
        return [self.root, *self.folded]


def cluster_of(workflow: Workflow, root: str) -> Cluster:
    """The root's sub-nodes (and theirs), depth first; a model's own inputs (a Model Selector's
    models) fold into the one Phoenix model that replaces it."""
    node = workflow.nodes[root]
    cluster = Cluster(root=node, root_node=_host_node(node))
    if node.type in OPENAI_APPS:  # its text operations run as n8n's node does, asking Phoenix
        cluster.root_node, cluster.models[root] = phoenix_openai_app(node, cluster.root_node)
    seen, todo = {root}, [root]
    while todo:  # iterative: thousands of sub-nodes must not end in RecursionError
        target = todo.pop()
        for edge in workflow.ai_edges:
            if edge.target != target:
                continue
            cluster.connections.append({"source": edge.source, "type": edge.kind, "target": target,
                                        "index": edge.input})
            if edge.source in seen:
                continue
            seen.add(edge.source)
            sub = workflow.nodes[edge.source]
            cluster.folded.append(sub)
            if is_model(sub):
                chosen = [workflow.nodes[e.source] for e in workflow.ai_edges if e.target == sub.name]
                seen.update(n.name for n in chosen)
                cluster.folded += [n for n in chosen if n is not sub]
                node, hints = phoenix_chat_model(sub, chosen)
                cluster.sub_nodes.append(node)
                cluster.models[sub.name] = hints
            elif is_embeddings(sub):
                cluster.sub_nodes.append(phoenix_embeddings(sub))
            else:
                cluster.sub_nodes.append(_host_node(sub))
                todo.append(sub.name)
    kept = {root, *(n["name"] for n in cluster.sub_nodes)}
    cluster.connections = [c for c in cluster.connections if c["source"] in kept and c["target"] in kept]
    return cluster


def _host_node(node: Node) -> dict:
    """The node as the host runs it: what the workflow parser read, and the node's settings."""
    raw = {key: node.raw[key] for key in node.raw if key not in ("name", "type", "typeVersion", "parameters",
                                                                    "credentials", "disabled")}
    return host_node({**raw, "name": node.name, "type": node.type, "typeVersion": node.type_version,
                      "parameters": node.parameters, "credentials": node.credentials, "disabled": node.disabled})


def link_sub_workflows(cluster: Cluster, workflow: Workflow, flow_path_of) -> str | None:
    """The Windmill flows the cluster's workflow tools and retrievers call; why not, when one is missing.

    ``={{ $workflow.id }}`` is this very workflow (n8n's pattern of a tool calling its own workflow
    at its Execute Workflow Trigger): its flow, asked to start at that trigger.
    """
    own_id = str(workflow.raw.get("id") or "")
    for node in cluster.members:
        if node.type not in CALLS_WORKFLOW or node.disabled:
            continue
        source = node.parameters.get("source", "database")
        workflow_id = node.parameters.get("workflowId")
        workflow_id = workflow_id.get("value") if isinstance(workflow_id, dict) else workflow_id
        itself = isinstance(workflow_id, str) and SELF.match(workflow_id) is not None
        if itself:
            workflow_id = own_id
        path = flow_path_of(str(workflow_id)) if isinstance(workflow_id, (str, int)) and str(workflow_id) \
            and source == "database" and not str(workflow_id).startswith("=") else None
        if not path:
            shown = "itself (but it has no id)" if itself else workflow_id if isinstance(workflow_id, (str, int)) \
                else "(given inline or by expression)"
            return (f"{node.name!r} ({node.short_type}) calls n8n workflow {shown}, which was not translated in "
                    "this run (translate it in the same folder to link the two flows)")
        entry = _called_entry(workflow) if itself else None
        cluster.sub_workflows[str(workflow_id)] = {"path": path, "entry": entry}
    return None


def _called_entry(workflow: Workflow) -> str | None:
    """The entry a call of this workflow starts at, when its flow has several: its Execute Workflow Trigger."""
    triggers = [n.name for n in workflow.nodes.values() if n.type == EXECUTE_WORKFLOW_TRIGGER and not n.disabled]
    return triggers[0] if triggers else None


def cluster_credentials(cluster: Cluster) -> tuple[dict | None, list[str]]:
    """The step's ``credentials`` input (``$res:`` references only) and the resources to create."""
    value: dict = {}
    paths: dict = {}
    for node in cluster.members:
        if node.name in cluster.models or (node is not cluster.root and is_embeddings(node)):
            continue  # Phoenix's own: the host fills it in (the OpenAI app node's credential included)
        inputs = credential_inputs(_as_base(node))
        if inputs.problem:
            raise Untranslatable(f"credentials of {node.name!r}: {inputs.problem}")
        if inputs.transform is None:
            continue
        for type_name, reference in inputs.transform["value"].items():
            if type_name == RESOURCES_KEY:
                continue
            if value.get(type_name, reference) != reference:
                raise Untranslatable(f"two nodes of this AI cluster use different {type_name} credentials; "
                                     "the host gives one credential of each type")
            value[type_name] = reference
            paths[type_name] = inputs.transform["value"][RESOURCES_KEY][type_name]
    if not value:
        return None, []
    return {"type": "static", "value": {**value, RESOURCES_KEY: paths}}, sorted(paths.values())


def _as_base(node: Node) -> Node:
    """A base node used as a tool declares the credentials of the node it is built from."""
    if not is_base_tool(node.type):
        return node
    return Node(name=node.name, type=node.type[:-len("Tool")], type_version=node.type_version,
                parameters=node.parameters, credentials=node.credentials, raw=node.raw)


def cluster_step(cluster: Cluster, *, input_nodes: list[str] | None = None, parents: dict | None = None,
                 timezone: str | None = None, workflow_name: str | None = None, workflow_id: str | None = None,
                 host_import: str = CLUSTER_IMPORT) -> str:
    """The TypeScript of a Bun step running ``cluster`` with the AI host."""
    request = {"node": cluster.root_node, "subNodes": cluster.sub_nodes,
               "connections": cluster.connections, "models": cluster.models, "subWorkflows": cluster.sub_workflows}
    workflow = {"inputNodes": input_nodes, "parents": parents or {}, "timezone": timezone, "name": workflow_name,
                "id": workflow_id}
    return _STEP.format(header=STEP_HEADER, host=js_string(host_import), about=node_literal(cluster.root),
                        cluster=js_json_text(request), workflow=js_json_text(workflow))


def translate_cluster(ctx: NodeContext) -> NodeTranslation:
    """The root ``ctx.node`` and its sub-nodes as one AI host step; its outputs are n8n's outputs, as JSON items."""
    cluster = cluster_of(ctx.workflow, ctx.node.name)
    problem = link_sub_workflows(cluster, ctx.workflow, ctx.flow_path_of)
    if problem:
        raise Untranslatable(problem)
    credentials, _resources = cluster_credentials(cluster)
    wf = ctx.workflow
    upstream = [e.source for e in wf.incoming(ctx.node.name)]
    input_node = upstream[0] if upstream else None
    context = _context_nodes(ctx, cluster, input_node)
    pinned = set(context) | ({input_node} if input_node else set())
    parents = {name: [p for p in dict.fromkeys(e.source for e in wf.incoming(name)) if p in pinned]
               for name in pinned}
    settings = wf.raw.get("settings") if isinstance(wf.raw.get("settings"), dict) else {}
    timezone = settings.get("timezone") if isinstance(settings.get("timezone"), str) else None
    code = cluster_step(cluster, input_nodes=[input_node] if input_node else None,
                        parents={k: v for k, v in parents.items() if v}, timezone=timezone,
                        workflow_name=wf.name, workflow_id=str(wf.raw.get("id") or "") or None)
    transforms = {"items": {"type": "javascript", "expr": ctx.items}}
    if context:
        transforms["nodes"] = {"type": "javascript",
                               "expr": "({" + ", ".join(f"{js_key(n)}: {e}" for n, e in context.items()) + "})"}
    if credentials:
        transforms["credentials"] = credentials
    file_name = f"{ctx.step_id}.ts"
    module = {"id": ctx.step_id, "summary": f"{ctx.node.name} (n8n AI nodes, answered by the Phoenix router)",
              "value": {"type": "rawscript", "language": "bun", "content": f"!inline {file_name}",
                        "input_transforms": transforms}}
    step = f"results.{ctx.step_id}"

    def output(i: int) -> str:
        return f"(({step}?.outputs ?? [])[{i}] ?? []).map((item) => item.json)"

    predicates = [f"{output(i)}.length > 0" for i in range(ctx.output_count)] if ctx.output_count > 1 else None
    return NodeTranslation(modules=[module], files={file_name: code}, output=output, predicates=predicates)


def _context_nodes(ctx: NodeContext, cluster: Cluster, input_node: str | None) -> dict[str, str]:
    """Earlier nodes the cluster's expressions read (``$('Name')``), by name, with their items' expression."""
    names: set[str] = set()
    for node in cluster.members:
        for text in walk_strings(node.parameters):
            names |= referenced_nodes(text)
    own = {n.name for n in cluster.members}
    found = {}
    for name in sorted(names - own - {input_node}):
        expr = ctx.node_items(name)
        if expr is not None:
            found[name] = expr
    return found
