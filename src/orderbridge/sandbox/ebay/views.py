"""Records → the Fulfillment API's JSON shapes (``Order``, ``LineItem``, ``ShippingFulfillment``).

Field names and nesting follow ``sell_fulfillment_v1_oas3.yaml`` v1.20.7. Amounts are
``{value, currency}`` with the value as a decimal string. As the contract says, getOrders
returns ``cancelStatus.cancelRequests`` empty (only getOrder fills it), ``taxType`` appears
only with ``fieldGroups=TAX_BREAKDOWN``, and line and order totals include the tax eBay
collects only with that field group.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from orderbridge.sandbox.ebay.catalogue import MARKETPLACES
from orderbridge.sandbox.ebay.people import Contact
from orderbridge.sandbox.ebay.records import ZERO, Fulfillment, LineItem, Order, Refund

DAY = 86400.0
FULFILLMENT_BASE = "/sell/fulfillment/v1"


def iso(moment: float) -> str:
    stamp = datetime.fromtimestamp(moment, tz=UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


def money(value: Decimal, currency: str) -> dict[str, str]:
    return {"value": f"{value:.2f}", "currency": currency}


def render_order(order: Order, *, base_url: str, tax_breakdown: bool, full: bool) -> dict[str, Any]:
    """One ``Order``; ``full`` is getOrder (cancel requests filled), else getOrders."""
    currency = order.currency
    include_tax = tax_breakdown or not order.collects_tax
    total = sum((_line_total(line, include_tax) for line in order.lines), ZERO)
    body: dict[str, Any] = {
        "orderId": order.order_id,
        "creationDate": iso(order.created),
        "lastModifiedDate": iso(order.last_modified),
        "orderFulfillmentStatus": order.fulfillment_status,
        "orderPaymentStatus": order.payment_status,
        "sellerId": "orderbridge_sandbox_seller",
        "buyer": _buyer(order),
        "pricingSummary": _pricing(order, total),
        "cancelStatus": _cancel_status(order, full),
        "paymentSummary": _payment_summary(order, total),
        "fulfillmentStartInstructions": [_instruction(order)],
        "fulfillmentHrefs": [
            f"{base_url}{FULFILLMENT_BASE}/order/{order.order_id}/shipping_fulfillment/"
            f"{fulfillment.fulfillment_id}"
            for fulfillment in order.fulfillments
        ],
        "lineItems": [_line(order, line, tax_breakdown, include_tax) for line in order.lines],
        "salesRecordReference": order.sales_record,
        "totalFeeBasisAmount": money(total, currency),
        "totalMarketplaceFee": money(
            (order.seller_total * Decimal("0.1325")).quantize(Decimal("0.01")), currency
        ),
    }
    if order.collects_tax:
        body["ebayCollectAndRemitTax"] = True
    if order.checkout_notes:
        body["buyerCheckoutNotes"] = order.checkout_notes
    return body


def render_fulfillment(fulfillment: Fulfillment) -> dict[str, Any]:
    body: dict[str, Any] = {
        "fulfillmentId": fulfillment.fulfillment_id,
        "lineItems": [{"lineItemId": k, "quantity": v} for k, v in fulfillment.lines.items()],
        "shippedDate": iso(fulfillment.shipped_at),
    }
    if fulfillment.tracking:
        body["shipmentTrackingNumber"] = fulfillment.tracking
    if fulfillment.carrier and fulfillment.tracking:
        body["shippingCarrierCode"] = fulfillment.carrier
    return body


def _line_total(line: LineItem, include_tax: bool) -> Decimal:
    return line.total if include_tax else line.seller_total


def _contact(contact: Contact) -> dict[str, Any]:
    address: dict[str, Any] = {
        "addressLine1": contact.line1,
        "city": contact.city,
        "postalCode": contact.postal_code,
        "countryCode": contact.country,
    }
    if contact.line2:
        address["addressLine2"] = contact.line2
    if contact.state:
        address["stateOrProvince"] = contact.state
    body: dict[str, Any] = {
        "fullName": contact.full_name,
        "contactAddress": address,
        "primaryPhone": {"phoneNumber": contact.phone},
        "email": contact.email,
    }
    if contact.company:
        body["companyName"] = contact.company
    return body


def _buyer(order: Order) -> dict[str, Any]:
    tax_address: dict[str, Any] = {
        "city": order.buyer.city,
        "postalCode": order.buyer.postal_code,
        "countryCode": order.buyer.country,
    }
    if order.buyer.state:
        tax_address["stateOrProvince"] = order.buyer.state
    return {
        "username": order.buyer_username,
        "taxAddress": tax_address,
        "buyerRegistrationAddress": _contact(order.buyer),
    }


def _pricing(order: Order, total: Decimal) -> dict[str, Any]:
    currency = order.currency
    body: dict[str, Any] = {
        "priceSubtotal": money(sum((line.cost for line in order.lines), ZERO), currency),
        "deliveryCost": money(sum((line.shipping_cost for line in order.lines), ZERO), currency),
        "total": money(total, currency),
    }
    delivery_discount = sum((line.shipping_discount for line in order.lines), ZERO)
    if delivery_discount:
        body["deliveryDiscount"] = money(-delivery_discount, currency)
    price_discount = sum((line.promotion for line in order.lines), ZERO)
    if price_discount:
        body["priceDiscount"] = money(-price_discount, currency)
    tax = sum((line.tax for line in order.lines), ZERO)
    if tax:
        body["tax"] = money(tax, currency)
    return body


def _cancel_status(order: Order, full: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"cancelState": order.cancel_state, "cancelRequests": []}
    closed = [c.closed_at for c in order.cancellations if c.state == "CLOSED" and c.closed_at]
    if closed:
        body["cancelledDate"] = iso(min(closed))
    if not full:
        return body
    for cancellation in order.cancellations:
        request: dict[str, Any] = {
            "cancelRequestId": cancellation.cancel_id,
            "cancelInitiator": cancellation.initiator,
            "cancelReason": cancellation.reason,
            "cancelRequestedDate": iso(cancellation.requested_at),
            "cancelRequestState": {"CLOSED": "COMPLETED", "REJECTED": "REJECTED"}.get(
                cancellation.state, "REQUESTED"
            ),
        }
        if cancellation.closed_at is not None:
            request["cancelCompletedDate"] = iso(cancellation.closed_at)
        body["cancelRequests"].append(request)
    return body


def _refund(refund: Refund, currency: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "refundId": refund.refund_id,
        "amount": money(refund.total, currency),
        "refundStatus": refund.status,
    }
    if refund.status == "REFUNDED":
        body["refundDate"] = iso(refund.settles_at)
        if refund.reference_id:
            body["refundReferenceId"] = refund.reference_id
    return body


def _payment_summary(order: Order, total: Decimal) -> dict[str, Any]:
    payment: dict[str, Any] = {
        "paymentMethod": "EBAY",
        "amount": money(total, order.currency),
        "paymentStatus": "PAID" if order.paid_at is not None else "PENDING",
    }
    if order.paid_at is not None:
        payment["paymentDate"] = iso(order.paid_at)
    return {
        "totalDueSeller": money(order.seller_total - order.refunded(), order.currency),
        "refunds": [_refund(refund, order.currency) for refund in order.refunds],
        "payments": [payment],
    }


def _instruction(order: Order) -> dict[str, Any]:
    ship_by = min(line.ship_by for line in order.lines)
    return {
        "fulfillmentInstructionsType": "SHIP_TO",
        "minEstimatedDeliveryDate": iso(ship_by + 2 * DAY),
        "maxEstimatedDeliveryDate": iso(ship_by + 5 * DAY),
        "ebaySupportedFulfillment": False,
        "shippingStep": {
            "shipTo": _contact(order.ship_to),
            "shippingServiceCode": order.shipping_service,
            "shippingCarrierCode": order.shipping_carrier,
        },
    }


def _line(order: Order, line: LineItem, tax_breakdown: bool, include_tax: bool) -> dict[str, Any]:
    currency = order.currency
    city, postal = MARKETPLACES[line.marketplace_id].item_location
    delivery: dict[str, Any] = {"shippingCost": money(line.shipping_cost, currency)}
    if line.shipping_discount:
        delivery["discountAmount"] = money(line.shipping_discount, currency)
    body: dict[str, Any] = {
        "lineItemId": line.line_item_id,
        "legacyItemId": line.legacy_item_id,
        "title": line.title,
        "lineItemCost": money(line.cost, currency),
        "quantity": line.quantity,
        "soldFormat": "FIXED_PRICE",
        "listingMarketplaceId": line.marketplace_id,
        "purchaseMarketplaceId": line.marketplace_id,
        "lineItemFulfillmentStatus": order.line_status(line),
        "total": money(_line_total(line, include_tax), currency),
        "deliveryCost": delivery,
        "appliedPromotions": [],
        "taxes": [],
        "properties": {"buyerProtection": True},
        "lineItemFulfillmentInstructions": {
            "minEstimatedDeliveryDate": iso(line.ship_by + 2 * DAY),
            "maxEstimatedDeliveryDate": iso(line.ship_by + 5 * DAY),
            "shipByDate": iso(line.ship_by),
            "guaranteedDelivery": False,
        },
        "itemLocation": {
            "location": city,
            "countryCode": MARKETPLACES[line.marketplace_id].country,
            "postalCode": postal,
        },
        "refunds": _line_refunds(order, line),
    }
    if line.sku:
        body["sku"] = line.sku
    if line.legacy_variation_id:
        body["legacyVariationId"] = line.legacy_variation_id
    if line.variation:
        body["variationAspects"] = [{"name": line.variation[0], "value": line.variation[1]}]
    if line.promotion:
        body["appliedPromotions"].append(
            {
                "promotionId": f"5{line.legacy_item_id[-9:]}",
                "description": "10% off",
                "discountAmount": money(line.promotion, currency),
            }
        )
        body["discountedLineItemCost"] = money(line.cost - line.promotion, currency)
    if line.tax:
        tax: dict[str, Any] = {"amount": money(line.tax, currency)}
        remit: dict[str, Any] = {"amount": money(line.tax, currency), "collectionMethod": "NET"}
        if tax_breakdown and line.tax_type:
            tax["taxType"] = line.tax_type
            remit["taxType"] = line.tax_type
        body["taxes"].append(tax)
        body["ebayCollectAndRemitTaxes"] = [remit]
    return body


def _line_refunds(order: Order, line: LineItem) -> list[dict[str, Any]]:
    entries = []
    for refund in order.refunds:
        amount = refund.amounts.get(line.line_item_id)
        if amount is None or refund.status == "FAILED":
            continue
        entry: dict[str, Any] = {
            "refundId": refund.refund_id,
            "amount": money(amount, order.currency),
        }
        if refund.status == "REFUNDED":
            entry["refundDate"] = iso(refund.settles_at)
        entries.append(entry)
    return entries
