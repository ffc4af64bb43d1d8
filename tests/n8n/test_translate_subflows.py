"""Sub-workflows (issue 14, item 2): Execute Workflow calls the translated sub-flow as a flow step,
Execute Workflow Trigger makes the called flow's inputs, an error workflow becomes the failure module.

Flows are translated the way an operator's folder is (``translate_folder``), then run end to end with
every flow of the run available to the flow steps (tests/support/openflow_run.py), expressions
rewritten as Windmill's js_eval rewrites them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from lib.n8n.literals import expression_literal
from lib.n8n.report import translate_folder
from lib.n8n.translate.emit import all_modules, translate_workflow
from lib.n8n.translate.links import MAX_INLINE_DEPTH, match_file
from scripts.tooling.windmill_tools import validate_documents
from tests.n8n import translate_fixtures as fx
from tests.support.openflow_run import json_of_items, load_flows, run_flow

REPO = Path(__file__).resolve().parents[2]
PREFIX = "f/phoenix/n8n"


def code(name: str, js: str, **extra) -> dict:
    return fx.node(name, "code", 2, jsCode=js, **extra)


def child_workflow(workflow_id: str = "child1") -> dict:
    """A sub-workflow declaring two typed inputs, doubling n and tagging each item."""
    document = fx.workflow(
        [fx.node("In", "executeWorkflowTrigger", 1.1,
                 workflowInputs={"values": [{"name": "n", "type": "number"}, {"name": "word"}]}),
         code("Double", "return $input.all().map((i, k) => ({json: {n: i.json.n * 2, word: i.json.word, at: k}}));")],
        fx.link(("In", 0, "Double")), name="Child")
    document["id"] = workflow_id
    return document


def translated(tmp_path: Path, documents: dict[str, dict]) -> tuple[dict, Path]:
    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir(exist_ok=True)
    for name, document in documents.items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text(json.dumps(document))
    return translate_folder(source, out, PREFIX), out


def run(out: Path, slug: str, args: dict | None = None) -> dict:
    """The flow's run, its result and the items of its calls as n8n's ``$json`` of each item."""
    flows = load_flows(out, PREFIX)
    target = flows[f"{PREFIX}/{slug}"]
    outcome = run_flow(target["flow"], target["files"], args, flows=flows, windmill_eval=True)
    if outcome["ok"]:
        outcome["result"] = json_of_items(outcome["result"])
    for call in outcome["calls"] + outcome["jobs"]:
        if "items" in call.get("args", {}):
            call["args"]["items"] = json_of_items(call["args"]["items"])
        if "result" in call:
            call["result"] = json_of_items(call["result"])
    for failure in outcome["failures"]:
        if isinstance(failure.get("result"), (list, dict)) and "n8n_error_workflow_not_run" not in failure["result"]:
            failure["result"] = json_of_items(failure["result"])
    return outcome


def modules_of(out: Path, slug: str) -> list[dict]:
    flow = yaml.safe_load((out / f"{slug}__flow" / "flow.yaml").read_text())
    return list(all_modules(flow["value"]["modules"] + ([flow["value"]["failure_module"]]
                                                        if "failure_module" in flow["value"] else [])))


def rows() -> dict:
    return code("Rows", "return [{json: {n: 1, word: 'a', extra: true}}, {json: {n: 5}}];")


def caller(call: dict, *, after: bool = True) -> dict:
    nodes = [fx.node("Start", "manualTrigger"), rows(), call]
    links = [("Start", 0, "Rows"), ("Rows", 0, call["name"])]
    if after:
        nodes.append(code("After", "return $input.all().map((i) => ({json: {...i.json, seen: true}}));"))
        links.append((call["name"], 0, "After"))
    return fx.workflow(nodes, fx.link(*links), name="Parent")


# ---- by id, by file, inline; once and each --------------------------------------------------------

def test_parent_calls_child_by_id_and_gets_its_items(tmp_path):
    call = fx.node("Call", "executeWorkflow", 1.1, workflowId={"__rl": True, "value": "child1", "mode": "list"})
    report, out = translated(tmp_path, {"child.json": child_workflow(), "parent.json": caller(call)})
    [step] = [m for m in modules_of(out, "parent") if m["value"]["type"] == "flow"]
    assert step["value"]["path"] == f"{PREFIX}/child"
    outcome = run(out, "parent")
    assert outcome["ok"], outcome
    # the trigger keeps the declared fields only, null where the item has none; one call for all items
    assert outcome["result"] == [{"n": 2, "word": "a", "at": 0, "seen": True}, {"n": 10, "word": None, "at": 1, "seen": True}]
    [called] = [c for c in outcome["calls"] if c.get("flow")]
    assert called["args"] == {"items": [{"n": 1, "word": "a", "extra": True}, {"n": 5}]}
    assert all(e["placeholders"] == 0 for e in report["workflows"])


def test_each_mode_calls_once_per_item(tmp_path):
    call = fx.node("Call", "executeWorkflow", 1, workflowId="child1", mode="each")
    _report, out = translated(tmp_path, {"child.json": child_workflow(), "parent.json": caller(call)})
    outcome = run(out, "parent")
    assert outcome["ok"], outcome
    assert [c["args"] for c in outcome["calls"] if c.get("flow")] == [{"items": [{"n": 1, "word": "a", "extra": True}]},
                                                                     {"items": [{"n": 5}]}]
    assert outcome["result"] == [{"n": 2, "word": "a", "at": 0, "seen": True}, {"n": 10, "word": None, "at": 0, "seen": True}]


def test_workflow_inputs_are_mapped_and_converted_before_the_call(tmp_path):
    call = fx.node("Call", "executeWorkflow", 1.2, workflowId={"__rl": True, "value": "child1", "mode": "list"},
                   workflowInputs={"mappingMode": "defineBelow",
                                   "value": {"n": "={{ String($json.n + 1) }}", "word": "={{ 'w' + $itemIndex }}"},
                                   "schema": [{"id": "n", "displayName": "n", "type": "number"},
                                              {"id": "word", "displayName": "word", "type": "string"},
                                              {"id": "extra", "displayName": "extra", "removed": True}],
                                   "attemptToConvertTypes": True, "convertFieldsToString": True})
    _report, out = translated(tmp_path, {"child.json": child_workflow(), "parent.json": caller(call, after=False)})
    outcome = run(out, "parent")
    assert outcome["ok"], outcome
    [called] = [c for c in outcome["calls"] if c.get("flow")]
    assert called["args"]["items"] == [{"n": 2, "word": "w0"}, {"n": 6, "word": "w1"}]
    assert outcome["result"] == [{"n": 4, "word": "w0", "at": 0}, {"n": 12, "word": "w1", "at": 1}]


def test_a_strict_workflow_input_of_the_wrong_type_fails_the_node_as_in_n8n(tmp_path):
    call = fx.node("Call", "executeWorkflow", 1.2, workflowId={"__rl": True, "value": "child1"},
                   workflowInputs={"value": {"n": "={{ 'not a number' }}"},
                                   "schema": [{"id": "n", "displayName": "n", "type": "number"}],
                                   "attemptToConvertTypes": False})
    _report, out = translated(tmp_path, {"child.json": child_workflow(), "parent.json": caller(call)})
    outcome = run(out, "parent")
    assert not outcome["ok"]
    assert "Invalid input for 'n' [item 0]" in outcome["error"] and "expects a number" in outcome["error"]


def test_inline_workflow_becomes_its_own_flow_next_to_the_parent(tmp_path):
    inline = child_workflow()
    del inline["id"]
    call = fx.node("Call", "executeWorkflow", 1.2, source="parameter", workflowJson=json.dumps(inline), mode="each")
    report, out = translated(tmp_path, {"parent.json": caller(call)})
    [entry] = report["workflows"]
    assert entry["subflows"] == [f"{PREFIX}/parent_call"]
    assert (entry["nodes_total"], entry["placeholders"]) == (6, 0)  # 4 of the parent, 2 inline
    assert (out / "parent_call__flow" / "flow.yaml").is_file()
    outcome = run(out, "parent")
    assert outcome["ok"], outcome
    assert outcome["result"] == [{"n": 2, "word": "a", "at": 0, "seen": True}, {"n": 10, "word": None, "at": 0, "seen": True}]


def test_local_file_source_calls_the_file_of_the_run(tmp_path):
    call = fx.node("Call", "executeWorkflow", 1, source="localFile", workflowPath="/home/node/.n8n/flows/sub/child.json")
    _report, out = translated(tmp_path, {"sub/child.json": child_workflow(), "parent.json": caller(call)})
    [step] = [m for m in modules_of(out, "parent") if m["value"]["type"] == "flow"]
    assert step["value"]["path"] == f"{PREFIX}/sub_child"
    assert run(out, "parent")["result"][0] == {"n": 2, "word": "a", "at": 0, "seen": True}


def test_a_workflow_calling_itself_enters_at_its_execute_workflow_trigger(tmp_path):
    """The most common real pattern: `$workflow.id`, the sub-workflow part in the same file."""
    document = fx.workflow(
        [fx.node("Start", "manualTrigger"), rows(),
         fx.node("Again", "executeWorkflow", 1.1, workflowId={"__rl": True, "value": "={{ $workflow.id }}", "mode": "id"},
                 mode="each"),
         fx.node("Sub", "executeWorkflowTrigger", 1.1, inputSource="passthrough"),
         code("Tag", "return $input.all().map((i) => ({json: {...i.json, inner: true}}));")],
        fx.link(("Start", 0, "Rows"), ("Rows", 0, "Again"), ("Sub", 0, "Tag")), name="Self")
    _report, out = translated(tmp_path, {"self.json": document})
    [step] = [m for m in modules_of(out, "self") if m["value"]["type"] == "flow"]
    assert step["value"]["path"] == f"{PREFIX}/self"
    assert step["value"]["input_transforms"]["n8n_trigger"] == {"type": "static", "value": "Sub"}
    outcome = run(out, "self")
    assert outcome["ok"], outcome
    assert outcome["result"] == [{"n": 1, "word": "a", "extra": True, "inner": True}, {"n": 5, "inner": True}]


def test_no_item_no_call(tmp_path):
    call = fx.node("Call", "executeWorkflow", 1.1, workflowId={"__rl": True, "value": "child1"})
    document = caller(call)
    document["nodes"][1]["parameters"]["jsCode"] = "return [];"
    _report, out = translated(tmp_path, {"child.json": child_workflow(), "parent.json": document})
    outcome = run(out, "parent")
    assert outcome["ok"], outcome
    assert [c for c in outcome["calls"] if c.get("flow")] == [] and outcome["result"] == []


def test_not_waiting_starts_the_sub_flow_as_its_own_job_and_hands_the_items_on(tmp_path):
    call = fx.node("Call", "executeWorkflow", 1.1, workflowId={"__rl": True, "value": "child1"}, mode="each",
                   options={"waitForSubWorkflow": False})
    _report, out = translated(tmp_path, {"child.json": child_workflow(), "parent.json": caller(call)})
    outcome = run(out, "parent")
    assert outcome["ok"], outcome
    assert outcome["result"] == [{"n": 1, "word": "a", "extra": True, "seen": True}, {"n": 5, "seen": True}]
    assert [c for c in outcome["calls"] if c.get("flow")] == []  # no flow step waited
    jobs = outcome["jobs"]
    assert [(j["path"], j["args"]) for j in jobs] == [(f"{PREFIX}/child", {"items": [{"n": 1, "word": "a", "extra": True}]}),
                                                    (f"{PREFIX}/child", {"items": [{"n": 5}]})]
    assert all(j["ok"] for j in jobs) and jobs[1]["result"] == [{"n": 10, "word": None, "at": 0}]


# ---- placeholders: what is not in the run ---------------------------------------------------------

@pytest.mark.parametrize("parameters, says", [
    ({"workflowId": {"__rl": True, "value": "elsewhere", "cachedResultName": "Billing"}}, "elsewhere (Billing)"),
    ({"workflowId": {"__rl": True, "value": "={{ $json.target }}"}}, "expression"),
    ({"source": "localFile", "workflowPath": "/data/missing.json"}, "/data/missing.json"),
    ({"source": "url", "workflowUrl": "https://example.org/w.json"}, "URL"),
    ({"source": "parameter", "workflowJson": "{not json"}, "not valid JSON"),
    ({"workflowId": ""}, "empty"),
    ({"workflowId": "child1"}, "n8n fails this node too")])
def test_a_sub_workflow_not_in_the_run_is_a_placeholder_saying_which(tmp_path, parameters, says):
    call = fx.node("Call", "executeWorkflow", 1.1, **parameters)
    report, out = translated(tmp_path, {"parent.json": caller(call)})
    [entry] = report["workflows"]
    assert entry["placeholders"] == 1 and entry["untranslated_types"] == ["n8n-nodes-base.executeWorkflow"]
    placeholder = next(m for m in modules_of(out, "parent") if m["summary"].startswith("PLACEHOLDER"))
    assert says in (out / "parent__flow" / placeholder["value"]["content"].removeprefix("!inline ")).read_text()


def test_a_callee_without_a_start_node_is_a_placeholder(tmp_path):
    lonely = fx.workflow([fx.node("Hook", "webhook", 2, path="x")], name="Lonely")
    lonely["id"] = "lonely"
    call = fx.node("Call", "executeWorkflow", 1, workflowId="lonely")
    report, _out = translated(tmp_path, {"lonely.json": lonely, "parent.json": caller(call)})
    assert {e["file"]: e["placeholders"] for e in report["workflows"]}["parent.json"] == 1


# ---- the called flow's inputs ---------------------------------------------------------------------

def schema_of(trigger: dict) -> dict:
    document = fx.workflow([trigger, fx.node("Next", "noOp")], fx.link((trigger["name"], 0, "Next")))
    return translate_workflow(document, "w.json", f"{PREFIX}/w").flow["schema"]


def test_declared_workflow_inputs_become_the_flow_schema_with_their_types():
    schema = schema_of(fx.node("In", "executeWorkflowTrigger", 1.1, workflowInputs={"values": [
        {"name": "query"}, {"name": "limit", "type": "number"}, {"name": "tags", "type": "array"},
        {"name": "options", "type": "object"}, {"name": "flag", "type": "boolean"}, {"name": "anything", "type": "any"},
        {"name": "items", "type": "string"}]}))
    properties = schema["properties"]
    assert list(properties) == ["items", "query", "limit", "tags", "options", "flag", "anything"]
    assert [properties[k].get("type") for k in properties] == ["array", "string", "number", "array", "object",
                                                               "boolean", None]
    assert all(p["description"] for p in properties.values())


def test_json_example_inputs_take_their_types_from_the_example():
    example = json.dumps({"references": ["1 John 3:16"], "translation": "kjv", "version": 2, "strict": True,
                          "meta": {"a": 1}, "free": None})
    properties = schema_of(fx.node("In", "executeWorkflowTrigger", 1.1, inputSource="jsonExample",
                                   jsonExample=example))["properties"]
    assert {k: v.get("type") for k, v in properties.items()} == {
        "items": "array", "references": "array", "translation": "string", "version": "number", "strict": "boolean",
        "meta": "object", "free": None}


@pytest.mark.parametrize("parameters", [{}, {"inputSource": "passthrough"}])
def test_accept_all_data_takes_items_only(parameters):
    version = 1 if not parameters else 1.1
    assert list(schema_of(fx.node("In", "executeWorkflowTrigger", version, **parameters))["properties"]) == ["items"]


def test_a_json_example_that_is_no_object_is_a_placeholder():
    document = fx.workflow([fx.node("In", "executeWorkflowTrigger", 1.1, inputSource="jsonExample", jsonExample="[1]")])
    translation = translate_workflow(document, "w.json", f"{PREFIX}/w")
    assert translation.status == {"In": "placeholder"} and "not a JSON object" in translation.reasons["In"]


def test_run_from_the_form_is_one_item_of_the_declared_fields(tmp_path):
    _report, out = translated(tmp_path, {"child.json": child_workflow()})
    outcome = run(out, "child", {"n": 4, "word": "form"})
    assert outcome["ok"], outcome
    assert outcome["result"] == [{"n": 8, "word": "form", "at": 0}]


# ---- error workflows -------------------------------------------------------------------------------

def error_workflow() -> dict:
    document = fx.workflow(
        [fx.node("On error", "errorTrigger", 1),
         code("Report", "const e = $json.execution; return [{json: {message: e.error.message, node: e.lastNodeExecuted, "
                        "mode: e.mode, workflow: $json.workflow.name, id: $json.workflow.id, has_stack: !!e.error.stack, "
                        "job: e.id}}];")],
        fx.link(("On error", 0, "Report")), name="Errors")
    document["id"] = "err1"
    return document


def failing_parent(error_workflow_id: str = "err1") -> dict:
    document = fx.workflow([fx.node("Start", "manualTrigger"), rows(), code("Explode", "throw new Error('boom ' + $input.first().json.n);")],
                           fx.link(("Start", 0, "Rows"), ("Rows", 0, "Explode")), name="Fragile")
    document["id"] = "fragile1"
    document["settings"] = {"errorWorkflow": error_workflow_id}
    return document


def test_a_failing_flow_runs_its_error_workflow_with_n8ns_error_data(tmp_path):
    _report, out = translated(tmp_path, {"errors.json": error_workflow(), "fragile.json": failing_parent()})
    [failure] = [m for m in modules_of(out, "fragile") if m["id"] == "failure"]
    assert failure["value"]["type"] == "flow" and failure["value"]["path"] == f"{PREFIX}/errors"
    outcome = run(out, "fragile")
    assert not outcome["ok"] and "boom 1" in outcome["error"]  # the flow still fails, as the n8n execution does
    [handled] = outcome["failures"]
    [report] = handled["result"]
    assert "boom 1" in report.pop("message")
    assert report == {"node": "Explode", "mode": "manual", "workflow": "Fragile", "id": "fragile1", "has_stack": True,
                      "job": handled["job"]}
    flow = yaml.safe_load((out / "errors__flow" / "flow.yaml").read_text())
    assert list(flow["schema"]["properties"]) == ["execution", "workflow"]


def test_an_error_workflow_not_in_the_run_keeps_the_error_and_says_so(tmp_path):
    _report, out = translated(tmp_path, {"fragile.json": failing_parent("nowhere")})
    outcome = run(out, "fragile")
    assert not outcome["ok"] and "boom" in outcome["error"]
    [handled] = outcome["failures"]
    assert "nowhere is not in this translation run" in handled["result"]["n8n_error_workflow_not_run"]
    assert "boom 1" in handled["result"]["error"]["message"]
    description = yaml.safe_load((out / "fragile__flow" / "flow.yaml").read_text())["description"]
    assert "error workflow nowhere is not in this translation run" in description


def test_a_workflow_that_is_its_own_error_workflow_does_not_loop(tmp_path):
    document = failing_parent()
    del document["settings"]
    document["nodes"].append(fx.node("On error", "errorTrigger", 1))
    document["nodes"].append(code("Fail again", "throw new Error('error path failed too');"))
    document["connections"].update(fx.link(("On error", 0, "Fail again")))
    _report, out = translated(tmp_path, {"fragile.json": document})
    [failure] = [m for m in modules_of(out, "fragile") if m["id"] == "failure"]
    assert failure["value"]["path"] == f"{PREFIX}/fragile" and "skip_if" in failure
    outcome = run(out, "fragile")
    assert not outcome["ok"] and "error path failed too" in outcome["error"]
    # the first failure ran the error path once; the error path's own failure did not start it again
    inner, outer = outcome["failures"]
    assert "error path failed too" in inner["error"]["message"] and inner["result"]["error"] == inner["error"]
    assert "boom 1" in outer["error"]["message"] and "error path failed too" in outer["failed"]
    assert [c["args"]["n8n_trigger"] for c in outcome["calls"] if c.get("flow")] == ["On error"]


# ---- Windmill accepts it all ----------------------------------------------------------------------

def test_validators_and_deploy_check_accept_the_translated_sub_flows(tmp_path):
    package = tmp_path / "package"
    shutil.copy(REPO / "wmill.yaml", package.mkdir() or package / "wmill.yaml")
    shutil.copytree(REPO / "resources", package / "resources")  # the package's own resource types
    source = tmp_path / "in"
    source.mkdir()
    inline = child_workflow()
    del inline["id"]
    documents = {
        "child.json": child_workflow(), "errors.json": error_workflow(), "fragile.json": failing_parent(),
        "parent.json": caller(fx.node("Call", "executeWorkflow", 1.2, workflowId={"__rl": True, "value": "child1"},
                                      workflowInputs={"value": {"n": "={{ $json.n }}"},
                                                      "schema": [{"id": "n", "displayName": "n", "type": "number"}]})),
        "each.json": caller(fx.node("Call", "executeWorkflow", 1, workflowId="child1", mode="each")),
        "nowait.json": caller(fx.node("Call", "executeWorkflow", 1.1, workflowId={"__rl": True, "value": "child1"},
                                      options={"waitForSubWorkflow": False})),
        "inline.json": caller(fx.node("Call", "executeWorkflow", 1.2, source="parameter", workflowJson=json.dumps(inline)))}
    own_error = failing_parent()
    del own_error["settings"]
    own_error["nodes"].append(fx.node("On error", "errorTrigger", 1))
    documents["own_error.json"] = own_error
    documents["no_error_flow.json"] = failing_parent("nowhere")
    for name, document in documents.items():
        (source / name).write_text(json.dumps(document))
    out = package / "f" / "phoenix" / "n8n"
    translate_folder(source, out, PREFIX)
    flows = [(p.relative_to(package).as_posix(), yaml.safe_load(p.read_text())) for p in out.rglob("flow.yaml")]
    assert len(flows) == 10
    assert sum("skip_if" in (f["value"].get("failure_module") or {}) for _n, f in flows) == 1
    assert {name: problems for name, problems in validate_documents(flows).items() if problems} == {}
    proc = subprocess.run(["python", str(REPO / "scripts" / "deploy.py"), "check", "--root", str(package)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


def test_expression_literals_survive_windmills_rewriting_of_the_expression():
    text = "return results.x; variable('a') resource('b') flow_env.y"
    literal = expression_literal({"k": text})
    assert not any(word in literal for word in ("return ", "results", "flow_env", "variable(", "resource("))
    assert json.loads(literal.replace("\\u00", "\\u00")) == {"k": text}


def test_inline_workflows_nested_too_deep_stop_with_a_reason():
    document = child_workflow()
    for level in range(6):
        document = fx.workflow([fx.node("In", "executeWorkflowTrigger", 1),
                                fx.node("Deeper", "executeWorkflow", 1.2, source="parameter",
                                        workflowJson=json.dumps(document))],
                               fx.link(("In", 0, "Deeper")), name=f"level {level}")
    translation = translate_workflow(document, "deep.json", f"{PREFIX}/deep")
    assert len(translation.subflows) == MAX_INLINE_DEPTH
    deepest = translation.subflows[-1].translation
    assert deepest.status["Deeper"] == "placeholder" and "nested more than" in deepest.reasons["Deeper"]


def test_an_inline_workflow_nothing_can_start_writes_no_flow(tmp_path):
    lonely = fx.workflow([fx.node("Hook", "webhook", 2, path="x"), fx.node("Next", "noOp")], fx.link(("Hook", 0, "Next")))
    call = fx.node("Call", "executeWorkflow", 1.2, source="parameter", workflowJson=json.dumps(lonely))
    report, out = translated(tmp_path, {"parent.json": caller(call)})
    [entry] = report["workflows"]
    assert entry["subflows"] == [] and entry["placeholders"] == 1
    assert sorted(p.name for p in out.glob("*__flow")) == ["parent__flow"]


def test_a_file_path_names_the_longest_matching_file_of_the_run():
    files = ["child.json", "a/child.json", "b/child.json", "b/other.json"]
    assert match_file("/data/x/a/child.json", files) == "a/child.json"
    assert match_file("child.json", files) == "child.json"
    assert match_file("/elsewhere/other.json", files) == "b/other.json"  # one file of that name
    assert match_file("/srv/flows/c/child.JSON", files) is None
    assert match_file("", files) is None
