"""What each change does to an order's lines: the line status transitions of Walmart.

A unit moves `Created` →(acknowledge)→ `Acknowledged` →(ship)→ `Shipped` → `Delivered`;
`Created` or `Acknowledged` →(cancel)→ `Cancelled`. Shipped units cannot be cancelled and
only shipped units can be refunded. Every change stamps the line's `statusDate`, which is
what Walmart's lastModified search reads. The writes API and the control API both change
orders through these functions, so an order's lines never disagree.
"""

from __future__ import annotations

from orderbridge.sandbox.walmart.records import (
    OPEN,
    SHIPPED,
    Line,
    Order,
    Refund,
    StatusEntry,
    Tracking,
)

CUSTOMER_CANCELLED = "CUSTOMER_CANCELLED"


class TransitionError(ValueError):
    """The change is impossible for this order in its current state."""


def acknowledge(order: Order, now_ms: int) -> bool:
    """Acknowledge every created unit; False when there was none (a repeat is allowed)."""
    if not any(line.open_units for line in order.lines):
        raise TransitionError("The order has no line left to acknowledge.")
    changed = False
    for line in order.lines:
        created = line.units("Created")
        if created:
            line.take(("Created",), created)
            line.put(StatusEntry("Acknowledged", created))
            line.status_ms = now_ms
            changed = True
    return changed


def ship(line: Line, quantity: int, tracking: Tracking, now_ms: int) -> None:
    line.take(("Acknowledged",), quantity)
    line.put(StatusEntry("Shipped", quantity, tracking=tracking))
    line.status_ms = now_ms


def retrack(line: Line, current_number: str, tracking: Tracking, now_ms: int) -> bool:
    """Replace the tracking of the shipped units sent under ``current_number``."""
    for entry in line.statuses:
        sent = entry.tracking.tracking_number if entry.tracking is not None else None
        if entry.status in SHIPPED and sent == current_number:
            entry.tracking = tracking
            line.status_ms = now_ms
            return True
    return False


def cancel(line: Line, quantity: int, reason: str, now_ms: int) -> None:
    line.take(OPEN, quantity)
    line.put(StatusEntry("Cancelled", quantity, cancellation_reason=reason))
    line.status_ms = now_ms


def refund(line: Line, given: Refund, now_ms: int) -> None:
    line.refunds.append(given)
    line.status_ms = now_ms


def customer_cancels(order: Order, line_numbers: list[str] | None, now_ms: int) -> int:
    """The customer cancels what is still open (of the named lines); returns the units."""
    cancelled = 0
    for line in _chosen(order, line_numbers):
        units = line.open_units
        if units:
            cancel(line, units, CUSTOMER_CANCELLED, now_ms)
            cancelled += units
    if not cancelled:
        raise TransitionError("Nothing is open to cancel: every unit is shipped or cancelled.")
    return cancelled


def customer_asks_to_cancel(order: Order, line_numbers: list[str] | None, now_ms: int) -> None:
    """The customer asks the seller to cancel: Walmart flags the open lines intentToCancel."""
    lines = [line for line in _chosen(order, line_numbers) if line.open_units]
    if not lines:
        raise TransitionError("Nothing is open: a shipped order cannot be asked to cancel.")
    for line in lines:
        line.intent_to_cancel = True
        line.status_ms = now_ms


def seller_ships(
    order: Order, line_numbers: list[str] | None, tracking: Tracking, now_ms: int
) -> None:
    """Everything open shipped from Seller Center (acknowledged first, as required)."""
    lines = [line for line in _chosen(order, line_numbers) if line.open_units]
    if not lines:
        raise TransitionError("Nothing is open to ship.")
    for line in lines:
        created = line.units("Created")
        if created:
            line.take(("Created",), created)
            line.put(StatusEntry("Acknowledged", created))
        ship(line, line.units("Acknowledged"), tracking, now_ms)


def delivered(order: Order, line_numbers: list[str] | None, now_ms: int) -> None:
    lines = [line for line in _chosen(order, line_numbers) if line.units("Shipped")]
    if not lines:
        raise TransitionError("Nothing is shipped, so nothing can be delivered.")
    for line in lines:
        for entry in line.statuses:
            if entry.status == "Shipped":
                entry.status = "Delivered"
        line.status_ms = now_ms


def _chosen(order: Order, line_numbers: list[str] | None) -> list[Line]:
    if line_numbers is None:
        return list(order.lines)
    chosen = []
    for number in line_numbers:
        line = order.line(number)
        if line is None:
            raise TransitionError(f"The order has no line {number}.")
        chosen.append(line)
    return chosen
