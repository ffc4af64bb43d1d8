"""`deploy.py check`: passes on a good tree, and names file, item and reason for each breakage."""

from __future__ import annotations

import pytest
import yaml

from scripts import deploy
from scripts.tooling import check, metadata
from scripts.tooling.problems import Problem
from tests.deploy.sample_package import write, write_yaml

FLOW_FILE = "f/phoenix/demo/greet__flow/flow.yaml"
SCHEDULE_FILE = "f/phoenix/demo/hello_every_5m.schedule.yaml"
SCRIPT_FILE = "f/phoenix/demo/hello.py"


def problems_of(root, lint=False) -> list[Problem]:
    return check.check_tree(root, lint=lint)


def edit_flow(root, change) -> None:
    flow = yaml.safe_load((root / FLOW_FILE).read_text())
    change(flow["value"]["modules"])
    write_yaml(root, FLOW_FILE, flow)


def test_the_sample_package_passes_every_check(package):
    assert problems_of(package, lint=True) == []


def test_the_package_itself_passes_check(capsys):
    assert deploy.main(["check"]) == 0, capsys.readouterr().out


def test_duplicate_module_id(package):
    edit_flow(package, lambda modules: modules.append(
        {"id": "a", "value": {"type": "identity"}}))
    problems = problems_of(package)
    assert [(p.file, p.item) for p in problems] == [(FLOW_FILE, "module a")]
    assert "duplicate module id" in problems[0].reason


def test_forward_results_reference(package):
    def refer_forward(modules):
        modules[0]["value"]["input_transforms"]["name"] = {"type": "javascript", "expr": "results.b.greeting"}
    edit_flow(package, refer_forward)
    [problem] = problems_of(package)
    assert (problem.file, problem.item) == (FLOW_FILE, "module a")
    assert "results.b" in problem.reason and "forward reference" in problem.reason


def test_reference_to_no_step_and_unknown_flow_input(package):
    def refer_nowhere(modules):
        modules[1]["value"]["input_transforms"]["name"] = {
            "type": "javascript", "expr": "results['ghost'].x + flow_input.nobody"}
    edit_flow(package, refer_nowhere)
    reasons = sorted(p.reason for p in problems_of(package))
    assert len(reasons) == 2
    assert "flow_input.nobody is not an input of the flow" in reasons[0]
    assert "results.ghost refers to no step of this flow" in reasons[1]


def test_steps_inside_a_loop_see_earlier_steps_and_the_loop_iterator(package):
    def add_loop(modules):
        modules.append({"id": "each", "value": {
            "type": "forloopflow", "iterator": {"type": "javascript", "expr": "[results.b]"},
            "skip_failures": False, "modules": [
                {"id": "inner", "value": {"type": "rawscript", "language": "python3", "content": "!inline a.py",
                                          "input_transforms": {"name": {"type": "javascript",
                                                                        "expr": "flow_input.iter.value + results.a.name"}}}}]}})
        modules.append({"id": "after", "value": {"type": "identity"},
                        "stop_after_if": {"expr": "results.inner == null", "skip_if_stopped": False}})
    edit_flow(package, add_loop)
    assert problems_of(package) == []


def test_missing_inline_file(package):
    (package / "f/phoenix/demo/greet__flow/a.py").unlink()
    [problem] = problems_of(package)
    assert (problem.file, problem.item) == (FLOW_FILE, "module a")
    assert "!inline a.py" in problem.reason and "missing file" in problem.reason


def test_flow_step_naming_a_script_that_is_not_there(package):
    edit_flow(package, lambda modules: modules[1]["value"].update(path="f/phoenix/demo/gone"))
    [problem] = problems_of(package)
    assert (problem.file, problem.item) == (FLOW_FILE, "module b")
    assert "f/phoenix/demo/gone" in problem.reason


def add_times_argument(root, described: bool) -> None:
    source = (root / SCRIPT_FILE).read_text().replace("name: str,", "name: str, times: int = 1,")
    if described:
        source = source.replace("        name: Who to greet.\n", "        name: Who to greet.\n        times: How many greetings.\n")
    write(root, SCRIPT_FILE, source)


