# GENERATED from lib/backends/base.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""The one small interface every model source implements.

The router knows this interface and nothing else: no client library is
imported outside the backend module that wraps it. A backend answers a
``ChatRequest`` before an absolute ``deadline`` (``time.monotonic()`` seconds)
or raises one of the ``BackendError`` kinds from ``lib/errors.py``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterator, Protocol

from ..errors import BackendHung


@dataclass
class ChatRequest:
    messages: list[dict]
    max_tokens: int = 256
    temperature: float = 0.2
    #: a JSON Schema the answer must satisfy (constrained decoding where the
    #: backend supports it), or None for free text
    json_schema: dict | None = None
    seed: int | None = None
    stop: list[str] = field(default_factory=list)
    #: OpenAI-style function definitions, for backends that call tools natively; their
    #: reply is then written as the call-or-answer JSON ``json_schema`` describes
    #: (``tool_reply``), so it is validated like any structured answer
    tools: list[dict] | None = None
    #: "auto", "required" or ``{"type": "function", "function": {"name"}}``
    tool_choice: str | dict | None = None


@dataclass
class Completion:
    text: str
    backend: str
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    finish_reason: str = "stop"
    #: what the backend had to do to get this answer (format translations,
    #: retries), so the trace can say so
    notes: list[str] = field(default_factory=list)


@dataclass
class Health:
    up: bool
    detail: str
    seconds: float = 0.0


class Backend(Protocol):
    """name, health, models, complete, stream."""

    name: str

    def health(self, timeout: float) -> Health: ...

    def models(self, timeout: float) -> list[str]: ...

    def complete(self, request: ChatRequest, model: str | None, deadline: float) -> Completion: ...

    def stream(self, request: ChatRequest, model: str | None, deadline: float) -> Iterator[str]: ...


class NotStarted(BackendHung):
    """The deadline had passed before the backend was called: says nothing about it."""


def remaining(deadline: float, backend: str) -> float:
    """Seconds left before ``deadline``; raise NotStarted when none are."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise NotStarted(backend, "deadline passed before the call could start")
    return left


def tool_reply(content: str, calls: list[tuple[str, object]]) -> str:
    """A native tool-calling reply as the call-or-answer JSON (see lib/openai_api/tools.py):
    ``{"tool_call": {"name", "arguments"}}`` for the first call, else ``{"answer": content}``
    (content already in that form is kept: the prompt describes it too)."""
    if calls:
        name, arguments = calls[0]
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments)
            except ValueError:
                pass  # left as text: the schema check names it
        return json.dumps({"tool_call": {"name": name, "arguments": arguments}})
    try:
        document = json.loads(content)
    except ValueError:
        document = None
    if isinstance(document, dict) and document.keys() & {"tool_call", "answer"}:
        return content
    return json.dumps({"answer": content})


def schema_problem(text: str, schema: dict) -> str | None:
    """Why ``text`` is not a JSON document valid for ``schema``, or None when it is."""
    try:
        document = json.loads(text)
    except ValueError as exc:
        return f"not JSON: {exc}"
    return document_problem(document, schema)


def document_problem(document, schema: dict) -> str | None:
    """Why ``document`` does not fit ``schema``, or None when it does."""
    if _fits(document, schema):  # the common, valid case, without building jsonschema's machinery
        return None
    error = next(_validator(json.dumps(schema, sort_keys=True)).iter_errors(document), None)
    if error is None:
        return None
    where = "/".join(map(str, error.absolute_path)) or "<top>"
    return f"{where}: {error.message[:160]}"


@lru_cache(maxsize=64)
def _validator(schema_text: str):
    """A compiled validator per schema: building one costs far more than using it."""
    import jsonschema

    schema = json.loads(schema_text)
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    return cls(schema)


_KNOWN = frozenset({"type", "properties", "required", "additionalProperties", "enum", "minLength", "maxLength",
                    "items", "description", "title", "$schema"})
_ABSENT = object()


def _fits(value, schema) -> bool:
    """True only when ``value`` surely fits ``schema`` (a common subset of JSON Schema).

    It reads the schema itself, so it cannot drift from it; anything it does
    not know (another keyword, a type list) answers False, and the caller
    asks jsonschema, which also words the error. It runs on every answer the
    router returns, so it is written for speed: exact types (JSON gives no
    subclasses), no temporary sets.
    """
    if type(schema) is not dict or not _KNOWN.issuperset(schema):
        return False
    if "enum" in schema and not any(value == choice and type(value) is type(choice) for choice in schema["enum"]):
        return False
    kind = schema.get("type")
    if kind is None:
        return "enum" in schema
    if kind == "string":
        return type(value) is str and schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", len(value))
    if kind == "object":
        return type(value) is dict and _object_fits(value, schema)
    if kind == "array":
        return type(value) is list and "items" in schema and all(_fits(item, schema["items"]) for item in value)
    if kind == "integer":
        return type(value) is int
    if kind == "number":
        return type(value) in (int, float)
    return kind == "boolean" and type(value) is bool


def _object_fits(value: dict, schema: dict) -> bool:
    properties, extra = schema.get("properties", {}), schema.get("additionalProperties", True)
    if type(properties) is not dict or extra not in (True, False):
        return False
    if extra is False and not properties.keys() >= value.keys():
        return False
    for key in schema.get("required", ()):
        if key not in value:
            return False
    for key, item in value.items():
        sub = properties.get(key, _ABSENT)
        if sub is not _ABSENT and not _fits(item, sub):
            return False
    return True
