"""Polling the OMS for status updates: the sandbox OMS on a real socket, orderbridge's
``poll`` status source reading it since a cursor, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from orderbridge.sandbox.oms import create_app as oms_app
from orderbridge.services.connections import ConnectionSpec, create_connection
from orderbridge.services.context import ServiceContext
from orderbridge.services.errors import InvalidInput
from orderbridge.services.status_sources.rows import RunResult
from orderbridge.services.status_sources.sources import create_source, run_source, source_detail
from orderbridge.store.fulfilment_tables import (
    cancellation_lines,
    cancellations,
    refund_lines,
    refunds,
    shipment_lines,
    shipments,
)
from orderbridge.store.order_writer import upsert_page
from orderbridge.store.tables import error_entries, orders
from tests.support.orders import BASE_TIME, snapshot
from tests.support.servers import serving

TOKEN = "oms-feed-token-5b1e9c"
SOURCE = "oms-feed"
AMAZON_CREDENTIALS = {"client_id": "id", "client_secret": "secret", "refresh_token": "token"}
UPS = "1Z999AA10123456784"


@dataclass
class Feed:
    """The sandbox OMS's status-update feed, as a test feeds and inspects it."""

    base_url: str
    client: httpx.Client

    @property
    def url(self) -> str:
        return f"{self.base_url}/status-updates"

    def add(self, *updates: dict[str, Any]) -> list[str]:
        response = self.client.post("/status-updates", json=list(updates))
        assert response.status_code == 201, response.text
        ids: list[str] = response.json()["ids"]
        return ids

    def fault(self, **spec: Any) -> None:
        self.client.post("/status-updates/faults", json=spec).raise_for_status()

    def stats(self) -> dict[str, Any]:
        stats: dict[str, Any] = self.client.get("/status-updates/stats").json()
        return stats


@pytest.fixture
def feed() -> Iterator[Feed]:
    with (
        serving(oms_app("webhook-secret", status_token=TOKEN)) as url,
        httpx.Client(base_url=url, timeout=10) as client,
    ):
        yield Feed(url, client)


async def _store_orders(ctx: ServiceContext, *external_ids: str) -> None:
    connection_id = await create_connection(
        ctx,
        ConnectionSpec(
            name="amazon-de",
            channel="amazon",
            credentials=AMAZON_CREDENTIALS,
            options={"marketplace_ids": ["A1PA6795UKMFR9"]},
        ),
    )
    async with ctx.db.write() as conn:
        await upsert_page(
            conn,
            connection_id,
            [snapshot(external_id) for external_id in external_ids],
            now=BASE_TIME,
            actor="test",
        )


async def _source(
    ctx: ServiceContext, url: str, *, secret: str | None = TOKEN, **settings: Any
) -> None:
    await create_source(
        ctx, name=SOURCE, kind="poll", settings={"url": url, **settings}, secret=secret
    )


async def _run(ctx: ServiceContext) -> RunResult:
    return await run_source(ctx, SOURCE, owner="test")


async def _rows(ctx: ServiceContext, query: Any) -> list[dict[str, Any]]:
    async with ctx.db.read() as conn:
        return [dict(row) for row in (await conn.execute(query)).mappings()]


async def _count(ctx: ServiceContext, table: Any) -> int:
    async with ctx.db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def _errors(ctx: ServiceContext) -> list[dict[str, Any]]:
    return await _rows(ctx, select(error_entries).order_by(error_entries.c.id))


async def _cursor(ctx: ServiceContext) -> str | None:
    detail = await source_detail(ctx, SOURCE)
    cursor: str | None = detail["cursor"]
    return cursor


def _ship(update_id: str, order_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": update_id,
        "type": "shipment",
        "order_id": order_id,
        "lines": [{"line_id": f"{order_id}-1", "quantity": 2}],
        "carrier": "UPS",
        "tracking_number": UPS,
        **extra,
    }


