"""Workflows with attacker-chosen text in every field the translator reads.

``hostile_workflow(text, code)`` builds one workflow holding a node of every
type the translator has a translator for (each with the parameters that
translator reads), triggers, AI agents with their sub-nodes, a disabled node,
an unknown node type, a sticky note, credentials, notes and settings. Every
free-text field gets ``text(key)``; every field whose content is *meant* to run
(a Code node's source, an Execute Command node's command, the code inside
``{{ }}``) gets ``code(key)``, so a test can tell "text became code" (never
allowed) from "code ran when its node ran" (n8n's semantics).
"""

from __future__ import annotations

import json
from typing import Callable

from tests.n8n import translate_fixtures as fx

Text = Callable[[str], str]

LANGCHAIN = "@n8n/n8n-nodes-langchain."


def _templates(t: Text, c: Text) -> list[tuple[str, float, dict]]:
    """(type, version, parameters) for every translated node family; t() text, c() code."""
    condition = {"conditions": [{"leftValue": t("if.left"), "rightValue": t("if.right"),
                                 "operator": {"type": "string", "operation": "equals"}}],
                 "combinator": "and", "options": {"caseSensitive": True}}
    credentials_params = {"authentication": "genericCredentialType", "genericAuthType": "httpHeaderAuth"}
    return [
        ("set", 3.4, {"assignments": {"assignments": [
            {"name": t("set.name"), "value": t("set.value"), "type": "string"},
            {"name": t("set.name2"), "value": "=" + t("set.template") + "{{ " + c("set.code") + " }}" + t("set.tail"),
             "type": "string"},
            {"name": t("set.name3"), "value": "={{ " + c("set.expr") + " }}", "type": "string"}]},
            "options": {"dotNotation": False}}),
        ("set", 2, {"values": {"string": [{"name": t("set2.name"), "value": t("set2.value")}]}, "keepOnlySet": True}),
        ("set", 3.3, {"mode": "raw", "jsonOutput": t("set.raw")}),
        ("if", 2, {"conditions": condition}),
        ("if", 1, {"conditions": {"string": [{"value1": t("if1.v1"), "value2": t("if1.v2"), "operation": "equal"}]}}),
        ("filter", 2, {"conditions": condition}),
        ("switch", 3, {"rules": {"values": [{"conditions": condition}]}, "options": {"fallbackOutput": "extra"}}),
        ("switch", 1, {"value1": t("switch1.v1"), "rules": {"rules": [{"operation": "equal", "value2": t("switch1.v2"),
                                                                          "output": 0}]}}),
        ("switch", 2, {"mode": "expression", "output": t("switch.output")}),
        ("merge", 3, {"mode": "combine", "combineBy": "combineByFields", "fieldsToMatchString": t("merge.fields")}),
        ("merge", 2, {"mode": "mergeByKey", "propertyName1": t("merge.p1"), "propertyName2": t("merge.p2")}),
        ("merge", 3, {"mode": t("merge.mode")}),
        ("noOp", 1, {}),
        ("executionData", 1, {"dataToSave": {"values": [{"key": t("data.key"), "value": t("data.value")}]}}),
        ("code", 2, {"jsCode": c("code.all")}),
        ("code", 2, {"jsCode": c("code.each"), "mode": "runOnceForEachItem"}),
        ("function", 1, {"functionCode": c("function")}),
        ("functionItem", 1, {"functionCode": c("functionItem")}),
        ("httpRequest", 4.2, {"method": "POST", "url": t("http.url"), "sendHeaders": True,
                              "headerParameters": {"parameters": [{"name": t("http.hname"), "value": t("http.hvalue")}]},
                              "sendQuery": True, "queryParameters": {"parameters": [{"name": t("http.qname"),
                                                                                      "value": t("http.qvalue")}]},
                              "sendBody": True, "bodyParameters": {"parameters": [{"name": t("http.bname"),
                                                                                    "value": t("http.bvalue")}]},
                              "options": {"timeout": 500}, **credentials_params}),
        ("httpRequest", 4.2, {"url": t("http2.url"), "sendBody": True, "specifyBody": "json", "jsonBody": t("http2.json"),
                              "sendHeaders": True, "specifyHeaders": "json", "jsonHeaders": t("http2.headers")}),
        ("httpRequest", 1, {"url": t("http1.url"), "requestMethod": "POST",
                            "headerParametersUi": {"parameter": [{"name": t("http1.h"), "value": t("http1.v")}]}}),
        ("splitOut", 1, {"fieldToSplitOut": t("split.field"), "include": "selectedOtherFields",
                         "fieldsToInclude": t("split.include"), "options": {"destinationFieldName": t("split.dest")}}),
        ("aggregate", 1, {"fieldsToAggregate": {"fieldToAggregate": [
            {"fieldToAggregate": t("agg.field"), "renameField": True, "outputFieldName": t("agg.out")}]}}),
        ("aggregate", 1, {"aggregate": "aggregateAllItemData", "destinationFieldName": t("agg.dest")}),
        ("limit", 1, {"maxItems": t("limit.max"), "keep": t("limit.keep")}),
        ("sort", 1, {"sortFieldsUi": {"sortField": [{"fieldName": t("sort.field"), "order": t("sort.order")}]}}),
        ("removeDuplicates", 1, {"compare": "selectedFields", "fieldsToCompare": t("dedupe.fields")}),
        ("renameKeys", 1, {"keys": {"key": [{"currentKey": t("rename.from"), "newKey": t("rename.to")}]}}),
        ("summarize", 1, {"fieldsToSummarize": {"values": [{"aggregation": t("sum.how"), "field": t("sum.field")}]},
                          "fieldsToSplitBy": t("sum.split")}),
        ("itemLists", 3, {"operation": "removeDuplicates", "fieldsToCompare": {"fields": [{"fieldName": t("il.f")}]}}),
        ("wait", 1.1, {"amount": t("wait.amount"), "unit": "seconds"}),
        ("wait", 1.1, {"amount": "={{ " + c("wait.code") + " }}", "unit": "minutes"}),
        ("stopAndError", 1, {"errorMessage": t("stop.message")}),
        ("respondToWebhook", 1, {"respondWith": "text", "responseBody": t("respond.body")}),
        ("executeWorkflow", 1, {"source": "database", "workflowId": t("exec.id")}),
        ("executeWorkflow", 1.2, {"workflowId": {"__rl": True, "value": "={{ $workflow.id }}",
                                                 "cachedResultName": t("exec.cached")}, "mode": "each",
                                  "workflowInputs": {"value": {t("exec.input"): t("exec.value")},
                                                     "schema": [{"id": t("exec.input"), "displayName": t("exec.input"),
                                                                 "type": "number"},
                                                                {"id": t("exec.gone"), "displayName": t("exec.gone"),
                                                                 "removed": True}],
                                                     "attemptToConvertTypes": True}}),
        ("executeWorkflow", 1.1, {"workflowId": {"__rl": True, "value": "={{ $workflow.id }}"},
                                  "options": {"waitForSubWorkflow": False}}),
        ("executeWorkflow", 1, {"source": "localFile", "workflowPath": t("exec.path")}),
        ("dateTime", 2, {"operation": "formatDate", "date": t("date.date"), "format": "custom",
                         "customFormat": t("date.format"), "outputFieldName": t("date.out"),
                         "options": {"timezone": t("date.zone")}}),
        ("telegram", 1.2, {"chatId": t("tg.chat"), "text": t("tg.text"), "additionalFields": {"parse_mode": t("tg.mode")}}),
        ("slack", 2.2, {"select": "channel", "channelId": {"__rl": True, "value": t("slack.channel")},
                        "text": t("slack.text")}),
        ("emailSend", 2.1, {"fromEmail": t("mail.from"), "toEmail": t("mail.to"), "subject": t("mail.subject"),
                            "text": t("mail.text"), "html": t("mail.html"), "emailFormat": "both"}),
        ("executeCommand", 1, {"command": c("command")}),
        ("crypto", 1, {"action": "hmac", "type": t("crypto.type"), "value": t("crypto.value"),
                       "secret": t("crypto.secret"), "dataPropertyName": t("crypto.property")}),
        ("html", 1.2, {"operation": "generateHtmlTemplate", "html": t("html.template")}),
        ("html", 1.2, {"operation": "convertToHtmlTable", "options": {"caption": t("html.caption"),
                                                                      "tableAttributes": t("html.attrs")}}),
        ("html", 1.2, {"operation": "extractHtmlContent", "dataPropertyName": t("html.property"),
                       "extractionValues": {"values": [{"key": t("html.key"), "cssSelector": t("html.css")}]}}),
        ("htmlExtract", 1, {"dataPropertyName": t("hx.property"),
                            "extractionValues": {"values": [{"key": t("hx.key"), "cssSelector": t("hx.css"),
                                                             "returnValue": "attribute", "attribute": t("hx.attr")}]}}),
        ("googleSheets", 4.5, {"operation": "read", "documentId": {"__rl": True, "value": t("gs.doc")},
                               "sheetName": {"__rl": True, "value": t("gs.sheet")},
                               "filtersUI": {"values": [{"lookupColumn": t("gs.col"), "lookupValue": t("gs.val")}]}}),
        ("gmail", 2.1, {"sendTo": t("gmail.to"), "subject": t("gmail.subject"), "message": t("gmail.message"),
                        "options": {"senderName": t("gmail.sender")}}),
        ("airtable", 2.1, {"operation": "search", "base": {"__rl": True, "value": t("at.base")},
                           "table": {"__rl": True, "value": t("at.table")}, "filterByFormula": t("at.formula")}),
        ("postgres", 2.5, {"operation": "executeQuery", "query": t("pg.query"),
                           "options": {"queryReplacement": t("pg.values")}}),
        ("markdown", 1, {"mode": "htmlToMarkdown", "html": t("md.html"), "destinationKey": t("md.key")}),
        ("markdown", 1, {"mode": "markdownToHtml", "markdown": t("md.markdown"), "destinationKey": t("md.key2")}),
        ("supabase", 1, {"operation": "getAll", "tableId": t("sb.table"), "filterType": "manual",
                         "filters": {"conditions": [{"keyName": t("sb.key"), "keyValue": t("sb.value"),
                                                     "condition": "eq"}]}}),
        ("openAi", 1.1, {"resource": "chat", "prompt": {"messages": [{"role": "system", "content": t("oai.system")},
                                                                     {"role": "user", "content": t("oai.user")}]}}),
        (LANGCHAIN + "chainLlm", 1.5, {"promptType": "define", "text": t("chain.text"),
                                       "messages": {"messageValues": [{"message": t("chain.system")}]}}),
        (LANGCHAIN + "chainLlm", 1.5, {"promptType": "define", "text": "=" + t("chain2.text") + "{{ " + c("chain2.code")
                                       + " }}"}),
        (LANGCHAIN + "chainSummarization", 2, {}),
        (LANGCHAIN + "informationExtractor", 1, {"text": t("ie.text"), "attributes": {"attributes": [
            {"name": t("ie.name"), "description": t("ie.description"), "type": "string"}]}}),
        (LANGCHAIN + "textClassifier", 1, {"inputText": t("tc.text"), "options": {"fallback": "other"},
                                           "categories": {"categories": [{"category": t("tc.category"),
                                                                          "description": t("tc.description")}]}}),
        (LANGCHAIN + "sentimentAnalysis", 1, {"inputText": t("sa.text"), "options": {"categories": t("sa.categories")}}),
        (LANGCHAIN + "openAi", 1.8, {"resource": "text", "text": t("lcoai.text")}),
        ("n8n-nodes-community." + t("unknown.type"), 1, {t("unknown.key"): t("unknown.value")}),
    ]


