# GENERATED from lib/workspace/roo_modes.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""Roo Code's ``.roomodes`` in YAML, edited in place: the operator's modes, comments and layout stay.

Roo Code reads a project's ``.roomodes`` as YAML and falls back to JSON
(RooCodeInc/Roo-Code ``src/core/config/CustomModesManager.ts``,
``parseYamlSafely``); the document is ``{customModes: [mode, ...]}``
(``schemas/roomodes.json``). A JSON one is edited with ``jsonc.py``; this
module edits the YAML form as text: a mode is added as a new ``- slug: ...``
entry after the last one, replaced or removed as the lines it occupies, and
every edit is checked by parsing the result again: if anything but that
entry would change, the edit is refused and nothing is written.
"""

from __future__ import annotations

import copy
import json

import yaml

from ..errors import PhoenixError


class RoomodesError(PhoenixError):
    """A ``.roomodes`` that cannot be read, or edited without changing the operator's modes."""

    kind = "roomodes"


class _Dumper:
    """yaml.SafeDumper with Roo's own style: block mappings, ``|-`` blocks for multi-line text."""

    _class = None

    @classmethod
    def get(cls):
        if cls._class is None:

            class Dumper(yaml.SafeDumper):
                def ignore_aliases(self, data):
                    return True

            def text(dumper, value: str):
                return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)

            Dumper.add_representer(str, text)
            cls._class = Dumper
        return cls._class


def dump_yaml(value) -> str:
    """``value`` as YAML text (the serializer every generated YAML goes through)."""

    return yaml.dump(value, Dumper=_Dumper.get(), sort_keys=False, allow_unicode=True, width=10 ** 6,
                     default_flow_style=False)


def is_json(text: str) -> bool:
    """Whether a ``.roomodes`` is written as JSON (its first character, past a BOM and spaces, is ``{``)."""
    return text.lstrip("\ufeff \t\r\n").startswith("{")


