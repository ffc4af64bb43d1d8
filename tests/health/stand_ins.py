"""Loopback stand-ins for the services health probes talk to.

- ``HttpStandIn``: a real HTTP server in a thread; ``routes`` maps a path to
  ``(status, body)`` or ``(status, body, delay_s)``, changeable while it runs (for flapping targets); every
  request is recorded (for the alert receiver).
- ``HungServer``: accepts TCP connections and never answers (the target that
  never answers).
- ``PostgresStandIn``: answers the SSLRequest with ``N`` the way a Postgres
  server without SSL does, then closes.
- ``UnixHttpStandIn``: the Podman REST socket, on a Unix socket.
Each is a context manager and stops its threads and sockets on exit.
"""

from __future__ import annotations

import json
import os
import socket
import socketserver
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SSL_REQUEST_CODE = 80877103


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        owner = self.server.owner
        owner.requests.append({"method": self.command, "path": self.path, "headers": dict(self.headers),
                               "body": body})
        status, payload, *delay = owner.routes.get(self.path.split("?", 1)[0], (404, {"error": "not found"}))
        if delay:  # a slow but working service: (status, payload, seconds)
            time.sleep(delay[0])
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _answer


class HttpStandIn:
    def __init__(self, routes: dict | None = None):
        self.routes = dict(routes or {})
        self.requests: list[dict] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.owner = self
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> "HttpStandIn":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


class HungServer:
    """Completes the TCP handshake, reads nothing, answers nothing."""

    def __init__(self):
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(64)
        self.port = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self):
        self._socket.settimeout(0.1)
        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
                self._held.append(connection)
            except socket.timeout:
                continue
            except OSError:
                return

    def __enter__(self) -> "HungServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)
        for connection in self._held:
            connection.close()
        self._socket.close()


class _PostgresHandler(socketserver.BaseRequestHandler):
    def handle(self):
        header = self.request.recv(8)
        if len(header) == 8 and struct.unpack("!ii", header) == (8, SSL_REQUEST_CODE):
            self.request.sendall(self.server.reply)


class PostgresStandIn:
    def __init__(self, reply: bytes = b"N"):
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _PostgresHandler)
        self._server.daemon_threads = True
        self._server.reply = reply
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> "PostgresStandIn":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


class _BannerHandler(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.sendall(self.server.banner)


class BannerServer(PostgresStandIn):
    """Speaks first, like an SSH server: some other service sitting on the Postgres port."""

    def __init__(self, banner: bytes = b"SSH-2.0-OpenSSH_9.2\r\n"):
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _BannerHandler)
        self._server.daemon_threads = True
        self._server.banner = banner
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)


class _UnixHTTPServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


class _UnixHandler(_Handler):
    def address_string(self):
        return "unix"


class UnixHttpStandIn:
    def __init__(self, path: str, routes: dict):
        self.path = path
        self.routes = dict(routes)
        self.requests: list[dict] = []
        self._server = _UnixHTTPServer(path, _UnixHandler)
        self._server.owner = self
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> "UnixHttpStandIn":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
        if os.path.exists(self.path):
            os.unlink(self.path)


def ollama_routes(models: list[str], version: str = "0.6.3") -> dict:
    """What Ollama answers on /api/version and /api/tags."""
    return {"/api/version": (200, {"version": version}),
            "/api/tags": (200, {"models": [{"name": m, "model": m, "size": 1, "digest": "0" * 64,
                                            "details": {"format": "gguf"}} for m in models]})}


N8N_UP = {"/healthz": (200, {"status": "ok"}), "/healthz/readiness": (200, {"status": "ok"})}
N8N_DB_NOT_READY = {"/healthz": (200, {"status": "ok"}), "/healthz/readiness": (503, {"status": "error"})}
WINDMILL_UP = {"/api/version": (200, b"CE v1.520.0")}
