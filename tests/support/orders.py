"""Hand-built order snapshots for tests that exercise storage without a marketplace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from orderbridge.domain.money import Money
from orderbridge.domain.order import Address, Buyer, OrderLine, OrderSnapshot
from orderbridge.domain.states import OrderStatus

BASE_TIME = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def snapshot(
    external_id: str,
    *,
    updated: datetime | None = None,
    status: OrderStatus = OrderStatus.UNSHIPPED,
    quantity_shipped: int = 0,
    price: str = "19.99",
    purchased: datetime | None = None,
    sku: str = "SKU-1",
) -> OrderSnapshot:
    eur = "EUR"
    line = OrderLine(
        external_line_id=f"{external_id}-1",
        sku=sku,
        title="Ceramic mug",
        quantity_ordered=2,
        quantity_shipped=quantity_shipped,
        item_price=Money(Decimal(price), eur),
        item_tax=Money(Decimal("3.80"), eur),
        shipping_price=Money(Decimal("4.95"), eur),
        shipping_tax=Money(Decimal("0.94"), eur),
        discount=Money(Decimal("1.00"), eur),
    )
    return OrderSnapshot(
        external_id=external_id,
        marketplace_ids=("A1PA6795UKMFR9",),
        purchased_at=purchased or BASE_TIME,
        last_updated_at=updated or BASE_TIME + timedelta(minutes=5),
        latest_ship_at=BASE_TIME + timedelta(days=2),
        marketplace_status=status.value.upper(),
        status=status,
        currency=eur,
        buyer=Buyer(name="Ada Lovelace", email="ada@example.invalid"),
        shipping_address=Address(
            name="Ada Lovelace",
            line1="Hauptstr. 1",
            city="Berlin",
            postal_code="10115",
            country_code="DE",
        ),
        lines=(line,),
        fulfillment_channel="MERCHANT",
        raw={"orderId": external_id},
    )
