"""Status files: the OMS drops CSV or XML files in a folder, orderbridge applies them.

Each test plays the OMS by writing files into a real folder, runs the folder source as
the scheduler would, and checks what a merchant would look at: the shipments,
cancellations and refunds recorded, the files in processed/ and failed/ with their
reports, and the error log.
"""

from __future__ import annotations

import csv
import os
import re
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from orderbridge.domain.order import OrderSnapshot
from orderbridge.domain.states import OrderStatus
from orderbridge.services.connections import ConnectionSpec, create_connection
from orderbridge.services.context import ServiceContext
from orderbridge.services.errors import InvalidInput
from orderbridge.services.status_sources.rows import RunResult
from orderbridge.services.status_sources.sources import create_source, run_source
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

AMAZON_CREDENTIALS = {"client_id": "id", "client_secret": "secret", "refresh_token": "token"}
SOURCE = "oms-files"
DHL = "00340434161094042557"
TWO_LINES = "303-0000001-0000001"  # unshipped: MUG-RED (line -1) and MUG-BLUE (line -2), 2 each
UNSHIPPED = "303-0000002-0000002"  # unshipped: SKU-1, 2 units
SHIPPED = "303-0000003-0000003"  # shipped at Amazon: SKU-1, 2 units


def _two_lines(external_id: str) -> OrderSnapshot:
    base = snapshot(external_id, sku="MUG-RED")
    (red,) = base.lines
    blue = replace(red, external_line_id=f"{external_id}-2", sku="MUG-BLUE")
    return replace(base, lines=(red, blue))


async def _store_orders(ctx: ServiceContext) -> None:
    connection_id = await create_connection(
        ctx,
        ConnectionSpec(
            name="amazon-de",
            channel="amazon",
            credentials=AMAZON_CREDENTIALS,
            options={"marketplace_ids": ["A1PA6795UKMFR9"]},
        ),
    )
    page = [
        _two_lines(TWO_LINES),
        snapshot(UNSHIPPED),
        snapshot(SHIPPED, status=OrderStatus.SHIPPED, quantity_shipped=2),
    ]
    async with ctx.db.write() as conn:
        await upsert_page(conn, connection_id, page, now=BASE_TIME, actor="test")


async def _folder_source(ctx: ServiceContext, folder: Path, file_format: str = "auto") -> None:
    await create_source(
        ctx,
        name=SOURCE,
        kind="folder",
        settings={"folder": str(folder), "format": file_format},
        connection="amazon-de",
    )


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "oms-status"
    folder.mkdir()
    return folder


def _drop(folder: Path, name: str, content: str | bytes, *, age: float = 60) -> Path:
    """A file the OMS finished writing ``age`` seconds ago."""
    path = folder / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    written = time.time() - age
    os.utime(path, (written, written))
    return path


