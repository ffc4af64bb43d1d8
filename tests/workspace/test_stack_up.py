"""``scripts/stack.py plan`` and ``up`` in the situations that matter, against the podman stand-in.

No container can start here (crun fails on cgroups), so ``podman`` is
``podman_standin.py`` on PATH, and a started pod's services are loopback
stand-ins on the pod's ports (``service_standins.py``). Everything else is
real: ``scripts/stack.py`` in its own process, real ports and listeners, the
real health checks, the real ``deploy.py push`` with the real wmill CLI.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
from pathlib import Path

import pytest

from tests.workspace.conftest import REPO, free_ports, run_stack, write_stack
from tests.workspace.service_standins import serve

PASSWORD = "pw-Zq8!x@y:z/42"
TOKEN = "wm-token-7d1f0c9a"
N8N_KEY = "n8n-key-55aa77"
SEED_FOLDERS = {"windmill": ("data", "scripts", "flows"), "ollama-integration": ("models", "configs", "api-bridge"),
                "hf-models": ("zyphra", "nous", "cache")}


def tree(root: Path) -> dict:
    """Every path under the root with its content (files) or None (folders): what 'nothing changed' means."""
    return {p.relative_to(root).as_posix(): (p.read_bytes() if p.is_file() else None, p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*"))}


def pods(podman) -> dict:
    state = podman.state()
    result = {}
    for pod in state.get("pods", []):
        members = [c for c in state["containers"] if c.get("Pod") == pod["Id"] and not c.get("IsInfra")]
        result[pod["Name"]] = {c["Name"]: c["State"] for c in members}
    return result


def plays(podman) -> list[str]:
    """The pod each ``kube play`` created, in order (the stand-in records argv, the pods record names)."""
    return [call for call in podman.changes() if call[:2] == ["kube", "play"]]


def listener():
    """A real loopback listener that accepts and never answers: something that is not the service."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    return sock


# --- nothing running ------------------------------------------------------------

def test_nothing_running_plan_up_and_a_second_up_that_changes_nothing(podman, stack_file, root):
    before = tree(root)
    planned = run_stack(podman, "plan", "--stack", str(stack_file), env={"PHOENIX_DB_PASSWORD": PASSWORD})
    assert planned.returncode == 0, planned.stderr
    for line in ("create   pod windmill:", "create   pod windmill-workers:", "create   pod windmill-inference:",
                 "create   pod ollama:", "create   pod n8n:", "create   secret phoenix-db: from $PHOENIX_DB_PASSWORD",
                 "create   folder windmill/: missing (with data, scripts, flows)", "pull     image",
                 "Detected services (the seed's 'Servicios detectados'): none"):
        assert line in planned.stdout
    assert podman.changes() == [] and tree(root) == before  # a plan changes nothing

    done = run_stack(podman, "up", "--stack", str(stack_file), "--no-deploy", env={"PHOENIX_DB_PASSWORD": PASSWORD})
    assert done.returncode == 0, done.stdout + done.stderr
    assert pods(podman) == {
        "windmill": {"windmill-db-phoenix": "running", "windmill-phoenix": "running"},
        "windmill-workers": {"windmill-workers-phoenix-1": "running", "windmill-workers-phoenix-2": "running"},
        "windmill-inference": {"windmill-inference-phoenix-1": "running"},
        "ollama": {"ollama-phoenix": "running"}, "n8n": {"n8n-phoenix": "running"}}
    for line in ("healthy: postgres", "healthy: windmill (version", "healthy: windmill-workers containers",
                 "healthy: ollama", "healthy: n8n (healthz and readiness OK)",
                 "created secret phoenix-db (from $PHOENIX_DB_PASSWORD; the value is not shown)"):
        assert line in done.stdout
    assert "waiting for" in done.stderr or "pulling" in done.stdout  # progress is shown
    for folder, subfolders in SEED_FOLDERS.items():
        assert all((root / folder / sub).is_dir() for sub in subfolders)
    assert (root / "windmill-db-phoenix").is_dir() and (root / "windmill/data/logs").is_dir()
    assert (root / ".roo" / "core.yaml").read_text() == "mode: orchestrator\n"
    secret = podman.state()["secrets"][0]
    assert secret["Name"] == "phoenix-db" and secret["Labels"]["phoenix-stack/format"] == "kubernetes"
    assert secret["Keys"]["password"] == hashlib.sha256(PASSWORD.encode()).hexdigest()

    podman.forget_calls()
    after_first = tree(root)
    again = run_stack(podman, "up", "--stack", str(stack_file), "--no-deploy")
    assert again.returncode == 0, again.stdout + again.stderr
    assert podman.changes() == [], "a second up must change nothing"
    assert tree(root) == after_first
    assert "nothing to change: everything the stack needs is there" in again.stdout
    assert "up: 0 change(s)" in again.stdout
    for name in ("windmill", "windmill-workers", "windmill-inference", "ollama", "n8n"):
        assert f"left alone: pod {name}: running" in again.stdout


