# GENERATED from lib/omas/council.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""The council flow's small steps: the approval request, the final result, the failure report.

The flow (``f/phoenix/omas/council__flow``) runs Chaos, Thanatos on each
proposal in parallel, then DemiGod; when DemiGod's decision reaches the
approval threshold it suspends on the approval request until a human
approves (a denial cancels the flow); the last step returns the decision
with its approval status. These functions are those steps' logic; the flow's
inline files only call them.
"""

from __future__ import annotations

from ..errors import step_failure
from .schemas import (APPROVAL_REQUEST, COUNCIL_OUTPUT, DEMIGOD_OUTPUT, FAILURE_OUTPUT, check_input,
                      check_output)


def approval_request(decision: dict) -> dict:
    """What the approver sees while the flow is suspended (APPROVAL_REQUEST)."""
    _check_decision(decision)
    plan = decision["plan"]
    request = {"question": f"Approve the council's {decision['risk']}-risk plan: {plan['title']}?",
               "risk": decision["risk"], "plan": plan,
               "reasons": [decision["approval"]["reason"], decision["orchestrator"]["analysis"][:500]]}
    return check_output(request, APPROVAL_REQUEST, "approval request")


def finalize(decision: dict) -> dict:
    """The flow's result: the decision, with whether approval was needed and given (COUNCIL_OUTPUT).

    Reaching this step means any required approval was given: in Windmill a
    denied approval cancels the flow before it gets here.
    """
    _check_decision(decision)
    approval = dict(decision["approval"])
    approval["status"] = "approved" if approval["required"] else "not_required"
    return check_output({**decision, "approval": approval}, COUNCIL_OUTPUT, "council")


def _check_decision(decision) -> None:
    """Run by hand (or wired to the wrong step), a step gets anything: say so, not KeyError."""
    check_input(decision, DEMIGOD_OUTPUT, "decision is not a DemiGod result")


def failure_report(message: str, name: str = "Error", step_id: str = "unknown") -> dict:
    """The failure module's result: which step failed and why (FAILURE_OUTPUT)."""
    report = step_failure("OMAS council", message, name, step_id,
                          hint="Config errors name the file and key to fix; backend errors list each model tried.")
    return check_output(report, FAILURE_OUTPUT, "failure report")
