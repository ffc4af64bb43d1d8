"""Pull: canonical files that only change when the workflow does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from lib.n8n.client import N8nClient
from lib.n8n.export import (INDEX_NAME, canonical_workflow, content_fingerprint, file_name_for, pull,
                            pull_from_api, pull_from_folder, read_index)

CORPUS = Path("/work/shared/corpus/n8n/zie619-dev")
SECRET = "sk-live-DO-NOT-LEAK"


def raw_workflow(**extra) -> dict:
    """A workflow as n8n 2.8.4's GET returns it (volatile fields included)."""
    return {
        "updatedAt": "2026-11-25T19:00:30.942Z", "createdAt": "2026-11-25T19:00:30.889Z",
        "id": "jGRyp06m03YZ4xIG", "name": "Core Orchestration", "description": None,
        "active": True, "isArchived": False,
        "nodes": [{"parameters": {"url": "http://127.0.0.1:11435/api/generate", "method": "POST",
                                  "options": {"timeout": 5000}},
                   "type": "n8n-nodes-base.httpRequest", "typeVersion": 4.2, "position": [200, 40],
                   "id": "b2", "name": "Ask Ollama",
                   "credentials": {"httpHeaderAuth": {"id": "7", "name": "Ollama token", "data": SECRET}}}],
        "connections": {}, "settings": {"executionOrder": "v1", "callerPolicy": "workflowsFromSameOwner"},
        "staticData": {"node:Schedule": {"recurrenceRules": [3]}}, "meta": {"instanceId": "abc123"},
        "pinData": {"Ask Ollama": [{"json": {"private": "data"}}]},
        "versionId": "d08a", "activeVersionId": "d08a", "versionCounter": 4, "triggerCount": 1,
        "shared": [{"role": "workflow:owner", "projectId": "p1"}],
        "tags": [{"id": "t2", "name": "phoenix", "createdAt": "x"}, {"id": "t1", "name": "core"}],
        "activeVersion": {"nodes": [], "connections": {}},
        **extra,
    }


def test_canonical_drops_volatile_fields_and_keeps_layout():
    canonical = canonical_workflow(raw_workflow())
    assert list(canonical) == ["id", "name", "active", "isArchived", "tags", "settings", "nodes", "connections"]
    assert canonical["tags"] == ["core", "phoenix"]
    node = canonical["nodes"][0]
    assert list(node)[:5] == ["id", "name", "type", "typeVersion", "position"]
    assert node["position"] == [200, 40]
    assert node["credentials"] == {"httpHeaderAuth": {"id": "7", "name": "Ollama token"}}
    assert list(node["parameters"]) == ["method", "options", "url"]
    assert SECRET not in json.dumps(canonical) and "private" not in json.dumps(canonical)


def test_canonical_is_independent_of_key_order_and_volatile_values():
    one = raw_workflow()
    two = json.loads(json.dumps(raw_workflow(updatedAt="2027-01-01", versionCounter=99, triggerCount=5)),
                     object_pairs_hook=lambda pairs: dict(reversed(pairs)))
    assert json.dumps(canonical_workflow(one)) == json.dumps(canonical_workflow(two))


def test_null_fields_are_the_same_as_absent_ones():
    listed = raw_workflow()
    del listed["description"]  # the list endpoint omits it, GET says null
    assert canonical_workflow(listed) == canonical_workflow(raw_workflow())
    assert "description" in canonical_workflow(raw_workflow(description="Documented"))


def test_fingerprint_ignores_activation_but_not_edits():
    base = content_fingerprint(raw_workflow())
    assert content_fingerprint(raw_workflow(active=False, tags=[])) == base
    edited = raw_workflow()
    edited["nodes"][0]["parameters"]["url"] = "http://127.0.0.1:9/other"
    assert content_fingerprint(edited) != base


