"""The package's Windmill HTTP routes, served on loopback the way Windmill serves them.

What is reproduced (read from ``backend/windmill-api/src/http_trigger*.rs``
and ``jobs.rs`` of windmill-labs/windmill):

- every ``f/**/*.http_trigger.yaml`` is served at ``/api/r/<route_path>``
  for its ``http_method``; ``authentication_method: windmill`` wants
  ``Authorization: Bearer <token>``, ``none`` nothing; other methods are not
  served (they need Windmill's resources);
- body to arguments: a JSON object's keys are main()'s arguments; with
  ``wrap_body`` (or a body that is not an object) it is the one argument
  ``body``; ``raw_string`` adds the body's text as ``raw_string``;
- ``sync``: the result is the response. A result with ``windmill_status_code``,
  ``windmill_content_type`` or ``windmill_headers`` sets the status, content
  type (its ``result`` then sent as text) and headers, ``result`` being the
  body; a failed job is a 422 carrying its error;
- ``sync_sse``: ``data: {"type": "update", "new_result_stream": ...}`` events
  for what the job writes to its result stream, then one with
  ``completed: true`` and ``only_result``.

One difference, on purpose: a script whose module sets ``HTTP_STREAM_BODY =
True`` declares that what it writes to its result stream is its streamed
body (the OpenAI route's Server-Sent Events); on a ``sync`` route those
bytes are sent as they come instead of all at the end, as Windmill does.

The scripts run in this one process (a thread per request), so models stay
loaded between requests.
"""

from __future__ import annotations

import importlib
import json
import queue
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from .local_runner import REPO, LocalRunError, _mock_windmill_api, resolve_arguments, windmill_module_path

ROUTE_PREFIX = "/api/r/"
SERVED_AUTH = ("windmill", "none")
MAX_BODY = 16 * 1024 * 1024
_SINK = threading.local()  # where this thread's job writes its result stream
_END = object()


@dataclass
class Route:
    path: str
    method: str
    script: str
    request_type: str
    auth: str
    wrap_body: bool
    raw_string: bool


def load_routes(root: Path = REPO) -> tuple[dict[tuple[str, str], Route], list[str]]:
    """``(METHOD, /api/r/<route_path>)`` -> Route, and why some triggers are not served."""
    routes, skipped = {}, []
    for file in sorted((root / "f").rglob("*.http_trigger.yaml")):
        trigger = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        where = file.relative_to(root).as_posix()
        if trigger.get("is_flow") or trigger.get("is_static_website"):
            skipped.append(f"{where}: flows and static websites are not served here")
            continue
        auth = trigger.get("authentication_method", "windmill")
        if auth not in SERVED_AUTH:
            skipped.append(f"{where}: authentication_method {auth} needs Windmill")
            continue
        route = Route(ROUTE_PREFIX + trigger["route_path"].strip("/"), trigger.get("http_method", "post").upper(),
                      trigger["script_path"], trigger.get("request_type", "sync"), auth,
                      bool(trigger.get("wrap_body")), bool(trigger.get("raw_string")))
        routes[(route.method, route.path)] = route
    return routes, skipped


def install_result_stream() -> None:
    """``wmill.append_to_result_stream`` writes to the calling job's sink (one per request thread)."""
    import wmill

    def append_to_result_stream(text: str) -> None:
        sink = getattr(_SINK, "put", None)
        if sink is not None:
            sink(str(text))

    wmill.append_to_result_stream = append_to_result_stream


def make_server(host: str, port: int, token: str, resources: dict, root: Path = REPO) -> ThreadingHTTPServer:
    routes, _skipped = load_routes(root)
    _mock_windmill_api(resources)
    install_result_stream()
    handler = type("RouteHandler", (_Handler,), {"routes": routes, "token": token, "resources": resources})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


