"""The canonical order document: shape, schema, exact money and UTC moments."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import jsonschema
import pytest

from orderbridge.domain.money import Money
from orderbridge.domain.order import Address, Buyer, OrderLine, OrderSnapshot, StoredOrder
from orderbridge.domain.states import OrderStatus
from orderbridge.oms.document import (
    SCHEMA_NAME,
    encode_document,
    money_value,
    order_document,
    order_schema,
    utc_timestamp,
)

CEST = timezone(timedelta(hours=2))


def eur(amount: str, currency: str = "EUR") -> Money:
    return Money.parse(amount, currency)


def line(
    line_id: str = "L1",
    sku: str = "SKU-1",
    *,
    currency: str = "EUR",
    price: str = "19.99",
    tax: str = "3.80",
    shipping: str = "4.5",
    shipping_tax: str = "0.86",
    discount: str = "2",
    quantity: int = 2,
) -> OrderLine:
    return OrderLine(
        external_line_id=line_id,
        sku=sku,
        title="Tasse »Morgen«",
        quantity_ordered=quantity,
        quantity_shipped=0,
        item_price=eur(price, currency),
        item_tax=eur(tax, currency),
        shipping_price=eur(shipping, currency),
        shipping_tax=eur(shipping_tax, currency),
        discount=eur(discount, currency),
        asin="B000TEST01",
    )


def stored(
    *,
    lines: tuple[OrderLine, ...] | None = None,
    currency: str = "EUR",
    address: Address | None = Address(
        name="Erika Mustermann",
        line1="Heidestraße 17",
        city="Köln",
        postal_code="51147",
        country_code="DE",
    ),
    latest_ship_at: datetime | None = datetime(2025, 3, 3, 23, 59, 59, tzinfo=UTC),
    fulfillment_channel: str | None = "MFN",
) -> StoredOrder:
    snapshot = OrderSnapshot(
        external_id="303-1234567-7654321",
        marketplace_ids=("A1PA6795UKMFR9",),
        purchased_at=datetime(2025, 3, 1, 10, 15, 0, tzinfo=CEST),
        last_updated_at=datetime(2025, 3, 1, 12, 0, 0, 250000, tzinfo=UTC),
        latest_ship_at=latest_ship_at,
        marketplace_status="Unshipped",
        status=OrderStatus.UNSHIPPED,
        currency=currency,
        buyer=Buyer(name="Erika Mustermann", email="erika@marketplace.example"),
        shipping_address=address,
        lines=(line(),) if lines is None else lines,
        fulfillment_channel=fulfillment_channel,
    )
    created = datetime(2025, 3, 1, 12, 5, tzinfo=UTC)
    return StoredOrder(
        id=42,
        connection_id=7,
        connection_name="Amazon DE",
        channel="amazon",
        snapshot=snapshot,
        import_status="complete",
        export_status="scheduled",
        created_at=created,
        updated_at=created,
    )


VARIANTS: dict[str, StoredOrder] = {
    "typical": stored(),
    "two lines": stored(lines=(line(), line("L2", "SKU-2", price="5", discount="0"))),
    "no lines": stored(lines=()),
    "no address, no ship date, no channel": stored(
        address=None, latest_ship_at=None, fulfillment_channel=None
    ),
    "yen": stored(
        currency="JPY",
        lines=(line(currency="JPY", price="1500", tax="150", shipping="0", shipping_tax="0"),),
    ),
}


def walk(value: Any) -> Iterator[Any]:
    yield value
    if isinstance(value, dict):
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


def test_the_schema_itself_is_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(order_schema())


@pytest.mark.parametrize("order", VARIANTS.values(), ids=VARIANTS.keys())
def test_every_document_validates_against_the_schema(order: StoredOrder) -> None:
    validator = jsonschema.Draft202012Validator(
        order_schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )

    validator.validate(order_document(order))


@pytest.mark.parametrize("order", VARIANTS.values(), ids=VARIANTS.keys())
def test_no_float_anywhere_in_a_document(order: StoredOrder) -> None:
    assert not [value for value in walk(order_document(order)) if isinstance(value, float)]


def test_order_fields() -> None:
    document = order_document(stored())

    assert document["schema"] == SCHEMA_NAME == "orderbridge.order/v1"
    assert document["orderbridge_id"] == 42
    assert document["connection_id"] == 7
    assert document["connection"] == "Amazon DE"
    assert document["channel"] == "amazon"
    assert document["external_order_id"] == "303-1234567-7654321"
    assert document["marketplace_ids"] == ["A1PA6795UKMFR9"]
    assert document["marketplace_status"] == "Unshipped"
    assert document["order_status"] == "unshipped"
    assert document["fulfillment_channel"] == "MFN"
    assert document["currency"] == "EUR"
    assert document["buyer"] == {
        "name": "Erika Mustermann",
        "email": "erika@marketplace.example",
        "company": None,
    }
    assert document["shipping_address"]["line1"] == "Heidestraße 17"
    assert document["shipping_address"]["country_code"] == "DE"


def test_moments_are_utc_with_z() -> None:
    document = order_document(stored())

    # 10:15 at +02:00 is 08:15 UTC.
    assert document["purchased_at"] == "2025-03-01T08:15:00Z"
    assert document["last_updated_at"] == "2025-03-01T12:00:00.250000Z"
    assert document["latest_ship_at"] == "2025-03-03T23:59:59Z"


def test_missing_optional_parts_are_null_not_absent() -> None:
    document = order_document(stored(address=None, latest_ship_at=None))

    assert document["latest_ship_at"] is None
    assert document["shipping_address"] is None


def test_naive_moment_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        utc_timestamp(datetime(2025, 1, 1))


def test_line_amounts_are_decimal_strings_with_currency() -> None:
    document = order_document(stored())
    first = document["lines"][0]

    assert first["sku"] == "SKU-1"
    assert first["title"] == "Tasse »Morgen«"
    assert first["quantity_ordered"] == 2
    assert first["quantity_shipped"] == 0
    assert first["item_price"] == {"amount": "19.99", "currency": "EUR"}
    assert first["shipping_price"] == {"amount": "4.50", "currency": "EUR"}
    assert first["discount"] == {"amount": "2.00", "currency": "EUR"}
    # 19.99 + 3.80 + 4.50 + 0.86 - 2.00
    assert first["total"] == {"amount": "27.15", "currency": "EUR"}


def test_totals_sum_the_lines() -> None:
    order = stored(lines=(line(), line("L2", "SKU-2", price="5", discount="0", quantity=1)))
    totals = order_document(order)["totals"]

    assert totals["quantity_ordered"] == 3
    assert totals["items"] == {"amount": "24.99", "currency": "EUR"}
    assert totals["discount"] == {"amount": "2.00", "currency": "EUR"}
    assert Decimal(totals["total"]["amount"]) == order.snapshot.total.amount
    assert totals["total"] == {"amount": "41.31", "currency": "EUR"}


def test_an_order_without_lines_totals_zero() -> None:
    totals = order_document(stored(lines=()))["totals"]

    assert totals["total"] == {"amount": "0.00", "currency": "EUR"}
    assert totals["quantity_ordered"] == 0


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        ("12.5", "EUR", "12.50"),
        ("0.005", "EUR", "0.005"),  # finer than a cent: kept exactly, never rounded
        ("1E+2", "EUR", "100.00"),  # never scientific notation
        ("1500", "JPY", "1500"),
        ("1.234", "KWD", "1.234"),
        ("-3.1", "USD", "-3.10"),
    ],
)
def test_money_value_pads_but_never_rounds(amount: str, currency: str, text: str) -> None:
    assert money_value(Money.parse(amount, currency)) == {"amount": text, "currency": currency}


def test_schema_refuses_a_float_amount() -> None:
    document = order_document(stored())
    document["lines"][0]["item_price"]["amount"] = 19.99

    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, order_schema())


def test_schema_refuses_a_local_time() -> None:
    document = order_document(stored())
    document["purchased_at"] = "2025-03-01T10:15:00+02:00"

    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, order_schema())


def test_encoding_is_compact_sorted_utf8_and_stable() -> None:
    document = order_document(stored())
    body = encode_document(document)

    assert body == encode_document(order_document(stored()))
    assert b", " not in body and b'": ' not in body
    assert "Köln".encode() in body
    assert json.loads(body) == document
    keys = list(json.loads(body))
    assert keys == sorted(keys)
