"""The node host authenticates as n8n does, and renewed OAuth2 tokens go back to their Windmill resource.

Loopback stand-ins only: an OAuth2 token endpoint, an API that refuses the stale
access token (401) and accepts the fresh one, an echo endpoint recording what a
request carried, and Windmill's resource API (``GET .../resources/get_value/{path}``,
``POST .../resources/update_value/{path}`` with ``{"value": ...}``, Bearer
``WM_TOKEN``: the endpoints windmill-labs/windmill's own clients call). Every case
runs through the host (Bun, f/phoenix/n8n_host/) and through n8n's engine loaded
the spike's way (reference.cjs); the outputs and the requests must be the same.
No secret may appear in a result, an error or the processes' output.
"""

from __future__ import annotations

import base64
import http.server
import json
import subprocess
import tempfile
import threading
import urllib.parse
from pathlib import Path

import pytest

from lib.n8n.workflow import Node
from lib.n8n_host.credentials import RESOURCES_KEY, credential_inputs
from tests.n8n_host.cases import items, node
from tests.support.n8n_host_run import HOST_RUNNER, REFERENCE, bun_binary, host_environment, missing

pytestmark = [pytest.mark.n8n, pytest.mark.skipif(missing() is not None, reason=str(missing()))]

CLIENT_SECRET = "client-secret-never-shown-1"
STALE = "stale-access-token-2"
OLD_REFRESH = "old-refresh-token-3"
FRESH = "fresh-access-token-4"
NEW_REFRESH = "new-refresh-token-5"
MACHINE = "client-credentials-token-6"
HEADER_SECRET = "header-secret-7"
BASIC_PASSWORD = "basic-password-8"
QUERY_SECRET = "query-secret-9"
WM_TOKEN = "windmill-job-token-10"
SECRETS = [CLIENT_SECRET, STALE, OLD_REFRESH, FRESH, NEW_REFRESH, MACHINE, HEADER_SECRET, BASIC_PASSWORD,
           QUERY_SECRET, WM_TOKEN]
WORKSPACE = "phoenix"
AUTH_CODE_RESOURCE = "f/phoenix/n8n_credentials/oauth2api_service"
MACHINE_RESOURCE = "f/phoenix/n8n_credentials/oauth2api_machine"
BROKEN_RESOURCE = "f/phoenix/n8n_credentials/oauth2api_broken"
SECRET_REFERENCE = "$var:f/phoenix/n8n_credentials/client_secret"


class _World(http.server.BaseHTTPRequestHandler):
    """The token endpoint, the API, the echo endpoint and Windmill's resource API in one loopback server."""

    log: list = []
    store: dict = {}
    updates: list = []

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_GET(self):  # noqa: N802 (http.server's name)
        url = urllib.parse.urlsplit(self.path)
        prefix = f"/api/w/{WORKSPACE}/resources/get_value/"
        if url.path.startswith(prefix):
            path = url.path[len(prefix):]
            if self.headers.get("Authorization") != f"Bearer {WM_TOKEN}" or path not in self.store:
                return self._send(404, {"error": "not found"})
            return self._send(200, self.store[path])
        if url.path.startswith("/api/"):
            token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
            type(self).log.append({"api": url.path, "accepted": token in (FRESH, MACHINE)})
            if token not in (FRESH, MACHINE):
                return self._send(401, {"error": "token expired"})
            return self._send(200, {"ok": True, "path": url.path})
        if url.path.startswith("/echo/"):
            type(self).log.append({"echo": url.path, "query": urllib.parse.parse_qs(url.query),
                                   "authorization": self.headers.get("Authorization"),
                                   "x-token": self.headers.get("X-Token")})
            return self._send(200, {"ok": True, "path": url.path})
        return self._send(404, {"error": "no such route"})

    def do_POST(self):  # noqa: N802
        url = urllib.parse.urlsplit(self.path)
        body = self._body()
        if url.path == "/oauth/token":
            form = urllib.parse.parse_qs(body.decode())
            grant = form.get("grant_type", [""])[0]
            client = base64.b64decode((self.headers.get("Authorization") or "Basic ").split(" ", 1)[1] or b"").decode()
            type(self).log.append({"token": grant, "client_ok": client == f"client-id:{CLIENT_SECRET}",
                                   "refresh_ok": form.get("refresh_token", [None])[0] == OLD_REFRESH})
            if grant == "refresh_token" and form.get("refresh_token", [None])[0] == OLD_REFRESH:
                return self._send(200, {"access_token": FRESH, "refresh_token": NEW_REFRESH, "token_type": "bearer",
                                        "expires_in": 3600})
            if grant == "client_credentials" and client == f"client-id:{CLIENT_SECRET}":
                return self._send(200, {"access_token": MACHINE, "token_type": "bearer", "expires_in": 3600})
            return self._send(400, {"error": "invalid_grant"})
        prefix = f"/api/w/{WORKSPACE}/resources/update_value/"
        if url.path.startswith(prefix):
            path = url.path[len(prefix):]
            type(self).updates.append({"path": path, "authorization": self.headers.get("Authorization"),
                                       "body": json.loads(body)})
            if path == BROKEN_RESOURCE:
                return self._send(500, {"error": "database unavailable"})
            self.store[path] = json.loads(body)["value"]
            return self._send(200, {"ok": True})
        return self._send(404, {"error": "no such route"})

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def world():
    _World.log, _World.updates = [], []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _World)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def oauth2_values(url: str, **changes) -> dict:
    values = {"grantType": "authorizationCode", "authUrl": f"{url}/oauth/authorize",
              "accessTokenUrl": f"{url}/oauth/token", "clientId": "client-id", "clientSecret": CLIENT_SECRET,
              "scope": "", "authentication": "header", "ignoreSSLIssues": False,
              "oauthTokenData": {"access_token": STALE, "refresh_token": OLD_REFRESH, "token_type": "bearer"}}
    values.update(changes)
    return values


