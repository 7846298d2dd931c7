"""Errors a use case returns to its caller (API, CLI, UI), each naming cause and fix."""

from __future__ import annotations


class ServiceError(Exception):
    """Base: ``code`` is stable for API clients, the message is for people."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(ServiceError):
    code = "not_found"
    status = 404


class Conflict(ServiceError):
    code = "conflict"
    status = 409


class InvalidInput(ServiceError):
    code = "invalid_input"
    status = 422
