"""Errors of the n8n capability: one family a caller can catch at any level.

``N8nError`` is the base. Below it, one class per thing that can go wrong when
talking to n8n, so a caller (a script, the sync flow, a test) can say plainly
what happened: nothing listening, no answer in time, a refused API key, an
unknown workflow, a body n8n rejected, n8n failing itself. Messages never
contain the API key or a webhook secret: they are built from the method, the
URL path and n8n's own ``message`` field, and ``redact`` scrubs any secret a
caller registers before the text reaches a log or a result.
"""

from __future__ import annotations

from typing import Iterable

from ..errors import PhoenixError


class N8nError(PhoenixError):
    """Anything that went wrong talking to n8n. ``kind`` names the case."""

    kind = "error"

    def __init__(self, message: str, *, status: int | None = None, url: str | None = None):
        self.status = status
        self.url = url
        super().__init__(message)

    def details(self) -> dict:
        """The HTTP status n8n answered with, when it answered (``as_result``)."""
        return {} if self.status is None else {"status": self.status}


class N8nUnreachable(N8nError):
    """Nothing answers at the configured address (refused, DNS, reset)."""

    kind = "unreachable"


class N8nTimeout(N8nError):
    """n8n accepted the connection but did not answer before the deadline."""

    kind = "timeout"


class N8nAuthError(N8nError):
    """401/403: the API key (or webhook credential) is missing or refused."""

    kind = "auth"


class N8nNotFound(N8nError):
    """404: no such workflow, execution or webhook path."""

    kind = "not_found"


class N8nRejected(N8nError):
    """400/405/409/415/422: n8n refused the request body or method; says why."""

    kind = "rejected"


class N8nServerError(N8nError):
    """5xx: n8n itself failed."""

    kind = "server_error"


class N8nBadResponse(N8nError):
    """n8n answered 2xx with something that is not the JSON we expected."""

    kind = "bad_response"


class N8nConflict(N8nError):
    """A push would overwrite a change made in n8n since the last pull."""

    kind = "conflict"


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """Replace every (non-trivial) secret in ``text`` by a fixed marker."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text
