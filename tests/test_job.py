"""@job: every entry script's arguments checked against its annotations, and failures raised."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import List, Literal, Optional

import pytest

from lib.errors import InputError, InputRefused, JobFailed, failure_reason, raise_if_failed
from lib.job import checked, job, windmill_path
from scripts.tooling.tree import load_tree
from tests.conftest import REPO


def _entry_files() -> list[str]:
    """Every script and flow step Windmill runs from this package (library modules excluded)."""
    tree = load_tree(REPO)
    files = [rel for path, rel in tree.scripts.items() if not path.startswith("f/phoenix/lib/")]
    files += [p.relative_to(REPO).as_posix() for rel in tree.flows.values()
              for p in sorted((REPO / rel).parent.glob("*.py"))]
    return sorted(files)


@pytest.mark.parametrize("rel", _entry_files())
def test_every_script_and_flow_step_is_a_job(rel):
    module = ast.parse((REPO / rel).read_text(encoding="utf-8"))
    main = next(n for n in module.body if isinstance(n, ast.FunctionDef) and n.name == "main")
    assert [ast.unparse(d) for d in main.decorator_list] == ["job"], f"{rel}: main() is not decorated with @job"
    assert any(isinstance(n, ast.ImportFrom) and n.module == "f.phoenix.lib.job" for n in module.body)


def test_the_entry_files_cover_every_flow_step():
    assert "f/phoenix/n8n/sync__flow/report_failure.py" in _entry_files()
    assert "f/phoenix/omas/council__flow/finalize.py" in _entry_files()


@pytest.mark.parametrize("value, annotation, message", [
    (5, str, "x must be text, got a number"),
    (None, str, "x must be text, got null"),
    ("yes", bool, "x must be true or false, got text"),
    (0, bool, "x must be true or false, got a number"),  # 0 would mean "not a dry run" to a truthiness check
    (True, int, "x must be a whole number, got true/false"),
    (2.5, int, "x must be a whole number, got 2.5"),
    ("3", float, "x must be a number, got text"),
    ({"a": 1}, list[str], "x must be a list, got an object"),
    (["a", 3], List[str], "x[1] must be text, got a number"),
    ([1], dict, "x must be an object, got a list"),
    ("c", Literal["a", "b"], "x must be one of: a, b; got 'c'"),
    (1, Literal["1"], "x must be one of: 1; got 1"),
    ("hf_" + "A" * 40, Literal["a"], "x must be one of: a; got text of 43 characters"),  # never echoed whole
    ("5", Optional[int], "x must be a whole number, got text"),
])
def test_a_wrong_argument_says_its_name_and_both_types(value, annotation, message):
    with pytest.raises(InputError) as refused:
        checked(value, annotation, "x")
    assert str(refused.value) == message


@pytest.mark.parametrize("value, annotation, expected", [
    (2.0, int, 2), (3, float, 3), (None, Optional[int], None), (None, Optional[List[str]], None),
    (["a"], Optional[list[str]], ["a"]), ({"k": 1}, Optional[dict], {"k": 1}), ("a", Literal["a", "b"], "a"),
    (object, None, object),
])
def test_a_fitting_argument_passes(value, annotation, expected):
    assert checked(value, annotation, "x") == expected


def _decorated(result):
    @job
    def main(name: str, count: int = 1, dry_run: bool = True):
        return result
    return main


def test_the_decorated_main_checks_given_arguments_only_and_keeps_its_signature():
    main = _decorated({"done": True})
    assert main("a") == {"done": True} and main(name="a", count=2.0) == {"done": True}
    with pytest.raises(InputError, match="count must be a whole number, got text"):
        main("a", count="2")
    with pytest.raises(InputError, match="unexpected keyword argument 'nmae'"):
        main("a", nmae="b")
    import inspect
    assert list(inspect.signature(main).parameters) == ["name", "count", "dry_run"]  # the form Windmill shows


def test_a_result_saying_ok_false_raises_with_the_whole_result():
    main = _decorated({"ok": False, "problems": [f"p{i}" for i in range(8)], "archive": "a.tar.gz"})
    with pytest.raises(JobFailed) as failed:
        main("a")
    assert str(failed.value).endswith("test_job failed: p0; p1; p2; p3; p4; and 3 more")
    assert failed.value.result["archive"] == "a.tar.gz" and len(failed.value.result["problems"]) == 8
    # a worker shows an exception's attributes as the error's `extra`: they must be JSON
    assert json.loads(json.dumps(vars(failed.value)))["result"]["archive"] == "a.tar.gz"
    assert _decorated({"ok": True, "x": 1})("a") == {"ok": True, "x": 1}
    assert _decorated({"markdown": "# all down"})("a") == {"markdown": "# all down"}  # a report, not a failure


def test_the_reason_comes_from_the_error_then_the_problems():
    assert failure_reason({"ok": False, "error": {"kind": "unreachable", "message": "n8n is down"}}) == "n8n is down"
    assert failure_reason({"ok": False, "error": "input folder not found: x"}) == "input folder not found: x"
    assert "ok: false" in failure_reason({"ok": False})
    with pytest.raises(InputRefused) as refused:
        raise_if_failed({"ok": False, "error": {"kind": "input", "message": "not a Windmill path"}}, "call")
    assert isinstance(refused.value, InputError) and isinstance(refused.value, JobFailed)


def test_the_windmill_path_names_a_flow_step():
    assert windmill_path("f.phoenix.backup.verify") == "f/phoenix/backup/verify"
    assert windmill_path("f.phoenix.n8n.sync__flow.report") == "f/phoenix/n8n/sync (step report)"


def test_the_readme_states_the_rule_and_the_exit_codes():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Failures fail", 1)[1].split("\n## ", 1)[0]
    for phrase in ("JobFailed", "exits 1", "exits 2", "exits 3", "dry run", "failure module"):
        assert phrase in section, phrase
    assert Path(REPO / "scripts/run.py").read_text().count("Exit codes:") == 1
