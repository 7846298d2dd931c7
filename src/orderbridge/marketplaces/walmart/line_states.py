"""Where each unit of a Walmart order line stands, read from its ``orderLineStatuses``.

A Walmart line holds one or more status entries, each with a quantity: two units may be
``Shipped`` under two tracking numbers while a third is still ``Acknowledged``. Walmart's
line statuses, in the order a unit passes them: ``Created`` (released to the seller),
``Acknowledged``, ``Shipped``, ``Delivered``; ``Cancelled`` ends a unit that never
shipped. A ``Refund`` entry can only follow a shipment, so its units count as shipped.

The mapper reads the order's status from these counts, and the writes read them to check
what Walmart already holds before sending again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from orderbridge.domain.errors import InvalidOrderData
from orderbridge.marketplaces.errors import PermanentError
from orderbridge.marketplaces.walmart import payload

OPEN = frozenset({"Created", "Acknowledged"})
SHIPPED = frozenset({"Shipped", "Delivered", "Refund"})
CANCELLED = "Cancelled"
KNOWN = OPEN | SHIPPED | {CANCELLED}
# The order a status summary lists Walmart's statuses in.
LIFECYCLE = ("Created", "Acknowledged", "Shipped", "Delivered", "Refund", "Cancelled")


@dataclass(slots=True)
class LineState:
    line_number: str
    ordered: int
    units: Counter[str] = field(default_factory=Counter)  # status → quantity
    shipped_by_tracking: Counter[str] = field(default_factory=Counter)
    charges: list[Mapping[str, Any]] = field(default_factory=list)
    raw: Mapping[str, Any] = field(default_factory=dict)

    @property
    def open(self) -> int:
        """Units still to ship or cancel."""
        return sum(self.units[status] for status in OPEN)

    @property
    def created(self) -> int:
        return self.units["Created"]

    @property
    def shipped(self) -> int:
        return sum(self.units[status] for status in SHIPPED)

    @property
    def cancelled(self) -> int:
        return self.units[CANCELLED]


def order_lines(order: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The ``orderLines.orderLine`` objects of an order."""
    lines = payload.required_mapping(order, "orderLines", "orderLines")
    found = payload.items(lines, "orderLine", "orderLines.orderLine")
    if not found:
        raise InvalidOrderData("orderLines.orderLine is empty")
    return found


def line_state(line: Mapping[str, Any], path: str) -> LineState:
    number = payload.required_text(line, "lineNumber", f"{path}.lineNumber")
    ordered = payload.quantity(
        payload.mapping(line, "orderLineQuantity", f"{path}.orderLineQuantity"),
        f"{path}.orderLineQuantity",
    )
    statuses = payload.mapping(line, "orderLineStatuses", f"{path}.orderLineStatuses")
    where = f"{path}.orderLineStatuses.orderLineStatus"
    entries = payload.items(statuses, "orderLineStatus", where)
    if not entries:
        raise InvalidOrderData(f"{where} is missing or empty")
    state = LineState(number, ordered, raw=line)
    for index, entry in enumerate(entries):
        status = payload.required_text(entry, "status", f"{where}[{index}].status")
        if status not in KNOWN:
            raise InvalidOrderData(f"{where}[{index}].status {status!r} is not a known status")
        count = payload.quantity(
            payload.mapping(entry, "statusQuantity", f"{where}[{index}].statusQuantity"),
            f"{where}[{index}].statusQuantity",
        )
        state.units[status] += count
        tracking = payload.mapping(entry, "trackingInfo", f"{where}[{index}].trackingInfo")
        if status in SHIPPED and tracking is not None:
            number_sent = payload.text(
                tracking, "trackingNumber", f"{where}[{index}].trackingInfo.trackingNumber"
            )
            if number_sent:
                state.shipped_by_tracking[number_sent] += count
    if state.shipped > ordered:
        raise InvalidOrderData(
            f"{path}: {state.shipped} units shipped of {ordered} ordered (line {number})"
        )
    charges = payload.mapping(line, "charges", f"{path}.charges")
    state.charges = payload.items(charges, "charge", f"{path}.charges.charge")
    return state


def line_states(order: Mapping[str, Any]) -> dict[str, LineState]:
    """Every line of an order by its line number."""
    states: dict[str, LineState] = {}
    for index, line in enumerate(order_lines(order)):
        state = line_state(line, f"orderLines.orderLine[{index}]")
        if state.line_number in states:
            raise InvalidOrderData(f"line number {state.line_number} appears twice")
        states[state.line_number] = state
    return states


def summary(states: Mapping[str, LineState]) -> str:
    """The distinct Walmart statuses of an order, in lifecycle order: "Acknowledged,Shipped"."""
    present = {status for state in states.values() for status, n in state.units.items() if n}
    return ",".join(status for status in LIFECYCLE if status in present)


def states_for_write(order: Mapping[str, Any], operation: str) -> dict[str, LineState]:
    """The lines of an order read before a write; an unreadable order refuses the write."""
    try:
        return line_states(order)
    except InvalidOrderData as exc:
        raise PermanentError(
            f"Walmart order {order.get('purchaseOrderId')!r} cannot be read: {exc}",
            operation=operation,
        ) from exc
