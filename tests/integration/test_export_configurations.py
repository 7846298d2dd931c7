"""Export configurations end to end: conditions pick orders, runs schedule them once, the
outbox delivers them over real HTTP to the sandbox OMS and into file folders, and every
configuration export is tracked on its own — on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from orderbridge.domain.order import OrderSnapshot
from orderbridge.domain.states import OrderStatus
from orderbridge.sandbox.oms import create_app as oms_app
from orderbridge.services.configuration_runs import (
    retry_export,
    run_configuration,
    run_due_configurations,
)
from orderbridge.services.connections import (
    ConnectionSpec,
    create_connection,
    create_export_target,
)
from orderbridge.services.context import ServiceContext
from orderbridge.services.errors import Conflict
from orderbridge.services.export_configurations import (
    ConfigurationSpec,
    configuration_detail,
    create_configuration,
    delete_configuration,
    update_configuration,
)
from orderbridge.services.queries.configuration_exports import order_configuration_exports
from orderbridge.store import configuration_schedule
from orderbridge.store.audit_trail import audit_entries
from orderbridge.store.configuration_exports import EXPORT_CONFIGURED
from orderbridge.store.configuration_tables import configuration_exports, export_configurations
from orderbridge.store.order_writer import upsert_page
from orderbridge.store.tables import error_entries, order_events, orders, outbox
from orderbridge.work.drain import drain_outbox, side_work
from tests.api.orders_data import AMAZON_CREDENTIALS, AMAZON_OPTIONS
from tests.support.orders import BASE_TIME, snapshot
from tests.support.servers import serving

SECRET = "configuration-webhook-secret"
ACTOR = "tests"


@pytest.fixture
def oms() -> Iterator[str]:
    with serving(oms_app(SECRET)) as url:
        yield url


@dataclass
class Hub:
    ctx: ServiceContext
    connections: dict[str, int]
    oms: str
    reports: Path


@pytest.fixture
async def hub(ctx: ServiceContext, oms: str, tmp_path: Path) -> Hub:
    """Connections de, fr and portal (visible-only) without export targets of their own; the
    targets "oms" (webhook to the sandbox OMS) and "reports" (JSON files in a folder)."""
    ids = {}
    for name, visible_only in (("de", False), ("fr", False), ("portal", True)):
        spec = ConnectionSpec(
            name=name,
            channel="amazon",
            credentials=AMAZON_CREDENTIALS,
            options=AMAZON_OPTIONS,
            visible_only=visible_only,
        )
        ids[name] = await create_connection(ctx, spec)
    await create_export_target(
        ctx,
        name="oms",
        kind="webhook",
        settings={"url": f"{oms}/webhooks/orders"},
        secret=SECRET,
    )
    reports = tmp_path / "reports"
    reports.mkdir()
    await create_export_target(
        ctx, name="reports", kind="file", settings={"folder": str(reports)}, secret=None
    )
    return Hub(ctx=ctx, connections=ids, oms=oms, reports=reports)


def order(
    external_id: str,
    *,
    country: str = "DE",
    price: str = "19.99",
    sku: str = "SKU-1",
    status: OrderStatus = OrderStatus.UNSHIPPED,
    fulfillment: str = "MERCHANT",
) -> OrderSnapshot:
    """An order; its total is the price plus 8.69 (tax, shipping, shipping tax, discount)."""
    snap = snapshot(external_id, price=price, sku=sku, status=status)
    assert snap.shipping_address is not None
    return replace(
        snap,
        shipping_address=replace(snap.shipping_address, country_code=country),
        fulfillment_channel=fulfillment,
    )


async def store(hub: Hub, connection: str, snaps: list[OrderSnapshot]) -> dict[str, int]:
    async with hub.ctx.db.write() as conn:
        await upsert_page(
            conn, hub.connections[connection], snaps, now=BASE_TIME, actor="import:tests"
        )
        rows = await conn.execute(
            select(orders.c.external_id, orders.c.id).where(
                orders.c.connection_id == hub.connections[connection]
            )
        )
        return {row.external_id: row.id for row in rows}


async def configure(hub: Hub, name: str, target: str, **values: Any) -> None:
    values.setdefault("interval_seconds", 3600)
    await create_configuration(
        hub.ctx, ConfigurationSpec(name=name, target=target, **values), actor=ACTOR
    )


async def deliver(ctx: ServiceContext) -> None:
    await drain_outbox(ctx, owner="tests-worker", batch=50, concurrency=4)


async def exports_of(ctx: ServiceContext, name: str) -> dict[int, dict[str, Any]]:
    """order id → that configuration's export row."""
    async with ctx.db.read() as conn:
        rows = await conn.execute(
            select(configuration_exports)
            .join(
                export_configurations,
                export_configurations.c.id == configuration_exports.c.configuration_id,
            )
            .where(export_configurations.c.name == name)
        )
        return {row.order_id: dict(row._mapping) for row in rows}


