"""The backend kinds' part of the stack: its ``models`` section.

One entry per kind that reads settings of its own, declared in the kind's
package (``lib/backends/<kind>/settings.py``: ``ENTRY``) and put together
here from the kinds ``shipped.py`` names: ``models.phoenixcore`` and
``models.embedded`` (a GGUF file run in this process), ``models.ollama`` (the
models to ask Ollama for, per task category) and ``models.huggingface`` (hub
GGUF files per Roo domain for ``hf_gguf``, and OpenAI-compatible endpoints
for ``openai``). Beside them, ``models.embeddings``: the one embedding model,
which is not a kind's.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from pydantic import create_model

from ..settings import Names, Settings, section
from .shipped import SHIPPED


class EmbeddingModels(Settings):
    """``models.embeddings``: the one embedding model (lib/router/embeddings.py).

    The first Ollama model named here, else the embedded model in process; never
    one then the other, so vectors stored and queried always compare.
    """

    ollama: Names = []


def kind_entries() -> dict[str, type[Settings]]:
    """Each shipped kind's entry of the models section: name -> its settings, in the shipped order."""
    entries: dict[str, type[Settings]] = {}
    for shipped in SHIPPED:
        if shipped.settings:
            name, settings = import_module(f"{__package__}.{shipped.package}.settings").ENTRY
            if name in entries or name == "embeddings":
                raise ValueError(f"backend package {shipped.package!r}: models.{name} is declared twice")
            entries[name] = settings
    return entries


def _models_section() -> type[Settings]:
    fields: dict[str, Any] = {name: (settings, section()) for name, settings in kind_entries().items()}
    fields["embeddings"] = (EmbeddingModels, section())
    return create_model("Models", __base__=Settings, __module__=__name__,
                        __doc__="The stack's models section: each backend kind's entry, and the embedding model.",
                        **fields)


#: the stack's ``models`` section
Models = _models_section()
