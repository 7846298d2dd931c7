"""The webhook export target: POST the signed order document to the merchant's OMS.

Every answer is classified here, where the call is made: 2xx is delivered; 408, 429, 5xx,
timeouts and network errors are worth retrying; any other answer is final and is shown to
the user with the OMS's own words (a bounded excerpt of its response body).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from importlib import metadata
from typing import Any, ClassVar
from urllib.parse import urlsplit

import httpx

from orderbridge.oms.base import DeliveryReceipt, ExportError
from orderbridge.oms.document import EXPORTED_EVENT, encode_document
from orderbridge.oms.return_document import RETURN_EXPORTED_EVENT, RETURN_SCHEMA_NAME
from orderbridge.oms.signing import signed_headers

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 10.0
EXCERPT_LIMIT = 1_000
RETRYABLE_STATUSES = frozenset({408, 429})


def _default_event(document: dict[str, Any]) -> str:
    if document.get("schema") == RETURN_SCHEMA_NAME:
        return RETURN_EXPORTED_EVENT
    return EXPORTED_EVENT


# Headers the target sets itself; extra headers from the settings may not replace them,
# or a misconfiguration could strip the signature the OMS relies on.
RESERVED_HEADERS = frozenset(
    {
        "content-type",
        "content-length",
        "host",
        "x-orderbridge-signature",
        "x-orderbridge-timestamp",
        "idempotency-key",
    }
)


def _user_agent() -> str:
    try:
        version = metadata.version("orderbridge")
    except metadata.PackageNotFoundError:
        version = "dev"
    return f"orderbridge/{version} (+order export webhook)"


USER_AGENT = _user_agent()


def display_url(url: str) -> str:
    """The URL without credentials or query: what a message or log may show of it."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return f"{parts.scheme}://{host}{parts.path}"


class WebhookTarget:
    """Delivers each document as one signed HTTPS POST; the OMS de-duplicates by key."""

    kind: ClassVar[str] = "webhook"

    def __init__(
        self,
        url: str,
        secret: str,
        *,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        headers: Mapping[str, str] | None = None,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.url = url
        self._secret = secret
        self._timeout = httpx.Timeout(timeout_seconds)
        self.timeout_seconds = timeout_seconds
        self._extra_headers = {
            name: value
            for name, value in (headers or {}).items()
            if name.lower() not in RESERVED_HEADERS
        }
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient()

    def __repr__(self) -> str:
        return f"WebhookTarget(url={display_url(self.url)!r})"

    async def deliver(self, document: dict[str, Any], idempotency_key: str) -> DeliveryReceipt:
        body = encode_document(document)
        headers = {
            **self._extra_headers,
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            # Lets the OMS route a return apart from an order before it reads the body.
            "X-Orderbridge-Event": str(document.get("event") or _default_event(document)),
            **signed_headers(self._secret, body, idempotency_key),
        }
        where = display_url(self.url)
        request = self._client.build_request(
            "POST", self.url, content=body, headers=headers, timeout=self._timeout
        )
        try:
            # Also for an injected client: a POST silently re-sent elsewhere is not a delivery.
            response = await self._client.send(request, stream=True, follow_redirects=False)
        except httpx.TimeoutException as exc:
            raise ExportError(
                f"OMS webhook {where} did not answer within {self.timeout_seconds:g} s "
                f"({type(exc).__name__})",
                retryable=True,
            ) from exc
        except httpx.UnsupportedProtocol as exc:
            raise ExportError(
                f"OMS webhook URL {where} is not http(s): change the target's url",
                retryable=False,
            ) from exc
        except httpx.TransportError as exc:
            raise ExportError(
                f"could not reach OMS webhook {where}: {type(exc).__name__}: {exc}",
                retryable=True,
            ) from exc
        try:
            excerpt = await _read_excerpt(response)
        except httpx.TransportError:
            # The status line arrived; a body cut short does not change what it says.
            excerpt = ""
        finally:
            await response.aclose()
        status = response.status_code
        log.debug("OMS webhook %s answered %s for key %s", where, status, idempotency_key)
        if 200 <= status < 300:
            return DeliveryReceipt(f"HTTP {status}")
        raise _status_error(where, response, excerpt)

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()


async def _read_excerpt(response: httpx.Response) -> str:
    """At most EXCERPT_LIMIT characters of the body, reading no more than needed."""
    limit_bytes = EXCERPT_LIMIT * 4  # UTF-8 needs at most four bytes per character
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= limit_bytes:
            break
    text = b"".join(chunks)[:limit_bytes].decode("utf-8", errors="replace")
    return text[:EXCERPT_LIMIT]


def _status_error(where: str, response: httpx.Response, excerpt: str) -> ExportError:
    status = response.status_code
    summary = " ".join(excerpt.split())[:200]
    detail = f": {summary}" if summary else ""
    if 300 <= status < 400:
        location = response.headers.get("location")
        moved = (
            f" (redirect to {display_url(str(response.url.join(location)))})" if location else ""
        )
        return ExportError(
            f"OMS webhook {where} answered {status}{moved}: change the target's url",
            retryable=False,
            http_status=status,
            response_excerpt=excerpt or None,
        )
    retryable = status >= 500 or status in RETRYABLE_STATUSES
    return ExportError(
        f"OMS webhook {where} answered {status}{detail}",
        retryable=retryable,
        http_status=status,
        response_excerpt=excerpt or None,
    )
