"""Issue 11, class 1: workflow content never becomes code, as an attacker would try it.

Every field the translator reads gets text built to break out of whatever it
lands in (a comment, a string, a template, a regex, YAML, a Windmill
expression): each payload writes a sentinel file if it ever runs. The
generated steps are loaded and run with Bun, Windmill's runtime; the flow's
expressions are evaluated as Windmill evaluates them; the sentinel must not
appear, and every step must be only Phoenix's known shape.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from lib.n8n.report import render_translation, translate_folder
from lib.n8n.translate.emit import translate_workflow
from scripts.tooling.step_tools import bun_binary
from scripts.tooling.tree import load_tree
from tests.n8n import translate_fixtures as fx
from tests.n8n.hostile import expressions_of, hostile_workflow
from tests.support.ts_step import run_bun_steps

REPO = Path(__file__).resolve().parents[2]
ITEMS = [{"a": 1, "body": {"n": 2}}]


def breakouts(sentinel: Path) -> dict[str, str]:
    """Text that runs ``writeFileSync(sentinel)`` if it escapes into code, per context it attacks."""
    run = f'require("node:fs").writeFileSync({json.dumps(str(sentinel))}, "ran")'
    return {
        "newline ends a // comment": f"Evil\n{run};//",
        "carriage return": f"Evil\r{run};//",
        "U+2028": f"Evil\u2028{run};//",
        "U+2029": f"Evil\u2029{run};//",
        "NEL, BOM, NUL": f"Evil\u0085\ufeff\x00\n{run};//",
        "block comment end": f"*/ {run}; /*",
        "double-quoted string": f'"); {run}; ("',
        "single-quoted string": f"'); {run}; ('",
        "template literal": f"`); {run}; (`${{{run}}}",
        "backslash before quote": f'\\"); {run}; //',
        "script close": f"</script><script>{run}</script><!--",
        "lone surrogate": f"\ud800\"); {run}; //",
        "bidi override": f"\u202e\"); {run}; //\u2066",
        "yaml document": f"x\n---\n!!python/object/apply:os.system [{json.dumps(run)}]\n",
    }


def translated_files(document: dict) -> tuple[dict, dict[str, str]]:
    translation = translate_workflow(document, "hostile.json", "f/phoenix/n8n/hostile")
    return translation, translation.files


def evaluate_expressions(expressions: dict[str, str]) -> dict[str, str]:
    """Evaluate Windmill expressions the way Windmill does (a function of flow_input and results)."""
    script = r"""
const fs = await import("node:fs");
const expressions = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const anything = new Proxy(function () {}, { get: (_t, key) => (key === Symbol.toPrimitive ? () => "x" : anything),
                                            apply: () => anything });
const outcomes = {};
for (const [where, expr] of Object.entries(expressions)) {
  try { new Function("flow_input", "results", `return (${expr});`)(anything, anything); outcomes[where] = "evaluated"; }
  catch (error) { outcomes[where] = String(error?.message ?? error); }
}
console.log(JSON.stringify(outcomes));
"""
    with tempfile.TemporaryDirectory(prefix="phoenix-exprs-") as tmp:
        Path(tmp, "run.ts").write_text(script)
        Path(tmp, "exprs.json").write_text(json.dumps(expressions))
        proc = subprocess.run([str(bun_binary()), "run", str(Path(tmp, "run.ts")), str(Path(tmp, "exprs.json"))],
                              capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().split("\n")[-1])


def test_the_issues_set_node_name_stays_a_string(tmp_path, step_reader):
    sentinel = tmp_path / "x"
    name = f'Evil\nrequire("child_process").execSync("touch {sentinel}");//'
    document = fx.workflow([fx.node("Start", "manualTrigger"),
                            fx.node(name, "set", 3.4, assignments={"assignments": [{"name": "a", "value": "b", "type": "string"}]})],
                           fx.link(("Start", 0, name)))
    _translation, files = translated_files(document)
    assert {f: p for f, p in step_reader.shape(files).items() if p} == {}
    assert {f: p for f, p in step_reader.literals(files, "execSync").items() if p} == {}
    outcomes = run_bun_steps(files, ITEMS, {})
    assert all(o["loaded"] and o["ok"] for o in outcomes.values()), outcomes
    assert not sentinel.exists()


@pytest.mark.parametrize("context", sorted(breakouts(Path("x"))))
def test_no_workflow_text_runs_when_its_steps_load_and_run(tmp_path, step_reader, context):
    """Text in every field the translator reads; the fields meant to run hold harmless code."""
    sentinel = tmp_path / "sentinel"
    payload = breakouts(sentinel)[context]
    document = hostile_workflow(lambda key: payload if "{{" not in payload else payload.replace("{{", "{ {"),
                                lambda key: "$json")
    translation, files = translated_files(document)
    assert not [n for n, why in translation.reasons.items() if "not connected" in why]  # every node was walked
    assert len(files) > 50
    assert {f: p for f, p in step_reader.shape(files).items() if p} == {}
    outcomes = run_bun_steps(files, ITEMS, {})
    assert [f for f, o in outcomes.items() if not o["loaded"]] == []
    expressions = dict(expressions_of(translation.flow))
    for document_ in translation.schedules + translation.http_triggers:
        expressions.update(expressions_of(document_))
    assert {w: p for w, p in step_reader.expressions(expressions).items() if p} == {}
    evaluate_expressions(expressions)
    assert not sentinel.exists(), f"{context}: the payload ran"


@pytest.mark.parametrize("context", sorted(breakouts(Path("x"))))
def test_code_fields_stay_literals_until_their_node_runs(tmp_path, step_reader, context):
    """A Code node's source, a command, the code in {{ }}: data in the file, so loading runs none of it."""
    sentinel = tmp_path / "sentinel"
    payload = breakouts(sentinel)[context]
    translation, files = translated_files(hostile_workflow(lambda key: payload, lambda key: payload))
    assert {f: p for f, p in step_reader.shape(files).items() if p} == {}
    outcomes = run_bun_steps(files, call_main=False)
    assert [f for f, o in outcomes.items() if not o["loaded"]] == []
    assert not sentinel.exists(), f"{context}: loading a step ran the payload"