def hostile_workflow(text: Text, code: Text | None = None) -> dict:
    """One workflow exercising every translator, with ``text``/``code`` in every field it reads."""
    code = code or (lambda _key: "$json")
    counter = iter(range(10_000))

    def name(key: str) -> str:
        return f"{text('name.' + key)} #{next(counter)}"  # n8n names are unique

    nodes, chain = [], []
    for node_type, version, parameters in _templates(text, code):
        node = fx.node(name(node_type), node_type, version, **parameters)
        node["notes"] = text("notes")
        node["credentials"] = {text("credential.type"): {"id": text("credential.id"), "name": text("credential.name")}}
        nodes.append(node)
        chain.append(node["name"])
    disabled = fx.node(name("disabled"), "set", 3.4, assignments={"assignments": [{"name": text("disabled.field"),
                                                                                   "value": text("disabled.value")}]})
    disabled["disabled"] = True
    nodes.append(disabled)
    chain.append(disabled["name"])
    triggers = [
        fx.node(name("manual"), "manualTrigger"),
        fx.node(name("webhook"), "webhook", 2, path=text("webhook.path"), httpMethod="POST", authentication="headerAuth"),
        fx.node(name("form"), "formTrigger", 2, path=text("form.path"), formTitle=text("form.title")),
        fx.node(name("chat"), LANGCHAIN + "chatTrigger", 1.1),
        fx.node(name("schedule"), "scheduleTrigger", 1.2,
                rule={"interval": [{"field": "cronExpression", "expression": text("schedule.cron")},
                                   {"field": "hours", "hoursInterval": text("schedule.hours")}]}),
        fx.node(name("cron"), "cron", 1, triggerTimes={"item": [{"mode": "custom", "cronExpression": text("cron.cron")}]}),
        fx.node(name("interval"), "interval", 1, interval=text("interval.n"), unit=text("interval.unit")),
        fx.node(name("called"), "executeWorkflowTrigger", 1),
        fx.node(name("called inputs"), "executeWorkflowTrigger", 1.1, workflowInputs={"values": [
            {"name": text("inputs.name"), "type": "number"}, {"name": text("inputs.name2")}]}),
        fx.node(name("called example"), "executeWorkflowTrigger", 1.1, inputSource="jsonExample",
                jsonExample=json.dumps({text("example.key"): [1], "plain": text("example.value")})),
        fx.node(name("error"), "errorTrigger", 1),
    ]
    triggers[3]["webhookId"] = text("chat.webhookId")
    agent = fx.node(name("agent"), LANGCHAIN + "agent", 1.7, promptType="define", text=text("agent.text"),
                    options={"systemMessage": text("agent.system")})
    subs = [fx.node(name("model"), LANGCHAIN + "lmChatOllama", 1, model=text("model.name")),
            fx.node(name("memory"), LANGCHAIN + "memoryBufferWindow", 1.3, sessionKey=text("memory.key")),
            fx.node(name("tool"), LANGCHAIN + "toolWikipedia", 1, toolDescription=text("tool.description")),
            fx.node(name("parser"), LANGCHAIN + "outputParserStructured", 1.2, jsonSchemaExample=text("parser.example"))]
    kinds = ["ai_languageModel", "ai_memory", "ai_tool", "ai_outputParser"]
    sticky = fx.node(name("sticky"), "stickyNote", 1, content=text("sticky.content"))
    connections = [fx.link(*[(a, 0, b) for a, b in zip(chain, chain[1:])], (chain[-1], 0, agent["name"]))]
    connections.append(fx.link(*[(trigger["name"], 0, chain[0]) for trigger in triggers]))
    for sub, kind in zip(subs, kinds):
        connections.append(fx.link((sub["name"], 0, agent["name"]), kind=kind))
    document = fx.workflow(triggers + nodes + [agent, *subs, sticky], *_merge(connections), name=text("workflow.name"))
    document["id"] = text("workflow.id")
    # its own error workflow (by its id): the failure module calls this flow at its Error Trigger
    document["settings"] = {"timezone": text("settings.timezone"), "errorWorkflow": text("workflow.id")}
    return document


def _merge(maps: list[dict]) -> list[dict]:
    """Connection maps whose sources may repeat (fx.workflow updates per source, so join kinds first)."""
    merged: dict = {}
    for connections in maps:
        for source, kinds in connections.items():
            for kind, slots in kinds.items():
                target = merged.setdefault(source, {}).setdefault(kind, [])
                for index, slot in enumerate(slots):
                    while len(target) <= index:
                        target.append([])
                    target[index].extend(slot)
    return [merged]


def expressions_of(flow: dict):
    """(where, JavaScript) for every expression Windmill evaluates in a flow document."""
    todo = [("flow", flow)]
    while todo:
        where, item = todo.pop()
        if isinstance(item, list):
            todo.extend((f"{where}[{i}]", v) for i, v in enumerate(item))
        elif isinstance(item, dict):
            if isinstance(item.get("expr"), str):  # input transforms, iterators, branch conditions, stop_after_if
                yield where, item["expr"]
            todo.extend((f"{where}.{k}", v) for k, v in item.items() if k != "expr")
