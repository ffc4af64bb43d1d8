# GENERATED from lib/health/alerts.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""Alerts: one POST per confirmed status change to a configurable URL (an n8n webhook or any).

Events come only from confirmed changes (see ``history.py``), so an unchanged
status never alerts twice. An alert that could not be delivered waits in an
outbox (kept in the store by ``run.py``) and is retried on the next run,
oldest first; that is a late delivery, not a repeat.

The optional bearer token is read from the environment variable the stack
names (``alerts.token_env``) and is never put in a result or a message.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone

import requests

from .services import describe_failure, is_loopback, shown

ICONS = {"up": "🟢", "degraded": "🟡", "down": "🔴", "unknown": "⚪", "absent": "⚫"}
#: an unreachable alert target must not grow the outbox without bound
OUTBOX_LIMIT = 100
SEND_TIMEOUT_S = 5.0


def alert_payload(event: dict, stack_name: str) -> dict:
    when = datetime.fromtimestamp(event["at"], timezone.utc).isoformat(timespec="seconds")
    verb = "recovered" if event["kind"] == "recovery" else f"is {event['to']}"
    text = f"{ICONS.get(event['to'], '')} {event['label']} {verb} (was {event['from']}): {event['detail']}"
    return {"source": "phoenix-health", "stack": stack_name, "component": event["component"],
            "label": event["label"], "from": event["from"], "to": event["to"], "kind": event["kind"],
            "detail": event["detail"], "at": when, "text": text.strip()}


def send_alert(url: str, payload: dict, token_env: str | None, timeout: float = SEND_TIMEOUT_S) -> str | None:
    """POST one alert; None when delivered, else why not (without the token)."""
    headers = {"Content-Type": "application/json"}
    if token_env and os.environ.get(token_env):
        headers["Authorization"] = f"Bearer {os.environ[token_env]}"
    try:
        with requests.Session() as session:
            session.trust_env = not is_loopback(url)
            answer = session.post(url, json=payload, headers=headers, timeout=(timeout, timeout))
    except requests.RequestException as exc:
        return describe_failure(url, exc, timeout)
    if answer.status_code >= 300:
        return f"{shown(url)} answered HTTP {answer.status_code}"
    return None


def deliver(outbox: list[dict], url: str | None, token_env: str | None, stack_name: str) -> tuple[list[dict], dict]:
    """Send every waiting alert in order; return what is still waiting and a summary."""
    if not url:
        return [], {"sent": 0, "pending": 0, "dropped": len(outbox), "errors": [],
                    "target": None}
    waiting, errors, sent = [], [], 0
    for event in outbox:
        if errors:  # the target is failing: keep the rest in order, do not hammer it
            waiting.append(event)
            continue
        problem = send_alert(url, alert_payload(event, stack_name), token_env)
        if problem:
            errors.append(problem)
            waiting.append(event)
        else:
            sent += 1
    dropped = max(0, len(waiting) - OUTBOX_LIMIT)
    waiting = waiting[dropped:]
    return waiting, {"sent": sent, "pending": len(waiting), "dropped": dropped, "errors": errors,
                     "target": shown(url)}
