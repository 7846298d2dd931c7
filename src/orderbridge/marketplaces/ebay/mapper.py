"""Fulfillment API ``Order`` payload → :class:`OrderSnapshot`. Pure: no I/O, no clock.

Interpretations of the model, made once here:

* Status: a ``cancelStatus.cancelState`` of ``CANCELED`` wins; otherwise
  ``orderFulfillmentStatus`` decides: ``NOT_STARTED`` is unshipped once eBay holds the
  buyer's payment (``PAID`` or a refund of it) and pending before that, ``IN_PROGRESS`` is
  partially shipped, ``FULFILLED`` shipped.
* eBay marks a line ``FULFILLED`` as soon as one unit is in a package. With the order's
  fulfillments at hand (``shipped``) the line's shipped quantity is exact, and a
  ``FULFILLED`` order that still has units to send is partially shipped; without them a
  ``FULFILLED`` line counts as fully shipped.
* Line amounts are line totals: ``lineItemCost`` is the item price (unit price × quantity,
  before discounts); shipping is ``deliveryCost.shippingCost`` plus ``handlingCost``; the
  discount is the line's promotions plus its shipping discount; the item tax is the sum
  of ``taxes`` (eBay does not split tax between item and shipping, so shipping tax is zero).
  On marketplaces where prices include VAT (eBay.de) the price holds the VAT and ``taxes``
  is empty. Import charges belong to eBay's international shipping partner; they stay in
  ``raw``.
* A line without a SKU (listings made without one) takes its listing id, with the
  variation id after a dash for a multi-variation listing.
* The address is ``fulfillmentStartInstructions[].shippingStep.shipTo``: where the seller
  ships to (for the Global Shipping Program, eBay's hub).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from orderbridge.domain.errors import InvalidOrderData
from orderbridge.domain.money import Money
from orderbridge.domain.order import Address, Buyer, OrderLine, OrderSnapshot
from orderbridge.domain.states import OrderStatus
from orderbridge.marketplaces.ebay import payload_fields as f

# Payment states in which eBay holds (or has given back) the buyer's money.
PAID_STATES = frozenset({"PAID", "PARTIALLY_REFUNDED", "FULLY_REFUNDED"})
FULFILLMENT_STATUSES = frozenset({"NOT_STARTED", "IN_PROGRESS", "FULFILLED"})


def map_order(
    payload: Mapping[str, Any],
    *,
    shipped: Mapping[str, int] | None = None,
    default_currency: str | None = None,
    default_marketplace: str | None = None,
) -> OrderSnapshot:
    """One ``Order`` → snapshot; a malformed payload raises InvalidOrderData.

    ``shipped`` gives each line's shipped units from the order's fulfillments, when read.
    """
    if not isinstance(payload, Mapping):
        raise InvalidOrderData(f"order payload must be an object, got {type(payload).__name__}")
    order_id = f.required_text(payload, "orderId", "orderId")
    try:
        return _map(order_id, payload, shipped, default_currency, default_marketplace)
    except InvalidOrderData as exc:
        if order_id not in str(exc):
            raise InvalidOrderData(f"ebay order {order_id}: {exc}") from exc
        raise


def order_id_of(payload: Any) -> str:
    """The order id for a problem report, even from a payload that does not map."""
    if isinstance(payload, Mapping):
        value = payload.get("orderId")
        if isinstance(value, str) and value:
            return value
    return "<unknown>"


def needs_fulfillments(payload: Any) -> bool:
    """Whether a shipped line's quantity is ambiguous without the order's fulfillments:
    a line of several units that eBay shows as (partly) fulfilled."""
    if not isinstance(payload, Mapping):
        return False
    lines = payload.get("lineItems")
    for item in lines if isinstance(lines, list) else []:
        if not isinstance(item, Mapping):
            continue
        quantity = item.get("quantity")
        status = item.get("lineItemFulfillmentStatus")
        if isinstance(quantity, int) and quantity > 1 and status not in (None, "NOT_STARTED"):
            return True
    return False


def shipped_by_line(fulfillments: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Units per line id over all of an order's shipping fulfillments."""
    totals: dict[str, int] = {}
    for fulfillment in fulfillments:
        entries = fulfillment.get("lineItems")
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, Mapping) or not isinstance(entry.get("lineItemId"), str):
                continue
            quantity = entry.get("quantity", 1)
            if isinstance(quantity, int) and not isinstance(quantity, bool) and quantity > 0:
                totals[entry["lineItemId"]] = totals.get(entry["lineItemId"], 0) + quantity
    return totals


