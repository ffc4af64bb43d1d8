"""Property-based: hostile strings in every field the translator reads never leave a string literal.

Hypothesis fills every field of a workflow that exercises every translator
(``hostile.py``: names, parameters of every node kind, credentials, notes,
expressions, Code node sources, webhook paths, cron text, sticky notes,
settings) with strings built from what breaks code and YAML (line terminators
of every kind, quotes, ``*/``, ``${``, backticks, ``}}``, NUL, lone
surrogates, BOM, bidi controls...), each carrying a marker. Then, read with
TypeScript's own parser (one node process for the session): every generated
step parses, is only Phoenix's known shape, and holds the marker only inside
string literals; every expression Windmill evaluates (input transforms,
branch conditions, iterators, stop_after_if, sleeps) is one expression with
the marker only in literals; every YAML document reads back as itself.
The translator generates no Python steps (asserted), so there is nothing to
``ast.parse``.
"""

from __future__ import annotations

import itertools
import json

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.n8n.literals import js_string, js_value, markdown_text, one_line, text_block
from lib.n8n.report import render_translation
from lib.n8n.translate.emit import all_modules, translate_workflow
from tests.n8n.hostile import expressions_of, hostile_workflow

MARKER = "QZX9MARK"  # upper case: Phoenix's own identifiers (slugs of names) are lower case
FRAGMENTS = ["\n", "\r", "\r\n", "\u2028", "\u2029", "\u0085", "\ufeff", "\x00", "\x1b", "\ud800", "\udfff",
             "\u202e", "\u2066", "*/", "/*", "//", "${", "`", "'", '"', "\\", "\\u2028", "</script>", "<!--", "-->",
             "{{", "}}", "={{", "$json", "$('x').item.json", "$node[\"x\"]", "}", "{", ")", "(", ";", "[", "]", "#",
             ": ", "- ", "&a ", "*a ", "!!python/object ", "---", "...", "%", "\t", " ", "__proto__", "=", "\U0001F525"]
piece = st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=3))
hostile = st.tuples(st.lists(piece, max_size=6).map("".join), st.lists(piece, max_size=6).map("".join),
                    st.booleans()).map(lambda t: ("=" if t[2] else "") + t[0] + MARKER + t[1])


def _load(text: str):
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 (a safe loader)


def _cycle(values: list[str]):
    chosen = itertools.cycle(values)
    return lambda _key: next(chosen)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(texts=st.lists(hostile, min_size=1, max_size=7), codes=st.lists(hostile, min_size=1, max_size=3))
def test_hostile_strings_in_every_field_stay_inside_string_literals(step_reader, texts, codes):
    translation = translate_workflow(hostile_workflow(_cycle(texts), _cycle(codes)), "h.json", "f/phoenix/n8n/h")
    files = dict(translation.files)
    assert files
    assert {name: p for name, p in step_reader.steps(files, MARKER).items() if p} == {}
    expressions = {}
    for index, document in enumerate([translation.flow, *translation.schedules, *translation.http_triggers]):
        expressions.update({f"{index}:{where}": expr for where, expr in expressions_of(document)})
    assert {w: p for w, p in step_reader.expressions(expressions, MARKER).items() if p} == {}
    modules = list(all_modules(translation.flow["value"]["modules"]))
    assert {m["value"].get("language") for m in modules} <= {None, "bun"}  # no Python steps to ast.parse
    rendered = render_translation(translation, "h")
    assert _load(rendered["h__flow/flow.yaml"]) == translation.flow
    triggers = [_load(text) for name, text in rendered.items() if not name.startswith("h__flow/")]
    assert triggers == translation.schedules + translation.http_triggers


any_text = st.text(alphabet=st.characters(codec=None, categories=None), max_size=60)


@settings(max_examples=400, deadline=None)
@given(value=st.one_of(any_text, st.lists(piece).map("".join)))
def test_js_string_means_exactly_its_text_and_is_plain_printable_ascii_safe(value):
    literal = js_string(value)
    assert json.loads(literal) == value  # the literal means the very same string
    assert all(char.isprintable() and not 0xD800 <= ord(char) <= 0xDFFF for char in literal)
    assert "</" not in literal and "<!--" not in literal
    assert "{" not in js_string(value, braces=True) and "}" not in js_string(value, braces=True)
    assert json.loads(js_string(value, braces=True)) == value


@settings(max_examples=200, deadline=None)
@given(value=st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | any_text,
                          lambda children: st.lists(children, max_size=4)
                          | st.dictionaries(any_text, children, max_size=4), max_leaves=20))
def test_js_value_is_a_literal_of_the_same_data(value):
    literal = js_value(value)
    # a JSON document apart from the computed __proto__ key, which JavaScript needs and JSON has not
    assert json.loads(literal.replace('["__proto__"]:', '"__proto__":')) == value
    assert all(char.isprintable() for char in literal)


@settings(max_examples=300, deadline=None)
@given(value=st.one_of(any_text, st.lists(piece).map("".join)))
def test_text_for_yaml_and_markdown_is_plain(value):
    line = one_line(value)
    assert line == " ".join(line.split()) and len(line) <= 200
    assert all(char.isprintable() for char in line)
    block = text_block(value)
    assert all(char.isprintable() or char in "\n\t" for char in block)
    shown = markdown_text(value)
    assert all(char.isprintable() for char in shown) and "`" not in shown.replace("\\`", "")
