# GENERATED from lib/n8n/expressions.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""n8n expressions (``"=Hello {{ $json.name }}"``) for translated steps and Windmill input transforms.

An expression's code is the workflow author's JavaScript, so it is data for
Phoenix: it never becomes part of generated code. Two targets:

- **step code** (``to_step_js``): the expression text is handed to the n8n
  runtime the step carries as a string literal (``$e("$json.n + 1")``,
  ``$t(["Hi ", ""], ["$json.who"])``); the runtime evaluates it per item with
  n8n's bindings (``$json``, ``$input``, ``$('Node')``, ``$node[...]``,
  ``$now``...) when the node runs, never when the step file is loaded.
- **Windmill input transforms** (``to_input_transform``): Windmill evaluates
  these itself, with no n8n runtime, so only a parsed, whitelisted form is
  rewritten: a path into an item (``$json.a["b"][0]``, ``$('Node').item.json.x``,
  ``$node["Node"].json.x``, ``$input.first().json.x``), ``$workflow.name``,
  ``$now``/``$today``. The code is generated from the parsed path, names as
  literals; anything else comes back as ``Untranslatable`` with the reason,
  and the caller computes it in a step instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Optional

from ..errors import Unsupported
from .literals import js_string, js_value

# Helpers that only exist inside n8n; an expression using them cannot run anywhere else.
UNSUPPORTED_HELPERS = {
    "$fromAI": "$fromAI() is filled in by an AI agent at tool-call time",
    "$binary": "binary data ($binary) is not carried between translated steps",
    "$evaluateExpression": "$evaluateExpression() evaluates n8n expressions at run time",
    "$secrets": "external secrets ($secrets) are n8n-specific; use a Windmill variable",
    "$jmespath": "$jmespath() needs the jmespath library",
}

_SEGMENT_OPEN = "{{"


@dataclass
class Segment:
    is_code: bool
    text: str


class Untranslatable(Unsupported):
    """An expression has no faithful translation; ``str(exc)`` says why."""

    kind = "untranslatable"


def is_expression(value) -> bool:
    return isinstance(value, str) and value.startswith("=")


def split_template(template: str) -> list[Segment]:
    """Split ``"a {{ x }} b"`` into text and code segments.

    Like n8n, an expression ends at the first ``}}``, unless that leaves its
    braces unbalanced (``{{ {a: {b: 1}} }}``): then a brace- and string-aware
    scan finds the end.
    """
    segments: list[Segment] = []
    position = 0
    while True:
        start = template.find(_SEGMENT_OPEN, position)
        if start < 0:
            break
        end = template.find("}}", start + 2)
        if end >= 0 and not _balanced(template[start + 2:end]):
            # ``{{ {a: {b: 1}} }}``: the first "}}" closes an object, not the expression.
            end = _code_end(template, start + 2)
        if end < 0:
            break
        if start > position:
            segments.append(Segment(False, template[position:start]))
        segments.append(Segment(True, template[start + 2:end].strip().rstrip(";").strip()))
        position = end + 2
    if position < len(template):
        segments.append(Segment(False, template[position:]))
    return segments


def _balanced(code: str) -> bool:
    return all(code.count(a) == code.count(b) for a, b in ("{}", "()", "[]"))


def _code_end(text: str, start: int) -> int:
    depth, quote, i = 0, "", start
    while i < len(text):
        char = text[i]
        if quote:
            if char == "\\":
                i += 2
                continue
            if char == quote:
                quote = ""
        elif char in "'\"`":
            quote = char
        elif char == "{":
            depth += 1
        elif char == "}":
            if depth == 0 and text.startswith("}}", i):
                return i
            depth = max(0, depth - 1)
        i += 1
    # An unbalanced quote inside the code: fall back to the first closing pair.
    return text.find("}}", start)


def helpers_used(code: str) -> set[str]:
    return set(re.findall(r"(?<![\w$])\$[A-Za-z_]\w*", code)) | ({"$"} if re.search(r"(?<![\w$])\$\s*\(", code) else set())


