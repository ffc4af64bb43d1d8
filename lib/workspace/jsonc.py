"""JSON with comments (VS Code's settings.json, tasks.json; Roo's mcp.json), edited in place.

The operator's files are edited the way VS Code edits them: the document is
parsed into a tree of offsets with the semantics of Microsoft's
``jsonc-parser`` (the library VS Code uses; microsoft/node-jsonc-parser
v3.3.1, ``src/impl/scanner.ts``, ``parser.ts``, ``edit.ts``), and a change is
a short list of text edits at the right offsets, so every comment, trailing
comma, blank line and indentation the operator wrote stays as it was.

``modify(text, path, value)`` without formatting gives exactly jsonc-parser's
``modify`` edits (``tests/workspace/test_jsonc_vs_npm.py`` compares the two
on a corpus). With a ``Formatting`` it lays the new text out like
jsonc-parser's formatter does for a well-formatted file, with one deliberate
difference: jsonc-parser reformats the whole line it inserts on, so a comment
at the end of the previous entry (``"a": 1, // why``) moves onto the new
entry's line and an operator's own spacing on that line is rewritten; here
only the inserted or replaced text is laid out, and the new entry goes on a
line of its own after that comment. ``apply_edits`` applies edits as
jsonc-parser's ``applyEdits`` does.

Offsets are Python string indices (code points); jsonc-parser counts UTF-16
units. They agree except after characters outside the BMP (emoji), which is
why the differential test compares texts, not raw offsets, on such input.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from ..errors import PhoenixError

# ParseErrorCode of jsonc-parser (src/main.ts), and what each means to an operator
ERROR_MESSAGES = {
    1: "invalid symbol", 2: "invalid number format", 3: "property name expected", 4: "value expected",
    5: "colon expected", 6: "comma expected", 7: "closing brace expected", 8: "closing bracket expected",
    9: "end of file expected", 10: "comments are not allowed", 11: "unterminated comment",
    12: "unterminated string", 13: "unterminated number", 14: "invalid unicode escape",
    15: "invalid escape character", 16: "invalid character in a string",
}
(INVALID_SYMBOL, INVALID_NUMBER_FORMAT, PROPERTY_NAME_EXPECTED, VALUE_EXPECTED, COLON_EXPECTED,
 COMMA_EXPECTED, CLOSE_BRACE_EXPECTED, CLOSE_BRACKET_EXPECTED, END_OF_FILE_EXPECTED, _COMMENT_TOKEN,
 UNEXPECTED_END_OF_COMMENT, UNEXPECTED_END_OF_STRING, UNEXPECTED_END_OF_NUMBER, INVALID_UNICODE,
 INVALID_ESCAPE_CHARACTER, INVALID_CHARACTER) = range(1, 17)

REMOVE = object()  #: the value that removes a property or array item (jsonc-parser's ``undefined``)


class JsoncError(PhoenixError):
    """A JSON-with-comments document that cannot be read or edited safely."""

    kind = "jsonc"


class Kind(IntEnum):
    OPEN_BRACE = 1
    CLOSE_BRACE = 2
    OPEN_BRACKET = 3
    CLOSE_BRACKET = 4
    COMMA = 5
    COLON = 6
    NULL = 7
    TRUE = 8
    FALSE = 9
    STRING = 10
    NUMBER = 11
    LINE_COMMENT = 12
    BLOCK_COMMENT = 13
    LINE_BREAK = 14
    TRIVIA = 15
    UNKNOWN = 16
    EOF = 17


_TRIVIA = (Kind.LINE_COMMENT, Kind.BLOCK_COMMENT, Kind.LINE_BREAK, Kind.TRIVIA)
_PUNCTUATION = {"{": Kind.OPEN_BRACE, "}": Kind.CLOSE_BRACE, "[": Kind.OPEN_BRACKET,
                "]": Kind.CLOSE_BRACKET, ",": Kind.COMMA, ":": Kind.COLON}
_NOT_IN_WORDS = set(" \t\r\n{}[]\":,/")
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_HEX = set("0123456789abcdefABCDEF")
_SCAN_ERRORS = {"unicode": INVALID_UNICODE, "escape": INVALID_ESCAPE_CHARACTER,
                "number": UNEXPECTED_END_OF_NUMBER, "comment": UNEXPECTED_END_OF_COMMENT,
                "string": UNEXPECTED_END_OF_STRING, "character": INVALID_CHARACTER}


class Scanner:
    """jsonc-parser's tokenizer: one token per ``scan()``, trivia (spaces, line breaks, comments) included."""

    def __init__(self, text: str, position: int = 0):
        self.text = text
        self.pos = position
        self.kind = Kind.UNKNOWN
        self.offset = position
        self.value = ""
        self.error: str | None = None

    @property
    def length(self) -> int:
        return self.pos - self.offset

    def scan(self) -> Kind:
        text, size = self.text, len(self.text)
        self.value, self.error, self.offset = "", None, self.pos
        if self.pos >= size:
            self.offset = size
            self.kind = Kind.EOF
            return self.kind
        char = text[self.pos]
        if char in " \t":
            while self.pos < size and text[self.pos] in " \t":
                self.pos += 1
            self.value = text[self.offset:self.pos]
            return self._is(Kind.TRIVIA)
        if char in "\r\n":
            self.pos += 2 if text.startswith("\r\n", self.pos) else 1
            self.value = text[self.offset:self.pos]
            return self._is(Kind.LINE_BREAK)
        if char in _PUNCTUATION:
            self.pos += 1
            return self._is(_PUNCTUATION[char])
        if char == '"':
            self.pos += 1
            self.value = self._string()
            return self._is(Kind.STRING)
        if char == "/":
            return self._comment_or_slash()
        if char == "-" and not (self.pos + 1 < size and text[self.pos + 1].isascii() and text[self.pos + 1].isdigit()):
            self.pos += 1
            self.value = "-"
            return self._is(Kind.UNKNOWN)
        if char == "-" or ("0" <= char <= "9"):
            self.value = self._number()
            return self._is(Kind.NUMBER)
        while self.pos < size and text[self.pos] not in _NOT_IN_WORDS:
            self.pos += 1
        self.value = text[self.offset:self.pos]
        return self._is({"true": Kind.TRUE, "false": Kind.FALSE, "null": Kind.NULL}.get(self.value, Kind.UNKNOWN))

    def scan_non_trivia(self) -> Kind:
        while self.scan() in _TRIVIA:
            pass
        return self.kind

    def _is(self, kind: Kind) -> Kind:
        self.kind = kind
        return kind

    def _digits(self) -> int:
        start = self.pos
        while self.pos < len(self.text) and "0" <= self.text[self.pos] <= "9":
            self.pos += 1
        return self.pos - start

    def _number(self) -> str:
        text, start = self.text, self.pos
        if text[self.pos] == "-":
            self.pos += 1
        if text[self.pos] == "0":
            self.pos += 1
        else:
            self._digits()
        if text.startswith(".", self.pos):
            self.pos += 1
            if not self._digits():
                self.error = "number"
                return text[start:self.pos]
        end = self.pos
        if self.pos < len(text) and text[self.pos] in "eE":
            self.pos += 1
            if self.pos < len(text) and text[self.pos] in "+-":
                self.pos += 1
            if self._digits():
                end = self.pos
            else:
                self.error = "number"
        return text[start:end]

    def _string(self) -> str:
        text, size = self.text, len(self.text)
        parts, start = [], self.pos
        while True:
            if self.pos >= size:
                parts.append(text[start:self.pos])
                self.error = "string"
                break
            char = text[self.pos]
            if char == '"':
                parts.append(text[start:self.pos])
                self.pos += 1
                break
            if char == "\\":
                parts.append(text[start:self.pos])
                self.pos += 1
                if self.pos >= size:
                    self.error = "string"
                    break
                escape = text[self.pos]
                self.pos += 1
                if escape in _ESCAPES:
                    parts.append(_ESCAPES[escape])
                elif escape == "u":
                    hex_start = self.pos
                    while self.pos < size and self.pos - hex_start < 4 and text[self.pos] in _HEX:
                        self.pos += 1
                    if self.pos - hex_start == 4:
                        parts.append(chr(int(text[hex_start:self.pos], 16)))
                    else:
                        self.error = "unicode"
                else:
                    self.error = "escape"
                start = self.pos
                continue
            if char <= "\x1f":
                if char in "\r\n":
                    parts.append(text[start:self.pos])
                    self.error = "string"
                    break
                self.error = "character"  # kept in the value, as jsonc-parser does
            self.pos += 1
        # \ud83d\ude00 escapes are two UTF-16 halves: join them as JavaScript does
        return "".join(parts).encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")

    def _comment_or_slash(self) -> Kind:
        text, size, start = self.text, len(self.text), self.pos
        following = text[self.pos + 1] if self.pos + 1 < size else ""
        if following == "/":
            self.pos += 2
            while self.pos < size and text[self.pos] not in "\r\n":
                self.pos += 1
            self.value = text[start:self.pos]
            return self._is(Kind.LINE_COMMENT)
        if following == "*":
            closing = text.find("*/", self.pos + 2)
            if closing < 0:
                self.pos = self._unclosed_comment_end(self.pos + 2)
                self.error = "comment"
            else:
                self.pos = closing + 2
            self.value = text[start:self.pos]
            return self._is(Kind.BLOCK_COMMENT)
        self.pos += 1
        self.value = "/"
        return self._is(Kind.UNKNOWN)

    def _unclosed_comment_end(self, position: int) -> int:
        """Where jsonc-parser's scanner stops on an unclosed ``/*``: it may step one past the end."""
        text, safe = self.text, len(self.text) - 1
        while position < safe:
            char = text[position]
            position += 1
            if char == "\r" and text[position] == "\n":
                position += 1
        return position + 1


