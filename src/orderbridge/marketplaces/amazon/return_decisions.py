"""The OMS's decision on an Amazon return: only a refund can go, and it goes as a refund.

Amazon has no API to authorise or reject a return of a merchant-fulfilled order: Amazon
authorises returns by its own policy, and the seller overrides that in Seller Central
(Manage Returns). Accept and reject are refused up front, without a call.

A refund decision is the same ``OrderAdjustment`` feed a refund of the order is
(:mod:`.feed_updates`), with reason ``CustomerReturn``: each decision line becomes an
adjusted item of its order line, its amount the item price given back. The decision's
reference becomes the ``MerchantAdjustmentItemID`` stem, so a retried decision is refused
by Amazon as already processed instead of paying twice.
"""

from __future__ import annotations

from decimal import Decimal

from orderbridge.domain.fulfilment import RefundReason
from orderbridge.domain.returns import ReturnDecisionKind
from orderbridge.marketplaces.errors import PermanentError
from orderbridge.marketplaces.updates import RefundLine, RefundUpdate, ReturnDecisionUpdate

SUPPORTED = frozenset({ReturnDecisionKind.REFUND.value})
_ZERO = Decimal("0")


def unsupported_decision(update: ReturnDecisionUpdate) -> PermanentError:
    """The refusal of a decision Amazon's API cannot carry."""
    return PermanentError(
        f"amazon: cannot {update.decision} return {update.return_external_id} through the "
        "API: Amazon authorises and rejects returns of merchant-fulfilled orders itself (or "
        "the seller does in Seller Central → Manage Returns); orderbridge can only send a "
        "refund for it",
        operation="returnDecision",
    )


def refund_for(update: ReturnDecisionUpdate) -> RefundUpdate:
    """The refund that carries a refund decision to Amazon."""
    if update.decision not in SUPPORTED:
        raise unsupported_decision(update)
    if not update.lines:
        raise PermanentError(
            f"refund of return {update.return_external_id} ({update.reference}) names no line"
        )
    lines: list[RefundLine] = []
    for line in update.lines:
        if not line.order_line_id:
            # Amazon adjusts order items; the returns report names only the SKU, and this
            # one could not be matched to an item of the order.
            raise PermanentError(
                f"refund of return {update.return_external_id}: line {line.external_line_id} "
                f"(SKU {line.sku}) names no Amazon order item, so Amazon cannot be told "
                "what to refund; refund it in Seller Central"
            )
        lines.append(RefundLine(line.order_line_id, line.quantity, line.amount, _ZERO, _ZERO))
    return RefundUpdate(
        reference=update.reference,
        order_external_id=update.order_external_id,
        marketplace_id=update.marketplace_id,
        currency=update.currency,
        reason=RefundReason.CUSTOMER_RETURN,
        lines=tuple(lines),
    )
