"""The ERRORS tab over HTTP: the list and its filters, the detail of a log message with its
Attributes and Request/Response tabs, and Retry and Mark resolved per role.

Errors come from the real services where that is quick: an import refused by the Amazon
simulator (wrong credentials), an export to a webhook on a closed port. The rest are
written with ``record_error``, as the services do.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from markupsafe import escape
from sqlalchemy import select, update

from orderbridge.sandbox.amazon import AmazonSimulatorSettings
from orderbridge.sandbox.amazon import create_app as amazon_app
from orderbridge.services.connections import (
    ConnectionSpec,
    create_connection,
    create_export_target,
    update_connection,
)
from orderbridge.services.context import ServiceContext
from orderbridge.services.exporting import export_orders
from orderbridge.services.importing import import_orders
from orderbridge.services.queries import error_detail, list_errors
from orderbridge.store.error_log import WARNING, record_error
from orderbridge.store.order_writer import upsert_page
from orderbridge.store.tables import import_feeds, orders, outbox
from orderbridge.work.drain import drain_outbox
from tests.support.orders import snapshot
from tests.support.servers import serving
from tests.web.conftest import Admin, csrf_of

WRONG_SECRET = "amzn1.oa2-cs.v1.not-the-right-one-7731"
WEBHOOK_SECRET = "errors-tab-webhook-secret-5521"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def amazon() -> Iterator[tuple[str, AmazonSimulatorSettings]]:
    settings = AmazonSimulatorSettings(seed=5, speed_factor=None, initial_orders_per_marketplace=2)
    with serving(amazon_app(settings)) as url:
        yield url, settings


async def _connection(
    ctx: ServiceContext, name: str, base_url: str, *, secret: str = WRONG_SECRET
) -> int:
    return await create_connection(
        ctx,
        ConnectionSpec(
            name=name,
            channel="amazon",
            credentials={"client_id": "id", "client_secret": secret, "refresh_token": "tok"},
            options={
                "marketplace_ids": ["A1PA6795UKMFR9"],
                "base_url": base_url,
                "token_url": f"{base_url}/auth/o2/token",
            },
            auto_export=False,
        ),
    )


async def _failed_import(admin: Admin, base_url: str) -> int:
    """An import the simulator refuses (wrong client secret): one error entry."""
    await _connection(admin.ctx, "amazon-bad", base_url)
    await import_orders(admin.ctx, "amazon-bad", trigger="manual", owner="test")
    page = await list_errors(admin.ctx, operation="import")
    return page.items[0].id


async def _failed_export(admin: Admin) -> tuple[int, int]:
    """An export to a webhook nobody answers, out of attempts: (entry id, order id)."""
    ctx = admin.ctx
    await create_export_target(
        ctx,
        name="oms",
        kind="webhook",
        settings={"url": f"http://127.0.0.1:{_closed_port()}/orders", "timeout_seconds": 2},
        secret=WEBHOOK_SECRET,
    )
    connection_id = await _connection(ctx, "amazon-de", "http://127.0.0.1:9")
    await update_connection(ctx, connection_id, {"export_target": "oms"})
    async with ctx.db.write() as conn:
        await upsert_page(
            conn, connection_id, [snapshot("302-0000001-0000001")], now=ctx.clock(), actor="t"
        )
        order_id = (await conn.execute(select(orders.c.id))).scalar_one()
    (decision,) = await export_orders(ctx, [order_id], actor="test")
    assert decision.scheduled, decision.message
    async with ctx.db.write() as conn:
        await conn.execute(update(outbox).values(max_attempts=1))
    await drain_outbox(ctx, owner="test", batch=10, concurrency=1)
    page = await list_errors(ctx, operation="export")
    return page.items[0].id, order_id


async def _record(ctx: ServiceContext, **fields: Any) -> int:
    values: dict[str, Any] = {"operation": "status_import", "at": ctx.clock()}
    values.update(fields)
    async with ctx.db.write() as conn:
        return await record_error(conn, **values)


async def test_a_failed_import_in_detail_shows_the_fix_and_the_call_but_no_secret(
    admin: Admin, amazon: tuple[str, AmazonSimulatorSettings]
) -> None:
    entry_id = await _failed_import(admin, amazon[0])
    entry = await error_detail(admin.ctx, entry_id)
    async with admin.client("vera") as browser:
        listing = await browser.get("/errors")
        assert f'href="/errors/{entry_id}"' in listing.text
        assert "Order import" in listing.text and "unresolved" in listing.text
        page = await browser.get(f"/errors/{entry_id}")
    assert page.status_code == 200
    text = page.text
    assert f"Detail of log message “{escape(entry.title)}”" in text
    assert 'role="tablist"' in text and text.count('role="tab"') == 2
    assert 'role="tabpanel"' in text and 'aria-controls="panel-call"' in text
    # The fix comes first in the Attributes tab, then every attribute.
    attributes = text.split('id="panel-attributes"')[1].split('id="panel-call"')[0]
    assert attributes.index("How to fix it") < attributes.index("<table>")
    assert "Error class" in attributes and "configuration" in attributes
    # Request/Response: the HTTP status in words, the request and the marketplace's answer.
    call = text.split('id="panel-call"')[1]
    assert "401 Unauthorized" in call
    assert "Answer of the marketplace (excerpt)" in call and "invalid_client" in call
    assert "API operation" in call and "lwaToken" in call
    assert WRONG_SECRET not in text


async def test_filters_by_connection_operation_dates_and_resolution(admin: Admin) -> None:
    ctx = admin.ctx
    de = await _connection(ctx, "amazon-de", "http://127.0.0.1:9")
    uk = await _connection(ctx, "amazon-uk", "http://127.0.0.1:9")
    day = datetime(2026, 3, 10, 12, tzinfo=UTC)
    await _record(ctx, title="old import of de", operation="import", at=day, connection_id=de)
    await _record(
        ctx,
        title="new import of uk",
        operation="import",
        at=day + timedelta(days=2),
        connection_id=uk,
    )
    await _record(
        ctx,
        title="late ship warning",
        operation="late_shipment",
        severity=WARNING,
        at=day + timedelta(days=1),
        connection_id=de,
    )
    resolved = await _record(
        ctx,
        title="resolved export",
        operation="export",
        at=day + timedelta(days=1),
        connection_id=de,
    )
    async with admin.client("otto") as browser:
        everything = (await browser.get("/errors")).text
        assert everything.index("new import of uk") < everything.index("old import of de")
        await browser.post(f"/errors/{resolved}/resolve", data={"csrf_token": csrf_of(everything)})

        async def titles(**params: str) -> set[str]:
            page = (await browser.get("/errors", params=params)).text
            shown = {"old import of de", "new import of uk", "late ship warning", "resolved export"}
            return {title for title in shown if title in page}

        assert await titles(connection="amazon-uk") == {"new import of uk"}
        assert await titles(operation="import") == {"old import of de", "new import of uk"}
        assert await titles(unresolved="1") == {
            "old import of de",
            "new import of uk",
            "late ship warning",
        }
        assert await titles(logged_from="2026-03-11", logged_to="2026-03-11") == {
            "late ship warning",
            "resolved export",
        }
        assert await titles(logged_to="2026-03-10") == {"old import of de"}
        assert await titles(logged_from="2026-03-12") == {"new import of uk"}
        unknown = await browser.get("/errors", params={"connection": "nope"})
        assert unknown.status_code == 200 and "no connection named" in unknown.text


async def test_keyset_pages_of_fifty(admin: Admin) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    async with admin.ctx.db.write() as conn:
        for n in range(55):
            await record_error(
                conn, title=f"entry {n:02d}", operation="import", at=start + timedelta(minutes=n)
            )
    async with admin.client("vera") as browser:
        first = await browser.get("/errors")
        assert first.text.count('href="/errors/') == 50
        assert "entry 54" in first.text and "entry 04" not in first.text
        next_link = first.text.split('rel="next" href="')[1].split('"')[0]
        second = await browser.get(next_link.replace("&amp;", "&"))
        assert second.text.count('href="/errors/') == 5 and "entry 00" in second.text
        stale = await browser.get("/errors", params={"cursor": "bogus"})
        assert stale.status_code == 200 and "cursor is not valid" in stale.text


async def test_an_operator_retries_a_failed_export_and_marks_it_resolved(admin: Admin) -> None:
    entry_id, order_id = await _failed_export(admin)
    async with admin.client("otto") as browser:
        page = await browser.get(f"/errors/{entry_id}")
        assert "Export to OMS" in page.text
        assert "Nothing recorded of the request or the response" in page.text
        assert WEBHOOK_SECRET not in page.text
        assert f'<a href="/orders/{order_id}">' in page.text
        retried = await browser.post(
            f"/errors/{entry_id}/retry", data={"csrf_token": csrf_of(page.text)}
        )
        assert retried.status_code == 303
        shown = await browser.get(retried.headers["location"])
        assert "export scheduled again" in shown.text
        async with admin.ctx.db.read() as conn:
            status = (await conn.execute(select(orders.c.export_status))).scalar_one()
        assert status == "scheduled"
        # A second retry while the export waits brings it forward; it never duplicates.
        again = await browser.post(
            f"/errors/{entry_id}/retry", data={"csrf_token": csrf_of(page.text)}
        )
        assert "due now" in (await browser.get(again.headers["location"])).text
        async with admin.ctx.db.read() as conn:
            assert len((await conn.execute(select(outbox.c.id))).all()) == 1
        resolved = await browser.post(
            f"/errors/{entry_id}/resolve", data={"csrf_token": csrf_of(page.text)}
        )
        shown = await browser.get(resolved.headers["location"])
    assert "is marked resolved" in shown.text
    assert 'badge ok">resolved' in shown.text
    assert (await error_detail(admin.ctx, entry_id)).resolved_at is not None


async def test_retrying_an_import_error_triggers_an_import_unless_import_is_off(
    admin: Admin,
) -> None:
    ctx = admin.ctx
    connection_id = await _connection(ctx, "amazon-de", "http://127.0.0.1:9")
    entry_id = await _record(
        ctx, title="Import from amazon-de failed", operation="import", connection_id=connection_id
    )
    later = ctx.clock() + timedelta(hours=1)
    async with ctx.db.write() as conn:
        await conn.execute(update(import_feeds).values(next_poll_at=later))
    async with admin.client("otto") as browser:
        page = await browser.get(f"/errors/{entry_id}")
        assert "Triggers an import of orders from amazon-de now." in page.text
        answer = await browser.post(
            f"/errors/{entry_id}/retry", data={"csrf_token": csrf_of(page.text)}
        )
        shown = await browser.get(answer.headers["location"])
        assert "Order import triggered for amazon-de." in shown.text
        async with ctx.db.read() as conn:
            due = (await conn.execute(select(import_feeds.c.next_poll_at))).scalar_one()
        assert due < later
        await update_connection(ctx, connection_id, {"import_enabled": False})
        refused = await browser.post(
            f"/errors/{entry_id}/retry", data={"csrf_token": csrf_of(page.text)}
        )
        shown = await browser.get(refused.headers["location"])
    assert "Not retried: import is disabled for amazon-de." in shown.text


async def test_an_entry_with_nothing_to_retry_says_why(admin: Admin) -> None:
    entry_id = await _record(
        admin.ctx,
        title="Status ship for order 1 from file x.csv refused: unknown order",
        attributes={"source": "files", "origin": "x.csv", "fix": "correct the row"},
    )
    async with admin.client("otto") as browser:
        page = await browser.get(f"/errors/{entry_id}")
        assert "Nothing to retry here: the OMS sent an update that was refused." in page.text
        assert "Nothing recorded of the request or the response" in page.text
        answer = await browser.post(
            f"/errors/{entry_id}/retry", data={"csrf_token": csrf_of(page.text)}
        )
        shown = await browser.get(answer.headers["location"])
    assert 'role="alert">Nothing to retry here' in shown.text


async def test_a_viewer_sees_everything_but_may_not_act(admin: Admin) -> None:
    entry_id = await _record(
        admin.ctx, title="Import from x failed", operation="import", attributes={"fix": "wait"}
    )
    async with admin.client("vera") as browser:
        page = await browser.get(f"/errors/{entry_id}")
        assert "How to fix it" in page.text
        assert page.text.count(" disabled>") >= 2  # Retry and Mark resolved
        assert "may look but not act" in page.text
        for action in ("retry", "resolve"):
            refused = await browser.post(
                f"/errors/{entry_id}/{action}", data={"csrf_token": csrf_of(page.text)}
            )
            assert refused.status_code == 403
            assert "may not import, export, retry or cancel" in refused.text
    assert (await error_detail(admin.ctx, entry_id)).resolved_at is None


async def test_a_form_without_the_sessions_csrf_token_is_refused(admin: Admin) -> None:
    entry_id = await _record(admin.ctx, title="Something failed", operation="import")
    async with admin.client("ada") as browser:
        for action in ("retry", "resolve"):
            forged = await browser.post(
                f"/errors/{entry_id}/{action}", data={"csrf_token": "forged"}
            )
            assert forged.status_code == 403
            assert "did not come from this site" in forged.text
        missing = await browser.get("/errors/999999")
        assert missing.status_code == 404 and "error entry 999999 does not exist" in missing.text
    assert (await error_detail(admin.ctx, entry_id)).resolved_at is None