def test_schema_out_of_date(package):
    add_times_argument(package, described=True)
    [problem] = problems_of(package)
    assert (problem.file, problem.item) == ("f/phoenix/demo/hello.script.yaml", "schema.times")
    assert "schema out of date" in problem.reason and "deploy.py metadata" in problem.reason


def test_an_argument_without_a_description_fails_the_check_naming_file_and_argument(package, capsys):
    add_times_argument(package, described=False)
    assert deploy.main(["metadata", "--root", str(package)]) == 0
    [problem] = problems_of(package)
    assert (problem.file, problem.item) == (SCRIPT_FILE, "argument times")
    assert "no description" in problem.reason and "Args:" in problem.reason
    assert deploy.main(["check", "--root", str(package)]) == deploy.EXIT_PROBLEMS
    assert f"{SCRIPT_FILE}: argument times: no description" in capsys.readouterr().out


def test_a_description_written_only_in_the_script_yaml_is_kept_but_fails_the_check(package):
    # the docstring is the one source: a text typed in the Windmill UI and pulled is kept, and check asks
    # for it in the docstring, where the next metadata run would otherwise lose track of it
    add_times_argument(package, described=False)
    metadata.refresh_metadata(package)
    meta_file = package / "f/phoenix/demo/hello.script.yaml"
    meta = yaml.safe_load(meta_file.read_text())
    meta["schema"]["properties"]["times"]["description"] = "Written in the Windmill UI"
    write_yaml(package, "f/phoenix/demo/hello.script.yaml", meta)
    [problem] = problems_of(package)
    assert (problem.file, problem.item) == (SCRIPT_FILE, "argument times")
    assert "described only in the .script.yaml ('Written in the Windmill UI')" in problem.reason
    assert metadata.refresh_metadata(package) == []  # nothing lost meanwhile: the UI's text stays
    assert yaml.safe_load(meta_file.read_text())["schema"]["properties"]["times"]["description"] == \
        "Written in the Windmill UI"


def test_an_argument_whose_docstring_entry_is_removed_fails_the_check(package, capsys):
    # the schema still carries the old text: the docstring, not the yaml, is what check reads
    source = (package / SCRIPT_FILE).read_text()
    assert "        name: Who to greet.\n" in source
    write(package, SCRIPT_FILE, source.replace("        name: Who to greet.\n", ""))
    assert deploy.main(["metadata", "--root", str(package)]) == 0
    assert deploy.main(["check", "--root", str(package)]) == deploy.EXIT_PROBLEMS
    assert f"{SCRIPT_FILE}: argument name: described only in the .script.yaml ('Who to greet.')" in \
        capsys.readouterr().out


def test_the_docstring_describes_only_real_arguments_in_well_formed_entries(package):
    source = (package / SCRIPT_FILE).read_text().replace(
        "        stack: The Phoenix stack resource.\n",
        "        stack: The Phoenix stack resource.\n        volume: How loud.\n        just some words\n")
    write(package, SCRIPT_FILE, source)
    metadata.refresh_metadata(package)
    found = sorted((p.item, p.reason) for p in problems_of(package))
    assert found == [("Args:", "'just some words' is not an entry `name: description` (continuation lines are "
                               "indented deeper than the names)"),
                     ("Args: volume", "the docstring describes an argument main() does not take")]


def test_a_flow_input_without_a_description_fails_the_check(package):
    flow = yaml.safe_load((package / FLOW_FILE).read_text())
    flow["schema"]["properties"]["shout"] = {"type": "boolean", "default": False}
    flow["schema"]["properties"]["name"]["description"] = "  "
    write_yaml(package, FLOW_FILE, flow)
    found = sorted((p.file, p.item) for p in problems_of(package))
    assert found == [(FLOW_FILE, "schema.name"), (FLOW_FILE, "schema.shout")]


