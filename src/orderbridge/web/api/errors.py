"""The one error shape of the HTTP interface, and the handlers that produce it.

Every failure answers ``{"error": {"code", "message", "field", "details"}}``: ``code`` is
stable for programs, ``message`` is for people, ``field`` names the request field to
fix (or null), ``details`` carries extra facts (all validation problems, for one).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from orderbridge.observability import log
from orderbridge.secrets_box import SecretUnreadable
from orderbridge.services.errors import ServiceError

# Where FastAPI found a bad value; the client only needs the field's own name.
_PARAMETER_LOCATIONS = {"query", "path", "header", "cookie"}
_HTTP_CODES = {
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
}


class ErrorBody(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. not_found, conflict.")
    message: str = Field(description="What went wrong and how to fix it, for people.")
    field: str | None = Field(
        default=None, description="The request field to correct, dotted for nested ones."
    )
    details: Any = Field(default=None, description="Extra facts, e.g. every validation problem.")


class ErrorResponse(BaseModel):
    """The shape of every error answer of the API."""

    error: ErrorBody


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    field: str | None = None,
    details: Any = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = ErrorResponse(error=ErrorBody(code=code, message=message, field=field, details=details))
    return JSONResponse(jsonable_encoder(body), status_code=status, headers=headers)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` entry that documents the error shape for these statuses."""
    return {status: {"model": ErrorResponse} for status in statuses}


def _field_name(location: Sequence[Any]) -> str | None:
    parts = [str(part) for part in location]
    if parts and parts[0] in _PARAMETER_LOCATIONS:
        # A repeated parameter is named once, not by the position of its bad value.
        return parts[1] if len(parts) > 1 else None
    if parts and parts[0] == "body":
        parts = parts[1:]
    return ".".join(parts) or None


async def _service_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    return error_response(exc.status, exc.code, exc.message, field=exc.field, headers=headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [
        {
            "field": None if error["type"] == "json_invalid" else _field_name(error["loc"]),
            "message": error["msg"],
            "type": error["type"],
        }
        for error in exc.errors()
    ]
    first = problems[0] if problems else {"field": None, "message": "invalid request", "type": ""}
    if first["type"] == "json_invalid":
        message = "the request body is not valid JSON"
    elif first["field"]:
        message = f"{first['field']}: {first['message']}"
    else:
        message = str(first["message"])
    return error_response(422, "validation_error", message, field=first["field"], details=problems)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    return error_response(
        exc.status_code,
        _HTTP_CODES.get(exc.status_code, "http_error"),
        str(exc.detail),
        headers=dict(exc.headers) if exc.headers else None,
    )


async def _secret_unreadable(_request: Request, exc: Exception) -> JSONResponse:
    # The server's key no longer opens a stored secret: the operator must act, not the client.
    log.error("secret_unreadable", error=str(exc))
    return error_response(500, "secret_unreadable", str(exc))


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("request_crashed", path=request.url.path, method=request.method)
    return error_response(
        500, "internal_error", "an unexpected error occurred; the server log has the details"
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(SecretUnreadable, _secret_unreadable)
    app.add_exception_handler(Exception, _unexpected_error)
