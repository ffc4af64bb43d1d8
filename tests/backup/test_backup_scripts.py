"""The backup scripts and the nightly schedule, run the way a worker runs them."""

from __future__ import annotations

import inspect
from pathlib import Path

import yaml

from f.phoenix.backup import restore, snapshot, verify
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