class _Handler(BaseHTTPRequestHandler):
    routes: dict
    token: str
    resources: dict
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # headers and body are separate writes: without this, Nagle's algorithm and the
        # client's delayed ACK hold the second one back ~40 ms on every response
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self):
        self._serve()

    def do_POST(self):
        self._serve()

    def do_PUT(self):
        self._serve()

    def do_PATCH(self):
        self._serve()

    def do_DELETE(self):
        self._serve()

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's name
        pass  # request lines would interleave with the operator's terminal; errors still reach stderr

    # -- one request ----------------------------------------------------------
    def _serve(self) -> None:
        path = urlsplit(self.path).path.rstrip("/")
        route = self.routes.get((self.command, path))
        body = self._body()
        if route is None:
            known = any(p == path for _m, p in self.routes)
            status = 405 if known else 404
            return self._json(status, _error(f"no {self.command} route at {path}", "invalid_request_error",
                                             "not_found" if status == 404 else "method_not_allowed"))
        if route.auth == "windmill" and not self._authorized():
            return self._json(401, _error("missing or wrong bearer token (Authorization: Bearer <token>)",
                                          "authentication_error", "invalid_api_key"))
        if body is None:
            return None
        try:
            args = _arguments(body, route)
        except ValueError as exc:
            return self._json(400, _error(f"the body is not JSON: {exc}", "invalid_request_error", "invalid_json"))
        job = _Job(route, args, self.resources)
        if route.request_type == "sync_sse":
            return self._sse(job)
        return self._sync(job)

    def _authorized(self) -> bool:
        import hmac

        given = self.headers.get("Authorization", "")
        scheme, _, token = given.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), self.token.encode())

    def _body(self) -> bytes | None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._json(413, _error(f"body over {MAX_BODY} bytes", "invalid_request_error", "too_large"))
            return None
        return self.rfile.read(length) if length else b""

    def _sync(self, job: "_Job") -> None:
        first = job.next()
        if first is not _END and job.streams_body:  # the script's result stream is the body: sent as it comes
            self._start(200, {"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
            self._chunk(first.encode())
            for piece in job.pieces():
                self._chunk(piece.encode())
            return self._chunk(b"")
        while first is not _END:  # a sync route ignores the result stream
            first = job.next()
        status, headers, payload = windmill_response(job.result, job.succeeded)
        self._send(status, headers, payload)

    def _sse(self, job: "_Job") -> None:
        self._start(200, {"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        offset = 0
        piece = job.next()
        while piece is not _END:
            offset += len(piece)
            self._chunk(_update({"new_result_stream": piece, "stream_offset": offset}))
            piece = job.next()
        self._chunk(_update({"completed": True, "only_result": job.result}))
        self._chunk(b"")

    # -- writing --------------------------------------------------------------
    def _start(self, status: int, headers: dict) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _send(self, status: int, headers: dict, payload: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _json(self, status: int, document) -> None:
        self._send(status, {"Content-Type": "application/json"}, json.dumps(document).encode())


def _update(fields: dict) -> bytes:
    return f"data: {json.dumps({'type': 'update', **fields}, default=str)}\n\n".encode()


def _error(message: str, kind: str, code: str) -> dict:
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def _arguments(body: bytes, route: Route) -> dict:
    text = body.decode("utf-8", errors="replace")
    parsed = json.loads(text) if text.strip() else {}
    args = parsed if isinstance(parsed, dict) and not route.wrap_body else {"body": parsed}
    if route.raw_string:
        args["raw_string"] = text
    return args


class _Job:
    """One script run in its own thread; its result-stream pieces come through a queue."""

    def __init__(self, route: Route, args: dict, resources: dict):
        self.result, self.succeeded = None, False
        self.streams_body = False
        self._queue: queue.Queue = queue.Queue()
        thread = threading.Thread(target=self._run, args=(route.script, args, resources), daemon=True)
        thread.start()

    def _run(self, script: str, args: dict, resources: dict) -> None:
        _SINK.put = self._queue.put
        try:
            module = _module(script)
            self.streams_body = bool(getattr(module, "HTTP_STREAM_BODY", False))
            self.result = module.main(**resolve_arguments(module.main, args, resources))
            self.succeeded = not (isinstance(self.result, dict) and self.result.get("wm_failure"))
        except Exception as exc:  # noqa: BLE001 - a failed job is a response, as in Windmill
            self.result = {"error": {"name": type(exc).__name__, "message": str(exc)}}
        finally:
            _SINK.put = None
            self._queue.put(_END)

    def next(self):
        return self._queue.get()

    def pieces(self):
        piece = self.next()
        while piece is not _END:
            yield piece
            piece = self.next()


def _module(script: str):
    path = windmill_module_path(script)
    name = path.relative_to(REPO).with_suffix("").as_posix().replace("/", ".")
    module = importlib.import_module(name)
    if not callable(getattr(module, "main", None)):
        raise LocalRunError(f"{script} has no main()")
    return module


def windmill_response(result, succeeded: bool) -> tuple[int, dict, bytes]:
    """Windmill's ``result_to_response``: a composite result sets status, headers and content type."""
    keys = ("windmill_status_code", "windmill_content_type", "windmill_headers")
    if not isinstance(result, dict) or not any(result.get(key) is not None for key in keys):
        return (200 if succeeded else 422), {"Content-Type": "application/json"}, json.dumps(result).encode()
    body = result.get("result")
    status = result.get("windmill_status_code") or (422 if not succeeded else 200 if body is not None else 204)
    headers = {str(k): str(v) for k, v in (result.get("windmill_headers") or {}).items()}
    content_type = result.get("windmill_content_type")
    if content_type:
        headers["Content-Type"] = content_type
        payload = body if isinstance(body, str) else json.dumps(body) if body is not None else ""
        return status, headers, payload.encode()
    if body is None:
        return status, headers, b""
    headers["Content-Type"] = "application/json"
    return status, headers, json.dumps(body).encode()
