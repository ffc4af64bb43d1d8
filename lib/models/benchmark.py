"""How the operator's models compare: the seed's "PhoenixCore vs Ollama vs HF".

Every model the stack names that is actually there (as the inventory finds
it) answers the same prompts, one model at a time so that they do not compete
for the cores: wall time, generation speed, and whether it produced JSON that
fits a small schema when asked to. Models that are down or missing are listed
with the reason, not silently left out. Nothing is downloaded.
"""

from __future__ import annotations

import statistics
import time
from typing import Callable

from ..backends.base import ChatRequest, schema_problem
from ..backends.registry import inspecting_backend
from ..errors import BackendError, InputError, json_type
from ..progress import Steps, report_progress
from ..stack import Stack, load_stack
from .inventory import configured_models, inventory

MAX_TOKENS = 4096

DEFAULT_PROMPT = "In three sentences, explain why a home AI stack should keep a backup before changing its configuration."
JSON_PROMPT = "Rate the risk of deleting an unused log folder. Answer with JSON: risk (low|medium|high) and reason."
JSON_SCHEMA = {"type": "object", "properties": {"risk": {"enum": ["low", "medium", "high"]},
                                                "reason": {"type": "string", "minLength": 1, "maxLength": 200}},
               "required": ["risk", "reason"], "additionalProperties": False}


def benchmark_models(stack: Stack | dict | str | None = None, *, prompt: str = DEFAULT_PROMPT, runs: int = 2,
                     max_tokens: int = 96, timeout_s: float = 120.0, backends: list[str] | None = None,
                     progress: Callable[[str, float], None] = report_progress) -> dict:
    """Run the same prompts on every available model; one row per model.

    ``ok`` is false when no model could be measured: the benchmark then has
    nothing to compare, and its script fails with the reasons listed.
    """
    stack = stack if isinstance(stack, Stack) else load_stack(stack)
    if prompt is not None and not isinstance(prompt, str):
        raise InputError(f"prompt must be text, got {json_type(prompt)}")
    prompt = (prompt or "").strip() or DEFAULT_PROMPT
    _check_arguments(stack, runs, max_tokens, backends)
    progress("looking for the models the stack names", 0.0)
    targets, unavailable = _targets(stack, backends)
    rows = list(unavailable)
    steps = Steps(len(targets) * (runs + 1), progress)  # each model: its runs, then the JSON request
    for number, (backend_name, model) in enumerate(targets, 1):
        steps.say(f"benchmarking {backend_name}:{model} ({number}/{len(targets)})")
        rows.append(_measure(stack, backend_name, model, prompt, runs, max_tokens, timeout_s, steps))
    ranked = sorted((r for r in rows if r["status"] == "ok"), key=lambda r: -r["tokens_per_s"])
    return {"ok": bool(ranked), "error": None if ranked else _nothing_measured(rows),
            "prompt": prompt, "runs": runs, "max_tokens": max_tokens, "models": rows,
            "fastest": f"{ranked[0]['backend']}:{ranked[0]['model']}" if ranked else None,
            "markdown": _markdown(rows)}


def _nothing_measured(rows: list[dict]) -> str:
    reasons = "; ".join(f"{r['backend']}:{r['model']} {r['status']}: {r['note']}" for r in rows[:5])
    return f"no model could be measured ({reasons or 'the stack names none'})"


def _check_arguments(stack: Stack, runs, max_tokens, backends) -> None:
    """Refuse what would fail only after the inventory (or, for max_tokens <= 0, mean "no limit")."""
    if type(runs) is not int or not 1 <= runs <= 10:
        raise InputError(f"runs={runs!r} is out of range (1-10)")
    if type(max_tokens) is not int or not 1 <= max_tokens <= MAX_TOKENS:
        raise InputError(f"max_tokens={max_tokens!r} must be a whole number from 1 to {MAX_TOKENS}")
    if backends is None:
        return
    if not isinstance(backends, list):
        raise InputError(f"backends must be a list of backend names, got {json_type(backends)}")
    known = set(configured_models(stack))
    known |= {name.split(":")[0] for name in known}
    unknown = [str(name) for name in backends if name not in known]
    if unknown:
        raise InputError(f"unknown backend(s) {', '.join(unknown)} (this stack has: {', '.join(sorted(known))})")


