"""eBay ``Order`` payloads → order snapshots: statuses, line amounts, addresses, refusals."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from orderbridge.domain.errors import InvalidOrderData
from orderbridge.domain.states import OrderStatus
from orderbridge.marketplaces.ebay.mapper import (
    map_order,
    needs_fulfillments,
    order_id_of,
    shipped_by_line,
)


def usd(value: str) -> dict[str, str]:
    return {"value": value, "currency": "USD"}


def us_order(**changes: Any) -> dict[str, Any]:
    """A two-line US order as getOrder answers it with fieldGroups=TAX_BREAKDOWN."""
    order: dict[str, Any] = {
        "orderId": "04-11223-44556",
        "creationDate": "2026-03-02T10:15:30.120Z",
        "lastModifiedDate": "2026-03-02T11:00:00.000Z",
        "orderFulfillmentStatus": "NOT_STARTED",
        "orderPaymentStatus": "PAID",
        "buyer": {
            "username": "emily_4711",
            "buyerRegistrationAddress": {
                "fullName": "Emily Johnson",
                "email": "emily.johnson7@example.invalid",
                "contactAddress": {"city": "Austin", "countryCode": "US"},
            },
        },
        "pricingSummary": {"total": usd("94.63")},
        "cancelStatus": {"cancelState": "NONE_REQUESTED", "cancelRequests": []},
        "fulfillmentStartInstructions": [
            {
                "fulfillmentInstructionsType": "SHIP_TO",
                "shippingStep": {
                    "shipTo": {
                        "fullName": "Emily Johnson",
                        "contactAddress": {
                            "addressLine1": "118 Congress Ave",
                            "addressLine2": "Apt 12",
                            "city": "Austin",
                            "stateOrProvince": "TX",
                            "postalCode": "78701",
                            "countryCode": "US",
                        },
                        "primaryPhone": {"phoneNumber": "+1 512 555 0182"},
                    }
                },
            }
        ],
        "lineItems": [
            {
                "lineItemId": "10011122233344",
                "legacyItemId": "322611112222",
                "sku": "LAMP-DESK-LED",
                "title": "LED desk lamp",
                "quantity": 2,
                "lineItemCost": usd("79.90"),
                "appliedPromotions": [
                    {"promotionId": "5001", "description": "10% off", "discountAmount": usd("7.99")}
                ],
                "deliveryCost": {
                    "shippingCost": usd("11.20"),
                    "handlingCost": usd("1.00"),
                    "discountAmount": usd("11.20"),
                },
                "taxes": [{"amount": usd("5.21"), "taxType": "STATE_SALES_TAX"}],
                "lineItemFulfillmentStatus": "NOT_STARTED",
                "purchaseMarketplaceId": "EBAY_US",
                "lineItemFulfillmentInstructions": {"shipByDate": "2026-03-04T23:59:59.000Z"},
            },
            {
                "lineItemId": "10011122233355",
                "legacyItemId": "322633334444",
                "legacyVariationId": "600099990000",
                "title": "Brass candle holder",
                "quantity": 1,
                "lineItemCost": usd("32.00"),
                "deliveryCost": {"shippingCost": usd("0.00")},
                "taxes": [],
                "lineItemFulfillmentStatus": "NOT_STARTED",
                "purchaseMarketplaceId": "EBAY_US",
                "lineItemFulfillmentInstructions": {"shipByDate": "2026-03-03T23:59:59.000Z"},
            },
        ],
    }
    order.update(changes)
    return order


def test_a_paid_us_order_maps_to_an_unshipped_snapshot() -> None:
    snapshot = map_order(us_order())
    assert snapshot.external_id == "04-11223-44556"
    assert snapshot.status is OrderStatus.UNSHIPPED
    assert snapshot.marketplace_status == "NOT_STARTED"
    assert snapshot.currency == "USD"
    assert snapshot.marketplace_ids == ("EBAY_US",)
    assert snapshot.purchased_at == datetime(2026, 3, 2, 10, 15, 30, 120000, tzinfo=UTC)
    # The earliest ship-by date of the lines is the order's.
    assert snapshot.latest_ship_at == datetime(2026, 3, 3, 23, 59, 59, tzinfo=UTC)
    assert snapshot.fulfillment_channel == "SHIP_TO"


def test_line_amounts_are_line_totals_with_discounts_and_handling() -> None:
    lamp, holder = map_order(us_order()).lines
    assert lamp.item_price.amount == Decimal("79.90")
    assert lamp.shipping_price.amount == Decimal("12.20")  # shipping plus handling
    assert lamp.discount.amount == Decimal("19.19")  # promotion plus the shipping discount
    assert lamp.item_tax.amount == Decimal("5.21")
    assert lamp.shipping_tax.amount == Decimal("0")
    assert lamp.total.amount == Decimal("78.12")
    assert holder.total.amount == Decimal("32.00")


def test_a_line_without_sku_takes_its_listing_and_variation_ids() -> None:
    _, holder = map_order(us_order()).lines
    assert holder.sku == "322633334444-600099990000"


def test_buyer_and_address_come_from_registration_and_ship_to() -> None:
    snapshot = map_order(us_order())
    assert snapshot.buyer.name == "Emily Johnson"
    assert snapshot.buyer.email == "emily.johnson7@example.invalid"
    address = snapshot.shipping_address
    assert address is not None
    assert (address.line1, address.line2, address.city) == ("118 Congress Ave", "Apt 12", "Austin")
    assert (address.state_or_region, address.postal_code) == ("TX", "78701")
    assert (address.country_code, address.phone) == ("US", "+1 512 555 0182")


@pytest.mark.parametrize(
    ("fulfillment", "payment", "cancel", "expected"),
    [
        ("NOT_STARTED", "PAID", "NONE_REQUESTED", OrderStatus.UNSHIPPED),
        ("NOT_STARTED", "PENDING", "NONE_REQUESTED", OrderStatus.PENDING),
        ("NOT_STARTED", "FAILED", "NONE_REQUESTED", OrderStatus.PENDING),
        ("NOT_STARTED", "PARTIALLY_REFUNDED", "NONE_REQUESTED", OrderStatus.UNSHIPPED),
        ("NOT_STARTED", "PAID", "IN_PROGRESS", OrderStatus.UNSHIPPED),
        ("IN_PROGRESS", "PAID", "NONE_REQUESTED", OrderStatus.PARTIALLY_SHIPPED),
        ("FULFILLED", "PAID", "NONE_REQUESTED", OrderStatus.SHIPPED),
        ("NOT_STARTED", "FULLY_REFUNDED", "CANCELED", OrderStatus.CANCELED),
    ],
)
def test_status_mapping(fulfillment: str, payment: str, cancel: str, expected: OrderStatus) -> None:
    payload = us_order(
        orderFulfillmentStatus=fulfillment,
        orderPaymentStatus=payment,
        cancelStatus={"cancelState": cancel, "cancelRequests": []},
    )
    assert map_order(payload).status is expected


def test_marketplace_status_keeps_what_ebay_said() -> None:
    pending = us_order(orderPaymentStatus="PENDING")
    assert map_order(pending).marketplace_status == "NOT_STARTED, payment PENDING"
    asked = us_order(cancelStatus={"cancelState": "IN_PROGRESS", "cancelRequests": []})
    assert map_order(asked).marketplace_status == "NOT_STARTED, cancel IN_PROGRESS"
    cancelled = us_order(cancelStatus={"cancelState": "CANCELED"})
    assert map_order(cancelled).marketplace_status == "CANCELED"


def test_a_fulfilled_line_counts_fully_shipped_without_the_fulfillments() -> None:
    payload = us_order(orderFulfillmentStatus="FULFILLED")
    for line in payload["lineItems"]:
        line["lineItemFulfillmentStatus"] = "FULFILLED"
    lamp, holder = map_order(payload).lines
    assert (lamp.quantity_shipped, holder.quantity_shipped) == (2, 1)


def test_fulfillments_make_a_fulfilled_order_with_open_units_partially_shipped() -> None:
    payload = us_order(orderFulfillmentStatus="FULFILLED")
    for line in payload["lineItems"]:
        line["lineItemFulfillmentStatus"] = "FULFILLED"
    assert needs_fulfillments(payload)
    shipped = shipped_by_line(
        [
            {
                "fulfillmentId": "1Z1",
                "lineItems": [{"lineItemId": "10011122233344", "quantity": 1}],
            },
            {"fulfillmentId": "999", "lineItems": [{"lineItemId": "10011122233355"}]},
        ]
    )
    assert shipped == {"10011122233344": 1, "10011122233355": 1}
    snapshot = map_order(payload, shipped=shipped)
    assert [line.quantity_shipped for line in snapshot.lines] == [1, 1]
    assert snapshot.status is OrderStatus.PARTIALLY_SHIPPED


def test_single_units_or_unshipped_lines_need_no_fulfillments() -> None:
    payload = us_order()
    assert not needs_fulfillments(payload)
    payload["lineItems"][1]["lineItemFulfillmentStatus"] = "FULFILLED"  # one unit: exact
    assert not needs_fulfillments(payload)


def test_a_german_order_with_vat_in_the_price() -> None:
    payload = copy.deepcopy(us_order())
    payload["pricingSummary"] = {"total": {"value": "26.89", "currency": "EUR"}}
    payload["lineItems"] = [
        {
            "lineItemId": "10099988877766",
            "sku": "BOTTLE-INS-750",
            "title": "Isolierflasche 750 ml",
            "quantity": 1,
            "lineItemCost": {"value": "21.90", "currency": "EUR"},
            "deliveryCost": {"shippingCost": {"value": "4.99", "currency": "EUR"}},
            "taxes": [],
            "lineItemFulfillmentStatus": "NOT_STARTED",
            "purchaseMarketplaceId": "EBAY_DE",
        }
    ]
    snapshot = map_order(payload)
    assert snapshot.currency == "EUR"
    assert snapshot.marketplace_ids == ("EBAY_DE",)
    assert snapshot.total.amount == Decimal("26.89")
    assert snapshot.lines[0].item_tax.amount == Decimal("0")


def test_currency_falls_back_to_the_connection_marketplace() -> None:
    payload = us_order()
    del payload["pricingSummary"]
    for line in payload["lineItems"]:
        line.pop("lineItemCost")
        line.pop("appliedPromotions", None)
        line.pop("deliveryCost")
        line["taxes"] = []
        line.pop("purchaseMarketplaceId")
    snapshot = map_order(payload, default_currency="EUR", default_marketplace="EBAY_DE")
    assert snapshot.currency == "EUR"
    assert snapshot.marketplace_ids == ("EBAY_DE",)
    assert snapshot.total.amount == Decimal("0")


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (
            lambda o: o["lineItems"][0].update(lineItemCost={"value": 79.9, "currency": "USD"}),
            "lineItems[0].lineItemCost.value",
        ),
        (lambda o: o["lineItems"][0].update(quantity="2"), "lineItems[0].quantity"),
        (lambda o: o.update(orderFulfillmentStatus="SHIPPED"), "orderFulfillmentStatus"),
        (
            lambda o: o["lineItems"][0]["taxes"][0].update(
                amount={"value": "1", "currency": "EUR"}
            ),
            "lineItems[0].taxes[0].amount",
        ),
        (lambda o: o.update(lastModifiedDate="2026-03-02 11:00"), "lastModifiedDate"),
        (lambda o: o.update(lineItems=[]), "lineItems"),
        (lambda o: o["lineItems"][1].pop("legacyItemId"), "lineItems[1]"),
    ],
)
def test_malformed_orders_are_refused_naming_the_field(change: Any, named: str) -> None:
    payload = us_order()
    change(payload)
    with pytest.raises(InvalidOrderData) as raised:
        map_order(payload)
    assert named in str(raised.value)
    assert "04-11223-44556" in str(raised.value)


def test_order_id_of_odd_payloads() -> None:
    assert order_id_of({"orderId": "01-23456-78901"}) == "01-23456-78901"
    assert order_id_of({"orderId": 7}) == "<unknown>"
    assert order_id_of("not an order") == "<unknown>"
