# GENERATED from lib/n8n/ai_models.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""Every model sub-node of an n8n workflow, of any provider, answered by Phoenix instead.

A translated AI cluster keeps n8n's own nodes, except the models: each chat or
completion model sub-node (``lmChat*``, ``lm*``, the Model Selector) becomes
n8n's OpenAI Chat Model node and each embeddings sub-node n8n's OpenAI
Embeddings node, both with the credential ``Phoenix router``, which the node
host points at Phoenix's OpenAI-compatible route (f/phoenix/n8n_ai/cluster.ts):
the router picks the operator's local model, the embeddings route the stack's
embedding model. What the original node asked for travels as hints the router
accepts: sampling options (temperature, the answer's token limit, top_p,
penalties, JSON output) as the OpenAI node's own options, and the model it named
as a model id to try first when Phoenix serves it (``ollama:<name>`` for an
Ollama model), else ``phoenix``, the router's choice.
"""

from __future__ import annotations

from typing import Any

from .ai_catalog import LANGCHAIN, kind_of
from .workflow import Node

PHOENIX_CREDENTIAL = "Phoenix router"  # the credential name f/phoenix/n8n_ai/cluster.ts points at Phoenix
PHOENIX_CREDENTIALS = {"openAiApi": {"id": None, "name": PHOENIX_CREDENTIAL}}
ROUTED = "phoenix"
CHAT_NODE = (LANGCHAIN + "lmChatOpenAi", 1.2)  # Chat Completions (1.3 defaults to the Responses API)
EMBEDDINGS_NODE = (LANGCHAIN + "embeddingsOpenAi", 1.2)

#: the answer's token limit, as each provider's node names it
_MAX_TOKENS = ("maxTokens", "maxTokensToSample", "maxOutputTokens", "numPredict", "max_tokens", "maxNewTokens")
#: options the OpenAI Chat Model node has under the same name and meaning
_SAME = ("temperature", "topP", "frequencyPenalty", "presencePenalty", "timeout", "maxRetries")
#: provider node -> prefix of the Phoenix model id its model name maps to
_PROVIDER_IDS = {"lmChatOllama": "ollama:", "lmOllama": "ollama:"}


def is_model(node: Node) -> bool:
    return kind_of(node.type, node.parameters) == "chat_model"


def is_embeddings(node: Node) -> bool:
    return kind_of(node.type, node.parameters) == "embeddings"


def phoenix_chat_model(node: Node, hinted_by: list[Node] = ()) -> tuple[dict, list[str]]:
    """The OpenAI Chat Model node standing for ``node`` (same name, Phoenix's credential), and
    the model ids to ask for first. ``hinted_by``: the models a Model Selector chose among."""
    options = _dict(node.parameters.get("options"))
    mapped = {key: options[key] for key in _SAME if key in options}
    for key in _MAX_TOKENS:
        if key in options:
            mapped["maxTokens"] = options[key]
            break
    if options.get("responseFormat") == "json_object" or options.get("format") == "json":
        mapped["responseFormat"] = "json_object"
    hints = _dedup(_model_hints(node) + [h for other in hinted_by for h in _model_hints(other)])
    replacement = {"name": node.name, "type": CHAT_NODE[0], "typeVersion": CHAT_NODE[1],
                   "parameters": {"model": {"__rl": True, "mode": "id", "value": ROUTED}, "options": mapped},
                   "credentials": dict(PHOENIX_CREDENTIALS)}
    return _with_settings(node, replacement), hints


def phoenix_embeddings(node: Node) -> dict:
    """The OpenAI Embeddings node standing for ``node``: the stack's one embedding model (``phoenix``),
    so that what is stored and what is asked are always vectors of the same model."""
    options = _dict(node.parameters.get("options"))
    kept = {key: options[key] for key in ("batchSize", "stripNewLines", "timeout") if key in options}
    replacement = {"name": node.name, "type": EMBEDDINGS_NODE[0], "typeVersion": EMBEDDINGS_NODE[1],
                   "parameters": {"model": ROUTED, "options": kept}, "credentials": dict(PHOENIX_CREDENTIALS)}
    return _with_settings(node, replacement)


def phoenix_openai_app(node: Node, raw: dict) -> tuple[dict, list[str]]:
    """The OpenAI app node itself (its text operations run as n8n runs them) asking Phoenix: the
    "Phoenix router" credential, model ``phoenix``, the model it named as a hint. ``raw``: its host node.
    (The LangChain node names its model ``modelId``, a resource locator; the older n8n-nodes-base
    node ``model``, or ``chatModel`` for chat from its version 1.1, plain text.)"""
    if node.type.startswith(LANGCHAIN):
        model = {"modelId": {"__rl": True, "mode": "id", "value": ROUTED}}
    elif node.parameters.get("resource") == "chat" and node.type_version >= 1.1:
        model = {"chatModel": ROUTED}  # the older node's chat model, from its version 1.1
    else:
        model = {"model": ROUTED}
    replacement = {**raw, "credentials": dict(PHOENIX_CREDENTIALS), "parameters": {**node.parameters, **model}}
    return replacement, _model_hints(node)


def model_name(node: Node) -> str | None:
    """The model a provider node names, when it is plain text (an expression decides only at run time)."""
    for key in ("model", "modelName", "modelId", "chatModel"):
        value = node.parameters.get(key)
        if isinstance(value, dict) and "__rl" in value:
            value = value.get("value")
        if isinstance(value, str) and value.strip() and not value.startswith("="):
            return value.strip()
    return None


def _model_hints(node: Node) -> list[str]:
    name = model_name(node)
    if name is None:
        return []
    prefix = _PROVIDER_IDS.get(node.short_type, "")
    return _dedup([prefix + name, name] if prefix and not name.startswith(prefix) else [name])


def _with_settings(node: Node, replacement: dict) -> dict:
    if node.disabled:
        replacement["disabled"] = True
    return replacement


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _dedup(values: list[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))
