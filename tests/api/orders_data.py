"""Hand-built orders for the API tests, stored through the real order writer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update

from orderbridge.domain.money import Money
from orderbridge.domain.order import Address, Buyer, OrderLine, OrderSnapshot
from orderbridge.domain.states import OrderStatus
from orderbridge.services.context import ServiceContext
from orderbridge.store.order_writer import upsert_page
from orderbridge.store.tables import orders

AMAZON_CREDENTIALS = {
    "client_id": "amzn1.application-oa2-client.test",
    "client_secret": "very-secret-client-secret",
    "refresh_token": "Atzr|very-secret-refresh-token",
}
AMAZON_OPTIONS: dict[str, Any] = {"marketplace_ids": ["A1PA6795UKMFR9"]}
SECRET_VALUES = ("very-secret-client-secret", "Atzr|very-secret-refresh-token")

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def eur(amount: str) -> Money:
    return Money.parse(amount, "EUR")


def snapshot(
    external_id: str,
    purchased_at: datetime = T0,
    *,
    sku: str = "SKU-1",
    buyer: str = "Erika Mustermann",
    price: str = "19.99",
    status: OrderStatus = OrderStatus.UNSHIPPED,
    lines: int = 1,
    last_updated_at: datetime | None = None,
) -> OrderSnapshot:
    return OrderSnapshot(
        external_id=external_id,
        marketplace_ids=("A1PA6795UKMFR9",),
        purchased_at=purchased_at,
        last_updated_at=last_updated_at or purchased_at,
        latest_ship_at=None,
        marketplace_status="Unshipped",
        status=status,
        currency="EUR",
        buyer=Buyer(name=buyer, email="buyer@example.com"),
        shipping_address=Address(name=buyer, city="Berlin", country_code="DE"),
        lines=tuple(
            OrderLine(
                external_line_id=f"L{number}",
                sku=sku if number == 1 else f"{sku}-{number}",
                title=f"Article {number}",
                quantity_ordered=2,
                quantity_shipped=0,
                item_price=eur(price),
                item_tax=eur("3.80"),
                shipping_price=eur("4.5"),
                shipping_tax=eur("0"),
                discount=eur("0.005"),
            )
            for number in range(1, lines + 1)
        ),
        raw={"AmazonOrderId": external_id, "OrderStatus": "Unshipped"},
    )


async def store_orders(
    ctx: ServiceContext, connection_id: int, snapshots: list[OrderSnapshot]
) -> dict[str, int]:
    """Store through the importer's writer; returns external id → order id."""
    async with ctx.db.write() as conn:
        await upsert_page(conn, connection_id, snapshots, now=T0, actor="import:tests")
        rows = await conn.execute(
            select(orders.c.external_id, orders.c.id).where(
                orders.c.connection_id == connection_id,
                orders.c.external_id.in_([snap.external_id for snap in snapshots]),
            )
        )
        return {row.external_id: row.id for row in rows}


async def set_order(ctx: ServiceContext, order_id: int, **values: Any) -> None:
    async with ctx.db.write() as conn:
        await conn.execute(update(orders).where(orders.c.id == order_id).values(**values))
