"""The ``podman`` command as a small typed client, reading the JSON Podman documents.

Only the command line: on Windows and macOS the same commands reach the
Podman machine, and ``--format json`` is the interface podman-ps(1),
podman-pod-ps(1) and podman-version(1) document. ``podman secret ls`` has no
JSON format in Podman 4.3 (``--format json`` prints the word "json"); the Go
template ``{{json .}}`` gives one object per line in every version, so that is
what is asked.

Secret values reach Podman only on its standard input (``podman secret create
NAME -``): never on a command line, in an error or in a log line.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from typing import Callable

from ..errors import PhoenixError

#: a pull of Windmill's image (about 1.4 GB) on a slow line takes a while
PULL_TIMEOUT_S = 3600
TIMEOUT_S = 300


class PodmanError(PhoenixError):
    """A podman command failed; the message names the command (never its input) and Podman's reason."""

    kind = "podman_failed"


class PodmanMissing(PodmanError):
    """There is no podman command to run."""

    kind = "podman_missing"


@dataclass(frozen=True)
class PublishedPort:
    host_ip: str
    host_port: int
    container_port: int
    protocol: str = "tcp"


@dataclass
class Container:
    id: str
    name: str
    state: str
    image: str = ""
    pod_id: str = ""
    labels: dict = field(default_factory=dict)
    ports: list[PublishedPort] = field(default_factory=list)
    is_infra: bool = False

    @property
    def running(self) -> bool:
        return self.state == "running"

    def publishes(self, port: int) -> bool:
        return any(p.host_port == port for p in self.ports)

    def describe(self) -> str:
        ports = ", ".join(f"{p.host_ip or '0.0.0.0'}:{p.host_port}->{p.container_port}" for p in self.ports)
        return f"{self.name} ({self.state}{', ' + ports if ports else ''})"


@dataclass
class Pod:
    id: str
    name: str
    status: str
    labels: dict = field(default_factory=dict)
    containers: list[str] = field(default_factory=list)

    @property
    def running(self) -> bool:
        return self.status == "Running"


class Podman:
    """``Podman()`` runs ``podman``; ``Podman(["podman", "--root", ...])`` adds global options."""

    def __init__(self, command: list[str] | None = None):
        self.command = list(command or ["podman"])

    # --- reading ----------------------------------------------------------------

    def version(self) -> tuple[tuple[int, int, int], str]:
        """The version of the Podman that acts (the machine's server when this is a remote client)."""
        answer = self._json(["version", "--format", "json"])
        part = answer.get("Server") or answer.get("Client") or {}
        text = str(part.get("Version") or "")
        return parse_version(text), text

    def containers(self) -> list[Container]:
        listing = self._json(["ps", "--all", "--format", "json"])
        return [_container(entry) for entry in _list(listing, "podman ps")]

    def pods(self) -> list[Pod]:
        listing = self._json(["pod", "ps", "--format", "json"])
        return [Pod(id=str(p.get("Id", "")), name=str(p.get("Name", "")), status=str(p.get("Status", "")),
                    labels=dict(p.get("Labels") or {}),
                    containers=[str(c.get("Names", "")) for c in p.get("Containers") or []])
                for p in _list(listing, "podman pod ps")]

    def secret_names(self) -> set[str]:
        done = self._run(["secret", "ls", "--format", "{{json .}}"])
        names = set()
        for line in done.stdout.splitlines():
            if line.strip():
                names.add(str(_parse(line, "podman secret ls").get("Name", "")))
        return names

    def secret_labels(self, name: str) -> dict:
        listing = self._json(["secret", "inspect", name])
        entries = _list(listing, "podman secret inspect")
        return dict(((entries[0].get("Spec") or {}).get("Labels") or {})) if entries else {}

    def image_exists(self, image: str) -> bool:
        return self._run(["image", "exists", image], check=False).returncode == 0

    def logs(self, container: str, tail: int) -> str:
        done = self._run(["logs", "--tail", str(tail), container])
        return done.stdout + done.stderr  # containers log to both; podman passes each through

    # --- changing -----------------------------------------------------------------

    def pull(self, image: str, progress: Callable[[str], None], timeout: float = PULL_TIMEOUT_S) -> None:
        self._run(["pull", image], timeout=timeout, progress=progress)

    def create_secret(self, name: str, data: bytes, labels: dict[str, str]) -> None:
        options = [arg for key, value in sorted(labels.items()) for arg in ("--label", f"{key}={value}")]
        self._run(["secret", "create", *options, name, "-"], stdin=data, hide=data)

    def play(self, document: str, *, replace: bool = False, start: bool = True,
             progress: Callable[[str], None] | None = None) -> None:
        """``podman kube play -`` with the pod document on standard input (it pulls what is missing)."""
        options = (["--replace"] if replace else []) + ([] if start else ["--start=false"])
        self._run(["kube", "play", *options, "-"], stdin=document.encode(), timeout=PULL_TIMEOUT_S,
                  progress=progress)

    def start_pod(self, name: str) -> None:
        self._run(["pod", "start", name])

    def stop_pod(self, name: str) -> None:
        self._run(["pod", "stop", name])

    def start_container(self, name: str) -> None:
        self._run(["start", name])

    # --- the command ----------------------------------------------------------------

    def _json(self, args: list[str]):
        return _parse(self._run(args).stdout, f"podman {' '.join(args[:2])}")

    def _run(self, args: list[str], *, stdin: bytes | None = None, timeout: float = TIMEOUT_S, check: bool = True,
             progress: Callable[[str], None] | None = None, hide: bytes | None = None) -> subprocess.CompletedProcess:
        executable = shutil.which(self.command[0])
        if executable is None:
            raise PodmanMissing(f"no {self.command[0]} command on this machine: install Podman "
                                "(https://podman.io/docs/installation) or put it on PATH")
        shown = f"podman {' '.join(args)}"
        try:
            done = _call([executable, *self.command[1:], *args], stdin, timeout, progress)
        except subprocess.TimeoutExpired:
            raise PodmanError(f"`{shown}` did not finish within {timeout:g} s") from None
        except OSError as exc:
            raise PodmanError(f"`{shown}` could not start: {exc.strerror or exc}") from None
        if check and done.returncode != 0:
            reason = _reason(done.stderr)
            if hide:  # podman does not echo its input; if one ever did, it still would not show here
                reason = reason.replace(_text(hide), "***")
            raise PodmanError(f"`{shown}` failed (exit {done.returncode}): {reason}")
        return done


