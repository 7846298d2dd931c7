"""The ORDERS tab in Chromium: import for one connection and for all, and export chosen
orders to the OMS — the eligible ones go, the others answer with their reason."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from playwright.async_api import expect

from tests.browser.conftest import Hub


async def _until(probe: Any, what: str, within: float = 30.0) -> Any:
    deadline = time.monotonic() + within
    while True:
        found = await probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.2)


async def test_import_one_connection_then_all_and_export_chosen_orders(hub: Hub) -> None:
    page = await hub.signed_in("otto")
    await expect(
        page.get_by_role("button", name="Import orders for all connections")
    ).to_be_visible()

    await page.get_by_label("Connection").select_option("amazon-de")
    await page.wait_for_url("**/orders?connection=amazon-de")
    await expect(page.get_by_text("Last successful import: never")).to_be_visible()
    await page.get_by_role("button", name="Import orders", exact=True).click()
    await expect(page.get_by_role("status")).to_have_text("Order import triggered for amazon-de.")

    async def imported() -> bool:
        await page.goto("/orders?connection=amazon-de")
        content = await page.content()
        if "Last successful import: never" in content:
            return False
        if "No order matches." in content:
            # A run can end before the simulator's newest orders have settled (the window
            # stops minutes before the marketplace's now): the operator presses again.
            await page.get_by_role("button", name="Import orders", exact=True).click()
            return False
        return True

    await _until(imported, "the amazon-de import")
    rows = page.locator("tbody tr")
    await expect(rows.first).to_contain_text("amazon-de")

    await page.get_by_label("Connection").select_option("")
    await page.wait_for_url("**/orders?connection=")
    await page.get_by_role("button", name="Import orders for all connections").click()
    await expect(page.get_by_role("status")).to_have_text(
        "Order import triggered for amazon-de, amazon-uk."
    )

    async def both_imported() -> bool:
        await page.goto("/orders?connection=amazon-uk")
        return "Last successful import: never" not in await page.content()

    await _until(both_imported, "the amazon-uk import")

    # One order that may go, one that may not (pending: awaiting payment).
    await page.goto("/orders?status=unshipped")
    eligible = (await page.locator("tbody tr td:nth-child(2) a").first.inner_text()).strip()
    await page.locator("tbody input[type=checkbox]").first.check()
    await page.goto("/orders?status=unshipped")
    await page.locator("tbody input[type=checkbox]").first.check()
    await expect(page.locator("#chosen-count")).to_have_text("1 order chosen")
    await page.get_by_role("button", name="Export to OMS").click()
    await expect(page.get_by_role("status")).to_have_text("Export to OMS triggered for 1 order.")

    async def at_the_oms() -> bool:
        received = (await hub.oms.get("/orders")).json()["orders"]
        return any(item["document"]["external_order_id"] == eligible for item in received)

    await _until(at_the_oms, f"order {eligible} at the OMS")
    await page.goto(f"/orders?q={eligible}")
    await expect(page.locator("tbody tr").first).to_contain_text("exported")
    await page.locator("tbody input[type=checkbox]").first.check()
    await page.get_by_role("button", name="Export to OMS").click()
    await expect(page.get_by_role("alert")).to_contain_text("already exported")
