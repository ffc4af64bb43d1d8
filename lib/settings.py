"""Typed configuration sections: pydantic models with the stack's rules and its error wording.

The stack (``lib/stack.py``) and the backend kinds' parts of it
(``lib/backends/settings.py``) are ``Settings`` models, as ollama-python types
its requests and replies: each key's type and default are declared once, on
its section, and read as attributes (``stack.routing.priority``).

A ``Settings`` section is strict (``"5"`` is not a number, ``true`` not 1),
closed (an unknown key is an error, not ignored) and frozen (a loaded stack
does not change, so values derived from it can be kept). Patterns use
Python's ``re`` (``re.search``), as JSON Schema validators do. A section's
validator is built when it is first used, and a section that is a part of
another (``section()``) is validated by its parent's: a job builds one
validator for the whole stack, not one per section (a third of the time).

``validated`` turns pydantic's errors into the one ``ConfigError`` Phoenix
has always raised: the source, the dotted key and a reason worded as JSON
Schema words it (``5 is not of type 'string'``, ``unknown key (allowed here:
...)``), so that messages, and the tests and operators reading them, do not
change with the validator. ``json_schema`` is a section's JSON Schema without
``$ref``s, titles or defaults: the Windmill resource type is generated from it.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Annotated, Any, Optional, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from .errors import ConfigError
from .redact import redact
from .yaml_reader import NOT_UNICODE, dotted, shown_key


class Settings(BaseModel):
    """A section of a configuration document: strict, closed and immutable (see the module doc)."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, regex_engine="python-re",
                              validate_by_alias=True, validate_by_name=False, serialize_by_alias=True,
                              defer_build=True)

    def __repr__(self) -> str:  # a value may be a secret put in the wrong place: never shown as written
        return redact(super().__repr__())

    def __str__(self) -> str:
        return redact(super().__str__())


def section() -> Any:
    """A section's default: its own defaults, built by the parent's validator (see ``defer_build``)."""
    return Field(default_factory=dict, validate_default=True)


def _integral(value: Any) -> Any:
    """JSON Schema's integer: ``5.0`` is one (so YAML's ``1e3`` is too), ``true`` is not."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


#: a whole number; ``Annotated[Integer, Field(ge=1)]`` bounds it
Integer = Annotated[int, BeforeValidator(_integral)]
#: an integer or a fraction, kept as written (60 stays 60); never true/false
Number = Union[int, float]
#: a duration: a day at most, since .inf or 1e308 would never end
Seconds = Annotated[Number, Field(gt=0, le=86400)]
Url = Annotated[str, Field(pattern="^https?://")]
#: a list of non-empty names
Names = list[Annotated[str, Field(min_length=1)]]
#: the NAME of an environment variable: a key pasted here instead would be echoed by "variable ... not set"
EnvName = Optional[Annotated[str, Field(pattern="^[A-Za-z_][A-Za-z0-9_]*$")]]
#: the path of a Windmill variable: f/... or u/...
VariablePath = Optional[Annotated[str, Field(pattern="^[fu](/[\\w.-]+)+$")]]


def validated(model: type[Settings], document: dict, label: str) -> Settings:
    """``document`` read as ``model``, or the ConfigError for its first (most specific) problem."""
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        raise config_error(exc, label, json_schema(model)) from None


# -- the error wording -------------------------------------------------------------------------

_TYPE_ERRORS = {"int_type", "int_parsing", "int_from_float", "float_type", "float_parsing", "string_type",
                "bool_type", "bool_parsing", "list_type", "tuple_type", "dict_type", "model_type",
                "model_attributes_type", "none_required", "is_instance_of"}
_BOUNDS = {"greater_than": ("exclusiveMinimum", "is less than or equal to the minimum of"),
           "greater_than_equal": ("minimum", "is less than the minimum of"),
           "less_than": ("exclusiveMaximum", "is greater than or equal to the maximum of"),
           "less_than_equal": ("maximum", "is greater than the maximum of")}
_LIMIT = 300  # a message quotes the offending value: a 100 kB list makes no message


def config_error(exc: ValidationError, label: str, schema: dict) -> ConfigError:
    """The ConfigError for the problem JSON Schema's validators would name first.

    That is the one nearest the top (the fewest keys), then the first by
    key: an operator fixes the outer mistake first, and the choice does not
    depend on the validator's own order.
    """
    problems = [_Problem(error, schema) for error in exc.errors(include_url=False)]
    first = min(problems, key=lambda problem: (len(problem.path), [str(part) for part in problem.path]))
    return first.as_config_error(label, [p for p in problems if p.path == first.path])


class _Problem:
    """One pydantic error, placed where JSON Schema places it and worded as it words it."""

    def __init__(self, error: dict, root: dict):
        self.error, self.root = error, root
        self.type = error["type"]
        loc, self.schema = _leaf(root, list(error["loc"]))
        # a missing key and an unknown one are the object's problems, as in JSON Schema
        self.path = loc[:-1] if self.type in ("missing", "extra_forbidden") else loc
        self.name = loc[-1] if loc else None

    def as_config_error(self, label: str, here: list["_Problem"]) -> ConfigError:
        key = dotted(self.path)
        if self.type == "extra_forbidden":
            unknown = min(str(p.name) for p in here if p.type == "extra_forbidden")
            allowed = ", ".join(sorted(_leaf(self.root, self.path)[1].get("properties", {})))
            return ConfigError(label, ".".join(filter(None, [key, shown_key(unknown)])),
                               f"unknown key (allowed here: {allowed})")
        if self.type == "string_pattern_mismatch":
            # URLs and variable names: the value may be a pasted secret, so it is not repeated
            return ConfigError(label, key or "<top>", f"not a valid value here (must match {self.schema.get('pattern')})")
        return ConfigError(label, key or "<top>", _brief(redact(self.reason())))

    def reason(self) -> str:
        value, schema = self.error.get("input"), self.schema
        if self.type == "missing":
            return f"{self.name!r} is a required property"
        if "const" in schema:  # whatever pydantic tried first (a type, a size), the choice is what was wrong
            return f"{schema['const']!r} was expected"
        if "enum" in schema:
            return f"{value!r} is not one of {schema['enum']!r}"
        if self.type in _BOUNDS or (self.type == "float_type" and _too_big_for_float(value)):
            keyword, words = _BOUNDS.get(self.type, _BOUNDS["less_than_equal"])
            return f"{value!r} {words} {schema.get(keyword)!r}"
        if self.type == "string_too_short":
            return f"{value!r} " + ("should be non-empty" if schema.get("minLength") == 1 else "is too short")
        if self.type == "string_unicode":  # check_plain refuses such a text before: a last guard
            return NOT_UNICODE
        if self.type in _TYPE_ERRORS:
            types = schema.get("type")
            return f"{value!r} is not of type " + ", ".join(repr(t) for t in ([types] if isinstance(types, str)
                                                                               else types or ["?"]))
        return str(self.error.get("msg"))


def _too_big_for_float(value) -> bool:
    """An integer beyond a float's range, given for a number: JSON Schema calls it too big, not a non-number."""
    return isinstance(value, int) and not isinstance(value, bool)


