"""The SCHEDULED EXPORTS tab over HTTP: what is still to go with its state in words, rows
leaving once sent, Retry now and Cancel for operators, and nothing of the kind for viewers.

The admin here runs without its worker, so a row stays where the test puts it until the
test drains the outbox itself.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from orderbridge.domain.states import ExportStatus
from orderbridge.services.exporting import export_orders
from orderbridge.services.fulfilment.requests import ShipmentRequest
from orderbridge.services.fulfilment.shipments import record_shipment
from orderbridge.services.return_exports import export_returns
from orderbridge.store.error_log import WARNING
from orderbridge.store.fulfilment_tables import shipments
from orderbridge.store.return_tables import returns
from orderbridge.store.tables import error_entries, orders, outbox
from orderbridge.work.drain import drain_outbox
from tests.web.conftest import Admin, csrf_of
from tests.web.seed_data import a_return, shop, store_returns

ORDER = "302-0000000-0000001"
OTHER = "302-0000001-0000001"


async def _exported(admin: Admin, tmp_path: Path) -> dict[str, int]:
    """Two orders whose exports to OMS wait in the outbox; answers the outbox ids by order."""
    _, ids = await shop(admin.ctx, tmp_path, 2)
    decisions = await export_orders(admin.ctx, [ids[ORDER], ids[OTHER]], actor="test")
    assert all(d.scheduled for d in decisions)
    async with admin.ctx.db.read() as conn:
        rows = (await conn.execute(select(outbox.c.id, outbox.c.order_id))).all()
    by_order = {order_id: outbox_id for outbox_id, order_id in rows}
    return {ORDER: by_order[ids[ORDER]], OTHER: by_order[ids[OTHER]]}


async def _row(admin: Admin, outbox_id: int) -> dict[str, Any]:
    async with admin.ctx.db.read() as conn:
        found = (await conn.execute(select(outbox).where(outbox.c.id == outbox_id))).mappings()
        return dict(found.one())


async def _export_status(admin: Admin, external_id: str) -> str:
    async with admin.ctx.db.read() as conn:
        status: str = (
            await conn.execute(
                select(orders.c.export_status).where(orders.c.external_id == external_id)
            )
        ).scalar_one()
    return status


async def test_waiting_exports_show_in_words_and_a_sent_one_leaves(
    admin: Admin, tmp_path: Path
) -> None:
    rows = await _exported(admin, tmp_path)
    async with admin.ctx.db.write() as conn:
        await conn.execute(
            update(outbox)
            .where(outbox.c.id == rows[OTHER])
            .values(
                attempts=2,
                last_error="OMS answered 503",
                next_attempt_at=admin.ctx.clock() + timedelta(minutes=5),
            )
        )
    async with admin.client("otto") as browser:
        page = await browser.get("/scheduled")
        assert page.status_code == 200
        assert 'aria-current="page">Scheduled exports' in page.text
        assert page.text.count("<td>Export to OMS</td>") == 2
        assert 'href="/orders/' in page.text and ORDER in page.text
        assert "Waiting to be sent; it is due now." in page.text
        assert "Attempt 2 of 8 failed; it is tried again automatically in 5 min" in page.text
        assert "OMS answered 503" in page.text
        assert 'id="refresh" href="/scheduled"' in page.text
        assert 'id="auto-refresh-box" hidden' in page.text  # shown by the script
        assert "/static/auto_refresh.js" in page.text
        assert page.text.count(">Retry now</button>") == 2
        await drain_outbox(admin.ctx, owner="test", batch=10, concurrency=1)
        after = await browser.get("/scheduled")
        assert f'id="row-{rows[ORDER]}"' not in after.text
        assert f'id="row-{rows[OTHER]}"' in after.text and "1 row on this page" in after.text
        sent = await browser.get("/scheduled", params={"status": "done"})
        assert sent.text.count("Sent. It no longer shows") == 1
    assert await _export_status(admin, ORDER) == "exported"


async def test_retry_now_brings_a_waiting_row_forward_and_resends_a_dead_one(
    admin: Admin, tmp_path: Path
) -> None:
    rows = await _exported(admin, tmp_path)
    later = admin.ctx.clock() + timedelta(hours=1)
    async with admin.ctx.db.write() as conn:
        await conn.execute(
            update(outbox).where(outbox.c.id == rows[ORDER]).values(next_attempt_at=later)
        )
        await conn.execute(
            update(outbox)
            .where(outbox.c.id == rows[OTHER])
            .values(status="dead", attempts=8, last_error="OMS refused: 422")
        )
        await conn.execute(
            update(orders)
            .where(orders.c.external_id == OTHER)
            .values(export_status=ExportStatus.EXPORT_FAILED.value)
        )
    async with admin.client("otto") as browser:
        page = await browser.get("/scheduled")
        assert "Failed for good after 8 attempts (the last error says why)" in page.text
        assert "OMS refused: 422" in page.text
        token = csrf_of(page.text)
        waiting = await browser.post(
            f"/scheduled/{rows[ORDER]}/retry", data={"csrf_token": token, "back": "/scheduled"}
        )
        shown = await browser.get(waiting.headers["location"])
        assert f"#{rows[ORDER]}: due now." in shown.text
        assert (await _row(admin, rows[ORDER]))["next_attempt_at"] < later
        dead = await browser.post(
            f"/scheduled/{rows[OTHER]}/retry",
            data={"csrf_token": token, "back": "/scheduled?status=dead"},
        )
        assert dead.headers["location"].startswith("/scheduled?status=dead&notice=")
        shown = await browser.get(dead.headers["location"])
        assert f"#{rows[OTHER]}: export scheduled again." in shown.text
        assert "Nothing is waiting" in shown.text  # no longer dead
        row = await _row(admin, rows[OTHER])
        assert (row["status"], row["attempts"]) == ("pending", 0)
        assert await _export_status(admin, OTHER) == "scheduled"
        await drain_outbox(admin.ctx, owner="test", batch=10, concurrency=1)
        finished = await browser.post(f"/scheduled/{rows[OTHER]}/retry", data={"csrf_token": token})
        shown = await browser.get(finished.headers["location"])
        assert "is done: there is nothing left to send" in shown.text
    assert await _export_status(admin, OTHER) == "exported"


async def test_cancel_sends_the_order_back_to_not_exported_and_it_can_go_again(
    admin: Admin, tmp_path: Path
) -> None:
    rows = await _exported(admin, tmp_path)
    async with admin.client("otto") as browser:
        page = await browser.get("/scheduled")
        token = csrf_of(page.text)
        answer = await browser.post(
            f"/scheduled/{rows[ORDER]}/cancel", data={"csrf_token": token, "back": "/scheduled"}
        )
        shown = await browser.get(answer.headers["location"])
        assert f"#{rows[ORDER]}: cancelled; the order is not exported now" in shown.text
        assert f'id="row-{rows[ORDER]}"' not in shown.text
        assert f'id="row-{rows[OTHER]}"' in shown.text
        cancelled = await browser.get("/scheduled", params={"status": "cancelled"})
        assert "Cancelled; it will not be sent (cancelled by ui:otto)." in cancelled.text
        assert await _export_status(admin, ORDER) == "not_exported"
        again = await browser.post(f"/scheduled/{rows[ORDER]}/cancel", data={"csrf_token": token})
        shown = await browser.get(again.headers["location"])
        assert "is cancelled: there is nothing to cancel" in shown.text
        order_id = (await _row(admin, rows[ORDER]))["order_id"]
        exported = await browser.post(
            "/orders/export",
            data={"csrf_token": token, "order_id": str(order_id), "back": "/orders"},
        )
        shown = await browser.get(exported.headers["location"])
        assert "Export to OMS triggered for 1 order." in shown.text
        order_page = await browser.get(f"/orders/{order_id}")
        assert "cancelled by ui:otto" in order_page.text  # the warning on its page
        assert "export cancelled</strong> by ui:otto" in order_page.text  # and its timeline
    assert await _export_status(admin, ORDER) == "scheduled"
    # A failed export cancelled leaves "export failed" for "not exported" as well.
    async with admin.ctx.db.write() as conn:
        await conn.execute(
            update(outbox).where(outbox.c.id == rows[OTHER]).values(status="dead", attempts=8)
        )
        await conn.execute(
            update(orders)
            .where(orders.c.external_id == OTHER)
            .values(export_status=ExportStatus.EXPORT_FAILED.value)
        )
    async with admin.client("ada") as browser:
        page = await browser.get("/scheduled", params={"status": "dead"})
        answer = await browser.post(
            f"/scheduled/{rows[OTHER]}/cancel", data={"csrf_token": csrf_of(page.text)}
        )
        shown = await browser.get(answer.headers["location"])
        assert f"#{rows[OTHER]}: cancelled; the order is not exported now" in shown.text
    assert await _export_status(admin, OTHER) == "not_exported"
    async with admin.ctx.db.read() as conn:
        warning = (
            (
                await conn.execute(
                    select(error_entries).where(
                        error_entries.c.operation == "cancel",
                        error_entries.c.outbox_id == rows[ORDER],
                    )
                )
            )
            .mappings()
            .one()
        )
    assert warning["severity"] == WARNING and warning["outbox_id"] == rows[ORDER]
    assert warning["attributes"]["cancelled_by"] == "ui:otto"


async def test_a_return_export_dead_then_retried_now_is_delivered_and_one_cancelled_waits(
    admin: Admin, tmp_path: Path
) -> None:
    connection_id, _ = await shop(admin.ctx, tmp_path, 1)
    ids = await store_returns(
        admin.ctx, connection_id, [a_return("R-1", ORDER), a_return("R-2", ORDER, day=1)]
    )
    await export_returns(admin.ctx, [ids["R-1"], ids["R-2"]], actor="test")
    async with admin.ctx.db.write() as conn:
        await conn.execute(
            update(outbox)
            .where(outbox.c.subject_id == ids["R-1"])
            .values(status="dead", attempts=8, last_error="OMS down")
        )
        await conn.execute(
            update(returns)
            .where(returns.c.id == ids["R-1"])
            .values(export_status=ExportStatus.EXPORT_FAILED.value)
        )
        by_return = {
            subject: outbox_id
            for outbox_id, subject in await conn.execute(select(outbox.c.id, outbox.c.subject_id))
        }
    async with admin.client("ada") as browser:
        page = await browser.get("/scheduled")
        assert page.text.count("<td>Return export</td>") == 2
        token = csrf_of(page.text)
        cancel = await browser.post(
            f"/scheduled/{by_return[ids['R-2']]}/cancel", data={"csrf_token": token}
        )
        assert "the+return+is+not+exported+now" in cancel.headers["location"]
        retry = await browser.post(
            f"/scheduled/{by_return[ids['R-1']]}/retry", data={"csrf_token": token}
        )
        assert "export+scheduled+again" in retry.headers["location"]
        await drain_outbox(admin.ctx, owner="test", batch=10, concurrency=1)
        listed = await browser.get("/returns")
    assert [path.name for path in tmp_path.glob("return-*.json")] == ["return-amazon-de-R-1.json"]
    async with admin.ctx.db.read() as conn:
        statuses = dict(
            (await conn.execute(select(returns.c.external_id, returns.c.export_status))).all()
        )
    assert statuses == {"R-1": "exported", "R-2": "not_exported"}
    assert listed.status_code == 200


async def test_a_shipment_waiting_for_tracking_is_not_sent_early_but_can_be_cancelled(
    admin: Admin, tmp_path: Path
) -> None:
    _, ids = await shop(admin.ctx, tmp_path, 1)
    recorded = await record_shipment(
        admin.ctx, ids[ORDER], ShipmentRequest(carrier="DHL"), actor="test", source="api"
    )
    async with admin.ctx.db.read() as conn:
        outbox_id = (await conn.execute(select(outbox.c.id))).scalar_one()
    async with admin.client("otto") as browser:
        page = await browser.get("/scheduled")
        assert "<td>Shipment</td>" in page.text and "Waits for its tracking number" in page.text
        token = csrf_of(page.text)
        early = await browser.post(f"/scheduled/{outbox_id}/retry", data={"csrf_token": token})
        shown = await browser.get(early.headers["location"])
        assert "waits for its tracking number; send the tracking number" in shown.text
        cancel = await browser.post(f"/scheduled/{outbox_id}/cancel", data={"csrf_token": token})
        shown = await browser.get(cancel.headers["location"])
        assert "marked failed and never goes to the marketplace" in shown.text
        order_page = await browser.get(f"/orders/{ids[ORDER]}")
        assert "shipment failed</strong> by ui:otto" in order_page.text
    async with admin.ctx.db.read() as conn:
        shipment = (
            (await conn.execute(select(shipments).where(shipments.c.id == recorded.id)))
            .mappings()
            .one()
        )
    assert (shipment["status"], shipment["last_error"]) == ("failed", "cancelled by ui:otto")


async def test_a_viewer_sees_the_queue_but_may_not_retry_or_cancel(
    admin: Admin, tmp_path: Path
) -> None:
    rows = await _exported(admin, tmp_path)
    async with admin.client("vera") as browser:
        page = await browser.get("/scheduled")
        assert page.status_code == 200 and ORDER in page.text
        assert "Retry now</button>" not in page.text and "Cancel…" not in page.text
        assert "Operators and admins may act" in page.text
        token = csrf_of(page.text)
        for action in ("retry", "cancel"):
            refused = await browser.post(
                f"/scheduled/{rows[ORDER]}/{action}", data={"csrf_token": token}
            )
            assert refused.status_code == 403
            assert "may not import, export, retry or cancel" in refused.text
    async with admin.client("otto") as browser:
        forged = await browser.post(
            f"/scheduled/{rows[ORDER]}/cancel", data={"csrf_token": "forged"}
        )
        assert forged.status_code == 403 and "did not come from this site" in forged.text
        stale = await browser.get("/scheduled", params={"cursor": "not-a-cursor"})
        assert stale.status_code == 200 and "cursor is not valid" in stale.text
    assert (await _row(admin, rows[ORDER]))["status"] == "pending"


async def test_a_row_behind_an_earlier_one_of_its_order_says_it_waits(
    admin: Admin, tmp_path: Path
) -> None:
    connection_id, ids = await shop(admin.ctx, tmp_path, 1)
    await export_orders(admin.ctx, [ids[ORDER]], actor="test")
    returned = await store_returns(admin.ctx, connection_id, [a_return("R-1", ORDER)])
    await export_returns(admin.ctx, [returned["R-1"]], actor="test")
    async with admin.ctx.db.read() as conn:
        first, second = (await conn.execute(select(outbox.c.id).order_by(outbox.c.id))).scalars()
    async with admin.client("otto") as browser:
        page = await browser.get("/scheduled")
        assert f"Waits until #{first} of the same order is finished" in page.text
        answer = await browser.post(
            f"/scheduled/{second}/retry", data={"csrf_token": csrf_of(page.text)}
        )
        shown = await browser.get(answer.headers["location"])
        assert f"#{second}: due now, but it waits until #{first} of the same order" in shown.text
