"""The write half of the connector port: updates the core asks a connector to deliver.

Each update carries ``reference``, orderbridge's stable id for it, the same on every
attempt, so a connector can recognise its own earlier work at the marketplace. When
``retry`` is true an earlier attempt may have reached the marketplace (a timeout, a lost
response): the connector checks the marketplace's state before sending again and answers
:class:`Applied` with ``already=True`` when it finds the update there.

Asynchronous channels (Amazon feeds, bol.com process statuses) answer :class:`Submitted`
with their own handle; the core stores it and later calls ``check_update`` instead of
sending again. Refusals raise :class:`~orderbridge.marketplaces.errors.MarketplaceError`
with the marketplace's answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from orderbridge.domain.fulfilment import CancelReason, RefundReason


@dataclass(frozen=True, slots=True)
class UpdateLine:
    """A quantity of one order line, named by the marketplace's line id."""

    external_line_id: str
    quantity: int


@dataclass(frozen=True, slots=True)
class ShipmentUpdate:
    reference: str  # one package; numeric, as Amazon's packageReferenceId requires
    order_external_id: str
    marketplace_id: str | None
    lines: tuple[UpdateLine, ...]
    shipped_at: datetime
    carrier_code: str | None  # already the channel's code (see Capabilities.carrier_codes)
    carrier_name: str | None  # free text, sent with the channel's "other" code
    tracking_number: str | None
    shipping_method: str | None
    # The carrier's tracking page, for channels that take a carrier outside their list only
    # with it (Walmart's otherCarrier).
    tracking_url: str | None = None


@dataclass(frozen=True, slots=True)
class CancellationUpdate:
    reference: str
    order_external_id: str
    marketplace_id: str | None
    reason: CancelReason
    whole_order: bool
    lines: tuple[UpdateLine, ...]  # every line to cancel, also for a whole order


@dataclass(frozen=True, slots=True)
class RefundLine:
    external_line_id: str
    quantity: int
    item: Decimal  # positive amounts to give back, in the order's currency
    shipping: Decimal
    tax: Decimal


@dataclass(frozen=True, slots=True)
class RefundUpdate:
    reference: str
    order_external_id: str
    marketplace_id: str | None
    currency: str
    reason: RefundReason
    lines: tuple[RefundLine, ...]


@dataclass(frozen=True, slots=True)
class AcknowledgementUpdate:
    """ "We have the order and will fulfil it", for channels whose capabilities say
    ``acknowledgement_required``; sent once per new order."""

    reference: str
    order_external_id: str
    marketplace_id: str | None
    lines: tuple[UpdateLine, ...]


@dataclass(frozen=True, slots=True)
class ReturnDecisionUpdate:
    """The merchant's decision on one return (see ``domain.returns.ReturnDecisionKind``).

    ``lines`` name the return's own line ids (``ReturnLineSnapshot.external_line_id``)
    with the order line they send back; for a refund they carry the amounts, for accept
    and reject only the quantities. ``note`` is free text for the buyer or the
    marketplace (a rejection's explanation)."""

    reference: str
    order_external_id: str
    return_external_id: str
    marketplace_id: str | None
    decision: str  # accept, reject, refund
    currency: str
    lines: tuple[ReturnDecisionLine, ...]
    reason: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ReturnDecisionLine:
    external_line_id: str  # the return line
    order_line_id: str | None  # the order line it sends back
    sku: str
    quantity: int
    amount: Decimal = Decimal("0")  # refund only: the amount to give back for this line


MarketplaceUpdate = (
    ShipmentUpdate
    | CancellationUpdate
    | RefundUpdate
    | AcknowledgementUpdate
    | ReturnDecisionUpdate
)


@dataclass(frozen=True, slots=True)
class Applied:
    """The marketplace holds the update; ``already`` when an earlier attempt had delivered it."""

    already: bool = False
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class Submitted:
    """Accepted for processing; ask again with ``check_update(handle)`` after ``check_after``."""

    handle: str
    check_after: timedelta


UpdateOutcome = Applied | Submitted
