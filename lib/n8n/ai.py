"""AI nodes: agents, chains and the rest of n8n's AI family, answered by the Phoenix router.

An n8n agent or chain is a root node with sub-nodes hanging off it (model,
memory, tools, output parser, retriever...). Two translations, both ending in
the router (the operator's own models):

- a root whose only sub-node is its model becomes one ``script`` step per
  item calling ``f/phoenix/router`` with a prompt built from the node's own
  text and system message; the model node's sampling options and the model it
  named travel as the router's hints (``temperature``, ``max_tokens``,
  ``prefer``). The prompt is a Windmill input-transform expression when the n8n
  expression can be rewritten (``$json``, ``$('Node').item.json``...);
  otherwise a small Bun step computes it with the n8n runtime first;
- anything more (tools the model calls, memory kept per chat session, output
  parsers, retrievers and vector stores, document loaders and text splitters)
  runs as one AI cluster step with n8n's own engine (``ai_cluster.py``), every
  model and embeddings sub-node swapped for Phoenix's (``ai_models.py``).

What cannot run on the stack's models (the OpenAI node's image, audio and file
operations, OpenAI's hosted assistants) is a placeholder that says why; the
translation report counts those apart (``ai_catalog.is_ai_type``).
"""

from __future__ import annotations

import dataclasses

from .ai_catalog import kind_of
from .ai_cluster import translate_cluster
from .ai_models import is_model, phoenix_chat_model
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


def router_call(ctx: NodeContext, parts: list, hints: dict | None = None) -> tuple[list[dict], dict[str, str], str]:
    """Ask the router once per incoming item, like n8n runs the node once per item.

    ``parts`` make up the prompt; each is an n8n parameter value (plain text, or an
    expression such as ``"={{ $json.x }}"`` evaluated for the item). Returns the modules,
    their files, and the JavaScript giving the list of answers, one per item, in order.
    The node's step id names the for-loop; the router step inside is ``<id>_ask``. ``hints``
    (``model_hints``) are static arguments of the router: temperature, max_tokens, prefer.
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
    transforms = {"prompt": {"type": "javascript", "expr": prompt}}
    transforms.update({name: {"type": "static", "value": value} for name, value in (hints or {}).items()})
    inner.append({"id": ctx.new_id(f"{ctx.step_id}_ask"), "summary": f"{ctx.node.name} (AI via the Phoenix router)",
                  "value": {"type": "script", "path": ROUTER_PATH, "input_transforms": transforms}})
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


def model_hints(ctx: NodeContext) -> dict:
    """The router's arguments from the root's model sub-node: its temperature and token limit when
    they are plain numbers, and the models it named (``prefer``; names the stack lacks change nothing)."""
    hints: dict = {}
    for _kind, sub in fold_sub_nodes(ctx.workflow, ctx.node.name):
        if not is_model(sub):
            continue
        replacement, prefer = phoenix_chat_model(sub)
        options = replacement["parameters"]["options"]
        temperature, max_tokens = options.get("temperature"), options.get("maxTokens")
        if type(temperature) in (int, float) and 0 <= temperature <= 2:
            hints["temperature"] = temperature
        if type(max_tokens) is int and max_tokens >= 1:
            hints["max_tokens"] = max_tokens
        if prefer:
            hints["prefer"] = prefer
        break  # n8n's roots take one model
    return hints


def needs_host(ctx: NodeContext) -> bool:
    """More than a model hangs off this root (tools, memory, parsers, retrievers...): n8n's engine runs it."""
    return any(not is_model(sub) for _kind, sub in fold_sub_nodes(ctx.workflow, ctx.node.name))


def ai_cluster(ctx: NodeContext) -> NodeTranslation:
    """The root and its sub-nodes run by n8n's engine in one step (models and embeddings Phoenix's)."""
    return _as_items(ctx, translate_cluster(ctx))


#: the LangChain OpenAI node's text operations n8n's own node runs here (classify too, in every version:
#: Phoenix's /v1/moderations); v2's "response" needs OpenAI's Responses API: answered by a router call instead
OPENAI_TEXT_TO_HOST = {(1, "message")}


@structural(*(LANGCHAIN + t for t in AI_ROOTS), BASE + "openAi")
def ai_root(ctx: NodeContext) -> NodeTranslation:
    node = ctx.node
    if node.short_type == "openAi":
        return openai_node(ctx)
    if needs_host(ctx):
        return ai_cluster(ctx)
    return _routed(ctx)


def openai_node(ctx: NodeContext) -> NodeTranslation:
    """The OpenAI app node: its text operations answered by the router, anything else a placeholder."""
    node = ctx.node
    resource = node.parameters.get("resource", "text")
    if node.type.startswith(BASE):  # the older n8n-nodes-base node: chat, completions, moderation
        if resource not in ("chat", "text"):
            raise Untranslatable(f"OpenAI resource {resource!r}: Phoenix's models answer text only "
                                 "(images need OpenAI itself)")
        operation = node.parameters.get("operation", "complete")
        if resource == "chat" or operation == "moderate":
            return ai_cluster(ctx)  # n8n's own node against Phoenix's /v1/chat/completions or /v1/moderations
        return _routed(ctx)  # legacy completions and edits: Phoenix serves neither route
    if resource != "text":
        raise Untranslatable(f"OpenAI resource {resource!r}: Phoenix's models answer text only "
                             f"({resource} needs OpenAI itself)")
    operation = node.parameters.get("operation", "message" if node.type_version < 2 else "response")
    if (int(node.type_version), operation) in OPENAI_TEXT_TO_HOST or operation == "classify":
        return ai_cluster(ctx)  # n8n's own node, asking Phoenix's chat or moderation route
    if needs_host(ctx):
        raise Untranslatable(f"OpenAI text operation {operation!r} with tools or memory needs OpenAI's Responses "
                             "API, which Phoenix does not serve")
    return _routed(ctx)


