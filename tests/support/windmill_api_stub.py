"""A loopback stand-in for the part of Windmill's API trigger jobs use: state, resources, flow runs.

The calls are the ones windmill-client (typescript-client/client.ts: getResource,
setResource, getState, setState, runFlowAsync) makes, with the answers Windmill's API gives:

- ``GET /api/w/{ws}/resources/get_value_interpolated/{path}`` -> the value as JSON, 404 when
  there is no resource at the path;
- ``GET /api/w/{ws}/resources/exists/{path}`` -> ``true`` / ``false``;
- ``POST /api/w/{ws}/resources/update_value/{path}`` {value} -> 200 (404 when it does not exist);
- ``POST /api/w/{ws}/resources/create`` {path, value, resource_type} -> 201 (400 when it exists);
- ``POST /api/w/{ws}/jobs/run/f/{path}`` (the flow's arguments) -> 201 and the new job's id as text.

Every call must carry ``Authorization: Bearer <token>`` for the stub's workspace, else 401.
``environment()`` gives the variables a Windmill job gets (BASE_INTERNAL_URL, WM_TOKEN,
WM_WORKSPACE, WM_BASE_URL).
"""

from __future__ import annotations

import http.server
import json
import threading
import uuid
from dataclasses import dataclass, field
from urllib.parse import unquote


@dataclass
class WindmillApiStub:
    workspace: str = "phoenix"
    token: str = "wm-test-token"
    public_url: str = "https://windmill.example.org"
    resources: dict[str, dict] = field(default_factory=dict)  # path -> {"value", "resource_type"}
    calls: list[tuple[str, str]] = field(default_factory=list)
    flow_runs: list[tuple[str, dict]] = field(default_factory=list)  # (flow path, arguments) of each run started
    fail_writes: bool = False  # answer 500 to every write (a Windmill outage)

    def start(self) -> "WindmillStateStub":
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                stub._handle(self, "GET")

            def do_POST(self):  # noqa: N802
                stub._handle(self, "POST")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        return self

    def stop(self) -> None:
        self.server.shutdown()

    def environment(self) -> dict[str, str]:
        return {"BASE_INTERNAL_URL": self.url, "WM_TOKEN": self.token, "WM_WORKSPACE": self.workspace,
                "WM_BASE_URL": self.public_url}

    def state(self, path: str):
        entry = self.resources.get(path)
        return None if entry is None else entry["value"]

    def _handle(self, handler, method: str) -> None:
        path = handler.path.split("?", 1)[0]
        self.calls.append((method, path))
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        if handler.headers.get("Authorization") != f"Bearer {self.token}":
            return self._send(handler, 401, "Unauthorized")
        runs = f"/api/w/{self.workspace}/jobs/run/f/"
        if method == "POST" and path.startswith(runs):
            try:
                args = json.loads(raw or b"{}")
            except ValueError:
                return self._send(handler, 400, "bad json")
            self.flow_runs.append((unquote(path[len(runs):]), args))
            return self._send(handler, 201, str(uuid.UUID(int=len(self.flow_runs))))
        prefix = f"/api/w/{self.workspace}/resources/"
        if not path.startswith(prefix):
            return self._send(handler, 404, "not found")
        route = path[len(prefix):]
        if method == "GET" and route.startswith("get_value_interpolated/"):
            entry = self.resources.get(unquote(route.removeprefix("get_value_interpolated/")))
            return self._send(handler, 404, "resource not found") if entry is None else self._json(handler, 200, entry["value"])
        if method == "GET" and route.startswith("exists/"):
            return self._json(handler, 200, unquote(route.removeprefix("exists/")) in self.resources)
        if method == "POST" and self.fail_writes:
            return self._send(handler, 500, "database unavailable")
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            return self._send(handler, 400, "bad json")
        if method == "POST" and route.startswith("update_value/"):
            target = unquote(route.removeprefix("update_value/"))
            if target not in self.resources:
                return self._send(handler, 404, "resource not found")
            self.resources[target]["value"] = body["value"]
            return self._send(handler, 200, target)
        if method == "POST" and route == "create":
            if body["path"] in self.resources:
                return self._send(handler, 400, "resource already exists")
            self.resources[body["path"]] = {"value": body["value"], "resource_type": body["resource_type"]}
            return self._send(handler, 201, body["path"])
        return self._send(handler, 404, "not found")

    @staticmethod
    def _json(handler, status: int, value) -> None:
        WindmillApiStub._send(handler, status, json.dumps(value), "application/json")

    @staticmethod
    def _send(handler, status: int, text: str, kind: str = "text/plain") -> None:
        data = text.encode()
        handler.send_response(status)
        handler.send_header("Content-Type", kind)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