def test_schema_with_a_changed_type_says_both_sides(package):
    write(package, SCRIPT_FILE, (package / SCRIPT_FILE).read_text().replace(
        'tone: Literal["plain", "warm"] = "plain"', 'tone: Literal["plain", "warm", "formal"] = "plain"'))
    [problem] = problems_of(package)
    assert problem.item == "schema.tone" and '"formal"' in problem.reason


def test_metadata_command_repairs_the_schema(package, capsys):
    add_times_argument(package, described=True)
    meta = yaml.safe_load((package / "f/phoenix/demo/hello.script.yaml").read_text())
    meta["timeout"], meta["tag"] = 120, "gpu"
    write_yaml(package, "f/phoenix/demo/hello.script.yaml", meta)
    assert deploy.main(["metadata", "--root", str(package)]) == 0
    assert "updated schema of f/phoenix/demo/hello.script.yaml" in capsys.readouterr().out
    after = yaml.safe_load((package / "f/phoenix/demo/hello.script.yaml").read_text())
    assert after["timeout"] == 120 and after["tag"] == "gpu" and after["summary"] == "Greet someone."
    assert after["schema"]["properties"]["times"]["type"] == "integer"
    assert after["schema"]["properties"]["times"]["description"] == "How many greetings."
    assert problems_of(package) == []
    assert metadata.refresh_metadata(package) == []  # the descriptions survive the next run


def test_script_without_metadata(package):
    (package / "f/phoenix/demo/hello.script.yaml").unlink()
    problems = problems_of(package)
    assert Problem(SCRIPT_FILE, "", "no .script.yaml beside it: `wmill sync push` would write one during the "
                                    "push; run `python scripts/deploy.py metadata`") in problems


def test_import_that_does_not_resolve(package):
    write(package, SCRIPT_FILE, (package / SCRIPT_FILE).read_text().replace(
        "from f.phoenix.lib.stack import c_phoenix_stack",
        "from f.phoenix.lib.stack import c_phoenix_stack\nfrom f.phoenix.lib.routerx import route"))
    [problem] = problems_of(package)
    assert (problem.file, problem.item) == (SCRIPT_FILE, "line 4")
    assert "f/phoenix/lib/routerx.py does not exist" in problem.reason


def test_import_of_a_name_the_module_does_not_define(package):
    write(package, SCRIPT_FILE, (package / SCRIPT_FILE).read_text().replace(
        "import c_phoenix_stack", "import c_phoenix_stack, load_stack"))
    [problem] = problems_of(package)
    assert problem.file == SCRIPT_FILE and "defines no load_stack" in problem.reason


def test_relative_imports_resolve_and_lib_outside_f_does_not(package):
    write(package, "f/phoenix/lib/util.py", "from .stack import c_phoenix_stack\nfrom ..lib.stack import nope\n")
    write(package, "f/phoenix/lib/other.py", "from lib.stack import load_stack\n")
    metadata.refresh_metadata(package)
    reasons = {(p.file, p.reason.split(":")[0]) for p in problems_of(package)}
    assert reasons == {("f/phoenix/lib/util.py", "from f.phoenix.lib.stack import nope"),
                       ("f/phoenix/lib/other.py", "imports lib.stack, but lib/ is never pushed to Windmill; "
                                                  "import from f.phoenix.lib instead")}


def test_import_of_a_module_that_wmill_yaml_excludes(package):
    write(package, "f/phoenix/lib/tests/helpers.py", "X = 1\n")
    write(package, "f/phoenix/lib/use.py", "from f.phoenix.lib.tests.helpers import X\n")
    metadata.refresh_metadata(package)
    problems = problems_of(package)
    assert any(p.file == "f/phoenix/lib/use.py" and "wmill.yaml excludes it" in p.reason for p in problems)
    assert any(p.file == "f/phoenix/lib/tests/helpers.py" and "test file under f/" in p.reason for p in problems)


