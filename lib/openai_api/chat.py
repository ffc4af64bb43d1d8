"""``POST /v1/chat/completions``: an OpenAI request answered by the router.

Returns what a Windmill HTTP route sends (see ``http``): the body,
its status code and headers. Errors are OpenAI's shape with OpenAI's
statuses: 400 a request this API cannot serve, 404 an unknown model, 503
when every backend failed (the router's reasons in ``phoenix_trace``).

Streaming (``stream: true``) is OpenAI's Server-Sent Events:
``data: {chat.completion.chunk}`` events ending with ``data: [DONE]``. Each
event also goes to ``emit`` as it is produced (a Windmill job's result
stream; ``scripts/serve.py`` sends them to the client as they come); the
whole stream is also the returned body. Plain text streams token by token
with the router's fallbacks before the first token; JSON and tool answers
are validated whole before anything is sent, so a stream never carries an
answer that breaks its schema.
"""

from __future__ import annotations

import time
from typing import Callable, Iterator

from ..errors import AllBackendsFailed, InputError
from ..router.core import route, route_stream
from ..stack import Stack, load_stack
from .response import (DONE, assistant_message, chunk_body, completion_body, completion_id, http_response,
                       served_model, sse_event, tool_call_deltas, trace_of, usage_chunk)
from .errors import ApiError
from .request import ChatCall, read_chat
from .tools import partial_answer, tool_calls_of

SSE = "text/event-stream"


def chat_completions(body: dict, stack: Stack | dict | str | None = None,
                     emit: Callable[[str], None] | None = None) -> dict:
    """The HTTP response (``http_response``) to an OpenAI chat-completions ``body``."""
    try:
        stack = stack if isinstance(stack, Stack) else load_stack(stack)
        call = read_chat(body, stack)
        if call.stream:
            return _streamed(call, stack, emit or (lambda _event: None))
        return _answered(call, stack)
    except ApiError as exc:
        return _error(exc)
    except InputError as exc:  # the router refused an option: the client's request
        return _error(ApiError(400, str(exc)))
    except AllBackendsFailed as exc:
        return _error(_unavailable(exc))


def _answered(call: ChatCall, stack: Stack) -> dict:
    result = route(stack=stack, **call.options)
    message, finish = _message(call, result)
    body = completion_body(result, message, finish)
    return http_response(body, headers=_headers(result))


def _message(call: ChatCall, result: dict) -> tuple[dict, str]:
    """The assistant's message and finish reason; a structured answer must be valid."""
    if call.output == "text":
        return assistant_message(result["answer"]), _finish(result)
    parsed = result["json"]
    if parsed is None and call.output == "tools":
        partial = partial_answer(result["answer"])
        if partial is not None:  # a plain answer cut off by max_tokens is still a plain answer
            return assistant_message(partial), "length"
    if parsed is None:  # the router's fallback text: never passed on as if it were valid
        raise ApiError(503, "no backend produced an answer valid for the requested schema",
                       "server_error", None, "no_valid_output", trace_of(result))
    if call.output == "json":
        return assistant_message(result["answer"]), _finish(result)
    calls = tool_calls_of(parsed)
    if calls:
        return assistant_message(None, calls), "tool_calls"
    return assistant_message(parsed["answer"]), _finish(result)


def _finish(result: dict) -> str:
    return "length" if result.get("finish_reason") == "length" else "stop"


def _streamed(call: ChatCall, stack: Stack, emit: Callable[[str], None]) -> dict:
    stream = _Stream(call)
    events = stream.text(stack) if call.output == "text" else stream.whole(stack)
    first = next(events)  # routing and every fallback happen before it: errors are still a status
    sent = []
    for text in _chained(first, events):
        sent.append(text)
        emit(text)
    headers = {"cache-control": "no-cache", **(_headers(stream.result) if stream.result else {})}
    return http_response("".join(sent), headers=headers, content_type=SSE)


def _chained(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


class _Stream:
    """The events of one streamed answer; ``result`` is the router's once it is known."""

    def __init__(self, call: ChatCall):
        self.call, self.result = call, None
        self.ident, self.created = completion_id(), int(time.time())

    def event(self, delta: dict, finish: str | None = None, **extra) -> str:
        return sse_event(chunk_body(self.ident, self.created, self.call.model, delta, finish, **extra))

    def text(self, stack: Stack) -> Iterator[str]:
        """Token by token; the router's fallbacks all happen before the first token."""
        pieces = route_stream(stack=stack, **self.call.options)
        head = next(pieces)
        yield self.event({"role": "assistant", "content": ""})
        while not isinstance(head, dict):
            yield self.event({"content": head})
            head = next(pieces)
        self.result = head
        interrupted = head["trace"].get("interrupted")
        if interrupted:  # OpenAI's clients raise on an error event: the answer is incomplete
            yield sse_event(ApiError(503, f"the answer was interrupted: {interrupted}", "server_error",
                                          None, "interrupted", trace_of(head)).body())
            return
        yield from self._end(_finish(head))

    def whole(self, stack: Stack) -> Iterator[str]:
        """JSON and tool answers: validated whole by ``route``, then sent as a short stream."""
        self.result = route(stack=stack, **self.call.options)
        message, finish = _message(self.call, self.result)
        yield self.event({"role": "assistant", "content": ""})
        if message.get("tool_calls"):
            yield self.event(tool_call_deltas(message["tool_calls"]))
        else:
            yield self.event({"content": message["content"]})
        yield from self._end(finish)

    def _end(self, finish: str) -> Iterator[str]:
        yield self.event({}, finish, phoenix_trace=trace_of(self.result))
        if self.call.include_usage:
            yield sse_event(usage_chunk(self.ident, self.created, self.call.model, self.result))
        yield DONE


def _headers(result: dict) -> dict:
    return {"x-phoenix-model": served_model(result)}


def _unavailable(exc: AllBackendsFailed) -> ApiError:
    return ApiError(503, str(exc), "server_error", None, "all_backends_failed", {"attempts": exc.attempts})


def _error(exc: ApiError) -> dict:
    return http_response(exc.body(), exc.status, failure=f"HTTP {exc.status}: {str(exc)[:300]}")

