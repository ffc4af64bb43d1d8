# GENERATED from lib/router/classify.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""Classify a task: type, complexity and Roo domain, with the evidence.

A transparent keyword-and-shape heuristic: each decision comes back with the
cues that made it, so the route trace explains itself. It runs in well under a
millisecond, which matters because it sits on every request's path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..stack import ROO_DOMAINS

TASK_TYPES = ("reasoning", "coding", "fast", "complex")
COMPLEXITIES = ("low", "medium", "high")

_TYPE_CUES = {
    "coding": ("code", "function", "python", "javascript", "typescript", "bug", "error", "exception",
               "stack trace", "traceback", "compile", "regex", "sql", "script", "class ", "refactor",
               "unit test", "api", "implement", "```", "def ", "import ", "debug", "json", "yaml"),
    "reasoning": ("why", "prove", "explain", "reason", "analy", "compare", "step by step", "logic",
                  "deduce", "infer", "evaluate", "pros and cons", "trade-off", "tradeoff", "should i",
                  "por qué", "explica", "analiza"),
    "complex": ("architecture", "design a", "plan", "strategy", "multi-step", "end-to-end", "migrate",
                "orchestrat", "integrat", "roadmap", "system", "several", "multiple", "arquitectura"),
    "fast": ("translate", "summar", "list ", "define", "what is", "quick", "short", "one word",
             "tl;dr", "rephrase", "spell", "resume", "traduce"),
}

_DOMAIN_CUES = {
    "softwaredevelopment": ("code", "software", "bug", "deploy", "api", "python", "function", "git",
                            "test", "refactor", "windmill", "n8n", "docker", "podman", "script"),
    "dataanalysis": ("data", "dataset", "csv", "statistic", "average", "mean", "trend", "chart",
                     "sql", "table", "metric", "correlat", "pandas", "analy"),
    "decisionmaking": ("decide", "decision", "should", "choose", "option", "trade-off", "tradeoff",
                       "risk", "priorit", "strategy", "pros and cons", "recommend"),
    "education": ("explain", "teach", "learn", "student", "lesson", "beginner", "tutorial",
                  "what is", "how does", "course", "exercise"),
    "scientificresearch": ("research", "hypothes", "experiment", "paper", "study", "scientific",
                           "physics", "biology", "chemistry", "theory", "evidence", "literature"),
}

_HIGH_CUES = ("architecture", "end-to-end", "prove", "design", "migrate", "distributed", "optimi",
              "multi-step", "step by step", "trade-off", "tradeoff", "in depth", "detailed")


@dataclass
class Classification:
    task_type: str
    complexity: str
    domain: str
    cues: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        cues = {key: dict(value) if isinstance(value, dict) else list(value) for key, value in self.cues.items()}
        return {"task_type": self.task_type, "complexity": self.complexity, "domain": self.domain, "cues": cues}


def _hits(text: str, cues: tuple[str, ...]) -> list[str]:
    return [cue for cue in cues if cue in text]


def _hits_by_kind(text: str, table: dict[str, tuple[str, ...]]) -> dict[str, list[str]]:
    """The cues found, for the kinds that have any."""
    return {kind: found for kind, cues in table.items() if (found := [cue for cue in cues if cue in text])}


def classify(prompt: str, task_type: str = "auto", complexity: str = "auto") -> Classification:
    """Decide what was not given; keep what the caller chose."""
    text = prompt.lower()
    type_hits = _hits_by_kind(text, _TYPE_CUES)
    domain_hits = _hits_by_kind(text, _DOMAIN_CUES)
    level, level_cues = _complexity(prompt, text)
    chosen_level = level if complexity == "auto" else complexity
    chosen_type = _task_type(type_hits, chosen_level) if task_type == "auto" else task_type
    domain = _domain(domain_hits, chosen_type)
    given = {k: v for k, v in (("task_type", task_type), ("complexity", complexity)) if v != "auto"}
    cues = {"type": type_hits, "domain": domain_hits, "complexity": level_cues, "given": given}
    return Classification(chosen_type, chosen_level, domain, cues)


def _complexity(prompt: str, text: str) -> tuple[str, list[str]]:
    words = len(prompt.split())
    questions = prompt.count("?")
    steps = len(re.findall(r"(?m)^\s*(?:\d+[.)]|[-*])\s+", prompt))
    evidence = _hits(text, _HIGH_CUES)
    score = (words > 60) + (words > 200) + (questions > 2) + (steps >= 3) + min(len(evidence), 2)
    reasons = [f"{words} words"] + ([f"{questions} questions"] if questions > 2 else []) \
        + ([f"{steps} listed steps"] if steps >= 3 else []) + evidence
    if score >= 3:
        return "high", reasons
    if score >= 1 or words > 25:
        return "medium", reasons
    return "low", reasons


def _task_type(hits: dict[str, list[str]], level: str) -> str:
    scores = {kind: len(hits.get(kind, ())) for kind in TASK_TYPES}
    if level == "high":
        scores["complex"] += 1
    if level == "low":
        scores["fast"] += 1
    best = max(TASK_TYPES, key=lambda kind: (scores[kind], -TASK_TYPES.index(kind)))
    return best if scores[best] > 0 else "fast"


def _domain(hits: dict[str, list[str]], task_type: str) -> str:
    scores = {name: len(hits.get(name, ())) for name in ROO_DOMAINS}
    if task_type == "coding":
        scores["softwaredevelopment"] += 1
    best = max(ROO_DOMAINS, key=lambda name: (scores[name], name == "decisionmaking"))
    return best if scores[best] > 0 else "decisionmaking"
