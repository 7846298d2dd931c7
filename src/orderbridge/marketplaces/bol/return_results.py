"""bol.com's words for the outcome of a return item, in both directions, kept in one place.

A retailer handles each return item (RMA) with a ``handlingResult``; bol records it as a
processing result with a ``processingResult`` verdict (``ACCEPTED``, ``REJECTED``, or
``CANCELLED`` when bol gave up on the return, e.g. its label could not be made).

Writing, the OMS's decisions become ``ReturnRequest.handlingResult`` values of the v10
contract:

* ``accept`` → ``RETURN_RECEIVED``: the goods are back and fine. bol then refunds the
  customer itself; the Retailer API has no refund call, so ``refund`` is no decision here.
* ``reject`` → ``RETURN_DOES_NOT_MEET_CONDITIONS``: the return is refused (the goods are
  damaged, incomplete, not what was sold).

``EXCHANGE_PRODUCT``, ``REPAIR_PRODUCT`` and ``CUSTOMER_KEEPS_PRODUCT_PAID`` are outcomes
orderbridge's decisions do not express, and ``STILL_APPROVED`` only reverses an earlier
rejection; none of them is sent.

Reading, each item's latest handling result gives its status; a result this table does
not know falls back on bol's verdict, and a return with no usable verdict does not map.
"""

from __future__ import annotations

from collections.abc import Mapping

from orderbridge.domain.returns import ReturnDecisionKind, ReturnStatus

RETURN_RECEIVED = "RETURN_RECEIVED"
RETURN_DOES_NOT_MEET_CONDITIONS = "RETURN_DOES_NOT_MEET_CONDITIONS"

# The OMS's decision → the handlingResult sent for each return item.
HANDLING_RESULTS: Mapping[str, str] = {
    ReturnDecisionKind.ACCEPT.value: RETURN_RECEIVED,
    ReturnDecisionKind.REJECT.value: RETURN_DOES_NOT_MEET_CONDITIONS,
}
DECISIONS: frozenset[str] = frozenset(HANDLING_RESULTS)

# The verdict bol records for an item handled with each decision: an item already handled
# so (also through the seller dashboard, with another accepting result) needs no call.
VERDICTS: Mapping[str, str] = {
    ReturnDecisionKind.ACCEPT.value: "ACCEPTED",
    ReturnDecisionKind.REJECT.value: "REJECTED",
}

# handlingResult → orderbridge's status of the item.
STATUS_OF_HANDLING: Mapping[str, ReturnStatus] = {
    RETURN_RECEIVED: ReturnStatus.RECEIVED,
    # The goods came back to be exchanged or repaired: received, and no refund follows.
    "EXCHANGE_PRODUCT": ReturnStatus.RECEIVED,
    "REPAIR_PRODUCT": ReturnStatus.RECEIVED,
    # A rejected return approved after all: bol goes on as for an accepted one.
    "STILL_APPROVED": ReturnStatus.ACCEPTED,
    # The customer keeps the goods: nothing comes back, the case is over.
    "CUSTOMER_KEEPS_PRODUCT_PAID": ReturnStatus.CLOSED,
    RETURN_DOES_NOT_MEET_CONDITIONS: ReturnStatus.REJECTED,
    # bol's transporter could not make the return label: the return is cancelled.
    "FAILED_TO_CREATE_SHIPPING_LABEL": ReturnStatus.CLOSED,
}

# processingResult → status, for a handling result the table above does not know.
STATUS_OF_VERDICT: Mapping[str, ReturnStatus] = {
    "ACCEPTED": ReturnStatus.ACCEPTED,
    "REJECTED": ReturnStatus.REJECTED,
    "CANCELLED": ReturnStatus.CLOSED,
}

# A return of several items takes the first of these its handled items show: goods that
# came back matter more than a rejected item beside them.
PRECEDENCE: tuple[ReturnStatus, ...] = (
    ReturnStatus.RECEIVED,
    ReturnStatus.ACCEPTED,
    ReturnStatus.REJECTED,
    ReturnStatus.CLOSED,
)


def handling_result(decision: str) -> str | None:
    """The handlingResult for an OMS decision, or None when bol has no such decision."""
    return HANDLING_RESULTS.get(decision)


def item_status(handling: str | None, verdict: str | None) -> ReturnStatus | None:
    """The status of a handled item, or None when neither word is known."""
    if handling is not None and handling in STATUS_OF_HANDLING:
        return STATUS_OF_HANDLING[handling]
    return STATUS_OF_VERDICT.get(verdict or "")


def decided_as(decision: str, handling: str | None, verdict: str | None) -> bool:
    """Whether an item's latest processing result already carries ``decision``."""
    if handling is not None and handling == HANDLING_RESULTS.get(decision):
        return True
    return verdict is not None and verdict == VERDICTS.get(decision)
