"""``GET /v1/models``: every model name the chat route answers to, as OpenAI lists models.

The names come from the stack (nothing is probed: a listing must be quick);
which of them are up right now is ``f/phoenix/models/list``'s business.
"""

from __future__ import annotations

from ..stack import Stack, load_stack
from .response import http_response
from .request import model_ids


def list_models(stack: Stack | dict | str | None = None) -> dict:
    """The HTTP response (``http_response``) with ``{"object": "list", "data": [...]}``."""
    stack = stack if isinstance(stack, Stack) else load_stack(stack)
    data = [{"id": name, "object": "model", "created": 0, "owned_by": _owner(name)} for name in model_ids(stack)]
    return http_response({"object": "list", "data": data})


def _owner(name: str) -> str:
    return "phoenix" if name.startswith("phoenix") and ":" not in name else name.split(":", 1)[0]
