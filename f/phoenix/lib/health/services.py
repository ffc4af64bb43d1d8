# GENERATED from lib/health/services.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""Checks of the network services: n8n, Windmill, Ollama, Postgres, OpenAI-compatible endpoints.

Each check takes its timeout in seconds and returns ``(status, detail)``.
Details name what was asked and what came back, never a token.

``requests`` is imported by the checks themselves, not by this module: the
backend kinds name their checks here (lib/backends/kinds.py), and a routed
request, which never runs one, should not pay for importing it.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import struct
import time
from urllib.parse import urlsplit

from ..redact import shown_url as shown

#: the Postgres SSLRequest code: any Postgres answers it with one byte, S or N,
#: before asking for credentials, so it proves "Postgres is here" without a login
_SSL_REQUEST = struct.pack("!ii", 8, 80877103)


def http_get(url: str, timeout: float, headers: dict | None = None) -> requests.Response:
    """GET with a timeout; loopback targets bypass any proxy from the environment."""
    import requests

    with requests.Session() as session:
        session.trust_env = not is_loopback(url)
        return session.get(url, timeout=(timeout, timeout), headers=headers or {}, allow_redirects=False)


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _left(deadline: float) -> float:
    """What remains of a probe's deadline for its next request (two requests share one deadline)."""
    return max(0.05, deadline - time.monotonic())


def describe_failure(url: str, exc: Exception, timeout: float) -> str:
    import requests

    url = shown(url)
    if isinstance(exc, requests.Timeout):
        return f"{url}: no answer within {timeout:g} s"
    if isinstance(exc, requests.ConnectionError):
        return f"{url}: connection refused or unreachable"
    return f"{url}: {type(exc).__name__}"


def check_n8n(base_url: str, timeout: float) -> tuple[str, str]:
    """``/healthz`` says the process is up, ``/healthz/readiness`` that its database is."""
    import requests

    deadline = time.monotonic() + timeout
    try:
        alive = http_get(f"{base_url}/healthz", timeout)
        if alive.status_code != 200:
            return "down", f"/healthz answered HTTP {alive.status_code}"
        ready = http_get(f"{base_url}/healthz/readiness", _left(deadline))
    except requests.RequestException as exc:
        return "down", describe_failure(base_url, exc, timeout)
    if ready.status_code != 200:
        return "degraded", f"process up, /healthz/readiness answered HTTP {ready.status_code}"
    return "up", "healthz and readiness OK"


def check_windmill(base_url: str, timeout: float) -> tuple[str, str]:
    import requests

    try:
        answer = http_get(f"{base_url}/api/version", timeout)
    except requests.RequestException as exc:
        return "down", describe_failure(base_url, exc, timeout)
    if answer.status_code != 200:
        return "down", f"/api/version answered HTTP {answer.status_code}"
    return "up", f"version {answer.text.strip()[:60]}"


def check_ollama(base_url: str, wanted_models: list[str], timeout: float) -> tuple[str, str]:
    """Up when it answers and has every model the policy names; degraded when some are missing."""
    import requests

    deadline = time.monotonic() + timeout
    try:
        version = http_get(f"{base_url}/api/version", timeout)
        if version.status_code != 200:
            return "down", f"/api/version answered HTTP {version.status_code}"
        tags = http_get(f"{base_url}/api/tags", _left(deadline))
        if tags.status_code != 200:
            return "degraded", f"/api/tags answered HTTP {tags.status_code}"
        present = {m.get("name") or m.get("model") for m in tags.json().get("models") or []}
        number = version.json().get("version", "?")
    except (ValueError, AttributeError, TypeError):  # before RequestException: requests' JSON error is both
        return "degraded", "answered, but /api/version or /api/tags is not the expected JSON"
    except requests.RequestException as exc:
        return "down", describe_failure(base_url, exc, timeout)
    missing = [m for m in wanted_models if not _model_present(m, present)]
    if missing:
        return "degraded", f"version {number}; missing {len(missing)} of {len(wanted_models)} models: {', '.join(missing)}"
    return "up", f"version {number}; all {len(wanted_models)} policy models present"


def _model_present(wanted: str, present: set) -> bool:
    # Ollama lists "mistral:7b" and "deepseek-coder-v2:latest"; a name without a tag means :latest.
    return wanted in present or (":" not in wanted and f"{wanted}:latest" in present)


def check_postgres(host: str, port: int, timeout: float) -> tuple[str, str]:
    """TCP connect, then the SSLRequest handshake: no credentials, no driver needed.

    Postgres answers with exactly one byte, S or N, and then waits for us; a
    service that merely starts with S or N (an SSH banner) keeps talking.
    """
    try:
        with socket.create_connection((host, port), timeout=timeout) as conn:
            conn.settimeout(timeout)
            conn.sendall(_SSL_REQUEST)
            reply = conn.recv(1)
            more = _more_bytes(conn, min(timeout, _QUIET_S)) if reply in (b"S", b"N") else b""
    except socket.timeout:
        return "down", f"{host}:{port}: no answer within {timeout:g} s"
    except OSError as exc:
        return "down", f"{host}:{port}: {exc.strerror or type(exc).__name__}"
    if reply in (b"S", b"N") and not more:
        return "up", f"{host}:{port} speaks the Postgres protocol (SSL {'offered' if reply == b'S' else 'not offered'})"
    return "down", f"{host}:{port}: port open, but the reply is not Postgres ({(reply + more)[:12]!r})"


#: how long Postgres must stay quiet after its one-byte answer
_QUIET_S = 0.25


def _more_bytes(conn: socket.socket, wait: float) -> bytes:
    conn.settimeout(wait)
    try:
        return conn.recv(64)
    except socket.timeout:
        return b""


def check_openai_endpoint(url: str, token_env: str | None, timeout: float) -> tuple[str, str]:
    """An OpenAI-compatible server lists its models at ``{url}/models``."""
    import requests

    headers = {}
    if token_env and os.environ.get(token_env):
        headers["Authorization"] = f"Bearer {os.environ[token_env]}"
    target = f"{url.rstrip('/')}/models"
    label = shown(target)
    try:
        answer = http_get(target, timeout, headers)
    except requests.RequestException as exc:
        return "down", describe_failure(url, exc, timeout)
    if answer.status_code in (401, 403):
        hint = f" (is ${token_env} set?)" if token_env else ""
        return "down", f"{label} refused the credentials: HTTP {answer.status_code}{hint}"
    if answer.status_code >= 500:
        return "down", f"{label} answered HTTP {answer.status_code}"
    return "up", f"{label} answered HTTP {answer.status_code}"
