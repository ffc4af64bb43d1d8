# GENERATED from lib/n8n/translate/steps.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""Building blocks of translated steps: Bun ``rawscript`` modules, placeholders, pass-throughs.

Most nodes become a Bun ``rawscript`` step that carries the n8n runtime
(``../runtime.py``), receives its items and the results of the nodes its
expressions read, and evaluates the node's parameters per item like n8n.
Workflow text reaches a step only as a literal (``../literals.py``); the
step's comments are Phoenix's own text.
"""

from __future__ import annotations

import re
from typing import Callable, Optional

from ..expressions import referenced_nodes, to_step_js, walk_strings
from ..literals import js_key, js_string, js_value
from ..runtime import LUXON_BINDINGS, LUXON_IMPORT, runtime_import
from ..workflow import Node
from .context import NodeContext, NodeTranslation

CREDENTIAL_RESOURCE_PREFIX = "f/phoenix/n8n_credentials/"

# The first line of every generated step: no workflow text ever goes into a comment.
STEP_HEADER = "// Translated from n8n by Phoenix. N8N_NODE below names the node (as data, never as code).\n"


def params_js(value) -> str:
    """A parameter tree as JavaScript: data as literals, each expression as a literal the runtime evaluates."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{js_key(k)}: {params_js(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(params_js(v) for v in value) + "]"
    if isinstance(value, str):
        return to_step_js(value)
    return js_value(value)


def node_literal(node: Node, extra: dict | None = None) -> str:
    """``const N8N_NODE = {...};``: who the step stands for, as a literal (names, type, notes)."""
    about = {"name": node.name, "type": node.type, "typeVersion": node.type_version}
    if node.notes:
        about["notes"] = node.notes
    about.update(extra or {})
    return f"const N8N_NODE = {js_value(about)};\n"


def node_refs_input(ctx: NodeContext) -> Optional[str]:
    """The ``nodes`` input: ``{"Name": results.step, ...}`` for every node the parameters read."""
    names = set()
    for text in walk_strings(ctx.node.parameters):
        names |= referenced_nodes(text)
    known = {name: ctx.node_items(name) for name in sorted(names)}
    pairs = [f"{js_key(name)}: {expr}" for name, expr in known.items() if expr is not None]
    return "({" + ", ".join(pairs) + "})" if pairs else None


def bun_step(ctx: NodeContext, body: str, *, extra_inputs: dict | None = None,
             comment: str = "", output: Callable[[int], str] | None = None,
             predicates: list[str] | None = None, imports: str = "", runtime: tuple[str, ...] = ()) -> NodeTranslation:
    """A Bun rawscript step running ``body`` with n8n's bindings from the runtime (f/phoenix/n8n_host/runtime.ts).

    ``comment`` is Phoenix's own text about the step; ``imports`` are the
    ``import`` lines the body needs (they must come first in an ES module);
    ``runtime`` names more functions of the runtime the body calls.
    """
    uses_luxon = "DateTime" in body or "$now" in body or "$today" in body
    workflow = {"name": ctx.workflow.name, "id": str(ctx.workflow.raw.get("id", ""))}
    parameters = ["items: any", "nodes: { [node: string]: any } = {}"] + [f"{k}: any" for k in (extra_inputs or {})]
    code = (STEP_HEADER
            + "".join(f"// {line}\n" for line in comment.splitlines())
            + imports + (LUXON_IMPORT if uses_luxon else "") + runtime_import("__str", "n8nContext", "toItems", *runtime)
            + node_literal(ctx.node)
            + f"\nexport async function main({', '.join(parameters)}) {{\n"
            + "  const input = toItems(items);\n"
            + "  const n8n = n8nContext(input, nodes ?? {}, "
            + f"{js_value(workflow)}{', ' + LUXON_BINDINGS if uses_luxon else ''});\n"
            + "  const { $, $input, $node, $items, $workflow, $execution, $env, $vars, $runIndex, $prevNode,"
            + " $ifEmpty, $if, $max, $min, setIndex, $e, $t } = n8n;\n"
            + body.rstrip() + "\n}\n")
    transforms = {"items": {"type": "javascript", "expr": ctx.items}}
    refs = node_refs_input(ctx)
    if refs:
        transforms["nodes"] = {"type": "javascript", "expr": refs}
    for name, expr in (extra_inputs or {}).items():
        transforms[name] = expr
    return rawscript(ctx, code, transforms, ctx.node.name, output=output, predicates=predicates)


