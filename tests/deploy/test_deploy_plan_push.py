"""plan, push and resources through the real `wmill` CLI against the loopback stand-in."""

from __future__ import annotations

import json

import pytest
import yaml

from scripts import deploy
from scripts.tooling import push as pushing
from scripts.tooling.tree import flow_folder, item_path, load_tree
from scripts.tooling.windmill_stub import StubWorkspace, WindmillStub

REPO = deploy.REPO

OLD_SCRIPT_META = {"summary": "retired", "description": "", "lock": "", "kind": "script", "language": "python3",
                   "schema": {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
                              "properties": {}, "required": []}}


def expected_items(root) -> set[tuple[str, str]]:
    """Every item of the package, read from the tree independently of the plan."""
    tree = load_tree(root)
    items = {("script", p) for p in tree.scripts} | {("flow", p) for p in tree.flows}
    items |= {("script", item_path(rel)) for rel in tree.pushed if rel.endswith(".ts") and not flow_folder(rel)}
    items |= {("schedule", p) for p in tree.schedules} | {("trigger", p) for p in tree.triggers}
    items |= {("folder", p) for p in tree.folders}
    items |= {("resource_type", p.name.split(".")[0]) for p in (root / "resources").glob("*.resource-type.yaml")}
    items |= {("resource", "f/phoenix/" + p.name.split(".")[0]) for p in (root / "resources").glob("*.resource.yaml")}
    return items


def plan_json(capsys, *args) -> dict:
    code = deploy.main(["plan", "--json", *args])
    out = capsys.readouterr().out
    assert code == 0, out
    return json.loads(out)


def test_plan_against_an_empty_workspace_lists_every_item_and_nothing_else(package, capsys):
    plan = plan_json(capsys, "--against-stub", "--root", str(package))
    planned = {(c["kind"], c["path"]) for c in plan["changes"]}
    assert {c["action"] for c in plan["changes"]} == {"create"}
    assert planned == expected_items(package)
    assert planned >= {("script", "f/phoenix/demo/hello"), ("flow", "f/phoenix/demo/greet"),
                       ("schedule", "f/phoenix/demo/hello_every_5m"), ("trigger", "f/phoenix/demo/greet"),
                       ("resource_type", "c_phoenix_stack"), ("resource", "f/phoenix/phoenix_stack")}


def test_plan_of_the_package_itself_against_an_empty_workspace(capsys):
    plan = plan_json(capsys, "--against-stub")
    planned = {(c["kind"], c["path"]) for c in plan["changes"]}
    assert planned == expected_items(REPO)
    assert ("resource_type", "c_phoenix_stack") in planned and ("folder", "f/phoenix") in planned


def test_plan_leaves_the_checkout_untouched(package, capsys):
    before = sorted(p.relative_to(package).as_posix() for p in package.rglob("*"))
    plan_json(capsys, "--against-stub", "--root", str(package))
    assert sorted(p.relative_to(package).as_posix() for p in package.rglob("*")) == before


def seeded_workspace(token: str) -> StubWorkspace:
    return StubWorkspace(token=token, files={
        "f/phoenix/retired.py": "def main():\n    return 1\n",
        "f/phoenix/retired.script.json": json.dumps(OLD_SCRIPT_META),
        "f/phoenix/retired_hourly.schedule.json": json.dumps(
            {"schedule": "0 0 * * * *", "timezone": "UTC", "script_path": "f/phoenix/retired",
             "is_flow": False, "enabled": True, "args": {}}),
    })


@pytest.fixture
def seeded(monkeypatch):
    with WindmillStub(seeded_workspace("tok-" + "d3l3t3-" * 4)) as server:
        monkeypatch.setenv("WINDMILL_URL", server.url)
        monkeypatch.setenv("WINDMILL_WORKSPACE", server.workspace.workspace_id)
        monkeypatch.setenv("WINDMILL_TOKEN", server.workspace.token)
        yield server