@dataclass(eq=False)
class Node:
    """A node of the tree, with its place in the text (as jsonc-parser's ``Node``)."""

    type: str                    # object, array, property, string, number, boolean, null
    offset: int
    length: int = -1
    value: Any = None
    parent: "Node | None" = field(default=None, repr=False)
    children: list["Node"] | None = None
    colon_offset: int | None = None

    @property
    def end(self) -> int:
        return self.offset + self.length


@dataclass(frozen=True)
class ParseError:
    code: int
    offset: int
    length: int

    @property
    def message(self) -> str:
        return ERROR_MESSAGES.get(self.code, f"error {self.code}")


class _TreeBuilder:
    """jsonc-parser's ``visit`` driving its ``parseTree`` visitor, in one pass."""

    def __init__(self, text: str, allow_trailing_comma: bool):
        self.scanner = Scanner(text)
        self.allow_trailing_comma = allow_trailing_comma
        self.errors: list[ParseError] = []
        self.parent = Node("array", -1, -1, children=[])  # the artificial root

    # the visitor (parseTree)
    def _add(self, node: Node) -> Node:
        self.parent.children.append(node)
        return node

    def _complete_property(self, end: int) -> None:
        if self.parent.type == "property":
            self.parent.length = end - self.parent.offset
            self.parent = self.parent.parent

    def _begin(self, kind: str) -> None:
        self.parent = self._add(Node(kind, self.scanner.offset, parent=self.parent, children=[]))

    def _end(self, kind: str) -> None:
        end = self.scanner.offset + self.scanner.length
        if kind == "object":
            self._complete_property(end)  # a property without a value
        self.parent.length = end - self.parent.offset
        self.parent = self.parent.parent
        self._complete_property(end)

    def _literal(self, value: Any) -> None:
        kind = ("null" if value is None else "boolean" if isinstance(value, bool)
                else "number" if isinstance(value, (int, float)) else "string")
        self._add(Node(kind, self.scanner.offset, self.scanner.length, value, parent=self.parent))
        self._complete_property(self.scanner.offset + self.scanner.length)

    def _separator(self, separator: str) -> None:
        if self.parent.type == "property":
            if separator == ":":
                self.parent.colon_offset = self.scanner.offset
            else:
                self._complete_property(self.scanner.offset)

    # the parser (visit)
    def _error(self, code: int, skip_until_after: tuple = (), skip_until: tuple = ()) -> None:
        self.errors.append(ParseError(code, self.scanner.offset, self.scanner.length))
        if skip_until_after or skip_until:
            while self.scanner.kind != Kind.EOF:
                if self.scanner.kind in skip_until_after:
                    self._next()
                    break
                if self.scanner.kind in skip_until:
                    break
                self._next()

    def _next(self) -> Kind:
        while True:
            kind = self.scanner.scan()
            if self.scanner.error:
                self._error(_SCAN_ERRORS[self.scanner.error])
            if kind == Kind.UNKNOWN:
                self._error(INVALID_SYMBOL)
            elif kind not in _TRIVIA:
                return kind

    def _value(self) -> bool:
        kind = self.scanner.kind
        if kind == Kind.OPEN_BRACKET:
            return self._container("array", Kind.CLOSE_BRACKET, CLOSE_BRACKET_EXPECTED, self._array_item)
        if kind == Kind.OPEN_BRACE:
            return self._container("object", Kind.CLOSE_BRACE, CLOSE_BRACE_EXPECTED, self._property)
        if kind == Kind.STRING:
            self._literal(self.scanner.value)
        elif kind == Kind.NUMBER:
            self._literal(_number_value(self.scanner.value))
        elif kind in (Kind.NULL, Kind.TRUE, Kind.FALSE):
            self._literal({Kind.NULL: None, Kind.TRUE: True, Kind.FALSE: False}[kind])
        else:
            return False
        self._next()
        return True

    def _array_item(self) -> None:
        if not self._value():
            self._error(VALUE_EXPECTED, (), (Kind.CLOSE_BRACKET, Kind.COMMA))

    def _property(self) -> None:
        scanner = self.scanner
        if scanner.kind != Kind.STRING:
            self._error(PROPERTY_NAME_EXPECTED, (), (Kind.CLOSE_BRACE, Kind.COMMA))
            self._error(VALUE_EXPECTED, (), (Kind.CLOSE_BRACE, Kind.COMMA))
            return
        self.parent = self._add(Node("property", scanner.offset, parent=self.parent, children=[]))
        self.parent.children.append(Node("string", scanner.offset, scanner.length, scanner.value, parent=self.parent))
        self._next()
        if scanner.kind == Kind.COLON:
            self._separator(":")
            self._next()
            if not self._value():
                self._error(VALUE_EXPECTED, (), (Kind.CLOSE_BRACE, Kind.COMMA))
        else:
            self._error(COLON_EXPECTED, (), (Kind.CLOSE_BRACE, Kind.COMMA))

    def _container(self, kind: str, close: Kind, missing_close: int, parse_child) -> bool:
        self._begin(kind)
        self._next()
        needs_comma = False
        while self.scanner.kind not in (close, Kind.EOF):
            if self.scanner.kind == Kind.COMMA:
                if not needs_comma:
                    self._error(VALUE_EXPECTED)
                self._separator(",")
                self._next()
                if self.scanner.kind == close and self.allow_trailing_comma:
                    break
            elif needs_comma:
                self._error(COMMA_EXPECTED)
            parse_child()
            needs_comma = True
        self._end(kind)
        if self.scanner.kind != close:
            self._error(missing_close, (close,), ())
        else:
            self._next()
        return True

    def build(self) -> Node | None:
        self._next()
        if self.scanner.kind == Kind.EOF:
            self._error(VALUE_EXPECTED)
        elif not self._value():
            self._error(VALUE_EXPECTED)
        elif self.scanner.kind != Kind.EOF:
            self._error(END_OF_FILE_EXPECTED)
        root = self.parent.children[0] if self.parent.children else None
        if root is not None:
            root.parent = None
        return root


