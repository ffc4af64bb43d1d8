"""The local flow runner: the simple OpenFlow subset runs faithfully, anything else is refused clearly."""

import textwrap

import pytest
import yaml

from scripts.tooling.flow_runner import FlowRunError, run_flow

ECHO = "def main(x=None, y='default'):\n    return {'x': x, 'y': y}\n"
FAIL = "def main(x=None):\n    raise RuntimeError(f'boom {x}')\n"


def js(expr):
    return {"type": "javascript", "expr": expr}


def raw(code, **inputs):
    return {"type": "rawscript", "language": "python3", "content": code, "input_transforms": inputs}


def step(ident, value, **extra):
    return {"id": ident, "value": value, **extra}


def write_flow(tmp_path, modules, *, failure=None, schema=None, files=None):
    folder = tmp_path / "t__flow"
    folder.mkdir(exist_ok=True)
    value = {"modules": modules}
    if failure:
        value["failure_module"] = failure
    document = {"summary": "test", "value": value,
                "schema": schema or {"type": "object", "properties": {"n": {"type": "integer", "default": 2},
                                                                     "items": {"type": "array", "default": []}},
                                     "required": []}}
    (folder / "flow.yaml").write_text(yaml.safe_dump(document))
    for name, text in (files or {}).items():
        (folder / name).write_text(text)
    return folder


def test_steps_see_flow_inputs_and_earlier_results(tmp_path):
    flow = write_flow(tmp_path, [step("a", raw(ECHO, x=js("flow_input.n"))),
                                 step("b", raw(ECHO, x=js("results.a.x"), y={"type": "static", "value": "s"}))])
    run = run_flow(flow, {"n": 5})
    assert run.status == "success"
    assert run.result == {"x": 5, "y": "s"} and run.results["a"] == {"x": 5, "y": "default"}


def test_inline_files_are_run(tmp_path):
    flow = write_flow(tmp_path, [step("a", raw("!inline echo.py", x=js("flow_input.n")))], files={"echo.py": ECHO})
    assert run_flow(flow, {}).result == {"x": 2, "y": "default"}


def test_a_missing_last_field_leaves_the_argument_out_but_reading_through_undefined_fails(tmp_path):
    flow = write_flow(tmp_path, [step("a", raw(ECHO, y=js("flow_input.nothing")))])
    assert run_flow(flow, {}).result == {"x": None, "y": "default"}
    flow = write_flow(tmp_path, [step("a", raw(ECHO, y=js("flow_input.nothing.deeper")))])
    run = run_flow(flow, {})
    assert run.status == "failure" and "flow_input.nothing is undefined, cannot read .deeper" in run.error["message"]


@pytest.mark.parametrize("parallel", [False, True])
def test_for_loops_keep_order_and_see_the_item(tmp_path, parallel):
    loop = {"type": "forloopflow", "iterator": js("flow_input.items"), "parallel": parallel, "skip_failures": False,
            "modules": [step("inner", raw(ECHO, x=js("flow_input.iter.value"), y=js("flow_input.n")))]}
    run = run_flow(write_flow(tmp_path, [step("loop", loop)]), {"items": [3, 1, 2], "n": 7})
    assert run.result == [{"x": 3, "y": 7}, {"x": 1, "y": 7}, {"x": 2, "y": 7}]


def test_a_for_loop_can_skip_failed_iterations(tmp_path):
    loop = {"type": "forloopflow", "iterator": js("flow_input.items"), "skip_failures": True,
            "modules": [step("inner", raw(FAIL, x=js("flow_input.iter.value")))]}
    run = run_flow(write_flow(tmp_path, [step("loop", loop)]), {"items": [1]})
    assert run.status == "success" and "boom 1" in run.result[0]["error"]["message"]


def test_a_failure_inside_a_loop_is_reported_by_its_top_level_step(tmp_path):
    loop = {"type": "forloopflow", "iterator": js("flow_input.items"),
            "modules": [step("inner", raw(FAIL, x=js("flow_input.iter.value")))]}
    report = "def main(step_id, message):\n    return {'step': step_id, 'message': message}\n"
    failure = step("failure", raw(report, step_id=js("error.step_id"), message=js("error.message")))
    run = run_flow(write_flow(tmp_path, [step("loop", loop)], failure=failure), {"items": [4]})
    assert run.result == {"step": "loop", "message": "loop#0/inner: boom 4"}


def test_a_predicate_that_cannot_be_evaluated_fails_its_step(tmp_path):
    modules = [step("a", raw(ECHO), skip_if={"expr": "flow_input.nothing.deeper"})]
    run = run_flow(write_flow(tmp_path, modules), {})
    assert run.status == "failure" and run.error["step_id"] == "a"
    assert "flow_input.nothing is undefined" in run.error["message"]


