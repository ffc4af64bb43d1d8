"""Small hand-written n8n workflows, one per construct the translator must handle."""

from __future__ import annotations


def node(name: str, short_type: str, version: float = 1, **parameters) -> dict:
    full = short_type if "." in short_type else f"n8n-nodes-base.{short_type}"
    return {"id": name, "name": name, "type": full, "typeVersion": version, "position": [0, 0],
            "parameters": parameters}


def link(*pairs, kind: str = "main") -> dict:
    """(source, output, target[, input]) tuples to n8n's connections object."""
    connections: dict = {}
    for pair in pairs:
        source, output, target = pair[:3]
        index = pair[3] if len(pair) > 3 else 0
        slots = connections.setdefault(source, {}).setdefault(kind, [])
        while len(slots) <= output:
            slots.append([])
        slots[output].append({"node": target, "type": kind, "index": index})
    return connections


def workflow(nodes: list[dict], *connection_maps: dict, name: str = "fixture") -> dict:
    merged: dict = {}
    for connections in connection_maps:
        for source, kinds in connections.items():
            merged.setdefault(source, {}).update(kinds)
    return {"name": name, "nodes": nodes, "connections": merged, "settings": {}}


IF_CONDITION = {"conditions": {"combinator": "and", "options": {"caseSensitive": True},
                               "conditions": [{"leftValue": "={{ $json.body.n }}", "rightValue": 5,
                                               "operator": {"type": "number", "operation": "gt"}}]}}

BRANCHES = workflow(
    [node("Hook", "webhook", 2, path="orders", httpMethod="POST"),
     node("Big?", "if", 2, **IF_CONDITION),
     node("Tag big", "set", 3.4, assignments={"assignments": [{"name": "size", "value": "big", "type": "string"}]},
          includeOtherFields=True),
     node("Tag small", "set", 3.4, assignments={"assignments": [{"name": "size", "value": "small", "type": "string"}]},
          includeOtherFields=True),
     node("Done", "noOp")],
    link(("Hook", 0, "Big?"), ("Big?", 0, "Tag big"), ("Big?", 1, "Tag small"),
         ("Tag big", 0, "Done"), ("Tag small", 0, "Done")))

MERGE = workflow(
    [node("Start", "manualTrigger"),
     node("Users", "code", 2, jsCode="return [{json: {id: 1, name: 'ada'}}, {json: {id: 2, name: 'bob'}}];"),
     node("Scores", "code", 2, jsCode="return [{json: {id: 1, score: 9}}, {json: {id: 2, score: 7}}];"),
     node("Join", "merge", 3, mode="combine", combineBy="combineByFields", fieldsToMatchString="id")],
    link(("Start", 0, "Users"), ("Start", 0, "Scores"), ("Users", 0, "Join", 0), ("Scores", 0, "Join", 1)))

BATCH_LOOP = workflow(
    [node("Start", "manualTrigger"),
     node("Make items", "code", 2, jsCode="return [1,2,3,4,5].map(n => ({json: {n}}));"),
     node("Loop", "splitInBatches", 3, batchSize=2),
     node("Double", "set", 3.4, assignments={"assignments": [{"name": "n", "value": "={{ $json.n * 2 }}", "type": "number"}]}),
     node("After", "noOp")],
    link(("Start", 0, "Make items"), ("Make items", 0, "Loop"), ("Loop", 1, "Double"), ("Double", 0, "Loop"),
         ("Loop", 0, "After")))

POLLING = workflow(
    [node("Start", "manualTrigger"),
     node("Check", "httpRequest", 4.2, url="https://example.invalid/status"),
     node("Ready?", "if", 2, conditions={"combinator": "and", "options": {"caseSensitive": True}, "conditions": [
         {"leftValue": "={{ $json.ready }}", "rightValue": "", "operator": {"type": "boolean", "operation": "true"}}]}),
     node("Wait", "wait", 1.1, amount=10, unit="seconds"),
     node("Use it", "noOp")],
    link(("Start", 0, "Check"), ("Check", 0, "Ready?"), ("Ready?", 0, "Use it"), ("Ready?", 1, "Wait"),
         ("Wait", 0, "Check")))

SPLIT_OUT = workflow(
    [node("Start", "manualTrigger"),
     node("List", "set", 3.4, mode="raw", jsonOutput='={"rows": [{"a": 1}, {"a": 2}]}'),
     node("Split", "splitOut", 1, fieldToSplitOut="rows"),
     node("Label", "set", 3.4, assignments={"assignments": [{"name": "label", "value": "=row {{ $json.a }}", "type": "string"}]},
          includeOtherFields=True),
     node("Collect", "aggregate", 1, aggregate="aggregateAllItemData")],
    link(("Start", 0, "List"), ("List", 0, "Split"), ("Split", 0, "Label"), ("Label", 0, "Collect")))

AGENT = workflow(
    [node("Chat", "@n8n/n8n-nodes-langchain.chatTrigger", 1.1),
     node("Agent", "@n8n/n8n-nodes-langchain.agent", 1.7, options={"systemMessage": "You are terse."}),
     node("Model", "@n8n/n8n-nodes-langchain.lmChatOllama", 1, model="llama3:8b"),
     node("Memory", "@n8n/n8n-nodes-langchain.memoryBufferWindow", 1.3),
     node("Search", "@n8n/n8n-nodes-langchain.toolWikipedia", 1),
     node("Reply", "set", 3.4, assignments={"assignments": [{"name": "reply", "value": "={{ $json.output }}", "type": "string"}]})],
    link(("Chat", 0, "Agent"), ("Agent", 0, "Reply")),
    link(("Model", 0, "Agent"), kind="ai_languageModel"),
    link(("Memory", 0, "Agent"), kind="ai_memory"),
    link(("Search", 0, "Agent"), kind="ai_tool"))

# The same agent with only its model: folded into router calls (the model's options become the router's hints)
SIMPLE_AGENT = workflow(
    [node("Chat", "@n8n/n8n-nodes-langchain.chatTrigger", 1.1),
     node("Agent", "@n8n/n8n-nodes-langchain.agent", 1.7, options={"systemMessage": "You are terse."}),
     node("Model", "@n8n/n8n-nodes-langchain.lmChatOllama", 1, model="llama3:8b",
          options={"temperature": 0.3, "numPredict": 64}),
     node("Reply", "set", 3.4, assignments={"assignments": [{"name": "reply", "value": "={{ $json.output }}", "type": "string"}]})],
    link(("Chat", 0, "Agent"), ("Agent", 0, "Reply")),
    link(("Model", 0, "Agent"), kind="ai_languageModel"))

UNKNOWN = workflow(
    [node("Start", "manualTrigger"),
     node("Mystery", "n8n-nodes-community.frobnicate", 1, level=3),
     node("Sheet", "salesforce", 99, operation="create")],  # a version the installed n8n does not have
    link(("Start", 0, "Mystery"), ("Mystery", 0, "Sheet")))

SCHEDULED = workflow(
    [node("Every 15 min", "scheduleTrigger", 1.2, rule={"interval": [{"field": "minutes", "minutesInterval": 15}]}),
     node("Nightly", "cron", 1, triggerTimes={"item": [{"mode": "everyDay", "hour": 3, "minute": 30}]}),
     node("Ping", "httpRequest", 4.2, url="https://example.invalid/ping")],
    link(("Every 15 min", 0, "Ping"), ("Nightly", 0, "Ping")))
