"""The closed set of error classes a connector raises; the runner acts on the class only.

A call site knows best what went wrong (a 429, a 5xx, a rejected refresh token), so it
classifies there; the importing service and the work runner never parse HTTP.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorClass(StrEnum):
    TRANSIENT = "transient"  # network, timeout, 5xx: retry with backoff
    RATE_LIMITED = "rate_limited"  # 429: wait, not a failed attempt
    PERMANENT = "permanent"  # deterministic 4xx: do not retry, show the answer
    CONFIGURATION = "configuration"  # credentials or settings wrong: the operator must act
    ITEM_PROBLEM = "item_problem"  # one order cannot be read or mapped; the run goes on


class MarketplaceError(Exception):
    """A failed marketplace call, with what a user needs to see in the error log."""

    error_class: ErrorClass = ErrorClass.PERMANENT

    def __init__(
        self,
        message: str,
        *,
        operation: str | None = None,
        http_status: int | None = None,
        response_excerpt: str | None = None,
        retry_after: float | None = None,
        request: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.operation = operation
        self.http_status = http_status
        self.response_excerpt = response_excerpt
        self.retry_after = retry_after
        self.request = request

    def attributes(self) -> dict[str, Any]:
        """The fields an error entry shows, without empty ones."""
        values = {
            "error_class": self.error_class.value,
            "operation": self.operation,
            "http_status": self.http_status,
            "response_excerpt": self.response_excerpt,
            "retry_after": self.retry_after,
            "request": self.request,
        }
        return {key: value for key, value in values.items() if value is not None}


class TransientError(MarketplaceError):
    error_class = ErrorClass.TRANSIENT


class RateLimitedError(MarketplaceError):
    error_class = ErrorClass.RATE_LIMITED


class PermanentError(MarketplaceError):
    error_class = ErrorClass.PERMANENT


class ConfigurationError(MarketplaceError):
    error_class = ErrorClass.CONFIGURATION


class ItemProblem(MarketplaceError):
    error_class = ErrorClass.ITEM_PROBLEM