def _map(
    order_id: str,
    payload: Mapping[str, Any],
    shipped: Mapping[str, int] | None,
    default_currency: str | None,
    default_marketplace: str | None,
) -> OrderSnapshot:
    fulfillment_status = f.required_text(
        payload, "orderFulfillmentStatus", "orderFulfillmentStatus"
    )
    if fulfillment_status not in FULFILLMENT_STATUSES:
        raise InvalidOrderData(
            f"orderFulfillmentStatus {fulfillment_status!r} is not a known status"
        )
    payment_status = f.text(payload, "orderPaymentStatus", "orderPaymentStatus")
    cancel = f.obj(payload, "cancelStatus", "cancelStatus")
    cancel_state = f.text(cancel, "cancelState", "cancelStatus.cancelState") if cancel else None

    items = f.objects(payload, "lineItems", "lineItems")
    if not items:
        raise InvalidOrderData("lineItems is missing or empty")
    currency = _currency(payload, items, default_currency)
    lines = tuple(
        _line(item, f"lineItems[{index}]", currency, shipped) for index, item in enumerate(items)
    )
    status = _status(fulfillment_status, payment_status, cancel_state, lines, shipped)
    instruction = _instruction(payload)
    marketplaces = _marketplaces(items) or ((default_marketplace,) if default_marketplace else ())

    return OrderSnapshot(
        external_id=order_id,
        marketplace_ids=marketplaces,
        purchased_at=f.required_timestamp(payload, "creationDate", "creationDate"),
        last_updated_at=f.required_timestamp(payload, "lastModifiedDate", "lastModifiedDate"),
        latest_ship_at=_ship_by(items),
        marketplace_status=_marketplace_status(fulfillment_status, payment_status, cancel_state),
        status=status,
        currency=currency,
        buyer=_buyer(payload, instruction),
        shipping_address=_address(instruction),
        lines=lines,
        fulfillment_channel=(
            f.text(instruction, "fulfillmentInstructionsType", "fulfillmentInstructionsType")
            if instruction is not None
            else None
        ),
        raw=dict(payload),
    )


def _status(
    fulfillment_status: str,
    payment_status: str | None,
    cancel_state: str | None,
    lines: tuple[OrderLine, ...],
    shipped: Mapping[str, int] | None,
) -> OrderStatus:
    if cancel_state == "CANCELED":
        return OrderStatus.CANCELED
    if fulfillment_status == "IN_PROGRESS":
        return OrderStatus.PARTIALLY_SHIPPED
    if fulfillment_status == "FULFILLED":
        if shipped is not None and any(
            line.quantity_shipped < line.quantity_ordered for line in lines
        ):
            return OrderStatus.PARTIALLY_SHIPPED
        return OrderStatus.SHIPPED
    return OrderStatus.UNSHIPPED if payment_status in PAID_STATES else OrderStatus.PENDING


def _marketplace_status(fulfillment: str, payment: str | None, cancel_state: str | None) -> str:
    if cancel_state == "CANCELED":
        return "CANCELED"
    words = [fulfillment]
    if payment and payment != "PAID":
        words.append(f"payment {payment}")
    if cancel_state and cancel_state != "NONE_REQUESTED":
        words.append(f"cancel {cancel_state}")
    return ", ".join(words)


def _line(
    item: Mapping[str, Any], path: str, currency: str, shipped: Mapping[str, int] | None
) -> OrderLine:
    line_id = f.required_text(item, "lineItemId", f"{path}.lineItemId")
    quantity = f.count(item, "quantity", f"{path}.quantity")
    item_price = f.amount(item.get("lineItemCost"), f"{path}.lineItemCost", currency)

    discount = Decimal(0)
    for index, promotion in enumerate(
        f.objects(item, "appliedPromotions", f"{path}.appliedPromotions")
    ):
        where = f"{path}.appliedPromotions[{index}].discountAmount"
        discount += abs(f.amount(promotion.get("discountAmount"), where, currency))
    discounted = item.get("discountedLineItemCost")
    if discount == 0 and discounted is not None:
        after = f.amount(discounted, f"{path}.discountedLineItemCost", currency)
        discount = max(item_price - after, Decimal(0))

    delivery = f.obj(item, "deliveryCost", f"{path}.deliveryCost")
    shipping = Decimal(0)
    if delivery is not None:
        where = f"{path}.deliveryCost"
        shipping += f.amount(delivery.get("shippingCost"), f"{where}.shippingCost", currency)
        shipping += f.amount(delivery.get("handlingCost"), f"{where}.handlingCost", currency)
        discount += abs(
            f.amount(delivery.get("discountAmount"), f"{where}.discountAmount", currency)
        )

    tax = Decimal(0)
    for index, entry in enumerate(f.objects(item, "taxes", f"{path}.taxes")):
        tax += f.amount(entry.get("amount"), f"{path}.taxes[{index}].amount", currency)

    status = f.text(item, "lineItemFulfillmentStatus", f"{path}.lineItemFulfillmentStatus")
    if shipped is not None:
        units = min(shipped.get(line_id, 0), quantity)
    else:
        units = quantity if status == "FULFILLED" else 0

    zero = Money(Decimal(0), currency)
    return OrderLine(
        external_line_id=line_id,
        sku=_sku(item, path),
        title=f.text(item, "title", f"{path}.title") or "",
        quantity_ordered=quantity,
        quantity_shipped=units,
        item_price=Money(item_price, currency),
        item_tax=Money(tax, currency),
        shipping_price=Money(shipping, currency),
        shipping_tax=zero,
        discount=Money(discount, currency),
    )


