"""What the backend kinds' settings share: the task categories and Roo domains
models are mapped to, and the settings of a GGUF file run in this process.

Each kind's own entry of the stack's ``models`` section is in its package
(``lib/backends/<kind>/settings.py``); ``settings.py`` puts them together.
"""

from __future__ import annotations

from typing import Annotated, Literal, Optional

from pydantic import Field

from ..settings import Integer, Settings

#: the task categories the Ollama model lists are kept by (the policy looks in them in turn)
CATEGORIES = ("reasoning", "coding", "fast", "complex")
#: the Roo Code domains of the seed's .roo/domains/: hub GGUF files and endpoints are mapped to them
ROO_DOMAINS = ("dataanalysis", "decisionmaking", "education", "scientificresearch", "softwaredevelopment")
RooDomain = Literal[ROO_DOMAINS]
ContextSize = Annotated[Integer, Field(ge=128)]


class LocalModel(Settings):
    """A GGUF file run in this process; a relative path is under the stack root."""

    path: Optional[str] = None
    chat_format: str = "chatml"
    n_ctx: ContextSize = 2048
