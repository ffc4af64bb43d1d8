"""The vendored copy f/phoenix/lib/ must be lib/ exactly, plus its header."""

import shutil

import yaml

from scripts.tooling import vendor


def test_the_committed_copy_matches_lib():
    assert vendor.drift() == [], "run: python scripts/deploy.py vendor"


def test_drift_is_detected_and_vendor_repairs_it(tmp_path):
    source, copy = tmp_path / "lib", tmp_path / "copy"
    shutil.copytree(vendor.SOURCE, source, ignore=shutil.ignore_patterns("__pycache__"))
    vendor.vendor(source, copy)
    assert vendor.drift(source, copy) == []
    (source / "stack.py").write_text((source / "stack.py").read_text() + "\n# edited\n")
    (copy / "stale.py").write_text("x = 1\n")
    (copy / "stale.script.yaml").write_text("summary: gone\n")
    (copy / "errors.py").unlink()
    problems = vendor.drift(source, copy)
    assert "differs from lib/: stack.py" in problems
    assert "not in lib/ (stale copy): stale.py" in problems
    assert "missing in copy: errors.py" in problems
    assert "removed stale.script.yaml" in vendor.vendor(source, copy)
    assert vendor.drift(source, copy) == [] and not (copy / "stale.script.yaml").exists()


def test_copies_are_marked_generated():
    first_line = (vendor.COPY / "stack.py").read_text().splitlines()[0]
    assert first_line.startswith("# GENERATED from lib/stack.py")


def test_every_vendored_module_is_marked_a_library_and_no_entry_script_is():
    # no_main_func: true is what Windmill records for a module without main(); the UI then
    # does not offer the library modules as runnable scripts.
    library, entries = [], []
    for meta in sorted(vendor.REPO.glob("[fu]/**/*.script.yaml")):
        document = yaml.safe_load(meta.read_text(encoding="utf-8"))
        (library if vendor.COPY in meta.parents else entries).append((meta.name, document.get("no_main_func")))
    assert len(library) == len(list(vendor.SOURCE.rglob("*.py"))) and entries
    assert {flag for _, flag in library} == {True}
    assert [name for name, flag in entries if flag is not None] == []
