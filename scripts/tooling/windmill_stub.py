"""A loopback stand-in for the few Windmill API calls deploy makes.

No Windmill server can run on this machine (no container engine), so
`plan` in CI and the deploy tests talk to this instead. It answers what
`wmill sync push --dry-run` asks (version, whoami, workspace settings, the
workspace tarball) and what `deploy.py resources` asks (resource types and
resources: exists/get/create/update), with the shapes of Windmill's OpenAPI
(backend/windmill-api/openapi.yaml). It checks the bearer token like the
server does, keeps a workspace in memory (empty by default, or seeded with
items for a test), and records every request so a test can see what was sent.
Like the server, it decides a Python script's ``no_main_func`` from its
content (no top-level ``main``: a library module) whatever the request says.

It is NOT a Windmill: anything it does not know answers 404 and is recorded
in ``unknown`` so a test fails loudly rather than passing on a guess.
"""

from __future__ import annotations

import io
import json
import re
import threading
import zipfile
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

from .tree import is_library_module

VERSION = "CE v1.819.0"
ITEMS = r"(?P<collection>folders|scripts|flows|schedules|http_triggers|variables)"
EXPORT_SUFFIX = {"schedules": ".schedule.json", "http_triggers": ".http_trigger.json",
                 "variables": ".variable.json"}


@dataclass
class StubWorkspace:
    """What the stand-in's workspace holds.

    ``files`` are tarball entries exactly as the server exports them (JSON:
    ``f/x/name.py`` + ``f/x/name.script.json``, ``f/x/name.flow.json``,
    ``f/x/name.schedule.json``, ``c_type.resource-type.json`` ...).
    ``resource_types`` / ``resources`` back the resources API.
    """

    workspace_id: str = "phoenix"
    token: str = "stub-token"
    files: dict[str, str] = field(default_factory=dict)
    resource_types: dict[str, dict] = field(default_factory=dict)
    resources: dict[str, dict] = field(default_factory=dict)
    items: dict[str, dict[str, dict]] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    unknown: list[tuple[str, str]] = field(default_factory=list)
    writes: list[tuple[str, str, object]] = field(default_factory=list)

    def export(self, collection: str, key: str, body: dict) -> None:
        """Keep the workspace export in step with what was pushed, in the server's JSON layout."""
        self.unexport(collection, key)
        drop = {"path", "name", "content", "language", "deployment_message", "skip_draft_deletion"}
        meta = {k: v for k, v in body.items() if k not in drop and v is not None}
        if collection == "scripts":
            self.files[f"{key}.py"] = body.get("content", "")
            self.files[f"{key}.script.json"] = json.dumps(meta)
        elif collection == "flows":
            self.files[f"{key}.flow.json"] = json.dumps(meta)
        elif collection == "folders":
            self.files[f"f/{key}/folder.meta.json"] = json.dumps(meta)
        elif collection in EXPORT_SUFFIX:
            self.files[f"{key}{EXPORT_SUFFIX[collection]}"] = json.dumps(meta)

    def unexport(self, collection: str, key: str) -> None:
        suffixes = {"scripts": (".py", ".script.json"), "flows": (".flow.json",)}.get(
            collection, (EXPORT_SUFFIX.get(collection, "/folder.meta.json"),))
        for suffix in suffixes:
            self.files.pop(f"{key}{suffix}", None)
        if collection == "folders":
            self.files.pop(f"f/{key}/folder.meta.json", None)

    def tarball(self, query: dict[str, str] | None = None) -> bytes:
        """The workspace export, filtered by the query flags the CLI sends (as the server does)."""
        query = query or {}
        flag = lambda name: query.get(name, "false") == "true"  # noqa: E731
        dropped = [(flag("skip_resources"), ".resource.json"), (flag("skip_resource_types"), ".resource-type.json"),
                   (flag("skip_variables"), ".variable.json"), (not flag("include_schedules"), ".schedule.json"),
                   (not flag("include_triggers"), "_trigger.json")]
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, text in sorted(self.files.items()):
                if not any(drop and name.endswith(suffix) for drop, suffix in dropped):
                    archive.writestr(name, text)
        return buffer.getvalue()


