"""Translating n8n's AI family: which node is what, which path it takes, what reaches the step.

No Bun and no n8n engine here (tests/n8n/test_ai_cluster.py runs the steps): the
catalog against the installed LangChain package, unattached sub-nodes, every
model provider mapped to Phoenix, the cluster step's literals under attack,
placeholders counted apart.
"""

from __future__ import annotations

import json
import re

import pytest

from lib.n8n.ai_catalog import KINDS, LANGCHAIN, SUB_NODE_KINDS, is_sub_node, kind_of
from lib.n8n.ai_cluster import cluster_of, cluster_step
from lib.n8n.ai_models import PHOENIX_CREDENTIAL, phoenix_chat_model, phoenix_embeddings
from lib.n8n.report import summarize, translate_folder
from lib.n8n.translate.emit import translate_workflow
from lib.n8n.workflow import Node, parse_workflow
from tests.n8n import translate_fixtures as fx
from tests.support.n8n_host_run import n8n_modules

LANGCHAIN_DIST = n8n_modules() / "@n8n" / "n8n-nodes-langchain" / "dist"
needs_langchain = pytest.mark.skipif(not (LANGCHAIN_DIST / "types" / "nodes.json").is_file(),
                                     reason=f"the LangChain package is not installed in {n8n_modules()}")
CONNECTION_KIND = {connection: kind for kind, connection in SUB_NODE_KINDS.items()}


def lc(node_name: str, short: str, version: float = 1, params: dict | None = None, **parameters) -> dict:
    """A LangChain node; ``params`` for parameter names that are Python's own here (``name``)."""
    node = fx.node(node_name, LANGCHAIN + short, version, **parameters)
    node["parameters"].update(params or {})
    return node


def translate(document: dict):
    return translate_workflow(document, "ai.json", "f/phoenix/n8n/ai")


# -- the catalog ------------------------------------------------------------------------------

@needs_langchain
def test_the_kinds_table_names_every_node_type_of_the_installed_package_as_it_declares_itself():
    known = json.loads((LANGCHAIN_DIST / "known" / "nodes.json").read_text())
    assert set(KINDS) == set(known)
    for description in json.loads((LANGCHAIN_DIST / "types" / "nodes.json").read_text()):
        outputs = description.get("outputs")
        if isinstance(outputs, str):  # an n8n expression: decided by the node's parameters
            assert KINDS[description["name"]] in ("vector_store", "code", "root"), description["name"]
            continue
        types = [o if isinstance(o, str) else o.get("type") for o in outputs]
        expected = ("trigger" if "trigger" in description.get("group", []) or not types
                    else "root" if "main" in types else CONNECTION_KIND[types[0]])
        assert KINDS[description["name"]] == expected, description["name"]


@pytest.mark.parametrize("mode, kind", [(None, "vector_store_loader"), ("retrieve", "vector_store_loader"),
                                        ("retrieve-as-tool", "tool"), ("insert", "root"), ("load", "root"),
                                        ("update", "root"), (["not", "text"], "root")])
def test_a_vector_store_is_what_its_mode_makes_it(mode, kind):
    parameters = {} if mode is None else {"mode": mode}
    assert kind_of(LANGCHAIN + "vectorStoreInMemory", parameters) == kind


def test_base_nodes_used_as_tools_and_odd_input_are_recognised_without_raising():
    assert kind_of("n8n-nodes-base.httpRequestTool") == "tool" and is_sub_node("n8n-nodes-base.gmailTool")
    assert kind_of("n8n-nodes-base.Tool") is None and kind_of("n8n-nodes-base.set") is None
    for odd in (None, 3, [], {}, "", LANGCHAIN, LANGCHAIN + "noSuchNode", "x" * 10_000):
        assert is_sub_node(odd) is False
    assert kind_of(LANGCHAIN + "code", {"outputs": {"output": [{"type": "ai_tool"}]}}) == "tool"
    assert kind_of(LANGCHAIN + "code", {"outputs": {"output": [{"type": "main"}, {"type": "ai_tool"}]}}) == "root"


# -- unattached sub-nodes: nothing, not an entry point -----------------------------------------

