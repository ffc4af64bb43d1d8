"""A loopback stand-in for the parts of Windmill's API the node host uses: resources (workflow state) and object storage.

The routes and answers are the server's (backend/windmill-api/src/resources.rs):
``GET get_value/{path}`` (the stored value; 404 when there is none), ``POST create``
(400 "already exists" when the path is taken, as its check_path_conflict answers),
``POST update_value/{path}``, ``DELETE delete/{path}``; every call needs the job's bearer
token. Object storage is the job_helpers API (backend/windmill-api/src/job_helpers*):
``POST upload_s3_file`` (the bytes; answers ``{"file_key": ...}``) and ``GET download_s3_file``;
a workspace without storage answers 500 "No files storage resource defined at the workspace
level", as the server does. Anything else answers 404 and is recorded in ``unknown``.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit


class StateStub:
    def __init__(self, workspace: str = "phoenix", token: str = "job-token", object_storage: bool = True):
        self.workspace, self.token, self.object_storage = workspace, token, object_storage
        self.resources: dict[str, dict] = {}
        self.objects: dict[str, bytes] = {}
        self.requests: list[tuple[str, str]] = []
        self.unknown: list[tuple[str, str]] = []
        # path -> change(resources): runs once, right after the first read of that path, as if
        # another run of the flow saved just after this one loaded.
        self.after_first_read: dict = {}
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def env(self, flow_path: str = "f/test/flow", job_id: str = "job-1") -> dict:
        """Windmill's job variables for a step of ``flow_path``."""
        return {"BASE_INTERNAL_URL": self.url, "WM_TOKEN": self.token, "WM_WORKSPACE": self.workspace,
                "WM_FLOW_PATH": flow_path, "WM_JOB_ID": job_id}

    def value(self, path: str):
        return self.resources.get(path, {}).get("value")

    def __enter__(self) -> "StateStub":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()

    def _handler(self):
        stub = self
        prefix = rf"/api/w/{re.escape(stub.workspace)}/resources"
        helpers = rf"/api/w/{re.escape(stub.workspace)}/job_helpers"

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, body=None, content_type: str = "application/json"):
                data = (json.dumps(body) if content_type == "application/json" else str(body)).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _body(self):
                length = int(self.headers.get("Content-Length") or 0)
                return json.loads(self.rfile.read(length) or b"null")

            def _route(self, verb: str):
                path = unquote(urlsplit(self.path).path)
                stub.requests.append((verb, path))
                if self.headers.get("Authorization") != f"Bearer {stub.token}":
                    return self._send(401, "Unauthorized", "text/plain")
                for method, pattern, action in (
                        ("GET", rf"{prefix}/get_value/(?P<p>.+)", self.get_value),
                        ("POST", rf"{prefix}/create", self.create),
                        ("POST", rf"{prefix}/update_value/(?P<p>.+)", self.update_value),
                        ("DELETE", rf"{prefix}/delete/(?P<p>.+)", self.delete),
                        ("POST", rf"{helpers}/upload_s3_file", self.upload),
                        ("GET", rf"{helpers}/download_s3_file", self.download)):
                    match = re.fullmatch(pattern, path)
                    if method == verb and match:
                        return action(*match.groups())
                stub.unknown.append((verb, path))
                self._send(404, "not a route of this stand-in", "text/plain")

            def do_GET(self):  # noqa: N802 (http.server's names)
                self._route("GET")

            def do_POST(self):  # noqa: N802
                self._route("POST")

            def do_DELETE(self):  # noqa: N802
                self._route("DELETE")

            def get_value(self, path):
                with stub.lock:
                    if path not in stub.resources:
                        self._send(404, f"Resource {path} not found", "text/plain")
                    else:
                        self._send(200, stub.resources[path]["value"])
                    change = stub.after_first_read.pop(path, None)
                    if change:
                        change(stub.resources)

            def create(self):
                body = self._body()
                with stub.lock:
                    if body["path"] in stub.resources:
                        return self._send(400, f"Bad request: Resource {body['path']} already exists", "text/plain")
                    stub.resources[body["path"]] = {"value": body.get("value"), "resource_type": body["resource_type"]}
                self._send(201, f"resource {body['path']} created", "text/plain")

            def update_value(self, path):
                body = self._body()
                with stub.lock:
                    if path in stub.resources:  # the server's UPDATE touches no row otherwise
                        stub.resources[path]["value"] = body.get("value")
                self._send(200, f"value of resource {path} updated", "text/plain")

            def _query(self, name):
                return (parse_qs(urlsplit(self.path).query).get(name) or [None])[0]

            def _no_storage(self):
                self._send(500, "Internal: No files storage resource defined at the workspace level", "text/plain")

            def upload(self):
                if not stub.object_storage:
                    return self._no_storage()
                data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                extension = self._query("file_extension")
                key = self._query("file_key") or f"windmill_uploads/{uuid.uuid4()}" + (f".{extension}" if extension else "")
                with stub.lock:
                    stub.objects[key] = data
                self._send(200, {"file_key": key})

            def download(self):
                if not stub.object_storage:
                    return self._no_storage()
                key = self._query("file_key")
                if key not in stub.objects:
                    return self._send(404, f"object {key} not found", "text/plain")
                data = stub.objects[key]
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def delete(self, path):
                with stub.lock:
                    stub.resources.pop(path, None)
                self._send(200, f"resource {path} deleted", "text/plain")

        return Handler