def test_an_expression_runs_when_its_node_runs_with_n8ns_globals_only(step_reader):
    """n8n's own evaluator (the node host): no require, no process environment, no Function inside {{ }}."""
    probes = {"require": "={{ typeof require === 'function' }}",
              "process": "={{ typeof process.getBuiltinModule }}",
              "env": "={{ typeof process.env.HOME }}",
              "Function": "={{ typeof Function === 'function' }}",
              "value": "={{ $json.a + 1 }}"}
    document = fx.workflow([fx.node("Start", "manualTrigger"), fx.node("Probe", "set", 3.4, assignments={
        "assignments": [{"name": key, "value": value, "type": "string"} for key, value in probes.items()]})],
        fx.link(("Start", 0, "Probe")))
    _translation, files = translated_files(document)
    [outcome] = run_bun_steps(files, ITEMS, {}).values()
    assert outcome["ok"], outcome
    # Set's "string" type stringifies, as in n8n
    assert outcome["result"]["outputs"] == [[{"json": {"require": "false", "process": "undefined", "env": "undefined",
                                                       "Function": "false", "value": "2"}, "pairedItem": {"item": 0}}]]


def test_an_expression_that_is_not_javascript_fails_its_node_not_the_file():
    document = fx.workflow([fx.node("Start", "manualTrigger"), fx.node("Bad", "set", 3.4, assignments={
        "assignments": [{"name": "x", "value": "={{ 1) }; ({ }}", "type": "string"}]})],
        fx.link(("Start", 0, "Bad")))
    _translation, files = translated_files(document)
    [outcome] = run_bun_steps(files, ITEMS, {}).values()
    assert outcome["loaded"] and not outcome["ok"] and outcome["error"] == 'n8n node "Bad" failed: invalid syntax'


def test_markers_in_every_field_only_ever_sit_inside_string_literals(step_reader):
    marker = "QZX7MARK"
    document = hostile_workflow(lambda key: f'a"\n*/{marker}`${{x}}\u2028', lambda key: f"$json['{marker}']")
    translation, files = translated_files(document)
    assert {f: p for f, p in step_reader.literals(files, marker).items() if p} == {}
    expressions = dict(expressions_of(translation.flow))
    assert {w: p for w, p in step_reader.expressions(expressions, marker).items() if p} == {}
    assert all(m["value"].get("language") in (None, "bun") for m in _modules(translation.flow))  # no Python steps


def _modules(flow):
    from lib.n8n.translate.emit import all_modules

    return list(all_modules(flow["value"]["modules"]))