def test_plan_shows_deletions_and_refuses_them(package, seeded, capsys):
    code = deploy.main(["plan", "--root", str(package)])
    out = capsys.readouterr().out
    assert code == deploy.EXIT_REFUSED
    assert "- script        f/phoenix/retired" in out
    assert "- schedule      f/phoenix/retired_hourly" in out
    assert "refused: 2 remote item(s) would be deleted" in out
    assert deploy.main(["plan", "--root", str(package), "--allow-delete"]) == 0


def test_push_refuses_to_delete_and_sends_nothing(package, seeded, capsys):
    code = deploy.main(["push", "--root", str(package)])
    out = capsys.readouterr().out
    assert code == deploy.EXIT_REFUSED, out
    assert "push: nothing sent" in out
    assert seeded.workspace.writes == []


def test_push_with_allow_delete_deletes_through_the_real_cli(package, seeded, capsys):
    assert deploy.main(["push", "--root", str(package), "--allow-delete"]) == 0, capsys.readouterr().out
    writes = [(method, what) for method, what, _ in seeded.workspace.writes]
    assert ("DELETE", "scripts/archive/f/phoenix/retired") in writes
    assert ("DELETE", "schedules/delete/f/phoenix/retired_hourly") in writes


def test_push_to_an_empty_workspace_creates_everything(package, target_env, capsys):
    assert deploy.main(["push", "--root", str(package)]) == 0, capsys.readouterr().out
    ws = target_env.workspace
    writes = [what for _, what, _ in ws.writes]
    assert writes.count("scripts/create") == 2  # hello and the lib module
    assert {"flows/create", "schedules/create", "http_triggers/create", "folders/create",
            "resource_type_create", "resource_create"} <= set(writes)
    assert not any(method == "DELETE" for method, _, _ in ws.writes)
    assert ws.unknown == []
    assert not (package / "wmill-lock.yaml").exists()  # the CLI ran in a staging copy
    created = {body["path"]: body for _, what, body in ws.writes if what == "scripts/create"}
    hello = created["f/phoenix/demo/hello"]
    assert hello["schema"]["properties"]["stack"]["format"] == "resource-c_phoenix_stack"
    assert hello["summary"] == "Greet someone."
    assert hello["schema"]["properties"]["name"]["description"] == "Who to greet."
    # The CLI never sends no_main_func; the server (and the stand-in) decide it from the code.
    assert not any("no_main_func" in body for body in created.values())
    assert ws.items["scripts"]["f/phoenix/lib/stack"]["no_main_func"] is True
    assert "no_main_func" not in ws.items["scripts"]["f/phoenix/demo/hello"]


def test_push_refuses_a_tree_that_fails_check(package, target_env, capsys):
    (package / "f/phoenix/demo/test_hello.py").write_text("")
    assert deploy.main(["push", "--root", str(package)]) == deploy.EXIT_PROBLEMS
    assert "push: not sent" in capsys.readouterr().out
    assert target_env.workspace.requests == []


def test_no_command_prints_the_token(package, target_env, capfd):
    token = target_env.workspace.token
    for argv in (["plan"], ["plan", "--json"], ["resources"], ["push"]):
        deploy.main([*argv, "--root", str(package)])
    out, err = capfd.readouterr()
    assert token not in out and token not in err
    assert "s3cr3t" not in out + err
    assert target_env.workspace.requests  # it did talk to the workspace, with the token


def test_a_rejected_token_is_reported_without_the_token(package, target_env, monkeypatch, capfd):
    wrong = "tok-" + "wr0ng-" * 4
    monkeypatch.setenv("WINDMILL_TOKEN", wrong)
    for argv in (["plan"], ["resources"], ["push", "--skip-check"]):
        assert deploy.main([*argv, "--root", str(package)]) != 0
    out, err = capfd.readouterr()
    assert wrong not in out + err
    assert "401" in err or "Unauthorized" in out + err