UNATTACHED = fx.workflow(
    [fx.node("Start", "manualTrigger"),
     fx.node("Hello", "set", 3.4, assignments={"assignments": [{"name": "a", "value": "b", "type": "string"}]}),
     lc("Spare model", "lmChatOpenAi", 1.2, model={"__rl": True, "mode": "list", "value": "gpt-4o"}),
     lc("Spare memory", "memoryBufferWindow", 1.3),
     fx.node("Spare tool", "n8n-nodes-base.httpRequestTool", 4.2, url="https://example.org"),
     lc("Spare store", "vectorStoreInMemory", 1.3)],
    fx.link(("Start", 0, "Hello")))


def test_an_unattached_chat_model_is_no_entry_point_and_counts_as_nothing(tmp_path):
    workflow = parse_workflow(UNATTACHED)
    assert set(workflow.main_node_names()) == {"Start", "Hello"}
    assert workflow.unattached_sub_nodes == ["Spare model", "Spare memory", "Spare tool", "Spare store"]
    translation = translate(UNATTACHED)
    assert "n8n_trigger" not in translation.flow["schema"]["properties"]  # one entry point: the trigger
    assert [m["id"] for m in translation.flow["value"]["modules"]] == ["hello"]
    assert {n: s for n, s in translation.status.items() if s != "translated"} == {
        "Spare model": "unused", "Spare memory": "unused", "Spare tool": "unused", "Spare store": "unused"}
    assert "2 of 2 nodes translated; 0 became placeholder" in translation.flow["description"]
    assert "- not run (as in n8n): Spare model" in translation.flow["description"]
    source = tmp_path / "in"
    source.mkdir()
    (source / "spare.json").write_text(json.dumps(UNATTACHED))
    [entry] = translate_folder(source, tmp_path / "out")["workflows"]
    assert (entry["nodes_total"], entry["nodes_translated"], entry["placeholders"], entry["unused_sub_nodes"]) == \
        (2, 2, 0, 4)


# -- every model provider answers through Phoenix -------------------------------------------------

CHAT_MODELS = sorted(name for name, kind in KINDS.items() if kind == "chat_model")
EMBEDDINGS = sorted(name for name, kind in KINDS.items() if kind == "embeddings")


def model_node(short: str, **parameters) -> Node:
    return Node(name="M", type=LANGCHAIN + short, type_version=1, parameters=parameters)


@pytest.mark.parametrize("short", CHAT_MODELS)
def test_every_chat_model_sub_node_becomes_phoenixs_openai_chat_model(short):
    node, hints = phoenix_chat_model(model_node(short, model="some-model", options={"temperature": 0.7}))
    assert node["type"] == LANGCHAIN + "lmChatOpenAi" and node["typeVersion"] == 1.2  # Chat Completions
    assert node["credentials"] == {"openAiApi": {"id": None, "name": PHOENIX_CREDENTIAL}}
    assert node["parameters"] == {"model": {"__rl": True, "mode": "id", "value": "phoenix"},
                                  "options": {"temperature": 0.7}}
    assert hints[-1] == "some-model"


@pytest.mark.parametrize("short, options, mapped", [
    ("lmChatAnthropic", {"maxTokensToSample": 300, "topP": 0.9}, {"maxTokens": 300, "topP": 0.9}),
    ("lmChatGoogleGemini", {"maxOutputTokens": 128, "temperature": "={{ $json.t }}"},
     {"maxTokens": 128, "temperature": "={{ $json.t }}"}),  # an expression stays one: n8n evaluates it
    ("lmChatOllama", {"numPredict": 50, "format": "json"}, {"maxTokens": 50, "responseFormat": "json_object"}),
    ("lmChatOpenAi", {"responseFormat": "json_object", "frequencyPenalty": 1, "reasoningEffort": "high"},
     {"responseFormat": "json_object", "frequencyPenalty": 1}),
])
def test_each_providers_options_become_the_options_phoenix_takes(short, options, mapped):
    node, _hints = phoenix_chat_model(model_node(short, model="m", options=options))
    assert node["parameters"]["options"] == mapped


