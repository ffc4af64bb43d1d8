"""The backup scripts and the nightly schedule, run the way a worker runs them."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest
import yaml

import f.phoenix.lib.backup.snapshot as vendored_snapshot
from f.phoenix.backup import restore, snapshot, verify
from f.phoenix.lib.errors import JobFailed  # what the scripts (the vendored copy) raise
from scripts import run as run_cli
from tests.backup.trees import describe_tree, make_operator_tree

REPO = Path(__file__).resolve().parents[2]


def test_snapshot_verify_restore_from_the_scripts(tmp_path):
    root = tmp_path / "BooPhoenix"
    make_operator_tree(root)
    stack = {"root": str(root), "state_dir": str(tmp_path / "state")}
    made = snapshot.main(label="nightly", stack=stack)
    assert made["ok"] and Path(made["archive"]).parent == root / "backups"
    assert verify.main(stack=stack)["ok"]  # empty archive name: the newest
    assert verify.main(Path(made["archive"]).name, stack=stack)["archive"] == made["archive"]
    planned = restore.main(target=str(tmp_path / "out"), stack=stack)
    assert planned["dry_run"] and not (tmp_path / "out").exists()
    assert restore.main(target=str(tmp_path / "out"), dry_run=False, stack=stack)["ok"]
    assert describe_tree(tmp_path / "out") == describe_tree(root)


def test_the_nightly_schedule_snapshots_with_prune():
    schedule = yaml.safe_load((REPO / "f/phoenix/backup/nightly.schedule.yaml").read_text())
    assert schedule["timezone"] == "UTC" and schedule["script_path"] == "f/phoenix/backup/snapshot"
    assert schedule["args"] == {"label": "nightly", "prune": True, "stack": "$res:f/phoenix/phoenix_stack"}
    assert set(schedule["args"]) <= set(inspect.signature(snapshot.main).parameters)


@pytest.fixture
def backed_up(tmp_path):
    root = tmp_path / "BooPhoenix"
    make_operator_tree(root)
    stack = {"root": str(root), "state_dir": str(tmp_path / "state")}
    return stack, Path(snapshot.main(label="nightly", stack=stack)["archive"])


def test_a_damaged_archive_fails_verify_and_restore_as_jobs(backed_up, tmp_path, capsys):
    stack, archive = backed_up
    archive.write_bytes(archive.read_bytes()[:-100])
    with pytest.raises(JobFailed, match="f/phoenix/backup/verify failed: archive sha256 differs") as failed:
        verify.main(archive.name, stack=stack)
    assert failed.value.result["ok"] is False and failed.value.result["archive"] == str(archive)
    with pytest.raises(JobFailed, match="restore failed: refused: the archive does not verify"):
        restore.main(archive.name, target=str(tmp_path / "out"), dry_run=False, stack=stack)
    assert not (tmp_path / "out").exists()
    code = run_cli.main(["f/phoenix/backup/verify", "--args", json.dumps({"archive": archive.name, "stack": stack})])
    out, err = capsys.readouterr()
    assert code == 1 and "job failed: f/phoenix/backup/verify failed" in err
    assert "changed or damaged" in " ".join(json.loads(out)["problems"])  # what verify found is still shown


def test_a_refused_restore_fails_and_a_plan_that_can_go_is_a_result(backed_up, tmp_path):
    stack, archive = backed_up
    target = tmp_path / "out"
    (target / "src").mkdir(parents=True)
    (target / "src/phoenix_hybrid_monitor.py").write_text("local edit\n")
    for dry_run in (True, False):  # a dry run fails too when the restore it plans would be refused
        with pytest.raises(JobFailed, match="1 existing file.s. differ; pass overwrite=True") as failed:
            restore.main(target=str(target), dry_run=dry_run, stack=stack)
        assert failed.value.result["counts"]["replace"] == 1  # the plan travels with the error
    plan = restore.main(target=str(target), overwrite=True, stack=stack)
    assert plan["ok"] and plan["dry_run"] and plan["counts"]["replace"] == 1
    assert (target / "src/phoenix_hybrid_monitor.py").read_text() == "local edit\n"


def test_a_snapshot_that_does_not_verify_fails_and_prunes_nothing(backed_up, monkeypatch):
    stack, _ = backed_up
    monkeypatch.setattr(vendored_snapshot, "verify_backup",
                        lambda archive: {"ok": False, "problems": ["MANIFEST.json is missing"]})
    with pytest.raises(JobFailed, match="f/phoenix/backup/snapshot failed: MANIFEST.json is missing") as failed:
        snapshot.main(label="nightly", stack=stack)
    assert failed.value.result["verified"] is False and failed.value.result["retention"] is None
