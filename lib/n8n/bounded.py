"""Reading untrusted JSON and YAML within bounds, with one clear reason when it is not possible.

A workflow file, an n8n API answer or a sync index may be anything: nested
100,000 levels deep (Python's parsers end with RecursionError, and so would
every recursive walk after them), larger than memory, not UTF-8, with a BOM,
with ``NaN`` (which n8n's own ``JSON.parse`` refuses), or with numbers Python
will not convert. Each reader here turns those into ``UnreadableInput`` with a
short reason, so the caller makes it one per-file (or per-workflow) error and
carries on with the rest.

Nesting is measured before parsing with a scan that skips strings, so the
parsers never see a document deeper than ``MAX_DEPTH``. An n8n list page
(``{"data": [...], "nextCursor": ...}``) is split into its workflows first:
one workflow too deep for Phoenix is one unreadable entry, not a failed page.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import Any

from ..errors import InputError

# Real workflows nest about 12 levels (the deepest of the 463 development files); 100 leaves room
# and keeps every recursive walk after parsing far from Python's recursion limit.
MAX_DEPTH = 100
MAX_FILE_BYTES = 64 * 1024 * 1024

_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{},:]', re.S)
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_BRACKETS = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class UnreadableInput(InputError):
    """A document that cannot be read within Phoenix's bounds; ``str(exc)`` says why."""

    kind = "unreadable"


def _refuse_constant(name: str):
    raise UnreadableInput(f"{name} is not JSON (n8n's own parser refuses it)")


def nesting_problem(text: str, limit: int = MAX_DEPTH) -> str | None:
    """Why ``text`` nests too deeply (with the character offset), or None."""
    brackets = _BRACKETS.sub("", _STRINGS.sub("", text))  # only the structure is left
    if max(accumulate(map(_STEP.__getitem__, brackets)), default=0) <= limit:  # all in C: fast
        return None
    depth = 0
    for match in _TOKENS.finditer(text):  # again, slowly, to say where
        token = match.group(0)
        if token in "[{":
            depth += 1
            if depth > limit:
                return f"nesting deeper than {limit} levels (at character {match.start()})"
        elif token in "]}":
            depth -= 1
    return f"nesting deeper than {limit} levels"  # pragma: no cover - both scans count alike


