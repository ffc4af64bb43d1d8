"""Creating and verifying backups: manifest, checksum, truncation, tampering, interruption."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from lib.backup import archive as archive_module
from lib.backup.archive import create_backup, list_backups
from lib.backup.retention import apply_retention
from lib.backup.snapshot import take_snapshot
from lib.backup.verify import verify_backup
from lib.errors import ConfigError, InputError
from tests.backup.trees import file_info, rewrite_archive, stack_for, write_checksum

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def made(root) -> dict:
    return create_backup(stack_for(root), label="manual")


def test_an_archive_holds_every_file_and_a_manifest_of_their_sha256(made, root):
    archive = Path(made["archive"])
    assert archive.name.startswith("phoenix-backup-") and archive.name.endswith("-manual.tar.gz")
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("MANIFEST.json").read())
    assert names[-1] == "MANIFEST.json"
    listed = {f["path"]: f for f in manifest["files"]}
    assert set(listed) == {n for n in names if (root / n).is_file()}
    blob = listed["src/data/blob.bin"]
    assert blob["size"] == (root / "src/data/blob.bin").stat().st_size
    assert blob["sha256"] == hashlib.sha256((root / "src/data/blob.bin").read_bytes()).hexdigest()
    assert {"path": ".roo/orchestration-contexts", "mode": 0o755} in manifest["dirs"]
    assert made["files"] == len(listed) and made["missing"] == []


def test_the_checksum_file_is_in_sha256sum_format(made):
    archive = Path(made["archive"])
    sidecar = archive.with_name(archive.name + ".sha256")
    assert sidecar.read_text() == f"{made['sha256']}  {archive.name}\n"
    check = subprocess.run(["sha256sum", "-c", sidecar.name], cwd=archive.parent, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_a_fresh_archive_verifies(made):
    result = verify_backup(made["archive"])
    assert result["ok"] and result["problems"] == [] and result["files"] == made["files"]


def test_missing_folders_are_recorded_and_nothing_at_all_is_refused(root, tmp_path):
    made = create_backup(stack_for(root), folders=[".roo", "windmill"])
    assert made["folders"] == [".roo"] and made["missing"] == ["windmill"]
    with pytest.raises(InputError, match="nothing to back up"):
        create_backup(stack_for(root), folders=["absent", "also-absent"])


@pytest.mark.parametrize("folder", ["../outside", "/etc", "a/../../b", "C:\\x"])
def test_folders_outside_the_root_are_refused(root, folder):
    with pytest.raises(InputError, match="relative to the stack root"):
        create_backup(stack_for(root), folders=[folder])


@pytest.mark.parametrize("label", ["", "Nightly", "a b", "../x", "x" * 60])
def test_labels_are_checked(root, label):
    with pytest.raises(InputError, match="backup label"):
        create_backup(stack_for(root), label=label)


def test_symbolic_links_are_skipped_and_listed(root, tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("not part of the stack")
    (root / ".roo/link.yaml").symlink_to(outside)
    (root / ".roo/linked-dir").symlink_to(tmp_path)
    made = create_backup(stack_for(root), folders=[".roo"])
    assert {s["path"] for s in made["skipped"]} == {".roo/link.yaml", ".roo/linked-dir"}
    with tarfile.open(made["archive"]) as tar:
        assert not any("link" in n for n in tar.getnames())
    assert verify_backup(made["archive"])["ok"]


def test_backing_up_the_whole_root_leaves_the_backup_folder_out(root):
    stack = stack_for(root, dir="backups")  # inside root, as by default
    made = create_backup(stack, folders=["."])
    with tarfile.open(made["archive"]) as tar:
        assert not any(n.startswith("backups") for n in tar.getnames())
    assert verify_backup(made["archive"])["ok"]


# --- damaged archives --------------------------------------------------------------------

def test_a_truncated_archive_is_detected(made, tmp_path):
    archive = Path(made["archive"])
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) // 2])
    result = verify_backup(archive)
    assert not result["ok"]
    assert "archive sha256 differs from its checksum file: changed or damaged" in result["problems"]
    assert any(p.startswith("archive is truncated or corrupt") for p in result["problems"])


def test_a_truncated_archive_is_detected_even_with_a_matching_checksum(made):
    # the checksum file was rewritten too (a copy cut short by a full disk, then re-summed)
    archive = Path(made["archive"])
    archive.write_bytes(archive.read_bytes()[:-200])
    write_checksum(archive)
    result = verify_backup(archive)
    assert not result["ok"] and any("truncated or corrupt" in p for p in result["problems"])


def test_one_changed_byte_is_detected(made):
    archive = Path(made["archive"])
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0x01
    archive.write_bytes(bytes(data))
    result = verify_backup(archive)
    assert not result["ok"] and "changed or damaged" in result["problems"][0]


def test_a_file_changed_inside_a_rebuilt_archive_is_detected_by_the_manifest(made, tmp_path):
    tampered = tmp_path / Path(made["archive"]).name

    def change(info, data):
        if info.name == ".roo/core/orchestration.yaml":
            data = b"mode: evil\n"
            info.size = len(data)
        return [(info, data)]

    rewrite_archive(Path(made["archive"]), tampered, change)
    result = verify_backup(tampered)
    assert result["problems"] == [".roo/core/orchestration.yaml: content differs from the manifest (sha256 or size)"]


def test_added_and_removed_entries_are_detected(made, tmp_path):
    tampered = tmp_path / Path(made["archive"]).name

    def change(info, data):
        if info.name == "src/empty.txt":
            return []
        if info.name == "MANIFEST.json":
            return [(file_info("src/extra.py", b"x"), b"x"), (info, data)]
        return [(info, data)]

    rewrite_archive(Path(made["archive"]), tampered, change)
    problems = verify_backup(tampered)["problems"]
    assert problems == ["src/empty.txt: listed in the manifest, absent from the archive",
                        "src/extra.py: in the archive, not in the manifest"]


def test_no_manifest_no_checksum_not_an_archive(made, tmp_path):
    archive = Path(made["archive"])
    bare = tmp_path / archive.name
    rewrite_archive(archive, bare, lambda info, data: [] if info.name == "MANIFEST.json" else [(info, data)])
    assert verify_backup(bare)["problems"] == ["MANIFEST.json is missing"]
    archive.with_name(archive.name + ".sha256").unlink()
    assert verify_backup(archive)["problems"] == [f"checksum file {archive.name}.sha256 is missing or unreadable"]
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"this is not gzip")
    write_checksum(junk)
    assert any("truncated or corrupt" in p for p in verify_backup(junk)["problems"])
    assert verify_backup(tmp_path / "absent.tar.gz")["problems"] == ["archive not found"]


# --- interrupted backups -------------------------------------------------------------------

def test_a_backup_failing_midway_leaves_nothing(root, monkeypatch, tmp_path):
    calls = {"n": 0}
    real_read = archive_module._HashingReader.read

    def failing_read(self, size=-1):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk on fire")
        return real_read(self, size)

    monkeypatch.setattr(archive_module._HashingReader, "read", failing_read)
    stack = stack_for(root)
    with pytest.raises(OSError, match="disk on fire"):
        create_backup(stack)
    backups = tmp_path / "backups"
    assert list(backups.iterdir()) == []


KILLER = """
import os, signal, sys
sys.path.insert(0, {repo!r})
from lib.backup import archive
from tests.backup.trees import stack_for
from pathlib import Path
real_add = archive._add_file
count = {{"n": 0}}
def add_then_die(*args):
    real_add(*args)
    count["n"] += 1
    if count["n"] == 3:
        os.kill(os.getpid(), signal.SIGKILL)   # no cleanup, no finally: a power cut
