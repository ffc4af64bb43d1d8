# GENERATED from lib/n8n/webhooks.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""Webhooks both ways between Windmill and n8n.

Windmill → n8n: ``call_n8n_webhook`` posts to a published n8n workflow's
``/webhook/<path>`` on the stack's n8n, with the credential the Webhook node
expects (header, basic or bearer auth, the secret read from a Windmill
variable or an environment variable), a deadline, and one ``N8nError``
subclass per failure. ``call_webhook`` is the same as a structured result for
scripts.

n8n → Windmill: ``windmill_endpoints`` gives the URLs that run a Phoenix
script (``/p/``) or flow (``/f/``) synchronously or asynchronously;
``n8n_http_request_node`` builds the n8n HTTP Request node that calls one of
them with a *reference* to a "Bearer Auth" credential (the token itself is
entered once in n8n, never written here); ``write_webhook_contract`` writes
``webhook.md`` and ``n8n_call.json`` beside a flow (the translator calls it for
each flow it writes; wmill sync ignores .md and .json files).
"""

from __future__ import annotations

import base64
import json
import os
import re
from typing import Any, Mapping
from urllib.parse import quote

import requests

from ..errors import ConfigError, InputError, require_text
from ..preserve import guarded_write
from ..stack import Stack, load_stack
from ..store import running_in_windmill
from .bounded import UnreadableInput, parse_json
from .client import raise_for_status, transport_error
from .literals import js_string, markdown_text
from .manifest import GeneratedFiles
from .errors import N8nBadResponse, N8nError

AUTH_KINDS = ("none", "header", "basic", "bearer")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")
DEFAULT_CREDENTIAL_NAME = "Phoenix Windmill token"
BODY_LIMIT = 1_000_000
# an hour: longer than any Windmill job timeout this script gets, so longer means a typo
MAX_TIMEOUT_S = 3600
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
VARIABLE_PATH = re.compile(r"^[fu](/[\w.-]+)+$")
HTTP_REQUEST_NODE_VERSION = 4.2


# -- Windmill → n8n -------------------------------------------------------------
def n8n_webhook_url(stack: Stack, path: str) -> str:
    """``<n8n url>/webhook/<path>`` for a published workflow's Webhook node."""
    clean = (path or "").strip().strip("/")
    if not clean or "://" in clean or any(part in ("", ".", "..") for part in clean.split("/")):
        raise InputError(f"not an n8n webhook path: {path!r} (give the Webhook node's path, "
                         f"e.g. 'phoenix-echo')")
    return f"{stack.service_url('n8n')}/webhook/{quote(clean, safe='/:-_.~')}"


def read_secret(variable: str | None, env_name: str | None) -> str:
    """A secret from a Windmill variable (inside Windmill) or the environment."""
    if variable and (running_in_windmill() or os.environ.get("WM_MOCKED_API_FILE")):
        try:
            import wmill

            value = wmill.get_variable(variable)
            if isinstance(value, str) and value:
                return value
        except Exception:  # absent or unreadable: try the environment
            pass
    if env_name and os.environ.get(env_name):
        return os.environ[env_name]
    raise ConfigError("webhook auth", "secret",
                      f"no secret found in Windmill variable {_name(variable, VARIABLE_PATH)} "
                      f"or environment variable {_name(env_name, ENV_NAME)}")


def _name(name: str | None, pattern: re.Pattern) -> str:
    """A variable's name as shown in a message; what cannot be a name may be the secret itself."""
    if name is None or pattern.match(name):
        return repr(name)
    return "(given value is not a variable name; not shown)"


def auth_headers(auth: str, secret: str | None, header_name: str = "Authorization") -> dict:
    """Headers for the credential kinds n8n's Webhook node checks."""
    if auth == "none":
        return {}
    if not secret:
        raise ConfigError("webhook auth", "secret", f"auth {auth!r} needs a secret")
    if auth == "header":
        return {header_name: secret}
    if auth == "bearer":
        return {"Authorization": f"Bearer {secret}"}
    if auth == "basic":
        if ":" not in secret:
            raise ConfigError("webhook auth", "secret", "basic auth needs 'user:password'")
        return {"Authorization": "Basic " + base64.b64encode(secret.encode()).decode()}
    raise InputError(f"unknown auth {auth!r} (one of {', '.join(AUTH_KINDS)})")


