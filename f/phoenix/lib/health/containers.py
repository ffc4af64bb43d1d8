# GENERATED from lib/health/containers.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""Containers through Podman: its REST socket if one is reachable, else the ``podman`` command.

A worker often cannot see Podman at all (Windmill's own container, another
machine). That says nothing about the containers, so it is reported as
``unknown`` with the reason, never as ``down``.

One ``PodmanView`` is shared by all container probes of a run: the first probe
to ask lists the containers, the others wait for that answer (one call, not one
per container).
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import threading
from pathlib import Path

from ..errors import PhoenixError

API_PATH = "/v4.0.0/libpod/containers/json?all=true"


class PodmanUnreachable(PhoenixError):
    """Podman could not be asked; the message says why."""

    kind = "unreachable"


class PodmanView:
    def __init__(self, socket_path: str | None):
        self.socket_path = socket_path
        self._lock = threading.Lock()
        self._answer: list[dict] | None = None
        self._error: str | None = None

    def containers(self, timeout: float) -> list[dict]:
        with self._lock:
            if self._answer is None and self._error is None:
                try:
                    self._answer = self._list(timeout)
                except PodmanUnreachable as exc:
                    self._error = str(exc)
        if self._error is not None:
            raise PodmanUnreachable(self._error)
        return self._answer

    def _list(self, timeout: float) -> list[dict]:
        socket_path = self.socket_path or _default_socket()
        if socket_path:
            return _list_over_socket(socket_path, timeout)
        command = shutil.which("podman")
        if command:
            return _list_with_command(command, timeout)
        raise PodmanUnreachable("Podman not reachable from this worker: no socket configured "
                                "(services.podman.socket) and no podman command")


def _default_socket() -> str | None:
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    candidates = [Path(runtime) / "podman" / "podman.sock"] if runtime else []
    candidates.append(Path("/run/podman/podman.sock"))
    return next((str(p) for p in candidates if p.is_socket()), None)


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.unix_path)


def _list_over_socket(path: str, timeout: float) -> list[dict]:
    connection = _UnixConnection(path, timeout)
    try:
        connection.request("GET", API_PATH)
        response = connection.getresponse()
        body = response.read()
    except (OSError, http.client.HTTPException) as exc:
        raise PodmanUnreachable(f"Podman socket {path}: {type(exc).__name__}: {exc}") from exc
    finally:
        connection.close()
    if response.status != 200:
        raise PodmanUnreachable(f"Podman socket {path}: HTTP {response.status}")
    return _parse(body, f"Podman socket {path}")


def _list_with_command(command: str, timeout: float) -> list[dict]:
    try:
        done = subprocess.run([command, "ps", "--all", "--format", "json"],
                              capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise PodmanUnreachable(f"podman ps gave no answer within {timeout:g} s") from exc
    except OSError as exc:
        raise PodmanUnreachable(f"podman ps could not start: {exc}") from exc
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise PodmanUnreachable(f"podman ps failed: {message[-1] if message else done.returncode}")
    return _parse(done.stdout, "podman ps")


def _parse(body: bytes, source: str) -> list[dict]:
    try:
        listing = json.loads(body or b"[]")
    except ValueError as exc:
        raise PodmanUnreachable(f"{source}: answer is not JSON") from exc
    if not isinstance(listing, list):
        raise PodmanUnreachable(f"{source}: expected a list of containers")
    return [c for c in listing if isinstance(c, dict)]


def check_container(view: PodmanView, name: str, timeout: float) -> tuple[str, str]:
    try:
        listing = view.containers(timeout)
    except PodmanUnreachable as exc:
        return "unknown", str(exc)
    for container in listing:
        names = container.get("Names") or []
        names = [names] if isinstance(names, str) else names
        if name in [n.lstrip("/") for n in names]:
            state = str(container.get("State", "")).lower()
            status_text = container.get("Status") or state
            return ("up" if state == "running" else "down"), f"{state or 'state unknown'}: {status_text}"
    return "down", f"no container named {name}"
