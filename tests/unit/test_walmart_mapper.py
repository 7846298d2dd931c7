"""The Walmart mapper: Orders API payloads → OrderSnapshot, pure, no I/O."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from orderbridge.domain.errors import InvalidOrderData
from orderbridge.domain.states import OrderStatus
from orderbridge.marketplaces.walmart.connector import map_page
from orderbridge.marketplaces.walmart.mapper import map_order, order_id_of

PLACED = 1_772_445_600_000  # 2026-03-02T10:00:00Z
LATER = PLACED + 3_600_000


def status(name: str, quantity: int, **extra: Any) -> dict[str, Any]:
    return {
        "status": name,
        "statusQuantity": {"unitOfMeasurement": "EACH", "amount": str(quantity)},
        **extra,
    }


def line(number: str, quantity: int, *statuses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "lineNumber": number,
        "item": {"productName": f"Product {number}", "sku": f"SKU-{number}"},
        "charges": {
            "charge": [
                {
                    "chargeType": "PRODUCT",
                    "chargeName": "ItemPrice",
                    "chargeAmount": {"currency": "USD", "amount": 19.99},
                    "tax": {"taxName": "Tax1", "taxAmount": {"currency": "USD", "amount": 1.65}},
                }
            ]
        },
        "orderLineQuantity": {"unitOfMeasurement": "EACH", "amount": str(quantity)},
        "statusDate": PLACED,
        "orderLineStatuses": {"orderLineStatus": list(statuses) or [status("Created", quantity)]},
        **extra,
    }


def order(*lines: dict[str, Any]) -> dict[str, Any]:
    return {
        "purchaseOrderId": "1796277083022",
        "customerOrderId": "5281956426648",
        "customerEmailId": "3A31739D8B0A45A1B23F7F8C81C8747F@relay.walmart.com",
        "orderDate": PLACED,
        "shippingInfo": {
            "phone": "3155598681",
            "estimatedDeliveryDate": PLACED + 5 * 86_400_000,
            "estimatedShipDate": PLACED + 86_400_000,
            "methodCode": "Standard",
            "postalAddress": {
                "name": "Kathryn Cole",
                "address1": "3258 Warners Rd",
                "address2": "Garage",
                "city": "Warners",
                "state": "NY",
                "postalCode": "13164",
                "country": "USA",
                "addressType": "RESIDENTIAL",
            },
        },
        "orderLines": {"orderLine": list(lines) or [line("1", 1)]},
        "shipNode": {"type": "SellerFulfilled"},
    }


def tracking(number: str) -> dict[str, Any]:
    return {
        "trackingInfo": {
            "shipDateTime": LATER,
            "carrierName": {"carrier": "UPS"},
            "methodCode": "Standard",
            "trackingNumber": number,
        }
    }


def test_a_released_order_maps_with_its_address_buyer_and_money() -> None:
    payload = order(line("1", 1))
    payload["orderLines"]["orderLine"][0]["charges"]["charge"].append(
        {
            "chargeType": "SHIPPING",
            "chargeName": "Shipping",
            "chargeAmount": {"currency": "USD", "amount": 5.99},
            "tax": {"taxName": "Tax2", "taxAmount": {"currency": "USD", "amount": 0.49}},
        }
    )
    snapshot = map_order(payload)

    assert snapshot.external_id == "1796277083022"
    assert snapshot.purchased_at == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert snapshot.latest_ship_at == datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
    assert snapshot.status is OrderStatus.UNSHIPPED
    assert snapshot.marketplace_status == "Created"
    assert snapshot.currency == "USD"
    assert snapshot.fulfillment_channel == "SellerFulfilled"
    assert snapshot.buyer.email == "3A31739D8B0A45A1B23F7F8C81C8747F@relay.walmart.com"
    assert snapshot.buyer.name == "Kathryn Cole"
    address = snapshot.shipping_address
    assert address is not None
    assert (address.line1, address.line2, address.city) == ("3258 Warners Rd", "Garage", "Warners")
    assert (address.state_or_region, address.postal_code) == ("NY", "13164")
    assert address.country_code == "US"
    assert address.phone == "3155598681"
    (mapped,) = snapshot.lines
    assert (mapped.external_line_id, mapped.sku, mapped.title) == ("1", "SKU-1", "Product 1")
    assert mapped.item_price.amount == Decimal("19.99")
    assert mapped.item_tax.amount == Decimal("1.65")
    assert mapped.shipping_price.amount == Decimal("5.99")
    assert mapped.shipping_tax.amount == Decimal("0.49")
    assert snapshot.total.amount == Decimal("28.12")
    assert snapshot.raw["purchaseOrderId"] == "1796277083022"


def test_amounts_are_exact_decimals_whatever_json_number_they_came_as() -> None:
    payload = order(line("1", 3))
    charge = payload["orderLines"]["orderLine"][0]["charges"]["charge"][0]
    charge["chargeAmount"]["amount"] = 0.3  # 0.1 + 0.2 is not 0.3 in binary
    charge["tax"]["taxAmount"]["amount"] = 10  # whole dollars arrive as integers
    (mapped,) = map_order(payload).lines
    assert mapped.item_price.amount == Decimal("0.3")
    assert mapped.item_tax.amount == Decimal("10")
    assert mapped.quantity_ordered == 3


def test_a_negative_product_charge_is_a_discount() -> None:
    payload = order(line("1", 1))
    payload["orderLines"]["orderLine"][0]["charges"]["charge"].append(
        {
            "chargeType": "PRODUCT",
            "chargeName": "SubscriptionDiscount",
            "chargeAmount": {"currency": "USD", "amount": -2.0},
        }
    )
    (mapped,) = map_order(payload).lines
    assert mapped.item_price.amount == Decimal("19.99")
    assert mapped.discount.amount == Decimal("2.0")
    assert mapped.total.amount == Decimal("19.64")


@pytest.mark.parametrize(
    ("statuses", "expected", "shipped"),
    [
        ([status("Acknowledged", 2)], OrderStatus.UNSHIPPED, 0),
        (
            [status("Shipped", 1, **tracking("1Z1")), status("Acknowledged", 1)],
            OrderStatus.PARTIALLY_SHIPPED,
            1,
        ),
        (
            [status("Shipped", 1, **tracking("1Z1")), status("Delivered", 1, **tracking("1Z2"))],
            OrderStatus.SHIPPED,
            2,
        ),
        (
            [status("Cancelled", 2, cancellationReason="CUSTOMER_CANCELLED")],
            OrderStatus.CANCELED,
            0,
        ),
        ([status("Shipped", 1, **tracking("1Z1")), status("Cancelled", 1)], OrderStatus.SHIPPED, 1),
        ([status("Refund", 2)], OrderStatus.SHIPPED, 2),
    ],
    ids=[
        "acknowledged",
        "partly-shipped",
        "shipped-and-delivered",
        "cancelled",
        "shipped-rest-cancelled",
        "refunded",
    ],
)
def test_line_statuses_decide_the_order_status(
    statuses: list[dict[str, Any]], expected: OrderStatus, shipped: int
) -> None:
    snapshot = map_order(order(line("1", 2, *statuses)))
    assert snapshot.status is expected
    assert snapshot.lines[0].quantity_shipped == shipped


def test_one_shipped_line_of_two_is_partially_shipped() -> None:
    snapshot = map_order(
        order(
            line("1", 1, status("Shipped", 1, **tracking("1Z1"))),
            line("2", 1, status("Acknowledged", 1)),
        )
    )
    assert snapshot.status is OrderStatus.PARTIALLY_SHIPPED
    assert snapshot.marketplace_status == "Acknowledged,Shipped"
    assert [mapped.quantity_shipped for mapped in snapshot.lines] == [1, 0]


def test_the_last_change_is_the_latest_status_date() -> None:
    second = line("2", 1)
    second["statusDate"] = LATER
    snapshot = map_order(order(line("1", 1), second))
    assert snapshot.last_updated_at == datetime(2026, 3, 2, 11, 0, tzinfo=UTC)


def test_an_iso_order_date_is_read_too() -> None:
    payload = order()
    payload["orderDate"] = "2026-03-02T10:00:00.000Z"
    assert map_order(payload).purchased_at == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda o: o.pop("orderLines"), "orderLines"),
        (lambda o: o.update(orderDate=1.5), "orderDate"),
        (lambda o: o["orderLines"]["orderLine"][0].pop("item"), "item"),
        (
            lambda o: o["orderLines"]["orderLine"][0]["orderLineStatuses"]["orderLineStatus"][
                0
            ].update(status="Lost"),
            "status",
        ),
        (
            lambda o: o["orderLines"]["orderLine"][0]["charges"]["charge"][0][
                "chargeAmount"
            ].update(currency="CAD"),
            "is in USD, the order in CAD",
        ),
        (
            lambda o: o["orderLines"]["orderLine"][0]["orderLineQuantity"].update(amount="two"),
            "orderLineQuantity",
        ),
    ],
    ids=["no-lines", "float-date", "no-item", "unknown-status", "two-currencies", "bad-quantity"],
)
def test_a_malformed_order_is_refused_naming_the_field(change: Any, named: str) -> None:
    payload = order(line("1", 1), line("2", 1))
    change(payload)
    with pytest.raises(InvalidOrderData) as refused:
        map_order(payload)
    assert named in str(refused.value)
    assert "1796277083022" in str(refused.value)


def test_more_units_shipped_than_ordered_is_refused() -> None:
    with pytest.raises(InvalidOrderData, match="shipped of 1 ordered"):
        map_order(order(line("1", 1, status("Shipped", 2, **tracking("1Z1")))))


def test_a_bad_order_in_a_page_is_a_problem_and_the_page_goes_on() -> None:
    good = order()
    bad = copy.deepcopy(good)
    bad["purchaseOrderId"] = "2000000000002"
    bad["orderLines"] = {"orderLine": "not a list"}
    page = map_page([good, bad, "not even an object"])
    assert [snapshot.external_id for snapshot in page.snapshots] == ["1796277083022"]
    assert [problem.external_id for problem in page.problems] == ["2000000000002", "<unknown>"]
    assert "orderLines.orderLine" in page.problems[0].message
    assert page.problems[0].raw["purchaseOrderId"] == "2000000000002"


def test_order_id_of_names_what_it_can() -> None:
    assert order_id_of({"purchaseOrderId": "42"}) == "42"
    assert order_id_of({"purchaseOrderId": 42}) == "<unknown>"
    assert order_id_of(None) == "<unknown>"
