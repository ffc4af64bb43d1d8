# GENERATED from lib/openai_api/response.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""The router's result as OpenAI shapes it: a completion, stream chunks, Server-Sent Events.

The router's own view (the model that answered, the classification, every
attempt) rides along in ``phoenix_trace``, an extra field OpenAI clients
ignore, and in the ``x-phoenix-model`` response header.
"""

from __future__ import annotations

import json
import time
import uuid

DONE = "data: [DONE]\n\n"


def completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex[:24]}"


def served_model(result: dict) -> str:
    """``backend:model`` of the model that answered."""
    return f"{result['model']['backend']}:{result['model']['model']}"


def trace_of(result: dict) -> dict:
    return {"model": result["model"], "classification": result["classification"], "trace": result["trace"]}


def usage_of(result: dict) -> dict:
    prompt, completion = result["usage"]["prompt_tokens"], result["usage"]["completion_tokens"]
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def completion_body(result: dict, message: dict, finish_reason: str, ident: str | None = None) -> dict:
    return {"id": ident or completion_id(), "object": "chat.completion", "created": int(time.time()),
            "model": served_model(result), "system_fingerprint": None,
            "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish_reason}],
            "usage": usage_of(result), "phoenix_trace": trace_of(result)}


def assistant_message(content: str | None, tool_calls: list[dict] | None = None) -> dict:
    shaped = {"role": "assistant", "content": content, "refusal": None}
    if tool_calls:
        shaped["tool_calls"] = tool_calls
    return shaped


def chunk_body(ident: str, created: int, model: str, delta: dict, finish_reason: str | None = None, **extra) -> dict:
    return {"id": ident, "object": "chat.completion.chunk", "created": created, "model": model,
            "system_fingerprint": None,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}], **extra}


def usage_chunk(ident: str, created: int, model: str, result: dict) -> dict:
    """The last chunk when ``stream_options.include_usage`` asked for it: no choices, the usage."""
    return {"id": ident, "object": "chat.completion.chunk", "created": created, "model": model,
            "system_fingerprint": None, "choices": [], "usage": usage_of(result)}


def sse_event(document: dict) -> str:
    """One Server-Sent Event, as OpenAI sends them: ``data: <json>`` and a blank line."""
    return f"data: {json.dumps(document, separators=(',', ':'))}\n\n"


def tool_call_deltas(tool_calls: list[dict]) -> dict:
    """A whole tool call in one delta (OpenAI splits the arguments; clients join what comes)."""
    return {"tool_calls": [{"index": index, **call} for index, call in enumerate(tool_calls)]}


def http_response(body, status: int = 200, headers: dict | None = None, content_type: str | None = None,
         failure: str | None = None) -> dict:
    """What a Windmill HTTP route sends: the result's ``windmill_*`` keys set the status,
    headers and content type, ``result`` is the body; ``wm_failure`` marks the job failed
    while the response keeps that status (Windmill's worker reads it)."""
    response = {"windmill_status_code": status, "windmill_headers": dict(headers or {}), "result": body}
    if content_type:
        response["windmill_content_type"] = content_type
    if failure:
        response["wm_failure"] = failure
    return response
