"""Typed errors with a code and a Chinese message; one place (web middleware, CLI) shows them to users."""

from __future__ import annotations

from typing import Any


class MinzhengError(Exception):
    """Base of every error the platform raises on purpose. ``message`` is Chinese and shown to the user."""

    code: str = "error"
    http_status: int = 400

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None, **details: Any):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = field
        self.details = details

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            data["field"] = self.field
        if self.details:
            data["details"] = self.details
        return data


class ValidationFailed(MinzhengError):
    code = "invalid"


class NotFoundOrNoAccess(MinzhengError):
    """Raised for a record that does not exist *or* lies outside the user's jurisdiction: the two are
    indistinguishable on purpose, so that probing IDs reveals nothing."""

    code = "not_found"
    http_status = 404


class PermissionDenied(MinzhengError):
    code = "permission_denied"
    http_status = 403
