"""The one way text from a workflow reaches generated code: as an escaped literal.

Everything an n8n workflow holds (node names, types, notes, parameters,
expressions, credential names, webhook paths, sticky notes...) is data. It
reaches what Phoenix generates only through these functions, one per target:

- ``js_string`` / ``js_value`` / ``js_json_text``: JavaScript and TypeScript (step files, the
  ``expr`` of input transforms, branch conditions, iterators, ``stop_after_if``)
  and, with ``braces=True``, JavaScript inside an n8n ``{{ }}`` expression;
  ``expression_literal``: a literal inside a Windmill expression, safe from the
  rewriting Windmill does on the expression's text;
- ``one_line`` / ``text_block``: the text of YAML summaries and descriptions
  (the YAML emitter quotes it; these keep it readable and free of controls);
- ``markdown_text``: text inside generated Markdown.

Identifiers (step ids, file names) are never copied from a workflow: Phoenix
makes them (``safe_identifier``). Comments in generated code carry no workflow
text at all.

Why more than ``json.dumps``: U+2028 and U+2029 end a line in a JavaScript
comment (and in strings before ES2019); a lone surrogate cannot be written to
a UTF-8 file; ``</script>`` and ``<!--`` matter wherever a step is shown inside
HTML; bidirectional controls and other invisible characters make code read
differently from what runs (Trojan Source). All of them are written as
``\\uXXXX`` escapes, so the literal is plain printable text and means exactly
the original string.
"""

from __future__ import annotations

import json
import math
import re

# Anything that is not printable ASCII is looked at; most of it is kept as it is.
_SUSPECT = re.compile(r"[^\x20-\x7e]|</|<!--")
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,99}$")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")


def _escape_char(char: str) -> str:
    point = ord(char)
    if point > 0xFFFF:  # as a surrogate pair: \u{...} is not valid everywhere a literal may go
        point -= 0x10000
        return f"\\u{0xD800 + (point >> 10):04x}\\u{0xDC00 + (point & 0x3FF):04x}"
    return f"\\u{point:04x}"


def _visible(match: re.Match) -> str:
    text = match.group(0)
    if text == "</":
        return "<\\/"
    if text == "<!--":
        return "\\u003c!--"
    # printable letters of any script stay readable; controls, separators, format characters,
    # surrogates, private use and unassigned code points become escapes
    return text if text.isprintable() and not (0xD800 <= ord(text) <= 0xDFFF) else _escape_char(text)


def js_string(value: str, *, braces: bool = False) -> str:
    """A JavaScript string literal meaning exactly ``value``.

    ``braces=True`` also escapes ``{`` and ``}``, for a literal that sits inside
    an n8n ``{{ ... }}`` expression (where ``}}`` would end the expression).
    """
    if not isinstance(value, str):
        raise TypeError(f"js_string takes a str, not {type(value).__name__}")
    literal = _SUSPECT.sub(_visible, json.dumps(value, ensure_ascii=False))
    if braces:
        literal = literal.replace("{", "\\u007b").replace("}", "\\u007d")
    return literal


def js_value(value) -> str:
    """A JavaScript literal for JSON-like data (dict, list, str, number, bool, None).

    Keys are string literals; ``__proto__`` is written as a computed key so it
    becomes an own property, as ``JSON.parse`` makes it, not the prototype.
    """
    if isinstance(value, str):
        return js_string(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{js_key(key)}: {js_value(item)}" for key, item in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(js_value(item) for item in value) + "]"
    raise TypeError(f"no JavaScript literal for {type(value).__name__}")


# Windmill rewrites the text of an input-transform expression before it evaluates it, string literals
# included (windmill-worker js_eval.rs): an expression holding "return " is taken as a function body (its
# value is then undefined), "results.x" and "flow_env.x" become awaited look-ups, "variable(" and
# "resource(" awaited calls. A literal of workflow text must not hold those words as they are.
_WINDMILL_REWRITTEN = re.compile(r"return |results|flow_env|variable\(|resource\(")


def expression_literal(value) -> str:
    """``js_value`` for a literal inside a Windmill expression, safe from Windmill's rewriting.

    The first letter of each word Windmill looks for is written as a ``\\uXXXX``
    escape: the literal means the same string, the expression text no longer
    holds the word. (json.dumps never leaves a lone backslash before a letter.)
    """
    return _WINDMILL_REWRITTEN.sub(lambda m: "\\u%04x" % ord(m.group(0)[0]) + m.group(0)[1:], js_value(value))


def js_json_text(value) -> str:
    """A string literal of ``value``'s JSON text, for a step that reads it back with ``JSON.parse``.

    NaN and infinities have no JSON form and are refused rather than changed.
    """
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except ValueError as exc:
        raise ValueError(f"not JSON data, cannot go into a step: {exc}") from None
    return js_string(text)


def js_key(key) -> str:
    """An object key: a string literal (computed for ``__proto__``)."""
    text = js_string(str(key))
    return f"[{text}]" if key == "__proto__" else text


def safe_identifier(candidate: str) -> str:
    """``candidate`` if it is an identifier Phoenix may write into code (a-z, 0-9, _), else ValueError."""
    if not isinstance(candidate, str) or not _IDENTIFIER.match(candidate):
        raise ValueError(f"not a Phoenix identifier: {candidate!r}")
    return candidate


_NOT_ASCII_PRINTABLE = re.compile(r"[^\x20-\x7e]")


def _printable(text: str, keep: str) -> str:
    def visible(match: re.Match) -> str:
        char = match.group(0)
        return char if char in keep or (char.isprintable() and not 0xD800 <= ord(char) <= 0xDFFF) else _escape_char(char)

    return _NOT_ASCII_PRINTABLE.sub(visible, text)


def one_line(value, limit: int = 200) -> str:
    """Workflow text for a one-line summary: line breaks as spaces, controls as ``\\uXXXX``, cut at ``limit``."""
    text = " ".join(str(value).split())  # every kind of line break and run of spaces becomes one space
    text = _printable(text, keep=" ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def text_block(value, limit: int = 20_000) -> str:
    """Workflow text for a description: lines kept (``\\n``), other controls as ``\\uXXXX``."""
    lines = str(value).replace("\r\n", "\n").split("\n")
    text = "\n".join(_printable(line.rstrip(), keep=" \t") for line in lines)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def markdown_text(value, limit: int = 200) -> str:
    """Workflow text inside Markdown: one line, its Markdown punctuation escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", one_line(value, limit))
