"""What runs now: Podman's containers, pods and secrets, and who listens on the stack's ports.

The seed's ``initialize-phoenix-hybrid.ps1`` starts with "Servicios
detectados": the containers whose names say phoenix, n8n or omas. ``Survey``
is that audit, plus what planning needs beyond it: for each port of the
stack, whether something listens there, and whether that something answers
as the service the stack expects there (the same checks the health dashboard
runs: n8n's ``/healthz``, Windmill's ``/api/version``, Ollama's
``/api/version``, Postgres's SSLRequest).
"""

from __future__ import annotations

import re
import socket
import sys
from dataclasses import dataclass

from ..health.services import check_n8n, check_ollama, check_postgres, check_windmill
from .db_secret import LABEL_ADDRESS, LABEL_FORMAT
from .podman_cli import Container, Pod, Podman
from .pods import LABEL_PART_OF, PART_OF, SECRET_NAME, Endpoint, endpoint

#: the seed's filter for "Servicios detectados"
SEED_PATTERN = re.compile(r"phoenix|n8n|omas")
CONNECT_TIMEOUT_S = 1.0


@dataclass
class Survey:
    version: tuple[int, int, int]
    version_text: str
    containers: list[Container]
    pods: list[Pod]
    secrets: set[str]
    secret_format: str | None  # the format label of phoenix-db; None when there is no such secret
    secret_address: str | None = None  # which database its URLs point at (a hash label)

    def pod(self, name: str) -> Pod | None:
        return next((p for p in self.pods if p.name == name), None)

    def container(self, name: str) -> Container | None:
        return next((c for c in self.containers if c.name == name), None)

    def pod_of(self, container: Container) -> Pod | None:
        return next((p for p in self.pods if p.id and p.id == container.pod_id), None)

    def publisher(self, port: int) -> Container | None:
        """The container that publishes ``port`` on the host (a running one first)."""
        found = sorted((c for c in self.containers if c.publishes(port)), key=lambda c: not c.running)
        return found[0] if found else None

    def owner(self, container: Container) -> str:
        """How to name a container's owner for the operator: its pod when it is a pod's infra container."""
        pod = self.pod_of(container)
        if pod is not None:
            return f"pod {pod.name}"
        return f"container {container.name}"

    def detected(self) -> list[Container]:
        """The seed's "Servicios detectados": containers whose names say phoenix, n8n or omas."""
        return [c for c in self.containers if not c.is_infra and SEED_PATTERN.search(c.name)]


def is_ours(pod: Pod) -> bool:
    return pod.labels.get(LABEL_PART_OF) == PART_OF


def take_survey(podman: Podman) -> Survey:
    version, text = podman.version()
    secrets = podman.secret_names()
    labels = podman.secret_labels(SECRET_NAME) if SECRET_NAME in secrets else {}
    return Survey(version, text, podman.containers(), podman.pods(), secrets,
                  labels.get(LABEL_FORMAT, "") if SECRET_NAME in secrets else None, labels.get(LABEL_ADDRESS))


# --- ports ------------------------------------------------------------------------

def port_in_use(where: Endpoint) -> bool:
    """Something listens there (it accepts a connection), or holds the port (it cannot be bound)."""
    try:
        with socket.create_connection((where.dial_host, where.port), timeout=CONNECT_TIMEOUT_S):
            return True
    except OSError:
        pass
    return not _bindable(where.dial_host, where.port)


def is_local(host: str) -> bool:
    """Whether ``host`` is this machine: a service elsewhere is not Phoenix's to start."""
    if host in ("", "localhost", "0.0.0.0", "::"):
        return True
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return False
    return any(_bindable(info[4][0], 0, family=info[0]) for info in infos)


def _bindable(host: str, port: int, family: int | None = None) -> bool:
    family = family or (socket.AF_INET6 if ":" in host else socket.AF_INET)
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        # a port in TIME_WAIT is free to take; a port someone listens on is not
        if sys.platform == "win32":
            sock.setsockopt(socket.SOL_SOCKET, getattr(socket, "SO_EXCLUSIVEADDRUSE", socket.SO_REUSEADDR), 1)
        else:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:  # in use, or not an address of this machine (EADDRNOTAVAIL)
            return False
    return True


# --- who answers ----------------------------------------------------------------------

def check_service(stack, service: str, timeout: float) -> tuple[str, str]:
    """The health check of one service at the stack's address: ``(status, detail)``."""
    if service == "postgres":
        where = endpoint(stack, "postgres")
        return check_postgres(where.dial_host, where.port, timeout)
    url = stack.service_url(service)
    if service == "windmill":
        return check_windmill(url, timeout)
    if service == "ollama":
        return check_ollama(url, [], timeout)
    if service == "n8n":
        return check_n8n(url, timeout)
    raise ValueError(f"no health check for {service!r}")


def answers_as(stack, service: str, timeout: float) -> tuple[bool, str]:
    """Whether what listens on the service's port is that service (n8n and Ollama may be degraded)."""
    status, detail = check_service(stack, service, timeout)
    return status == "up" or (status == "degraded" and service in ("n8n", "ollama")), detail
