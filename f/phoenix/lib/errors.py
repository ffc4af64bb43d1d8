# GENERATED from lib/errors.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""The errors Phoenix raises, one tree: catch at the level you care about.

Every failure a caller may catch is a ``PhoenixError`` with a ``kind``, a
short word that results, traces and the router's breakers carry (``[kind]``
below; a class without one has its parent's). Classes defined elsewhere name
their module:

* PhoenixError [error]                anything Phoenix raises on purpose
  - ConfigError [config]              a stack or agent file: names the file, the dotted key, the reason
  - StorageError [storage]            a folder Phoenix keeps its own files in refused a write
  - InputError [input]                an argument given to a script is unusable (also a ValueError)
    - WorkflowError                   not a usable n8n workflow (lib/n8n/workflow.py)
    - UnreadableInput [unreadable]    a document beyond Phoenix's reading bounds (lib/n8n/bounded.py)
  - Unsupported [unsupported]         valid input asking for what Phoenix does not do
    - StructureError [structure]      an n8n graph with no structured-flow form (lib/n8n/translate/structure.py)
    - Untranslatable [untranslatable] an n8n node or expression with no translation (lib/n8n/expressions.py)
    - Unparsable [unparsable]         a command line the shell reader cannot take apart (lib/omas/shell_syntax.py)
  - BackendError [error]              a model source did not answer; ``kind`` is one of KINDS
    - BackendDown [down]              nothing answers: refused, file absent, library missing
      - ModelFileMissing              no file where the stack says the model is (lib/backends/llama_local.py)
    - BackendHung [hung]              no answer before the deadline
      - NotStarted                    the deadline passed before the call (lib/backends/base.py)
    - ModelMissing [model_missing]    up, but without that model
    - ServerError [server_error]      the backend failed (HTTP 5xx)
      - CorruptModel [corrupt_model]  a model file llama.cpp cannot use (lib/backends/llama_local.py)
    - BadRequest [bad_request]        this request was refused (HTTP 4xx): retrying cannot help
    - UnusableOutput [unusable_output] an answer, but not what was asked for
  - AllBackendsFailed [all_backends_failed]  every candidate failed; ``attempts`` says why
  - N8nError [error]                  talking to n8n failed (lib/n8n/errors.py):
    - N8nUnreachable [unreachable]    nothing answers at its address
    - N8nTimeout [timeout]            no answer before the deadline
    - N8nAuthError [auth]             the API key or webhook credential is missing or refused
    - N8nNotFound [not_found]         no such workflow, execution or webhook
    - N8nRejected [rejected]          n8n refused the request body or method
    - N8nServerError [server_error]   n8n failed itself (HTTP 5xx)
    - N8nBadResponse [bad_response]   a 2xx answer that is not the JSON expected
    - N8nConflict [conflict]          a push would overwrite a change made in n8n
  - ApiError                          the OpenAI-compatible API answers with an error status; an instance's
                                      ``kind`` is OpenAI's error type (lib/openai_api/errors.py)
  - PreservationError [backup_failed] a protected folder could not be backed up first (lib/guard.py)
    - WriteRefused [write_refused]    a write that would land outside where it may
  - PodmanUnreachable [unreachable]   the container engine cannot be asked (lib/health/containers.py)
  - PodmanError [podman_failed]       a podman command failed (lib/workspace/podman_cli.py)
    - PodmanMissing [podman_missing]  there is no podman command
  - StackRefused [conflict]           the stack's pod plan has conflicts: nothing changed (lib/workspace/stack_up.py)
  - ServiceUnhealthy [unhealthy]      a service of the stack did not become healthy in time (same)
  - StepFailed [step_failed]          a step after the pods (deploy, first jobs) failed (same)
  - WorkspaceError [workspace_refused] the Roo/VS Code workspace cannot be (un)installed as asked
                                      (lib/workspace/install.py)
  - RoomodesError [roomodes]          a .roomodes that cannot be read or edited safely (lib/workspace/roo_modes.py)
  - JsoncError [jsonc]                a JSON-with-comments file that cannot be read or edited safely
                                      (lib/workspace/jsonc.py)
  - JobFailed [failed]                a job ran and its work failed; ``result`` is what it found
    - InputRefused [input]            ... because it was given something unusable (also an InputError)

