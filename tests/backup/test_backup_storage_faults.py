"""A backup folder that refuses writes (read-only, full) fails with an error naming the folder
and the reason, leaves nothing half-written, and a write it should have protected is refused."""

from __future__ import annotations

import errno
import os

import pytest

from lib.backup.archive import create_backup, list_backups
from lib.backup.restore import restore_backup
from lib.backup.snapshot import take_snapshot
from lib.errors import StorageError
from lib.preserve import PreservationError, write_file
from tests.backup.trees import stack_for
from tests.support.storage_faults import fail_writes_under, mounted


def test_a_read_only_backup_folder_is_a_clear_error_naming_it(root, tmp_path):
    with mounted(tmp_path / "ro-backups", read_only=True) as folder:
        with pytest.raises(StorageError) as caught:
            take_snapshot(stack_for(root, dir=str(folder)))
        assert str(caught.value) == f"backup.dir: cannot write {folder}: Read-only file system"
        assert list(folder.iterdir()) == []


def _incompressible(root, size=300_000) -> None:
    (root / "src/data/noise.bin").write_bytes(os.urandom(size))


def test_a_full_backup_folder_leaves_no_partial_archive(root, tmp_path):
    _incompressible(root)
    with mounted(tmp_path / "small-disk", size_kb=64) as folder:
        with pytest.raises(StorageError, match=f"backup.dir: cannot write {folder}: No space left on device"):
            create_backup(stack_for(root, dir=str(folder)))
        assert list(folder.iterdir()) == []


def test_a_read_only_backup_folder_refuses_the_protected_write(root, tmp_path):
    with mounted(tmp_path / "ro-backups", read_only=True) as folder:
        with pytest.raises(PreservationError, match="refusing to write into .roo: backup failed: .*Read-only"):
            write_file(stack_for(root, dir=str(folder)), ".roo/core/orchestration.yaml", "mode: lost\n")
    assert (root / ".roo/core/orchestration.yaml").read_text() == "mode: reasoning\n"


@pytest.mark.parametrize("error, reason", [(errno.EROFS, "Read-only file system"),
                                           (errno.ENOSPC, "No space left on device"),
                                           (errno.EACCES, "Permission denied")])
def test_every_refused_write_in_the_backup_folder_is_a_storage_error(root, tmp_path, monkeypatch, error, reason):
    folder = tmp_path / "backups"
    folder.mkdir()
    fail_writes_under(monkeypatch, folder, error)
    with pytest.raises(StorageError, match=f"backup.dir: cannot write {folder}: {reason}"):
        take_snapshot(stack_for(root))
    monkeypatch.undo()
    assert list(folder.iterdir()) == []


def test_a_disk_filling_up_mid_archive_removes_the_partial(root, tmp_path, monkeypatch):
    import lib.backup.archive as archive_module

    written = {"bytes": 0}
    real_write = archive_module._HashingWriter.write

    def write_until_full(self, data):
        written["bytes"] += len(data)
        if written["bytes"] > 200_000:
            self.handle = _Full()
        return real_write(self, data)

    _incompressible(root)
    monkeypatch.setattr(archive_module._HashingWriter, "write", write_until_full)
    with pytest.raises(StorageError, match="No space left on device"):
        create_backup(stack_for(root))
    assert list((tmp_path / "backups").iterdir()) == []
    assert list_backups(tmp_path / "backups") == []


class _Full:
    def write(self, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    def flush(self):
        pass


def test_a_read_only_restore_target_stops_with_the_file_and_the_reason(stack, root, tmp_path):
    made = create_backup(stack, folders=["src"])
    with mounted(tmp_path / "ro-target", read_only=True) as target:
        result = restore_backup(stack, made["archive"], str(target), dry_run=False)
    assert not result["ok"]
    assert result["problems"][0].startswith(f"stopped: cannot write {target}/src")
    assert result["problems"][0].endswith(f"Read-only file system (0 of {made['files']} files restored)")


def test_a_restore_target_filling_up_says_how_far_it_got(stack, root, tmp_path, monkeypatch):
    made = create_backup(stack, folders=["src"])
    target = tmp_path / "restored"
    (target / "src/data").mkdir(parents=True)
    fail_writes_under(monkeypatch, target / "src/data", errno.ENOSPC)
    result = restore_backup(stack, made["archive"], str(target), dry_run=False)
    monkeypatch.undo()
    assert not result["ok"] and "No space left on device" in result["problems"][0]
    assert f"{target}/src/data/" in result["problems"][0]
    assert sorted(p.name for p in (target / "src/data").iterdir()) == []  # no temporary left behind
