# GENERATED from lib/job.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""What makes a script's ``main()`` a Windmill job: its contract checked, its failures raised.

Every entry script (and flow step) under ``f/phoenix/`` is decorated with
``@job``. Two rules, kept here once instead of in every script:

1. **The signature is the contract.** Windmill hands a Python script its
   arguments as they came (a webhook, the API, a schedule) without checking
   them against ``main()``'s annotations, so ``prompt: 5`` or
   ``dry_run: "no"`` would reach the library as they are. Each argument given
   is checked against its annotation first, and a wrong one is refused with
   its name and both types: ``prompt must be text, got a number``.
2. **Failures fail.** A result that says ``"ok": false`` raises
   ``JobFailed`` carrying that result (see ``errors.raise_if_failed``), so
   Windmill marks the job failed, schedule error handlers and a flow's
   failure module run, and ``scripts/run.py`` exits non-zero. Expected
   outcomes (a dry-run plan, "nothing changed") are results.
"""

from __future__ import annotations

import functools
import inspect
import types
import typing
from collections.abc import Mapping

from .errors import InputError, json_type, raise_if_failed

#: the longest refused text an error repeats: a longer one may be a pasted secret
SHOWN_TEXT = 24


def job(main):
    """Decorate a script's ``main``: arguments checked against its annotations, ``ok: false`` raised."""
    signature = inspect.signature(main)
    what = windmill_path(main.__module__)

    @functools.wraps(main)
    def run(*args, **kwargs):
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise InputError(f"{what}: {exc} (main() takes: {', '.join(signature.parameters)})") from None
        hints = typing.get_type_hints(main)
        for name, value in bound.arguments.items():
            bound.arguments[name] = checked(value, hints.get(name), name)
        return raise_if_failed(main(*bound.args, **bound.kwargs), what)

    return run


def windmill_path(module: str) -> str:
    """``f.phoenix.backup.verify`` -> ``f/phoenix/backup/verify``; a flow step names its flow and step."""
    path = module.replace(".", "/")
    flow, _, step = path.partition("__flow/")
    return f"{flow} (step {step})" if step else path


def checked(value, annotation, name: str):
    """``value`` if it fits ``annotation`` (a whole float becomes an int), else InputError."""
    if annotation is None or annotation is typing.Any:
        return value
    origin, parts = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return _one_of_union(value, parts, name)
    if origin is typing.Literal:
        if not any(value == choice and type(value) is type(choice) for choice in parts):
            raise InputError(f"{name} must be one of: {', '.join(map(str, parts))}; got {_shown(value)}")
        return value
    if origin in (list, typing.List) or annotation is list:
        if not isinstance(value, list):
            raise InputError(f"{name} must be a list, got {json_type(value)}")
        item = parts[0] if parts else None
        return [checked(v, item, f"{name}[{i}]") for i, v in enumerate(value)]
    if origin in (dict, Mapping) or annotation in (dict, Mapping) or typing.is_typeddict(annotation):
        if not isinstance(value, Mapping):
            raise InputError(f"{name} must be an object, got {json_type(value)}")
        return value
    return _scalar(value, annotation, name)


_SCALARS = {str: "text", bool: "true or false", int: "a whole number", float: "a number"}


def _scalar(value, annotation, name: str):
    if annotation not in _SCALARS:
        return value  # a type Windmill has no form for: the library checks it
    if annotation is float and type(value) in (int, float):
        return value
    if annotation is int and type(value) is float:
        if value.is_integer():
            return int(value)  # JSON does not tell 2 from 2.0
        raise InputError(f"{name} must be a whole number, got {value!r}")
    if type(value) is not annotation:
        raise InputError(f"{name} must be {_SCALARS[annotation]}, got {json_type(value)}")
    return value


def _one_of_union(value, parts: tuple, name: str):
    if value is None and type(None) in parts:
        return None
    options = [p for p in parts if p is not type(None)]
    if len(options) == 1:
        return checked(value, options[0], name)
    for option in options:
        try:
            return checked(value, option, name)
        except InputError:
            continue
    raise InputError(f"{name}: {json_type(value)} fits none of its types")


def _shown(value) -> str:
    """A refused choice: short text and numbers as they are, anything else by its type."""
    if type(value) in (int, float):
        return repr(value)
    if not isinstance(value, str):
        return json_type(value)
    return repr(value) if len(value) <= SHOWN_TEXT else f"text of {len(value)} characters"
