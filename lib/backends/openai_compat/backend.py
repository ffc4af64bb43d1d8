"""OpenAI-compatible endpoints (llama.cpp server, TGI, Hugging Face inference
endpoints) through ``huggingface_hub.InferenceClient(base_url=...)``.

Structured output: servers disagree on how to ask for JSON that fits a
schema, and several silently ignore what they do not know. ``InferenceClient``
itself rewrites the OpenAI ``json_schema`` form into TGI's
``{"type": "json_object", "value": schema}``, which llama.cpp's server ignores
("any JSON" comes back). So this backend sends one form both dialects read
(``schema`` for llama.cpp, ``value`` for TGI), validates the answer, and when
the server ignored it retries once with the schema spelled out in the prompt;
still invalid -> UnusableOutput. The form that worked is remembered per
endpoint for the life of the process, so the next request starts with it.

Two ``huggingface_hub`` behaviours are corrected for non-hub hosts only, by
a request hook on its shared HTTP session: offline mode
(``HF_HUB_OFFLINE=1``) blocks *every* request, the operator's own server on
loopback included; and without a token the client sends the user's stored hub
token to whatever URL it talks to. Requests to the hub itself keep the
library's own hook (offline mode still blocks them).

Per request, the client prepares and sends the request (its provider helper
and ``_inner_post``) and this module reads the JSON reply (``_chat``): the
client's own reply objects cost more than everything else it does. Its
streaming path is used as it is. Those and the library's own request hook are
private names of huggingface_hub: ``_hub_internals`` alone touches them.

Errors become the router's kinds in ``http_errors.py`` (shared with Ollama).
As a backend kind (``openai``), each of ``models.huggingface.endpoints`` is a
backend ``openai:<name>``, a candidate for the Roo domains it lists (all when
it lists none), checked by health's ``check_openai_endpoint``.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from functools import lru_cache, partial
from types import SimpleNamespace
from typing import Iterator
from urllib.parse import urlparse

from ...errors import BackendDown, BackendError, BackendHung, BadRequest, UnusableOutput
from ...health.services import check_openai_endpoint
from ...stack import Routing, Stack
from ...redact import shown_url
from ..base import ChatRequest, Completion, Health, remaining, schema_problem, tool_reply
from ..http_errors import mapped, status_error
from ..kinds import Ask, BackendKind, Candidate, HealthProbe, Offer, Unavailable
from .settings import Endpoint

#: a backend built outside a stack (tests, benchmarks) connects within the stack's default
CONNECT_TIMEOUT_S = Routing.model_fields["connect_timeout_s"].default
#: structured-output forms, tried in order; see the module doc
FORMS = ("response_format", "prompt")
_WORKING_FORM: dict[str, str] = {}
#: InferenceClient per (thread, url, headers): building one costs more than the rest of a request
_CLIENTS = threading.local()
_SESSION_LOCK = threading.Lock()
_session_ready = False
_HUB_HOSTS = ("huggingface.co", "hf.co")
_NO_TOKEN = "phoenix-endpoint-without-token"


def from_stack(stack: Stack, key: str):
    name = key.split(":", 1)[1] if ":" in key else ""
    endpoint = stack.models.huggingface.endpoint(name)
    if endpoint:
        return OpenAICompatBackend(key, endpoint.url, model=endpoint.model or None, token_env=endpoint.token_env,
                                   ignores_response_format=endpoint.ignores_response_format,
                                   connect_timeout=stack.routing.connect_timeout_s)
    return Unavailable(key, f"no endpoint named {name!r} in models.huggingface.endpoints")


class OpenAICompatBackend:
    api = "OpenAI"  # whose JSON its answers are, for error messages (http_errors.py)

    def __init__(self, name: str, url: str, *, model: str | None = None, token_env: str | None = None,
                 ignores_response_format: bool = False, connect_timeout: float = CONNECT_TIMEOUT_S):
        self.name = name
        self.url = url.rstrip("/")
        self.shown_url = shown_url(self.url)  # for messages: the URL may carry secrets
        self.model = model
        self.token_env = token_env
        self.ignores_response_format = ignores_response_format
        self.connect_timeout = connect_timeout

    # -- interface ---------------------------------------------------------
    def health(self, timeout: float = 2.0) -> Health:
        started = time.monotonic()
        try:
            models = self.models(timeout)
        except BackendError as exc:
            return Health(False, f"{exc.kind}: {exc}", time.monotonic() - started)
        return Health(True, f"{self.shown_url}: {len(models)} models ({', '.join(models[:3])})",
                      time.monotonic() - started)

    def models(self, timeout: float = 2.0) -> list[str]:
        """``GET /v1/models`` (the OpenAI listing); InferenceClient has no call for it."""
        from huggingface_hub import get_session

        _prepare_session()
        deadline = time.monotonic() + timeout
        with mapped(self):
            response = get_session().get(_models_url(self.url), headers=self._headers(),
                                         timeout=self._timeout(deadline))
        if response.status_code != 200:
            raise status_error(self, response.status_code, response.text)
        try:
            return [str(entry["id"]) for entry in response.json().get("data", [])]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise UnusableOutput(self.name, f"/v1/models answered {response.text[:80]!r}") from exc

    def complete(self, request: ChatRequest, model: str | None, deadline: float) -> Completion:
        if request.json_schema is None or request.tools:  # tools: the server's own function calling
            return self._call(request.messages, request, model, deadline, None)
        return self._structured(request, model, deadline)

    def stream(self, request: ChatRequest, model: str | None, deadline: float) -> Iterator[str]:
        form = self._forms()[0] if request.json_schema is not None else None
        messages, response_format = _shape(request, form, self.ignores_response_format)
        client = self._client(deadline, shared=False)
        try:
            with mapped(self, model or self.model):
                chunks = client.chat_completion(messages, stream=True, response_format=response_format,
                                                **self._arguments(request, model))
                for chunk in chunks:
                    piece = chunk.choices[0].delta.content if chunk.choices else None
                    if piece:
                        yield piece
                    if time.monotonic() > deadline:
                        raise BackendHung(self.name, "stream passed its deadline")
        finally:
            client.close()  # releases the streamed response's connection

    # -- structured output ---------------------------------------------------
    def _forms(self) -> list[str]:
        if self.ignores_response_format:
            return ["prompt"]
        known = _WORKING_FORM.get(self.url)
        return [known] + [f for f in FORMS if f != known] if known else list(FORMS)

    def _structured(self, request: ChatRequest, model: str | None, deadline: float) -> Completion:
        notes, last = [], None
        for form in self._forms():
            messages, response_format = _shape(request, form, self.ignores_response_format)
            try:
                completion = self._call(messages, request, model, deadline, response_format)
            except BadRequest as exc:  # this server refuses that way of asking: try the next
                notes.append(f"{form}: rejected ({str(exc)[:120]})")
                continue
            completion.text = _json_part(completion.text)
            problem = schema_problem(completion.text, request.json_schema)
            if problem and completion.finish_reason == "length":
                problem = "cut off by max_tokens"  # constrained or not, more tokens were needed
            if problem is None:
                _WORKING_FORM[self.url] = form
                completion.notes = notes + [f"structured output via {form}"]
                return completion
            notes.append(f"{form}: answer not valid for the schema ({problem[:120]})")
            last = completion
        error = UnusableOutput(self.name, "no schema-valid JSON: " + "; ".join(notes), last)
        error.retryable = False  # every way of asking was tried already
        raise error

    # -- one HTTP call -------------------------------------------------------
    def _call(self, messages, request: ChatRequest, model, deadline, response_format) -> Completion:
        client = self._client(deadline)
        started = time.monotonic()
        with mapped(self, model or self.model):
            reply = _chat(client, messages, response_format=response_format, **self._arguments(request, model))
        try:
            choice = reply["choices"][0]
            text = choice["message"].get("content") or ""
        except (IndexError, KeyError, TypeError, AttributeError) as exc:
            raise UnusableOutput(self.name, f"answer has no choice with a message: {str(reply)[:120]}") from exc
        if not isinstance(text, str):
            raise UnusableOutput(self.name, f"answer's content is not text: {str(text)[:120]}")
        if request.tools:
            text = tool_reply(text, _tool_calls(choice["message"].get("tool_calls"), self.name))
        usage = reply.get("usage") if isinstance(reply.get("usage"), dict) else {}
        served = model or self.model or str(reply.get("model") or "default")
        return Completion(text=text, backend=self.name, model=served,
                          prompt_tokens=_count(usage, "prompt_tokens"),
                          completion_tokens=_count(usage, "completion_tokens"),
                          seconds=time.monotonic() - started,
                          finish_reason="length" if choice.get("finish_reason") == "length" else "stop")

    def _arguments(self, request: ChatRequest, model: str | None) -> dict:
        arguments = {"max_tokens": request.max_tokens, "temperature": request.temperature,
                     "model": model or self.model}
        if request.seed is not None:
            arguments["seed"] = request.seed
        if request.stop:
            arguments["stop"] = list(request.stop)
        if request.tools:
            arguments["tools"] = request.tools
            arguments["tool_choice"] = request.tool_choice or "auto"
        return arguments

    def _client(self, deadline: float, shared: bool = True):
        """An InferenceClient whose next call is bounded by ``deadline``.

        Shared clients are per thread (their ``timeout`` is set per call);
        a stream gets its own, since closing it is what releases the stream.
        """
        try:
            _prepare_session()
        except ImportError as exc:
            raise BackendDown(self.name, f"huggingface_hub is not installed: {exc}") from exc
        timeout, token = self._timeout(deadline), self._token()
        cache = _CLIENTS.__dict__.setdefault("by_key", {})
        client = cache.get((self.url, token)) if shared else None
        if client is None:
            client = self._new_client(token)
            if shared:
                cache[(self.url, token)] = client
        client.timeout = timeout
        return client

    def _new_client(self, token: str | None):
        # The client is always given a token: without one it reads the hub's token
        # file on every call. Our header replaces what it builds from the token, and
        # an empty header is dropped by the session hook: the placeholder never leaves.
        from huggingface_hub import InferenceClient

        return InferenceClient(base_url=self.url, token=token or _NO_TOKEN, headers=_authorization(token))

    def _headers(self) -> dict:
        return _authorization(self._token())

    def _token(self) -> str | None:
        if not self.token_env:
            return None
        token = os.environ.get(self.token_env)
        if not token:
            raise BackendDown(self.name, f"its token variable {self.token_env} is not set")
        return token

    def _timeout(self, deadline: float):
        import httpx2

        left = remaining(deadline, self.name)
        return httpx2.Timeout(left, connect=min(self.connect_timeout, left))


def _chat(client, messages: list[dict], **parameters) -> dict:
    """What ``client.chat_completion(messages, **parameters)`` asks, answered as the server's JSON.

    The same request, prepared by the client's own provider helper and sent
    through its own ``_inner_post`` (session, headers, timeout, error
    mapping); only the reply is read here instead of by ``chat_completion``,
    which turns it into nested dataclasses that each deep-copy themselves
    (``dataclasses.asdict``): that alone costs as much as the rest of the
    client together (benchmarks/router_overhead.py). A test checks that both
    send the same request, so a new huggingface_hub cannot drift silently.
    """
    hub = _hub_internals()
    reply = json.loads(hub.post(client, hub.prepare(client, messages, {**parameters, "stream": False})))
    if not isinstance(reply, dict):
        raise ValueError(f"expected a JSON object, got {type(reply).__name__}")
    return reply


def _tool_calls(calls, backend: str) -> list[tuple[str, object]]:
    """``(name, arguments)`` of an OpenAI reply's ``tool_calls``; a malformed list is unusable output."""
    try:
        return [(call["function"]["name"], call["function"].get("arguments")) for call in calls or []]
    except (KeyError, TypeError, AttributeError) as exc:
        raise UnusableOutput(backend, f"malformed tool_calls in the answer: {str(calls)[:120]}") from exc


