"""The Token API (`POST /v3/token`) and the header checks every call goes through.

A token request authenticates with `Authorization: Basic base64(clientId:clientSecret)`,
sends `grant_type=client_credentials` as a form and must carry `WM_SVC.NAME` and
`WM_QOS.CORRELATION_ID`; it answers `{"access_token", "token_type": "Bearer",
"expires_in": 900}`. Business calls must carry both headers too, plus a live token in
`WM_SEC.ACCESS_TOKEN`. A missing header is 400 INVALID_REQUEST_HEADER; a missing, unknown
or expired token, or a Basic header with the wrong key, is 401 UNAUTHORIZED. Only the
client-credentials grant is simulated: a seller's own API key, not a solution provider's
delegated access.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from orderbridge.sandbox.clock import SimulatorClock
from orderbridge.sandbox.walmart.errors import (
    WalmartApiError,
    bad_header,
    invalid_content,
    unauthorized,
)

if TYPE_CHECKING:
    from orderbridge.sandbox.walmart.state import WalmartSimulator

TOKEN_OPERATION = "tokenAPI"
REQUIRED_HEADERS = ("WM_SVC.NAME", "WM_QOS.CORRELATION_ID")


class TokenRegistry:
    """Access tokens issued so far, each with its expiry."""

    def __init__(self, clock: SimulatorClock, ttl_seconds: int) -> None:
        self._clock = clock
        self.ttl_seconds = ttl_seconds
        self._expiry: dict[str, float] = {}

    def issue(self) -> str:
        token = "eyJ" + secrets.token_urlsafe(48)
        self._expiry[token] = self._clock.timestamp() + self.ttl_seconds
        return token

    def check(self, token: str | None) -> None:
        if not token:
            raise unauthorized("WM_SEC.ACCESS_TOKEN is missing")
        expiry = self._expiry.get(token)
        if expiry is None:
            raise unauthorized("Unauthorized: the access token is invalid")
        if self._clock.timestamp() >= expiry:
            del self._expiry[token]
            raise unauthorized("Unauthorized: the access token has expired")


def check_headers(request: Request) -> None:
    for name in REQUIRED_HEADERS:
        if not request.headers.get(name, "").strip():
            raise bad_header(name)


def check_basic(simulator: WalmartSimulator, header: str | None, *, required: bool) -> None:
    """The client id and secret of a Basic header, when one is sent (or must be)."""
    if not header:
        if required:
            raise unauthorized("Authorization header is missing")
        return
    scheme, _, encoded = header.partition(" ")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise unauthorized("Authorization header is malformed") from None
    client_id, _, client_secret = decoded.partition(":")
    settings = simulator.settings
    if scheme.lower() != "basic" or not (
        _same(client_id, settings.client_id) and _same(client_secret, settings.client_secret)
    ):
        raise unauthorized("Unauthorized: client id or client secret is invalid")


async def token(request: Request) -> Response:
    simulator: WalmartSimulator = request.app.state.simulator
    try:
        check_headers(request)
        check_basic(simulator, request.headers.get("authorization"), required=True)
        form = dict(parse_qsl((await request.body()).decode("utf-8", errors="replace")))
        grant = form.get("grant_type", "")
        if grant != "client_credentials":
            raise invalid_content(
                f"grant_type {grant!r} is not supported here; use client_credentials",
                field="grant_type",
            )
    except WalmartApiError as error:
        simulator.stats.record(TOKEN_OPERATION, error.status)
        return JSONResponse(error.body(), status_code=error.status)
    simulator.stats.record(TOKEN_OPERATION, 200)
    return JSONResponse(
        {
            "access_token": simulator.tokens.issue(),
            "token_type": "Bearer",
            "expires_in": simulator.tokens.ttl_seconds,
        }
    )


def _same(given: str, expected: str) -> bool:
    # compare_digest refuses non-ASCII str; a wrong credential must be a 401, not a crash.
    return secrets.compare_digest(given.encode(), expected.encode())