def _number_value(token: str) -> int | float:
    try:
        return int(token) if token.lstrip("-").isdigit() else float(token)
    except ValueError:
        return 0  # jsonc-parser reports InvalidNumberFormat; its scanner never produces one


def parse_tree(text: str, allow_trailing_comma: bool = False) -> tuple[Node | None, list[ParseError]]:
    """The tree of ``text`` and its errors; fault tolerant, as jsonc-parser's ``parseTree``."""
    builder = _TreeBuilder(text, allow_trailing_comma)
    return builder.build(), builder.errors


def find_node(root: Node | None, path: list) -> Node | None:
    """The value node at ``path`` (property names and array indexes), as ``findNodeAtLocation``."""
    node = root
    for segment in path:
        if node is None:
            return None
        if isinstance(segment, str):
            if node.type != "object":
                return None
            node = next((p.children[1] for p in node.children
                         if len(p.children) == 2 and p.children[0].value == segment), None)
        else:
            if node.type != "array" or not 0 <= segment < len(node.children):
                return None
            node = node.children[segment]
    return node


def node_value(node: Node | None) -> Any:
    """The plain value of a node (dicts, lists, scalars), as ``getNodeValue``."""
    if node is None:
        return None
    if node.type == "array":
        return [node_value(child) for child in node.children]
    if node.type == "object":
        return {prop.children[0].value: node_value(prop.children[1]) for prop in node.children
                if len(prop.children) > 1}
    return node.value


