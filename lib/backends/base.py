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


_KNOWN = {"type", "properties", "required", "additionalProperties", "enum", "minLength", "maxLength",
          "items", "description", "title", "$schema"}
_TYPES = {"string": str, "object": dict, "array": list, "boolean": bool}


def _fits(value, schema) -> bool:
    """True only when ``value`` surely fits ``schema`` (a common subset of JSON Schema).

    It reads the schema itself, so it cannot drift from it; anything it does
    not know (another keyword, a type list) answers False, and the caller
    asks jsonschema, which also words the error.
    """
    if not isinstance(schema, dict) or not set(schema) <= _KNOWN:
        return False
    if "enum" in schema and not any(value == choice and type(value) is type(choice) for choice in schema["enum"]):
        return False
    kind = schema.get("type")
    if kind is None:
        return "enum" in schema
    if kind in ("integer", "number") and isinstance(kind, str):
        allowed = (int,) if kind == "integer" else (int, float)
        return isinstance(value, allowed) and not isinstance(value, bool)
    if not isinstance(kind, str) or kind not in _TYPES or not isinstance(value, _TYPES[kind]):
        return False
    if kind == "string":
        return schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", len(value))
    if kind == "array":
        return "items" in schema and all(_fits(item, schema["items"]) for item in value)
    if kind == "object":
        properties, extra = schema.get("properties", {}), schema.get("additionalProperties", True)
        if extra not in (True, False) or (extra is False and not set(value) <= set(properties)):
            return False
        return all(key in value for key in schema.get("required", ())) and \
            all(_fits(item, properties[key]) for key, item in value.items() if key in properties)
    return True
