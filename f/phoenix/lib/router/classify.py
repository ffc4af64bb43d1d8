# GENERATED from lib/router/classify.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""Classify a task: type, complexity and Roo domain, with the evidence.

A transparent keyword-and-shape heuristic: each decision comes back with the
cues that made it, so the route trace explains itself. It runs in well under a
millisecond, which matters because it sits on every request's path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..backends.common_settings import ROO_DOMAINS

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

_LISTED_STEP = re.compile(r"(?m)^\s*(?:\d+[.)]|[-*])\s+")
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
    steps = len(_LISTED_STEP.findall(prompt))
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
    """The kind with the most cues (the level adds one to complex or fast); ties go to the
    earlier kind in TASK_TYPES; no cue at all: fast."""
    bonus = "complex" if level == "high" else "fast" if level == "low" else None
    best, best_score = "fast", 0
    for kind in TASK_TYPES:
        score = len(hits.get(kind, ())) + (kind == bonus)
        if score > best_score:
            best, best_score = kind, score
    return best


def _domain(hits: dict[str, list[str]], task_type: str) -> str:
    """The domain with the most cues (a coding task adds one to softwaredevelopment); ties go
    to decisionmaking, then to the earlier domain; no cue at all: decisionmaking."""
    best, best_score = "decisionmaking", 0
    for name in ROO_DOMAINS:
        score = len(hits.get(name, ())) + (task_type == "coding" and name == "softwaredevelopment")
        if score > best_score or (score == best_score > 0 and name == "decisionmaking"):
            best, best_score = name, score
    return best
