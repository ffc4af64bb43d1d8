"""The pod documents: valid Kubernetes (kubernetes-validate, strict), faithful to the stack, and podman/ in step."""

from __future__ import annotations

from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from lib.errors import ConfigError
from lib.stack import load_stack
from lib.workspace.db_secret import KUBERNETES, RAW, secret_document, secret_values
from lib.workspace.pods import EXAMPLE_ROOT, SECRET_NAME, podman_path, render_pods

REPO = Path(__file__).resolve().parents[2]
#: kubernetes-validate's newest schemas (the package is pinned in requirements.txt)
K8S_VERSION = "1.37.0"

VARIANTS = {
    "defaults": {},
    "gpu": {"podman": {"gpu": {"workers": True, "ollama": True}}},
    "no inference workers": {"podman": {"workers": {"default": 5, "inference": 0}}},
    "volumes everywhere": {"podman": {"paths": {"postgres_data": "volume:pg", "windmill_data": "volume:wm",
                                                "ollama_data": "volume:ollama", "n8n_data": "volume:n8n"}}},
    "lan postgres, other ports": {"services": {"postgres": {"host": "192.168.1.20", "port": 5433},
                                               "windmill": {"url": "http://0.0.0.0:9000"},
                                               "ollama": {"url": "http://localhost:11500"}}},
    "windows root": {"root": "D:/BooPhoenix"},
}


def pods_of(document: dict) -> list:
    return render_pods(load_stack({"root": EXAMPLE_ROOT, **document}))


@pytest.mark.parametrize("name", VARIANTS)
def test_every_pod_is_valid_kubernetes(name):
    for pod in pods_of(VARIANTS[name]):
        document = yaml.safe_load(pod.yaml())
        kubernetes_validate.validate(document, K8S_VERSION, strict=True)


def test_a_wrong_pod_is_caught_by_the_validator():
    """The check can fail: a misspelt key and a port that is not a number are refused."""
    document = yaml.safe_load(pods_of({})[0].yaml())
    document["spec"]["containers"][0]["imagePullPolcy"] = "Always"
    with pytest.raises(kubernetes_validate.ValidationError, match="imagePullPolcy"):
        kubernetes_validate.validate(document, K8S_VERSION, strict=True)
    document = yaml.safe_load(pods_of({})[0].yaml())
    document["spec"]["containers"][0]["ports"][0]["hostPort"] = "5432"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(document, K8S_VERSION, strict=True)


def test_committed_podman_folder_matches_the_renderer():
    """podman/ holds the default stack's pods; a change to the renderer must re-render them."""
    rendered = {f"{pod.name}.yaml": pod.yaml() for pod in pods_of({})}
    committed = {p.name: p.read_text(encoding="utf-8") for p in (REPO / "podman").glob("*.yaml")}
    assert sorted(committed) == sorted(rendered), "run `python scripts/stack.py render --example --out podman`"
    for name, text in rendered.items():
        body = "".join(line for line in committed[name].splitlines(keepends=True) if not line.startswith("#"))
        assert body == text, f"podman/{name} drifted: run `python scripts/stack.py render --example --out podman`"