The router decides with a backend failure's kind whether a retry can help
(``retryable``) and the trace says plainly what happened.

Failures fail: a script whose work failed raises ``JobFailed`` (through
``raise_if_failed``), carrying its whole result, so Windmill marks the job
failed and its error handlers run; expected outcomes (a dry-run plan,
"nothing changed", a health check that found something down, a vetoed
proposal) are results. A function that returns expected failures as results
builds them with ``exc.as_result()``, the one shape ``raise_if_failed`` reads.
"""

from __future__ import annotations

from typing import Any, Mapping

from .redact import redact


#: the kinds a ``BackendError`` may have: the outcome the router records for a failed
#: attempt (its own outcomes add "ok", "skipped", "interrupted"); "error" is a failure
#: its backend did not map (a client library's bug)
KINDS = ("error", "down", "hung", "model_missing", "server_error", "corrupt_model", "bad_request",
         "unusable_output")


class PhoenixError(Exception):
    """Base of every error Phoenix raises deliberately.

    Its text goes through ``redact``: an error ends up in traces, job logs and
    saved state, and a token put in the wrong place must not ride along.
    """

    kind = "error"

    def __init__(self, *args):
        super().__init__(*(redact(arg) if isinstance(arg, str) else arg for arg in args))

    def as_result(self) -> dict:
        """This failure as the result a script returns: ``{"ok": False, "error": {"kind", "message", ...}}``."""
        return {"ok": False, "error": {"kind": self.kind, "message": str(self), **self.details()}}

    def details(self) -> dict:
        """What else the result's ``error`` says (an HTTP status, say); nothing by default."""
        return {}


class ConfigError(PhoenixError):
    """A configuration document is malformed, unknown or inconsistent.

    The message always names the file, the key (a dotted path) and the reason,
    so an operator can fix it without reading code.
    """

    kind = "config"

    def __init__(self, source: str, key: str, reason: str):
        self.source, self.key, self.reason = redact(source), redact(key), redact(reason)
        where = f"{self.source}: {self.key}" if self.key else self.source
        super().__init__(f"{where}: {self.reason}")


class StorageError(PhoenixError):
    """A folder Phoenix keeps its own files in refused a write: read-only, full, in the way.

    The message names the setting, the path and the reason the disk gave
    (``Read-only file system``, ``No space left on device``...).
    """

    kind = "storage"

    def __init__(self, setting: str, path, reason: str):
        self.setting = setting
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{setting}: cannot write {path}: {reason}")


def os_reason(exc: OSError) -> str:
    """What the disk said, without Python's decoration: "Read-only file system"."""
    return exc.strerror or str(exc) or type(exc).__name__


class InputError(PhoenixError, ValueError):
    """An argument given to a script is unusable (empty prompt, bad choice)."""

    kind = "input"


class Unsupported(PhoenixError):
    """Valid input that asks for something Phoenix does not do; says what."""

    kind = "unsupported"


class BackendError(PhoenixError):
    """A model source failed to answer. ``kind`` is one of KINDS."""

    kind = "error"
    #: whether trying the same backend again soon could plausibly succeed
    retryable = False

    def __init__(self, backend: str, message: str):
        self.backend = backend
        super().__init__(f"{backend}: {message}")


class BackendDown(BackendError):
    """Nothing answers (connection refused, file absent, library missing)."""

    kind = "down"


class BackendHung(BackendError):
    """The backend did not finish before its deadline."""

    kind = "hung"


class ModelMissing(BackendError):
    """The backend is up but does not have the requested model."""

    kind = "model_missing"


