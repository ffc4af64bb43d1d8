# GENERATED from lib/omas/demigod.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""DemiGod decides: the surviving proposals synthesized into the final answer.

Only proposals Thanatos kept can be adopted. The model chooses among them
(``adopt``) and writes the orchestrator's prose; the facts are filled by the
system, never guessed: ``execution.roo_domain`` from the task itself,
``omas_agent`` (``council`` when the proposals came from Chaos and were
judged by Thanatos, ``demigod`` otherwise), the model that actually wrote
the decision, and ``validation.existing_compatibility`` from the code rules'
verdicts. When nothing survived, or no model can answer, the system writes
the decision itself and says so. The decision's risk against the approval
threshold (``stack.agents.approval_risk`` unless given) says whether a human
must approve it.
"""

from __future__ import annotations

import time

from ..errors import AllBackendsFailed, InputError, json_type, require_text
from ..router.orchestrator import build as build_orchestrator
from ..router.classify import classify
from ..stack import Stack, load_stack
from .agents import load_council
from .ask import ask
from .rules import RISK_ORDER, max_risk
from .schemas import CHAOS_OUTPUT, DEMIGOD_OUTPUT, THANATOS_OUTPUT, check_input, check_output, decision_model_schema

THRESHOLDS = ("low", "medium", "high", "never")


def decide(task: str, judgements: list, stack=None, *, chaos: dict | None = None,
           approval_risk: str = "stack") -> dict:
    """The council's final decision (DEMIGOD_OUTPUT)."""
    started = time.monotonic()
    stack = stack if isinstance(stack, Stack) else load_stack(stack)
    task = _check_inputs(task, judgements, approval_risk, chaos)
    agent = load_council(stack)["demigod"]
    survivors = [j for j in judgements if j["verdict"] == "keep"]
    omas_agent = "council" if _came_from_council(judgements) else "demigod"
    facts = {"roo_domain": classify(task).domain, "omas_agent": omas_agent, "workflow_type": "windmill"}
    if survivors:
        synthesis = _synthesize(agent, stack, task, survivors, facts, judgements)
    else:
        synthesis = _reject(task, judgements, facts, chaos)
    adopted = [j for j in survivors if j["proposal"]["id"] in synthesis["adopt"]]
    risk = max_risk("low", *[j["risk"] for j in adopted])
    threshold = stack.agents.approval_risk if approval_risk == "stack" else approval_risk
    output = {
        "agent": "demigod", "task": task, "decision": "adopt" if adopted else "reject",
        "orchestrator": synthesis["orchestrator"], "plan": _plan(adopted),
        "adopted": [j["proposal"]["id"] for j in adopted],
        "vetoed": [{"id": j["proposal"]["id"], "title": j["proposal"]["title"], "decided_by": j["decided_by"],
                    "reasons": j["reasons"]} for j in judgements if j["verdict"] == "veto"],
        "risk": risk, "approval": _approval(bool(adopted), risk, threshold),
        "contributions": _contributions(chaos, judgements, synthesis),
        "trace": {**_fallbacks(chaos, judgements, synthesis["attempts"]), "chose": synthesis["chose"],
                  "attempts": synthesis["attempts"], "degraded": synthesis["degraded"],
                  "seconds": round(time.monotonic() - started, 3)},
    }
    return check_output(output, DEMIGOD_OUTPUT, "demigod")


def _check_inputs(task, judgements, approval_risk, chaos) -> str:
    task = require_text(task, "task", "say what the council should decide")
    if approval_risk not in ("stack", *THRESHOLDS):
        raise InputError(f"approval_risk={approval_risk!r} is not one of: stack, {', '.join(THRESHOLDS)}")
    if not isinstance(judgements, list):
        raise InputError(f"judgements must be a list of Thanatos results, got {json_type(judgements)}")
    for index, judgement in enumerate(judgements):
        check_input(judgement, THANATOS_OUTPUT, f"judgements[{index}] is not a Thanatos result")
    _check_chaos(chaos)
    return task


def _check_chaos(chaos) -> None:
    """Chaos' result, when given, is read for the trace: it must be one."""
    if chaos is None:
        return
    if not isinstance(chaos, dict):
        raise InputError(f"chaos must be a Chaos result (an object), got {json_type(chaos)}")
    check_input(chaos, CHAOS_OUTPUT, "chaos is not a Chaos result")


