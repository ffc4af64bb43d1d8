#!/usr/bin/env python3
"""A stand-in of the ``podman`` command, for tests where no container can run.

It answers the commands Phoenix uses with the output shapes of the real
Podman (``tests/workspace/test_podman_real.py`` compares its JSON keys with
Podman 4.3.1's): ``version --format json``, ``ps --all --format json``,
``pod ps --format json``, ``secret ls --format '{{json .}}'`` (one object a
line; Podman 4.3 has no ``--format json`` there), ``secret inspect NAME``,
``secret create [--label K=V]... NAME -``, ``image exists``, ``pull``,
``kube play [--replace] [--start=false] -|FILE``, ``pod start``, ``pod stop``,
``start``, ``logs [--tail N]``. Anything else exits 125 and is recorded under
``unsupported``, so a test sees it.

``kube play`` checks what the real one checks before it creates anything
(a pod name in use, a container name in use, a secret or a host folder that
is missing, a secret volume without ``optional``, on which Podman 4.3
panics), creates the pod, an infra container holding the published ports and
the containers, and starts them. A started service container gets a loopback
stand-in of its service on its hostPort (``service_standins.py``), unless the
state's ``unhealthy`` names that service: then it "runs" and never answers.

State is one JSON file, ``$PODMAN_STANDIN_STATE``: containers, pods,
secrets, images, the argv of every call, the processes it started. A
secret's value is never stored: per key only its sha256, decoded the way the
Podman version it plays reads the document (4.3: the values as they are; 4.4
and later: a Kubernetes Secret, base64 ``data`` or ``stringData``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
STATE = Path(os.environ.get("PODMAN_STANDIN_STATE", "podman-standin-state.json"))
SERVICES = "tests.workspace.service_standins"  # run with -m, the repository on PYTHONPATH


def load() -> dict:
    state = json.loads(STATE.read_text()) if STATE.exists() else {}
    for key, empty in (("containers", []), ("pods", []), ("secrets", []), ("images", []), ("calls", []),
                       ("processes", {}), ("unsupported", []), ("unhealthy", []), ("volumes", [])):
        state.setdefault(key, empty)
    state.setdefault("version", "5.4.2")
    return state


def save(state: dict) -> None:
    temporary = STATE.with_suffix(".tmp")
    temporary.write_text(json.dumps(state, indent=1))
    temporary.replace(STATE)


def fail(message: str, code: int = 125) -> int:
    print(f"Error: {message}", file=sys.stderr)
    return code


def now() -> str:
    return datetime.now(timezone.utc).isoformat()


def version_tuple(text: str) -> tuple:
    return tuple(int(p) for p in text.split(".")[:3])


# --- output shapes ------------------------------------------------------------------

def ps_entry(c: dict) -> dict:
    running = c["State"] == "running"
    return {"AutoRemove": False, "Command": None, "CreatedAt": "1 minute ago", "Exited": c["State"] == "exited",
            "ExitedAt": -62135596800, "ExitCode": 0, "Id": c["Id"], "Image": c["Image"], "ImageID": c["Id"][:12],
            "IsInfra": c.get("IsInfra", False), "Labels": c.get("Labels") or {}, "Mounts": [],
            "Names": [c["Name"]], "Namespaces": {}, "Networks": [], "Pid": 4242 if running else 0,
            "Pod": c.get("Pod", ""), "PodName": "", "Ports": c.get("Ports") or [], "Size": None,
            "StartedAt": 1796157523 if running else -62135596800, "State": c["State"],
            "Status": {"running": "Up 1 minute ago", "exited": "Exited (0) 1 minute ago"}.get(c["State"], "Created"),
            "Created": 1796157523}


def pod_entry(state: dict, p: dict) -> dict:
    members = [c for c in state["containers"] if c.get("Pod") == p["Id"]]
    states = {c["State"] for c in members if not c.get("IsInfra")}
    status = ("Running" if states == {"running"} else "Degraded" if "running" in states
              else "Exited" if "exited" in states else "Created")
    return {"Cgroup": "/libpod_parent", "Containers": [{"Id": c["Id"], "Names": c["Name"], "Status": c["State"]}
                                                        for c in members],
            "Created": p["Created"], "Id": p["Id"], "InfraId": p["InfraId"], "Name": p["Name"], "Namespace": "",
            "Networks": ["podman-default-kube-network"], "Status": status, "Labels": p.get("Labels") or {}}


# --- services ------------------------------------------------------------------------

def service_of(c: dict) -> tuple[str, str, int] | None:
    kind = c.get("_kind")
    ports = c.get("_ports") or []
    if not kind or not ports:
        return None
    return kind, ports[0].get("host_ip") or "127.0.0.1", int(ports[0]["host_port"])


def start_container(state: dict, c: dict) -> None:
    if c["State"] == "running":
        return
    c["State"] = "running"
    service = service_of(c)
    if service is None or service[0] in state["unhealthy"]:
        return
    kind, host, port = service
    python_path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    proc = subprocess.Popen([sys.executable, "-m", SERVICES, kind, host, str(port)], start_new_session=True,
                            env={**os.environ, "PYTHONPATH": python_path},
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    state["processes"][c["Name"]] = proc.pid
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # a started container's port is open before podman returns
        try:
            socket.create_connection((host, port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)


def stop_container(state: dict, c: dict) -> None:
    pid = state["processes"].pop(c["Name"], None)
    if pid:
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    if c["State"] == "running":
        c["State"] = "exited"


# --- commands --------------------------------------------------------------------------

def cmd_version(state, args) -> int:
    print(json.dumps({"Client": {"APIVersion": state["version"], "Version": state["version"], "GoVersion": "go1.22",
                                 "GitCommit": "", "BuiltTime": "Thu Jan  1 00:00:00 1970", "Built": 0,
                                 "OsArch": "linux/amd64", "Os": "linux"}}))
    return 0


def cmd_ps(state, args) -> int:
    if "--format" not in args or args[args.index("--format") + 1] != "json":
        return unsupported(state, ["ps", *args])
    shown = [c for c in state["containers"] if "--all" in args or "-a" in args or c["State"] == "running"]
    print(json.dumps([ps_entry(c) for c in shown], indent=4))
    return 0


def cmd_pod(state, args) -> int:
    verb, rest = args[0], args[1:]
    if verb == "ps" and rest == ["--format", "json"]:
        print(json.dumps([pod_entry(state, p) for p in state["pods"]], indent=2))
        return 0
    if verb in ("start", "stop") and len(rest) == 1:
        pod = next((p for p in state["pods"] if rest[0] in (p["Name"], p["Id"])), None)
        if pod is None:
            return fail(f'no pod with name or ID {rest[0]} found: no such pod')
        for c in state["containers"]:
            if c.get("Pod") == pod["Id"]:
                (start_container if verb == "start" else stop_container)(state, c)
        print(pod["Id"])
        return 0
    return unsupported(state, ["pod", *args])


def cmd_start(state, args) -> int:
    c = next((c for c in state["containers"] if c["Name"] == args[-1]), None)
    if c is None:
        return fail(f"no container with name or ID \"{args[-1]}\" found: no such container")
    start_container(state, c)
    print(c["Name"])
    return 0


def cmd_secret(state, args) -> int:
    verb, rest = args[0], args[1:]
    if verb == "ls" and rest == ["--format", "{{json .}}"]:
        for s in state["secrets"]:
            print(json.dumps({"ID": s["ID"], "Name": s["Name"], "Driver": "file", "CreatedAt": "1 minute ago",
                              "UpdatedAt": "1 minute ago"}))
        return 0
    if verb == "inspect" and len(rest) == 1:
        found = next((s for s in state["secrets"] if rest[0] in (s["Name"], s["ID"])), None)
        if found is None:
            print("[]")
            return fail(f'inspecting secret: no secret with name or id "{rest[0]}": no such secret')
        print(json.dumps([{"ID": found["ID"], "CreatedAt": found["CreatedAt"], "UpdatedAt": found["CreatedAt"],
                           "Spec": {"Name": found["Name"], "Driver": {"Name": "file", "Options": {"path": "/x"}},
                                    "Labels": found["Labels"]}}], indent=4))
        return 0
    if verb == "create" and rest and rest[-1] == "-":
        return create_secret(state, rest[:-1])
    return unsupported(state, ["secret", *args])


def create_secret(state, rest: list[str]) -> int:
    labels, name = {}, None
    while rest:
        item = rest.pop(0)
        if item in ("--label", "-l"):
            key, _, value = rest.pop(0).partition("=")
            labels[key] = value
        elif item.startswith("-"):
            return unsupported(state, ["secret", "create", item])
        else:
            name = item
    if name is None:
        return fail("secret create needs a name")
    if any(s["Name"] == name for s in state["secrets"]):
        return fail(f"{name}: secret name in use")
    data = sys.stdin.buffer.read()
    if not data:
        return fail("secret data must be larger than 0 and less than 512000 bytes")
    secret_id = uuid.uuid4().hex[:25]
    state["secrets"].append({"ID": secret_id, "Name": name, "CreatedAt": now(), "Labels": labels,
                             "Keys": _key_hashes(state, data)})
    print(secret_id)
    return 0


def _key_hashes(state, data: bytes) -> dict:
    """What each key's file would hold once the Podman of this version mounts the secret."""
    try:
        document = json.loads(data)
    except ValueError:
        return {}
    if not isinstance(document, dict):
        return {}
    values = dict(document.get("data") or {})
    if version_tuple(state["version"]) >= (4, 4, 0):
        values = {k: base64.b64decode(v).decode("utf-8", "replace") for k, v in values.items()}
        values.update(document.get("stringData") or {})
    return {k: hashlib.sha256(str(v).encode()).hexdigest() for k, v in values.items()}


