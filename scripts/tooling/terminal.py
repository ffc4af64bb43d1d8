"""How a job's result reads on a terminal (``scripts/run.py`` without ``--json``).

A result that carries its own markdown (the health dashboard
``{"markdown": ...}``, the benchmark's table, the sync report, a flow's
failure ``report``) is printed as that markdown, its tables aligned, instead
of one JSON string full of ``\\n``; everything else is pretty JSON. ``--json``
always prints the exact JSON, for machines.
"""

from __future__ import annotations

import json
import re
import unicodedata

#: the keys under which a result carries its readable form, in order of preference
MARKDOWN_KEYS = ("markdown", "report")
_SEPARATOR_CELL = re.compile(r"^:?-{3,}:?$")
_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def as_json(result) -> str:
    return json.dumps(result, indent=2, ensure_ascii=False, default=str)


def markdown_of(result) -> str | None:
    """The markdown a result carries, if it is a mapping with one."""
    if not isinstance(result, dict):
        return None
    for key in MARKDOWN_KEYS:
        if isinstance(result.get(key), str) and result[key].strip():
            return result[key]
    return None


def hidden_fields(result) -> list[str]:
    """What a markdown rendering leaves out (shown in full by --json)."""
    markdown = markdown_of(result)
    if markdown is None:
        return []
    return [key for key, value in result.items() if value is not markdown and key not in ("ok", "error")]


def for_terminal(result) -> str:
    """The markdown rendered readably when the result has one, else pretty JSON."""
    markdown = markdown_of(result)
    return render_markdown(markdown) if markdown is not None else as_json(result)


def render_markdown(text: str) -> str:
    """Markdown as plain text: tables aligned in columns, everything else as written."""
    lines, out, table, fenced = text.splitlines(), [], [], False
    for line in lines + [""]:
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced and line.lstrip().startswith("|"):
            table.append(line)
            continue
        if table:
            out += _aligned(table)
            table = []
        out.append(line)
    return "\n".join(out[:-1]).rstrip("\n")


def _aligned(rows: list[str]) -> list[str]:
    cells = [[c.strip().replace("\\|", "|") for c in _UNESCAPED_PIPE.split(r.strip().strip("|"))] for r in rows]
    separator = [all(_SEPARATOR_CELL.match(c) for c in row) for row in cells]
    width = max(len(row) for row in cells)
    cells = [row + [""] * (width - len(row)) for row in cells]
    widths = [max((display_width(row[i]) for row, sep in zip(cells, separator) if not sep), default=3)
              for i in range(width)]
    lines = []
    for row, sep in zip(cells, separator):
        if sep:
            lines.append("  ".join("-" * w for w in widths).rstrip())
        else:
            lines.append("  ".join(cell + " " * (w - display_width(cell)) for cell, w in zip(row, widths)).rstrip())
    return lines


def display_width(text: str) -> int:
    """Columns a terminal gives the text: wide characters (most emoji) take two, combining marks none."""
    width = 0
    for char in text:
        if unicodedata.combining(char) or char in "\u200d\ufe0f\ufe0e":
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width