def test_file_names_are_slug_plus_id():
    assert file_name_for("jGRyp06m03YZ4xIG", "Core Orchestration!") == "core_orchestration_jGRyp06m03YZ4xIG.json"
    assert file_name_for("42", "Ñandú / integración") == "nandu_integracion_42.json"
    assert file_name_for("7", "") == "workflow_7.json"


def write(path: Path, value) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(value if isinstance(value, str) else json.dumps(value), encoding="utf-8")
    return path


def snapshot(folder: Path) -> dict:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir()) if p.is_file()}


def test_folder_pull_reports_bad_files_and_keeps_the_rest(tmp_path):
    src = tmp_path / "workflows"
    write(src / "good.json", raw_workflow())
    write(src / "sub" / "no_id.json", {"name": "Local only", "nodes": [], "connections": {}})
    write(src / "sub" / "Nameless Flow.json", {"id": "n1", "nodes": [], "connections": {}})
    write(src / "broken.json", '{"name": "x", "nodes": [')
    write(src / "other.json", {"hello": "world"})
    write(src / "dup.json", raw_workflow(name="Same id again"))
    write(src / "export_all.json", [dict(raw_workflow(), id="a1", name="A"), dict(raw_workflow(), id="b2", name="B")])
    write(src / "latin1.json", b"\xff\xfe".decode("latin-1"))
    (src / "latin1.json").write_bytes(b'{"name": "\xe9"}')
    report = pull_from_folder(src, tmp_path / "git").as_dict()
    errors = {e["file"]: e["error"] for e in report["errors"]}
    assert errors["broken.json"].startswith("malformed JSON: line 1")
    assert "not an n8n workflow" in errors["other.json"]
    # files are read in sorted order: dup.json claims the id first
    assert errors["good.json"].startswith("duplicate workflow id 'jGRyp06m03YZ4xIG' (already taken from dup.json)")
    assert errors["latin1.json"].startswith("not UTF-8 text")
    names = sorted((w["name"] for w in report["workflows"]), key=str)
    assert names == ["A", "B", "Local only", None, "Same id again"]
    assert (tmp_path / "git" / "nameless_flow_n1.json").exists()  # named after its source file
    local = [w["file"] for w in report["workflows"] if w["name"] == "Local only"][0]
    assert local.startswith("local_only_local-")
    written = sorted(p.name for p in (tmp_path / "git").glob("*.json"))
    assert written == sorted(["a_a1.json", "b_b2.json", "nameless_flow_n1.json",
                              "same_id_again_jGRyp06m03YZ4xIG.json", local])
    assert (tmp_path / "git" / INDEX_NAME).exists()


def test_pulling_twice_changes_no_file(tmp_path):
    src = write(tmp_path / "workflows" / "core.json", raw_workflow()).parent
    first = pull_from_folder(src, tmp_path / "git").as_dict()
    assert first["files_changed"] == 2  # the workflow and the index
    before = snapshot(tmp_path / "git")
    second = pull_from_folder(src, tmp_path / "git").as_dict()
    assert second["files_changed"] == 0 and second["counts"] == {"unchanged": 1}
    assert snapshot(tmp_path / "git") == before  # not even rewritten (same mtime)


def test_a_rename_moves_the_file_and_a_deletion_removes_it(tmp_path):
    src = tmp_path / "workflows"
    write(src / "core.json", raw_workflow())
    write(src / "other.json", raw_workflow(id="x9", name="Other"))
    out = tmp_path / "git"
    pull_from_folder(src, out)
    write(src / "core.json", raw_workflow(name="Core v2"))
    (src / "other.json").unlink()
    report = pull_from_folder(src, out).as_dict()
    assert sorted(p.name for p in out.glob("*.json")) == ["core_v2_jGRyp06m03YZ4xIG.json"]
    assert sorted(report["removed"]) == ["core_orchestration_jGRyp06m03YZ4xIG.json", "other_x9.json"]
    assert set(read_index(out)) == {"jGRyp06m03YZ4xIG"}


