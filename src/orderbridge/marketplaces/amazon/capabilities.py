"""What the Amazon connector declares: its operations, usage plans and read-window rules.

The rate limits are the default usage plans published in the Orders API 2026-01-01 model.
Amazon's Orders plans are dynamic per seller; the ``x-amzn-RateLimit-Limit`` header may
report a lower rate at run time, and the transport applies it.
"""

from __future__ import annotations

from datetime import timedelta

from orderbridge.marketplaces.base import Capabilities, RateLimit

SEARCH_ORDERS = "searchOrders"
GET_ORDER = "getOrder"
LWA_TOKEN = "lwaToken"  # Login with Amazon publishes no usage plan: unmetered, 429 still honoured

DEFAULT_RATE_LIMITS: tuple[RateLimit, ...] = (
    RateLimit(SEARCH_ORDERS, rate=0.0056, burst=20),
    RateLimit(GET_ORDER, rate=0.5, burst=30),
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
        operations=frozenset({"import_orders", "get_order"}),
        settle_lag=SETTLE_LAG,
        max_window=MAX_WINDOW,
        rate_limits=scaled_rate_limits(scale),
        tracking_required=True,
    )
