"""An n8n error workflow becomes the flow's failure module: a step calling the translated error flow.

n8n runs a workflow's error workflow (``settings.errorWorkflow``: another
workflow's id, started at its Error Trigger) when a run fails, with this data
(packages/cli ``executeErrorWorkflow``)::

    {execution: {id, url, error: {message, stack, ...}, lastNodeExecuted, mode}, workflow: {id, name}}

A workflow that names no error workflow but holds an Error Trigger itself is
its own error workflow. In Windmill, a flow's ``failure_module`` runs when a
step fails; its input transforms see ``error`` (the failed step's error:
message, name, stack, step_id) and ``flow_job_id`` (the failed flow's job).
The failure module is a ``flow`` step calling the error flow with n8n's data
built from those, the failed step named by its n8n node. The flow still ends
failed, as the n8n execution does (the error flow returns items, never
``recover: true``).

When the error workflow is the workflow itself, a run that started at its
Error Trigger does not call it again (n8n: no error workflow for an error
run), so a failing error path cannot loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from ..literals import expression_literal, js_value
from ..workflow import Workflow
from .links import ERROR_TRIGGER, Callee, WorkflowLinks
from .steps import STEP_HEADER
from .structure import TRIGGER_INPUT, Structurer

FAILURE_ID = "failure"
# n8n's execution mode for a run started by each kind of Windmill entry
MODES = {"http": "webhook", "schedule": "trigger", "service": "trigger", "manual": "manual", "called": "integrated",
         "error": "error"}


@dataclass
class FailureHandler:
    module: Optional[dict] = None
    files: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)   # for the flow's description


def failure_handler(workflow: Workflow, structurer: Structurer, links: WorkflowLinks) -> FailureHandler:
    """The failure module that runs the workflow's n8n error workflow, or nothing when it names none."""
    named = _error_workflow_id(workflow)
    own = any(node.type == ERROR_TRIGGER for node in workflow.nodes.values())
    if named is None and not own:
        return FailureHandler()
    itself = named is None or (links.itself is not None and named == links.itself.workflow_id)
    callee = links.itself_on_error if itself else links.error_workflow(named)
    if callee is None:
        return _not_translated(named, f"the n8n error workflow {named} is not in this translation run: translate it "
                                      "together with this one (its JSON file in the same folder, with its n8n id)")
    if callee.problem:
        return _not_translated(named or "(this workflow)", f"its n8n error workflow cannot be called: {callee.problem}")
    module = {"id": FAILURE_ID, "summary": f"n8n error workflow: {callee.name or callee.path}",
              "value": {"type": "flow", "path": callee.path,
                        "input_transforms": _error_data(workflow, structurer, callee)}}
    if itself:
        entries = structurer.entry_points()
        if len(entries) < 2 or callee.entry is None:
            return FailureHandler()  # the flow is only its error path: n8n never re-runs an error run
        started = f"(flow_input.{TRIGGER_INPUT} ?? {expression_literal(entries[0])})"
        module["skip_if"] = {"expr": f"{started} === {expression_literal(callee.entry)}"}
    return FailureHandler(module=module)


def _error_workflow_id(workflow: Workflow) -> Optional[str]:
    settings = workflow.raw.get("settings")
    named = settings.get("errorWorkflow") if isinstance(settings, dict) else None
    if isinstance(named, bool) or not isinstance(named, (str, int)) or not str(named).strip():
        return None
    return str(named).strip()


def _error_data(workflow: Workflow, structurer: Structurer, callee: Callee) -> dict:
    """n8n's error data from what a Windmill failure module sees (``error``, ``flow_job_id``, ``flow_input``)."""
    nodes = expression_literal(structurer.node_of_step)
    job = "(typeof flow_job_id === 'undefined' ? '' : String(flow_job_id))"
    execution = ("({id: JOB, url: JOB ? '/run/' + JOB : '', "
                 "error: {message: error?.message ?? String(error ?? ''), stack: error?.stack ?? '', "
                 "name: error?.name ?? 'Error'}, "
                 f"lastNodeExecuted: {nodes}[error?.step_id] ?? error?.step_id ?? '', mode: {_mode(structurer)}}})"
                 ).replace("JOB", job)
    workflow_id = workflow.raw.get("id")
    transforms = {"execution": {"type": "javascript", "expr": execution},
                  "workflow": {"type": "static", "value": {
                      "id": str(workflow_id) if isinstance(workflow_id, (str, int)) else "", "name": workflow.name}}}
    if callee.entry:
        transforms[TRIGGER_INPUT] = {"type": "static", "value": callee.entry}
    return transforms


def _mode(structurer: Structurer) -> str:
    """n8n's execution mode of the failed run, from the entry point it started at."""
    modes = {node.name: MODES.get(trigger.get("kind"), "trigger") for node, trigger in structurer.triggers}
    entries = structurer.entry_points()
    if len(entries) < 2:
        return expression_literal(modes.get(entries[0], "manual") if entries else "manual")
    started = f"(flow_input.{TRIGGER_INPUT} ?? {expression_literal(entries[0])})"
    return f"({expression_literal(modes)}[{started}] ?? 'trigger')"


def _not_translated(named: str, reason: str) -> FailureHandler:
    """A failure module that says why the error workflow did not run, keeping the error (the flow stays failed)."""
    code = (STEP_HEADER
            + "// The n8n error workflow of this workflow was not translated: this step says so and keeps the error.\n"
            + f"const N8N_ERROR_WORKFLOW = {js_value({'id': named, 'reason': reason})};\n"
            + "export async function main(error: any) {\n"
            + "  console.log(`n8n error workflow not run: ${N8N_ERROR_WORKFLOW.reason}`);\n"
            + "  return { error, n8n_error_workflow_not_run: N8N_ERROR_WORKFLOW.reason };\n}\n")
    module = {"id": FAILURE_ID, "summary": "n8n error workflow (NOT translated: see the step)",
              "value": {"type": "rawscript", "language": "bun", "content": f"!inline {FAILURE_ID}.ts",
                        "input_transforms": {"error": {"type": "javascript", "expr": "error"}}}}
    return FailureHandler(module=module, files={f"{FAILURE_ID}.ts": code}, notes=[reason])
