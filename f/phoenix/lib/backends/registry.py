# GENERATED from lib/backends/registry.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""The backend kinds Phoenix knows, and the backend a routing candidate names.

Kinds are registered, not special-cased: each kind's package declares its
``BackendKind`` record (``kinds.py``) in its ``backend.py``, and this module
registers the record of every package ``shipped.py`` names. The policy, the
inventory, the health checks, the OpenAI model list, Thanatos and the router
find a kind through ``kinds()``; tests and benchmarks add one for a while
with ``registered``.
"""

from __future__ import annotations

from contextlib import contextmanager
from importlib import import_module

from ..stack import Stack
from .kinds import BackendKind, Unavailable
from .shipped import SHIPPED

_KINDS: dict[str, BackendKind] = {}


def register(kind: BackendKind) -> BackendKind:
    """Make ``kind`` known; a second kind of the same name is refused (``registered`` replaces one for a while)."""
    if kind.name in _KINDS:
        raise ValueError(f"a backend kind named {kind.name!r} is already registered")
    if not kind.name or ":" in kind.name:
        raise ValueError(f"backend kind name {kind.name!r}: a word, since backend names are <kind>[:<instance>]")
    _KINDS[kind.name] = kind
    return kind


@contextmanager
def registered(kind: BackendKind):
    """``kind`` registered while the block runs, in place of one of the same name (tests, benchmarks)."""
    previous = _KINDS.get(kind.name)
    _KINDS[kind.name] = kind
    try:
        yield kind
    finally:
        if previous is None:
            del _KINDS[kind.name]
        else:
            _KINDS[kind.name] = previous


def kinds() -> tuple[BackendKind, ...]:
    """Every registered kind, in registration order (the policy's order within a place)."""
    return tuple(_KINDS.values())


def kind_of(name: str) -> BackendKind | None:
    """The kind of a backend name (``openai:tgi`` -> the ``openai`` kind), or None when unknown."""
    return _KINDS.get(name.split(":", 1)[0])


def build_backend(stack: Stack, name: str):
    """The backend for a candidate's backend name: ``ollama``, ``openai:<endpoint>``, ..."""
    kind = kind_of(name)
    return kind.build(stack, name) if kind else _unknown(name)


def inspecting_backend(stack: Stack, name: str):
    """The backend an inventory looks through (it never fetches a model)."""
    kind = kind_of(name)
    return kind.inspecting(stack, name) if kind else _unknown(name)


def _unknown(name: str) -> Unavailable:
    return Unavailable(name, f"unknown backend kind {name.split(':', 1)[0]!r}")


def _shipped_kind(package: str) -> BackendKind:
    """The record a shipped package declares (``lib/backends/<package>/backend.py``: ``KIND``)."""
    return import_module(f"{__package__}.{package}.backend").KIND


for _shipped in SHIPPED:
    register(_shipped_kind(_shipped.package))
