"""eBay OAuth for the simulated seller: the token endpoint and access-token checks.

``POST /identity/v1/oauth2/token`` takes ``Authorization: Basic base64(client_id:secret)``
and the form ``grant_type=refresh_token&refresh_token=…&scope=…`` (scopes separated by
spaces; they must be among those the seller granted, all of them when omitted) and
answers ``{access_token, expires_in, token_type: "User Access Token"}``. Failures use the
OAuth shape ``{error, error_description}``: 401 ``invalid_client``, 400
``invalid_request``, ``unsupported_grant_type``, ``invalid_grant``, ``invalid_scope``.

A Fulfillment API call sends ``Authorization: Bearer <token>``; a Post-Order call sends
``Authorization: IAF <token>``, the Post-Order API's scheme for OAuth tokens.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from orderbridge.sandbox.clock import SimulatorClock
from orderbridge.sandbox.ebay.errors import insufficient_scope, invalid_token

if TYPE_CHECKING:
    from orderbridge.sandbox.ebay.state import EbaySimulator

TOKEN_PATH = "/identity/v1/oauth2/token"
TOKEN_OPERATION = "oauthToken"


@dataclass(frozen=True)
class Grant:
    scopes: frozenset[str]
    expires_at: float


class TokenRegistry:
    """Access tokens issued so far, each with its scopes and expiry."""

    def __init__(self, clock: SimulatorClock, ttl_seconds: int) -> None:
        self._clock = clock
        self.ttl_seconds = ttl_seconds
        self._grants: dict[str, Grant] = {}

    def issue(self, scopes: frozenset[str]) -> str:
        token = "v^1.1#i^1#p^3#r^1#" + secrets.token_urlsafe(48)
        self._grants[token] = Grant(scopes, self._clock.timestamp() + self.ttl_seconds)
        return token

    def revoke_all(self) -> None:
        self._grants.clear()

    def authenticate(self, header: str | None, scheme: str, needs: frozenset[str]) -> None:
        """Accept ``<scheme> <token>`` holding one of the scopes ``needs``; else 401/403."""
        name, _, token = (header or "").partition(" ")
        if name != scheme or not token.strip():
            raise invalid_token(f"Send the access token as 'Authorization: {scheme} <token>'.")
        grant = self._grants.get(token.strip())
        if grant is None:
            raise invalid_token("Invalid access token. Check the Authorization header value.")
        if self._clock.timestamp() >= grant.expires_at:
            del self._grants[token.strip()]
            raise invalid_token("The access token has expired; mint a new one.")
        if needs and not grant.scopes & needs:
            raise insufficient_scope()


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


async def token_endpoint(request: Request) -> Response:
    simulator: EbaySimulator = request.app.state.simulator
    form = dict(
        parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
    )
    response = _exchange(simulator, request.headers.get("authorization"), form)
    simulator.stats.record(TOKEN_OPERATION, response.status_code)
    return response


def _exchange(
    simulator: EbaySimulator, authorization: str | None, form: dict[str, str]
) -> Response:
    settings = simulator.settings
    if not _client_matches(authorization, settings.client_id, settings.client_secret):
        return _oauth_error(401, "invalid_client", "client authentication failed")
    grant_type = form.get("grant_type", "")
    if not grant_type:
        return _oauth_error(
            400, "invalid_request", "request is missing a required parameter: grant_type"
        )
    if grant_type != "refresh_token":
        return _oauth_error(
            400, "unsupported_grant_type", f"grant type {grant_type} is not supported"
        )
    if not form.get("refresh_token"):
        return _oauth_error(
            400, "invalid_request", "request is missing a required parameter: refresh_token"
        )
    if not _same(form["refresh_token"], settings.refresh_token):
        return _oauth_error(
            400,
            "invalid_grant",
            "the provided authorization refresh token is invalid or was issued to another client",
        )
    granted = frozenset(settings.granted_scopes)
    asked = frozenset(form.get("scope", "").split()) or granted
    if not asked <= granted:
        return _oauth_error(
            400,
            "invalid_scope",
            "The requested scope is invalid, unknown, malformed, or exceeds the scope granted",
        )
    return JSONResponse(
        {
            "access_token": simulator.tokens.issue(asked),
            "expires_in": simulator.tokens.ttl_seconds,
            "token_type": "User Access Token",
        },
        headers={"Cache-Control": "no-store"},
    )


def _client_matches(header: str | None, client_id: str, client_secret: str) -> bool:
    scheme, _, encoded = (header or "").partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    given_id, _, given_secret = decoded.partition(":")
    return _same(given_id, client_id) and _same(given_secret, client_secret)


def _same(given: str, expected: str) -> bool:
    # compare_digest refuses non-ASCII str; a wrong credential must be a 4xx, not a crash.
    return secrets.compare_digest(given.encode(), expected.encode())