def check_supported(code: str) -> None:
    for helper in sorted(helpers_used(code)):
        if helper in UNSUPPORTED_HELPERS:
            raise Untranslatable(UNSUPPORTED_HELPERS[helper])


def to_step_js(value) -> str:
    """JavaScript computing ``value`` inside a translated step, the expression text as a literal.

    A non-expression string is a string literal; ``"={{ x }}"`` is ``$e("x")``
    (its value, not its text, as in n8n); text mixed with code is
    ``$t(texts, codes)``, each code part stringified as n8n does.
    """
    if not is_expression(value):
        return js_string(value)
    segments = split_template(value[1:])
    codes = [s.text for s in segments if s.is_code]
    for code in codes:
        check_supported(code)
    if len(segments) == 1 and codes:
        return f"$e({js_string(codes[0])})"
    if not codes:
        return js_string(value[1:])
    texts, pending = [], ""
    for segment in segments:
        if segment.is_code:
            texts.append(pending)
            pending = ""
        else:
            pending += segment.text
    texts.append(pending)
    return f"$t({js_value(texts)}, {js_value(codes)})"


def referenced_nodes(value) -> set[str]:
    """Names of other nodes an expression or a Code node reads (``$('X')``, ``$node["X"]``, ``$items("X")``)."""
    found: set[str] = set()
    if not isinstance(value, str) or "$" not in value:
        return found
    for pattern in (r"\$\(\s*(['\"`])(.+?)\1\s*\)", r"\$node\[\s*(['\"])(.+?)\1\s*\]", r"\$items\(\s*(['\"])(.+?)\1"):
        found.update(match[1] for match in re.findall(pattern, value))
    found.update(re.findall(r"\$node\.([A-Za-z_]\w*)", value))
    return found


