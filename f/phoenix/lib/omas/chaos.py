# GENERATED from lib/omas/chaos.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""Chaos explores: several distinct proposals for one task.

Each proposal is one model call from its own *angle* (the safest way, the
fastest, an unconventional one...). Where the stack has several healthy
models, the proposals are spread over them with the router's ``prefer`` and
run in parallel, one thread per backend (calls to one in-process model would
only queue on its lock, so those run one after the other). The router still
falls back when a preferred model fails; each proposal records which model
actually wrote it and every failed attempt.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

from ..backends.registry import build_backend
from ..errors import AllBackendsFailed, InputError, require_text
from ..router.classify import classify
from ..router.policy import order_candidates, prefer_first
from ..stack import Stack, load_stack
from .agents import load_council
from .ask import ask
from .schemas import CHAOS_OUTPUT, PROPOSAL, PROPOSAL_MODEL_SCHEMA, check_output

HEALTH_TIMEOUT_S = 2.0
_TITLE_MAX = PROPOSAL["properties"]["title"]["maxLength"]
_SUMMARY_MAX = PROPOSAL["properties"]["summary"]["maxLength"]
LAYOUT = ("The operator's folder holds .roo/ (Roo Code core), omas/ (agents, configs, rules), "
          "n8n/workflows/, models/quantized/ (PhoenixCore) and src/.")


def explore(task: str, stack=None, *, proposals: int | None = None) -> dict:
    """Several distinct proposals for ``task`` (CHAOS_OUTPUT).

    Proposals no model wrote usably are listed in ``trace.failures`` (DemiGod
    then rejects); when no model could be asked at all, AllBackendsFailed.
    """
    started = time.monotonic()
    stack = stack if isinstance(stack, Stack) else load_stack(stack)
    task = _check_task(task)
    agent = load_council(stack)["chaos"]
    count = proposals or agent.options["proposals"]
    if not 1 <= count <= 5:
        raise InputError(f"proposals={count} is out of range: ask for 1 to 5")
    models, health = _healthy_models(stack, agent, task) if agent.options["diverse_models"] else ([], {})
    jobs = _assign(agent, count, models)
    groups: dict[str, list] = defaultdict(list)
    for job in jobs:
        groups[job["preferred"] or "-"].append(job)
    with ThreadPoolExecutor(max_workers=max(1, len(groups))) as pool:
        finished = list(pool.map(lambda group: [_propose(agent, stack, task, job) for job in group],
                                 groups.values()))
    results = sorted((item for group in finished for item in group), key=lambda item: item[0])
    made = [proposal for _, proposal, _ in results if proposal]
    failures = [failure for _, _, failure in results if failure]
    if not made and all(f.get("no_model_answered") for f in failures):
        # nothing could even be asked: Chaos failed (unusable answers are an outcome DemiGod rejects)
        raise AllBackendsFailed(failures[0]["attempts"])
    kept, dropped = _distinct(made)
    output = {"agent": "chaos", "task": task, "proposals": kept,
              "trace": {"requested": count, "models": models, "model_health": health,
                        "parallel": len(groups) > 1, "failures": failures, "duplicates_dropped": dropped,
                        "seconds": round(time.monotonic() - started, 3)}}
    return check_output(output, CHAOS_OUTPUT, "chaos")


def _check_task(task) -> str:
    return require_text(task, "task", "say what the council should decide")


def _healthy_models(stack, agent, task: str) -> tuple[list[str], dict]:
    """Distinct ``backend:model`` names, in policy order, that are up and served."""
    classification = classify(task, agent.task_type, agent.complexity)
    priority = stack.routing.priority if agent.priority == "auto" else agent.priority
    candidates = prefer_first(order_candidates(stack, classification, priority), list(agent.prefer))
    probed: dict[str, tuple[bool, str, list]] = {}
    names, health = [], {}
    for candidate in candidates:
        if candidate.backend not in probed:
            probed[candidate.backend] = _probe(stack, candidate.backend)
        up, detail, served = probed[candidate.backend]
        name = f"{candidate.backend}:{candidate.model}"
        # a local file backend serves its one model under a label, not the candidate's name
        if up and (len(served) <= 1 or candidate.model in served):
            health[name] = "up"
            names.append(name)
        else:
            health[name] = f"down: {detail[:200]}" if not up else "not served by the backend"
    return names, health


def _probe(stack, backend_name: str) -> tuple[bool, str, list]:
    try:
        backend = build_backend(stack, backend_name)
        status = backend.health(HEALTH_TIMEOUT_S)
        served = backend.models(HEALTH_TIMEOUT_S) if status.up else []
        return status.up, status.detail, served
    except Exception as exc:  # a health probe must never stop the council
        return False, f"health probe failed: {exc}", []


def _assign(agent, count: int, models: list[str]) -> list[dict]:
    angles = agent.options["angles"]
    return [{"id": f"p{i + 1}", "angle": angles[i % len(angles)],
             "preferred": models[i % len(models)] if models else None} for i in range(count)]


def _propose(agent, stack, task: str, job: dict):
    prompt = (f"Task: {task}\n{LAYOUT}\nAngle: {job['angle']}.\n"
              "Write one proposal for the task from this angle.")
    prefer = [job["preferred"], *agent.prefer] if job["preferred"] else None
    try:
        result = ask(agent, prompt, stack, json_schema=PROPOSAL_MODEL_SCHEMA, prefer=prefer)
    except AllBackendsFailed as exc:
        return job["id"], None, {"proposal": job["id"], "angle": job["angle"], "error": str(exc),
                                 "attempts": exc.attempts, "no_model_answered": True}
    attempts = result["trace"]["attempts"]
    if result["json"] is None:
        return job["id"], None, {"proposal": job["id"], "angle": job["angle"], "attempts": attempts,
                                 "error": "no model wrote a usable proposal (output did not fit the schema)"}
    written = result["json"]
    # a blank title or summary falls back to the angle, which the operator's config does not bound
    proposal = {"id": job["id"], "title": (written["title"].strip() or job["angle"])[:_TITLE_MAX],
                "summary": (written["summary"].strip() or written["title"].strip() or job["angle"])[:_SUMMARY_MAX],
                "risk": written["risk"],
                "actions": [{"kind": a["kind"], "target": a["target"].strip() or "."} for a in written["actions"]],
                "source": {"agent": "chaos", "angle": job["angle"], "backend": result["model"]["backend"],
                           "model": result["model"]["model"], "preferred": job["preferred"], "attempts": attempts}}
    return job["id"], proposal, None


def _distinct(proposals: list[dict]) -> tuple[list[dict], list[str]]:
    """Drop proposals that repeat an earlier one (same title and actions, or same summary)."""
    seen_titles, seen_summaries, kept, dropped = set(), set(), [], []
    for proposal in proposals:
        title_key = (proposal["title"].lower(), json.dumps(proposal["actions"], sort_keys=True))
        summary_key = " ".join(proposal["summary"].lower().split())
        if title_key in seen_titles or summary_key in seen_summaries:
            dropped.append(proposal["id"])
            continue
        seen_titles.add(title_key)
        seen_summaries.add(summary_key)
        kept.append(proposal)
    return kept, dropped
