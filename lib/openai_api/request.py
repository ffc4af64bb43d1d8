"""An OpenAI chat-completions body, checked and read into the router's options.

Every field OpenAI's clients send is accepted; what the router cannot honour
is refused with a 400 naming the field (``n`` above 1, image content) rather
than silently ignored. Sampling knobs the router has no place for
(``top_p``, penalties, ``logit_bias``, ``user``...) are checked and not used:
the README says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..backends.registry import kind_of
from ..models.inventory import configured_models
from ..router.classify import TASK_TYPES
from ..stack import Stack
from .tools import as_turn, call_schema, check_tools, instructions, native_tools
from .errors import ApiError, invalid

ROLES = ("system", "developer", "user", "assistant", "tool")
MAX_STOPS = 4
#: room for a JSON answer when the client gave no max_tokens (the stack's default may be tiny)
STRUCTURED_MIN_TOKENS = 256


@dataclass
class ChatCall:
    """What the router is asked, and how its answer is to be shaped."""

    model: str
    options: dict
    stream: bool = False
    include_usage: bool = False
    #: "text", "json" (response_format json_object/json_schema) or "tools"
    output: str = "text"
    functions: list[dict] = field(default_factory=list)


def read_chat(body: dict, stack: Stack) -> ChatCall:
    """The checked call, or ApiError (400 invalid, 404 unknown model)."""
    task_type, prefer = resolve_model(body.get("model"), stack)
    _check_unsupported(body)
    functions, forced = check_tools(body.get("tools"), body.get("tool_choice"))
    if body.get("tool_choice") == "none":
        functions = []
    turns = _turns(body.get("messages"))
    system, conversation = _split_system(turns)
    options = {"task_type": task_type, "prefer": prefer, "mode": "text", "prompt": _classified_text(conversation),
               "messages": conversation, "system": system,
               "temperature": _number(body, "temperature", 0, 2),
               "max_tokens": _max_tokens(body), "stop": _stop(body.get("stop")), "seed": _seed(body.get("seed"))}
    output, schema = _output(body.get("response_format"), functions, forced)
    if functions:
        options["system"] = "\n\n".join(p for p in (system, instructions(functions, forced)) if p)
        options["tools"], options["tool_choice"] = native_tools(functions, forced)
    if schema is not None:
        options["json_schema"] = schema
        options["max_tokens"] = options["max_tokens"] or STRUCTURED_MIN_TOKENS
    stream, include_usage = _stream(body.get("stream"), body.get("stream_options"))
    return ChatCall(body["model"], options, stream, include_usage, output, functions)


def model_ids(stack: Stack) -> list[str]:
    """Every model name this API answers to: routed ones first, then each concrete one the stack knows."""
    ids = ["phoenix"] + [f"phoenix-{task}" for task in TASK_TYPES]
    for backend, models in configured_models(stack).items():
        kind = kind_of(backend)
        if kind and kind.one_model:
            ids.append(backend)  # one model each: the backend's name is the model's
        else:
            ids.extend(f"{backend}:{model}" for model in models)
    return list(dict.fromkeys(ids))


def resolve_model(model, stack: Stack) -> tuple[str, list[str] | None]:
    """``phoenix`` -> routed; ``phoenix-<task>`` -> that task; a concrete id -> tried first."""
    if not isinstance(model, str) or not model.strip():
        raise invalid("model", "model is required: phoenix, phoenix-<task_type> or a concrete backend:model")
    if model == "phoenix":
        return "auto", None
    if model.startswith("phoenix-") and model[len("phoenix-"):] in TASK_TYPES:
        return model[len("phoenix-"):], None
    if model in model_ids(stack):
        return "auto", [model]
    raise ApiError(404, f"The model {model!r} does not exist here; GET /v1/models lists the ones that do",
                   "invalid_request_error", "model", "model_not_found")


def _check_unsupported(body: dict) -> None:
    n = body.get("n")
    if n is not None and (type(n) is not int or n != 1):
        raise invalid("n", f"n={n!r}: only one choice per request is served (n=1)")
    if body.get("logprobs"):
        raise invalid("logprobs", "logprobs are not available from the router")
    top_p = body.get("top_p")
    if top_p is not None and (type(top_p) not in (int, float) or not 0 <= top_p <= 1):
        raise invalid("top_p", f"top_p={top_p!r} must be a number from 0 to 1")


def _turns(messages) -> list[dict]:
    if not isinstance(messages, list) or not messages:
        raise invalid("messages", "messages must be a non-empty list of {role, content}")
    return [_turn(index, message) for index, message in enumerate(messages)]


def _turn(index: int, message) -> dict:
    where = f"messages[{index}]"
    if not isinstance(message, dict) or message.get("role") not in ROLES:
        raise invalid(where, f"{where} must be an object with a role: {', '.join(ROLES)}")
    role = "system" if message["role"] == "developer" else message["role"]
    content = _text(message.get("content"), f"{where}.content")
    if role in ("tool",) or message.get("tool_calls"):
        _check_tool_turn(where, message)
        return as_turn({**message, "content": content})
    if content is None:
        raise invalid(f"{where}.content", f"{where}.content is required for a {role} message")
    return {"role": role, "content": content}


def _check_tool_turn(where: str, message: dict) -> None:
    calls = message.get("tool_calls")
    if message["role"] == "tool":
        if message.get("content") is None:
            raise invalid(f"{where}.content", f"{where}.content (the tool's result) is required")
        return
    if message["role"] != "assistant" or not isinstance(calls, list) or not all(
            isinstance(c, dict) and isinstance(c.get("function"), dict)
            and isinstance(c["function"].get("name"), str) for c in calls):
        raise invalid(f"{where}.tool_calls", f"{where}.tool_calls must be a list of "
                                             "{id, type: function, function: {name, arguments}} on an assistant turn")


def _text(content, where: str) -> str | None:
    """Text content: a string, or a list of text parts (images and audio cannot be routed)."""
    if content is None or isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = []
        for part in content:
            if not isinstance(part, dict) or part.get("type") != "text" or not isinstance(part.get("text"), str):
                kind = part.get("type") if isinstance(part, dict) else type(part).__name__
                raise invalid(where, f"{where}: only text parts can be routed, got {kind!r}")
            texts.append(part["text"])
        return "\n".join(texts)
    raise invalid(where, f"{where} must be text or a list of text parts")


def _split_system(turns: list[dict]) -> tuple[str | None, list[dict]]:
    """System turns joined into one (every chat template takes one, first); the rest in order."""
    system = "\n\n".join(t["content"] for t in turns if t["role"] == "system") or None
    conversation = [t for t in turns if t["role"] != "system"]
    if not conversation:
        raise invalid("messages", "messages has only system turns: add a user turn")
    return system, conversation


def _classified_text(conversation: list[dict]) -> str:
    """The last user turn is what the task is (a tool result is written as a user turn too)."""
    for turn in reversed(conversation):
        if turn["role"] == "user" and turn["content"].strip():
            return turn["content"]
    raise invalid("messages", "messages needs a user turn with text")


def _number(body: dict, name: str, low: float, high: float):
    value = body.get(name)
    if value is not None and (type(value) not in (int, float) or not low <= value <= high):
        raise invalid(name, f"{name}={value!r} must be a number from {low} to {high}")
    return value


def _max_tokens(body: dict) -> int | None:
    for name in ("max_completion_tokens", "max_tokens"):
        value = body.get(name)
        if value is not None:
            if type(value) is not int or value < 1:
                raise invalid(name, f"{name}={value!r} must be a whole number of at least 1")
            return value
    return None


def _stop(stop) -> list[str] | None:
    if stop is None:
        return None
    stops = [stop] if isinstance(stop, str) else stop
    if not isinstance(stops, list) or len(stops) > MAX_STOPS or not all(isinstance(s, str) and s for s in stops):
        raise invalid("stop", f"stop must be a string or a list of at most {MAX_STOPS} non-empty strings")
    return stops


def _seed(seed) -> int | None:
    if seed is not None and type(seed) is not int:
        raise invalid("seed", f"seed={seed!r} must be a whole number")
    return seed


def _output(response_format, functions: list[dict], forced: str | None) -> tuple[str, dict | None]:
    if functions:
        if response_format not in (None, {"type": "text"}):
            raise invalid("response_format", "response_format cannot be combined with tools here")
        return "tools", call_schema(functions, forced)
    if response_format is None:
        return "text", None
    kind = response_format.get("type") if isinstance(response_format, dict) else None
    if kind == "text":
        return "text", None
    if kind == "json_object":
        return "json", {"type": "object"}
    if kind == "json_schema":
        spec = response_format.get("json_schema")
        schema = spec.get("schema") if isinstance(spec, dict) else None
        if not isinstance(schema, dict):
            raise invalid("response_format.json_schema.schema",
                          "response_format json_schema needs json_schema: {name, schema: <JSON Schema>}")
        return "json", schema
    raise invalid("response_format", 'response_format.type must be "text", "json_object" or "json_schema"')


def _stream(stream, stream_options) -> tuple[bool, bool]:
    if stream is not None and not isinstance(stream, bool):
        raise invalid("stream", f"stream={stream!r} must be true or false")
    if stream_options is not None and not isinstance(stream_options, dict):
        raise invalid("stream_options", "stream_options must be an object")
    return bool(stream), bool((stream_options or {}).get("include_usage"))