class ServerError(BackendError):
    """The backend answered with an error (HTTP 5xx, a corrupt model file)."""

    kind = "server_error"
    retryable = True


class BadRequest(BackendError):
    """The backend rejected this request (HTTP 4xx): retrying it cannot help."""

    kind = "bad_request"


class UnusableOutput(BackendError):
    """The backend answered, but the output is not what was asked for."""

    kind = "unusable_output"
    retryable = True

    def __init__(self, backend: str, message: str, completion=None):
        super().__init__(backend, message)
        #: what the backend did produce, so a last resort can still use it
        self.completion = completion


class AllBackendsFailed(PhoenixError):
    """Every candidate failed; ``attempts`` says which and why."""

    kind = "all_backends_failed"

    def __init__(self, attempts: list[dict]):
        self.attempts = attempts
        lines = [f"  - {a['backend']}:{a.get('model') or '-'} {a['outcome']}: {a.get('error', '')}"
                 for a in attempts]
        super().__init__("no backend could answer:\n" + "\n".join(lines))


class JobFailed(PhoenixError):
    """A job ran and its work failed: an archive that does not verify, a refused restore, n8n unreachable.

    ``result`` is what the job found, kept whole: Windmill shows an exception's
    attributes as the error's ``extra``, so the details stay visible on the
    runs page and in a flow's failure module.
    """

    kind = "failed"

    def __init__(self, what: str, result: Mapping[str, Any]):
        self.what = what
        self.result = dict(result)
        super().__init__(f"{what} failed: {failure_reason(result)}")


class InputRefused(JobFailed, InputError):
    """A failed result whose error is of kind ``input``: the job was given something unusable."""

    kind = "input"


def raise_if_failed(result, what: str):
    """The result as it is, unless it says its work failed (``"ok": false``): then ``JobFailed``."""
    if isinstance(result, Mapping) and result.get("ok") is False:
        error = result.get("error")
        refused = isinstance(error, Mapping) and error.get("kind") == InputError.kind
        raise (InputRefused if refused else JobFailed)(what, result)
    return result


#: how many of a result's problems the error message names (all stay in ``result``)
SHOWN_PROBLEMS = 5


def failure_reason(result: Mapping[str, Any]) -> str:
    """One line saying why: the result's ``error`` (text or ``{message}``), else its ``problems``."""
    error = result.get("error")
    if isinstance(error, Mapping) and error.get("message"):
        return str(error["message"])
    if isinstance(error, str) and error:
        return error
    problems = [str(p) for p in result.get("problems") or []]
    if problems:
        more = len(problems) - SHOWN_PROBLEMS
        return "; ".join(problems[:SHOWN_PROBLEMS]) + (f"; and {more} more" if more > 0 else "")
    return "the result says it did not succeed (ok: false)"


def step_failure(flow: str, message: str, name: str = "Error", step_id: str = "unknown", hint: str = "") -> dict:
    """What a flow's failure module returns: which step failed and why, with a readable report.

    In Windmill a flow whose failure module ran is still a failed flow; this is
    the result the runs page shows for it.
    """
    message = (message or "no error message").strip()
    step_id, name = step_id or "unknown", name or "Error"
    report = f"## {flow} failed\n\n- step: `{step_id}`\n- error: `{name}`\n\n```\n{message[:2000]}\n```\n{hint}"
    return {"failed": True, "step_id": step_id, "error": {"name": name, "message": message},
            "report": report}


def json_type(value) -> str:
    """A value's type as someone who typed JSON or filled a form says it: "a number", "a list"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "a list"
    return type(value).__name__


def require_text(value, name: str, when_empty: str) -> str:
    """A required text argument, stripped; a wrong type is named ("prompt must be text, got a number")."""
    if value is not None and not isinstance(value, str):
        raise InputError(f"{name} must be text, got {json_type(value)}")
    if not (value or "").strip():
        raise InputError(f"{name} is empty: {when_empty}")
    return value.strip()