def test_the_model_a_node_named_is_a_hint_ollama_names_become_phoenix_ids():
    assert phoenix_chat_model(model_node("lmChatOllama", model="llama3:8b"))[1] == ["ollama:llama3:8b", "llama3:8b"]
    assert phoenix_chat_model(model_node("lmChatOpenAi", model={"__rl": True, "value": "ollama:qwen"}))[1] == \
        ["ollama:qwen"]
    assert phoenix_chat_model(model_node("lmChatOpenAi", model="={{ $json.model }}"))[1] == []  # decided at run time


@pytest.mark.parametrize("short", EMBEDDINGS)
def test_every_embeddings_sub_node_becomes_the_stacks_one_embedding_model(short):
    node = phoenix_embeddings(model_node(short, model="text-embedding-3-large", options={"batchSize": 8, "dimensions": 3}))
    assert node["type"] == LANGCHAIN + "embeddingsOpenAi"
    assert node["parameters"] == {"model": "phoenix", "options": {"batchSize": 8}}
    assert node["credentials"]["openAiApi"]["name"] == PHOENIX_CREDENTIAL


def test_a_model_selector_and_the_models_it_chooses_among_fold_into_one_phoenix_model():
    document = fx.workflow(
        [fx.node("Start", "manualTrigger"), lc("Agent", "agent", 2.2, promptType="define", text="hi"),
         lc("Pick", "modelSelector", 1), lc("Fast", "lmChatOllama", 1, model="mistral:7b"),
         lc("Smart", "lmChatAnthropic", 1.3, model={"__rl": True, "value": "claude"}),
         lc("Calc", "toolCalculator", 1)],
        fx.link(("Start", 0, "Agent")), fx.link(("Pick", 0, "Agent"), kind="ai_languageModel"),
        fx.link(("Fast", 0, "Pick"), ("Smart", 0, "Pick"), kind="ai_languageModel"),
        fx.link(("Calc", 0, "Agent"), kind="ai_tool"))
    cluster = cluster_of(parse_workflow(document), "Agent")
    assert [n["name"] for n in cluster.sub_nodes] == ["Pick", "Calc"]
    assert cluster.models == {"Pick": ["ollama:mistral:7b", "mistral:7b", "claude"]}
    assert {n.name for n in cluster.folded} == {"Pick", "Fast", "Smart", "Calc"}
    assert all(c["source"] != "Fast" for c in cluster.connections)
    assert set(translate(document).status.values()) == {"translated"}


# -- the cluster step -----------------------------------------------------------------------------

def rag_agent(text: str = "hi", system: str = "be brief", description: str = "adds") -> dict:
    return fx.workflow(
        [lc("Chat", "chatTrigger", 1.1),
         lc("Agent", "agent", 2.2, promptType="define", text=text, options={"systemMessage": system}),
         lc("Model", "lmChatOllama", 1, model="llama3:8b"),
         lc("Memory", "memoryBufferWindow", 1.3, sessionIdType="customKey", sessionKey="={{ $('Chat').item.json.sessionId }}"),
         lc("Add", "toolCode", 1.1, {"name": "add"}, description=description, jsCode="return query + '!';"),
         lc("Docs", "vectorStoreInMemory", 1.3, mode="retrieve-as-tool", toolDescription=description,
            memoryKey={"__rl": True, "mode": "list", "value": "kb"}),
         lc("Vectors", "embeddingsOllama", 1, model="nomic-embed-text"),
         fx.node("Fetch", "n8n-nodes-base.httpRequestTool", 4.2, url="https://example.org", toolDescription=description,
                 authentication="genericCredentialType", genericAuthType="httpHeaderAuth")],
        fx.link(("Chat", 0, "Agent")), fx.link(("Model", 0, "Agent"), kind="ai_languageModel"),
        fx.link(("Memory", 0, "Agent"), kind="ai_memory"),
        fx.link(("Add", 0, "Agent"), ("Docs", 0, "Agent"), ("Fetch", 0, "Agent"), kind="ai_tool"),
        fx.link(("Vectors", 0, "Docs"), kind="ai_embedding"))