def call_n8n_webhook(path: str, payload: Any = None, *, method: str = "POST", auth: str = "none",
                     secret_variable: str | None = None, secret_env: str | None = None,
                     header_name: str = "Authorization", query: Mapping | None = None,
                     timeout_s: float = 30.0, stack: Stack | Mapping | str | None = None,
                     session: requests.Session | None = None) -> dict:
    """Call an n8n webhook; return ``{status, content_type, body}`` or raise ``N8nError``."""
    stack = stack if isinstance(stack, Stack) else load_stack(stack)
    method = method.upper()
    if method not in METHODS:
        raise InputError(f"unknown method {method!r} (one of {', '.join(METHODS)})")
    url = n8n_webhook_url(stack, path)
    _check_timeout(timeout_s)
    secret = None if auth == "none" else read_secret(secret_variable, secret_env)
    headers = {"Accept": "application/json, text/plain;q=0.9, */*;q=0.1",
               **auth_headers(auth, secret, header_name)}
    body = {} if payload is None else payload
    send = {"params": dict(query or {})}
    if method not in ("GET", "HEAD"):
        send["json"] = body
    what = f"{method} /webhook/{path.strip('/')}"
    http = session or requests.Session()
    try:
        response = http.request(method, url, headers=headers, timeout=(5.0, timeout_s), **send)
    except requests.RequestException as exc:
        raise transport_error(exc, what, stack.service_url("n8n")) from None
    finally:
        if session is None:
            http.close()
    raise_for_status(response, what, secrets=[secret])
    return {"status": response.status_code, "content_type": response.headers.get("Content-Type", ""),
            "body": _decode_body(response, what)}


def _check_timeout(timeout_s) -> None:
    """requests raises a bare ValueError (or sleeps for ever) on these; say what is wrong instead."""
    if type(timeout_s) not in (int, float) or not 0 < timeout_s <= MAX_TIMEOUT_S:
        raise InputError(f"timeout_s={timeout_s!r} must be a number of seconds above 0, at most {MAX_TIMEOUT_S}")


def _decode_body(response: requests.Response, what: str) -> Any:
    if len(response.content) > BODY_LIMIT:
        raise N8nBadResponse(f"{what}: answer larger than {BODY_LIMIT} bytes", status=response.status_code)
    if not response.content:
        return None
    if "json" in response.headers.get("Content-Type", ""):
        try:
            return parse_json(response.content.decode("utf-8"))
        except (UnicodeDecodeError, UnreadableInput) as exc:
            raise N8nBadResponse(f"{what}: answer claims JSON but is not usable: {exc}",
                                 status=response.status_code) from None
    return response.text


def call_webhook(path: str, payload: Any = None, **options) -> dict:
    """``call_n8n_webhook`` as a structured result: ``{"ok": bool, ...}``, never a raise
    for the failures an operator can fix (n8n down, slow, path unknown, bad auth)."""
    try:
        return {"ok": True, **call_n8n_webhook(path, payload, **options)}
    except (N8nError, ConfigError, InputError) as exc:
        return exc.as_result()


# -- n8n → Windmill ---------------------------------------------------------------
def windmill_endpoints(windmill_path: str, kind: str = "flow", *, stack: Stack | Mapping | str | None = None) -> dict:
    """The URLs that run a Phoenix script or flow, from the stack's Windmill URL and workspace."""
    stack = stack if isinstance(stack, Stack) else load_stack(stack)
    if kind not in ("flow", "script"):
        raise InputError(f"kind must be 'flow' or 'script', not {kind!r}")
    path = require_text(windmill_path, "windmill_path", "name the script or flow, e.g. f/phoenix/router").strip("/")
    if not VARIABLE_PATH.match(path) or ".." in path.split("/"):  # item paths have the variables' form
        raise InputError(f"not a Windmill path: {windmill_path!r} (expected f/... or u/...)")
    base = stack.service_url("windmill")
    workspace = stack.services.windmill.workspace
    letter = "f" if kind == "flow" else "p"
    jobs = f"{base}/api/w/{workspace}/jobs"
    return {
        "kind": kind,
        "path": path,
        "sync": f"{jobs}/run_wait_result/{letter}/{path}",
        "async": f"{jobs}/run/{letter}/{path}",
        "result": f"{base}/api/w/{workspace}/jobs_u/completed/get_result_maybe/{{job_id}}",
    }


