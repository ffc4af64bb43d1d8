"""One process, one copy of the library: what a script raises, a test catches as lib's class."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import f.phoenix.lib.errors
import f.phoenix.lib.router.core
import f.phoenix.lib.store
import lib.errors
import lib.router.core
import lib.store
from scripts import run
from tests.support.one_library import LibraryAlias

REPO = Path(__file__).resolve().parents[1]
BAD_STACK = {"routing": {"priority": "cheapest"}}  # not one of existing, quality, speed


def test_the_copy_is_lib_in_the_test_process():
    assert f.phoenix.lib.errors.PhoenixError is lib.errors.PhoenixError
    assert f.phoenix.lib.router.core is lib.router.core
    assert sys.modules["f.phoenix.lib.store"] is sys.modules["lib.store"]
    assert f.phoenix.lib.store._TEXTS is lib.store._TEXTS  # one cache, not two that disagree


def test_an_aliased_module_keeps_its_own_name_and_spec():
    # Relative imports inside it, reloads and tracebacks go on naming lib/, never the copy's files.
    assert lib.router.core.__name__ == lib.router.core.__spec__.name == "lib.router.core"
    assert "/f/phoenix/" not in lib.router.core.__file__.replace("\\", "/")


def test_a_scripts_error_is_caught_as_libs_class():
    from f.phoenix.router import main

    with pytest.raises(lib.errors.ConfigError) as caught:
        main("Hello", stack=BAD_STACK)
    assert "routing.priority" in str(caught.value)


def test_run_py_in_process_reports_a_scripts_error_as_a_failed_job(capsys):
    assert run.main(["f/phoenix/backup/verify", "--args", json.dumps({"stack": BAD_STACK})]) == run.FAILED
    assert "job failed: ConfigError: " in capsys.readouterr().err


def test_a_module_lib_does_not_have_is_not_loaded_from_the_copy():
    # Returning None would let the path finder load a stale file of f/phoenix/lib/ as a second copy.
    with pytest.raises(ModuleNotFoundError, match="lib/ has no lib.no_such_module"):
        LibraryAlias().find_spec("f.phoenix.lib.no_such_module")
    assert LibraryAlias().find_spec("f.phoenix.router") is None  # scripts are not the library


def test_scripts_run_py_holds_one_copy_in_its_own_process():
    # No alias there: the process imports only the copy, as a Windmill job does.
    child = f"""
import json, runpy, sys
sys.argv = ["scripts/run.py", "f/phoenix/backup/verify", "--args", {json.dumps(json.dumps({"stack": BAD_STACK}))}]
try:
    runpy.run_path("scripts/run.py", run_name="__main__")
except SystemExit as exit:
    code = exit.code
print(json.dumps({{"code": code, "lib": sorted(m for m in sys.modules if m == "lib" or m.startswith("lib."))}}))
"""
    done = subprocess.run([sys.executable, "-c", child], cwd=REPO, capture_output=True, text=True, timeout=120)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report == {"code": run.FAILED, "lib": []}, done.stderr
    assert "job failed: ConfigError" in done.stderr and "routing.priority" in done.stderr
