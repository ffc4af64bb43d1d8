# GENERATED from lib/models/inventory.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""What models are where: every backend's health, the models it has, and
what the stack asks of it that it does not have. The backends are those of
every registered kind (lib/backends/registry.py), each with what its record
says the stack asks of it.

All backends are asked at once (each with its own timeout), so the inventory
takes about as long as the slowest one, never longer than ``timeout_s`` plus
a little. Nothing is downloaded or loaded: the embedded model is reported
missing rather than fetched, GGUF files are only looked at. The breakers'
current view (open, since when, why) is included, since that is what the
router acts on.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor, wait

from ..backends.registry import inspecting_backend, kind_of, kinds
from ..errors import BackendError, InputError
from ..router.breakers import BREAKERS_KEY, well_formed
from ..stack import Stack, load_stack
from ..store import open_store

MAX_TIMEOUT_S = 50


def inventory(stack: Stack | dict | str | None = None, timeout_s: float = 3.0) -> dict:
    """Every backend the stack names: up or not, models present, models missing."""
    stack = stack if isinstance(stack, Stack) else load_stack(stack)
    _check_timeout(timeout_s)
    wanted = configured_models(stack)
    breakers = well_formed(open_store(stack.state_dir).get(BREAKERS_KEY, {}))["backends"]
    # not a ``with`` block: leaving it joins every worker, so one backend stuck
    # past its own timeout would hold the whole inventory
    pool = ThreadPoolExecutor(max_workers=len(wanted))
    futures = {name: pool.submit(_look, stack, name, timeout_s) for name in wanted}
    wait(futures.values(), timeout=timeout_s + 1)
    pool.shutdown(wait=False)
    rows = []
    for name, models in wanted.items():
        future = futures[name]
        up, detail, present, seconds = future.result() if future.done() else (
            False, f"no answer within {timeout_s}s", [], timeout_s)
        rows.append(_row(name, up, detail, present, models, seconds, breakers.get(name)))
    return {"backends": rows, "summary": _summary(rows)}


def _check_timeout(timeout_s) -> None:
    # each backend gets timeout_s, all at once, inside the list script's 60 s job timeout
    if type(timeout_s) not in (int, float) or not 0 < timeout_s <= MAX_TIMEOUT_S:
        raise InputError(f"timeout_s={timeout_s!r} must be a number of seconds above 0, at most {MAX_TIMEOUT_S}")


def configured_models(stack: Stack) -> dict[str, list[str]]:
    """Backend name -> the models the stack's policy may ask of it, kind by kind."""
    wanted: dict[str, list[str]] = {}
    for kind in kinds():
        wanted.update(kind.configured(stack))
    return wanted


def _look(stack: Stack, name: str, timeout_s: float) -> tuple[bool, str, list[str], float]:
    started = time.monotonic()
    try:
        backend = inspecting_backend(stack, name)
        health = backend.health(timeout_s)
        present = backend.models(max(0.1, timeout_s - (time.monotonic() - started))) if health.up else []
    except BackendError as exc:
        return False, f"{exc.kind}: {exc}", [], time.monotonic() - started
    except Exception as exc:  # noqa: BLE001 - a client library's bug: this backend's row, not the inventory
        return False, f"unexpected {type(exc).__name__}: {str(exc)[:200]}", [], time.monotonic() - started
    return health.up, health.detail, present, time.monotonic() - started


def _row(name, up, detail, present, wanted, seconds, breaker) -> dict:
    have = {_normal(model) for model in present}
    row = {"backend": name, "label": kind_of(name).label, "up": up, "detail": detail, "seconds": round(seconds, 3),
           "models": present, "configured": wanted,
           "missing": [model for model in wanted if _normal(model) not in have] if up else list(wanted)}
    if breaker and breaker.get("open_since"):
        row["breaker"] = {"open_since": breaker["open_since"], "failures": breaker.get("failures", 0),
                          "last_error": breaker.get("last_error", "")}
    return row


def _normal(model: str) -> str:
    """Ollama's implicit tag: ``mistral`` is ``mistral:latest``."""
    if "/" not in model and ":" not in model:
        return f"{model}:latest"
    return model


def _summary(rows: list[dict]) -> dict:
    return {"backends_up": sum(r["up"] for r in rows), "backends_down": sum(not r["up"] for r in rows),
            "models_available": sum(len(r["configured"]) - len(r["missing"]) for r in rows),
            "models_missing": sum(len(r["missing"]) for r in rows)}