def test_without_a_password_one_is_generated_and_never_shown(podman, stack_file):
    done = run_stack(podman, "up", "--stack", str(stack_file), "--no-deploy")
    assert done.returncode == 0, done.stderr
    assert "created secret phoenix-db (generated; the value is not shown)" in done.stdout
    assert set(podman.state()["secrets"][0]["Keys"]) == {"password", "database_url", "workers_database_url"}


# --- what already runs is kept ----------------------------------------------------

def test_an_n8n_already_running_on_its_port_is_kept_not_duplicated(podman, stack_file, ports):
    podman.seed(containers=[{"Id": "c0ffee" * 10, "Name": "n8n", "Image": "docker.io/n8nio/n8n:1.80.0",
                             "State": "running", "Labels": {}, "Pod": "",
                             "Ports": [{"host_ip": "", "container_port": 5678, "host_port": ports.n8n,
                                        "range": 1, "protocol": "tcp"}]}])
    with serve("n8n", "127.0.0.1", ports.n8n):
        planned = run_stack(podman, "plan", "--stack", str(stack_file))
        assert planned.returncode == 0, planned.stderr
        assert (f"keep     n8n at 127.0.0.1:{ports.n8n}: already served by container n8n; "
                "Phoenix's pod n8n is not created") in planned.stdout
        assert "n8n (running, 0.0.0.0:" in planned.stdout  # the audit lists it
        done = run_stack(podman, "up", "--stack", str(stack_file), "--no-deploy")
        assert done.returncode == 0, done.stdout + done.stderr
        assert "n8n" not in pods(podman) and len(plays(podman)) == 4
        assert [c["Name"] for c in podman.state()["containers"] if "n8n" in c["Name"]] == ["n8n"]
        assert "healthy: n8n" in done.stdout
        stopped = run_stack(podman, "down", "--stack", str(stack_file))
        assert stopped.returncode == 0
        assert "left alone: n8n (running" in stopped.stdout
        assert ["pod", "stop", "n8n"] not in podman.changes()
        assert next(c for c in podman.state()["containers"] if c["Name"] == "n8n")["State"] == "running"


def test_an_n8n_running_outside_podman_is_kept_too(podman, stack_file, ports):
    with serve("n8n", "127.0.0.1", ports.n8n):
        planned = run_stack(podman, "plan", "--stack", str(stack_file))
        assert f"keep     n8n at 127.0.0.1:{ports.n8n}: already answering (healthz and readiness OK)" in planned.stdout


