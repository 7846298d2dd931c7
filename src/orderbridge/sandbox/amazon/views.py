"""Rendering of internal order records into the Orders API 2026-01-01 `Order` JSON shape.

Only the base fields are always present (orderId, times, programs, salesChannel, orderItems
with their product); every optional block appears only when its `includedData` value is asked
for, following the model's descriptions of what each dataset adds:

BUYER -> order.buyer; RECIPIENT -> order.recipient; PROCEEDS -> order.proceeds and
item.proceeds; EXPENSE -> item.expense (Amazon Points, JP only); PROMOTION -> item.promotion;
CANCELLATION -> item.cancellation; FULFILLMENT -> order.fulfillment and item.fulfillment;
PACKAGES -> order.packages (merchant-fulfilled only); TAX -> item.tax; PAYMENT ->
order.payment; FULFILLMENT_ORDERS -> order.fulfillmentOrders (EasyShip only: never here).

Two v0 behaviours are kept because the 2026 model is silent and connectors must cope with
them: pending orders carry no prices or proceeds, and the delivery address is only disclosed
for UNSHIPPED, PARTIALLY_SHIPPED and SHIPPED orders.
"""

from __future__ import annotations

import time
from typing import Any

from orderbridge.sandbox.amazon.marketplaces import MARKETPLACES, Marketplace, format_minor
from orderbridge.sandbox.amazon.records import Address, Item, Order, Package

INCLUDED_DATA: tuple[str, ...] = (
    "BUYER",
    "RECIPIENT",
    "PROCEEDS",
    "EXPENSE",
    "PROMOTION",
    "CANCELLATION",
    "FULFILLMENT",
    "PACKAGES",
    "TAX",
    "PAYMENT",
    "FULFILLMENT_ORDERS",
)

_PENDING = frozenset({"PENDING", "PENDING_AVAILABILITY"})
_ADDRESS_VISIBLE = frozenset({"UNSHIPPED", "PARTIALLY_SHIPPED", "SHIPPED"})

Json = dict[str, Any]


def iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def _money(amount: int, market: Marketplace) -> Json:
    return {"amount": format_minor(amount, market.decimals), "currencyCode": market.currency}


def render_order(order: Order, included: frozenset[str], now: float) -> Json:
    market = MARKETPLACES[order.marketplace_id]
    pending = order.status in _PENDING
    body: Json = {
        "orderId": order.order_id,
        "createdTime": iso(order.created),
        "lastUpdatedTime": iso(order.last_updated),
    }
    if order.seller_order_id:
        body["orderAliases"] = [{"aliasId": order.seller_order_id, "aliasType": "SELLER_ORDER_ID"}]
    if order.programs:
        body["programs"] = list(order.programs)
    body["salesChannel"] = {
        "channelName": "AMAZON",
        "marketplaceId": market.marketplace_id,
        "marketplaceName": market.name,
    }
    if "BUYER" in included:
        body["buyer"] = _buyer(order)
    if "RECIPIENT" in included and order.status in _ADDRESS_VISIBLE:
        body["recipient"] = {"deliveryAddress": _address(order, order.address, now)}
    if "PROCEEDS" in included and not pending:
        body["proceeds"] = _order_proceeds(order, market)
    if "PAYMENT" in included and not pending:
        method = "Invoice" if order.buyer_po else "CreditCard"
        total = sum(item.proceeds_total for item in order.items)
        body["payment"] = {
            "paymentExecutions": [{"paymentMethod": method, "paymentAmount": _money(total, market)}]
        }
    if "FULFILLMENT" in included:
        body["fulfillment"] = {
            "fulfillmentStatus": order.status,
            "fulfilledBy": order.fulfilled_by,
            "fulfillmentServiceLevel": order.service_level,
            "shipByWindow": {
                "earliestDateTime": iso(order.ship_by_earliest),
                "latestDateTime": iso(order.ship_by_latest),
            },
            "deliverByWindow": {
                "earliestDateTime": iso(order.deliver_by_earliest),
                "latestDateTime": iso(order.deliver_by_latest),
            },
        }
    body["orderItems"] = [_item(order, item, market, included, pending) for item in order.items]
    if "PACKAGES" in included and order.packages:
        body["packages"] = [_package(package, market) for package in order.packages]
    return body


def _buyer(order: Order) -> Json:
    buyer: Json = {"buyerName": order.buyer_name}
    # the model: buyerEmail is only available for merchant-fulfilled orders
    if order.fulfilled_by == "MERCHANT":
        buyer["buyerEmail"] = order.buyer_email
    if order.buyer_company:
        buyer["buyerCompanyName"] = order.buyer_company
    if order.buyer_po:
        buyer["buyerPurchaseOrderNumber"] = order.buyer_po
    return buyer


def _address(order: Order, address: Address, now: float) -> Json:
    body: Json = {"name": address.name}
    if address.company:
        body["companyName"] = address.company
    body["addressLine1"] = address.line1
    if address.line2:
        body["addressLine2"] = address.line2
    body["city"] = address.city
    if address.district:
        body["districtOrCounty"] = address.district
    if address.state:
        body["stateOrRegion"] = address.state
    body["postalCode"] = address.postal_code
    body["countryCode"] = address.country_code
    # the model: the phone is suppressed for FBA orders and for shipped FBM orders once the
    # latest delivery date has passed
    suppressed = order.fulfilled_by == "AMAZON" or (
        order.status == "SHIPPED" and now > order.deliver_by_latest
    )
    if address.phone and not suppressed:
        body["phone"] = address.phone
    body["addressType"] = address.address_type
    return body


