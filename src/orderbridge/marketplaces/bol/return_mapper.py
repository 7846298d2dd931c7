"""bol.com ``ReducedReturn`` (``GET /retailer/returns``) → :class:`ReturnSnapshot`. Pure.

Interpretations of the v10 contract, made once here:

* One bol return is one snapshot (``returnId``); each return item is one line, its RMA id
  (``rmaId``) the line id, which is also what handling a return names.
* A return item names its order (``orderId``) and product (``ean``) but not its order
  item. The order's details (fetched by the caller) link it: the order's only item with
  that EAN, narrowed by the return's fulfilment method when several share it. An item
  that still cannot be told apart keeps no order line id and the SKU the candidates share
  (else its EAN), so the store links it by SKU or blocks the return with the reason,
  never silently on a guess. The SKU is the order line's, by the order mapper's rule.
* Quantity is ``expectedQuantity`` (what the customer sends back); the reason is
  ``mainReason: detailedReason`` with the customer's comments in brackets.
* Status (see :mod:`.return_results`): an item not ``handled`` is requested; a handled
  one takes its latest processing result. A return with any item still to handle is
  requested; otherwise it takes the strongest status of its items.
* ``marketplace_status`` is each item's latest ``handlingResult`` (``UNHANDLED`` before
  any), joined by ``+`` when items differ. Times are bol's, in UTC: requested at
  ``registrationDateTime``, last updated at the latest of it and every
  ``processingDateTime``. bol sells in euros only; it shows no refund amount (it refunds
  the customer itself once a return is handled).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from orderbridge.domain.errors import InvalidOrderData
from orderbridge.domain.returns import ReturnLineSnapshot, ReturnSnapshot, ReturnStatus
from orderbridge.marketplaces.bol.mapper import CURRENCY, map_order
from orderbridge.marketplaces.bol.return_results import PRECEDENCE, item_status

UNHANDLED = "UNHANDLED"


@dataclass(frozen=True, slots=True)
class OrderItemRef:
    """What links a return item to its order item: the product and how it was fulfilled."""

    order_item_id: str
    ean: str | None
    sku: str
    fulfilment_method: str | None


@dataclass(frozen=True, slots=True)
class _Item:
    line: ReturnLineSnapshot
    status: ReturnStatus
    handling: str
    moments: tuple[datetime, ...]


def order_item_refs(order: Mapping[str, Any]) -> list[OrderItemRef]:
    """The items of one ``Order`` (``GET /retailer/orders/{id}``); a malformed order raises
    InvalidOrderData, as the order import would."""
    skus = {line.external_line_id: line.sku for line in map_order(order).lines}
    refs: list[OrderItemRef] = []
    for item in order.get("orderItems") or []:
        product = item.get("product") if isinstance(item, Mapping) else None
        fulfilment = item.get("fulfilment") if isinstance(item, Mapping) else None
        item_id = item.get("orderItemId") if isinstance(item, Mapping) else None
        if not isinstance(item_id, str) or item_id not in skus:
            continue
        refs.append(
            OrderItemRef(
                order_item_id=item_id,
                ean=_loose_text(product, "ean"),
                sku=skus[item_id],
                fulfilment_method=_loose_text(fulfilment, "method"),
            )
        )
    return refs


def return_id_of(payload: Any) -> str:
    """The return id for a problem report, even from a payload that does not map."""
    value = payload.get("returnId") if isinstance(payload, Mapping) else None
    return value if isinstance(value, str) and value else "<unknown>"


def order_ids_of(payload: Any) -> list[str]:
    """The orders a return's items name, in order of appearance, without repeats."""
    items = payload.get("returnItems") if isinstance(payload, Mapping) else None
    found: list[str] = []
    for item in items if isinstance(items, list) else []:
        value = item.get("orderId") if isinstance(item, Mapping) else None
        if isinstance(value, str) and value and value not in found:
            found.append(value)
    return found


def moments_of(payload: Any) -> list[datetime] | None:
    """Every time the return changed (registration, each processing), or None when one
    cannot be read: the caller then keeps the return, and the mapping says what is wrong."""
    if not isinstance(payload, Mapping):
        return None
    moments = [_loose_time(payload.get("registrationDateTime"))]
    items = payload.get("returnItems")
    for item in items if isinstance(items, list) else []:
        results = item.get("processingResults") if isinstance(item, Mapping) else None
        for result in results if isinstance(results, list) else []:
            value = result.get("processingDateTime") if isinstance(result, Mapping) else None
            moments.append(_loose_time(value))
    if any(moment is None for moment in moments):
        return None
    return [moment for moment in moments if moment is not None]


def latest_result(item: Any) -> tuple[str | None, str | None] | None:
    """``(handlingResult, processingResult)`` of a return item's latest processing; None
    before any, or when a processing time cannot be read."""
    results = item.get("processingResults") if isinstance(item, Mapping) else None
    dated = []
    for result in results if isinstance(results, list) else []:
        moment = _loose_time(
            result.get("processingDateTime") if isinstance(result, Mapping) else None
        )
        if moment is None:
            return None
        dated.append(
            (moment, _loose_text(result, "handlingResult"), _loose_text(result, "processingResult"))
        )
    if not dated:
        return None
    _, handling, verdict = max(dated, key=lambda entry: entry[0])
    return handling, verdict


def map_return(
    payload: Mapping[str, Any], order_items: Mapping[str, Sequence[OrderItemRef]]
) -> ReturnSnapshot:
    """One return → snapshot; ``order_items`` holds the items of the order it names.
    A malformed payload raises InvalidOrderData."""
    if not isinstance(payload, Mapping):
        raise InvalidOrderData(f"return payload must be an object, got {type(payload).__name__}")
    return_id = _text(payload, "returnId", "returnId")
    try:
        return _map(return_id, payload, order_items)
    except InvalidOrderData as exc:
        raise InvalidOrderData(f"bol return {return_id}: {exc}") from exc


