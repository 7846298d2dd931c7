"""Cancellations and refunds: the updates Amazon takes only as feeds, and their results.

A cancellation is an ``OrderAcknowledgement`` feed, a refund an ``OrderAdjustment``
feed. Sending one answers ``Submitted`` with the feed id; ``check`` then follows the feed
to its processing report. A retried cancellation reads the order first and stops when
every line is cancelled already; a retried refund is simply sent again, because Amazon
refuses an adjustment item id it has processed (and that refusal reads as ``already``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from orderbridge.marketplaces.amazon.capabilities import GET_FEED, GET_FEED_DOCUMENT
from orderbridge.marketplaces.amazon.client import AmazonClient
from orderbridge.marketplaces.amazon.feed_messages import (
    ORDER_ACKNOWLEDGEMENT_FEED,
    PAYMENT_ADJUSTMENT_FEED,
    adjustment_document,
    cancellation_document,
    parse_processing_report,
)
from orderbridge.marketplaces.amazon.feed_results import FeedRejected, outcome_of
from orderbridge.marketplaces.amazon.feeds import LONGEST_INLINE_WAIT, FeedsClient
from orderbridge.marketplaces.amazon.settings import AmazonSettings
from orderbridge.marketplaces.errors import ConfigurationError, PermanentError
from orderbridge.marketplaces.updates import (
    Applied,
    CancellationUpdate,
    MarketplaceUpdate,
    RefundUpdate,
    Submitted,
    UpdateOutcome,
)

# Item cancellations and the order status, to see what is cancelled already.
CANCELLATION_DATA: tuple[str, ...] = ("CANCELLATION", "FULFILLMENT")
# Amazon's order feeds take a while; these are divided by rate_limit_scale so the
# sandbox, which processes feeds faster, is asked sooner.
FIRST_CHECK = timedelta(seconds=30)
RECHECK = timedelta(seconds=15)
_WAITING = frozenset({"IN_QUEUE", "IN_PROGRESS"})
_SELLER_ID_MISSING = (
    "amazon: {what} are sent as feeds, which need the seller's merchant token: set the "
    "seller_id option (Seller Central → Account Info → Merchant Token)"
)


def lines_cancelled(order: Mapping[str, Any], update: CancellationUpdate) -> bool:
    """Whether Amazon shows every line of the update (or the whole order) cancelled."""
    fulfillment = order.get("fulfillment")
    if (
        update.whole_order
        and isinstance(fulfillment, Mapping)
        and fulfillment.get("fulfillmentStatus") == "CANCELLED"
    ):
        return True
    wanted = {line.external_line_id for line in update.lines}
    if not wanted:
        return False
    cancelled: set[str] = set()
    items = order.get("orderItems")
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, Mapping):
            continue
        cancellation = item.get("cancellation")
        if isinstance(cancellation, Mapping) and isinstance(
            cancellation.get("cancellationExecution"), Mapping
        ):
            cancelled.add(str(item.get("orderItemId")))
    return wanted <= cancelled


class FeedUpdates:
    """Sends cancellations and refunds as feeds and reads their outcome."""

    def __init__(self, settings: AmazonSettings, client: AmazonClient, feeds: FeedsClient) -> None:
        self._settings = settings
        self._client = client
        self._feeds = feeds

    async def cancel(
        self, update: CancellationUpdate, marketplace_id: str, *, retry: bool
    ) -> UpdateOutcome:
        document = cancellation_document(update, self._merchant_id("cancellations"))
        if retry:
            order = await self._client.get_order(
                update.order_external_id, included_data=CANCELLATION_DATA
            )
            if lines_cancelled(order, update):
                return Applied(
                    already=True,
                    detail=f"Amazon shows order {update.order_external_id}'s lines cancelled",
                )
        feed_id = await self._feeds.submit(ORDER_ACKNOWLEDGEMENT_FEED, marketplace_id, document)
        return Submitted(handle=feed_id, check_after=self._after(FIRST_CHECK))

    async def refund(self, update: RefundUpdate, marketplace_id: str) -> UpdateOutcome:
        document = adjustment_document(update, self._merchant_id("refunds"))
        feed_id = await self._feeds.submit(PAYMENT_ADJUSTMENT_FEED, marketplace_id, document)
        return Submitted(handle=feed_id, check_after=self._after(FIRST_CHECK))

    async def check(self, update: MarketplaceUpdate, feed_id: str) -> UpdateOutcome:
        """Where feed ``feed_id`` stands: still waiting, applied, or refused."""
        feed_type = _feed_type(update)
        status = await self._feeds.status(feed_id)
        if status.processing_status in _WAITING:
            return Submitted(
                handle=feed_id,
                check_after=max(self._after(RECHECK), self._feeds.wait_for(GET_FEED)),
            )
        if status.processing_status != "DONE":
            raise FeedRejected(
                f"Amazon ended feed {feed_id} ({feed_type}) as {status.processing_status}"
                + await self._fatal_detail(status.result_document_id),
                feed_id=feed_id,
                result_code=None,
                operation=feed_type,
            )
        if status.result_document_id is None:
            raise FeedRejected(
                f"Amazon finished feed {feed_id} without a processing report",
                feed_id=feed_id,
                result_code=None,
                operation=feed_type,
            )
        wait = self._feeds.wait_for(GET_FEED_DOCUMENT)
        if wait > LONGEST_INLINE_WAIT:
            # The report will keep; a worker should not sleep on getFeedDocument's budget.
            return Submitted(handle=feed_id, check_after=wait)
        content = await self._feeds.result_document(status.result_document_id)
        return outcome_of(parse_processing_report(content), feed_id=feed_id, operation=feed_type)

    async def _fatal_detail(self, document_id: str | None) -> str:
        # A FATAL feed may still come with a report that says what went wrong.
        if document_id is None:
            return ""
        report = parse_processing_report(await self._feeds.result_document(document_id))
        descriptions = [result.description for result in report.results if result.is_error]
        return ": " + "; ".join(descriptions) if descriptions else ""

    def _merchant_id(self, what: str) -> str:
        if self._settings.seller_id is None:
            raise ConfigurationError(_SELLER_ID_MISSING.format(what=what))
        return self._settings.seller_id

    def _after(self, base: timedelta) -> timedelta:
        return base / self._settings.rate_limit_scale


def _feed_type(update: MarketplaceUpdate) -> str:
    if isinstance(update, CancellationUpdate):
        return ORDER_ACKNOWLEDGEMENT_FEED
    if isinstance(update, RefundUpdate):
        return PAYMENT_ADJUSTMENT_FEED
    raise PermanentError(
        f"shipment {update.reference} is confirmed directly, never as a feed: there is no "
        "feed to check"
    )
