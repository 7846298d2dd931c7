"""What the bol.com connector declares: its operations, budgets and read-window rules.

bol meters each endpoint and method with a fixed budget per time unit and answers 429 with
``Retry-After`` beyond it. It publishes no binding numbers: its conventions page shows an
illustrative table (``GET /retailer/orders`` 7 per 3 minutes, ``GET /retailer/orders/*``
8 per minute, order-item cancellations 25 per minute) "similar to" production. Those are
the defaults here, each a token bucket of ``requests`` tokens refilled over ``seconds``;
a connection may override them (option ``rate_limits``). Endpoints bol gives no number
for are not metered ahead: their 429s are honoured as they come. That includes the returns
endpoints (``get-returns``, ``get-return``, ``handle-return``): neither the contract nor the
conventions page names a budget for them, so they are listed here only so a connection can
set one.

Returns: orderbridge reads them and carries two of the OMS's decisions, accept and reject
(see :mod:`.return_results`); bol refunds the customer itself once a return is handled, so
there is no refund decision to send.

Operation names are the operationIds of bol's OpenAPI files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from orderbridge.marketplaces.base import Capabilities, RateLimit
from orderbridge.marketplaces.bol.return_results import DECISIONS
from orderbridge.marketplaces.bol.transporters import OTHER_TRANSPORTER, TRANSPORTER_CODES

TOKEN = "token"  # login.bol.com; no published budget, and the token is cached
GET_ORDERS = "get-orders"
GET_ORDER = "get-order"
CANCEL_ORDER_ITEM = "cancel-order-item"
CREATE_SHIPMENT = "create-shipment"
GET_SHIPMENTS = "get-shipments"
GET_PROCESS_STATUS = "get-process-status"
GET_PROCESS_STATUSES = "get-process-status-entity-id"
GET_PROCESS_STATUS_BULK = "get-process-status-bulk"
GET_RETURNS = "get-returns"
GET_RETURN = "get-return"
HANDLE_RETURN = "handle-return"

OPERATIONS = frozenset(
    {
        TOKEN,
        GET_ORDERS,
        GET_ORDER,
        CANCEL_ORDER_ITEM,
        CREATE_SHIPMENT,
        GET_SHIPMENTS,
        GET_PROCESS_STATUS,
        GET_PROCESS_STATUSES,
        GET_PROCESS_STATUS_BULK,
        GET_RETURNS,
        GET_RETURN,
        HANDLE_RETURN,
    }
)


@dataclass(frozen=True, slots=True)
class Budget:
    """``requests`` calls per ``seconds``, the way bol states a limit (7 per 180 s)."""

    requests: int
    seconds: float


DEFAULT_BUDGETS: Mapping[str, Budget] = {
    GET_ORDERS: Budget(7, 180.0),
    GET_ORDER: Budget(8, 60.0),
    CANCEL_ORDER_ITEM: Budget(25, 60.0),
}

# bol states no minimum distance from "now", but its order list works in whole minutes
# (change-interval-minute asks to poll a minute more often than the interval), so a
# change may surface up to a minute late; two minutes also absorb clock skew.
SETTLE_LAG = timedelta(minutes=2)
# A window costs list calls per calendar day it touches (see change_feed.py) and one
# details call per changed order at 8 per minute. One day per window keeps each window's
# work under an hour for a busy shop, and each finished day is committed, so a long
# catch-up that is interrupted repeats at most one day.
MAX_WINDOW = timedelta(days=1)


def rate_limits(
    scale: float = 1.0, overrides: Mapping[str, Budget] | None = None
) -> tuple[RateLimit, ...]:
    """One bucket per metered operation; ``scale`` multiplies every rate (sandboxes)."""
    budgets = {**DEFAULT_BUDGETS, **(overrides or {})}
    return tuple(
        RateLimit(operation, rate=budget.requests / budget.seconds * scale, burst=budget.requests)
        for operation, budget in sorted(budgets.items())
    )


def bol_capabilities(
    scale: float = 1.0, overrides: Mapping[str, Budget] | None = None
) -> Capabilities:
    return Capabilities(
        # No refund: bol refunds the customer itself when the retailer handles a return.
        operations=frozenset({"import_orders", "get_order", "ship", "cancel"}),
        settle_lag=SETTLE_LAG,
        max_window=MAX_WINDOW,
        rate_limits=rate_limits(scale, overrides),
        # The API takes a transport without trackAndTrace (letterbox mail has none);
        # bol's seller rules ask for one on parcels, which the docs say.
        tracking_required=False,
        # Each order item is cancelled on its own (one item per cancellation call).
        partial_cancel=True,
        carrier_codes=TRANSPORTER_CODES,
        other_carrier_code=OTHER_TRANSPORTER,
        returns=True,
        # Accept and reject become handling results; a refund is bol's own doing.
        return_decisions=DECISIONS,
    )
