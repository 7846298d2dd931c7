"""bol.com ``Order`` (``GET /retailer/orders/{order-id}``) → :class:`OrderSnapshot`. Pure.

Interpretations of the v10 contract, made once here:

* bol sells in euros only; prices include VAT and bol does not split the VAT out, so
  item tax is zero and the amounts are what the customer pays. bol charges no shipping
  per item (shipping is zero).
* ``totalPrice`` is what the customer paid for the item after its discounts
  (the contract's own example: 10 × 12.99 − 10.99 = 118.91). The line's item price is
  ``unitPrice × quantity`` and its discount the difference down to ``totalPrice``, so the
  line total is always bol's total.
* bol has no order status; each item has ``quantity``, ``quantityShipped`` and
  ``quantityCancelled``. Every item cancelled → canceled; every item shipped or cancelled,
  some shipped → shipped; some shipped → partially shipped; otherwise unshipped. bol
  orders are paid when they appear, so none is pending.
* The marketplace status is a summary of the items: ``HANDLED`` (nothing left to do),
  ``CANCELLATION_REQUESTED`` (the customer asked to cancel an open item: the retailer
  confirms with a cancellation, or ships) or ``OPEN``. The request itself stays in the raw
  payload, per item (``cancellationRequest``).
* The SKU is the offer's ``reference`` (the retailer's own reference, set in bol), else
  the EAN. The latest ship time is the start of the earliest delivery date of an open item
  (``exactDeliveryDate``, else ``latestDeliveryDate``), taken in Dutch winter time.
* The buyer is the billing customer; the shipping address is ``shipmentDetails`` (for a
  pick-up point order, the point's address, its name as the company).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from orderbridge.domain.errors import InvalidOrderData
from orderbridge.domain.money import Money
from orderbridge.domain.order import Address, Buyer, OrderLine, OrderSnapshot
from orderbridge.domain.states import OrderStatus

CURRENCY = "EUR"
HANDLED = "HANDLED"
OPEN = "OPEN"
CANCELLATION_REQUESTED = "CANCELLATION_REQUESTED"
_DUTCH_WINTER_TIME = timezone(timedelta(hours=1))
_ZERO = Decimal("0")


def map_order(payload: Mapping[str, Any], *, placed_at: datetime | None = None) -> OrderSnapshot:
    """One ``Order`` → snapshot; a malformed payload raises InvalidOrderData.

    ``placed_at`` stands in for ``orderPlacedDateTime``, which the details contract makes
    optional (the order list always carries it).
    """
    if not isinstance(payload, Mapping):
        raise InvalidOrderData(f"order payload must be an object, got {type(payload).__name__}")
    order_id = _required_text(payload, "orderId", "orderId")
    try:
        return _map(order_id, payload, placed_at)
    except InvalidOrderData as exc:
        if order_id not in str(exc):
            raise InvalidOrderData(f"bol order {order_id}: {exc}") from exc
        raise


def order_id_of(payload: Any) -> str:
    """The order id for a problem report, even from a payload that does not map."""
    if isinstance(payload, Mapping):
        value = payload.get("orderId")
        if isinstance(value, str) and value:
            return value
    return "<unknown>"


def _map(order_id: str, payload: Mapping[str, Any], placed_at: datetime | None) -> OrderSnapshot:
    items = _list(payload, "orderItems", "orderItems")
    if not items:
        raise InvalidOrderData("orderItems is empty")
    parsed = [_item(item, f"orderItems[{index}]") for index, item in enumerate(items)]
    purchased_at = _timestamp(payload, "orderPlacedDateTime", "orderPlacedDateTime") or placed_at
    if purchased_at is None:
        raise InvalidOrderData("orderPlacedDateTime is missing")
    methods = sorted({item.method for item in parsed if item.method})
    shipment = _required_object(payload, "shipmentDetails", "shipmentDetails")
    billing = _object(payload, "billingDetails", "billingDetails")
    return OrderSnapshot(
        external_id=order_id,
        marketplace_ids=(),
        purchased_at=purchased_at,
        last_updated_at=max(item.changed_at for item in parsed),
        latest_ship_at=_ship_by(parsed),
        marketplace_status=_summary(parsed),
        status=_status(parsed),
        currency=CURRENCY,
        buyer=_buyer(billing or shipment, "billingDetails" if billing else "shipmentDetails"),
        shipping_address=_address(shipment, payload.get("pickupPoint") is True),
        lines=tuple(item.line for item in parsed),
        fulfillment_channel="+".join(methods) or None,
        raw=_as_json(payload),
    )


class _Item:
    """One order item: its line plus what the order-level rules need."""

    def __init__(
        self,
        line: OrderLine,
        *,
        cancelled: int,
        requested: bool,
        changed_at: datetime,
        method: str | None,
        deliver_by: date | None,
    ) -> None:
        self.line = line
        self.cancelled = cancelled
        self.requested = requested
        self.changed_at = changed_at
        self.method = method
        self.deliver_by = deliver_by

    @property
    def quantity(self) -> int:
        return self.line.quantity_ordered

    @property
    def shipped(self) -> int:
        return self.line.quantity_shipped

    @property
    def open(self) -> int:
        return self.quantity - self.shipped - self.cancelled


def _status(items: list[_Item]) -> OrderStatus:
    if all(item.cancelled >= item.quantity for item in items):
        return OrderStatus.CANCELED
    shipped = any(item.shipped > 0 for item in items)
    if shipped and all(item.open <= 0 for item in items):
        return OrderStatus.SHIPPED
    return OrderStatus.PARTIALLY_SHIPPED if shipped else OrderStatus.UNSHIPPED


def _summary(items: list[_Item]) -> str:
    if all(item.open <= 0 for item in items):
        return HANDLED
    if any(item.requested and item.open > 0 for item in items):
        return CANCELLATION_REQUESTED
    return OPEN


def _item(item: Any, path: str) -> _Item:
    if not isinstance(item, Mapping):
        raise InvalidOrderData(f"{path} must be an object")
    line_id = _required_text(item, "orderItemId", f"{path}.orderItemId")
    quantity = _count(item, "quantity", path)
    shipped = _count(item, "quantityShipped", path)
    cancelled = _count(item, "quantityCancelled", path)
    if shipped + cancelled > quantity:
        raise InvalidOrderData(
            f"{path}: {shipped} shipped and {cancelled} cancelled of only {quantity} ordered"
        )
    product = _required_object(item, "product", f"{path}.product")
    ean = _text(product, "ean", f"{path}.product.ean")
    offer = _object(item, "offer", f"{path}.offer")
    sku = (_text(offer, "reference", f"{path}.offer.reference") if offer else None) or ean
    if sku is None:
        raise InvalidOrderData(f"{path}: neither offer.reference nor product.ean is given")
    unit = _amount(item.get("unitPrice"), f"{path}.unitPrice")
    total = _amount(item.get("totalPrice"), f"{path}.totalPrice")
    gross = unit * quantity
    # A total above the unit price times the quantity has no discount to show.
    item_price, discount = (gross, gross - total) if gross >= total else (total, _ZERO)
    for index, entry in enumerate(_list(item, "discounts", f"{path}.discounts", required=False)):
        where = f"{path}.discounts[{index}]"
        if not isinstance(entry, Mapping):
            raise InvalidOrderData(f"{where} must be an object")
        _amount(entry.get("amount"), f"{where}.amount")
    changed_at = _timestamp(item, "latestChangedDateTime", f"{path}.latestChangedDateTime")
    if changed_at is None:
        raise InvalidOrderData(f"{path}.latestChangedDateTime is missing")
    requested = item.get("cancellationRequest", False)
    if not isinstance(requested, bool):
        raise InvalidOrderData(f"{path}.cancellationRequest must be true or false")
    fulfilment = _object(item, "fulfilment", f"{path}.fulfilment")
    zero = Money(_ZERO, CURRENCY)
    line = OrderLine(
        external_line_id=line_id,
        sku=sku,
        title=_text(product, "title", f"{path}.product.title") or "",
        quantity_ordered=quantity,
        quantity_shipped=shipped,
        quantity_cancelled=cancelled,
        item_price=Money(item_price, CURRENCY),
        item_tax=zero,
        shipping_price=zero,
        shipping_tax=zero,
        discount=Money(discount, CURRENCY),
    )
    return _Item(
        line,
        cancelled=cancelled,
        requested=requested,
        changed_at=changed_at,
        method=_text(fulfilment, "method", f"{path}.fulfilment.method") if fulfilment else None,
        deliver_by=_delivery_date(fulfilment, f"{path}.fulfilment") if fulfilment else None,
    )


def _ship_by(items: list[_Item]) -> datetime | None:
    dates = [item.deliver_by for item in items if item.deliver_by and item.open > 0]
    if not dates:
        return None
    start = datetime.combine(min(dates), time(0, 0), tzinfo=_DUTCH_WINTER_TIME)
    return start.astimezone(UTC)


def _delivery_date(fulfilment: Mapping[str, Any], path: str) -> date | None:
    for key in ("exactDeliveryDate", "latestDeliveryDate"):
        value = _text(fulfilment, key, f"{path}.{key}")
        if value is not None:
            try:
                return date.fromisoformat(value)
            except ValueError:
                raise InvalidOrderData(f"{path}.{key} {value!r} is not a date") from None
    return None


def _person(details: Mapping[str, Any], where: str) -> str | None:
    parts = [
        _text(details, "firstName", f"{where}.firstName"),
        _text(details, "surname", f"{where}.surname"),
    ]
    return " ".join(part for part in parts if part) or None


def _buyer(details: Mapping[str, Any], where: str) -> Buyer:
    return Buyer(
        name=_person(details, where),
        email=_text(details, "email", f"{where}.email"),
        company=_text(details, "company", f"{where}.company"),
    )


def _address(details: Mapping[str, Any], pickup_point: bool) -> Address:
    where = "shipmentDetails"
    street = _text(details, "streetName", f"{where}.streetName")
    number = _text(details, "houseNumber", f"{where}.houseNumber")
    extension = _text(details, "houseNumberExtension", f"{where}.houseNumberExtension")
    line1 = " ".join(part for part in (street, number, extension) if part) or None
    company = _text(details, "company", f"{where}.company")
    if pickup_point and company is None:
        company = _text(details, "pickupPointName", f"{where}.pickupPointName")
    return Address(
        name=_person(details, where),
        company=company,
        line1=line1,
        line2=_text(details, "extraAddressInformation", f"{where}.extraAddressInformation"),
        city=_text(details, "city", f"{where}.city"),
        postal_code=_text(details, "zipCode", f"{where}.zipCode"),
        country_code=_text(details, "countryCode", f"{where}.countryCode"),
        phone=_text(details, "deliveryPhoneNumber", f"{where}.deliveryPhoneNumber"),
    )


def _as_json(value: Any) -> Any:
    """The payload as JSON holds it, for ``raw`` (stored as JSON): bol's numbers become
    JSON numbers again. Amounts are only ever read above, from the Decimals."""
    if isinstance(value, Mapping):
        return {str(key): _as_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_json(item) for item in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


# -- field readers: each names the field it rejects -----------------------------------------


def _text(obj: Mapping[str, Any], key: str, path: str) -> str | None:
    value = obj.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidOrderData(f"{path} must be a string, got {type(value).__name__}")
    return value.strip() or None


def _required_text(obj: Mapping[str, Any], key: str, path: str) -> str:
    value = _text(obj, key, path)
    if value is None:
        raise InvalidOrderData(f"{path} is missing")
    return value


def _object(obj: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any] | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InvalidOrderData(f"{path} must be an object, got {type(value).__name__}")
    return value


def _required_object(obj: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any]:
    value = _object(obj, key, path)
    if value is None:
        raise InvalidOrderData(f"{path} is missing")
    return value


def _list(obj: Mapping[str, Any], key: str, path: str, *, required: bool = True) -> list[Any]:
    value = obj.get(key)
    if value is None:
        if required:
            raise InvalidOrderData(f"{path} is missing")
        return []
    if not isinstance(value, list):
        raise InvalidOrderData(f"{path} must be a list, got {type(value).__name__}")
    return value


def _count(obj: Mapping[str, Any], key: str, path: str) -> int:
    value = obj.get(key)
    if value is None:
        raise InvalidOrderData(f"{path}.{key} is missing")
    # bool is an int in Python, but true units are not a quantity.
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidOrderData(f"{path}.{key} must be a whole number, got {value!r}")
    if value < 0:
        raise InvalidOrderData(f"{path}.{key} must not be negative, got {value}")
    return value


def _amount(value: Any, path: str) -> Decimal:
    """A price as bol sent it; the client parses JSON numbers as Decimal, never float."""
    if value is None:
        raise InvalidOrderData(f"{path} is missing")
    if isinstance(value, float):
        raise InvalidOrderData(f"{path} arrived as a float; amounts must be parsed as Decimal")
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise InvalidOrderData(f"{path} must be a number, got {value!r}")
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise InvalidOrderData(f"{path} {value!r} is not a number") from None
    if not amount.is_finite():
        raise InvalidOrderData(f"{path} {value!r} is not finite")
    return amount


def _timestamp(obj: Mapping[str, Any], key: str, path: str) -> datetime | None:
    value = obj.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidOrderData(f"{path} must be an ISO 8601 string, got {type(value).__name__}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidOrderData(f"{path} {value!r} is not an ISO 8601 timestamp") from None
    if moment.utcoffset() is None:
        raise InvalidOrderData(f"{path} {value!r} has no UTC offset")
    return moment.astimezone(UTC)
