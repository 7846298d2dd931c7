"""The SCHEDULED EXPORTS tab in Chromium: an export chosen on ORDERS appears while the OMS
is slow and leaves once it is sent (the page refreshes itself); an export the OMS keeps
refusing fails for good, and Retry now sends it once the OMS is back."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from playwright.async_api import Page, expect

from tests.browser.conftest import Hub


async def _until(probe: Any, what: str, within: float = 15.0) -> Any:
    deadline = time.monotonic() + within
    while True:
        found = await probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.2)


async def _imported_order(hub: Hub, page: Page) -> str:
    """Import amazon-de from the ORDERS tab; answers an unshipped order's marketplace id."""
    await page.goto("/orders?connection=amazon-de")
    await page.get_by_role("button", name="Import orders", exact=True).click()
    await expect(page.get_by_role("status")).to_have_text("Order import triggered for amazon-de.")

    async def imported() -> bool:
        await page.goto("/orders?connection=amazon-de&status=unshipped")
        return await page.locator("tbody input[type=checkbox]").count() > 0

    await _until(imported, "the amazon-de import")
    return (await page.locator("tbody tr td:nth-child(2) a").first.inner_text()).strip()


async def _export(page: Page, order: str) -> None:
    await page.goto(f"/orders?q={order}")
    await page.locator("tbody input[type=checkbox]").first.check()
    await page.get_by_role("button", name="Export to OMS").click()
    await expect(page.get_by_role("status")).to_have_text("Export to OMS triggered for 1 order.")


async def _at_the_oms(hub: Hub, order: str) -> bool:
    received = (await hub.oms.get("/orders")).json()["orders"]
    return any(item["document"]["external_order_id"] == order for item in received)


async def test_a_scheduled_export_appears_and_leaves_by_itself(hub: Hub) -> None:
    page = await hub.signed_in("otto")
    order = await _imported_order(hub, page)
    # A slow OMS keeps the export in flight long enough to be seen.
    slow = await hub.oms.post("/_sandbox/faults", json={"count": 1, "delay_seconds": 5})
    assert slow.status_code == 200, slow.text
    await _export(page, order)

    await page.get_by_role("link", name="Scheduled exports").click()
    await page.wait_for_url("**/scheduled")
    row = page.locator("tbody tr", has=page.get_by_role("link", name=order))
    await expect(row).to_contain_text("Export to OMS")
    await expect(row).to_contain_text("oms")
    await expect(row).to_contain_text("Being sent right now")
    auto = page.get_by_label("Refresh automatically every 10 seconds")
    await expect(auto).to_be_checked()

    # No click: the page reloads itself every 10 s and the sent export is gone.
    await expect(row).to_have_count(0, timeout=16_000)
    assert await _at_the_oms(hub, order)
    await expect(page.get_by_text("Nothing is waiting")).to_be_visible()


async def test_a_failing_export_fails_for_good_and_retry_now_sends_it(hub: Hub) -> None:
    page = await hub.signed_in("otto")
    order = await _imported_order(hub, page)
    await page.goto("/scheduled")
    # Switched off, the automatic refresh stays off on the next visit (localStorage).
    await page.get_by_label("Refresh automatically every 10 seconds").uncheck()
    await page.reload()
    await expect(page.get_by_label("Refresh automatically every 10 seconds")).not_to_be_checked()

    # Every attempt the export gets (eight) is answered 503.
    down = await hub.oms.post("/_sandbox/faults", json={"count": 8, "status": 503})
    assert down.status_code == 200, down.text
    await _export(page, order)
    await page.goto("/scheduled")
    row = page.locator("tbody tr", has=page.get_by_role("link", name=order))

    async def failed_for_good() -> bool:
        await page.get_by_role("link", name="Refresh").click()
        return "Failed for good" in await row.inner_text()

    await _until(failed_for_good, f"the export of {order} to fail for good")
    await expect(row).to_contain_text("8/8")
    await expect(row).to_contain_text("503")

    # The faults are used up: the OMS answers again.
    await row.get_by_role("button", name="Retry now").click()
    await expect(page.get_by_role("status")).to_contain_text("export scheduled again")
    await _until(lambda: _at_the_oms(hub, order), f"order {order} at the OMS")

    async def left() -> bool:
        await page.get_by_role("link", name="Refresh").click()
        return await row.count() == 0

    await _until(left, f"the export of {order} to leave the list")
    await page.goto(f"/orders?q={order}")
    await expect(page.locator("tbody tr").first).to_contain_text("exported")