def line_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of an offset (for messages)."""
    before = text[:offset]
    line = before.count("\n") + 1
    return line, offset - (before.rfind("\n") + 1) + 1


def read(text: str, label: str) -> Node | None:
    """The tree of an operator's file, or ``JsoncError`` naming line, column and problem.

    Comments and trailing commas are accepted (VS Code reads settings.json
    and tasks.json that way); anything else malformed is refused. An empty
    document (or one holding only comments) gives None.
    """
    body = text[1:] if text.startswith("\ufeff") else text
    root, errors = parse_tree(body, allow_trailing_comma=True)
    if root is None and all(e.code == VALUE_EXPECTED for e in errors) and not _has_tokens(body):
        return None
    if errors:
        first = errors[0]
        line, column = line_column(body, first.offset)
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise JsoncError(f"{label}: line {line}, column {column}: {first.message}{more}; "
                         "fix the file (or move it aside) and run again: nothing was changed")
    if text is not body:
        _shift(root, 1)
    return root


def _has_tokens(text: str) -> bool:
    return Scanner(text).scan_non_trivia() != Kind.EOF


def _shift(node: Node, by: int) -> None:
    node.offset += by
    if node.colon_offset is not None:
        node.colon_offset += by
    for child in node.children or ():
        _shift(child, by)


# --- edits ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Edit:
    offset: int
    length: int
    content: str


@dataclass(frozen=True)
class Formatting:
    """How new text is laid out: one indentation step and the line ending."""

    indent: str = "    "
    eol: str = "\n"


def detect_formatting(text: str) -> Formatting:
    """The indentation step and line ending the operator's file already uses (VS Code's defaults otherwise)."""
    eol = "\r\n" if "\r\n" in text else "\n"
    for line in text.replace("\r", "\n").split("\n"):  # not splitlines: U+2028 in a string is no line end
        stripped = line.lstrip(" \t")
        if stripped and len(stripped) < len(line) and not stripped.startswith(("//", "/*", "*")):
            lead = line[:len(line) - len(stripped)]
            return Formatting("\t" if lead.startswith("\t") else " " * len(lead), eol)
    return Formatting("    ", eol)


def apply_edits(text: str, edits: list[Edit]) -> str:
    """Apply edits (any order; overlapping ones are refused), as jsonc-parser's ``applyEdits``."""
    ordered = sorted(edits, key=lambda e: (e.offset, e.length))
    limit = len(text)
    for edit in reversed(ordered):
        if edit.offset + edit.length > limit:
            raise JsoncError("overlapping edits")
        text = text[:edit.offset] + edit.content + text[edit.offset + edit.length:]
        limit = edit.offset
    return text


