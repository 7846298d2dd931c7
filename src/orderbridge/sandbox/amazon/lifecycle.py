"""Order status lifecycle: which transitions are possible and what each one does to an order.

Shipping creates a package (merchant-fulfilled orders only: the model says packages exist only
for FBM) and raises the items' shipped quantities; cancelling records who cancelled and why.
The same code settles freshly generated orders and serves the control API's status changes,
so an order's items, packages and status never disagree.
"""

from __future__ import annotations

import random

from orderbridge.sandbox.amazon.marketplaces import MARKETPLACES
from orderbridge.sandbox.amazon.records import Order, Package

FULFILLMENT_STATUSES: tuple[str, ...] = (
    "PENDING_AVAILABILITY",
    "PENDING",
    "UNSHIPPED",
    "PARTIALLY_SHIPPED",
    "SHIPPED",
    "CANCELLED",
    "UNFULFILLABLE",
)
FULFILLED_BY: tuple[str, ...] = ("MERCHANT", "AMAZON")
CANCELLED_BY: tuple[str, ...] = ("BUYER", "MERCHANT", "AMAZON")

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    "PENDING_AVAILABILITY": frozenset({"PENDING", "CANCELLED"}),
    "PENDING": frozenset({"UNSHIPPED", "CANCELLED"}),
    "UNSHIPPED": frozenset({"PARTIALLY_SHIPPED", "SHIPPED", "CANCELLED", "UNFULFILLABLE"}),
    # shipping more units of a partially shipped order keeps it PARTIALLY_SHIPPED
    "PARTIALLY_SHIPPED": frozenset({"PARTIALLY_SHIPPED", "SHIPPED"}),
    "SHIPPED": frozenset(),
    "CANCELLED": frozenset(),
    "UNFULFILLABLE": frozenset(),
}

_DELIVERED_AFTER_SECONDS = 3 * 86400
_CANCEL_REASONS = {
    "BUYER": "Buyer requested cancellation",
    "MERCHANT": "NoInventory",
    "AMAZON": "Payment could not be authorized",
}


class TransitionError(ValueError):
    """The requested status change is impossible for this order."""


def _tracking_number(carrier: str, rng: random.Random) -> str:
    if carrier == "UPS":
        return "1Z" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(16))
    if carrier == "Royal Mail":
        return f"{rng.choice('ABFHJKLMR')}{rng.choice('ABCDEFGH')}{rng.randrange(10**9):09d}GB"
    return f"{rng.randrange(10**13):013d}"


def ship_units(order: Order, units: int | None, at: int, now: int, rng: random.Random) -> None:
    """Ship `units` of the not-yet-shipped units (None: all of them) at time `at`."""
    remaining = sum(item.quantity_open for item in order.items)
    to_ship = remaining if units is None else min(units, remaining)
    if to_ship <= 0:
        return
    shipped: list[tuple[str, int]] = []
    for item in order.items:
        if to_ship == 0:
            break
        take = min(item.quantity_open, to_ship)
        if take > 0:
            item.quantity_shipped += take
            to_ship -= take
            shipped.append((item.order_item_id, take))
    if order.fulfilled_by != "MERCHANT":
        return
    carrier, service = rng.choice(MARKETPLACES[order.marketplace_id].carriers)
    delivered = now - at >= _DELIVERED_AFTER_SECONDS
    order.packages.append(
        Package(
            package_reference_id=str(len(order.packages) + 1),
            created=at,
            ship_time=at,
            carrier=carrier,
            shipping_service=service,
            tracking_number=_tracking_number(carrier, rng),
            status="DELIVERED" if delivered else "IN_TRANSIT",
            detailed_status="DELIVERED" if delivered else "PICKED_UP",
            items=shipped,
        )
    )


def settle(
    order: Order,
    status: str,
    at: int,
    now: int,
    rng: random.Random,
    *,
    cancelled_by: str | None = None,
    cancel_reason: str | None = None,
) -> None:
    """Put `order` into `status` as of time `at`, shipping or cancelling as the status implies.

    No transition check: used for new orders and after `check_transition`.
    """
    remaining = sum(item.quantity_open for item in order.items)
    if status == "SHIPPED":
        ship_units(order, None, at, now, rng)
    elif status == "PARTIALLY_SHIPPED":
        if remaining < 2:
            raise TransitionError(
                "PARTIALLY_SHIPPED needs at least 2 unshipped units so that some remain unshipped"
            )
        ship_units(order, max(1, remaining // 2), at, now, rng)
    elif status == "CANCELLED":
        who = cancelled_by or "MERCHANT"
        order.cancelled_by = who
        order.cancel_reason = cancel_reason or _CANCEL_REASONS[who]
        for item in order.items:
            item.quantity_cancelled += item.quantity_open
    order.status = status


def derived_status(order: Order) -> str:
    """The status the items' shipped and cancelled units imply, after a write call or feed.

    Every unit resolved: CANCELLED when none shipped, else SHIPPED; some shipped:
    PARTIALLY_SHIPPED; nothing shipped or resolved yet: the status stays as it is.
    """
    shipped = order.units_shipped
    if all(item.quantity_open <= 0 for item in order.items):
        return "SHIPPED" if shipped else "CANCELLED"
    if shipped:
        return "PARTIALLY_SHIPPED"
    return order.status


def check_transition(order: Order, status: str) -> None:
    if status not in FULFILLMENT_STATUSES:
        raise TransitionError(f"unknown fulfillmentStatus {status!r}")
    if status not in ALLOWED_TRANSITIONS[order.status]:
        allowed = sorted(ALLOWED_TRANSITIONS[order.status]) or ["none (final status)"]
        raise TransitionError(
            f"cannot change order {order.order_id} from {order.status} to {status}; "
            f"allowed: {', '.join(allowed)}"
        )
    if status == "UNFULFILLABLE" and order.fulfilled_by != "AMAZON":
        raise TransitionError("UNFULFILLABLE only applies to Amazon-fulfilled orders")
