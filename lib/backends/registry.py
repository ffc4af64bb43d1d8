"""The backend kinds Phoenix knows, and the backend a routing candidate names.

Kinds are registered, not special-cased: each kind's module declares its
``BackendKind`` record (``kinds.py``) and the end of this module registers
it. Adding a kind is its module plus its registration here; the policy, the
inventory, the health checks, the OpenAI model list, Thanatos and the router
find it through ``kinds()``. Settings of its own in the stack are an entry of
``settings.py``'s ``Models``, named by its record (``BackendKind.settings``).
"""

from __future__ import annotations

from contextlib import contextmanager

from ..stack import Stack
from .embedded import KIND as EMBEDDED
from .hf_gguf import KIND as HF_GGUF
from .kinds import BackendKind, Unavailable
from .ollama_backend import KIND as OLLAMA
from .openai_compat import KIND as OPENAI
from .phoenixcore import KIND as PHOENIXCORE

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


# The kinds Phoenix ships (a new one: its module's KIND imported above and named
# here). Within a place of the policy's order (kinds.PLACES), candidates come in
# this order; so do the inventory's rows and the health dashboard's.
for _kind in (PHOENIXCORE, OLLAMA, HF_GGUF, OPENAI, EMBEDDED):
    register(_kind)
