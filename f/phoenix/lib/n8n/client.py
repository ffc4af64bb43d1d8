# GENERATED from lib/n8n/client.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""A small typed client for n8n's public REST API v1 (n8n 2.x).

What it knows that a plain ``requests`` call does not:
- lists are paginated with ``nextCursor``; ``iter_workflows`` follows it;
- writes are strict (``additionalProperties: false``): ``writable_workflow``
  keeps only ``name, nodes, connections, settings`` with node and settings
  keys filtered to the lists n8n 2.8.4's OpenAPI file allows, so a body read
  with GET can be sent back with PUT;
- 2.x "activate" is a publish and wants a JSON ``{}`` body (bodyless gets 415);
- every call has a deadline, and every failure is one ``N8nError`` subclass;
- answers are parsed within bounds (``bounded.py``): an answer nested too
  deeply is ``N8nBadResponse`` with the reason, and one unreadable workflow
  in a list page is reported on its own (``on_unreadable``), not a failed page.

The API key comes from a Windmill secret variable (inside Windmill) or an
environment variable; it is kept in a private attribute and never appears in
``repr``, a result or an error message.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Iterator, Mapping

import requests

from ..errors import ConfigError
from ..redact import shown_url
from ..stack import Stack, load_stack
from ..store import running_in_windmill
from .bounded import UnreadableInput, UnreadableItem, parse_json, parse_list_page
from .errors import (N8nAuthError, N8nBadResponse, N8nError, N8nNotFound, N8nRejected,
                     N8nServerError, N8nTimeout, N8nUnreachable, redact)

API_PREFIX = "/api/v1"
PAGE_LIMIT_MAX = 250
#: (connect, read) seconds: a dead n8n fails fast, a slow list still completes
DEFAULT_TIMEOUT = (5.0, 30.0)

WRITABLE_WORKFLOW_KEYS = ("name", "nodes", "connections", "settings")
# From n8n 2.8.4's public-api/v1/openapi.yml (node and workflowSettings
# schemas). Anything else in a GET body makes a PUT fail with 400.
WRITABLE_NODE_KEYS = frozenset({
    "id", "name", "webhookId", "disabled", "notesInFlow", "notes", "type", "typeVersion",
    "executeOnce", "alwaysOutputData", "retryOnFail", "maxTries", "waitBetweenTries",
    "continueOnFail", "onError", "position", "parameters", "credentials",
})
WRITABLE_SETTINGS_KEYS = frozenset({
    "saveExecutionProgress", "saveManualExecutions", "saveDataErrorExecution",
    "saveDataSuccessExecution", "executionTimeout", "errorWorkflow", "timezone",
    "executionOrder", "callerPolicy", "callerIds", "timeSavedPerExecution", "availableInMCP",
})


def writable_workflow(workflow: Mapping[str, Any]) -> dict:
    """The part of a workflow n8n accepts on POST/PUT, in a fixed key order."""
    missing = [k for k in ("name", "nodes", "connections") if k not in workflow]
    if missing:
        raise N8nRejected(f"workflow lacks required field(s): {', '.join(missing)}")
    nodes = [{k: v for k, v in node.items() if k in WRITABLE_NODE_KEYS}
             for node in workflow.get("nodes") or []]
    settings = {k: v for k, v in (workflow.get("settings") or {}).items()
                if k in WRITABLE_SETTINGS_KEYS}
    return {"name": workflow["name"], "nodes": nodes,
            "connections": workflow.get("connections") or {}, "settings": settings}


def resolve_api_key(stack: Stack) -> str:
    """The n8n API key: Windmill secret variable first, then the environment."""
    conf = stack.services.n8n
    variable, env_name = conf.api_key_variable, conf.api_key_env
    if variable and (running_in_windmill() or os.environ.get("WM_MOCKED_API_FILE")):
        value = _windmill_variable(variable)
        if value:
            return value
    if env_name and os.environ.get(env_name):
        return os.environ[env_name]
    raise ConfigError(stack.source, "services.n8n",
                      f"no n8n API key: set the Windmill secret variable {variable!r} "
                      f"or the environment variable {env_name!r}")


