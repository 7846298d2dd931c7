"""Reading one page of status updates from a polled OMS endpoint (the HTTP side only).

``GET {url}?since={cursor}&limit={n}`` with the bearer token, answered by
``{"updates": [...], "next_cursor": "...", "has_more": bool}``. Whatever goes wrong on the
wire (no answer, a timeout, a non-2xx status, a body that is not such a page) becomes a
:class:`PollError` whose message names the URL and, for an answer, its status and a short
excerpt of its body; never the token, and never the query string.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from importlib import metadata
from types import TracebackType
from typing import Any

import httpx

from orderbridge.oms.webhook import display_url

DEFAULT_TIMEOUT_SECONDS = 30.0
# A page of 100 updates of 500 lines each stays well below this; more is a broken endpoint.
MAX_PAGE_BYTES = 20 * 1024 * 1024
EXCERPT_CHARS = 200


def _user_agent() -> str:
    try:
        version = metadata.version("orderbridge")
    except metadata.PackageNotFoundError:
        version = "dev"
    return f"orderbridge/{version} (+status polling)"


USER_AGENT = _user_agent()


class PollError(Exception):
    """The endpoint could not be read; ``message`` is safe to show and to store."""

    def __init__(self, message: str, *, http_status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.http_status = http_status


@dataclass(frozen=True, slots=True)
class UpdatePage:
    """One answer: the raw updates (checked one by one by the caller) and where to go on."""

    updates: list[Any]
    next_cursor: str | None  # None: the OMS has nothing newer, keep the cursor sent
    has_more: bool


class StatusPollClient:
    """Fetches pages from one endpoint; use as ``async with`` for one run."""

    def __init__(
        self,
        url: str,
        *,
        token: str | None,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.url = url
        self.where = display_url(url)
        self.timeout_seconds = timeout_seconds
        self._headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        self._token = token
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient()

    def __repr__(self) -> str:
        return f"StatusPollClient(url={self.where!r})"

    async def __aenter__(self) -> StatusPollClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    async def fetch(self, since: str | None, limit: int) -> UpdatePage:
        params: dict[str, str | int] = {"limit": limit}
        if since is not None:
            params["since"] = since
        request = self._client.build_request(
            "GET",
            self.url,
            params=params,
            headers=self._headers,
            timeout=httpx.Timeout(self.timeout_seconds),
        )
        try:
            # Redirects are not followed: the token must reach only the configured URL.
            response = await self._client.send(request, stream=True, follow_redirects=False)
        except httpx.TimeoutException as exc:
            raise PollError(
                f"OMS status endpoint {self.where} did not answer within "
                f"{self.timeout_seconds:g} s ({type(exc).__name__})"
            ) from exc
        except httpx.UnsupportedProtocol as exc:
            raise PollError(f"OMS status endpoint URL {self.where} is not http(s)") from exc
        except httpx.TransportError as exc:
            raise PollError(
                f"could not reach OMS status endpoint {self.where}: {type(exc).__name__}: {exc}"
            ) from exc
        try:
            body = await _read_bounded(response)
        except httpx.TransportError as exc:
            raise PollError(
                f"OMS status endpoint {self.where} broke off its answer "
                f"(HTTP {response.status_code}): {type(exc).__name__}"
            ) from exc
        finally:
            await response.aclose()
        if body is None:
            raise PollError(
                f"OMS status endpoint {self.where} answered more than {MAX_PAGE_BYTES} bytes; "
                "ask for smaller pages",
                http_status=response.status_code,
            )
        return self._page(response, body)

    def _page(self, response: httpx.Response, body: bytes) -> UpdatePage:
        status = response.status_code
        if not 200 <= status < 300:
            moved = ""
            if 300 <= status < 400 and response.headers.get("location"):
                target = response.url.join(response.headers["location"])
                moved = f" (redirect to {display_url(str(target))}; change the source's url)"
            refused = ""
            if status in (401, 403):
                refused = " (the bearer token was refused: check the source's secret)"
            raise PollError(
                f"OMS status endpoint {self.where} answered HTTP {status}{moved}{refused}"
                f"{self._excerpt(body)}",
                http_status=status,
            )
        try:
            # Amounts stay exact: a JSON number becomes a Decimal, never a float.
            document = json.loads(body, parse_float=Decimal)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise PollError(
                f"OMS status endpoint {self.where} answered HTTP {status} with a body that is "
                f"not JSON ({exc.__class__.__name__}){self._excerpt(body)}",
                http_status=status,
            ) from exc
        return _parse_page(document, self.where, status)

    def _excerpt(self, body: bytes) -> str:
        """A short excerpt of ``body`` for a message, without the token in it.

        An endpoint that echoes the request into its error page must not carry the token
        into the error log, so it is taken out before the text is cut short.
        """
        text = body[: EXCERPT_CHARS * 4 + len(self._token or "") * 4].decode(
            "utf-8", errors="replace"
        )
        if self._token:
            text = text.replace(self._token, "[token]")
        text = " ".join(text.split())
        if not text:
            return ""
        cut = "…" if len(text) > EXCERPT_CHARS else ""
        return f": {text[:EXCERPT_CHARS]}{cut}"


def _parse_page(document: Any, where: str, status: int) -> UpdatePage:
    def refuse(problem: str) -> PollError:
        return PollError(
            f"OMS status endpoint {where} answered HTTP {status} but {problem}; expected "
            '{"updates": [...], "next_cursor": "...", "has_more": false}',
            http_status=status,
        )

    if not isinstance(document, dict):
        raise refuse(f"the body is a JSON {type(document).__name__}, not an object")
    updates = document.get("updates")
    if not isinstance(updates, list):
        raise refuse('"updates" is missing or not a list')
    next_cursor = document.get("next_cursor")
    if next_cursor is not None and (not isinstance(next_cursor, str) or not next_cursor):
        raise refuse('"next_cursor" is not a non-empty string')
    has_more = document.get("has_more", False)
    if not isinstance(has_more, bool):
        raise refuse('"has_more" is not true or false')
    return UpdatePage(updates, next_cursor, has_more)


async def _read_bounded(response: httpx.Response) -> bytes | None:
    """The whole body, or None when it is larger than a page can reasonably be."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > MAX_PAGE_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
