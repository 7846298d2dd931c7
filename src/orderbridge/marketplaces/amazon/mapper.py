"""Orders API 2026-01-01 ``Order`` payload → :class:`OrderSnapshot`. Pure: no I/O, no clock.

Interpretations of the model, made once here:

* Line amounts are line totals taken from the item's ``proceeds.breakdowns``: ``ITEM`` is
  the item price, ``SHIPPING`` the shipping price, ``DISCOUNT`` the discount (its size:
  the model does not state the sign, and a discount always lowers the total). ``TAX`` is
  split by its ``detailedBreakdowns``: the ``SHIPPING`` part is shipping tax, the rest is
  item tax (so gift-wrap or discount tax adjustments stay inside the tax total). Without
  proceeds (Amazon withholds them while an order is pending) the item price falls back to
  ``product.price.unitPrice`` × quantity and every other charge is zero.
* ``GIFT_WRAP``, ``COD_FEE`` and ``OTHER`` proceeds have no place on a line yet; they stay
  in ``raw``. So do the order-level ``DELIVERY_TIP`` and the promotion ids.
* ``UNFULFILLABLE`` (Amazon-fulfilled orders placed outside Amazon's site) maps to
  ``canceled``: neither Amazon nor the seller will ship it. The exact Amazon status is
  kept as ``marketplace_status``.
* Without ``fulfillment.quantityFulfilled`` a line of a ``SHIPPED`` order counts as fully
  shipped, any other line as not shipped.
* The order currency is the grand total's, else the first amount on a line, else the
  marketplace's own currency (an order still pending may carry no amount at all).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from orderbridge.domain.errors import InvalidOrderData
from orderbridge.domain.money import Money
from orderbridge.domain.order import Address, Buyer, OrderLine, OrderSnapshot
from orderbridge.domain.states import OrderStatus

STATUS_MAP: Mapping[str, OrderStatus] = {
    "PENDING_AVAILABILITY": OrderStatus.PENDING,
    "PENDING": OrderStatus.PENDING,
    "UNSHIPPED": OrderStatus.UNSHIPPED,
    "PARTIALLY_SHIPPED": OrderStatus.PARTIALLY_SHIPPED,
    "SHIPPED": OrderStatus.SHIPPED,
    "CANCELLED": OrderStatus.CANCELED,
    "UNFULFILLABLE": OrderStatus.CANCELED,
}

# Amazon's public marketplace ids and their currencies: only the last resort for an order
# that carries no amount from which to read its currency.
MARKETPLACE_CURRENCIES: Mapping[str, str] = {
    "ATVPDKIKX0DER": "USD",  # US
    "A2EUQ1WTGCTBG2": "CAD",  # CA
    "A1AM78C64UM0Y8": "MXN",  # MX
    "A2Q3Y263D00KWC": "BRL",  # BR
    "A1PA6795UKMFR9": "EUR",  # DE
    "A1F83G8C2ARO7P": "GBP",  # UK
    "A13V1IB3VIYZZH": "EUR",  # FR
    "APJ6JRA9NG5V4": "EUR",  # IT
    "A1RKKUPIHCS9HS": "EUR",  # ES
    "A1805IZSGTT6HS": "EUR",  # NL
    "AMEN7PMS3EDWL": "EUR",  # BE
    "A1C3SOZRARQ6R3": "PLN",  # PL
    "A2NODRKZP88ZB9": "SEK",  # SE
    "A33AVAJ2PDY3EV": "TRY",  # TR
    "A2VIGQ35RCS4UG": "AED",  # AE
    "A17E79C6D8DWNP": "SAR",  # SA
    "ARBP9OOSHTCHU": "EGP",  # EG
    "A21TJRUUN4KGV": "INR",  # IN
    "A1VC38T7YXB528": "JPY",  # JP
    "A39IBJ37TRP1C6": "AUD",  # AU
    "A19VAU5U5O7RUS": "SGD",  # SG
}


def map_order(payload: Mapping[str, Any]) -> OrderSnapshot:
    """One ``Order`` object → snapshot; a malformed payload raises InvalidOrderData."""
    if not isinstance(payload, Mapping):
        raise InvalidOrderData(f"order payload must be an object, got {type(payload).__name__}")
    order_id = _required_text(payload, "orderId", "orderId")
    try:
        return _map(order_id, payload)
    except InvalidOrderData as exc:
        message = str(exc)
        if order_id not in message:
            raise InvalidOrderData(f"amazon order {order_id}: {message}") from exc
        raise


def order_id_of(payload: Any) -> str:
    """The order id for a problem report, even from a payload that does not map."""
    if isinstance(payload, Mapping):
        value = payload.get("orderId")
        if isinstance(value, str) and value:
            return value
    return "<unknown>"


def _map(order_id: str, payload: Mapping[str, Any]) -> OrderSnapshot:
    channel = _required_object(payload, "salesChannel", "salesChannel")
    marketplace_id = _text(channel, "marketplaceId", "salesChannel.marketplaceId")

    fulfillment = _object(payload, "fulfillment", "fulfillment")
    if fulfillment is None:
        raise InvalidOrderData(
            "fulfillment.fulfillmentStatus is missing (was FULFILLMENT in includedData?)"
        )
    marketplace_status = _required_text(
        fulfillment, "fulfillmentStatus", "fulfillment.fulfillmentStatus"
    )
    status = STATUS_MAP.get(marketplace_status)
    if status is None:
        raise InvalidOrderData(
            f"fulfillment.fulfillmentStatus {marketplace_status!r} is not a known status"
        )
    ship_by = _object(fulfillment, "shipByWindow", "fulfillment.shipByWindow")
    latest_ship_at = (
        _timestamp(ship_by, "latestDateTime", "fulfillment.shipByWindow.latestDateTime")
        if ship_by is not None
        else None
    )

    items = _list(payload, "orderItems", "orderItems", required=True)
    currency = _currency(payload, items, marketplace_id)
    lines = tuple(
        _line(item, f"orderItems[{index}]", currency, status) for index, item in enumerate(items)
    )

    return OrderSnapshot(
        external_id=order_id,
        marketplace_ids=(marketplace_id,) if marketplace_id else (),
        purchased_at=_required_timestamp(payload, "createdTime", "createdTime"),
        last_updated_at=_required_timestamp(payload, "lastUpdatedTime", "lastUpdatedTime"),
        latest_ship_at=latest_ship_at,
        marketplace_status=marketplace_status,
        status=status,
        currency=currency,
        buyer=_buyer(_object(payload, "buyer", "buyer")),
        shipping_address=_address(payload),
        lines=lines,
        fulfillment_channel=_text(fulfillment, "fulfilledBy", "fulfillment.fulfilledBy"),
        raw=dict(payload),
    )


def _line(item: Any, path: str, currency: str, status: OrderStatus) -> OrderLine:
    if not isinstance(item, Mapping):
        raise InvalidOrderData(f"{path} must be an object")
    line_id = _required_text(item, "orderItemId", f"{path}.orderItemId")
    quantity = _count(item, "quantityOrdered", f"{path}.quantityOrdered")
    if quantity is None:
        raise InvalidOrderData(f"{path}.quantityOrdered is missing")
    product = _required_object(item, "product", f"{path}.product")
    sku = _required_text(product, "sellerSku", f"{path}.product.sellerSku")

    fulfillment = _object(item, "fulfillment", f"{path}.fulfillment")
    shipped = (
        _count(fulfillment, "quantityFulfilled", f"{path}.fulfillment.quantityFulfilled")
        if fulfillment is not None
        else None
    )
    if shipped is None:
        shipped = quantity if status is OrderStatus.SHIPPED else 0

    zero = Decimal("0")
    amounts = {"ITEM": zero, "SHIPPING": zero, "DISCOUNT": zero, "TAX": zero}
    shipping_tax = zero
    seen: set[str] = set()
    proceeds = _object(item, "proceeds", f"{path}.proceeds")
    breakdowns = _list(proceeds, "breakdowns", f"{path}.proceeds.breakdowns") if proceeds else []
    for index, entry in enumerate(breakdowns):
        where = f"{path}.proceeds.breakdowns[{index}]"
        if not isinstance(entry, Mapping):
            raise InvalidOrderData(f"{where} must be an object")
        kind = _required_text(entry, "type", f"{where}.type")
        subtotal = _money(entry.get("subtotal"), f"{where}.subtotal", currency)
        if kind not in amounts:
            continue
        seen.add(kind)
        amounts[kind] += subtotal
        if kind == "TAX":
            for sub_index, detail in enumerate(
                _list(entry, "detailedBreakdowns", f"{where}.detailedBreakdowns")
            ):
                sub_where = f"{where}.detailedBreakdowns[{sub_index}]"
                if not isinstance(detail, Mapping):
                    raise InvalidOrderData(f"{sub_where} must be an object")
                if detail.get("subtype") == "SHIPPING":
                    shipping_tax += _money(detail.get("value"), f"{sub_where}.value", currency)

    item_price = amounts["ITEM"]
    if "ITEM" not in seen:
        price = _object(product, "price", f"{path}.product.price")
        if price is not None and price.get("unitPrice") is not None:
            unit = _money(price["unitPrice"], f"{path}.product.price.unitPrice", currency)
            item_price = unit * quantity

    return OrderLine(
        external_line_id=line_id,
        sku=sku,
        title=_text(product, "title", f"{path}.product.title") or "",
        quantity_ordered=quantity,
        quantity_shipped=shipped,
        item_price=Money(item_price, currency),
        item_tax=Money(amounts["TAX"] - shipping_tax, currency),
        shipping_price=Money(amounts["SHIPPING"], currency),
        shipping_tax=Money(shipping_tax, currency),
        discount=Money(abs(amounts["DISCOUNT"]), currency),
        asin=_text(product, "asin", f"{path}.product.asin"),
    )


def _currency(payload: Mapping[str, Any], items: list[Any], marketplace_id: str | None) -> str:
    proceeds = _object(payload, "proceeds", "proceeds")
    if proceeds is not None and proceeds.get("grandTotal") is not None:
        return _currency_code(proceeds["grandTotal"], "proceeds.grandTotal")
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            continue
        item_proceeds = item.get("proceeds")
        if isinstance(item_proceeds, Mapping):
            total = item_proceeds.get("proceedsTotal")
            if total is not None:
                return _currency_code(total, f"orderItems[{index}].proceeds.proceedsTotal")
            for sub, entry in enumerate(item_proceeds.get("breakdowns") or []):
                if isinstance(entry, Mapping) and entry.get("subtotal") is not None:
                    return _currency_code(
                        entry["subtotal"],
                        f"orderItems[{index}].proceeds.breakdowns[{sub}].subtotal",
                    )
        product = item.get("product")
        price = product.get("price") if isinstance(product, Mapping) else None
        if isinstance(price, Mapping) and price.get("unitPrice") is not None:
            return _currency_code(
                price["unitPrice"], f"orderItems[{index}].product.price.unitPrice"
            )
    if marketplace_id is not None and marketplace_id in MARKETPLACE_CURRENCIES:
        return MARKETPLACE_CURRENCIES[marketplace_id]
    raise InvalidOrderData(
        "currency: the order carries no amount and its marketplace "
        f"{marketplace_id!r} has no known currency"
    )


def _buyer(buyer: Mapping[str, Any] | None) -> Buyer:
    if buyer is None:
        return Buyer()
    return Buyer(
        name=_text(buyer, "buyerName", "buyer.buyerName"),
        email=_text(buyer, "buyerEmail", "buyer.buyerEmail"),
        company=_text(buyer, "buyerCompanyName", "buyer.buyerCompanyName"),
    )


def _address(payload: Mapping[str, Any]) -> Address | None:
    recipient = _object(payload, "recipient", "recipient")
    if recipient is None:
        return None
    where = "recipient.deliveryAddress"
    address = _object(recipient, "deliveryAddress", where)
    if address is None:
        return None
    return Address(
        name=_text(address, "name", f"{where}.name"),
        company=_text(address, "companyName", f"{where}.companyName"),
        line1=_text(address, "addressLine1", f"{where}.addressLine1"),
        line2=_text(address, "addressLine2", f"{where}.addressLine2"),
        line3=_text(address, "addressLine3", f"{where}.addressLine3"),
        city=_text(address, "city", f"{where}.city"),
        postal_code=_text(address, "postalCode", f"{where}.postalCode"),
        state_or_region=_text(address, "stateOrRegion", f"{where}.stateOrRegion"),
        country_code=_text(address, "countryCode", f"{where}.countryCode"),
        phone=_text(address, "phone", f"{where}.phone"),
    )


# -- field readers: each names the field it rejects -----------------------------------------


def _required_text(obj: Mapping[str, Any], key: str, path: str) -> str:
    value = _text(obj, key, path)
    if value is None:
        raise InvalidOrderData(f"{path} is missing")
    return value


def _text(obj: Mapping[str, Any], key: str, path: str) -> str | None:
    value = obj.get(key)
    if value is None or value == "":
        # Amazon sends "" for unused address lines; an empty field is an absent one.
        return None
    if not isinstance(value, str):
        raise InvalidOrderData(f"{path} must be a string, got {type(value).__name__}")
    return value


def _required_object(obj: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any]:
    value = _object(obj, key, path)
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


def _list(
    obj: Mapping[str, Any] | None, key: str, path: str, *, required: bool = False
) -> list[Any]:
    value = obj.get(key) if obj is not None else None
    if value is None:
        if required:
            raise InvalidOrderData(f"{path} is missing")
        return []
    if not isinstance(value, list):
        raise InvalidOrderData(f"{path} must be a list, got {type(value).__name__}")
    return value


def _count(obj: Mapping[str, Any], key: str, path: str) -> int | None:
    value = obj.get(key)
    if value is None:
        return None
    # bool is an int in Python, but true units are not a quantity.
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidOrderData(f"{path} must be a whole number, got {value!r}")
    if value < 0:
        raise InvalidOrderData(f"{path} must not be negative, got {value}")
    return value


def _required_timestamp(obj: Mapping[str, Any], key: str, path: str) -> datetime:
    moment = _timestamp(obj, key, path)
    if moment is None:
        raise InvalidOrderData(f"{path} is missing")
    return moment


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


def _currency_code(value: Any, path: str) -> str:
    if not isinstance(value, Mapping):
        raise InvalidOrderData(f"{path} must be a money object")
    code = value.get("currencyCode")
    if not isinstance(code, str) or len(code.strip()) != 3 or not code.strip().isalpha():
        raise InvalidOrderData(f"{path}.currencyCode {code!r} is not an ISO 4217 code")
    return code.strip().upper()


def _money(value: Any, path: str, currency: str) -> Decimal:
    """The amount of a model ``Money`` in the order currency, exactly as sent."""
    if not isinstance(value, Mapping):
        raise InvalidOrderData(f"{path} must be a money object, got {type(value).__name__}")
    code = value.get("currencyCode")
    if code != currency:  # the common case is one exact match; anything else is checked
        code = _currency_code(value, path)
        if code != currency:
            raise InvalidOrderData(f"{path} is in {code}, the order in {currency}")
    amount = value.get("amount")
    # The model types amounts as decimal strings; a JSON number may already have lost
    # precision on the way here, so it is refused rather than trusted.
    if not isinstance(amount, str) and not (
        isinstance(amount, int) and not isinstance(amount, bool)
    ):
        raise InvalidOrderData(f"{path}.amount must be a decimal string, got {amount!r}")
    try:
        parsed = Decimal(amount.strip() if isinstance(amount, str) else amount)
    except InvalidOperation:
        raise InvalidOrderData(f"{path}.amount {amount!r} is not a number") from None
    if not parsed.is_finite():
        raise InvalidOrderData(f"{path}.amount {amount!r} is not finite")
    return parsed