def test_a_seed_container_that_is_stopped_is_started_instead_of_a_new_pod(podman, stack_file, ports):
    podman.seed(containers=[{"Id": "5eed" * 16, "Name": "ollama-phoenix", "Image": "docker.io/ollama/ollama:latest",
                             "State": "exited", "Labels": {}, "Pod": "", "_kind": "ollama",
                             "_ports": [{"host_ip": "127.0.0.1", "host_port": ports.ollama}],
                             "Ports": [{"host_ip": "127.0.0.1", "container_port": 11434, "host_port": ports.ollama,
                                        "range": 1, "protocol": "tcp"}]}])
    planned = run_stack(podman, "plan", "--stack", str(stack_file))
    assert "start    container ollama-phoenix: exited; it publishes" in planned.stdout
    done = run_stack(podman, "up", "--stack", str(stack_file), "--no-deploy")
    assert done.returncode == 0, done.stdout + done.stderr
    assert ["start", "ollama-phoenix"] in podman.changes()
    assert "ollama" not in pods(podman) and "healthy: ollama" in done.stdout


def test_a_running_windmill_is_kept_and_the_workers_join_its_database(podman, stack_file, ports):
    with serve("windmill", "127.0.0.1", ports.windmill), serve("postgres", "127.0.0.1", ports.postgres):
        planned = run_stack(podman, "plan", "--stack", str(stack_file))
        assert planned.returncode == 3  # its database has a password Phoenix cannot make up
        assert "its password is needed: set $PHOENIX_DB_PASSWORD" in planned.stdout
        planned = run_stack(podman, "plan", "--stack", str(stack_file), env={"PHOENIX_DB_PASSWORD": PASSWORD})
        assert planned.returncode == 0, planned.stdout
        assert f"keep     windmill at 127.0.0.1:{ports.windmill}: already answering (version CE" in planned.stdout
        assert f"joins the running Windmill through 127.0.0.1:{ports.postgres}" in planned.stdout
        assert "create   pod windmill:" not in planned.stdout


def test_a_service_on_another_machine_is_left_to_it(podman, tmp_path, root, ports):
    stack = write_stack(tmp_path, root, ports)
    text = stack.read_text().replace(f"http://127.0.0.1:{ports.ollama}", "http://192.0.2.10:11434")
    stack.write_text(text)
    planned = run_stack(podman, "plan", "--stack", str(stack))
    assert "skip     pod ollama: ollama at 192.0.2.10:11434 is another machine's" in planned.stdout


# --- refused before any change -------------------------------------------------------

def test_a_port_taken_by_something_else_is_refused_before_any_change(podman, tmp_path, root, ports):
    taken = listener()
    try:
        ports.ollama = taken.getsockname()[1]
        stack = write_stack(tmp_path, root, ports)
        before = tree(root)
        planned = run_stack(podman, "plan", "--stack", str(stack), env={"PHOENIX_DB_PASSWORD": PASSWORD})
        assert planned.returncode == 3
        assert (f"conflict ollama at 127.0.0.1:{ports.ollama}: port {ports.ollama} is in use by something that "
                "does not answer as ollama") in planned.stdout
        assert "change services.ollama.url" in planned.stdout
        done = run_stack(podman, "up", "--stack", str(stack), env={"PHOENIX_DB_PASSWORD": PASSWORD})
        assert done.returncode == 3
        assert "up: refused, nothing changed (1 conflict(s) above)" in done.stdout
        assert podman.changes() == [] and tree(root) == before
        assert all(call[0] in ("version", "ps", "pod", "secret", "image") for call in podman.calls())
    finally:
        taken.close()


def test_windmills_postgres_port_taken_by_another_database_is_a_conflict(podman, stack_file, ports):
    with serve("postgres", "127.0.0.1", ports.postgres):
        planned = run_stack(podman, "plan", "--stack", str(stack_file))
        assert planned.returncode == 3
        assert "port in use by a database Phoenix did not start" in planned.stdout


def test_containers_made_by_hand_with_phoenixs_names_are_a_conflict(podman, stack_file):
    podman.seed(containers=[{"Id": "ab" * 32, "Name": "windmill-db-phoenix", "Image": "postgres:13", "State": "exited",
                             "Labels": {}, "Pod": "", "Ports": []}])
    planned = run_stack(podman, "plan", "--stack", str(stack_file))
    assert planned.returncode == 3
    assert "container(s) windmill-db-phoenix exist outside Phoenix's pods" in planned.stdout