def _routed(ctx: NodeContext) -> NodeTranslation:
    node = ctx.node
    modules, files, answers = router_call(ctx, _preamble(_system_parts(node)) + [_prompt_parameter(node)],
                                          model_hints(ctx))
    item = {"agent": "{output: a}", "chainLlm": "{text: a}", "chainSummarization": "{output: {text: a}, text: a}"}.get(
        node.short_type, _openai_item(node))
    shape = f"{answers}.map((a) => ({item}))"
    return _as_items(ctx, NodeTranslation(modules=modules, files=files, output=lambda _i: shape))


def _openai_item(node: Node) -> str:
    """The item the OpenAI node hands on (simplified output), around the router's answer ``a``."""
    if node.type.startswith(LANGCHAIN) and node.type_version >= 2:
        return "{output: [{type: 'message', role: 'assistant', content: [{type: 'output_text', text: a, annotations: []}]}]}"
    return "{message: {role: 'assistant', content: a}, text: a}"


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
    if needs_host(ctx):
        return ai_cluster(ctx)
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
                                                p.get("text", "={{ $json.chatInput }}")], model_hints(ctx))
    # n8n hands on {output: <the extracted object>}; an answer that is not JSON is handed on as text.
    output = (f"{answers}.map((text) => {{ const found = text.match(/\\{{[\\s\\S]*\\}}/);"
              " try { return {output: JSON.parse(found ? found[0] : text)}; } catch { return {output: text}; } })")
    return _as_items(ctx, NodeTranslation(modules=modules, files=files, output=lambda _i: output))


@structural(LANGCHAIN + "textClassifier", LANGCHAIN + "sentimentAnalysis")
def classifier(ctx: NodeContext) -> NodeTranslation:
    """One output per category; each item goes to the first category its answer names."""
    if needs_host(ctx):
        return translate_cluster(ctx)
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
    modules, files, answers = router_call(ctx, [system, instructions, p.get("inputText", "={{ $json.chatInput }}")],
                                          model_hints(ctx))
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
        messages = _openai_messages(p)
        if any(isinstance(m, dict) and m.get("type", "text") != "text" for m in messages):
            raise Untranslatable("the OpenAI message holds an image or a file: Phoenix's models read text only")
        users = [m.get("content", "") for m in messages if isinstance(m, dict) and m.get("role", "user") == "user"]
        return users[-1] if users else p.get("text", "={{ $json.chatInput }}")
    if node.short_type == "chainSummarization":
        return "={{ JSON.stringify($json) }}"
    if p.get("promptType", "auto" if node.type_version >= 1.5 else "define") == "auto" and "text" not in p:
        return "={{ $json.chatInput }}"
    return p.get("text", p.get("prompt", "={{ $json.chatInput }}"))


def _openai_messages(p: dict) -> list:
    """The OpenAI node's messages: ``messages``/``prompt`` (v1 and the older node), ``responses`` (v2)."""
    for key in ("messages", "responses", "prompt"):
        values = _dict(p.get(key)).get("values")
        if isinstance(values, list):
            return values
    return _dict(p.get("prompt")).get("messages") or []


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
        for message in _openai_messages(p):
            if isinstance(message, dict) and message.get("role") == "system":
                parts.append(message.get("content", ""))
    if node.short_type == "chainSummarization":
        parts.append("Summarize the following data concisely.")
    return [part for part in parts if isinstance(part, str) and part.strip()]


def _preamble(system: list) -> list:
    """Prompt parts before the user's text: the node's system messages."""
    parts: list = []
    for part in system:
        parts += [part, "\n\n"]
    return parts


#: roots only n8n's engine runs (retrieval chains, vector stores, memory tools, the LangChain Code node...)
HOST_ROOTS = ("chainRetrievalQa", "vectorStoreInMemoryInsert", "vectorStorePineconeInsert", "vectorStoreSupabaseInsert",
              "vectorStoreZepInsert", "memoryManager", "memoryChatRetriever", "toolExecutor", "mcpClient", "code",
              "guardrails", "anthropic", "googleGemini", "ollama")
VECTOR_STORES = ("vectorStoreAzureAISearch", "vectorStoreChromaDB", "vectorStoreInMemory", "vectorStoreMilvus",
                 "vectorStoreMongoDBAtlas", "vectorStorePGVector", "vectorStorePinecone", "vectorStoreQdrant",
                 "vectorStoreRedis", "vectorStoreSupabase", "vectorStoreWeaviate", "vectorStoreZep")


@structural(*(LANGCHAIN + t for t in HOST_ROOTS + VECTOR_STORES))
def host_root(ctx: NodeContext) -> NodeTranslation:
    """A vector store inserting or loading documents, a Q&A chain over a retriever...: n8n's engine runs it."""
    if kind_of(ctx.node.type, ctx.node.parameters) != "root":
        raise Untranslatable(f"{ctx.node.name!r} is used as a sub-node here but is wired into the main flow")
    return ai_cluster(ctx)


@structural(LANGCHAIN + "openAiAssistant")
def openai_assistant(ctx: NodeContext) -> NodeTranslation:
    raise Untranslatable("an OpenAI Assistant lives on OpenAI's servers (its instructions, files and threads): "
                         "it cannot run on the stack's models")

