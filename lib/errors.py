"""Exception hierarchy shared by every Phoenix capability.

Callers catch at the level they care about: ``PhoenixError`` for anything we
raise on purpose, ``ConfigError`` for a bad stack or agent file, and the
``BackendError`` family for a model source that could not answer. Each backend
failure names its *kind* so the router can decide whether a retry can help and
the trace can say plainly what happened.
"""

from __future__ import annotations


class PhoenixError(Exception):
    """Base of every error Phoenix raises deliberately.

    Its text goes through ``redact``: an error ends up in traces, job logs and
    saved state, and a token put in the wrong place must not ride along.
    """

    def __init__(self, *args):
        from .redact import redact

        super().__init__(*(redact(arg) if isinstance(arg, str) else arg for arg in args))


class ConfigError(PhoenixError):
    """A configuration document is malformed, unknown or inconsistent.

    The message always names the file, the key (a dotted path) and the reason,
    so an operator can fix it without reading code.
    """

    def __init__(self, source: str, key: str, reason: str):
        from .redact import redact

        self.source, self.key, self.reason = redact(source), redact(key), redact(reason)
        where = f"{self.source}: {self.key}" if self.key else self.source
        super().__init__(f"{where}: {self.reason}")


class InputError(PhoenixError, ValueError):
    """An argument given to a script is unusable (empty prompt, bad choice)."""


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

    def __init__(self, attempts: list[dict]):
        self.attempts = attempts
        lines = [f"  - {a['backend']}:{a.get('model') or '-'} {a['outcome']}: {a.get('error', '')}"
                 for a in attempts]
        super().__init__("no backend could answer:\n" + "\n".join(lines))
