"""The ORDERS tab over HTTP: what each role sees and may do, filters and pages, and the
export toolbar's answers per order."""

from __future__ import annotations

from sqlalchemy import update

from orderbridge.domain.states import OrderStatus
from orderbridge.services.connections import (
    ConnectionSpec,
    create_connection,
    create_export_target,
)
from orderbridge.store.order_writer import upsert_page
from orderbridge.store.tables import orders
from tests.support.orders import snapshot
from tests.web.conftest import Admin, csrf_of

AMAZON_CREDENTIALS = {"client_id": "id", "client_secret": "secret", "refresh_token": "token"}


async def _orders(admin: Admin, count: int) -> list[str]:
    ctx = admin.ctx
    await create_export_target(
        ctx, name="files", kind="file", settings={"folder": "/tmp"}, secret=None
    )
    connection_id = await create_connection(
        ctx,
        ConnectionSpec(
            name="amazon-de",
            channel="amazon",
            credentials=AMAZON_CREDENTIALS,
            options={"marketplace_ids": ["A1PA6795UKMFR9"]},
            export_target="files",
            auto_export=False,
        ),
    )
    ids = [f"302-{n:07d}-0000001" for n in range(count)]
    snaps = [snapshot(external_id, sku=f"SKU-{n}") for n, external_id in enumerate(ids)]
    async with ctx.db.write() as conn:
        await upsert_page(conn, connection_id, snaps, now=ctx.clock(), actor="test")
    return ids


async def test_a_viewer_sees_orders_with_the_buyer_masked_and_cannot_act(admin: Admin) -> None:
    await _orders(admin, 2)
    async with admin.client("vera") as browser:
        page = await browser.get("/orders")
        assert page.status_code == 200
        assert "302-0000000-0000001" in page.text
        assert "Ada Lovelace" not in page.text and "A•••" in page.text
        assert 'id="export-to-oms" disabled' in page.text
        refused = await browser.post(
            "/orders/import", data={"csrf_token": csrf_of(page.text), "connection": ""}
        )
        assert refused.status_code == 403
        assert "may not import, export, retry or cancel" in refused.text


async def test_an_operator_sees_the_buyer_and_the_import_button_per_connection(
    admin: Admin,
) -> None:
    await _orders(admin, 1)
    async with admin.client("otto") as browser:
        everything = await browser.get("/orders")
        assert "Ada Lovelace" in everything.text
        assert "Import orders for all connections" in everything.text
        one = await browser.get("/orders", params={"connection": "amazon-de"})
        assert "Import orders</button>" in one.text
        assert "Last successful import:" in one.text


async def test_search_filters_and_keyset_pages(admin: Admin) -> None:
    ids = await _orders(admin, 55)
    async with admin.client("otto") as browser:
        found = await browser.get("/orders", params={"q": "SKU-7"})
        assert ids[7] in found.text and ids[8] not in found.text
        first = await browser.get("/orders")
        assert first.text.count('name="order_id"') == 50
        next_link = first.text.split('rel="next" href="')[1].split('"')[0]
        second = await browser.get(next_link.replace("&amp;", "&"))
        assert second.text.count('name="order_id"') == 5
        assert "« First page" in second.text
        stale = await browser.get("/orders", params={"cursor": "not-a-cursor"})
        assert stale.status_code == 200 and "cursor is not valid" in stale.text


async def test_export_answers_per_order_with_the_reason_for_refused_ones(admin: Admin) -> None:
    ids = await _orders(admin, 2)
    async with admin.ctx.db.write() as conn:
        await conn.execute(
            update(orders)
            .where(orders.c.external_id == ids[1])
            .values(status=OrderStatus.PENDING.value)
        )
        rows = (await conn.execute(orders.select().order_by(orders.c.id))).mappings().all()
    eligible, pending = (row["id"] for row in rows)
    async with admin.client("otto") as browser:
        page = await browser.get("/orders")
        answer = await browser.post(
            "/orders/export",
            data={
                "csrf_token": csrf_of(page.text),
                "order_id": [str(eligible), str(pending)],
                "back": "/orders",
            },
        )
        assert answer.status_code == 303
        shown = await browser.get(answer.headers["location"])
    assert "Export to OMS triggered for 1 order." in shown.text
    assert f"order {pending}: awaiting payment" in shown.text
