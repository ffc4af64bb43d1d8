"""The vendored copy f/phoenix/lib/ must be lib/ exactly, plus its header."""

import shutil

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
    (copy / "errors.py").unlink()
    problems = vendor.drift(source, copy)
    assert "differs from lib/: stack.py" in problems
    assert "not in lib/ (stale copy): stale.py" in problems
    assert "missing in copy: errors.py" in problems
    vendor.vendor(source, copy)
    assert vendor.drift(source, copy) == []


def test_copies_are_marked_generated():
    first_line = (vendor.COPY / "stack.py").read_text().splitlines()[0]
    assert first_line.startswith("# GENERATED from lib/stack.py")
