"""Restore: byte-for-byte round trip, dry-run by default, conflicts, and entries that would escape."""

from __future__ import annotations

import shutil
import tarfile
from pathlib import Path

import pytest

from lib.backup.archive import create_backup
from lib.backup.restore import restore_backup
from lib.errors import InputError
from tests.backup.trees import describe_tree, file_info, rewrite_archive


def test_backup_then_restore_reproduces_the_folders_byte_for_byte(stack, root, tmp_path):
    before = describe_tree(root)
    made = create_backup(stack)
    result = restore_backup(stack, made["archive"], str(tmp_path / "restored"), dry_run=False)
    assert result["ok"], result["problems"]
    assert describe_tree(tmp_path / "restored") == before  # content, modes, empty folders


def test_restoring_over_a_damaged_tree_brings_it_back(stack, root):
    before = describe_tree(root)
    made = create_backup(stack)
    (root / "src/data/blob.bin").write_bytes(b"damaged")
    (root / "omas/agents/chaos.yaml").unlink()
    shutil.rmtree(root / ".roo/orchestration-contexts")
    result = restore_backup(stack, made["archive"], dry_run=False, overwrite=True)
    assert result["ok"] and result["counts"] == {"create": 1, "replace": 1, "same": made["files"] - 2}
    assert describe_tree(root) == before


def test_dry_run_is_the_default_and_writes_nothing(stack, tmp_path):
    made = create_backup(stack)
    target = tmp_path / "restored"
    result = restore_backup(stack, made["archive"], str(target))
    assert result["ok"] and result["dry_run"]
    assert result["counts"]["create"] == made["files"]
    assert {"path": "src/run.sh", "action": "create"} in result["actions"]
    assert not target.exists()


def test_the_newest_backup_is_used_when_none_is_named(stack, root, tmp_path):
    create_backup(stack, folders=["omas"])
    newest = create_backup(stack, folders=[".roo"])
    result = restore_backup(stack, None, str(tmp_path / "out"))
    assert result["archive"] == newest["archive"]
    assert {a["path"].split("/")[0] for a in result["actions"]} == {".roo"}


def test_no_backups_at_all_is_an_input_error(stack):
    with pytest.raises(InputError, match="no backups in"):
        restore_backup(stack)


def test_differing_files_need_overwrite_and_nothing_is_written_without_it(stack, root, tmp_path):
    made = create_backup(stack)
    target = tmp_path / "restored"
    (target / "src").mkdir(parents=True)
    (target / "src/phoenix_hybrid_monitor.py").write_text("local edit\n")
    result = restore_backup(stack, made["archive"], str(target), dry_run=False)
    assert not result["ok"]
    assert result["problems"] == ["refused: 1 existing file(s) differ; pass overwrite=True to replace them"]
    assert sorted(p.name for p in target.rglob("*")) == ["phoenix_hybrid_monitor.py", "src"]
    assert (target / "src/phoenix_hybrid_monitor.py").read_text() == "local edit\n"


def test_a_damaged_archive_is_refused_before_anything_is_written(stack, tmp_path):
    made = create_backup(stack)
    archive = Path(made["archive"])
    archive.write_bytes(archive.read_bytes()[:-100])
    result = restore_backup(stack, made["archive"], str(tmp_path / "restored"), dry_run=False)
    assert not result["ok"] and result["problems"][0] == "refused: the archive does not verify"
    assert not (tmp_path / "restored").exists()


@pytest.mark.parametrize("evil_name", ["../escaped.txt", "src/../../escaped.txt", "/tmp/phoenix-escaped.txt"])
def test_a_path_escaping_entry_is_refused(stack, tmp_path, evil_name):
    made = create_backup(stack)
    evil = tmp_path / "evil.tar.gz"

    def add_evil(info, data):
        if info.name == "MANIFEST.json":
            return [(file_info(evil_name, b"pwned"), b"pwned"), (info, data)]
        return [(info, data)]

    rewrite_archive(Path(made["archive"]), evil, add_evil)  # its checksum file matches
    target = tmp_path / "restored"
    result = restore_backup(stack, str(evil), str(target), dry_run=False)
    assert not result["ok"]
    assert any("absolute path" in p or "escapes the target folder" in p for p in result["problems"])
    assert not (tmp_path / "escaped.txt").exists() and not Path("/tmp/phoenix-escaped.txt").exists()
    assert not target.exists()


def test_link_entries_are_refused(stack, tmp_path):
    made = create_backup(stack)
    evil = tmp_path / "evil.tar.gz"

    def add_link(info, data):
        if info.name == "MANIFEST.json":
            link = tarfile.TarInfo("src/passwd")
            link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
            return [(link, None), (info, data)]
        return [(info, data)]

    rewrite_archive(Path(made["archive"]), evil, add_link)
    result = restore_backup(stack, str(evil), str(tmp_path / "restored"), dry_run=False)
    assert not result["ok"] and any("links and special files" in p for p in result["problems"])


def test_a_symbolic_link_in_the_target_cannot_carry_files_outside(stack, tmp_path):
    made = create_backup(stack, folders=["src"])
    outside = tmp_path / "outside"
    outside.mkdir()
    target = tmp_path / "restored"
    target.mkdir()
    (target / "src").symlink_to(outside)
    result = restore_backup(stack, made["archive"], str(target), dry_run=False)
    assert not result["ok"] and any("resolves outside the target folder" in p for p in result["problems"])
    assert list(outside.iterdir()) == []


def test_restoring_into_the_protected_folders_takes_a_verified_backup_first(stack, root):
    made = create_backup(stack)
    (root / ".roo/core/orchestration.yaml").write_text("mode: changed since the backup\n")
    result = restore_backup(stack, made["archive"], dry_run=False, overwrite=True)
    record = result["preservation"]
    assert record["protected"] == [".roo"] and record["verified"]
    with tarfile.open(record["archive"]) as tar:
        saved = tar.extractfile(".roo/core/orchestration.yaml").read()
    assert saved == b"mode: changed since the backup\n"  # the state before the restore is kept
    assert (root / ".roo/core/orchestration.yaml").read_text() == "mode: reasoning\n"


def test_a_target_that_is_a_file_is_refused_and_kept(stack, tmp_path):
    made = create_backup(stack)
    target = tmp_path / "occupied"
    target.write_text("keep me")
    result = restore_backup(stack, made["archive"], str(target), dry_run=False)
    assert not result["ok"] and any("is a file, not a folder" in p for p in result["problems"])
    assert target.read_text() == "keep me"


def test_a_file_where_the_archive_has_a_folder_is_refused_before_writing(stack, tmp_path):
    made = create_backup(stack)
    target = tmp_path / "restored"
    target.mkdir()
    (target / ".roo").write_text("a file, not the folder")
    result = restore_backup(stack, made["archive"], str(target), dry_run=False, overwrite=True)
    assert not result["ok"] and any("'.roo' is a file" in p for p in result["problems"])
    assert sorted(p.name for p in target.iterdir()) == [".roo"]
    assert (target / ".roo").read_text() == "a file, not the folder"


@pytest.mark.parametrize("flags", [{"dry_run": "no"}, {"overwrite": "no"}, {"dry_run": None}])
def test_switches_must_be_true_or_false(stack, flags):
    made = create_backup(stack)
    with pytest.raises(InputError, match="must be true or false"):
        restore_backup(stack, made["archive"], **flags)
