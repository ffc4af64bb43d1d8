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
    body = (f"  const all = wiredItems(items);\n  const count = {js_value(count)};\n"
            "  if (count > all.length) return all;\n"
            f"  return {js_value(keep)} === 'firstItems' ? all.slice(0, count) : all.slice(all.length - count, all.length);")
    return bun_step(ctx, body)


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
    body = (f"  const pairs: [string, string][] = {js_value(pairs)};\n"
            "  // lodash paths as n8n reads them: a key the object has as such, else dot-separated\n"
            "  const path = (o: any, key: string) => (o !== null && typeof o === 'object' && key in o ? [key] : key.split('.'));\n"
            "  const get = (o: any, key: string) => path(o, key).reduce((v: any, k) => (v == null ? undefined : v[k]), o);\n"
            "  const set = (o: any, key: string, value: any) => {\n"
            "    const keys = path(o, key);\n"
            "    let cursor = o;\n"
            "    for (const k of keys.slice(0, -1)) {\n"
            "      if (cursor[k] === null || typeof cursor[k] !== 'object') cursor[k] = {};\n"
            "      cursor = cursor[k];\n"
            "    }\n"
            "    cursor[keys[keys.length - 1]] = value;\n"
            "  };\n"
            "  const unset = (o: any, key: string) => {\n"
            "    const keys = path(o, key);\n"
            "    const parent = keys.slice(0, -1).reduce((v: any, k) => (v == null ? undefined : v[k]), o);\n"
            "    if (parent !== null && typeof parent === 'object') delete parent[keys[keys.length - 1]];\n"
            "  };\n"
            "  return wiredItems(items).map((item, index) => {\n"
            "    const out: any = { json: structuredClone(item.json), pairedItem: { item: index } };\n"
            "    if (item.binary !== undefined) out.binary = item.binary;\n"
            "    for (const [from, to] of pairs) {\n"
            "      if (from === '' || to === '' || from === to) continue;\n"
            "      const value = get(item.json, from);\n"
            "      if (value === undefined) continue;\n"
            "      set(out.json, to, value);\n"
            "      unset(out.json, from);\n"
            "    }\n"
            "    return out;\n"
            "  });")
    return bun_step(ctx, body)
