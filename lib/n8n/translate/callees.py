"""How a translated workflow is called: its entry point, as n8n chooses it (``links.Callee``).

n8n starts a called workflow at its Execute Workflow Trigger, or, without one,
at a manual trigger (packages/cli ``findSubworkflowStart``); an error workflow
starts at its Error Trigger. The translated flow picks its entry with the
``n8n_trigger`` input when it has several, so the caller passes that node's
name; only a flow entered at an Execute Workflow Trigger takes ``items``.
"""

from __future__ import annotations

from typing import Optional

from ..workflow import Workflow
from .links import ERROR_TRIGGER, EXECUTE_WORKFLOW_TRIGGER, STARTING_NODES, Callee
from .structure import Structurer

# Groups of node types searched in turn; within a group, the first node in the workflow's order.
CALLED_START = ((EXECUTE_WORKFLOW_TRIGGER,), STARTING_NODES)
ERROR_START = ((ERROR_TRIGGER,),)


def callee_of(workflow: Workflow, flow_path: str, start_types: tuple[tuple[str, ...], ...] = CALLED_START,
              entries: Optional[list[str]] = None) -> Callee:
    """The callee of ``workflow`` translated at ``flow_path``, entered the way n8n enters it.

    ``entries`` are the workflow's entry points when the caller already knows them
    (``Structurer.entry_points``); otherwise they are worked out here.
    """
    workflow_id = workflow.raw.get("id")
    about = {"path": flow_path, "name": workflow.name,
             "workflow_id": str(workflow_id) if isinstance(workflow_id, (str, int)) else ""}
    start = _start_node(workflow, start_types)
    if start is None:
        wanted = "an Error Trigger" if start_types == ERROR_START else "an Execute Workflow Trigger"
        return Callee(**about, takes_items=False,
                      problem=f"it has no {wanted} to start from (n8n refuses to run it this way too)")
    entries = Structurer(workflow).entry_points() if entries is None else entries
    if start not in entries:
        return Callee(**about, takes_items=False, problem=f"its start node {start!r} is not one of its entry points")
    node = workflow.nodes[start]
    return Callee(**about, entry=start if len(entries) > 1 else None,
                  takes_items=node.type == EXECUTE_WORKFLOW_TRIGGER and not node.disabled)


def _start_node(workflow: Workflow, start_types: tuple[tuple[str, ...], ...]) -> Optional[str]:
    for group in start_types:
        found = next((name for name, node in workflow.nodes.items() if node.type in group), None)
        if found is not None:
            return found
    return None
