"""The preservation rule: a write into .roo/ or omas/ takes a verified backup first, or is refused."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from lib import preserve
from lib.backup.archive import list_backups
from lib.guard import unprotected_write
from lib.preserve import (PreservationError, WriteRefused, ensure_backup_before_write, guarded_write,
                          protected_folders_touched, remove_file, write_protected_file)
from tests.backup.trees import stack_for


def test_writing_into_roo_backs_it_up_first(stack, root, tmp_path):
    record = write_protected_file(stack, ".roo/core/orchestration.yaml", "mode: new\n")
    assert record["protected"] == [".roo"] and record["verified"]
    with tarfile.open(record["archive"]) as tar:
        assert tar.extractfile(".roo/core/orchestration.yaml").read() == b"mode: reasoning\n"
        assert not any(n.startswith("omas") for n in tar.getnames())  # only what is touched
    assert Path(record["archive"]).name.endswith("-prewrite.tar.gz")
    assert (root / ".roo/core/orchestration.yaml").read_text() == "mode: new\n"


def test_the_written_file_keeps_its_mode(stack, root):
    (root / "omas/agents/chaos.yaml").chmod(0o640)
    write_protected_file(stack, root / "omas/agents/chaos.yaml", b"name: chaos 2\n")
    assert (root / "omas/agents/chaos.yaml").stat().st_mode & 0o777 == 0o640


def test_writes_elsewhere_pass_without_a_backup(stack, root, tmp_path):
    record = write_protected_file(stack, "docs/notes.md", "hello")
    assert record["protected"] == [] and record["archive"] is None
    assert list_backups(tmp_path / "backups") == []


def test_a_protected_folder_that_does_not_exist_yet_has_nothing_to_lose(tmp_path):
    root = tmp_path / "fresh"
    root.mkdir()
    record = write_protected_file(stack_for(root), "omas/agents/new.yaml", "name: new\n")
    assert record["archive"] is None and "nothing to preserve" in record["note"]
    assert (root / "omas/agents/new.yaml").exists()


@pytest.mark.parametrize("target", [".roo", "docs/../.roo/x.yaml", "omas", ".", "link-to-roo/x.yaml"])
def test_every_way_of_naming_a_protected_folder_is_caught(stack, root, target):
    (root / "link-to-roo").symlink_to(root / ".roo")
    touched = protected_folders_touched(stack, [target])
    expected = {".roo": [".roo"], "omas": ["omas"], ".": [".roo", "omas"]}.get(target, [".roo"])
    assert touched == expected


def test_a_failing_backup_refuses_the_write(root, tmp_path):
    (tmp_path / "not-a-folder").write_text("the backup dir is a file")
    stack = stack_for(root, dir=str(tmp_path / "not-a-folder"))
    with pytest.raises(PreservationError, match="refusing to write into .roo: backup failed"):
        write_protected_file(stack, ".roo/core/orchestration.yaml", "mode: lost\n")
    assert (root / ".roo/core/orchestration.yaml").read_text() == "mode: reasoning\n"


def test_a_backup_that_does_not_verify_refuses_the_write(stack, root, monkeypatch):
    real_create = preserve.create_backup

    def create_on_a_failing_disk(*args, **kwargs):
        made = real_create(*args, **kwargs)
        archive = Path(made["archive"])
        archive.write_bytes(archive.read_bytes()[:64])
        return made

    monkeypatch.setattr(preserve, "create_backup", create_on_a_failing_disk)
    ran = []
    with pytest.raises(PreservationError, match="does not verify"):
        with guarded_write(stack, root / "omas/agents/chaos.yaml"):
            ran.append(True)
    assert ran == []


def test_the_guard_covers_several_targets_with_one_backup(stack, root, tmp_path):
    with guarded_write(stack, ".roo/a.yaml", "omas/b.yaml", "src/c.py") as guard:
        guard.write(root / ".roo/a.yaml", "a: 1\n")
    assert guard.record["protected"] == [".roo", "omas"]
    assert (root / ".roo/a.yaml").read_text() == "a: 1\n"
    assert len(list_backups(tmp_path / "backups")) == 1


def test_ensure_is_the_same_check_without_a_block(stack):
    record = ensure_backup_before_write(stack, "omas/agents/chaos.yaml")
    assert record["verified"] and record["protected"] == ["omas"]


# --- where a write may land -------------------------------------------------

def test_a_relative_path_may_not_leave_the_root(stack, root):
    with pytest.raises(WriteRefused, match="leaves the stack root"):
        write_protected_file(stack, "../outside.txt", "x")
    assert not (root.parent / "outside.txt").exists()


def test_an_absolute_path_outside_the_root_is_refused_unless_allowed(stack, root, tmp_path):
    outside = tmp_path / "elsewhere" / "notes.md"
    with pytest.raises(WriteRefused, match="is outside the stack root"):
        write_protected_file(stack, outside, "x")
    assert not outside.exists()
    assert write_protected_file(stack, outside, "x", absolute_ok=True)["written"] == str(outside)


def test_a_link_inside_the_root_pointing_out_is_refused(stack, root, tmp_path):
    (tmp_path / "away").mkdir()
    (root / "docs").symlink_to(tmp_path / "away")
    with pytest.raises(WriteRefused):
        write_protected_file(stack, "docs/system-status.md", "x")
    assert list((tmp_path / "away").iterdir()) == []


def test_a_link_into_a_protected_folder_still_takes_the_backup(stack, root, tmp_path):
    (root / "shortcut").symlink_to(root / ".roo")
    record = write_protected_file(stack, "shortcut/core/rules.md", "new\n")
    assert record["protected"] == [".roo"] and record["verified"]


def test_the_guard_writes_only_what_it_was_opened_for(stack, root):
    with guarded_write(stack, "src/generated") as guard:
        guard.write(root / "src/generated/a.py", "a = 1\n")
        with pytest.raises(WriteRefused, match="not among the paths"):
            guard.write(root / ".roo/core/rules.md", "sneaked\n")
    assert not (root / ".roo/core/rules.md").exists()


def test_remove_file_backs_up_a_protected_file_first(stack, root, tmp_path):
    record = remove_file(stack, "omas/agents/chaos.yaml")
    assert record["removed"] and record["verified"]
    assert not (root / "omas/agents/chaos.yaml").exists()


def test_the_writer_without_backups_refuses_protected_folders_and_takes_no_backup(stack, root, tmp_path):
    # lib/guard.py: what the backup code writes its archives with (it cannot call the guard
    # that takes backups with it); a protected target needs preserve.guarded_write instead.
    for target in (".roo/core/orchestration.yaml", "omas", "."):
        with pytest.raises(WriteRefused, match="needs a verified backup first"):
            with unprotected_write(stack, target):
                raise AssertionError("the block must not run")
    assert (root / ".roo/core/orchestration.yaml").read_text() == "mode: reasoning\n"
    with unprotected_write(stack, "backups") as guard:
        guard.write(root / "backups" / "note.txt", "x")
    assert guard.record["archive"] is None and list_backups(root / "backups") == []
    assert preserve.Guard is type(guard)  # one writer class, whichever door it came through
