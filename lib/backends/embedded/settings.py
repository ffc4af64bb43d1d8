"""The embedded model's name, and its entry of the stack: ``models.embedded``.

Here rather than with the backend, so that what only names the model (the
Roo Code mode's model list) does not bring llama.cpp along.
"""

from __future__ import annotations

from ..common_settings import LocalModel

#: the model's name wherever Phoenix shows it (traces, inventory, the orchestrator's model_selection, Roo's mode)
EMBEDDED_MODEL_NAME = "SmolLM2-135M-Instruct"


class EmbeddedModel(LocalModel):
    """``models.embedded``: without a path, the Phoenix cache's copy of the embedded model."""


#: the entry of the stack's models section this kind reads: models.<name>
ENTRY = ("embedded", EmbeddedModel)