def cmd_image(state, args) -> int:
    if args[0] == "exists" and len(args) == 2:
        return 0 if args[1] in state["images"] else 1
    return unsupported(state, ["image", *args])


def cmd_pull(state, args) -> int:
    image = args[-1]
    print(f"Trying to pull {image}...", file=sys.stderr)
    if image in state.get("pull_fails", []):
        return fail(f"initializing source docker://{image}: reading manifest: manifest unknown")
    print("Getting image source signatures\nWriting manifest to image destination", file=sys.stderr)
    state["images"].append(image)
    print(hashlib.sha256(image.encode()).hexdigest())
    return 0


def cmd_kube(state, args) -> int:
    if not args or args[0] != "play":
        return unsupported(state, ["kube", *args])
    options, source = args[1:-1], args[-1]
    if any(o not in ("--replace", "--start=false") for o in options):
        return unsupported(state, ["kube", *args])
    import yaml  # only here: every other command answers faster without it

    text = sys.stdin.read() if source == "-" else Path(source).read_text()
    try:
        documents = [d for d in yaml.safe_load_all(text) if d]
    except yaml.YAMLError as exc:
        return fail(f"unable to read kube YAML: {exc}")
    for document in documents:
        if document.get("kind") != "Pod":
            return fail(f"kind {document.get('kind')} is not played by this stand-in")
        code = play_pod(state, document, "--replace" in options, "--start=false" not in options)
        if code:
            return code
    return 0


