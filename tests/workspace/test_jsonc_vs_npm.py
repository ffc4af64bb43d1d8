"""lib/workspace/jsonc.py against the real jsonc-parser 3.3.1 (npm), the library VS Code edits settings with.

Parsing (values, trees with offsets, error codes and places) and unformatted
``modify`` edits must be identical; formatted edits of well-formatted files
must give the identical text; and where Phoenix lays text out differently on
purpose (a comment after the previous entry), the test shows what
jsonc-parser does and that both give the same value.
"""

from __future__ import annotations

import json
import random

import pytest

from lib.workspace import jsonc
from scripts.tooling.step_tools import step_tools_dir
from tests.workspace.jsonc_npm import VERSION, installed, run_batch

pytestmark = pytest.mark.skipif(installed() is None, reason=(
    f"jsonc-parser {VERSION} is not installed in {step_tools_dir()}: run python scripts/setup.py --for-tests"))

HANDWRITTEN = [
    "", "   ", "// only a comment\n", "{}", "[]", "{ }", "[\n]", "true", "null", "-0", "12.5e-3", "0123",
    '{"a": 1}', '{"a": 1,}', '[1, 2,]', '[1,,2]', '{,}', '{"a" 1}', '{"a": }', '{"a": 1 "b": 2}',
    '{"a": [1, {"b": null}], "c": "x\\ty\\u00e9\\"", "d": -3}', '{"a": 1} x', '{"a": 1', '[1, 2',
    '{"a": 1 /* block\n comment */, "b": 2}', '{"a": "unterminated\n}', '/* open comment', '/*', '/* x\r\n',
    '{"a": "\\q"}', '{"a": "\\u12"}', '{"a": "tab\there"}', '{"a": 1.}', '{"a": 1e}', '{"a": -}', "{'a': 1}",
    '{"a": tru}', '\ufeff{"a": 1}', '{"a": 1}\r\n// end', '[/]', '{"a": [1, 2] // c\n, "b": 3}',
    '{"dup": 1, "dup": 2}', '{"nested": {"deep": {"er": [[], {}, [[1]]]}}}', '{"a":1,"b":{"c":[true,false,null]}}',
]


def _random_text(rng: random.Random) -> str:
    """JSONC-ish text: mostly valid pieces, with comments, trailing commas and a little damage."""
    pieces = []

    def value(depth: int) -> None:
        choice = rng.random()
        if depth > 3 or choice < 0.35:
            pieces.append(rng.choice(['1', '-20', '3.5', '1e3', 'true', 'false', 'null', '"s"', '"é \\n"', '""']))
        elif choice < 0.7:
            pieces.append("{")
            for i in range(rng.randint(0, 3)):
                if i:
                    pieces.append(",")
                trivia()
                pieces.append(json.dumps(rng.choice(["a", "b", "key", "x.y", "*.roo"])))
                pieces.append(rng.choice([":", ": ", " : "]))
                value(depth + 1)
                trivia()
            if rng.random() < 0.2:
                pieces.append(",")
            trivia()
            pieces.append("}")
        else:
            pieces.append("[")
            for i in range(rng.randint(0, 3)):
                if i:
                    pieces.append(",")
                trivia()
                value(depth + 1)
            if rng.random() < 0.2:
                pieces.append(",")
            trivia()
            pieces.append("]")

    def trivia() -> None:
        pieces.append(rng.choice(["", "", " ", "\n  ", "\r\n\t", " // note\n", " /* c */ "]))

    value(0)
    text = "".join(pieces)
    if rng.random() < 0.3 and text:
        where = rng.randrange(len(text))
        damage = rng.choice(["", "}", "]", ",", ":", '"', "x", "/", "/*"])
        text = text[:where] + damage + text[where + 1:]
    return text


def _tree(node):
    if node is None:
        return None
    out = {"type": node.type, "offset": node.offset, "length": node.length}
    if node.type in ("string", "number", "boolean", "null"):
        out["value"] = node.value
    if node.colon_offset is not None:
        out["colonOffset"] = node.colon_offset
    if node.children is not None:
        out["children"] = [_tree(child) for child in node.children]
    return out


