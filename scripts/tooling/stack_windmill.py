"""The steps of ``scripts/stack.py up`` that need the running Windmill, in order:

1. the stack resource ``f/phoenix/phoenix_stack``, made from the operator's
   stack file (its resource type first), unless the workspace has one: then
   it is the operator's and is left alone;
2. the Windmill secret variable for n8n's API key
   (``services.n8n.api_key_variable``), from ``$N8N_API_KEY``
   (``services.n8n.api_key_env``), unless it exists;
3. the package: ``scripts/deploy.py push`` (check, plan, resources, ``wmill
   sync push``), with the inference tag the inference workers listen to;
4. the first health check and 5. the first n8n pull, as Windmill jobs on the
   workers, waited for with progress.

The token reaches Windmill in a header and ``deploy.py`` through its
environment, never a command line; no output repeats it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from lib.errors import PhoenixError
from lib.progress import report_progress
from lib.stack import read_stack_document
from lib.workspace.pods import podman_path

from . import resources
from .push import DeployError, Target, WindmillApi

REPO = Path(__file__).resolve().parents[2]
STACK_RESOURCE = f"{resources.RESOURCE_FOLDER}/{resources.STACK_RESOURCE}"
JOB_TIMEOUT_S = 1800  # a first job installs its script's requirements on the worker
POLL_S = 2.0


class StackApi(WindmillApi):
    """The resource calls deploy uses, plus variables and jobs."""

    def variable_exists(self, path: str) -> bool:
        return bool(self._call("GET", f"variables/exists/{path}"))

    def create_secret_variable(self, path: str, value: str, description: str) -> None:
        self._call("POST", "variables/create", {"path": path, "value": value, "is_secret": True,
                                               "description": description})

    def run_script(self, path: str, args: dict) -> str:
        return str(self._call("POST", f"jobs/run/p/{path}", args)).strip().strip('"')

    def result_maybe(self, job_id: str) -> dict:
        return self._call("GET", f"jobs_u/completed/get_result_maybe/{urllib.parse.quote(job_id)}")


def _checked(call):
    try:
        return call()
    except DeployError as exc:
        raise PhoenixError(str(exc)) from None


@dataclass
class StackResource:
    stack: object
    api: StackApi
    name: str = f"stack resource {STACK_RESOURCE}"

    def run(self, say: Callable[[str], None]) -> None:
        type_name = resources.STACK_TYPE
        if _checked(lambda: self.api.get_resource_type(type_name)) is None:
            _checked(lambda: self.api.create_resource_type(type_name, resources.stack_resource_type()))
            say(f"created resource type {type_name}")
        if _checked(lambda: self.api.get_resource(STACK_RESOURCE)) is not None:
            say(f"left alone: {STACK_RESOURCE} exists (the workspace's value is the operator's)")
            return
        value = self.value()
        _checked(lambda: self.api.create_resource(STACK_RESOURCE, {
            "resource_type": type_name, "value": value,
            "description": f"The Phoenix stack, from {self.stack.source} by scripts/stack.py up. Edit it here: "
                           "deploy and up never overwrite it."}))
        say(f"created {STACK_RESOURCE} from {self.stack.source} (root as the workers see it: {value['root']})")

    def value(self) -> dict:
        """The operator's stack document as written, with the root where the workers mount it."""
        source = self.stack.source
        document = read_stack_document(source) if Path(source).is_file() else {}
        return {**document, "root": podman_path(self.stack.root)}


@dataclass
class N8nKey:
    stack: object
    api: StackApi
    name: str = "n8n API key variable"

    def run(self, say: Callable[[str], None]) -> None:
        n8n = self.stack.services.n8n
        path, env = n8n.api_key_variable, n8n.api_key_env
        if not path:
            say("left alone: services.n8n.api_key_variable is not set")
            return
        if _checked(lambda: self.api.variable_exists(path)):
            say(f"left alone: {path} exists")
            return
        value = os.environ.get(env or "")
        if not value:
            say(f"not created: {path} (set ${env} to an n8n API key, n8n: Settings > n8n API, and run up again)")
            return
        _checked(lambda: self.api.create_secret_variable(path, value, "n8n API key for Phoenix (from scripts/stack.py up)"))
        say(f"created secret variable {path} from ${env} (the value is not shown)")


