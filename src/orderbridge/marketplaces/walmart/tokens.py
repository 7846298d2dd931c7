"""Walmart OAuth access tokens: client credentials, cached until shortly before expiry.

``POST /v3/token`` with ``grant_type=client_credentials`` and HTTP Basic authentication of
the client id and secret answers ``{access_token, token_type, expires_in}``; tokens live
15 minutes (``expires_in: 900``). One token serves every call of the connection until a
minute before it expires, and only one exchange runs at a time.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx

from orderbridge.marketplaces.errors import ConfigurationError, PermanentError, TransientError
from orderbridge.marketplaces.http import MarketplaceHttp, excerpt
from orderbridge.marketplaces.walmart.answers import error_text, json_object
from orderbridge.marketplaces.walmart.capabilities import TOKEN
from orderbridge.marketplaces.walmart.settings import WalmartSettings

TOKEN_PATH = "/v3/token"
TOKEN_MARGIN = timedelta(minutes=1)
DEFAULT_LIFETIME_SECONDS = 900.0
_REFUSALS: frozenset[int] = frozenset(range(400, 500))
_CREDENTIALS_REFUSED = (
    "Walmart refused the client id or client secret: copy both from Seller Center → "
    "Settings → API Key Management (or the Developer Portal) into the connection"
)


def basic_authorization(settings: WalmartSettings) -> str:
    pair = f"{settings.client_id}:{settings.client_secret}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


class AccessTokens:
    """The connection's access token, shared by all its calls."""

    def __init__(
        self,
        settings: WalmartSettings,
        http: MarketplaceHttp,
        headers: Callable[[], dict[str, str]],
        *,
        observe: Callable[[httpx.Response], None] = lambda response: None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._http = http
        self._headers = headers
        self._observe = observe
        self._monotonic = monotonic
        self._token: str | None = None
        self._fresh_until = 0.0
        self._lock = asyncio.Lock()
        self.authorization = basic_authorization(settings)
        http.redact.add(settings.client_secret)
        http.redact.add(self.authorization.removeprefix("Basic "))

    async def get(self) -> str:
        """A valid access token: cached, renewed ahead of expiry, one exchange at a time."""
        if self._token is not None and self._monotonic() < self._fresh_until:
            return self._token
        async with self._lock:
            # Another caller may have renewed it while we waited for the lock.
            if self._token is not None and self._monotonic() < self._fresh_until:
                return self._token
            return await self._exchange()

    def invalidate(self, token: str) -> None:
        """Forget ``token`` after Walmart refused it, unless a newer one replaced it."""
        if self._token == token:
            self._token = None
            self._fresh_until = 0.0

    async def _exchange(self) -> str:
        # The token's life starts before we hear back, so its expiry is counted from here.
        requested_at = self._monotonic()
        response = await self._http.request(
            TOKEN,
            "POST",
            self._settings.base_url + TOKEN_PATH,
            data={"grant_type": "client_credentials"},
            headers={**self._headers(), "Authorization": self.authorization},
            hand_back=_REFUSALS,
        )
        self._observe(response)
        if response.status_code >= 400:
            raise self._refusal(response)
        body = json_object(response, TOKEN, self._http.redact)
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise TransientError(
                "Walmart's token answer has no access_token",
                operation=TOKEN,
                http_status=response.status_code,
                response_excerpt=excerpt(response.text, self._http.redact),
            )
        lifetime = _lifetime(body.get("expires_in"))
        margin = min(TOKEN_MARGIN.total_seconds(), lifetime / 2)
        # An expired token is harmless and would only grow the redaction list.
        self._http.redact.discard(self._token)
        self._http.redact.add(token)
        self._token = token
        self._fresh_until = requested_at + lifetime - margin
        return token

    def _refusal(self, response: httpx.Response) -> Exception:
        text = excerpt(response.text, self._http.redact)
        if response.status_code in (401, 403):
            return ConfigurationError(
                _CREDENTIALS_REFUSED,
                operation=TOKEN,
                http_status=response.status_code,
                response_excerpt=text,
            )
        return PermanentError(
            f"Walmart refused the token request: {error_text(response)}",
            operation=TOKEN,
            http_status=response.status_code,
            response_excerpt=text,
        )


def _lifetime(expires_in: Any) -> float:
    """``expires_in`` in seconds; an odd value falls back to Walmart's documented 900."""
    if isinstance(expires_in, bool):
        return DEFAULT_LIFETIME_SECONDS
    try:
        lifetime = float(expires_in)
    except (TypeError, ValueError):
        return DEFAULT_LIFETIME_SECONDS
    return lifetime if lifetime > 0 else DEFAULT_LIFETIME_SECONDS
