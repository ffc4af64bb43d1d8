"""The generated host step: workflow text enters it only as an escaped JSON literal, and it runs."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from lib.n8n.literals import js_json_text as json_literal, js_string as string_literal
from lib.n8n_host.step import host_step
from scripts.tooling.windmill_tools import ToolingError, ensure_npm_tools
from tests.n8n_host.cases import assignment, code, items, node, set_node
from tests.n8n_host.test_trigger_steps import PARSE_TS
from tests.n8n_host.windmill_state_stub import StateStub
from tests.support.n8n_host_run import HERE, bun_binary, host_environment, missing

REPO_HOST = (HERE.parents[1] / "f" / "phoenix" / "n8n_host" / "host.ts").as_posix()

HOSTILE = [
    '"); process.exit(3); ("',
    "'; throw 1; '",
    "`${process.exit(4)}`",
    "line\u2028separator\u2029paragraph",
    "</script><script>alert(1)</script><!-- -->",
    "*/ process.exit(5); /*",
    "\\\"); process.exit(6); //",
    "\u202eevil\u202c bidi \ufeff bom",
    "tab\tnew\nline\rreturn\x00nul",
    "emoji 🐦‍🔥 and ñ",
    "\ud800 lone surrogate",
]
LITERAL_LINE = re.compile(r'^const (NODE|WORKFLOW) = JSON\.parse\("(?:[^"\\]|\\.)*"\);$')


def hostile_node(text: str) -> dict:
    node = set_node(assignment(text, text), name=f"Set {text}")
    return {**node, "parameters": {**node["parameters"], "__proto__": {"polluted": text}}, "executeOnce": False}


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_stays_inside_the_literal_lines(text):
    plain = host_step(set_node(), input_nodes=["Input"], timezone="UTC", workflow_name="w").splitlines()
    step = host_step(hostile_node(text), input_nodes=[text], parents={text: [text]}, timezone=text,
                     workflow_name=text).splitlines()
    assert len(step) == len(plain)
    for generated, reference in zip(step, plain):
        if LITERAL_LINE.match(reference):
            assert LITERAL_LINE.match(generated), generated
            assert generated.isprintable() and "</" not in generated and "<!--" not in generated
        else:
            assert generated == reference


def test_bad_values_are_refused_not_changed():
    with pytest.raises(ValueError, match="not JSON data"):
        json_literal({"x": float("nan")})
    with pytest.raises(ValueError, match="needs a name"):
        host_step({"name": "x", "type": "n8n-nodes-base.set"})
    with pytest.raises(TypeError):
        string_literal(3)


needs_bun = pytest.mark.skipif(missing() is not None, reason=str(missing()))


@needs_bun
def test_literals_mean_exactly_the_original_data(tmp_path):
    values = [{"text": t, "__proto__": {"k": t}, t: [t, 1.5, None, True]} for t in HOSTILE]
    lines = [f"console.log(JSON.stringify([JSON.parse({json_literal(v)}), Object.keys(JSON.parse({json_literal(v)}))]));"
             for v in values]
    script = tmp_path / "literals.ts"
    script.write_text("\n".join(lines), encoding="utf-8")
    proc = subprocess.run([str(bun_binary()), str(script)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    decoded = [json.loads(line) for line in proc.stdout.split("\n") if line]  # not splitlines: U+2028 is no line end here
    assert [d[0] for d in decoded] == json.loads(json.dumps(values))
    assert all("__proto__" in keys for _, keys in decoded)  # an own key, as n8n's JSON has it


def run_step(tmp_path, step: str, *args, env: dict | None = None) -> dict:
    file, arguments = tmp_path / "step.ts", tmp_path / "args.json"
    file.write_text(step, encoding="ascii")
    arguments.write_text(json.dumps(list(args)), encoding="utf-8")
    proc = subprocess.run([str(bun_binary()), str(HERE / "run_step.ts"), str(file), str(arguments)],
                          capture_output=True, text=True, env={**host_environment(tmp_path / "cache"), **(env or {})},
                          timeout=300)
    lines = [line for line in proc.stdout.split("\n") if line.startswith("RESULT ")]  # U+2028 may be in the data
    assert lines, proc.stderr[-2000:]
    return json.loads(lines[-1][len("RESULT "):])


@needs_bun
def test_a_generated_step_runs_the_node_with_hostile_names_and_values(tmp_path):
    text = HOSTILE[0] + HOSTILE[3] + HOSTILE[4]
    # the value (not the field name: Set reads dots in a name as a path, as n8n does) and the node names
    node = set_node(assignment("value", text), assignment("up", "={{ $('Up').item.json.v }}"), name=text)
    step = host_step(node, input_nodes=[text + " in"], parents={text + " in": ["Up"]}, timezone="Europe/Madrid",
                     workflow_name=text, host_import=REPO_HOST)
    answer = run_step(tmp_path, step, items({"a": 1}), None, {"Up": items({"v": "from up"})})
    assert answer["ok"], answer
    assert answer["result"]["outputs"] == [[{"json": {"value": text, "up": "from up"}, "pairedItem": {"item": 0}}]]


@needs_bun
def test_a_failing_node_fails_the_step(tmp_path):
    step = host_step(code("throw new Error('no such customer');"), host_import=REPO_HOST)
    answer = run_step(tmp_path, step, items({"a": 1}))
    assert answer == {"ok": False, "error": 'n8n node "Code" failed: no such customer'}


def test_windmills_parser_sees_plain_object_arguments_not_resource_pickers(tmp_path):
    """Windmill's TypeScript parser reads ``Record<...>`` as a resource type: the step's arguments avoid it."""
    try:
        modules = ensure_npm_tools()
    except ToolingError as exc:
        pytest.skip(f"Windmill's parser is not installed: {exc}")
    (tmp_path / "parse.mjs").write_text(PARSE_TS)
    (tmp_path / "step.ts").write_text(host_step(code("return $input.all();")))
    proc = subprocess.run(["node", str(tmp_path / "parse.mjs"), str(modules), str(tmp_path / "step.ts")],
                          capture_output=True, text=True, timeout=120)
    args = {a["name"]: a["typ"] for a in json.loads(proc.stdout)["args"]}
    assert set(args) == {"items", "inputs", "nodes", "credentials", "static_data"}
    assert not [name for name, typ in args.items() if "resource" in typ], args


@needs_bun
def test_a_generated_step_keeps_static_data_in_the_flows_windmill_state(tmp_path):
    """Not given static data, the step inside Windmill reads and writes the flow's state resource."""
    dedupe = node("Remove Duplicates", "removeDuplicates", 2, {
        "operation": "removeItemsSeenInPreviousExecutions", "logic": "removeItemsWithAlreadySeenKeyValues",
        "dedupeValue": "={{ $json.id }}", "options": {}})
    step = host_step(dedupe, host_import=REPO_HOST)
    with StateStub() as stub:
        first = run_step(tmp_path, step, items({"id": 1}, {"id": 2}), env=stub.env("f/test/orders", "job-1"))
        second = run_step(tmp_path, step, items({"id": 2}, {"id": 3}), env=stub.env("f/test/orders", "job-2"))
        stored = stub.value("f/test/orders/n8n_workflow_state")
    assert first["ok"] and second["ok"], (first, second)
    assert [i["json"]["id"] for i in second["result"]["outputs"][0]] == [3]
    assert list(stored["processedData"]) == ["n:phoenix:Remove Duplicates"]
