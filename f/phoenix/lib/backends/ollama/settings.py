# GENERATED from lib/backends/ollama/settings.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""Ollama's entry of the stack: ``models.ollama``, the models to ask for per task category."""

from __future__ import annotations

from ...settings import Names, Settings
from ..common_settings import CATEGORIES


class OllamaModels(Settings):
    """``models.ollama``: what to ask Ollama for, per task category, in order of preference."""

    reasoning: Names = ["llama3:8b", "zamba2-7b-instruct"]
    coding: Names = ["deepseek-coder-v2", "qwen2.5-coder:7b"]
    fast: Names = ["mistral:7b", "gemma:7b"]
    complex: Names = ["mixtral:8x7b"]

    def by_category(self) -> dict[str, list[str]]:
        return {category: list(getattr(self, category)) for category in CATEGORIES}

    def every_model(self) -> list[str]:
        """Every model named, once each, in the stack's order."""
        return list(dict.fromkeys(name for names in self.by_category().values() for name in names))


#: the entry of the stack's models section this kind reads: models.<name>
ENTRY = ("ollama", OllamaModels)
