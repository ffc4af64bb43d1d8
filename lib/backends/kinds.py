"""What a backend kind says about itself: one record the rest of Phoenix reads.

A *kind* is a sort of model source (``ollama``, ``openai``, ``hf_gguf``...);
a *backend name* is one source of that kind as the router knows it: the kind
itself, or ``<kind>:<instance>`` (``openai:tgi``). Each kind's package
declares one ``BackendKind`` in its ``backend.py`` (and its entry of the
stack, if any, in its ``settings.py``); ``shipped.py`` names the package and
``registry.py`` registers the record; the policy, the
inventory, the health checks and the router read the records and never name
a provider (as in simonw/llm, where a model registers itself and states what
it can do).

A record says:

- ``build``: the backend a candidate names, from the stack;
- ``candidates``: what the policy may try for a task, each in a *place* of the
  order (``PLACES``): ``preferred`` before everything, ``main`` in the body
  (kinds in registration order), ``fallback`` after it, ``last`` at the very
  end (the embedded model: something can always answer);
- ``configured``: backend name -> the models the stack asks of it (the inventory);
- ``probes``: its components of the health dashboard;
- ``folders``: the folders under the stack root it reads (health reports
  them down when missing, not merely absent);
- ``inspect``: the backend the inventory looks through (default ``build``),
  for kinds whose backend would fetch something a look must not;
- ``model_label``: the model name it reports whatever the candidate says (a
  local file's kind reports its model, not its path), or None;
- ``one_model``: each of its backends serves one model, so the OpenAI API
  lists it, and is asked for it, by the backend's name (``embedded``,
  ``openai:tgi``) rather than ``<backend>:<model>``;
- ``last_resort``: the model that is always there to answer, too small to be
  trusted with a judgement (Thanatos takes its veto as advice).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Callable, Iterable

from ..errors import BackendDown
from ..redact import redact
from ..stack import Stack
from .base import Health

#: where in the order a candidate goes; see the module doc
PLACES = ("preferred", "main", "fallback", "last")


@dataclass(frozen=True)
class Candidate:
    """One thing the router may try: a backend name, the model to ask of it, and why."""

    backend: str
    model: str | None
    reason: str

    def to_dict(self) -> dict:
        """The candidate as the trace shows it (a copy: the caller may change it)."""
        return dict(self._shown)

    @cached_property
    def _shown(self) -> dict:
        # once per candidate (candidate lists are kept per stack), not per request: a token
        # pasted as a model name is masked in the trace like everywhere else
        return {"backend": self.backend, "model": redact(self.model), "reason": redact(self.reason)}

    @property
    def shown_model(self) -> str | None:
        return self._shown["model"]


@dataclass(frozen=True)
class Ask:
    """What the policy asks every kind for: candidates for this task, under this priority."""

    #: the classified task (``lib/router/classify.py``): ``task_type``, ``complexity``, ``domain``
    task: Any
    priority: str
    #: the task categories to look in, in order: the task's own, then its neighbours (the policy's)
    categories: tuple[str, ...]


#: what a kind offers: (place, candidate)
Offer = tuple[str, Candidate]
Check = Callable[[float], "tuple[str, str]"]


@dataclass(frozen=True)
class HealthProbe:
    """One component of the health dashboard a kind contributes (``lib/health/probes.py`` runs it)."""

    component: str  # stable id: "service:ollama", "backend:openai:tgi"
    group: str      # the dashboard section: "services" or "backends"
    label: str      # what the dashboard shows
    backend: str    # the backend name the router knows it by: the finding feeds the router's breakers
    check: Check    # (timeout_s) -> (status, detail)


def _none(*_args) -> list:
    return []


@dataclass(frozen=True)
class BackendKind:
    """Everything Phoenix knows about one kind of model source; see the module doc."""

    name: str
    label: str  # what people read: the inventory's rows
    build: Callable[[Stack, str], Any]
    candidates: Callable[[Stack, Ask], Iterable[Offer]] = _none
    configured: Callable[[Stack], dict[str, list[str]]] = lambda _stack: {}
    probes: Callable[[Stack], list[HealthProbe]] = _none
    folders: Callable[[Stack], list[str]] = _none
    inspect: Callable[[Stack, str], Any] | None = None
    model_label: str | None = None
    one_model: bool = False
    last_resort: bool = False

    def inspecting(self, stack: Stack, name: str):
        """The backend an inventory looks through: it never fetches or downloads."""
        return (self.inspect or self.build)(stack, name)


class Unavailable:
    """Stands in for a backend that cannot be built here (unknown kind, unknown endpoint)."""

    def __init__(self, name: str, reason: str):
        self.name, self.reason = name, reason

    def health(self, timeout: float = 1.0) -> Health:
        return Health(False, self.reason)

    def models(self, timeout: float = 1.0) -> list[str]:
        return []

    def complete(self, request, model, deadline):
        raise BackendDown(self.name, self.reason)

    def stream(self, request, model, deadline):
        raise BackendDown(self.name, self.reason)
