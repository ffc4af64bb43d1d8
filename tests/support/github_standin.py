"""A loopback stand-in for GitHub's repository webhooks API, for the GitHub Trigger tests.

It answers the calls n8n's GitHub Trigger makes (``GithubTrigger.node.js`` webhookMethods,
through ``githubApiRequest``) the way GitHub's REST API documents them
(docs.github.com, "REST API endpoints for repository webhooks"):

- ``POST /repos/{owner}/{repo}/hooks`` {name, config: {url, content_type, insecure_ssl, secret},
  events, active} -> 201 and the hook (the secret is never shown back, as on GitHub);
  a second hook with the same ``config.url`` -> 422 "Validation Failed" ("Hook already exists
  on this repository");
- ``GET /repos/{owner}/{repo}/hooks`` -> the hooks; ``GET .../hooks/{id}`` -> the hook or 404;
- ``DELETE .../hooks/{id}`` -> 204, or 404 when there is no such hook;
- every call needs ``Authorization: token <the token>`` (else 401 "Bad credentials") and a
  User-Agent (GitHub refuses requests without one); an unknown repository -> 404.

``deliver(hook_id, event, payload)`` then plays GitHub's part of a delivery: the JSON body,
``X-GitHub-Event``, ``X-GitHub-Delivery``, ``X-Hub-Signature-256`` (HMAC-SHA256 of the body
with the hook's secret), as GitHub sends them to the hook's URL.
"""

from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import re
import threading
import uuid
from dataclasses import dataclass, field

HOOKS = re.compile(r"^/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)/hooks(?:/(?P<id>\d+))?/?$")


@dataclass
class GitHubStandIn:
    token: str
    repositories: set[tuple[str, str]]
    hooks: dict[int, dict] = field(default_factory=dict)
    secrets: dict[int, str] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)
    next_id: int = 1000

    def start(self) -> "GitHubStandIn":
        standin = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's names)
                standin._handle(self, "GET")

            def do_POST(self):  # noqa: N802
                standin._handle(self, "POST")

            def do_DELETE(self):  # noqa: N802
                standin._handle(self, "DELETE")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        return self

    def stop(self) -> None:
        self.server.shutdown()

    # --- GitHub's side of the API ---------------------------------------------------------

    def _handle(self, handler, method: str) -> None:
        path = handler.path.split("?", 1)[0]
        self.calls.append((method, path))
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        if handler.headers.get("Authorization") != f"token {self.token}":
            return self._send(handler, 401, {"message": "Bad credentials"})
        if not handler.headers.get("User-Agent"):
            return self._send(handler, 403, {"message": "Request forbidden by administrative rules. "
                                                        "Please make sure your request has a User-Agent header"})
        match = HOOKS.match(path)
        if not match or (match["owner"], match["repo"]) not in self.repositories:
            return self._send(handler, 404, {"message": "Not Found"})
        hook_id = int(match["id"]) if match["id"] else None
        repo = (match["owner"], match["repo"])
        if method == "POST" and hook_id is None:
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                return self._send(handler, 400, {"message": "Problems parsing JSON"})
            return self._create(handler, repo, body)
        if method == "GET" and hook_id is None:
            return self._send(handler, 200, [self._shown(h) for h in self.hooks.values() if h["_repo"] == repo])
        hook = self.hooks.get(hook_id) if hook_id is not None else None
        if hook is None or hook["_repo"] != repo:
            return self._send(handler, 404, {"message": "Not Found"})
        if method == "GET":
            return self._send(handler, 200, self._shown(hook))
        if method == "DELETE":
            del self.hooks[hook_id]
            self.secrets.pop(hook_id, None)
            return self._send(handler, 204, None)
        return self._send(handler, 404, {"message": "Not Found"})

    def _create(self, handler, repo, body) -> None:
        config = body.get("config") or {}
        if not isinstance(config.get("url"), str) or not config["url"]:
            return self._validation(handler, "url is missing")
        if any(h["_repo"] == repo and h["config"]["url"] == config["url"] for h in self.hooks.values()):
            return self._validation(handler, "Hook already exists on this repository")
        hook_id, self.next_id = self.next_id, self.next_id + 1
        hook = {"_repo": repo, "type": "Repository", "id": hook_id, "name": body.get("name", "web"),
                "active": body.get("active", True), "events": body.get("events") or ["push"],
                "config": {k: v for k, v in config.items() if k != "secret"},
                "url": f"{self.url}/repos/{repo[0]}/{repo[1]}/hooks/{hook_id}"}
        if config.get("secret"):
            hook["config"]["secret"] = "********"
            self.secrets[hook_id] = config["secret"]
        self.hooks[hook_id] = hook
        self._send(handler, 201, self._shown(hook))

    def _validation(self, handler, message: str) -> None:
        self._send(handler, 422, {"message": "Validation Failed",
                                  "errors": [{"resource": "Hook", "code": "custom", "message": message}]})

    @staticmethod
    def _shown(hook: dict) -> dict:
        return {k: v for k, v in hook.items() if not k.startswith("_")}

    @staticmethod
    def _send(handler, status: int, body) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        handler.send_response(status)
        if body is not None:
            handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    # --- GitHub's side of a delivery -----------------------------------------------------

    def delivery(self, hook_id: int, event: str, payload: dict, *, secret: str | None = None) -> dict:
        """The request GitHub sends to the hook's URL: method, headers, raw body (``secret`` overrides the hook's)."""
        raw = json.dumps(payload, separators=(",", ":"))
        key = self.secrets.get(hook_id, "") if secret is None else secret
        headers = {"content-type": "application/json", "user-agent": "GitHub-Hookshot/abc1234",
                   "x-github-event": event, "x-github-delivery": str(uuid.uuid4()),
                   "x-github-hook-id": str(hook_id)}
        if key:
            headers["x-hub-signature-256"] = "sha256=" + hmac.new(key.encode(), raw.encode(), hashlib.sha256).hexdigest()
        return {"method": "POST", "headers": headers, "raw": raw}