def play_pod(state, document: dict, replace: bool, start: bool) -> int:
    name, spec = document["metadata"]["name"], document["spec"]
    existing = next((p for p in state["pods"] if p["Name"] == name), None)
    if existing and not replace:
        return fail(f'adding pod to state: name "{name}" is in use: pod already exists')
    volumes = {v["name"]: v for v in spec.get("volumes") or []}
    for volume in volumes.values():
        if "secret" in volume:
            if "optional" not in volume["secret"]:
                return fail("panic: runtime error: invalid memory address or nil pointer dereference "
                            "(Podman 4.3 on a secret volume without optional)", 2)
            if not any(s["Name"] == volume["secret"]["secretName"] for s in state["secrets"]):
                return fail(f'failed to create volume "{volume["name"]}": no secret with name or id '
                            f'"{volume["secret"]["secretName"]}": no such secret')
        if "hostPath" in volume and not Path(volume["hostPath"]["path"]).is_dir():
            return fail(f'failed to create volume "{volume["name"]}": in parsing HostPath in YAML: '
                        f'stat {volume["hostPath"]["path"]}: no such file or directory')
    if existing:
        for c in [c for c in state["containers"] if c.get("Pod") == existing["Id"]]:
            stop_container(state, c)
            state["containers"].remove(c)
        state["pods"].remove(existing)
    for c in spec["containers"]:
        full = f"{name}-{c['name']}"
        if any(other["Name"] == full for other in state["containers"]):
            return fail(f'creating container storage: the container name "{full}" is already in use')
    labels = document["metadata"].get("labels") or {}
    pod_id, infra_id = uuid.uuid4().hex * 2, uuid.uuid4().hex * 2
    published = [{"host_ip": p.get("hostIP", ""), "container_port": p["containerPort"], "host_port": p["hostPort"],
                  "range": 1, "protocol": "tcp"} for c in spec["containers"] for p in c.get("ports") or []]
    state["pods"].append({"Id": pod_id, "Name": name, "InfraId": infra_id, "Created": now(), "Labels": labels})
    state["containers"].append({"Id": infra_id, "Name": f"{pod_id[:12]}-infra", "Image": "localhost/podman-pause:5",
                                "IsInfra": True, "Pod": pod_id, "State": "created", "Ports": published,
                                "Labels": {}})
    print(f"Pod:\n{pod_id}\nContainers:")
    for c in spec["containers"]:
        for claim in (v["persistentVolumeClaim"]["claimName"] for v in volumes.values() if "persistentVolumeClaim" in v):
            if claim not in state["volumes"]:
                state["volumes"].append(claim)
        env = {e["name"]: e.get("value") for e in c.get("env") or []}
        entry = {"Id": uuid.uuid4().hex * 2, "Name": f"{name}-{c['name']}", "Image": c["image"], "Pod": pod_id,
                 "State": "created", "Labels": labels, "Ports": [], "_kind": _kind(c["image"], env),
                 "_ports": [{"host_ip": p.get("hostIP", ""), "host_port": p["hostPort"]} for p in c.get("ports") or []]}
        if c["image"] not in state["images"]:
            state["images"].append(c["image"])  # the real kube play pulls what is missing
        state["containers"].append(entry)
        print(entry["Id"])
    if start:
        for c in [c for c in state["containers"] if c.get("Pod") == pod_id]:
            start_container(state, c)
    return 0


