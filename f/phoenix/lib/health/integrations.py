# GENERATED from lib/health/integrations.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""Checks of the integrations: the router answers, OMAS agent configs load, n8n workflows parse."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import AllBackendsFailed, ConfigError
from ..omas.agents import load_council
from ..router.core import route
from .folders import config_files, parse_config

#: attempt outcomes that mean "nothing to run on", not "something broke"
_ABSENT = {"down", "model_missing", "circuit_open", "skipped"}
TINY_PROMPT = "Reply with the single word OK."


def check_router(stack, timeout: float) -> tuple[str, str]:
    try:
        result = route(TINY_PROMPT, _within_deadline(stack, timeout), max_tokens=8)
    except AllBackendsFailed as exc:
        if all(a.get("outcome") in _ABSENT for a in exc.attempts):
            return "unknown", "no model available to answer"
        return "down", f"every backend failed: {len(exc.attempts)} attempt(s)"
    return "up", f"answered a tiny request{_answered_by(result)}"


def _within_deadline(stack, timeout: float):
    """The same stack, with the router's own deadlines cut to the probe's."""
    routing = stack.routing
    return stack.replaced(routing=routing.model_copy(update={
        "overall_timeout_s": min(routing.overall_timeout_s, timeout),
        "attempt_timeout_s": min(routing.attempt_timeout_s, timeout)}))


def _answered_by(result) -> str:
    """The backend and model that answered, when the router's result says so."""
    model = result.get("model") if isinstance(result, dict) else None
    if not isinstance(model, dict):
        return ""
    named = ":".join(str(model[k]) for k in ("backend", "model") if model.get(k))
    return f" on {named}" if named else ""


def check_omas_configs(stack, timeout: float) -> tuple[str, str]:
    """Every YAML file parses, then the council loads the way the OMAS steps load it."""
    folder = stack.under_root(stack.agents.dir)
    if not folder.is_dir():
        return "degraded", f"{folder} is missing: the council runs on the shipped default agents only"
    configs = [p for p in config_files(folder) if p.suffix.lower() != ".json"]
    broken = [f"{p.relative_to(folder).as_posix()} ({r})" for p in configs if (r := parse_config(p))]
    if broken:
        return "degraded", f"{len(broken)} of {len(configs)} configs malformed: {'; '.join(broken[:3])}"
    try:
        council = load_council(stack)
    except ConfigError as exc:
        return "down", f"the council does not load: {exc}"
    own = [s for s in council.sources if s != "<defaults>"]
    detail = f"council loads ({', '.join(sorted(council.agents))}) with {len(own)} operator file(s)"
    if council.ignored:
        detail += f"; {len(council.ignored)} agent file(s) not read: {'; '.join(council.ignored[:3])}"
    return "up", detail


def workflow_problem(path: Path) -> str | None:
    """None when the file is an n8n workflow (or an export of several), else why not."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return f"unreadable ({type(exc).__name__})"
    except json.JSONDecodeError as exc:
        return f"malformed JSON at line {exc.lineno}"
    workflows = document if isinstance(document, list) else [document]
    for workflow in workflows:
        if not isinstance(workflow, dict):
            return "not a workflow object"
        if not isinstance(workflow.get("nodes"), list):
            return "no nodes list"
        if not isinstance(workflow.get("connections"), dict):
            return "no connections object"
    return None


def check_n8n_workflows(folder: Path, timeout: float) -> tuple[str, str]:
    if not folder.is_dir():
        return "down", f"{folder} is missing"
    files = sorted(folder.rglob("*.json"))
    if not files:
        return "unknown", f"no workflow files in {folder}"
    broken = [f"{p.relative_to(folder).as_posix()} ({r})" for p in files if (r := workflow_problem(p))]
    if broken:
        return "degraded", f"{len(broken)} of {len(files)} workflows do not parse: {'; '.join(broken[:3])}"
    return "up", f"{len(files)} workflows parse"
