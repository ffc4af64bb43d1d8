"""Where a health run writes, tried as an attacker would (the dashboard file into .roo/, out of
the root, through links), and what it does when its storage fails: the dashboard is still made
and says what could not be saved and why."""

from __future__ import annotations

import errno
import json
import tarfile
from pathlib import Path

import pytest

from f.phoenix.health import check
from lib.backup.archive import list_backups
from lib.health.probes import Probe
from lib.health.run import STATE_KEY, last_dashboard, run_health
from lib.stack import load_stack
from lib.store import FileStore
from tests.support.storage_faults import fail_writes_under, mounted

RULES = "# Roo rules the operator wrote\n- never delete .roo/\n"


def _probes() -> list[Probe]:
    """Two cheap probes: what is probed does not matter here, only what the run writes."""
    return [Probe("service:a", "services", "Service A", lambda timeout: ("up", "fine"), 1.0),
            Probe("service:b", "services", "Service B", lambda timeout: ("down", "refused"), 1.0)]


@pytest.fixture
def root(tmp_path) -> Path:
    root = tmp_path / "BooPhoenix"
    (root / ".roo/core").mkdir(parents=True)
    (root / ".roo/core/rules.md").write_text(RULES)
    (root / "omas/agents").mkdir(parents=True)
    (root / "omas/agents/chaos.yaml").write_text("name: chaos\n")
    return root


def _stack(root: Path, tmp_path: Path, **health):
    document = {"root": str(root), "state_dir": str(tmp_path / "state"),
                "backup": {"dir": str(tmp_path / "backups")}, "health": health}
    return load_stack(document)


def _run(stack, **kwargs) -> dict:
    return run_health(stack, probes=_probes(), send_alerts=False, **kwargs)


# --- the dashboard file ------------------------------------------------------------------------

def test_a_dashboard_file_in_roo_takes_a_verified_backup_first(root, tmp_path):
    report = _run(_stack(root, tmp_path, dashboard_file=".roo/core/rules.md"))
    assert report["dashboard_file"] == str(root / ".roo/core/rules.md")
    [archive] = list_backups(tmp_path / "backups")
    assert archive.name.endswith("-prewrite.tar.gz")
    with tarfile.open(archive) as tar:
        assert tar.extractfile(".roo/core/rules.md").read().decode() == RULES  # what was overwritten is kept
    assert "system status" in (root / ".roo/core/rules.md").read_text()


def test_a_dashboard_file_in_roo_is_refused_when_the_backup_fails(root, tmp_path):
    (tmp_path / "backups").write_text("a file where the backup folder should be")
    report = _run(_stack(root, tmp_path, dashboard_file=".roo/core/rules.md"))
    assert report["dashboard_file"].startswith("not written: refusing to write into .roo: backup failed")
    assert (root / ".roo/core/rules.md").read_text() == RULES
    assert "## Problems of this run" in report["markdown"] and "dashboard file not written" in report["markdown"]
    assert last_dashboard(_stack(root, tmp_path)) == report["markdown"]


@pytest.mark.parametrize("dashboard_file, refusal", [
    ("../../etc/x", "leaves the stack root"),
    ("docs/../../outside.md", "leaves the stack root"),
    ("{outside}/status.md", "is outside the stack root"),
])
def test_a_dashboard_file_outside_the_root_is_refused(root, tmp_path, dashboard_file, refusal):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    report = _run(_stack(root, tmp_path, dashboard_file=dashboard_file.format(outside=outside)))
    assert report["dashboard_file"].startswith("not written: refusing to write") and refusal in report["dashboard_file"]
    assert list(outside.iterdir()) == [] and not (tmp_path / "outside.md").exists()
    assert not (tmp_path.parent / "etc").exists()
    assert refusal in report["markdown"]  # the dashboard itself says so


def test_an_absolute_dashboard_file_inside_the_root_is_written(root, tmp_path):
    report = _run(_stack(root, tmp_path, dashboard_file=str(root / "status/now.md")))
    assert report["dashboard_file"] == str(root / "status/now.md") and (root / "status/now.md").exists()


def test_a_link_carrying_the_dashboard_out_of_the_root_is_refused(root, tmp_path):
    (tmp_path / "away").mkdir()
    (root / "docs").symlink_to(tmp_path / "away")
    report = _run(_stack(root, tmp_path))  # the default docs/system-status.md
    assert "leaves the stack root" in report["dashboard_file"]
    assert list((tmp_path / "away").iterdir()) == []


