# GENERATED from lib/openai_api/errors.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""Errors in OpenAI's shape: ``{"error": {"message", "type", "param", "code"}}`` with its status."""

from __future__ import annotations

from ..errors import PhoenixError


class ApiError(PhoenixError):
    """A request the API answers with an error status (the message is redacted like every error)."""

    def __init__(self, status: int, message: str, kind: str = "invalid_request_error",
                 param: str | None = None, code: str | None = None, trace: dict | None = None):
        super().__init__(message)
        self.status, self.kind, self.param, self.code, self.trace = status, kind, param, code, trace

    def body(self) -> dict:
        error = {"message": str(self), "type": self.kind, "param": self.param, "code": self.code}
        if self.trace is not None:
            error["phoenix_trace"] = self.trace  # extra field: OpenAI clients ignore it
        return {"error": error}


def invalid(param: str | None, message: str, code: str | None = None) -> ApiError:
    """400: the body is not a request this API can serve."""
    return ApiError(400, message, "invalid_request_error", param, code)
