# GENERATED from lib/router/policy.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""The seed's routing policy: which models to try, in which order, and why.

Every backend kind offers its candidates for the task
(``BackendKind.candidates``, lib/backends/kinds.py), each in a place of the
order: ``preferred``, ``main``, ``fallback``, ``last``. The policy puts them in
that order (kinds in registration order within a place) and drops repeats.
With the kinds Phoenix ships, that is the seed's policy:

- ``priority=existing``: the operator's PhoenixCore first (when configured);
- otherwise by task type and complexity: Ollama's models for the task's
  category, then neighbouring categories (``_categories``), then Hugging Face
  models mapped to the task's Roo domain, then the OpenAI-compatible
  endpoints serving it;
- PhoenixCore again as the fallback "existing model";
- the embedded model last, always, so something can always answer.

Ordering only: whether a candidate is healthy is the router's business.
"""

from __future__ import annotations

from ..backends.kinds import PLACES, Ask, Candidate
from ..backends.registry import kinds
from ..stack import Stack
from .classify import Classification

# Where to look after the task's own category, by complexity.
_NEIGHBOURS = {
    "high": ("complex", "reasoning", "coding", "fast"),
    "medium": ("reasoning", "coding", "complex", "fast"),
    "low": ("fast", "reasoning", "coding", "complex"),
}
_RANK = {place: rank for rank, place in enumerate(PLACES)}


def order_candidates(stack: Stack, task: Classification, priority: str) -> list[Candidate]:
    ask = Ask(task, priority, _categories(task, priority))
    offers = [(_rank(kind.name, place), candidate)
              for kind in kinds() for place, candidate in kind.candidates(stack, ask)]
    offers.sort(key=lambda offer: offer[0])  # stable: within a place, the kinds' order
    return _unique([candidate for _, candidate in offers])


def _rank(kind: str, place: str) -> int:
    try:
        return _RANK[place]
    except KeyError:
        raise ValueError(f"backend kind {kind!r} offered a candidate in place {place!r}, "
                         f"not one of {', '.join(PLACES)}") from None


def _categories(task: Classification, priority: str) -> tuple[str, ...]:
    if priority == "speed":
        order = ("fast", task.task_type) + _NEIGHBOURS[task.complexity]
    elif priority == "quality":
        order = ("complex", "reasoning", task.task_type) + _NEIGHBOURS["high"]
    else:
        order = (task.task_type,) + _NEIGHBOURS[task.complexity]
    return tuple(dict.fromkeys(order))


def _unique(candidates: list[Candidate]) -> list[Candidate]:
    seen, kept = set(), []
    for candidate in candidates:
        key = (candidate.backend, candidate.model)
        if key not in seen:
            seen.add(key)
            kept.append(candidate)
    return kept


def prefer_first(candidates: list[Candidate], prefer: list[str] | None) -> list[Candidate]:
    """Stable reorder: candidates named in ``prefer`` (backend or backend:model) first."""
    if not prefer:
        return candidates
    def rank(candidate: Candidate) -> int:
        for position, name in enumerate(prefer):
            if name in (candidate.backend, f"{candidate.backend}:{candidate.model}"):
                return position
        return len(prefer)
    return sorted(candidates, key=rank)
