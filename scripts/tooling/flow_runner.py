"""Run this package's Windmill flows locally, faithfully, or refuse clearly.

``run_flow("f/phoenix/omas/council", {"task": "..."}, resources)`` reads
``f/phoenix/omas/council__flow/flow.yaml`` and executes it the way a Windmill
worker would, within a deliberately small subset of OpenFlow:

- modules: ``rawscript`` (python3; ``content: '!inline file.py'`` or inline
  code), ``script`` (by path, through the local script runner), ``flow`` (a
  sub-flow by path), ``forloopflow`` (``parallel``/``parallelism``,
  ``skip_failures``), ``branchone``, ``branchall``, ``identity``;
- module options: ``suspend`` (approval: auto-approved when asked, else the
  run stops and reports ``suspended``), ``skip_if``, ``stop_after_if``,
  ``retry``, ``continue_on_error``, ``mock``; the flow's ``failure_module``;
- input transforms in the simple forms ONLY: a ``static`` value, or a
  ``javascript`` expression that is a plain dotted path: ``flow_input.a.b``,
  ``flow_input.iter.value`` (inside a for-loop), ``results.step`` /
  ``results.step.field`` (an earlier step), ``error.message`` /
  ``error.name`` / ``error.step_id`` / ``error.extra`` (failure module;
  ``extra`` holds the exception's attributes, as a worker gives them),
  ``result.field``
  (``stop_after_if``). The same forms serve as iterators and branch
  predicates (JavaScript truthiness).

A step that raises fails the flow, as in Windmill: the failure module (if
any) runs with the error, its result becomes the run's result, and the run's
status stays ``failure``.

Anything else (other languages, JavaScript beyond a dotted path, unknown
keys, timeouts, while-loops, AI agents...) is refused before anything runs,
with the flow file, the module id and the offending key or expression. A
missing last field evaluates to ``undefined`` (the argument is left out, as
in Windmill); reading a field of something undefined is an error, as in
JavaScript.
"""

from __future__ import annotations

import importlib
import re
import time
import traceback
import types
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import yaml

# The job's own copy of the library, not lib/: this module runs in the job's process
# (scripts/run.py), which must hold one copy of every class (tests/test_one_library.py).
from f.phoenix.lib.yaml_reader import yaml_error_message

from .local_runner import REPO, LocalRunError, _mock_windmill_api, _resolve_value, resolve_arguments, run_script

FLOW_SUFFIX = "__flow"
_PATH = re.compile(r"^(flow_input|results|error|result)((?:\.[A-Za-z_][A-Za-z0-9_]*)*)$")
_UNDEFINED = object()

FLOW_KEYS = {"summary", "description", "value", "schema"}
VALUE_KEYS = {"modules", "failure_module", "same_worker"}
MODULE_KEYS = {"id", "value", "summary", "suspend", "skip_if", "stop_after_if", "retry", "continue_on_error",
               "mock"}
TYPE_KEYS = {
    "rawscript": {"type", "content", "language", "input_transforms", "lock", "tag"},
    "script": {"type", "path", "input_transforms"},
    "flow": {"type", "path", "input_transforms"},
    "forloopflow": {"type", "iterator", "modules", "skip_failures", "parallel", "parallelism"},
    "branchone": {"type", "branches", "default"},
    "branchall": {"type", "branches", "parallel"},
    "identity": {"type"},
}
SUSPEND_KEYS = {"required_events", "timeout", "resume_form", "user_auth_required", "user_groups_required",
                "self_approval_disabled", "hide_cancel", "continue_on_disapprove_timeout"}


class FlowRunError(LocalRunError):
    """The flow cannot be run locally (unsupported feature, bad expression, missing file)."""


class StepFailed(Exception):
    """A module raised; carries the top-level step id and the path to the module that failed."""

    def __init__(self, step_id: str, where: str, cause: BaseException):
        self.step_id, self.where, self.cause = step_id, where, cause
        super().__init__(f"{where}: {type(cause).__name__}: {cause}")


class _Suspended(Exception):
    def __init__(self, where: str, result):
        self.where, self.result = where, result


