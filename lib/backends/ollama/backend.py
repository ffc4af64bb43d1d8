"""Ollama, through the official ``ollama`` client.

- Every call has an explicit timeout (the client's default is to wait
  forever): connecting gets at most ``connect_timeout`` seconds so a dead host
  is found quickly, reading gets what is left before the caller's deadline.
- One ``ollama.Client`` (and its connection pool) per server URL is kept for
  the life of the process. Its transport takes each request's timeout from a
  context variable set by the call, so one client serves calls with different
  deadlines, in several threads, without rebuilding an httpx client (which
  costs more than everything else the router does per request). Being our
  own, that transport ignores HTTP(S)_PROXY: Ollama is on the operator's
  machine or LAN.
- Structured output goes through ``format=<JSON schema>``.
- The model list is ``/api/tags`` (cached for ``TAGS_TTL_S``: the inventory
  and the health probe ask often; while fresh, a model it lacks is reported
  missing without a chat round trip); the version is ``GET /api/version``,
  which the client has no method for.

Errors become the router's kinds in ``http_errors.py`` (shared with the
OpenAI-compatible backend): connection refused -> down, timeout -> hung, 404
"model ... not found" -> model missing (skipped, not retried), 5xx and broken
connections -> server error, a body that is not the JSON the API promises ->
unusable output.

As a backend kind (``ollama``), its candidates are the stack's
``models.ollama`` lists, by task category in the policy's order; its health
check is ``check_ollama`` (every model the policy names is there).
"""

from __future__ import annotations

import contextvars
import threading
import time
from functools import partial
from typing import Iterator

from ...errors import BackendDown, BackendError, BackendHung, ModelMissing, UnusableOutput
from ...health.services import check_ollama
from ...stack import Routing, Stack
from ...redact import shown_url
from ..base import ChatRequest, Completion, Health, remaining, tool_reply
from ..http_errors import mapped, status_error
from ..kinds import Ask, BackendKind, Candidate, HealthProbe, Offer

#: a backend built outside a stack (tests, benchmarks) connects within the stack's default
CONNECT_TIMEOUT_S = Routing.model_fields["connect_timeout_s"].default
TAGS_TTL_S = 5.0
_CLIENTS: dict[str, object] = {}
_HTTP: dict[str, object] = {}  # plain httpx clients on the same transports, for /api/version
_TAGS: dict[str, tuple[float, list[str]]] = {}
_LOCK = threading.Lock()
#: the httpx timeout of the request being made in this context (see _DeadlineTransport)
_TIMEOUT: contextvars.ContextVar = contextvars.ContextVar("phoenix_ollama_timeout", default=None)


def from_stack(stack: Stack, key: str) -> "OllamaBackend":
    return OllamaBackend(stack.service_url("ollama"), name=key, connect_timeout=stack.routing.connect_timeout_s)


