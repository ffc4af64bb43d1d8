"""Property-based: whatever document the stack loader is given, it loads a valid Stack or
raises one ConfigError naming the source and a key (or the line), never anything else."""

import json
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from lib.errors import ConfigError
from lib.stack import Stack, load_stack, stack_schema, validate_stack

BOUNDED = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _schema_keys(schema: dict, found: set) -> set:
    for key, sub in schema.get("properties", {}).items():
        found.add(key)
        _schema_keys(sub, found)
    if isinstance(schema.get("items"), dict):
        _schema_keys(schema["items"], found)
    return found


SCHEMA_KEYS = sorted(_schema_keys(stack_schema(), set()))
# strings YAML gives meaning to, and strings a parser or a terminal chokes on
HOSTILE_TEXT = ["", "~", "null", "yes", "no", "on", "=", "<<", "*a", "&a", "!x", "!!python/object:os.system",
                "%YAML 1.1", "---", "...", "- a", "a: b", "{", "}", "[", "]", "#", "@", "`", "|", ">", "0x_", "0b",
                "1:2:3", "1e400", ".nan", ".inf", "-.inf", "2024-02-30", "12:30:00", "0o17", "+1", "1_000",
                "\t", "\r\n", "\u2028", "\u2029", "\x85", "\ufeff", "\x00", "\x1b[31m", "\ud800", "é", "😀",
                "a" * 300, "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", "http://127.0.0.1:1", "f/phoenix/x"]

keys = st.one_of(st.sampled_from(SCHEMA_KEYS), st.sampled_from(HOSTILE_TEXT), st.text(max_size=12))
scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70),
                    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(HOSTILE_TEXT),
                    st.text(max_size=40))


# values that cannot be refused for themselves (half a surrogate pair is refused as not Unicode)
UNICODE_SCALARS = scalars.filter(lambda value: not (isinstance(value, str) and re.search("[\ud800-\udfff]", value)))


@st.composite
def pairs(draw, values) -> list:
    """A mapping written as (key, value) pairs: the same key may come twice, as in a file."""
    items = draw(st.lists(st.tuples(keys, values), max_size=6))
    if items and draw(st.booleans()):
        items.insert(draw(st.integers(0, len(items))), (draw(st.sampled_from(items))[0], draw(values)))
    return items


values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4), pairs(inner)),
                      max_leaves=25)


def _yaml_scalar(value) -> str:
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a YAML double-quoted scalar
    if isinstance(value, float):
        return {"nan": ".nan", "inf": ".inf", "-inf": "-.inf"}.get(str(value), repr(value))
    return json.dumps(value)


def _render(value, flow: bool) -> str:
    """``value`` as YAML flow text; pair lists become mappings (duplicates kept)."""
    if isinstance(value, list) and value and all(isinstance(item, tuple) for item in value):
        return "{" + ", ".join(f"{json.dumps(k)}: {_render(v, flow)}" for k, v in value) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_render(item, flow) for item in value) + "]"
    return _yaml_scalar(value)


def _render_block(items: list, indent: int = 0) -> str:
    """A top-level pair list as block YAML, nested pair lists indented, the rest in flow."""
    lines = []
    for key, value in items:
        head = " " * indent + json.dumps(key) + ":"
        if isinstance(value, list) and value and all(isinstance(item, tuple) for item in value):
            lines.append(head + "\n" + _render_block(value, indent + 2))
        else:
            lines.append(f"{head} {_render(value, True)}")
    return "\n".join(lines)


def _check_outcome(source, label: str):
    """The property: a valid Stack, or one ConfigError naming the source and a key or line."""
    try:
        stack = load_stack(source)
    except ConfigError as error:
        assert error.source == label, (error.source, label)
        assert error.key or re.search(r"line \d+|at the top|position \d+|bytes|characters", error.reason), str(error)
        assert len(str(error)) < 2000
        return error
    assert isinstance(stack, Stack)
    assert validate_stack(stack.model_dump(), label) == stack  # what it loaded is valid, and reads back the same
    return stack


@BOUNDED
@given(pairs(values), st.booleans())
def test_any_generated_document_loads_or_is_one_config_error(items, block):
    text = _render_block(items) + "\n" if block and items else _render(items or [("name", "x")], True) + "\n"
    _check_outcome(text, "<stack text>")


@BOUNDED
@given(pairs(values))
def test_the_same_document_from_a_file_behaves_the_same(items):
    text = _render_block(items) + "\n" if items else ""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "stack.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        from_file = _check_outcome(path, str(path))
    from_text = _check_outcome(text + "\n", "<stack text>") if text else None
    if from_text is not None:
        assert type(from_file) is type(from_text)
        if isinstance(from_file, ConfigError):
            assert (from_file.key, from_file.reason) == (from_text.key, from_text.reason)


@BOUNDED
@given(st.lists(st.sampled_from(["routing", "models", "services", "health", "x y", ""]), max_size=3),
       st.one_of(st.sampled_from(SCHEMA_KEYS), st.text(max_size=12)), UNICODE_SCALARS, UNICODE_SCALARS,
       st.booleans())
def test_a_key_written_twice_is_always_refused_naming_it(path, key, first, second, block):
    assume(key != "other")
    nested = [(key, first), ("other", 1), (key, second)]
    for part in reversed(path):
        nested = [(part, nested)]
    text = (_render_block(nested) if block else _render(nested, True)) + "\n"
    error = _check_outcome(text, "<stack text>")
    assert isinstance(error, ConfigError)
    from lib.yaml_reader import dotted

    assert (error.key, error.reason[error.reason.index(":") + 2:]) == (
        dotted(path + [key]), "the same key twice (first on line %d)" % (len(path) + 1 if block else 1))


@BOUNDED
@given(st.lists(st.tuples(st.integers(0, 40), st.sampled_from(HOSTILE_TEXT + ["  ", ":", "- ", "\n"])),
                min_size=1, max_size=6))
def test_a_valid_stack_with_hostile_insertions_loads_or_is_one_config_error(edits):
    import yaml

    lines = yaml.safe_dump(Stack().model_dump(), sort_keys=False).splitlines()
    for where, text in edits:
        where = min(where, len(lines))
        lines.insert(where, (lines[where - 1] if where else "") + text)
    _check_outcome("\n".join(lines) + "\n", "<stack text>")


@BOUNDED
@given(st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.one_of(keys, st.integers(), st.none()), inner, max_size=4)),
    max_leaves=25))
def test_any_resource_value_loads_or_is_one_config_error(document):
    assume(isinstance(document, dict))
    _check_outcome(document, "<stack resource>")


@pytest.mark.parametrize("depth", [33, 1_000, 100_000])
def test_deep_documents_in_every_form_are_one_config_error(depth):
    flow = "a: " + "[" * depth + "]" * depth + "\n"
    json_text = '{"a": ' + "[" * depth + "]" * depth + "}"
    nested: dict = {}
    for _ in range(depth):
        nested = {"a": nested}
    for source, label in ((flow, "<stack text>"), (json_text, "<stack text>"), (nested, "<stack resource>")):
        error = _check_outcome(source, label)
        assert isinstance(error, ConfigError) and "nested too deeply" in error.reason