class _Stopped(Exception):
    def __init__(self, where: str, result):
        self.where, self.result = where, result


@dataclass
class FlowRun:
    status: str                       # success | failure | suspended | stopped
    result: Any = None
    results: dict = field(default_factory=dict)
    log: list = field(default_factory=list)
    error: dict | None = None
    suspended_at: str | None = None

    def to_dict(self) -> dict:
        return {"status": self.status, "result": self.result, "error": self.error,
                "suspended_at": self.suspended_at, "steps": self.log}


# --- locating and checking a flow -------------------------------------------
def flow_file(path: str | Path) -> Path | None:
    """The flow.yaml a path names, or None.

    A Windmill path (``f/x/name``, ``f/x/name__flow``, ``.../flow.yaml``) is
    looked up in this repository; an existing folder holding ``flow.yaml`` or
    the file itself (e.g. a test's temporary flow) is taken as it is.
    """
    given = Path(path)
    if given.is_absolute():
        candidate = given / "flow.yaml" if given.is_dir() else given
        return candidate if candidate.name == "flow.yaml" and candidate.is_file() else None
    relative = str(path).rstrip("/")
    for suffix in ("/flow.yaml", FLOW_SUFFIX):
        if relative.endswith(suffix):
            relative = relative[: -len(suffix)]
    candidate = REPO / f"{relative}{FLOW_SUFFIX}" / "flow.yaml"
    return candidate if relative.startswith(("f/", "u/")) and candidate.is_file() else None


