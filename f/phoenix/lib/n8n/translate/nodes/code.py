# GENERATED from lib/n8n/translate/nodes/code.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""Code, Function and Function Item nodes: the node's JavaScript, run by the step with n8n's bindings.
"""

from __future__ import annotations

from ...expressions import Untranslatable
from ...literals import js_string
from ..context import BASE, NodeContext, NodeTranslation
from ..registry import translates
from ..steps import bun_step


@translates(BASE + "code", BASE + "function", BASE + "functionItem")
def code_node(ctx: NodeContext) -> NodeTranslation:
    p, short = ctx.node.parameters, ctx.node.short_type
    if short == "code" and p.get("language", "javaScript") != "javaScript":
        raise Untranslatable(f"{p.get('language')} Code nodes are not translated (only JavaScript runs as a Bun step)")
    source = p.get("jsCode") if short == "code" else p.get("functionCode")
    if not isinstance(source, str) or not source.strip():
        source = "return items;" if short != "functionItem" else "return item;"
    if "$getWorkflowStaticData" in source or "this.helpers" in source or "$binary" in source:
        raise Untranslatable("the code uses n8n internals ($getWorkflowStaticData, this.helpers or binary data)")
    # The source is a literal the runtime runs when the node runs (sloppy mode, n8n's bindings as parameters).
    prelude = ("  const require = createRequire(import.meta.url);  // n8n Code nodes may require() modules\n"
               f"  const source = {js_string(source)};\n")
    if short == "functionItem" or (short == "code" and p.get("mode") == "runOnceForEachItem"):
        item = "$json" if short == "functionItem" else "{ json: $json }"
        body = (prelude + "  const out: any[] = [];\n"
                "  for (let $itemIndex = 0; $itemIndex < input.length; $itemIndex++) {\n"
                "    setIndex($itemIndex);\n"
                "    const $json = input[$itemIndex];\n"
                f"    out.push(...unwrap(await n8n.runCode(source, {{ item: {item}, require }})));\n"
                "  }\n  return out;")
    else:
        body = prelude + "  return unwrap(await n8n.runCode(source, { items: $input.all(), require }));"
    return bun_step(ctx, body, imports='import { createRequire } from "node:module";\n',
                    comment="The n8n code is a string the runtime runs with n8n's bindings when the node runs.")

