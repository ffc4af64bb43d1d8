"""Issue 11, classes 3 and 4 for n8n: re-runs keep the operator's work; every write goes through the guard.

An operator edits a generated step (replacing a placeholder), adds a file
beside it, hand-edits a pulled workflow's formatting, drops a file where
Phoenix would write: the next translate / sync / pull keeps all of it and
reports each conflict with its path. Writes land only where the guard allows:
inside ``.roo/`` after a verified backup, outside the root only as an
absolute path where the README allows one.
"""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest

from lib.preserve import WriteRefused
from lib.n8n.export import INDEX_NAME, pull, pull_from_folder, read_index
from lib.n8n.manifest import MANIFEST_NAME
from lib.n8n.report import translate_folder, translate_stack_folder
from lib.n8n.webhooks import write_webhook_contract
from tests.n8n import translate_fixtures as fx


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def translated(tmp_path):
    """The UNKNOWN fixture (a placeholder step) translated into out/; returns (source, out, placeholder step)."""
    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    (source / "wf.json").write_text(json.dumps(fx.UNKNOWN))
    (source / "hook.json").write_text(json.dumps(fx.BRANCHES))
    translate_folder(source, out)
    placeholder = next(p for p in (out / "wf__flow").glob("*.ts") if "PLACEHOLDER" in p.read_text())
    return source, out, placeholder


def conflicts(report: dict) -> dict[str, str]:
    return {c["path"]: c["reason"] for e in report["workflows"] for c in e["conflicts"]}


def test_an_edited_step_and_a_file_beside_it_survive_a_rerun_and_the_conflict_is_reported(translated):
    source, out, placeholder = translated
    placeholder.write_text("export async function main(items: any) { return items; }  // my replacement\n")
    mine = out / "wf__flow" / "notes.md"
    mine.write_text("my notes")
    before = snapshot(out)
    report = translate_folder(source, out)
    assert snapshot(out) == before  # nothing reverted, nothing deleted
    assert list(conflicts(report)) == [f"wf__flow/{placeholder.name}"]
    assert "changed since Phoenix wrote it" in conflicts(report)[f"wf__flow/{placeholder.name}"]
    # and again: still the operator's, still said
    assert list(conflicts(translate_folder(source, out))) == [f"wf__flow/{placeholder.name}"]


def test_the_windmill_entry_point_and_so_the_hourly_sync_keep_edits_too(tmp_path):
    root = tmp_path / "root"
    (root / "n8n" / "git").mkdir(parents=True)
    (root / "n8n" / "git" / "wf.json").write_text(json.dumps(fx.UNKNOWN))
    stack = {"root": str(root)}
    first = translate_stack_folder(stack, input_dir="n8n/git", out_dir="n8n/windmill")
    assert first["ok"] and first["summary"]["conflicts"] == 0
    step = next((root / "n8n" / "windmill" / "wf__flow").glob("*.ts"))
    step.write_text("// mine\nexport async function main() { return []; }\n")
    second = translate_stack_folder(stack, input_dir="n8n/git", out_dir="n8n/windmill")
    assert step.read_text().startswith("// mine")
    assert second["summary"]["conflicts"] == 1 and "1 generated file(s) kept" in second["message"]


def test_a_file_phoenix_never_wrote_is_never_overwritten(tmp_path):
    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    (source / "hook.json").write_text(json.dumps(fx.BRANCHES))
    (out / "hook__flow").mkdir(parents=True)
    (out / "hook__flow" / "flow.yaml").write_text("summary: mine\n")
    (out / "hook.http_trigger.yaml").write_text("route_path: mine\n")
    report = translate_folder(source, out)
    assert (out / "hook__flow" / "flow.yaml").read_text() == "summary: mine\n"
    assert (out / "hook.http_trigger.yaml").read_text() == "route_path: mine\n"
    assert set(conflicts(report)) == {"hook__flow/flow.yaml", "hook.http_trigger.yaml"}
    assert all("not written by Phoenix" in why for why in conflicts(report).values())


