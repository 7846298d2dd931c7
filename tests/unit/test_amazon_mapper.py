"""The Amazon mapper: Orders API 2026-01-01 payloads to OrderSnapshot, exactly and loudly."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from orderbridge.domain.errors import InvalidOrderData
from orderbridge.domain.money import Money
from orderbridge.domain.states import OrderStatus
from orderbridge.marketplaces.amazon.connector import map_page
from orderbridge.marketplaces.amazon.mapper import STATUS_MAP, map_order


def money(amount: str, currency: str = "USD") -> dict[str, str]:
    return {"amount": amount, "currencyCode": currency}


# Written from the model's Order definition with every block of includedData requested.
_FULL_ORDER: dict[str, Any] = {
    "orderId": "113-4567890-1234567",
    "orderAliases": [{"aliasId": "SELLER-2026-001", "aliasType": "SELLER_ORDER_ID"}],
    "createdTime": "2026-03-02T10:30:00Z",
    "lastUpdatedTime": "2026-03-02T14:45:12.5Z",
    "programs": ["PRIME"],
    "salesChannel": {
        "channelName": "AMAZON",
        "marketplaceId": "ATVPDKIKX0DER",
        "marketplaceName": "Amazon.com",
    },
    "buyer": {
        "buyerName": "Jane Doe",
        "buyerEmail": "abc123@marketplace.amazon.com",
        "buyerCompanyName": "Doe Supplies LLC",
        "buyerPurchaseOrderNumber": "PO-77",
    },
    "recipient": {
        "deliveryAddress": {
            "name": "Jane Doe",
            "companyName": "Doe Supplies LLC",
            "addressLine1": "12 Pine Street",
            "addressLine2": "Suite 4",
            "addressLine3": "",
            "city": "Seattle",
            "districtOrCounty": "King County",
            "stateOrRegion": "WA",
            "municipality": "",
            "postalCode": "98101",
            "countryCode": "US",
            "phone": "+1 555 0100",
            "addressType": "COMMERCIAL",
        },
        "deliveryPreference": {"dropOffLocation": "Front desk"},
    },
    "proceeds": {
        "grandTotal": money("59.51"),
        "breakdowns": [
            {"type": "ITEM", "subtotal": money("49.97")},
            {"type": "SHIPPING", "subtotal": money("5.99")},
            {"type": "TAX", "subtotal": money("4.55")},
            {"type": "DISCOUNT", "subtotal": money("-1.00")},
        ],
    },
    "tax": {
        "taxRegistrations": [],
        "taxInvoicing": {"invoiceStatus": "NOT_REQUIRED"},
    },
    "fulfillment": {
        "fulfillmentStatus": "PARTIALLY_SHIPPED",
        "fulfilledBy": "MERCHANT",
        "fulfillmentServiceLevel": "STANDARD",
        "shipByWindow": {
            "earliestDateTime": "2026-03-03T00:00:00Z",
            "latestDateTime": "2026-03-04T23:59:59-08:00",
        },
        "deliverByWindow": {
            "earliestDateTime": "2026-03-06T00:00:00Z",
            "latestDateTime": "2026-03-09T23:59:59Z",
        },
    },
    "orderItems": [
        {
            "orderItemId": "10000000000001",
            "quantityOrdered": 2,
            "programs": [],
            "product": {
                "asin": "B0TESTASIN1",
                "title": "Ceramic mug, 350 ml",
                "sellerSku": "MUG-350-WHITE",
                "condition": {"conditionType": "NEW", "conditionSubtype": "NEW"},
                "price": {"unitPrice": money("19.99")},
            },
            "proceeds": {
                "proceedsTotal": money("46.48"),
                "breakdowns": [
                    {"type": "ITEM", "subtotal": money("39.98")},
                    {"type": "SHIPPING", "subtotal": money("3.99")},
                    {
                        "type": "TAX",
                        "subtotal": money("3.51"),
                        "detailedBreakdowns": [
                            {"subtype": "ITEM", "value": money("3.20")},
                            {"subtype": "SHIPPING", "value": money("0.31")},
                        ],
                    },
                    {
                        "type": "DISCOUNT",
                        "subtotal": money("-1.00"),
                        "detailedBreakdowns": [{"subtype": "ITEM", "value": money("-1.00")}],
                    },
                ],
            },
            "promotion": {"breakdowns": [{"promotionId": "PROMO-SPRING"}]},
            "fulfillment": {"quantityFulfilled": 1, "quantityUnfulfilled": 1},
            "tax": {
                "taxCollections": [
                    {
                        "model": "MARKETPLACE_FACILITATOR",
                        "responsibleParty": "Amazon Services, Inc.",
                    }
                ]
            },
        },
        {
            "orderItemId": "10000000000002",
            "quantityOrdered": 1,
            "product": {
                "asin": "B0TESTASIN2",
                "title": "Coaster set",
                "sellerSku": "COASTER-4",
                "price": {"unitPrice": money("9.99")},
            },
            "proceeds": {
                "proceedsTotal": money("13.03"),
                "breakdowns": [
                    {"type": "ITEM", "subtotal": money("9.99")},
                    {"type": "SHIPPING", "subtotal": money("2.00")},
                    {"type": "TAX", "subtotal": money("1.04")},
                ],
            },
            "fulfillment": {"quantityFulfilled": 0, "quantityUnfulfilled": 1},
        },
    ],
}


def full_order() -> dict[str, Any]:
    return copy.deepcopy(_FULL_ORDER)


def test_full_payload_maps_every_field() -> None:
    snapshot = map_order(full_order())

    assert snapshot.external_id == "113-4567890-1234567"
    assert snapshot.marketplace_ids == ("ATVPDKIKX0DER",)
    assert snapshot.purchased_at == datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
    assert snapshot.last_updated_at == datetime(2026, 3, 2, 14, 45, 12, 500000, tzinfo=UTC)
    assert snapshot.latest_ship_at == datetime(2026, 3, 5, 7, 59, 59, tzinfo=UTC)
    assert snapshot.marketplace_status == "PARTIALLY_SHIPPED"
    assert snapshot.status is OrderStatus.PARTIALLY_SHIPPED
    assert snapshot.currency == "USD"
    assert snapshot.fulfillment_channel == "MERCHANT"

    assert snapshot.buyer.name == "Jane Doe"
    assert snapshot.buyer.email == "abc123@marketplace.amazon.com"
    assert snapshot.buyer.company == "Doe Supplies LLC"

    address = snapshot.shipping_address
    assert address is not None
    assert (address.name, address.company) == ("Jane Doe", "Doe Supplies LLC")
    assert (address.line1, address.line2, address.line3) == ("12 Pine Street", "Suite 4", None)
    assert (address.city, address.postal_code) == ("Seattle", "98101")
    assert (address.state_or_region, address.country_code) == ("WA", "US")
    assert address.phone == "+1 555 0100"

    first, second = snapshot.lines
    assert first.external_line_id == "10000000000001"
    assert (first.sku, first.asin, first.title) == (
        "MUG-350-WHITE",
        "B0TESTASIN1",
        "Ceramic mug, 350 ml",
    )
    assert (first.quantity_ordered, first.quantity_shipped) == (2, 1)
    assert first.item_price == Money(Decimal("39.98"), "USD")
    assert first.item_tax == Money(Decimal("3.20"), "USD")
    assert first.shipping_price == Money(Decimal("3.99"), "USD")
    assert first.shipping_tax == Money(Decimal("0.31"), "USD")
    assert first.discount == Money(Decimal("1.00"), "USD")
    assert first.total == Money(Decimal("46.48"), "USD")

    # No detailed breakdown: all tax is item tax.
    assert second.item_tax == Money(Decimal("1.04"), "USD")
    assert second.shipping_tax == Money(Decimal("0"), "USD")
    assert second.discount == Money(Decimal("0"), "USD")
    assert second.quantity_shipped == 0

    assert snapshot.total == Money(Decimal("59.51"), "USD")
    assert snapshot.raw == full_order()


def test_money_stays_exact_decimal() -> None:
    payload = full_order()
    payload["orderItems"] = payload["orderItems"][:1]
    breakdowns = payload["orderItems"][0]["proceeds"]["breakdowns"]
    breakdowns[0]["subtotal"] = money("19.99")
    breakdowns[1]["subtotal"] = money("0.10")
    breakdowns[2] = {"type": "TAX", "subtotal": money("0.20")}
    line = map_order(payload).lines[0]
    assert line.item_price.amount == Decimal("19.99")
    assert isinstance(line.item_price.amount, Decimal)
    assert str(line.item_price.amount) == "19.99"
    # 0.1 + 0.2 in floats is 0.30000000000000004; in Decimal it is 0.30.
    assert line.shipping_price.amount + line.item_tax.amount == Decimal("0.30")


def test_many_decimal_places_are_not_rounded() -> None:
    payload = full_order()
    payload["orderItems"][0]["proceeds"]["breakdowns"][0]["subtotal"] = money("39.9812345")
    assert map_order(payload).lines[0].item_price.amount == Decimal("39.9812345")


def test_yen_amounts_without_minor_units() -> None:
    payload = full_order()
    payload["salesChannel"]["marketplaceId"] = "A1VC38T7YXB528"
    payload["proceeds"] = {"grandTotal": money("1980", "JPY")}
    payload["orderItems"] = [
        {
            "orderItemId": "1",
            "quantityOrdered": 1,
            "product": {"sellerSku": "JP-1", "title": "Tea"},
            "proceeds": {"breakdowns": [{"type": "ITEM", "subtotal": money("1980", "JPY")}]},
        }
    ]
    snapshot = map_order(payload)
    assert snapshot.currency == "JPY"
    assert snapshot.lines[0].item_price == Money(Decimal("1980"), "JPY")


def test_missing_optional_blocks_map_to_empty_values() -> None:
    payload = full_order()
    for block in ("buyer", "recipient", "proceeds", "tax", "orderAliases", "programs"):
        del payload[block]
    del payload["fulfillment"]["shipByWindow"]
    del payload["fulfillment"]["fulfilledBy"]
    for item in payload["orderItems"]:
        item.pop("proceeds")
        item.pop("fulfillment")
        item.pop("promotion", None)
        item.pop("tax", None)
        del item["product"]["asin"]
    snapshot = map_order(payload)
    assert snapshot.buyer.name is None and snapshot.buyer.email is None
    assert snapshot.shipping_address is None
    assert snapshot.latest_ship_at is None
    assert snapshot.fulfillment_channel is None
    line = snapshot.lines[0]
    # Without proceeds the price falls back to unit price x quantity; other charges are 0.
    assert line.item_price == Money(Decimal("39.98"), "USD")
    assert line.item_tax == Money.zero("USD")
    assert line.shipping_price == Money.zero("USD")
    assert line.discount == Money.zero("USD")
    assert line.asin is None
    assert line.quantity_shipped == 0  # partially shipped order, no per-line figure


def test_pending_order_without_any_amount_uses_the_marketplace_currency() -> None:
    payload = full_order()
    payload["fulfillment"]["fulfillmentStatus"] = "PENDING"
    payload["salesChannel"]["marketplaceId"] = "A1PA6795UKMFR9"
    del payload["proceeds"]
    for item in payload["orderItems"]:
        item.pop("proceeds")
        item["product"].pop("price")
    snapshot = map_order(payload)
    assert snapshot.status is OrderStatus.PENDING
    assert snapshot.currency == "EUR"
    assert snapshot.lines[0].item_price == Money.zero("EUR")


def test_order_without_any_amount_in_an_unknown_marketplace_is_refused() -> None:
    payload = full_order()
    payload["salesChannel"]["marketplaceId"] = "AUNKNOWN"
    del payload["proceeds"]
    for item in payload["orderItems"]:
        item.pop("proceeds")
        item["product"].pop("price")
    with pytest.raises(InvalidOrderData, match="currency"):
        map_order(payload)


def test_shipped_order_without_line_figures_counts_lines_as_shipped() -> None:
    payload = full_order()
    payload["fulfillment"]["fulfillmentStatus"] = "SHIPPED"
    for item in payload["orderItems"]:
        item.pop("fulfillment")
    snapshot = map_order(payload)
    assert [line.quantity_shipped for line in snapshot.lines] == [2, 1]


def test_empty_address_lines_become_none() -> None:
    payload = full_order()
    payload["recipient"]["deliveryAddress"]["addressLine2"] = ""
    address = map_order(payload).shipping_address
    assert address is not None and address.line2 is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-02T10:30:00Z", datetime(2026, 3, 2, 10, 30, tzinfo=UTC)),
        ("2026-03-02T10:30:00.123Z", datetime(2026, 3, 2, 10, 30, 0, 123000, tzinfo=UTC)),
        ("2026-03-02T12:30:00+02:00", datetime(2026, 3, 2, 10, 30, tzinfo=UTC)),
        ("2026-03-02T02:30:00-08:00", datetime(2026, 3, 2, 10, 30, tzinfo=UTC)),
    ],
)
def test_timestamps_become_aware_utc(value: str, expected: datetime) -> None:
    payload = full_order()
    payload["createdTime"] = value
    purchased = map_order(payload).purchased_at
    assert purchased == expected
    assert purchased.tzinfo is UTC


@pytest.mark.parametrize(
    ("amazon", "ours"),
    [
        ("PENDING_AVAILABILITY", OrderStatus.PENDING),
        ("PENDING", OrderStatus.PENDING),
        ("UNSHIPPED", OrderStatus.UNSHIPPED),
        ("PARTIALLY_SHIPPED", OrderStatus.PARTIALLY_SHIPPED),
        ("SHIPPED", OrderStatus.SHIPPED),
        ("CANCELLED", OrderStatus.CANCELED),
        ("UNFULFILLABLE", OrderStatus.CANCELED),
    ],
)
def test_status_mapping(amazon: str, ours: OrderStatus) -> None:
    payload = full_order()
    payload["fulfillment"]["fulfillmentStatus"] = amazon
    snapshot = map_order(payload)
    assert snapshot.status is ours
    assert snapshot.marketplace_status == amazon


def test_status_table_covers_the_model_enum() -> None:
    assert set(STATUS_MAP) == {
        "PENDING_AVAILABILITY",
        "PENDING",
        "UNSHIPPED",
        "PARTIALLY_SHIPPED",
        "SHIPPED",
        "CANCELLED",
        "UNFULFILLABLE",
    }


def _drop(path: tuple[Any, ...]) -> dict[str, Any]:
    payload = full_order()
    target: Any = payload
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return payload


def _set(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    payload = full_order()
    target: Any = payload
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return payload


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (_drop(("orderId",)), "orderId"),
        (_drop(("createdTime",)), "createdTime"),
        (_drop(("lastUpdatedTime",)), "lastUpdatedTime"),
        (_drop(("salesChannel",)), "salesChannel"),
        (_drop(("orderItems",)), "orderItems"),
        (_drop(("fulfillment",)), "fulfillment.fulfillmentStatus"),
        (_drop(("fulfillment", "fulfillmentStatus")), "fulfillment.fulfillmentStatus"),
        (
            _set(("fulfillment", "fulfillmentStatus"), "LOST_IN_SPACE"),
            "fulfillment.fulfillmentStatus",
        ),
        (_set(("createdTime",), "yesterday"), "createdTime"),
        (_set(("createdTime",), "2026-03-02T10:30:00"), "createdTime"),
        (_set(("lastUpdatedTime",), 1767225600), "lastUpdatedTime"),
        (_set(("orderItems", 0, "quantityOrdered"), "2"), "orderItems[0].quantityOrdered"),
        (_set(("orderItems", 0, "quantityOrdered"), -1), "orderItems[0].quantityOrdered"),
        (_drop(("orderItems", 1, "quantityOrdered")), "orderItems[1].quantityOrdered"),
        (_drop(("orderItems", 1, "orderItemId")), "orderItems[1].orderItemId"),
        (_drop(("orderItems", 0, "product", "sellerSku")), "orderItems[0].product.sellerSku"),
        (_drop(("orderItems", 0, "product")), "orderItems[0].product"),
        (
            _set(("orderItems", 0, "proceeds", "breakdowns", 0, "subtotal"), money("abc")),
            "orderItems[0].proceeds.breakdowns[0].subtotal.amount",
        ),
        (
            _set(
                ("orderItems", 0, "proceeds", "breakdowns", 0, "subtotal"),
                {"amount": 19.99, "currencyCode": "USD"},
            ),
            "orderItems[0].proceeds.breakdowns[0].subtotal.amount",
        ),
        (
            _set(("orderItems", 0, "proceeds", "breakdowns", 1, "subtotal"), money("1.00", "EUR")),
            "orderItems[0].proceeds.breakdowns[1].subtotal",
        ),
        (
            _set(("orderItems", 0, "proceeds", "breakdowns", 1, "subtotal"), money("1.00", "US")),
            "orderItems[0].proceeds.breakdowns[1].subtotal.currencyCode",
        ),
        (
            _drop(("orderItems", 0, "proceeds", "breakdowns", 1, "type")),
            "orderItems[0].proceeds.breakdowns[1].type",
        ),
        (_set(("orderItems", 0, "fulfillment", "quantityFulfilled"), True), "quantityFulfilled"),
        (_set(("buyer",), "Jane"), "buyer"),
        (_set(("recipient", "deliveryAddress", "city"), 42), "recipient.deliveryAddress.city"),
        (_set(("orderItems",), {"a": 1}), "orderItems"),
        (_set(("orderItems", 0), "item"), "orderItems[0]"),
    ],
)
def test_malformed_payload_names_the_field(payload: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidOrderData) as caught:
        map_order(payload)
    assert field in str(caught.value)


def test_errors_name_the_order() -> None:
    payload = _drop(("orderItems", 0, "product", "sellerSku"))
    with pytest.raises(InvalidOrderData, match="113-4567890-1234567"):
        map_order(payload)


def test_non_object_payload_is_refused() -> None:
    with pytest.raises(InvalidOrderData):
        map_order(["not", "an", "order"])  # type: ignore[arg-type]


def test_a_bad_order_is_a_problem_and_the_page_goes_on() -> None:
    good = full_order()
    bad = _drop(("orderItems", 0, "product", "sellerSku"))
    bad["orderId"] = "113-0000000-0000001"
    other = full_order()
    other["orderId"] = "113-0000000-0000002"
    page = map_page([good, bad, other, "garbage"])
    assert [s.external_id for s in page.snapshots] == ["113-4567890-1234567", "113-0000000-0000002"]
    assert [p.external_id for p in page.problems] == ["113-0000000-0000001", "<unknown>"]
    assert "sellerSku" in page.problems[0].message
    assert page.problems[0].raw == bad
