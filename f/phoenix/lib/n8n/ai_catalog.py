# GENERATED from lib/n8n/ai_catalog.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""What each n8n AI node type is: a root that items flow through, or a sub-node serving one.

n8n's AI nodes come in clusters: a root node (an agent, a chain, a vector store
inserting documents) sits in the workflow's main graph, and sub-nodes (a chat
model, a memory, a tool, embeddings, a text splitter...) hang off it through
``ai_*`` connections; n8n never runs a sub-node on its own. ``KINDS`` names the
kind of every node type of @n8n/n8n-nodes-langchain 2.8.1 as its description
declares it (the connection type of its outputs); a test reads the installed
package and checks the table. Vector stores (and the LangChain Code node) are a
root or a sub-node depending on their parameters, as in n8n. An n8n-nodes-base
node used as an agent tool is the node's type with ``Tool`` appended.
"""

from __future__ import annotations

from typing import Any

LANGCHAIN = "@n8n/n8n-nodes-langchain."
BASE = "n8n-nodes-base."

#: the sub-node kinds: what the node supplies to its root, by its output connection type
SUB_NODE_KINDS = {
    "chat_model": "ai_languageModel", "embeddings": "ai_embedding", "memory": "ai_memory", "tool": "ai_tool",
    "document_loader": "ai_document", "text_splitter": "ai_textSplitter", "retriever": "ai_retriever",
    "output_parser": "ai_outputParser", "reranker": "ai_reranker", "vector_store_loader": "ai_vectorStore",
}

_ROOTS = ("agent", "anthropic", "chainLlm", "chainRetrievalQa", "chainSummarization", "chat", "googleGemini",
          "guardrails", "informationExtractor", "mcpClient", "memoryChatRetriever", "memoryManager", "ollama", "openAi",
          "openAiAssistant", "sentimentAnalysis", "textClassifier", "toolExecutor", "vectorStoreInMemoryInsert",
          "vectorStorePineconeInsert", "vectorStoreSupabaseInsert", "vectorStoreZepInsert")
_TRIGGERS = ("chatTrigger", "manualChatTrigger", "mcpTrigger", "microsoftAgent365Trigger")
_CHAT_MODELS = ("lmChatAnthropic", "lmChatAwsBedrock", "lmChatAzureOpenAi", "lmChatCohere", "lmChatDeepSeek",
                "lmChatGoogleGemini", "lmChatGoogleVertex", "lmChatGroq", "lmChatLemonade", "lmChatMistralCloud",
                "lmChatOllama", "lmChatOpenAi", "lmChatOpenRouter", "lmChatVercelAiGateway", "lmChatXAiGrok", "lmCohere",
                "lmLemonade", "lmOllama", "lmOpenAi", "lmOpenHuggingFaceInference", "modelSelector")
_EMBEDDINGS = ("embeddingsAwsBedrock", "embeddingsAzureOpenAi", "embeddingsCohere", "embeddingsGoogleGemini",
               "embeddingsGoogleVertex", "embeddingsHuggingFaceInference", "embeddingsLemonade",
               "embeddingsMistralCloud", "embeddingsOllama", "embeddingsOpenAi")
_MEMORIES = ("memoryBufferWindow", "memoryMongoDbChat", "memoryMotorhead", "memoryPostgresChat", "memoryRedisChat",
             "memoryXata", "memoryZep")
_TOOLS = ("agentTool", "mcpClientTool", "toolCalculator", "toolCode", "toolHttpRequest", "toolSearXng", "toolSerpApi",
          "toolThink", "toolVectorStore", "toolWikipedia", "toolWolframAlpha", "toolWorkflow")
_LOADERS = ("documentBinaryInputLoader", "documentDefaultDataLoader", "documentGithubLoader", "documentJsonInputLoader")
_SPLITTERS = ("textSplitterCharacterTextSplitter", "textSplitterRecursiveCharacterTextSplitter",
              "textSplitterTokenSplitter")
_RETRIEVERS = ("retrieverContextualCompression", "retrieverMultiQuery", "retrieverVectorStore", "retrieverWorkflow")
_PARSERS = ("outputParserAutofixing", "outputParserItemList", "outputParserStructured")
_VECTOR_STORES = ("vectorStoreAzureAISearch", "vectorStoreChromaDB", "vectorStoreInMemory", "vectorStoreMilvus",
                  "vectorStoreMongoDBAtlas", "vectorStorePGVector", "vectorStorePinecone", "vectorStoreQdrant",
                  "vectorStoreRedis", "vectorStoreSupabase", "vectorStoreWeaviate", "vectorStoreZep")
_LOADS = ("vectorStoreInMemoryLoad", "vectorStorePineconeLoad", "vectorStoreSupabaseLoad", "vectorStoreZepLoad")

#: node type (short name) -> kind; "vector_store" and "code" depend on the node's parameters
KINDS: dict[str, str] = {
    **{name: "root" for name in _ROOTS}, **{name: "trigger" for name in _TRIGGERS},
    **{name: "chat_model" for name in _CHAT_MODELS}, **{name: "embeddings" for name in _EMBEDDINGS},
    **{name: "memory" for name in _MEMORIES}, **{name: "tool" for name in _TOOLS},
    **{name: "document_loader" for name in _LOADERS}, **{name: "text_splitter" for name in _SPLITTERS},
    **{name: "retriever" for name in _RETRIEVERS}, **{name: "output_parser" for name in _PARSERS},
    "rerankerCohere": "reranker", **{name: "vector_store_loader" for name in _LOADS},
    **{name: "vector_store" for name in _VECTOR_STORES}, "code": "code",
}

#: a vector store node's mode -> what it is (n8n's default mode is "retrieve")
VECTOR_STORE_MODES = {"insert": "root", "load": "root", "update": "root", "retrieve": "vector_store_loader",
                      "retrieve-as-tool": "tool"}


def kind_of(node_type: Any, parameters: Any = None) -> str | None:
    """The kind of an AI node (``root``, ``trigger``, a sub-node kind), None for any other node type."""
    if not isinstance(node_type, str):
        return None
    if node_type.startswith(LANGCHAIN):
        short = node_type[len(LANGCHAIN):]
        kind = KINDS.get(short)
        params = parameters if isinstance(parameters, dict) else {}
        if kind == "vector_store":
            mode = params.get("mode", "retrieve")
            return VECTOR_STORE_MODES.get(mode, "root") if isinstance(mode, str) else "root"
        if kind == "code":
            return _code_kind(params)
        return kind
    if is_base_tool(node_type):
        return "tool"
    return None


def is_sub_node(node_type: Any, parameters: Any = None) -> bool:
    """True for a node n8n only ever runs for a root node (never an entry point, never a step of its own)."""
    return kind_of(node_type, parameters) in SUB_NODE_KINDS


def is_base_tool(node_type: Any) -> bool:
    """An n8n-nodes-base node used as an agent tool: ``n8n-nodes-base.<node>Tool`` (n8n builds it from the node)."""
    return isinstance(node_type, str) and node_type.startswith(BASE) and node_type.endswith("Tool") \
        and len(node_type) > len(BASE) + len("Tool")


def is_ai_type(node_type: Any) -> bool:
    """A node of n8n's AI family (what the translation report counts apart when it cannot run)."""
    return kind_of(node_type) is not None or node_type == BASE + "openAi"


_KIND_OF_CONNECTION = {connection: kind for kind, connection in SUB_NODE_KINDS.items()}


def _code_kind(parameters: dict) -> str:
    """The LangChain Code node is what its configured outputs make it: a root with a ``main`` output."""
    outputs = parameters.get("outputs")
    entries = outputs.get("output") if isinstance(outputs, dict) else None
    types = [e.get("type") for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []
    if not types or "main" in types:
        return "root"
    return _KIND_OF_CONNECTION.get(types[0], "root")
