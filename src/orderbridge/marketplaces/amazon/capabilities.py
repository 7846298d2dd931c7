"""What the Amazon connector declares: its operations, usage plans and read-window rules.

The rate limits are the default usage plans published in the Orders API 2026-01-01, Orders
API v0 (confirmShipment), Feeds API 2021-06-30 and Reports API 2021-06-30 models. Amazon's
plans are dynamic per seller; the ``x-amzn-RateLimit-Limit`` header may report a lower
rate at run time, and the transport applies it.
"""

from __future__ import annotations

from datetime import timedelta

from orderbridge.marketplaces.amazon.carriers import CARRIER_CODES, OTHER_CARRIER_CODE
from orderbridge.marketplaces.base import Capabilities, RateLimit

SEARCH_ORDERS = "searchOrders"
GET_ORDER = "getOrder"
LWA_TOKEN = "lwaToken"  # Login with Amazon publishes no usage plan: unmetered, 429 still honoured
CONFIRM_SHIPMENT = "confirmShipment"
CREATE_FEED_DOCUMENT = "createFeedDocument"
CREATE_FEED = "createFeed"
GET_FEED = "getFeed"
GET_FEED_DOCUMENT = "getFeedDocument"
# The pre-signed document URLs are storage, not SP-API operations: no usage plan.
UPLOAD_FEED_DOCUMENT = "uploadFeedDocument"
DOWNLOAD_FEED_DOCUMENT = "downloadFeedDocument"
# Returns of merchant-fulfilled orders come only as reports (see returns_reports.py).
CREATE_REPORT = "createReport"
GET_REPORT = "getReport"
GET_REPORT_DOCUMENT = "getReportDocument"
DOWNLOAD_REPORT_DOCUMENT = "downloadReportDocument"  # a pre-signed URL again: no usage plan

DEFAULT_RATE_LIMITS: tuple[RateLimit, ...] = (
    RateLimit(SEARCH_ORDERS, rate=0.0056, burst=20),
    RateLimit(GET_ORDER, rate=0.5, burst=30),
    RateLimit(CONFIRM_SHIPMENT, rate=2.0, burst=10),
    RateLimit(CREATE_FEED_DOCUMENT, rate=0.5, burst=15),
    # One feed per two minutes once the burst is spent: the bottleneck of cancels and refunds.
    RateLimit(CREATE_FEED, rate=0.0083, burst=15),
    RateLimit(GET_FEED, rate=2.0, burst=15),
    RateLimit(GET_FEED_DOCUMENT, rate=0.0222, burst=10),
    # One report per minute once the burst is spent: each returns read asks for one.
    RateLimit(CREATE_REPORT, rate=0.0167, burst=15),
    RateLimit(GET_REPORT, rate=2.0, burst=15),
    RateLimit(GET_REPORT_DOCUMENT, rate=0.0167, burst=15),
)

# Amazon refuses a lastUpdatedBefore later than two minutes before its own now.
SETTLE_LAG = timedelta(minutes=2)
# Every window costs at least one searchOrders call (one per three minutes after the burst),
# so windows must be wide: a 30-day first import is five windows. Each finished window is
# committed, so a failure re-reads at most one week, and dedup absorbs the repeat.
MAX_WINDOW = timedelta(days=7)


def scaled_rate_limits(scale: float = 1.0) -> tuple[RateLimit, ...]:
    """The default plans with every rate multiplied by ``scale`` (sandboxes run faster)."""
    return tuple(
        RateLimit(limit.operation, rate=limit.rate * scale, burst=limit.burst)
        for limit in DEFAULT_RATE_LIMITS
    )


def amazon_capabilities(scale: float = 1.0) -> Capabilities:
    return Capabilities(
        operations=frozenset({"import_orders", "get_order", "ship", "cancel", "refund"}),
        settle_lag=SETTLE_LAG,
        max_window=MAX_WINDOW,
        rate_limits=scaled_rate_limits(scale),
        # confirmShipment requires trackingNumber.
        tracking_required=True,
        # An order acknowledgement cancels single items as well as the whole order.
        partial_cancel=True,
        carrier_codes=CARRIER_CODES,
        other_carrier_code=OTHER_CARRIER_CODE,
        # Returns are read from the returns reports. Amazon has no API to authorise or
        # reject a merchant-fulfilled return (the seller does that in Seller Central, or
        # Amazon does it by policy); a refund goes out as a payment adjustment feed.
        returns=True,
        return_decisions=frozenset({"refund"}),
    )
