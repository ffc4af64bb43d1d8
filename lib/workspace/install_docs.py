"""Entries Phoenix adds to the operator's structured files, added and taken back one by one.

An entry is a JSON path and a value: ``["files.associations", "*.roo"] ->
"yaml"`` (an object member) or ``["tasks", -1] -> {...}`` (an array item,
matched by its ``slug``, ``label`` or ``id``, or by the value itself). Adding
keeps whatever the operator has: an existing member or item with another
value is the operator's and stays (reported as kept), unless Phoenix wrote
it earlier and it is still exactly what Phoenix wrote. Taking back removes
only entries still equal to what Phoenix wrote, and the containers Phoenix
created that are empty again.

The files are JSON with comments (``jsonc.py``) or a YAML ``.roomodes``
(``roo_modes.py``); both are edited as text at the entry's place only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .jsonc import REMOVE, JsoncError, apply_edits, detect_formatting, modify, node_value, read
from .roo_modes import RoomodesYaml, is_json

MISSING = object()
_IDENTITY_KEYS = ("slug", "label", "id")


def identity(value) -> Any:
    """How an array item is recognised: its slug, label or id, else the value itself."""
    if isinstance(value, dict):
        for key in _IDENTITY_KEYS:
            if key in value:
                return {key: value[key]}
    return value


class JsonDocument:
    """A JSON-with-comments file as text plus its value; edits return new text."""

    def __init__(self, text: str, label: str):
        self.text = text
        self.label = label
        self.root = read(text, label)
        if self.root is not None and self.root.type != "object":
            raise JsoncError(f"{label}: expected an object at the top, found {self.root.type}: "
                                   "nothing was changed")
        self.formatting = detect_formatting(text)

    def value(self) -> dict:
        return node_value(self.root) if self.root is not None else {}

    def set(self, path: list, value) -> str:
        if self.root is None:  # empty, or comments only: the object goes after what is there
            body = value
            for segment in reversed(path):
                body = {segment: body}
            lead = self.text if not self.text or self.text.endswith(("\n", "\r")) else self.text + self.formatting.eol
            return lead + apply_edits("", modify("", [], body, self.formatting)) + self.formatting.eol
        return apply_edits(self.text, modify(self.text, path, value, self.formatting))

    def remove(self, path: list) -> str:
        return apply_edits(self.text, modify(self.text, path, REMOVE, self.formatting))


def open_document(text: str, label: str, roomodes: bool = False):
    """The document for a file's text: JSON with comments, or a YAML ``.roomodes``."""
    if roomodes and not is_json(text):  # a new .roomodes is YAML, as Roo Code writes it
        return RoomodesYaml(text, label)
    return JsonDocument(text, label)


def get(value, path: list):
    """The value at ``path``, or MISSING (also when a parent is not a container)."""
    for segment in path:
        if isinstance(segment, str) and isinstance(value, dict) and segment in value:
            value = value[segment]
        elif isinstance(segment, int) and isinstance(value, list) and 0 <= segment < len(value):
            value = value[segment]
        else:
            return MISSING
    return value


def find_item(items: list, value) -> int | None:
    wanted = identity(value)
    return next((i for i, item in enumerate(items) if identity(item) == wanted), None)


@dataclass
class Outcome:
    """What one run did to one file's entries."""

    added: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    kept: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    #: entries (path, value) that are Phoenix's after this run, and containers Phoenix created
    owned: list = field(default_factory=list)
    containers: list = field(default_factory=list)


def describe(path: list, value) -> str:
    shown = path[:-1] + [identity(value)] if path and path[-1] == -1 else path
    return " > ".join(str(next(iter(s.values()))) if isinstance(s, dict) else str(s) for s in shown)


def _missing_container(value, path: list) -> list | None:
    """The highest missing parent of ``path`` (that adding the entry creates), or None."""
    for depth in range(1, len(path)):
        if get(value, path[:depth]) is MISSING:
            return path[:depth]
    return None


def add_entries(document_text: str, label: str, entries: list, previously_owned: list, roomodes: bool = False,
                previous_containers: list | None = None):
    """Add each entry unless the operator has another value there; return (new text, Outcome)."""
    outcome = Outcome(containers=[list(c) for c in previous_containers or []])
    owned = {_key(path, value): value for path, value in previously_owned}
    text = document_text
    for path, value in entries:
        document = open_document(text, label, roomodes)
        current = document.value()
        is_item = path[-1] == -1
        blocker = _blocker(current, path)
        if blocker:
            outcome.kept.append(f"{describe(path, value)}: {blocker} (left as it is)")
            continue
        existing, place = _locate(current, path, value)
        ours_before = owned.get(_key(path, value), MISSING)
        if existing is MISSING:
            created = _missing_container(current, place)
            if is_item and get(current, path[:-1]) is MISSING:
                text = document.set(path[:-1], [value])
            else:
                text = document.set(place, value)
            if created and created not in outcome.containers:
                outcome.containers.append(created)
            outcome.added.append(describe(path, value))
        elif existing == value:
            if ours_before is MISSING:
                continue  # the operator already has exactly this: theirs, not Phoenix's
        elif ours_before is not MISSING and existing == ours_before:
            text = document.set(place, value)
            outcome.updated.append(describe(path, value))
        else:
            outcome.kept.append(f"{describe(path, value)}: you have another value there (left as it is)")
            continue
        outcome.owned.append((path, value))
    return text, outcome


def _key(path: list, value) -> str:
    return json.dumps([path, identity(value) if path[-1] == -1 else None], sort_keys=True)


def _blocker(current, path: list) -> str | None:
    """Why an entry cannot go at ``path`` (a parent that is not an object, an array that is not a list)."""
    is_item = path[-1] == -1
    parents = path[:-2] if is_item else path[:-1]
    for depth in range(1, len(parents) + 1):
        here = get(current, parents[:depth])
        if here is MISSING:
            return None
        if not isinstance(here, dict):
            return f"{' > '.join(map(str, parents[:depth]))} is not an object"
    items = get(current, path[:-1]) if is_item else MISSING
    if items is not MISSING and not isinstance(items, list):
        return f"{' > '.join(map(str, path[:-1]))} is not a list"
    return None


def _locate(current, path: list, value):
    """(existing value or MISSING, the path to set) for an entry."""
    if path[-1] != -1:
        return get(current, path), path
    items = get(current, path[:-1])
    if items is MISSING:
        return MISSING, path
    if not isinstance(items, list):
        return MISSING, path  # add_entries reports it (_blocker); nothing to remove
    index = find_item(items, value)
    if index is None:
        return MISSING, path
    return items[index], path[:-1] + [index]


def remove_entries(document_text: str, label: str, owned: list, containers: list, roomodes: bool = False):
    """Take back entries still equal to what Phoenix wrote, then the emptied containers Phoenix created."""
    outcome = Outcome()
    text = document_text
    for path, value in owned:
        document = open_document(text, label, roomodes)
        existing, place = _locate(document.value(), path, value)
        if existing is MISSING:
            continue
        if existing != value:
            outcome.kept.append(f"{describe(path, value)}: changed since Phoenix wrote it (left as it is)")
            continue
        text = document.remove(place)
        outcome.removed.append(describe(path, value))
    for container in sorted(containers, key=len, reverse=True):
        document = open_document(text, label, roomodes)
        if get(document.value(), container) in ({}, []):
            text = document.remove(container)
    return text, outcome