async def order_state(ctx: ServiceContext, order_id: int) -> dict[str, Any]:
    async with ctx.db.read() as conn:
        row = (await conn.execute(select(orders).where(orders.c.id == order_id))).mappings().one()
        events = (
            await conn.execute(
                select(order_events.c.kind, order_events.c.data)
                .where(order_events.c.order_id == order_id)
                .order_by(order_events.c.id)
            )
        ).all()
    return {
        "export_status": row["export_status"],
        "exported_at": row["exported_at"],
        "events": [(kind, data) for kind, data in events if kind.startswith("export_")],
    }


async def received(oms: str) -> dict[str, dict[str, Any]]:
    """What the sandbox OMS stored: external order id → entry (with its idempotency key)."""
    async with httpx.AsyncClient() as client:
        body = (await client.get(f"{oms}/orders")).json()
    return {entry["document"]["external_order_id"]: entry for entry in body["orders"]}


async def test_conditions_route_orders_to_two_targets(hub: Hub) -> None:
    ctx = hub.ctx
    ids = await store(
        hub,
        "de",
        [
            order("A-de-small", country="DE", price="19.99"),
            order("B-fr-big", country="FR", price="80.00"),
            order("C-de-big", country="DE", price="80.00"),
            order("D-fr-small", country="FR", price="10.00"),
        ],
    )
    await configure(hub, "oms-germany", "oms", conditions={"shipping_countries": ["DE"]})
    await configure(
        hub,
        "big-orders-report",
        "reports",
        conditions={"amount_min": "50"},
        update_status=False,
    )

    germany = await run_configuration(ctx, "oms-germany", actor=ACTOR)
    big = await run_configuration(ctx, "big-orders-report", actor=ACTOR)
    assert (germany.matched, germany.scheduled, germany.skipped) == (2, 2, {})
    assert (big.matched, big.scheduled, big.skipped) == (2, 2, {})
    await deliver(ctx)

    inbox = await received(hub.oms)
    assert set(inbox) == {"A-de-small", "C-de-big"}
    configuration_id = (await configuration_detail(ctx, "oms-germany"))["id"]
    assert inbox["C-de-big"]["idempotency_key"] == (
        f"orderbridge-order-{ids['C-de-big']}-configuration-{configuration_id}"
    )
    assert sorted(path.name for path in hub.reports.iterdir()) == [
        "order-de-B-fr-big.json",
        "order-de-C-de-big.json",
    ]

    germany_exports = await exports_of(ctx, "oms-germany")
    big_exports = await exports_of(ctx, "big-orders-report")
    assert {oid: row["status"] for oid, row in germany_exports.items()} == {
        ids["A-de-small"]: "exported",
        ids["C-de-big"]: "exported",
    }
    assert {oid: row["status"] for oid, row in big_exports.items()} == {
        ids["B-fr-big"]: "exported",
        ids["C-de-big"]: "exported",
    }
    # The order that matched both went to both targets, each export tracked on its own.
    both = await order_configuration_exports(ctx, ids["C-de-big"])
    assert [(row["configuration"], row["target"], row["status"]) for row in both] == [
        ("oms-germany", "oms", "exported"),
        ("big-orders-report", "reports", "exported"),
    ]
    assert all(row["exported_at"] is not None for row in both)
    # Only the configuration that updates status moved the orders' own export status.
    assert (await order_state(ctx, ids["A-de-small"]))["export_status"] == "exported"
    assert (await order_state(ctx, ids["C-de-big"]))["export_status"] == "exported"
    assert (await order_state(ctx, ids["B-fr-big"]))["export_status"] == "not_exported"
    assert (await order_state(ctx, ids["D-fr-small"]))["export_status"] == "not_exported"


