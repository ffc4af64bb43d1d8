"""What a script's docstring says about it: summary, description, and each argument.

The docstring is ``main()``'s, else the module's (scripts here use the
module's, so the summary sits at the top of the file). Its first line is the
summary, the rest the description, and a Google-style ``Args:`` section
describes each argument of ``main()``::

    \"\"\"Route a task to the best available model and answer it.

    Returns the answer and a trace of every decision.

    Args:
        prompt: The task or question, in any language.
        max_tokens: Longest answer in tokens; empty for the stack's
            routing.max_tokens.
    \"\"\"

An entry is ``name: text`` or ``name (type): text``; deeper-indented lines
continue it. ``deploy.py metadata`` writes each entry as the argument's
``description`` in the ``.script.yaml`` schema: the help text under the field
of the Windmill form.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

ARGS_HEADER = re.compile(r"^(?P<indent>\s*)(?:Args|Arguments|Parameters):\s*$")
ENTRY = re.compile(r"^(?P<name>[A-Za-z_]\w*)\s*(?:\([^)]*\))?\s*:(?:\s+(?P<text>.*))?$")


@dataclass
class Docstring:
    summary: str = ""
    description: str = ""                                   # the rest, without the Args: section
    arguments: dict[str, str] = field(default_factory=dict)  # name -> description, in docstring order
    malformed: list[str] = field(default_factory=list)       # Args: lines that are no `name: text` entry


def main_docstring(source: str) -> str:
    """main()'s docstring, else the module's; "" when there is none or the code does not parse."""
    try:
        module = ast.parse(source)
    except SyntaxError:
        return ""
    mains = [n for n in module.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == "main"]
    return (ast.get_docstring(mains[0]) if mains else None) or ast.get_docstring(module) or ""


def read_docstring(source: str) -> Docstring:
    text = main_docstring(source).strip()
    first, _, rest = text.partition("\n")
    kept, section = _split_args_section(rest.splitlines())
    arguments, malformed = _entries(section)
    return Docstring(first.strip(), "\n".join(kept).strip(), arguments, malformed)


def _split_args_section(lines: list[str]) -> tuple[list[str], list[str]]:
    """(the lines outside the Args: section, the section's lines after its header)."""
    for start, line in enumerate(lines):
        header = ARGS_HEADER.match(line)
        if not header:
            continue
        indent = len(header.group("indent"))
        end = start + 1
        while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) > indent):
            end += 1
        return lines[:start] + lines[end:], lines[start + 1:end]
    return lines, []


def _entries(section: list[str]) -> tuple[dict[str, str], list[str]]:
    body = [line for line in section if line.strip()]
    if not body:
        return {}, []
    entry_indent = min(_indent(line) for line in body)
    arguments: dict[str, list[str]] = {}
    malformed, current = [], None
    for line in body:
        if _indent(line) > entry_indent and current is not None:
            arguments[current].append(line.strip())
            continue
        match = ENTRY.match(line.strip())
        if match is None:
            malformed.append(line.strip())
            current = None
            continue
        current = match.group("name")
        arguments[current] = [match.group("text") or ""]
    return {name: " ".join(filter(None, parts)) for name, parts in arguments.items()}, malformed


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())
