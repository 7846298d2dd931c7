"""What the eBay connector declares: its operations, call budgets and read-window rules.

eBay meters its APIs by daily call quotas per application and seller, not by a rate per
second, and the Fulfillment API's own number is not published in a form we could check. The
buckets below are our defaults: together the Fulfillment API operations stay under about
86,000 calls a day even when every bucket runs flat out, within the tens of thousands a
day eBay grants an application by default, and a 429 is still waited out as it comes.
The Post-Order return calls get the cancellation calls' small budget: returns are few, and
a read asks for one return's details only when its state moved (see
:mod:`.returns_reading`).

Returns: read from the Post-Order API, with all three of the OMS's decisions (see
:mod:`.return_decisions`): accept and reject are eBay's APPROVE and DECLINE, refund is the
return's own refund call.
"""

from __future__ import annotations

from datetime import timedelta

from orderbridge.marketplaces.base import Capabilities, RateLimit
from orderbridge.marketplaces.ebay.carriers import CARRIER_CODES, OTHER_CARRIER_CODE

OAUTH_TOKEN = "oauthToken"
GET_ORDERS = "getOrders"
GET_ORDER = "getOrder"
GET_SHIPPING_FULFILLMENTS = "getShippingFulfillments"
CREATE_SHIPPING_FULFILLMENT = "createShippingFulfillment"
ISSUE_REFUND = "issueRefund"
CHECK_CANCEL_ELIGIBILITY = "checkCancellationEligibility"
CREATE_CANCELLATION = "createCancellation"
GET_CANCELLATION = "getCancellation"
APPROVE_CANCELLATION = "approveCancellation"
SEARCH_RETURNS = "searchReturns"
GET_RETURN = "getReturn"
DECIDE_RETURN = "decideReturn"
ISSUE_RETURN_REFUND = "issueReturnRefund"

DEFAULT_RATE_LIMITS: tuple[RateLimit, ...] = (
    # The refresh-token grant allows 50,000 exchanges a day; one per two hours is needed.
    RateLimit(OAUTH_TOKEN, rate=0.5, burst=5),
    RateLimit(GET_ORDERS, rate=0.25, burst=25),
    RateLimit(GET_ORDER, rate=0.25, burst=25),
    RateLimit(GET_SHIPPING_FULFILLMENTS, rate=0.25, burst=25),
    RateLimit(CREATE_SHIPPING_FULFILLMENT, rate=0.25, burst=25),
    RateLimit(ISSUE_REFUND, rate=0.05, burst=5),
    RateLimit(CHECK_CANCEL_ELIGIBILITY, rate=0.05, burst=5),
    RateLimit(CREATE_CANCELLATION, rate=0.05, burst=5),
    RateLimit(GET_CANCELLATION, rate=0.05, burst=5),
    RateLimit(APPROVE_CANCELLATION, rate=0.05, burst=5),
    RateLimit(SEARCH_RETURNS, rate=0.05, burst=5),
    RateLimit(GET_RETURN, rate=0.05, burst=5),
    RateLimit(DECIDE_RETURN, rate=0.05, burst=5),
    RateLimit(ISSUE_RETURN_REFUND, rate=0.05, burst=5),
)

# eBay refuses a window that ends in its future (error 30850) and fills its order search
# asynchronously; two minutes absorb both clock skew and late indexing.
SETTLE_LAG = timedelta(minutes=2)
# Pages are addressed by offset, so an order that leaves the window during a walk shifts
# the rest; the client restarts such a walk. Short windows keep walks short and restarts
# rare, and a window costs only one call when it is quiet.
MAX_WINDOW = timedelta(days=1)

OPERATIONS = frozenset({"import_orders", "get_order", "ship", "cancel", "refund"})
# The OMS's return decisions the Post-Order API carries: APPROVE, DECLINE, issue_refund.
RETURN_DECISIONS = frozenset({"accept", "reject", "refund"})


def scaled_rate_limits(scale: float = 1.0) -> tuple[RateLimit, ...]:
    """The default buckets with every rate multiplied by ``scale`` (sandboxes run faster)."""
    return tuple(
        RateLimit(limit.operation, rate=limit.rate * scale, burst=limit.burst)
        for limit in DEFAULT_RATE_LIMITS
    )


def ebay_capabilities(scale: float = 1.0) -> Capabilities:
    return Capabilities(
        operations=OPERATIONS,
        settle_lag=SETTLE_LAG,
        max_window=MAX_WINDOW,
        rate_limits=scaled_rate_limits(scale),
        # createShippingFulfillment takes a package without carrier and tracking number.
        tracking_required=False,
        # The Post-Order API cancels whole orders only.
        partial_cancel=False,
        carrier_codes=CARRIER_CODES,
        other_carrier_code=OTHER_CARRIER_CODE,
        returns=True,
        return_decisions=RETURN_DECISIONS,
    )
