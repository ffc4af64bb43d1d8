"""Function calling through the router's schema constraint.

Every backend the router knows can be held to a JSON schema (a llama.cpp
grammar, Ollama's ``format``, an OpenAI ``response_format`` checked after the
fact), so tools are asked for as one: the answer is either
``{"tool_call": {"name": <one of the functions>, "arguments": <its parameters>}}``
or ``{"answer": "<text>"}``. Backends that call tools natively (Ollama, OpenAI
servers) get the functions as ``tools`` and write their reply in that form.
The router validates it on every call, so even
the embedded model returns a well-formed tool call or a plain answer, never a
broken one. The conversation's earlier tool calls and tool results are
written back into the turns in that same form, so any chat template can
carry them.
"""

from __future__ import annotations

import json
import re
import uuid

from .errors import invalid

ANY_OBJECT = {"type": "object"}


def check_tools(tools, tool_choice) -> tuple[list[dict], str | None]:
    """The function definitions and the forced function's name (None: the model may choose)."""
    if tools is None:
        if tool_choice not in (None, "none"):
            raise invalid("tool_choice", "tool_choice is set but no tools are given")
        return [], None
    if not isinstance(tools, list) or not tools:
        raise invalid("tools", "tools must be a non-empty list of {type: function, function: {...}}")
    functions = [_function(index, tool) for index, tool in enumerate(tools)]
    names = [f["name"] for f in functions]
    if len(set(names)) != len(names):
        raise invalid("tools", f"function names must be unique, got {names}")
    return functions, _forced(tool_choice, names)


def _function(index: int, tool) -> dict:
    where = f"tools[{index}]"
    if not isinstance(tool, dict) or tool.get("type") != "function" or not isinstance(tool.get("function"), dict):
        raise invalid(where, f"{where} must be {{type: function, function: {{name, description, parameters}}}}")
    function = tool["function"]
    name = function.get("name")
    if not isinstance(name, str) or not name or len(name) > 64:
        raise invalid(f"{where}.function.name", f"{where}.function.name must be text of 1 to 64 characters")
    parameters = function.get("parameters", ANY_OBJECT)
    if not isinstance(parameters, dict):
        raise invalid(f"{where}.function.parameters", f"{where}.function.parameters must be a JSON Schema object")
    description = function.get("description") or ""
    if not isinstance(description, str):
        raise invalid(f"{where}.function.description", f"{where}.function.description must be text")
    return {"name": name, "description": description, "parameters": _embeddable(parameters)}


_SCHEMA_WORDS = ("type", "properties", "anyOf", "oneOf", "allOf", "enum", "const", "$ref")


def _embeddable(schema: dict) -> dict:
    """A parameters schema nested in ours: its own ``$schema`` marker only belongs at a root.

    Arguments are a JSON object in OpenAI's API; a schema that says nothing a
    validator reads (n8n 2.8.4's Think tool sends a serialized zod object as
    ``{"default": {...}}``) is taken as that: any object.
    """
    kept = {key: value for key, value in schema.items() if key != "$schema"}
    if not any(word in kept for word in _SCHEMA_WORDS):
        return dict(ANY_OBJECT)
    return kept


def _forced(tool_choice, names: list[str]) -> str | None:
    if tool_choice in (None, "auto", "none"):
        return None
    if tool_choice == "required":
        return "*"
    if isinstance(tool_choice, dict) and tool_choice.get("type") == "function" \
            and isinstance(tool_choice.get("function"), dict):
        name = tool_choice["function"].get("name")
        if name not in names:
            raise invalid("tool_choice", f"tool_choice names {name!r}, which is not one of the tools: {names}")
        return name
    raise invalid("tool_choice", 'tool_choice must be "none", "auto", "required" or '
                                 '{type: function, function: {name}}')


def call_schema(functions: list[dict], forced: str | None) -> dict:
    """The schema of an answer: a call to one of ``functions`` (or to ``forced``), or plain text."""
    allowed = [f for f in functions if forced in (None, "*", f["name"])]
    calls = [{"type": "object", "properties": {"name": {"type": "string", "enum": [f["name"]]},
                                               "arguments": f["parameters"]},
              "required": ["name", "arguments"], "additionalProperties": False} for f in allowed]
    call = {"type": "object", "properties": {"tool_call": calls[0] if len(calls) == 1 else {"anyOf": calls}},
            "required": ["tool_call"], "additionalProperties": False}
    if forced is not None:
        return call
    answer = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"],
              "additionalProperties": False}
    return {"anyOf": [call, answer]}


def native_tools(functions: list[dict], forced: str | None) -> tuple[list[dict], str | dict]:
    """``tools`` and ``tool_choice`` for backends that call tools themselves (Ollama, OpenAI servers)."""
    tools = [{"type": "function", "function": dict(f)} for f in functions]
    if forced is None:
        return tools, "auto"
    return tools, "required" if forced == "*" else {"type": "function", "function": {"name": forced}}


def instructions(functions: list[dict], forced: str | None) -> str:
    """What the model is told about the tools (the schema enforces it; this helps it choose well)."""
    lines = ["You can call these functions:"]
    for function in functions:
        lines.append(f"- {function['name']}: {function['description'] or '(no description)'}; "
                     f"arguments: {json.dumps(function['parameters'], sort_keys=True)}")
    call = '{"tool_call": {"name": "<function>", "arguments": {...}}}'
    if forced is None:
        lines.append(f'Reply with JSON only: {call} to call a function, or {{"answer": "<text>"}} to answer.')
    else:
        lines.append(f"Reply with JSON only, calling {'one function' if forced == '*' else forced}: {call}")
    return "\n".join(lines)


def as_turn(message: dict) -> dict:
    """An assistant turn with tool calls, or a tool result, as a plain text turn any template carries."""
    if message["role"] == "tool":
        content = message.get("content") or ""
        return {"role": "user", "content": f"Result of tool call {message.get('tool_call_id') or '-'}: {content}"}
    calls = [{"tool_call": {"name": call["function"]["name"], "arguments": _arguments(call)}}
             for call in message.get("tool_calls") or []]
    text = "\n".join(json.dumps(call) for call in calls)
    return {"role": "assistant", "content": "\n".join(part for part in (message.get("content") or "", text) if part)}


def _arguments(call: dict):
    """A call's arguments as the model wrote them (a JSON string in OpenAI's shape)."""
    arguments = call["function"].get("arguments") or "{}"
    try:
        return json.loads(arguments) if isinstance(arguments, str) else arguments
    except ValueError:
        return arguments


_ANSWER_START = re.compile(r'\s*\{\s*"answer"\s*:\s*"')


def partial_answer(text: str) -> str | None:
    """The text of a plain answer that was cut off (``{"answer": "abc...``), or None.

    What the schema allowed so far is kept; an escape cut in half is dropped.
    """
    start = _ANSWER_START.match(text or "")
    if start is None:
        return None
    rest = text[start.end():]
    for end in range(len(rest), max(-1, len(rest) - 8), -1):  # an escape is at most 6 characters
        try:
            return json.loads(f'"{rest[:end]}"')
        except ValueError:
            continue
    return None


def tool_calls_of(parsed: dict) -> list[dict] | None:
    """OpenAI's ``tool_calls`` for a structured answer that is a call, None for a plain answer."""
    call = parsed.get("tool_call") if isinstance(parsed, dict) else None
    if call is None:
        return None
    return [{"id": f"call_{uuid.uuid4().hex[:24]}", "type": "function",
             "function": {"name": call["name"], "arguments": json.dumps(call["arguments"])}}]