def _leaf(schema: dict, loc: list) -> tuple[list, dict]:
    """The part of ``loc`` that names keys and items, and the schema found there.

    pydantic adds the member of a union it tried (``int``, ``float``) after
    the key; JSON Schema has no such step, so the walk stops at the value's schema.
    """
    here, walked = schema, []
    for part in loc:
        if isinstance(part, int) and "items" in here:
            here = here["items"]
        elif isinstance(part, str) and "properties" in here:
            # an unknown key has no schema of its own: its object's is kept
            if part not in here["properties"]:
                walked.append(part)
                break
            here = here["properties"][part]
        else:
            break
        walked.append(part)
    return walked, here


def _brief(message: str) -> str:
    return message if len(message) <= _LIMIT else message[:_LIMIT] + "..."


# -- the JSON Schema --------------------------------------------------------------------------

_NUMERIC = {"gt": "exclusiveMinimum", "ge": "minimum", "lt": "exclusiveMaximum", "le": "maximum"}
_NULLABLE_TYPES = ("string", "integer", "number", "boolean")


@lru_cache(maxsize=None)
def _cached_schema(model: type[Settings]) -> dict:
    generated = model.model_json_schema()
    return _plain(generated, generated.get("$defs", {}))


def json_schema(model: type[Settings]) -> dict:
    """``model``'s JSON Schema (draft 2020-12) as one tree: no ``$ref``, titles or defaults.

    A nullable value is ``type: [<type>, "null"]`` and a number (an integer
    or a fraction) is ``type: number``, as a person would write them.
    """
    return copy.deepcopy(_cached_schema(model))


def _plain(node, defs: dict):
    if isinstance(node, list):
        return [_plain(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    node = dict(node)
    if "$ref" in node:
        target = defs[node.pop("$ref").rsplit("/", 1)[-1]]
        node = {**target, **node}
    for generated in ("$defs", "title", "default", "description"):  # descriptions are docstrings, for developers
        node.pop(generated, None)
    for short, keyword in _NUMERIC.items():
        if short in node:
            node[keyword] = node.pop(short)
    node = {key: (value if key == "properties" else _plain(value, defs)) for key, value in node.items()}
    if "properties" in node:
        node["properties"] = {name: _plain(sub, defs) for name, sub in node["properties"].items()}
    if "anyOf" in node:
        node = _joined(node)
    if node.get("type") == "object" and "properties" in node:
        node = {"type": "object", "properties": node["properties"], "required": node.get("required", []),
                **{k: v for k, v in node.items() if k not in ("type", "properties", "required")}}
    elif "type" in node:  # the type first, as a person reads it
        node = {"type": node["type"], **{k: v for k, v in node.items() if k != "type"}}
    return node


def _joined(node: dict) -> dict:
    """``anyOf`` of plain types as one ``type``: [integer, number] -> number, [string, null] -> [string, null]."""
    branches, rest = node["anyOf"], {k: v for k, v in node.items() if k != "anyOf"}
    if all(len(branch) == 1 for branch in branches) and {b.get("type") for b in branches} == {"integer", "number"}:
        return {"type": "number", **rest}
    others = [branch for branch in branches if branch != {"type": "null"}]
    if len(branches) == 2 and len(others) == 1 and others[0].get("type") in _NULLABLE_TYPES:
        inner = dict(others[0])
        return {"type": [inner.pop("type"), "null"], **inner, **rest}
    return node
