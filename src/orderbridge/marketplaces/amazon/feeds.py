"""The Feeds API 2021-06-30 flow: upload a document, create the feed, fetch its report.

Submitting takes three calls: ``createFeedDocument`` answers a document id and a
pre-signed upload URL, the document is PUT to that URL (storage, so no access token),
and ``createFeed`` names the document. Only ``createFeed`` changes anything at Amazon,
and it is sent once: an answer lost on the way must reach the core, which retries the
update knowing that a feed may already exist.

``createFeed`` allows one call per two minutes once its burst of 15 is spent. A
submission that would wait for that long raises RateLimitedError before any call, so a
worker is not held asleep and no document is uploaded in vain.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from orderbridge.marketplaces.amazon.capabilities import (
    CREATE_FEED,
    CREATE_FEED_DOCUMENT,
    DOWNLOAD_FEED_DOCUMENT,
    GET_FEED,
    GET_FEED_DOCUMENT,
    UPLOAD_FEED_DOCUMENT,
)
from orderbridge.marketplaces.amazon.client import AmazonClient
from orderbridge.marketplaces.amazon.feed_messages import FEED_CONTENT_TYPE
from orderbridge.marketplaces.errors import PermanentError, RateLimitedError, TransientError
from orderbridge.marketplaces.http import Body, excerpt
from orderbridge.marketplaces.ratelimit import RateLimiter

FEEDS_PATH = "/feeds/2021-06-30/feeds"
DOCUMENTS_PATH = "/feeds/2021-06-30/documents"
PROCESSING_STATUSES = frozenset({"IN_QUEUE", "IN_PROGRESS", "DONE", "CANCELLED", "FATAL"})
# Waits up to this long are taken in line; a longer one goes back to the core's schedule.
LONGEST_INLINE_WAIT = timedelta(seconds=5)


@dataclass(frozen=True, slots=True)
class FeedStatus:
    feed_id: str
    processing_status: str
    result_document_id: str | None


class FeedsClient:
    """One connection's use of the Feeds API, sharing its token and rate limits."""

    def __init__(self, client: AmazonClient, limiter: RateLimiter) -> None:
        self._client = client
        self._limiter = limiter

    def wait_for(self, operation: str) -> timedelta:
        """How long until ``operation`` has a token: zero when one is there now."""
        bucket = self._limiter.bucket(operation)
        now = self._limiter.clock()
        wait = max(0.0, bucket.blocked_until - now)
        rate = bucket.rate
        tokens = bucket.available()
        if rate is not None and tokens < 1.0:
            wait = max(wait, (1.0 - tokens) / rate)
        return timedelta(seconds=wait)

    async def submit(self, feed_type: str, marketplace_id: str, document: bytes) -> str:
        """Upload ``document`` and create a feed of ``feed_type``; returns the feed id."""
        wait = self.wait_for(CREATE_FEED)
        if wait > LONGEST_INLINE_WAIT:
            raise RateLimitedError(
                f"Amazon allows one feed per two minutes after a burst of 15; the next "
                f"{feed_type} can go in {wait.total_seconds():.0f}s",
                operation=CREATE_FEED,
                retry_after=wait.total_seconds(),
            )
        document_id, url = await self._create_document()
        await self._client.presigned(
            UPLOAD_FEED_DOCUMENT, "PUT", url, body=Body(document, FEED_CONTENT_TYPE)
        )
        response = await self._client.send(
            CREATE_FEED,
            "POST",
            FEEDS_PATH,
            body={
                "feedType": feed_type,
                "marketplaceIds": [marketplace_id],
                "inputFeedDocumentId": document_id,
            },
            once=True,
        )
        body = self._client.json_of(response, CREATE_FEED)
        return self._required_text(body, "feedId", CREATE_FEED)

    async def status(self, feed_id: str) -> FeedStatus:
        """The feed's processing status and, once DONE, its result document id."""
        response = await self._client.send(
            GET_FEED, "GET", f"{FEEDS_PATH}/{quote(feed_id, safe='')}"
        )
        body = self._client.json_of(response, GET_FEED)
        status = self._required_text(body, "processingStatus", GET_FEED)
        if status not in PROCESSING_STATUSES:
            raise PermanentError(
                f"getFeed {feed_id}: unknown processingStatus {status!r}",
                operation=GET_FEED,
                response_excerpt=excerpt(str(body), self._client.redact),
            )
        document = body.get("resultFeedDocumentId")
        return FeedStatus(
            feed_id=feed_id,
            processing_status=status,
            result_document_id=document if isinstance(document, str) and document else None,
        )

    async def result_document(self, document_id: str) -> bytes:
        """The content of a result document, decompressed when Amazon compressed it."""
        response = await self._client.send(
            GET_FEED_DOCUMENT, "GET", f"{DOCUMENTS_PATH}/{quote(document_id, safe='')}"
        )
        body = self._client.json_of(response, GET_FEED_DOCUMENT)
        url = self._required_text(body, "url", GET_FEED_DOCUMENT)
        compression = body.get("compressionAlgorithm")
        download = await self._client.presigned(DOWNLOAD_FEED_DOCUMENT, "GET", url)
        if compression is None:
            return download.content
        if compression != "GZIP":
            raise PermanentError(
                f"getFeedDocument {document_id}: unknown compressionAlgorithm {compression!r}",
                operation=GET_FEED_DOCUMENT,
            )
        try:
            return gzip.decompress(download.content)
        except (OSError, EOFError) as exc:
            # Most likely cut on the way; a later check downloads it again.
            raise TransientError(
                f"feed document {document_id} did not decompress: {exc}",
                operation=DOWNLOAD_FEED_DOCUMENT,
            ) from None

    async def _create_document(self) -> tuple[str, str]:
        response = await self._client.send(
            CREATE_FEED_DOCUMENT, "POST", DOCUMENTS_PATH, body={"contentType": FEED_CONTENT_TYPE}
        )
        body = self._client.json_of(response, CREATE_FEED_DOCUMENT)
        return (
            self._required_text(body, "feedDocumentId", CREATE_FEED_DOCUMENT),
            self._required_text(body, "url", CREATE_FEED_DOCUMENT),
        )

    def _required_text(self, body: dict[str, Any], key: str, operation: str) -> str:
        value = body.get(key)
        if not isinstance(value, str) or not value:
            raise PermanentError(
                f"amazon {operation}: the answer has no {key!r}",
                operation=operation,
                response_excerpt=excerpt(str(body), self._client.redact),
            )
        return value