async def test_a_shipment_a_cancellation_and_a_refund_are_polled_and_recorded(
    ctx: ServiceContext, feed: Feed
) -> None:
    await _store_orders(ctx, "302-0000001-0000001", "302-0000002-0000002", "302-0000003-0000003")
    await _source(ctx, feed.url)
    feed.add(
        _ship("oms-ship-1", "302-0000001-0000001", shipped_at="2026-11-02T09:30:00+01:00"),
        {
            "id": "oms-cancel-1",
            "type": "cancellation",
            "order_id": "302-0000002-0000002",
            "reason": "out_of_stock",
            "note": "supplier let us down",
        },
        {
            "id": "oms-refund-1",
            "type": "refund",
            "order_id": "302-0000003-0000003",
            "reason": "damaged",
            "lines": [
                {
                    "sku": "SKU-1",
                    "quantity": 1,
                    "item_amount": "10.00",
                    "shipping_amount": "0",
                    "tax_amount": 1.9,
                }
            ],
        },
    )

    result = await _run(ctx)

    assert result.error is None
    assert (result.applied, result.failed) == (3, 0), [row.message for row in result.rows]
    assert [row.origin for row in result.rows] == [
        f"poll {SOURCE}, update oms-ship-1",
        f"poll {SOURCE}, update oms-cancel-1",
        f"poll {SOURCE}, update oms-refund-1",
    ]
    (shipment,) = await _rows(ctx, select(shipments))
    assert shipment["tracking_number"] == UPS
    assert shipment["source"] == "poll"
    assert shipment["shipped_at"].isoformat() == "2026-11-02T08:30:00+00:00"
    (shipped_line,) = await _rows(ctx, select(shipment_lines))
    assert (shipped_line["external_line_id"], shipped_line["quantity"]) == (
        "302-0000001-0000001-1",
        2,
    )
    (cancellation,) = await _rows(ctx, select(cancellations))
    assert cancellation["reason"] == "out_of_stock"
    assert cancellation["note"] == "supplier let us down"
    assert cancellation["whole_order"] is True
    assert await _count(ctx, cancellation_lines) >= 1
    (refund,) = await _rows(ctx, select(refunds))
    assert refund["reason"] == "damaged"
    assert refund["total_amount"] == Decimal("11.90")
    (refunded_line,) = await _rows(ctx, select(refund_lines))
    assert refunded_line["item_amount"] == Decimal("10.00")
    assert refunded_line["tax_amount"] == Decimal("1.90")
    assert await _errors(ctx) == []


async def test_the_cursor_is_saved_and_the_next_run_reads_only_newer_updates(
    ctx: ServiceContext, feed: Feed
) -> None:
    await _store_orders(ctx, "302-0000011-0000001", "302-0000012-0000002")
    await _source(ctx, feed.url)
    feed.add(_ship("oms-11", "302-0000011-0000001"))

    first = await _run(ctx)
    saved = await _cursor(ctx)
    feed.add(_ship("oms-12", "302-0000012-0000002"))
    second = await _run(ctx)

    assert [row.origin for row in first.rows] == [f"poll {SOURCE}, update oms-11"]
    assert saved is not None
    assert feed.stats()["last_since"] == saved
    assert [row.origin for row in second.rows] == [f"poll {SOURCE}, update oms-12"]
    assert second.applied == 1
    assert await _cursor(ctx) not in (None, saved)
    assert await _count(ctx, shipments) == 2

    idle = await _run(ctx)
    assert idle.rows == [] and idle.error is None


async def test_the_same_update_served_twice_is_recorded_once(
    ctx: ServiceContext, feed: Feed
) -> None:
    await _store_orders(ctx, "302-0000021-0000001")
    await _source(ctx, feed.url)
    update = _ship("oms-21", "302-0000021-0000001")
    feed.add(update, update)

    within_one_run = await _run(ctx)
    feed.add(update)
    in_a_later_run = await _run(ctx)

    assert [row.ok for row in within_one_run.rows] == [True, True]
    assert "already applied" in within_one_run.rows[1].message
    assert [row.ok for row in in_a_later_run.rows] == [True]
    assert "already applied" in in_a_later_run.rows[0].message
    assert await _count(ctx, shipments) == 1
    assert await _errors(ctx) == []


async def test_the_same_id_with_other_content_is_refused(ctx: ServiceContext, feed: Feed) -> None:
    await _store_orders(ctx, "302-0000026-0000001")
    await _source(ctx, feed.url)
    feed.add(_ship("oms-26", "302-0000026-0000001", lines=[]))
    await _run(ctx)
    feed.add(_ship("oms-26", "302-0000026-0000001", lines=[], tracking_number="1Z999AA10000000001"))

    result = await _run(ctx)

    assert [row.ok for row in result.rows] == [False]
    (shipment,) = await _rows(ctx, select(shipments))
    assert shipment["tracking_number"] == UPS
    (entry,) = await _errors(ctx)
    assert "update oms-26" in entry["title"]