def test_a_pod_of_phoenixs_name_that_phoenix_did_not_make_is_a_conflict(podman, stack_file):
    podman.seed(pods=[{"Id": "cd" * 32, "Name": "ollama", "InfraId": "ef" * 32, "Created": "x", "Labels": {}}])
    planned = run_stack(podman, "plan", "--stack", str(stack_file))
    assert planned.returncode == 3 and "conflict pod ollama: a pod of that name exists and Phoenix did not make it" \
        in planned.stdout


def test_an_older_postgres_database_folder_is_a_conflict(podman, stack_file, root):
    (root / "windmill-db-phoenix").mkdir()
    (root / "windmill-db-phoenix" / "PG_VERSION").write_text("13\n")
    planned = run_stack(podman, "plan", "--stack", str(stack_file), env={"PHOENIX_DB_PASSWORD": PASSWORD})
    assert planned.returncode == 3
    assert "holds a PostgreSQL 13 database but the image is docker.io/library/postgres:16.13" in planned.stdout


def test_an_existing_database_needs_its_own_password(podman, stack_file, root):
    (root / "windmill-db-phoenix").mkdir()
    (root / "windmill-db-phoenix" / "PG_VERSION").write_text("16\n")
    planned = run_stack(podman, "plan", "--stack", str(stack_file))
    assert planned.returncode == 3
    assert "windmill-db-phoenix/ already holds a database, so its password is needed" in planned.stdout
    planned = run_stack(podman, "plan", "--stack", str(stack_file), env={"PHOENIX_DB_PASSWORD": PASSWORD})
    assert planned.returncode == 0 and "create   secret phoenix-db: from $PHOENIX_DB_PASSWORD" in planned.stdout


def test_a_gpu_needs_podman_5_4(podman, tmp_path, root, ports):
    stack = write_stack(tmp_path, root, ports, gpu={"workers": True})
    podman.seed(version="5.3.1")
    planned = run_stack(podman, "plan", "--stack", str(stack))
    assert planned.returncode == 3
    assert "Podman 5.3.1 does not pass CDI devices to pods: Podman 5.4 or later is needed" in planned.stdout
    podman.seed(version="5.4.0")
    assert run_stack(podman, "plan", "--stack", str(stack)).returncode == 0


def test_a_missing_root_is_refused(podman, tmp_path, ports):
    stack = write_stack(tmp_path, tmp_path / "nowhere", ports)
    planned = run_stack(podman, "plan", "--stack", str(stack))
    assert planned.returncode == 3 and "does not exist: Phoenix joins an operator's folder" in planned.stdout
    assert not (tmp_path / "nowhere").exists()


def test_a_secret_written_for_another_podman_is_a_conflict(podman, stack_file):
    podman.seed(secrets=[{"ID": "1" * 25, "Name": "phoenix-db", "CreatedAt": "x", "Keys": {},
                          "Labels": {"phoenix-stack/format": "raw-data"}}])
    planned = run_stack(podman, "plan", "--stack", str(stack_file))
    assert planned.returncode == 3
    assert "it was written for Podman 4.3 and Podman 5.4.2 reads another form" in planned.stdout


def test_podman_4_3_gets_the_secret_in_the_form_it_reads(podman, stack_file):
    podman.seed(version="4.3.1")
    done = run_stack(podman, "up", "--stack", str(stack_file), "--no-deploy", env={"PHOENIX_DB_PASSWORD": PASSWORD})
    assert done.returncode == 0, done.stderr
    secret = podman.state()["secrets"][0]
    assert secret["Labels"]["phoenix-stack/format"] == "raw-data"
    assert secret["Keys"]["password"] == hashlib.sha256(PASSWORD.encode()).hexdigest()


# --- a service that never becomes healthy ---------------------------------------------