class OllamaBackend:
    api = "Ollama"  # whose JSON its answers are, for error messages (http_errors.py)

    def __init__(self, url: str, *, name: str = "ollama", connect_timeout: float = CONNECT_TIMEOUT_S):
        self.name = name
        self.url = url.rstrip("/")
        self.shown_url = shown_url(self.url)  # for messages: the URL may carry secrets
        self.connect_timeout = connect_timeout

    # -- interface ---------------------------------------------------------
    def health(self, timeout: float = 2.0) -> Health:
        started = time.monotonic()
        try:
            version = self.version(timeout)
            models = self.models(max(0.05, timeout - (time.monotonic() - started)))
        except BackendError as exc:
            return Health(False, f"{exc.kind}: {exc}", time.monotonic() - started)
        return Health(True, f"Ollama {version} at {self.shown_url}, {len(models)} models",
                      time.monotonic() - started)

    def version(self, timeout: float = 2.0) -> str:
        """``GET /api/version``: the ollama client has no method for it."""
        self._client(time.monotonic() + timeout)
        try:
            with mapped(self):
                response = _HTTP[self.url].get(f"{self.url}/api/version")
        finally:
            _TIMEOUT.set(None)
        if response.status_code != 200:
            raise status_error(self, response.status_code, response.text)
        try:
            return str(response.json()["version"])
        except (ValueError, KeyError, TypeError) as exc:
            raise UnusableOutput(self.name, f"/api/version answered {response.text[:80]!r}") from exc

    def models(self, timeout: float = 2.0) -> list[str]:
        cached = _TAGS.get(self.url)
        if cached and time.monotonic() - cached[0] < TAGS_TTL_S:
            return list(cached[1])
        client = self._client(time.monotonic() + timeout)
        try:
            with mapped(self):
                listed = client.list()
        finally:
            _TIMEOUT.set(None)
        names = [m.model for m in listed.models if m.model]
        _TAGS[self.url] = (time.monotonic(), names)
        return names

    def complete(self, request: ChatRequest, model: str | None, deadline: float) -> Completion:
        model = self._model(model)
        self._known_missing(model)
        client = self._client(deadline)
        started = time.monotonic()
        try:
            with mapped(self, model):
                if request.tools:  # Ollama's own tool calling; the reply is checked against the call schema
                    reply = client.chat(model=model, messages=request.messages, stream=False,
                                        tools=request.tools, options=_options(request))
                else:
                    reply = client.chat(model=model, messages=request.messages, stream=False,
                                        format=request.json_schema, options=_options(request))
        finally:
            _TIMEOUT.set(None)
        text = reply.message.content or ""
        if request.tools:
            text = tool_reply(text, [(call.function.name, call.function.arguments)
                                     for call in reply.message.tool_calls or []])
        completion = Completion(text=text, backend=self.name, model=model,
                                prompt_tokens=reply.prompt_eval_count or 0,
                                completion_tokens=reply.eval_count or 0,
                                seconds=time.monotonic() - started,
                                finish_reason=_finish(reply.done_reason))
        if request.json_schema is not None and not request.tools and completion.finish_reason == "length":
            # (with tools the JSON is written here whole, around whatever text came)
            raise UnusableOutput(self.name, "JSON answer cut off by max_tokens", completion)
        return completion

    def stream(self, request: ChatRequest, model: str | None, deadline: float) -> Iterator[str]:
        model = self._model(model)
        self._known_missing(model)
        client = self._client(deadline)
        with mapped(self, model):
            parts = client.chat(model=model, messages=request.messages, stream=True,
                                format=request.json_schema, options=_options(request))
            for part in parts:
                piece = part.message.content or ""
                if piece:
                    yield piece
                if time.monotonic() > deadline and not part.done:
                    parts.close()
                    raise BackendHung(self.name, "stream passed its deadline")

    # -- internals ---------------------------------------------------------
    def _model(self, model: str | None) -> str:
        if not model:
            raise ModelMissing(self.name, "no Ollama model named for this candidate")
        return model

    def _known_missing(self, model: str) -> None:
        """Skip the round trip when a fresh ``/api/tags`` listing already says no."""
        cached = _TAGS.get(self.url)
        if cached and time.monotonic() - cached[0] < TAGS_TTL_S and _tagged(model) not in map(_tagged, cached[1]):
            raise ModelMissing(self.name, f"model {model} not found: not in /api/tags of {self.shown_url}")

    def _timeout(self, deadline: float):
        import httpx

        left = remaining(deadline, self.name)
        return httpx.Timeout(left, connect=min(self.connect_timeout, left))

    def _client(self, deadline: float):
        """The shared client, with this context's requests bounded by ``deadline``."""
        timeout = self._timeout(deadline)
        client = _CLIENTS.get(self.url)
        if client is None:
            with _LOCK:
                if self.url not in _CLIENTS:
                    _CLIENTS[self.url], _HTTP[self.url] = _new_clients(self.url, self.name)
                client = _CLIENTS[self.url]
        _TIMEOUT.set(timeout)
        return client


def _tagged(model: str) -> str:
    """Ollama's implicit tag: ``mistral`` is ``mistral:latest``."""
    return model if ":" in model else f"{model}:latest"


def _options(request: ChatRequest) -> dict:
    options = {"num_predict": request.max_tokens, "temperature": request.temperature}
    if request.seed is not None:
        options["seed"] = request.seed
    if request.stop:
        options["stop"] = list(request.stop)
    return options


def _finish(done_reason: str | None) -> str:
    return "length" if done_reason == "length" else "stop"


def _new_clients(url: str, name: str):
    """The ollama client and a plain httpx client, sharing one deadline-aware transport.

    For plain http the transport skips building a TLS context: loading the CA
    bundle costs 15-60 ms, paid by every new process (every Windmill job).
    """
    try:
        import httpx
        import ollama
    except ImportError as exc:
        raise BackendDown(name, f"the ollama client is not installed: {exc}") from exc
    transport = _DeadlineTransport(verify=url.startswith("https:"))
    return ollama.Client(host=url, transport=transport), httpx.Client(transport=transport)


def _DeadlineTransport(verify: bool):
    """An httpx transport that applies the timeout of the current context to each request.

    httpx reads a request's timeout from ``request.extensions["timeout"]``
    (documented); the client's own default is None (forever) and is never used.
    """
    import httpx

    class DeadlineTransport(httpx.HTTPTransport):
        def handle_request(self, request):
            timeout = _TIMEOUT.get()
            if timeout is None:
                raise httpx.ReadTimeout("no deadline set for this request", request=request)
            request.extensions["timeout"] = timeout.as_dict()
            return super().handle_request(request)

    return DeadlineTransport(retries=0, verify=verify)


# -- the kind -----------------------------------------------------------------
def _candidates(stack: Stack, ask: Ask) -> list[Offer]:
    lists = stack.models.ollama.by_category()
    return [("main", Candidate("ollama", name, f"ollama {category} model for a {ask.task.task_type} task"))
            for category in ask.categories for name in lists.get(category, [])]


def _wanted(stack: Stack) -> list[str]:
    """Every model the stack's policy may ask of Ollama, once each, in the stack's order."""
    return stack.models.ollama.every_model()


def _probes(stack: Stack) -> list[HealthProbe]:
    return [HealthProbe("service:ollama", "services", "Ollama", "ollama",
                        partial(check_ollama, stack.service_url("ollama"), sorted(_wanted(stack))))]


KIND = BackendKind(name="ollama", label="Ollama", build=from_stack, candidates=_candidates,
                   configured=lambda stack: {"ollama": _wanted(stack)}, probes=_probes)
