# GENERATED from lib/backends/embedded/settings.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""The embedded model's entry of the stack: ``models.embedded``."""

from __future__ import annotations

from ..common_settings import LocalModel


class EmbeddedModel(LocalModel):
    """``models.embedded``: without a path, the Phoenix cache's copy of the embedded model."""


#: the entry of the stack's models section this kind reads: models.<name>
ENTRY = ("embedded", EmbeddedModel)
