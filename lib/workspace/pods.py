"""The stack's pods for ``podman kube play``, rendered from the stack document.

Five pods, each one Kubernetes Pod document:

- ``windmill``: Windmill's Postgres (container ``windmill-db-phoenix``, data in
  the root's ``windmill-db-phoenix/``) and the Windmill server
  (``windmill-phoenix``, on the port of ``services.windmill.url``, 8002);
- ``windmill-workers``: the default worker group, ``podman.workers.default``
  containers;
- ``windmill-inference``: the inference group, ``WORKER_TAGS`` set to
  ``podman.workers.inference_tag`` (``phoenix-inference``), GPU optional;
- ``ollama``: Ollama (``ollama-phoenix``, on 11435, models in
  ``ollama-integration/``), GPU optional;
- ``n8n``: n8n (``n8n-phoenix``, on 5678), played only when no n8n runs yet.

Podman names a container ``<pod>-<container>``, so the pods are named so that
the containers get the seed's names (``windmill-phoenix``,
``windmill-db-phoenix``, ``ollama-phoenix``).

Every service listens inside its pod on the port the stack gives it, so a URL
from the stack means the same thing on the host and inside a pod. Workers use
the host's network: they reach Postgres, Ollama, n8n and Windmill at the
stack's URLs, and several can run on one machine (a worker's internal API
binds a free loopback port). Both worker groups mount the operator's root
where the stack says it is (health, backup and n8n jobs read and write it) and
the models folder read-only on top of it.

Secrets never appear here: the database password and URLs are files of the
Podman secret ``phoenix-db`` mounted read-only (Postgres reads
``POSTGRES_PASSWORD_FILE``, Windmill ``DATABASE_URL_FILE``), created by
``scripts/stack.py up`` (see ``secrets.py``).
"""

from __future__ import annotations

import copy
import hashlib
import ipaddress
import json
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from urllib.parse import urlsplit

import yaml

LABEL_PART_OF = "app.kubernetes.io/part-of"
PART_OF = "phoenix"
LABEL_COMPONENT = "app.kubernetes.io/component"
LABEL_SPEC = "phoenix-stack/spec"
SECRET_NAME = "phoenix-db"
SECRET_MOUNT = f"/run/secrets/{SECRET_NAME}"
SECRET_KEYS = ("password", "database_url", "workers_database_url")
VOLUME_PREFIX = "volume:"
#: where the committed podman/ files put the root (the default ``~`` has no meaning in a pod file)
EXAMPLE_ROOT = "/home/phoenix/BooPhoenix"
#: the order pods are brought up in (each needs the ones before it), and stopped in reverse
UNITS = ("windmill", "workers", "inference", "ollama", "n8n")


@dataclass(frozen=True)
class Endpoint:
    """Where a service listens: the host of its stack URL (or address) and its port."""

    host: str
    port: int

    @property
    def host_ip(self) -> str | None:
        """The address Podman publishes on: loopback stays loopback; a name means every interface."""
        if self.host in ("localhost", ""):
            return "127.0.0.1"
        try:
            return str(ipaddress.ip_address(self.host))
        except ValueError:
            return None

    @property
    def dial_host(self) -> str:
        """The address to connect to from this machine (0.0.0.0 is not one)."""
        return "127.0.0.1" if self.host in ("", "0.0.0.0", "::") else self.host

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


@dataclass(frozen=True)
class DataPath:
    """A data location from ``podman.paths``: a folder on this machine, or a Podman volume."""

    key: str
    volume: str | None = None
    local: Path | None = None

    @property
    def source(self) -> dict:
        if self.volume:
            return {"persistentVolumeClaim": {"claimName": self.volume}}
        return {"hostPath": {"path": podman_path(self.local), "type": "Directory"}}

    def __str__(self) -> str:
        return f"Podman volume {self.volume}" if self.volume else str(self.local)


@dataclass
class PodSpec:
    """One pod: its document and what planning and health waiting need to know about it."""

    name: str
    unit: str
    summary: str
    document: dict
    ports: dict[str, Endpoint] = field(default_factory=dict)   # what -> where it is published
    folders: list[Path] = field(default_factory=list)          # host folders it mounts
    uses_secret: bool = True

    @property
    def containers(self) -> list[str]:
        return [f"{self.name}-{c['name']}" for c in self.document["spec"]["containers"]]

    @property
    def spec_hash(self) -> str:
        return self.document["metadata"]["labels"][LABEL_SPEC]

    @property
    def gpu(self) -> bool:
        return any("limits" in c.get("resources", {}) for c in self.document["spec"]["containers"])

    def yaml(self) -> str:

        return yaml.safe_dump(self.document, sort_keys=False, default_flow_style=False, width=120)


