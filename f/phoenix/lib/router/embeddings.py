# GENERATED from lib/router/embeddings.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""Text embeddings with the stack's own models: the router's counterpart for vectors.

One embedding model serves a stack, so that what a vector store was filled with
and what it is queried with are the same vectors: the first Ollama model named
in ``models.embeddings.ollama`` (Ollama's ``/api/embed``), or, when none is
named, the embedded model run in this process by llama.cpp with mean pooling
(``models.embedded``; it is always there). Unlike chat, nothing falls back to
another model when the chosen one fails: vectors of two models cannot be
compared, so a failure is an error that says which model and why.

``model`` names which one a caller wants: ``phoenix`` (the stack's), or a
concrete ``ollama:<name>`` the stack names, or ``embedded``.
"""

from __future__ import annotations

import atexit
import math
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..backends.embedded.backend import EMBEDDED_MODEL_NAME, model_path as embedded_path
from ..backends.llama_local import stack_threads
from ..errors import BackendDown, BackendHung, BadRequest, InputError, ModelMissing, ServerError
from ..stack import Stack, load_stack

ROUTED = "phoenix"
UNKNOWN_MODEL = "embeddings"  # the "backend" of a ModelMissing for a model id the stack does not name
EMBEDDED = "embedded"
MAX_INPUTS = 2048  # OpenAI's own limit on inputs per request
MAX_CHARS = 200_000  # per input: far beyond any model's context, refused before any work
_GGUF: dict[tuple, tuple[object, threading.Lock]] = {}
_GGUF_LOCK = threading.Lock()


@atexit.register
def _close_models() -> None:
    """Free the kept models while llama_cpp still works (left to interpreter exit, each prints a traceback)."""
    with _GGUF_LOCK:
        for model, _lock in _GGUF.values():
            model.close()
        _GGUF.clear()


@dataclass
class Embeddings:
    """The vectors of ``inputs`` (same order), which model made them, and its token count."""

    vectors: list[list[float]]
    backend: str
    model: str
    prompt_tokens: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def served_model(self) -> str:
        return EMBEDDED if self.backend == EMBEDDED else f"{self.backend}:{self.model}"


def embedding_models(stack: Stack) -> list[str]:
    """The model ids ``embed`` accepts besides ``phoenix``, the stack's own first."""
    named = [f"ollama:{name}" for name in _ollama_names(stack)]
    return named + [EMBEDDED]


def embed(inputs, stack: Stack | dict | str | None = None, model: str = ROUTED) -> Embeddings:
    """Embed each text of ``inputs`` (a text or a list of texts) with the model ``model`` names."""
    stack = stack if isinstance(stack, Stack) else load_stack(stack)
    texts = _checked(inputs)
    backend, name = _chosen(stack, model)
    started = time.monotonic()
    if backend == "ollama":
        vectors, tokens = _ollama(stack, name, texts)
    else:
        vectors, tokens = _embedded(stack, texts)
    return Embeddings(vectors=vectors, backend=backend, model=name, prompt_tokens=tokens,
                      seconds=time.monotonic() - started)


def _checked(inputs) -> list[str]:
    texts = [inputs] if isinstance(inputs, str) else inputs
    if not isinstance(texts, list) or not texts:
        raise InputError("input must be a text or a non-empty list of texts")
    if len(texts) > MAX_INPUTS:
        raise InputError(f"input has {len(texts)} texts: at most {MAX_INPUTS} per request")
    for index, text in enumerate(texts):
        if not isinstance(text, str):
            raise InputError(f"input[{index}] must be text (token arrays are not accepted here)")
        if len(text) > MAX_CHARS:
            raise InputError(f"input[{index}] has {len(text)} characters: at most {MAX_CHARS}")
    return texts


def _ollama_names(stack: Stack) -> list[str]:
    return list(stack.models.embeddings.ollama)


def _chosen(stack: Stack, model) -> tuple[str, str]:
    if not isinstance(model, str) or not model:
        raise InputError("model is required: phoenix (the stack's embedding model), ollama:<name> or embedded")
    names = _ollama_names(stack)
    if model == ROUTED:
        return ("ollama", names[0]) if names else (EMBEDDED, EMBEDDED_MODEL_NAME)
    if model == EMBEDDED:
        return EMBEDDED, EMBEDDED_MODEL_NAME
    if model.startswith("ollama:") and model[len("ollama:"):] in names:
        return "ollama", model[len("ollama:"):]
    raise ModelMissing(UNKNOWN_MODEL, f"no embedding model {model!r} in this stack; it has: "
                                     f"{', '.join([ROUTED] + embedding_models(stack))}")


def _ollama(stack: Stack, name: str, texts: list[str]) -> tuple[list[list[float]], int]:
    import httpx

    url = stack.service_url("ollama").rstrip("/")
    routing = stack.routing
    timeout = httpx.Timeout(routing.attempt_timeout_s, connect=routing.connect_timeout_s)
    try:
        response = httpx.post(f"{url}/api/embed", json={"model": name, "input": texts}, timeout=timeout)
    except httpx.TimeoutException as exc:
        raise BackendHung("ollama", f"no embeddings from {url} in time ({type(exc).__name__})") from exc
    except httpx.HTTPError as exc:
        raise BackendDown("ollama", f"Ollama does not answer at {url}: {type(exc).__name__}") from exc
    if response.status_code == 404:
        raise ModelMissing("ollama", f"Ollama at {url} has no model {name!r} (ollama pull {name})")
    if response.status_code >= 500:
        raise ServerError("ollama", f"Ollama failed to embed ({response.status_code}): {response.text[:200]}")
    if response.status_code >= 400:
        raise BadRequest("ollama", f"Ollama refused the texts ({response.status_code}): {response.text[:200]}")
    try:
        body = response.json()
        vectors = [[float(x) for x in vector] for vector in body["embeddings"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise ServerError("ollama", f"Ollama's /api/embed answer is not a list of vectors: {exc}") from exc
    if len(vectors) != len(texts):
        raise ServerError("ollama", f"Ollama returned {len(vectors)} vectors for {len(texts)} texts")
    return vectors, int(body.get("prompt_eval_count") or 0)


def _embedded(stack: Stack, texts: list[str]) -> tuple[list[list[float]], int]:
    """The embedded model in this process: llama.cpp's mean of the token vectors, normalized."""
    llama, lock = _gguf(embedded_path(stack), stack_threads(stack))
    vectors, tokens = [], 0
    with lock:
        for text in texts:
            tokens += len(llama.tokenize(text.encode("utf-8"), add_bos=False)) if text else 0
            vectors.append(_normalized(llama.embed(text or " ")))
    return vectors, tokens


def _normalized(vector) -> list[float]:
    values = [float(x) for x in vector]
    norm = math.sqrt(sum(x * x for x in values)) or 1.0
    return [x / norm for x in values]


def _gguf(path: Path, threads: int):
    if not path.is_file():
        raise BackendDown(EMBEDDED, f"the embedded model is not at {path} (scripts/setup.py fetches it)")
    key = (str(path), path.stat().st_mtime_ns, threads)
    with _GGUF_LOCK:
        if key not in _GGUF:
            try:
                from llama_cpp import LLAMA_POOLING_TYPE_MEAN, Llama
            except ImportError as exc:
                raise BackendDown(EMBEDDED, f"llama-cpp-python is not installed: {exc}") from exc
            try:
                model = Llama(model_path=str(path), embedding=True, pooling_type=LLAMA_POOLING_TYPE_MEAN,
                              n_ctx=2048, n_threads=threads, n_threads_batch=threads, verbose=False)
            except (ValueError, RuntimeError, OSError) as exc:
                raise BackendDown(EMBEDDED, f"llama.cpp cannot load {path} for embeddings: {exc}") from exc
            _GGUF[key] = (model, threading.Lock())
        return _GGUF[key]
