"""What the merchant tells a marketplace about an order: shipments, cancellations, refunds.

The reasons are orderbridge's own documented lists; each connector maps them to its
channel's codes, so the OMS never needs to know a marketplace's vocabulary.
"""

from __future__ import annotations

from enum import StrEnum


class CancelReason(StrEnum):
    """Why the merchant cancels (what the OMS sends in ``reason``)."""

    OUT_OF_STOCK = "out_of_stock"
    BUYER_REQUESTED = "buyer_requested"
    ADDRESS_UNDELIVERABLE = "address_undeliverable"
    CARRIER_CANNOT_DELIVER = "carrier_cannot_deliver"
    PRICING_ERROR = "pricing_error"
    FRAUD_SUSPECTED = "fraud_suspected"
    BUYER_EXCHANGE = "buyer_exchange"
    GENERAL = "general"


class RefundReason(StrEnum):
    """Why the merchant refunds."""

    CUSTOMER_RETURN = "customer_return"
    NOT_RECEIVED = "not_received"
    DAMAGED = "damaged"
    OUT_OF_STOCK = "out_of_stock"
    BUYER_CANCELED = "buyer_canceled"
    SHIPPING_ADJUSTMENT = "shipping_adjustment"
    GENERAL = "general"


class UpdateStatus(StrEnum):
    """Where one shipment, cancellation or refund stands on its way to the marketplace."""

    WAITING_FOR_TRACKING = "waiting_for_tracking"  # a shipment held for its tracking number
    PENDING = "pending"  # queued in the marketplace update outbox
    SUBMITTED = "submitted"  # accepted for asynchronous processing (a feed, a process status)
    CONFIRMED = "confirmed"  # the marketplace applied it
    FAILED = "failed"  # refused or out of attempts; an error entry says why


UPDATE_TRANSITIONS: dict[UpdateStatus, frozenset[UpdateStatus]] = {
    UpdateStatus.WAITING_FOR_TRACKING: frozenset({UpdateStatus.PENDING, UpdateStatus.FAILED}),
    UpdateStatus.PENDING: frozenset(
        {UpdateStatus.SUBMITTED, UpdateStatus.CONFIRMED, UpdateStatus.FAILED}
    ),
    UpdateStatus.SUBMITTED: frozenset({UpdateStatus.CONFIRMED, UpdateStatus.FAILED}),
    UpdateStatus.CONFIRMED: frozenset(),
    # An operator's retry puts a failed update back in the queue.
    UpdateStatus.FAILED: frozenset({UpdateStatus.PENDING}),
}


class UpdateKind(StrEnum):
    """The marketplace update outbox kinds (the OMS export is ``export``)."""

    SHIPMENT = "ship"
    CANCELLATION = "cancel"
    REFUND = "refund"
    # Some channels (Walmart) want each new order acknowledged before it is shipped.
    ACKNOWLEDGEMENT = "acknowledge"
    # The OMS's accept, reject or refund of a return.
    RETURN_DECISION = "return_decision"
