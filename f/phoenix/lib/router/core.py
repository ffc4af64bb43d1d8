# GENERATED from lib/router/core.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""Route one task to the best available model and answer, whatever fails.

stack loaded -> task classified -> candidates ordered by policy -> breakers
skip what is known dead -> each candidate tried with its own deadline inside
the overall one -> answer validated -> orchestrator JSON built -> result with
a trace of every decision and failure.
"""

from __future__ import annotations

import json
import time

from ..backends.base import ChatRequest, Completion
from ..backends.registry import build_backend
from ..errors import AllBackendsFailed, BackendError, InputError, UnusableOutput
from ..stack import Stack, load_stack
from ..store import open_store
from . import orchestrator
from .breakers import Breakers
from .classify import COMPLEXITIES, TASK_TYPES, classify
from .policy import order_candidates, prefer_first

MODES = ("text", "orchestrator")
#: the orchestrator JSON needs room: its prose fields alone may take ~300 tokens
ORCHESTRATOR_MIN_TOKENS = 512
PRIORITIES = ("existing", "quality", "speed")


def route(prompt: str, stack: Stack | dict | str | None = None, *, task_type: str = "auto",
          complexity: str = "auto", priority: str = "auto", mode: str = "text",
          agent: str = "none", system: str | None = None, json_schema: dict | None = None,
          max_tokens: int | None = None, temperature: float | None = None,
          workflow_type: str = "windmill", prefer: list[str] | None = None) -> dict:
    """Answer ``prompt`` on the first candidate that can; see the module doc.

    ``prefer`` moves candidates named ``backend`` or ``backend:model`` to the
    front (the rest still follow as fallbacks), e.g. so that several agents
    can ask different models for diverse proposals.
    """
    started = time.monotonic()
    stack = stack if isinstance(stack, Stack) else load_stack(stack)
    _check_inputs(prompt, task_type, complexity, priority, mode)
    task = classify(prompt, task_type, complexity)
    chosen_priority = stack["routing"]["priority"] if priority == "auto" else priority
    candidates = prefer_first(order_candidates(stack, task, chosen_priority), prefer)
    schema = json_schema or (orchestrator.PROSE_SCHEMA if mode == "orchestrator" else None)
    request = _request(stack, prompt, mode, system, schema, max_tokens, temperature)
    attempts, completion, parsed = _try_candidates(stack, candidates, request, started)
    facts = {"roo_domain": task.domain, "omas_agent": agent, "workflow_type": workflow_type,
             "model_selection": f"{completion.backend}:{completion.model}"}
    degraded = None
    if mode == "orchestrator":
        prose = parsed
        if prose is None:
            degraded = "no backend produced usable orchestrator JSON; the system wrote the prose fields"
            prose = orchestrator.system_prose(completion.text, facts)
        answer = prose["analysis"]
    else:
        answer = completion.text
        prose = orchestrator.system_prose(answer, facts)
    return {
        "answer": answer,
        "json": parsed if json_schema else None,
        "orchestrator": orchestrator.build(prose, facts),
        "classification": task.to_dict(),
        "model": {"backend": completion.backend, "model": completion.model},
        "usage": {"prompt_tokens": completion.prompt_tokens, "completion_tokens": completion.completion_tokens,
                  "generation_s": round(completion.seconds, 4)},
        "trace": {"priority": chosen_priority, "candidates": [c.to_dict() for c in candidates],
                  "attempts": attempts, "degraded": degraded,
                  "total_s": round(time.monotonic() - started, 4)},
    }


def _check_inputs(prompt, task_type, complexity, priority, mode) -> None:
    if not isinstance(prompt, str) or not prompt.strip():
        raise InputError("prompt is empty: give the task to answer")
    choices = (("task_type", task_type, ("auto",) + TASK_TYPES),
               ("complexity", complexity, ("auto",) + COMPLEXITIES),
               ("priority", priority, ("auto",) + PRIORITIES), ("mode", mode, MODES))
    for name, value, allowed in choices:
        if value not in allowed:
            raise InputError(f"{name}={value!r} is not one of: {', '.join(allowed)}")


def _request(stack: Stack, prompt: str, mode: str, system: str | None, schema: dict | None,
             max_tokens: int | None, temperature: float | None) -> ChatRequest:
    routing = stack["routing"]
    max_tokens = max_tokens or routing["max_tokens"]
    if mode == "orchestrator":
        max_tokens = max(max_tokens, ORCHESTRATOR_MIN_TOKENS)
    system = system or (orchestrator.SYSTEM_PROMPT if mode == "orchestrator" else None)
    messages = ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": prompt}]
    return ChatRequest(messages=messages, json_schema=schema,
                       max_tokens=max_tokens,
                       temperature=routing["temperature"] if temperature is None else temperature)


def _try_candidates(stack: Stack, candidates, request: ChatRequest, started: float):
    """First candidate that answers usably wins; every attempt is recorded."""
    routing = stack["routing"]
    breakers = Breakers(open_store(stack.state_dir), routing["breaker"]["failures_to_open"],
                        routing["breaker"]["cooldown_s"])
    overall_deadline = started + routing["overall_timeout_s"]
    attempts: list[dict] = []
    fallback: Completion | None = None
    for candidate in candidates:
        skip = breakers.skip_reason(candidate.backend, candidate.model)
        if skip:
            attempts.append(_attempt(candidate, "skipped", 0.0, skip))
            continue
        backend = build_backend(stack, candidate.backend)
        for try_number in (1, 2):
            deadline = min(time.monotonic() + routing["attempt_timeout_s"], overall_deadline)
            began = time.monotonic()
            try:
                completion = backend.complete(request, candidate.model, deadline)
                parsed = _parse(completion, request.json_schema)
            except BackendError as exc:
                attempts.append(_attempt(candidate, exc.kind, time.monotonic() - began, str(exc), try_number))
                if isinstance(exc, UnusableOutput):
                    fallback = exc.completion or fallback
                breakers.record(candidate.backend, candidate.model, exc.kind, str(exc))
                if exc.retryable and try_number == 1 and time.monotonic() < overall_deadline:
                    continue
                break
            attempts.append(_attempt(candidate, "ok", time.monotonic() - began, "", try_number))
            breakers.record(candidate.backend, candidate.model, "ok")
            return attempts, completion, parsed
        if time.monotonic() >= overall_deadline:
            attempts.append({"backend": "-", "model": None, "outcome": "hung", "seconds": 0.0,
                             "error": "overall deadline reached; remaining candidates not tried"})
            break
    if fallback is not None and request.json_schema is not None:
        return attempts, fallback, None
    raise AllBackendsFailed(attempts)


def _parse(completion: Completion, schema: dict | None):
    """The structured answer, or UnusableOutput carrying the raw completion."""
    if schema is None:
        return None
    import jsonschema

    try:
        document = json.loads(completion.text)
        jsonschema.validate(document, schema)
    except (ValueError, jsonschema.ValidationError) as exc:
        raise UnusableOutput(completion.backend, f"answer is not valid JSON for the schema: {str(exc)[:200]}",
                             completion) from exc
    return document


def _attempt(candidate, outcome: str, seconds: float, error: str, try_number: int = 1) -> dict:
    entry = {"backend": candidate.backend, "model": candidate.model, "outcome": outcome,
             "seconds": round(seconds, 4), "error": error}
    if try_number > 1:
        entry["try"] = try_number
    return entry
