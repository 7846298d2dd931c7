"""SP-API error responses: the `ErrorList` body and the headers Amazon sends with it.

Bodies follow the model's `ErrorList`/`Error` definitions (`{"errors":[{code, message,
details}]}`). `x-amzn-ErrorType` values follow the DevGuide's example (`ValidationException`
on a 400) and AWS API Gateway naming for the other statuses; the model does not list them.
"""

from __future__ import annotations

from typing import Any

ERROR_TYPES: dict[int, str] = {
    400: "ValidationException",
    403: "AccessDeniedException",
    404: "NotFoundException",
    429: "QuotaExceededException",
    500: "InternalFailureException",
    503: "ServiceUnavailableException",
}


class SpApiError(Exception):
    """An error answer of an SP-API operation, raised anywhere in request handling."""

    def __init__(self, status: int, code: str, message: str, details: str = "") -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details

    @property
    def error_type(self) -> str:
        return ERROR_TYPES.get(self.status, "InternalFailureException")

    def body(self) -> dict[str, Any]:
        return error_list(self.code, self.message, self.details)


def error_list(code: str, message: str, details: str = "") -> dict[str, Any]:
    return {"errors": [{"code": code, "message": message, "details": details}]}


def invalid_input(message: str, details: str = "") -> SpApiError:
    return SpApiError(400, "InvalidInput", message, details)


def unauthorized(details: str) -> SpApiError:
    return SpApiError(403, "Unauthorized", "Access to requested resource is denied.", details)


def not_found(message: str, details: str = "") -> SpApiError:
    return SpApiError(404, "NotFound", message, details)


def quota_exceeded() -> SpApiError:
    return SpApiError(429, "QuotaExceeded", "You exceeded your quota for the requested resource.")


def internal_failure() -> SpApiError:
    return SpApiError(
        500,
        "InternalFailure",
        "We encountered an internal error. Please try again.",
        "Injected by the orderbridge Amazon simulator (fault_rate_500).",
    )


def lost_response() -> SpApiError:
    return SpApiError(
        500,
        "InternalFailure",
        "We encountered an internal error. Please try again.",
        "Injected by the orderbridge Amazon simulator (lose_write_responses): "
        "the request was applied, its answer withheld.",
    )


def service_unavailable() -> SpApiError:
    return SpApiError(
        503,
        "ServiceUnavailable",
        "Service temporarily unavailable. Please try again.",
        "Injected by the orderbridge Amazon simulator (fault_rate_503).",
    )
