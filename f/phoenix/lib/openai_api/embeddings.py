# GENERATED from lib/openai_api/embeddings.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""``POST /v1/embeddings``: OpenAI's embeddings request, answered with the stack's embedding model.

For any OpenAI client that embeds text (n8n's Embeddings OpenAI node, Roo Code's
codebase index, scripts). ``model`` is ``phoenix`` (the stack's embedding
model, lib/router/embeddings.py) or a concrete one of its ids; ``input`` a text
or a list of texts; ``encoding_format`` ``float`` (default) or ``base64``
(little-endian float32, what OpenAI's own SDKs ask for). ``dimensions`` is
refused unless it is the model's own: the stack's vectors are not truncated.
Errors are OpenAI's shape with OpenAI's statuses (400, 404, 503).
"""

from __future__ import annotations

import base64
import struct

from ..errors import BackendError, InputError, ModelMissing
from ..router.embeddings import UNKNOWN_MODEL, embed
from ..stack import Stack, load_stack
from .errors import ApiError, invalid
from .response import http_response

FORMATS = ("float", "base64")


def embeddings(body: dict, stack: Stack | dict | str | None = None) -> dict:
    """The HTTP response (``http_response``) to an OpenAI embeddings ``body``."""
    try:
        stack = stack if isinstance(stack, Stack) else load_stack(stack)
        model, texts, encoding, dimensions = _read(body)
        try:
            found = embed(texts, stack, model)
        except InputError as exc:
            raise invalid("input", str(exc)) from None
        size = len(found.vectors[0]) if found.vectors else 0
        if dimensions is not None and dimensions != size:
            raise invalid("dimensions", f"dimensions={dimensions}: the model {found.served_model} makes "
                                        f"{size}-dimensional vectors and does not shorten them")
        data = [{"object": "embedding", "index": i, "embedding": _encoded(vector, encoding)}
                for i, vector in enumerate(found.vectors)]
        usage = {"prompt_tokens": found.prompt_tokens, "total_tokens": found.prompt_tokens}
        return http_response({"object": "list", "data": data, "model": found.served_model, "usage": usage},
                             headers={"x-phoenix-model": found.served_model})
    except ModelMissing as exc:
        if exc.backend != UNKNOWN_MODEL:  # the stack names it, but Ollama does not have it: unavailable
            return _error(ApiError(503, str(exc), "server_error", None, exc.kind))
        return _error(ApiError(404, str(exc), "invalid_request_error", "model", "model_not_found"))
    except ApiError as exc:
        return _error(exc)
    except BackendError as exc:
        return _error(ApiError(503, str(exc), "server_error", None, exc.kind))


def _read(body) -> tuple[str, object, str, int | None]:
    if not isinstance(body, dict):
        raise invalid(None, "the body must be a JSON object")
    model = body.get("model")
    if not isinstance(model, str) or not model.strip():
        raise invalid("model", "model is required: phoenix (the stack's embedding model) or a concrete one")
    if "input" not in body:
        raise invalid("input", "input is required: a text or a list of texts")
    encoding = body.get("encoding_format") or "float"
    if encoding not in FORMATS:
        raise invalid("encoding_format", f"encoding_format must be one of: {', '.join(FORMATS)}")
    dimensions = body.get("dimensions")
    if dimensions is not None and (type(dimensions) is not int or dimensions < 1):
        raise invalid("dimensions", f"dimensions={dimensions!r} must be a whole number of at least 1")
    return model, body["input"], encoding, dimensions


def _encoded(vector: list[float], encoding: str):
    if encoding == "float":
        return vector
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")


def _error(exc: ApiError) -> dict:
    return http_response(exc.body(), exc.status, failure=f"HTTP {exc.status}: {str(exc)[:300]}")
