# GENERATED from lib/router/policy.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""The seed's routing policy: which models to try, in which order, and why.

- ``priority=existing``: the operator's PhoenixCore first (when configured);
- otherwise by task type and complexity: Ollama's models for the task's
  category, then neighbouring categories, then Hugging Face models mapped to
  the task's Roo domain;
- PhoenixCore again as the fallback "existing model";
- the embedded model last, always, so something can always answer.

Ordering only: whether a candidate is healthy is the router's business.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from ..redact import redact
from ..stack import Stack
from .classify import Classification

# Where to look after the task's own category, by complexity.
_NEIGHBOURS = {
    "high": ("complex", "reasoning", "coding", "fast"),
    "medium": ("reasoning", "coding", "complex", "fast"),
    "low": ("fast", "reasoning", "coding", "complex"),
}


@dataclass(frozen=True)
class Candidate:
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


def order_candidates(stack: Stack, task: Classification, priority: str) -> list[Candidate]:
    models = stack["models"]
    phoenixcore = _phoenixcore(stack)
    ordered: list[Candidate] = []
    if priority == "existing" and phoenixcore:
        ordered.append(Candidate("phoenixcore", phoenixcore, "priority=existing prefers PhoenixCore"))
    categories = _categories(task, priority)
    for category in categories:
        for name in models["ollama"].get(category, []):
            ordered.append(Candidate("ollama", name, f"ollama {category} model for a {task.task_type} task"))
    for entry in models["huggingface"]["gguf"].get(task.domain, []):
        ordered.append(Candidate("hf_gguf", f"{entry['repo']}/{entry['file']}",
                                 f"Hugging Face GGUF mapped to Roo domain {task.domain}"))
    for endpoint in models["huggingface"]["endpoints"]:
        if not endpoint.get("domains") or task.domain in endpoint["domains"]:
            ordered.append(Candidate(f"openai:{endpoint['name']}", endpoint.get("model") or None,
                                     f"OpenAI-compatible endpoint {endpoint['name']}"))
    if phoenixcore:
        ordered.append(Candidate("phoenixcore", phoenixcore, "fallback to the existing PhoenixCore"))
    ordered.append(Candidate("embedded", "SmolLM2-135M-Instruct", "embedded model: always last, always there"))
    return _unique(ordered)


def _categories(task: Classification, priority: str) -> list[str]:
    if priority == "speed":
        order = ("fast", task.task_type) + _NEIGHBOURS[task.complexity]
    elif priority == "quality":
        order = ("complex", "reasoning", task.task_type) + _NEIGHBOURS["high"]
    else:
        order = (task.task_type,) + _NEIGHBOURS[task.complexity]
    return list(dict.fromkeys(order))


def _phoenixcore(stack: Stack) -> str | None:
    path = stack.under_root(stack["models"]["phoenixcore"].get("path"))
    return str(path) if path else None


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
