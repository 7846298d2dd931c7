"""bol's login (the client-credentials grant) and the bearer check of every API call.

``POST /token`` stands in for ``https://login.bol.com/token``: HTTP Basic authentication
with the API client id and secret, ``grant_type=client_credentials`` in the form body or
the query string (bol's own examples use the latter). It answers
``{"access_token", "token_type": "Bearer", "expires_in": 299, "scope"}``; wrong
credentials get 401 ``invalid_client``, a missing or other grant 400. The login is
throttled like any endpoint: bol blocks clients that ask for tokens too often.

API calls need ``Authorization: Bearer <token>`` with an issued, unexpired token, else 401
as a Problem.
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

from orderbridge.sandbox.bol.problems import BolProblem
from orderbridge.sandbox.clock import SimulatorClock

if TYPE_CHECKING:
    from orderbridge.sandbox.bol.state import BolSimulator

TOKEN_OPERATION = "token"


@dataclass(frozen=True)
class Grant:
    client_id: str
    expires_at: float


class TokenRegistry:
    def __init__(self, clock: SimulatorClock, ttl_seconds: int) -> None:
        self._clock = clock
        self.ttl_seconds = ttl_seconds
        self._grants: dict[str, Grant] = {}

    def issue(self, client_id: str) -> str:
        # bol's tokens are JWTs; an opaque token of the same length class will do here.
        token = "eyJ" + secrets.token_urlsafe(96)
        self._grants[token] = Grant(client_id, self._clock.timestamp() + self.ttl_seconds)
        return token

    def client_of(self, authorization: str | None) -> str:
        """The API client behind a bearer header; a 401 Problem otherwise."""
        if not authorization or not authorization.lower().startswith("bearer "):
            raise BolProblem(401, "Full authentication is required to access this resource.")
        token = authorization[7:].strip()
        grant = self._grants.get(token)
        if grant is None:
            raise BolProblem(401, "Invalid JWT.", title="Unauthorized")
        if self._clock.timestamp() >= grant.expires_at:
            del self._grants[token]
            raise BolProblem(401, "Expired JWT.", title="Unauthorized")
        return grant.client_id


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def _basic(authorization: str | None) -> tuple[str, str] | None:
    if not authorization or not authorization.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, colon, secret = decoded.partition(":")
    return (client_id, secret) if colon else None


async def token(request: Request) -> Response:
    simulator: BolSimulator = request.app.state.simulator
    response = await _exchange(simulator, request)
    simulator.stats.record(TOKEN_OPERATION, response.status_code)
    return response


async def _exchange(simulator: BolSimulator, request: Request) -> Response:
    settings = simulator.settings
    credentials = _basic(request.headers.get("authorization"))
    if credentials is None or not (
        _same(credentials[0], settings.client_id) and _same(credentials[1], settings.client_secret)
    ):
        return _oauth_error(401, "invalid_client", "Bad client credentials")
    verdict = simulator.throttle.take(credentials[0], TOKEN_OPERATION)
    if not verdict.allowed:
        response = _oauth_error(429, "too_many_requests", "Too many token requests")
        response.headers.update(verdict.headers)
        return response
    form = dict(parse_qsl((await request.body()).decode("utf-8", errors="replace")))
    grant_type = form.get("grant_type") or request.query_params.get("grant_type")
    if grant_type != "client_credentials":
        return _oauth_error(
            400, "unsupported_grant_type", f"Unsupported grant type: {grant_type or 'none'}"
        )
    issued = simulator.tokens.issue(credentials[0])
    return JSONResponse(
        {
            "access_token": issued,
            "token_type": "Bearer",
            "expires_in": simulator.tokens.ttl_seconds,
            "scope": "RETAILER",
        },
        headers={"cache-control": "no-store", **verdict.headers},
    )


def _same(given: str, expected: str) -> bool:
    return secrets.compare_digest(given.encode(), expected.encode())
