"""Loopback stand-ins for what the pods' containers serve, on the port a pod publishes.

No container can start on these machines, so when the podman stand-in starts
a pod it starts one of these per service container, on the container's
hostPort, answering that service's own health endpoint the way the real one
does:

- ``postgres``: the SSLRequest answered with ``N`` (a Postgres without SSL);
- ``windmill``: ``scripts/tooling/windmill_stub.py`` (what ``deploy.py push``
  and the resources step talk to), plus the two job routes ``up``'s first
  jobs use (``jobs/run/p/<path>`` returns a job id,
  ``jobs_u/completed/get_result_maybe/<id>`` answers "running" once, then the
  result), with the token from ``$WINDMILL_TOKEN``; every request is appended
  to ``$STANDIN_WINDMILL_RECORD`` (a variable's value replaced by its sha256);
- ``ollama``: ``/api/version`` and an empty ``/api/tags``;
- ``n8n``: ``/healthz`` and ``/healthz/readiness``;
the two last answer the same every time (``CannedHttp``, pytest-httpserver).

Run: ``python -m tests.workspace.service_standins KIND HOST PORT``; or
``with serve(kind, host, port):`` in a test.
"""

from __future__ import annotations

import hashlib
import json
import os
import socketserver
import sys
import threading
import uuid
from contextlib import contextmanager
from http.server import ThreadingHTTPServer

from scripts.tooling.windmill_stub import StubWorkspace, _handler
from tests.support.canned_http import CannedHttp

HEALTH_MARKDOWN = "# Phoenix: system status\n\n_stand-in result_"


class _Postgres(socketserver.BaseRequestHandler):
    def handle(self):
        if len(self.request.recv(8)) == 8:
            self.request.sendall(b"N")
            self.request.recv(64)  # then wait, as a server waiting for the startup message does


OLLAMA = {"/": (200, b"Ollama is running"), "/api/version": (200, {"version": "0.16.3"}),
          "/api/tags": (200, {"models": []})}
N8N = {"/healthz": (200, {"status": "ok"}), "/healthz/readiness": (200, {"status": "ok"})}
CANNED = {"ollama": OLLAMA, "n8n": N8N}


def _windmill_handler():
    workspace = StubWorkspace(token=os.environ.get("WINDMILL_TOKEN") or "stub-token")
    base = _handler(workspace, threading.Lock())
    record = os.environ.get("STANDIN_WINDMILL_RECORD")
    jobs: dict[str, dict] = {}
    prefix = f"/api/w/{workspace.workspace_id}/"

    class Handler(base):
        def _dispatch(self, method):
            path = self.path.split("?", 1)[0]
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            self._note(method, path, body)
            authorized = self.headers.get("Authorization") == f"Bearer {workspace.token}"
            if authorized and method == "POST" and path.startswith(prefix + "jobs/run/p/"):
                job = str(uuid.uuid4())
                jobs[job] = {"path": path[len(prefix + "jobs/run/p/"):], "args": body, "polls": 0}
                return self._send(201, job, "text/plain")
            if authorized and path.startswith(prefix + "jobs_u/completed/get_result_maybe/"):
                job = jobs.get(path.rsplit("/", 1)[1])
                if job is None:
                    return self._send(404, "job not found", "text/plain")
                job["polls"] += 1
                if job["polls"] == 1:
                    return self._send(200, {"completed": False, "result": None, "started": True})
                result = {"markdown": HEALTH_MARKDOWN} if job["path"].endswith("health/check") else {"pulled": 0}
                return self._send(200, {"completed": True, "success": True, "result": result})
            self.rfile = _Replay(raw)  # the stub reads the body itself: hand it back
            return super()._dispatch(method)

        def _note(self, method, path, body):
            if not record:
                return
            if isinstance(body, dict) and "value" in body and "/variables/" in path:
                body = {**body, "value": "sha256:" + hashlib.sha256(str(body["value"]).encode()).hexdigest()}
            with open(record, "a", encoding="utf-8") as handle:
                handle.write(json.dumps({"method": method, "path": path, "body": body}) + "\n")

    return Handler


class _Replay:
    def __init__(self, data: bytes):
        self.data = data

    def read(self, size: int = -1) -> bytes:
        chunk, self.data = (self.data, b"") if size < 0 else (self.data[:size], self.data[size:])
        return chunk


class _TcpServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


class _HttpServer(ThreadingHTTPServer):
    allow_reuse_address = True
    daemon_threads = True


@contextmanager
def serve(kind: str, host: str, port: int):
    """``kind``'s stand-in on ``host:port``, stopped when the block ends."""
    if kind in CANNED:
        with CannedHttp(CANNED[kind], host=host, port=port):
            yield
        return
    if kind == "postgres":
        server = _TcpServer((host, port), _Postgres)
    else:
        server = _HttpServer((host, port), _windmill_handler())
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


def main() -> None:
    kind, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with serve(kind, host, port):
        threading.Event().wait()


if __name__ == "__main__":
    main()