def test_schedule_pointing_at_a_missing_script(package):
    schedule = yaml.safe_load((package / SCHEDULE_FILE).read_text())
    schedule["script_path"] = "f/phoenix/demo/hello_old"
    write_yaml(package, SCHEDULE_FILE, schedule)
    [problem] = problems_of(package)
    assert (problem.file, problem.item) == (SCHEDULE_FILE, "script_path")
    assert "f/phoenix/demo/hello_old" in problem.reason and "not in the pushed tree" in problem.reason


def test_schedule_flagged_as_flow_for_a_script(package):
    schedule = yaml.safe_load((package / SCHEDULE_FILE).read_text())
    schedule["is_flow"] = True
    write_yaml(package, SCHEDULE_FILE, schedule)
    [problem] = problems_of(package)
    assert "check is_flow" in problem.reason


def test_schedule_args_must_match_the_script(package):
    schedule = yaml.safe_load((package / SCHEDULE_FILE).read_text())
    schedule["args"] = {"nmae": "typo"}
    write_yaml(package, SCHEDULE_FILE, schedule)
    items = sorted(p.item for p in problems_of(package))
    assert items == ["args.name", "args.nmae"]


def test_trigger_pointing_at_a_missing_flow(package):
    trigger_file = "f/phoenix/demo/greet.http_trigger.yaml"
    trigger = yaml.safe_load((package / trigger_file).read_text())
    trigger["script_path"] = "f/phoenix/demo/greet_v2"
    write_yaml(package, trigger_file, trigger)
    [problem] = problems_of(package)
    assert problem.file == trigger_file and "flow f/phoenix/demo/greet_v2" in problem.reason


def test_test_file_under_f(package):
    write(package, "f/phoenix/demo/test_hello.py", "def test_hello():\n    assert True\n")
    [problem] = problems_of(package)
    assert problem.file == "f/phoenix/demo/test_hello.py" and "test file under f/" in problem.reason


def test_caches_and_strays_under_f(package):
    write(package, "f/phoenix/.pytest_cache/v/cache/nodeids", "[]")
    write(package, "f/phoenix/demo/__init__.py", "")
    write(package, "f/phoenix/demo/conftest.py", "")
    write(package, "f/phoenix/demo/notes.md", "# notes")
    write(package, "f/phoenix/demo/my.util.py", "X = 1\n")
    write(package, "f/phoenix/demo/__pycache__/hello.cpython-311.pyc", "")  # untracked: tolerated
    found = {}
    for problem in problems_of(package):
        found[problem.file] = found.get(problem.file, "") + problem.reason + "\n"
    assert set(found) == {"f/phoenix/.pytest_cache/v/cache/nodeids", "f/phoenix/demo/__init__.py",
                          "f/phoenix/demo/conftest.py", "f/phoenix/demo/notes.md", "f/phoenix/demo/my.util.py"}
    assert "cache directory" in found["f/phoenix/.pytest_cache/v/cache/nodeids"]
    assert "extra dot" in found["f/phoenix/demo/my.util.py"]


def test_malformed_yaml_is_a_problem_not_a_crash(package):
    write(package, SCHEDULE_FILE, "schedule: [unclosed\n")
    problems = problems_of(package, lint=True)
    assert any(p.file == SCHEDULE_FILE and "malformed YAML" in p.reason for p in problems)


def test_official_validator_errors_name_the_module(package):
    edit_flow(package, lambda modules: modules[0]["value"].pop("language"))
    problems = problems_of(package)
    assert problems and all(p.file == FLOW_FILE for p in problems)
    assert any(p.item == "module a" and "windmill-yaml-validator" in p.reason for p in problems)


def test_wmill_lint_failures_are_reported_per_file(package):
    write(package, "f/phoenix/demo/orphan.script.yaml", "summary: x\nkind: script\nlock: ''\n")
    problems = problems_of(package, lint=True)
    assert any(p.file == "f/phoenix/demo/orphan.script.yaml" and p.item == "wmill lint" for p in problems)
    assert any(p.file == "f/phoenix/demo/orphan.script.yaml" and "without its script" in p.reason
               for p in problems)


