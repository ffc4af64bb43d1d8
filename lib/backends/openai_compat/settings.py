"""An OpenAI-compatible endpoint's settings: one of ``models.huggingface.endpoints``.

The endpoints sit in the Hugging Face entry of the stack (``hf_gguf``'s), as
the seed has them, so this kind declares no entry of its own.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from ...settings import EnvName, Settings, Url
from ..common_settings import RooDomain


class Endpoint(Settings):
    """One OpenAI-compatible endpoint (``models.huggingface.endpoints[]``): backend ``openai:<name>``."""

    name: Annotated[str, Field(min_length=1)]
    url: Url
    #: empty: the endpoint's own default model
    model: str = ""
    token_env: EnvName = None
    #: the Roo domains it is offered for; empty: every task
    domains: list[RooDomain] = []
    #: the server accepts response_format but answers as it likes: Phoenix asks in the prompt instead
    ignores_response_format: bool = False
