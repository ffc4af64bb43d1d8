# GENERATED from lib/router/core.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""Route one task to the best available model and answer, whatever fails.

stack loaded -> task classified -> candidates ordered by policy -> breakers
skip what is known dead -> each candidate tried with its own deadline inside
the overall one -> answer validated -> orchestrator JSON built -> result with
a trace of every decision and failure.

Failure rules (the same for ``route`` and ``route_stream``):
- a candidate whose breaker is open (in this process or, through the store,
  any earlier one), whose model the backend was found not to have, or that
  the health schedule found down, is skipped without being called;
- a half-open breaker asks the backend's cheap health check
  (``routing.breaker.probe_timeout_s``) before risking a real request on it;
- down, hung, model missing and rejected requests move to the next candidate
  at once; a server error or unusable output is retried once, immediately;
- an exception a backend did not map (a client library's bug) is recorded
  as outcome ``error`` and the next candidate tried: the router's job is an
  answer whatever fails;
- when every candidate fails, one ``AllBackendsFailed`` names each and why.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Iterator

from ..backends.base import ChatRequest, Completion, Health, NotStarted, document_problem, schema_problem
from ..backends.kinds import Candidate
from ..backends.model_files import model_file_key
from ..backends.registry import build_backend, kind_of
from ..errors import AllBackendsFailed, BackendError, InputError, UnusableOutput, json_type, require_text
from ..stack import Stack, load_stack
from ..redact import redact
from ..store import open_store
from .orchestrator import OMAS_AGENTS, PROSE_SCHEMA, SYSTEM_PROMPT, WORKFLOW_TYPES, build, system_prose
from .breakers import Breakers
from .classify import COMPLEXITIES, TASK_TYPES, Classification, classify
from .domain_context import domain_context, with_context
from .policy import order_candidates, prefer_first

MODES = ("text", "orchestrator")
#: the orchestrator JSON needs room: its prose fields alone may take ~300 tokens
ORCHESTRATOR_MIN_TOKENS = 512
PRIORITIES = ("existing", "quality", "speed")


@dataclass
class _Plan:
    """Everything decided before the first backend is called."""

    stack: Stack
    started: float
    task: Classification
    priority: str
    candidates: list[Candidate]
    request: ChatRequest
    mode: str
    agent: str
    workflow_type: str
    user_schema: dict | None
    domain_context: dict | None = None  # which of the operator's .roo/domains/ files went into the prompt


def route(prompt: str, stack: Stack | dict | str | None = None, *, task_type: str = "auto",
          complexity: str = "auto", priority: str = "auto", mode: str = "text",
          agent: str = "none", system: str | None = None, json_schema: dict | None = None,
          max_tokens: int | None = None, temperature: float | None = None,
          workflow_type: str = "windmill", prefer: list[str] | None = None,
          messages: list[dict] | None = None, stop: list[str] | None = None, seed: int | None = None,
          tools: list[dict] | None = None, tool_choice: str | dict | None = None) -> dict:
    """Answer ``prompt`` on the first candidate that can; see the module doc.

    ``prefer`` moves candidates named ``backend`` or ``backend:model`` to the
    front (the rest still follow as fallbacks), e.g. so that several agents
    can ask different models for diverse proposals.

    ``messages`` is a whole conversation (system, user, assistant turns as
    ``{"role", "content"}`` with text content) sent instead of ``prompt``
    alone; ``prompt`` is then what the task is classified from (the last
    user turn, say). ``stop`` ends the answer at any of its strings; ``seed``
    makes sampling repeatable where the backend supports it. ``tools`` (OpenAI
    function definitions) and ``tool_choice`` go to backends that call tools
    natively, with ``json_schema`` the call-or-answer schema their reply is
    written in and checked against (lib/openai_api/tools.py); the others
    answer under that schema directly.
    """
    plan = _plan(prompt, stack, task_type, complexity, priority, mode, agent, system, json_schema,
                 max_tokens, temperature, workflow_type, prefer, _Turns(messages, stop, seed, tools, tool_choice))
    runner = _Runner(plan.stack, plan.started)

    def answer(backend, candidate: Candidate, deadline: float):
        completion = backend.complete(plan.request, candidate.model, deadline)
        return completion, _parse(completion, plan.request.json_schema)

    won = _first_success(plan, runner, answer)
    if won is not None:
        candidate, began, try_number, (completion, parsed) = won
        runner.succeeded(candidate, began, try_number, completion)
        return _result(plan, runner.attempts, completion, parsed)
    if runner.fallback is not None and plan.request.json_schema is not None:
        return _result(plan, runner.attempts, runner.fallback, None)
    raise AllBackendsFailed(runner.attempts)


def route_stream(prompt: str, stack: Stack | dict | str | None = None, *, task_type: str = "auto",
                 complexity: str = "auto", priority: str = "auto", mode: str = "text",
                 agent: str = "none", system: str | None = None, json_schema: dict | None = None,
                 max_tokens: int | None = None, temperature: float | None = None,
                 workflow_type: str = "windmill", prefer: list[str] | None = None,
                 messages: list[dict] | None = None, stop: list[str] | None = None,
                 seed: int | None = None, tools: list[dict] | None = None,
                 tool_choice: str | dict | None = None) -> Iterator[str | dict]:
    """Like ``route``, streaming: yields text pieces (``str``), then the result (``dict``).

    Until a candidate yields its first piece, failures fall back exactly as in
    ``route``. After it, nothing can be taken back: a failure ends the stream,
    and the result says so (``trace.interrupted``) with the text so far.
    """
    plan = _plan(prompt, stack, task_type, complexity, priority, mode, agent, system, json_schema,
                 max_tokens, temperature, workflow_type, prefer, _Turns(messages, stop, seed, tools, tool_choice))
    runner = _Runner(plan.stack, plan.started)

    def first_piece(backend, candidate: Candidate, deadline: float):
        pieces = iter(backend.stream(plan.request, candidate.model, deadline))
        return pieces, next(pieces, "")  # before the first token, every failure falls back

    won = _first_success(plan, runner, first_piece)
    if won is None:
        raise AllBackendsFailed(runner.attempts)
    candidate, began, try_number, (pieces, first) = won
    yield from _stream_rest(plan, runner, candidate, pieces, first, began, try_number)


def route_streamed(prompt: str, stack: Stack | dict | str | None = None, *, emit, **options) -> dict:
    """``route_stream`` for a caller that wants the result back: each text piece
    goes to ``emit`` as it is generated (a Windmill job's result stream), then
    the result is returned, the same as ``route``'s."""
    for item in route_stream(prompt, stack, **options):
        if isinstance(item, dict):
            return item
        emit(item)
    raise AssertionError("route_stream ended without its result")  # it always yields one last


def _first_success(plan: _Plan, runner: "_Runner", call):
    """Try the candidates in order (breakers, deadlines, one retry where it can help).

    Returns ``(candidate, began, try_number, call's value)`` for the first call
    that does not raise, or None when none succeeded; every failure is recorded.
    """
    for candidate in plan.candidates:
        if runner.out_of_time():
            break
        backend = runner.admit(candidate)
        if backend is None:
            continue
        for try_number in (1, 2):
            began = time.monotonic()
            try:
                return candidate, began, try_number, call(backend, candidate, runner.deadline())
            except Exception as exc:  # noqa: BLE001 - any failure of one backend is a reason to try the next
                if runner.failed(candidate, _as_backend_error(candidate, exc), began, try_number):
                    continue
                break
    return None


def _stream_rest(plan: _Plan, runner: "_Runner", candidate: Candidate, pieces, first: str,
                 began: float, try_number: int) -> Iterator[str | dict]:
    """Yield the committed candidate's pieces, then the result."""
    text, interrupted = [], None
    if first:
        text.append(first)
        yield first
    try:
        for piece in pieces:
            text.append(piece)
            yield piece
    except Exception as exc:  # noqa: BLE001 - the stream is committed: report, do not raise
        error = _as_backend_error(candidate, exc)
        interrupted = f"{error.kind}: {error}"
        runner.breakers.record(candidate.backend, candidate.model, error.kind, str(error), _file_key(error))
    completion = Completion(text="".join(text), backend=candidate.backend,
                            model=_model_label(candidate), completion_tokens=len(text),
                            seconds=time.monotonic() - began)
    parsed, problem = None, None
    if plan.request.json_schema is not None and interrupted is None:
        problem = schema_problem(completion.text, plan.request.json_schema)
        parsed = None if problem else _parse(completion, plan.request.json_schema)
    outcome = "interrupted" if interrupted else ("unusable_output" if problem else "ok")
    runner.attempts.append(_attempt(candidate, outcome, time.monotonic() - began,
                                    interrupted or problem or "", try_number))
    if outcome == "ok":
        runner.breakers.record(candidate.backend, candidate.model, "ok")
    result = _result(plan, runner.attempts, completion, parsed)
    result["trace"]["interrupted"] = interrupted
    yield result


def _as_backend_error(candidate: Candidate, exc: Exception) -> BackendError:
    """A backend's failure as one of the router's kinds; a bug in a client library is ``error``."""
    if isinstance(exc, BackendError):
        return exc
    return BackendError(candidate.backend, f"unexpected {type(exc).__name__}: {redact(str(exc))[:200]}")


def _file_key(error: BackendError) -> str | None:
    """The identity of the model file a failure was about (see backends/model_files.py)."""
    return getattr(error, "file_key", None)


def _model_label(candidate: Candidate) -> str:
    """The model a streamed answer came from, as ``complete`` would have named it."""
    kind = kind_of(candidate.backend)
    return (kind and kind.model_label) or candidate.model or "default"


class _Runner:
    """Breakers, deadlines and the attempt log of one request."""

    def __init__(self, stack: Stack, started: float):
        routing = stack.routing
        self.stack = stack
        store = stack.derived("store", lambda: open_store(stack.state_dir))
        self.breakers = Breakers(store, routing.breaker.failures_to_open, routing.breaker.cooldown_s)
        self.attempt_timeout = routing.attempt_timeout_s
        self.probe_timeout = routing.breaker.probe_timeout_s
        self.overall_deadline = started + routing.overall_timeout_s
        self.attempts: list[dict] = []
        self.fallback: Completion | None = None

    def admit(self, candidate: Candidate):
        """The backend to call for ``candidate``, or None (skipped; recorded)."""
        skip = self.breakers.skip_reason(candidate.backend, candidate.model)
        if skip:
            self.attempts.append(_attempt(candidate, "skipped", 0.0, skip))
            return None
        backend = build_backend(self.stack, candidate.backend)
        if self.breakers.knows_files():  # a file found unusable is skipped while it is the same file
            skip = self.breakers.file_reason(model_file_key(backend, candidate.model))
            if skip:
                self.attempts.append(_attempt(candidate, "skipped", 0.0, skip))
                return None
        if self.breakers.half_open(candidate.backend) and not self._probe(candidate, backend):
            return None
        return backend

    def _probe(self, candidate: Candidate, backend) -> bool:
        """Half-open: a cheap health check decides whether a real request is risked."""
        began = time.monotonic()
        timeout = max(0.05, min(self.probe_timeout, self.overall_deadline - began))
        try:
            health = backend.health(timeout)
        except Exception as exc:  # noqa: BLE001 - an unmapped failure of the probe is a failed probe
            health = Health(False, f"unexpected {type(exc).__name__}: {str(exc)[:200]}")
        if health.up:
            return True
        error = f"half-open probe: still down: {health.detail}"
        self.attempts.append(_attempt(candidate, "down", time.monotonic() - began, error))
        self.breakers.record(candidate.backend, candidate.model, "down", error)
        return False

    def deadline(self) -> float:
        return min(time.monotonic() + self.attempt_timeout, self.overall_deadline)

    def failed(self, candidate: Candidate, exc: BackendError, began: float, try_number: int) -> bool:
        """Record a failure; True when the same candidate deserves one more try."""
        self.attempts.append(_attempt(candidate, exc.kind, time.monotonic() - began, str(exc), try_number))
        if isinstance(exc, UnusableOutput):
            self.fallback = exc.completion or self.fallback
        if not isinstance(exc, NotStarted):  # out of time before calling it: no evidence about it
            self.breakers.record(candidate.backend, candidate.model, exc.kind, str(exc), _file_key(exc))
        return exc.retryable and try_number == 1 and time.monotonic() < self.overall_deadline

    def succeeded(self, candidate: Candidate, began: float, try_number: int, completion: Completion) -> None:
        entry = _attempt(candidate, "ok", time.monotonic() - began, "", try_number)
        if completion.notes:
            entry["notes"] = list(completion.notes)
        self.attempts.append(entry)
        self.breakers.record(candidate.backend, candidate.model, "ok")

    def out_of_time(self) -> bool:
        if time.monotonic() < self.overall_deadline:
            return False
        self.attempts.append({"backend": "-", "model": None, "outcome": "hung", "seconds": 0.0,
                              "error": "overall deadline reached; remaining candidates not tried"})
        return True


@dataclass
class _Turns:
    """What a caller with a whole conversation adds to a prompt (the OpenAI API's)."""

    messages: list[dict] | None = None
    stop: list[str] | None = None
    seed: int | None = None
    tools: list[dict] | None = None
    tool_choice: str | dict | None = None


def _plan(prompt, stack, task_type, complexity, priority, mode, agent, system, json_schema,
          max_tokens, temperature, workflow_type, prefer, turns: _Turns) -> _Plan:
    started = time.monotonic()
    stack = stack if isinstance(stack, Stack) else load_stack(stack)
    _check_inputs(prompt, task_type, complexity, priority, mode, agent, workflow_type)
    _check_sampling(max_tokens, temperature)
    _check_prefer(prefer)
    _check_turns(turns)
    if json_schema is not None:
        _check_schema(json_schema)
    task = classify(prompt, task_type, complexity)
    chosen_priority = stack.routing.priority if priority == "auto" else priority
    candidates = stack.derived(
        ("candidates", task.task_type, task.complexity, task.domain, chosen_priority, tuple(prefer or ())),
        lambda: prefer_first(order_candidates(stack, task, chosen_priority), prefer))
    schema = json_schema or (PROSE_SCHEMA if mode == "orchestrator" else None)
    context, context_trace = domain_context(stack, task.domain)
    request = _request(stack, prompt, mode, system, schema, max_tokens, temperature, turns, context)
    return _Plan(stack, started, task, chosen_priority, candidates, request, mode, agent, workflow_type,
                 json_schema, context_trace)


def _result(plan: _Plan, attempts: list[dict], completion: Completion, parsed) -> dict:
    facts = {"roo_domain": plan.task.domain, "omas_agent": plan.agent, "workflow_type": plan.workflow_type,
             "model_selection": f"{completion.backend}:{completion.model}"}
    degraded = None
    if plan.mode == "orchestrator":
        prose = _prose_of(parsed)
        if prose is None:
            degraded = "no backend produced usable orchestrator JSON; the system wrote the prose fields"
            prose = system_prose(completion.text, facts)
        answer = prose["analysis"]
    else:
        answer = completion.text
        prose = system_prose(answer, facts)
    return {  # the orchestrator JSON last: it is what a reader of the printed result looks for
        "answer": answer,
        "json": parsed if plan.user_schema else None,
        "classification": plan.task.to_dict(),
        "model": {"backend": completion.backend, "model": completion.model},
        "finish_reason": completion.finish_reason,
        "usage": {"prompt_tokens": completion.prompt_tokens, "completion_tokens": completion.completion_tokens,
                  "generation_s": round(completion.seconds, 4)},
        "trace": {"priority": plan.priority, "candidates": [c.to_dict() for c in plan.candidates],
                  "attempts": attempts, "degraded": degraded, "domain_context": plan.domain_context,
                  "total_s": round(time.monotonic() - plan.started, 4)},
        "orchestrator": build(prose, facts),
    }


def _prose_of(parsed) -> dict | None:
    """The orchestrator's prose fields of a structured answer, when it has them all.

    A caller's own ``json_schema`` in orchestrator mode may or may not extend
    the prose schema (the OMAS decision does); without them the system writes
    the prose, and the result says it was degraded.
    """
    if not isinstance(parsed, dict):
        return None
    prose = {key: parsed.get(key) for key in PROSE_SCHEMA["properties"]}
    return prose if document_problem(prose, PROSE_SCHEMA) is None else None


def _check_inputs(prompt, task_type, complexity, priority, mode, agent, workflow_type) -> None:
    require_text(prompt, "prompt", "give the task to answer")
    # agent and workflow_type go into the orchestrator JSON's enums: checked here,
    # not found out after a model has answered
    given = (task_type, complexity, priority, mode, agent, workflow_type)
    for (name, allowed), value in zip(_CHOICES, given):
        if value not in allowed:
            raise InputError(f"{name}={value!r} is not one of: {', '.join(allowed)}")


_CHOICES = (("task_type", ("auto",) + TASK_TYPES), ("complexity", ("auto",) + COMPLEXITIES),
            ("priority", ("auto",) + PRIORITIES), ("mode", MODES), ("agent", OMAS_AGENTS),
            ("workflow_type", WORKFLOW_TYPES))


def _check_sampling(max_tokens, temperature) -> None:
    """None means the stack's value; a negative max_tokens would mean "no limit" to llama.cpp and Ollama."""
    if max_tokens is not None and (type(max_tokens) is not int or max_tokens < 1):
        raise InputError(f"max_tokens={max_tokens!r} must be a whole number of at least 1 (or empty: the stack's)")
    if temperature is not None and (type(temperature) not in (int, float) or not 0 <= temperature <= 2):
        raise InputError(f"temperature={temperature!r} must be a number from 0 to 2 (or empty: the stack's)")


def _check_prefer(prefer) -> None:
    if prefer is not None and (not isinstance(prefer, (list, tuple)) or not all(isinstance(p, str) for p in prefer)):
        raise InputError(f"prefer={prefer!r} must be a list of backend or backend:model names")


MESSAGE_ROLES = ("system", "user", "assistant")
MAX_STOPS = 4


def _check_turns(turns: _Turns) -> None:
    """A conversation the backends can all take: text turns with known roles."""
    if turns.messages is not None:
        if not isinstance(turns.messages, list) or not turns.messages:
            raise InputError("messages must be a non-empty list of {role, content} turns")
        for index, message in enumerate(turns.messages):
            if not isinstance(message, dict) or message.get("role") not in MESSAGE_ROLES \
                    or not isinstance(message.get("content"), str):
                raise InputError(f"messages[{index}] must be {{role: {'/'.join(MESSAGE_ROLES)}, content: text}}")
    stop = turns.stop
    if stop is not None and (not isinstance(stop, list) or len(stop) > MAX_STOPS
                             or not all(isinstance(s, str) and s for s in stop)):
        raise InputError(f"stop={stop!r} must be a list of at most {MAX_STOPS} non-empty strings")
    if turns.seed is not None and type(turns.seed) is not int:
        raise InputError(f"seed={turns.seed!r} must be a whole number")
    if turns.tools is not None and (not isinstance(turns.tools, list) or not all(
            isinstance(t, dict) and isinstance(t.get("function"), dict) for t in turns.tools)):
        raise InputError("tools must be a list of {type: function, function: {name, parameters}}")


def _check_schema(schema) -> None:
    import jsonschema

    if not isinstance(schema, dict):
        raise InputError(f"json_schema must be a JSON Schema object, got {json_type(schema)}")
    try:
        jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator).check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise InputError(f"json_schema is not a valid JSON Schema: {exc.message}") from exc