def modify(text: str, path: list, value: Any, formatting: Formatting | None = None) -> list[Edit]:
    """Edits that set ``path`` to ``value`` (``REMOVE`` deletes it), as jsonc-parser's ``modify``.

    Missing parents are created; ``-1`` as the last segment appends to an
    array. Without ``formatting`` the edits are jsonc-parser's own
    (unformatted); with it, the new text is laid out without touching the
    operator's (see the module doc).
    """
    root, _ = parse_tree(text)
    path = list(path)
    last: str | int | None = None
    parent = None
    while path:
        last = path.pop()
        parent = find_node(root, path)
        if parent is None and value is not REMOVE:
            value = {last: value} if isinstance(last, str) else [value]
            continue
        break
    layout = _Layout(text, formatting) if formatting else None
    if parent is None:
        if value is REMOVE:
            raise JsoncError("cannot remove from an empty document")
        content = layout.render(value, "") if layout else _compact(value)
        return [Edit(root.offset if root else 0, root.length if root else 0, content)]
    if parent.type == "object" and isinstance(last, str):
        return _modify_object(text, parent, last, value, layout)
    if parent.type == "array" and isinstance(last, int) and not isinstance(last, bool):
        return _modify_array(text, parent, last, value, layout)
    raise JsoncError(f"cannot set {'property' if isinstance(last, str) else 'index'} {last!r} "
                     f"in a value of type {parent.type}")


