"""A Returns API ``returnOrder`` → :class:`ReturnSnapshot`. Pure: no I/O, no clock.

Unlike the Orders API, the Returns API writes times as ISO 8601 strings and money as
``{currencyAmount, currencyUnit}``. Interpretations made once here:

* The return is its ``returnOrderId`` (the RMA number); its order is the purchase order
  its lines name (``purchaseOrderId``), the id orderbridge keeps Walmart orders under. A
  return whose lines name several purchase orders is a mapping problem: orderbridge's
  return belongs to one order.
* A line's own id is its ``returnOrderLineNumber``; the order line it sends back is its
  ``purchaseOrderLineNumber``, the order's ``lineNumber``.
* Walmart keeps a status per line (INITIATED → DELIVERED → COMPLETED). The return is
  refunded as soon as one line shows a refund (``refundedQty``, a completed refund
  status, or COMPLETED, which Walmart reaches by refunding); otherwise received when every
  line was DELIVERED to the return center, else requested: Walmart authorises returns
  itself and the merchant has not decided. ``marketplace_status`` lists the line
  statuses, least advanced first. An unknown status word is a mapping problem.
* A line's ``refund_amount`` is ``refundedQty`` × its per-unit product charge and tax
  (Walmart shows the quantity refunded, not the money); the return's is their sum.
* ``last_updated_at`` is the latest of the return date and every status and tracking
  time Walmart shows on the lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from orderbridge.domain.errors import InvalidOrderData
from orderbridge.domain.returns import ReturnLineSnapshot, ReturnSnapshot, ReturnStatus
from orderbridge.marketplaces.walmart.payload import decimal_amount

LINE_STATUSES: tuple[str, ...] = ("INITIATED", "DELIVERED", "COMPLETED")
_REFUND_DONE = "REFUND_COMPLETED"
_ZERO = Decimal("0")
_CENTS = Decimal("0.01")


def map_return(payload: Mapping[str, Any]) -> ReturnSnapshot:
    return_id = _text(payload, "returnOrderId", "returnOrderId")
    where = f"return {return_id}"
    raw_lines = _objects(payload.get("returnOrderLines"), f"{where}: returnOrderLines")
    if not raw_lines:
        raise InvalidOrderData(f"{where} names no returned line")
    orders = {_text(line, "purchaseOrderId", f"{where}: purchaseOrderId") for line in raw_lines}
    if len(orders) > 1:
        raise InvalidOrderData(
            f"{where} spans purchase orders {', '.join(sorted(orders))}; orderbridge keeps a "
            "return under one order"
        )
    requested_at = _moment(payload.get("returnOrderDate"), f"{where}: returnOrderDate")
    statuses = [_status(line, where) for line in raw_lines]
    refunded = [is_refunded(line) for line in raw_lines]
    lines = tuple(_line(line, f"{where} line {index}") for index, line in enumerate(raw_lines))
    if any(refunded):
        status = ReturnStatus.REFUNDED
    elif all(word != "INITIATED" for word in statuses):
        status = ReturnStatus.RECEIVED
    else:
        status = ReturnStatus.REQUESTED
    amounts = [line.refund_amount for line in lines if line.refund_amount is not None]
    reasons = list(dict.fromkeys(line.reason for line in lines if line.reason))
    return ReturnSnapshot(
        external_id=return_id,
        order_external_id=orders.pop(),
        marketplace_status=",".join(sorted(set(statuses), key=LINE_STATUSES.index)),
        status=status,
        requested_at=requested_at,
        last_updated_at=max([requested_at, *_times(raw_lines, where)]),
        currency=_currency(payload, raw_lines, where),
        lines=lines,
        reason=", ".join(reasons) or None,
        refund_amount=sum(amounts, _ZERO) if amounts else None,
        raw=dict(payload),
    )


def return_id_of(payload: Any) -> str:
    """The best id a problem entry can carry for a return that did not map."""
    if isinstance(payload, Mapping):
        value = payload.get("returnOrderId")
        if isinstance(value, str | int) and str(value):
            return str(value)
    return "unknown"


def is_refunded(line: Mapping[str, Any]) -> bool:
    """Whether Walmart shows money given back on this return line."""
    if line.get("status") == "COMPLETED" or line.get("currentRefundStatus") == _REFUND_DONE:
        return True
    quantity = line.get("refundedQty")
    return isinstance(quantity, int | float) and not isinstance(quantity, bool) and quantity > 0


def unit_charge(line: Mapping[str, Any], where: str) -> tuple[Decimal, Decimal]:
    """The line's product price and its tax for one unit, from its ``charges``."""
    price, tax = _ZERO, _ZERO
    found = False
    for charge in _objects(line.get("charges"), f"{where}: charges"):
        if charge.get("chargeCategory") != "PRODUCT" or charge.get("isBillable") is False:
            continue
        found = True
        sign = -1 if charge.get("isDiscount") is True else 1
        price += sign * _money(charge.get("chargePerUnit"), f"{where}: chargePerUnit")[0]
        for entry in _objects(charge.get("tax"), f"{where}: tax"):
            tax += sign * _money(entry.get("taxPerUnit"), f"{where}: taxPerUnit")[0]
    if not found:
        price = _money(line.get("unitPrice"), f"{where}: unitPrice")[0]
    return price, tax