def _request(stack: Stack, prompt: str, mode: str, system: str | None, schema: dict | None,
             max_tokens: int | None, temperature: float | None, turns: _Turns,
             context: str | None = None) -> ChatRequest:
    routing = stack.routing
    max_tokens = max_tokens or routing.max_tokens
    if mode == "orchestrator":
        max_tokens = max(max_tokens, ORCHESTRATOR_MIN_TOKENS)
    system = with_context(system or (SYSTEM_PROMPT if mode == "orchestrator" else None), context)
    conversation = turns.messages or [{"role": "user", "content": prompt}]
    messages = ([{"role": "system", "content": system}] if system else []) + list(conversation)
    return ChatRequest(messages=messages, json_schema=schema,
                       max_tokens=max_tokens,
                       temperature=routing.temperature if temperature is None else temperature,
                       seed=turns.seed, stop=list(turns.stop or []), tools=turns.tools or None,
                       tool_choice=turns.tool_choice)


def _parse(completion: Completion, schema: dict | None):
    """The structured answer, or UnusableOutput carrying the raw completion."""
    if schema is None:
        return None
    problem = schema_problem(completion.text, schema)
    if problem:
        raise UnusableOutput(completion.backend, f"answer is not valid JSON for the schema: {problem[:200]}",
                             completion)
    return json.loads(completion.text)


def _attempt(candidate, outcome: str, seconds: float, error: str, try_number: int = 1) -> dict:
    # the error may quote a health detail or a client library's text: masked like every error
    entry = {"backend": candidate.backend, "model": candidate.shown_model, "outcome": outcome,
             "seconds": round(seconds, 4), "error": redact(error)}
    if try_number > 1:
        entry["try"] = try_number
    return entry

