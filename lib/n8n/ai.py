"""AI nodes folded into one call of the Phoenix router (``f/phoenix/router``).

An n8n agent or chain is a root node with sub-nodes hanging off it (model,
memory, tools, output parser). Phoenix picks the model itself, so the whole
cluster becomes one ``script`` step calling the router with a prompt built
from the node's own text, its system message, the tools' descriptions and
the output parser's shape. What is lost is said in the step: tools are
described, not callable; memory does not carry over between runs.

The prompt is a Windmill input-transform expression when the n8n expression
can be rewritten (``$json``, ``$('Node').item.json``...); otherwise a small
Bun step computes it with the n8n runtime first, and the router reads it.
"""

from __future__ import annotations

import dataclasses

from .expressions import Untranslatable, is_expression, to_input_transform, to_step_js
from .literals import js_string, js_value
from .translate.context import BASE, LANGCHAIN, NodeContext, NodeTranslation
from .translate.registry import structural
from .translate.steps import bun_step, pass_through_step
from .workflow import Node, Workflow

ROUTER_PATH = "f/phoenix/router"
AI_ROOTS = ("agent", "chainLlm", "openAi", "chainSummarization")


def fold_sub_nodes(workflow: Workflow, root: str) -> list[tuple[str, Node]]:
    """Every sub-node feeding ``root``, and theirs (a tool's own model, a store's embeddings), depth first."""
    seen, found = {root}, []
    todo = list(reversed(workflow.sub_nodes(root)))
    while todo:  # iterative: a chain of thousands of sub-nodes must not end in RecursionError
        kind, sub = todo.pop()
        if sub.name in seen:
            continue
        seen.add(sub.name)
        found.append((kind, sub))
        todo.extend(reversed(workflow.sub_nodes(sub.name)))
    return found


def router_call(ctx: NodeContext, parts: list) -> tuple[list[dict], dict[str, str], str]:
    """Ask the router once per incoming item, like n8n runs the node once per item.

    ``parts`` make up the prompt; each is an n8n parameter value (plain text, or an
    expression such as ``"={{ $json.x }}"`` evaluated for the item). Returns the modules,
    their files, and the JavaScript giving the list of answers, one per item, in order.
    The node's step id names the for-loop; the router step inside is ``<id>_ask``.
    """
    item = "flow_input.iter.value"
    files: dict[str, str] = {}
    inner: list[dict] = []
    parts = _merge_text([p for p in parts if p])
    try:
        pieces = [to_input_transform(part, item, ctx.node_items, ctx.workflow.name) if is_expression(part)
                  else js_string(part) for part in parts]
        prompt = " + ".join(piece if not is_expression(part) else f"String({piece} ?? '')"
                            for piece, part in zip(pieces, parts)) or "''"
    except Untranslatable:
        # The prompt needs n8n's runtime ($input.all(), .toJsonString(), Luxon...): compute it in a step.
        joined = " + ".join(f"__str({to_step_js(part)})" for part in parts) or '""'
        # It sees every item, as n8n's $input.all() does, with the loop's item as $json.
        prep = bun_step(dataclasses.replace(ctx, step_id=ctx.new_id(f"{ctx.node.name}_prompt")),
                        f"  setIndex(index);\n  const $json = input[index] ?? {{}};\n  return {{ prompt: {joined} }};",
                        extra_inputs={"index": {"type": "javascript", "expr": "flow_input.iter.index"}},
                        comment="Builds the prompt with n8n's bindings; the next step sends it to the router.")
        prep.modules[0]["summary"] = f"{ctx.node.name}: build the prompt"
        inner += prep.modules
        files.update(prep.files)
        prompt = f"results.{prep.modules[0]['id']}.prompt"
    inner.append({"id": ctx.new_id(f"{ctx.step_id}_ask"), "summary": f"{ctx.node.name} (AI via the Phoenix router)",
                  "value": {"type": "script", "path": ROUTER_PATH,
                            "input_transforms": {"prompt": {"type": "javascript", "expr": prompt}}}})
    loop = {"id": ctx.step_id, "summary": f"{ctx.node.name}: once per item",
            "value": {"type": "forloopflow", "iterator": {"type": "javascript", "expr": ctx.items},
                      "skip_failures": False, "parallel": False, "modules": inner}}
    return [loop], files, f"results.{ctx.step_id}.map((r) => String(r?.answer ?? ''))"