async def test_pages_are_followed_within_one_run(ctx: ServiceContext, feed: Feed) -> None:
    await _store_orders(ctx, "302-0000031-0000001", "302-0000032-0000002")
    await _source(ctx, feed.url)
    repeated = _ship("oms-31", "302-0000031-0000001")
    feed.add(*([repeated] * 150), _ship("oms-32", "302-0000032-0000002"))

    result = await _run(ctx)

    assert result.error is None
    assert len(result.rows) == 151
    assert result.rows[-1].origin == f"poll {SOURCE}, update oms-32"
    assert result.rows[-1].ok
    assert feed.stats()["polls"] == 2
    assert await _count(ctx, shipments) == 2


async def test_a_failure_on_a_later_page_keeps_the_pages_before_it(
    ctx: ServiceContext, feed: Feed
) -> None:
    await _store_orders(ctx, "302-0000036-0000001", "302-0000037-0000002")
    await _source(ctx, feed.url)
    repeated = _ship("oms-36", "302-0000036-0000001")
    feed.add(*([repeated] * 150), _ship("oms-37", "302-0000037-0000002"))
    feed.fault(after=1, status=503, body="busy")

    interrupted = await _run(ctx)
    kept = await _cursor(ctx)
    resumed = await _run(ctx)

    assert interrupted.error is not None and "HTTP 503" in interrupted.error
    assert len(interrupted.rows) == 100
    assert kept is not None
    assert len(resumed.rows) == 51
    assert resumed.rows[-1].origin == f"poll {SOURCE}, update oms-37"
    assert await _count(ctx, shipments) == 2


async def test_an_update_for_an_unknown_order_is_an_error_entry_and_creates_no_order(
    ctx: ServiceContext, feed: Feed
) -> None:
    await _store_orders(ctx, "302-0000041-0000001")
    await _source(ctx, feed.url)
    feed.add(
        _ship("oms-41", "999-9999999-9999999"),
        _ship("oms-42", "302-0000041-0000001"),
    )

    result = await _run(ctx)

    assert [row.ok for row in result.rows] == [False, True]
    assert await _count(ctx, orders) == 1
    assert await _count(ctx, shipments) == 1
    (entry,) = await _errors(ctx)
    assert "999-9999999-9999999" in entry["title"]
    assert entry["external_order_id"] == "999-9999999-9999999"
    assert entry["attributes"]["source"] == SOURCE
    assert entry["attributes"]["origin"] == f"poll {SOURCE}, update oms-41"
    assert await _cursor(ctx) is not None


async def test_malformed_updates_fail_alone_and_the_run_goes_on(
    ctx: ServiceContext, feed: Feed
) -> None:
    await _store_orders(ctx, "302-0000051-0000001")
    await _source(ctx, feed.url)
    feed.add(
        {"id": "oms-51", "type": "return", "order_id": "302-0000051-0000001"},
        {
            "id": "oms-52",
            "type": "shipment",
            "order_id": "302-0000051-0000001",
            "lines": [{"line_id": "302-0000051-0000001-1", "quantity": "two"}],
        },
        {"id": "oms-53", "type": "cancellation", "order_id": "302-0000051-0000001"},
        {"id": "oms-54", "type": "shipment", "order_id": "302-0000051-0000001", "trackng": "x"},
        _ship("oms-55", "302-0000051-0000001"),
    )
    # The sandbox gives an id to an update posted without one, so serve one with an empty id.
    feed.add({"id": "", "type": "shipment", "order_id": "302-0000051-0000001"})

    result = await _run(ctx)

    assert result.error is None
    assert [row.ok for row in result.rows] == [False, False, False, False, True, False]
    messages = [row.message for row in result.rows]
    assert "type is 'return'" in messages[0]
    assert "lines[0]" in messages[1] and "'two'" in messages[1]
    assert "reason" in messages[2]
    assert "'trackng'" in messages[3]
    assert "id is missing" in messages[5]
    assert await _count(ctx, shipments) == 1
    titles = [entry["title"] for entry in await _errors(ctx)]
    assert len(titles) == 5
    assert all(SOURCE in title for title in titles)
    assert f"poll {SOURCE}, update oms-51" in titles[0]
    assert await _cursor(ctx) is not None


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_an_oms_that_is_down_is_an_error_entry_naming_source_and_url(
    ctx: ServiceContext,
) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/status-updates"
    await _source(ctx, url)

    result = await _run(ctx)

    assert result.error is not None and url in result.error
    (entry,) = await _errors(ctx)
    assert SOURCE in entry["title"] and url in entry["title"]
    detail = await source_detail(ctx, SOURCE)
    assert detail["cursor"] is None
    assert url in detail["last_error"]


