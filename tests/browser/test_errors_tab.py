"""The ERRORS tab in Chromium: open a log message from the list, switch between its
Attributes and Request/Response tabs with the keyboard, and mark it resolved."""

from __future__ import annotations

from playwright.async_api import expect
from sqlalchemy import select

from orderbridge.store.error_log import record_error
from orderbridge.store.tables import connections
from tests.browser.conftest import Hub

TITLE = "Shipment 7 for order 3 refused: tracking number is not valid for the carrier"


async def test_open_a_log_message_switch_tabs_by_keyboard_and_resolve_it(hub: Hub) -> None:
    ctx = hub.ctx
    async with ctx.db.write() as conn:
        connection_id = (
            await conn.execute(select(connections.c.id).where(connections.c.name == "amazon-de"))
        ).scalar_one()
        await record_error(
            conn,
            title=TITLE,
            operation="ship",
            at=ctx.clock(),
            connection_id=connection_id,
            attributes={
                "error_class": "permanent",
                "operation": "confirmShipment",
                "http_status": 400,
                "response_excerpt": '{"errors":[{"code":"InvalidInput"}]}',
                "attempt": 1,
                "fix": "correct the tracking number in the OMS and report the shipment again",
            },
        )
    page = await hub.signed_in("otto")
    await page.get_by_role("link", name="Errors").click()
    await page.get_by_role("link", name=TITLE).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Detail of log message “{TITLE}”"
    )

    attributes = page.get_by_role("tab", name="Attributes")
    call = page.get_by_role("tab", name="Request/Response")
    await expect(attributes).to_have_attribute("aria-selected", "true")
    await expect(page.get_by_text("How to fix it:")).to_be_visible()
    await expect(page.get_by_role("tabpanel")).to_have_count(1)  # the other is hidden

    await attributes.focus()
    await page.keyboard.press("ArrowRight")
    await expect(call).to_be_focused()
    await expect(call).to_have_attribute("aria-selected", "true")
    panel = page.get_by_role("tabpanel", name="Request/Response")
    await expect(panel).to_contain_text("400 Bad Request")
    await expect(panel).to_contain_text("Answer of the marketplace (excerpt)")
    await expect(panel).to_contain_text("confirmShipment")
    await expect(page.get_by_text("How to fix it:")).to_be_hidden()
    await page.keyboard.press("ArrowLeft")
    await expect(attributes).to_be_focused()
    await expect(page.get_by_role("tabpanel", name="Attributes")).to_be_visible()

    await page.get_by_role("button", name="Mark resolved").click()
    await expect(page.get_by_role("status")).to_contain_text("is marked resolved")
    await expect(page.get_by_role("button", name="Mark resolved")).to_be_disabled()
    await page.get_by_role("link", name="« Errors").click()
    await page.get_by_label("Unresolved only").check()
    await page.get_by_role("button", name="Filter").click()
    await expect(page.get_by_role("link", name=TITLE)).to_have_count(0)
