"""Native steps only where proven: each PROVEN_NATIVE type gives n8n's own output on every corpus instance.

The differential run (tests/n8n/native_vs_host.py) takes every instance of the type in
the development corpora, synthesizes items from its parameters, and runs them through
n8n's engine (the node host) and through the native step: same output items, JSON and
pairing. A type that fails here leaves PROVEN_NATIVE and runs on the host.
"""

from __future__ import annotations

import pytest

from lib.n8n.translate import registry
from lib.n8n.translate.context import BASE
from lib.n8n.translate.steps import bun_step
from tests.n8n.native_vs_host import CORPORA, differences, instances, synthesized_items
from tests.support.n8n_host_run import missing

pytestmark = [pytest.mark.skipif(missing() is not None, reason=str(missing())),
              pytest.mark.skipif(not all(c.is_dir() for c in CORPORA), reason="the development corpora are absent")]


@pytest.mark.parametrize("type_name", sorted(registry.PROVEN_NATIVE))
def test_a_proven_native_step_gives_n8ns_items_on_every_corpus_instance(type_name):
    count, found = differences(type_name, registry.PROVEN_NATIVE[type_name])
    assert count > 0, f"no instance of {type_name} in the corpora: nothing proves it"
    assert found == []


def test_every_proven_type_has_a_native_translator():
    assert set(registry.PROVEN_NATIVE) <= set(registry.TRANSLATORS)


def test_the_differential_run_finds_a_native_step_that_differs(monkeypatch):
    """A Limit that keeps one item too many must be caught (the check can fail)."""
    def off_by_one(ctx):
        count = int(ctx.node.parameters.get("maxItems", 1)) + 1
        return bun_step(ctx, f"  return wiredItems(items).slice(0, {count});", runtime=("wiredItems",))

    monkeypatch.setitem(registry.TRANSLATORS, BASE + "limit", off_by_one)
    count, found = differences(BASE + "limit", registry.PROVEN_NATIVE[BASE + "limit"])
    assert count > 0 and found


def test_items_are_built_from_the_fields_the_node_names():
    items = synthesized_items({"fieldToSplitOut": "data.rows", "value": "={{ $json.user['first name'] }}"})
    assert [item["user"]["first name"] for item in items][:3] == ["first name 0", 2, "first name 0"]
    assert [item["data"]["rows"] for item in items][:3] == ["rows 0", 3, "rows 0"]
    assert isinstance(items[3]["data"]["rows"], list) and [item["id"] for item in items] == [0, 1, 2, 3]
    assert instances(BASE + "noOp")
