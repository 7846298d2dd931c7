"""Returns in orderbridge's store: linked to their order, blocked when a line names no order
line, exported to the OMS once as a schema-valid document, and decided on by the OMS.

The marketplace side (reading returns, pushing decisions) is covered per channel by the
connector tests and end to end by test_returns_flow.py; here the returns are written the
way an import run writes them, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import os
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from sqlalchemy import select

from orderbridge.domain.returns import (
    ReturnDecisionKind,
    ReturnLineSnapshot,
    ReturnSnapshot,
    ReturnStatus,
)
from orderbridge.oms.return_document import return_schema
from orderbridge.sandbox.oms import create_app as oms_app
from orderbridge.services.connections import (
    ConnectionSpec,
    create_connection,
    create_export_target,
)
from orderbridge.services.context import ServiceContext
from orderbridge.services.errors import InvalidInput
from orderbridge.services.queries.returns import list_returns, return_detail
from orderbridge.services.return_decisions import (
    DecisionLine,
    ReturnDecisionRequest,
    record_return_decision,
)
from orderbridge.services.return_exports import export_returns
from orderbridge.services.return_progress import decision_settled
from orderbridge.services.status_sources.sources import create_source, run_source
from orderbridge.store.order_writer import upsert_page
from orderbridge.store.return_tables import return_decisions
from orderbridge.store.return_writer import upsert_returns
from orderbridge.store.tables import outbox
from orderbridge.work.drain import drain_outbox
from tests.support.orders import BASE_TIME, snapshot
from tests.support.servers import serving

AMAZON_CREDENTIALS = {"client_id": "id", "client_secret": "secret", "refresh_token": "token"}
ORDER = "303-1111111-2222222"


async def _setup(ctx: ServiceContext, folder: Path) -> int:
    await create_export_target(
        ctx, name="oms-files", kind="file", settings={"folder": str(folder)}, secret=None
    )
    connection_id = await create_connection(
        ctx,
        ConnectionSpec(
            name="amazon-de",
            channel="amazon",
            credentials=AMAZON_CREDENTIALS,
            options={"marketplace_ids": ["A1PA6795UKMFR9"]},
            export_target="oms-files",
            auto_export=False,
        ),
    )
    async with ctx.db.write() as conn:
        await upsert_page(conn, connection_id, [snapshot(ORDER)], now=BASE_TIME, actor="test")
    return connection_id


def _return(
    external_id: str = "R-1",
    *,
    order: str = ORDER,
    line: str | None = f"{ORDER}-1",
    sku: str = "SKU-1",
    status: ReturnStatus = ReturnStatus.REQUESTED,
    minutes: int = 10,
) -> ReturnSnapshot:
    return ReturnSnapshot(
        external_id=external_id,
        order_external_id=order,
        marketplace_status=status.value.upper(),
        status=status,
        requested_at=BASE_TIME + timedelta(minutes=10),
        last_updated_at=BASE_TIME + timedelta(minutes=minutes),
        currency="EUR",
        lines=(ReturnLineSnapshot("RL-1", line, sku, 1, reason="DEFECTIVE"),),
        reason="DEFECTIVE",
        raw={"returnId": external_id},
    )


async def _store(ctx: ServiceContext, connection_id: int, *snaps: ReturnSnapshot) -> Any:
    async with ctx.db.write() as conn:
        return await upsert_returns(
            conn, connection_id, list(snaps), now=BASE_TIME + timedelta(hours=1), actor="test"
        )


async def test_a_return_links_to_its_order_and_is_stored_once(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    connection_id = await _setup(ctx, tmp_path)
    first = await _store(ctx, connection_id, _return())
    again = await _store(ctx, connection_id, _return())
    assert len(first.created) == 1 and first.exportable == first.created
    assert again.created == [] and again.unchanged == 1
    page = await list_returns(ctx)
    assert [(item.external_id, item.order_external_id, item.quantity) for item in page.items] == [
        ("R-1", ORDER, 1)
    ]
    detail = await return_detail(ctx, first.created[0])
    assert detail["lines"][0]["order_line_id"] == f"{ORDER}-1"
    assert detail["import_status"] == "complete"
    assert [event["kind"] for event in detail["events"]] == ["imported"]


async def test_a_line_found_by_sku_links_and_an_unknown_line_blocks(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    connection_id = await _setup(ctx, tmp_path)
    by_sku = await _store(ctx, connection_id, _return("R-SKU", line=None))
    unknown = await _store(ctx, connection_id, _return("R-BAD", line="nope", sku="OTHER"))
    assert (await return_detail(ctx, by_sku.created[0]))["lines"][0]["order_line_id"] == (
        f"{ORDER}-1"
    )
    blocked = await return_detail(ctx, unknown.blocked[0])
    assert blocked["import_status"] == "blocked"
    assert "names no line of order" in blocked["import_blockers"][0]["reason"]
    decisions = await export_returns(ctx, [unknown.blocked[0]], actor="test")
    assert not decisions[0].scheduled and "not fully imported" in decisions[0].message


async def test_a_return_whose_order_is_unknown_is_reported_missing_not_stored(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    connection_id = await _setup(ctx, tmp_path)
    outcome = await _store(ctx, connection_id, _return("R-2", order="999-0000000-0000000"))
    assert outcome.missing_orders == ["R-2"] and outcome.created == []
    assert (await list_returns(ctx)).items == []


async def test_status_follows_the_marketplace_but_never_leaves_an_end_state(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    connection_id = await _setup(ctx, tmp_path)
    created = await _store(ctx, connection_id, _return())
    await _store(ctx, connection_id, _return(status=ReturnStatus.REFUNDED, minutes=20))
    await _store(ctx, connection_id, _return(status=ReturnStatus.REQUESTED, minutes=30))
    detail = await return_detail(ctx, created.created[0])
    assert detail["status"] == "refunded"
    assert detail["marketplace_status"] == "REQUESTED"


async def test_export_writes_one_schema_valid_document_and_refuses_a_second(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    connection_id = await _setup(ctx, tmp_path)
    return_id = (await _store(ctx, connection_id, _return())).created[0]
    first = await export_returns(ctx, [return_id, 424242], actor="test")
    assert [(d.scheduled, d.message) for d in first] == [
        (True, "export scheduled"),
        (False, "return does not exist"),
    ]
    await drain_outbox(ctx, owner="test", batch=10, concurrency=2)
    written = list(tmp_path.glob("return-*.json"))
    assert [path.name for path in written] == ["return-amazon-de-R-1.json"]
    document = json.loads(written[0].read_text())
    jsonschema.validate(document, return_schema())
    assert document["external_order_id"] == ORDER
    assert document["lines"][0]["order_line_id"] == f"{ORDER}-1"
    assert (await return_detail(ctx, return_id))["export_status"] == "exported"
    again = await export_returns(ctx, [return_id], actor="test")
    assert (again[0].scheduled, again[0].message) == (False, "already exported")


async def test_a_decision_the_channel_cannot_carry_is_refused_with_what_it_can(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    connection_id = await _setup(ctx, tmp_path)
    return_id = (await _store(ctx, connection_id, _return())).created[0]
    with pytest.raises(InvalidInput) as refused:
        await record_return_decision(
            ctx,
            return_id,
            ReturnDecisionRequest(ReturnDecisionKind.ACCEPT),
            actor="test",
            source="api",
        )
    assert "amazon takes no 'accept'" in refused.value.message
    assert "refund" in refused.value.message


async def test_a_refund_is_checked_against_the_price_and_recorded_once(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    connection_id = await _setup(ctx, tmp_path)
    return_id = (await _store(ctx, connection_id, _return())).created[0]
    too_much = ReturnDecisionRequest(
        ReturnDecisionKind.REFUND, lines=(DecisionLine(1, "RL-1", amount=Decimal("50")),)
    )
    with pytest.raises(InvalidInput) as refused:
        await record_return_decision(ctx, return_id, too_much, actor="test", source="api")
    assert "more than the 10.00 EUR paid for 1 unit(s)" in refused.value.message
    whole = ReturnDecisionRequest(ReturnDecisionKind.REFUND, reference="oms-77")
    first = await record_return_decision(ctx, return_id, whole, actor="test", source="api")
    second = await record_return_decision(ctx, return_id, whole, actor="test", source="api")
    assert first.changed and not second.changed and first.id == second.id
    async with ctx.db.read() as conn:
        stored = (await conn.execute(select(return_decisions))).mappings().one()
        queued = (await conn.execute(select(outbox.c.kind, outbox.c.subject_id))).all()
    # The line's price is 19.99 for the two units ordered: one unit back is 9.995 → 10.00.
    assert stored["total_amount"] == Decimal("10.00")
    assert stored["lines"][0]["quantity"] == 1
    assert ("return_decision", stored["id"]) in [tuple(row) for row in queued]


def _drop(path: Path, content: str) -> None:
    """A file the OMS finished writing a minute ago (a folder skips files still growing)."""
    path.write_text(content)
    written = time.time() - 60
    os.utime(path, (written, written))


async def _decisions(ctx: ServiceContext) -> list[dict[str, Any]]:
    async with ctx.db.read() as conn:
        rows = await conn.execute(select(return_decisions).order_by(return_decisions.c.id))
        return [dict(row) for row in rows.mappings()]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        (
            "decisions.csv",
            "action,order_id,return_id,line_id,quantity,item_amount,reference,reason\n"
            f"refund_return,{ORDER},R-1,RL-1,1,8.50,OMS-RMA-1,damaged\n",
        ),
        (
            "decisions.xml",
            '<statusUpdates><returnRefund returnId="R-1" reference="OMS-RMA-1" '
            'reason="damaged"><line lineId="RL-1" quantity="1" itemAmount="8.50"/>'
            "</returnRefund></statusUpdates>",
        ),
    ],
)
async def test_a_status_file_carries_a_refund_decision_once(
    ctx: ServiceContext, tmp_path: Path, name: str, content: str
) -> None:
    connection_id = await _setup(ctx, tmp_path / "out")
    await _store(ctx, connection_id, _return())
    inbox = tmp_path / "status"
    inbox.mkdir()
    await create_source(
        ctx,
        name="oms-files",
        kind="folder",
        settings={"folder": str(inbox)},
        connection="amazon-de",
    )
    _drop(inbox / name, content)
    result = await run_source(ctx, "oms-files", owner="test")
    assert [row.ok for row in result.rows] == [True], [row.message for row in result.rows]
    _drop(inbox / f"again-{name}", content)  # the OMS sends the same decision again
    await run_source(ctx, "oms-files", owner="test")
    (decision,) = await _decisions(ctx)
    assert (decision["decision"], decision["external_id"]) == ("refund", "OMS-RMA-1")
    assert decision["total_amount"] == Decimal("8.50") and decision["source"] == "folder"


async def test_a_status_file_naming_an_unknown_return_is_refused_with_the_reason(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    await _setup(ctx, tmp_path / "out")
    inbox = tmp_path / "status"
    inbox.mkdir()
    await create_source(ctx, name="oms-files", kind="folder", settings={"folder": str(inbox)})
    _drop(inbox / "d.csv", "action,order_id,return_id\naccept_return,,R-404\n")
    result = await run_source(ctx, "oms-files", owner="test")
    assert not result.rows[0].ok
    assert "no return 'R-404'" in result.rows[0].message
    assert await _decisions(ctx) == []


async def test_a_polled_update_carries_a_refund(ctx: ServiceContext, tmp_path: Path) -> None:
    connection_id = await _setup(ctx, tmp_path / "out")
    await _store(ctx, connection_id, _return())
    with serving(oms_app("webhook-secret", status_token="feed-token")) as url:
        async with httpx.AsyncClient(base_url=url) as oms:
            added = await oms.post(
                "/status-updates",
                json=[
                    {
                        "id": "evt-1",
                        "type": "return_refund",
                        "return_id": "R-1",
                        "note": "refund the buyer",
                    }
                ],
            )
            assert added.status_code == 201, added.text
        await create_source(
            ctx,
            name="oms-feed",
            kind="poll",
            settings={"url": f"{url}/status-updates"},
            secret="feed-token",
            connection="amazon-de",
        )
        result = await run_source(ctx, "oms-feed", owner="test")
    assert [row.ok for row in result.rows] == [True], [row.message for row in result.rows]
    (decision,) = await _decisions(ctx)
    assert (decision["decision"], decision["source"]) == ("refund", "poll")
    # No amounts given: the returned unit at the price paid for it.
    assert decision["total_amount"] == Decimal("10.00")


async def test_confirmed_refunds_add_up_as_money_on_every_database(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    """The amount column holds exact decimal text: the sum is made in Decimal, never by SQL
    (which concatenated '0' || '4.00' on SQLite and failed outright on PostgreSQL)."""
    connection_id = await _setup(ctx, tmp_path)
    return_id = (await _store(ctx, connection_id, _return())).created[0]
    request = ReturnDecisionRequest(
        ReturnDecisionKind.REFUND, lines=(DecisionLine(1, "RL-1", amount=Decimal("4.00")),)
    )
    await record_return_decision(ctx, return_id, request, actor="test", source="api")
    (decision,) = await _decisions(ctx)
    for _ in range(2):  # two refunds confirmed (a second one, as a marketplace may report)
        async with ctx.db.write() as conn:
            await decision_settled(conn, decision, confirmed=True, now=BASE_TIME, actor="test")
    detail = await return_detail(ctx, return_id)
    assert detail["status"] == "refunded"
    assert detail["refund_amount"] == "8.00"
