"""Data nodes: Set, Split Out, Aggregate, Limit, Sort, Remove Duplicates, Rename Keys, Summarize, Item Lists.
"""

from __future__ import annotations

from ...expressions import Untranslatable
from ...literals import js_key, js_value
from ..context import BASE, NodeContext, NodeTranslation
from ..registry import translates
from ..steps import bun_step, int_or, params_js, per_item


SET_JS = r"""
function setPath(target: any, path: string, value: any, dotNotation: boolean) {
  if (!dotNotation || !path.includes(".")) { target[path] = value; return; }
  const keys = path.split(".");
  let cursor = target;
  for (const key of keys.slice(0, -1)) cursor = cursor[key] = typeof cursor[key] === "object" && cursor[key] !== null ? cursor[key] : {};
  cursor[keys.at(-1)!] = value;
}
function typed(type: string, value: any) {
  if (typeof value !== "string") return value;
  if (type === "number") return Number(value);
  if (type === "boolean") return value === "true";
  if ((type === "array" || type === "object") && value.trim()) return JSON.parse(value);
  return value;
}
"""


@translates(BASE + "set")
def set_node(ctx: NodeContext) -> NodeTranslation:
    p, version = ctx.node.parameters, ctx.node.type_version
    options = p.get("options") if isinstance(p.get("options"), dict) else {}
    dot = "false" if options.get("dotNotation") is False else "true"
    if version >= 3:
        keep = "true" if (p.get("includeOtherFields") or p.get("include") == "all"
                          or (version < 3.3 and p.get("include", "none") != "none")) else "false"
        if p.get("mode") == "raw":
            expression = (f"const data = typeof params.jsonOutput === 'string' ? JSON.parse(params.jsonOutput) : params.jsonOutput;\n"
                          f"    out.push({keep} ? {{ ...$json, ...data }} : data);")
            params_code = params_js({"jsonOutput": p.get("jsonOutput", "{}")})
        else:
            assignments = ((p.get("assignments") or {}).get("assignments") or []) if version >= 3.3 else \
                [{"name": f.get("name"), "value": f.get(f"{f.get('type', 'string')}Value", f.get("stringValue")),
                  "type": f.get("type", "string")} for f in ((p.get("fields") or {}).get("values") or [])]
            params_code = params_js({"assignments": [{"name": a.get("name", ""), "value": a.get("value"),
                                                   "type": a.get("type", "string")} for a in assignments
                                                  if isinstance(a, dict)]})
            expression = (f"const item: any = {keep} ? structuredClone($json) : {{}};\n"
                          f"    for (const a of params.assignments) setPath(item, String(a.name), typed(a.type, a.value), {dot});\n"
                          "    out.push(item);")
    else:
        values = p.get("values") or {}
        flat = [{"name": v.get("name", ""), "value": v.get("value"), "type": kind}
                for kind, entries in values.items() if isinstance(entries, list)
                for v in entries if isinstance(v, dict)]
        keep = "false" if p.get("keepOnlySet") else "true"
        params_code = params_js({"assignments": flat})
        expression = (f"const item: any = {keep} ? structuredClone($json) : {{}};\n"
                      f"    for (const a of params.assignments) setPath(item, String(a.name), a.value, {dot});\n"
                      "    out.push(item);")
    return bun_step(ctx, SET_JS + per_item(params_code, expression))