def endpoint(stack, service: str) -> Endpoint:
    """Host and port of a service, from the stack (``services.<name>.url``, or host/port for Postgres)."""
    config = getattr(stack.services, service)
    if service == "postgres":
        return Endpoint(str(config.host), int(config.port))
    parts = urlsplit(config.url)
    return Endpoint(parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))


def podman_path(path) -> str:
    """A host path as Podman's pod files want it.

    On Windows, Podman runs in its machine (WSL), where drive ``D:`` is
    mounted at ``/mnt/d``: ``D:\\BooPhoenix`` becomes ``/mnt/d/BooPhoenix``.
    """
    text = str(path)
    windows = PureWindowsPath(text)
    if len(windows.drive) == 2 and windows.drive[1] == ":":
        rest = "/".join(windows.parts[1:])
        return f"/mnt/{windows.drive[0].lower()}/{rest}".rstrip("/")
    return PurePosixPath(text).as_posix()


def data_path(stack, key: str) -> DataPath:
    value = getattr(stack.podman.paths, key)
    if value.startswith(VOLUME_PREFIX):
        return DataPath(key, volume=value[len(VOLUME_PREFIX):])
    return DataPath(key, local=stack.under_root(value))


def models_folder(stack) -> Path | None:
    """The folder of PhoenixCore's GGUF (``models/quantized``): mounted read-only in workers."""
    model = stack.under_root(stack.models.phoenixcore.path)
    return model.parent if model else None


def render_pods(stack) -> list[PodSpec]:
    """Every pod of the stack, in bring-up order; a worker group with no workers has no pod."""
    pods = [_windmill_pod(stack), _workers_pod(stack, "workers"), _workers_pod(stack, "inference"),
            _ollama_pod(stack), _n8n_pod(stack)]
    return [pod for pod in pods if pod is not None]


# --- the pods -------------------------------------------------------------------

def _windmill_pod(stack) -> PodSpec:
    podman, database = stack.podman, stack.podman.database
    postgres, server = endpoint(stack, "postgres"), endpoint(stack, "windmill")
    pg_data, logs = data_path(stack, "postgres_data"), _windmill_data(stack, "logs")
    # Postgres listens inside the pod on the port the host reaches it at
    db = _container("db-phoenix", podman.images.postgres, {
        "POSTGRES_USER": database.user, "POSTGRES_DB": database.name,
        "POSTGRES_PASSWORD_FILE": f"{SECRET_MOUNT}/password", "PGPORT": str(postgres.port)},
        args=["postgres", "-p", str(postgres.port)], ports=[postgres],
        mounts=[("postgres-data", "/var/lib/postgresql/data", False)])
    windmill = _container("phoenix", podman.images.windmill, {
        "MODE": "server", "PORT": str(server.port), "DATABASE_URL_FILE": f"{SECRET_MOUNT}/database_url"},
        ports=[server], mounts=[("windmill-logs", "/tmp/windmill/logs", False)])
    volumes = {"postgres-data": pg_data, "windmill-logs": logs}
    summary = (f"Postgres {postgres} (data: {pg_data}) + Windmill server {server} "
               f"({_tag(podman.images.windmill)})")
    return _pod(stack, "windmill", "windmill", summary, [db, windmill], volumes,
                {"postgres": postgres, "windmill": server})


def _workers_pod(stack, unit: str) -> PodSpec | None:
    podman = stack.podman
    count = podman.workers.default if unit == "workers" else podman.workers.inference
    if count == 0:
        return None
    env = {"MODE": "worker", "WORKER_GROUP": "default" if unit == "workers" else "inference",
           "DATABASE_URL_FILE": f"{SECRET_MOUNT}/workers_database_url"}
    if unit == "inference":
        env["WORKER_TAGS"] = podman.workers.inference_tag
    root = podman_path(stack.root)
    volumes = {"windmill-logs": _windmill_data(stack, "logs"), "windmill-cache": _windmill_data(stack, "cache"),
               "operator-root": DataPath("root", local=stack.root)}
    mounts = [("windmill-logs", "/tmp/windmill/logs", False), ("windmill-cache", "/tmp/windmill/cache", False),
              ("operator-root", root, False)]
    models = models_folder(stack)
    if models is not None:
        volumes["models"] = DataPath("models", local=models)
        mounts.append(("models", podman_path(models), True))
    gpu = unit == "inference" and podman.gpu.workers
    containers = [_container(f"phoenix-{i}", podman.images.windmill, env, mounts=mounts,
                             gpu=podman.gpu.device if gpu else None)
                  for i in range(1, count + 1)]
    group = "default group" if unit == "workers" else f"inference group (WORKER_TAGS={env.get('WORKER_TAGS')})"
    summary = f"{count} Windmill worker(s), {group}{', GPU' if gpu else ''}; root {root} mounted, models read-only"
    name = "windmill-workers" if unit == "workers" else "windmill-inference"
    return _pod(stack, name, unit, summary, containers, volumes, {}, host_network=True)