def test_hand_written_files_in_the_output_are_never_pruned(tmp_path):
    src = write(tmp_path / "workflows" / "core.json", raw_workflow()).parent
    out = tmp_path / "git"
    write(out / "notes.json", {"mine": True})
    pull_from_folder(src, out)
    assert (out / "notes.json").exists()


def test_output_inside_the_source_is_not_read_back(tmp_path):
    src = write(tmp_path / "workflows" / "core.json", raw_workflow()).parent
    pull_from_folder(src, src / "git")
    report = pull_from_folder(src, src / "git").as_dict()
    assert report["errors"] == [] and len(report["workflows"]) == 1


def test_a_damaged_index_is_a_clear_error(tmp_path):
    out = tmp_path / "git"
    write(out / INDEX_NAME, "workflows: [unclosed")
    src = write(tmp_path / "workflows" / "core.json", raw_workflow()).parent
    result = pull({"root": str(tmp_path)}, source="folder", folder="workflows", out_dir="git")
    assert result["ok"] is False and result["error"]["kind"] == "config"
    assert INDEX_NAME in result["error"]["message"]
    assert src.exists()


def test_pull_from_the_api_pages_through_everything(standin, tmp_path):
    for i in range(5):
        standin.add_workflow({"name": f"W{i}", "nodes": [], "connections": {}})
    with N8nClient(standin.url, standin.api_key) as api:
        api_list = api.iter_workflows
        api.iter_workflows = lambda **kw: api_list(limit=2)
        report = pull_from_api(api, tmp_path / "git").as_dict()
    assert report["counts"] == {"written": 5}
    assert yaml.safe_load((tmp_path / "git" / INDEX_NAME).read_text())["workflows"]["wf0001"]["file"] == "w0_wf0001.json"


def test_pull_entry_point_reports_a_dead_n8n_as_a_result(closed_port, tmp_path, monkeypatch):
    monkeypatch.setenv("N8N_API_KEY", "some-key-value")
    result = pull({"root": str(tmp_path), "services": {"n8n": {"url": f"http://127.0.0.1:{closed_port}"}}})
    assert result == {"ok": False, "error": {"kind": "unreachable", "message": result["error"]["message"]}}
    assert "some-key-value" not in json.dumps(result)


def test_pull_entry_point_without_a_key(tmp_path, monkeypatch):
    monkeypatch.delenv("N8N_API_KEY", raising=False)
    result = pull({"root": str(tmp_path)})
    assert result["ok"] is False and result["error"]["kind"] == "config"


def test_missing_source_folder(tmp_path):
    result = pull({"root": str(tmp_path)}, source="folder", folder="nope")
    assert result["ok"] is False and "not found" in result["error"]["message"]


@pytest.mark.skipif(not CORPUS.is_dir(), reason="development corpus not present")
def test_whole_corpus_pulls_without_a_crash_and_twice_is_stable(tmp_path):
    files = sorted(p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*.json"))
    first = pull_from_folder(CORPUS, tmp_path / "git").as_dict()
    accounted = {w["origin"] for w in first["workflows"]} | {e["file"] for e in first["errors"]}
    assert accounted == set(files)
    assert len(first["workflows"]) > 0.9 * len(files)
    before = snapshot(tmp_path / "git")
    second = pull_from_folder(CORPUS, tmp_path / "git").as_dict()
    assert second["files_changed"] == 0 and snapshot(tmp_path / "git") == before


def test_an_output_that_is_a_file_or_empty_is_a_config_result(tmp_path):
    (tmp_path / "workflows").mkdir()
    occupied = tmp_path / "git"
    occupied.write_text("keep me")
    for out_dir in ("git", ""):
        result = pull({"root": str(tmp_path)}, source="folder", folder="workflows", out_dir=out_dir)
        assert result["ok"] is False and result["error"]["kind"] == "config"
        assert "out_dir" in result["error"]["message"]
    assert occupied.read_text() == "keep me"