def with_credentials(document: dict) -> dict:
    fetch = next(n for n in document["nodes"] if n["name"] == "Fetch")
    fetch["credentials"] = {"httpHeaderAuth": {"id": "3", "name": "Service token"}}
    return document


def test_an_agent_cluster_is_one_step_with_its_sub_nodes_models_and_credentials():
    translation = translate(with_credentials(rag_agent()))
    [module] = translation.flow["value"]["modules"][:1]
    transforms = module["value"]["input_transforms"]
    assert transforms["credentials"] == {"type": "static", "value": {
        "httpHeaderAuth": "$res:f/phoenix/n8n_credentials/httpheaderauth_service_token",
        "@resources": {"httpHeaderAuth": "f/phoenix/n8n_credentials/httpheaderauth_service_token"}}}
    assert "nodes" not in transforms  # $('Chat') is the input node itself: its items are the input
    request = json.loads(json.loads(re.search(r"^const CLUSTER = (.*);$", translation.files["agent.ts"], re.M)[1]))
    assert [n["name"] for n in request["subNodes"]] == ["Model", "Memory", "Add", "Docs", "Fetch", "Vectors"]
    assert {n["name"]: n["type"].rsplit(".", 1)[1] for n in request["subNodes"]} == {
        "Model": "lmChatOpenAi", "Memory": "memoryBufferWindow", "Add": "toolCode", "Docs": "vectorStoreInMemory",
        "Vectors": "embeddingsOpenAi", "Fetch": "httpRequestTool"}
    assert request["models"] == {"Model": ["ollama:llama3:8b", "llama3:8b"]}
    assert {(c["source"], c["type"], c["target"]) for c in request["connections"]} == {
        ("Model", "ai_languageModel", "Agent"), ("Memory", "ai_memory", "Agent"), ("Add", "ai_tool", "Agent"),
        ("Docs", "ai_tool", "Agent"), ("Fetch", "ai_tool", "Agent"), ("Vectors", "ai_embedding", "Docs")}
    assert "Windmill resources to create (each holds the fields of the n8n credential it replaces; no secret is in " \
           "this flow): f/phoenix/n8n_credentials/httpheaderauth_service_token (resource type c_n8n_http_header_auth)" \
           in translation.flow["description"]
    assert set(translation.status.values()) == {"translated"}


HOSTILE = ['"); process.exit(3); ("', "`${process.exit(4)}`", "line\u2028separator\u2029paragraph",
           "</script><script>x</script><!--", "*/ process.exit(5); /*", "\u202eevil\u202c \ufeff", "tab\tnew\nline\x00",
           "\ud800 lone"]
LITERAL_LINE = re.compile(r'^const (CLUSTER|WORKFLOW) = "(?:[^"\\]|\\.)*";$')


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_prompt_system_message_and_tool_description_stay_inside_the_literal_lines(text):
    plain = translate(rag_agent()).files["agent.ts"].splitlines()
    hostile = translate(rag_agent(text, "=" + text + "{{ $json.x }}", text)).files["agent.ts"].splitlines()
    assert len(hostile) == len(plain)
    for generated, reference in zip(hostile, plain):
        if LITERAL_LINE.match(reference):
            assert LITERAL_LINE.match(generated), generated
            assert generated.isprintable() and "</" not in generated and "<!--" not in generated
        elif not reference.startswith("const N8N_NODE = "):
            assert generated == reference


def test_hostile_texts_are_exactly_the_data_once_read_back(step_reader):
    text = "".join(HOSTILE)
    translation = translate(rag_agent(text, text, text))
    assert {f: p for f, p in step_reader.shape(translation.files).items() if p} == {}
    marker = "QZX7MARK"
    marked = translate(rag_agent(marker + text, marker, marker))
    assert {f: p for f, p in step_reader.literals(marked.files, marker).items() if p} == {}
    request = json.loads(json.loads(re.search(r"^const CLUSTER = (.*);$", translation.files["agent.ts"], re.M)[1]))
    expected = text.replace("\ud800", "\ufffd")  # a lone surrogate cannot be written: U+FFFD, as the parser does
    assert request["node"]["parameters"]["text"] == expected
    assert request["node"]["parameters"]["options"]["systemMessage"] == expected
    assert next(n for n in request["subNodes"] if n["name"] == "Add")["parameters"]["description"] == expected


