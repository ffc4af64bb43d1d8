# GENERATED from lib/workspace/stack_up.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""Carry out a plan: ``up``, and the other verbs of ``scripts/stack.py``: ``status``, ``logs``, ``down``.

``up`` refuses a plan with conflicts before anything changes. Otherwise, in
this order, each step saying what it did and what it left alone: pull the
images that are missing (still nothing changed if a pull fails), create the
missing folders (through the one guard, ``lib/preserve.py``), create the
secret, then pod after pod: play, start or keep it, and wait for its own
health endpoint (with progress) before the next one. Then the steps that need
a running Windmill (``after``: deploy, the stack resource, the first health
check and n8n pull), given by the caller.

A service that does not become healthy stops ``up`` with an error that names
it and says what was started and left running, what was not started and what
did not run. ``down`` stops Phoenix's pods, newest first; it never removes a
pod, a volume or a folder, and never touches what Phoenix did not start.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable, Protocol

from ..errors import InputError, PhoenixError
from ..health.run import run_health
from ..preserve import guarded_write
from ..progress import report_progress
from .db_secret import new_password, secret_document, secret_format, secret_labels, secret_values
from .plan import Plan, UnitPlan
from .podman_cli import Podman
from .pods import SECRET_NAME, UNITS, render_pods
from .survey import check_service, is_ours, take_survey

POLL_S = 2.0


class StackRefused(PhoenixError):
    """The plan has conflicts: nothing was changed."""

    kind = "conflict"

    def __init__(self, plan: Plan):
        self.plan = plan
        super().__init__(f"{len(plan.conflicts)} conflict(s), nothing changed:\n"
                         + "\n".join(str(step) for step in plan.conflicts))


class ServiceUnhealthy(PhoenixError):
    """A service did not become healthy in time; the message says what runs and what did not happen."""

    kind = "unhealthy"


class StepFailed(PhoenixError):
    """A step after the pods (deploy, resource, first jobs) failed."""

    kind = "step_failed"


class AfterStep(Protocol):
    """A step that needs the running stack (``scripts/stack.py`` gives the Windmill ones)."""

    name: str

    def run(self, say: Callable[[str], None]) -> None: ...


@dataclass
class Run:
    """What one ``up`` did, for its final words and for an error's."""

    done: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    started: list[str] = field(default_factory=list)   # pods and containers now running because of this up


def up(plan: Plan, podman: Podman, *, ask: Callable[[str], str] | None = None, after: Iterable[AfterStep] = (),
       say: Callable[[str], None] = print, progress: Callable[[str, float], None] = report_progress,
       sleep: Callable[[float], None] = time.sleep) -> Run:
    if plan.conflicts:
        raise StackRefused(plan)
    run = Run()
    _pull_images(plan, podman, say, progress, run)
    _make_folders(plan, say, run)
    _make_secret(plan, podman, ask, say, run)
    after = list(after)
    for index, unit in enumerate(plan.units):
        _bring_up(plan, podman, unit, say, progress, run)
        try:
            _wait_healthy(plan.stack, podman, unit, say, progress, sleep)
        except ServiceUnhealthy as exc:
            raise ServiceUnhealthy(_unhealthy_message(str(exc), run, plan.units[index + 1:], after)) from None
    for number, step in enumerate(after):
        say(f"== {step.name}")
        try:
            step.run(say)
        except PhoenixError as exc:
            left = [s.name for s in after[number + 1:]]
            raise StepFailed(f"{step.name} failed: {exc}\nThe pods keep running"
                             + (f"; not run: {', '.join(left)}" if left else "")
                             + ". Fix it and run `python scripts/stack.py up` again: it keeps what runs.") from None
    say(f"up: {len(run.done)} change(s), {len(run.kept)} left as they were")
    return run


def _pull_images(plan: Plan, podman: Podman, say, progress, run: Run) -> None:
    pulls = [step.what.split(" ", 1)[1] for step in plan.images if step.verb == "pull"]
    for number, image in enumerate(pulls):
        say(f"pulling {image} ({number + 1} of {len(pulls)})")
        podman.pull(image, lambda line: progress(f"{image}: {line}", number / len(pulls)))
        run.done.append(f"pulled {image}")


