"""A loopback stand-in for the parts of Windmill's API that generated AI steps call.

No Windmill server runs here. What the steps need from it:

- state (resources of type ``state``), as windmill-client's ``getState``/``setState``
  use them: ``GET /api/w/{ws}/resources/get_value_interpolated/{path}`` (the value,
  404 when there is none), ``GET /api/w/{ws}/resources/get/{path}`` (the resource,
  404 when there is none), ``POST /api/w/{ws}/resources/create`` with ``{path, value,
  resource_type}`` (400 when the path is taken), ``POST /api/w/{ws}/resources/
  update_value/{path}`` with ``{value}`` (404 when there is none); every call wants
  ``Authorization: Bearer <token>``;
- the package's HTTP routes under ``/api/r/`` (Phoenix's OpenAI-compatible chat and
  embeddings routes), served by ``scripts/tooling/http_routes.py``, i.e. the real
  scripts running in this process with the given stack;
- ``scripted``: routes a test answers itself (``{(METHOD, path): handler(body) ->
  (status, json)}``), for a model whose replies the test decides.

Every request is recorded (``requests``).
"""

from __future__ import annotations

import hmac
import json
import re
import threading
from http.server import ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

from scripts.tooling.http_routes import _Handler, install_result_stream, load_routes

RESOURCES = re.compile(r"^/api/w/(?P<workspace>[^/]+)/resources/(?P<action>get_value_interpolated|get|create|update_value)"
                       r"(?:/(?P<path>.+))?$")


class _StandInHandler(_Handler):
    owner: "WindmillStandIn"

    def _serve(self) -> None:  # noqa: D401 - the base class's name
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        found = RESOURCES.match(path)
        scripted = self.owner.scripted.get((self.command, path.rstrip("/")))
        if found is None and scripted is None:
            with self.owner.lock:
                self.owner.requests.append({"method": self.command, "path": path, "body": None})
            return super()._serve()
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw.strip() else None
        with self.owner.lock:
            self.owner.requests.append({"method": self.command, "path": path, "body": body})
        if not self._token_ok():
            return self._json(401, {"error": "Unauthorized"})
        if scripted is not None:
            status, document = scripted(body)
            return self._json(status, document)
        if found["workspace"] != self.owner.workspace:
            return self._json(404, {"error": f"workspace {found['workspace']} not found"})
        return self._resources(found["action"], found["path"], body)

    def _token_ok(self) -> bool:
        scheme, _, token = self.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), self.token.encode())

    def _resources(self, action: str, path: str | None, body) -> None:
        state = self.owner.state
        with self.owner.lock:
            if action in ("get_value_interpolated", "get"):
                if path not in state:
                    return self._send(404, {"Content-Type": "text/plain"}, f"Not found: resource {path}".encode())
                resource = state[path]
                return self._json(200, resource["value"] if action == "get_value_interpolated" else
                                  {"path": path, "value": resource["value"], "resource_type": resource["resource_type"]})
            if action == "create":
                if not isinstance(body, dict) or not isinstance(body.get("path"), str) or "value" not in body:
                    return self._json(400, {"error": "expected {path, value, resource_type}"})
                if body["path"] in state:
                    return self._send(400, {"Content-Type": "text/plain"}, f"{body['path']} already exists".encode())
                state[body["path"]] = {"value": body["value"], "resource_type": body.get("resource_type")}
                self.owner.writes += 1
                return self._send(201, {"Content-Type": "text/plain"}, body["path"].encode())
            if path not in state:
                return self._send(404, {"Content-Type": "text/plain"}, f"Not found: resource {path}".encode())
            if not isinstance(body, dict) or "value" not in body:
                return self._json(400, {"error": "expected {value}"})
            state[path]["value"] = body["value"]
            self.owner.writes += 1
            return self._send(200, {"Content-Type": "text/plain"}, f"value of resource {path} updated".encode())


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        import sys

        if not isinstance(sys.exc_info()[1], OSError):  # clients hanging up are routine here
            super().handle_error(request, client_address)


class WindmillStandIn:
    """The server in a thread: ``url``, ``state`` (path -> {value, resource_type}), ``requests``."""

    def __init__(self, token: str, workspace: str = "phoenix", stack: dict | None = None,
                 scripted: dict | None = None):
        self.token = token
        self.workspace = workspace
        self.state: dict[str, dict] = {}
        self.requests: list[dict] = []
        self.writes = 0
        self.scripted = dict(scripted or {})
        self.lock = threading.RLock()
        resources = {"resource_types": {"c_phoenix_stack": stack}} if stack is not None else {}
        routes, _skipped = load_routes()
        install_result_stream()
        handler = type("StandInHandler", (_StandInHandler,),
                       {"routes": routes, "token": token, "resources": resources, "owner": self})
        self._server = _Server(("127.0.0.1", 0), handler)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def env(self, flow_path: str = "f/n8n/translated/flow") -> dict[str, str]:
        """What Windmill sets in a flow step's environment for these calls."""
        return {"BASE_INTERNAL_URL": self.url, "WM_TOKEN": self.token, "WM_WORKSPACE": self.workspace,
                "WM_FLOW_PATH": flow_path}

    def paths(self) -> list[str]:
        with self.lock:
            return [r["path"] for r in self.requests]

    def __enter__(self) -> "WindmillStandIn":
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
