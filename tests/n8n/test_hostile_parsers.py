"""Issue 11, class 6 for n8n: inputs that break parsers are one per-file error, never a traceback.

Each reader is fed what breaks it: nesting 100,000 levels deep, NaN, invalid
UTF-8, a BOM, a 5,000-digit number, non-object JSON, a damaged index, deep or
entangled graphs, huge fan-out, enormous strings. The rest of the run carries
on, and each bad input is one entry whose reason says what is wrong.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lib.n8n import bounded
from lib.n8n.client import N8nClient
from lib.n8n.errors import N8nBadResponse
from lib.n8n.export import INDEX_NAME, pull, pull_from_api, pull_from_folder, read_index
from lib.n8n.report import translate_folder
from lib.n8n.translate.emit import translate_workflow
from tests.n8n import translate_fixtures as fx

DEEP = "[" * 100_000 + "]" * 100_000
DEEP_WORKFLOW = '{"name": "deep", "nodes": [], "connections": {}, "pinData": ' + DEEP + "}"

BAD_FILES = {
    "deep.json": (DEEP_WORKFLOW.encode(), "nesting deeper than 100 levels"),
    "deep_object.json": (('{"a":' * 50_000 + "1" + "}" * 50_000).encode(), "nesting deeper than 100 levels"),
    "nan.json": (b'{"name": "n", "nodes": [], "connections": {}, "x": NaN}', "NaN is not JSON"),
    "infinity.json": (b'{"nodes": [], "connections": {}, "x": -Infinity}', "-Infinity is not JSON"),
    "latin1.json": (b'{"name": "caf\xe9", "nodes": [], "connections": {}}', "not UTF-8 text"),
    "digits.json": (b'{"nodes": [], "connections": {}, "x": ' + b"9" * 5000 + b"}", "unreadable JSON value"),
    "empty.json": (b"   \n", "empty file"),
    "string.json": (b'"just text"', "not an n8n workflow"),
    "null.json": (b"null", "not an n8n workflow"),
    "truncated.json": (b'{"nodes": [', "malformed JSON"),
}


@pytest.fixture
def hostile_folder(tmp_path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for name, (data, _reason) in BAD_FILES.items():
        (folder / name).write_bytes(data)
    (folder / "good.json").write_text(json.dumps({**fx.BRANCHES, "id": "good1"}))
    (folder / "bom.json").write_bytes(b"\xef\xbb\xbf" + json.dumps({**fx.MERGE, "id": "bom1"}).encode())
    return folder


def test_translate_gives_one_error_per_bad_file_and_translates_the_rest(hostile_folder, tmp_path):
    report = translate_folder(hostile_folder, tmp_path / "out")
    entries = {e["file"]: e for e in report["workflows"]}
    for name, (_data, reason) in BAD_FILES.items():
        assert entries[name]["status"] == "error" and reason in entries[name]["error"], (name, entries[name])
    assert entries["good.json"]["status"] == entries["bom.json"]["status"] == "translated"
    assert (tmp_path / "out" / "good__flow" / "flow.yaml").is_file()


def test_pull_from_a_folder_gives_one_error_per_bad_file(hostile_folder, tmp_path):
    report = pull_from_folder(hostile_folder, tmp_path / "git").as_dict()
    errors = {e["file"]: e["error"] for e in report["errors"]}
    for name, (_data, reason) in BAD_FILES.items():
        assert reason in errors[name] or "not an n8n workflow" in errors[name], (name, errors[name])
    assert sorted(w["id"] for w in report["workflows"]) == ["bom1", "good1"]


def test_a_file_larger_than_the_limit_is_one_error(hostile_folder, tmp_path, monkeypatch):
    monkeypatch.setattr(bounded, "MAX_FILE_BYTES", 2000)
    (hostile_folder / "big.json").write_text(json.dumps({**fx.BRANCHES, "pad": "x" * 5000}))
    entries = {e["file"]: e for e in translate_folder(hostile_folder, tmp_path / "out")["workflows"]}
    assert "larger than 2000 bytes" in entries["big.json"]["error"]


def test_one_unreadable_workflow_in_an_api_page_is_one_error_and_prunes_nothing(standin, tmp_path, monkeypatch):
    api = N8nClient(standin.url, standin.api_key, timeout=(1, 5))
    standin.add_workflow({"id": "keep1", "name": "Keep", "nodes": [], "connections": {}, "settings": {}})
    out = tmp_path / "git"
    pull_from_api(api, out)
    good = json.dumps({"id": "ok1", "name": "Fine", "nodes": [], "connections": {}, "settings": {}})
    deep = '{"id": "deep1", "name": "Deep one", "nodes": [], "connections": {}, "meta": ' + DEEP + "}"
    page = ('{"data": [' + good + ", " + deep + ', 7], "nextCursor": null}').encode()
    monkeypatch.setattr(standin, "_list", lambda query: (200, (page, "application/json")))
    report = pull_from_api(api, out).as_dict()
    errors = report["errors"]
    assert {e["id"] for e in errors} == {"deep1", None}
    deep_error = next(e for e in errors if e["id"] == "deep1")
    assert deep_error["name"] == "Deep one" and "nesting deeper than 100 levels" in deep_error["error"]
    assert [w["id"] for w in report["workflows"]] == ["ok1"]
    assert "keep1" in read_index(out) and report["removed"] == []  # the unreadable one might be it: no prune


def test_deep_api_answers_are_bad_responses_not_recursion_errors(standin, monkeypatch):
    api = N8nClient(standin.url, standin.api_key, timeout=(1, 5))
    monkeypatch.setattr(standin, "_workflows", lambda *args: (200, (DEEP.encode(), "application/json")))
    with pytest.raises(N8nBadResponse, match="nesting deeper than 100 levels"):
        api.get_workflow("x")
    with pytest.raises(N8nBadResponse, match=r"expected \{data"):
        api.list_workflows()
    monkeypatch.undo()
    page = ('{"data": ' + DEEP + ', "nextCursor": null}').encode()
    monkeypatch.setattr(standin, "_list", lambda query: (200, (page, "application/json")))
    with pytest.raises(N8nBadResponse, match="an entry could not be read: nesting deeper"):
        api.list_workflows()


def test_a_deep_webhook_answer_is_a_bad_response(standin, standin_stack):
    from lib.n8n.webhooks import call_n8n_webhook

    standin.add_webhook("POST", "deep", lambda request: (200, (DEEP.encode(), "application/json")))
    with pytest.raises(N8nBadResponse, match="nesting deeper"):
        call_n8n_webhook("deep", {}, stack=standin_stack)


def test_a_damaged_sync_index_is_a_clear_config_result(tmp_path):
    root = tmp_path / "root"
    (root / "n8n" / "workflows").mkdir(parents=True)
    (root / "n8n" / "workflows" / "a.json").write_text(json.dumps({**fx.BRANCHES, "id": "a1"}))
    (root / "n8n" / "git").mkdir(parents=True)
    for damaged in ("workflows: " + "[" * 100_000, "workflows: [1, 2", "- a\n- b\n"):
        (root / "n8n" / "git" / INDEX_NAME).write_text(damaged)
        result = pull({"root": str(root)}, source="folder")
        message = result["error"]["message"] if result["ok"] is False else ""
        assert "sync index" in message or "expected a mapping of workflow ids" in message, result
    (root / "n8n" / "git" / INDEX_NAME).write_text("workflows:\n  a1: {file: ../../escape.json, fingerprint: x}\n")
    assert read_index(root / "n8n" / "git") == {}  # an entry naming a path out of the folder is not trusted


def chain_of_ifs(count: int) -> dict:
    nodes = [fx.node("Start", "manualTrigger")] + [fx.node(f"If{i}", "if", 2, **fx.IF_CONDITION) for i in range(count)]
    nodes.append(fx.node("End", "noOp"))
    pairs = [("Start", 0, "If0")] + [(f"If{i}", 0, f"If{i + 1}") for i in range(count - 1)]
    pairs += [(f"If{i}", 1, "End") for i in range(count)] + [(f"If{count - 1}", 0, "End")]
    return fx.workflow(nodes, fx.link(*pairs))


def graph_cases() -> dict[str, tuple[dict, str | None]]:
    """name -> (workflow, the reason it is refused, or None when it must translate)."""
    many = [fx.node(f"N{i}", "noOp") for i in range(2000)]
    dense = [fx.node(f"D{i}", "noOp") for i in range(300)]
    subs = [fx.node(f"S{i}", "@n8n/n8n-nodes-langchain.toolWikipedia") for i in range(3000)]
    agent = fx.node("Agent", "@n8n/n8n-nodes-langchain.agent", 1.7, promptType="define", text="hi")
    return {
        "branches nested 300 deep": (chain_of_ifs(300), "nested deeper than 40 levels"),
        "branches nested 20 deep": (chain_of_ifs(20), None),
        "fan-out to 2000 nodes": (fx.workflow([fx.node("Start", "manualTrigger"), *many],
                                              fx.link(*[("Start", 0, n["name"]) for n in many])), None),
        "chain of 2000 nodes": (fx.workflow([fx.node("Start", "manualTrigger"), *many],
                                            fx.link(("Start", 0, "N0"), *[(f"N{i}", 0, f"N{i + 1}") for i in range(1999)])),
                                None),
        "every node wired to every later one": (
            fx.workflow([fx.node("Start", "manualTrigger"), *dense],
                        fx.link(("Start", 0, "D0"), *[(f"D{i}", 0, f"D{j}") for i in range(300) for j in range(i + 1, 300)])),
            "wired too densely"),
        "cycle through every node": (fx.workflow([fx.node("Start", "manualTrigger"), *many[:500]],
                                                 fx.link(("Start", 0, "N0"), *[(f"N{i}", 0, f"N{(i + 1) % 500}")
                                                                               for i in range(500)])), None),
        "self loop": (fx.workflow([fx.node("Start", "manualTrigger"), fx.node("Me", "noOp")],
                                  fx.link(("Start", 0, "Me"), ("Me", 0, "Me"))), None),
        "3000 sub-nodes chained into an agent": (
            fx.workflow([fx.node("Start", "manualTrigger"), agent, *subs], fx.link(("Start", 0, "Agent")),
                        fx.link(("S0", 0, "Agent"), *[(f"S{i + 1}", 0, f"S{i}") for i in range(2999)], kind="ai_tool")),
            None),
    }


@pytest.mark.parametrize("case", sorted(graph_cases()))
def test_graphs_that_break_walks_translate_or_get_a_reason(case):
    from lib.n8n.translate.structure import StructureError

    document, refused = graph_cases()[case]
    if refused:
        with pytest.raises(StructureError, match=refused):
            translate_workflow(document, "g.json", "f/phoenix/n8n/g")
    else:
        translation = translate_workflow(document, "g.json", "f/phoenix/n8n/g")
        assert translation.flow["value"]["modules"]


@pytest.mark.parametrize("change, reason", [
    (lambda d: d.update(nodes=[fx.node(f"N{i}", "noOp") for i in range(10_001)]), "more than 10000 nodes"),
    (lambda d: d["nodes"].append(dict(d["nodes"][0])), "duplicate node name"),
    (lambda d: d.update(nodes={"not": "a list"}), "'nodes' must be a list"),
    (lambda d: d.update(connections=[1, 2]), "'connections' must be an object"),
])
def test_malformed_workflows_are_refused_with_the_reason(change, reason):
    from lib.n8n.workflow import WorkflowError

    document = json.loads(json.dumps(fx.BRANCHES))
    change(document)
    with pytest.raises(WorkflowError, match=reason):
        translate_workflow(document, "w.json", "f/phoenix/n8n/w")


@pytest.mark.parametrize("field, value", [
    ("typeVersion", 10 ** 400), ("typeVersion", True), ("typeVersion", "2"), ("typeVersion", -1e308),
    ("parameters", [1, 2]), ("credentials", "text"), ("notes", {"a": 1}), ("onError", 5), ("name", "x" * 2_000_000),
])
def test_odd_node_fields_are_tolerated_like_n8n(field, value):
    document = json.loads(json.dumps(fx.BRANCHES))
    node = document["nodes"][1]
    if field == "name":
        document["connections"][value] = document["connections"].pop(node["name"])
        document["connections"]["Hook"]["main"][0][0]["node"] = value
    node[field] = value
    translation = translate_workflow(document, "w.json", "f/phoenix/n8n/w")
    assert all(len(m.get("summary", "")) <= 200 for m in _all(translation.flow))


def _all(flow):
    from lib.n8n.translate.emit import all_modules

    return list(all_modules(flow["value"]["modules"]))


def test_connections_of_a_node_that_are_not_an_object_are_refused_with_the_reason():
    from lib.n8n.workflow import WorkflowError

    document = json.loads(json.dumps(fx.BRANCHES))
    document["connections"] = {"Hook": "main"}
    with pytest.raises(WorkflowError, match=r"connections\['Hook'\] must be an object"):
        translate_workflow(document, "w.json", "f/phoenix/n8n/w")


@pytest.mark.parametrize("connections", [
    {"Hook": {"main": "text"}}, {"Hook": {"main": [["not a target"], None, 5]}},
    {"Hook": {"main": [[{"node": "Big?", "index": -3}, {"node": "Big?", "index": 10 ** 9}, {"node": 7}]]}},
    {"Hook": {"main": [[{"node": "Nobody"}]]}, "Ghost": {"main": [[{"node": "Big?"}]]}},
    {"Hook": {"main": [[]] * 5000}},
])
def test_malformed_connections_are_warnings_not_crashes(connections):
    document = json.loads(json.dumps(fx.BRANCHES))
    document["connections"] = connections
    translation = translate_workflow(document, "w.json", "f/phoenix/n8n/w")
    assert translation.status["Hook"] == "translated"