def rawscript(ctx: NodeContext, code: str, transforms: dict, summary: str, *,
               output: Callable[[int], str] | None = None, predicates: list[str] | None = None,
               status: str = "translated", reason: str = "") -> NodeTranslation:
    """One Bun step with its inline file, named by the Phoenix-made step id."""
    file_name = f"{ctx.step_id}.ts"
    module = {"id": ctx.step_id, "summary": summary,
              "value": {"type": "rawscript", "language": "bun", "content": f"!inline {file_name}",
                        "input_transforms": transforms}}
    step_result = f"results.{ctx.step_id}"
    return NodeTranslation(modules=[module], files={file_name: code}, output=output or (lambda _i: step_result),
                           predicates=predicates, status=status, reason=reason)


def per_item(params_js: str, expression: str) -> str:
    """Body evaluating the node's parameters per item, like n8n, then ``expression``."""
    return ("  const out: any[] = [];\n"
            "  for (let $itemIndex = 0; $itemIndex < input.length; $itemIndex++) {\n"
            "    setIndex($itemIndex);\n"
            "    const $json = input[$itemIndex];\n"
            f"    const params: any = {params_js};\n"
            f"    {expression}\n"
            "  }\n"
            "  return out;\n")


def routing_outputs(ctx: NodeContext, count: int) -> tuple[Callable[[int], str], list[str]]:
    result = f"results.{ctx.step_id}"
    return ((lambda i: f"{result}.outputs[{i}]"),
            [f"{result}.outputs[{i}].length > 0" for i in range(count)])


def placeholder(ctx: NodeContext, reason: str) -> NodeTranslation:
    """A step that fails when run, naming the node and why it was not translated.

    Its n8n parameters and credential references travel in the file as
    literals (``N8N_NODE``), for whoever writes the replacement.
    """
    node = ctx.node
    message = (f'n8n node "{node.name}" ({node.type}) was not translated to Windmill: {reason}. '
               "Replace this placeholder step with an equivalent script.")
    code = (STEP_HEADER
            + "// PLACEHOLDER: this n8n node was NOT translated; main() fails, saying why.\n"
            + "// N8N_NODE holds its parameters and the credentials it used (references only).\n"
            + node_literal(node, {"reason": reason, "credentials": sorted(node.credentials),
                                  "parameters": node.parameters})
            + "export async function main(items: any) {\n"
            + f"  throw new Error({js_string(message)});\n}}\n")
    return rawscript(ctx, code, {"items": {"type": "javascript", "expr": ctx.items}},
                      f"PLACEHOLDER (not translated): {node.name} [{node.short_type}]",
                      status="placeholder", reason=reason)


PASS_THROUGH_MAIN = """export async function main(items: any) {
  // Nested lists (loop results) and routed outputs become one list; n8n items keep pairedItem and binary.
  return passItems(items);
}
"""


def pass_through_code(why: str, literal: str) -> str:
    """A step returning its items unchanged: ``why`` is Phoenix's own comment, ``literal`` the N8N_NODE line."""
    return (STEP_HEADER + "".join(f"// {line}\n" for line in why.splitlines()) + runtime_import("passItems")
            + literal + PASS_THROUGH_MAIN)


def pass_through_step(ctx: NodeContext, summary: str, why: str) -> NodeTranslation:
    """A step returning its input items unchanged, so the flow's result is right where it ends.

    (Windmill's ``identity`` would return the previous module's raw result,
    which after a loop or a branch is not this node's items.)
    """
    code = pass_through_code(why, node_literal(ctx.node))
    translation = rawscript(ctx, code, {"items": {"type": "javascript", "expr": ctx.items}}, summary)
    step_result = f"results.{ctx.step_id}"
    translation.output = lambda i: step_result if i == 0 else "[]"
    return translation


def disabled_pass_through(ctx: NodeContext) -> NodeTranslation:
    """n8n skips a disabled node and hands its input to the first output."""
    return pass_through_step(ctx, f"{ctx.node.name} (disabled in n8n: passes items through)",
                             "Disabled in n8n: n8n hands its input items to its first output unchanged.")


def param(node: Node, key: str, default=None):
    value = node.parameters.get(key, default)
    return default if value is None else value


def locator_value(value):
    """n8n resource locators (``{"__rl": true, "value": ...}``) to their value."""
    return value.get("value") if isinstance(value, dict) and "__rl" in value else value



def int_or(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def credential_resource(node: Node) -> Optional[str]:
    """The Windmill resource path standing for the node's (first) n8n credential, or None without one."""
    if not node.credentials or node.parameters.get("authentication", "none") == "none":
        return None
    kind = sorted(node.credentials)[0]
    name = (node.credentials[kind] or {}).get("name", kind) if isinstance(node.credentials[kind], dict) else kind
    slug = re.sub(r"[^a-z0-9]+", "_", f"{kind}_{name}".lower()).strip("_") or "credential"
    return CREDENTIAL_RESOURCE_PREFIX + slug[:80]
