"""A YAML .roomodes edited as text: the operator's modes, comments, anchors and layout stay."""

from __future__ import annotations

import pytest
import yaml

from lib.workspace.roo_modes import RoomodesError, RoomodesYaml

MODE = {"slug": "phoenix-orchestrator", "name": "Phoenix", "roleDefinition": "line one\nline: two # not a comment",
        "groups": ["read", ["edit", {"fileRegex": "^(?!\\.roo/).+"}]]}


def add(text: str) -> str:
    document = RoomodesYaml(text)
    path = ["customModes", -1] if "customModes" in document.value() else ["customModes"]
    return document.set(path, MODE if path[-1] == -1 else [MODE])


@pytest.mark.parametrize("text", [
    "customModes:\n  - slug: a\n    name: A\n    roleDefinition: r\n    groups: &g [read]\n"
    "  - slug: b\n    name: B\n    roleDefinition: r\n    groups: *g\n",
    "customModes:\n  - &m\n    slug: a\n    name: A\n    roleDefinition: r\n    groups: [read]\n  - *m\n# end\n",
    "x: &base {slug: b, name: B, roleDefinition: r, groups: [read]}\ncustomModes:\n  - <<: *base\n    slug: c\n",
    "customModes:\r\n  - slug: a\r\n    name: A\r\n    roleDefinition: |-\r\n      two\r\n      lines\r\n    groups: [read]\r\n",
    "customModes:\n- slug: a\n  name: A\n  roleDefinition: r\n  groups:\n  - read\n# closing comment\n",
    "customModes: [{slug: a, name: A, roleDefinition: r, groups: [read]}]  # flow\n",
    "customModes: []\n",
    "# only a comment\n",
    "",
    "other: 1\n",
])
def test_adding_and_removing_the_mode_keeps_the_rest(text):
    added = add(text)
    expected = yaml.safe_load(text) or {}
    got = yaml.safe_load(added)
    assert got["customModes"][-1] == MODE
    assert {k: v for k, v in got.items() if k != "customModes"} == {k: v for k, v in expected.items() if k != "customModes"}
    assert got["customModes"][:-1] == expected.get("customModes", [])
    for line in text.splitlines():
        if line.strip().startswith("#"):
            assert line in added.splitlines()
    if "[{" not in text:  # a flow list is taken back by the install's record, not by text edits
        document = RoomodesYaml(added)
        back = document.remove(["customModes", len(got["customModes"]) - 1])
        if "customModes" not in expected:
            back = RoomodesYaml(back).remove(["customModes"])
        assert yaml.safe_load(back) == (yaml.safe_load(text))


def test_crlf_stays_crlf():
    text = "customModes:\r\n  - slug: a\r\n    name: A\r\n    roleDefinition: r\r\n    groups: [read]\r\n"
    added = add(text)
    assert "\n" not in added.replace("\r\n", "")


def test_a_layout_that_cannot_be_edited_safely_is_refused():
    # a keep-chomped block (|+) ends the list: its trailing blank lines would move after the new mode
    text = "customModes:\n  - slug: a\n    name: A\n    groups: [read]\n    roleDefinition: |+\n      kept\n\n\n"
    with pytest.raises(RoomodesError, match="cannot be edited safely"):
        add(text)


@pytest.mark.parametrize("text,message", [
    ("customModes: {a: 1}\n", "customModes must be a list"),
    ("just text\n", "expected a mapping"),
    ("customModes:\n  - [unclosed\n", "malformed YAML: line 3"),
])
def test_what_roo_could_not_read_is_refused(text, message):
    with pytest.raises(RoomodesError, match=message):
        RoomodesYaml(text)