def _authorization(token: str | None) -> dict:
    """Our token, or an empty header that the session hook drops: never the hub's."""
    return {"authorization": f"Bearer {token}" if token else ""}


def _count(usage: dict, key: str) -> int:
    value = usage.get(key)
    return value if type(value) is int and value >= 0 else 0


def _shape(request: ChatRequest, form: str | None, ignores_response_format: bool):
    """The messages and response_format for one way of asking for JSON."""
    schema = request.json_schema
    if form is None or schema is None:
        return request.messages, None
    if form == "response_format":
        # llama.cpp reads "schema", TGI reads "value"; each ignores the other
        return request.messages, {"type": "json_object", "schema": schema, "value": schema}
    instruction = ("Answer with one JSON document only, no prose and no code fence, valid against this "
                   f"JSON Schema:\n{json.dumps(schema, separators=(',', ':'))}")
    system = next((m["content"] for m in request.messages if m.get("role") == "system"), None)
    others = [m for m in request.messages if m.get("role") != "system"]
    messages = [{"role": "system", "content": f"{system}\n\n{instruction}" if system else instruction}] + others
    return messages, None if ignores_response_format else {"type": "json_object"}


_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.S)


def _json_part(text: str) -> str:
    """The JSON inside a code fence or surrounding prose, else the text as is."""
    fenced = _FENCE.match(text)
    if fenced:
        return fenced.group(1)
    stripped = text.strip()
    start, end = stripped.find("{"), stripped.rfind("}")
    if stripped.startswith(("{", "[")) or not 0 <= start < end:
        return stripped
    return stripped[start:end + 1]