def http_node(url: str, auth_type: str, path: str) -> dict:
    return {**node("HTTP Request", "httpRequest", 4.2, {
        "url": f"{url}{path}", "authentication": "genericCredentialType", "genericAuthType": auth_type,
        "options": {}}), "credentials": {auth_type: {"id": "1", "name": "Service"}}}


def oauth_case(url: str, resource: str, values: dict, path: str) -> dict:
    return {"node": http_node(url, "oAuth2Api", path), "items": items({"n": 1}),
            "credentials": {"oAuth2Api": values, RESOURCES_KEY: {"oAuth2Api": resource}}}


def generic_cases(url: str) -> dict:
    def case(auth_type: str, values: dict, path: str) -> dict:
        return {"node": http_node(url, auth_type, path), "items": items({"n": 1}), "credentials": {auth_type: values}}
    return {
        "header_auth": case("httpHeaderAuth", {"name": "X-Token", "value": HEADER_SECRET}, "/echo/header"),
        "basic_auth": case("httpBasicAuth", {"user": "ana", "password": BASIC_PASSWORD}, "/echo/basic"),
        "query_auth": case("httpQueryAuth", {"name": "key", "value": QUERY_SECRET}, "/echo/query?page=2"),
    }


def _run(command: list, cases: dict, env: dict) -> tuple[dict, str]:
    with tempfile.TemporaryDirectory(prefix="phoenix-credential-cases-") as tmp:
        file = Path(tmp, "cases.json")
        file.write_text(json.dumps(cases), encoding="utf-8")
        proc = subprocess.run([*command, str(file)], capture_output=True, text=True, env=env, timeout=600)
    lines = [line for line in proc.stdout.split("\n") if line.startswith("RESULTS ")]
    assert proc.returncode == 0 and lines, f"{command[-1]} failed (exit {proc.returncode}): {proc.stderr[-3000:]}"
    return json.loads(lines[-1][len("RESULTS "):]), proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def runs(world, tmp_path_factory):
    url = world
    cases = {
        **generic_cases(url),
        "oauth2_refresh": oauth_case(url, AUTH_CODE_RESOURCE, oauth2_values(url), "/api/items"),
        "oauth2_client_credentials": oauth_case(
            url, MACHINE_RESOURCE, oauth2_values(url, grantType="clientCredentials", oauthTokenData={}), "/api/jobs"),
    }
    _World.store = {
        AUTH_CODE_RESOURCE: {**oauth2_values(url), "clientSecret": SECRET_REFERENCE},
        MACHINE_RESOURCE: {**oauth2_values(url, grantType="clientCredentials"), "clientSecret": SECRET_REFERENCE,
                           "oauthTokenData": {}},
    }
    env = {**host_environment(tmp_path_factory.mktemp("host-cache")), "BASE_INTERNAL_URL": url,
           "WM_TOKEN": WM_TOKEN, "WM_WORKSPACE": WORKSPACE}
    _World.log = []
    host, host_output = _run([str(bun_binary()), str(HOST_RUNNER)], cases, env)
    host_log, updates = list(_World.log), list(_World.updates)
    _World.log = []
    reference, reference_output = _run([str(bun_binary()), str(REFERENCE)], cases, host_environment())
    return {"host": host, "reference": reference, "host_log": host_log, "reference_log": list(_World.log),
            "updates": updates, "store": dict(_World.store), "output": host_output + reference_output,
            "cases": cases}


@pytest.mark.parametrize("case", ["header_auth", "basic_auth", "query_auth", "oauth2_refresh",
                                  "oauth2_client_credentials"])