def test_the_iterator_must_be_a_list(tmp_path):
    loop = {"type": "forloopflow", "iterator": js("flow_input.n"), "modules": [step("i", {"type": "identity"})]}
    run = run_flow(write_flow(tmp_path, [step("loop", loop)]), {})
    assert run.status == "failure" and "the iterator must give a list, got int" in run.error["message"]


@pytest.mark.parametrize("items, taken", [([], "first"), (None, "default")])
def test_branchone_uses_javascript_truthiness(tmp_path, items, taken):
    branch = {"type": "branchone", "branches": [{"expr": "flow_input.items",
                                                 "modules": [step("first", raw(ECHO, x={"type": "static",
                                                                                        "value": "first"}))]}],
              "default": [step("other", raw(ECHO, x={"type": "static", "value": "default"}))]}
    schema = {"type": "object", "properties": {"items": {"type": ["array", "null"]}}}
    run = run_flow(write_flow(tmp_path, [step("b", branch)], schema=schema), {"items": items})
    assert run.result["x"] == taken  # an empty list is truthy in JavaScript


def test_branchall_identity_skip_and_stop(tmp_path):
    both = {"type": "branchall", "parallel": True, "branches": [
        {"modules": [step("l", raw(ECHO, x={"type": "static", "value": "left"}))]},
        {"modules": [step("r", raw(ECHO, x={"type": "static", "value": "right"}))]}]}
    modules = [step("both", both), step("same", {"type": "identity"}),
               step("skipped", raw(FAIL), skip_if={"expr": "flow_input.n"}),
               step("stop", raw(ECHO, x={"type": "static", "value": "last"}), stop_after_if={"expr": "result.x",
                                                                                           "skip_if_stopped": False}),
               step("never", raw(FAIL))]
    run = run_flow(write_flow(tmp_path, modules), {})
    assert run.results["both"] == [{"x": "left", "y": "default"}, {"x": "right", "y": "default"}]
    assert run.results["same"] == run.results["both"]
    assert run.results["skipped"] is None
    assert (run.status, run.result["x"]) == ("stopped", "last") and "never" not in run.results


def test_continue_on_error_retry_and_mock(tmp_path):
    modules = [step("bad", raw(FAIL, x={"type": "static", "value": 1}), continue_on_error=True,
                    retry={"constant": {"attempts": 1, "seconds": 0}}),
               step("mocked", raw(FAIL), mock={"enabled": True, "return_value": {"ok": True}})]
    run = run_flow(write_flow(tmp_path, modules), {})
    assert run.status == "success" and run.results["bad"]["error"]["message"] == "boom 1"
    assert run.result == {"ok": True}
    assert [e["status"] for e in run.log] == ["failed, continued", "success"]


def test_a_failure_runs_the_failure_module_with_the_error(tmp_path):
    report = "def main(message, name, step_id):\n    return {'handled': message, 'name': name, 'step': step_id}\n"
    failure = step("failure", raw(report, message=js("error.message"), name=js("error.name"),
                                  step_id=js("error.step_id")))
    flow = write_flow(tmp_path, [step("ok", raw(ECHO)), step("bad", raw(FAIL, x=js("results.ok.y")))],
                      failure=failure)
    run = run_flow(flow, {})
    assert run.status == "failure"
    assert run.result == {"handled": "bad: boom default", "name": "RuntimeError", "step": "bad"}


def test_a_step_raising_job_failed_fails_the_flow_and_hands_its_result_to_the_failure_module(tmp_path):
    # as a worker does: the exception's attributes arrive as error.extra
    failing = ("from f.phoenix.lib.errors import raise_if_failed\n"
               "def main():\n    return raise_if_failed({'ok': False, 'problems': ['disk full']}, 'backup')\n")
    report = "def main(message, extra=None):\n    return {'message': message, 'extra': extra}\n"
    failure = step("failure", raw(report, message=js("error.message"), extra=js("error.extra")))
    flow = write_flow(tmp_path, [step("work", raw(failing)), step("after", raw(ECHO))], failure=failure)
    run = run_flow(flow, {})
    assert run.status == "failure" and "after" not in run.results
    assert run.result["message"] == "work: backup failed: disk full"
    assert run.result["extra"] == {"what": "backup", "result": {"ok": False, "problems": ["disk full"]}}
    (tmp_path / "plain").mkdir()
    plain = write_flow(tmp_path / "plain", [step("bad", raw(FAIL))], failure=failure)
    assert run_flow(plain, {}).result["extra"] is None  # no attributes, no extra: the argument is left out


def test_a_failure_module_that_fails_too_leaves_a_failed_flow_saying_both(tmp_path):
    flow = write_flow(tmp_path, [step("bad", raw(FAIL))], failure=step("failure", raw(FAIL)))
    run = run_flow(flow, {})
    assert run.status == "failure" and run.result is None
    assert run.error["message"] == ("bad: boom None (then the failure module failed: "
                                    "failure: RuntimeError: boom None)")