def _merge_text(parts: list) -> list:
    """Adjacent plain-text parts as one string, so the prompt expression stays readable."""
    merged: list = []
    for part in parts:
        if merged and not is_expression(part) and not is_expression(merged[-1]):
            merged[-1] += part
        else:
            merged.append(part)
    return merged


@structural(*(LANGCHAIN + t for t in AI_ROOTS), BASE + "openAi")
def ai_root(ctx: NodeContext) -> NodeTranslation:
    node = ctx.node
    resource = node.parameters.get("resource", "text")
    if node.short_type == "openAi" and resource not in (("chat", "text") if node.type.startswith(BASE) else ("text",)):
        raise Untranslatable(f"OpenAI resource {resource!r} (not text generation)")
    folded = fold_sub_nodes(ctx.workflow, node.name)
    modules, files, answers = router_call(ctx, _preamble(_system_parts(node), folded) + [_prompt_parameter(node)])
    item = {"agent": "{output: a}", "chainLlm": "{text: a}", "chainSummarization": "{output: {text: a}, text: a}"}.get(
        node.short_type, "{message: {role: 'assistant', content: a}, text: a}")
    shape = f"{answers}.map((a) => ({item}))"
    return _as_items(ctx, NodeTranslation(modules=modules, files=files, output=lambda _i: shape))


def _as_items(ctx: NodeContext, translation: NodeTranslation) -> NodeTranslation:
    """When the AI node ends the workflow, add a step whose result is n8n's items (the flow's result)."""
    if ctx.workflow.outgoing(ctx.node.name):
        return translation
    items = pass_through_step(dataclasses.replace(ctx, step_id=ctx.new_id(f"{ctx.node.name}_items"),
                                                  items=translation.output(0)),
                              f"{ctx.node.name}: the answer as n8n items",
                              "Shapes the router's answers as the items the n8n node returned.")
    translation.modules += items.modules
    translation.files.update(items.files)
    translation.output = items.output
    return translation


@structural(LANGCHAIN + "informationExtractor")
def information_extractor(ctx: NodeContext) -> NodeTranslation:
    p = ctx.node.parameters
    options = p.get("options") if isinstance(p.get("options"), dict) else {}
    system = options.get("systemPromptTemplate") or (
        "You are an expert extraction algorithm. Only extract relevant information from the text. "
        "If you do not know the value of an attribute asked to extract, you may omit the attribute's value.")
    kind = p.get("schemaType", "fromAttributes")
    if kind == "fromAttributes":
        attributes = ((p.get("attributes") or {}).get("attributes") or [])
        shape = "; ".join(f"{a.get('name')} ({a.get('type', 'string')}{', required' if a.get('required') else ''}): "
                          f"{a.get('description', '')}" for a in attributes if isinstance(a, dict))
        shape = f"a JSON object with these attributes: {shape}"
    elif kind == "fromJson":
        shape = f"a JSON object shaped like this example: {p.get('jsonSchemaExample', '{}')}"
    else:
        shape = f"a JSON object valid against this JSON Schema: {p.get('inputSchema', '{}')}"
    modules, files, answers = router_call(ctx, [system, f"\n\nAnswer only with {shape}\n\n",
                                                p.get("text", "={{ $json.chatInput }}")])
    # n8n hands on {output: <the extracted object>}; an answer that is not JSON is handed on as text.
    output = (f"{answers}.map((text) => {{ const found = text.match(/\\{{[\\s\\S]*\\}}/);"
              " try { return {output: JSON.parse(found ? found[0] : text)}; } catch { return {output: text}; } })")
    return _as_items(ctx, NodeTranslation(modules=modules, files=files, output=lambda _i: output))