def test_host_gives_n8n_engines_output(runs, case):
    host, reference = runs["host"][case], runs["reference"][case]
    assert "thrown" not in host and "error" not in host, host
    assert host["outputs"] == reference["outputs"]


def _by_key(log: list, key: str) -> list:
    return sorted((entry for entry in log if key in entry), key=json.dumps)


def test_generic_auth_sends_exactly_what_n8n_sends(runs):
    host, reference = _by_key(runs["host_log"], "echo"), _by_key(runs["reference_log"], "echo")
    assert host == reference
    sent = {entry["echo"]: entry for entry in host}
    assert sent["/echo/header"]["x-token"] == HEADER_SECRET
    assert sent["/echo/basic"]["authorization"] == "Basic " + base64.b64encode(
        f"ana:{BASIC_PASSWORD}".encode()).decode()
    assert sent["/echo/query"]["query"] == {"page": ["2"], "key": [QUERY_SECRET]}


def test_a_refused_token_is_refreshed_and_the_request_repeated_as_n8n_does(runs):
    assert _by_key(runs["host_log"], "api") == _by_key(runs["reference_log"], "api")
    assert _by_key(runs["host_log"], "token") == _by_key(runs["reference_log"], "token")
    calls = [entry for entry in runs["host_log"] if entry.get("api") == "/api/items" or entry.get("token") == "refresh_token"]
    assert calls == [{"api": "/api/items", "accepted": False},
                     {"token": "refresh_token", "client_ok": True, "refresh_ok": True},
                     {"api": "/api/items", "accepted": True}]
    assert runs["host"]["oauth2_refresh"]["outputs"] == [[{"json": {"ok": True, "path": "/api/items"},
                                                           "pairedItem": {"item": 0}}]]


def test_the_renewed_token_is_written_back_to_its_resource_keeping_references(runs):
    updates = {u["path"]: u for u in runs["updates"]}
    assert set(updates) == {AUTH_CODE_RESOURCE, MACHINE_RESOURCE}
    assert all(u["authorization"] == f"Bearer {WM_TOKEN}" for u in updates.values())
    refreshed = updates[AUTH_CODE_RESOURCE]["body"]["value"]
    assert refreshed["clientSecret"] == SECRET_REFERENCE  # the stored $var: reference, not the secret
    assert refreshed["oauthTokenData"]["access_token"] == FRESH
    assert refreshed["oauthTokenData"]["refresh_token"] == NEW_REFRESH
    assert {k: v for k, v in refreshed.items() if k != "oauthTokenData"} == {
        k: v for k, v in runs["cases"]["oauth2_refresh"]["credentials"]["oAuth2Api"].items()
        if k != "oauthTokenData"} | {"clientSecret": SECRET_REFERENCE}
    machine = updates[MACHINE_RESOURCE]["body"]["value"]
    assert machine["oauthTokenData"]["access_token"] == MACHINE and machine["clientSecret"] == SECRET_REFERENCE


def test_no_secret_in_results_errors_or_output(runs):
    shown = json.dumps(runs["host"]) + runs["output"]
    assert [s for s in SECRETS if s in shown] == []


def test_a_failed_write_back_fails_the_node_naming_the_resource_not_the_token(world, tmp_path):
    url = world
    _World.store[BROKEN_RESOURCE] = {**oauth2_values(url), "clientSecret": SECRET_REFERENCE}
    env = {**host_environment(tmp_path), "BASE_INTERNAL_URL": url, "WM_TOKEN": WM_TOKEN, "WM_WORKSPACE": WORKSPACE}
    cases = {"broken": oauth_case(url, BROKEN_RESOURCE, oauth2_values(url), "/api/broken"),
             "bad_path": oauth_case(url, "../../etc/passwd", oauth2_values(url), "/api/x")}
    results, output = _run([str(bun_binary()), str(HOST_RUNNER)], cases, env)
    message = results["broken"]["error"]["message"]
    assert f"Windmill resource {BROKEN_RESOURCE} failed: HTTP 500" in message
    assert "is not a Windmill path" in results["bad_path"]["thrown"]
    assert [s for s in SECRETS if s in json.dumps(results) + output] == []


def test_the_translated_transform_feeds_the_host_the_shape_it_reads(runs):
    """credential_inputs() names the resource the host writes back to, beside its $res: reference."""
    raw = runs["cases"]["oauth2_refresh"]["node"]
    inputs = credential_inputs(Node(name=raw["name"], type=raw["type"], type_version=raw["typeVersion"],
                                    parameters=raw["parameters"], credentials=raw["credentials"]))
    value = inputs.transform["value"]
    path = value[RESOURCES_KEY]["oAuth2Api"]
    assert value["oAuth2Api"] == f"$res:{path}" and inputs.resources == ((path, "c_n8n_o_auth2_api"),)
