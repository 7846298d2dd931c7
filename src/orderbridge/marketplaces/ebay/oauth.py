"""eBay OAuth: a user access token minted from the seller's refresh token, kept until
shortly before it expires.

``POST /identity/v1/oauth2/token`` with ``Authorization: Basic base64(client_id:secret)``
and the form ``grant_type=refresh_token&refresh_token=…&scope=…`` answers
``{access_token, expires_in, token_type}``; a user access token lives two hours. One
connection shares one token across all its calls, and only one refresh runs at a time.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx

from orderbridge.marketplaces.ebay.capabilities import OAUTH_TOKEN
from orderbridge.marketplaces.ebay.settings import EbaySettings
from orderbridge.marketplaces.errors import ConfigurationError, PermanentError, TransientError
from orderbridge.marketplaces.http import MarketplaceHttp, excerpt

# Refreshed this long before expiry so a token never dies while a call is in flight.
TOKEN_MARGIN = timedelta(minutes=5)
DEFAULT_LIFETIME_SECONDS = 7200.0
# OAuth error codes that mean the stored settings themselves are refused.
_SETTINGS_REFUSED = {
    "invalid_grant": (
        "eBay rejected the refresh token (expired, revoked or issued to another app): have "
        "the seller grant access again and update the connection's refresh_token"
    ),
    "invalid_client": (
        "eBay rejected the client id or client secret: copy the App ID (Client ID) and Cert "
        "ID (Client Secret) of the production keyset into the connection"
    ),
    "unauthorized_client": (
        "eBay does not allow this application the refresh-token grant: check the keyset "
        "in the eBay developer portal"
    ),
    "invalid_scope": (
        "eBay refused the requested scopes: the seller's grant must include every scope in "
        "the connection's 'scopes' option (sell.finances is needed for refunds)"
    ),
}


class UserTokens:
    """The connection's cached user access token."""

    def __init__(
        self,
        settings: EbaySettings,
        http: MarketplaceHttp,
        *,
        on_response: Callable[[httpx.Response], None] = lambda response: None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._http = http
        self._on_response = on_response
        self._monotonic = monotonic
        self._token: str | None = None
        self._fresh_until = 0.0
        self._lock = asyncio.Lock()
        basic = f"{settings.client_id}:{settings.client_secret}".encode()
        self._basic = "Basic " + base64.b64encode(basic).decode("ascii")
        http.redact.add(settings.client_secret)
        http.redact.add(settings.refresh_token)
        http.redact.add(self._basic.removeprefix("Basic "))

    async def access_token(self) -> str:
        if self._token is not None and self._monotonic() < self._fresh_until:
            return self._token
        async with self._lock:
            # Another caller may have refreshed while this one waited.
            if self._token is not None and self._monotonic() < self._fresh_until:
                return self._token
            return await self._refresh()

    def invalidate(self, token: str) -> None:
        """Forget ``token`` after eBay refused it, unless a newer one replaced it already."""
        if self._token == token:
            self._token = None
            self._fresh_until = 0.0

    async def _refresh(self) -> str:
        settings = self._settings
        # The token's lifetime starts before the answer arrives, so count from here.
        requested_at = self._monotonic()
        response = await self._http.request(
            OAUTH_TOKEN,
            "POST",
            settings.token_url,
            data={
                "grant_type": "refresh_token",
                "refresh_token": settings.refresh_token,
                "scope": " ".join(settings.scopes),
            },
            headers={"authorization": self._basic, "accept": "application/json"},
            # The OAuth error code in a 4xx decides its class.
            hand_back=frozenset(range(400, 500)),
        )
        self._on_response(response)
        if response.status_code >= 400:
            raise self._refusal(response)
        body = _json(response)
        token = body.get("access_token") if body is not None else None
        if not isinstance(token, str) or not token:
            raise TransientError(
                "eBay's token endpoint answered without an access_token",
                operation=OAUTH_TOKEN,
                http_status=response.status_code,
                response_excerpt=excerpt(response.text, self._http.redact),
            )
        lifetime = _lifetime(body.get("expires_in") if body is not None else None)
        margin = min(TOKEN_MARGIN.total_seconds(), lifetime / 2)
        self._http.redact.discard(self._token)
        self._http.redact.add(token)
        self._token = token
        self._fresh_until = requested_at + lifetime - margin
        return token

    def _refusal(self, response: httpx.Response) -> Exception:
        body = _json(response)
        code = body.get("error") if body is not None else None
        text = excerpt(response.text, self._http.redact)
        if isinstance(code, str) and code in _SETTINGS_REFUSED:
            return ConfigurationError(
                _SETTINGS_REFUSED[code],
                operation=OAUTH_TOKEN,
                http_status=response.status_code,
                response_excerpt=text,
            )
        return PermanentError(
            f"eBay's token endpoint refused the request ({code or 'no error code'})",
            operation=OAUTH_TOKEN,
            http_status=response.status_code,
            response_excerpt=text,
        )


def _json(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _lifetime(expires_in: Any) -> float:
    """``expires_in`` in seconds; an odd value falls back to the documented two hours."""
    if isinstance(expires_in, bool):
        return DEFAULT_LIFETIME_SECONDS
    try:
        lifetime = float(expires_in)
    except (TypeError, ValueError):
        return DEFAULT_LIFETIME_SECONDS
    return lifetime if lifetime > 0 else DEFAULT_LIFETIME_SECONDS
