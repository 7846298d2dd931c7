"""The bol.com mapper: v10 ``Order`` payloads to OrderSnapshot, exactly and loudly."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from orderbridge.domain.errors import InvalidOrderData
from orderbridge.domain.money import Money
from orderbridge.domain.states import OrderStatus
from orderbridge.marketplaces.bol.mapper import map_order, order_id_of


def _item(item_id: str, **fields: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "orderItemId": item_id,
        "cancellationRequest": False,
        "fulfilment": {
            "method": "FBR",
            "distributionParty": "RETAILER",
            "latestDeliveryDate": "2026-03-04",
            "expiryDate": "2026-03-07",
            "timeFrameType": "REGULAR",
        },
        "offer": {"offerId": "6ff736b5-cdd0-4150-8c67-78269ee986f5", "reference": "SKU-0001"},
        "product": {"ean": "8710000000011", "title": "Thermosfles RVS 750 ml"},
        "quantity": 2,
        "quantityShipped": 0,
        "quantityCancelled": 0,
        "unitPrice": Decimal("19.95"),
        "totalPrice": Decimal("39.90"),
        "discounts": [],
        "commission": Decimal("6.18"),
        "latestChangedDateTime": "2026-03-02T11:39:48+01:00",
    }
    item.update(fields)
    return item


# Written from the contract's Order schema, with the contract's own example values where
# it gives them (the 10 × 12.99 − 10.99 = 118.91 item is its example).
ORDER: dict[str, Any] = {
    "orderId": "A2K8290LP8",
    "pickupPoint": False,
    "orderPlacedDateTime": "2026-03-02T10:39:48+01:00",
    "shipmentDetails": {
        "salutation": "FEMALE",
        "firstName": "Billie",
        "surname": "Jansen",
        "streetName": "Dorpstraat",
        "houseNumber": "1",
        "houseNumberExtension": "B",
        "extraAddressInformation": "Apartment",
        "zipCode": "1111ZZ",
        "city": "Utrecht",
        "countryCode": "NL",
        "email": "billie@verkopen.bol.com",
        "deliveryPhoneNumber": "012123456",
        "language": "nl",
    },
    "billingDetails": {
        "salutation": "MALE",
        "firstName": "Kees",
        "surname": "van der Berg",
        "streetName": "Kerkstraat",
        "houseNumber": "10",
        "zipCode": "3511AB",
        "city": "Utrecht",
        "countryCode": "NL",
        "email": "kees@verkopen.bol.com",
        "company": "Studio Noord",
        "vatNumber": "NL999999999B99",
    },
    "orderItems": [
        _item(
            "2012345678",
            quantity=10,
            unitPrice=Decimal("12.99"),
            totalPrice=Decimal("118.91"),
            discounts=[{"title": "kiscier x + y promotion", "amount": Decimal("10.99")}],
        ),
        _item("2012345679", latestChangedDateTime="2026-03-02T13:00:00+01:00"),
    ],
}


def order(**changes: Any) -> dict[str, Any]:
    payload = copy.deepcopy(ORDER)
    payload.update(changes)
    return payload


def with_items(*items: dict[str, Any]) -> dict[str, Any]:
    return order(orderItems=list(items))


def test_maps_every_field_a_user_sees() -> None:
    snapshot = map_order(ORDER)

    assert snapshot.external_id == "A2K8290LP8"
    assert snapshot.currency == "EUR"
    assert snapshot.purchased_at == datetime(2026, 3, 2, 9, 39, 48, tzinfo=UTC)
    # The latest change of any item, in UTC.
    assert snapshot.last_updated_at == datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    assert snapshot.status is OrderStatus.UNSHIPPED
    assert snapshot.marketplace_status == "OPEN"
    assert snapshot.fulfillment_channel == "FBR"
    assert snapshot.buyer.name == "Kees van der Berg"
    assert snapshot.buyer.email == "kees@verkopen.bol.com"
    assert snapshot.buyer.company == "Studio Noord"
    address = snapshot.shipping_address
    assert address is not None
    assert address.name == "Billie Jansen"
    assert address.line1 == "Dorpstraat 1 B"
    assert address.line2 == "Apartment"
    assert (address.postal_code, address.city, address.country_code) == ("1111ZZ", "Utrecht", "NL")
    assert address.phone == "012123456"
    # Ship before the delivery day starts (Dutch winter time): 2026-03-04 00:00+01:00.
    assert snapshot.latest_ship_at == datetime(2026, 3, 3, 23, 0, tzinfo=UTC)
    # raw is stored as JSON: bol's numbers are numbers there again.
    assert json.loads(json.dumps(snapshot.raw)) == json.loads(json.dumps(ORDER, default=float))
    assert snapshot.raw["orderItems"][0]["totalPrice"] == 118.91


def test_line_amounts_add_up_to_bols_total_price() -> None:
    promoted, plain = map_order(ORDER).lines

    assert promoted.external_line_id == "2012345678"
    assert promoted.sku == "SKU-0001"
    assert promoted.quantity_ordered == 10
    assert promoted.item_price == Money(Decimal("129.90"), "EUR")
    assert promoted.discount == Money(Decimal("10.99"), "EUR")
    assert promoted.total == Money(Decimal("118.91"), "EUR")
    # VAT is included in bol's prices and not split out; bol charges no shipping per item.
    assert promoted.item_tax.amount == promoted.shipping_price.amount == Decimal("0")
    assert plain.total == Money(Decimal("39.90"), "EUR")
    assert map_order(ORDER).total == Money(Decimal("158.81"), "EUR")


def test_prices_from_json_text_stay_exact() -> None:
    text = json.dumps(ORDER, default=str).replace('"19.95"', "19.95").replace('"39.90"', "39.90")
    payload = json.loads(text, parse_float=Decimal)
    assert map_order(payload).lines[1].item_price == Money(Decimal("39.90"), "EUR")


def test_sku_falls_back_to_the_ean_without_an_offer_reference() -> None:
    payload = with_items(_item("1", offer={"offerId": "x"}))
    assert map_order(payload).lines[0].sku == "8710000000011"


@pytest.mark.parametrize(
    ("quantities", "status", "summary"),
    [
        ([(2, 0, 0)], OrderStatus.UNSHIPPED, "OPEN"),
        ([(2, 1, 0)], OrderStatus.PARTIALLY_SHIPPED, "OPEN"),
        ([(2, 2, 0)], OrderStatus.SHIPPED, "HANDLED"),
        ([(2, 1, 1)], OrderStatus.SHIPPED, "HANDLED"),
        ([(2, 0, 2)], OrderStatus.CANCELED, "HANDLED"),
        ([(1, 0, 1), (1, 0, 0)], OrderStatus.UNSHIPPED, "OPEN"),
        ([(1, 0, 1), (1, 1, 0)], OrderStatus.SHIPPED, "HANDLED"),
        ([(1, 0, 1), (2, 1, 0)], OrderStatus.PARTIALLY_SHIPPED, "OPEN"),
        ([(1, 0, 1), (3, 0, 3)], OrderStatus.CANCELED, "HANDLED"),
    ],
)
def test_order_status_follows_the_items(
    quantities: list[tuple[int, int, int]], status: OrderStatus, summary: str
) -> None:
    items = [
        _item(
            str(index),
            quantity=quantity,
            quantityShipped=shipped,
            quantityCancelled=cancelled,
            totalPrice=Decimal("19.95") * quantity,
        )
        for index, (quantity, shipped, cancelled) in enumerate(quantities)
    ]
    snapshot = map_order(with_items(*items))
    assert snapshot.status is status
    assert snapshot.marketplace_status == summary
    assert [line.quantity_shipped for line in snapshot.lines] == [q[1] for q in quantities]


def test_a_customers_cancellation_request_shows_in_the_marketplace_status() -> None:
    requested = _item("1", cancellationRequest=True)
    snapshot = map_order(with_items(requested, _item("2")))
    assert snapshot.status is OrderStatus.UNSHIPPED
    assert snapshot.marketplace_status == "CANCELLATION_REQUESTED"
    assert snapshot.raw["orderItems"][0]["cancellationRequest"] is True
    # Once the request is confirmed, nothing is open on that item any more.
    confirmed = _item("1", cancellationRequest=True, quantityCancelled=2)
    assert map_order(with_items(confirmed)).marketplace_status == "HANDLED"


def test_pick_up_point_name_becomes_the_company_of_the_address() -> None:
    details = {**ORDER["shipmentDetails"], "pickupPointName": "Albert Heijn: UTRECHT"}
    address = map_order(order(pickupPoint=True, shipmentDetails=details)).shipping_address
    assert address is not None and address.company == "Albert Heijn: UTRECHT"


def test_an_exact_delivery_date_wins_and_only_open_items_count() -> None:
    exact = _item("1")
    exact["fulfilment"] = {**exact["fulfilment"], "exactDeliveryDate": "2026-06-10"}
    del exact["fulfilment"]["latestDeliveryDate"]
    shipped = _item("2", quantityShipped=2)
    shipped["fulfilment"] = {**shipped["fulfilment"], "latestDeliveryDate": "2026-06-01"}
    snapshot = map_order(with_items(exact, shipped))
    assert snapshot.latest_ship_at == datetime(2026, 6, 9, 23, 0, tzinfo=UTC)
    done = map_order(with_items(_item("3", quantityShipped=2)))
    assert done.latest_ship_at is None


def test_order_placed_time_may_come_from_the_list() -> None:
    payload = order()
    del payload["orderPlacedDateTime"]
    placed = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    assert map_order(payload, placed_at=placed).purchased_at == placed
    with pytest.raises(InvalidOrderData, match="orderPlacedDateTime is missing"):
        map_order(payload)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"orderItems": []}, "orderItems is empty"),
        ({"shipmentDetails": None}, "shipmentDetails is missing"),
        ({"orderItems": [_item("1", quantity="2")]}, r"orderItems\[0\].quantity must be a whole"),
        ({"orderItems": [_item("1", unitPrice=19.95)]}, "arrived as a float"),
        ({"orderItems": [_item("1", totalPrice=None)]}, r"orderItems\[0\].totalPrice is missing"),
        (
            {"orderItems": [_item("1", quantityShipped=2, quantityCancelled=1)]},
            "2 shipped and 1 cancelled of only 2 ordered",
        ),
        (
            {"orderItems": [_item("1", latestChangedDateTime="2026-03-02T11:39:48")]},
            "has no UTC offset",
        ),
        (
            {"orderItems": [_item("1", offer=None, product={"title": "x"})]},
            "neither offer.reference nor product.ean",
        ),
    ],
)
def test_malformed_orders_are_refused_naming_the_field(
    change: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidOrderData, match=message) as refused:
        map_order(order(**change))
    assert "A2K8290LP8" in str(refused.value)


def test_order_id_of_names_even_a_broken_payload() -> None:
    assert order_id_of({"orderId": "A1"}) == "A1"
    assert order_id_of(["not", "an", "order"]) == "<unknown>"