def n8n_http_request_node(windmill_path: str, kind: str = "flow", *, mode: str = "sync",
                          stack: Stack | Mapping | str | None = None, inputs: list[str] | None = None,
                          credential_name: str = DEFAULT_CREDENTIAL_NAME, node_name: str | None = None,
                          timeout_ms: int = 600_000, position: tuple[int, int] = (0, 0)) -> dict:
    """An n8n HTTP Request node that runs a Phoenix script/flow with a Bearer credential reference."""
    endpoints = windmill_endpoints(windmill_path, kind, stack=stack)
    require_text(credential_name, "credential_name", "name the n8n Bearer Auth credential holding the Windmill token")
    if mode not in ("sync", "async"):
        raise InputError(f"mode must be 'sync' or 'async', not {mode!r}")
    if inputs:
        # names as literals that cannot end the {{ }} expression they sit in
        fields = ", ".join(f"{js_string(str(name), braces=True)}: $json[{js_string(str(name), braces=True)}]"
                           for name in inputs)
        body = "={{ JSON.stringify({ " + fields + " }) }}"
    else:
        body = "={{ JSON.stringify($json) }}"
    return {
        "parameters": {
            "method": "POST",
            "url": endpoints[mode],
            "authentication": "genericCredentialType",
            "genericAuthType": "httpBearerAuth",
            "sendBody": True,
            "specifyBody": "json",
            "jsonBody": body,
            "options": {"timeout": timeout_ms},
        },
        "name": node_name or f"Run Phoenix {endpoints['path'].rsplit('/', 1)[-1]}",
        "type": "n8n-nodes-base.httpRequest",
        "typeVersion": HTTP_REQUEST_NODE_VERSION,
        "position": list(position),
        # a reference by name: the operator creates this "Bearer Auth"
        # credential once in n8n and pastes the Windmill token there
        "credentials": {"httpBearerAuth": {"name": credential_name}},
    }


def n8n_call_snippet(windmill_path: str, kind: str = "flow", **options) -> dict:
    """What the operator pastes on n8n's canvas: ``{nodes, connections}``."""
    return {"nodes": [n8n_http_request_node(windmill_path, kind, **options)], "connections": {}}


def describe_windmill_call(windmill_path: str, kind: str = "flow", *, mode: str = "sync",
                           credential_name: str = DEFAULT_CREDENTIAL_NAME,
                           stack: Stack | Mapping | str | None = None) -> dict:
    """Endpoints plus the paste-ready n8n snippet, as a structured result for scripts."""
    try:
        stack = stack if isinstance(stack, Stack) else load_stack(stack)
        endpoints = windmill_endpoints(windmill_path, kind, stack=stack)
        snippet = n8n_call_snippet(windmill_path, kind, mode=mode, stack=stack,
                                   credential_name=credential_name)
    except (InputError, ConfigError) as exc:
        return exc.as_result()
    return {"ok": True, "endpoints": endpoints, "credential": {"type": "httpBearerAuth", "name": credential_name},
            "n8n_snippet": snippet}


