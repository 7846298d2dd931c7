"""The RETURNS tab in Chromium: import returns for one connection and for all, each with its
confirmation and the connection's last successful returns import beside the button."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

from playwright.async_api import expect
from sqlalchemy import select, update

from orderbridge.store import feeds
from orderbridge.store.tables import import_feeds
from tests.browser.conftest import MARKETPLACES, Hub

# Past Amazon's settle lag (two minutes), in seconds of the simulator's clock.
PAST_THE_SETTLE_LAG = 600


async def _until(probe: Any, what: str, within: float = 15.0) -> Any:
    deadline = time.monotonic() + within
    while True:
        found = await probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.2)


async def _returns_feeds_untouched(hub: Hub) -> None:
    """The runner gives each connection a returns feed and reads it at once; let those first
    runs end, then make the feeds look never read and not due, so the buttons do the work."""

    async def first_runs_done() -> bool:
        async with hub.ctx.db.read() as conn:
            done = (
                (
                    await conn.execute(
                        select(import_feeds.c.last_success_at).where(
                            import_feeds.c.feed == feeds.RETURNS
                        )
                    )
                )
                .scalars()
                .all()
            )
        return len(done) == 2 and all(done)

    await _until(first_runs_done, "the first returns imports")
    async with hub.ctx.db.write() as conn:
        await conn.execute(
            update(import_feeds)
            .where(import_feeds.c.feed == feeds.RETURNS)
            .values(last_success_at=None, next_poll_at=hub.ctx.clock() + timedelta(hours=1))
        )


async def test_import_returns_for_one_connection_then_for_all(hub: Hub) -> None:
    await _returns_feeds_untouched(hub)
    page = await hub.signed_in("otto")
    await page.get_by_role("link", name="Returns").click()
    await page.wait_for_url("**/returns")
    await expect(page.get_by_role("heading", name="Returns")).to_be_visible()
    await expect(
        page.get_by_role("button", name="Import returns for all connections")
    ).to_be_visible()
    await expect(page.get_by_role("link", name="Returns")).to_have_attribute("aria-current", "page")

    await page.get_by_label("Connection").select_option("amazon-de")
    await page.wait_for_url("**/returns?connection=amazon-de")
    await expect(page.get_by_text("Last successful import: never")).to_be_visible()
    await page.get_by_role("button", name="Import returns", exact=True).click()
    await expect(page.get_by_role("status")).to_have_text("Return import triggered for amazon-de.")

    async def imported() -> bool:
        await page.goto("/returns?connection=amazon-de")
        return "Last successful import: never" not in await page.content()

    await _until(imported, "the amazon-de returns import")

    await page.get_by_label("Connection").select_option("")
    await page.wait_for_url("**/returns?connection=")
    await page.get_by_role("button", name="Import returns for all connections").click()
    await expect(page.get_by_role("status")).to_have_text(
        "Return import triggered for amazon-de, amazon-uk."
    )

    # Keyboard only: the filters and the toolbar are reachable and labelled.
    await page.get_by_label("Search").focus()
    await page.keyboard.type("no-such-return")
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/returns?**q=no-such-return**")
    await expect(page.get_by_text("No return matches.")).to_be_visible()
    await expect(page.get_by_role("button", name="Export to OMS")).to_be_enabled()


async def test_a_viewer_sees_the_import_button_disabled(hub: Hub) -> None:
    page = await hub.signed_in("vera")
    await page.goto("/returns")
    await expect(
        page.get_by_role("button", name="Import returns for all connections")
    ).to_be_disabled()
    await expect(page.get_by_role("button", name="Export to OMS")).to_be_disabled()


async def _seeded_return(hub: Hub) -> tuple[str, str]:
    """A shipped merchant-fulfilled order on amazon-de whose buyer sends one mug back;
    answers the order's and the return's marketplace ids."""
    placed = await hub.amazon.post(
        "/_sandbox/orders",
        json={
            "order": {
                "salesChannel": {"marketplaceId": MARKETPLACES[0]},
                "fulfillment": {"fulfillmentStatus": "SHIPPED", "fulfilledBy": "MERCHANT"},
                "orderItems": [
                    {
                        "quantityOrdered": 2,
                        "product": {
                            "sellerSku": "TAB-MUG",
                            "price": {"unitPrice": {"amount": "20.00", "currencyCode": "EUR"}},
                        },
                    }
                ],
            }
        },
    )
    placed.raise_for_status()
    (order_id,) = placed.json()["orderIds"]
    shown = (await hub.amazon.get(f"/_sandbox/orders/{order_id}")).json()
    (mug,) = (item["orderItemId"] for item in shown["order"]["orderItems"])
    created = await hub.amazon.post(
        "/_sandbox/returns",
        json={
            "orderId": order_id,
            "items": [{"orderItemId": mug, "quantity": 1, "reason": "CR-DEFECTIVE"}],
        },
    )
    created.raise_for_status()
    return order_id, created.json()["amazonRmaId"]


async def test_an_imported_return_is_exported_to_the_oms_and_refunded(hub: Hub) -> None:
    order_id, rma = await _seeded_return(hub)
    # A read ends a settle lag before the marketplace's time: move its clock past that, so
    # what was just placed lies inside the next window (orderbridge learns the time from
    # the first answer after the jump; a second import reads up to it).
    await hub.amazon.post("/_sandbox/clock", json={"advance_seconds": PAST_THE_SETTLE_LAG})
    page = await hub.signed_in("otto")

    async def found_after_import(tab: str, what: str, search: str) -> bool:
        await page.goto(f"/{tab}?connection=amazon-de")
        await page.get_by_role("button", name=f"Import {what}", exact=True).click()
        await expect(page.get_by_role("status")).to_contain_text("import triggered")
        await asyncio.sleep(0.5)
        await page.goto(f"/{tab}?q={search}")
        return await page.locator("tbody input[type=checkbox]").count() == 1

    async def order_imported() -> bool:
        return await found_after_import("orders", "orders", order_id)

    async def return_imported() -> bool:
        return await found_after_import("returns", "returns", rma)

    await _until(order_imported, f"order {order_id}")
    await _until(return_imported, f"return {rma}")
    row = page.locator("tbody tr").first
    await expect(row.get_by_role("link", name=order_id)).to_be_visible()
    await expect(row).to_contain_text("CR-DEFECTIVE")
    await row.get_by_role("checkbox").check()
    await expect(page.locator("#chosen-count")).to_have_text("1 return chosen")
    await page.get_by_role("button", name="Export to OMS").click()
    await expect(page.get_by_role("status")).to_have_text("Export to OMS triggered for 1 return.")

    async def at_the_oms() -> bool:
        received = (await hub.oms.get("/returns")).json()["returns"]
        return any(item["document"]["external_return_id"] == rma for item in received)

    await _until(at_the_oms, f"return {rma} at the OMS")
    await page.goto(f"/returns?q={rma}")
    await expect(page.locator("tbody tr").first).to_contain_text("exported")

    await page.get_by_role("link", name=rma).click()
    await expect(page.get_by_role("heading", name=f"Return {rma}")).to_be_visible()
    await page.get_by_label("Refund the returned units").check()
    await page.get_by_label("Note (optional)").fill("mug arrived broken")
    await page.get_by_role("button", name="Record decision").click()
    await expect(page.get_by_role("status")).to_contain_text("Decision recorded: refund.")
    await expect(page.get_by_role("cell", name="mug arrived broken")).to_be_visible()