def walk_strings(value):
    """Every string inside a parameter tree (for scans such as referenced_nodes)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from walk_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk_strings(item)


# --- Windmill input-transform target ---------------------------------------------------

_PATH_TOKEN = re.compile(r"""\s*(?:(?P<ident>[A-Za-z_$][\w$]*)|(?P<number>\d{1,9})(?![\w.])"""
                         r"""|(?P<string>'[^'\\\n]*'|"[^"\\\n]*")|(?P<punct>\?\.|[.()\[\]]))""")


def _path_tokens(code: str) -> list[tuple[str, str]]:
    """(kind, text) tokens of a path expression, or Untranslatable for anything else."""
    tokens, position = [], 0
    while position < len(code):
        if code[position:].strip() == "":
            break
        match = _PATH_TOKEN.match(code, position)
        if not match:
            raise Untranslatable(f"the expression {code[:60]!r} is more than a path into an item "
                                 "(Windmill evaluates input transforms without n8n's runtime)")
        kind = match.lastgroup
        text = match.group(kind)
        tokens.append((kind, text[1:-1] if kind == "string" else text))
        position = match.end()
    return tokens


class _Path:
    """A cursor over path tokens, raising Untranslatable on anything unexpected."""

    def __init__(self, code: str):
        self.code = code
        self.tokens = _path_tokens(code)
        self.at = 0

    def take(self, kind: str, text: str | None = None) -> str:
        if self.at < len(self.tokens):
            found_kind, found = self.tokens[self.at]
            if found_kind == kind and (text is None or found == text):
                self.at += 1
                return found
        self.fail()

    def fail(self):
        raise Untranslatable(f"the expression {self.code[:60]!r} is more than a path into an item "
                             "(Windmill evaluates input transforms without n8n's runtime)")

    def kind(self) -> str:
        return self.tokens[self.at][0] if self.at < len(self.tokens) else ""

    def peek(self, text: str) -> bool:
        return self.at < len(self.tokens) and self.tokens[self.at][1] == text

    def done(self) -> bool:
        return self.at == len(self.tokens)

    def call(self, name: str) -> None:
        self.take("ident", name)
        self.take("punct", "(")
        self.take("punct", ")")


# An item's JSON, however the step before handed it on: n8n items (host steps) give their ``json``,
# plain objects (native steps, entry points) are the JSON (f/phoenix/n8n_host/runtime.ts: isItem).
_JSON_OF = ("((i) => (i !== null && typeof i === 'object' && i.json !== null && typeof i.json === 'object'"
            " && !Array.isArray(i.json) && Object.keys(i).every((k) => "
            "['json', 'binary', 'pairedItem', 'error', 'metadata', 'index'].includes(k)) ? i.json : i))")


def json_of(item: str) -> str:
    """A Windmill expression giving the JSON of the item ``item`` evaluates to."""
    return f"{_JSON_OF}({item})"


def _item_root(path: _Path, current: str, node_items: Callable[[str], Optional[str]]) -> str:
    """The JavaScript for the item a path starts from (``$json``, ``$('X').item.json``, ...)."""
    first = path.take("ident")
    if first == "$json":
        return json_of(current)
    if first == "$input":
        path.take("punct", ".")
        if path.peek("item"):
            path.take("ident", "item")
        else:
            path.call("first")
        path.take("punct", ".")
        path.take("ident", "json")
        return json_of(current)
    if first in ("$", "$node"):
        if first == "$":
            path.take("punct", "(")
            name = path.take("string")
            path.take("punct", ")")
            path.take("punct", ".")
            how = "item" if path.peek("item") else "last" if path.peek("last") else "first"
            if how == "item":
                path.take("ident", "item")
            else:
                path.call(how)
        else:
            path.take("punct", "[")
            name = path.take("string")
            path.take("punct", "]")
            how = "item"
        path.take("punct", ".")
        path.take("ident", "json")
        items = node_items(name)
        if items is None:
            raise Untranslatable(f"reads node {name!r}, which has no Windmill step before this point")
        return json_of(f"({items}).at(-1)" if how == "last" else f"({items})[0]")
    raise Untranslatable(f"uses {first}, which has no equivalent in a Windmill input transform")


def _path_js(code: str, current: str, node_items, workflow_name: str) -> str:
    check_supported(code)
    path = _Path(code)
    if len(path.tokens) == 1 and path.kind() in ("number", "string"):
        kind, text = path.tokens[0]
        return text if kind == "number" else js_string(text)
    if path.peek("$workflow"):
        path.take("ident")
        path.take("punct", ".")
        path.take("ident", "name")
        result = js_string(workflow_name)
    elif path.peek("$now") or path.peek("$today"):
        path.take("ident")
        result = "new Date().toISOString()"
    else:
        result = _item_root(path, current, node_items)
        while not path.done():
            result += _accessor(path)
    if not path.done():
        path.fail()  # something follows a complete value
    return result


def _accessor(path: _Path) -> str:
    """``.name`` / ``?.name`` / ``["key"]`` / ``[0]`` as JavaScript with the key as a literal."""
    if path.peek("["):
        path.take("punct", "[")
        kind = path.kind()
        key = path.take("number") if kind == "number" else path.take("string")
        path.take("punct", "]")
        return f"[{key}]" if kind == "number" else f"[{js_string(key)}]"
    optional = path.peek("?.")
    path.take("punct", "?." if optional else ".")
    name = path.take("ident")
    return f"{'?.' if optional else ''}[{js_string(name)}]"


def to_input_transform(value, current_item: str, node_items: Callable[[str], Optional[str]],
                       workflow_name: str = "") -> str:
    """A Windmill input-transform expression for ``value``, or Untranslatable.

    ``current_item`` is the JavaScript giving n8n's current item in Windmill
    terms (``results.x[0]``, ``flow_input.iter.value``); ``node_items(name)``
    gives the items of an earlier node, or None when it has no step to read.
    """
    if not is_expression(value):
        return js_string(value)
    segments = split_template(value[1:])
    if not any(s.is_code for s in segments):
        return js_string(value[1:])
    parts = [_path_js(s.text, current_item, node_items, workflow_name) if s.is_code else js_string(s.text)
             for s in segments]
    if len(parts) == 1:
        return f"({parts[0]})"
    return "(" + " + ".join(f"String(({p}) ?? \"\")" if s.is_code else p for s, p in zip(segments, parts)) + ")"