def test_a_service_that_never_becomes_healthy_is_named_and_nothing_is_half_deployed_silently(podman, tmp_path, root,
                                                                                           ports):
    stack = write_stack(tmp_path, root, ports, health_timeout_s=3)
    podman.seed(unhealthy=["ollama"])
    done = run_stack(podman, "up", "--stack", str(stack), env={"PHOENIX_DB_PASSWORD": PASSWORD, "WINDMILL_TOKEN": TOKEN})
    assert done.returncode == 1
    error = done.stderr
    assert "up: ollama did not become healthy within 3 s: http://127.0.0.1:" in error
    assert ("Started by this up and left running (see `python scripts/stack.py logs`): pod windmill, "
            "pod windmill-workers, pod windmill-inference, pod ollama.") in error
    assert "Not started: pod n8n." in error
    assert ("Not run: stack resource f/phoenix/phoenix_stack, n8n API key variable, deploy (scripts/deploy.py push), "
            "first health check (f/phoenix/health/check), first n8n pull (f/phoenix/n8n/pull).") in error
    assert "waiting for ollama:" in error  # progress while it waited
    assert "n8n" not in pods(podman)
    record = tmp_path / "windmill.jsonl"
    assert not record.exists() or "/resources/create" not in record.read_text()

    # once the cause is gone, down then up brings it up, keeping what ran
    podman.seed(unhealthy=[])
    assert run_stack(podman, "down", "--stack", str(stack)).returncode == 0
    podman.forget_calls()
    again = run_stack(podman, "up", "--stack", str(stack), "--no-deploy")
    assert again.returncode == 0, again.stdout + again.stderr
    assert ["pod", "start", "ollama"] in podman.changes() and len(plays(podman)) == 1  # only n8n is new
    assert "healthy: ollama" in again.stdout


# --- down, logs, status, replace -------------------------------------------------------------

def test_down_stops_phoenixs_pods_and_removes_nothing(podman, stack_file, root):
    assert run_stack(podman, "up", "--stack", str(stack_file), "--no-deploy").returncode == 0
    podman.forget_calls()
    stopped = run_stack(podman, "down", "--stack", str(stack_file))
    assert stopped.returncode == 0
    assert podman.changes() == [["pod", "stop", name] for name in
                                ("n8n", "ollama", "windmill-inference", "windmill-workers", "windmill")]
    assert "data folders, volumes and secrets are kept" in stopped.stdout
    assert podman.state()["secrets"] and (root / "windmill-db-phoenix").is_dir()
    assert all(state == "exited" for members in pods(podman).values() for state in members.values())
    again = run_stack(podman, "down", "--stack", str(stack_file))
    assert "already stopped: pod windmill" in again.stdout


def test_logs_of_one_service_and_a_clear_error_for_an_unknown_one(podman, stack_file):
    assert run_stack(podman, "up", "--stack", str(stack_file), "--no-deploy").returncode == 0
    shown = run_stack(podman, "logs", "ollama", "--tail", "2", "--stack", str(stack_file))
    assert shown.returncode == 0
    assert shown.stdout.splitlines() == ["== ollama-phoenix (last 2 lines)", "ollama-phoenix: stand-in log line 1",
                                         "ollama-phoenix: stand-in log line 2"]
    workers = run_stack(podman, "logs", "workers", "--stack", str(stack_file))
    assert "== windmill-workers-phoenix-1" in workers.stdout and "== windmill-workers-phoenix-2" in workers.stdout
    unknown = run_stack(podman, "logs", "grafana", "--stack", str(stack_file))
    assert unknown.returncode == 2 and "no container grafana in Phoenix's pods" in unknown.stderr


def test_status_shows_pods_services_and_the_dashboard(podman, stack_file):
    assert run_stack(podman, "up", "--stack", str(stack_file), "--no-deploy").returncode == 0
    shown = run_stack(podman, "status", "--stack", str(stack_file))
    assert shown.returncode == 0, shown.stderr
    assert "  windmill             Running: windmill-db-phoenix running, windmill-phoenix running" in shown.stdout
    assert "  ollama    up " in shown.stdout
    assert "# Phoenix" in shown.stdout and "container windmill-phoenix" in shown.stdout
    data = json.loads(run_stack(podman, "status", "--json", "--no-dashboard", "--stack", str(stack_file)).stdout)
    assert data["services"]["n8n"]["status"] == "up" and "markdown" not in data