def test_stale_generated_files_go_unless_changed_and_a_deleted_one_comes_back(tmp_path):
    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    document = json.loads(json.dumps(fx.BRANCHES))
    (source / "hook.json").write_text(json.dumps(document))
    translate_folder(source, out)
    steps = sorted(p.name for p in (out / "hook__flow").glob("*.ts"))
    tag_small = next(n for n in steps if n.startswith("tag_small"))
    tag_big = next(n for n in steps if n.startswith("tag_big"))
    (out / "hook__flow" / tag_big).write_text("// edited\n")
    (out / "hook__flow" / "done.ts").unlink()
    document["nodes"] = [n for n in document["nodes"] if n["name"] not in ("Tag small", "Tag big")]
    document["connections"] = fx.link(("Hook", 0, "Big?"), ("Big?", 0, "Done"), ("Big?", 1, "Done"))
    document["nodes"][0]["parameters"]["path"] = "orders"
    (source / "hook.json").write_text(json.dumps(document))
    report = translate_folder(source, out)
    assert not (out / "hook__flow" / tag_small).exists()           # stale, unchanged: removed
    assert (out / "hook__flow" / tag_big).read_text() == "// edited\n"  # stale but edited: kept
    assert "no longer generated" in conflicts(report)[f"hook__flow/{tag_big}"]
    assert (out / "hook__flow" / "done.ts").is_file()                  # deleted by hand: written again
    manifest = json.loads((out / "hook__flow" / MANIFEST_NAME).read_text())
    assert f"hook__flow/{tag_big}" in manifest["files"] and f"hook__flow/{tag_small}" not in manifest["files"]


def test_a_forged_manifest_cannot_make_phoenix_delete_outside_its_files(tmp_path, translated):
    source, out, _placeholder = translated
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    manifest = out / "wf__flow" / MANIFEST_NAME
    document = json.loads(manifest.read_text())
    import hashlib
    digest = "sha256:" + hashlib.sha256(b"precious").hexdigest()
    document["files"].update({"../victim.txt": digest, "/etc/hostname": digest, "wf__flow/../../victim.txt": digest})
    manifest.write_text(json.dumps(document))
    translate_folder(source, out)
    assert victim.read_text() == "precious"
    flow = out / "wf__flow" / "flow.yaml"
    flow.write_text(flow.read_text() + "# edited\n")
    manifest.write_text("[" * 100_000)  # unreadable: every file that differs is then the operator's
    report = translate_folder(source, out)
    assert victim.read_text() == "precious" and flow.read_text().endswith("# edited\n")
    assert conflicts(report) == {"wf__flow/flow.yaml": conflicts(report)["wf__flow/flow.yaml"]}
    assert "not written by Phoenix" in conflicts(report)["wf__flow/flow.yaml"]
    assert "files" in json.loads(manifest.read_text())  # rewritten from what is known to be Phoenix's


def test_translation_output_outside_the_root_or_into_roo(tmp_path):
    root = tmp_path / "root"
    (root / "n8n" / "git").mkdir(parents=True)
    (root / "n8n" / "git" / "wf.json").write_text(json.dumps(fx.BRANCHES))
    (root / ".roo" / "rules").mkdir(parents=True)
    (root / ".roo" / "rules" / "rules.md").write_text("operator rules")
    stack = {"root": str(root)}
    escaped = translate_stack_folder(stack, input_dir="n8n/git", out_dir="../elsewhere")
    assert escaped["ok"] is False and "leaves the stack root" in escaped["error"]
    assert not (tmp_path / "elsewhere").exists()
    absolute = translate_stack_folder(stack, input_dir="n8n/git", out_dir=str(tmp_path / "repo" / "f"))
    assert absolute["ok"] and (tmp_path / "repo" / "f" / "wf__flow" / "flow.yaml").is_file()  # README allows it
    into_roo = translate_stack_folder(stack, input_dir="n8n/git", out_dir=".roo/flows")
    assert into_roo["ok"]
    [archive] = (root / "backups").glob("phoenix-backup-*-prewrite.tar.gz")
    with tarfile.open(archive) as tar:
        assert ".roo/rules/rules.md" in tar.getnames()


def test_no_write_into_roo_without_a_verified_backup(tmp_path):
    root = tmp_path / "root"
    (root / "in").mkdir(parents=True)
    (root / "in" / "wf.json").write_text(json.dumps(fx.BRANCHES))
    (root / ".roo").mkdir()
    (root / ".roo" / "rules.md").write_text("operator rules")
    (root / "backups").write_text("a file where the backup folder should be")
    result = translate_stack_folder({"root": str(root)}, input_dir="in", out_dir=".roo/flows")
    assert result["ok"] is False and "backup" in result["error"]
    assert sorted(p.relative_to(root / ".roo").as_posix() for p in (root / ".roo").rglob("*")) == ["rules.md"]