@translates(BASE + "splitOut")
def split_out(ctx: NodeContext) -> NodeTranslation:
    p = ctx.node.parameters
    options = p.get("options") or {}
    params = {"fields": p.get("fieldToSplitOut", ""), "include": p.get("include", "noOtherFields"),
              "selected": p.get("fieldsToInclude", ""), "destination": options.get("destinationFieldName", "")}
    expression = ("const get = (o: any, path: string) => path.split('.').reduce((v, k) => v?.[k], o);\n"
                  "    for (const field of String(params.fields).split(',').map((f) => f.trim()).filter(Boolean)) {\n"
                  "      const value = get($json, field);\n"
                  "      for (const entry of Array.isArray(value) ? value : value == null ? [] : [value]) {\n"
                  "        const base = params.include === 'allOtherFields' ? { ...$json } : params.include === 'selectedOtherFields'\n"
                  "          ? Object.fromEntries(String(params.selected).split(',').map((f) => f.trim()).map((f) => [f, $json[f]])) : {};\n"
                  "        const key = params.destination || field.split('.').at(-1);\n"
                  "        out.push(entry && typeof entry === 'object' && !Array.isArray(entry) && !params.destination\n"
                  "          ? { ...base, ...entry } : { ...base, [key]: entry });\n"
                  "      }\n    }")
    return bun_step(ctx, per_item(params_js(params), expression))

@translates(BASE + "aggregate")
def aggregate(ctx: NodeContext) -> NodeTranslation:
    p = ctx.node.parameters
    if p.get("aggregate") == "aggregateAllItemData":
        destination = p.get("destinationFieldName", "data")
        body = f"  return [{{ {js_key(destination)}: input }}];"
    else:
        fields = [(f.get("fieldToAggregate", ""), f.get("outputFieldName") if f.get("renameField") else None)
                  for f in ((p.get("fieldsToAggregate") or {}).get("fieldToAggregate") or []) if isinstance(f, dict)]
        merge = "true" if (p.get("options") or {}).get("mergeLists") else "false"
        body = (f"  const fields = {js_value(fields)};\n"
                "  const get = (o: any, path: string) => path.split('.').reduce((v, k) => v?.[k], o);\n"
                "  const out: any = {};\n"
                "  for (const [field, rename] of fields) {\n"
                "    const values = input.map((i) => get(i, field)).filter((v) => v !== undefined);\n"
                f"    out[rename || field.split('.').at(-1)] = {merge} ? values.flat() : values;\n"
                "  }\n  return [out];")
    return bun_step(ctx, body)


@translates(BASE + "limit")
def limit(ctx: NodeContext) -> NodeTranslation:
    p = ctx.node.parameters
    count = int_or(p.get("maxItems", 1), 1)
    body = f"  return {js_value(p.get('keep', 'firstItems'))} === 'lastItems' ? input.slice(-{count}) : input.slice(0, {count});"
    return bun_step(ctx, body)


@translates(BASE + "sort")
def sort_items(ctx: NodeContext) -> NodeTranslation:
    p = ctx.node.parameters
    if p.get("type", "simple") != "simple":
        raise Untranslatable(f"Sort type {p.get('type')!r} is not translated")
    fields = [(f.get("fieldName", ""), f.get("order", "ascending"))
              for f in ((p.get("sortFieldsUi") or {}).get("sortField") or []) if isinstance(f, dict)]
    body = (f"  const fields = {js_value(fields)};\n"
            "  const get = (o: any, path: string) => path.split('.').reduce((v, k) => v?.[k], o);\n"
            "  return [...input].sort((a, b) => {\n"
            "    for (const [field, order] of fields) {\n"
            "      const x = get(a, field), y = get(b, field);\n"
            "      if (x === y) continue;\n"
            "      const less = x < y ? -1 : 1;\n"
            "      return order === 'descending' ? -less : less;\n"
            "    }\n    return 0;\n  });")
    return bun_step(ctx, body)


@translates(BASE + "removeDuplicates")
def remove_duplicates(ctx: NodeContext) -> NodeTranslation:
    p = ctx.node.parameters
    # Item Lists calls this operation "removeDuplicates" (within the input, as here)
    if p.get("operation", "removeDuplicateInputItems") not in ("removeDuplicateInputItems", "removeDuplicates"):
        raise Untranslatable("removing duplicates across executions needs n8n's deduplication store")
    fields = p.get("fieldsToCompare", "")
    if isinstance(fields, dict):
        fields = ",".join(f.get("fieldName", "") for f in fields.get("fields") or [])
    compare = p.get("compare", "allFields")
    body = (f"  const fields = {js_value([f.strip() for f in str(fields).split(',') if f.strip()])};\n"
            f"  const compare = {js_value(compare)};\n"
            "  const seen = new Set<string>();\n"
            "  const get = (o: any, path: string) => (path in o ? o[path] : path.split('.').reduce((v, k) => v?.[k], o));\n"
            "  return input.filter((item) => {\n"
            "    const key = JSON.stringify(compare === 'selectedFields' ? fields.map((f) => get(item, f))\n"
            "      : compare === 'allFieldsExcept' ? Object.entries(item).filter(([k]) => !fields.includes(k)) : item);\n"
            "    if (seen.has(key)) return false;\n    seen.add(key);\n    return true;\n  });")
    return bun_step(ctx, body)