def test_a_pod_the_stack_now_renders_differently_is_kept_until_replace(podman, tmp_path, root, ports):
    stack = write_stack(tmp_path, root, ports)
    assert run_stack(podman, "up", "--stack", str(stack), "--no-deploy").returncode == 0
    stack = write_stack(tmp_path, root, ports, images={"ollama": "docker.io/ollama/ollama:0.16.4"})
    planned = run_stack(podman, "plan", "--stack", str(stack))
    assert "keep     pod ollama: running (the stack now renders it differently: `up --replace` recreates it" \
        in planned.stdout
    podman.forget_calls()
    replaced = run_stack(podman, "up", "--replace", "--no-deploy", "--stack", str(stack))
    assert replaced.returncode == 0, replaced.stdout + replaced.stderr
    assert ["kube", "play", "--replace", "-"] in podman.changes()
    assert ["pull", "docker.io/ollama/ollama:0.16.4"] in podman.changes()


def test_a_secret_for_another_database_address_is_a_conflict_on_replace(podman, tmp_path, root, ports):
    stack = write_stack(tmp_path, root, ports)
    assert run_stack(podman, "up", "--stack", str(stack), "--no-deploy").returncode == 0
    ports.postgres = free_ports(1)[0]
    stack = write_stack(tmp_path, root, ports)
    planned = run_stack(podman, "plan", "--stack", str(stack))
    assert planned.returncode == 0 and "keep     pod windmill: running (the stack now renders it differently" \
        in planned.stdout
    planned = run_stack(podman, "plan", "--replace", "--stack", str(stack))
    assert planned.returncode == 3
    assert ("conflict secret phoenix-db: its URLs point at another database (services.postgres or podman.database "
            "changed since it was made): `podman secret rm phoenix-db`, then up again with $PHOENIX_DB_PASSWORD "
            "set to the same password") in planned.stdout


def test_existing_folders_are_left_as_they_are(podman, stack_file, root):
    (root / "windmill").mkdir()
    (root / "windmill" / "notes.md").write_text("mine\n")
    (root / "ollama-integration" / "models").mkdir(parents=True)
    (root / "ollama-integration" / "models" / "blob").write_bytes(b"\0model")
    before = {p: tree(root / p) for p in ("windmill", "ollama-integration", ".roo", "models")}
    done = run_stack(podman, "up", "--stack", str(stack_file), "--no-deploy")
    assert done.returncode == 0, done.stderr
    assert "keep     folder ollama-integration/: exists: left as it is" in done.stdout
    after = tree(root / "ollama-integration")
    assert after == before["ollama-integration"]  # no seed subfolders added to an existing folder
    assert tree(root / ".roo") == before[".roo"] and tree(root / "models") == before["models"]
    windmill = tree(root / "windmill")
    assert windmill["notes.md"] == before["windmill"]["notes.md"]
    # only the folders the pods mount were added, nothing else of the seed's inside an existing folder
    assert sorted(windmill) == ["data", "data/cache", "data/logs", "notes.md"]


# --- the whole up: deploy, resource, first jobs; and no secret anywhere -------------------------