def _sku(item: Mapping[str, Any], path: str) -> str:
    sku = f.text(item, "sku", f"{path}.sku")
    if sku:
        return sku
    listing = f.text(item, "legacyItemId", f"{path}.legacyItemId")
    if not listing:
        raise InvalidOrderData(f"{path} has neither a sku nor a legacyItemId")
    variation = f.text(item, "legacyVariationId", f"{path}.legacyVariationId")
    return f"{listing}-{variation}" if variation else listing


def _currency(
    payload: Mapping[str, Any], items: list[Mapping[str, Any]], default: str | None
) -> str:
    pricing = f.obj(payload, "pricingSummary", "pricingSummary")
    if pricing is not None:
        code = f.currency_of(pricing.get("total"), "pricingSummary.total")
        if code:
            return code
    for index, item in enumerate(items):
        code = f.currency_of(item.get("lineItemCost"), f"lineItems[{index}].lineItemCost")
        if code:
            return code
    if default:
        return default
    raise InvalidOrderData("the order carries no amount to read its currency from")


def _marketplaces(items: list[Mapping[str, Any]]) -> tuple[str, ...]:
    found: list[str] = []
    for index, item in enumerate(items):
        for key in ("purchaseMarketplaceId", "listingMarketplaceId"):
            value = f.text(item, key, f"lineItems[{index}].{key}")
            if value and value not in found:
                found.append(value)
                break
    return tuple(found)


def _ship_by(items: list[Mapping[str, Any]]) -> datetime | None:
    dates = []
    for index, item in enumerate(items):
        path = f"lineItems[{index}].lineItemFulfillmentInstructions"
        instructions = f.obj(item, "lineItemFulfillmentInstructions", path)
        moment = f.timestamp(instructions, "shipByDate", f"{path}.shipByDate")
        if moment is not None:
            dates.append(moment)
    return min(dates) if dates else None


def _instruction(payload: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The first fulfilment instruction, preferring one that ships."""
    instructions = f.objects(
        payload, "fulfillmentStartInstructions", "fulfillmentStartInstructions"
    )
    for instruction in instructions:
        if isinstance(instruction.get("shippingStep"), Mapping):
            return instruction
    return instructions[0] if instructions else None


def _ship_to(instruction: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    where = "fulfillmentStartInstructions[].shippingStep"
    step = f.obj(instruction, "shippingStep", where)
    return f.obj(step, "shipTo", f"{where}.shipTo")


def _buyer(payload: Mapping[str, Any], instruction: Mapping[str, Any] | None) -> Buyer:
    buyer = f.obj(payload, "buyer", "buyer")
    registered = f.obj(buyer, "buyerRegistrationAddress", "buyer.buyerRegistrationAddress")
    ship_to = _ship_to(instruction)
    name = email = company = None
    for contact, where in (
        (registered, "buyer.buyerRegistrationAddress"),
        (ship_to, "shippingStep.shipTo"),
    ):
        if contact is None:
            continue
        name = name or f.text(contact, "fullName", f"{where}.fullName")
        email = email or f.text(contact, "email", f"{where}.email")
        company = company or f.text(contact, "companyName", f"{where}.companyName")
    if name is None and buyer is not None:
        name = f.text(buyer, "username", "buyer.username")
    return Buyer(name=name, email=email, company=company)


def _address(instruction: Mapping[str, Any] | None) -> Address | None:
    ship_to = _ship_to(instruction)
    if ship_to is None:
        return None
    where = "shippingStep.shipTo"
    contact = f.obj(ship_to, "contactAddress", f"{where}.contactAddress")
    phone = f.obj(ship_to, "primaryPhone", f"{where}.primaryPhone")
    at = f"{where}.contactAddress"
    return Address(
        name=f.text(ship_to, "fullName", f"{where}.fullName"),
        company=f.text(ship_to, "companyName", f"{where}.companyName"),
        line1=f.text(contact, "addressLine1", f"{at}.addressLine1") if contact else None,
        line2=f.text(contact, "addressLine2", f"{at}.addressLine2") if contact else None,
        city=f.text(contact, "city", f"{at}.city") if contact else None,
        postal_code=f.text(contact, "postalCode", f"{at}.postalCode") if contact else None,
        state_or_region=(
            f.text(contact, "stateOrProvince", f"{at}.stateOrProvince") if contact else None
        ),
        country_code=f.text(contact, "countryCode", f"{at}.countryCode") if contact else None,
        phone=f.text(phone, "phoneNumber", f"{where}.primaryPhone.phoneNumber") if phone else None,
    )