def _models_url(url: str) -> str:
    return f"{url}/models" if urlparse(url).path.rstrip("/").endswith("/v1") else f"{url}/v1/models"


@lru_cache(maxsize=64)
def _is_hub(host: str | None) -> bool:
    """Asked by the session hook on every request: the answer per host is cached."""
    from huggingface_hub import constants

    host = (host or "").lower()
    hub = (urlparse(constants.ENDPOINT).hostname or "").lower()
    return host == hub or any(host == h or host.endswith("." + h) for h in _HUB_HOSTS)


def _prepare_session() -> None:
    """Install, once, the hub session's hook that exempts non-hub hosts (module doc)."""
    global _session_ready
    if _session_ready:
        return
    with _SESSION_LOCK:
        if _session_ready:
            return
        import httpx2
        from huggingface_hub import set_client_factory

        library_hooks = _hub_internals().request_hooks

        def hook(request):
            if _is_hub(request.url.host):
                for library_hook in library_hooks:
                    library_hook(request)
            elif request.headers.get("authorization", None) == "":
                del request.headers["authorization"]

        set_client_factory(lambda: httpx2.Client(event_hooks={"request": [hook]}, follow_redirects=True,
                                                 timeout=None, transport=_transport_by_scheme()))
        _session_ready = True


def _transport_by_scheme():
    """httpx2's transport, with TLS set up only when an https request needs it.

    The default transport loads the CA bundle when the session is built
    (~20 ms, in every new process: every Windmill job), which a job talking
    plain http to the operator's own server never uses. Proxies from the
    environment are unaffected: httpx2 mounts its proxy transports in front.
    """
    import httpx2

    class TransportByScheme(httpx2.BaseTransport):
        def __init__(self):
            self._made: dict[bool, httpx2.HTTPTransport] = {}  # by "needs TLS"
            self._lock = threading.Lock()

        def handle_request(self, request):
            return self._for(request.url.scheme).handle_request(request)

        def _for(self, scheme: str):
            secure = scheme != "http"
            made = self._made.get(secure)
            if made is None:
                with self._lock:
                    made = self._made.get(secure) or httpx2.HTTPTransport(verify=secure)
                    self._made[secure] = made
            return made

        def close(self):
            for made in list(self._made.values()):
                made.close()

    return TransportByScheme()