async def test_each_condition_picks_its_orders(hub: Hub) -> None:
    ctx = hub.ctx
    de = await store(
        hub,
        "de",
        [
            order("plain"),  # total 28.68
            order("austria", country="AT"),
            order("partial", status=OrderStatus.PARTIALLY_SHIPPED),
            order("acme", sku="ACME-12", price="41.31"),  # total 50.00
            order("acme-lower", sku="acme-12"),
            order("x-acme", sku="XACME-1"),
            order("fba", fulfillment="AMAZON"),
            order("pending", status=OrderStatus.PENDING),
            order("canceled", status=OrderStatus.CANCELED),
            order("blocked"),
        ],
    )
    fr = await store(hub, "fr", [order("french", country="FR")])
    portal = await store(hub, "portal", [order("portal-only")])
    async with ctx.db.write() as conn:
        await conn.execute(
            update(orders).where(orders.c.id == de["blocked"]).values(import_status="blocked")
        )
    cases: dict[str, tuple[dict[str, Any], set[int]]] = {
        "by-connection": ({"connections": ["fr"]}, {fr["french"]}),
        "by-status": ({"marketplace_statuses": ["partially_shipped"]}, {de["partial"]}),
        "by-country": ({"shipping_countries": ["at"]}, {de["austria"]}),
        "exact-amount": (
            {"amount_min": "28.68", "amount_max": "28.68", "connections": ["fr"]},
            {fr["french"]},
        ),
        "big-amount": ({"amount_min": "50.00"}, {de["acme"]}),
        "by-sku": ({"sku_pattern": "ACME-*"}, {de["acme"]}),
        "by-sku-one-character": ({"sku_pattern": "ACME-1?"}, {de["acme"]}),
        "fulfilled-by-marketplace": ({"fulfillment_channel": "marketplace"}, {de["fba"]}),
        "fulfilled-by-amazon": ({"fulfillment_channel": ["AFN"]}, {de["fba"]}),
        "in-euro": ({"currency": "eur", "connections": ["fr"]}, {fr["french"]}),
    }
    for name, (conditions, _) in cases.items():
        await configure(hub, name, "reports", conditions=conditions, update_status=False)
    for name, (_, expected) in cases.items():
        summary = await run_configuration(ctx, name, actor=ACTOR)
        assert set(await exports_of(ctx, name)) == expected, name
        assert summary.scheduled == len(expected), name

    await configure(hub, "everything", "reports", update_status=False)
    summary = await run_configuration(ctx, "everything", actor=ACTOR)
    assert summary.skipped == {
        "awaiting_payment": 1,
        "canceled": 1,
        "not_fully_imported": 1,
        "visible_only": 1,
    }
    assert summary.scheduled == len(de) + len(fr) + len(portal) - 4
    assert summary.matched == summary.scheduled + 4
    assert portal["portal-only"] not in await exports_of(ctx, "everything")
    detail = await configuration_detail(ctx, "everything")
    assert detail["last_run_summary"]["skipped"] == summary.skipped
    assert detail["last_run_summary"]["scheduled"] == summary.scheduled


async def test_without_status_updates_the_order_stays_untouched(hub: Hub) -> None:
    ctx = hub.ctx
    ids = await store(hub, "de", [order("report-me")])
    await configure(hub, "bi-report", "reports", update_status=False)
    await run_configuration(ctx, "bi-report", actor=ACTOR)
    await deliver(ctx)

    (row,) = (await exports_of(ctx, "bi-report")).values()
    assert row["status"] == "exported" and row["exported_at"] is not None
    state = await order_state(ctx, ids["report-me"])
    assert state["export_status"] == "not_exported"
    assert state["exported_at"] is None
    assert state["events"] == []  # no export events about the order's own status
    assert [path.name for path in hub.reports.iterdir()] == ["order-de-report-me.json"]