def test_default_pods_follow_the_seed_and_the_stack():
    pods = {pod.name: pod for pod in pods_of({})}
    assert list(pods) == ["windmill", "windmill-workers", "windmill-inference", "ollama", "n8n"]
    assert pods["windmill"].containers == ["windmill-db-phoenix", "windmill-phoenix"]
    assert pods["ollama"].containers == ["ollama-phoenix"]
    server = containers(pods["windmill"])["phoenix"]
    assert server["ports"] == [{"containerPort": 8002, "hostPort": 8002, "hostIP": "127.0.0.1"}]
    assert env(server) == {"MODE": "server", "PORT": "8002", "DATABASE_URL_FILE": "/run/secrets/phoenix-db/database_url"}
    db = containers(pods["windmill"])["db-phoenix"]
    assert db["image"] == "docker.io/library/postgres:16.13"
    assert volume(pods["windmill"], "postgres-data") == {"hostPath": {"path": f"{EXAMPLE_ROOT}/windmill-db-phoenix",
                                                                      "type": "Directory"}}
    ollama = containers(pods["ollama"])["phoenix"]
    assert env(ollama) == {"OLLAMA_HOST": "0.0.0.0:11435"}
    assert ollama["ports"][0]["hostPort"] == 11435
    assert volume(pods["ollama"], "ollama-data")["hostPath"]["path"] == f"{EXAMPLE_ROOT}/ollama-integration"
    assert volume(pods["n8n"], "n8n-data") == {"persistentVolumeClaim": {"claimName": "n8n-phoenix-data"}}
    assert containers(pods["n8n"])["phoenix"]["ports"][0]["hostPort"] == 5678


def test_workers_groups_tags_mounts_and_counts():
    pods = {pod.unit: pod for pod in pods_of({"podman": {"workers": {"default": 3, "inference": 2}}})}
    default, inference = pods["workers"], pods["inference"]
    assert default.document["spec"]["hostNetwork"] is True
    assert default.containers == [f"windmill-workers-phoenix-{i}" for i in (1, 2, 3)]
    assert inference.containers == ["windmill-inference-phoenix-1", "windmill-inference-phoenix-2"]
    worker = containers(inference)["phoenix-1"]
    assert env(worker)["WORKER_TAGS"] == "phoenix-inference" and env(worker)["WORKER_GROUP"] == "inference"
    assert "WORKER_TAGS" not in env(containers(default)["phoenix-1"])
    mounts = {m["mountPath"]: m.get("readOnly", False) for m in worker["volumeMounts"]}
    assert mounts[EXAMPLE_ROOT] is False                       # the root, where the stack says it is
    assert mounts[f"{EXAMPLE_ROOT}/models/quantized"] is True  # the models folder, read-only
    assert mounts["/run/secrets/phoenix-db"] is True
    assert "resources" not in worker


def test_a_group_without_workers_has_no_pod():
    units = [pod.unit for pod in pods_of({"podman": {"workers": {"inference": 0}}})]
    assert "inference" not in units and "workers" in units


def test_gpu_is_a_cdi_device_in_the_limits():
    pods = {pod.unit: pod for pod in pods_of(VARIANTS["gpu"])}
    assert containers(pods["inference"])["phoenix-1"]["resources"] == {"limits": {"nvidia.com/gpu=all": "1"}}
    assert containers(pods["ollama"])["phoenix"]["resources"] == {"limits": {"nvidia.com/gpu=all": "1"}}
    assert "resources" not in containers(pods["workers"])["phoenix-1"]
    assert pods["inference"].gpu and not pods["workers"].gpu


def test_every_service_listens_inside_its_pod_on_the_stacks_port():
    pods = {pod.unit: pod for pod in pods_of(VARIANTS["lan postgres, other ports"])}
    db = containers(pods["windmill"])["db-phoenix"]
    assert db["args"] == ["postgres", "-p", "5433"] and env(db)["PGPORT"] == "5433"
    assert db["ports"] == [{"containerPort": 5433, "hostPort": 5433, "hostIP": "192.168.1.20"}]
    server = containers(pods["windmill"])["phoenix"]
    assert server["ports"] == [{"containerPort": 9000, "hostPort": 9000}]  # 0.0.0.0: every interface
    assert containers(pods["ollama"])["phoenix"]["ports"][0] == {"containerPort": 11500, "hostPort": 11500,
                                                                "hostIP": "127.0.0.1"}


