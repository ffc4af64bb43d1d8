# GENERATED from lib/redact.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""Keep secrets out of what Phoenix shows: results, traces, errors, logs."""

from __future__ import annotations

from urllib.parse import urlsplit


def shown_url(url: str) -> str:
    """``url`` fit for a message or a result: a user:password and a query string
    (where webhooks and endpoints take keys) are secrets, and errors end up in traces."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return f"{parts.scheme}://{netloc}{parts.path}"
