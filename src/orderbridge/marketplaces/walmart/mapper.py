"""Walmart Orders API ``Order`` payload → :class:`OrderSnapshot`. Pure: no I/O, no clock.

Interpretations of the contract, made once here:

* The order's status follows its units (see :mod:`.line_states`): every unit cancelled →
  canceled; none open and some shipped (or delivered) → shipped; some shipped and some
  open → partially shipped; otherwise (``Created``, ``Acknowledged``) → unshipped. Walmart's
  own statuses are kept, listed in lifecycle order, as the marketplace status.
* A line's amounts are its charges taken as totals for the line's whole quantity:
  ``PRODUCT`` charges are the item price (a negative one, such as a subscription discount,
  is a discount), ``SHIPPING`` charges the shipping price, each charge's ``tax`` the tax on
  it. Other charge types have no place on a line yet and stay in ``raw``.
* Walmart has no "last modified" field: the order was last changed at the latest of its
  ``orderDate`` and its lines' ``statusDate``.
* ``shippingInfo.estimatedShipDate`` is the latest ship date; ``customerEmailId`` is the
  buyer's relay address and the recipient's name is the buyer's name.
* Countries come as ISO 3166 alpha-3 (``USA``); the usual ones become alpha-2.
* An order without any charge (rare, fully cancelled) is in US dollars, the currency of
  Walmart's US marketplace.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from orderbridge.domain.errors import InvalidOrderData
from orderbridge.domain.money import Money
from orderbridge.domain.order import Address, Buyer, OrderLine, OrderSnapshot
from orderbridge.domain.states import OrderStatus
from orderbridge.marketplaces.walmart import payload
from orderbridge.marketplaces.walmart.line_states import LineState, line_states, summary

DEFAULT_CURRENCY = "USD"
_ALPHA2: Mapping[str, str] = {
    "USA": "US",
    "PRI": "PR",
    "VIR": "VI",
    "GUM": "GU",
    "ASM": "AS",
    "MNP": "MP",
    "CAN": "CA",
    "MEX": "MX",
}


def map_order(order: Mapping[str, Any]) -> OrderSnapshot:
    """One ``Order`` object → snapshot; a malformed payload raises InvalidOrderData."""
    if not isinstance(order, Mapping):
        raise InvalidOrderData(f"order payload must be an object, got {type(order).__name__}")
    order_id = payload.required_text(order, "purchaseOrderId", "purchaseOrderId")
    try:
        return _map(order_id, order)
    except InvalidOrderData as exc:
        message = str(exc)
        if order_id not in message:
            raise InvalidOrderData(f"walmart order {order_id}: {message}") from exc
        raise


def order_id_of(order: Any) -> str:
    """The purchase order id for a problem report, even from a payload that does not map."""
    if isinstance(order, Mapping):
        value = order.get("purchaseOrderId")
        if isinstance(value, str) and value:
            return value
    return "<unknown>"


def order_status(states: Mapping[str, LineState]) -> OrderStatus:
    ordered = sum(state.ordered for state in states.values())
    shipped = sum(state.shipped for state in states.values())
    cancelled = sum(state.cancelled for state in states.values())
    # Units no status entry covers are still the seller's to ship.
    still_open = ordered - shipped - cancelled
    if shipped == 0 and still_open <= 0 and cancelled > 0:
        return OrderStatus.CANCELED
    if shipped > 0:
        return OrderStatus.SHIPPED if still_open <= 0 else OrderStatus.PARTIALLY_SHIPPED
    return OrderStatus.UNSHIPPED


def _map(order_id: str, order: Mapping[str, Any]) -> OrderSnapshot:
    placed = payload.required_epoch_ms(order, "orderDate", "orderDate")
    states = line_states(order)
    currency = _currency(states)
    lines: list[OrderLine] = []
    last_changed = placed
    for index, state in enumerate(states.values()):
        where = f"orderLines.orderLine[{index}]"
        changed = payload.epoch_ms(state.raw, "statusDate", f"{where}.statusDate")
        if changed is not None and changed > last_changed:
            last_changed = changed
        lines.append(_line(state, where, currency))
    shipping = payload.required_mapping(order, "shippingInfo", "shippingInfo")
    ship_node = payload.mapping(order, "shipNode", "shipNode")
    address = _address(shipping)
    return OrderSnapshot(
        external_id=order_id,
        marketplace_ids=(),
        purchased_at=placed,
        last_updated_at=last_changed,
        latest_ship_at=payload.epoch_ms(
            shipping, "estimatedShipDate", "shippingInfo.estimatedShipDate"
        ),
        marketplace_status=summary(states),
        status=order_status(states),
        currency=currency,
        buyer=Buyer(
            name=address.name if address else None,
            email=payload.text(order, "customerEmailId", "customerEmailId"),
        ),
        shipping_address=address,
        lines=tuple(lines),
        fulfillment_channel=(
            payload.text(ship_node, "type", "shipNode.type") if ship_node is not None else None
        ),
        raw=dict(order),
    )


def _line(state: LineState, where: str, currency: str) -> OrderLine:
    item = payload.required_mapping(state.raw, "item", f"{where}.item")
    zero = Decimal("0")
    price = discount = item_tax = shipping = shipping_tax = zero
    for index, charge in enumerate(state.charges):
        path = f"{where}.charges.charge[{index}]"
        kind = payload.required_text(charge, "chargeType", f"{path}.chargeType")
        amount, _ = payload.money(charge.get("chargeAmount"), f"{path}.chargeAmount", currency)
        tax = _tax(charge, path, currency)
        if kind == "PRODUCT":
            if amount < 0:
                discount -= amount
            else:
                price += amount
            item_tax += tax
        elif kind == "SHIPPING":
            shipping += amount
            shipping_tax += tax
    return OrderLine(
        external_line_id=state.line_number,
        sku=payload.required_text(item, "sku", f"{where}.item.sku"),
        title=payload.text(item, "productName", f"{where}.item.productName") or "",
        quantity_ordered=state.ordered,
        quantity_shipped=state.shipped,
        quantity_cancelled=state.cancelled,
        item_price=Money(price, currency),
        item_tax=Money(item_tax, currency),
        shipping_price=Money(shipping, currency),
        shipping_tax=Money(shipping_tax, currency),
        discount=Money(discount, currency),
    )


def _tax(charge: Mapping[str, Any], path: str, currency: str) -> Decimal:
    tax = payload.mapping(charge, "tax", f"{path}.tax")
    if tax is None:
        return Decimal("0")
    amount, _ = payload.money(tax.get("taxAmount"), f"{path}.tax.taxAmount", currency)
    return amount


def _currency(states: Mapping[str, LineState]) -> str:
    for state in states.values():
        for index, charge in enumerate(state.charges):
            amount = charge.get("chargeAmount")
            if amount is not None:
                _, code = payload.money(
                    amount, f"line {state.line_number} charge[{index}].chargeAmount"
                )
                return code
    return DEFAULT_CURRENCY


def _address(shipping: Mapping[str, Any]) -> Address | None:
    where = "shippingInfo.postalAddress"
    postal = payload.mapping(shipping, "postalAddress", where)
    if postal is None:
        return None
    country = payload.text(postal, "country", f"{where}.country")
    return Address(
        name=payload.text(postal, "name", f"{where}.name"),
        line1=payload.text(postal, "address1", f"{where}.address1"),
        line2=payload.text(postal, "address2", f"{where}.address2"),
        city=payload.text(postal, "city", f"{where}.city"),
        postal_code=payload.text(postal, "postalCode", f"{where}.postalCode"),
        state_or_region=payload.text(postal, "state", f"{where}.state"),
        country_code=_ALPHA2.get(country.upper(), country) if country else None,
        phone=payload.text(shipping, "phone", "shippingInfo.phone"),
    )