def _report(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _names(folder: Path) -> list[str]:
    return sorted(entry.name for entry in folder.iterdir())


async def _run(ctx: ServiceContext) -> RunResult:
    return await run_source(ctx, SOURCE, owner="test")


async def _rows(ctx: ServiceContext, table: Any, *where: Any) -> list[dict[str, Any]]:
    async with ctx.db.read() as conn:
        result = await conn.execute(select(table).where(*where).order_by(table.c.id))
        return [dict(row) for row in result.mappings()]


async def _count(ctx: ServiceContext, table: Any) -> int:
    async with ctx.db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


def _shipped_at() -> str:
    return (datetime.now(UTC) - timedelta(hours=2)).replace(microsecond=0).isoformat()


async def test_csv_file_records_shipment_cancellation_and_refund(
    ctx: ServiceContext, inbox: Path
) -> None:
    await _store_orders(ctx)
    await _folder_source(ctx, inbox)
    shipped_at = _shipped_at()
    _drop(
        inbox,
        "status-001.csv",
        "action,order_id,sku,quantity,carrier,tracking_number,shipped_at,reference,reason,note\n"
        f"ship,{TWO_LINES},MUG-RED,2,DHL,{DHL},{shipped_at},PKG-1,,\n"
        f"ship,{TWO_LINES},MUG-BLUE,1,,,,PKG-1,,\n"
        f"cancel,{UNSHIPPED},,,,,,,out_of_stock,sold out\n"
        f"refund,{SHIPPED},,,,,,,damaged,\n",
    )

    result = await _run(ctx)

    assert result.error is None
    assert (result.files_processed, result.files_failed) == (1, 0)
    assert [(row.origin, row.ok) for row in result.rows] == [
        ("status-001.csv, row 2", True),
        ("status-001.csv, row 4", True),
        ("status-001.csv, row 5", True),
    ]
    (shipment,) = await _rows(ctx, shipments)
    assert shipment["oms_reference"] == "PKG-1"
    assert shipment["tracking_number"] == DHL
    assert shipment["source"] == "folder"
    assert shipment["shipped_at"] == datetime.fromisoformat(shipped_at)
    lines = await _rows(ctx, shipment_lines, shipment_lines.c.shipment_id == shipment["id"])
    assert {line["external_line_id"]: line["quantity"] for line in lines} == {
        f"{TWO_LINES}-1": 2,
        f"{TWO_LINES}-2": 1,
    }
    (cancellation,) = await _rows(ctx, cancellations)
    assert (cancellation["reason"], cancellation["note"], cancellation["whole_order"]) == (
        "out_of_stock",
        "sold out",
        True,
    )
    (cancelled,) = await _rows(ctx, cancellation_lines)
    assert (cancelled["external_line_id"], cancelled["quantity"]) == (f"{UNSHIPPED}-1", 2)
    (refund,) = await _rows(ctx, refunds)
    assert refund["reason"] == "damaged"
    assert refund["total_amount"] > Decimal(0)
    assert len(await _rows(ctx, refund_lines)) == 1

    assert _names(inbox) == ["failed", "processed"]
    assert _names(inbox / "failed") == []
    assert _names(inbox / "processed") == ["status-001.csv", "status-001.csv.report.csv"]
    report = _report(inbox / "processed" / "status-001.csv.report.csv")
    assert [(line["row"], line["action"], line["order_id"], line["result"]) for line in report] == [
        ("2", "ship", TWO_LINES, "applied"),
        ("3", "ship", TWO_LINES, "applied"),
        ("4", "cancel", UNSHIPPED, "applied"),
        ("5", "refund", SHIPPED, "applied"),
    ]
    assert report[0]["message"] == report[1]["message"] == f"ship recorded (ship {shipment['id']})"


async def test_xml_file_records_what_it_lists(ctx: ServiceContext, inbox: Path) -> None:
    await _store_orders(ctx)
    await _folder_source(ctx, inbox)
    _drop(
        inbox,
        "status-002.xml",
        f"""<?xml version="1.0" encoding="UTF-8"?>
<statusUpdates>
  <shipment orderId="{TWO_LINES}" reference="PKG-7" carrier="DHL" trackingNumber="{DHL}">
    <line sku="MUG-BLUE" quantity="2"/>
  </shipment>
  <cancellation orderId="{TWO_LINES}" reason="out_of_stock">
    <line lineId="{TWO_LINES}-1" quantity="1"/>
  </cancellation>
  <refund orderId="{SHIPPED}" reason="customer_return" note="returned unopened">
    <line sku="SKU-1" quantity="1" itemAmount="9.99" shippingAmount="2.00" taxAmount="1.90"/>
  </refund>
</statusUpdates>
""",
    )

    result = await _run(ctx)

    assert (result.files_processed, result.files_failed, result.failed) == (1, 0, 0)
    (shipment,) = await _rows(ctx, shipments)
    (shipped,) = await _rows(ctx, shipment_lines)
    assert (shipment["oms_reference"], shipped["external_line_id"], shipped["quantity"]) == (
        "PKG-7",
        f"{TWO_LINES}-2",
        2,
    )
    (cancellation,) = await _rows(ctx, cancellations)
    (cancelled,) = await _rows(ctx, cancellation_lines)
    assert cancellation["whole_order"] is False
    assert (cancelled["external_line_id"], cancelled["quantity"]) == (f"{TWO_LINES}-1", 1)
    (refund,) = await _rows(ctx, refunds)
    (refunded,) = await _rows(ctx, refund_lines)
    assert (refund["note"], refund["total_amount"]) == ("returned unopened", Decimal("13.89"))
    assert (refunded["item_amount"], refunded["shipping_amount"], refunded["tax_amount"]) == (
        Decimal("9.99"),
        Decimal("2.00"),
        Decimal("1.90"),
    )
    report = _report(inbox / "processed" / "status-002.xml.report.csv")
    assert [(line["row"], line["result"]) for line in report] == [
        ("1", "applied"),
        ("2", "applied"),
        ("3", "applied"),
    ]


async def test_the_same_file_dropped_twice_records_nothing_new(
    ctx: ServiceContext, inbox: Path
) -> None:
    await _store_orders(ctx)
    await _folder_source(ctx, inbox)
    content = (
        "action,order_id,sku,quantity,reason\n"
        f"ship,{TWO_LINES},MUG-RED,1,\n"
        f"cancel,{UNSHIPPED},,,general\n"
    )
    _drop(inbox, "status-003.csv", content)
    first = await _run(ctx)
    _drop(inbox, "status-003.csv", content)
    second = await _run(ctx)

    assert (first.applied, second.applied, second.failed) == (2, 2, 0)
    (shipment,) = await _rows(ctx, shipments)
    (cancellation,) = await _rows(ctx, cancellations)
    processed = _names(inbox / "processed")
    # The second copy keeps the first one's name plus the UTC time it was filed away.
    (again,) = [name for name in processed if re.fullmatch(r"status-003\.\d{8}T\d{6}Z\.csv", name)]
    assert processed == sorted(
        ["status-003.csv", "status-003.csv.report.csv", again, f"{again}.report.csv"]
    )
    report = _report(inbox / "processed" / f"{again}.report.csv")
    assert [(line["result"], line["message"]) for line in report] == [
        ("already applied", f"ship already applied (ship {shipment['id']})"),
        ("already applied", f"cancel already applied (cancel {cancellation['id']})"),
    ]


async def test_a_partly_bad_file_applies_the_good_rows_and_lands_in_failed(
    ctx: ServiceContext, inbox: Path
) -> None:
    await _store_orders(ctx)
    await _folder_source(ctx, inbox)
    _drop(
        inbox,
        "status-004.csv",
        "action,order_id,sku,quantity\n"
        f"ship,{TWO_LINES},MUG-RED,1\n"
        "ship,999-9999999-9999999,SKU-1,1\n"
        f"ship,{UNSHIPPED},SKU-1,5\n"
        f"deliver,{UNSHIPPED},SKU-1,1\n"
        f"ship,{TWO_LINES},MUG-BLUE,2\n",
    )
    orders_before = await _count(ctx, orders)

    result = await _run(ctx)

    assert (result.files_processed, result.files_failed) == (0, 1)
    assert (result.applied, result.failed) == (2, 3)
    assert len(await _rows(ctx, shipments)) == 2
    assert await _count(ctx, orders) == orders_before
    assert _names(inbox / "processed") == []
    assert _names(inbox / "failed") == ["status-004.csv", "status-004.csv.report.csv"]
    report = _report(inbox / "failed" / "status-004.csv.report.csv")
    assert [(line["row"], line["result"]) for line in report] == [
        ("2", "applied"),
        ("3", "failed"),
        ("4", "failed"),
        ("5", "failed"),
        ("6", "applied"),
    ]
    assert "no order '999-9999999-9999999'" in report[1]["message"]
    assert "over-shipping" in report[2]["message"]
    assert (
        report[3]["message"]
        == "action is 'deliver': use ship, cancel, refund, accept_return, reject_return or "
        "refund_return"
    )

    entries = await _rows(ctx, error_entries)
    assert len(entries) == 3
    unknown = next(e for e in entries if e["external_order_id"] == "999-9999999-9999999")
    assert "status-004.csv, row 3" in unknown["title"]
    assert unknown["attributes"]["source"] == SOURCE
    deliver = next(e for e in entries if "row 5" in e["title"])
    assert "action is 'deliver'" in deliver["title"]


async def test_an_unreadable_file_goes_to_failed_and_the_run_goes_on(
    ctx: ServiceContext, inbox: Path
) -> None:
    await _store_orders(ctx)
    await _folder_source(ctx, inbox)
    _drop(inbox, "a-broken.csv", f"order_id,sku\n{TWO_LINES},MUG-RED\n", age=120)
    _drop(
        inbox, "b-broken.xml", "<statusUpdates>\n  <shipment orderId='1'>\n</statusUpdates>", age=90
    )
    _drop(inbox, "c-good.csv", f"action,order_id\nship,{UNSHIPPED}\n", age=60)

    result = await _run(ctx)

    assert (result.files_processed, result.files_failed) == (1, 2)
    assert len(await _rows(ctx, shipments)) == 1
    assert _names(inbox / "processed") == ["c-good.csv", "c-good.csv.report.csv"]
    assert _names(inbox / "failed") == [
        "a-broken.csv",
        "a-broken.csv.report.csv",
        "b-broken.xml",
        "b-broken.xml.report.csv",
    ]
    (csv_problem,) = _report(inbox / "failed" / "a-broken.csv.report.csv")
    assert csv_problem["result"] == "failed"
    assert csv_problem["message"] == "file refused: line 1: required column(s) missing: action"
    (xml_problem,) = _report(inbox / "failed" / "b-broken.xml.report.csv")
    assert xml_problem["message"] == (
        "file refused: line 3, column 3: the XML is malformed: mismatched tag"
    )
    titles = [entry["title"] for entry in await _rows(ctx, error_entries)]
    assert any("a-broken.csv" in title and SOURCE in title for title in titles)


async def test_billion_laughs_is_refused_and_moved_to_failed(
    ctx: ServiceContext, inbox: Path
) -> None:
    await _store_orders(ctx)
    await _folder_source(ctx, inbox)
    laughs = "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10))
    _drop(
        inbox,
        "laughs.xml",
        f'<?xml version="1.0"?>\n<!DOCTYPE statusUpdates [<!ENTITY lol0 "lol">{laughs}]>\n'
        f'<statusUpdates><shipment orderId="&lol9;"/></statusUpdates>\n',
    )

    started = time.monotonic()
    result = await _run(ctx)

    assert time.monotonic() - started < 5
    assert result.files_failed == 1
    assert await _count(ctx, shipments) == 0
    (problem,) = _report(inbox / "failed" / "laughs.xml.report.csv")
    assert "document type declaration (<!DOCTYPE …>) is refused" in problem["message"]


async def test_a_missing_folder_is_an_error_entry_naming_it(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    missing = tmp_path / "not-mounted"
    await _store_orders(ctx)
    await _folder_source(ctx, missing)

    result = await _run(ctx)

    assert result.error == (
        f"status folder {missing} does not exist: create it or correct the source's folder setting"
    )
    (entry,) = await _rows(ctx, error_entries)
    assert SOURCE in entry["title"] and str(missing) in entry["title"]
    assert not missing.exists()


async def test_a_folder_that_cannot_be_read_is_an_error_entry(
    ctx: ServiceContext, inbox: Path
) -> None:
    await _store_orders(ctx)
    await _folder_source(ctx, inbox)
    inbox.chmod(0)
    try:
        if os.access(inbox, os.R_OK):
            pytest.skip("reason: this user reads any folder whatever its mode (root)")
        result = await _run(ctx)
    finally:
        inbox.chmod(0o755)
    assert result.error is not None
    assert result.error.startswith(f"status folder {inbox} cannot be read")
    (entry,) = await _rows(ctx, error_entries)
    assert str(inbox) in entry["title"]


async def test_hidden_temporary_and_unfinished_files_are_left_alone(
    ctx: ServiceContext, inbox: Path
) -> None:
    await _store_orders(ctx)
    await _folder_source(ctx, inbox)
    cancel = f"action,order_id,reason\ncancel,{UNSHIPPED},general\n"
    _drop(inbox, ".hidden.csv", cancel)
    _drop(inbox, "upload.csv.tmp", cancel)
    _drop(inbox, "upload.csv.part", cancel)
    _drop(inbox, "being-written.csv", cancel, age=0)
    (inbox / "archive").mkdir()
    _drop(inbox / "archive", "old.csv", cancel)

    result = await _run(ctx)

    assert (result.files_processed, result.files_failed, result.rows) == (0, 0, [])
    assert await _count(ctx, cancellations) == 0
    assert _names(inbox) == [
        ".hidden.csv",
        "archive",
        "being-written.csv",
        "failed",
        "processed",
        "upload.csv.part",
        "upload.csv.tmp",
    ]


async def test_files_are_taken_oldest_first(ctx: ServiceContext, inbox: Path) -> None:
    await _store_orders(ctx)
    await _folder_source(ctx, inbox)
    # The later cancellation is refused because the earlier shipment left nothing open.
    _drop(inbox, "a-cancel.csv", f"action,order_id,reason\ncancel,{UNSHIPPED},general\n", age=30)
    _drop(inbox, "b-ship.csv", f"action,order_id\nship,{UNSHIPPED}\n", age=90)

    result = await _run(ctx)

    assert [(row.origin, row.ok) for row in result.rows] == [
        ("b-ship.csv, row 2", True),
        ("a-cancel.csv, row 2", False),
    ]
    assert _names(inbox / "failed") == ["a-cancel.csv", "a-cancel.csv.report.csv"]


async def test_the_format_setting_wins_over_the_extension(ctx: ServiceContext, inbox: Path) -> None:
    await _store_orders(ctx)
    await _folder_source(ctx, inbox, file_format="xml")
    _drop(inbox, "status.txt", f'<statusUpdates><shipment orderId="{UNSHIPPED}"/></statusUpdates>')

    result = await _run(ctx)

    assert (result.files_processed, result.applied) == (1, 1)
    assert _names(inbox / "processed") == ["status.txt", "status.txt.report.csv"]


async def test_auto_format_refuses_a_file_it_cannot_tell(ctx: ServiceContext, inbox: Path) -> None:
    await _store_orders(ctx)
    await _folder_source(ctx, inbox)
    _drop(inbox, "status.json", "{}")

    result = await _run(ctx)

    assert result.files_failed == 1
    (problem,) = _report(inbox / "failed" / "status.json.report.csv")
    assert problem["message"].startswith("file refused: cannot tell the format of status.json")


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"folder": "relative/status"}, "settings.folder"),
        ({"format": "csv"}, "settings.folder"),
        ({"folder": "/srv/status", "format": "json"}, "settings.format"),
        ({"folder": "/srv/status", "pattern": "*.csv"}, "settings"),
    ],
)
async def test_settings_that_cannot_work_are_refused(
    ctx: ServiceContext, settings: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        await create_source(ctx, name=SOURCE, kind="folder", settings=settings)
    assert refused.value.field == field