def test_the_cli_guards_its_output_and_report(tmp_path, monkeypatch):
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[2]
    source = tmp_path / "in"
    source.mkdir()
    (source / "wf.json").write_text(json.dumps(fx.BRANCHES))
    (tmp_path / ".roo").mkdir()
    (tmp_path / ".roo" / "keep.md").write_text("rules")
    proc = subprocess.run([sys.executable, str(repo / "scripts" / "n8n_translate.py"), "in", "out",
                           "--report", ".roo/report.json"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / ".roo" / "report.json").is_file() and list((tmp_path / "backups").glob("*prewrite*"))
    leaving = subprocess.run([sys.executable, str(repo / "scripts" / "n8n_translate.py"), "in", "../x"],
                             cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert leaving.returncode == 2 and "leaves the stack root" in leaving.stderr and "Traceback" not in leaving.stderr


# ---- pull -----------------------------------------------------------------------------------------

def workflow_file(folder: Path, name: str, workflow_id: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps({"id": workflow_id, "name": name, "nodes": [], "connections": {}}))


def test_pull_keeps_a_formatting_edit_and_never_overwrites_a_file_it_did_not_write(tmp_path):
    source, out = tmp_path / "src", tmp_path / "git"
    workflow_file(source, "Alpha", "a1")
    pull_from_folder(source, out)
    pulled = out / read_index(out)["a1"]["file"]
    pulled.write_text(json.dumps(json.loads(pulled.read_text())))  # same workflow, one line: an edit all the same
    (out / "beta_b2.json").write_text('{"mine": true}')
    workflow_file(source, "Beta", "b2")
    report = pull_from_folder(source, out).as_dict()
    statuses = {w["id"]: w["status"] for w in report["workflows"]}
    assert statuses == {"a1": "kept_local_edit", "b2": "kept_foreign_file"}
    assert (out / "beta_b2.json").read_text() == '{"mine": true}'
    assert "\n" not in pulled.read_text().strip()
    assert report["removed"] == []


def test_pull_out_dir_is_guarded(tmp_path):
    root = tmp_path / "root"
    workflow_file(root / "n8n" / "workflows", "Alpha", "a1")
    stack = {"root": str(root)}
    escaped = pull(stack, source="folder", out_dir="../git")
    assert escaped["ok"] is False and "leaves the stack root" in escaped["error"]["message"]
    assert not (tmp_path / "git").exists()
    (root / "omas").mkdir()
    (root / "omas" / "agents.yaml").write_text("agents: []")
    inside = pull(stack, source="folder", out_dir="omas/git")
    assert inside["ok"] and (root / "omas" / "git" / INDEX_NAME).is_file()
    assert list((root / "backups").glob("phoenix-backup-*-prewrite.tar.gz"))


def test_push_backups_go_through_the_guard(standin, standin_stack, tmp_path):
    from lib.n8n.push import push

    root = Path(standin_stack["root"])
    standin.add_workflow({"name": "W", "nodes": [], "connections": {}, "settings": {}})
    assert pull(standin_stack)["ok"]
    refused = push(standin_stack, dry_run=False, backup_dir="../outside")
    assert refused["ok"] is False and "leaves the stack root" in refused["error"]["message"]
    assert not (root.parent / "outside").exists()


def test_a_changed_webhook_contract_is_kept(tmp_path):
    stack = {"root": str(tmp_path), "services": {"windmill": {"url": "http://127.0.0.1:8002", "workspace": "w"}}}
    flow_dir = tmp_path / "f" / "wf__flow"
    write_webhook_contract(flow_dir, "f/phoenix/n8n/wf", stack=stack)
    (flow_dir / "webhook.md").write_text("my own notes")
    again = write_webhook_contract(flow_dir, "f/phoenix/n8n/wf", stack=stack, source_workflow="other name")
    assert (flow_dir / "webhook.md").read_text() == "my own notes"
    assert [c["path"] for c in again["conflicts"]] == ["webhook.md"]
    with pytest.raises(WriteRefused, match="outside the stack root"):
        write_webhook_contract(tmp_path.parent / "elsewhere", "f/phoenix/n8n/wf", stack=stack)