def test_missing_target_is_a_clear_error(package, monkeypatch, capsys):
    for name in ("WINDMILL_URL", "WINDMILL_WORKSPACE", "WINDMILL_TOKEN", "BASE_URL", "WM_WORKSPACE", "WM_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    assert deploy.main(["plan", "--root", str(package)]) == 2
    assert "set WINDMILL_URL, WINDMILL_WORKSPACE, WINDMILL_TOKEN" in capsys.readouterr().err


def test_unreachable_workspace_is_a_clear_error(package, monkeypatch, closed_port, capsys):
    monkeypatch.setenv("WINDMILL_URL", f"http://127.0.0.1:{closed_port}")
    monkeypatch.setenv("WINDMILL_WORKSPACE", "phoenix")
    monkeypatch.setenv("WINDMILL_TOKEN", "tok-unreachable")
    assert deploy.main(["plan", "--root", str(package)]) == 2
    err = capsys.readouterr().err
    assert "wmill sync push --dry-run" in err and "tok-unreachable" not in err


def test_target_repr_hides_the_token():
    target = pushing.Target("http://127.0.0.1:1/", "phoenix", "tok-hidden")
    assert "tok-hidden" not in repr(target) + str(target)


# --- resources -----------------------------------------------------------------

def test_resources_are_created_once_and_the_workspace_value_wins(package, target_env, capsys):
    ws = target_env.workspace
    assert deploy.main(["resources", "--root", str(package)]) == 0
    assert "resources: 2 change(s) applied" in capsys.readouterr().out
    stack = ws.resources["f/phoenix/phoenix_stack"]
    assert stack["resource_type"] == "c_phoenix_stack" and stack["value"]["root"] == "~/BooPhoenix"
    assert ws.resource_types["c_phoenix_stack"]["schema"]["properties"]["routing"]["type"] == "object"

    stack["value"]["root"] = "/home/operator/BooPhoenix"  # the operator edits it in Windmill
    writes_before = len(ws.writes)
    assert deploy.main(["resources", "--root", str(package)]) == 0
    out = capsys.readouterr().out
    assert "resources: 0 change(s) applied" in out and "is kept" in out
    assert len(ws.writes) == writes_before
    assert ws.resources["f/phoenix/phoenix_stack"]["value"]["root"] == "/home/operator/BooPhoenix"

    assert deploy.main(["resources", "--root", str(package), "--overwrite-resources"]) == 0
    assert ws.resources["f/phoenix/phoenix_stack"]["value"]["root"] == "~/BooPhoenix"


def test_resource_type_follows_the_code(package, target_env, capsys):
    ws = target_env.workspace
    deploy.main(["resources", "--root", str(package)])
    ws.resource_types["c_phoenix_stack"]["schema"] = {"type": "object"}  # an older version
    capsys.readouterr()
    assert deploy.main(["plan", "--json", "--root", str(package)]) == 0
    changes = json.loads(capsys.readouterr().out)["changes"]
    assert {"action": "update", "kind": "resource_type", "path": "c_phoenix_stack"} in changes
    assert deploy.main(["resources", "--root", str(package)]) == 0
    expected = yaml.safe_load((package / "resources/c_phoenix_stack.resource-type.yaml").read_text())
    assert ws.resource_types["c_phoenix_stack"]["schema"] == expected["schema"]


def test_inference_tag_is_mapped_at_push_time_only(package, target_env, capsys):
    meta_file = package / "f/phoenix/demo/hello.script.yaml"
    meta = yaml.safe_load(meta_file.read_text())
    meta["tag"] = pushing.INFERENCE_TAG
    meta_file.write_text(yaml.safe_dump(meta, sort_keys=False))
    assert deploy.main(["plan", "--root", str(package)]) == 0
    assert "1 inference script(s) will run only on workers with 'phoenix-inference'" in capsys.readouterr().out
    assert deploy.main(["push", "--root", str(package), "--inference-tag", "gpu"]) == 0, capsys.readouterr().out
    created = {body["path"]: body for _, what, body in target_env.workspace.writes if what == "scripts/create"}
    assert created["f/phoenix/demo/hello"]["tag"] == "gpu"
    assert created["f/phoenix/lib/stack"].get("tag") is None
    assert yaml.safe_load(meta_file.read_text())["tag"] == pushing.INFERENCE_TAG


@pytest.mark.parametrize("tag", ["gpu, python3", "my gpu", "", "gpu\nextra"])
def test_an_inference_tag_no_worker_could_match_is_refused_before_anything_is_sent(package, target_env, capsys,
                                                                                 tag):
    assert deploy.main(["push", "--root", str(package), "--inference-tag", tag]) == 2
    assert "is not a worker tag: one word" in capsys.readouterr().err
    assert target_env.workspace.writes == []


def test_ci_step_is_check_then_plan_against_the_stand_in(package, capsys, monkeypatch):
    monkeypatch.delenv("WINDMILL_TOKEN", raising=False)  # CI needs no Windmill and no token
    assert deploy.main(["ci", "--root", str(package)]) == 0
    out = capsys.readouterr().out
    assert "check: the tree is ready to push" in out and "+ flow          f/phoenix/demo/greet" in out
    (package / "f/phoenix/demo/greet__flow/a.py").unlink()
    assert deploy.main(["ci", "--root", str(package)]) == deploy.EXIT_PROBLEMS
    assert "Plan for" not in capsys.readouterr().out


def test_workspace_resources_and_variables_are_never_deleted_by_a_push(package, monkeypatch, capsys):
    """wmill.yaml leaves resources, resource types and variables out of sync: the operator's stay."""
    remote = StubWorkspace(token="tok-keep", files={
        "f/phoenix/phoenix_stack.resource.json": json.dumps(
            {"resource_type": "c_phoenix_stack", "value": {"root": "/srv/phoenix"}, "description": ""}),
        "f/phoenix/n8n_api_key.variable.json": json.dumps(
            {"value": "", "is_secret": True, "description": "n8n API key"}),
        "c_phoenix_stack.resource-type.json": json.dumps({"schema": {"type": "object"}, "description": ""}),
    })
    with WindmillStub(remote) as server:
        monkeypatch.setenv("WINDMILL_URL", server.url)
        monkeypatch.setenv("WINDMILL_WORKSPACE", "phoenix")
        monkeypatch.setenv("WINDMILL_TOKEN", "tok-keep")
        assert deploy.main(["plan", "--json", "--root", str(package)]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert [c for c in plan["changes"] if c["action"] == "delete"] == []
    tarball_queries = [path for method, path in remote.requests if path.endswith("/workspaces/tarball")]
    assert tarball_queries  # the real CLI asked for the export, with wmill.yaml's skip flags


def test_without_the_skip_flags_the_same_workspace_would_lose_them(package, monkeypatch, capsys):
    """The control: the stand-in does export them, so the test above can fail."""
    config = yaml.safe_load((package / "wmill.yaml").read_text())
    config.update(skipResources=False, skipVariables=False, skipResourceTypes=False)
    (package / "wmill.yaml").write_text(yaml.safe_dump(config))
    remote = StubWorkspace(token="tok-keep", files={
        "f/phoenix/phoenix_stack.resource.json": json.dumps(
            {"resource_type": "c_phoenix_stack", "value": {"root": "/srv/phoenix"}, "description": ""})})
    with WindmillStub(remote) as server:
        monkeypatch.setenv("WINDMILL_URL", server.url)
        monkeypatch.setenv("WINDMILL_WORKSPACE", "phoenix")
        monkeypatch.setenv("WINDMILL_TOKEN", "tok-keep")
        assert deploy.main(["plan", "--root", str(package)]) == deploy.EXIT_REFUSED
    assert "- resource      f/phoenix/phoenix_stack" in capsys.readouterr().out


def test_push_from_a_git_checkout_labels_the_deployment(package, target_env, capsys):
    import subprocess
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid"]
    subprocess.run([*git, "init", "-q"], cwd=package, check=True)
    subprocess.run([*git, "add", "-A"], cwd=package, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "x"], cwd=package, check=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=package, capture_output=True,
                            text=True).stdout.strip()
    assert deploy.main(["push", "--root", str(package)]) == 0, capsys.readouterr().out
    created = [body for _, what, body in target_env.workspace.writes if what == "scripts/create"]
    assert {body["deployment_message"] for body in created} == {f"phoenix deploy of {commit}"}


def test_plan_shows_updates_and_leaves_identical_items_out(package, monkeypatch, capsys):
    from tests.deploy.sample_package import HELLO
    meta = json.dumps(yaml.safe_load((package / "f/phoenix/demo/hello.script.yaml").read_text()))
    for remote_code, expected in ((HELLO, None), (HELLO.replace("hello {name}", "hi {name}"), "update")):
        remote = StubWorkspace(token="tok-upd", files={"f/phoenix/demo/hello.py": remote_code,
                                                       "f/phoenix/demo/hello.script.json": meta})
        with WindmillStub(remote) as server:
            monkeypatch.setenv("WINDMILL_URL", server.url)
            monkeypatch.setenv("WINDMILL_WORKSPACE", "phoenix")
            monkeypatch.setenv("WINDMILL_TOKEN", "tok-upd")
            changes = plan_json(capsys, "--root", str(package))["changes"]
        actions = [c["action"] for c in changes if (c["kind"], c["path"]) == ("script", "f/phoenix/demo/hello")]
        assert actions == ([expected] if expected else [])


def test_lifecycle_push_then_plan_is_empty_then_edits_and_removals_show(package, target_env, capsys):
    """The stand-in keeps what was pushed in its export, so the real CLI compares against it."""
    assert deploy.main(["push", "--root", str(package)]) == 0, capsys.readouterr().out
    capsys.readouterr()
    assert plan_json(capsys, "--root", str(package))["changes"] == []

    hello = package / "f/phoenix/demo/hello.py"
    hello.write_text(hello.read_text().replace("hello {name}", "hi {name}"))
    (package / "f/phoenix/demo/hello_every_5m.schedule.yaml").unlink()
    assert deploy.main(["plan", "--root", str(package)]) == deploy.EXIT_REFUSED
    out = capsys.readouterr().out
    assert "~ script        f/phoenix/demo/hello" in out
    assert "- schedule      f/phoenix/demo/hello_every_5m" in out
    assert "1 to create" not in out and "0 to create, 1 to update, 1 to delete" in out


@pytest.mark.parametrize("url, message", [
    ("notaurl", "WINDMILL_URL must be an http(s) URL"),
    ("http://admin:pw-in-url@127.0.0.1:1/", "WINDMILL_URL must not hold credentials"),
])
def test_a_bad_target_url_is_refused_without_echoing_it(package, monkeypatch, capfd, url, message):
    monkeypatch.setenv("WINDMILL_URL", url)
    monkeypatch.setenv("WINDMILL_WORKSPACE", "phoenix")
    monkeypatch.setenv("WINDMILL_TOKEN", "tok-bad-url")
    assert deploy.main(["plan", "--root", str(package)]) == 2
    out, err = capfd.readouterr()
    assert message in err
    assert "pw-in-url" not in out + err and "tok-bad-url" not in out + err


def test_a_hanging_workspace_is_a_clear_error_at_the_deadline(package, monkeypatch, capfd):
    import socket

    with socket.socket() as silent:  # accepts (kernel backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        monkeypatch.setattr(pushing, "PUSH_TIMEOUT_S", 3)
        monkeypatch.setenv("WINDMILL_URL", f"http://127.0.0.1:{silent.getsockname()[1]}")
        monkeypatch.setenv("WINDMILL_WORKSPACE", "phoenix")
        monkeypatch.setenv("WINDMILL_TOKEN", "tok-hanging")
        assert deploy.main(["plan", "--root", str(package)]) == 2
    out, err = capfd.readouterr()
    assert "did not finish within 3 s" in err and "tok-hanging" not in out + err
    assert "Traceback" not in err
