"""What the Walmart connector declares: its operations, rate limits and read-window rules.

Operation names are the Orders API's ``operationId`` values, so metrics and error entries
use Walmart's own words.

Walmart publishes no per-operation numbers for the Orders API; it meters each API with a
token bucket that refills gradually, answers 429 when it is empty, and reports the bucket
in ``x-current-token-count`` and ``x-next-replenish-time`` on its answers. The defaults
below are deliberately modest (orders are read 200 at a time, so half a call per second
still reads 6,000 orders a minute); the connector honours the headers and 429s on top of
them, so a seller whose real allowance is lower is still served without errors.
"""

from __future__ import annotations

from datetime import timedelta

from orderbridge.marketplaces.base import Capabilities, RateLimit
from orderbridge.marketplaces.walmart.carriers import CARRIER_CODES, OTHER_CARRIER_CODE

TOKEN = "tokenAPI"  # the token lasts 15 minutes and is reused: unmetered, 429 still honoured
GET_ALL_ORDERS = "getAllOrders"
GET_AN_ORDER = "getAnOrder"
ACKNOWLEDGE = "acknowledgeOrders"
SHIP = "shippingUpdates"
CANCEL = "cancelOrderLines"
REFUND = "refundOrderLines"
# The Returns API's operations (walmart-marketplace-returns-openapi-original.yml).
GET_RETURNS = "getReturns"
ISSUE_REFUND = "issueRefund"

DEFAULT_RATE_LIMITS: tuple[RateLimit, ...] = (
    RateLimit(GET_ALL_ORDERS, rate=0.5, burst=10),
    RateLimit(GET_AN_ORDER, rate=2.0, burst=20),
    RateLimit(ACKNOWLEDGE, rate=2.0, burst=20),
    RateLimit(SHIP, rate=2.0, burst=20),
    RateLimit(CANCEL, rate=1.0, burst=10),
    RateLimit(REFUND, rate=1.0, burst=10),
    # Walmart publishes no numbers for the Returns API either: the same modest defaults as
    # the order search and the refunds.
    RateLimit(GET_RETURNS, rate=0.5, burst=10),
    RateLimit(ISSUE_REFUND, rate=1.0, burst=10),
)

# Walmart documents no consistency guarantee for its lastModified search; ending each
# window five minutes before Walmart's now leaves room for a change to reach the index,
# and still brings every order to the OMS long before the four-hour acknowledgement
# deadline. The connection's overlap re-reads the edge of the previous window as well.
SETTLE_LAG = timedelta(minutes=5)
# One query may match at most 20,000 orders, and Walmart refuses the query beyond that.
# A day stays under that for all but the very largest sellers, costs one call per window
# when little changed, and lets a long catch-up commit its progress day by day.
MAX_WINDOW = timedelta(days=1)
# Walmart acknowledges within four hours or may cancel the order.
ACKNOWLEDGEMENT_DEADLINE = timedelta(hours=4)


def scaled_rate_limits(scale: float = 1.0) -> tuple[RateLimit, ...]:
    """The default limits with every rate multiplied by ``scale`` (sandboxes run faster)."""
    return tuple(
        RateLimit(limit.operation, rate=limit.rate * scale, burst=limit.burst)
        for limit in DEFAULT_RATE_LIMITS
    )


def walmart_capabilities(scale: float = 1.0) -> Capabilities:
    return Capabilities(
        operations=frozenset(
            {"import_orders", "get_order", "ship", "cancel", "refund", "acknowledge"}
        ),
        settle_lag=SETTLE_LAG,
        max_window=MAX_WINDOW,
        rate_limits=scaled_rate_limits(scale),
        # trackingInfo.trackingNumber is required in every shipping update.
        tracking_required=True,
        # Cancelled as whole orders only, as merchants selling on Walmart through channel
        # managers do: Walmart charges the customer per shipped line, and a line cancelled
        # on its own leaves the customer with a part of what they ordered.
        partial_cancel=False,
        acknowledgement_required=True,
        acknowledgement_deadline=ACKNOWLEDGEMENT_DEADLINE,
        carrier_codes=CARRIER_CODES,
        other_carrier_code=OTHER_CARRIER_CODE,
        # Returns come from the Returns API. Walmart authorises returns itself (its
        # Marketplace Returns Program) and has no call to accept or reject one; the seller
        # can only refund a return, with issueRefund.
        returns=True,
        return_decisions=frozenset({"refund"}),
    )