def _compact(value: Any) -> str:
    """``JSON.stringify(value)``."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _modify_object(text, parent: Node, key: str, value, layout) -> list[Edit]:
    index = next((i for i, p in enumerate(parent.children)
                  if len(p.children) == 2 and p.children[0].value == key), None)
    if index is not None:
        existing = parent.children[index].children[1]
        if value is REMOVE:
            return layout.remove(parent, index) if layout else _remove_property(parent, index)
        content = layout.render(value, layout.indent_of(existing.offset)) if layout else _compact(value)
        return [Edit(existing.offset, existing.length, content)]
    if value is REMOVE:
        return []
    if layout:
        return layout.insert(parent, lambda indent: f"{json.dumps(key, ensure_ascii=False)}: "
                                                    f"{layout.render(value, indent)}")
    member = f"{json.dumps(key, ensure_ascii=False)}: {_compact(value)}"
    if parent.children:
        previous = parent.children[-1]
        return [Edit(previous.end, 0, "," + member)]
    return [Edit(parent.offset + 1, 0, member)]


def _remove_property(parent: Node, index: int) -> list[Edit]:
    removed = parent.children[index]
    begin, end = None, removed.end
    if index > 0:
        begin = parent.children[index - 1].end  # with the comma of the previous property
    else:
        begin = parent.offset + 1
        if len(parent.children) > 1:
            end = parent.children[1].offset  # with the comma before the next property
    return [Edit(begin, end - begin, "")]


def _modify_array(text, parent: Node, index: int, value, layout) -> list[Edit]:
    items = parent.children
    if index == -1 and value is not REMOVE:
        if layout:
            return layout.insert(parent, lambda indent: layout.render(value, indent))
        if not items:
            return [Edit(parent.offset + 1, 0, _compact(value))]
        return [Edit(items[-1].end, 0, "," + _compact(value))]
    if value is REMOVE:
        if not 0 <= index < len(items):
            raise JsoncError(f"cannot remove array index {index}: the array has {len(items)} item(s)")
        if layout:
            return layout.remove(parent, index)
        if len(items) == 1:
            return [Edit(parent.offset + 1, parent.length - 2, "")]
        if index == len(items) - 1:
            begin = items[index - 1].end
            return [Edit(begin, parent.end - 2 - begin, "")]  # jsonc-parser's own arithmetic
        return [Edit(items[index].offset, items[index + 1].offset - items[index].offset, "")]
    if index < 0:
        raise JsoncError(f"cannot modify array index {index}")
    if index < len(items):
        content = layout.render(value, layout.indent_of(items[index].offset)) if layout else _compact(value)
        return [Edit(items[index].offset, items[index].length, content)]
    return _modify_array(text, parent, -1, value, layout)  # past the end: appended, as jsonc-parser does


class _Layout:
    """New text laid out in the file's own style, never touching the operator's text.

    An entry added to a container spread over several lines goes on a line
    of its own after the last entry, that entry's comma and its comment; in a
    container written on one line it is added on that line. A removed entry
    that has lines of its own takes those lines with it, and the comma the
    container no longer needs.
    """

    def __init__(self, text: str, formatting: Formatting):
        self.text = text
        self.formatting = formatting

    def render(self, value: Any, indent: str | None) -> str:
        """``value`` as JSON, continuation lines indented by ``indent``; on one line when it is None."""
        if indent is None or not self.formatting.indent:
            return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
        body = json.dumps(value, ensure_ascii=False, indent=self.formatting.indent)
        return (self.formatting.eol + indent).join(body.split("\n"))

    def line_start(self, offset: int) -> int:
        return max(self.text.rfind("\n", 0, offset), self.text.rfind("\r", 0, offset)) + 1

    def indent_of(self, offset: int) -> str:
        start = self.line_start(offset)
        end = start
        while end < len(self.text) and self.text[end] in " \t":
            end += 1
        return self.text[start:end]

    def _starts_line(self, offset: int) -> bool:
        return not self.text[self.line_start(offset):offset].strip(" \t")

    def _after(self, offset: int) -> tuple[int | None, int, int | None]:
        """After ``offset``: (the comma's offset or None, end of what belongs to this entry, line break or None).

        What belongs to an entry: its comma and the comments that follow on
        its line; the line break offset is None when another token follows
        on the same line.
        """
        scanner = Scanner(self.text, offset)
        comma, end = None, offset
        while True:
            kind = scanner.scan()
            if kind == Kind.TRIVIA:
                continue
            if kind == Kind.COMMA and comma is None:
                comma, end = scanner.offset, scanner.pos
            elif kind in (Kind.LINE_COMMENT, Kind.BLOCK_COMMENT):
                end = scanner.pos
            elif kind == Kind.LINE_BREAK:
                return comma, end, scanner.offset
            elif kind == Kind.EOF:
                return comma, end, len(self.text)
            else:
                return comma, end, None

    def _closing(self, container: Node) -> int:
        closing = container.end - 1
        if container.length < 2 or self.text[closing] not in "}]":
            raise JsoncError("the container to edit is not closed")
        return closing

    def insert(self, container: Node, child) -> list[Edit]:
        eol, step = self.formatting.eol, self.formatting.indent
        closing = self._closing(container)
        outer = self.indent_of(container.offset)
        if not container.children:
            inner = self.text[container.offset + 1:closing]
            if not inner.strip(" \t\r\n"):
                return [Edit(container.offset + 1, len(inner), eol + outer + step + child(outer + step) + eol + outer)]
            last_comment = self._last_comment_end(container.offset + 1, closing)
            indent = outer + step
            return [Edit(last_comment, 0, eol + indent + child(indent))]
        last = container.children[-1]
        comma, end, line_break = self._after(last.end)
        if line_break is None:  # written on one line: stay on it
            if comma is not None:
                return [Edit(comma + 1, 0, " " + child(None) + ",")]
            return [Edit(last.end, 0, ", " + child(None))]
        same_line = self.line_start(last.offset) == self.line_start(container.offset)
        indent = outer + step if same_line else self.indent_of(last.offset)
        edits = [] if comma is not None else [Edit(last.end, 0, ",")]
        return edits + [Edit(line_break, 0, eol + indent + child(indent) + ("," if comma is not None else ""))]

    def _last_comment_end(self, begin: int, closing: int) -> int:
        scanner, end = Scanner(self.text, begin), begin
        while scanner.scan() != Kind.EOF and scanner.offset < closing:
            if scanner.kind in (Kind.LINE_COMMENT, Kind.BLOCK_COMMENT):
                end = scanner.pos
        return end

    def remove(self, container: Node, index: int) -> list[Edit]:
        items = container.children
        node = items[index]
        comma, _, line_break = self._after(node.end)
        own_lines = (line_break is not None and self._starts_line(node.offset)
                     and self.line_start(node.offset) != self.line_start(container.offset))
        if not own_lines:
            if index > 0:
                return [Edit(items[index - 1].end, node.end - items[index - 1].end, "")]
            end = items[1].offset if len(items) > 1 else (comma + 1 if comma is not None else node.end)
            return [Edit(node.offset, end - node.offset, "")]
        if container.type == "array" and len(items) == 1:  # jsonc-parser empties the array: []
            closing = self._closing(container)
            return [Edit(container.offset + 1, closing - container.offset - 1, "")]
        begin = self.line_start(node.offset)
        end = line_break + (2 if self.text.startswith("\r\n", line_break) else 1)
        edits = [Edit(begin, min(end, len(self.text)) - begin, "")]
        if index == len(items) - 1 and comma is None and index > 0:
            previous_comma, _, _ = self._after(items[index - 1].end)
            if previous_comma is not None:
                edits.append(Edit(previous_comma, 1, ""))
        return edits