def _kind(image: str, env: dict) -> str | None:
    if "postgres" in image:
        return "postgres"
    if "windmill" in image:
        return "windmill" if env.get("MODE") == "server" else None
    if "ollama" in image:
        return "ollama"
    if "n8n" in image:
        return "n8n"
    return None


def cmd_logs(state, args) -> int:
    name = args[-1]
    if not any(c["Name"] == name for c in state["containers"]):
        return fail(f'no container with name or ID "{name}" found: no such container')
    tail = int(args[args.index("--tail") + 1]) if "--tail" in args else 3
    for number in range(1, min(tail, 3) + 1):
        print(f"{name}: stand-in log line {number}")
    return 0


def unsupported(state, argv: list[str]) -> int:
    state["unsupported"].append(argv)
    return fail(f"the podman stand-in does not know `podman {' '.join(argv)}`")


COMMANDS = {"version": cmd_version, "ps": cmd_ps, "pod": cmd_pod, "start": cmd_start, "secret": cmd_secret,
            "image": cmd_image, "pull": cmd_pull, "kube": cmd_kube, "logs": cmd_logs}


def main(argv: list[str]) -> int:
    state = load()
    state["calls"].append(argv)
    command = COMMANDS.get(argv[0]) if argv else None
    code = command(state, argv[1:]) if command else unsupported(state, argv)
    save(state)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
