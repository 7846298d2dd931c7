"""Feeds and their processing in simulated time.

A feed waits IN_QUEUE for the first half of its processing time, is IN_PROGRESS for the second
half, and ends DONE (with a processing report) or FATAL (document unusable, nothing applied).
Processing time is `settings.feed_duration_seconds` of simulator time. Feeds are applied
lazily: before any request is answered, every feed whose end time has passed is processed,
in the order the feeds finish, with that end time as the lastUpdatedTime of what it changes;
so what a client sees is the same as if the feed had been processed at its end time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from orderbridge.sandbox.amazon import acknowledgements, adjustments
from orderbridge.sandbox.amazon.feed_context import FeedContext
from orderbridge.sandbox.amazon.feed_documents import DocumentStore
from orderbridge.sandbox.amazon.feed_envelope import EnvelopeError, FeedMessage, parse_envelope
from orderbridge.sandbox.amazon.feed_results import MessageError, MessageResult
from orderbridge.sandbox.amazon.processing_report import REPORT_CONTENT_TYPE, processing_report
from orderbridge.sandbox.amazon.store import OrderStore

Apply = Callable[[Element, FeedContext], None]


@dataclass(frozen=True)
class FeedKind:
    message_type: str
    apply: Apply
    order_id_of: Callable[[Element], str | None]


FEED_KINDS: dict[str, FeedKind] = {
    "POST_ORDER_ACKNOWLEDGEMENT_DATA": FeedKind(
        acknowledgements.MESSAGE_TYPE,
        acknowledgements.apply_acknowledgement,
        acknowledgements.order_id_of,
    ),
    "POST_PAYMENT_ADJUSTMENT_DATA": FeedKind(
        adjustments.MESSAGE_TYPE, adjustments.apply_adjustment, adjustments.order_id_of
    ),
}
PROCESSING_STATUSES: tuple[str, ...] = ("CANCELLED", "DONE", "FATAL", "IN_PROGRESS", "IN_QUEUE")


@dataclass
class Feed:
    feed_id: str
    feed_type: str
    marketplace_ids: tuple[str, ...]
    input_document_id: str
    content: bytes
    created: float
    starts: float
    ends: float
    processed: bool = False
    fatal_reason: str | None = None
    results: list[MessageResult] = field(default_factory=list)
    result_document_id: str | None = None

    def status(self, now: float) -> str:
        if self.processed:
            return "FATAL" if self.fatal_reason is not None else "DONE"
        # a feed past its end time that nobody settled yet is still reported as in progress
        return "IN_QUEUE" if now < self.starts else "IN_PROGRESS"


class FeedStore:
    _FIRST_ID = 70_000_000_001

    def __init__(self) -> None:
        self._feeds: dict[str, Feed] = {}
        # unprocessed feeds only: every request checks them, so they are kept apart
        self._waiting: list[Feed] = []
        self._next = self._FIRST_ID

    def __iter__(self) -> Iterator[Feed]:
        return iter(self._feeds.values())

    def create(
        self,
        feed_type: str,
        marketplace_ids: tuple[str, ...],
        document_id: str,
        content: bytes,
        now: float,
        duration: float,
    ) -> Feed:
        feed = Feed(
            feed_id=str(self._next),
            feed_type=feed_type,
            marketplace_ids=marketplace_ids,
            input_document_id=document_id,
            content=content,
            created=now,
            starts=now + duration / 2,
            ends=now + duration,
        )
        self._next += 1
        self._feeds[feed.feed_id] = feed
        self._waiting.append(feed)
        return feed

    def get(self, feed_id: str) -> Feed | None:
        return self._feeds.get(feed_id)

    def due(self, now: float) -> list[Feed]:
        """Feeds whose processing time has passed, in the order they finish; taken off the
        waiting list, so the caller must process them."""
        if not self._waiting:
            return []
        due = [f for f in self._waiting if f.ends <= now]
        self._waiting = [f for f in self._waiting if f.ends > now]
        return sorted(due, key=lambda f: (f.ends, int(f.feed_id)))

    def clear(self) -> None:
        self._feeds.clear()
        self._waiting.clear()
        self._next = self._FIRST_ID


def process_feed(feed: Feed, store: OrderStore, documents: DocumentStore) -> None:
    """Apply `feed`'s messages and write its processing report (or mark it FATAL)."""
    kind = FEED_KINDS[feed.feed_type]
    feed.processed = True
    try:
        envelope = parse_envelope(feed.content, kind.message_type)
    except EnvelopeError as error:
        feed.fatal_reason = str(error)
        return
    context = FeedContext(store, feed.marketplace_ids, feed.feed_id, int(feed.ends))
    for message in envelope.messages:
        feed.results.append(_process_message(kind, message, context))
    report = processing_report(feed.feed_id, envelope.merchant_identifier, feed.results)
    feed.result_document_id = documents.add_result(
        report, REPORT_CONTENT_TYPE, feed.ends
    ).document_id


def _process_message(kind: FeedKind, message: FeedMessage, context: FeedContext) -> MessageResult:
    if message.error is not None:
        return MessageResult(
            message.message_id, None, message.error.code, message.error.description
        )
    assert message.payload is not None  # a message without error always has its payload
    order_id = None
    try:
        order_id = kind.order_id_of(message.payload)
        kind.apply(message.payload, context)
    except MessageError as error:
        return MessageResult(
            message.message_id, error.order_id or order_id, error.code, error.description
        )
    return MessageResult(message.message_id, order_id)