def _windmill_variable(path: str) -> str | None:
    try:
        import wmill

        value = wmill.get_variable(path)
    except Exception:  # absent or unreadable: fall back to the environment
        return None
    return value if isinstance(value, str) and value else None


class N8nClient:
    """Public API v1 of one n8n instance."""

    def __init__(self, base_url: str, api_key: str, *, timeout: float | tuple = DEFAULT_TIMEOUT,
                 session: requests.Session | None = None):
        if not api_key:
            raise ConfigError("n8n client", "api_key", "an API key is required")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._api_key = api_key
        self._session = session or requests.Session()

    @classmethod
    def from_stack(cls, stack: Stack | Mapping | str | None = None, **kwargs) -> "N8nClient":
        stack = stack if isinstance(stack, Stack) else load_stack(stack)
        return cls(stack.service_url("n8n"), resolve_api_key(stack), **kwargs)

    def __repr__(self) -> str:  # the key must never show up in a log line
        return f"N8nClient({self.base_url!r})"

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> "N8nClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- workflows -------------------------------------------------------------
    def iter_workflows(self, *, active: bool | None = None, tags: str | None = None,
                       name: str | None = None, project_id: str | None = None,
                       exclude_pinned_data: bool = False, limit: int = 100,
                       on_unreadable: Callable[[UnreadableItem], None] | None = None) -> Iterator[dict]:
        """Every workflow n8n lists; one it cannot be read goes to ``on_unreadable`` (default: raise)."""
        params = {"active": active, "tags": tags, "name": name, "projectId": project_id,
                  "excludePinnedData": exclude_pinned_data or None}
        yield from self._paginate("/workflows", params, limit, on_unreadable)

    def list_workflows(self, **filters) -> list[dict]:
        return list(self.iter_workflows(**filters))

    def get_workflow(self, workflow_id: str) -> dict:
        return self._json("GET", f"/workflows/{_segment(workflow_id)}")

    def create_workflow(self, workflow: Mapping[str, Any]) -> dict:
        return self._json("POST", "/workflows", json=writable_workflow(workflow))

    def update_workflow(self, workflow_id: str, workflow: Mapping[str, Any]) -> dict:
        return self._json("PUT", f"/workflows/{_segment(workflow_id)}", json=writable_workflow(workflow))

    def delete_workflow(self, workflow_id: str) -> dict:
        return self._json("DELETE", f"/workflows/{_segment(workflow_id)}")

    def activate_workflow(self, workflow_id: str) -> dict:
        """Publish (2.x) / activate (1.x). The empty JSON body avoids a 415."""
        return self._json("POST", f"/workflows/{_segment(workflow_id)}/activate", json={})

    publish_workflow = activate_workflow

    def deactivate_workflow(self, workflow_id: str) -> dict:
        return self._json("POST", f"/workflows/{_segment(workflow_id)}/deactivate", json={})

    # -- executions ------------------------------------------------------------
    def iter_executions(self, *, workflow_id: str | None = None, status: str | None = None,
                        include_data: bool = False, limit: int = 100) -> Iterator[dict]:
        params = {"workflowId": workflow_id, "status": status,
                  "includeData": "true" if include_data else None}
        yield from self._paginate("/executions", params, limit)

    def list_executions(self, **filters) -> list[dict]:
        return list(self.iter_executions(**filters))

    def get_execution(self, execution_id: str | int, *, include_data: bool = False) -> dict:
        params = {"includeData": "true"} if include_data else None
        return self._json("GET", f"/executions/{_segment(execution_id)}", params=params)

    # -- plumbing --------------------------------------------------------------
    def _paginate(self, path: str, params: dict, limit: int,
                  on_unreadable: Callable[[UnreadableItem], None] | None = None) -> Iterator[dict]:
        query = {k: _query_value(v) for k, v in params.items() if v is not None}
        query["limit"] = max(1, min(int(limit), PAGE_LIMIT_MAX))
        seen: set[str] = set()
        while True:
            response = self._send("GET", path, params=query)
            try:
                page, data = parse_list_page(_text_of(response, f"GET {path}"))
            except UnreadableInput as exc:
                raise N8nBadResponse(f"GET {path}: {exc}", status=response.status_code, url=path) from None
            for item in data:
                if not isinstance(item, UnreadableItem):
                    yield item
                elif on_unreadable is None:
                    raise N8nBadResponse(f"GET {path}: an entry could not be read: {item.reason}", url=path)
                else:
                    on_unreadable(item)
            cursor = page.get("nextCursor")
            if not cursor:
                return
            if not isinstance(cursor, (str, int)) or isinstance(cursor, bool):
                raise N8nBadResponse(f"GET {path}: nextCursor is not a cursor", url=path)
            if cursor in seen:  # a server bug must not become an endless loop
                raise N8nBadResponse(f"GET {path}: nextCursor repeats", url=path)
            seen.add(cursor)
            query["cursor"] = cursor

    def _json(self, method: str, path: str, **kwargs) -> Any:
        response = self._send(method, path, **kwargs)
        if not response.content:
            return {}
        try:
            return parse_json(_text_of(response, f"{method} {path}"))
        except UnreadableInput as exc:
            raise N8nBadResponse(f"{method} {path}: answer is not JSON Phoenix can read: {exc} "
                                 f"({_snippet(response.text[:300], self._api_key)})",
                                 status=response.status_code, url=path) from None

    def _send(self, method: str, path: str, **kwargs) -> requests.Response:
        url = self.base_url + API_PREFIX + path
        headers = {"X-N8N-API-KEY": self._api_key, "Accept": "application/json"}
        try:
            response = self._session.request(method, url, headers=headers,
                                             timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise transport_error(exc, f"{method} {API_PREFIX}{path}", self.base_url) from None
        raise_for_status(response, f"{method} {path}", secrets=[self._api_key])
        return response


def _text_of(response: requests.Response, what: str) -> str:
    """An answer's body as text (JSON is UTF-8), or N8nBadResponse."""
    try:
        return response.content.decode("utf-8")
    except UnicodeDecodeError:
        raise N8nBadResponse(f"{what}: answer is not UTF-8 text", status=response.status_code) from None


def transport_error(exc: requests.RequestException, what: str, base_url: str) -> N8nError:
    """Map a requests failure to our family; the message names no header."""
    base_url = _shown(base_url)
    if isinstance(exc, requests.Timeout):
        return N8nTimeout(f"{what}: {base_url} did not answer before the deadline", url=what)
    if isinstance(exc, requests.ConnectionError):
        return N8nUnreachable(f"{what}: nothing answers at {base_url} ({type(exc).__name__})", url=what)
    return N8nError(f"{what}: request failed ({type(exc).__name__})", url=what)


def _shown(url: str) -> str:
    """The URL without user:password or query string: a proxy password or token may sit there."""
    return shown_url(url).rstrip("/")


def raise_for_status(response: requests.Response, what: str, *, secrets: list[str | None] = ()) -> None:
    """Raise the ``N8nError`` matching a non-2xx answer, with n8n's own message."""
    status = response.status_code
    if status < 400:
        return
    detail = _snippet(_message_of(response), *secrets)
    message = f"{what}: HTTP {status}: {detail}"
    if status in (401, 403):
        raise N8nAuthError(message, status=status, url=what)
    if status == 404:
        raise N8nNotFound(message, status=status, url=what)
    if status >= 500:
        raise N8nServerError(message, status=status, url=what)
    raise N8nRejected(message, status=status, url=what)


def _message_of(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text or response.reason or ""
    if isinstance(body, dict):
        for key in ("message", "error", "hint"):
            if isinstance(body.get(key), str) and body[key]:
                return body[key]
    return response.text


def _snippet(text: str, *secrets: str | None, limit: int = 300) -> str:
    text = redact(" ".join(str(text).split()), secrets)
    return text if len(text) <= limit else text[:limit] + "..."


def _segment(value: str | int) -> str:
    """An id as one URL path segment; refuses what would change the path."""
    text = str(value)
    if not text or "/" in text or text in (".", "..") or any(c in text for c in "?#"):
        raise N8nRejected(f"not a valid n8n id: {text!r}")
    return text


def _query_value(value: Any) -> Any:
    return ("true" if value else "false") if isinstance(value, bool) else value