archive._add_file = add_then_die
archive.create_backup(stack_for(Path({root!r})))
"""


def test_a_killed_backup_leaves_only_a_partial_file_that_looks_incomplete(root, tmp_path):
    done = subprocess.run([sys.executable, "-c", KILLER.format(repo=str(REPO), root=str(root))],
                          capture_output=True, text=True)
    assert done.returncode == -9, done.stderr
    backups = tmp_path / "backups"
    left = [p.name for p in backups.iterdir()]
    assert len(left) == 1 and left[0].startswith(".phoenix-backup-") and left[0].endswith(".tar.gz.partial")
    assert list_backups(backups) == []
    # retention clears it once it is old enough not to be a backup still running
    old = time.time() - 2 * 24 * 3600
    os.utime(backups / left[0], (old, old))
    assert apply_retention(stack_for(root), keep=3)["leftovers_removed"] == left
    assert list(backups.iterdir()) == []


def test_the_snapshot_job_verifies_then_prunes(root, tmp_path):
    stack = stack_for(root, keep=2)
    results = [take_snapshot(stack, label="nightly") for _ in range(3)]
    assert all(r["ok"] and r["verified"] for r in results)
    assert results[-1]["retention"]["deleted"] == [Path(results[0]["archive"]).name]
    assert [p.name for p in list_backups(tmp_path / "backups")] == [Path(r["archive"]).name for r in results[1:]]


@pytest.mark.parametrize("folders, message", [
    ("omas", "folders must be a list of folder names"),
    ([5], "folder 5 must be a path relative to the stack root"),
])
def test_folders_of_the_wrong_type_are_refused(root, folders, message):
    with pytest.raises(InputError, match=message):
        create_backup(stack_for(root), folders=folders)


def test_a_label_that_is_not_text_is_refused(root):
    with pytest.raises(InputError, match="backup label 7"):
        create_backup(stack_for(root), label=7)


def test_a_backup_dir_that_is_a_file_is_a_clear_error_and_kept(root, tmp_path):
    occupied = tmp_path / "backups-file"
    occupied.write_text("keep me")
    with pytest.raises(ConfigError, match="backup.dir: .* is a file, not a folder"):
        create_backup(stack_for(root), destination=occupied)
    assert occupied.read_text() == "keep me"