@dataclass
class Deploy:
    target: Target
    inference_tag: str
    name: str = "deploy (scripts/deploy.py push)"

    def run(self, say: Callable[[str], None]) -> None:
        env = dict(os.environ, WINDMILL_URL=self.target.url, WINDMILL_WORKSPACE=self.target.workspace,
                   WINDMILL_TOKEN=self.target.token, PYTHONUNBUFFERED="1")
        command = [sys.executable, str(REPO / "scripts" / "deploy.py"), "push", "--inference-tag", self.inference_tag]
        with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as proc:
            for line in proc.stdout:
                say(f"  | {self.target.redact(line.rstrip())}")
        if proc.returncode != 0:
            raise PhoenixError(f"scripts/deploy.py push exited {proc.returncode} (its output is above)")


@dataclass
class FirstJob:
    api: StackApi
    script: str
    why: str
    ready: Callable[[], str | None] = lambda: None   # a reason not to run it yet, or None
    timeout_s: float = JOB_TIMEOUT_S
    sleep: Callable[[float], None] = time.sleep

    @property
    def name(self) -> str:
        return f"first {self.why} ({self.script})"

    def run(self, say: Callable[[str], None]) -> None:
        reason = self.ready()
        if reason:
            say(f"not run: {self.script}: {reason}")
            return
        job = _checked(lambda: self.api.run_script(self.script, {"stack": f"$res:{STACK_RESOURCE}"}))
        began = time.monotonic()
        while True:
            answer = _checked(lambda: self.api.result_maybe(job))
            if not isinstance(answer, dict):
                raise PhoenixError(f"job {job} ({self.script}): Windmill answered {str(answer)[:100]!r}, "
                                   "not the job's state")
            if answer.get("completed"):
                break
            waited = time.monotonic() - began
            if waited > self.timeout_s:
                raise PhoenixError(f"job {job} ({self.script}) did not finish within {self.timeout_s:g} s; "
                                   "it may still run: see Windmill's Runs page")
            report_progress(f"{self.script}: job {job} {'running' if answer.get('started') else 'queued'} "
                            f"({waited:.0f} s)", waited / self.timeout_s)
            self.sleep(POLL_S)
        result = answer.get("result")
        if answer.get("success") is False:
            message = (result or {}).get("error", {}).get("message") if isinstance(result, dict) else result
            raise PhoenixError(f"job {job} ({self.script}) failed in Windmill: {message}")
        say(f"job {job} ({self.script}) succeeded: {_summary(result)}")


def _summary(result) -> str:
    if isinstance(result, dict) and isinstance(result.get("markdown"), str):
        lines = [line.strip() for line in result["markdown"].splitlines() if line.strip()]
        return lines[0].lstrip("# ") if lines else "a dashboard"
    text = json.dumps(result, default=str)
    return text if len(text) <= 200 else text[:200] + "..."


@dataclass
class NotRun:
    """What up says, in its place at the end, when the Windmill steps cannot run."""

    reason: str
    name: str = "stack resource, deploy, first health check and n8n pull"

    def run(self, say: Callable[[str], None]) -> None:
        say(f"not run: {self.name}: {self.reason}")


def windmill_steps(stack, token: str) -> list:
    """The steps after the pods, for the Windmill at ``services.windmill.url``."""
    target = Target(stack.service_url("windmill") + "/", stack.services.windmill.workspace, token)
    api = StackApi(target)
    n8n_variable = stack.services.n8n.api_key_variable

    def n8n_ready() -> str | None:
        if not n8n_variable:
            return "services.n8n.api_key_variable is not set"
        if not _checked(lambda: api.variable_exists(n8n_variable)):
            return f"no n8n API key in Windmill yet ({n8n_variable})"
        return None

    return [StackResource(stack, api), N8nKey(stack, api),
            Deploy(target, stack.podman.workers.inference_tag),
            FirstJob(api, "f/phoenix/health/check", "health check"),
            FirstJob(api, "f/phoenix/n8n/pull", "n8n pull", ready=n8n_ready)]
