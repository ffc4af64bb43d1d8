"""The generated `#extra_requirements:` header: written by metadata, idempotent, enforced by check."""

from __future__ import annotations

from scripts import deploy
from scripts.tooling import check, extra_requirements
from tests.deploy.sample_package import write

SCRIPT_FILE = "f/phoenix/demo/hello.py"
STEP_FILE = "f/phoenix/demo/greet__flow/a.py"
PINS = "# the one pinned list\njsonschema==4.26.0\npyyaml==6.0.3  # yaml\nrequests>=2\n"

LAZY_LIB = '''\
"""Loads documents; jsonschema and yaml only when used."""
from typing import TypedDict


class c_phoenix_stack(TypedDict, total=False):
    pass


def validate(document):
    import jsonschema
    return jsonschema.Draft202012Validator({}).is_valid(document)


def parse(text):
    import yaml
    return yaml.safe_load(text)
'''

STEP_WITH_LIB = '''\
from f.phoenix.lib.stack import validate


def main(name: str):
    return {"name": name.strip(), "valid": validate({})}
'''

REGISTRY = '''\
"""Backends imported by name, only when a stack asks for them."""
import importlib

from f.phoenix.lib.stack import c_phoenix_stack

KINDS = {"extra": "extra_backend"}


def build(kind: str):
    return importlib.import_module(f"{__package__}.{KINDS[kind]}")
'''

EXTRA_BACKEND = '''\
def load():
    import requests_toolbelt
    return requests_toolbelt
'''


def problems_of(root):
    return check.check_tree(root, lint=False)


def lazy_package(package, pins=PINS):
    write(package, "f/phoenix/lib/stack.py", LAZY_LIB)
    write(package, "requirements.txt", pins)
    return package


def metadata(package, capsys) -> str:
    assert deploy.main(["metadata", "--root", str(package)]) == 0
    return capsys.readouterr().out


def test_metadata_writes_the_header_on_scripts_and_flow_steps_and_is_idempotent(package, capsys):
    lazy_package(package)
    write(package, STEP_FILE, STEP_WITH_LIB)
    body = (package / SCRIPT_FILE).read_text()
    out = metadata(package, capsys)
    assert f"updated #extra_requirements of {SCRIPT_FILE}" in out
    assert (package / SCRIPT_FILE).read_text() == "#extra_requirements:\n#jsonschema==4.26.0\n#pyyaml==6.0.3\n\n" + body
    assert (package / STEP_FILE).read_text().startswith("#extra_requirements:\n#jsonschema==4.26.0\n#pyyaml==6.0.3\n\n")
    assert not (package / "f/phoenix/lib/stack.py").read_text().startswith("#extra")  # not an entry
    assert problems_of(package) == []
    snapshot = {rel: (package / rel).read_text() for rel in (SCRIPT_FILE, STEP_FILE)}
    assert metadata(package, capsys).strip().endswith("script metadata: 0 change(s)")
    assert {rel: (package / rel).read_text() for rel in snapshot} == snapshot


def test_a_hand_written_block_is_replaced_and_the_rest_kept(package, capsys):
    lazy_package(package)
    body = (package / SCRIPT_FILE).read_text()
    write(package, SCRIPT_FILE, "#extra_requirements:\n#pyyaml==6.0.1\n#numpy==2.0.0\n\n\n" + body
          + "\n#requirements:\n#requests==2.0.0\n# a comment that stays\n")
    metadata(package, capsys)
    assert (package / SCRIPT_FILE).read_text() == ("#extra_requirements:\n#jsonschema==4.26.0\n#pyyaml==6.0.3\n\n"
                                                    + body + "\n# a comment that stays\n")


def test_a_requirements_block_that_replaces_inference_is_a_problem(package, capsys):
    lazy_package(package)
    metadata(package, capsys)
    write(package, SCRIPT_FILE, (package / SCRIPT_FILE).read_text() + "\n#requirements:\n#jsonschema==4.26.0\n")
    [problem] = problems_of(package)
    assert (problem.file, problem.item) == (SCRIPT_FILE, "#requirements")
    assert "replaces Windmill's inference" in problem.reason


def test_no_header_when_windmill_sees_everything(package, capsys):
    write(package, "requirements.txt", PINS)
    body = (package / SCRIPT_FILE).read_text()
    write(package, SCRIPT_FILE, "#extra_requirements:\n#jsonschema==4.26.0\n\n" + body)
    [problem] = problems_of(package)
    assert (problem.file, problem.item) == (SCRIPT_FILE, "#extra_requirements jsonschema")
    assert "is not needed by this script's code" in problem.reason
    metadata(package, capsys)
    assert (package / SCRIPT_FILE).read_text() == body
    assert problems_of(package) == []