def test_suspend_stops_or_is_approved(tmp_path):
    modules = [step("ask", raw(ECHO, x={"type": "static", "value": "approve?"}), suspend={"required_events": 1}),
               step("after", raw(ECHO, x={"type": "static", "value": "done"}))]
    flow = write_flow(tmp_path, modules)
    paused = run_flow(flow, {})
    assert (paused.status, paused.suspended_at, paused.result["x"]) == ("suspended", "ask", "approve?")
    assert "after" not in paused.results
    approved = run_flow(flow, {}, auto_approve=True)
    assert approved.status == "success" and approved.result["x"] == "done"


@pytest.mark.parametrize("modules, message", [
    ([step("a", raw(ECHO, x=js("flow_input.n + 1")))], "module a: input x: expression 'flow_input.n + 1' is not"),
    ([step("a", raw(ECHO, x=js("results.b.x"))), step("b", raw(ECHO))], "refers to a step that has not run"),
    ([step("a", raw(ECHO, x=js("flow_input.iter.value")))], "flow_input.iter outside a for-loop"),
    ([step("a", raw(ECHO, x=js("error.message")))], "is not one of the simple forms"),
    ([step("a", raw(ECHO, x=js("flow_input['n']")))], "is not one of the simple forms"),
    ([step("a", raw(ECHO, x=js("`${flow_input.n}`")))], "is not one of the simple forms"),
    ([step("a", {"type": "rawscript", "language": "bun", "content": "export function main() {}"})],
     "language 'bun' is not supported"),
    ([step("a", {"type": "whileloopflow", "modules": []})], "module type 'whileloopflow' is not supported"),
    ([step("a", {"type": "aiagent"})], "module type 'aiagent' is not supported"),
    ([step("a", raw(ECHO), timeout={"type": "static", "value": 5})], "module a: `timeout` is not supported"),
    ([step("a", {"type": "script", "path": "f/x", "hash": "abc"})], "module a (script): `hash` is not supported"),
    ([step("a", raw(ECHO)), step("a", raw(ECHO))], "module a: duplicate module id"),
    ([step("a", raw(ECHO, x={"type": "object", "value": 1}))], "only `static` and `javascript` transforms"),
    ([step("a", raw(ECHO), skip_if={"expr": "!flow_input.n"})], "module a: skip_if: expression '!flow_input.n'"),
])
def test_anything_beyond_the_simple_subset_is_refused_before_running(tmp_path, modules, message):
    marker = tmp_path / "ran"
    modules = [step("first", raw(f"def main():\n    open({str(marker)!r}, 'w').close()\n"))] + modules
    flow = write_flow(tmp_path, modules)
    with pytest.raises(FlowRunError) as error:
        run_flow(flow, {})
    assert message in str(error.value)
    assert "t__flow/flow.yaml" in str(error.value)
    assert not marker.exists()


def test_flow_level_features_outside_the_subset_are_refused(tmp_path):
    flow = write_flow(tmp_path, [step("a", raw(ECHO))])
    document = yaml.safe_load((flow / "flow.yaml").read_text())
    document["value"]["early_return"] = "a"
    (flow / "flow.yaml").write_text(yaml.safe_dump(document))
    with pytest.raises(FlowRunError, match="value: `early_return` is not supported"):
        run_flow(flow, {})


def test_inputs_are_checked_against_the_flow_schema(tmp_path):
    schema = {"type": "object", "properties": {"task": {"type": "string"}}, "required": ["task"]}
    flow = write_flow(tmp_path, [step("a", raw(ECHO, x=js("flow_input.task")))], schema=schema)
    with pytest.raises(FlowRunError, match="missing required input"):
        run_flow(flow, {})
    with pytest.raises(FlowRunError, match="unknown input"):
        run_flow(flow, {"task": "t", "extra": 1})


def test_a_missing_inline_file_or_flow_is_a_clear_error(tmp_path):
    flow = write_flow(tmp_path, [step("a", raw("!inline gone.py"))])
    run = run_flow(flow, {})
    assert run.status == "failure" and "inline file not found: gone.py" in run.error["message"]
    with pytest.raises(FlowRunError, match="no flow at f/phoenix/nowhere"):
        run_flow("f/phoenix/nowhere", {})
    (tmp_path / "bad__flow").mkdir()
    (tmp_path / "bad__flow" / "flow.yaml").write_text(textwrap.dedent("""\
        summary: x
        value: [not, a, mapping]
        """))
    with pytest.raises(FlowRunError, match="not a flow"):
        run_flow(tmp_path / "bad__flow", {})