def _ours_parse(text: str, allow_trailing_comma: bool) -> dict:
    root, errors = jsonc.parse_tree(text, allow_trailing_comma)
    return {"value": jsonc.node_value(root) if root else None,
            "errors": [[e.code, e.offset, e.length] for e in errors], "tree": _tree(root)}


def _same_numbers(value):
    """JSON numbers compare as numbers: 1.0 from JavaScript is 1."""
    return json.loads(json.dumps(value))


def test_parse_trees_and_errors_are_jsonc_parsers():
    rng = random.Random(17)
    texts = HANDWRITTEN + [_random_text(rng) for _ in range(600)]
    cases = [(text, trailing) for text in texts for trailing in (False, True)]
    theirs = run_batch([{"op": "parse", "text": t, "allowTrailingComma": a} for t, a in cases])
    mismatches = []
    for (text, trailing), reference in zip(cases, theirs):
        ours = _ours_parse(text, trailing)
        if _same_numbers(ours) != _same_numbers(reference):
            mismatches.append((text, trailing, ours, reference))
    assert not mismatches, f"{len(mismatches)} of {len(cases)} differ; first: {mismatches[0]}"


def test_text_outside_the_bmp_parses_to_the_same_value():
    # jsonc-parser counts UTF-16 units, Python code points: values agree, offsets shift after the emoji
    text = '{"mode": "🔥 Phoenix", "x": "\\ud83d\\udd25", // 🔥\n "n": [1]}'
    reference = run_batch([{"op": "parse", "text": text}])[0]
    ours = _ours_parse(text, False)
    assert ours["value"] == reference["value"] == {"mode": "🔥 Phoenix", "x": "🔥", "n": [1]}
    assert ours["errors"] == reference["errors"] == []


def _paths(value, prefix=()):
    """Every container path of a value, with what it holds."""
    yield list(prefix), value
    if isinstance(value, dict):
        for key, child in value.items():
            if isinstance(child, (dict, list)):
                yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            if isinstance(child, (dict, list)):
                yield from _paths(child, (*prefix, index))


def _operations(rng: random.Random, document) -> list[tuple[list, object]]:
    """A few modify calls on a document: set, insert, append, replace and remove, some on missing parents."""
    chosen = []
    containers = list(_paths(document))
    for _ in range(6):
        path, container = rng.choice(containers)
        new_value = rng.choice([7, "text", True, None, [], {}, {"k": [1, {"z": "é"}]}, [1, 2]])
        if isinstance(container, dict):
            keys = list(container)
            if keys and rng.random() < 0.5:
                key = rng.choice(keys)
                chosen.append((path + [key], jsonc.REMOVE if rng.random() < 0.4 else new_value))
            else:
                chosen.append((path + [f"new{rng.randint(0, 9)}"], new_value))
        else:
            if container and rng.random() < 0.5:
                index = rng.randrange(len(container))
                chosen.append((path + [index], jsonc.REMOVE if rng.random() < 0.5 else new_value))
            else:
                chosen.append((path + [-1], new_value))
    chosen.append((["missing", "parent", "key"], "v"))
    return chosen


def _random_document(rng: random.Random, depth: int = 0):
    if depth >= 3 or rng.random() < 0.3:
        return rng.choice([1, -5, "s", "ü", True, False, None])
    if rng.random() < 0.6:
        return {f"k{i}": _random_document(rng, depth + 1) for i in range(rng.randint(0, 4))}
    return [_random_document(rng, depth + 1) for _ in range(rng.randint(0, 4))]


def _modify_op(text: str, path: list, value, formatting: dict | None = None) -> dict:
    op = {"op": "modify", "text": text, "path": path}
    if value is jsonc.REMOVE:
        op["remove"] = True
    else:
        op["value"] = value
    if formatting:
        op["formatting"] = formatting
    return op