def _came_from_council(judgements: list) -> bool:
    return bool(judgements) and all(j["agent"] == "thanatos" and j["proposal"].get("source", {}).get("agent")
                                    == "chaos" for j in judgements)


def _synthesize(agent, stack, task: str, survivors: list, facts: dict, judgements: list) -> dict:
    ids = [j["proposal"]["id"] for j in survivors]
    prompt = f"Task: {task}\nProposals that survived Thanatos:\n" + "\n".join(
        f"- {j['proposal']['id']} (risk {j['risk']}): {j['proposal']['title']}. {j['proposal']['summary'][:300]}"
        for j in survivors) + "\nDecide which to adopt and write the decision."
    compatibility = _compatibility(judgements)
    try:
        result = ask(agent, prompt, stack, json_schema=decision_model_schema(ids), mode="orchestrator",
                     report_as=facts["omas_agent"])
    except AllBackendsFailed as exc:
        chosen = _safest(survivors)
        prose = _system_prose(task, [chosen], [], compatibility)
        model = "system:no-model"
        return {"adopt": [chosen["proposal"]["id"]], "attempts": exc.attempts, "model": None,
                "orchestrator": build_orchestrator(prose, {**facts, "model_selection": model}),
                "chose": "system (no model could answer): the lowest-risk surviving proposal",
                "degraded": f"no model could write the decision: {exc}"}
    document = dict(result["orchestrator"])
    document["execution"] = {**document["execution"], "roo_domain": facts["roo_domain"],
                             "omas_agent": facts["omas_agent"], "workflow_type": facts["workflow_type"]}
    document["validation"] = {**document["validation"], "existing_compatibility": compatibility}
    written = result["json"]
    if written is not None:
        adopt, chose, degraded = list(dict.fromkeys(written["adopt"])), "model", result["trace"]["degraded"]
    else:
        adopt = [_safest(survivors)["proposal"]["id"]]
        chose = "system (the model's choice was unusable): the lowest-risk surviving proposal"
        degraded = result["trace"]["degraded"] or "the model's decision did not fit the schema"
    return {"adopt": adopt, "attempts": result["trace"]["attempts"], "model": result["model"],
            "orchestrator": build_orchestrator(
                {k: document[k] for k in ("analysis", "integration_strategy", "validation")},
                document["execution"]),
            "chose": chose, "degraded": degraded}


def _reject(task: str, judgements: list, facts: dict, chaos: dict | None) -> dict:
    if judgements:
        why = "; ".join(f"{j['proposal']['id']} vetoed ({j['decided_by']}): {(j['reasons'] or ['-'])[0]}"
                        for j in judgements)
    else:
        failures = (chaos or {}).get("trace", {}).get("failures", [])
        why = "Chaos produced no usable proposal" + (f" ({failures[0]['error'][:200]})" if failures else "")
    prose = _system_prose(task, [], [why], _compatibility(judgements))
    return {"adopt": [], "attempts": [], "model": None, "chose": "system: nothing survived to adopt",
            "orchestrator": build_orchestrator(prose, {**facts, "model_selection": "system:no-model"}),
            "degraded": None}


def _system_prose(task: str, adopted: list, problems: list, compatibility: str) -> dict:
    if adopted:
        analysis = (f"Adopted {adopted[0]['proposal']['id']}: {adopted[0]['proposal']['title']}. "
                    f"{adopted[0]['proposal']['summary']}")
    else:
        analysis = f"No plan adopted for: {task[:200]}. " + " ".join(problems)
    return {"analysis": analysis[:1200],
            "integration_strategy": {
                "existing_components": "Roo Code (.roo/), OMAS agents, n8n workflows and PhoenixCore kept as they are",
                "new_capabilities": "decided by the OMAS council (Chaos, Thanatos, DemiGod) as a Windmill flow",
                "synergy_points": "proposals judged against the seed's preservation rules in code"},
            "validation": {"existing_compatibility": compatibility,
                           "enhancement_level": "low" if adopted else "none"}}