async def test_with_status_updates_the_order_walks_its_export_states(hub: Hub) -> None:
    ctx = hub.ctx
    ids = await store(hub, "de", [order("to-oms")])
    await configure(hub, "oms-all", "oms")
    await run_configuration(ctx, "oms-all", actor=ACTOR)
    assert (await order_state(ctx, ids["to-oms"]))["export_status"] == "scheduled"
    # Turning status updates off now would leave the order scheduled for good.
    with pytest.raises(Conflict, match="1 export\\(s\\) waiting") as refused:
        await update_configuration(ctx, "oms-all", {"update_status": False}, actor=ACTOR)
    assert refused.value.field == "update_status"
    await deliver(ctx)
    state = await order_state(ctx, ids["to-oms"])
    assert state["export_status"] == "exported"
    assert state["exported_at"] is not None
    assert [kind for kind, _ in state["events"]] == [
        "export_scheduled",
        "export_started",
        "export_succeeded",
    ]
    assert {data["configuration"] for _, data in state["events"]} == {"oms-all"}
    await update_configuration(ctx, "oms-all", {"update_status": False}, actor=ACTOR)


async def _fault(oms: str, **spec: Any) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{oms}/_sandbox/faults", json=spec)
        assert response.status_code == 200, response.text


async def test_a_failing_target_fails_the_export_and_says_how_to_fix_it(hub: Hub) -> None:
    ctx = hub.ctx
    ids = await store(hub, "de", [order("refused"), order("done-elsewhere")])
    async with ctx.db.write() as conn:
        await conn.execute(
            update(orders)
            .where(orders.c.id == ids["done-elsewhere"])
            .values(export_status="exported", exported_at=BASE_TIME)
        )
    await configure(hub, "oms-all", "oms")
    await _fault(hub.oms, count=2, status=422, body='{"error": "unknown SKU"}')
    summary = await run_configuration(ctx, "oms-all", actor=ACTOR)
    assert summary.scheduled == 2
    await deliver(ctx)

    failed = await exports_of(ctx, "oms-all")
    assert {row["status"] for row in failed.values()} == {"export_failed"}
    assert all("422" in (row["last_error"] or "") for row in failed.values())
    # With status updates on, the order's own export failed; an order that another export
    # delivered before stays exported.
    assert (await order_state(ctx, ids["refused"]))["export_status"] == "export_failed"
    assert (await order_state(ctx, ids["done-elsewhere"]))["export_status"] == "exported"
    async with ctx.db.read() as conn:
        entries = (
            (
                await conn.execute(
                    select(error_entries).where(error_entries.c.order_id == ids["refused"])
                )
            )
            .mappings()
            .all()
        )
    (entry,) = entries
    assert entry["operation"] == "export"
    assert "'oms-all'" in entry["title"] and str(ids["refused"]) in entry["title"]
    assert entry["attributes"]["configuration"] == "oms-all"
    assert entry["attributes"]["http_status"] == 422
    assert "/export-configurations/oms-all/exports/" in entry["attributes"]["fix"]
    # A second run leaves failed exports alone until someone asks for a retry.
    again = await run_configuration(ctx, "oms-all", actor=ACTOR)
    assert (again.scheduled, again.skipped) == (0, {"export_failed": 2})

    assert await retry_export(ctx, "oms-all", ids["refused"], actor=ACTOR) == (
        "export scheduled again"
    )
    assert (await order_state(ctx, ids["refused"]))["export_status"] == "scheduled"
    await deliver(ctx)
    assert (await exports_of(ctx, "oms-all"))[ids["refused"]]["status"] == "exported"
    assert (await order_state(ctx, ids["refused"]))["export_status"] == "exported"
    with pytest.raises(Conflict, match="only a failed export is retried"):
        await retry_export(ctx, "oms-all", ids["refused"], actor=ACTOR)

    retried = await run_configuration(ctx, "oms-all", actor=ACTOR, retry_failed=True)
    assert retried.scheduled == 1  # the other failed one
    await deliver(ctx)
    assert set(await received(hub.oms)) == {"refused", "done-elsewhere"}