def test_a_link_carrying_the_dashboard_into_roo_still_takes_the_backup(root, tmp_path):
    (root / "docs").symlink_to(root / ".roo/core")
    report = _run(_stack(root, tmp_path, dashboard_file="docs/rules.md"))
    assert report["dashboard_file"] == str(root / "docs/rules.md")
    assert [p.name.endswith("-prewrite.tar.gz") for p in list_backups(tmp_path / "backups")] == [True]


# --- storage faults ----------------------------------------------------------------------------

def _says_state_not_saved(report: dict, reason: str) -> None:
    assert any(p.startswith("state not saved: state_dir: cannot write") and reason in p for p in report["problems"])
    markdown = report["markdown"]
    assert "## Problems of this run" in markdown and reason in markdown and "the next run will not know" in markdown
    assert "| Service A | up |" in markdown and "| Service B | down |" in markdown


def test_a_read_only_state_dir_still_renders_and_writes_the_dashboard(root, tmp_path):
    with mounted(tmp_path / "state", read_only=True):
        report = _run(_stack(root, tmp_path))
    _says_state_not_saved(report, "Read-only file system")
    assert report["dashboard_file"] == str(root / "docs/system-status.md")
    assert "Read-only file system" in (root / "docs/system-status.md").read_text()


def test_a_full_state_dir_still_renders_the_dashboard(root, tmp_path):
    with mounted(tmp_path / "state", size_kb=16, fill=lambda d: (d / "filler").write_bytes(b"x" * 16 * 1024)):
        report = _run(_stack(root, tmp_path))
    _says_state_not_saved(report, "No space left on device")


@pytest.mark.parametrize("error, reason", [(errno.EROFS, "Read-only file system"),
                                           (errno.ENOSPC, "No space left on device")])
def test_os_level_state_failures_still_render_the_dashboard(root, tmp_path, monkeypatch, error, reason):
    (tmp_path / "state").mkdir()
    fail_writes_under(monkeypatch, tmp_path / "state", error)
    report = _run(_stack(root, tmp_path))
    monkeypatch.undo()
    _says_state_not_saved(report, reason)


def test_a_state_file_that_is_a_folder_is_reported(root, tmp_path):
    (tmp_path / "state/health_state.json").mkdir(parents=True)
    report = _run(_stack(root, tmp_path))
    assert any("health_state.json: it is a folder, not a file" in p for p in report["problems"])
    assert {c["component"]: c["status"] for c in report["components"]} == {"service:a": "up", "service:b": "down"}
    assert FileStore(tmp_path / "state").get("health/last")["markdown"] == report["markdown"]  # the rest was kept


def test_a_state_dir_inside_omas_is_refused_and_the_dashboard_still_made(root, tmp_path):
    stack = load_stack({"root": str(root), "state_dir": "omas/state", "backup": {"dir": str(tmp_path / "b")}})
    report = _run(stack)
    assert any("state_dir" in p and "protected omas/" in p for p in report["problems"])
    assert sorted(p.name for p in (root / "omas").iterdir()) == ["agents"]
    assert "## Problems of this run" in report["markdown"]


def test_the_check_script_shows_the_problem_instead_of_a_traceback(root, tmp_path, tiny_stack):
    with mounted(tmp_path / "ro-state", read_only=True) as folder:
        shown = check.main(stack={**tiny_stack, "root": str(root), "state_dir": str(folder)}, send_alerts=False)
    assert "state not saved: state_dir: cannot write" in shown["markdown"]
    assert "Read-only file system" in shown["markdown"]


def test_a_failed_save_does_not_count_the_changes_twice(root, tmp_path, monkeypatch):
    stack = _stack(root, tmp_path, flap_threshold=1)
    _run(stack)  # baseline
    state = FileStore(tmp_path / "state").get(STATE_KEY)
    state["service:a"]["status"] = "down"  # so that this run confirms a change: down -> up
    (tmp_path / "state/health_state.json").write_text(json.dumps(state))
    fail_writes_under(monkeypatch, tmp_path / "state", errno.ENOSPC)
    report = _run(stack)
    monkeypatch.undo()
    assert [(e["component"], e["to"]) for e in report["events"]] == [("service:a", "up")]


def test_a_read_only_operator_folder_names_the_dashboard_file_and_the_reason(tmp_path):
    with mounted(tmp_path / "BooPhoenix", read_only=True, fill=lambda d: (d / "docs").mkdir()) as root:
        report = _run(_stack(root, tmp_path))
    assert report["dashboard_file"] == f"not written: {root}/docs/system-status.md: Read-only file system"
    assert "dashboard file not written" in report["markdown"]
