"""A real n8n for the integration tests: install once, start on loopback, get a key.

``ensure_n8n()`` installs n8n 2.8.4 from npm into
``phoenix_cache_dir()/n8n-2.8.4`` (outside any checkout) and returns the path
of its ``n8n`` executable. The first install takes minutes and about 2.3 GB;
afterwards it returns at once. It is idempotent and safe to call from two
processes at the same time (a file lock serialises them).

``N8nServer`` runs that n8n with a throw-away user folder on a free loopback
port, in the isolated environment from ``shared/docs/n8n.md`` (no telemetry,
no templates, no version checks, nothing but 127.0.0.1), waits for
``/healthz/readiness``, creates the owner and an API key through the same
REST calls the UI makes, and stops it with SIGTERM.

Run by hand:  python -m tests.support.n8n_server install
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import requests

from lib.cache import phoenix_cache_dir
from lib.store import file_lock

N8N_VERSION = "2.8.4"
# `xlsx` resolves to a tarball host this machine cannot reach; the registry's
# 0.18.5 works (shared/docs/n8n.md).
PACKAGE_JSON = {
    "name": "phoenix-n8n-runtime",
    "private": True,
    "description": "n8n for Phoenix integration tests; installed by tests/support/n8n_server.py ensure_n8n()",
    "dependencies": {"n8n": N8N_VERSION},
    "overrides": {"xlsx": "0.18.5"},
}
MARKER = ".phoenix-installed"
INSTALL_TIMEOUT_S = 45 * 60
READY_TIMEOUT_S = 120
STOP_TIMEOUT_S = 30
OWNER = {"email": "owner@phoenix.test", "firstName": "Phoenix", "lastName": "Tests",
         "password": "Phoenix-tests-1"}
ENCRYPTION_KEY = "phoenix-tests-fixed-encryption-key"


def n8n_install_dir() -> Path:
    return phoenix_cache_dir() / f"n8n-{N8N_VERSION}"


def installed_n8n() -> Path | None:
    """The cached n8n executable, or None if ensure_n8n() never completed."""
    folder = n8n_install_dir()
    binary = folder / "node_modules" / ".bin" / "n8n"
    marker = folder / MARKER
    if binary.exists() and marker.exists() and marker.read_text().strip() == N8N_VERSION:
        return binary
    return None


def ensure_n8n(log: Callable[[str], None] = print) -> Path:
    """Install n8n 2.8.4 into the cache unless it is there; return the executable."""
    binary = installed_n8n()
    if binary:
        return binary
    npm = shutil.which("npm")
    if not npm:
        raise RuntimeError("npm is not on PATH: n8n cannot be installed (needs Node 20 and npm)")
    folder = n8n_install_dir()
    folder.mkdir(parents=True, exist_ok=True)
    with _install_lock(folder):
        binary = installed_n8n()  # another process may have finished meanwhile
        if binary:
            return binary
        (folder / "package.json").write_text(json.dumps(PACKAGE_JSON, indent=2) + "\n")
        log(f"installing n8n {N8N_VERSION} into {folder} (several minutes, ~2.3 GB)...")
        started = time.monotonic()
        result = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error"],
                                cwd=folder, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S)
        if result.returncode != 0:
            tail = "\n".join((result.stdout + result.stderr).splitlines()[-30:])
            raise RuntimeError(f"npm install of n8n {N8N_VERSION} failed:\n{tail}")
        binary = folder / "node_modules" / ".bin" / "n8n"
        version = subprocess.run([str(binary), "--version"], capture_output=True, text=True,
                                 timeout=120).stdout.strip()
        if version != N8N_VERSION:
            raise RuntimeError(f"installed n8n reports version {version!r}, expected {N8N_VERSION}")
        (folder / MARKER).write_text(N8N_VERSION + "\n")
        log(f"n8n {N8N_VERSION} installed in {time.monotonic() - started:.0f} s")
        return binary


def _install_lock(folder: Path):
    return file_lock(folder / ".install.lock")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class N8nServer:
    """One n8n process with its own user folder, on loopback only."""

    def __init__(self, binary: Path, user_folder: Path, port: int | None = None):
        self.binary = Path(binary)
        self.user_folder = Path(user_folder)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.api_key: str | None = None
        self.log_path = self.user_folder / "n8n.log"
        self._process: subprocess.Popen | None = None

    def environment(self) -> dict:
        keep = {k: v for k, v in os.environ.items()
                if not k.startswith(("N8N_", "DB_", "WEBHOOK_", "QUEUE_", "EXECUTIONS_"))}
        return {
            **keep,
            "N8N_USER_FOLDER": str(self.user_folder),
            "N8N_PORT": str(self.port),
            "N8N_LISTEN_ADDRESS": "127.0.0.1",
            "N8N_HOST": "127.0.0.1",
            "WEBHOOK_URL": f"{self.url}/",
            "N8N_ENCRYPTION_KEY": ENCRYPTION_KEY,
            "N8N_DIAGNOSTICS_ENABLED": "false",
            "N8N_PERSONALIZATION_ENABLED": "false",
            "N8N_VERSION_NOTIFICATIONS_ENABLED": "false",
            "N8N_TEMPLATES_ENABLED": "false",
            "EXTERNAL_FRONTEND_HOOKS_URLS": "",
            "N8N_DIAGNOSTICS_CONFIG_FRONTEND": "",
            "N8N_DIAGNOSTICS_CONFIG_BACKEND": "",
            "N8N_SECURE_COOKIE": "false",
            # the task runner broker defaults to a fixed port (5679): two
            # instances (or the operator's own n8n) would collide on it
            "N8N_RUNNERS_BROKER_PORT": str(free_port()),
            "N8N_LOG_LEVEL": "warn",
        }

    def start(self) -> "N8nServer":
        self.user_folder.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self._process = subprocess.Popen([str(self.binary), "start"], env=self.environment(),
                                         cwd=self.user_folder, stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        try:
            self._wait_ready()
            self.api_key = self._create_api_key()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self) -> None:
        # /healthz/readiness turns 200 when the database is ready, a moment
        # before the REST routes exist (they answer 404 until then).
        deadline = time.monotonic() + READY_TIMEOUT_S
        for path in ("/healthz/readiness", "/rest/settings"):
            while not self._answers_200(path):
                if self._process.poll() is not None:
                    raise RuntimeError(f"n8n exited with {self._process.returncode}:\n{self.log_tail()}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"n8n not ready after {READY_TIMEOUT_S} s:\n{self.log_tail()}")
                time.sleep(0.5)

    def _answers_200(self, path: str) -> bool:
        try:
            return requests.get(self.url + path, timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def _create_api_key(self) -> str:
        """Owner set-up, login, then an API key with every scope (no UI, no env var)."""
        rest = requests.Session()
        answer = rest.post(f"{self.url}/rest/owner/setup", json=OWNER, timeout=30)
        answer.raise_for_status()
        login = {"emailOrLdapLoginId": OWNER["email"], "password": OWNER["password"]}
        rest.post(f"{self.url}/rest/login", json=login, timeout=30).raise_for_status()
        scopes = rest.get(f"{self.url}/rest/api-keys/scopes", timeout=30)
        scopes.raise_for_status()
        body = {"label": "phoenix-tests", "scopes": scopes.json()["data"], "expiresAt": None}
        created = rest.post(f"{self.url}/rest/api-keys", json=body, timeout=30)
        created.raise_for_status()
        return created.json()["data"]["rawApiKey"]

    def stop(self) -> None:
        """SIGTERM the process group (n8n and its task runner); SIGKILL if stuck."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        except ProcessLookupError:
            pass

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def __enter__(self) -> "N8nServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


if __name__ == "__main__":
    if sys.argv[1:] == ["install"]:
        began = time.monotonic()
        print(ensure_n8n())
        print(f"took {time.monotonic() - began:.1f} s")
    else:
        print(__doc__)
