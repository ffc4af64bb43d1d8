"""Retention keeps the newest backups per label and never deletes the newest good one."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from lib.backup.archive import create_backup, list_backups
from lib.backup.retention import apply_retention
from tests.backup.trees import make_operator_tree, stack_for


@pytest.fixture
def stack(tmp_path):
    root = tmp_path / "BooPhoenix"
    make_operator_tree(root)
    return stack_for(root)


def _backups(stack, count, label="nightly") -> list[Path]:
    return [Path(create_backup(stack, folders=["omas"], label=label)["archive"]) for _ in range(count)]


def _damage(archive: Path) -> None:
    archive.write_bytes(archive.read_bytes()[:40])


def test_only_the_newest_keep_survive(stack, tmp_path):
    made = _backups(stack, 5)
    result = apply_retention(stack, keep=2)
    assert result["deleted"] == [p.name for p in made[:3][::-1]]
    assert list_backups(tmp_path / "backups") == made[3:]
    assert not any(Path(str(p) + ".sha256").exists() for p in made[:3])


def test_the_newest_good_backup_survives_however_old(stack, tmp_path):
    made = _backups(stack, 5)
    for archive in made[2:]:  # the three newest are damaged
        _damage(archive)
    result = apply_retention(stack, keep=2)
    assert list_backups(tmp_path / "backups") == [made[1], made[3], made[4]]
    assert result["deleted"] == [made[2].name, made[0].name]


def test_when_nothing_verifies_nothing_is_deleted(stack, tmp_path):
    made = _backups(stack, 4)
    for archive in made:
        _damage(archive)
    result = apply_retention(stack, keep=1)
    assert result["deleted"] == [] and result["notes"] == ["nightly: no archive verifies, nothing deleted"]
    assert list_backups(tmp_path / "backups") == made


def test_labels_are_kept_separately(stack, tmp_path):
    nightly = _backups(stack, 2, "nightly")
    prewrite = _backups(stack, 4, "prewrite")
    apply_retention(stack, keep=2)
    assert list_backups(tmp_path / "backups") == nightly + prewrite[2:]


def test_dry_run_deletes_nothing(stack, tmp_path):
    made = _backups(stack, 3)
    result = apply_retention(stack, keep=1, dry_run=True)
    assert len(result["deleted"]) == 2 and list_backups(tmp_path / "backups") == made


def test_fresh_leftovers_stay_old_ones_go(stack, tmp_path):
    made = _backups(stack, 1)
    backups = tmp_path / "backups"
    fresh = backups / ".phoenix-backup-20990101T000000_000000Z-nightly.tar.gz.partial"
    fresh.write_bytes(b"a backup being written right now")
    orphan = backups / "phoenix-backup-20000101T000000_000000Z-nightly.tar.gz.sha256"
    orphan.write_text("0" * 64)
    old = time.time() - 3 * 24 * 3600
    os.utime(orphan, (old, old))
    result = apply_retention(stack, keep=5)
    assert result["leftovers_removed"] == [orphan.name]
    assert fresh.exists() and list_backups(backups) == made


def test_keep_must_be_positive(stack):
    with pytest.raises(ValueError):
        apply_retention(stack, keep=0)