def test_up_deploys_the_package_creates_the_stack_resource_runs_first_jobs_and_shows_no_secret(podman, tmp_path,
                                                                                               stack_file, root):
    git_before = subprocess.run(["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True).stdout
    env = {"PHOENIX_DB_PASSWORD": PASSWORD, "WINDMILL_TOKEN": TOKEN, "N8N_API_KEY": N8N_KEY}
    done = run_stack(podman, "up", "--stack", str(stack_file), env=env, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    requests = [json.loads(line) for line in (tmp_path / "windmill.jsonl").read_text().splitlines()]
    created = next(r["body"] for r in requests if r["path"].endswith("/resources/create")
                   and r["body"]["path"] == "f/phoenix/phoenix_stack")
    assert created["resource_type"] == "c_phoenix_stack" and created["value"]["root"] == str(root)
    assert created["value"]["services"]["ollama"]["url"].startswith("http://127.0.0.1:")
    variable = next(r["body"] for r in requests if r["path"].endswith("/variables/create"))
    assert variable["path"] == "f/phoenix/n8n_api_key" and variable["is_secret"] is True
    assert variable["value"] == "sha256:" + hashlib.sha256(N8N_KEY.encode()).hexdigest()
    assert any(r["path"].endswith("/scripts/create") for r in requests)  # deploy.py push reached Windmill
    jobs = [r for r in requests if "/jobs/run/p/" in r["path"]]
    assert [r["path"].split("/jobs/run/p/")[1] for r in jobs] == ["f/phoenix/health/check", "f/phoenix/n8n/pull"]
    assert all(r["body"] == {"stack": "$res:f/phoenix/phoenix_stack"} for r in jobs)
    for line in ("created f/phoenix/phoenix_stack from", "created secret variable f/phoenix/n8n_api_key from $N8N_API_KEY",
                 "== deploy (scripts/deploy.py push)", "succeeded: Phoenix: system status", "(f/phoenix/n8n/pull) succeeded"):
        assert line in done.stdout

    again = run_stack(podman, "up", "--stack", str(stack_file), env=env, timeout=600)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "left alone: f/phoenix/phoenix_stack exists" in again.stdout
    assert "left alone: f/phoenix/n8n_api_key exists" in again.stdout

    secrets = [PASSWORD, TOKEN, N8N_KEY, PASSWORD.replace("@", "%40"), "Zq8!x"]
    outputs = done.stdout + done.stderr + again.stdout + again.stderr
    argv = json.dumps(podman.calls())
    for value in secrets:
        assert value not in outputs, "a secret in the output"
        assert value not in argv, "a secret on a podman command line"
    for path in list(tmp_path.rglob("*")) + list((REPO / "podman").glob("*")) + list((REPO / "resources").glob("*")):
        if path.is_file():
            data = path.read_bytes()
            assert not any(v.encode() in data for v in secrets), f"a secret in {path}"
    assert subprocess.run(["git", "status", "--porcelain"], cwd=REPO, capture_output=True,
                          text=True).stdout == git_before, "up wrote into the checkout"


def test_without_a_windmill_token_the_windmill_steps_say_they_did_not_run(podman, stack_file):
    done = run_stack(podman, "up", "--stack", str(stack_file))
    assert done.returncode == 0, done.stderr
    assert "not run: stack resource, deploy, first health check and n8n pull: $WINDMILL_TOKEN is not set" in done.stdout
    assert done.stdout.index("healthy: n8n") < done.stdout.index("not run:")  # said at the end, in its place


def test_no_podman_is_a_clear_error(tmp_path, stack_file):
    env = {k: v for k, v in os.environ.items() if k != "PATH"}
    env["PATH"] = str(tmp_path)  # nothing there
    done = subprocess.run([os.sys.executable, str(REPO / "scripts" / "stack.py"), "plan", "--stack", str(stack_file)],
                          env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert done.returncode == 2
    assert "no podman command on this machine: install Podman" in done.stderr


@pytest.mark.parametrize("verb", ["plan", "up", "status", "logs", "down", "render"])
def test_a_bad_stack_file_is_named_with_its_key(podman, tmp_path, verb):
    bad = tmp_path / "bad.yaml"
    bad.write_text("podman:\n  workers:\n    default: many\n")
    done = run_stack(podman, verb, "--stack", str(bad))
    assert done.returncode == 2
    assert f"{bad}: podman.workers.default:" in done.stderr


def test_free_ports_helper_gives_distinct_ports():
    assert len(set(free_ports(4))) == 4