def _line(line: Mapping[str, Any], where: str) -> ReturnLineSnapshot:
    item = line.get("item")
    sku = item.get("sku") if isinstance(item, Mapping) else None
    if not isinstance(sku, str) or not sku:
        raise InvalidOrderData(f"{where}: item.sku is missing")
    quantity = _whole(line.get("quantity"), f"{where}: quantity")
    refund_amount = None
    if is_refunded(line):
        refunded = line.get("refundedQty")
        units = int(refunded) if isinstance(refunded, int | float) and refunded > 0 else 0
        if units:
            price, tax = unit_charge(line, where)
            # Walmart's amounts have at most two decimals (its schema says so).
            refund_amount = ((price + tax) * units).quantize(_CENTS)
    reason = line.get("returnReason")
    return ReturnLineSnapshot(
        external_line_id=_number(line, "returnOrderLineNumber", where),
        order_line_id=_number(line, "purchaseOrderLineNumber", where),
        sku=sku,
        quantity=quantity,
        reason=reason if isinstance(reason, str) and reason else None,
        refund_amount=refund_amount,
    )


def _status(line: Mapping[str, Any], where: str) -> str:
    status = line.get("status")
    if status is None:
        # The line's own status is optional in the schema; its quantities' statuses say it.
        tracked = [
            entry.get("status")
            for entry in _objects(line.get("currentTrackingStatuses"), where)
            if entry.get("status") in LINE_STATUSES
        ]
        status = min(tracked, key=LINE_STATUSES.index) if tracked else None
    if status not in LINE_STATUSES:
        raise InvalidOrderData(f"{where}: unknown return line status {status!r}")
    return str(status)


def _times(lines: Iterable[Mapping[str, Any]], where: str) -> list[datetime]:
    found: list[datetime] = []
    for line in lines:
        tracking = _objects(line.get("currentTrackingStatuses"), where)
        events = _objects(line.get("returnTrackingDetail"), where)
        entries = [
            (line, "statusTime"),
            *((entry, "statusTime") for entry in tracking),
            *((entry, "eventTime") for entry in events),
        ]
        for holder, key in entries:
            if holder.get(key) is not None:
                found.append(_moment(holder.get(key), f"{where}: {key}"))
    return found


def _currency(payload: Mapping[str, Any], lines: list[Mapping[str, Any]], where: str) -> str:
    total = payload.get("totalRefundAmount")
    if isinstance(total, Mapping):
        return _money(total, f"{where}: totalRefundAmount")[1]
    for line in lines:
        if isinstance(line.get("unitPrice"), Mapping):
            return _money(line.get("unitPrice"), f"{where}: unitPrice")[1]
    raise InvalidOrderData(f"{where} shows no currency")


def _money(value: Any, where: str) -> tuple[Decimal, str]:
    if not isinstance(value, Mapping):
        raise InvalidOrderData(f"{where} must be a money object")
    code = value.get("currencyUnit")
    if not isinstance(code, str) or len(code) != 3 or not code.isalpha():
        raise InvalidOrderData(f"{where}.currencyUnit {code!r} is not an ISO 4217 code")
    try:
        return decimal_amount(value.get("currencyAmount")), code.upper()
    except ValueError as exc:
        raise InvalidOrderData(f"{where}.currencyAmount: {exc}") from None


def _moment(value: Any, where: str) -> datetime:
    if not isinstance(value, str):
        raise InvalidOrderData(f"{where} is missing")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidOrderData(f"{where} {value!r} is not an ISO 8601 time") from None
    if moment.utcoffset() is None:
        # The Returns API documents its times as UTC.
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _whole(value: Any, where: str) -> int:
    amount = value.get("measurementValue") if isinstance(value, Mapping) else None
    if isinstance(amount, bool) or not isinstance(amount, int | float) or amount != int(amount):
        raise InvalidOrderData(f"{where} {value!r} is not a whole number of units")
    return int(amount)


def _number(line: Mapping[str, Any], key: str, where: str) -> str:
    value = line.get(key)
    if isinstance(value, bool) or not isinstance(value, int | str) or str(value) == "":
        raise InvalidOrderData(f"{where}: {key} is missing")
    return str(value)


def _text(obj: Mapping[str, Any], key: str, where: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value:
        raise InvalidOrderData(f"{where} is missing")
    return value


def _objects(value: Any, where: str) -> list[Mapping[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(entry, Mapping) for entry in value):
        raise InvalidOrderData(f"{where} must be a list of objects")
    return value