def test_cluster_step_refuses_data_that_is_not_json():
    cluster = cluster_of(parse_workflow(rag_agent()), "Agent")
    cluster.root_node["parameters"]["x"] = float("nan")
    with pytest.raises(ValueError, match="not JSON data"):
        cluster_step(cluster)


# -- what cannot run: placeholders, counted apart ----------------------------------------------

@pytest.mark.parametrize("parameters, why", [
    ({"resource": "image", "operation": "generate"}, "text only"),
    ({"resource": "audio", "operation": "transcribe"}, "text only"),
    ({"resource": "file", "operation": "upload"}, "text only"),
    ({"resource": "assistant", "operation": "message"}, "text only"),
])
def test_the_openai_nodes_other_operations_are_placeholders_saying_why(parameters, why):
    document = fx.workflow([fx.node("Start", "manualTrigger"), lc("OpenAI", "openAi", 1.8, **parameters)],
                           fx.link(("Start", 0, "OpenAI")))
    translation = translate(document)
    assert translation.status["OpenAI"] == "placeholder" and why in translation.reasons["OpenAI"]


def test_the_openai_nodes_text_message_asks_phoenix_with_its_model_as_a_hint():
    document = fx.workflow(
        [fx.node("Start", "manualTrigger"),
         lc("Ask", "openAi", 1.8, resource="text", operation="message", simplify=True,
            modelId={"__rl": True, "mode": "list", "value": "gpt-4o-mini"},
            messages={"values": [{"role": "system", "content": "terse"}, {"content": "={{ $json.q }}"}]})],
        fx.link(("Start", 0, "Ask")))
    document["nodes"][1]["credentials"] = {"openAiApi": {"id": "1", "name": "My OpenAI account"}}
    translation = translate(document)
    assert translation.status["Ask"] == "translated"
    transforms = translation.flow["value"]["modules"][0]["value"]["input_transforms"]
    assert "credentials" not in transforms  # not the operator's OpenAI key: Phoenix's route
    request = json.loads(json.loads(re.search(r"^const CLUSTER = (.*);$", translation.files["ask.ts"], re.M)[1]))
    assert request["node"]["credentials"] == {"openAiApi": {"id": None, "name": PHOENIX_CREDENTIAL}}
    assert request["node"]["parameters"]["modelId"]["value"] == "phoenix"
    assert request["models"] == {"Ask": ["gpt-4o-mini"]}


def test_ai_placeholders_are_counted_apart_in_the_report(tmp_path):
    document = fx.workflow(
        [fx.node("Start", "manualTrigger"), lc("Draw", "openAi", 1.8, resource="image", operation="generate"),
         lc("Helper", "openAiAssistant", 1.1), fx.node("Mystery", "n8n-nodes-community.frobnicate", 1),
         lc("Agent", "agent", 2.2, promptType="define", text="hi"), lc("Model", "lmChatOllama", 1, model="x"),
         lc("Sub", "toolWorkflow", 2.2, description="calls a workflow")],
        fx.link(("Start", 0, "Draw"), ("Draw", 0, "Helper"), ("Helper", 0, "Mystery"), ("Mystery", 0, "Agent")),
        fx.link(("Model", 0, "Agent"), kind="ai_languageModel"), fx.link(("Sub", 0, "Agent"), kind="ai_tool"),
        fx.link(("Model", 0, "Helper"), kind="ai_languageModel"))
    source = tmp_path / "in"
    source.mkdir()
    (source / "mixed.json").write_text(json.dumps(document))
    report = translate_folder(source, tmp_path / "out")
    [entry] = report["workflows"]
    assert (entry["placeholders"], entry["ai_placeholders"]) == (6, 5)  # Draw, Helper, Agent + its Model and Sub
    summary = summarize(report)
    assert summary["ai_placeholders"] == 5
    translation = translate(document)
    assert "calls n8n workflow (given inline or by expression), which was not translated" in translation.reasons["Agent"]
    assert "OpenAI's servers" in translation.reasons["Helper"]