def test_resource_type_out_of_date_with_stack_schema(package):
    rel = "resources/c_phoenix_stack.resource-type.yaml"
    document = yaml.safe_load((package / rel).read_text())
    del document["schema"]["properties"]["routing"]
    write_yaml(package, rel, document)
    [problem] = problems_of(package)
    assert (problem.file, problem.item) == (rel, "schema") and "Stack model" in problem.reason


def test_stack_resource_template_must_fit_the_type_and_hold_no_secret(package):
    rel = "resources/phoenix_stack.resource.yaml"
    document = yaml.safe_load((package / rel).read_text())
    document["value"]["routing"] = {"priority": "cheapest"}
    document["value"]["alerts"] = {"token": "hunter2"}
    write_yaml(package, rel, document)
    items = {p.item: p.reason for p in problems_of(package)}
    assert set(items) == {"value.routing.priority", "value.alerts", "value.alerts.token"}
    assert "'cheapest' is not one of" in items["value.routing.priority"]
    assert "$var:" in items["value.alerts.token"]
    document["value"]["alerts"] = {"token": "$var:f/phoenix/alerts_token"}
    del document["value"]["routing"]
    write_yaml(package, rel, document)
    # A reference is fine as a secret; `token` is still no key of the stack's alerts.
    assert [p.item for p in problems_of(package)] == ["value.alerts"]


def test_check_command_exit_code_and_output(package, capsys):
    assert deploy.main(["check", "--root", str(package)]) == 0
    assert "ready to push" in capsys.readouterr().out
    write(package, "f/phoenix/demo/test_hello.py", "")
    assert deploy.main(["check", "--root", str(package)]) == deploy.EXIT_PROBLEMS
    out = capsys.readouterr().out
    assert "f/phoenix/demo/test_hello.py: test file under f/" in out and "check: 1 problem(s)" in out


def test_step_arguments_must_match_the_scripts_main(package):
    def break_arguments(modules):
        modules[0]["value"]["input_transforms"] = {"nmae": {"type": "javascript", "expr": "flow_input.name"}}
        modules[1]["value"]["input_transforms"]["volume"] = {"type": "static", "value": 11}
    edit_flow(package, break_arguments)
    found = sorted((p.item, p.reason) for p in problems_of(package))
    assert found == [
        ("module a", "input_transforms lacks name, a required argument of the step"),
        ("module a", "input_transforms.nmae: the step's main() has no argument nmae"),
        ("module b", "input_transforms.volume: the step's main() has no argument volume"),
    ]


# --- warnings: what Windmill's dependency inference will not see ----------------

def warnings_of(root):
    return check.check_warnings(root)


# What entries need and Windmill will not install is a problem: test_deploy_requirements.py.

def test_sample_package_has_no_dependency_warning(package):
    assert warnings_of(package) == []


def test_package_style_import_is_read_by_windmill_as_a_folder(package):
    write(package, "f/phoenix/lib/helpers.py", "from . import stack\n\nVALUE = 1\n")
    metadata.refresh_metadata(package)
    [warning] = warnings_of(package)
    assert (warning.file, warning.item) == ("f/phoenix/lib/helpers.py", "imports")
    assert "dependency on f/phoenix/lib, which is not a script" in warning.reason


