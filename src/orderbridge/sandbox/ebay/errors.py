"""eBay error answers: ``{"errors": [{errorId, domain, category, message, …}]}``.

The Fulfillment API documents its error ids per method (``x-response-codes`` in the
contract); those are used as documented. The access errors (1001 invalid token, 1100
insufficient scope, 2001 too many requests) follow eBay's general REST error reference;
the contract does not list them. eBay caps ``message`` at 50 characters and
``longMessage`` at 200, and so do we.
"""

from __future__ import annotations

from typing import Any

FULFILLMENT = "API_FULFILLMENT"
POST_ORDER = "API_POSTORDER"


class EbayApiError(Exception):
    """An error answer, raised anywhere in request handling."""

    def __init__(
        self,
        status: int,
        error_id: int,
        message: str,
        *,
        domain: str = FULFILLMENT,
        category: str = "REQUEST",
        long_message: str | None = None,
        parameters: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {error_id}: {message}")
        self.status = status
        self.error_id = error_id
        self.message = message[:50]
        self.domain = domain
        self.category = category
        self.long_message = long_message[:200] if long_message else None
        self.parameters = parameters or {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {
            "errorId": self.error_id,
            "domain": self.domain,
            "category": self.category,
            "message": self.message,
        }
        if self.long_message:
            error["longMessage"] = self.long_message
        if self.parameters:
            error["parameters"] = [{"name": k, "value": v} for k, v in self.parameters.items()]
        return {"errors": [error]}


def request_error(
    error_id: int, message: str, long_message: str | None = None, **params: str
) -> EbayApiError:
    return EbayApiError(400, error_id, message, long_message=long_message, parameters=params)


def business_error(
    status: int, error_id: int, message: str, long_message: str | None = None
) -> EbayApiError:
    return EbayApiError(status, error_id, message, category="BUSINESS", long_message=long_message)


def invalid_token(detail: str) -> EbayApiError:
    return EbayApiError(401, 1001, "Invalid access token", domain="OAuth", long_message=detail)


def insufficient_scope() -> EbayApiError:
    return EbayApiError(
        403,
        1100,
        "Access denied",
        domain="ACCESS",
        long_message="Insufficient permissions to fulfill the request.",
    )


def too_many_requests() -> EbayApiError:
    return EbayApiError(
        429,
        2001,
        "Too many requests",
        domain="ACCESS",
        long_message="The request limit has been reached for the resource.",
    )


def system_error(detail: str, *, status: int = 500, error_id: int = 30500) -> EbayApiError:
    return EbayApiError(
        status, error_id, "System error", category="APPLICATION", long_message=detail
    )


def not_found(error_id: int, message: str, **params: str) -> EbayApiError:
    return EbayApiError(404, error_id, message, parameters=params)