def library_flag(body: dict) -> dict:
    """The body as the server stores a script: ``no_main_func`` true, or absent, from the code itself.

    Windmill's create_script parses a Python script's content and records
    ``no_main_func`` only when it is true; for other languages it keeps what was sent.
    """
    if body.get("language") != "python3" or not isinstance(body.get("content"), str):
        return body
    stored = {k: v for k, v in body.items() if k != "no_main_func"}
    return {**stored, "no_main_func": True} if is_library_module(body["content"]) else stored


def _handler(ws: StubWorkspace, lock: threading.Lock):
    prefix = f"/api/w/{ws.workspace_id}"
    routes: list[tuple[str, re.Pattern, str]] = [
        ("GET", re.compile(r"/api/version"), "version"),
        ("GET", re.compile(r"/api/users/whoami"), "whoami"),
        ("GET", re.compile(rf"{prefix}/users/whoami"), "whoami"),
        ("GET", re.compile(r"/api/workspaces/users"), "user_workspaces"),
        ("GET", re.compile(rf"{prefix}/workspaces/list_ws_specific.*"), "empty_list"),
        ("GET", re.compile(r"/api/resources/file_resource_type_to_file_ext_map"), "empty_object"),
        ("GET", re.compile(rf"{prefix}/resources/file_resource_type_to_file_ext_map"), "empty_object"),
        ("GET", re.compile(rf"{prefix}/workspaces/tarball"), "tarball"),
        # After a push the CLI looks for dependency jobs it could wait on: none here.
        ("GET", re.compile(rf"{prefix}/jobs/(?:queue|completed)/list"), "empty_list"),
        ("GET", re.compile(rf"{prefix}/resources/type/exists/(?P<name>[^/]+)"), "type_exists"),
        ("GET", re.compile(rf"{prefix}/resources/type/get/(?P<name>[^/]+)"), "type_get"),
        ("POST", re.compile(rf"{prefix}/resources/type/create"), "type_create"),
        ("POST", re.compile(rf"{prefix}/resources/type/update/(?P<name>[^/]+)"), "type_update"),
        ("GET", re.compile(rf"{prefix}/resources/exists/(?P<path>.+)"), "resource_exists"),
        ("GET", re.compile(rf"{prefix}/resources/get/(?P<path>.+)"), "resource_get"),
        ("POST", re.compile(rf"{prefix}/resources/create"), "resource_create"),
        ("POST", re.compile(rf"{prefix}/resources/update/(?P<path>.+)"), "resource_update"),
        # What a real (non dry-run) push sends for the items it creates, updates or deletes.
        ("GET", re.compile(rf"{prefix}/{ITEMS}/get/(?:p/)?(?P<path>.+)"), "item_get"),
        ("GET", re.compile(rf"{prefix}/{ITEMS}/exists/(?:p/)?(?P<path>.+)"), "item_exists"),
        ("POST", re.compile(rf"{prefix}/{ITEMS}/create"), "item_create"),
        ("POST", re.compile(rf"{prefix}/{ITEMS}/update/(?:p/)?(?P<path>.+)"), "item_update"),
        ("DELETE", re.compile(rf"{prefix}/{ITEMS}/delete/(?:p/)?(?P<path>.+)"), "item_delete"),
        # A push "deletes" a script by archiving it.
        ("POST", re.compile(rf"{prefix}/{ITEMS}/archive/(?:p/)?(?P<path>.+)"), "item_delete"),
    ]

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep test output quiet
            pass

        def _send(self, status: int, body: bytes | str | object, content_type: str = "application/json"):
            if isinstance(body, (dict, list, bool)) or body is None:
                body = json.dumps(body)
            data = body.encode() if isinstance(body, str) else body
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            return json.loads(raw) if raw else None

        def _dispatch(self, method: str):
            path = urlsplit(self.path).path
            with lock:
                ws.requests.append((method, path))
            if path != "/api/version" and self.headers.get("Authorization") != f"Bearer {ws.token}":
                return self._send(401, "Unauthorized", "text/plain")
            for verb, pattern, name in routes:
                match = pattern.fullmatch(path)
                if verb == method and match:
                    params = {k: unquote(v) for k, v in match.groupdict().items()}
                    return getattr(self, f"do_{name}")(**params)
            with lock:
                ws.unknown.append((method, path))
            return self._send(404, f"stub has no {method} {path}", "text/plain")

        def do_GET(self):
            self._dispatch("GET")

        def do_POST(self):
            self._dispatch("POST")

        def do_DELETE(self):
            self._dispatch("DELETE")

        # --- answers ---------------------------------------------------
        def do_version(self):
            self._send(200, VERSION, "text/plain")

        def do_whoami(self):
            self._send(200, {"email": "ci@phoenix.invalid", "username": "ci", "is_admin": True,
                             "is_super_admin": False, "operator": False, "disabled": False,
                             "folders": [], "folders_owners": [], "groups": [], "created_at": "2026-01-01T00:00:00Z"})

        def do_user_workspaces(self):
            # Not a fork: the CLI then skips its parent-workspace schedule logic.
            self._send(200, {"email": "ci@phoenix.invalid", "workspaces": [
                {"id": ws.workspace_id, "name": ws.workspace_id, "username": "ci", "color": None,
                 "parent_workspace_id": None, "disabled": False}]})

        def do_empty_list(self):
            self._send(200, [])

        def do_empty_object(self):
            self._send(200, {})

        def do_tarball(self):
            query = dict(parse_qsl(urlsplit(self.path).query))
            self._send(200, ws.tarball(query), "application/octet-stream")

        def do_type_exists(self, name):
            self._send(200, name in ws.resource_types)

        def do_type_get(self, name):
            if name not in ws.resource_types:
                return self._send(404, f"resource type {name} not found", "text/plain")
            self._send(200, {"name": name, **ws.resource_types[name]})

        def do_type_create(self):
            body = self._body() or {}
            with lock:
                ws.writes.append(("POST", "resource_type_create", body))
                ws.resource_types[body["name"]] = {k: v for k, v in body.items() if k != "name"}
            self._send(201, body["name"], "text/plain")

        def do_type_update(self, name):
            body = self._body() or {}
            with lock:
                ws.writes.append(("POST", f"resource_type_update/{name}", body))
                ws.resource_types.setdefault(name, {}).update(body)
            self._send(200, name, "text/plain")

        def do_resource_exists(self, path):
            self._send(200, path in ws.resources)

        def do_resource_get(self, path):
            if path not in ws.resources:
                return self._send(404, f"resource {path} not found", "text/plain")
            self._send(200, {"path": path, "workspace_id": ws.workspace_id, **ws.resources[path]})

        def do_resource_create(self):
            body = self._body() or {}
            with lock:
                ws.writes.append(("POST", "resource_create", body))
                ws.resources[body["path"]] = {k: v for k, v in body.items() if k != "path"}
            self._send(201, body["path"], "text/plain")

        def do_resource_update(self, path):
            body = self._body() or {}
            with lock:
                ws.writes.append(("POST", f"resource_update/{path}", body))
                ws.resources.setdefault(path, {}).update({k: v for k, v in body.items() if k != "path"})
            self._send(200, path, "text/plain")

        def do_item_get(self, collection, path):
            stored = ws.items.get(collection, {}).get(path)
            if stored is None:
                return self._send(404, f"{collection} {path} not found", "text/plain")
            self._send(200, stored)

        def do_item_exists(self, collection, path):
            self._send(200, path in ws.items.get(collection, {}))

        def do_item_create(self, collection):
            body = self._body() or {}
            key = body.get("path") or body.get("name")
            with lock:
                ws.writes.append(("POST", f"{collection}/create", body))
                if collection == "scripts":
                    body = library_flag(body)
                ws.items.setdefault(collection, {})[key] = body
                ws.export(collection, key, body)
            self._send(201, key, "text/plain")

        def do_item_update(self, collection, path):
            body = self._body() or {}
            with lock:
                ws.writes.append(("POST", f"{collection}/update/{path}", body))
                stored = ws.items.setdefault(collection, {}).setdefault(path, {})
                stored.update(body)
                if collection == "scripts":
                    stored = ws.items[collection][path] = library_flag(stored)
                ws.export(collection, path, stored)
            self._send(200, path, "text/plain")

        def do_item_delete(self, collection, path):
            verb = "archive" if self.command == "POST" else "delete"
            with lock:
                ws.writes.append(("DELETE", f"{collection}/{verb}/{path}", None))
                ws.items.get(collection, {}).pop(path, None)
                ws.unexport(collection, path)
            self._send(200, path, "text/plain")

    return Handler


class WindmillStub:
    """``with WindmillStub() as stub: stub.url, stub.workspace``: a server on 127.0.0.1."""

    def __init__(self, workspace: StubWorkspace | None = None):
        self.workspace = workspace or StubWorkspace()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.workspace, threading.Lock()))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    def __enter__(self) -> "WindmillStub":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