def test_unformatted_modify_gives_jsonc_parsers_edits():
    rng = random.Random(1717)
    cases = []
    for _ in range(150):
        document = {"root": _random_document(rng)} if rng.random() < 0.8 else _random_document(rng)
        if not isinstance(document, (dict, list)):
            continue
        text = json.dumps(document, indent=rng.choice([None, 2, 4]), ensure_ascii=False)
        if rng.random() < 0.5:  # comments and trailing commas change nothing in the edits' logic
            text = text.replace("{\n", "{ // c\n", 1)
        cases += [(text, path, value) for path, value in _operations(rng, document)]
    theirs = run_batch([_modify_op(text, path, value) for text, path, value in cases])
    mismatches = []
    for (text, path, value), reference in zip(cases, theirs):
        try:
            edits = [{"offset": e.offset, "length": e.length, "content": e.content}
                     for e in jsonc.modify(text, path, value)]
            ours = {"edits": edits, "text": jsonc.apply_edits(text, jsonc.modify(text, path, value))}
        except jsonc.JsoncError as exc:
            ours = {"exception": str(exc)}
        if ("exception" in ours) != ("exception" in reference) or (
                "exception" not in ours and ours != reference):
            mismatches.append((text, path, value, ours, reference))
    assert not mismatches, f"{len(mismatches)} of {len(cases)} differ; first: {mismatches[0]}"


@pytest.mark.parametrize("indent,eol", [(4, "\n"), (2, "\n"), (4, "\r\n"), ("\t", "\n")])
def test_formatted_modify_of_a_well_formatted_file_gives_jsonc_parsers_text(indent, eol):
    rng = random.Random(f"{indent}{eol}")
    formatting = jsonc.Formatting("\t" if indent == "\t" else " " * indent, eol)
    reference_options = {"insertSpaces": indent != "\t", "tabSize": 4 if indent == "\t" else indent,
                         "eol": eol, "keepLines": False}
    cases = []
    for _ in range(120):
        document = {"settings": _random_document(rng), "list": [_random_document(rng)]}
        text = json.dumps(document, indent=indent, ensure_ascii=False).replace("\n", eol)
        cases += [(text, path, value) for path, value in _operations(rng, document)]
    theirs = run_batch([_modify_op(t, p, v, reference_options) for t, p, v in cases])
    mismatches = []
    for (text, path, value), reference in zip(cases, theirs):
        ours = jsonc.apply_edits(text, jsonc.modify(text, path, value, formatting))
        if ours != reference["text"]:
            mismatches.append((text, path, value, ours, reference["text"]))
    assert not mismatches, f"{len(mismatches)} of {len(cases)} differ; first: {mismatches[0]}"


def test_where_phoenix_differs_on_purpose_a_comment_stays_on_its_line():
    text = '{\n    "editor.fontSize": 14, // bigger for the demo\n    "a": "b" /* why */\n}\n'
    options = {"insertSpaces": True, "tabSize": 4, "eol": "\n", "keepLines": False}
    reference = run_batch([_modify_op(text, ["files.associations"], {"*.roo": "yaml"}, options)])[0]["text"]
    ours = jsonc.apply_edits(text, jsonc.modify(text, ["files.associations"], {"*.roo": "yaml"},
                                                jsonc.detect_formatting(text)))
    # jsonc-parser moves the operator's comment onto the line it inserts
    assert '"b",\n    "files.associations": {\n        "*.roo": "yaml"\n    } /* why */' in reference
    assert '"a": "b", /* why */\n    "files.associations": {' in ours
    for original_line in text.splitlines()[:2]:
        assert original_line in ours.splitlines()
    values = run_batch([{"op": "parse", "text": t} for t in (ours, reference)])
    assert values[0]["value"] == values[1]["value"] and values[0]["errors"] == values[1]["errors"] == []


def test_jsonc_parsers_one_line_array_removal_slip_is_reproduced_unformatted_and_avoided_formatted():
    # jsonc-parser 3.3.1 removes the wrong characters for the last item of a one-line array
    reference = run_batch([_modify_op("[1, 2]", [1], jsonc.REMOVE)])[0]
    assert reference["text"] == "[12]"
    assert jsonc.apply_edits("[1, 2]", jsonc.modify("[1, 2]", [1], jsonc.REMOVE)) == "[12]"
    assert jsonc.apply_edits("[1, 2]", jsonc.modify("[1, 2]", [1], jsonc.REMOVE, jsonc.Formatting())) == "[1]"
