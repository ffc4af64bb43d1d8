# GENERATED from lib/backends/settings.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""The backend kinds' part of the stack: its ``models`` section, one entry per kind.

Each kind's record names the entry it reads (``BackendKind.settings``,
``kinds.py``): ``models.embedded`` and ``models.phoenixcore`` (a GGUF file run
in this process), ``models.ollama`` (the models to ask Ollama for, per task
category) and ``models.huggingface`` (hub GGUF files per Roo domain, for the
``hf_gguf`` kind, and OpenAI-compatible endpoints, for the ``openai`` kind).

The entries live here rather than in each kind's module because every
script reads the whole stack, and Windmill locks a script with what the
modules it imports may import: a kind's module brings its client libraries
(llama.cpp, huggingface_hub, httpx), these classes only pydantic. A new kind
with settings of its own adds its entry here and names it in its record.
"""

from __future__ import annotations

from typing import Annotated, Literal, Optional

from pydantic import Field

from ..settings import EnvName, Integer, Names, Settings, Url, section

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


class EmbeddedModel(LocalModel):
    """``models.embedded``: without a path, the Phoenix cache's copy of the embedded model."""


class PhoenixCoreModel(LocalModel):
    """``models.phoenixcore``: the operator's own quantized model; without a path, none."""

    path: Optional[str] = "models/quantized/PhoenixCore-4bit-Q5.gguf"
    n_ctx: ContextSize = 4096


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


class HuggingFace(Settings):
    """``models.huggingface``: the hub cache, hub GGUF files (``hf_gguf``) and endpoints (``openai``)."""

    cache_dir: Optional[str] = None
    offline: bool = False
    gguf: HubFilesByDomain = section()
    endpoints: list[Endpoint] = []

    def endpoint(self, name: str) -> Endpoint | None:
        return next((endpoint for endpoint in self.endpoints if endpoint.name == name), None)


class EmbeddingModels(Settings):
    """``models.embeddings``: the one embedding model (lib/router/embeddings.py).

    The first Ollama model named here, else the embedded model in process; never
    one then the other, so vectors stored and queried always compare.
    """

    ollama: Names = []


class Models(Settings):
    """The stack's ``models`` section: each backend kind's entry, and the embedding model."""

    embedded: EmbeddedModel = section()
    phoenixcore: PhoenixCoreModel = section()
    ollama: OllamaModels = section()
    embeddings: EmbeddingModels = section()
    huggingface: HuggingFace = section()