def load_flow(path: Path) -> dict:
    """Parse and check a flow.yaml; FlowRunError names file, module and key for anything unsupported."""
    label = _label(path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FlowRunError(f"{label}: cannot be read: {exc}") from exc
    except yaml.YAMLError as exc:
        raise FlowRunError(f"{label}: malformed YAML: {yaml_error_message(exc)}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("value"), dict):
        raise FlowRunError(f"{label}: not a flow (expected a mapping with `value`)")
    _only(document, FLOW_KEYS, label, "the flow")
    value = document["value"]
    _only(value, VALUE_KEYS, label, "value")
    top_ids = _check_modules(value.get("modules") or [], label, visible=set(), in_loop=False, seen=set())
    failure = value.get("failure_module")
    if failure is not None:
        _check_module(failure, label, visible=top_ids, in_loop=False, seen=set(), context="failure")
    return document


def _label(path: Path) -> str:
    try:
        return path.relative_to(REPO).as_posix()
    except ValueError:
        return str(path)


def _only(mapping: dict, allowed: set, label: str, where: str) -> None:
    unknown = sorted(set(mapping) - allowed)
    if unknown:
        raise FlowRunError(f"{label}: {where}: `{unknown[0]}` is not supported by the local flow runner "
                           f"(supported here: {', '.join(sorted(allowed))})")


def _check_modules(modules, label: str, *, visible: set, in_loop: bool, seen: set) -> set:
    if not isinstance(modules, list):
        raise FlowRunError(f"{label}: `modules` must be a list")
    visible = set(visible)
    for module in modules:
        _check_module(module, label, visible=visible, in_loop=in_loop, seen=seen)
        visible.add(module["id"])
    return visible


def _check_module(module, label: str, *, visible: set, in_loop: bool, seen: set, context: str = "step") -> None:
    if not isinstance(module, dict) or not isinstance(module.get("id"), str) or not isinstance(module.get("value"),
                                                                                                 dict):
        raise FlowRunError(f"{label}: every module needs a string `id` and a `value` mapping: {module!r:.120}")
    ident = module["id"]
    where = f"module {ident}"
    if ident in seen:
        raise FlowRunError(f"{label}: {where}: duplicate module id")
    seen.add(ident)
    _only(module, MODULE_KEYS, label, where)
    value = module["value"]
    kind = value.get("type")
    if kind not in TYPE_KEYS:
        raise FlowRunError(f"{label}: {where}: module type {kind!r} is not supported by the local flow runner "
                           f"(supported: {', '.join(TYPE_KEYS)})")
    _only(value, TYPE_KEYS[kind], label, f"{where} ({kind})")
    roots = {"flow_input", "results"} | ({"error"} if context == "failure" else set())
    check = lambda expr, what, extra=(): _check_expr(expr, label, where, what, roots | set(extra), visible, in_loop)
    for name, transform in (value.get("input_transforms") or {}).items():
        _check_transform(transform, label, where, f"input {name}", check)
    if kind == "rawscript":
        _check_rawscript(value, label, where)
    elif kind in ("script", "flow"):
        if not str(value.get("path", "")).startswith(("f/", "u/")):
            raise FlowRunError(f"{label}: {where}: `path` must be a Windmill path under f/ or u/")
    elif kind == "forloopflow":
        _check_transform(value.get("iterator"), label, where, "iterator", check)
        _check_modules(value.get("modules") or [], label, visible=visible, in_loop=True, seen=seen)
    elif kind in ("branchone", "branchall"):
        for index, branch in enumerate(value.get("branches") or []):
            _only(branch, {"summary", "expr", "modules", "skip_failure", "parallel"}, label, f"{where} branch {index}")
            if kind == "branchone":
                check(branch.get("expr"), f"branch {index} expr")
            _check_modules(branch.get("modules") or [], label, visible=visible, in_loop=in_loop, seen=seen)
        _check_modules(value.get("default") or [], label, visible=visible, in_loop=in_loop, seen=seen)
    if "skip_if" in module:
        check((module["skip_if"] or {}).get("expr"), "skip_if")
    if "stop_after_if" in module:
        _only(module["stop_after_if"], {"expr", "skip_if_stopped", "error_message"}, label, f"{where} stop_after_if")
        check(module["stop_after_if"].get("expr"), "stop_after_if", extra=("result",))
    if "suspend" in module:
        _only(module["suspend"] or {}, SUSPEND_KEYS, label, f"{where} suspend")


def _check_transform(transform, label: str, where: str, what: str, check: Callable) -> None:
    if not isinstance(transform, dict) or transform.get("type") not in ("static", "javascript"):
        raise FlowRunError(f"{label}: {where}: {what}: only `static` and `javascript` transforms are supported, "
                           f"got {transform!r:.120}")
    if transform["type"] == "javascript":
        check(transform.get("expr"), what)


def _check_expr(expr, label: str, where: str, what: str, roots: set, visible: set, in_loop: bool) -> None:
    text = expr.strip() if isinstance(expr, str) else expr
    match = _PATH.match(text) if isinstance(text, str) else None
    problem = None
    if not match or match.group(1) not in roots:
        problem = "is not one of the simple forms (" + ", ".join(sorted(roots)) + " followed by .field names)"
    else:
        parts = match.group(2).split(".")[1:]
        if match.group(1) in ("flow_input", "error") and not parts:
            problem = f"must name a field of {match.group(1)}"
        elif match.group(1) == "results" and (not parts or parts[0] not in visible):
            problem = f"refers to a step that has not run before this one (visible: {', '.join(sorted(visible)) or 'none'})"
        elif match.group(1) == "flow_input" and parts[0] == "iter" and not in_loop:
            problem = "uses flow_input.iter outside a for-loop"
    if problem:
        raise FlowRunError(f"{label}: {where}: {what}: expression {expr!r} {problem}")


def _check_rawscript(value: dict, label: str, where: str) -> None:
    if value.get("language") != "python3":
        raise FlowRunError(f"{label}: {where}: rawscript language {value.get('language')!r} is not supported "
                           "(only python3)")
    content = value.get("content")
    if not isinstance(content, str) or not content.strip():
        raise FlowRunError(f"{label}: {where}: rawscript has no content")


# --- running ------------------------------------------------------------------
def _truthy(value) -> bool:
    """JavaScript truthiness: empty lists and objects are true."""
    if value is _UNDEFINED or value is None or value is False:
        return False
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value != 0
    if isinstance(value, str):
        return value != ""
    return True


def _top_level(where: str) -> str:
    """``thanatos#2/judge`` -> ``thanatos``: Windmill reports failures by top-level step."""
    return where.split("/")[0].split("#")[0]


class _Runner:
    def __init__(self, path: Path, document: dict, resources: dict, auto_approve: bool,
                 on_step: Callable | None):
        self.folder = path.parent
        self.label = _label(path)
        self.document = document
        self.resources = resources
        self.auto_approve = auto_approve
        self.on_step = on_step
        self.log: list[dict] = []

    # expressions
    def evaluate(self, expr: str, scope: dict, where: str):
        match = _PATH.match(expr.strip())
        value = scope[match.group(1)]
        walked = match.group(1)
        for part in match.group(2).split(".")[1:]:
            if value is _UNDEFINED or value is None:
                raise FlowRunError(f"{self.label}: {where}: expression {expr!r}: {walked} is "
                                   f"{'undefined' if value is _UNDEFINED else 'null'}, cannot read .{part}")
            value = value.get(part, _UNDEFINED) if isinstance(value, dict) else _UNDEFINED
            walked += f".{part}"
        return value

    def transform(self, transform: dict, scope: dict, where: str):
        if transform["type"] == "static":
            return _resolve_value(transform.get("value"), self.resources)
        return self.evaluate(transform["expr"], scope, where)

    def arguments(self, value: dict, scope: dict, where: str) -> dict:
        args = {}
        for name, transform in (value.get("input_transforms") or {}).items():
            resolved = self.transform(transform, scope, f"{where}: input {name}")
            if resolved is not _UNDEFINED:
                args[name] = resolved
        return args

    # modules
    def run_modules(self, modules: list, scope: dict, previous, path: str):
        for module in modules:
            previous = self.run_module(module, scope, previous, path)
        return previous

    def run_module(self, module: dict, scope: dict, previous, path: str):
        ident = module["id"]
        where = f"{path}/{ident}" if path else ident
        started = time.monotonic()
        if "skip_if" in module and self._predicate(module["skip_if"]["expr"], scope, where):
            self._record(where, module, "skipped", started, None)
            scope["results"][ident] = None
            return None
        try:
            result = self._attempts(module, scope, previous, where)
        except (_Suspended, _Stopped, StepFailed):
            raise
        except Exception as exc:
            if module.get("continue_on_error"):
                result = {"error": {"name": type(exc).__name__, "message": str(exc), "step_id": ident}}
                self._record(where, module, "failed, continued", started, result)
            else:
                self._record(where, module, "failed", started, None, error=str(exc))
                raise StepFailed(_top_level(where), where, exc) from exc
        else:
            self._record(where, module, "success", started, result)
        scope["results"][ident] = result
        self._suspend_if_asked(module, where, result)
        stop = module.get("stop_after_if")
        if stop and self._predicate(stop["expr"], {**scope, "result": result}, where):
            raise _Stopped(where, result)
        return result

    def _predicate(self, expr: str, scope: dict, where: str) -> bool:
        """skip_if / stop_after_if: an expression that fails to evaluate fails its step."""
        try:
            return _truthy(self.evaluate(expr, scope, f"module {where}"))
        except FlowRunError as exc:
            raise StepFailed(_top_level(where), where, exc) from exc

    def _attempts(self, module: dict, scope: dict, previous, where: str):
        mock = module.get("mock") or {}
        if mock.get("enabled"):
            return mock.get("return_value")
        retry = module.get("retry") or {}
        policy = retry.get("constant") or retry.get("exponential") or {}
        attempts = 1 + int(policy.get("attempts") or 0)
        for attempt in range(attempts):
            try:
                return self.execute(module["value"], scope, previous, where)
            except (_Suspended, _Stopped, StepFailed):
                raise
            except Exception:
                if attempt == attempts - 1:
                    raise
                base = float(policy.get("seconds") or 0)
                delay = base * (float(policy.get("multiplier") or 2) ** attempt) if "exponential" in retry else base
                time.sleep(min(delay, 30.0))

    def _suspend_if_asked(self, module: dict, where: str, result) -> None:
        suspend = module.get("suspend")
        if not suspend or int(suspend.get("required_events") or 0) < 1:
            return
        if not self.auto_approve:
            raise _Suspended(where, result)
        self.log.append({"id": where, "type": "suspend", "status": "approved (local auto-approve)", "seconds": 0.0})

    def execute(self, value: dict, scope: dict, previous, where: str):
        kind = value["type"]
        if kind == "identity":
            return previous
        if kind == "rawscript":
            return self._rawscript(value, scope, where)
        if kind == "script":
            return run_script(value["path"], self.arguments(value, scope, where), self.resources)
        if kind == "flow":
            sub = run_flow(value["path"], self.arguments(value, scope, where), self.resources,
                           auto_approve=self.auto_approve, on_step=self.on_step)
            if sub.status == "failure":
                raise FlowRunError(f"sub-flow {value['path']} failed: {sub.error}")
            if sub.status == "suspended":
                raise _Suspended(f"{where}>{sub.suspended_at}", sub.result)
            return sub.result
        if kind == "forloopflow":
            return self._forloop(value, scope, where)
        if kind == "branchone":
            return self._branchone(value, scope, previous, where)
        return self._branchall(value, scope, previous, where)

    def _rawscript(self, value: dict, scope: dict, where: str):
        content = value["content"].strip()
        if content.startswith("!inline "):
            file = self.folder / content[len("!inline "):].strip()
            if not file.is_file():
                raise FlowRunError(f"{self.label}: module {where}: inline file not found: {file.name}")
            module = self._import_inline(file)
        else:
            module = types.ModuleType(f"phoenix_flow_inline_{abs(hash(content))}")
            exec(compile(content, f"<{self.label}:{where}>", "exec"), module.__dict__)
        if not callable(getattr(module, "main", None)):
            raise FlowRunError(f"{self.label}: module {where}: the rawscript has no main()")
        args = resolve_arguments(module.main, self.arguments(value, scope, where), self.resources)
        return module.main(**args)

    def _import_inline(self, file: Path):
        # __flow folders are importable packages in Windmill: import the file the same way
        # (the repository root is importable: this module was imported from it)
        try:
            name = file.relative_to(REPO).with_suffix("").as_posix().replace("/", ".")
        except ValueError:
            name = None  # a flow outside the package (tests build some): load the file itself
        if name:
            return importlib.import_module(name)
        spec = importlib.util.spec_from_file_location(f"phoenix_flow_inline_{file.stem}", file)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    def _forloop(self, value: dict, scope: dict, where: str):
        items = self.transform(value["iterator"], scope, f"module {where}: iterator")
        if not isinstance(items, list):
            raise FlowRunError(f"{self.label}: module {where}: the iterator must give a list, got "
                               f"{'undefined' if items is _UNDEFINED else type(items).__name__}")

        def iteration(index_item):
            index, item = index_item
            inner = {**scope, "flow_input": {**scope["flow_input"], "iter": {"value": item, "index": index}},
                     "results": dict(scope["results"])}
            try:
                return self.run_modules(value.get("modules") or [], inner, None, f"{where}#{index}")
            except StepFailed as failure:
                if value.get("skip_failures"):
                    return {"error": {"name": type(failure.cause).__name__, "message": str(failure.cause),
                                      "step_id": failure.where}}
                raise

        if value.get("parallel") and len(items) > 1:
            workers = int(value.get("parallelism") or len(items))
            with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
                return list(pool.map(iteration, enumerate(items)))
        return [iteration(pair) for pair in enumerate(items)]

    def _branchone(self, value: dict, scope: dict, previous, where: str):
        for index, branch in enumerate(value.get("branches") or []):
            if _truthy(self.evaluate(branch["expr"], scope, f"module {where}: branch {index}")):
                self.log.append({"id": where, "type": "branch", "status": f"branch {index} taken", "seconds": 0.0})
                return self.run_modules(branch.get("modules") or [], scope, previous, where)
        self.log.append({"id": where, "type": "branch", "status": "default taken", "seconds": 0.0})
        return self.run_modules(value.get("default") or [], scope, previous, where)

    def _branchall(self, value: dict, scope: dict, previous, where: str):
        branches = value.get("branches") or []

        def one(index_branch):
            index, branch = index_branch
            try:
                return self.run_modules(branch.get("modules") or [], scope, previous, f"{where}#{index}")
            except StepFailed as failure:
                if branch.get("skip_failure"):
                    return {"error": {"name": type(failure.cause).__name__, "message": str(failure.cause),
                                      "step_id": failure.where}}
                raise

        if value.get("parallel") and len(branches) > 1:
            with ThreadPoolExecutor(max_workers=len(branches)) as pool:
                return list(pool.map(one, enumerate(branches)))
        return [one(pair) for pair in enumerate(branches)]

    def _record(self, where: str, module: dict, status: str, started: float, result, error: str | None = None):
        entry = {"id": where, "type": module["value"]["type"], "status": status,
                 "seconds": round(time.monotonic() - started, 3)}
        if error:
            entry["error"] = error[:500]
        self.log.append(entry)
        if self.on_step:
            self.on_step(where, status, result)

    # the whole flow
    def run(self, inputs: dict) -> FlowRun:
        value = self.document["value"]
        scope = {"flow_input": inputs, "results": {}}
        try:
            result = self.run_modules(value.get("modules") or [], scope, None, "")
        except _Suspended as pause:
            return FlowRun("suspended", pause.result, scope["results"], self.log, suspended_at=pause.where)
        except _Stopped as stop:
            return FlowRun("stopped", stop.result, scope["results"], self.log)
        except StepFailed as failure:
            return self._failed(failure, scope)
        return FlowRun("success", result, scope["results"], self.log)

    def _failed(self, failure: StepFailed, scope: dict) -> FlowRun:
        error = {"message": f"{failure.where}: {failure.cause}", "name": type(failure.cause).__name__,
                 "step_id": failure.step_id,
                 "stack": "".join(traceback.format_exception(failure.cause))[-4000:]}
        if vars(failure.cause):  # as a worker does: the exception's attributes (JobFailed's result)
            error["extra"] = dict(vars(failure.cause))
        handler = self.document["value"].get("failure_module")
        if handler is None:
            return FlowRun("failure", None, scope["results"], self.log, error=error)
        try:
            result = self.run_module(handler, {**scope, "error": error}, None, "")
        except StepFailed as second:  # still a failed flow, as in Windmill, saying both
            error = {**error, "message": f"{error['message']} (then the failure module failed: {second})"}
            return FlowRun("failure", None, scope["results"], self.log, error=error)
        return FlowRun("failure", result, scope["results"], self.log, error=error)


def flow_inputs(document: dict, args: dict, resources: dict, label: str) -> dict:
    """The flow's inputs: given args, schema defaults, resources for resource-typed inputs."""
    schema = document.get("schema") or {}
    properties = schema.get("properties") or {}
    unknown = sorted(set(args) - set(properties))
    if unknown:
        raise FlowRunError(f"{label}: unknown input(s) {', '.join(unknown)}; the flow takes: "
                           f"{', '.join(properties) or 'nothing'}")
    inputs = {}
    for name, spec in properties.items():
        if name in args:
            inputs[name] = _resolve_value(args[name], resources)
            continue
        format_ = str(spec.get("format", ""))
        resource_type = format_[len("resource-"):] if format_.startswith("resource-") else None
        if resource_type and resource_type in resources.get("resource_types", {}):
            inputs[name] = resources["resource_types"][resource_type]
        else:
            inputs[name] = spec.get("default")
    missing = [n for n in schema.get("required") or [] if inputs.get(n) is None]
    if missing:
        raise FlowRunError(f"{label}: missing required input(s): {', '.join(missing)}")
    return inputs


def run_flow(path: str | Path, args: dict, resources: dict | None = None, *, auto_approve: bool = False,
             on_step: Callable[[str, str, Any], None] | None = None) -> FlowRun:
    """Run a flow of this package; see the module doc for what is supported."""
    resources = resources or {}
    file = flow_file(path)
    if file is None:
        raise FlowRunError(f"no flow at {path} (expected {str(path).rstrip('/')}{FLOW_SUFFIX}/flow.yaml under f/ or u/)")
    document = load_flow(file)
    _mock_windmill_api(resources)
    inputs = flow_inputs(document, args, resources, _label(file))
    return _Runner(file, document, resources, auto_approve, on_step).run(inputs)