def test_windows_paths_are_given_as_the_podman_machine_sees_them():
    assert podman_path("D:\\BooPhoenix\\windmill-db-phoenix") == "/mnt/d/BooPhoenix/windmill-db-phoenix"
    assert podman_path("C:/Users/op/BooPhoenix") == "/mnt/c/Users/op/BooPhoenix"
    assert podman_path("/home/op/BooPhoenix") == "/home/op/BooPhoenix"
    pods = {pod.unit: pod for pod in pods_of(VARIANTS["windows root"])}
    assert volume(pods["windmill"], "postgres-data")["hostPath"]["path"] == "/mnt/d/BooPhoenix/windmill-db-phoenix"
    mounts = [m["mountPath"] for m in containers(pods["workers"])["phoenix-1"]["volumeMounts"]]
    assert "/mnt/d/BooPhoenix" in mounts


def test_no_secret_and_no_secret_name_in_values_of_any_pod():
    for pod in pods_of({}):
        text = pod.yaml()
        assert "PASSWORD=" not in text and "postgres://" not in text
        secret_volumes = [v for v in pod.document["spec"]["volumes"] if "secret" in v]
        if pod.uses_secret:
            # Podman 4.3 dereferences optional without a check: it must be spelled out
            assert secret_volumes == [{"name": SECRET_NAME, "secret": {"secretName": SECRET_NAME, "optional": False}}]


def test_the_spec_label_changes_with_the_pod_and_only_then():
    first, again = pods_of({})[3], pods_of({})[3]
    changed = pods_of({"podman": {"images": {"ollama": "docker.io/ollama/ollama:0.16.4"}}})[3]
    assert first.spec_hash == again.spec_hash != changed.spec_hash


def test_secret_values_and_documents_for_each_podman():
    stack = load_stack({"root": EXAMPLE_ROOT, "services": {"postgres": {"host": "::1", "port": 5433}}})
    values = secret_values(stack, "p@ss:w/rd")
    assert values["password"] == "p@ss:w/rd"
    assert values["database_url"] == "postgres://phoenix:p%40ss%3Aw%2Frd@127.0.0.1:5433/windmill_phoenix?sslmode=disable"
    assert values["workers_database_url"].startswith("postgres://phoenix:p%40ss%3Aw%2Frd@[::1]:5433/")
    raw = yaml.safe_load(secret_document(values, RAW))
    assert raw == {"data": values}
    kube = yaml.safe_load(secret_document(values, KUBERNETES))
    assert kube["kind"] == "Secret" and kube["metadata"] == {"name": SECRET_NAME}
    assert "p@ss" not in str(kube["data"])  # base64, as a Kubernetes Secret's data is


@pytest.mark.parametrize("podman, key", [
    ({"workers": {"default": -1}}, "podman.workers.default"),
    ({"workers": {"inference": 65}}, "podman.workers.inference"),
    ({"images": {"ollama": "ollama latest"}}, "podman.images.ollama"),
    ({"paths": {"n8n_data": "volume:"}}, "podman.paths.n8n_data"),
    ({"gpu": {"device": "all"}}, "podman.gpu.device"),
    ({"database": {"user": "Robert'); DROP"}}, "podman.database.user"),
    ({"secrets": {"db_password_env": "hunter2 is my password"}}, "podman.secrets.db_password_env"),
    ({"workers": {"inference_tag": "a,b"}}, "podman.workers.inference_tag"),
    ({"pods": {}}, "podman.pods"),
])
def test_bad_podman_settings_are_refused_by_key(podman, key):
    with pytest.raises(ConfigError) as caught:
        load_stack({"podman": podman})
    assert caught.value.key == key
    assert "hunter2" not in str(caught.value) and "DROP" not in str(caught.value)


def containers(pod) -> dict:
    return {c["name"]: c for c in pod.document["spec"]["containers"]}


def env(container) -> dict:
    return {e["name"]: e["value"] for e in container["env"]}


def volume(pod, name) -> dict:
    found = next(v for v in pod.document["spec"]["volumes"] if v["name"] == name)
    return {k: v for k, v in found.items() if k != "name"}