def test_deploy_check_refuses_a_generated_step_with_code_at_its_top_level(tmp_path):
    from scripts.tooling.generated_steps import check_generated_steps

    source, package = tmp_path / "in", tmp_path / "package"
    source.mkdir()
    (source / "branches.json").write_text(json.dumps(fx.BRANCHES))
    shutil.copy(REPO / "wmill.yaml", package.mkdir() or package / "wmill.yaml")
    translate_folder(source, package / "f" / "phoenix" / "n8n")
    assert check_generated_steps(load_tree(package)) == []
    step = sorted((package / "f" / "phoenix" / "n8n" / "branches__flow").glob("*.ts"))[0]
    step.write_text(step.read_text() + 'require("child_process").execSync("touch /tmp/x");\n')
    problems = check_generated_steps(load_tree(package))
    assert len(problems) == 1 and problems[0].file.endswith(step.name)
    assert "runs when the file loads" in problems[0].reason
    proc = subprocess.run(["python", str(REPO / "scripts" / "deploy.py"), "check", "--root", str(package)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode != 0 and step.name in proc.stdout + proc.stderr


def test_rendered_yaml_reads_back_as_the_same_documents():
    import yaml

    payload = "a: b\n- c\u2028\u2029\x85\ufeff'\"\\ #x &y *z !!str {{ }} ---\n..."
    translation = translate_workflow(hostile_workflow(lambda key: payload), "h.json", "f/phoenix/n8n/h")
    rendered = render_translation(translation, "h")
    assert yaml.safe_load(rendered["h__flow/flow.yaml"]) == translation.flow
    for name, text in rendered.items():
        if name.endswith((".schedule.yaml", ".http_trigger.yaml")):
            assert yaml.safe_load(text) in translation.schedules + translation.http_triggers


JSON_SHAPES = {
    'const NODE = JSON.parse("{\\"a\\": 1}");': [],
    "const NODE = JSON.parse(text);": ["computed when the file loads"],
    'const NODE = JSON.parse("{}", (k, v) => process.exit(1));': ["computed when the file loads"],
    "const NODE = JSON.parse(`${process.exit(1)}`);": ["computed when the file loads"],
    'const NODE = JSON.parse("{}" + run());': ["computed when the file loads"],
    'const NODE = globalThis.JSON.parse("{}");': ["computed when the file loads"],
    'const NODE = JSON.parse?.("{}");': ["computed when the file loads"],
    'const NODE = JSON["parse"]("{}");': ["computed when the file loads"],
    'const NODE = JSON.stringify("{}");': ["computed when the file loads"],
    'const NODE = JSON.parse<any>("{}");': ["computed when the file loads"],
    'let NODE = JSON.parse("{}");': ["not const"],
    'export const NODE = JSON.parse("{}");': ["exported variable"],
    'JSON.parse("{}");': ["runs when the file loads"],
}


@pytest.mark.parametrize("statement", sorted(JSON_SHAPES))
def test_the_host_steps_json_literal_is_the_only_call_a_step_may_make_on_load(step_reader, statement):
    """Host steps hold their node as JSON.parse("<literal>"); any other call, argument or form is refused."""
    problems = step_reader.shape({"step.ts": statement + "\nexport async function main() {}\n"})["step.ts"]
    expected = JSON_SHAPES[statement]
    assert len(problems) == len(expected) and all(e in p for e, p in zip(expected, problems)), problems


def inline_parent(document: dict) -> dict:
    """A workflow running ``document`` as its inline sub-workflow (Execute Workflow, source "parameter")."""
    return fx.workflow([fx.node("Start", "manualTrigger"),
                        fx.node("Run inline", "executeWorkflow", 1.2, source="parameter",
                                workflowJson=json.dumps(document), mode="each")],
                       fx.link(("Start", 0, "Run inline")))


def every_flow(translation) -> tuple[dict[str, str], dict[str, str]]:
    """Files and expressions of a translation and of its inline sub-flows (file names made unique)."""
    files, expressions = {}, {}
    for key, part in [("parent", translation)] + [(f"sub{i}", s.translation) for i, s in enumerate(translation.subflows)]:
        files.update({f"{key}__{name}": text for name, text in part.files.items()})
        expressions.update({f"{key}:{where}": expr for where, expr in expressions_of(part.flow)})
    return files, expressions


@pytest.mark.parametrize("context", sorted(breakouts(Path("x"))))
def test_an_inline_sub_workflows_text_stays_data_in_its_own_flow(tmp_path, step_reader, context):
    """The hostile workflow as the inline JSON of an Execute Workflow node: a flow of its own, same rules."""
    sentinel = tmp_path / "sentinel"
    payload = breakouts(sentinel)[context]
    inner = hostile_workflow(lambda key: payload if "{{" not in payload else payload.replace("{{", "{ {"),
                             lambda key: "$json")
    translation = translate_workflow(inline_parent(inner), "parent.json", "f/phoenix/n8n/parent")
    assert [s.path for s in translation.subflows] == ["f/phoenix/n8n/parent_run_inline"]
    assert translation.status == {"Start": "translated", "Run inline": "translated"}
    files, expressions = every_flow(translation)
    assert len(files) > 50
    assert {f: p for f, p in step_reader.shape(files).items() if p} == {}
    outcomes = run_bun_steps(files, ITEMS, {})
    assert [f for f, o in outcomes.items() if not o["loaded"]] == []
    assert {w: p for w, p in step_reader.expressions(expressions).items() if p} == {}
    evaluate_expressions(expressions)
    assert not sentinel.exists(), f"{context}: the payload ran"


def test_markers_in_an_inline_sub_workflow_only_ever_sit_inside_string_literals(step_reader):
    marker = "QZX7MARK"
    inner = hostile_workflow(lambda key: f'a"\n*/{marker}`${{x}}\u2028', lambda key: f"$json['{marker}']")
    translation = translate_workflow(inline_parent(inner), "parent.json", "f/phoenix/n8n/parent")
    files, expressions = every_flow(translation)
    assert {f: p for f, p in step_reader.literals(files, marker).items() if p} == {}
    assert {w: p for w, p in step_reader.expressions(expressions, marker).items() if p} == {}
    rendered = render_translation(translation.subflows[0].translation, "parent_run_inline")
    import yaml

    assert yaml.safe_load(rendered["parent_run_inline__flow/flow.yaml"]) == translation.subflows[0].translation.flow
