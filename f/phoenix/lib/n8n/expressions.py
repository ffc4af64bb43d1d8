# GENERATED from lib/n8n/expressions.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""n8n expressions (``"=Hello {{ $json.name }}"``) to JavaScript.

Two targets:

- **step code** (``to_step_js``): the expression runs inside a translated Bun
  step, per item, where the n8n runtime bindings exist (``$json``, ``$input``,
  ``$('Node')``, ``$node[...]``, ``$now``...). n8n expressions are JavaScript,
  so the code is kept as written and only the template around it is compiled.
- **Windmill input transforms** (``to_input_transform``): the expression is
  rewritten to Windmill's own expression context (``results.<step>``,
  ``flow_input``), where no n8n helper exists. Anything that cannot be
  rewritten comes back as a reason instead of a guess.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Callable, Optional

from ..errors import Unsupported

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


def _template_literal_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace("`", "\\`").replace("${", "\\${")


def to_step_js(value, stringify: str = "__str") -> str:
    """JavaScript source computing ``value`` inside a translated step.

    A non-expression string becomes a string literal; ``"={{ x }}"`` becomes
    ``(x)`` (its value, not its text, as in n8n); mixed text becomes a
    template literal whose code parts are stringified like n8n does.
    """
    if not is_expression(value):
        return json.dumps(value, ensure_ascii=False)
    segments = split_template(value[1:])
    codes = [s for s in segments if s.is_code]
    for segment in codes:
        check_supported(segment.text)
    if len(segments) == 1 and codes:
        return f"(\n{codes[0].text or 'undefined'}\n)"
    if not codes:
        return json.dumps(value[1:], ensure_ascii=False)
    parts = [f"${{{stringify}(\n{s.text or 'undefined'}\n)}}" if s.is_code else _template_literal_text(s.text)
             for s in segments]
    return "`" + "".join(parts) + "`"


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

_NODE_ACCESS = re.compile(
    r"""\$\(\s*(['"])(?P<a>.+?)\1\s*\)\.(?P<how>item|first\(\)|last\(\))\.json"""
    r"""|\$node\[\s*(['"])(?P<b>.+?)\4\s*\]\.json""")


def to_input_transform(value, current_item: str, node_items: Callable[[str], Optional[str]],
                       workflow_name: str = "") -> str:
    """A Windmill input-transform expression for ``value``, or Untranslatable.

    ``current_item`` is the JavaScript giving n8n's current item in Windmill
    terms (``results.x[0]``, ``flow_input.iter.value``); ``node_items(name)``
    gives the items of an earlier node, or None when it has no step to read.
    """
    if not is_expression(value):
        return json.dumps(value, ensure_ascii=False)
    segments = split_template(value[1:])
    if not any(s.is_code for s in segments):
        return json.dumps(value[1:], ensure_ascii=False)
    rewritten = [Segment(s.is_code, _rewrite(s.text, current_item, node_items, workflow_name) if s.is_code else s.text)
                 for s in segments]
    if len(rewritten) == 1:
        return f"({rewritten[0].text})"
    parts = [f"${{({s.text}) ?? ''}}" if s.is_code else _template_literal_text(s.text) for s in rewritten]
    return "`" + "".join(parts) + "`"


def _rewrite(code: str, current: str, node_items, workflow_name: str) -> str:
    check_supported(code)

    def node_access(match: re.Match) -> str:
        name = match.group("a") or match.group("b")
        items = node_items(name)
        if items is None:
            raise Untranslatable(f"reads node {name!r}, which has no Windmill step before this point")
        return f"({items}).at(-1)" if match.group("how") == "last()" else f"({items})[0]"

    code = _NODE_ACCESS.sub(node_access, code)
    code = re.sub(r"\$input\.(item|first\(\))\.json", lambda _m: current, code)
    code = re.sub(r"(?<![\w$])\$json(?![\w$])", lambda _m: current, code)
    code = re.sub(r"\$workflow\.name", lambda _m: json.dumps(workflow_name), code)
    code = re.sub(r"(?<![\w$])\$(now|today)(?![\w$.])", lambda _m: "new Date().toISOString()", code)
    leftovers = sorted(h for h in helpers_used(code))
    if leftovers:
        raise Untranslatable(f"uses {', '.join(leftovers)}, which has no equivalent in a Windmill input transform")
    return code
