"""Order state machines: each enum has its table of allowed moves and one guard.

Every state change in orderbridge goes through :func:`transition_to`, so a move the
table does not list is refused in one place (django-oscar's pipeline idea).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, TypeVar

from orderbridge.domain.fulfilment import UPDATE_TRANSITIONS, UpdateStatus
from orderbridge.domain.returns import RETURN_TRANSITIONS, ReturnStatus


class OrderStatus(StrEnum):
    """orderbridge's own lifecycle of an order (the marketplace's status is kept apart)."""

    PENDING = "pending"
    UNSHIPPED = "unshipped"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    COMPLETE = "complete"
    CANCELED = "canceled"


class ImportStatus(StrEnum):
    """Whether the order could be created in full ("Status of import from channel")."""

    COMPLETE = "complete"
    BLOCKED = "blocked"


class ExportStatus(StrEnum):
    """Where the order stands on its way to the OMS ("Status of export to OMS")."""

    NOT_EXPORTED = "not_exported"
    SCHEDULED = "scheduled"
    BEING_EXPORTED = "being_exported"
    EXPORTED = "exported"
    EXPORT_FAILED = "export_failed"


_O = OrderStatus
ORDER_TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    # The marketplace is the truth for its own status, so a re-import may skip steps
    # (an order first seen as shipped) but never goes backwards out of an end state.
    _O.PENDING: frozenset({_O.UNSHIPPED, _O.PARTIALLY_SHIPPED, _O.SHIPPED, _O.CANCELED}),
    _O.UNSHIPPED: frozenset({_O.PARTIALLY_SHIPPED, _O.SHIPPED, _O.CANCELED}),
    _O.PARTIALLY_SHIPPED: frozenset({_O.SHIPPED, _O.CANCELED}),
    _O.SHIPPED: frozenset({_O.COMPLETE}),
    _O.COMPLETE: frozenset(),
    _O.CANCELED: frozenset(),
}

IMPORT_TRANSITIONS: dict[ImportStatus, frozenset[ImportStatus]] = {
    ImportStatus.BLOCKED: frozenset({ImportStatus.COMPLETE}),
    # A complete order can become blocked again when a re-import brings a line whose
    # SKU is unknown; the blocker is then shown and re-checked.
    ImportStatus.COMPLETE: frozenset({ImportStatus.BLOCKED}),
}

_E = ExportStatus
EXPORT_TRANSITIONS: dict[ExportStatus, frozenset[ExportStatus]] = {
    _E.NOT_EXPORTED: frozenset({_E.SCHEDULED}),
    # Back to not exported when an operator cancels the queued export (scheduled
    # exports tab): nothing was sent, and the order waits until someone exports it again.
    _E.SCHEDULED: frozenset({_E.BEING_EXPORTED, _E.NOT_EXPORTED}),
    # Back to scheduled when a retryable failure will be tried again.
    _E.BEING_EXPORTED: frozenset({_E.EXPORTED, _E.EXPORT_FAILED, _E.SCHEDULED}),
    _E.EXPORTED: frozenset(),
    # An operator may retry a failed export, or cancel it (as a scheduled one, above).
    _E.EXPORT_FAILED: frozenset({_E.SCHEDULED, _E.NOT_EXPORTED}),
}

# Orders the merchant can act on. A pending order (payment not confirmed, often without
# prices) or one canceled before export would only mislead the OMS.
FULFILLABLE = frozenset(
    {
        OrderStatus.UNSHIPPED,
        OrderStatus.PARTIALLY_SHIPPED,
        OrderStatus.SHIPPED,
        OrderStatus.COMPLETE,
    }
)


_PROGRESS = {
    OrderStatus.PENDING: 0,
    OrderStatus.UNSHIPPED: 1,
    OrderStatus.PARTIALLY_SHIPPED: 2,
    OrderStatus.SHIPPED: 3,
    OrderStatus.COMPLETE: 4,
}


def lags_behind(ours: OrderStatus, theirs: OrderStatus) -> bool:
    """True when the marketplace shows an earlier step than we hold: a shipment we
    recorded that it has not applied yet, or a completion it never reports. That is news
    that has not reached it, not a conflict; a cancellation never lags."""
    if ours not in _PROGRESS or theirs not in _PROGRESS:
        return False
    return _PROGRESS[theirs] < _PROGRESS[ours]


def export_hold(status: OrderStatus) -> str | None:
    """Why an order in ``status`` is not handed to the OMS yet, or None when it may be."""
    if status is OrderStatus.PENDING:
        return "awaiting payment (the marketplace still shows it pending)"
    if status is OrderStatus.CANCELED:
        return "canceled before it was exported"
    return None


_TABLES: dict[type, dict[Any, frozenset[Any]]] = {
    OrderStatus: ORDER_TRANSITIONS,
    ImportStatus: IMPORT_TRANSITIONS,
    ExportStatus: EXPORT_TRANSITIONS,
    UpdateStatus: UPDATE_TRANSITIONS,
    ReturnStatus: RETURN_TRANSITIONS,
}

S = TypeVar("S", OrderStatus, ImportStatus, ExportStatus, UpdateStatus, ReturnStatus)


def can_transition(current: S, target: S) -> bool:
    """True when the table allows ``current → target`` (staying put is always allowed)."""
    return current == target or target in _TABLES[type(current)][current]


def transition_to(current: S, target: S) -> S:
    """The one guard: return ``target`` if the move is allowed, else raise InvalidTransition."""
    from orderbridge.domain.errors import InvalidTransition

    if not can_transition(current, target):
        raise InvalidTransition(type(current).__name__, current.value, target.value)
    return target
