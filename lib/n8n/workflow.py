"""An n8n workflow JSON document parsed into a graph the translator can walk.

n8n edges refer to node *names*: ``connections[source][kind][output] = [{node,
type, index}]``. ``main`` edges carry items between nodes (an output slot may
be ``[]`` or ``null``); ``ai_*`` edges point from a sub-node (model, memory,
tool, ...) *to* the root node that uses it. Real workflows have cycles
(splitInBatches loops, polling loops), so this module also finds the strongly
connected components of the main graph.

Sticky notes are documentation: they are kept apart from the executable nodes.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError
from .ai_catalog import is_sub_node

STICKY_NOTE = "n8n-nodes-base.stickyNote"
# n8n nodes have a handful of inputs and outputs; an edge naming input 10,000 is not a workflow n8n made
MAX_PORT = 1000
# The largest real workflows have a few hundred nodes; far beyond these, the file is refused with a reason
# rather than making a translate run take minutes.
MAX_NODES = 10_000
MAX_CONNECTIONS = 50_000


class WorkflowError(InputError):
    """The document is not a usable n8n workflow (says which part and why)."""


@dataclass(frozen=True)
class Edge:
    source: str
    output: int
    target: str
    input: int
    kind: str = "main"


@dataclass
class Node:
    name: str
    type: str
    type_version: float
    parameters: dict
    disabled: bool = False
    notes: str = ""
    credentials: dict = field(default_factory=dict)
    on_error: str = ""
    raw: dict = field(default_factory=dict)

    @property
    def short_type(self) -> str:
        """``n8n-nodes-base.httpRequest`` -> ``httpRequest``."""
        return self.type.rsplit(".", 1)[-1]


@dataclass
class Workflow:
    name: str
    nodes: dict[str, Node]
    sticky_notes: list[Node]
    main_edges: list[Edge]
    ai_edges: list[Edge]
    warnings: list[str] = field(default_factory=list)
    raw: dict = field(default_factory=dict)

    def __post_init__(self):
        self._out: dict[str, list[Edge]] = {}
        self._in: dict[str, list[Edge]] = {}
        for edge in self.main_edges:
            self._out.setdefault(edge.source, []).append(edge)
            self._in.setdefault(edge.target, []).append(edge)

    def outgoing(self, name: str) -> list[Edge]:
        return self._out.get(name, [])

    def incoming(self, name: str) -> list[Edge]:
        return self._in.get(name, [])

    def sub_nodes(self, root: str) -> list[tuple[str, Node]]:
        """(connection kind, sub-node) pairs attached to ``root``."""
        return [(e.kind, self.nodes[e.source]) for e in self.ai_edges if e.target == root]

    @property
    def sub_node_names(self) -> set[str]:
        """Nodes that only serve another node through ``ai_*`` edges, and AI sub-nodes attached to
        nothing (a chat model left on the canvas): n8n never runs those on their own."""
        feeding = {e.source for e in self.ai_edges}
        feeding |= {name for name, node in self.nodes.items() if is_sub_node(node.type, node.parameters)}
        return {n for n in feeding if not self.outgoing(n) and not self.incoming(n)}

    @property
    def unattached_sub_nodes(self) -> list[str]:
        """AI sub-nodes connected to no root node (n8n never runs them; nothing to translate)."""
        skip = self.sub_node_names
        attached = {e.source for e in self.ai_edges}
        return [n for n in self.nodes if n in skip and n not in attached]

    def main_node_names(self) -> list[str]:
        skip = self.sub_node_names
        return [n for n in self.nodes if n not in skip]

    def successors(self, name: str) -> list[str]:
        return list(dict.fromkeys(e.target for e in self.outgoing(name)))


def _credential_references(value: Any) -> dict:
    """A node's credentials as n8n writes them today: ``{type: {"id", "name"}}``.

    Workflows exported before credential ids wrote ``{type: "name"}``; n8n's own
    migration reads that as the credential of that name, and so does Phoenix.
    """
    if not isinstance(value, dict):
        return {}
    return {kind: {"id": None, "name": ref} if isinstance(ref, str) else ref for kind, ref in value.items()}


def parse_workflow(document: Any, source: str = "<workflow>") -> Workflow:
    """Validate the shape of an n8n workflow and build its graph.

    Raises WorkflowError naming ``source`` for anything n8n itself would
    reject; tolerates what n8n tolerates (null slots, edges to missing nodes,
    which are dropped with a warning). A lone surrogate (``"\\ud800"`` is valid
    JSON but no UTF-8 file can hold it) becomes U+FFFD everywhere, names and
    the edges that refer to them alike.
    """
    document = without_lone_surrogates(document)
    if not isinstance(document, dict):
        raise WorkflowError(f"{source}: not an n8n workflow (top level is {type(document).__name__}, not an object)")
    if "nodes" not in document:
        raise WorkflowError(f"{source}: not an n8n workflow (no 'nodes' key)")
    raw_nodes, raw_connections = document.get("nodes"), document.get("connections")
    raw_connections = {} if raw_connections is None else raw_connections
    if not isinstance(raw_nodes, list):
        raise WorkflowError(f"{source}: 'nodes' must be a list, got {type(raw_nodes).__name__}")
    if not isinstance(raw_connections, dict):
        raise WorkflowError(f"{source}: 'connections' must be an object, got {type(raw_connections).__name__}")
    if len(raw_nodes) > MAX_NODES:
        raise WorkflowError(f"{source}: more than {MAX_NODES} nodes ({len(raw_nodes)})")
    nodes, notes = _parse_nodes(raw_nodes, source)
    warnings: list[str] = []
    main_edges, ai_edges = _parse_connections(raw_connections, nodes, source, warnings)
    if len(main_edges) + len(ai_edges) > MAX_CONNECTIONS:
        raise WorkflowError(f"{source}: more than {MAX_CONNECTIONS} connections ({len(main_edges) + len(ai_edges)})")
    name = document.get("name")
    return Workflow(name=name if isinstance(name, str) and name.strip() else "", nodes=nodes,
                    sticky_notes=notes, main_edges=main_edges, ai_edges=ai_edges,
                    warnings=warnings, raw=document)


def without_lone_surrogates(value: Any) -> Any:
    """``value`` with every lone surrogate in its strings and keys replaced by U+FFFD (a copy only if needed)."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
        return value
    except UnicodeEncodeError:
        return _replaced(value)
    except (TypeError, ValueError, RecursionError):
        return value  # not JSON data: parse_workflow says what is wrong with it


