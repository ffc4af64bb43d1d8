"""The node-host test cases: one request per known hand-port difference (see docs/n8n-engine.md).

Each case is a RunRequest (f/phoenix/n8n_host/host.ts) that both the host and the
reference (n8n's engine loaded the spike's way) run; the tests compare them and
also pin n8n's own answer where the hand port used to differ.
"""

from __future__ import annotations


def items(*jsons: dict) -> list[dict]:
    return [{"json": j, "pairedItem": {"item": i}} for i, j in enumerate(jsons)]


def node(name: str, type_: str, version: float, parameters: dict, **settings) -> dict:
    return {"name": name, "type": f"n8n-nodes-base.{type_}", "typeVersion": version, "parameters": parameters,
            **({"settings": settings} if settings else {})}


def assignment(name: str, value: str, type_: str = "string") -> dict:
    return {"id": name, "name": name, "value": value, "type": type_}


def set_node(*assignments: dict, name: str = "Set", **settings) -> dict:
    return node(name, "set", 3.4, {"assignments": {"assignments": list(assignments)}, "options": {}}, **settings)


def code(js: str, mode: str = "runOnceForAllItems", name: str = "Code", **settings) -> dict:
    return node(name, "code", 2, {"mode": mode, "language": "javaScript", "jsCode": js}, **settings)


CASES: dict[str, dict] = {
    "set_luxon_timezone": {
        "node": set_node(
            assignment("zone", "={{ $now.zoneName }}"),
            assignment("local", "={{ DateTime.fromISO('2024-01-02T00:30:00Z').toFormat('yyyy-MM-dd HH:mm') }}"),
            assignment("iso", "={{ '2024-03-05'.toDateTime().plus({days: 1}).toISODate() }}"),
            assignment("url", "={{ $json.site.isUrl() }}", "boolean"),
            assignment("count", "={{ $json.n }}", "string"),
        ),
        "items": items({"site": "https://example.org", "n": 7}, {"site": "not a url", "n": 8}),
        "context": {"timezone": "Asia/Tokyo"},
    },
    # Expression functions whose packages the bundle loads only when first called (bundle.ts).
    "string_extension_packages": {
        "node": set_node(
            assignment("plain", "={{ $json.s.replaceSpecialChars() }}"),
            assignment("title", "={{ 'the host of n8n'.toTitleCase() }}"),
            assignment("md5", "={{ $json.s.hash('md5') }}"),
            assignment("sha", "={{ $json.s.hash('sha256') }}"),
        ),
        "items": items({"s": "Ñandú café"}),
    },
    "other_node_reference": {
        "node": set_node(
            assignment("customer", "={{ $('Customer').item.json.name }}"),
            assignment("legacy", "={{ $node['Customer'].json.name }}"),
            assignment("first", "={{ $('Customer').first().json.name }}"),
            assignment("total", "={{ $json.amount * 2 }}", "number"),
        ),
        "items": [{"json": {"amount": 5}, "pairedItem": {"item": 1}}, {"json": {"amount": 6}, "pairedItem": {"item": 0}}],
        "inputNodes": ["Orders"],
        "context": {"nodes": {"Customer": items({"name": "Ana"}, {"name": "Bo"})}, "parents": {"Orders": ["Customer"]}},
    },
    "code_all_items": {
        "node": code("return $input.all().map((item, i) => ({ json: { ...item.json, index: i, total: $input.all().length } }));"),
        "items": items({"x": 1}, {"x": 2}, {"x": 3}),
    },
    "code_each_item": {
        "node": code("return { json: { doubled: $json.x * 2, itemIndex: $itemIndex } };", mode="runOnceForEachItem"),
        "items": items({"x": 1}, {"x": 2}),
    },
    "function_sloppy": {
        "node": node("Function", "function", 1, {
            "functionCode": "for (item of items) { item.json.doubled = item.json.x * 2; }\ncounter = items.length;\nreturn items;"}),
        "items": items({"x": 1}, {"x": 5}),
    },
    "summarize": {
        "node": node("Summarize", "summarize", 1.1, {"fieldsToSummarize": {"values": [
            {"aggregation": "concatenate", "field": "tag"},
            {"aggregation": "countUnique", "field": "user.id"},
            {"aggregation": "sum", "field": "amount"}]}, "options": {}}),
        "items": items({"tag": "a", "user": {"id": 1}, "amount": 2}, {"tag": "b", "user": {"id": 1}, "amount": 3},
                       {"tag": "c", "user": {"id": 2}, "amount": 4}),
    },
    "split_out_other_fields": {
        "node": node("Split Out", "splitOut", 1, {"fieldToSplitOut": "tags", "include": "allOtherFields", "options": {}}),
        "items": items({"id": 1, "tags": [{"t": "x"}, "y"]}),
    },
    "merge_v2_two_inputs": {
        "node": node("Merge", "merge", 2.1, {"mode": "combine", "combinationMode": "mergeByPosition", "options": {}}),
        "inputs": [items({"a": 1, "same": "left"}, {"a": 2}), items({"b": 1, "same": "right"}, {"b": 2})],
        "inputNodes": ["Left", "Right"],
    },
    "execute_once": {
        "node": set_node(assignment("seen", "={{ $json.x }}", "number"), executeOnce=True),
        "items": items({"x": 1}, {"x": 2}, {"x": 3}),
    },
    "always_output_data": {
        "node": node("Filter", "filter", 1, {"conditions": {"number": [
            {"value1": "={{ $json.x }}", "operation": "larger", "value2": 100}]}}, alwaysOutputData=True),
        "items": items({"x": 1}, {"x": 2}),
    },
    "on_error_continue": {
        "node": code("throw new Error('boom from the node');", onError="continueRegularOutput"),
        "items": items({"x": 1}),
    },
    "on_error_error_output": {
        "node": code("return $input.all().map((item) => { if (item.json.x > 1) throw new Error('too big'); return item; });",
                     mode="runOnceForAllItems", onError="continueErrorOutput"),
        "items": items({"x": 1}, {"x": 2}),
    },
    "on_error_stop": {
        "node": code("throw new Error('boom from the node');"),
        "items": items({"x": 1}),
    },
    "retry_then_succeed": {
        "node": code("const s = $getWorkflowStaticData('global'); s.tries = (s.tries || 0) + 1;\n"
                     "if (s.tries < 2) throw new Error('first try fails');\nreturn [{ json: { tries: s.tries } }];",
                     retryOnFail=True, maxTries=3, waitBetweenTries=10),
        "items": items({"x": 1}),
        "context": {"staticData": {"kept": "yes"}},
    },
}


