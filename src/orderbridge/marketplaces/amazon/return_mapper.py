"""The XML returns report → :class:`ReturnSnapshot`. Pure: no I/O, no clock.

``GET_XML_RETURNS_DATA_BY_RETURN_DATE`` holds one ``return_details`` per return: its
``item_details`` (item_name, asin, return_reason_code, merchant_sku, in_policy,
return_quantity, resolution, refund_amount when something was refunded), the order id,
``amazon_rma_id``, ``return_request_date``, ``return_request_status``, ``label_details``
(currency_code, label_cost, label_type, …) and more. Interpretations made once here:

* The return is identified by ``amazon_rma_id``; its order by ``order_id``.
* The report names no order item id, only the SKU. A returned line's own id is its
  ``merchant_sku`` (the ASIN when there is no SKU), with ``#2``, ``#3`` … for a SKU
  listed again in the same return: the same on every read of the same return. The order
  line it sends back is found by SKU in the order (see :func:`order_item_ids`); a SKU
  the order lists twice or not at all leaves ``order_line_id`` empty.
* ``return_request_status``: Pending → requested, Approved → accepted, Rejected →
  rejected, Closed → closed. Once an item shows a ``refund_amount`` above zero, a return
  that is not closed is refunded: money went back, and only an observation says so. An
  unknown status word is a mapping problem, so a new word is noticed rather than guessed.
* The report has no change time. ``last_updated_at`` is when Amazon built the report: the
  moment the statuses in it are true for, and later on every later read.
* The currency is ``label_details/currency_code`` (the marketplace's currency).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeElementTree
from defusedxml import DefusedXmlException

from orderbridge.domain.errors import InvalidOrderData
from orderbridge.domain.returns import ReturnLineSnapshot, ReturnSnapshot, ReturnStatus
from orderbridge.marketplaces.errors import PermanentError, TransientError

STATUS_MAP: Mapping[str, ReturnStatus] = {
    "pending": ReturnStatus.REQUESTED,
    "approved": ReturnStatus.ACCEPTED,
    "rejected": ReturnStatus.REJECTED,
    "closed": ReturnStatus.CLOSED,
}
_ITEMS = "item_details"
_ZERO = Decimal("0")


def parse_returns_report(content: bytes) -> list[dict[str, Any]]:
    """Every ``return_details`` of the report as a plain dict (``item_details`` a list)."""
    try:
        root = SafeElementTree.fromstring(content)
    except DefusedXmlException as exc:
        raise PermanentError(
            f"Amazon's returns report uses forbidden XML ({type(exc).__name__})"
        ) from None
    except SafeElementTree.ParseError as exc:
        # A cut download is the likely cause; the next read fetches a new report.
        raise TransientError(f"Amazon's returns report is not well-formed XML: {exc}") from None
    return [_return_details(element) for element in _all(root, "return_details")]


def order_item_ids(order: Mapping[str, Any]) -> dict[str, str | None]:
    """SKU → order item id of a ``getOrder`` order; None for a SKU on several items."""
    found: dict[str, str | None] = {}
    items = order.get("orderItems")
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, Mapping):
            continue
        product = item.get("product")
        sku = product.get("sellerSku") if isinstance(product, Mapping) else None
        item_id = item.get("orderItemId")
        if not isinstance(sku, str) or not isinstance(item_id, str):
            continue
        # Two items with one SKU: the report cannot say which one came back.
        found[sku] = None if sku in found else item_id
    return found


def map_return(
    raw: Mapping[str, Any], *, built_at: datetime, order_items: Mapping[str, str | None]
) -> ReturnSnapshot:
    """One ``return_details`` as a snapshot; ``order_items`` is :func:`order_item_ids`."""
    rma_id = _required(raw, "amazon_rma_id")
    order_id = _required(raw, "order_id")
    marketplace_status = _required(raw, "return_request_status")
    status = STATUS_MAP.get(_word(marketplace_status))
    if status is None:
        raise InvalidOrderData(
            f"return {rma_id}: unknown return_request_status {marketplace_status!r}"
        )
    requested_at = _moment(_required(raw, "return_request_date"), "return_request_date")
    lines = tuple(_lines(raw, order_items))
    refunds = [line.refund_amount for line in lines if line.refund_amount is not None]
    refunded = sum(refunds, _ZERO) if refunds else None
    if refunded is not None and refunded > 0 and status is not ReturnStatus.CLOSED:
        status = ReturnStatus.REFUNDED
    reasons = list(dict.fromkeys(line.reason for line in lines if line.reason))
    label = raw.get("label_details")
    currency = label.get("currency_code") if isinstance(label, Mapping) else None
    return ReturnSnapshot(
        external_id=rma_id,
        order_external_id=order_id,
        marketplace_status=marketplace_status,
        status=status,
        requested_at=requested_at,
        last_updated_at=max(built_at.astimezone(UTC), requested_at),
        currency=currency if isinstance(currency, str) else "",
        lines=lines,
        reason=", ".join(reasons) or None,
        refund_amount=refunded,
        raw=dict(raw),
    )


def identify(raw: Any) -> str:
    """The best id a problem entry can carry for a return that did not map."""
    if isinstance(raw, Mapping):
        for key in ("amazon_rma_id", "order_id"):
            value = raw.get(key)
            if isinstance(value, str) and value:
                return value
    return "unknown"


def _lines(
    raw: Mapping[str, Any], order_items: Mapping[str, str | None]
) -> Iterator[ReturnLineSnapshot]:
    items = raw.get(_ITEMS)
    seen: dict[str, int] = {}
    for index, item in enumerate(items if isinstance(items, list) else []):
        where = f"item_details[{index}]"
        sku = item.get("merchant_sku") or item.get("asin")
        if not sku:
            raise InvalidOrderData(f"{where} has neither merchant_sku nor asin")
        seen[sku] = seen.get(sku, 0) + 1
        line_id = sku if seen[sku] == 1 else f"{sku}#{seen[sku]}"
        refund = item.get("refund_amount") or None
        yield ReturnLineSnapshot(
            external_line_id=line_id,
            order_line_id=order_items.get(sku),
            sku=sku,
            quantity=_count(item.get("return_quantity"), f"{where}.return_quantity"),
            reason=item.get("return_reason_code") or None,
            refund_amount=None if refund is None else _amount(refund, f"{where}.refund_amount"),
        )


def _word(status: str) -> str:
    return "".join(status.split()).lower()


def _required(raw: Mapping[str, Any], key: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value:
        raise InvalidOrderData(f"returns report: {key} is missing")
    return value


def _moment(text: str, where: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidOrderData(f"{where} {text!r} is not an ISO 8601 time") from None
    if moment.utcoffset() is None:
        raise InvalidOrderData(f"{where} {text!r} has no UTC offset")
    return moment.astimezone(UTC)


def _count(text: Any, where: str) -> int:
    if not isinstance(text, str) or not text.isdigit():
        raise InvalidOrderData(f"{where} {text!r} is not a whole number")
    return int(text)


def _amount(text: Any, where: str) -> Decimal:
    try:
        amount = Decimal(str(text))
    except InvalidOperation:
        raise InvalidOrderData(f"{where} {text!r} is not an amount") from None
    if not amount.is_finite():
        raise InvalidOrderData(f"{where} {text!r} is not an amount")
    return amount


def _return_details(element: Element) -> dict[str, Any]:
    raw: dict[str, Any] = {_ITEMS: []}
    for child in element:
        name = _local(child.tag)
        if name == _ITEMS:
            raw[_ITEMS].append(_flat(child))
        elif len(child):
            raw[name] = _flat(child)
        else:
            raw[name] = _text(child)
    return raw


def _flat(element: Element) -> dict[str, str]:
    return {_local(child.tag): _text(child) for child in element}


def _text(element: Element) -> str:
    return (element.text or "").strip()


def _local(tag: object) -> str:
    # Reports may come with a default namespace; the names are what identify fields.
    text = tag if isinstance(tag, str) else ""
    return text.rsplit("}", 1)[-1]


def _all(root: Element, name: str) -> Iterator[Element]:
    return (element for element in root.iter() if _local(element.tag) == name)
