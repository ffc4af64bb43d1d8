"""The n8n -> Windmill translator: graph, expressions, each construct, bad input.

Translated steps are executed for real (with the pinned Bun; host steps with
the cached n8n install) so the tests check behaviour, not only shape; every
produced document goes through the official windmill-yaml-validator.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from lib.errors import InputError
from lib.n8n.expressions import Untranslatable, json_of, split_template, to_input_transform, to_step_js
from lib.n8n.report import summarize, translate_folder
from lib.n8n.translate.emit import translate_workflow
from lib.n8n.workflow import WorkflowError, parse_workflow, strongly_connected
from scripts.tooling.windmill_tools import validate_documents
from tests.n8n import translate_fixtures as fx
from tests.support.openflow_run import json_of_items
from tests.support.ts_step import run_ts_step

REPO = Path(__file__).resolve().parents[2]


def translate(document):
    return translate_workflow(document, "fixture.json", "f/phoenix/n8n/fixture")


def modules_by_id(modules: list[dict]) -> dict[str, dict]:
    found = {}
    for module in modules:
        found[module["id"]] = module
        value = module["value"]
        for branch in value.get("branches", []):
            found.update(modules_by_id(branch["modules"]))
        found.update(modules_by_id(value.get("default", [])))
        found.update(modules_by_id(value.get("modules", [])))
    return found


def run_step(translation, step_id: str, *args) -> dict:
    return run_ts_step(translation.files[f"{step_id}.ts"], *args)


# ---- graph --------------------------------------------------------------------------------

def test_parse_keeps_edges_and_tolerates_null_and_empty_slots():
    document = fx.workflow([fx.node("A", "manualTrigger"), fx.node("B", "noOp"), fx.node("C", "noOp")],
                           {"A": {"main": [None, [], [{"node": "B", "type": "main", "index": 0}]]},
                            "B": {"main": [[{"node": "Ghost", "type": "main", "index": 0}, {"node": "C", "index": 1}]]}})
    workflow = parse_workflow(document)
    assert [(e.source, e.output, e.target, e.input) for e in workflow.main_edges] == [("A", 2, "B", 0), ("B", 0, "C", 1)]
    assert any("Ghost" in w for w in workflow.warnings)


@pytest.mark.parametrize("document, message", [
    ([], "top level is list"),
    ({"name": "x"}, "no 'nodes' key"),
    ({"nodes": {}}, "'nodes' must be a list"),
    ({"nodes": [{"type": "n8n-nodes-base.noOp"}]}, "node without a name"),
    ({"nodes": [fx.node("A", "noOp"), fx.node("A", "set")]}, "duplicate node name 'A'"),
    ({"nodes": [], "connections": []}, "'connections' must be an object"),
])
def test_parse_rejects_what_is_not_a_workflow(document, message):
    with pytest.raises(WorkflowError, match=message):
        parse_workflow(document, "bad.json")


def test_ai_sub_nodes_and_cycles_are_found():
    workflow = parse_workflow(fx.AGENT)
    assert workflow.sub_node_names == {"Model", "Memory", "Search"}
    assert {k for k, _n in workflow.sub_nodes("Agent")} == {"ai_languageModel", "ai_memory", "ai_tool"}
    polling = parse_workflow(fx.POLLING)
    cycles = [sorted(c) for c in strongly_connected(polling.main_node_names(), polling.successors) if len(c) > 1]
    assert cycles == [["Check", "Ready?", "Wait"]]


# ---- expressions ------------------------------------------------------------------------------

def test_template_splitting_handles_nested_braces_and_strings():
    assert [(s.is_code, s.text) for s in split_template("a {{ {x: {y: 1}} }} b")] == \
        [(False, "a "), (True, "{x: {y: 1}}"), (False, " b")]
    assert [s.text for s in split_template("{{ $json.a; }}")] == ["$json.a"]


def test_step_js_hands_the_expression_text_to_the_runtime_as_literals():
    assert to_step_js("plain") == '"plain"'
    assert to_step_js("={{ $json.n + 1 }}") == '$e("$json.n + 1")'
    assert to_step_js("=Hi `{{ $json.who }}` ${x}") == '$t(["Hi `", "` ${x}"], ["$json.who"])'
    assert to_step_js("={{ a }}{{ b }}") == '$t(["", "", ""], ["a", "b"])'
    with pytest.raises(Untranslatable, match="fromAI"):
        to_step_js("={{ $fromAI('q') }}")


def test_input_transform_rewrites_n8n_paths_from_their_parsed_form():
    items = {"Fetch": "results.fetch"}.get
    # each item's JSON, whether the step before handed on n8n items (host) or plain JSON (native)
    assert to_input_transform("={{ $json.body.text }}", "results.hook[0]", items) == \
        f'({json_of("results.hook[0]")}["body"]["text"])'
    assert to_input_transform("=Q: {{ $('Fetch').item.json.q }}", "x", items) == \
        f'("Q: " + String(({json_of("(results.fetch)[0]")}["q"]) ?? ""))'
    assert to_input_transform('={{ $node["Fetch"].json.q[0]?.r }}', "x", items) == \
        f'({json_of("(results.fetch)[0]")}["q"][0]?.["r"])'
    assert to_input_transform("={{ $('Fetch').last().json['a b'] }}", "x", items) == \
        f'({json_of("(results.fetch).at(-1)")}["a b"])'
    with pytest.raises(Untranslatable, match="'Later'"):
        to_input_transform("={{ $('Later').first().json.q }}", "x", items)
    with pytest.raises(Untranslatable, match="more than a path"):
        to_input_transform("={{ $input.all().length }}", "x", items)


@pytest.mark.parametrize("code", ["$json.a + 1", "$json.a\n;process.exit(1)", "$json['a'](1)", "$json.a; x",
                                  "$json[\"a\\\"b\"]", "$json.constructor.constructor('x')()", "`${1}`",
                                  "$json.a.b()", "$('A').item.json.x; y"])
def test_input_transform_refuses_anything_but_a_path(code):
    with pytest.raises(Untranslatable):
        to_input_transform("={{ " + code + " }}", "x", {"A": "results.a"}.get)


# ---- constructs ---------------------------------------------------------------------------------

def test_if_becomes_branchone_joined_where_paths_meet():
    translation = translate(fx.BRANCHES)
    modules = translation.flow["value"]["modules"]
    assert [m["value"]["type"] for m in modules] == ["rawscript", "branchone", "branchone", "rawscript"]
    branches = [m["value"]["branches"][0] for m in modules[1:3]]
    assert [b["expr"] for b in branches] == ["(results.big.outputs[0] ?? []).length > 0",
                                             "(results.big.outputs[1] ?? []).length > 0"]
    assert [b["modules"][0]["summary"] for b in branches] == ["Tag big", "Tag small"]
    tag_big = branches[0]["modules"][0]["value"]["input_transforms"]["items"]["expr"]
    assert tag_big == "results.big?.outputs[0]"
    # the IF runs on the node host: n8n's own outputs, one item list per output, paired with the input
    routed = run_step(translation, "big", [{"body": {"n": 9}}, {"body": {"n": 1}}])
    assert routed["ok"] and routed["result"]["outputs"] == [
        [{"json": {"body": {"n": 9}}, "pairedItem": {"item": 0}}], [{"json": {"body": {"n": 1}}, "pairedItem": {"item": 1}}]]
    tagged = run_step(translation, "tag_big", routed["result"]["outputs"][0])
    assert json_of_items(tagged["result"]) == [{"body": {"n": 9}, "size": "big"}]
    assert translation.http_triggers[0]["route_path"] == "n8n/orders"
    assert translation.http_triggers[0]["http_method"] == "post"


def test_parallel_paths_become_branchall_and_merge_gets_each_input():
    translation = translate(fx.MERGE)
    modules = translation.flow["value"]["modules"]
    assert [m["value"]["type"] for m in modules] == ["branchall", "rawscript"]
    assert modules[0]["value"]["parallel"] is True
    merge_inputs = modules[1]["value"]["input_transforms"]["inputs"]["expr"]
    assert merge_inputs == "[results.users?.outputs[0], results.scores?.outputs[0]]"
    users = run_step(translation, "users", [{}])["result"]["outputs"][0]
    scores = run_step(translation, "scores", [{}])["result"]["outputs"][0]
    joined = run_step(translation, "join", [], [users, scores])
    assert json_of_items(joined["result"]) == [{"id": 1, "name": "ada", "score": 9}, {"id": 2, "name": "bob", "score": 7}]


def test_split_in_batches_cycle_becomes_forloop_over_batches():
    translation = translate(fx.BATCH_LOOP)
    by_id = modules_by_id(translation.flow["value"]["modules"])
    loop = by_id["loop_loop"]["value"]
    assert loop["type"] == "forloopflow" and loop["iterator"]["expr"] == "results.loop"
    assert [m["id"] for m in loop["modules"]] == ["double", "loop_next"]
    assert by_id["double"]["value"]["input_transforms"]["items"]["expr"] == "flow_input.iter.value"
    assert by_id["after"]["value"]["input_transforms"]["items"]["expr"] == "results.loop_loop.flat()"
    assert run_step(translation, "loop", [{"n": i} for i in range(5)])["result"] == \
        [[{"n": 0}, {"n": 1}], [{"n": 2}, {"n": 3}], [{"n": 4}]]
    assert json_of_items(run_step(translation, "double", [{"n": 4}])["result"]) == [{"n": 8}]
    assert translation.status == {name: "translated" for name in ("Start", "Make items", "Loop", "Double", "After")}


def test_polling_cycle_becomes_while_loop_that_stops_when_the_condition_leaves():
    translation = translate(fx.POLLING)
    modules = translation.flow["value"]["modules"]
    loop = modules[0]["value"]
    assert loop["type"] == "whileloopflow"
    by_id = modules_by_id(loop["modules"])
    assert by_id["ready"]["stop_after_if"] == {"expr": "(result.outputs[0] ?? []).length > 0", "skip_if_stopped": False}
    assert by_id["wait"]["sleep"] == {"type": "static", "value": 10}
    assert "flow_input.iter.index === 0" in by_id["check"]["value"]["input_transforms"]["items"]["expr"]
    assert modules[1]["summary"] == "Use it"


def test_split_out_hands_all_its_items_to_the_next_node_as_n8n_does():
    translation = translate(fx.SPLIT_OUT)
    modules = translation.flow["value"]["modules"]
    # each node runs once on all its items (n8n's $itemIndex, $input.all(), paired items), no per-item loop
    assert [m["value"]["type"] for m in modules] == ["rawscript"] * 4
    assert modules[2]["value"]["input_transforms"]["items"]["expr"] == "results.split?.outputs[0]"
    rows = run_step(translation, "list", [{}])["result"]
    split = run_step(translation, "split", rows["outputs"][0])["result"]["outputs"][0]
    assert json_of_items(split) == [{"a": 1}, {"a": 2}]
    assert json_of_items(run_step(translation, "label", split)["result"]) == [{"a": 1, "label": "row 1"},
                                                                            {"a": 2, "label": "row 2"}]


def test_agent_with_only_its_model_folds_into_one_router_call_with_the_models_hints():
    translation = translate(fx.SIMPLE_AGENT)
    modules = translation.flow["value"]["modules"]
    assert [m["value"]["type"] for m in modules] == ["forloopflow", "rawscript"]
    loop = modules[0]["value"]
    assert loop["iterator"]["expr"].startswith("[{sessionId: flow_input.sessionId")
    [ask] = loop["modules"]
    assert ask["value"]["type"] == "script" and ask["value"]["path"] == "f/phoenix/router"
    transforms = ask["value"]["input_transforms"]
    prompt = transforms["prompt"]["expr"]
    assert "You are terse." in prompt and f'{json_of("flow_input.iter.value")}["chatInput"]' in prompt
    # the Ollama model node's options and model, as the router's hints
    assert {k: v for k, v in transforms.items() if k != "prompt"} == {
        "temperature": {"type": "static", "value": 0.3}, "max_tokens": {"type": "static", "value": 64},
        "prefer": {"type": "static", "value": ["ollama:llama3:8b", "llama3:8b"]}}
    assert modules[1]["value"]["input_transforms"]["items"]["expr"] == \
        "results.agent.map((r) => String(r?.answer ?? '')).map((a) => ({output: a}))"
    assert set(translation.status) == {"Chat", "Agent", "Model", "Reply"}
    assert set(translation.status.values()) == {"translated"}


def test_agent_with_memory_and_a_tool_becomes_one_ai_host_step():
    translation = translate(fx.AGENT)
    modules = translation.flow["value"]["modules"]
    assert [(m["id"], m["value"]["type"]) for m in modules] == [("agent", "rawscript"), ("reply", "rawscript")]
    assert modules[0]["value"]["input_transforms"]["items"]["expr"].startswith("[{sessionId: flow_input.sessionId")
    assert modules[1]["value"]["input_transforms"]["items"]["expr"] == \
        "((results.agent?.outputs ?? [])[0] ?? []).map((item) => item.json)"
    step = translation.files["agent.ts"]
    assert 'from "/f/phoenix/n8n_ai/cluster.ts"' in step
    assert set(translation.status) == {"Chat", "Agent", "Model", "Memory", "Search", "Reply"}
    assert set(translation.status.values()) == {"translated"}
    assert translation.http_triggers[0]["wrap_body"] is False
    assert translation.flow["schema"]["properties"]["chatInput"]["type"] == "string"


def test_untranslatable_nodes_become_placeholders_that_fail_when_run():
    translation = translate(fx.UNKNOWN)
    modules = translation.flow["value"]["modules"]
    assert [m["summary"] for m in modules] == ["PLACEHOLDER (not translated): Mystery [frobnicate]",
                                               "PLACEHOLDER (not translated): Sheet [salesforce]"]
    outcome = run_step(translation, "mystery", [{}])
    assert outcome["ok"] is False
    assert "Mystery" in outcome["error"] and \
        "node type n8n-nodes-community.frobnicate is not defined by the installed n8n packages" in outcome["error"]
    assert translation.status == {"Start": "translated", "Mystery": "placeholder", "Sheet": "placeholder"}
    assert "typeVersion 99 of n8n-nodes-base.salesforce is not in the installed n8n-nodes-base" in translation.reasons["Sheet"]
    assert "not translated: Mystery" in translation.flow["description"]


def test_schedules_and_several_entry_points():
    translation = translate(fx.SCHEDULED)
    assert [s["schedule"] for s in translation.schedules] == ["0 */15 * * * *", "0 30 3 * * *"]
    assert [s["args"] for s in translation.schedules] == [{"n8n_trigger": "Every 15 min"}, {"n8n_trigger": "Nightly"}]
    assert all(s["enabled"] is False and s["is_flow"] for s in translation.schedules)
    assert translation.flow["schema"]["properties"]["n8n_trigger"]["enum"] == ["Every 15 min", "Nightly"]
    modules = translation.flow["value"]["modules"]
    assert [m["value"]["type"] for m in modules] == ["branchone", "rawscript"]


def test_disabled_nodes_pass_items_through_and_sticky_notes_document_the_flow():
    document = json.loads(json.dumps(fx.BRANCHES))
    document["nodes"][1]["disabled"] = True
    document["nodes"].append(fx.node("Note", "stickyNote", 1, content="## Why\nOrders above 5 are big."))
    translation = translate(document)
    modules = translation.flow["value"]["modules"]
    assert "disabled" in modules[0]["summary"]
    assert run_step(translation, modules[0]["id"], [{"body": {"n": 1}}])["result"] == [{"body": {"n": 1}}]
    assert "Tag small" not in json.dumps(modules)
    assert "Orders above 5 are big." in translation.flow["description"]
    assert "Note" not in translation.status


def test_error_output_routes_failures():
    document = json.loads(json.dumps(fx.BRANCHES))
    hook, check, big, small, done = document["nodes"]
    big["type"], big["parameters"], big["onError"] = "n8n-nodes-base.httpRequest", {"url": "https://x.invalid"}, "continueErrorOutput"
    big["typeVersion"] = 4.2
    document["connections"] = fx.link(("Hook", 0, "Tag big"), ("Tag big", 0, "Done"), ("Tag big", 1, "Tag small"))
    document["nodes"] = [hook, big, small, done]
    by_id = modules_by_id(translate(document).flow["value"]["modules"])
    # the host applies onError as n8n does: failed items come out of the node's error output
    assert "continue_on_error" not in by_id["tag_big"] and "retry" not in by_id["tag_big"]
    [on_error] = by_id["tag_big_output_1"]["value"]["branches"]
    assert on_error["expr"] == "(results.tag_big.outputs[1] ?? []).length > 0"
    assert on_error["modules"][0]["value"]["input_transforms"]["items"]["expr"] == "results.tag_big?.outputs[1]"


def test_cycle_that_nothing_leaves_runs_once_then_stops_loudly():
    document = fx.workflow([fx.node("Start", "manualTrigger"), fx.node("A", "noOp"), fx.node("B", "noOp")],
                           fx.link(("Start", 0, "A"), ("A", 0, "B"), ("B", 0, "A")))
    translation = translate(document)
    assert [m["summary"] for m in translation.flow["value"]["modules"]] == \
        ["A", "B", "PLACEHOLDER (not translated): loop back to A"]
    assert "no condition that ever leaves the loop" in translation.flow["description"]
    assert run_ts_step(translation.files["a_loops_back.ts"])["ok"] is False


def test_parameters_of_an_unknown_shape_make_a_placeholder_not_an_error():
    document = fx.workflow([fx.node("Start", "manualTrigger"),
                            fx.node("Odd set", "set", 3.4, assignments="={{ $json.fields }}"),
                            fx.node("Odd wait", "wait", 1.1, amount={"not": "a number"})],
                           fx.link(("Start", 0, "Odd set"), ("Odd set", 0, "Odd wait")))
    document["connections"]["Gone"] = None
    translation = translate(document)
    # n8n's own Set reads its parameters on the host (and fails there as in n8n if they make no sense);
    # a structural translator that cannot read them makes this one node a placeholder, not the file an error
    assert translation.status == {"Start": "translated", "Odd set": "translated", "Odd wait": "placeholder"}
    assert "shape the translator does not handle" in translation.reasons["Odd wait"]


# ---- folders, reports, bad input ---------------------------------------------------------------

@pytest.fixture
def messy_folder(tmp_path):
    source = tmp_path / "in"
    (source / "nested").mkdir(parents=True)
    (source / "good.json").write_text(json.dumps(fx.BRANCHES))
    (source / "nested" / "agent.json").write_text(json.dumps(fx.AGENT))
    (source / "nested" / "unknown.json").write_text(json.dumps(fx.UNKNOWN))
    (source / "broken.json").write_text('{"nodes": [')
    (source / "empty.json").write_text("")
    (source / "list.json").write_text("[1, 2]")
    (source / "notes.json").write_text(json.dumps({"name": "only notes"}))
    (source / "README.md").write_text("not json")
    return source


def test_folder_report_has_one_entry_per_json_file_and_never_crashes(messy_folder, tmp_path):
    report = translate_folder(messy_folder, tmp_path / "out")
    entries = {e["file"]: e for e in report["workflows"]}
    assert set(report) == {"workflows"}
    assert set(entries) == {"good.json", "nested/agent.json", "nested/unknown.json", "broken.json", "empty.json",
                            "list.json", "notes.json"}
    for entry in entries.values():
        assert set(entry) == {"file", "status", "nodes_total", "nodes_translated", "placeholders", "ai_placeholders",
                              "unused_sub_nodes", "untranslated_types", "resources", "error", "conflicts", "subflows"}
    assert entries["broken.json"]["status"] == "error" and "malformed JSON" in entries["broken.json"]["error"]
    assert entries["empty.json"]["error"] == "empty file"
    assert "not an n8n workflow" in entries["list.json"]["error"]
    assert entries["nested/unknown.json"] == {
        "file": "nested/unknown.json", "status": "translated", "nodes_total": 3, "nodes_translated": 1,
        "placeholders": 2, "ai_placeholders": 0, "unused_sub_nodes": 0,
        "untranslated_types": ["n8n-nodes-base.salesforce", "n8n-nodes-community.frobnicate"],
        "resources": [], "error": None, "conflicts": [], "subflows": []}
    out = tmp_path / "out"
    assert (out / "nested_agent__flow" / "flow.yaml").is_file()
    assert (out / "good.http_trigger.yaml").is_file()
    flow = yaml.safe_load((out / "good__flow" / "flow.yaml").read_text())
    for module in modules_by_id(flow["value"]["modules"]).values():
        content = module["value"].get("content", "")
        if content:
            assert (out / "good__flow" / content.removeprefix("!inline ")).is_file()
    summary = summarize(report)
    assert summary["errors"] == 4
    assert (summary["without_placeholder"], summary["share_without_placeholder"]) == (2, round(2 / 7, 4))


def test_retranslating_gives_identical_files(messy_folder, tmp_path):
    translate_folder(messy_folder, tmp_path / "one")
    translate_folder(messy_folder, tmp_path / "one")
    translate_folder(messy_folder, tmp_path / "two")
    read = lambda root: {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}  # noqa: E731
    assert read(tmp_path / "one") == read(tmp_path / "two")


def test_command_writes_report_and_prints_share(messy_folder, tmp_path):
    report_path = tmp_path / "report.json"
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "n8n_translate.py"), str(messy_folder),
                           str(tmp_path / "out"), "--report", str(report_path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "nodes translated to real steps" in proc.stdout and "7 files: 3 translated, 4 errors" in proc.stdout
    assert len(json.loads(report_path.read_text())["workflows"]) == 7
    missing = subprocess.run([sys.executable, str(REPO / "scripts" / "n8n_translate.py"), str(tmp_path / "nope"),
                              str(tmp_path / "out")], capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and "not a folder" in missing.stderr


def test_windmill_script_fails_on_a_missing_folder(tmp_path):
    from f.phoenix.lib.errors import JobFailed
    from f.phoenix.n8n.translate import main

    with pytest.raises(JobFailed, match="input folder not found") as failed:
        main(input_dir="missing", out_dir="out", stack={"root": str(tmp_path)})
    assert failed.value.result["ok"] is False


# ---- official validators --------------------------------------------------------------------------

CORPUS = Path("/work/shared/corpus/n8n/zie619-dev")


def _documents(tree: Path) -> list[tuple[str, dict]]:
    return [(p.relative_to(tree).as_posix(), yaml.safe_load(p.read_text())) for p in sorted(tree.rglob("*.yaml"))
            if p.name == "flow.yaml" or p.name.endswith((".schedule.yaml", "_trigger.yaml"))]


def test_fixture_flows_pass_the_official_validator(tmp_path):
    source = tmp_path / "in"
    source.mkdir()
    for name in ("BRANCHES", "MERGE", "BATCH_LOOP", "POLLING", "SPLIT_OUT", "AGENT", "UNKNOWN", "SCHEDULED"):
        (source / f"{name.lower()}.json").write_text(json.dumps(getattr(fx, name)))
    translate_folder(source, tmp_path / "out")
    documents = _documents(tmp_path / "out")
    assert len(documents) == 8 + 2 + 2  # flows, schedules, http triggers
    assert {name: errors for name, errors in validate_documents(documents).items() if errors} == {}


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the development corpus is not on this machine")
def test_corpus_sample_passes_the_official_validator(tmp_path):
    sample = sorted(CORPUS.rglob("*.json"))[::10]
    source = tmp_path / "in"
    for path in sample:
        target = source / path.relative_to(CORPUS)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    report = translate_folder(source, tmp_path / "out")
    assert len(report["workflows"]) == len(sample)
    documents = _documents(tmp_path / "out")
    assert len(documents) >= sum(1 for e in report["workflows"] if e["status"] == "translated")
    assert {name: errors for name, errors in validate_documents(documents).items() if errors} == {}


def test_real_wmill_sync_plans_the_flows_schedules_and_triggers_and_no_step_as_a_script(tmp_path):
    """`wmill sync push --dry-run` (the real CLI) against the loopback stand-in of an empty workspace."""
    import shutil

    from scripts.tooling.push import Target, sync_changes
    from scripts.tooling.windmill_stub import StubWorkspace, WindmillStub

    source, tree = tmp_path / "in", tmp_path / "tree"
    source.mkdir()
    for name in ("BRANCHES", "SCHEDULED"):
        (source / f"{name.lower()}.json").write_text(json.dumps(getattr(fx, name)))
    tree.mkdir()
    shutil.copy(REPO / "wmill.yaml", tree / "wmill.yaml")
    translate_folder(source, tree / "f" / "phoenix" / "n8n")
    workspace = StubWorkspace()
    with WindmillStub(workspace) as stub:
        changes, _notes = sync_changes(tree, Target(stub.url, workspace.workspace_id, workspace.token))
    assert sorted(str(c).split()[1:] for c in changes) == [
        ["flow", "f/phoenix/n8n/branches"], ["flow", "f/phoenix/n8n/scheduled"],
        ["schedule", "f/phoenix/n8n/scheduled_1"], ["schedule", "f/phoenix/n8n/scheduled_2"],
        ["trigger", "f/phoenix/n8n/branches"]]


@pytest.mark.parametrize("reads, noted", [
    ('={{ $json.headers["x-signature"] }}', True),
    ("={{ $('Hook').item.json.query.id }}", True),
    ("={{ $json.body.n }}", False),
])
def test_webhook_headers_and_query_that_the_route_does_not_pass_are_said_not_dropped_silently(reads, noted):
    document = fx.workflow(
        [fx.node("Hook", "webhook", 2, path="orders", httpMethod="POST"),
         fx.node("Read", "set", 3.4, assignments={"assignments": [{"name": "v", "value": reads, "type": "string"}]})],
        fx.link(("Hook", 0, "Read")))
    description = translate(document).flow["description"]
    assert ("not passed: the request's headers and query" in description) is noted
    if noted:
        assert description.rstrip().endswith("(check them): Read")


def test_copied_workflows_get_distinct_webhook_routes(tmp_path):
    source = tmp_path / "in"
    (source / "copy").mkdir(parents=True)
    (source / "a.json").write_text(json.dumps(fx.BRANCHES))
    (source / "copy" / "a.json").write_text(json.dumps(fx.BRANCHES))
    translate_folder(source, tmp_path / "out")
    routes = sorted(yaml.safe_load(p.read_text())["route_path"] for p in (tmp_path / "out").glob("*.http_trigger.yaml"))
    assert routes == ["n8n/copy_a/orders", "n8n/orders"]


def test_an_output_folder_that_is_a_file_is_refused_untouched(messy_folder, tmp_path):
    occupied = tmp_path / "out.yaml"
    occupied.write_text("keep me")
    with pytest.raises(InputError, match="not a folder"):
        translate_folder(messy_folder, occupied)
    assert occupied.read_text() == "keep me"
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "n8n_translate.py"), str(messy_folder),
                           str(occupied)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "not a folder" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("prefix", ["../x y", "", "phoenix/n8n", "f//n8n", "f/phoenix/../u"])
def test_a_path_prefix_that_is_not_a_windmill_folder_is_refused(messy_folder, tmp_path, prefix):
    with pytest.raises(InputError, match="path_prefix"):
        translate_folder(messy_folder, tmp_path / "out", prefix)
    assert not (tmp_path / "out").exists()


def test_the_windmill_entry_point_reports_bad_folders_as_results(messy_folder, tmp_path):
    from lib.n8n.report import translate_stack_folder

    (tmp_path / "occupied").write_text("keep me")
    stack = {"root": str(tmp_path)}
    empty_input = translate_stack_folder(stack, input_dir="")
    assert empty_input["ok"] is False and "input_dir is empty" in empty_input["error"]
    for out_dir, reason in (("", "out_dir is empty"), ("occupied", "not a folder")):
        result = translate_stack_folder(stack, input_dir=str(messy_folder), out_dir=out_dir)
        assert result["ok"] is False and reason in result["error"]
    assert (tmp_path / "occupied").read_text() == "keep me"


def test_a_report_path_that_is_a_folder_is_refused_before_translating(messy_folder, tmp_path):
    (tmp_path / "reports").mkdir()
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "n8n_translate.py"), str(messy_folder),
                           str(tmp_path / "out"), "--report", str(tmp_path / "reports")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "--report" in proc.stderr and "is a folder" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "out").exists()
