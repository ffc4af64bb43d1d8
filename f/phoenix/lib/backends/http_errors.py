# GENERATED from lib/backends/http_errors.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""The one place where what an HTTP client raised becomes one of the router's kinds.

Both HTTP backends make every call inside ``mapped(self, model)``, as
httpx makes every httpcore call inside ``map_httpcore_exceptions``:

    with mapped(self, model):
        reply = client.chat(...)

- an error status (the client's own exception carrying it) -> by status,
  ``status_error``: 404 (or "model ... not found") ModelMissing, 401/403
  BackendDown, other 4xx BadRequest, 5xx ServerError;
- the Hugging Face hub's offline mode, connection refused, DNS -> BackendDown;
- a connect or read timeout -> BackendHung;
- a reply that is not the API's JSON -> UnusableOutput;
- a connection broken mid-reply -> ServerError;
- a ``BackendError`` passes as it is; anything else is a bug and leaves with
  its own traceback (the router records it as ``error``).

The Ollama client sits on httpx, huggingface_hub on httpx2 (one exception
tree, two copies). A client library's exception classes are looked up only
if that library is loaded: one never imported raised nothing, and importing
it here would bill a failover ~100 ms for nothing.
"""

from __future__ import annotations

import json
import sys
from typing import Protocol

from ..errors import BackendDown, BackendError, BackendHung, BadRequest, ModelMissing, ServerError, UnusableOutput


class Endpoint(Protocol):
    """Who is called, as messages name it: the HTTP backend itself."""

    name: str       # the backend name: "ollama", "openai:tgi"
    shown_url: str  # its URL with any secret masked (lib/redact.py)
    api: str        # whose JSON its answers are: "Ollama", "OpenAI"


class mapped:
    """Inside it, what a client raises leaves as a ``BackendError`` (module doc).

    A class rather than ``@contextmanager``: it wraps every request, and this
    costs a fifth of a generator-based one.
    """

    __slots__ = ("endpoint", "model")

    def __init__(self, endpoint: Endpoint, model: str | None = None):
        self.endpoint, self.model = endpoint, model

    def __enter__(self) -> "mapped":
        return self

    def __exit__(self, _type, exc, _traceback) -> bool:
        if exc is None or isinstance(exc, BackendError) or not isinstance(exc, Exception):
            return False  # no error, already ours, or an exit (GeneratorExit, KeyboardInterrupt)
        error = backend_error(self.endpoint, exc, self.model)
        if error is None:
            return False  # unexpected: it surfaces as it is
        raise error from exc


def backend_error(endpoint: Endpoint, exc: Exception, model: str | None = None) -> BackendError | None:
    """``exc`` as one of the router's kinds, or None when it is none of the failures above."""
    if isinstance(exc, BackendError):
        return exc
    reply = _error_reply(exc)
    if reply is not None:
        return status_error(endpoint, *reply, model)
    name, url = endpoint.name, endpoint.shown_url
    if isinstance(exc, _loaded("huggingface_hub.errors", "OfflineModeIsEnabled")):
        return BackendDown(name, f"{url} is on the Hugging Face hub and offline mode is on")
    if isinstance(exc, (ConnectionError,) + _http("ConnectError") + _http("ConnectTimeout")):
        return BackendDown(name, f"nothing answers at {url} (connection refused or unreachable)")
    if isinstance(exc, (TimeoutError,) + _http("TimeoutException")):
        return BackendHung(name, f"no answer from {url} before the deadline ({type(exc).__name__})")
    if isinstance(exc, (ValueError, KeyError)):  # json.JSONDecodeError and pydantic's ValidationError are ValueErrors
        return UnusableOutput(name, f"answer is not {endpoint.api} JSON: {str(exc)[:160]}")
    if isinstance(exc, _http("HTTPError")):
        return ServerError(name, f"connection broken: {type(exc).__name__}: {exc}")
    return None


def status_error(endpoint: Endpoint, status: int, text: str, model: str | None = None) -> BackendError:
    """An answer with an error status (``status`` <= 0: an error reported inside a stream)."""
    name, message = endpoint.name, error_text(text)
    if status == 404 or (model and "not found" in message.lower() and model in message):
        return ModelMissing(name, f"model {model or '?'} not found: {message}")
    if status in (401, 403):
        return BackendDown(name, f"refused access (HTTP {status}): {message}")
    # llama-cpp-python's server answers 500 to a body it cannot validate
    if 400 <= status < 500 or "response_format" in message:
        return BadRequest(name, f"request rejected (HTTP {status}): {message}")
    return ServerError(name, f"HTTP {status}: {message}" if status > 0 else message)


def error_text(text) -> str:
    """The message of an error body (``{"error": "..."}``, ``{"error": {"message": ...}}``), else the
    text; on one short line."""
    try:
        document = json.loads(text)
    except (ValueError, TypeError):
        document = None
    if isinstance(document, dict):
        error = document.get("error", document)
        error = error.get("message") if isinstance(error, dict) else error
        text = text if error is None else error
    return " ".join(str(text).split())[:300]


def _error_reply(exc: Exception) -> tuple[int, str] | None:
    """(status, body) of an exception that carries an HTTP answer."""
    if isinstance(exc, _loaded("ollama", "ResponseError")):
        return exc.status_code, exc.error
    if isinstance(exc, _loaded("huggingface_hub.errors", "HfHubHTTPError") + _http("HTTPStatusError")):
        response = getattr(exc, "response", None)
        if response is not None:
            return response.status_code, response.text
    return None


def _http(name: str) -> tuple[type, ...]:
    """Exception class ``name`` of httpx and of httpx2, those loaded."""
    return _loaded("httpx", name) + _loaded("httpx2", name)


def _loaded(module: str, name: str) -> tuple[type, ...]:
    """``module.name`` if that module is loaded, else nothing (module doc)."""
    found = sys.modules.get(module)
    return (getattr(found, name),) if found is not None else ()
