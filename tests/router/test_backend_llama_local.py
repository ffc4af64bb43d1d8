"""In-process GGUF inference: what one model's load or use may hold up, and for how long."""

import shutil
import threading
import time

import pytest

from lib.backends.base import ChatRequest
from lib.backends.llama_local import LocalGGUF
from lib.errors import BackendHung


def _ask():
    return ChatRequest([{"role": "user", "content": "hello"}], max_tokens=4)


def test_a_model_loading_holds_up_neither_other_models_nor_its_callers_past_their_deadline(
        tiny_gguf, tmp_path, monkeypatch):
    # Loading used to happen under the one lock of every kept model: a multi-gigabyte
    # PhoenixCore loading in one thread stopped the embedded model answering in another
    # (Chaos runs one thread per backend), and neither waiter's deadline applied.
    slow = tmp_path / "slow.gguf"
    shutil.copyfile(tiny_gguf, slow)
    loading, release, finished = threading.Event(), threading.Event(), threading.Event()
    original = LocalGGUF._open

    def open_slowly(self):
        if self.path == slow:
            loading.set()
            release.wait(5)
            finished.set()
        return original(self)

    monkeypatch.setattr(LocalGGUF, "_open", open_slowly)
    slow_backend = LocalGGUF("phoenixcore", slow, threads=1)
    loader = threading.Thread(target=lambda: slow_backend.complete(_ask(), None, time.monotonic() + 30))
    loader.start()
    try:
        assert loading.wait(10)
        answer = LocalGGUF("embedded", tiny_gguf, threads=1).complete(_ask(), None, time.monotonic() + 30)
        assert answer.text and not finished.is_set()
        with pytest.raises(BackendHung, match="still loading"):
            slow_backend.complete(_ask(), None, time.monotonic() + 0.2)
        assert not finished.is_set()
    finally:
        release.set()
        loader.join(30)
