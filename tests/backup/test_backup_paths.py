"""Where backups and restores may write, tried as an attacker would: every write through the
guard, the backup folder never in .roo/ or omas/, restore targets that try to leave the root,
the default archive to restore, folders named twice."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from lib import preserve
from lib.backup.archive import create_backup, list_backups
from lib.backup.restore import restore_backup
from lib.backup.retention import apply_retention
from lib.backup.snapshot import take_snapshot
from lib.errors import ConfigError, InputError
from lib.preserve import write_file
from tests.backup.trees import describe_tree, stack_for


@pytest.fixture
def guard_calls(monkeypatch):
    """Every path the guard was asked to write, create, rename or remove."""
    calls = []
    for method in ("write", "open_new", "rename", "mkdir", "remove", "remove_tree"):
        real = getattr(preserve.Guard, method)

        def spy(self, *targets, _real=real, _method=method, **kwargs):
            calls.append((_method, *(str(t) for t in targets if not hasattr(t, "read"))))
            return _real(self, *targets, **kwargs)

        monkeypatch.setattr(preserve.Guard, method, spy)
    return calls


# --- the backup folder ------------------------------------------------------------------------

@pytest.mark.parametrize("folder", ["omas", "omas/backups", ".roo/x", "./omas/", ".", "omas/../.roo/b"])
def test_a_backup_folder_in_or_around_a_protected_folder_is_refused(root, folder):
    stack = stack_for(root, dir=folder)
    before = describe_tree(root)
    with pytest.raises(ConfigError, match=r"backup\.dir: .* the protected (\.roo/|omas/)"):
        take_snapshot(stack)
    assert describe_tree(root) == before and not (root / "backups").exists()


def test_an_absolute_backup_folder_inside_omas_is_refused_too(root):
    with pytest.raises(ConfigError, match="protected omas/"):
        create_backup(stack_for(root, dir=str(root / "omas" / "archive")))
    assert not (root / "omas" / "archive").exists()


def test_a_link_to_omas_as_backup_folder_is_refused(root):
    (root / "bk").symlink_to(root / "omas")
    with pytest.raises(ConfigError, match="protected omas/"):
        create_backup(stack_for(root, dir="bk"))
    assert not any(p.name.startswith("phoenix-backup-") for p in (root / "omas").iterdir())


def test_a_relative_backup_folder_may_not_leave_the_root(root, tmp_path):
    with pytest.raises(ConfigError, match=r"backup\.dir: refusing to write \.\./elsewhere: it leaves the stack root"):
        create_backup(stack_for(root, dir="../elsewhere"))
    assert not (tmp_path / "elsewhere").exists()


def test_an_absolute_backup_folder_outside_the_root_is_allowed(root, tmp_path):
    made = create_backup(stack_for(root, dir=str(tmp_path / "other-disk" / "backups")))
    assert Path(made["archive"]).parent == tmp_path / "other-disk" / "backups"


def test_archives_and_checksums_are_written_through_the_guard(stack, tmp_path, guard_calls):
    made = create_backup(stack)
    archive = made["archive"]
    methods = [call[0] for call in guard_calls]
    assert methods == ["mkdir", "open_new", "open_new", "rename", "rename"]
    assert guard_calls[-1] == ("rename", str(Path(archive).with_name(f".{Path(archive).name}.partial")), archive)


def test_retention_deletes_through_the_guard(stack, tmp_path, guard_calls):
    made = [create_backup(stack, folders=["omas"], label="nightly")["archive"] for _ in range(3)]
    guard_calls.clear()
    apply_retention(stack, keep=1)
    assert sorted(c[1] for c in guard_calls if c[0] == "remove") == sorted(
        p for archive in made[:2] for p in (archive, archive + ".sha256"))
    assert [str(p) for p in list_backups(tmp_path / "backups")] == made[2:]


# --- restore targets ---------------------------------------------------------------------------

def test_a_relative_restore_target_is_under_the_root_not_the_current_folder(stack, root, tmp_path, monkeypatch):
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    made = create_backup(stack, folders=["src"])
    result = restore_backup(stack, made["archive"], "restored", dry_run=False)
    assert result["ok"] and result["target"] == str(root / "restored")
    assert (root / "restored/src/run.sh").exists() and list(elsewhere.iterdir()) == []


@pytest.mark.parametrize("target", ["../escaped", "src/../../escaped", "link-out/inside"])
def test_a_restore_target_leaving_the_root_is_refused(stack, root, tmp_path, target):
    (tmp_path / "outside").mkdir()
    (root / "link-out").symlink_to(tmp_path / "outside")
    made = create_backup(stack, folders=["src"])
    for dry_run in (True, False):
        result = restore_backup(stack, made["archive"], target, dry_run=dry_run)
        assert not result["ok"] and "leaves the stack root" in result["problems"][0]
    assert not (tmp_path / "escaped").exists() and list((tmp_path / "outside").iterdir()) == []


def test_every_restored_file_and_folder_goes_through_the_guard(stack, tmp_path, guard_calls):
    made = create_backup(stack)
    target = tmp_path / "restored"
    guard_calls.clear()
    result = restore_backup(stack, made["archive"], str(target), dry_run=False)
    written = sorted(c[1] for c in guard_calls if c[0] == "write")
    assert result["ok"] and len(written) == made["files"]
    assert written == sorted(str(p) for p in target.rglob("*") if p.is_file())
    assert ("mkdir", str(target / ".roo/orchestration-contexts")) in guard_calls  # the empty folder


def test_the_default_restore_is_the_newest_full_backup_not_a_prewrite_one(stack, root, tmp_path):
    full = create_backup(stack, label="nightly")
    write_file(stack, ".roo/core/orchestration.yaml", "mode: changed\n")  # takes a prewrite backup of .roo
    newest = list_backups(tmp_path / "backups")[-1]
    assert newest.name.endswith("-prewrite.tar.gz")
    result = restore_backup(stack, None, str(tmp_path / "out"))
    assert result["archive"] == full["archive"]
    assert {a["path"].split("/")[0] for a in result["actions"]} == {".roo", "omas", "n8n", "src"}


def test_only_prewrite_backups_is_an_input_error_that_says_so(stack, root):
    write_file(stack, "omas/agents/chaos.yaml", "name: chaos 2\n")
    with pytest.raises(InputError, match="other than pre-write backups"):
        restore_backup(stack)


# --- folders named twice --------------------------------------------------------------------

@pytest.mark.parametrize("folders", [["omas", "omas/", "./omas"], ["omas", "omas/agents"], ["omas/rules", "omas"]])
def test_a_folder_named_twice_is_archived_once(stack, folders):
    made = create_backup(stack, folders=folders)
    with tarfile.open(made["archive"]) as tar:
        names = tar.getnames()
    assert len(names) == len(set(names)) and made["folders"] == ["omas"]
    assert made["files"] == 2


def test_duplicates_in_the_stack_setting_are_archived_once(root):
    made = take_snapshot(stack_for(root, folders=[".roo", "./.roo/", "src", "src/data"]))
    assert made["ok"] and made["folders"] == [".roo", "src"]


@pytest.mark.parametrize("folder", ["om\0as", "omas\\..\\..", "C:omas"])
def test_hostile_folder_names_are_refused(stack, folder):
    with pytest.raises(InputError, match="must be a path relative to the stack root"):
        create_backup(stack, folders=[folder])