def test_missing_header_is_a_problem_and_ci_fails(package, capsys):
    lazy_package(package)
    [problem] = problems_of(package)
    assert (problem.file, problem.item) == (SCRIPT_FILE, "#extra_requirements")
    assert "missing" in problem.reason and "jsonschema==4.26.0, pyyaml==6.0.3" in problem.reason
    assert "run `python scripts/deploy.py metadata`" in problem.reason
    assert deploy.main(["ci", "--root", str(package)]) == deploy.EXIT_PROBLEMS
    out = capsys.readouterr().out
    assert f"{SCRIPT_FILE}: #extra_requirements: missing" in out and "check: 1 problem(s)" in out


def test_pin_drift_from_requirements_txt_is_a_problem(package, capsys):
    lazy_package(package)
    metadata(package, capsys)
    write(package, "requirements.txt", PINS.replace("jsonschema==4.26.0", "jsonschema==4.27.1"))
    [problem] = problems_of(package)
    assert (problem.file, problem.item) == (SCRIPT_FILE, "#extra_requirements jsonschema")
    assert "'jsonschema==4.26.0' but requirements.txt pins jsonschema==4.27.1" in problem.reason


def test_incomplete_header_names_the_import_it_misses(package, capsys):
    lazy_package(package)
    body = (package / SCRIPT_FILE).read_text()
    write(package, SCRIPT_FILE, "#extra_requirements:\n#jsonschema==4.26.0\n\n" + body)
    [problem] = problems_of(package)
    assert (problem.file, problem.item) == (SCRIPT_FILE, "#extra_requirements pyyaml")
    assert problem.reason.startswith("incomplete: yaml is imported (f/phoenix/lib/stack.py:15 inside a function")


def test_a_needed_package_absent_from_requirements_txt(package, capsys):
    lazy_package(package, pins="pyyaml==6.0.3\n")
    out = metadata(package, capsys)
    assert f"warning {SCRIPT_FILE}: jsonschema" in out and "requirements.txt does not pin" in out
    assert (package / SCRIPT_FILE).read_text().startswith("#extra_requirements:\n#pyyaml==6.0.3\n\n")
    [problem] = problems_of(package)
    assert (problem.file, problem.item) == (SCRIPT_FILE, "#extra_requirements jsonschema")
    assert "jsonschema is imported (f/phoenix/lib/stack.py:10" in problem.reason
    assert "requirements.txt pins no jsonschema" in problem.reason


def test_no_requirements_txt_at_all(package, capsys):
    write(package, "f/phoenix/lib/stack.py", LAZY_LIB)
    items = sorted(p.item for p in problems_of(package))
    assert items == ["#extra_requirements jsonschema", "#extra_requirements pyyaml"]


def test_modules_imported_by_name_count_as_lazy_imports(package, capsys):
    write(package, "requirements.txt", "requests-toolbelt==1.0.0\n")
    write(package, "f/phoenix/lib/registry.py", REGISTRY)
    write(package, "f/phoenix/lib/extra_backend.py", EXTRA_BACKEND)
    write(package, SCRIPT_FILE, "from f.phoenix.lib.registry import build\n\n"
          + (package / SCRIPT_FILE).read_text())
    metadata(package, capsys)
    assert (package / SCRIPT_FILE).read_text().startswith("#extra_requirements:\n#requests-toolbelt==1.0.0\n\n")
    assert problems_of(package) == []


TEMPLATE_REGISTRY = '''\
"""Every kind's package is imported by a template: kinds/<package>/backend."""
from importlib import import_module

PACKAGES = ("extra",)


def load(package: str):
    return import_module(f"{__package__}.kinds.{package}.backend")
'''


def test_modules_a_template_names_count_as_lazy_imports(package, capsys):
    # import_module(f"{__package__}.kinds.{package}.backend"): any kinds/<name>/backend, and nothing else
    write(package, "requirements.txt", "requests-toolbelt==1.0.0\nrich==13.0.0\n")
    write(package, "f/phoenix/lib/registry.py", TEMPLATE_REGISTRY)
    write(package, "f/phoenix/lib/kinds/extra/backend.py", EXTRA_BACKEND)
    write(package, "f/phoenix/lib/kinds/extra/other.py", "def load():\n    import rich\n    return rich\n")
    write(package, SCRIPT_FILE, "from f.phoenix.lib.registry import load\n\n" + (package / SCRIPT_FILE).read_text())
    metadata(package, capsys)
    assert (package / SCRIPT_FILE).read_text().startswith("#extra_requirements:\n#requests-toolbelt==1.0.0\n\n")
    assert problems_of(package) == []


def test_read_pins_and_header_parsing():
    assert extra_requirements.read_header("import os\n") is None
    assert extra_requirements.read_header("#extra_requirements:\n#PyYAML==6.0.3\n# jsonschema\n\nx = 1\n") == {
        "pyyaml": "PyYAML==6.0.3", "jsonschema": "jsonschema"}
    source = "#!/usr/bin/env python\nx = 1\n"
    assert extra_requirements.with_header(source, []) == source
