"""In-process GGUF inference with llama-cpp-python.

Used for PhoenixCore (the operator's own quantized model), the embedded
default model and Hugging Face hub GGUF files. One ``Llama`` is kept per
(file, parameters) for the life of the process and calls to it are serialized
(a llama.cpp context is not thread-safe). Threads default to cores - 1: on a
shared 2-core machine using every core collapses throughput. Every generation
is bounded by the caller's wall-clock deadline, checked between tokens.
"""

from __future__ import annotations

import atexit
import os
import threading
import time
from pathlib import Path
from typing import Iterator

from ..errors import BackendDown, BackendHung, BadRequest, ServerError, UnusableOutput
from .base import ChatRequest, Completion, Health, remaining
from .model_files import file_identity

REPEAT_PENALTY = 1.1
_MODELS: dict[tuple, tuple[object, threading.Lock]] = {}
_MODELS_LOCK = threading.Lock()  # guards the dicts only, never held while a model loads
_LOADING: dict[tuple, threading.Lock] = {}  # one per file: a second caller waits for the first load


@atexit.register
def _close_models() -> None:
    """Free the kept models while llama_cpp still works: left to garbage
    collection at interpreter exit, each one prints a TypeError traceback."""
    with _MODELS_LOCK:
        for llama, _lock in _MODELS.values():
            llama.close()
        _MODELS.clear()


class CorruptModel(ServerError):
    """The model file exists but llama.cpp cannot use it."""

    kind = "corrupt_model"
    retryable = False

    def __init__(self, backend: str, message: str, path: Path | None = None):
        super().__init__(backend, message)
        #: the router remembers this file, not the backend or model name (see model_files.py)
        self.file_key = file_identity(path)


class ModelFileMissing(BackendDown):
    """No file where the stack says the model is."""

    def __init__(self, backend: str, message: str, path: Path | None = None):
        super().__init__(backend, message)
        self.file_key = file_identity(path)


def _refusals_mapped(name: str, chunks):
    """llama.cpp's chunks, with its ValueError for this request (a prompt longer than the
    context, a schema it cannot turn into a grammar) as BadRequest: unmapped, it counted as
    the backend failing and opened its breaker for every later request."""
    try:
        yield from chunks
    except ValueError as exc:
        raise BadRequest(name, f"llama.cpp refused the request: {exc}") from exc


def default_threads() -> int:
    return max(1, (os.cpu_count() or 2) - 1)


def stack_threads(stack) -> int:
    """``routing.threads``, else ``default_threads()``."""
    return stack.routing.threads or default_threads()