def http_case(url: str, secret: str) -> dict:
    return {
        "node": {**node("HTTP Request", "httpRequest", 4.2, {
            "url": f"={url}/items/{{{{ $json.id }}}}", "authentication": "genericCredentialType",
            "genericAuthType": "httpHeaderAuth", "options": {}}),
            "credentials": {"httpHeaderAuth": {"id": "1", "name": "Service token"}}},
        "items": items({"id": 7}, {"id": 8}),
        "credentials": {"httpHeaderAuth": {"name": "X-Token", "value": secret}},
    }


# Requests the host must refuse or report, each with what the answer must say (host only).
BAD_REQUESTS: dict[str, tuple[dict, str]] = {
    "unknown_type": ({"node": node("X", "noSuchNode", 1, {}), "items": items({})},
                     'UnknownNodeTypeError: node type "n8n-nodes-base.noSuchNode" is not in n8n-nodes-base'),
    "foreign_package": ({"node": {"name": "X", "type": "@acme/n8n-nodes-x.thing", "typeVersion": 1}, "items": []},
                        "is not in n8n-nodes-base"),
    "enterprise_node": ({"node": node("Evaluation", "evaluation", 4.7, {}), "items": items({})},
                        "is under n8n's Enterprise License"),
    "text_as_an_item": ({"node": set_node(), "items": [{"a": 1}, "rm -rf /"]},
                        "HostRequestError: input 0, item 1: an item must be an object, got string"),
    "number_as_an_item": ({"node": set_node(), "items": [7]},
                          "HostRequestError: input 0, item 0: an item must be an object, got number"),
    "items_not_a_list": ({"node": set_node(), "items": {"json": {}}}, "input 0: expected a list of items"),
    "node_without_version": ({"node": {"name": "Set", "type": "n8n-nodes-base.set"}, "items": []},
                             "node needs a name, a type and a typeVersion"),
    "input_is_also_context": ({"node": set_node(), "items": items({}), "inputNodes": ["A"],
                               "context": {"nodes": {"A": items({})}}}, '"A" is both an input and a context node'),
    "unknown_parent": ({"node": set_node(), "items": items({}), "context": {"parents": {"Input": ["Nowhere"]}}},
                       'the parents of "Input" must be input or context nodes too: ["Nowhere"] are not'),
    "reserved_name": ({"node": set_node(name="Phoenix host start"), "items": []}, "cannot also be its own input"),
    "both_items_and_inputs": ({"node": set_node(), "items": [], "inputs": [[]]}, "give either items or inputs"),
}

MISSING_CREDENTIALS = {
    "node": {**node("HTTP Request", "httpRequest", 4.2, {
        "url": "http://127.0.0.1:9/", "authentication": "genericCredentialType",
        "genericAuthType": "httpHeaderAuth", "options": {}}),
        "credentials": {"httpHeaderAuth": {"id": "1", "name": "Service token"}}},
    "items": items({}),
}
