"""What one translation run knows about its other workflows, so calls between them become flow steps.

n8n calls a sub-workflow by id (Execute Workflow, source "database"), by a file
path (source "localFile"), or with its JSON inline (source "parameter"); a
workflow's ``settings.errorWorkflow`` names the workflow n8n runs when it
fails. In Windmill each of those is a flow of the same run, called by its
path. ``WorkflowLinks`` answers "which flow is that, and how is it called":
a ``Callee`` says the flow's path, the entry point to ask for (``n8n_trigger``)
when the flow has several, and whether it takes the caller's items (its entry
is an Execute Workflow Trigger, whose flow input is ``items``).

``report.translate_folder`` builds the links of a folder run; a workflow
translated alone only knows itself (``$workflow.id``) and its inline
sub-workflows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

EXECUTE_WORKFLOW_TRIGGER = "n8n-nodes-base.executeWorkflowTrigger"
ERROR_TRIGGER = "n8n-nodes-base.errorTrigger"
# n8n (packages/cli utils.findSubworkflowStart): without an Execute Workflow Trigger, a called workflow
# starts at one of these
STARTING_NODES = ("@n8n/n8n-nodes-langchain.manualChatTrigger", "n8n-nodes-base.manualTrigger")
# An inline sub-workflow may itself hold one; deeper than this is refused with a reason.
MAX_INLINE_DEPTH = 4


@dataclass(frozen=True)
class Callee:
    """A translated workflow as a caller sees it."""
    path: str                      # its Windmill flow path
    name: str = ""                 # the n8n workflow's name (for summaries and messages)
    workflow_id: str = ""          # the n8n workflow's id, when it has one
    entry: Optional[str] = None    # the n8n_trigger value that selects its entry, when it has several
    takes_items: bool = True       # its entry is an Execute Workflow Trigger (flow input ``items``)
    problem: str = ""              # why n8n could not call it (no node to start from), if so



@dataclass
class WorkflowLinks:
    """Callees by n8n id, by the file a path names, and the workflow being translated itself.

    ``inline(document, key)`` translates an inline workflow as its own flow of
    the run and returns its callee (``emit.translate_workflow`` provides it).
    """
    by_id: Callable[[str], Optional[Callee]] = lambda _id: None
    by_file: Callable[[str], Optional[Callee]] = lambda _path: None
    error_by_id: Callable[[str], Optional[Callee]] = lambda _id: None   # started at its Error Trigger
    itself: Optional[Callee] = None
    itself_on_error: Optional[Callee] = None
    inline: Optional[Callable[[object, str], Callee]] = None
    depth: int = 0

    def workflow(self, workflow_id: str) -> Optional[Callee]:
        """The callee with this n8n id: another workflow of the run, or this one."""
        if self.itself is not None and self.itself.workflow_id and workflow_id == self.itself.workflow_id:
            return self.itself
        return self.by_id(workflow_id)

    def error_workflow(self, workflow_id: str) -> Optional[Callee]:
        """The error workflow with this n8n id, started at its Error Trigger (this workflow itself too)."""
        if self.itself is not None and self.itself.workflow_id and workflow_id == self.itself.workflow_id:
            return self.itself_on_error
        return self.error_by_id(workflow_id)


def match_file(path: str, relatives) -> Optional[str]:
    """The run's file a workflow path names: the longest relative path it ends with, else a unique file name.

    n8n reads the path on the n8n server's disk (``/data/workflows/child.json``);
    a run only knows paths relative to its folder, so the path is matched by its tail.
    """
    wanted = str(path).replace("\\", "/").strip()
    if not wanted:
        return None
    relatives = list(relatives)
    tails = [rel for rel in relatives if wanted == rel or wanted.endswith("/" + rel)]
    if tails:
        return max(tails, key=len)
    base = wanted.rsplit("/", 1)[-1]
    same_name = [rel for rel in relatives if rel.rsplit("/", 1)[-1] == base]
    return same_name[0] if len(same_name) == 1 else None
