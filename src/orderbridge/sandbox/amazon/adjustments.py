"""`POST_PAYMENT_ADJUSTMENT_DATA` messages: refunds on shipped items.

Payload `OrderAdjustment{AmazonOrderID, MerchantOrderID?, AdjustedItem+{AmazonOrderItemCode,
MerchantOrderItemID?, MerchantAdjustmentItemID, AdjustmentReason, ItemPriceAdjustments{
Component+{Type, Amount currency=...}}, QuantityCancelled?}}`.

Sign of the amounts: Amazon's Order Adjustment feed documentation describes the components
as the amounts credited back to the buyer and requires the net adjustment to be a credit to
the buyer; public examples send them as positive numbers. The simulator takes them that way:
an amount is what is given back and must not be negative.

Rules: the item must have shipped units; per item and component, all refunds together never
exceed what the buyer paid (Principal = item price less promotion discount, Shipping, Tax;
the simulator's orders charge nothing for ShippingTax or gift wrap); the currency must be the
order's. A MerchantAdjustmentItemID already processed for the order is skipped; a message
whose adjusted items were all processed before gives 18030 and changes nothing.
QuantityCancelled is recorded with the refund but changes no quantities (cancelling unshipped
units goes through the acknowledgement feed here). Refunds show in the control API only:
the Orders API 2026-01-01 model has no refund field, and lastUpdatedTime does not move.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element

from orderbridge.sandbox.amazon.feed_context import FeedContext, find_item
from orderbridge.sandbox.amazon.feed_results import (
    ADJUSTMENT_ALREADY_PROCESSED,
    INVALID_MESSAGE,
    REFUND_NOT_ALLOWED,
    MessageError,
)
from orderbridge.sandbox.amazon.feed_vocabulary import ADJUSTMENT_REASONS, PRICE_COMPONENTS
from orderbridge.sandbox.amazon.marketplaces import MARKETPLACES, Marketplace, format_minor
from orderbridge.sandbox.amazon.records import Item, Order, Refund
from orderbridge.sandbox.amazon.xml_fields import (
    check_children,
    optional_text,
    positive_int,
    required_text,
)

MESSAGE_TYPE = "OrderAdjustment"
_FIELDS = ("AmazonOrderID", "MerchantOrderID", "AdjustedItem")
_ITEM_FIELDS = (
    "AmazonOrderItemCode", "MerchantOrderItemID", "MerchantAdjustmentItemID",
    "AdjustmentReason", "ItemPriceAdjustments", "QuantityCancelled",
)  # fmt: skip


@dataclass(frozen=True)
class _Adjustment:
    where: str
    item: Item
    adjustment_id: str
    reason: str
    components: dict[str, int]
    quantity: int | None


def order_id_of(payload: Element) -> str | None:
    return optional_text(payload, "AmazonOrderID", MESSAGE_TYPE)


def paid(item: Item, component: str) -> int:
    """Minor units the buyer paid for `component` of `item`."""
    if component == "Principal":
        return item.item_total - item.discount
    if component == "Shipping":
        return item.shipping
    if component == "Tax":
        return item.tax
    return 0


def refunded(order: Order, item_id: str, component: str) -> int:
    return sum(
        refund.components.get(component, 0)
        for refund in order.refunds
        if refund.order_item_id == item_id
    )


def apply_adjustment(payload: Element, context: FeedContext) -> None:
    check_children(payload, _FIELDS, MESSAGE_TYPE)
    order_id = required_text(payload, "AmazonOrderID", MESSAGE_TYPE)
    try:
        _apply(payload, order_id, context)
    except MessageError as error:
        error.order_id = error.order_id or order_id
        raise


def _apply(payload: Element, order_id: str, context: FeedContext) -> None:
    elements = payload.findall("AdjustedItem")
    if not elements:
        raise MessageError(INVALID_MESSAGE, "An OrderAdjustment needs at least one AdjustedItem.")
    optional_text(payload, "MerchantOrderID", MESSAGE_TYPE)
    order = context.order(order_id)
    market = MARKETPLACES[order.marketplace_id]
    adjustments = [
        _adjusted_item(element, index, order, market) for index, element in enumerate(elements)
    ]
    ids = [a.adjustment_id for a in adjustments]
    if len(set(ids)) != len(ids):
        raise MessageError(
            INVALID_MESSAGE, "A MerchantAdjustmentItemID is used twice in one message."
        )
    done = {refund.adjustment_item_id for refund in order.refunds}
    new = [a for a in adjustments if a.adjustment_id not in done]
    if not new:
        raise MessageError(
            ADJUSTMENT_ALREADY_PROCESSED,
            f"MerchantAdjustmentItemID {', '.join(ids)} already processed for order "
            f"{order_id}; nothing was changed.",
        )
    pending: dict[tuple[str, str], int] = {}
    for adjustment in new:
        item = adjustment.item
        if item.quantity_shipped == 0:
            raise MessageError(
                REFUND_NOT_ALLOWED,
                f"{adjustment.where}: item {item.order_item_id} has not shipped; only shipped "
                "items can be refunded.",
            )
        for component, amount in adjustment.components.items():
            key = (item.order_item_id, component)
            before = refunded(order, item.order_item_id, component) + pending.get(key, 0)
            limit = paid(item, component)
            if before + amount > limit:
                raise MessageError(
                    REFUND_NOT_ALLOWED,
                    f"{adjustment.where}: refunding {_money(amount, market)} {component} on item "
                    f"{item.order_item_id} would exceed the {_money(limit, market)} paid "
                    f"({_money(before, market)} already refunded).",
                )
            pending[key] = pending.get(key, 0) + amount
    for adjustment in new:
        order.refunds.append(
            Refund(
                adjustment_item_id=adjustment.adjustment_id,
                order_item_id=adjustment.item.order_item_id,
                reason=adjustment.reason,
                components=adjustment.components,
                quantity=adjustment.quantity,
                feed_id=context.feed_id,
                at=context.at,
            )
        )


def _adjusted_item(element: Element, index: int, order: Order, market: Marketplace) -> _Adjustment:
    where = f"AdjustedItem[{index + 1}]"
    check_children(element, _ITEM_FIELDS, where)
    item = find_item(order, required_text(element, "AmazonOrderItemCode", where))
    adjustment_id = required_text(element, "MerchantAdjustmentItemID", where)
    reason = required_text(element, "AdjustmentReason", where)
    if reason not in ADJUSTMENT_REASONS:
        raise MessageError(
            INVALID_MESSAGE,
            f"{where}/AdjustmentReason {reason!r} is not one of "
            f"{', '.join(sorted(ADJUSTMENT_REASONS))}.",
        )
    quantity_text = optional_text(element, "QuantityCancelled", where)
    quantity = None
    if quantity_text is not None:
        quantity = positive_int(quantity_text, f"{where}/QuantityCancelled")
        if quantity > item.quantity:
            raise MessageError(
                INVALID_MESSAGE,
                f"{where}/QuantityCancelled {quantity} exceeds the {item.quantity} ordered.",
            )
    prices = element.findall("ItemPriceAdjustments")
    if len(prices) != 1:
        raise MessageError(INVALID_MESSAGE, f"{where} needs one ItemPriceAdjustments.")
    check_children(prices[0], ("Component",), f"{where}/ItemPriceAdjustments")
    components: dict[str, int] = {}
    for number, component in enumerate(prices[0].findall("Component"), start=1):
        name, amount = _component(component, f"{where}/Component[{number}]", market)
        if name in components:
            raise MessageError(INVALID_MESSAGE, f"{where}: Component {name} appears twice.")
        components[name] = amount
    if not components:
        raise MessageError(INVALID_MESSAGE, f"{where}/ItemPriceAdjustments has no Component.")
    return _Adjustment(where, item, adjustment_id, reason, components, quantity)


def _component(element: Element, where: str, market: Marketplace) -> tuple[str, int]:
    check_children(element, ("Type", "Amount"), where)
    kind = required_text(element, "Type", where)
    if kind not in PRICE_COMPONENTS:
        raise MessageError(
            INVALID_MESSAGE,
            f"{where}/Type {kind!r} is not supported; use one of {', '.join(PRICE_COMPONENTS)}.",
        )
    text = required_text(element, "Amount", where)
    amount_element = element.find("Amount")
    currency = amount_element.get("currency") if amount_element is not None else None
    if currency != market.currency:
        raise MessageError(
            INVALID_MESSAGE,
            f"{where}/Amount currency is {currency!r}; order is in {market.currency}.",
        )
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise MessageError(INVALID_MESSAGE, f"{where}/Amount {text!r} is not a number.") from None
    minor = value.scaleb(market.decimals) if value.is_finite() else value
    if not minor.is_finite() or minor != minor.to_integral_value():
        raise MessageError(
            INVALID_MESSAGE,
            f"{where}/Amount {text} has more than {market.decimals} decimal places.",
        )
    if minor < 0:
        raise MessageError(
            INVALID_MESSAGE,
            f"{where}/Amount {text} is negative; give the amount credited to the buyer.",
        )
    return kind, int(minor)


def _money(minor: int, market: Marketplace) -> str:
    return f"{format_minor(minor, market.decimals)} {market.currency}"