def _targets(stack: Stack, only: list[str] | None) -> tuple[list[tuple[str, str]], list[dict]]:
    """(backend, model) pairs that are there, and rows for the ones that are not."""
    targets, unavailable = [], []
    for row in inventory(stack)["backends"]:
        if only and row["backend"] not in only and row["backend"].split(":")[0] not in only:
            continue
        # an endpoint without a configured model serves its default: bench the first it lists
        present = [m for m in row["configured"] if m not in row["missing"]] if row["configured"] \
            else row["models"][:1]
        if not row["up"]:
            unavailable += [_skipped(row["backend"], m, row["detail"]) for m in row["configured"] or ["-"]]
            continue
        targets += [(row["backend"], model) for model in present]
        unavailable += [_skipped(row["backend"], m, "not on this backend") for m in row["missing"]]
    return targets, unavailable


def _measure(stack: Stack, backend_name: str, model: str, prompt: str, runs: int,
             max_tokens: int, timeout_s: float, steps: Steps) -> dict:
    backend = inspecting_backend(stack, backend_name)  # nothing is downloaded
    request = ChatRequest([{"role": "user", "content": prompt}], max_tokens=max_tokens, temperature=0.0)
    seconds, rates, tokens = [], [], []
    name = f"{backend_name}:{model}"
    try:
        for run in range(1, runs + 1):
            completion = backend.complete(request, model, time.monotonic() + timeout_s)
            seconds.append(completion.seconds)
            tokens.append(completion.completion_tokens)
            rates.append(completion.completion_tokens / completion.seconds if completion.seconds else 0.0)
            steps.done(f"{name}: run {run}/{runs} done ({completion.seconds:.1f} s)")
        json_ok, json_note = _structured(backend, model, timeout_s)
        steps.done(f"{name}: structured request done")
    except BackendError as exc:
        steps.done(f"{name}: {exc.kind}", steps=runs + 1 - len(seconds))
        return {**_skipped(backend_name, model, str(exc)), "status": exc.kind}
    except Exception as exc:  # noqa: BLE001 - a client library's bug: this model's row, as the router does
        steps.done(f"{name}: error", steps=runs + 1 - len(seconds))
        return {**_skipped(backend_name, model, f"unexpected {type(exc).__name__}: {exc}"), "status": "error"}
    return {"backend": backend_name, "model": model, "status": "ok",
            "median_s": round(statistics.median(seconds), 3), "tokens": int(statistics.median(tokens)),
            "tokens_per_s": round(statistics.median(rates), 1), "json_ok": json_ok, "note": json_note}


def _structured(backend, model: str, timeout_s: float) -> tuple[bool, str]:
    """Does the model give schema-valid JSON when asked for it?"""
    request = ChatRequest([{"role": "user", "content": JSON_PROMPT}], max_tokens=160, temperature=0.0,
                          json_schema=JSON_SCHEMA)
    try:
        completion = backend.complete(request, model, time.monotonic() + timeout_s)
    except BackendError as exc:
        return False, f"structured output failed: {exc.kind}: {exc}"[:200]
    problem = schema_problem(completion.text, JSON_SCHEMA)
    return problem is None, problem or ""


def _skipped(backend: str, model: str, reason: str) -> dict:
    return {"backend": backend, "model": model, "status": "unavailable", "median_s": None, "tokens": None,
            "tokens_per_s": None, "json_ok": None, "note": reason[:200]}


def _markdown(rows: list[dict]) -> str:
    lines = ["| backend | model | status | median s | tokens | tokens/s | JSON | note |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        json_cell = {True: "yes", False: "no", None: "-"}[r["json_ok"]]
        cells = [r["backend"], r["model"], r["status"], _cell(r["median_s"]), _cell(r["tokens"]),
                 _cell(r["tokens_per_s"]), json_cell, r["note"].replace("|", "/")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cell(value) -> str:
    return "-" if value is None else str(value)