class LocalGGUF:
    """A GGUF file run in this process."""

    def __init__(self, name: str, path: Path | None, *, chat_format: str = "chatml",
                 n_ctx: int = 2048, threads: int | None = None, label: str | None = None):
        self.name = name
        self.path = Path(path) if path else None
        self.chat_format = chat_format
        self.n_ctx = n_ctx
        self.threads = threads or default_threads()
        self.label = label or (self.path.name if self.path else name)

    # -- interface ---------------------------------------------------------
    def health(self, timeout: float = 1.0) -> Health:
        started = time.monotonic()
        try:
            self._check_file()
        except (BackendDown, CorruptModel) as exc:
            return Health(False, str(exc), time.monotonic() - started)
        return Health(True, f"{self.path} ({self.path.stat().st_size} bytes)", time.monotonic() - started)

    def models(self, timeout: float = 1.0) -> list[str]:
        return [self.label] if self.path and self.path.is_file() else []

    def model_file(self, model: str | None) -> Path | None:
        """The file a request would load (the router keys what it learns about it by the file)."""
        return self.path

    def complete(self, request: ChatRequest, model: str | None, deadline: float) -> Completion:
        started = time.monotonic()
        pieces, usage = [], {"prompt_tokens": 0, "finish": "stop"}
        for piece in self._generate(request, deadline, usage):
            pieces.append(piece)
        completion = Completion(text="".join(pieces), backend=self.name, model=self.label,
                                prompt_tokens=usage["prompt_tokens"], completion_tokens=usage["tokens"],
                                seconds=time.monotonic() - started, finish_reason=usage["finish"])
        if request.json_schema is not None and usage["finish"] == "length":
            raise UnusableOutput(self.name, "JSON answer cut off by max_tokens", completion)
        return completion

    def stream(self, request: ChatRequest, model: str | None, deadline: float) -> Iterator[str]:
        return self._generate(request, deadline, {})

    # -- internals ---------------------------------------------------------
    def _check_file(self) -> None:
        if self.path is None:
            raise BackendDown(self.name, "no model file configured")
        if not self.path.is_file():
            raise ModelFileMissing(self.name, f"model file not found: {self.path}", self.path)
        with open(self.path, "rb") as handle:
            magic = handle.read(4)
        if magic != b"GGUF":
            raise CorruptModel(self.name, f"not a GGUF file (bad magic {magic!r}): {self.path}", self.path)

    def _generate(self, request: ChatRequest, deadline: float, usage: dict) -> Iterator[str]:
        llama, lock = self._load(deadline)
        if not lock.acquire(timeout=remaining(deadline, self.name)):
            raise BackendHung(self.name, "model busy with another request until the deadline")
        try:
            usage["tokens"] = 0
            chunks = _refusals_mapped(self.name, llama.create_chat_completion(stream=True, **self._chat_args(request)))
            for chunk in chunks:
                choice = chunk["choices"][0]
                piece = choice["delta"].get("content") or ""
                if piece:
                    usage["tokens"] += 1
                    yield piece
                if choice.get("finish_reason"):
                    usage["finish"] = choice["finish_reason"]
                if time.monotonic() > deadline:
                    chunks.close()
                    raise BackendHung(self.name, f"generation passed its deadline after {usage['tokens']} tokens")
            # n_tokens counts the prompt and what was generated from it.
            usage["prompt_tokens"] = max(0, int(getattr(llama, "n_tokens", 0)) - usage["tokens"])
        finally:
            lock.release()

    def _chat_args(self, request: ChatRequest) -> dict:
        args = {"messages": request.messages, "max_tokens": request.max_tokens,
                "temperature": request.temperature, "stop": request.stop or None,
                # small models loop ("1. 1. 1.") without a mild penalty
                "repeat_penalty": REPEAT_PENALTY}
        if request.seed is not None:
            args["seed"] = request.seed
        if request.json_schema is not None:
            # The OpenAI "json_schema" form is silently ignored by llama-cpp-python:
            # only this form constrains decoding.
            args["response_format"] = {"type": "json_object", "schema": request.json_schema}
        return args

    def _load(self, deadline: float):
        """The kept model and its lock, loading it first if needed; waiting for another
        caller's load of the same file is bounded by ``deadline``, other files load meanwhile."""
        self._check_file()
        key = (str(self.path), self.path.stat().st_mtime_ns, self.chat_format, self.n_ctx, self.threads)
        with _MODELS_LOCK:
            if key in _MODELS:
                return _MODELS[key]
            loading = _LOADING.setdefault(key, threading.Lock())
        if not loading.acquire(timeout=remaining(deadline, self.name)):
            raise BackendHung(self.name, f"model still loading for another request: {self.path}")
        try:
            with _MODELS_LOCK:
                if key in _MODELS:
                    return _MODELS[key]
            kept = (self._open(), threading.Lock())
            with _MODELS_LOCK:
                _MODELS[key] = kept
            return kept
        finally:
            loading.release()

    def _open(self):
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise BackendDown(self.name, f"llama-cpp-python is not installed: {exc}") from exc
        try:
            return Llama(model_path=str(self.path), n_ctx=self.n_ctx, n_threads=self.threads,
                         n_threads_batch=self.threads, chat_format=self.chat_format, verbose=False)
        except (ValueError, RuntimeError, OSError) as exc:
            raise CorruptModel(self.name, f"llama.cpp cannot load {self.path}: {exc}", self.path) from exc