def test_vendor_writes_lib_metadata_and_the_resource_type(package, tmp_path, monkeypatch, capsys):
    from scripts.tooling import vendor as vendoring
    source = tmp_path / "lib"
    (source / "tools").mkdir(parents=True)
    (source / "tools" / "clock.py").write_text('"""Time helpers."""\nfrom ..stack import c_phoenix_stack\n')
    (source / "stack.py").write_text((package / "f/phoenix/lib/stack.py").read_text())
    copy = package / "f" / "phoenix" / "lib"
    (package / "resources" / "c_phoenix_stack.resource-type.yaml").unlink()
    monkeypatch.setattr(deploy, "REPO", package)
    monkeypatch.setattr(vendoring, "COPY", copy)
    original = vendoring.vendor
    monkeypatch.setattr(vendoring, "vendor", lambda: original(source, copy))
    assert deploy.main(["vendor"]) == 0
    out = capsys.readouterr().out
    assert "created f/phoenix/lib/tools/clock.script.yaml" in out
    assert "wrote resources/c_phoenix_stack.resource-type.yaml" in out
    meta = yaml.safe_load((copy / "tools" / "clock.script.yaml").read_text())
    assert meta["summary"] == "Time helpers." and meta["lock"] == "" and meta["kind"] == "script"
    assert list(meta) == ["summary", "description", "lock", "kind", "no_main_func", "schema"]
    assert meta["no_main_func"] is True
    assert problems_of(package) == []


def test_no_main_func_marks_library_modules_and_only_them(package):
    lib_meta, hello_meta = "f/phoenix/lib/stack.script.yaml", "f/phoenix/demo/hello.script.yaml"
    assert yaml.safe_load((package / lib_meta).read_text())["no_main_func"] is True
    assert "no_main_func" not in yaml.safe_load((package / hello_meta).read_text())
    for rel, change in ((lib_meta, lambda meta: meta.pop("no_main_func")),
                        (hello_meta, lambda meta: meta.update(no_main_func=True))):
        meta = yaml.safe_load((package / rel).read_text())
        change(meta)
        write_yaml(package, rel, meta)
    found = {p.file: p.reason for p in problems_of(package, lint=True)}
    assert set(found) == {lib_meta, hello_meta}
    assert "mark it `no_main_func: true`" in found[lib_meta]
    assert "belongs only to library modules" in found[hello_meta]
    assert deploy.main(["metadata", "--root", str(package)]) == 0
    assert problems_of(package) == []


def test_schedule_resource_reference_must_be_a_package_resource(package):
    schedule = yaml.safe_load((package / SCHEDULE_FILE).read_text())
    schedule["args"]["stack"] = "$res:f/phoenix/phoenix_stack"
    write_yaml(package, SCHEDULE_FILE, schedule)
    assert problems_of(package) == []
    schedule["args"]["stack"] = "$res:f/phoenix/stack"
    write_yaml(package, SCHEDULE_FILE, schedule)
    [problem] = problems_of(package)
    assert (problem.file, problem.item) == (SCHEDULE_FILE, "args.stack")
    assert "$res:f/phoenix/stack is no resource of the package" in problem.reason


def test_runnable_script_without_description_or_timeout_is_a_warning(package):
    meta_file = package / "f/phoenix/demo/hello.script.yaml"
    meta = yaml.safe_load(meta_file.read_text())
    meta.pop("timeout")
    meta["description"] = ""
    write_yaml(package, "f/phoenix/demo/hello.script.yaml", meta)
    assert sorted(w.item for w in warnings_of(package)) == ["description", "timeout"]
    assert problems_of(package) == []


def test_two_http_triggers_on_one_route(package):
    trigger = yaml.safe_load((package / "f/phoenix/demo/greet.http_trigger.yaml").read_text())
    write_yaml(package, "f/phoenix/demo/greet_again.http_trigger.yaml", {**trigger, "route_path": "/phoenix/greet/"})
    found = sorted((p.file, p.item) for p in problems_of(package))
    assert found == [("f/phoenix/demo/greet.http_trigger.yaml", "route_path"),
                     ("f/phoenix/demo/greet_again.http_trigger.yaml", "route_path")]


@pytest.mark.parametrize("step", ["check", "ci", "vendor", "plan"])
def test_a_root_that_is_not_a_package_is_one_clear_line(tmp_path, capsys, step):
    assert deploy.main([step, "--root", str(tmp_path / "missing")]) == 2
    message = f"{step}: {tmp_path / 'missing'} is not a Phoenix package (no wmill.yaml there)"
    assert capsys.readouterr().err.strip() == message