def _compatibility(judgements: list) -> str:
    """What the code rules found, in one line: this field is a fact, not prose."""
    if not judgements:
        return "no proposal was judged, so nothing will change"
    rules = sorted({rule for j in judgements for rule in j["checked_rules"]})
    vetoed = [j["proposal"]["id"] for j in judgements if j["violations"]]
    text = (f"{len(judgements)} proposal(s) checked in code against {', '.join(rules) or 'no code rules'}; "
            f"{len(vetoed)} vetoed by code ({', '.join(vetoed) or 'none'}); adopted plans break none of them")
    return text


def _safest(survivors: list) -> dict:
    return min(survivors, key=lambda j: (RISK_ORDER.index(j["risk"]), len(j["proposal"]["actions"])))


def _plan(adopted: list) -> dict:
    if not adopted:
        return {"title": "no plan", "summary": "nothing was adopted: nothing will change", "actions": []}
    actions = []
    for judgement in adopted:
        for action in judgement["proposal"]["actions"]:
            if action not in actions:
                actions.append(action)
    return {"title": " + ".join(j["proposal"]["title"] for j in adopted),
            "summary": "\n".join(f"{j['proposal']['id']}: {j['proposal']['summary']}" for j in adopted),
            "actions": actions}


def _approval(adopting: bool, risk: str, threshold: str) -> dict:
    if not adopting:
        return {"required": False, "threshold": threshold, "reason": "nothing adopted, nothing to approve"}
    if threshold == "never":
        return {"required": False, "threshold": threshold, "reason": "approval switched off (never)"}
    required = RISK_ORDER.index(risk) >= RISK_ORDER.index(threshold)
    relation = "reaches" if required else "is below"
    return {"required": required, "threshold": threshold,
            "reason": f"decision risk {risk} {relation} the approval threshold {threshold}"}


def _contributions(chaos: dict | None, judgements: list, synthesis: dict) -> dict:
    proposals = [j["proposal"] for j in judgements]
    chaos_models = sorted({f"{p['source']['backend']}:{p['source']['model']}" for p in proposals
                           if p.get("source", {}).get("backend")})
    judge_models = sorted({f"{j['model_opinion']['backend']}:{j['model_opinion']['model']}"
                           for j in judgements if j["model_opinion"]})
    model = synthesis["model"]
    return {
        "chaos": {"models": chaos_models, "proposals": [p["id"] for p in proposals],
                  "failed_proposals": len((chaos or {}).get("trace", {}).get("failures", []))},
        "thanatos": {"models": judge_models,
                     "verdicts": {j["proposal"]["id"]: f"{j['verdict']} ({j['decided_by']})" for j in judgements},
                     "code_vetoes": [j["proposal"]["id"] for j in judgements if j["violations"]],
                     "overruled_models": [j["proposal"]["id"] for j in judgements
                                          if j["model_opinion"] and j["model_opinion"]["overruled"]]},
        "demigod": {"models": [f"{model['backend']}:{model['model']}"] if model else [],
                    "adopted": synthesis["adopt"], "chose": synthesis["chose"]},
    }


def _fallbacks(chaos: dict | None, judgements: list, own_attempts: list) -> dict:
    """Every failed model attempt across the council: which agent, which step, what failed.

    Candidates skipped because their circuit was already open are only
    counted: the failure that opened it is listed where it happened.
    """
    entries, skipped = [], [0]

    def add(agent: str, step: str, attempts: list) -> None:
        for attempt in attempts:
            if attempt["outcome"] == "skipped":
                skipped[0] += 1
            elif attempt["outcome"] != "ok":
                entries.append({"agent": agent, "step": step, "backend": attempt["backend"],
                                "model": attempt.get("model"), "outcome": attempt["outcome"],
                                "error": str(attempt.get("error", ""))[:300]})

    seen = set()
    for proposal in [j["proposal"] for j in judgements]:
        add("chaos", f"proposal {proposal['id']}", proposal.get("source", {}).get("attempts", []))
        seen.add(proposal["id"])
    for failure in (chaos or {}).get("trace", {}).get("failures", []):
        if failure.get("proposal") not in seen:
            add("chaos", f"proposal {failure.get('proposal')}", failure.get("attempts", []))
    for judgement in judgements:
        add("thanatos", f"judge {judgement['proposal']['id']}", judgement["trace"]["attempts"])
    add("demigod", "decide", own_attempts)
    return {"fallbacks": entries, "skipped_attempts": skipped[0]}
