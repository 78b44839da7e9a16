"""Errors that reach the user as ``{"error": {"code", "message", "hint"}}`` with an HTTP status.

Services raise these; the handler base class turns them into JSON. Nothing here imports Tornado.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error the user can act on. ``status`` is the HTTP status, ``code`` a stable machine name."""

    status = 400
    code = "BadRequest"

    def __init__(
        self,
        message: str,
        *,
        hint: str = "",
        code: str | None = None,
        status: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.details = details or {}

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message, "hint": self.hint}
        if self.details:
            body["details"] = self.details
        return {"error": body}


class BadRequest(ApiError):
    status = 400
    code = "BadRequest"


class Unprocessable(ApiError):
    status = 422
    code = "Unprocessable"


class NotFound(ApiError):
    status = 404
    code = "NotFound"


class Conflict(ApiError):
    status = 409
    code = "Conflict"


class EulaRequired(ApiError):
    status = 403
    code = "EulaNotAccepted"


class TooManyRequests(ApiError):
    """Over a limit that frees up by itself (a full queue, a throttled API): retry after ``retry_after_s``."""

    status = 429
    code = "TooManyRequests"

    def __init__(self, message: str, *, retry_after_s: int = 5, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after_s = max(1, int(retry_after_s))


class ServiceUnavailable(ApiError):
    status = 503
    code = "ServiceUnavailable"


class InsufficientStorage(ApiError):
    """The server's disk is full (ENOSPC) or over quota: free space, then try again."""

    status = 507
    code = "InsufficientStorage"
