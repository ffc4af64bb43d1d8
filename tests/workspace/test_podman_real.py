"""The pods against the real Podman (Debian's 4.3 here), as far as this machine lets Podman go.

Containers cannot start in this sandbox (crun cannot set up cgroups), but
everything before the start is Podman's own work and runs: ``podman kube
play --start=false`` parses each pod, checks its volumes (host folders, the
secret and its ``optional``), creates the pod with its infra container and
port bindings, the containers with their environment and mounts, and writes
the secret's keys as files. The tests then read back what Podman made
(``inspect``, the secret's files) and round-trip the pods through ``podman
kube generate``. The same storage also checks that our client reads the real
JSON and that the podman stand-in speaks it. Nothing is pulled: a tiny local
image is tagged with every pinned name. Storage, networks and state live in a
temp folder (``--root``, ``--runroot``, ``--network-config-dir``...), so the
machine's own Podman is not touched.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
import yaml

from lib.stack import load_stack
from lib.workspace.db_secret import (RAW, database_address, secret_document, secret_format, secret_labels,
                                     secret_values)
from lib.workspace.plan import make_plan
from lib.workspace.podman_cli import Podman, PodmanError
from lib.workspace.pods import SECRET_NAME, render_pods
from lib.workspace.survey import take_survey
from tests.workspace import podman_standin

PASSWORD = "real-pw:@/x"

pytestmark = pytest.mark.skipif(shutil.which("podman") is None, reason=(
    "Debian's podman is not installed: `python scripts/setup.py --for-tests` installs it with apt-get "
    "(as root); without it only the stand-in tests run"))


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    base = tmp_path_factory.mktemp("podman")
    command = ["podman", "--root", str(base / "root"), "--runroot", str(base / "run"), "--tmpdir", str(base / "tmp"),
               "--network-config-dir", str(base / "net"), "--storage-driver", "vfs", "--events-backend", "file",
               "--cgroup-manager", "cgroupfs"]
    (base / "net").mkdir()
    probe = subprocess.run([*command, "info", "--format", "json"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"podman cannot use a private storage here: {probe.stderr.strip()[-300:]}")
    rootfs = base / "rootfs"
    rootfs.mkdir()
    (rootfs / "entrypoint").write_text("never started here\n")
    with tarfile.open(base / "rootfs.tar", "w") as tar:
        tar.add(rootfs, arcname=".")
    run([*command, "import", "--change", 'CMD ["/entrypoint"]', str(base / "rootfs.tar"), "localhost/phoenix-test:1"])
    return command, base


@pytest.fixture(scope="module")
def played(real):
    """Every pod of a default stack created (not started) by the real Podman, with its secret and folders."""
    command, base = real
    root = base / "BooPhoenix"
    (root / "models" / "quantized").mkdir(parents=True)
    stack = load_stack({"root": str(root)})
    podman = Podman(command)
    for image in stack.podman.images.model_dump().values():
        run([*command, "tag", "localhost/phoenix-test:1", image])
    version, _ = podman.version()
    values = secret_values(stack, PASSWORD)
    fmt = secret_format(version)
    podman.create_secret(SECRET_NAME, secret_document(values, fmt), secret_labels(stack, fmt))
    pods = render_pods(stack)
    for pod in pods:
        for folder in pod.folders:
            folder.mkdir(parents=True, exist_ok=True)
        podman.play(pod.yaml(), start=False)
    return stack, podman, pods, values, version


def run(argv: list[str]) -> str:
    done = subprocess.run(argv, capture_output=True, text=True)
    assert done.returncode == 0, f"{' '.join(argv[:1] + argv[-3:])}: {done.stderr[-500:]}"
    return done.stdout


def inspect(real, *names: str) -> dict:
    command, _ = real
    return {entry["Name"]: entry for entry in json.loads(run([*command, "container", "inspect", *names]))}


def test_real_podman_creates_every_pod_as_rendered(real, played):
    stack, podman, pods, values, _ = played
    names = [name for pod in pods for name in pod.containers]
    assert names == ["windmill-db-phoenix", "windmill-phoenix", "windmill-workers-phoenix-1",
                     "windmill-workers-phoenix-2", "windmill-inference-phoenix-1", "ollama-phoenix", "n8n-phoenix"]
    found = inspect(real, *names)
    for pod in pods:
        for container in pod.document["spec"]["containers"]:
            entry = found[f"{pod.name}-{container['name']}"]
            assert entry["ImageName"] == container["image"]
            env = entry["Config"]["Env"]
            for variable in container["env"]:
                assert f"{variable['name']}={variable['value']}" in env
            assert not any(PASSWORD in item or "postgres://" in item for item in env), "a secret in the environment"
            mounts = {m["Destination"]: m["RW"] for m in entry["Mounts"]}
            for mount in container["volumeMounts"]:
                assert mounts[mount["mountPath"]] is (not mount.get("readOnly", False)), mount
            if pod.document["spec"].get("hostNetwork"):
                assert entry["HostConfig"]["NetworkMode"] == "host"
    assert found["windmill-db-phoenix"]["Config"]["Cmd"] == ["postgres", "-p", "5432"]


def test_real_podman_publishes_the_stacks_ports_on_the_pods(real, played):
    command, _ = real
    published = {}
    for name in ("windmill", "ollama", "n8n"):
        pod = json.loads(run([*command, "pod", "inspect", name]))
        pod = pod[0] if isinstance(pod, list) else pod  # a list from Podman 5 on
        infra = next(iter(inspect(real, pod["InfraContainerID"]).values()))
        bindings = infra["HostConfig"]["PortBindings"]
        published[name] = {key: [(b["HostIp"], b["HostPort"]) for b in value] for key, value in bindings.items()}
    assert published["windmill"] == {"5432/tcp": [("127.0.0.1", "5432")], "8002/tcp": [("127.0.0.1", "8002")]}
    assert published["ollama"] == {"11435/tcp": [("127.0.0.1", "11435")]}
    assert published["n8n"] == {"5678/tcp": [("127.0.0.1", "5678")]}


def test_the_secret_files_hold_what_postgres_and_windmill_read(real, played):
    """The secret document was written for this Podman: its keys become these exact files."""
    command, _ = real
    _, _, _, values, version = played
    volume = json.loads(run([*command, "volume", "inspect", SECRET_NAME]))[0]
    folder = Path(volume["Mountpoint"])
    assert {p.name: p.read_text() for p in folder.iterdir()} == values
    assert secret_format(version) == (RAW if version < (4, 4, 0) else "kubernetes")


def test_kube_generate_gives_back_the_pods(real, played):
    command, _ = real
    _, _, pods, _, _ = played
    for pod in pods:
        generated = yaml.safe_load(run([*command, "kube", "generate", pod.name]))
        spec = generated["spec"]
        assert generated["metadata"]["name"] == pod.name
        by_name = {c["name"]: c for c in spec["containers"]}
        assert sorted(by_name) == sorted(pod.containers)
        for container in pod.document["spec"]["containers"]:
            back = by_name[f"{pod.name}-{container['name']}"]
            assert back["image"] == container["image"]
            env = {e["name"]: e.get("value") for e in back.get("env", [])}
            assert all(env.get(e["name"]) == e["value"] for e in container["env"])
            mounts = {m["mountPath"]: m.get("readOnly", False) for m in back["volumeMounts"]}
            assert mounts == {m["mountPath"]: m.get("readOnly", False) for m in container["volumeMounts"]}
        # a pod's ports belong to its infra container: generate lists them all on the first container
        assert ports_of(spec) == ports_of(pod.document["spec"])
        assert bool(spec.get("hostNetwork")) == bool(pod.document["spec"].get("hostNetwork"))
        host_paths = sorted(v["hostPath"]["path"] for v in spec["volumes"] if "hostPath" in v)
        assert host_paths == sorted(v["hostPath"]["path"] for v in pod.document["spec"]["volumes"] if "hostPath" in v)


def ports_of(spec: dict) -> list:
    return sorted((p["containerPort"], p.get("hostPort"), p.get("hostIP", "")) for c in spec["containers"]
                  for p in c.get("ports", []))


@pytest.mark.parametrize("change, podman_says", [
    (lambda d: d["spec"]["containers"][0]["ports"][0].update(containerPort="postgres"),
     "unable to read YAML as Kube Pod"),
    (lambda d: d["spec"]["volumes"][-1]["secret"].update(secretName="no-such-secret"), "no such secret"),
    (lambda d: d["spec"]["volumes"][0]["hostPath"].update(path="/nonexistent/phoenix"), "no such file or directory"),
    (lambda d: d["spec"]["containers"][0]["volumeMounts"].append({"name": "undeclared", "mountPath": "/x"}),
     "not configured in volumes"),
])
def test_real_podman_refuses_a_wrong_pod_before_it_would_start(real, played, change, podman_says):
    _, podman, pods, _, _ = played
    document = yaml.safe_load(pods[0].yaml())
    document["metadata"]["name"] = "windmill-wrong"
    change(document)
    with pytest.raises(PodmanError, match=podman_says) as caught:
        podman.play(yaml.safe_dump(document), start=False)
    assert "podman kube play --start=false -" in str(caught.value)
    assert PASSWORD not in str(caught.value)


def test_a_secret_volume_without_optional_crashes_podman_4_3(real, played):
    """Why the renderer always writes ``optional: false``: Podman 4.3 dereferences it unchecked."""
    _, podman, pods, _, version = played
    if version >= (4, 4, 0):
        pytest.skip("fixed in Podman 4.4")
    document = yaml.safe_load(pods[0].yaml())
    document["metadata"]["name"] = "windmill-no-optional"
    del document["spec"]["volumes"][-1]["secret"]["optional"]
    with pytest.raises(PodmanError, match="exit 2"):
        podman.play(yaml.safe_dump(document), start=False)


def test_a_pod_that_exists_is_not_played_twice(played):
    _, podman, pods, _, _ = played
    with pytest.raises(PodmanError, match="pod already exists"):
        podman.play(pods[3].yaml(), start=False)


def test_our_client_and_the_plan_read_the_real_podman(played):
    stack, podman, pods, _, version = played
    survey = take_survey(podman)
    assert survey.version == version and SECRET_NAME in survey.secrets
    assert survey.secret_format == secret_format(version) and survey.secret_address == database_address(stack)
    assert {p.name for p in survey.pods} >= {pod.name for pod in pods}
    assert all(p.labels["app.kubernetes.io/part-of"] == "phoenix" for p in survey.pods if p.name in ("windmill", "n8n"))
    infra = survey.publisher(8002)
    assert infra is not None and survey.owner(infra) == "pod windmill"
    assert {c.name for c in survey.detected()} >= {"windmill-phoenix", "windmill-db-phoenix", "ollama-phoenix"}
    assert podman.image_exists(stack.podman.images.windmill) and not podman.image_exists("localhost/nope:1")
    plan = make_plan(stack, podman, survey)
    assert [u.step.verb for u in plan.units] == ["start"] * 5  # created, not running: up would start them
    assert plan.secret.verb == "keep" and not plan.conflicts


def test_the_standin_speaks_the_real_podmans_json(real, played):
    """Every key the real Podman prints is one the stand-in prints, for each command Phoenix reads."""
    command, _ = real
    real_ps = json.loads(run([*command, "ps", "--all", "--format", "json"]))
    real_pods = json.loads(run([*command, "pod", "ps", "--format", "json"]))
    real_secret_line = json.loads(run([*command, "secret", "ls", "--format", "{{json .}}"]).splitlines()[0])
    real_secret = json.loads(run([*command, "secret", "inspect", SECRET_NAME]))[0]
    real_version = json.loads(run([*command, "version", "--format", "json"]))
    container = {"Id": "a" * 64, "Name": "x", "Image": "i", "State": "running", "Pod": "p", "Ports": []}
    state = {"containers": [container], "pods": []}
    pod = {"Id": "p", "Name": "x", "InfraId": "i", "Created": "now", "Labels": {}}
    assert set(real_ps[0]) == set(podman_standin.ps_entry(container))
    assert set(real_pods[0]) == set(podman_standin.pod_entry(state, pod))
    assert set(real_pods[0]["Containers"][0]) == {"Id", "Names", "Status"}
    assert set(real_secret_line) == {"ID", "Name", "Driver", "CreatedAt", "UpdatedAt"}
    assert set(real_secret) == {"ID", "CreatedAt", "UpdatedAt", "Spec"} and "Labels" in real_secret["Spec"]
    assert set(real_version) >= {"Client"} and "Version" in real_version["Client"]
    ports = [p for c in real_ps for p in c.get("Ports") or []]
    assert ports and set(ports[0]) == {"host_ip", "container_port", "host_port", "range", "protocol"}