_SURROGATE = re.compile("[\ud800-\udfff]")


def _replaced(value: Any) -> Any:
    if isinstance(value, str):  # a surrogate code point in a Python str is always a lone one
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_replaced(k): _replaced(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_replaced(v) for v in value]
    return value


def _parse_nodes(raw_nodes: list, source: str) -> tuple[dict[str, Node], list[Node]]:
    nodes: dict[str, Node] = {}
    notes: list[Node] = []
    for position, raw in enumerate(raw_nodes):
        where = f"{source}: nodes[{position}]"
        if not isinstance(raw, dict):
            raise WorkflowError(f"{where}: a node must be an object")
        name, node_type = raw.get("name"), raw.get("type")
        if not isinstance(name, str) or not name:
            raise WorkflowError(f"{where}: node without a name")
        if not isinstance(node_type, str) or not node_type:
            raise WorkflowError(f"{where} ({name!r}): node without a type")
        parameters = raw.get("parameters") if isinstance(raw.get("parameters"), dict) else {}
        node = Node(name=name, type=node_type, type_version=_version(raw.get("typeVersion", 1)),
                    parameters=parameters, disabled=bool(raw.get("disabled")),
                    notes=raw.get("notes") if isinstance(raw.get("notes"), str) else "",
                    credentials=_credential_references(raw.get("credentials")),
                    on_error=raw.get("onError") if isinstance(raw.get("onError"), str) else "",
                    raw=raw)
        if node_type == STICKY_NOTE:
            notes.append(node)
            continue
        if name in nodes:
            raise WorkflowError(f"{where}: duplicate node name {name!r} (n8n edges refer to names)")
        nodes[name] = node
    return nodes, notes


def _version(value) -> float:
    """A node's typeVersion as a finite number (1 when it is not one, as n8n's editor assumes)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 1.0
    try:
        version = float(value)
    except OverflowError:  # an integer too large for a float
        return 1.0
    return version if math.isfinite(version) and 0 <= version < 1000 else 1.0


def _parse_connections(raw: dict, nodes: dict[str, Node], source: str,
                       warnings: list[str]) -> tuple[list[Edge], list[Edge]]:
    main, ai = [], []
    for source_name, kinds in raw.items():
        if source_name not in nodes:
            warnings.append(f"connections from unknown node {source_name!r} ignored")
            continue
        if kinds is None:
            continue  # an emptied node entry, as n8n leaves behind
        if not isinstance(kinds, dict):
            raise WorkflowError(f"{source}: connections[{source_name!r}] must be an object")
        for kind, outputs in kinds.items():
            if not isinstance(outputs, list) or len(outputs) > MAX_PORT:
                if outputs:
                    warnings.append(f"connections[{source_name!r}][{kind!r}] is not a list of outputs: ignored")
                continue
            for output, slot in enumerate(outputs):
                if slot is not None and not isinstance(slot, list):
                    warnings.append(f"malformed connection slot from {source_name!r} ignored")
                    continue
                for target in slot or []:
                    edge = _edge(source_name, kind, output, target, nodes, warnings)
                    if edge:
                        (main if kind == "main" else ai).append(edge)
    return main, ai


def _edge(source_name: str, kind: str, output: int, target: Any, nodes: dict, warnings: list) -> Edge | None:
    if not isinstance(target, dict) or not isinstance(target.get("node"), str):
        warnings.append(f"malformed connection from {source_name!r} ignored")
        return None
    if target["node"] not in nodes:
        warnings.append(f"connection from {source_name!r} to unknown node {target['node']!r} ignored")
        return None
    index = target.get("index", 0)
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < MAX_PORT:
        index = 0
    return Edge(source_name, output, target["node"], index, str(kind))


def strongly_connected(names: list[str], successors) -> list[list[str]]:
    """Tarjan's algorithm, iterative (real graphs can be deep)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0
    for start in names:
        if start in index:
            continue
        work = [(start, iter(successors(start)))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(successors(child))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(component)
    return components
