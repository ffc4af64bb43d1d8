"""Editing JSON with comments without touching what the operator wrote (lib/workspace/jsonc.py)."""

from __future__ import annotations

import pytest

from lib.workspace import jsonc

SETTINGS = """// my settings
{
    "editor.fontSize": 14, // bigger
    /* the theme */
    "workbench.colorTheme": "Default Dark+",
    "files.exclude": {
        "**/.git": true,
    },
}
"""


def edit(text: str, path: list, value) -> str:
    return jsonc.apply_edits(text, jsonc.modify(text, path, value, jsonc.detect_formatting(text)))


def test_adding_keeps_every_line_comment_and_trailing_comma():
    result = edit(SETTINGS, ["files.associations"], {"*.roo": "yaml"})
    result = edit(result, ["files.exclude", "**/backups"], True)
    for line in SETTINGS.splitlines():
        assert line in result.splitlines()
    assert jsonc.node_value(jsonc.read(result, "s")) == {
        "editor.fontSize": 14, "workbench.colorTheme": "Default Dark+",
        "files.exclude": {"**/.git": True, "**/backups": True}, "files.associations": {"*.roo": "yaml"}}
    assert '        "**/.git": true,\n        "**/backups": true,\n    },' in result  # its trailing-comma style
    assert result.endswith('    "files.associations": {\n        "*.roo": "yaml"\n    },\n}\n')


def test_a_comment_after_the_last_entry_stays_on_its_line():
    text = '{\n  "a": 1 // why\n}'
    assert edit(text, ["b"], 2) == '{\n  "a": 1, // why\n  "b": 2\n}'


def test_removing_what_was_added_gives_the_text_back():
    for text in (SETTINGS, '{\n  "a": 1 // why\n}', "[\n\t1,\n\t2\n]", '{"one": "line"}', "{\r\n    \"crlf\": 1\r\n}"):
        is_object = jsonc.read(text, "t").type == "object"
        added = edit(text, ["added"] if is_object else [-1], {"x": [1, 2]})
        last_index = len(jsonc.read(added, "t").children) - 1
        removed = edit(added, ["added"] if is_object else [last_index], jsonc.REMOVE)
        assert removed == text, (text, added, removed)


def test_line_endings_indentation_and_bom_are_the_files_own():
    text = "\ufeff{\r\n\t\"a\": [\r\n\t\t1\r\n\t]\r\n}\r\n"
    result = edit(text, ["a", -1], {"k": 2})
    assert result == "\ufeff{\r\n\t\"a\": [\r\n\t\t1,\r\n\t\t{\r\n\t\t\t\"k\": 2\r\n\t\t}\r\n\t]\r\n}\r\n"
    assert jsonc.node_value(jsonc.read(result, "t")) == {"a": [1, {"k": 2}]}


def test_a_one_line_container_stays_on_one_line():
    assert edit('{"a": [1, 2,]}', ["a", -1], 3) == '{"a": [1, 2, 3,]}'
    assert edit('{"a": 1}', ["b"], {"c": [True]}) == '{"a": 1, "b": {"c": [true]}}'


def test_an_empty_container_with_only_comments_keeps_them():
    text = '{\n    "files.exclude": {\n        // "**/old": true\n    }\n}'
    result = edit(text, ["files.exclude", "**/backups"], True)
    assert result == '{\n    "files.exclude": {\n        // "**/old": true\n        "**/backups": true\n    }\n}'


def test_replacing_a_value_touches_only_that_value():
    text = '{\n    "a" : 1,  // spacing is the operator\'s\n    "b": 2\n}'
    assert edit(text, ["a"], {"x": 1}) == '{\n    "a" : {\n        "x": 1\n    },  // spacing is the operator\'s\n    "b": 2\n}'


@pytest.mark.parametrize("text,where,problem", [
    ('{\n  "a": 1\n  "b": 2\n}', "line 3, column 3", "comma expected"),
    ('{"a": }', "line 1, column 7", "value expected"),
    ('{"a": 1', "line 1, column 8", "closing brace expected"),
    ("{'a': 1}", "line 1, column 2", "invalid symbol"),
    ('{"a": "x\n"}', "line 1, column 7", "unterminated string"),
    ("[1] [2]", "line 1, column 5", "end of file expected"),
])
def test_malformed_files_are_refused_naming_the_place(text, where, problem):
    with pytest.raises(jsonc.JsoncError) as caught:
        jsonc.read(text, ".vscode/settings.json")
    message = str(caught.value)
    assert message.startswith(f".vscode/settings.json: {where}: {problem}")
    assert "nothing was changed" in message


def test_empty_and_comment_only_files_have_no_tree_and_trailing_commas_are_fine():
    assert jsonc.read("", "x") is None and jsonc.read("  // nothing\n", "x") is None
    assert jsonc.node_value(jsonc.read('{"a": [1,],}', "x")) == {"a": [1]}


def test_setting_inside_a_scalar_is_refused():
    with pytest.raises(jsonc.JsoncError, match="cannot set property 'x' in a value of type number"):
        jsonc.modify('{"a": 1}', ["a", "x"], True)
