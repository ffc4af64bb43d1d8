"""A loopback stand-in for n8n's public API v1, for the fast unit tests.

It answers the way n8n 2.8.4 does on the paths Phoenix uses (checked against a
real instance, see tests/n8n/test_n8n_real.py): ``X-N8N-API-KEY`` or 401
``{"message": "unauthorized"}``; 404 ``{"message": "Not Found"}``; strict
writes (400 ``request/body must NOT have additional properties``); a PUT bumps
``updatedAt`` and ``versionCounter`` even when nothing changed; activate wants
a JSON body (415 otherwise); lists are paginated with ``nextCursor``. Webhooks
registered with ``add_webhook`` answer at ``/webhook/<path>``. Every request is
recorded so tests can assert what was (not) sent. ``mode`` switches it to
misbehave: "server_error", "not_json".
"""

from __future__ import annotations

import copy
import itertools
import json
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import parse_qs, urlparse

WRITE_KEYS = {"name", "nodes", "connections", "settings", "staticData", "shared"}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class StandInN8n:
    def __init__(self, api_key: str = "standin-key-123456"):
        self.api_key = api_key
        self.workflows: dict[str, dict] = {}
        self.requests: list[dict] = []
        self.webhooks: dict[tuple[str, str], Callable[[dict], tuple[int, object]]] = {}
        self.mode = "normal"
        self._ids = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    def __enter__(self) -> "StandInN8n":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- test helpers ----------------------------------------------------------
    def add_workflow(self, workflow: dict) -> dict:
        wid = str(workflow.get("id") or f"wf{next(self._ids):04d}")
        stamp = _now()
        stored = {"id": wid, "name": workflow["name"], "active": False, "isArchived": False,
                  "nodes": copy.deepcopy(workflow["nodes"]),
                  "connections": copy.deepcopy(workflow["connections"]),
                  "settings": copy.deepcopy(workflow.get("settings") or {}),
                  "staticData": None, "meta": None, "pinData": None, "description": None,
                  "versionId": f"v-{wid}-1", "activeVersionId": None, "versionCounter": 1,
                  "triggerCount": 0, "createdAt": stamp, "updatedAt": stamp, "tags": [], "shared": []}
        self.workflows[wid] = stored
        return stored

    def add_webhook(self, method: str, path: str, answer: Callable[[dict], tuple[int, object]]) -> None:
        self.webhooks[(method.upper(), path.strip("/"))] = answer

    def writes(self) -> list[dict]:
        return [r for r in self.requests if r["method"] in ("POST", "PUT", "PATCH", "DELETE")
                and r["path"].startswith("/api/")]

    # -- HTTP ------------------------------------------------------------------
    def _handler(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def _body(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                return raw, self.headers.get("Content-Type", "")

            def _answer(self, status: int, body, content_type="application/json"):
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self):
                raw, content_type = self._body()
                url = urlparse(self.path)
                record = {"method": self.command, "path": url.path, "query": parse_qs(url.query),
                          "headers": dict(self.headers), "body": raw.decode("utf-8", "replace")}
                standin.requests.append(record)
                status, body = standin.route(self.command, url.path, parse_qs(url.query), raw,
                                             content_type, dict(self.headers))
                if isinstance(body, tuple):  # (bytes, content type)
                    self._answer(status, body[0], body[1])
                else:
                    self._answer(status, body)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

        return Handler

    def route(self, method, path, query, raw, content_type, headers):
        if path.startswith("/webhook/"):
            return self._webhook(method, path[len("/webhook/"):], raw, headers, query)
        if not path.startswith("/api/v1/"):
            return 404, {"message": "Not Found"}
        if headers.get("X-N8N-API-KEY") != self.api_key:
            return 401, {"message": "unauthorized"}
        if self.mode == "server_error":
            return 500, {"message": "Internal error: database is locked"}
        if self.mode == "not_json":
            return 200, (b"<html>proxy login</html>", "text/html")
        parts = path[len("/api/v1/"):].strip("/").split("/")
        if parts[0] == "workflows":
            return self._workflows(method, parts[1:], query, raw, content_type)
        if parts[0] == "executions" and method == "GET":
            return 200, {"data": [], "nextCursor": None}
        return 404, {"message": "Not Found"}

    def _workflows(self, method, rest, query, raw, content_type):
        if not rest:
            if method == "GET":
                return self._list(query)
            if method == "POST":
                body, error = self._write_body(raw)
                return (400, error) if error else (200, self.add_workflow(body))
            return 405, {"message": "Method not allowed"}
        workflow = self.workflows.get(rest[0])
        if workflow is None:
            return 404, {"message": "Not Found"}
        if len(rest) == 1 and method == "GET":
            return 200, workflow
        if len(rest) == 1 and method == "PUT":
            body, error = self._write_body(raw)
            if error:
                return 400, error
            workflow.update({k: copy.deepcopy(body[k]) for k in ("name", "nodes", "connections")},
                            settings=body.get("settings") or {}, updatedAt=_now(),
                            versionCounter=workflow["versionCounter"] + 1)
            return 200, workflow
        if len(rest) == 2 and rest[1] in ("activate", "deactivate") and method == "POST":
            if "json" not in content_type:
                return 415, {"message": "Unsupported Media Type"}
            workflow["active"] = rest[1] == "activate"
            workflow["versionCounter"] += 1
            return 200, workflow
        return 404, {"message": "Not Found"}

    def _list(self, query):
        limit = int(query.get("limit", ["100"])[0])
        start = int(query.get("cursor", ["0"])[0])
        items = list(self.workflows.values())
        page = items[start:start + limit]
        following = start + limit
        return 200, {"data": page, "nextCursor": str(following) if following < len(items) else None}

    @staticmethod
    def _write_body(raw):
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            return None, {"message": "request/body must be object"}
        if not isinstance(body, dict):
            return None, {"message": "request/body must be object"}
        extra = set(body) - WRITE_KEYS
        if extra:
            return None, {"message": "request/body must NOT have additional properties"}
        for key in ("name", "nodes", "connections", "settings"):
            if key not in body:
                return None, {"message": f"request/body must have required property '{key}'"}
        return body, None

    def _webhook(self, method, path, raw, headers, query):
        answer = self.webhooks.get((method, path.strip("/")))
        if answer is None:
            return 404, {"code": 404, "message": f'The requested webhook "{method} {path}" is not registered.',
                         "hint": "The workflow must be active for a production URL to run successfully."}
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        return answer({"body": body, "headers": headers, "query": query})
