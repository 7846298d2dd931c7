"""The CONNECTIONS tab in Chromium: an admin edits a connection (interval, import off) and
sees it in the list, adds one with a bad option and reads the message beside the field;
the viewer sees every page, every action disabled, and a forged POST refused."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.browser.conftest import Hub


async def test_an_admin_edits_a_connection_and_is_told_what_is_wrong_with_a_new_one(
    hub: Hub,
) -> None:
    page = await hub.signed_in("ada")
    await page.get_by_role("link", name="Connections").click()
    await page.get_by_role("link", name="amazon-de").click()
    await page.get_by_role("link", name="Edit").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Edit connection amazon-de")
    for field in ("LWA client id", "LWA client secret", "Refresh token"):
        await expect(page.get_by_label(field)).to_have_value("")
    await page.get_by_label("Import interval (seconds)").fill("900")
    await page.get_by_label("Import on").uncheck()
    await page.get_by_role("button", name="Save changes").click()
    await expect(page.get_by_role("status")).to_have_text("Connection amazon-de saved.")

    await page.get_by_role("link", name="« Connections").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="amazon-de"))
    await expect(row).to_contain_text("900 s (15 min)")
    await expect(row.get_by_role("cell").nth(2)).to_have_text("off")

    await page.get_by_role("link", name="Add connection").click()
    await page.get_by_label("Name", exact=True).fill("amazon-fr")
    await page.get_by_label("LWA client id").fill("id")
    await page.get_by_label("LWA client secret").fill("secret")
    await page.get_by_label("Refresh token").fill("token")
    await page.get_by_label("Options of the amazon channel").fill("marketplace_ids=A13V1IB3VIYZZH")
    await page.get_by_role("button", name="Add connection").click()
    options = page.get_by_label("Options of the amazon channel")
    await expect(options).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#options-error")).to_have_text(
        "amazon: option 'marketplace_ids' must be a list of strings"
    )
    await expect(options).to_have_value("marketplace_ids=A13V1IB3VIYZZH")
    await expect(page.get_by_label("Name", exact=True)).to_have_value("amazon-fr")
    await expect(page.get_by_label("LWA client secret")).to_have_value("")
    # The summary on top leads to the field.
    await page.get_by_role("alert").get_by_role("link").click()
    await expect(options).to_be_focused()


async def test_the_viewer_sees_the_pages_but_every_action_is_disabled(hub: Hub) -> None:
    page = await hub.signed_in("vera")
    await page.goto("/connections")
    await expect(page.get_by_role("button", name="Add connection")).to_be_disabled()
    await page.get_by_role("link", name="amazon-uk").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Connection amazon-uk")
    for name in ("Edit", "Test connection", "Turn import off"):
        await expect(page.get_by_role("button", name=name)).to_be_disabled()
    await expect(page.get_by_role("rowheader", name="searchOrders")).to_be_visible()

    token = await page.locator('input[name="csrf_token"]').first.get_attribute("value")
    assert token
    path = re.sub(r"^https?://[^/]+", "", page.url)
    forged = await page.request.post(f"{path}/disable", form={"csrf_token": token})
    assert forged.status == 403
    assert "may not change connections or users" in await forged.text()
    await page.goto("/connections/new")
    await expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    await page.goto("/connections")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="amazon-uk"))
    await expect(row.get_by_role("cell").nth(2)).to_have_text("on")