@structural(LANGCHAIN + "textClassifier", LANGCHAIN + "sentimentAnalysis")
def classifier(ctx: NodeContext) -> NodeTranslation:
    """One output per category; each item goes to the first category its answer names."""
    p = ctx.node.parameters
    options = p.get("options") if isinstance(p.get("options"), dict) else {}
    if ctx.node.short_type == "sentimentAnalysis":
        names = [c.strip() for c in str(options.get("categories") or "Positive, Neutral, Negative").split(",") if c.strip()]
        described = names
        fallback = False
    else:
        entries = [c for c in ((p.get("categories") or {}).get("categories") or []) if isinstance(c, dict)]
        names = [str(c.get("category", "")) for c in entries]
        described = [f"{c.get('category')}: {c.get('description', '')}".rstrip(": ") for c in entries]
        fallback = options.get("fallback") == "other"
    if not names:
        raise Untranslatable("no categories to classify into")
    system = options.get("systemPromptTemplate") or "Please classify the text provided by the user into one of the following categories."
    instructions = ("\n" + "\n".join(f"- {d}" for d in described)
                    + ("\nIf no category applies, answer: other" if fallback else "")
                    + "\nAnswer with the category name only.\n\nText:\n")
    modules, files, answers = router_call(ctx, [system, instructions, p.get("inputText", "={{ $json.chatInput }}")])
    lowered = js_value([name.lower() for name in names])
    unmatched = len(names) if fallback else -1
    category = (f"((a) => {{ const i = {lowered}.findIndex((c) => a.toLowerCase().includes(c));"
                f" return i >= 0 ? i : {unmatched}; }})")
    items = ctx.items

    def output(i: int) -> str:
        chosen = f"({items}).filter((_item, k) => {category}({answers}[k] ?? '') === {i})"
        if ctx.node.short_type == "sentimentAnalysis":
            return f"{chosen}.map((item) => ({{...item, sentimentAnalysis: {{category: {js_string(names[i])}}}}}))"
        return chosen  # the item goes out on its category's output unchanged

    count = len(names) + (1 if fallback else 0)
    return NodeTranslation(modules=modules, files=files, output=output,
                           predicates=[f"{output(i)}.length > 0" for i in range(count)])


def _prompt_parameter(node: Node):
    p = node.parameters
    if node.short_type == "openAi":
        messages = (_dict(p.get("messages")) or _dict(p.get("prompt"))).get("values") or \
                   _dict(p.get("prompt")).get("messages") or []
        users = [m.get("content", "") for m in messages if isinstance(m, dict) and m.get("role", "user") == "user"]
        return users[-1] if users else p.get("text", "={{ $json.chatInput }}")
    if node.short_type == "chainSummarization":
        return "={{ JSON.stringify($json) }}"
    if p.get("promptType", "auto" if node.type_version >= 1.5 else "define") == "auto" and "text" not in p:
        return "={{ $json.chatInput }}"
    return p.get("text", p.get("prompt", "={{ $json.chatInput }}"))


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _system_parts(node: Node) -> list:
    """The node's system messages: plain text or n8n expressions, in the order n8n sends them."""
    p = node.parameters
    parts = [_dict(p.get("options")).get("systemMessage", "")]
    for message in (_dict(p.get("messages")).get("messageValues") or []):
        if isinstance(message, dict) and message.get("type", "SystemMessagePromptTemplate") == "SystemMessagePromptTemplate":
            parts.append(message.get("message", ""))
    if node.short_type == "openAi":
        for message in ((_dict(p.get("messages")) or _dict(p.get("prompt"))).get("values") or []):
            if isinstance(message, dict) and message.get("role") == "system":
                parts.append(message.get("content", ""))
    if node.short_type == "chainSummarization":
        parts.append("Summarize the following data concisely.")
    return [part for part in parts if isinstance(part, str) and part.strip()]


def _preamble(system: list, folded: list[tuple[str, Node]]) -> list:
    """Prompt parts before the user's text: system messages, the tools it could call, the answer's shape."""
    notes = []
    tools = [n for kind, n in folded if kind == "ai_tool"]
    if tools:
        notes.append("In the original n8n workflow you could call these tools; here they are not callable, "
                     "so say which one you would need: " + "; ".join(
                         f"{t.name} ({t.parameters.get('toolDescription') or t.parameters.get('description') or t.short_type})"
                         for t in tools))
    for kind, sub in folded:
        if kind == "ai_outputParser" and sub.parameters.get("jsonSchemaExample"):
            notes.append("Answer only with JSON shaped like this example: " + str(sub.parameters["jsonSchemaExample"]))
    parts: list = []
    for part in system + notes:
        parts += [part, "\n\n"]
    return parts
