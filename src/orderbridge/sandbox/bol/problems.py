"""bol's error answers: the ``Problem`` body (with ``violations``) in the v10 media type.

Every Retailer API error is a Problem ``{type, title, status, detail, host, instance,
violations: [{name, reason}]}``; ``type`` is always ``https://api.bol.com/problems`` and
``violations`` is always present (empty when no single field is to blame). Titles follow
the HTTP reason phrases bol uses; details and reasons are written in bol's style.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

MEDIA_TYPE = "application/vnd.retailer.v10+json"
PROBLEM_TYPE = "https://api.bol.com/problems"
HOST = "Instance-sandbox-001"

TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class BolProblem(Exception):
    """An error answer, raised anywhere while handling a request."""

    def __init__(
        self,
        status: int,
        detail: str,
        violations: list[tuple[str, str]] | None = None,
        *,
        headers: dict[str, str] | None = None,
        title: str | None = None,
    ) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail
        self.violations = violations or []
        self.headers = headers or {}
        self.title = title or TITLES.get(status, "Error")

    def body(self, instance: str) -> dict[str, Any]:
        return {
            "type": PROBLEM_TYPE,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "host": HOST,
            "instance": instance,
            "violations": [{"name": name, "reason": reason} for name, reason in self.violations],
        }

    def response(self, instance: str, headers: dict[str, str] | None = None) -> JSONResponse:
        return JSONResponse(
            self.body(instance),
            status_code=self.status,
            media_type=MEDIA_TYPE,
            headers={**self.headers, **(headers or {})},
        )


def bad_request(violations: list[tuple[str, str]]) -> BolProblem:
    return BolProblem(
        400,
        "Bad request",
        violations,
        title="Error validating request. Consult the bol.com API documentation for more "
        "information.",
    )


def not_found(what: str) -> BolProblem:
    return BolProblem(404, f"{what} could not be found.")


def invalid_value(name: str, value: object, allowed: list[str] | tuple[str, ...]) -> BolProblem:
    return bad_request(
        [
            (
                name,
                f"Request contains invalid value(s): '{value}', allowed values: "
                + ", ".join(allowed)
                + ".",
            )
        ]
    )