async def test_a_retryable_failure_is_tried_again(hub: Hub) -> None:
    ctx = hub.ctx
    ids = await store(hub, "de", [order("flaky")])
    await configure(hub, "oms-all", "oms")
    await _fault(hub.oms, count=1, status=503)
    await run_configuration(ctx, "oms-all", actor=ACTOR)
    await deliver(ctx)
    row = (await exports_of(ctx, "oms-all"))[ids["flaky"]]
    assert row["status"] == "scheduled" and "503" in row["last_error"]
    assert (await order_state(ctx, ids["flaky"]))["export_status"] == "scheduled"
    for _ in range(50):
        await asyncio.sleep(0.05)  # the test context retries after at most 0.2 s
        await deliver(ctx)
        row = (await exports_of(ctx, "oms-all"))[ids["flaky"]]
        if row["status"] == "exported":
            break
    assert (row["status"], row["attempts"], row["last_error"]) == ("exported", 2, None)
    kinds = [kind for kind, _ in (await order_state(ctx, ids["flaky"]))["events"]]
    assert kinds == [
        "export_scheduled",
        "export_started",
        "export_retry",
        "export_started",
        "export_succeeded",
    ]


async def _configured_outbox_rows(ctx: ServiceContext) -> int:
    async with ctx.db.read() as conn:
        query = select(func.count()).select_from(outbox).where(outbox.c.kind == EXPORT_CONFIGURED)
        return int((await conn.execute(query)).scalar_one())


async def test_running_twice_schedules_nothing_twice(hub: Hub) -> None:
    ctx = hub.ctx
    await store(hub, "de", [order(f"twice-{n}") for n in range(6)])
    await configure(hub, "oms-all", "oms")
    outcomes = await asyncio.gather(
        run_configuration(ctx, "oms-all", actor=ACTOR),
        run_configuration(ctx, "oms-all", actor=ACTOR),
        return_exceptions=True,
    )
    # Either the second run found the first one holding the lease, or it came after it.
    summaries = [item for item in outcomes if not isinstance(item, BaseException)]
    assert all(isinstance(item, Conflict) for item in outcomes if item not in summaries)
    assert sum(summary.scheduled for summary in summaries) == 6
    again = await run_configuration(ctx, "oms-all", actor=ACTOR)
    assert (again.matched, again.scheduled, again.skipped) == (6, 0, {"already_scheduled": 6})
    assert await _configured_outbox_rows(ctx) == 6
    await deliver(ctx)
    after = await run_configuration(ctx, "oms-all", actor=ACTOR)
    assert (after.scheduled, after.skipped) == (0, {"already_exported": 6})
    async with httpx.AsyncClient() as client:
        stats = (await client.get(f"{hub.oms}/_sandbox/stats")).json()
    assert (stats["received"], stats["duplicates"]) == (6, 0)


