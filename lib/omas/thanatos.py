"""Thanatos ends what should not live: one proposal judged against the rules and its risks.

Two judges, in this order of authority:

1. code: every rule that code can decide (``lib/omas/rules.py``) is applied
   to the proposal's actions, shell commands included (read through
   wrappers, shells' ``-c`` and interpreters' code, ``lib/omas/commands.py``).
   A violation is a veto, and it stands whatever the model says; a command
   code cannot fully understand makes the risk high, so DemiGod's decision
   waits for a human's approval (``agents.approval_risk``, default high);
2. the model: told the rules (guidance ones included) and the proposal, it
   gives a verdict, a risk and reasons. It can veto what code let through,
   never keep what code vetoed. If no model can answer, code alone decides
   and the judgement says so. With ``model_veto: false`` in the agent's
   config the model's veto is only advice: recorded, and its risk counted
   (so a human may be asked to approve), but not a veto. ``auto`` (the
   default) treats the embedded last-resort model's veto that way, since a
   135M model cannot judge (it vetoes everything), and any other model's as
   a veto.
"""

from __future__ import annotations

import time

from ..backends.registry import kind_of
from ..errors import AllBackendsFailed, InputError, json_type
from ..stack import Stack, load_stack
from .agents import load_council
from .ask import ask
from .rules import judge_in_code, max_risk
from .schemas import JUDGEMENT_MODEL_SCHEMA, PROPOSAL, THANATOS_OUTPUT, check_input, check_output


def judge(proposal: dict, task: str = "", stack=None) -> dict:
    """The verdict on one proposal (THANATOS_OUTPUT)."""
    started = time.monotonic()
    stack = stack if isinstance(stack, Stack) else load_stack(stack)
    _check_proposal(proposal)
    agent = load_council(stack)["thanatos"]
    code = judge_in_code(stack, [r for r in agent.rules if r.decided_in_code], proposal["actions"])
    opinion, attempts, model_error = _model_opinion(agent, stack, task, proposal)
    code_veto = bool(code.violations)
    model_says_veto = bool(opinion and opinion["verdict"] == "veto")
    model_veto = model_says_veto and _model_may_veto(agent.options["model_veto"], opinion)
    if opinion:
        opinion["overruled"] = (code_veto and not model_says_veto) or (model_says_veto and not model_veto)
    verdict = "veto" if code_veto or model_veto else "keep"
    # advice the verdict did not follow is not part of the decision
    decided_by = _decided_by(code_veto, model_veto, opinion is not None and model_veto == model_says_veto)
    reasons = [v["reason"] for v in code.violations]
    advice = (f"model (advice only: model_veto is {agent.options['model_veto']})"
              if model_says_veto and not model_veto else "model")
    reasons += [f"{advice}: {r}" for r in (opinion["reasons"] if opinion else [])]
    reasons += code.doubts  # each makes the risk high: a human approves what code could not read
    risks = [proposal["risk"], code.risk] + ([opinion["risk"]] if opinion else [])
    output = {"agent": "thanatos", "proposal": proposal, "verdict": verdict, "decided_by": decided_by,
              "risk": max_risk(*risks), "reasons": reasons, "violations": code.violations,
              "checked_rules": code.checked_rules, "unrecognized_commands": code.unrecognized_commands,
              "model_opinion": opinion,
              "trace": {"attempts": attempts, "model_error": model_error,
                        "seconds": round(time.monotonic() - started, 3)}}
    return check_output(output, THANATOS_OUTPUT, "thanatos")


def _check_proposal(proposal) -> None:
    if not isinstance(proposal, dict):
        raise InputError(f"proposal must be an object, got {json_type(proposal)}")
    check_input(proposal, PROPOSAL, "proposal is malformed")


def _model_may_veto(setting, opinion: dict | None) -> bool:
    if setting == "auto":
        kind = kind_of(opinion["backend"]) if opinion else None
        return bool(opinion) and not (kind and kind.last_resort)
    return bool(setting)


def _decided_by(code_veto: bool, model_veto: bool, model_answered: bool) -> str:
    if code_veto:
        return "code+model" if model_veto else "code"
    if model_veto:
        return "model"
    return "code+model" if model_answered else "code"


def _model_opinion(agent, stack, task: str, proposal: dict):
    """(opinion or None, router attempts, why there is no opinion)."""
    actions = "\n".join(f"- {a['kind']} {a['target']}" for a in proposal["actions"]) or "- (no actions)"
    prompt = (f"Task: {task or '(not given)'}\nProposal {proposal['id']}: {proposal['title']}\n"
              f"{proposal['summary']}\nActions:\n{actions}\nDeclared risk: {proposal['risk']}\n"
              "Judge this proposal.")
    try:
        result = ask(agent, prompt, stack, json_schema=JUDGEMENT_MODEL_SCHEMA)
    except AllBackendsFailed as exc:
        return None, exc.attempts, f"no model could judge: {exc}"
    if result["json"] is None:
        return None, result["trace"]["attempts"], "the model's judgement did not fit the schema"
    written = result["json"]
    opinion = {"verdict": written["verdict"], "risk": written["risk"],
               "reasons": [r.strip() for r in written["reasons"] if r.strip()],
               "backend": result["model"]["backend"], "model": result["model"]["model"]}
    return opinion, result["trace"]["attempts"], None
