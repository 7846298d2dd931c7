"""bol.com access tokens: the client-credentials grant, asked for as rarely as possible.

``POST https://login.bol.com/token`` with the API client id and secret as HTTP Basic
authentication and ``grant_type=client_credentials`` answers a bearer token that lives
about five minutes. bol blocks clients that ask for tokens too often, so one token serves
every call of the connection until shortly before it expires, and only one refresh runs
at a time.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Callable
from typing import Any

import httpx

from orderbridge.marketplaces.bol.capabilities import TOKEN
from orderbridge.marketplaces.bol.settings import BolSettings
from orderbridge.marketplaces.errors import ConfigurationError, PermanentError, TransientError
from orderbridge.marketplaces.http import MarketplaceHttp, excerpt

# Refresh this long before expiry (at most a quarter of the lifetime), so no token
# expires while a call that carries it is on its way.
MARGIN_SECONDS = 30.0
DEFAULT_LIFETIME = 299.0  # what login.bol.com grants today
_REFUSED = frozenset(range(400, 500))
_CREDENTIALS_REFUSED = (
    "bol refused the API client id or secret: create an API client in the bol seller "
    "dashboard (Instellingen → API-instellingen) and copy its id and secret into the "
    "connection"
)


class TokenSource:
    """One connection's bearer token, cached until shortly before it expires."""

    def __init__(
        self,
        settings: BolSettings,
        http: MarketplaceHttp,
        *,
        user_agent: str,
        observe: Callable[[httpx.Response], None] = lambda response: None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._http = http
        self._user_agent = user_agent
        self._observe = observe
        self._monotonic = monotonic
        self._token: str | None = None
        self._fresh_until = 0.0
        self._lock = asyncio.Lock()
        basic = f"{settings.client_id}:{settings.client_secret}".encode()
        self._basic = base64.b64encode(basic).decode("ascii")
        http.redact.add(settings.client_secret)
        http.redact.add(self._basic)

    async def access_token(self) -> str:
        if self._token is not None and self._monotonic() < self._fresh_until:
            return self._token
        async with self._lock:
            # Another caller may have refreshed while this one waited for the lock.
            if self._token is not None and self._monotonic() < self._fresh_until:
                return self._token
            return await self._request()

    def invalidate(self, token: str) -> None:
        """Forget ``token`` after bol refused it, unless a newer one replaced it already."""
        if self._token == token:
            self._token = None
            self._fresh_until = 0.0

    async def _request(self) -> str:
        # The lifetime starts before the answer arrives, so it is counted from here.
        asked_at = self._monotonic()
        response = await self._http.request(
            TOKEN,
            "POST",
            self._settings.token_url,
            data={"grant_type": "client_credentials"},
            headers={
                "authorization": f"Basic {self._basic}",
                "accept": "application/json",
                "user-agent": self._user_agent,
            },
            hand_back=_REFUSED,
        )
        self._observe(response)
        text = excerpt(response.text, self._http.redact)
        if response.status_code in (400, 401):
            raise ConfigurationError(
                _CREDENTIALS_REFUSED,
                operation=TOKEN,
                http_status=response.status_code,
                response_excerpt=text,
            )
        if response.status_code >= 400:
            raise PermanentError(
                f"bol's login refused the token request (HTTP {response.status_code})",
                operation=TOKEN,
                http_status=response.status_code,
                response_excerpt=text,
            )
        token, lifetime = _parse(response, text)
        self._http.redact.discard(self._token)
        self._http.redact.add(token)
        self._token = token
        self._fresh_until = asked_at + lifetime - min(MARGIN_SECONDS, lifetime / 4)
        return token


def _parse(response: httpx.Response, text: str) -> tuple[str, float]:
    try:
        body: Any = json.loads(response.text)
    except ValueError:
        body = None
    token = body.get("access_token") if isinstance(body, dict) else None
    if not isinstance(token, str) or not token:
        raise TransientError(
            "bol's login answered without an access_token",
            operation=TOKEN,
            http_status=response.status_code,
            response_excerpt=text,
        )
    try:
        lifetime = float(body.get("expires_in"))
    except (TypeError, ValueError):
        lifetime = DEFAULT_LIFETIME
    return token, lifetime if lifetime > 0 else DEFAULT_LIFETIME
