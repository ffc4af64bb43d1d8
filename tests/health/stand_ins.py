"""Loopback stand-ins for what health probes talk to that is not HTTP, and the replies of the HTTP services
(served by ``tests.support.canned_http.CannedHttp``).

- ``HungServer``: accepts TCP connections and never answers (the target that
  never answers).
- ``PostgresStandIn``: answers the SSLRequest with ``N`` the way a Postgres
  server without SSL does, then closes; ``BannerServer`` speaks first, as SSH does.
Each is a context manager and stops its threads and sockets on exit.
"""

from __future__ import annotations

import socket
import socketserver
import struct
import threading

SSL_REQUEST_CODE = 80877103


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


def ollama_routes(models: list[str], version: str = "0.6.3") -> dict:
    """What Ollama answers on /api/version and /api/tags."""
    return {"/api/version": (200, {"version": version}),
            "/api/tags": (200, {"models": [{"name": m, "model": m, "size": 1, "digest": "0" * 64,
                                            "details": {"format": "gguf"}} for m in models]})}


N8N_UP = {"/healthz": (200, {"status": "ok"}), "/healthz/readiness": (200, {"status": "ok"})}
N8N_DB_NOT_READY = {"/healthz": (200, {"status": "ok"}), "/healthz/readiness": (503, {"status": "error"})}
WINDMILL_UP = {"/api/version": (200, b"CE v1.520.0")}