def _call(argv: list[str], stdin: bytes | None, timeout: float,
          progress: Callable[[str], None] | None) -> subprocess.CompletedProcess:
    if progress is None:
        done = subprocess.run(argv, input=stdin, capture_output=True, timeout=timeout)
        return subprocess.CompletedProcess(argv, done.returncode, _text(done.stdout), _text(done.stderr))
    # long commands (pulls) show what Podman says as it says it
    with subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        fired = threading.Event()

        def kill() -> None:  # the lines below would wait for ever on a hung pull
            fired.set()
            proc.kill()

        watchdog = threading.Timer(timeout, kill)
        watchdog.start()
        try:
            if stdin:
                proc.stdin.write(stdin)
            proc.stdin.close()
            lines = []
            for raw in proc.stderr:
                line = _text(raw).rstrip()
                lines.append(line)
                if line:
                    progress(line)
            out = proc.stdout.read()
            proc.wait()
        finally:
            watchdog.cancel()
        if fired.is_set():
            raise subprocess.TimeoutExpired(argv, timeout)
    return subprocess.CompletedProcess(argv, proc.returncode, _text(out), "\n".join(lines))


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def _reason(stderr: str) -> str:
    """Podman's own words: its last ``Error:`` message, else its last line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line[line.rindex("Error:") + len("Error:"):].strip() for line in lines if "Error:" in line]
    return (errors or lines or ["no message"])[-1]


def _parse(text: str, source: str):
    try:
        return json.loads(text or "null")
    except ValueError:
        raise PodmanError(f"{source}: the answer is not JSON: {text.strip()[:80]!r}") from None


def _list(value, source: str) -> list[dict]:
    if value is None:  # podman prints nothing (or null) when there is nothing
        return []
    if not isinstance(value, list):
        raise PodmanError(f"{source}: expected a JSON list")
    return [entry for entry in value if isinstance(entry, dict)]


def _container(entry: dict) -> Container:
    names = entry.get("Names") or []
    names = [names] if isinstance(names, str) else names
    # one entry publishes host_port .. host_port + range - 1
    ports = [PublishedPort(str(p.get("host_ip") or ""), int(p.get("host_port") or 0) + i,
                           int(p.get("container_port") or 0) + i, str(p.get("protocol") or "tcp"))
             for p in entry.get("Ports") or [] if isinstance(p, dict)
             for i in range(max(1, int(p.get("range") or 1)))]
    return Container(id=str(entry.get("Id", "")), name=str(names[0] if names else "").lstrip("/"),
                     state=str(entry.get("State", "")).lower(), image=str(entry.get("Image", "")),
                     pod_id=str(entry.get("Pod", "")), labels=dict(entry.get("Labels") or {}),
                     ports=ports, is_infra=bool(entry.get("IsInfra")))


def parse_version(text: str) -> tuple[int, int, int]:
    """``"4.3.1"`` -> ``(4, 3, 1)``; ``"5.4.0-dev"`` -> ``(5, 4, 0)``; anything else -> ``(0, 0, 0)``."""
    numbers = []
    for part in text.split("-", 1)[0].split(".")[:3]:
        if not part.isdigit():
            break
        numbers.append(int(part))
    return tuple(numbers + [0] * (3 - len(numbers))) if numbers else (0, 0, 0)