def parse_json(text: str, limit: int = MAX_DEPTH) -> Any:
    """``json.loads`` for untrusted text, or ``UnreadableInput``."""
    if text.startswith("\ufeff"):
        text = text[1:]  # a BOM before JSON: common from Windows editors, harmless
    if not text.strip():
        raise UnreadableInput("empty document")
    problem = nesting_problem(text, limit)
    if problem:
        raise UnreadableInput(problem)
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise UnreadableInput(f"malformed JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except RecursionError:  # pragma: no cover - the scan above keeps the parser shallow
        raise UnreadableInput(f"nesting deeper than {limit} levels") from None
    except UnreadableInput:
        raise
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise UnreadableInput(f"unreadable JSON value: {exc}") from None


def read_text(path: Path, limit_bytes: int | None = None) -> str:
    """A file's UTF-8 text (a BOM dropped), or ``UnreadableInput`` saying why not."""
    limit_bytes = MAX_FILE_BYTES if limit_bytes is None else limit_bytes
    try:
        size = path.stat().st_size
        if size > limit_bytes:
            raise UnreadableInput(f"larger than {limit_bytes} bytes ({size} bytes)")
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableInput(f"cannot be read: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableInput(f"not UTF-8 text (byte {exc.start})") from None


def read_json_file(path: Path, limit: int = MAX_DEPTH) -> Any:
    """The parsed JSON of a file, or ``UnreadableInput``."""
    text = read_text(path)
    if not text.strip():
        raise UnreadableInput("empty file")
    return parse_json(text, limit)


def parse_yaml(text: str, limit: int = MAX_DEPTH) -> Any:
    """``yaml.safe_load`` for untrusted text: too deep or malformed is ``UnreadableInput``.

    The pure-Python loader on purpose: libyaml's recursion on a deeply nested
    document overflows the C stack and ends the process (a segfault, not an
    exception); Python's stops at its recursion limit, which is caught.
    """
    import yaml

    try:
        document = yaml.safe_load(text)
    except RecursionError:
        raise UnreadableInput(f"nesting deeper than {limit} levels") from None
    except yaml.YAMLError as exc:
        raise UnreadableInput(f"malformed YAML: {exc}") from None
    problem = depth_problem(document, limit)
    if problem:
        raise UnreadableInput(problem)
    return document


def depth_problem(value: Any, limit: int = MAX_DEPTH) -> str | None:
    """Why a parsed value nests too deeply, or None.

    Iterative, so any depth is safe to ask about; each container is visited
    once, so YAML aliases that share one list a billion times cost nothing.
    """
    todo, seen = [(value, 1)], set()
    while todo:
        item, depth = todo.pop()
        if not isinstance(item, (dict, list)) or (id(item), depth) in seen:
            continue
        if depth > limit:
            return f"nesting deeper than {limit} levels"
        seen.add((id(item), depth))
        todo.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return None


@dataclass
class UnreadableItem:
    """One element of a list answer that could not be read; ``id``/``name`` when they could be seen."""

    reason: str
    id: str | None = None
    name: str | None = None


def parse_list_page(text: str, key: str = "data", limit: int = MAX_DEPTH) -> tuple[dict, list]:
    """An API page ``{key: [...], ...}``: (the page without ``key``, its elements).

    Each element may nest ``limit`` levels on its own; one that cannot be read
    becomes an ``UnreadableItem`` in its place. A page that is not such an
    object is ``UnreadableInput``.
    """
    if nesting_problem(text, limit + 2) is None:
        page = parse_json(text, limit + 2)
        if not isinstance(page, dict) or not isinstance(page.get(key), list):
            raise UnreadableInput(f"expected {{{key}: [...]}} in the answer")
        return {k: v for k, v in page.items() if k != key}, page[key]
    (start, end), pieces = _array_of(text, key)
    rest = parse_json(text[:start] + "[]" + text[end:], limit)
    if not isinstance(rest, dict):
        raise UnreadableInput(f"expected {{{key}: [...]}} in the answer")
    rest.pop(key, None)
    return rest, [_element(text[a:b], limit) for a, b in pieces if text[a:b].strip()]


def _element(text: str, limit: int):
    try:
        return parse_json(text, limit)
    except UnreadableInput as exc:
        return UnreadableItem(str(exc), *_visible_identity(text))


def _pairs(text: str, depth_of_pairs: int):
    """Each token with its match, and the key it is the value of (for ``key: <token>`` at that depth)."""
    depth, key, after_colon = 0, None, False
    for match in _TOKENS.finditer(text):
        token = match.group(0)
        opening = token in "[{"
        yield match, (key if after_colon and depth == depth_of_pairs else None), depth + (1 if opening else 0)
        if opening:
            depth += 1
        elif token in "]}":
            depth -= 1
        if depth == depth_of_pairs and token.startswith('"') and not after_colon:
            key, after_colon = json.loads(token), False
            continue
        if depth == depth_of_pairs and token == ":" and key is not None:
            after_colon = True
            continue
        key, after_colon = None, False


def _array_of(text: str, key: str) -> tuple[tuple[int, int], list[tuple[int, int]]]:
    """Where the top-level ``key`` array lies, and the span of each of its elements."""
    start, cuts = None, []
    for match, value_of, depth in _pairs(text, 1):
        token = match.group(0)
        if start is None:
            if token == "[" and value_of == key:
                start = match.start()
        elif token == "," and depth == 2:
            cuts.append(match.start())
        elif token == "]" and depth == 2:
            bounds = [start] + cuts + [match.start()]
            return (start, match.end()), [(a + 1, b) for a, b in zip(bounds, bounds[1:])]
    raise UnreadableInput(f"expected {{{key}: [...]}} in the answer")


def _visible_identity(text: str) -> tuple[str | None, str | None]:
    """The ``id`` and ``name`` strings at the top of an element too deep to parse."""
    found: dict[str, str] = {}
    for match, value_of, _depth in _pairs(text, 1):
        if value_of in ("id", "name") and match.group(0).startswith('"'):
            found.setdefault(value_of, json.loads(match.group(0)))
    return found.get("id"), found.get("name")
