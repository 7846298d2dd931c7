"""Post-Order return (``ReturnSummaryType`` and, when read, its detail) → :class:`ReturnSnapshot`.

Pure: no I/O, no clock. Interpretations of eBay's reference pages, made once here:

* One eBay return is one snapshot (``returnId``) with one line: the item it sends back,
  ``creationInfo.item`` with ``returnQuantity``. The line id is the item's
  ``transactionId`` (what eBay names a line of an order by in the Post-Order API). It
  links to the order line of that id, else to the order's only line of the same listing
  (``itemId`` = ``legacyItemId``); the SKU is that order line's, by the order mapper's
  rule. A line that cannot be linked keeps the listing id as its SKU, so the store blocks
  the return with the reason instead of linking it on a guess.
* Status by ``state``: ``RETURN_REQUESTED`` requested; ``ITEM_READY_TO_SHIP`` (the seller
  approved, the buyer is to ship) and ``ITEM_SHIPPED`` accepted; ``ITEM_DELIVERED``
  received; ``RETURN_REJECTED`` rejected; ``CLOSED`` refunded when money went back (an
  actual refund amount), else closed. Another state with a refund is refunded; without
  one it does not map (the problem names it), rather than being guessed.
* ``marketplace_status`` is the ``state``. The reason is ``creationInfo.reason`` (eBay's
  ``ReturnReasonEnum``) with the buyer's comments after a colon. The refund amount is the
  actual refund (``sellerTotalRefund.actualRefundAmount``, or the detail's
  ``actualRefund.totalAmount``) and belongs to the one line.
* Requested at ``creationInfo.creationDate``; last updated at the latest of it, every
  ``responseHistory`` entry and the refund date (the detail's), so a return read from its
  summary alone is last updated when it was made.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from orderbridge.domain.errors import InvalidOrderData
from orderbridge.domain.returns import ReturnLineSnapshot, ReturnSnapshot, ReturnStatus
from orderbridge.marketplaces.ebay import payload_fields as f
from orderbridge.marketplaces.ebay.mapper import map_order

REQUESTED = "RETURN_REQUESTED"
CLOSED = "CLOSED"
STATE_STATUS: Mapping[str, ReturnStatus] = {
    REQUESTED: ReturnStatus.REQUESTED,
    "ITEM_READY_TO_SHIP": ReturnStatus.ACCEPTED,
    "ITEM_SHIPPED": ReturnStatus.ACCEPTED,
    "ITEM_DELIVERED": ReturnStatus.RECEIVED,
    "RETURN_REJECTED": ReturnStatus.REJECTED,
}
# States in which the seller has approved the return (it is on its way or back).
APPROVED_STATES = frozenset({"ITEM_READY_TO_SHIP", "ITEM_SHIPPED", "ITEM_DELIVERED"})


@dataclass(frozen=True, slots=True)
class OrderLineRef:
    """What links a returned item to its order line."""

    line_item_id: str
    legacy_item_id: str | None
    sku: str


def order_line_refs(order: Mapping[str, Any]) -> list[OrderLineRef]:
    """The lines of one Fulfillment API ``Order``; a malformed order raises InvalidOrderData."""
    skus = {line.external_line_id: line.sku for line in map_order(order).lines}
    refs = []
    for item in f.objects(order, "lineItems", "lineItems"):
        line_id = item.get("lineItemId")
        if isinstance(line_id, str) and line_id in skus:
            legacy = item.get("legacyItemId")
            refs.append(
                OrderLineRef(line_id, legacy if isinstance(legacy, str) else None, skus[line_id])
            )
    return refs


def return_id_of(summary: Any) -> str:
    """The return id for a problem report, even from a payload that does not map."""
    value = summary.get("returnId") if isinstance(summary, Mapping) else None
    return value if isinstance(value, str) and value else "<unknown>"


def order_id_of(summary: Any) -> str | None:
    value = summary.get("orderId") if isinstance(summary, Mapping) else None
    return value if isinstance(value, str) and value else None


def state_of(summary: Any) -> str | None:
    value = summary.get("state") if isinstance(summary, Mapping) else None
    return value if isinstance(value, str) and value else None


def created_at(summary: Mapping[str, Any]) -> datetime:
    creation = f.obj(summary, "creationInfo", "creationInfo")
    date = f.obj(creation, "creationDate", "creationInfo.creationDate")
    if date is None:
        raise InvalidOrderData("creationInfo.creationDate is missing")
    return f.required_timestamp(date, "value", "creationInfo.creationDate.value")


def refunded(summary: Mapping[str, Any], detail: Mapping[str, Any] | None = None) -> Decimal | None:
    """What eBay shows given back for the return, None before any refund."""
    totals = f.obj(summary, "sellerTotalRefund", "sellerTotalRefund")
    actual = totals.get("actualRefundAmount") if totals is not None else None
    if actual is None and detail is not None:
        info = f.obj(detail, "refundInfo", "refundInfo")
        done = f.obj(info, "actualRefundDetail", "refundInfo.actualRefundDetail")
        refund = f.obj(done, "actualRefund", "refundInfo.actualRefundDetail.actualRefund")
        actual = refund.get("totalAmount") if refund is not None else None
    if actual is None:
        return None
    return _money(actual, "actualRefundAmount")


def moments_of(summary: Mapping[str, Any], detail: Mapping[str, Any] | None) -> list[datetime]:
    """Every time the return changed that eBay shows: its creation, then (from the detail)
    each step of its history and its refund."""
    moments = [created_at(summary)]
    if detail is None:
        return moments
    for index, step in enumerate(f.objects(detail, "responseHistory", "responseHistory")):
        where = f"responseHistory[{index}].creationDate"
        date = f.obj(step, "creationDate", where)
        moment = f.timestamp(date, "value", f"{where}.value")
        if moment is not None:
            moments.append(moment)
    info = f.obj(detail, "refundInfo", "refundInfo")
    done = f.obj(info, "actualRefundDetail", "refundInfo.actualRefundDetail")
    refund = f.obj(done, "actualRefund", "refundInfo.actualRefundDetail.actualRefund")
    date = f.obj(refund, "refundDate", "actualRefund.refundDate")
    moment = f.timestamp(date, "value", "actualRefund.refundDate.value")
    if moment is not None:
        moments.append(moment)
    return moments


def map_return(
    summary: Mapping[str, Any],
    detail: Mapping[str, Any] | None,
    order_lines: Sequence[OrderLineRef],
    *,
    default_currency: str,
) -> ReturnSnapshot:
    """One return → snapshot; a malformed payload raises InvalidOrderData."""
    if not isinstance(summary, Mapping):
        raise InvalidOrderData(f"return payload must be an object, got {type(summary).__name__}")
    return_id = f.required_text(summary, "returnId", "returnId")
    try:
        return _map(return_id, summary, detail, order_lines, default_currency)
    except InvalidOrderData as exc:
        raise InvalidOrderData(f"ebay return {return_id}: {exc}") from exc


def _map(
    return_id: str,
    summary: Mapping[str, Any],
    detail: Mapping[str, Any] | None,
    order_lines: Sequence[OrderLineRef],
    default_currency: str,
) -> ReturnSnapshot:
    order_id = f.required_text(summary, "orderId", "orderId")
    state = f.required_text(summary, "state", "state")
    creation = f.obj(summary, "creationInfo", "creationInfo")
    item = f.obj(creation, "item", "creationInfo.item")
    if creation is None or item is None:
        raise InvalidOrderData("creationInfo.item is missing")
    transaction_id = f.required_text(item, "transactionId", "creationInfo.item.transactionId")
    listing_id = f.text(item, "itemId", "creationInfo.item.itemId")
    quantity = f.count(item, "returnQuantity", "creationInfo.item.returnQuantity")
    refund = refunded(summary, detail)
    moments = moments_of(summary, detail)
    order_line_id, sku = _link(transaction_id, listing_id, order_lines)
    reason = _reason(creation)
    line = ReturnLineSnapshot(
        external_line_id=transaction_id,
        order_line_id=order_line_id,
        sku=sku,
        quantity=quantity,
        reason=reason,
        refund_amount=refund,
    )
    return ReturnSnapshot(
        external_id=return_id,
        order_external_id=order_id,
        marketplace_status=state,
        status=_status(state, refund),
        requested_at=moments[0],
        last_updated_at=max(moments),
        currency=_currency(summary, default_currency),
        lines=(line,),
        reason=reason,
        refund_amount=refund,
        raw={"summary": dict(summary), **({"detail": dict(detail)} if detail else {})},
    )


def _status(state: str, refund: Decimal | None) -> ReturnStatus:
    money_back = refund is not None and refund > 0
    if state == CLOSED or (state not in STATE_STATUS and money_back):
        return ReturnStatus.REFUNDED if money_back else ReturnStatus.CLOSED
    if state not in STATE_STATUS:
        raise InvalidOrderData(f"state {state!r} has no orderbridge status")
    return STATE_STATUS[state]


def _link(
    transaction_id: str, listing_id: str | None, lines: Sequence[OrderLineRef]
) -> tuple[str | None, str]:
    by_id = [line for line in lines if line.line_item_id == transaction_id]
    if not by_id and listing_id:
        by_id = [line for line in lines if line.legacy_item_id == listing_id]
    if len(by_id) == 1:
        return by_id[0].line_item_id, by_id[0].sku
    return None, listing_id or transaction_id


def _reason(creation: Mapping[str, Any]) -> str | None:
    reason = f.text(creation, "reason", "creationInfo.reason")
    comments = f.obj(creation, "comments", "creationInfo.comments")
    said = f.text(comments, "content", "creationInfo.comments.content") if comments else None
    if reason and said:
        return f"{reason}: {said}"
    return reason or said


def _currency(summary: Mapping[str, Any], default: str) -> str:
    totals = f.obj(summary, "sellerTotalRefund", "sellerTotalRefund")
    for key in ("actualRefundAmount", "estimatedRefundAmount"):
        value = totals.get(key) if totals is not None else None
        code = f.currency_of(value, f"sellerTotalRefund.{key}")
        if code:
            return code
    return default


def _money(value: Any, path: str) -> Decimal:
    """An amount's value. eBay's pages show these as JSON numbers, which the client reads as
    floats: ``str`` of a float is the shortest text that reads back as it, so a cents
    amount comes back exactly as eBay wrote it."""
    raw = value.get("value") if isinstance(value, Mapping) else None
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise InvalidOrderData(f"{path}.value must be a number, got {raw!r}")
    try:
        amount = Decimal(str(raw).strip())
    except InvalidOperation:
        raise InvalidOrderData(f"{path}.value {raw!r} is not a number") from None
    if not amount.is_finite() or amount < 0:
        raise InvalidOrderData(f"{path}.value {raw!r} is not an amount")
    return amount