def _make_folders(plan: Plan, say, run: Run) -> None:
    for step in plan.folders:
        if step.verb == "keep":
            run.kept.append(step.what)
    if not plan.new_folders:
        return
    # one guarded block: a refused target stops every folder before the first is made
    with guarded_write(plan.stack, *plan.new_folders) as guard:
        for folder in plan.new_folders:
            guard.mkdir(folder)
    for step in plan.folders:
        if step.verb == "create":
            say(f"created {step.what}")
            run.done.append(f"created {step.what}")


def _make_secret(plan: Plan, podman: Podman, ask, say, run: Run) -> None:
    if plan.secret is None:
        return
    if plan.password_source is None:
        run.kept.append(plan.secret.what)
        return
    password, how = _password(plan, ask)
    fmt = secret_format(plan.survey.version)
    podman.create_secret(SECRET_NAME, secret_document(secret_values(plan.stack, password), fmt),
                         secret_labels(plan.stack, fmt))
    say(f"created secret {SECRET_NAME} ({how}; the value is not shown)")
    run.done.append(f"created secret {SECRET_NAME}")


def _password(plan: Plan, ask) -> tuple[str, str]:
    env = plan.stack.podman.secrets.db_password_env
    if plan.password_source == "env":
        return os.environ[env], f"from ${env}"
    if plan.password_source == "ask" and ask is not None:
        given = ask("Password for Windmill's database (hidden; empty for a generated one): ")
        if given:
            return given, "as typed"
        if plan.existing_database:  # its password, not a new one
            raise PhoenixError(f"no password given: {plan.existing_database} (or set ${env})")
    return new_password(), "generated"


def _bring_up(plan: Plan, podman: Podman, unit: UnitPlan, say, progress, run: Run) -> None:
    step = unit.step
    if unit.action == "play":
        say(f"creating pod {unit.pod.name}: {unit.pod.summary}")
        podman.play(unit.pod.yaml(), progress=lambda line: progress(f"{unit.pod.name}: {line}", 0))
    elif unit.action == "replace":
        say(f"replacing pod {unit.pod.name} (data kept): {unit.pod.summary}")
        podman.play(unit.pod.yaml(), replace=True)
    elif unit.action == "start_pod":
        say(f"starting pod {unit.pod.name} ({step.why})")
        podman.start_pod(unit.pod.name)
    elif unit.action == "start_other":
        kind, name = unit.other.split(" ", 1)
        say(f"starting {unit.other} ({step.why})")
        (podman.start_pod if kind == "pod" else podman.start_container)(name)
    else:
        say(f"left alone: {step.what}{': ' + step.why if step.why else ''}")
        run.kept.append(step.what)
        return
    run.done.append(f"{step.verb} {step.what}")
    run.started.append(step.what)


def _wait_healthy(stack, podman: Podman, unit: UnitPlan, say, progress, sleep) -> None:
    timeout = float(stack.podman.health_timeout_s)
    probe = float(stack.health.probe_timeout_s)
    began = time.monotonic()
    for what in unit.waits:
        label = f"{unit.pod.name} containers" if what == "containers" else what
        while True:
            status, detail = (_containers_running(podman, unit) if what == "containers"
                              else check_service(stack, what, probe))
            elapsed = time.monotonic() - began
            if status == "up":
                say(f"healthy: {label} ({detail})")
                break
            if elapsed >= timeout:
                raise ServiceUnhealthy(f"{label} did not become healthy within {timeout:g} s: {detail}")
            progress(f"waiting for {label}: {detail} ({elapsed:.0f} s of {timeout:g} s)", elapsed / timeout)
            sleep(POLL_S)


def _containers_running(podman: Podman, unit: UnitPlan) -> tuple[str, str]:
    states = {c.name: c.state for c in podman.containers()}
    names = unit.pod.containers
    waiting = [f"{name} {states.get(name, 'missing')}" for name in names if states.get(name) != "running"]
    if waiting:
        return "down", ", ".join(waiting)
    return "up", f"{len(names)} container(s) running"


def _unhealthy_message(reason: str, run: Run, not_started: list[UnitPlan], after: list) -> str:
    lines = [reason]
    if run.started:
        lines.append(f"Started by this up and left running (see `python scripts/stack.py logs`): "
                     f"{', '.join(run.started)}.")
    waiting = [u.step.what for u in not_started if u.action != "none"]
    if waiting:
        lines.append(f"Not started: {', '.join(waiting)}.")
    if after:
        lines.append(f"Not run: {', '.join(step.name for step in after)}.")
    lines.append("Fix it and run `python scripts/stack.py up` again (it keeps what runs), or "
                 "`python scripts/stack.py down` to stop what Phoenix started.")
    return "\n".join(lines)