def _ollama_pod(stack) -> PodSpec:
    podman, ollama = stack.podman, endpoint(stack, "ollama")
    models = data_path(stack, "ollama_data")
    gpu = podman.gpu.ollama
    container = _container("phoenix", podman.images.ollama, {"OLLAMA_HOST": f"0.0.0.0:{ollama.port}"},
                           ports=[ollama], mounts=[("ollama-data", "/root/.ollama", False)],
                           gpu=podman.gpu.device if gpu else None)
    summary = f"Ollama {ollama} (models: {models}; {_tag(podman.images.ollama)}){', GPU' if gpu else ''}"
    return _pod(stack, "ollama", "ollama", summary, [container], {"ollama-data": models}, {"ollama": ollama},
                uses_secret=False)


def _n8n_pod(stack) -> PodSpec:
    podman, n8n = stack.podman, endpoint(stack, "n8n")
    data = data_path(stack, "n8n_data")
    container = _container("phoenix", podman.images.n8n, {"N8N_PORT": str(n8n.port)}, ports=[n8n],
                           mounts=[("n8n-data", "/home/node/.n8n", False)])
    summary = f"n8n {n8n} (data: {data}; {_tag(podman.images.n8n)})"
    return _pod(stack, "n8n", "n8n", summary, [container], {"n8n-data": data}, {"n8n": n8n}, uses_secret=False)


# --- building blocks ------------------------------------------------------------

def _windmill_data(stack, part: str) -> DataPath:
    base = data_path(stack, "windmill_data")
    if base.volume:
        return DataPath(f"windmill_data.{part}", volume=f"{base.volume}-{part}")
    return DataPath(f"windmill_data.{part}", local=base.local / part)


def _tag(image: str) -> str:
    return image.rsplit("/", 1)[-1]


def _container(name: str, image: str, env: dict, *, args=(), ports=(), mounts=(), gpu: str | None = None) -> dict:
    container: dict = {"name": name, "image": image}
    if args:
        container["args"] = list(args)
    container["env"] = [{"name": key, "value": value} for key, value in env.items()]
    if ports:
        container["ports"] = [_port(p) for p in ports]
    container["volumeMounts"] = [{"name": volume, "mountPath": path, **({"readOnly": True} if ro else {})}
                                 for volume, path, ro in mounts]
    if gpu:
        # Podman 5.4+ hands a CDI device named in the limits to the container
        container["resources"] = {"limits": {gpu: "1"}}
    return container


def _port(where: Endpoint) -> dict:
    port = {"containerPort": where.port, "hostPort": where.port}
    if where.host_ip and where.host_ip not in ("0.0.0.0", "::"):
        port["hostIP"] = where.host_ip
    return port


def _pod(stack, name: str, unit: str, summary: str, containers: list[dict], volumes: dict[str, DataPath],
         ports: dict[str, Endpoint], *, host_network: bool = False, uses_secret: bool = True) -> PodSpec:
    spec: dict = {"restartPolicy": "Always"}
    if host_network:
        spec["hostNetwork"] = True
    if uses_secret:
        for container in containers:
            container["volumeMounts"].append({"name": SECRET_NAME, "mountPath": SECRET_MOUNT, "readOnly": True})
    spec["containers"] = containers
    spec["volumes"] = [{"name": key, **where.source} for key, where in volumes.items()]
    if uses_secret:
        # optional must be spelled out: Podman 4.3 dereferences it without a check
        spec["volumes"].append({"name": SECRET_NAME, "secret": {"secretName": SECRET_NAME, "optional": False}})
    labels = {LABEL_PART_OF: PART_OF, LABEL_COMPONENT: unit}
    document = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels}, "spec": spec}
    labels[LABEL_SPEC] = _hash(document)
    folders = [where.local for where in volumes.values() if where.local is not None]
    return PodSpec(name, unit, summary, document, ports, folders, uses_secret)


def _hash(document: dict) -> str:
    """What the pod is made of, so a pod that runs can be told apart from what the stack now renders."""
    canonical = json.dumps(copy.deepcopy(document), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]
