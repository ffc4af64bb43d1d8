"""The backend kinds Phoenix ships: the one list a new kind is added to.

A kind lives in its own package, ``lib/backends/<package>/``:

- ``backend.py`` declares its ``BackendKind`` record as ``KIND`` (``kinds.py``
  says what a record holds) next to the backend itself;
- ``settings.py``, when the kind reads settings of its own from the stack,
  declares ``ENTRY = (name, SettingsClass)``: its entry ``models.<name>``.

Naming the package here is its registration: ``registry.py`` registers every
``KIND``, ``settings.py`` puts every ``ENTRY`` into the stack's ``models``
section, and the policy, the inventory, the health checks, the OpenAI model
list, Thanatos and the router find the kind through the registry.

The two halves are imported by name, for Windmill: every script reads the
stack, so the stack must not import the backends, whose modules bring their
client libraries (llama.cpp, huggingface_hub, httpx, ollama) into the lock of
whatever imports them; a settings module imports only pydantic.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Shipped:
    """One kind's package, and whether it has a ``settings.py`` declaring an entry of the stack."""

    package: str
    settings: bool = False


#: Within a place of the policy's order (kinds.PLACES), candidates come in this order;
#: so do the inventory's rows, the health dashboard's and the stack's models section.
SHIPPED = (
    Shipped("phoenixcore", settings=True),
    Shipped("ollama", settings=True),
    Shipped("hf_gguf", settings=True),
    Shipped("openai_compat"),  # its endpoints are in hf_gguf's entry, models.huggingface.endpoints
    Shipped("embedded", settings=True),
)