async def test_an_oms_answering_500_leaves_the_cursor_and_is_retried(
    ctx: ServiceContext, feed: Feed
) -> None:
    await _store_orders(ctx, "302-0000061-0000001", "302-0000062-0000002")
    await _source(ctx, feed.url)
    feed.add(_ship("oms-61", "302-0000061-0000001"))
    await _run(ctx)
    before = await _cursor(ctx)
    feed.add(_ship("oms-62", "302-0000062-0000002"))
    feed.fault(status=500, body="database is on fire")

    failed = await _run(ctx)

    assert failed.error is not None
    assert "HTTP 500" in failed.error and "database is on fire" in failed.error
    assert await _cursor(ctx) == before
    (entry,) = await _errors(ctx)
    assert SOURCE in entry["title"] and feed.url in entry["title"]
    assert await _count(ctx, shipments) == 1

    recovered = await _run(ctx)

    assert recovered.error is None
    assert [row.origin for row in recovered.rows] == [f"poll {SOURCE}, update oms-62"]
    assert await _count(ctx, shipments) == 2


async def test_an_answer_that_is_not_json_is_an_error(ctx: ServiceContext, feed: Feed) -> None:
    await _source(ctx, feed.url)
    feed.fault(status=200, body="<html>login page</html>")

    result = await _run(ctx)

    assert result.error is not None
    assert "not JSON" in result.error and "login page" in result.error
    assert await _cursor(ctx) is None


async def test_an_oms_slower_than_the_timeout_is_an_error(ctx: ServiceContext, feed: Feed) -> None:
    await _source(ctx, feed.url, timeout_seconds=0.3)
    feed.fault(delay_seconds=2)

    result = await _run(ctx)

    assert result.error is not None
    assert "did not answer within 0.3 s" in result.error
    assert feed.url in result.error


async def test_a_wrong_token_is_an_error_entry_and_never_shows_a_token(
    ctx: ServiceContext,
    feed: Feed,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "not-the-token-8d2f4a"
    await _store_orders(ctx, "302-0000071-0000001")
    await _source(ctx, feed.url, secret=wrong)
    feed.add(_ship("oms-71", "302-0000071-0000001"))

    result = await _run(ctx)

    assert result.error is not None and "HTTP 401" in result.error
    assert "check the source's secret" in result.error
    assert feed.stats()["unauthorized"] == 1
    (entry,) = await _errors(ctx)
    assert SOURCE in entry["title"] and "401" in entry["title"]
    assert await _count(ctx, shipments) == 0
    captured = capfd.readouterr()
    shown = [
        str(entry),
        str(await source_detail(ctx, SOURCE)),
        caplog.text,
        captured.out,
        captured.err,
    ]
    for text in shown:
        assert wrong not in text
        assert TOKEN not in text


async def test_the_right_token_is_never_logged_either(
    ctx: ServiceContext,
    feed: Feed,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    await _store_orders(ctx, "302-0000081-0000001")
    await _source(ctx, feed.url)
    feed.add(_ship("oms-81", "302-0000081-0000001"), _ship("oms-82", "nope"))

    result = await _run(ctx)

    assert [row.ok for row in result.rows] == [True, False]
    # An endpoint that echoes the request's headers into its error page.
    feed.fault(status=500, body=f"bad request, headers: Authorization: Bearer {TOKEN}")
    failed = await _run(ctx)
    assert failed.error is not None and "Authorization: Bearer [token]" in failed.error
    captured = capfd.readouterr()
    entries = await _errors(ctx)
    assert len(entries) == 2
    detail = await source_detail(ctx, SOURCE)
    for text in (caplog.text, captured.out, captured.err, str(entries), str(detail)):
        assert TOKEN not in text


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"url": "ftp://oms.example.com/updates"}, "settings.url"),
        ({"url": "not a url"}, "settings.url"),
        ({}, "settings.url"),
        ({"url": "https://user:pw@oms.example.com/updates"}, "settings.url"),
        ({"url": "https://oms.example.com/u", "timeout_seconds": 0}, "settings.timeout_seconds"),
        ({"url": "https://oms.example.com/u", "timeout_seconds": "5"}, "settings.timeout_seconds"),
        ({"url": "https://oms.example.com/u", "folder": "/tmp"}, "settings.folder"),
    ],
)
async def test_invalid_settings_are_refused_naming_the_field(
    ctx: ServiceContext, settings: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        await create_source(ctx, name=SOURCE, kind="poll", settings=settings)

    assert refused.value.field == field