# --- status, logs, down ---------------------------------------------------------------

def status(stack, podman: Podman, *, dashboard: bool = True) -> dict:
    """Phoenix's pods as Podman sees them, each service's health, and the health dashboard."""
    survey = take_survey(podman)
    states = {c.name: c.state for c in survey.containers}
    pods = []
    for pod in render_pods(stack):
        found = survey.pod(pod.name)
        owner = "phoenix" if found is not None and is_ours(found) else ("other" if found else None)
        pods.append({"pod": pod.name, "status": found.status if found else "absent", "owner": owner,
                     "containers": {name: states.get(name, "absent") for name in pod.containers}})
    probe = float(stack.health.probe_timeout_s)
    services = {name: dict(zip(("status", "detail"), check_service(stack, name, probe)))
                for name in ("postgres", "windmill", "ollama", "n8n")}
    result = {"podman": survey.version_text, "pods": pods, "services": services}
    if dashboard:
        result["markdown"] = run_health(stack, send_alerts=False, write_dashboard=False)["markdown"]
    return result


def render_status(result: dict) -> str:
    lines = [f"Phoenix pods (Podman {result['podman']}):"]
    for pod in result["pods"]:
        mark = "" if pod["owner"] in ("phoenix", None) else " (not Phoenix's)"
        containers = ", ".join(f"{name} {state}" for name, state in pod["containers"].items())
        lines.append(f"  {pod['pod']:<20} {pod['status']}{mark}: {containers}")
    lines.append("Services:")
    lines += [f"  {name:<9} {s['status']:<9} {s['detail']}" for name, s in result["services"].items()]
    if "markdown" in result:
        lines += ["", result["markdown"]]
    return "\n".join(lines)


LOG_NAMES = {"postgres": "windmill-db-phoenix", "db": "windmill-db-phoenix", "windmill": "windmill-phoenix",
             "server": "windmill-phoenix", "ollama": "ollama-phoenix", "n8n": "n8n-phoenix"}


def log_targets(stack, podman: Podman, service: str | None) -> list[str]:
    """The containers of Phoenix's pods that exist, for all of them or one service (or one container)."""
    survey = take_survey(podman)
    ours = [name for pod in render_pods(stack) if (found := survey.pod(pod.name)) is not None and is_ours(found)
            for name in pod.containers if survey.container(name) is not None]
    if service is None:
        return ours
    wanted = [LOG_NAMES[service]] if service in LOG_NAMES else [
        name for name in ours if name.startswith(f"windmill-{service}-")] or [service]
    missing = [name for name in wanted if name not in ours]
    if missing:
        known = ", ".join(sorted(set(LOG_NAMES) | {"workers", "inference"}))
        raise InputError(f"no container {', '.join(missing)} in Phoenix's pods (services: {known}; "
                           f"containers: {', '.join(ours) or 'none yet'})")
    return wanted


def down(stack, podman: Podman, say: Callable[[str], None] = print) -> list[str]:
    """Stop Phoenix's pods, last brought up first. Nothing is removed: pods, volumes and folders stay."""
    survey = take_survey(podman)
    stopped = []
    by_unit = {pod.unit: pod for pod in render_pods(stack)}
    for unit in reversed(UNITS):
        pod = by_unit.get(unit)
        found = survey.pod(pod.name) if pod else None
        if pod is None or found is None:
            continue
        if not is_ours(found):
            say(f"left alone: pod {pod.name} (not Phoenix's)")
        elif found.running or found.status == "Degraded":
            podman.stop_pod(pod.name)
            say(f"stopped pod {pod.name} (nothing removed)")
            stopped.append(pod.name)
        else:
            say(f"already stopped: pod {pod.name}")
    ours = {pod.name for pod in by_unit.values()}
    for container in survey.detected():
        pod = survey.pod_of(container)
        if container.running and (pod is None or pod.name not in ours):
            say(f"left alone: {container.describe()} (not one of Phoenix's pods)")
    say(f"down: {len(stopped)} pod(s) stopped; data folders, volumes and secrets are kept "
        "(`python scripts/stack.py up` starts them again)")
    return stopped
