# GENERATED from lib/n8n/translate/context.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""What a node translator is given (``NodeContext``) and what it gives back (``NodeTranslation``).

A translator turns one n8n node into Windmill modules and says how its output
items are read: ``output(i)`` is a Windmill JavaScript expression giving the
items of output ``i``. Routing nodes (IF, Switch, error outputs) also give a
predicate per output, which the structurer (``structure.py``) turns into
``branchone`` branches; entry nodes give a ``trigger`` instead of modules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

from ..workflow import Node, Workflow
from .links import WorkflowLinks

LANGCHAIN = "@n8n/n8n-nodes-langchain."
BASE = "n8n-nodes-base."
TRIGGER_INPUT = "n8n_trigger"  # the flow input naming the entry point a run starts from (several entries)


@dataclass
class NodeContext:
    node: Node
    workflow: Workflow
    step_id: str
    items: str                                   # JS: the node's input items
    inputs: dict[int, str]                       # JS per input index (Merge)
    node_items: Callable[[str], Optional[str]]   # JS giving an earlier node's items
    links: WorkflowLinks = field(default_factory=WorkflowLinks)  # the run's other workflows (sub-flows)
    output_count: int = 1
    new_id: Callable[[str], str] = lambda name: name  # a fresh step id, for nodes that need two steps
    input_sources: dict[int, list[str]] = field(default_factory=dict)  # per input: the nodes its items come from
    flow_path: str = ""                          # the Windmill path of the flow being written

    @property
    def flow_path_of(self) -> Callable[[str], Optional[str]]:
        """n8n workflow id -> the flow path of the run's workflow with that id (this one included)."""
        return lambda workflow_id: (callee.path if (callee := self.links.workflow(workflow_id)) else None)


@dataclass
class NodeTranslation:
    modules: list[dict]
    files: dict[str, str] = field(default_factory=dict)
    output: Callable[[int], str] = lambda _i: "[]"
    status: str = "translated"                  # translated | placeholder
    reason: str = ""
    predicates: Optional[list[str]] = None      # routing nodes: branch expr per output
    trigger: Optional[dict] = None              # entry nodes: {"kind": ..., ...}
    # The step applies the node's own settings (onError, retries, executeOnce...) as n8n does (host steps),
    # so the structurer adds no error routing or Windmill retry of its own.
    applies_node_settings: bool = False
    resources: list[tuple[str, str]] = field(default_factory=list)  # (Windmill resource path, resource type)


Translator = Callable[[NodeContext], NodeTranslation]
