# GENERATED from lib/n8n/translate/nodes/data.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""Native data steps proven equal to n8n's own nodes: Limit, Rename Keys.

Each is listed in ``registry.PROVEN_NATIVE`` and checked by the differential test
(tests/n8n/test_native_vs_host.py: every corpus instance, n8n's engine against the
native step, same items, same output items). An instance the native step does not
cover exactly (an expression where it needs a fixed value, an option it does not
implement) raises ``Untranslatable`` and runs on the node host instead. Every other
data node (Set, Split Out, Aggregate, Summarize, Sort, ...) runs on the host.
"""

from __future__ import annotations

from ...expressions import Untranslatable, is_expression
from ...literals import js_value
from ..context import BASE, NodeContext, NodeTranslation
from ..registry import translates
from ..steps import bun_step


@translates(BASE + "limit")
def limit(ctx: NodeContext) -> NodeTranslation:
    """n8n's Limit: the first or last ``maxItems`` items, the items themselves (pairedItem and binary kept)."""
    p = ctx.node.parameters
    count, keep = p.get("maxItems", 1), p.get("keep", "firstItems")
    if isinstance(count, bool) or not isinstance(count, (int, float)) or keep not in ("firstItems", "lastItems"):
        raise Untranslatable("Limit with a computed count or an unknown keep mode runs on the node host")
    return bun_step(ctx, f"  return limitItems(items, {js_value(count)}, {js_value(keep)});", runtime=("limitItems",))


@translates(BASE + "renameKeys")
def rename_keys(ctx: NodeContext) -> NodeTranslation:
    """n8n's Rename Keys without regex replacements: lodash get/set/unset on each key, as n8n does."""
    p = ctx.node.parameters
    options = p.get("additionalOptions") or {}
    pairs = [(k.get("currentKey", ""), k.get("newKey", "")) for k in ((p.get("keys") or {}).get("key") or [])
             if isinstance(k, dict)]
    if options or any(not isinstance(a, str) or not isinstance(b, str) or is_expression(a) or is_expression(b)
                      or "[" in a + b for a, b in pairs):
        raise Untranslatable("Rename Keys with regex replacements, computed or indexed keys runs on the node host")
    return bun_step(ctx, f"  return renameItemKeys(items, {js_value(pairs)});", runtime=("renameItemKeys",))
