"""The backups row: the newest verified full backup against the nightly schedule; and the alerts
that could not be delivered, on the dashboard."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import yaml

from lib.backup.archive import create_backup, made_at
from lib.backup.snapshot import take_snapshot
from lib.backup.verify import check_backup
from lib.health.backups import MARGIN_S, SCHEDULE_INTERVAL_S, check_backups
from lib.health.dashboard import render_dashboard
from lib.preserve import write_file
from tests.backup.trees import make_operator_tree, stack_for

REPO = Path(__file__).resolve().parents[2]
DAY = 24 * 3600


@pytest.fixture
def stack(tmp_path):
    root = tmp_path / "BooPhoenix"
    make_operator_tree(root)
    return stack_for(root)


def _damage(archive) -> None:
    path = Path(archive)
    path.write_bytes(path.read_bytes()[:100])


def test_the_thresholds_follow_the_nightly_schedule():
    schedule = yaml.safe_load((REPO / "f/phoenix/backup/nightly.schedule.yaml").read_text())
    seconds, minutes, hours, *every_day = schedule["schedule"].split()
    assert every_day == ["*", "*", "*"] and all(re.fullmatch(r"\d+", f) for f in (seconds, minutes, hours))
    assert SCHEDULE_INTERVAL_S == DAY and 0 < MARGIN_S <= DAY / 2


def test_no_backup_at_all_is_a_warning(stack):
    status, detail = check_backups(stack, 1)
    assert status == "degraded" and "no backup in" in detail and "nightly" in detail


def test_a_fresh_verified_backup_is_up(stack):
    made = take_snapshot(stack, label="nightly")
    status, detail = check_backups(stack, 1)
    assert (status, detail) == ("up", f"newest verified: {Path(made['archive']).name}, just made")


def test_a_verified_backup_older_than_a_day_and_the_margin_is_a_warning(stack):
    made = take_snapshot(stack, label="nightly")
    made_time = made_at(Path(made["archive"]))
    assert check_backups(stack, 1, now=made_time + DAY + MARGIN_S - 60)[0] == "up"
    status, detail = check_backups(stack, 1, now=made_time + 2 * DAY + 3 * 3600)
    assert status == "degraded" and "2d 3h old" in detail and "older than the nightly schedule allows (30 h)" in detail


def test_a_backup_never_verified_is_a_warning_until_verify_runs(stack):
    create_backup(stack, label="manual")  # made, not verified
    status, detail = check_backups(stack, 1)
    assert status == "degraded" and "none verified yet" in detail
    assert check_backup(stack)["ok"]
    assert check_backups(stack, 1)[0] == "up"


def test_a_newest_backup_that_does_not_verify(stack):
    made = take_snapshot(stack, label="nightly")
    _damage(made["archive"])
    assert not check_backup(stack)["ok"]  # the verify job records the failure
    status, detail = check_backups(stack, 1)
    assert status == "down" and "does not verify" in detail


def test_a_damaged_newest_with_an_older_good_one_is_a_warning(stack):
    good = take_snapshot(stack, label="nightly", prune=False)
    bad = take_snapshot(stack, label="nightly", prune=False)
    _damage(bad["archive"])
    check_backup(stack, bad["archive"])
    status, detail = check_backups(stack, 1)
    assert status == "degraded" and Path(bad["archive"]).name in detail and Path(good["archive"]).name in detail


def test_a_file_changed_after_its_verification_is_not_vouched_for(stack):
    made = take_snapshot(stack, label="nightly")
    _damage(made["archive"])  # no verification since
    assert check_backups(stack, 1)[0] == "degraded"


def test_prewrite_backups_do_not_count(stack):
    made = take_snapshot(stack, label="nightly")
    write_file(stack, ".roo/core/orchestration.yaml", "mode: new\n")  # a newer, one-folder backup
    assert check_backups(stack, 1) == ("up", f"newest verified: {Path(made['archive']).name}, just made")


def test_a_refused_backup_folder_is_down(tmp_path):
    root = tmp_path / "BooPhoenix"
    make_operator_tree(root)
    status, detail = check_backups(stack_for(root, dir="omas/backups"), 1)
    assert status == "down" and "backup.dir" in detail and "protected omas/" in detail


def test_undelivered_alerts_show_how_many_wait_and_since_when():
    now = time.time()
    report = {"at_unix": now, "duration_ms": 10, "summary": {}, "components": [], "events": [],
              "alerts": {"sent": 0, "pending": 3, "dropped": 0, "errors": ["http://n8n/hook answered HTTP 503"],
                         "target": "http://n8n/hook", "waiting_since": now - 2 * 3600 - 300}}
    markdown = render_dashboard(report)
    assert "## Alerts" in markdown
    line = next(line for line in markdown.splitlines() if "not delivered" in line)
    assert line.startswith("- 🔴 3 alert(s) not delivered to http://n8n/hook, waiting since ")
    assert line.endswith("(2h 5m)") and "answered HTTP 503" in markdown
    report["alerts"] = {"sent": 2, "pending": 0, "dropped": 0, "errors": [], "target": "http://n8n/hook"}
    assert "## Alerts" not in render_dashboard(report)


def test_a_folder_named_twice_in_health_folders_is_probed_once(tmp_path):
    from lib.health.catalog import build_probes
    from lib.stack import load_stack

    stack = load_stack({"root": str(tmp_path), "health": {"folders": ["omas", "omas/", "./omas", ".roo"]}})
    folders = [p.component for p in build_probes(stack) if p.component.startswith("folder:")]
    assert folders == ["folder:omas", "folder:.roo"]
