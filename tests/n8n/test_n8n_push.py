"""Push against the stand-in: dry run, diffs, conflicts, backups, nothing sent when unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lib.n8n.client import N8nClient
from lib.n8n.errors import N8nError
from lib.n8n.export import INDEX_NAME, pull_from_api, read_index
from lib.n8n.push import push, push_folder


def workflow(name="Sync me", url="http://127.0.0.1:11435/api/generate") -> dict:
    return {"name": name,
            "nodes": [{"id": "n1", "name": "Ask", "type": "n8n-nodes-base.httpRequest", "typeVersion": 4.2,
                       "position": [0, 0], "parameters": {"url": url, "method": "POST"}}],
            "connections": {}, "settings": {"executionOrder": "v1"}}


@pytest.fixture
def pulled(standin, tmp_path):
    """Two workflows in n8n, pulled into tmp/git; returns (client, folder, ids)."""
    first = standin.add_workflow(workflow())
    second = standin.add_workflow(workflow("Other"))
    api = N8nClient(standin.url, standin.api_key, timeout=(1, 2))
    folder = tmp_path / "git"
    pull_from_api(api, folder)
    standin.requests.clear()
    yield api, folder, first["id"], second["id"]
    api.close()


def edit_file(folder: Path, workflow_id: str, change) -> Path:
    path = folder / read_index(folder)[workflow_id]["file"]
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document, indent=2))
    return path


def set_url(url):
    def change(document):
        document["nodes"][0]["parameters"]["url"] = url
    return change


def test_unchanged_push_sends_no_write(standin, pulled, tmp_path):
    api, folder, *_ = pulled
    report = push_folder(api, folder, dry_run=False, backup_dir=tmp_path / "backups")
    assert report["counts"] == {"unchanged": 2}
    assert standin.writes() == [] and not (tmp_path / "backups").exists()


def test_dry_run_shows_the_diff_and_writes_nothing(standin, pulled, tmp_path):
    api, folder, first, _ = pulled
    edit_file(folder, first, set_url("http://127.0.0.1:11435/api/chat"))
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    report = push_folder(api, folder, backup_dir=tmp_path / "backups")
    assert report["dry_run"] is True and report["counts"] == {"would_update": 1, "unchanged": 1}
    changed = [w for w in report["workflows"] if w["status"] == "would_update"][0]
    changes = [line.replace(" ", "") for line in changed["diff"].splitlines()
               if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert changes == ['-"url":"http://127.0.0.1:11435/api/generate"', '+"url":"http://127.0.0.1:11435/api/chat"']
    assert standin.writes() == [] and not (tmp_path / "backups").exists()
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_real_push_backs_up_then_updates_and_moves_the_base(standin, pulled, tmp_path):
    api, folder, first, _ = pulled
    old_remote = json.loads(json.dumps(standin.workflows[first]))
    edit_file(folder, first, set_url("http://127.0.0.1:11435/api/chat"))
    report = push_folder(api, folder, dry_run=False, backup_dir=tmp_path / "backups")
    updated = [w for w in report["workflows"] if w["status"] == "updated"][0]
    assert json.loads(Path(updated["backup"]).read_text()) == old_remote
    assert Path(updated["backup"]).parent.parent == tmp_path / "backups"
    assert standin.workflows[first]["nodes"][0]["parameters"]["url"].endswith("/api/chat")
    assert [(w["method"], w["path"]) for w in standin.writes()] == [("PUT", f"/api/v1/workflows/{first}")]
    standin.requests.clear()
    again = push_folder(api, folder, dry_run=False, backup_dir=tmp_path / "backups")
    assert again["counts"] == {"unchanged": 2} and standin.writes() == []


def test_a_change_in_n8n_after_the_pull_is_a_conflict(standin, pulled, tmp_path):
    api, folder, first, _ = pulled
    standin.workflows[first]["nodes"][0]["parameters"]["url"] = "http://changed-in-n8n/"
    edit_file(folder, first, set_url("http://changed-in-git/"))
    report = push_folder(api, folder, dry_run=False, backup_dir=tmp_path / "backups")
    conflict = [w for w in report["workflows"] if w["id"] == first][0]
    assert conflict["status"] == "conflict" and "changed in n8n since the last pull" in conflict["reason"]
    assert standin.writes() == []
    assert standin.workflows[first]["nodes"][0]["parameters"]["url"] == "http://changed-in-n8n/"


def test_a_change_only_in_n8n_is_outdated_and_never_reverted(standin, pulled):
    api, folder, first, _ = pulled
    standin.workflows[first]["nodes"][0]["parameters"]["url"] = "http://changed-in-n8n/"
    report = push_folder(api, folder, dry_run=False)
    outdated = [w for w in report["workflows"] if w["id"] == first][0]
    assert outdated["status"] == "outdated" and "pull to bring" in outdated["reason"]
    assert standin.writes() == []


def test_same_change_on_both_sides_is_not_a_conflict(standin, pulled):
    api, folder, first, _ = pulled
    standin.workflows[first]["nodes"][0]["parameters"]["url"] = "http://same/"
    edit_file(folder, first, set_url("http://same/"))
    report = push_folder(api, folder, dry_run=False)
    assert report["counts"] == {"unchanged": 2} and standin.writes() == []


def test_overwrite_pushes_over_a_conflict_with_a_backup(standin, pulled, tmp_path):
    api, folder, first, _ = pulled
    standin.workflows[first]["nodes"][0]["parameters"]["url"] = "http://changed-in-n8n/"
    edit_file(folder, first, set_url("http://changed-in-git/"))
    dry = push_folder(api, folder, on_conflict="overwrite", backup_dir=tmp_path / "b")
    assert [w["status"] for w in dry["workflows"] if w["id"] == first] == ["would_overwrite"]
    report = push_folder(api, folder, dry_run=False, on_conflict="overwrite", backup_dir=tmp_path / "b")
    done = [w for w in report["workflows"] if w["id"] == first][0]
    assert done["status"] == "updated" and "changed-in-n8n" in Path(done["backup"]).read_text()
    assert standin.workflows[first]["nodes"][0]["parameters"]["url"] == "http://changed-in-git/"


def test_only_selected_ids_are_considered(standin, pulled):
    api, folder, first, second = pulled
    edit_file(folder, first, set_url("http://a/"))
    edit_file(folder, second, set_url("http://b/"))
    report = push_folder(api, folder, only_ids=[second])
    assert [(w["id"], w["status"]) for w in report["workflows"]] == [(second, "would_update")]


def test_deleted_in_n8n_is_reported_and_created_only_when_asked(standin, pulled):
    api, folder, first, _ = pulled
    del standin.workflows[first]
    report = push_folder(api, folder, dry_run=False)
    assert [w["status"] for w in report["workflows"] if w["id"] == first] == ["missing_remote"]
    report = push_folder(api, folder, dry_run=False, create_missing=True)
    created = [w for w in report["workflows"] if w["id"] == first][0]
    assert created["status"] == "created" and created["new_id"] in standin.workflows
    assert created["new_id"] in read_index(folder) and first not in read_index(folder)
    assert len(list(folder.glob("*.json"))) == 2


def test_never_pulled_file_with_differences_is_a_conflict(standin, pulled):
    api, folder, first, _ = pulled
    (folder / INDEX_NAME).unlink()
    edit_file_path = next(folder.glob("sync_me_*.json"))
    document = json.loads(edit_file_path.read_text())
    document["nodes"][0]["parameters"]["url"] = "http://x/"
    edit_file_path.write_text(json.dumps(document))
    report = push_folder(api, folder)
    status = [w for w in report["workflows"] if w["file"] == edit_file_path.name][0]
    assert status["status"] == "conflict" and "no base fingerprint" in status["reason"]


def test_a_broken_local_file_is_reported_not_fatal(standin, pulled):
    api, folder, *_ = pulled
    (folder / "broken_x.json").write_text("{nope")
    report = push_folder(api, folder)
    broken = [w for w in report["workflows"] if w["file"] == "broken_x.json"][0]
    assert broken["status"] == "error" and "malformed JSON" in broken["error"]
    assert report["counts"]["unchanged"] == 2


def test_entry_point_with_dead_n8n_and_bad_options(closed_port, tmp_path, monkeypatch):
    monkeypatch.setenv("N8N_API_KEY", "secret-key-000")
    folder = tmp_path / "root" / "n8n" / "git"
    folder.mkdir(parents=True)
    (folder / "w_1.json").write_text(json.dumps({**workflow(), "id": "1"}))
    stack = {"root": str(tmp_path / "root"), "services": {"n8n": {"url": f"http://127.0.0.1:{closed_port}"}}}
    result = push(stack)
    assert result["ok"] is False and result["error"]["kind"] == "unreachable"
    assert "secret-key-000" not in json.dumps(result)
    assert push(stack, on_conflict="merge")["error"]["kind"] == "config"
    assert "not found" in push(stack, folder="nowhere")["error"]["message"]


@pytest.mark.parametrize("down", ["closed", "wrong key"])
def test_a_dry_run_of_new_files_still_finds_n8n_down_or_refusing(standin, closed_port, tmp_path, down):
    """Files n8n never saw need no read of their own: the plan must not be 'ok' if n8n cannot take it."""
    folder = tmp_path / "git"
    folder.mkdir()
    (folder / "new.json").write_text(json.dumps(workflow("Brand new")))
    url = f"http://127.0.0.1:{closed_port}" if down == "closed" else standin.url
    with N8nClient(url, "not-the-key" if down == "wrong key" else standin.api_key, timeout=(1, 2)) as api:
        with pytest.raises(N8nError) as error:
            push_folder(api, folder, create_missing=True)
    assert error.value.kind == ("unreachable" if down == "closed" else "auth")
    assert [p.name for p in folder.iterdir()] == ["new.json"]


def test_entry_point_backs_up_into_the_stack_backup_dir(standin, standin_stack, tmp_path):
    standin.add_workflow(workflow())
    from lib.n8n.export import pull

    assert pull(standin_stack)["ok"]
    folder = Path(standin_stack["root"]) / "n8n" / "git"
    path = next(folder.glob("sync_me_*.json"))
    document = json.loads(path.read_text())
    document["name"] = "Renamed in git"
    path.write_text(json.dumps(document))
    result = push(standin_stack, dry_run=False)
    assert result["ok"] and result["counts"] == {"updated": 1}
    assert Path(result["backup_dir"]).parent == Path(standin_stack["root"]) / "backups" / "n8n-push"
    assert [p.name for p in folder.glob("*.json")] == ["renamed_in_git_wf0001.json"]


def test_default_backups_sit_beside_the_folder_never_inside(standin, pulled):
    api, folder, first, _ = pulled
    edit_file(folder, first, set_url("http://elsewhere/"))
    report = push_folder(api, folder, dry_run=False)
    backup = Path(report["backup_dir"])
    assert backup.parent == folder.parent / "git-backups" and folder not in backup.parents
    assert sorted(p.name for p in folder.iterdir() if p.is_dir()) == []


def test_pull_keeps_an_edit_waiting_to_be_pushed(standin, pulled):
    api, folder, first, _ = pulled
    path = edit_file(folder, first, set_url("http://edited-in-git/"))
    edited = path.read_bytes()
    report = pull_from_api(api, folder).as_dict()
    kept = [w for w in report["workflows"] if w["id"] == first][0]
    assert kept["status"] == "kept_local_edit" and "not pushed yet" in kept["reason"]
    assert path.read_bytes() == edited and report["files_changed"] == 0
    assert [w["status"] for w in push_folder(api, folder)["workflows"] if w["id"] == first] == ["would_update"]
    standin.workflows[first]["nodes"][0]["parameters"]["url"] = "http://changed-in-n8n/"
    again = pull_from_api(api, folder).as_dict()
    assert "push will report a conflict" in [w for w in again["workflows"] if w["id"] == first][0]["reason"]
    assert [w["status"] for w in push_folder(api, folder)["workflows"] if w["id"] == first] == ["conflict"]
    discarded = pull_from_api(api, folder, discard_local_edits=True).as_dict()
    assert [w["status"] for w in discarded["workflows"] if w["id"] == first] == ["written"]
    assert "changed-in-n8n" in path.read_text()


def test_pull_keeps_an_edited_file_whose_workflow_was_deleted_in_n8n(standin, pulled):
    api, folder, first, second = pulled
    path = edit_file(folder, first, set_url("http://edited-in-git/"))
    del standin.workflows[first]
    del standin.workflows[second]
    report = pull_from_api(api, folder).as_dict()
    assert path.exists() and len(report["removed"]) == 1
    assert [w["status"] for w in report["workflows"]] == ["kept_local_edit"]
    assert set(read_index(folder)) == {first}


def test_a_hand_broken_file_is_kept_not_overwritten(standin, pulled):
    api, folder, first, _ = pulled
    path = folder / read_index(folder)[first]["file"]
    path.write_text("{ half an edit")
    report = pull_from_api(api, folder).as_dict()
    assert [w["reason"] for w in report["workflows"] if w["id"] == first][0].startswith("the file is not a readable")
    assert path.read_text() == "{ half an edit"


def test_empty_folder_and_ids_given_as_text_are_config_results(tmp_path, monkeypatch):
    monkeypatch.setenv("N8N_API_KEY", "secret-key-000")
    stack = {"root": str(tmp_path), "services": {"n8n": {"url": "http://127.0.0.1:1"}}}
    assert "folder" in push(stack, folder="")["error"]["message"]
    (tmp_path / "n8n" / "git").mkdir(parents=True)
    result = push(stack, workflow_ids="abc")  # would be the ids 'a', 'b', 'c'
    assert result["ok"] is False and result["error"]["kind"] == "config"
    assert "workflow_ids" in result["error"]["message"]


def test_push_backups_never_go_inside_a_protected_folder(tmp_path):
    """The stack's backup folder is refused for push backups as for every other backup writer."""
    from lib.n8n.push import push
    from lib.stack import load_stack

    root = tmp_path / "root"
    (root / "n8n" / "workflows").mkdir(parents=True)
    (root / "omas").mkdir()
    stack = load_stack({"root": str(root), "backup": {"dir": "omas/backups"}})
    refused = push(stack, folder="n8n/workflows")
    assert not refused["ok"] and "protected omas/" in refused["error"]["message"]
    refused = push(load_stack({"root": str(root)}), folder="n8n/workflows", backup_dir=".roo/keep")
    assert not refused["ok"] and "protected .roo/" in refused["error"]["message"]
    assert not (root / "omas" / "backups").exists() and not (root / ".roo").exists()