class RoomodesYaml:
    """A YAML ``.roomodes``: its parsed value and text edits of ``customModes`` entries.

    Paths are JSON paths into the document, as for the JSONC files:
    ``["customModes"]`` (the whole list, when there is none yet) and
    ``["customModes", i]`` (one mode; ``-1`` appends).
    """

    def __init__(self, text: str, label: str = ".roomodes"):
        self.text = text
        self.label = label
        self.eol = "\r\n" if "\r\n" in text else "\n"
        self.document = self._load(text)
        self._node = None
        self._token_list = None

    def _load(self, text: str) -> dict:

        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
            raise RoomodesError(f"{self.label}: malformed YAML: {where}{getattr(exc, 'problem', exc)}; "
                                "fix it (Roo Code cannot read it either) and run again: nothing was changed") from exc
        if document is None:
            return {}
        if not isinstance(document, dict):
            raise RoomodesError(f"{self.label}: expected a mapping with customModes at the top, "
                                f"got {type(document).__name__}: nothing was changed")
        modes = document.get("customModes")
        if modes is not None and not isinstance(modes, list):
            raise RoomodesError(f"{self.label}: customModes must be a list, got {type(modes).__name__}: "
                                "nothing was changed")
        return document

    def value(self) -> dict:
        return self.document

    # --- edits -----------------------------------------------------------------------------------

    def set(self, path: list, value) -> str:
        """The text with ``path`` set to ``value``."""
        if path == ["customModes"] and "customModes" not in self.document:
            return self._checked(self._append_key(value), path, value)
        if len(path) != 2 or path[0] != "customModes" or not isinstance(path[1], int):
            raise RoomodesError(f"{self.label}: cannot edit {path} in YAML (only customModes entries)")
        sequence = self._sequence()
        if path[1] == -1:
            new_text = self._insert(sequence, value)
        else:
            new_text = self._replace(sequence, path[1], value)
        return self._checked(new_text, path, value)

    def remove(self, path: list) -> str:
        """The text without the mode at ``["customModes", i]`` (or without an empty ``customModes: []``)."""
        if path == ["customModes"]:
            return self._remove_empty_key()
        if len(path) != 2 or path[0] != "customModes" or not isinstance(path[1], int):
            raise RoomodesError(f"{self.label}: cannot remove {path} in YAML (only customModes entries)")
        key, sequence = self._key_and_sequence()
        if sequence.flow_style:
            raise RoomodesError(f"{self.label}: customModes is written in flow style ([...]); "
                                "remove the Phoenix mode by hand: nothing was changed")
        index = path[1]
        begin, end = self._item_lines(sequence, index)
        if len(sequence.value) == 1:  # the list becomes empty again: [] as it was before a mode was added
            content_end = self._line_end(self._content_end(0))
            new_text = self.text[:key.end_mark.index] + ": []" + self.text[content_end:]
        else:
            new_text = self.text[:begin] + self.text[end:]
        expected = copy.deepcopy(self.document)
        del expected["customModes"][index]
        return self._verify(new_text, expected)

    def _remove_empty_key(self) -> str:
        key, sequence = self._key_and_sequence()
        if sequence.value:
            raise RoomodesError(f"{self.label}: customModes is not empty: nothing was changed")
        begin = self._line_start(key.start_mark.index)
        end = self._line_end(sequence.end_mark.index)
        end += 2 if self.text.startswith("\r\n", end) else (1 if end < len(self.text) else 0)
        expected = {k: v for k, v in self.document.items() if k != "customModes"}
        return self._verify(self.text[:begin] + self.text[end:], expected if expected else None)

    def _checked(self, new_text: str, path: list, value) -> str:
        expected = copy.deepcopy(self.document)
        if path == ["customModes"]:
            expected["customModes"] = value
        elif path[1] == -1:
            expected["customModes"].append(value)
        else:
            expected["customModes"][path[1]] = value
        return self._verify(new_text, expected)

    def _verify(self, new_text: str, expected: dict) -> str:

        try:
            got = yaml.safe_load(new_text)
        except yaml.YAMLError as exc:
            got = exc
        if got != expected:
            raise RoomodesError(f"{self.label}: this file's layout cannot be edited safely (the result would "
                                "change more than the Phoenix mode); add the mode by hand or write the file as "
                                "a plain block list: nothing was changed")
        return new_text

    # --- where things are ------------------------------------------------------------------------

    def _root(self):

        if self._node is None:
            self._node = yaml.compose(self.text, Loader=yaml.SafeLoader)
        return self._node

    def _key_and_sequence(self):
        root = self._root()
        for key, value in root.value:
            if key.value == "customModes":
                return key, value
        raise RoomodesError(f"{self.label}: no customModes list")

    def _sequence(self):
        return self._key_and_sequence()[1]

    def _content_end(self, index: int) -> int:
        """Where the entry at ``index`` ends: its last token (a block node's end mark lies past the comments
        after it, and an alias's node is its anchor's, elsewhere in the file)."""

        sequence = self._sequence()
        index %= len(sequence.value)
        item = sequence.value[index]
        if sequence.flow_style:
            limit = sequence.end_mark.index - 1  # before the closing ]
        elif index + 1 < len(sequence.value):
            limit = self._dashes(sequence)[index + 1]
        else:
            limit = sequence.end_mark.index
        ends = [token.end_mark.index for token in self._tokens()
                if item.start_mark.index <= token.start_mark.index < limit
                and not isinstance(token, (yaml.BlockEndToken, yaml.FlowEntryToken, yaml.BlockEntryToken))]
        end = max(ends, default=item.end_mark.index)
        while end > 0 and self.text[end - 1] in " \t\r\n":
            end -= 1
        return end

    def _tokens(self) -> list:

        if self._token_list is None:
            self._token_list = list(yaml.scan(self.text, Loader=yaml.SafeLoader))
        return self._token_list

    def _line_end(self, offset: int) -> int:
        ends = [i for i in (self.text.find("\n", offset), self.text.find("\r", offset)) if i >= 0]
        return min(ends) if ends else len(self.text)

    def _line_start(self, offset: int) -> int:
        return max(self.text.rfind("\n", 0, offset), self.text.rfind("\r", 0, offset)) + 1

    def _dashes(self, sequence) -> list[int]:
        """The offsets of the ``-`` opening each entry of a block sequence (from the tokens: an alias
        entry's node carries its anchor's place)."""

        column = sequence.start_mark.column
        dashes = [token.start_mark.index for token in self._tokens()
                  if isinstance(token, yaml.BlockEntryToken) and token.start_mark.column == column
                  and sequence.start_mark.index <= token.start_mark.index < sequence.end_mark.index]
        if len(dashes) != len(sequence.value):
            raise RoomodesError(f"{self.label}: unexpected layout of customModes: nothing was changed")
        return dashes

    def _item_lines(self, sequence, index: int) -> tuple[int, int]:
        if not -len(sequence.value) <= index < len(sequence.value):
            raise RoomodesError(f"{self.label}: no mode at position {index}")
        begin = self._line_start(self._dashes(sequence)[index])
        end = self._line_end(self._content_end(index))
        if self.text.startswith("\r\n", end):
            end += 2
        elif end < len(self.text):
            end += 1
        return begin, end

    def _entry_text(self, value, column: int) -> str:
        lines = dump_yaml([value]).rstrip("\n").split("\n")
        return self.eol.join(" " * column + line if line else line for line in lines)

    def _insert(self, sequence, value) -> str:
        if sequence.flow_style:
            if sequence.value:

                end = self._content_end(-1)
                return self.text[:end] + ", " + json.dumps(value, ensure_ascii=False) + self.text[end:]
            key, _ = self._key_and_sequence()
            between = self.text[key.end_mark.index:sequence.start_mark.index]
            if between.strip(" \t") != ":":
                raise RoomodesError(f"{self.label}: unexpected text before customModes' []: nothing was changed")
            block = self._entry_text(value, key.start_mark.column + 2)
            return self.text[:key.end_mark.index] + ":" + self.eol + block + self.text[sequence.end_mark.index:]
        at = self._line_end(self._content_end(-1))
        return self.text[:at] + self.eol + self._entry_text(value, sequence.start_mark.column) + self.text[at:]

    def _replace(self, sequence, index: int, value) -> str:
        if sequence.flow_style:
            raise RoomodesError(f"{self.label}: customModes is written in flow style ([...]); "
                                "update the Phoenix mode by hand: nothing was changed")
        begin, end = self._item_lines(sequence, index)
        column = self._dashes(sequence)[index] - begin
        line_end = self._line_end(self._content_end(index))
        return self.text[:begin] + self._entry_text(value, column) + self.text[line_end:]

    def _append_key(self, value) -> str:
        block = self.eol.join(dump_yaml({"customModes": value}).rstrip("\n").split("\n"))
        text = self.text
        if text and not text.endswith(("\n", "\r")):
            text += self.eol
        return text + block + self.eol