async def test_a_large_run_goes_in_batches(hub: Hub) -> None:
    ctx = hub.ctx
    await store(hub, "de", [order(f"bulk-{n:03}") for n in range(25)])
    await configure(hub, "bulk", "reports", update_status=False)
    seen: list[tuple[int, int]] = []
    summary = await run_configuration(
        ctx,
        "bulk",
        actor=ACTOR,
        batch_size=10,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen == [(0, 25), (10, 25), (20, 25), (25, 25)]
    assert summary.scheduled == 25 and await _configured_outbox_rows(ctx) == 25


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def test_a_due_configuration_runs_from_the_side_work(hub: Hub) -> None:
    ctx = hub.ctx
    clock = Clock(datetime(2026, 3, 2, 12, 30, tzinfo=UTC))
    ctx.clock = clock
    ids = await store(hub, "de", [order("scheduled-1")])
    await configure(hub, "every-minute", "reports", interval_seconds=60, update_status=False)
    await configure(hub, "hourly", "reports", interval_seconds=None, cron="0 * * * *")
    await configure(hub, "switched-off", "reports", enabled=False, update_status=False)
    assert (await configuration_detail(ctx, "hourly"))["next_run_at"] == datetime(
        2026, 3, 2, 13, 0, tzinfo=UTC
    )

    await side_work(ctx, owner="worker-1")
    assert await _configured_outbox_rows(ctx) == 0  # nothing is due yet

    clock.now += timedelta(seconds=61)
    await side_work(ctx, owner="worker-1")
    assert set(await exports_of(ctx, "every-minute")) == {ids["scheduled-1"]}
    assert await exports_of(ctx, "hourly") == {}
    minute = await configuration_detail(ctx, "every-minute")
    assert minute["last_run_summary"]["trigger"] == "schedule"
    assert minute["last_run_at"] == clock.now
    assert minute["next_run_at"] == clock.now + timedelta(seconds=60)
    assert minute["running"] is False
    # A worker that saw it due before this run moved next_run_at on does not run it again.
    assert await run_due_configurations(ctx, owner="worker-2") == 0
    async with ctx.db.write() as conn:
        late = await configuration_schedule.try_lease(
            conn,
            minute["id"],
            owner="worker-2",
            now=clock.now,
            lease=timedelta(seconds=30),
            only_if_due=True,
        )
    assert late is None

    clock.now = datetime(2026, 3, 2, 13, 0, 5, tzinfo=UTC)
    # Another worker holds "hourly" now: this one passes it by instead of running it too.
    async with ctx.db.write() as conn:
        hourly_id = (await configuration_detail(ctx, "hourly"))["id"]
        assert await configuration_schedule.try_lease(
            conn, hourly_id, owner="worker-2", now=clock.now, lease=timedelta(seconds=30)
        )
    assert await run_due_configurations(ctx, owner="worker-1") == 1  # only every-minute
    assert await exports_of(ctx, "hourly") == {}
    with pytest.raises(Conflict, match="running already"):
        await run_configuration(ctx, "hourly", actor=ACTOR)

    clock.now += timedelta(seconds=31)  # worker-2 died: its lease ran out
    await side_work(ctx, owner="worker-1")
    assert set(await exports_of(ctx, "hourly")) == {ids["scheduled-1"]}
    hourly = await configuration_detail(ctx, "hourly")
    assert hourly["next_run_at"] == datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    assert await exports_of(ctx, "switched-off") == {}
    # A scheduled run that sent orders on their way is audited; idle ticks are not.
    async with ctx.db.read() as conn:
        entries = await audit_entries(conn, subject_name="every-minute")
    assert [(entry["action"], entry["actor"]) for entry in entries] == [
        ("run", "schedule"),
        ("create", ACTOR),
    ]
    assert entries[0]["changes"]["scheduled"] == 1


async def test_the_audit_log_says_who_did_what_when(hub: Hub) -> None:
    ctx = hub.ctx
    clock = Clock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    ctx.clock = clock
    await store(hub, "de", [order("audited")])
    await create_configuration(
        ctx,
        ConfigurationSpec(
            name="audited",
            target="reports",
            conditions={"shipping_countries": ["DE"]},
            interval_seconds=300,
        ),
        actor="api:alice",
    )
    clock.now += timedelta(minutes=1)
    await update_configuration(
        ctx,
        "audited",
        {"target": "oms", "cron": "*/5 * * * *", "description": "to the OMS"},
        actor="cli",
    )
    clock.now += timedelta(minutes=1)
    await run_configuration(ctx, "audited", actor="api:bob")
    with pytest.raises(Conflict, match="1 export\\(s\\) waiting"):
        await delete_configuration(ctx, "audited", actor="api:alice")
    await deliver(ctx)
    clock.now += timedelta(minutes=1)
    await delete_configuration(ctx, "audited", actor="api:alice")
    assert await exports_of(ctx, "audited") == {}

    async with ctx.db.read() as conn:
        entries = await audit_entries(
            conn, subject_kind="export_configuration", subject_name="audited"
        )
    entries.reverse()
    assert [(e["action"], e["actor"]) for e in entries] == [
        ("create", "api:alice"),
        ("update", "cli"),
        ("run", "api:bob"),
        ("delete", "api:alice"),
    ]
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert [e["at"] for e in entries] == [start + timedelta(minutes=n) for n in (0, 1, 2, 3)]
    created, changed, ran, deleted = (e["changes"] for e in entries)
    assert created["target"] == "reports" and created["interval_seconds"] == 300
    assert created["conditions"] == {"shipping_countries": ["DE"]}
    assert changed == {
        "target": {"old": "reports", "new": "oms"},
        "description": {"old": None, "new": "to the OMS"},
        "interval_seconds": {"old": 300, "new": None},
        "cron": {"old": None, "new": "*/5 * * * *"},
    }
    assert (ran["matched"], ran["scheduled"], ran["trigger"]) == (1, 1, "manual")
    assert deleted["target"] == "oms" and deleted["cron"] == "*/5 * * * *"
