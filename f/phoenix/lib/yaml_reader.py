# GENERATED from lib/yaml_reader.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""Read one YAML (or JSON) document written by someone else, with bounded work.

PyYAML's safe loader, made strict for configuration documents: every way a
file can be wrong ends in one ``ConfigError`` naming the source, the dotted
key and the line, never in another exception or a hang.

- the same key twice in a mapping is refused (PyYAML keeps the last silently);
- keys must be text: ``1: x``, ``null: x`` and ``[a]: x`` are refused;
- only plain data: text, numbers, true/false, null, lists and mappings. Tags
  such as ``!!python/object``, ``!!binary`` or ``!custom`` are refused; dates
  stay text, as in JSON; ``1e3`` is a number, as in JSON and YAML 1.2;
- nesting deeper than ``MAX_DEPTH``, more than ``MAX_VALUES`` values once
  aliases are expanded (a "billion laughs" bomb), an alias that contains
  itself, numbers longer than ``MAX_NUMBER_CHARS`` and texts longer than
  ``MAX_TEXT_CHARS`` are refused before anything is built from them;
- a stream holding a second document (``---``) is refused;
- JSON text (first character ``{``) is read as the YAML it is, after turning
  the tabs JSON allows between tokens into spaces.

``check_plain`` applies the same bounds to data that did not come from YAML
(a Windmill resource value, a dict built by a caller).
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any

from .errors import ConfigError

#: a stack is a handful of levels deep; what goes past this is an attack or an accident
MAX_DEPTH = 32
#: values (mappings, lists, scalars) once aliases are expanded; a full stack has a few hundred
MAX_VALUES = 20_000
MAX_NUMBER_CHARS = 40
MAX_TEXT_CHARS = 100_000

_CORE = "tag:yaml.org,2002:"
_STR, _MERGE = _CORE + "str", _CORE + "merge"
_ALLOWED_TAGS = {_CORE + name for name in ("str", "int", "float", "bool", "null", "map", "seq")}
_NUMBER_TAGS = {_CORE + "int", _CORE + "float"}
_SURROGATE = re.compile("[\ud800-\udfff]")
NOT_UNICODE = "text with half of a UTF-16 surrogate pair: not valid Unicode"


class _Refused(Exception):
    """Raised inside the loader; turned into a ConfigError by ``load_document``."""

    def __init__(self, path: list, line: int | None, reason: str):
        self.key = dotted(path)
        self.reason = f"line {line + 1}: {reason}" if line is not None else reason
        super().__init__(self.reason)


def dotted(path) -> str:
    return ".".join(shown_key(part) for part in path)


def shown_key(key, limit: int = 60) -> str:
    """A key (or a file name) fit for a message: printable and short (a hostile file's keys are not)."""
    text = str(key)
    if 0 < len(text) <= limit and text.isprintable() and text.strip() == text:
        return text  # an empty key or one with spaces around is quoted: otherwise it cannot be seen
    return repr(text[:limit - 20]) + ("..." if len(text) > limit - 20 else "")


def load_document(text: str, label: str) -> Any:
    """The one document in ``text`` (None when empty), or ConfigError naming ``label``."""
    import yaml

    if text.lstrip().startswith("{"):
        text = text.replace("\t", " ")  # JSON allows tabs between tokens, YAML does not (inside strings JSON has \t)
    loader = None
    try:
        loader = _loader_class()(text)  # the reader refuses control characters here already
        return loader.get_single_data()
    except _Refused as refused:
        raise ConfigError(label, refused.key, refused.reason) from None
    except yaml.YAMLError as exc:
        # from None: PyYAML's own message quotes the offending line, which may hold a secret
        raise ConfigError(label, "", f"malformed YAML: {yaml_error_message(exc)}") from None
    except RecursionError:  # cannot happen within MAX_DEPTH; a last guard all the same
        raise ConfigError(label, "", f"nested too deeply (more than {MAX_DEPTH} levels)") from None
    finally:
        if loader is not None:
            loader.dispose()


def yaml_error_message(exc: Exception) -> str:
    """A PyYAML error on one line, where and what: ``line 3, column 7: mapping values are not allowed here``.

    The one wording for YAML that does not parse, wherever Phoenix reads it
    (the stack, agent files, health's config check, the tooling). Never
    PyYAML's own text: it quotes the offending line, which may hold a secret.
    """
    location = yaml_error_location(exc)
    problem = yaml_error_problem(exc)
    return f"line {location[0]}, column {location[1]}: {problem}" if location else problem


def yaml_error_location(exc: Exception) -> tuple[int, int] | None:
    """(line, column), 1-based like an editor, of the problem; None when PyYAML names no place."""
    mark = getattr(exc, "problem_mark", None)
    return (mark.line + 1, mark.column + 1) if mark is not None else None


def yaml_error_problem(exc: Exception) -> str:
    """What is wrong, in PyYAML's words, without the quoted text."""
    problem = getattr(exc, "problem", None)
    if problem:
        return str(problem)
    # a ReaderError (a control character, bad encoding) has no problem_mark: say where by position
    position, character = getattr(exc, "position", None), getattr(exc, "character", None)
    if position is None:
        return type(exc).__name__
    what = f"character {character:#06x}" if isinstance(character, int) else "character"
    return f"a {what} YAML does not allow, at position {position}"


def check_plain(document: Any, label: str, path: tuple = ()) -> None:
    """Refuse data a validator or a merge cannot walk safely: keys that are not text,
    a structure that contains itself, too deep, too big, a NaN, or half a surrogate pair
    (which YAML and JSON text are refused for too: it is not Unicode)."""
    budget = [MAX_VALUES]
    _check_value(document, label, list(path), budget, set())


def _check_value(value: Any, label: str, path: list, budget: list, open_ids: set) -> None:
    budget[0] -= 1
    if budget[0] < 0:
        raise ConfigError(label, dotted(path), f"more than {MAX_VALUES} values: not a configuration document")
    if len(path) > MAX_DEPTH:
        raise ConfigError(label, dotted(path[:MAX_DEPTH]), f"nested too deeply (more than {MAX_DEPTH} levels)")
    if isinstance(value, float) and math.isnan(value):
        raise ConfigError(label, dotted(path), "not a number (NaN)")
    if isinstance(value, str) and len(value) > MAX_TEXT_CHARS:
        raise ConfigError(label, dotted(path), f"text longer than {MAX_TEXT_CHARS} characters")
    if isinstance(value, str) and _SURROGATE.search(value):
        raise ConfigError(label, dotted(path), NOT_UNICODE)
    if not isinstance(value, (dict, list, tuple)):
        return
    if id(value) in open_ids:
        raise ConfigError(label, dotted(path), "contains itself")
    open_ids.add(id(value))
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ConfigError(label, dotted(path + [repr(key)]), "keys must be text")
            if _SURROGATE.search(key):
                raise ConfigError(label, dotted(path + [key]), NOT_UNICODE)
            _check_value(item, label, path + [key], budget, open_ids)
    else:
        for index, item in enumerate(value):
            _check_value(item, label, path + [index], budget, open_ids)
    open_ids.discard(id(value))


@lru_cache(maxsize=1)
def _loader_class():
    import yaml
    from yaml.events import StreamEndEvent
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode

    class StrictLoader(yaml.SafeLoader):
        """SafeLoader that knows where it is (a path of keys) while composing."""

        def __init__(self, stream):
            super().__init__(stream)
            self._path: list = []
            self._composed = 0
            self._paths: dict[int, list] = {}

        # -- composing: one pass over the events, nothing built yet --------
        def get_single_node(self):
            self.get_event()  # stream start
            document = None
            if not self.check_event(StreamEndEvent):
                document = self.compose_document()
            if not self.check_event(StreamEndEvent):
                line = self.peek_event().start_mark.line
                raise _Refused([], line, "a second YAML document starts here (---): a stack is one document")
            self.get_event()
            return document

        def compose_node(self, parent, index):
            self._path.append(_component(parent, index))
            try:
                if len(self._path) > MAX_DEPTH + 1:
                    raise _Refused(self._path[1:MAX_DEPTH + 1], self.peek_event().start_mark.line,
                                   f"nested too deeply (more than {MAX_DEPTH} levels)")
                self._composed += 1
                if self._composed > MAX_VALUES:
                    raise _Refused(self._path[1:], self.peek_event().start_mark.line,
                                   f"more than {MAX_VALUES} values: not a configuration document")
                node = super().compose_node(parent, index)
                self._check_node(node, parent, index)
                return node
            finally:
                self._path.pop()

        def _check_node(self, node, parent, index) -> None:
            is_key = isinstance(parent, MappingNode) and index is None
            here = self._path[1:-1] + [_key_text(node)] if is_key else self._path[1:]
            line = node.start_mark.line
            if isinstance(node, ScalarNode):
                if _SURROGATE.search(node.value):
                    node.value = _joined_surrogates(node.value, here, line)
                if node.tag == _MERGE and not is_key:
                    node.tag = _STR  # "<<" is a merge only as a key; as a value it is text
                elif node.tag in _NUMBER_TAGS and len(node.value) > MAX_NUMBER_CHARS:
                    raise _Refused(here, line, f"a number longer than {MAX_NUMBER_CHARS} characters")
                elif len(node.value) > MAX_TEXT_CHARS:
                    raise _Refused(here, line, f"text longer than {MAX_TEXT_CHARS} characters")
            if node.tag not in _ALLOWED_TAGS and not (is_key and node.tag == _MERGE):
                raise _Refused(here, line, f"tag {_shown_tag(node.tag)} is not allowed: a configuration holds "
                                           "only text, numbers, true/false, null, lists and mappings")
            if is_key and not (isinstance(node, ScalarNode) and node.tag in (_STR, _MERGE)):
                raise _Refused(here, line, "keys must be text (quote it)")

        def compose_mapping_node(self, anchor):
            node = super().compose_mapping_node(anchor)
            seen: dict[str, int] = {}
            for key, _value in node.value:
                if key.value in seen:
                    raise _Refused(self._path[1:] + [key.value], key.start_mark.line,
                                   f"the same key twice (first on line {seen[key.value] + 1})")
                seen[key.value] = key.start_mark.line
            return node

        # -- before building: what aliases expand to ------------------------
        def get_single_data(self):
            node = self.get_single_node()
            if node is None:
                return None
            _measure(node, [], {}, set(), self._paths)
            return self.construct_document(node)

        def construct_object(self, node, deep=False):
            try:
                return super().construct_object(node, deep=deep)
            except (ValueError, TypeError, OverflowError) as exc:  # !!int abc, 0x_: PyYAML's own int() calls
                kind = node.tag.rsplit(":", 1)[-1]
                raise _Refused(self._paths.get(id(node), []), node.start_mark.line,
                               f"not a valid {kind} ({type(exc).__name__})") from None

    def _component(parent, index):
        if isinstance(parent, SequenceNode):
            return index
        if isinstance(parent, MappingNode):
            return index.value if isinstance(index, ScalarNode) else "<key>"
        return "<document>"

    def _key_text(node) -> str:
        return node.value if isinstance(node, ScalarNode) else f"<a {type(node).__name__[:-4].lower()} as key>"

    def _measure(node, path: list, sizes: dict, open_ids: set, paths: dict) -> tuple[int, int]:
        """(values, depth) that ``node`` stands for once every alias is expanded, memoized per
        node so that a bomb costs its size in the file, not its expansion; refuses a node that
        contains itself, and records each node's first path for later messages."""
        if id(node) in sizes:
            return sizes[id(node)]
        if id(node) in open_ids:
            raise _Refused(path, node.start_mark.line, "an alias refers to a value that contains it")
        paths[id(node)] = path
        size, depth = 1, 1
        if not isinstance(node, ScalarNode):
            open_ids.add(id(node))
            children = (((key.value, value) for key, value in node.value) if isinstance(node, MappingNode)
                        else enumerate(node.value))
            for component, child in children:
                child_size, child_depth = _measure(child, path + [component], sizes, open_ids, paths)
                size, depth = size + child_size, max(depth, child_depth + 1)
                if size > MAX_VALUES:
                    raise _Refused(path, node.start_mark.line,
                                   f"its aliases expand to more than {MAX_VALUES} values (a YAML bomb?)")
                if len(path) + depth > MAX_DEPTH + 1:
                    raise _Refused(path, node.start_mark.line,
                                   f"its aliases nest more than {MAX_DEPTH} levels deep")
            open_ids.discard(id(node))
        sizes[id(node)] = size, depth
        return size, depth

    StrictLoader.yaml_implicit_resolvers = {
        first: [(tag, pattern) for tag, pattern in resolvers
                if tag not in (_CORE + "timestamp", _CORE + "value", _CORE + "yaml")]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    # YAML 1.1 (PyYAML) reads 1e3 as the text '1e3'; JSON and YAML 1.2 read a number
    StrictLoader.add_implicit_resolver(
        _CORE + "float", re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
        list("-+0123456789"))
    return StrictLoader


def _joined_surrogates(text: str, path: list, line: int) -> str:
    """JSON writes a character beyond U+FFFF as two escapes (\\ud83d\\ude00), which PyYAML reads
    as two halves: join them into the character; a half on its own is not text."""
    try:
        return text.encode("utf-16", "surrogatepass").decode("utf-16")
    except UnicodeDecodeError:
        raise _Refused(path, line, NOT_UNICODE) from None


def _shown_tag(tag: str) -> str:
    return shown_key(tag.replace(_CORE, "!!", 1) if tag.startswith(_CORE) else tag)