def write_webhook_contract(flow_dir: str | os.PathLike, windmill_path: str, *, kind: str = "flow",
                           stack: Stack | Mapping | str | None = None,
                           inputs_schema: Mapping | None = None, http_route: Mapping | None = None,
                           source_workflow: str | None = None,
                           credential_name: str = DEFAULT_CREDENTIAL_NAME, absolute_ok: bool = False) -> dict:
    """Write ``webhook.md`` and ``n8n_call.json`` into ``flow_dir``; return their paths (and any conflicts).

    ``inputs_schema`` is the flow's JSON Schema (its ``properties`` become the
    body fields); ``http_route`` is the ``{route_path, http_method}`` of an HTTP
    trigger the translator wrote, if any; ``source_workflow`` names the n8n
    workflow the flow came from. ``flow_dir`` is relative to the stack root (or
    absolute inside it; outside only with ``absolute_ok``); the files go
    through the guard, and a contract file the operator changed since Phoenix
    wrote it is kept (``conflicts``), as for translated flows.
    """
    stack = stack if isinstance(stack, Stack) else load_stack(stack)
    inputs = sorted(str(name) for name in ((inputs_schema or {}).get("properties", {}) or {}))
    snippet = n8n_call_snippet(windmill_path, kind, stack=stack, inputs=inputs or None,
                               credential_name=credential_name)
    endpoints = windmill_endpoints(windmill_path, kind, stack=stack)
    md = _contract_markdown(endpoints, inputs, stack, http_route, source_workflow, credential_name)
    with guarded_write(stack, flow_dir, absolute_ok=absolute_ok) as guard:
        folder = guard.mkdir(guard.targets[0])
        run = GeneratedFiles.open(guard, folder)
        run.write("n8n_call.json", json.dumps(snippet, indent=2, ensure_ascii=True) + "\n")
        run.write("webhook.md", md)
        outcome = run.finish()
    paths = {"webhook_md": str(folder / "webhook.md"), "n8n_call_json": str(folder / "n8n_call.json")}
    return {**paths, "conflicts": outcome["conflicts"]} if outcome["conflicts"] else paths


def _contract_markdown(endpoints: dict, inputs: list[str], stack: Stack, http_route: Mapping | None,
                       source_workflow: str | None, credential_name: str) -> str:
    # shown in a single-quoted shell argument: no quote may end it (\u0027 is the same JSON)
    example = json.dumps({name: "..." for name in inputs} or {"key": "value"}).replace("'", "\\u0027")
    lines = [f"# Calling `{endpoints['path']}` from n8n", ""]
    if source_workflow:  # workflow text: escaped Markdown, never inside a code span it could close
        lines += [f"Translated from the n8n workflow {markdown_text(source_workflow)}.", ""]
    lines += [
        "## Endpoints", "",
        f"- run and wait for the result: `POST {endpoints['sync']}`",
        f"- start and return a job id: `POST {endpoints['async']}`",
        f"- then poll the result: `GET {endpoints['result']}`",
    ]
    if http_route:
        route = f"{stack.service_url('windmill')}/api/r/{str(http_route.get('route_path', '')).strip('/')}"
        lines.append(f"- HTTP trigger (same path/method as the n8n Webhook): "
                     f"{markdown_text(str(http_route.get('http_method', 'post')).upper() + ' ' + route, 400)}")
    lines += [
        "", f"Body: the {'flow' if endpoints['kind'] == 'flow' else 'script'}'s arguments as a JSON object"
        + (f" ({', '.join(markdown_text(n) for n in inputs)})." if inputs else "."),
        "", "```sh",
        f"curl -sS -X POST '{endpoints['sync']}' \\",
        "  -H \"Authorization: Bearer $WINDMILL_TOKEN\" -H 'Content-Type: application/json' \\",
        f"  -d '{example}'",
        "```", "",
        "## Token set-up (once)", "",
        "1. In Windmill: user settings → Tokens → create a token (scope it to this",
        "   flow or script where your edition offers scopes). Copy it.",
        f"2. In n8n: Credentials → New → **Bearer Auth**, name it {markdown_text(credential_name)},",
        "   paste the token as *Bearer Token*.",
        "3. Open `n8n_call.json` (beside this file), copy its content and paste it on",
        "   the n8n canvas: an HTTP Request node already pointing at the endpoint and",
        "   using that credential. Connect it after the node whose items are the arguments.",
        "", "The token is never written into these files; only the credential's name is.", "",
    ]
    return "\n".join(lines)
