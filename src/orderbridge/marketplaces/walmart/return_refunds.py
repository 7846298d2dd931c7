"""The OMS's decision on a Walmart return: a refund through ``issueRefund``, nothing else.

Walmart authorises returns itself (its Marketplace Returns Program issues the label) and
has no call to accept or reject one, so those decisions are refused up front.

A refund decision becomes ``POST /v3/returns/{returnOrderId}/refund {customerOrderId,
refundLines: [{returnOrderLineNumber, quantity}]}``. Walmart takes no amount there: it
gives back the return line's own charges for the quantity (unit price and its tax).
So a decision line's amount must be one of those (with or without the tax), or zero for
"what Walmart computes"; any other amount is refused with a pointer to the order refund,
which does take amounts, rather than refunding more or less than the OMS decided.

The call carries no reference of ours, and Walmart refunds each return line once. So the
return is read first, every time: lines Walmart already shows refunded (by an earlier
attempt whose answer was lost, by the seller in Seller Center, or settled by Walmart) are
left out, and when none is left the decision is ``Applied(already=True)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from orderbridge.domain.errors import InvalidOrderData
from orderbridge.domain.returns import ReturnDecisionKind
from orderbridge.marketplaces.errors import PermanentError
from orderbridge.marketplaces.updates import Applied, ReturnDecisionLine, ReturnDecisionUpdate
from orderbridge.marketplaces.walmart.capabilities import ISSUE_REFUND
from orderbridge.marketplaces.walmart.client import WalmartClient
from orderbridge.marketplaces.walmart.return_mapper import is_refunded, unit_charge

SUPPORTED = frozenset({ReturnDecisionKind.REFUND.value})
_ZERO = Decimal("0")


def unsupported_decision(update: ReturnDecisionUpdate) -> PermanentError:
    """The refusal of a decision Walmart's API cannot carry."""
    return PermanentError(
        f"walmart: cannot {update.decision} return {update.return_external_id} through the "
        "API: Walmart authorises returns itself and offers no call to accept or reject one; "
        "orderbridge can only send a refund for it",
        operation="returnDecision",
    )


async def refund_return(client: WalmartClient, update: ReturnDecisionUpdate) -> Applied:
    """Refund the decision's return lines that Walmart does not show refunded yet."""
    if update.decision not in SUPPORTED:
        raise unsupported_decision(update)
    found = await client.find_return(update.return_external_id)
    if found is None:
        raise PermanentError(
            f"Walmart has no return {update.return_external_id}",
            operation=ISSUE_REFUND,
        )
    body, done = refund_request(found, update)
    if body is None:
        return Applied(
            already=True,
            detail=f"Walmart shows return {update.return_external_id} refunded already "
            f"(lines {', '.join(done)})",
        )
    await client.issue_refund(update.return_external_id, body)
    detail = f"lines {', '.join(done)} were refunded already" if done else None
    return Applied(detail=detail)


def refund_request(
    found: Mapping[str, Any], update: ReturnDecisionUpdate
) -> tuple[dict[str, Any] | None, list[str]]:
    """The ``issueRefund`` body for the lines still to refund (None when none is), and
    the return lines Walmart shows refunded already; a PermanentError says why not."""
    where = f"refund of return {update.return_external_id} ({update.reference})"
    if not update.lines:
        raise PermanentError(f"{where} names no line", operation=ISSUE_REFUND)
    total = found.get("totalRefundAmount")
    currency = total.get("currencyUnit") if isinstance(total, Mapping) else None
    if isinstance(currency, str) and currency != update.currency:
        raise PermanentError(
            f"{where}: the return is in {currency}, the decision in {update.currency}",
            operation=ISSUE_REFUND,
        )
    lines = _lines_by_number(found, where)
    refund_lines: list[dict[str, Any]] = []
    done: list[str] = []
    for decided in update.lines:
        line = lines.get(decided.external_line_id)
        if line is None:
            raise PermanentError(
                f"{where}: Walmart's return has no line {decided.external_line_id}",
                operation=ISSUE_REFUND,
            )
        _check_line(decided, line, update, where)
        if is_refunded(line):
            done.append(decided.external_line_id)
            continue
        refund_lines.append(
            {
                "returnOrderLineNumber": int(decided.external_line_id),
                "quantity": {"unitOfMeasure": "EA", "measurementValue": decided.quantity},
            }
        )
    if not refund_lines:
        return None, done
    customer_order = found.get("customerOrderId")
    if not isinstance(customer_order, str) or not customer_order:
        raise PermanentError(
            f"{where}: Walmart's return shows no customerOrderId", operation=ISSUE_REFUND
        )
    return {"customerOrderId": customer_order, "refundLines": refund_lines}, done


def _lines_by_number(found: Mapping[str, Any], where: str) -> dict[str, Mapping[str, Any]]:
    lines = found.get("returnOrderLines")
    by_number: dict[str, Mapping[str, Any]] = {}
    for line in lines if isinstance(lines, list) else []:
        if isinstance(line, Mapping) and line.get("returnOrderLineNumber") is not None:
            by_number[str(line["returnOrderLineNumber"])] = line
    if not by_number:
        raise PermanentError(f"{where}: Walmart's return shows no line", operation=ISSUE_REFUND)
    return by_number


def _check_line(
    decided: ReturnDecisionLine,
    line: Mapping[str, Any],
    update: ReturnDecisionUpdate,
    where: str,
) -> None:
    at = f"{where}, line {decided.external_line_id}"
    if line.get("purchaseOrderId") != update.order_external_id:
        raise PermanentError(
            f"{at}: the line belongs to purchase order {line.get('purchaseOrderId')}, not "
            f"{update.order_external_id}",
            operation=ISSUE_REFUND,
        )
    quantity = line.get("quantity")
    returned = quantity.get("measurementValue") if isinstance(quantity, Mapping) else None
    if not isinstance(returned, int | float) or not 1 <= decided.quantity <= returned:
        raise PermanentError(
            f"{at}: quantity {decided.quantity} is not within the {returned} unit(s) returned",
            operation=ISSUE_REFUND,
        )
    if decided.amount == _ZERO:
        return  # "what Walmart computes"
    try:
        price, tax = unit_charge(line, at)
    except InvalidOrderData as exc:
        raise PermanentError(f"{at}: {exc}", operation=ISSUE_REFUND) from exc
    without_tax, with_tax = price * decided.quantity, (price + tax) * decided.quantity
    if decided.amount not in (without_tax, with_tax):
        raise PermanentError(
            f"{at}: Walmart refunds a return line's own charges, {without_tax:.2f} "
            f"({with_tax:.2f} with tax) for {decided.quantity} unit(s), and takes no other "
            f"amount; {decided.amount} {update.currency} cannot be sent as a return refund. "
            "Refund the order instead for a different amount",
            operation=ISSUE_REFUND,
        )
