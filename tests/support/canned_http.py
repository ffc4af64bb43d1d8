"""``CannedHttp``: a pytest-httpserver ``HTTPServer`` that answers fixed replies, for services probed over HTTP.

``routes`` maps a path to ``(status, body)`` or ``(status, body, delay_s)``; a body is JSON unless it is
bytes, and is sent as ``application/json`` either way; any other path answers 404, as a real service does.
``answer(routes)`` replaces the replies while it runs (for flapping targets); what it received is in
``.log``. On 127.0.0.1 and a free port unless ``host``/``port`` say otherwise, or on a Unix socket
(``unix_socket=path``, the Podman REST socket). A context manager: started on entry, stopped on exit.
"""

from __future__ import annotations

import json
import logging
import time

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

# a line per request is noise in test and benchmark output; warnings and errors still show
logging.getLogger("werkzeug").setLevel(logging.WARNING)


class CannedHttp(HTTPServer):
    def __init__(self, routes: dict | None = None, *, host: str = "127.0.0.1", port: int = 0,
                 unix_socket: str | None = None):
        super().__init__(f"unix://{unix_socket}" if unix_socket else host, port, threaded=True)
        self.no_handler_status_code = 404
        self.answer(routes or {})

    def thread_target(self):
        self.server.serve_forever(poll_interval=0.05)  # stops in 0.05 s, not the default 0.5 s

    @property
    def url(self) -> str:
        return self.url_for("").rstrip("/")

    def answer(self, routes: dict) -> None:
        """From now on answer ``routes`` (and nothing else); the log is kept."""
        self.clear_all_handlers()
        for path, (status, body, *delay) in routes.items():
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            reply = Response(data, status, content_type="application/json")
            if delay:  # a slow but working service
                self.expect_request(path).respond_with_handler(_after(delay[0], reply))
            else:
                self.expect_request(path).respond_with_response(reply)


def _after(seconds: float, reply: Response):
    def handler(request: Request) -> Response:
        time.sleep(seconds)
        return reply
    return handler
