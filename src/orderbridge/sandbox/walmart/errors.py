"""Walmart's error answers: ``{"errors": {"error": [GatewayError, …]}}``.

The entries carry the GatewayError fields of the Orders API (``code``, ``field``,
``description``, ``info``, ``severity``, ``category``, ``causes``, ``errorIdentifiers``);
codes follow Walmart's published catalogue (``INVALID_REQUEST_HEADER``, ``UNAUTHORIZED``,
``CONTENT_NOT_FOUND``, …) with the ``.GMP_*`` suffix of the service that answered. The
``errors``/``error`` nesting is how Walmart's answers render its XML error list in JSON.
"""

from __future__ import annotations

from typing import Any

GATEWAY = "GMP_GATEWAY_API"
ORDERS = "GMP_ORDER_API"


class WalmartApiError(Exception):
    """An error answer, raised anywhere in request handling."""

    def __init__(
        self,
        status: int,
        code: str,
        description: str,
        *,
        field: str = "",
        info: str = "",
        category: str = "DATA",
        severity: str = "ERROR",
    ) -> None:
        super().__init__(f"{status} {code}: {description}")
        self.status = status
        self.code = code
        self.description = description
        self.field = field
        self.info = info
        self.category = category
        self.severity = severity

    def body(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "code": self.code,
            "field": self.field,
            "description": self.description,
            "info": self.info,
            "severity": self.severity,
            "category": self.category,
            "causes": [],
            "errorIdentifiers": {},
        }
        return {"errors": {"error": [entry]}}


def bad_header(name: str) -> WalmartApiError:
    return WalmartApiError(
        400,
        f"INVALID_REQUEST_HEADER.{GATEWAY}",
        f"{name} set null or invalid",
        field=name,
        info="Header is invalid or missing.",
        category="REQUEST",
    )


def unauthorized(description: str) -> WalmartApiError:
    return WalmartApiError(
        401,
        f"UNAUTHORIZED.{GATEWAY}",
        description,
        field="UNAUTHORIZED",
        info="Unauthorized",
        category="REQUEST",
    )


def invalid_content(description: str, field: str = "") -> WalmartApiError:
    return WalmartApiError(
        400,
        f"INVALID_REQUEST_CONTENT.{ORDERS}",
        description,
        field=field,
        info="Request content is invalid.",
    )


def not_found(description: str) -> WalmartApiError:
    return WalmartApiError(
        404,
        f"CONTENT_NOT_FOUND.{ORDERS}",
        description,
        field="purchaseOrderId",
        info="Requested content could not be found.",
        category="APPLICATION",
    )


def too_many_requests() -> WalmartApiError:
    return WalmartApiError(
        429,
        f"REQUEST_THRESHOLD_VIOLATED.{GATEWAY}",
        "Too many requests: the throttling limit of this API was reached.",
        info="Too Many Requests",
        category="REQUEST",
    )


def internal_error(details: str) -> WalmartApiError:
    return WalmartApiError(
        500,
        f"SYSTEM_ERROR.{GATEWAY}",
        "Internal error; try again.",
        info=details,
        category="SYSTEM",
    )


def service_unavailable(details: str) -> WalmartApiError:
    return WalmartApiError(
        503,
        f"SERVICE_UNAVAILABLE.{GATEWAY}",
        "Service temporarily unavailable; try again.",
        info=details,
        category="SYSTEM",
    )
