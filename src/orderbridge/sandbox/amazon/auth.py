"""Login with Amazon (LWA) token exchange and access-token checks for SP-API calls.

`POST /auth/o2/token` takes a form body `grant_type=refresh_token&refresh_token&client_id&
client_secret` and answers `{"access_token","token_type":"bearer","expires_in":3600,
"refresh_token"}`, as api.amazon.com does; failures answer with LWA's OAuth-style
`{"error","error_description"}` (400 invalid_request / unsupported_grant_type / invalid_grant,
401 invalid_client). Only the refresh-token grant exists here: the simulator serves no
grantless operations.

SP-API calls must send an issued, unexpired token in `x-amz-access-token`, otherwise 403
Unauthorized. An `Authorization: AWS4-HMAC-SHA256 ...` header is accepted and ignored: SigV4
signing is no longer required since 2023-10-02, but older clients still send it.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from orderbridge.sandbox.amazon.errors import unauthorized
from orderbridge.sandbox.clock import SimulatorClock

if TYPE_CHECKING:
    from orderbridge.sandbox.amazon.state import AmazonSimulator

LWA_OPERATION = "lwaToken"


@dataclass(frozen=True)
class AccessGrant:
    seller_id: str
    expires_at: float


class TokenRegistry:
    """Access tokens issued so far, each remembered with its seller and expiry."""

    def __init__(self, clock: SimulatorClock, ttl_seconds: int) -> None:
        self._clock = clock
        self._ttl = ttl_seconds
        self._grants: dict[str, AccessGrant] = {}

    @property
    def ttl_seconds(self) -> int:
        return self._ttl

    def issue(self, seller_id: str) -> str:
        token = "Atza|" + secrets.token_urlsafe(48)
        self._grants[token] = AccessGrant(seller_id, self._clock.timestamp() + self._ttl)
        return token

    def authenticate(self, token: str | None) -> str:
        """The seller id behind `token`; raises the SP-API 403 otherwise."""
        if not token:
            raise unauthorized("Access token is missing in the request header.")
        grant = self._grants.get(token)
        if grant is None:
            raise unauthorized("The access token you provided is revoked, malformed or invalid.")
        if self._clock.timestamp() >= grant.expires_at:
            del self._grants[token]
            raise unauthorized("The access token you provided has expired.")
        return grant.seller_id


def _lwa_error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


async def _read_form(request: Request) -> dict[str, str]:
    raw = await request.body()
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    return dict(parse_qsl(raw.decode("utf-8", errors="replace"), keep_blank_values=True))


async def lwa_token(request: Request) -> Response:
    simulator: AmazonSimulator = request.app.state.simulator
    response = _exchange(simulator, await _read_form(request))
    simulator.stats.record(LWA_OPERATION, response.status_code)
    return response


def _exchange(simulator: AmazonSimulator, form: dict[str, str]) -> Response:
    settings = simulator.settings
    grant_type = form.get("grant_type", "")
    if not grant_type:
        return _lwa_error(
            400, "invalid_request", "The request is missing a required parameter : grant_type"
        )
    if grant_type != "refresh_token":
        return _lwa_error(
            400,
            "unsupported_grant_type",
            "The authorization grant type is not supported by the authorization server",
        )
    for name in ("refresh_token", "client_id", "client_secret"):
        if not form.get(name):
            return _lwa_error(
                400, "invalid_request", f"The request is missing a required parameter : {name}"
            )
    client_ok = _same(form["client_id"], settings.client_id) and (
        _same(form["client_secret"], settings.client_secret)
    )
    if not client_ok:
        return _lwa_error(401, "invalid_client", "Client authentication failed")
    if not _same(form["refresh_token"], settings.refresh_token):
        return _lwa_error(
            400, "invalid_grant", "The request has an invalid grant parameter : refresh_token"
        )
    token = simulator.tokens.issue(settings.seller_id)
    return JSONResponse(
        {
            "access_token": token,
            "refresh_token": settings.refresh_token,
            "token_type": "bearer",
            "expires_in": simulator.tokens.ttl_seconds,
        },
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )


def _same(given: str, expected: str) -> bool:
    # compare_digest refuses non-ASCII str; a wrong credential must be a 4xx, not a crash.
    return secrets.compare_digest(given.encode(), expected.encode())