def _map(
    return_id: str, payload: Mapping[str, Any], order_items: Mapping[str, Sequence[OrderItemRef]]
) -> ReturnSnapshot:
    registered = _time(payload.get("registrationDateTime"), "registrationDateTime")
    method = payload.get("fulfilmentMethod")
    raw_items = payload.get("returnItems")
    if not isinstance(raw_items, list) or not raw_items:
        raise InvalidOrderData("returnItems is missing or empty")
    orders = order_ids_of(payload)
    if len(orders) != 1:
        raise InvalidOrderData(
            f"its items name {len(orders)} orders ({', '.join(orders) or 'none'}); "
            "a return belongs to exactly one order"
        )
    (order_id,) = orders
    refs = order_items.get(order_id, ())
    items = [
        _item(raw, f"returnItems[{index}]", refs, method if isinstance(method, str) else None)
        for index, raw in enumerate(raw_items)
    ]
    if any(item.status is ReturnStatus.REQUESTED for item in items):
        status = ReturnStatus.REQUESTED
    else:
        status = next(s for s in PRECEDENCE if any(item.status is s for item in items))
    handlings = sorted({item.handling for item in items})
    reasons = list(dict.fromkeys(item.line.reason for item in items if item.line.reason))
    return ReturnSnapshot(
        external_id=return_id,
        order_external_id=order_id,
        marketplace_status="+".join(handlings),
        status=status,
        requested_at=registered,
        last_updated_at=max([registered, *(m for item in items for m in item.moments)]),
        currency=CURRENCY,
        lines=tuple(item.line for item in items),
        reason="; ".join(reasons) or None,
        refund_amount=None,
        raw=_as_json(payload),
    )


def _item(raw: Any, path: str, refs: Sequence[OrderItemRef], method: str | None) -> _Item:
    if not isinstance(raw, Mapping):
        raise InvalidOrderData(f"{path} must be an object")
    rma_id = _text(raw, "rmaId", f"{path}.rmaId")
    ean = _text(raw, "ean", f"{path}.ean")
    quantity = raw.get("expectedQuantity")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise InvalidOrderData(f"{path}.expectedQuantity must be a positive whole number")
    handled = raw.get("handled")
    if not isinstance(handled, bool):
        raise InvalidOrderData(f"{path}.handled must be true or false")
    results = _results(raw.get("processingResults"), f"{path}.processingResults")
    if not handled:
        status, handling = ReturnStatus.REQUESTED, UNHANDLED
    elif not results:
        raise InvalidOrderData(f"{path} is handled but shows no processing result")
    else:
        _, handling_text, verdict = max(results, key=lambda result: result[0])
        found = item_status(handling_text, verdict)
        if found is None:
            raise InvalidOrderData(
                f"{path}: handling result {handling_text!r} with processing result "
                f"{verdict!r} has no orderbridge status"
            )
        status, handling = found, handling_text or verdict or "HANDLED"
    order_item_id, sku = _link(ean, refs, method)
    line = ReturnLineSnapshot(
        external_line_id=rma_id,
        order_line_id=order_item_id,
        sku=sku,
        quantity=quantity,
        reason=_reason(raw.get("returnReason"), f"{path}.returnReason"),
    )
    return _Item(line, status, handling, tuple(result[0] for result in results))


def _link(ean: str, refs: Sequence[OrderItemRef], method: str | None) -> tuple[str | None, str]:
    """The order item a return item sends back, and its SKU (see the module docstring)."""
    candidates = [ref for ref in refs if ref.ean == ean]
    if len(candidates) > 1 and method:
        same_method = [ref for ref in candidates if ref.fulfilment_method == method]
        candidates = same_method or candidates
    if len(candidates) == 1:
        return candidates[0].order_item_id, candidates[0].sku
    skus = {ref.sku for ref in candidates}
    return None, skus.pop() if len(skus) == 1 else ean


def _results(value: Any, path: str) -> list[tuple[datetime, str | None, str | None]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidOrderData(f"{path} must be a list")
    results = []
    for index, entry in enumerate(value):
        where = f"{path}[{index}]"
        if not isinstance(entry, Mapping):
            raise InvalidOrderData(f"{where} must be an object")
        results.append(
            (
                _time(entry.get("processingDateTime"), f"{where}.processingDateTime"),
                _loose_text(entry, "handlingResult"),
                _loose_text(entry, "processingResult"),
            )
        )
    return results


def _reason(value: Any, path: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InvalidOrderData(f"{path} must be an object")
    words = ": ".join(
        word
        for word in (_loose_text(value, "mainReason"), _loose_text(value, "detailedReason"))
        if word
    )
    comments = _loose_text(value, "customerComments")
    if comments:
        words = f"{words} ({comments})" if words else comments
    return words or None


def _as_json(value: Any) -> Any:
    """The payload as JSON holds it, for ``raw``: the client reads JSON numbers as Decimal."""
    if isinstance(value, Mapping):
        return {str(key): _as_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_json(item) for item in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _text(obj: Mapping[str, Any], key: str, path: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InvalidOrderData(f"{path} is missing")
    return value.strip()


def _loose_text(obj: Any, key: str) -> str | None:
    value = obj.get(key) if isinstance(obj, Mapping) else None
    return (value.strip() or None) if isinstance(value, str) else None


def _time(value: Any, path: str) -> datetime:
    moment = _loose_time(value)
    if moment is None:
        raise InvalidOrderData(f"{path} {value!r} is not an ISO 8601 time with an offset")
    return moment


def _loose_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.utcoffset() is not None else None