def _order_proceeds(order: Order, market: Marketplace) -> Json:
    item_sum = sum(item.item_total for item in order.items)
    shipping = sum(item.shipping for item in order.items)
    tax = sum(item.tax for item in order.items)
    discount = sum(item.discount for item in order.items)
    breakdowns = [{"type": "ITEM", "subtotal": _money(item_sum, market)}]
    if shipping:
        breakdowns.append({"type": "SHIPPING", "subtotal": _money(shipping, market)})
    if tax:
        breakdowns.append({"type": "TAX", "subtotal": _money(tax, market)})
    if discount:
        breakdowns.append({"type": "DISCOUNT", "subtotal": _money(-discount, market)})
    total = item_sum + shipping + tax - discount
    return {"grandTotal": _money(total, market), "breakdowns": breakdowns}


def _item(
    order: Order, item: Item, market: Marketplace, included: frozenset[str], pending: bool
) -> Json:
    product: Json = {
        "asin": item.asin,
        "title": item.title,
        "sellerSku": item.sku,
        "condition": {"conditionType": "NEW", "conditionSubtype": "NEW"},
    }
    if not pending:
        price: Json = {"unitPrice": _money(item.unit_price, market)}
        if item.business_price:
            price["priceDesignation"] = "BUSINESS_PRICE"
        product["price"] = price
    body: Json = {
        "orderItemId": item.order_item_id,
        "quantityOrdered": item.quantity,
        "product": product,
    }
    if "PROCEEDS" in included and not pending:
        breakdowns = [{"type": "ITEM", "subtotal": _money(item.item_total, market)}]
        if item.shipping:
            breakdowns.append({"type": "SHIPPING", "subtotal": _money(item.shipping, market)})
        if item.tax:
            breakdowns.append({"type": "TAX", "subtotal": _money(item.tax, market)})
        if item.discount:
            breakdowns.append({"type": "DISCOUNT", "subtotal": _money(-item.discount, market)})
        body["proceeds"] = {
            "proceedsTotal": _money(item.proceeds_total, market),
            "breakdowns": breakdowns,
        }
    if "EXPENSE" in included and market.currency == "JPY" and not pending:
        points = item.item_total // 100
        body["expense"] = {
            "pointsCost": {
                "pointsGranted": {
                    "pointsNumber": points,
                    "pointsMonetaryValue": _money(points, market),
                }
            }
        }
    if "PROMOTION" in included and item.promotion_id:
        body["promotion"] = {"breakdowns": [{"promotionId": item.promotion_id}]}
    if "CANCELLATION" in included:
        cancellation = _cancellation(order, item)
        if cancellation:
            body["cancellation"] = cancellation
    if "FULFILLMENT" in included:
        cancelled = order.status == "CANCELLED"
        fulfillment: Json = {
            "quantityFulfilled": item.quantity_shipped,
            # cancelled units are neither fulfilled nor waiting to be
            "quantityUnfulfilled": 0 if cancelled else max(item.quantity_open, 0),
        }
        if item.gift_message:
            fulfillment["packing"] = {
                "giftOption": {"giftMessage": item.gift_message, "giftWrapLevel": "STANDARD"}
            }
        body["fulfillment"] = fulfillment
    if "TAX" in included and not pending:
        body["tax"] = {
            "taxCollections": [
                {
                    "model": "MARKETPLACE_FACILITATOR",
                    "responsibleParty": market.tax_responsible_party,
                }
            ]
        }
    return body


def _cancellation(order: Order, item: Item) -> Json | None:
    cancellation: Json = {}
    if order.buyer_cancel_reason or order.cancelled_by == "BUYER":
        cancellation["cancellationRequest"] = {
            "requester": "BUYER",
            "cancelReason": order.buyer_cancel_reason or order.cancel_reason or "",
        }
    if item.cancelled_by is not None:
        # cancelled item by item (a feed): the item's own record, reason only when one was given
        execution: Json = {"cancelledBy": item.cancelled_by}
        if item.cancel_reason:
            execution["cancelReason"] = item.cancel_reason
        cancellation["cancellationExecution"] = execution
    elif order.status == "CANCELLED":
        cancellation["cancellationExecution"] = {
            "cancelledBy": order.cancelled_by or "MERCHANT",
            "cancelReason": order.cancel_reason or "",
        }
    return cancellation or None


def _package(package: Package, market: Marketplace) -> Json:
    status: Json = {"status": package.status}
    if package.detailed_status is not None:
        status["detailedStatus"] = package.detailed_status
    body: Json = {
        "packageReferenceId": package.package_reference_id,
        "createdTime": iso(package.created),
        "packageStatus": status,
        "carrier": package.carrier,
        "shipTime": iso(package.ship_time),
    }
    if package.shipping_service is not None:
        body["shippingService"] = package.shipping_service
    body["trackingNumber"] = package.tracking_number
    body["shipFromAddress"] = dict(market.ship_from)
    body["packageItems"] = [
        {"orderItemId": item_id, "quantity": quantity} for item_id, quantity in package.items
    ]
    return body
