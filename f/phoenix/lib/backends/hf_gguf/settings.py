# GENERATED from lib/backends/hf_gguf/settings.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""The Hugging Face entry of the stack: ``models.huggingface``.

Its ``gguf`` files are this kind's candidates; its ``endpoints`` are the
``openai`` kind's (declared with that kind, ``openai_compat/settings.py``).
"""

from __future__ import annotations

from typing import Annotated, Optional

from pydantic import Field

from ...settings import Settings, section
from ..common_settings import ROO_DOMAINS, ContextSize
from ..openai_compat.settings import Endpoint


class HubFile(Settings):
    """One GGUF file of a Hugging Face repo (``models.huggingface.gguf.<domain>[]``)."""

    repo: Annotated[str, Field(pattern="^[^/\\s]+/[^/\\s]+$")]
    file: Annotated[str, Field(min_length=1)]
    chat_format: str = "chatml"
    n_ctx: ContextSize = 4096

    @property
    def model(self) -> str:
        """The name a candidate asks for: ``<org>/<name>/<file>``."""
        return f"{self.repo}/{self.file}"


class HubFilesByDomain(Settings):
    """``models.huggingface.gguf``: the hub GGUF files offered for tasks of each Roo domain."""

    dataanalysis: list[HubFile] = []
    decisionmaking: list[HubFile] = []
    education: list[HubFile] = []
    scientificresearch: list[HubFile] = []
    softwaredevelopment: list[HubFile] = []

    def for_domain(self, domain: str) -> list[HubFile]:
        return list(getattr(self, domain)) if domain in ROO_DOMAINS else []

    def every_file(self) -> list[HubFile]:
        """Every entry, domain by domain (a file mapped to two domains comes twice)."""
        return [entry for domain in ROO_DOMAINS for entry in getattr(self, domain)]


class HuggingFace(Settings):
    """``models.huggingface``: the hub cache, hub GGUF files (``hf_gguf``) and endpoints (``openai``)."""

    cache_dir: Optional[str] = None
    offline: bool = False
    gguf: HubFilesByDomain = section()
    endpoints: list[Endpoint] = []

    def endpoint(self, name: str) -> Endpoint | None:
        return next((endpoint for endpoint in self.endpoints if endpoint.name == name), None)


#: the entry of the stack's models section this kind reads: models.<name>
ENTRY = ("huggingface", HuggingFace)