@lru_cache(maxsize=1)
def _hub_internals() -> SimpleNamespace:
    """The private huggingface_hub names this module relies on: used here, and nowhere else.

    - ``prepare(client, messages, parameters)`` and ``post(client, prepared)``:
      how ``InferenceClient.chat_completion`` prepares a request (its provider
      helper) and sends it (``_inner_post``), for ``_chat``;
    - ``request_hooks``: the library's own hooks for hub requests (offline mode,
      request ids), which ``_prepare_session`` keeps for the hub.

    A huggingface_hub that moves one fails here, by name; a test checks that
    ``_chat`` still sends what ``chat_completion`` sends.
    """
    from huggingface_hub.inference._providers import get_provider_helper

    try:  # the hook itself: reading it off a session would build a client (and a TLS context) for nothing
        from huggingface_hub.utils._http import hf_request_event_hook
        request_hooks = [hf_request_event_hook]
    except ImportError:
        from huggingface_hub import get_session

        request_hooks = list(get_session().event_hooks.get("request", []))

    def prepare(client, messages: list[dict], parameters: dict):
        helper = get_provider_helper(client.provider, task="conversational", model=client.model)
        return helper.prepare_request(inputs=messages, parameters=parameters, headers=client.headers,
                                      model=client.model, api_key=client.token)

    def post(client, prepared) -> bytes:
        return client._inner_post(prepared)

    return SimpleNamespace(prepare=prepare, post=post, request_hooks=request_hooks)


# -- the kind -----------------------------------------------------------------
def _endpoints(stack: Stack) -> list[Endpoint]:
    return stack.models.huggingface.endpoints


def _candidates(stack: Stack, ask: Ask) -> list[Offer]:
    return [("main", Candidate(f"openai:{endpoint.name}", endpoint.model or None,
                               f"OpenAI-compatible endpoint {endpoint.name}"))
            for endpoint in _endpoints(stack)
            if not endpoint.domains or ask.task.domain in endpoint.domains]


def _configured(stack: Stack) -> dict[str, list[str]]:
    return {f"openai:{endpoint.name}": [endpoint.model] if endpoint.model else [] for endpoint in _endpoints(stack)}


def _probes(stack: Stack) -> list[HealthProbe]:
    return [HealthProbe(f"backend:openai:{endpoint.name}", "backends", f"endpoint {endpoint.name}",
                        f"openai:{endpoint.name}", partial(check_openai_endpoint, endpoint.url, endpoint.token_env))
            for endpoint in _endpoints(stack)]


KIND = BackendKind(name="openai", label="OpenAI-compatible endpoint", build=from_stack,
                   candidates=_candidates, configured=_configured, probes=_probes,
                   one_model=True)