@translates(BASE + "renameKeys")
def rename_keys(ctx: NodeContext) -> NodeTranslation:
    pairs = [(k.get("currentKey", ""), k.get("newKey", "")) for k in
             ((ctx.node.parameters.get("keys") or {}).get("key") or []) if isinstance(k, dict)]
    body = (f"  const pairs = {js_value(pairs)};\n"
            "  return input.map((item) => {\n"
            "    const out: any = { ...item };\n"
            "    for (const [from, to] of pairs) if (from in out) { out[to] = out[from]; delete out[from]; }\n"
            "    return out;\n  });")
    return bun_step(ctx, body)


@translates(BASE + "summarize")
def summarize(ctx: NodeContext) -> NodeTranslation:
    p = ctx.node.parameters
    values = [(v.get("aggregation", "count"), v.get("field", "")) for v in
              ((p.get("fieldsToSummarize") or {}).get("values") or []) if isinstance(v, dict)]
    split = [f.strip() for f in str(p.get("fieldsToSplitBy", "") or "").split(",") if f.strip()]
    body = (f"  const values = {js_value(values)};\n  const split = {js_value(split)};\n"
            "  const groups = new Map<string, any[]>();\n"
            "  for (const item of input) {\n"
            "    const key = JSON.stringify(split.map((f) => item[f]));\n"
            "    groups.set(key, [...(groups.get(key) ?? []), item]);\n  }\n"
            "  return [...groups.entries()].map(([key, members]) => {\n"
            "    const out: any = Object.fromEntries(split.map((f, i) => [f, JSON.parse(key)[i]]));\n"
            "    for (const [how, field] of values) {\n"
            "      const list = members.map((m) => m[field]).filter((v) => v !== undefined && v !== null);\n"
            "      const numbers = list.map(Number);\n"
            "      const result = how === 'count' ? list.length : how === 'countUnique' ? new Set(list).size\n"
            "        : how === 'sum' ? numbers.reduce((a, b) => a + b, 0) : how === 'average' ? numbers.reduce((a, b) => a + b, 0) / (numbers.length || 1)\n"
            "        : how === 'max' ? Math.max(...numbers) : how === 'min' ? Math.min(...numbers)\n"
            "        : how === 'concatenate' ? list.join(', ') : list;\n"
            "      out[`${how}_${field}`] = result;\n"
            "    }\n    return out;\n  });")
    return bun_step(ctx, body)


@translates(BASE + "itemLists")
def item_lists(ctx: NodeContext) -> NodeTranslation:
    """The legacy Item Lists node: one of the newer single-purpose nodes by operation."""
    operation = ctx.node.parameters.get("operation", "splitOutItems")
    target = {"splitOutItems": split_out, "aggregateItems": aggregate, "removeDuplicates": remove_duplicates,
              "sort": sort_items, "limit": limit, "summarize": summarize}.get(operation)
    if target is None:
        raise Untranslatable(f"Item Lists operation {operation!r} is not translated")
    if operation == "aggregateItems" and ctx.node.parameters.get("aggregate") != "aggregateAllItemData":
        fields = ((ctx.node.parameters.get("fieldsToAggregate") or {}).get("fieldToAggregate") or [])
        ctx.node.parameters.setdefault("fieldsToAggregate", {"fieldToAggregate": fields})
    return target(ctx)

