"""The file target: whole files or none, readable errors, and CSV that spreadsheets can't run."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

from orderbridge.oms import files
from orderbridge.oms.base import ExportError
from orderbridge.oms.document import order_document
from orderbridge.oms.files import CSV_COLUMNS, FileTarget, neutralise_cell
from tests.oms.conftest import build_order

KEY = "export-42-target-3"
EXPECTED_NAME = "order-Amazon_DE-303-1234567-7654321"


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


async def test_json_file_holds_the_document(tmp_path: Path, document: dict[str, Any]) -> None:
    receipt = await FileTarget(tmp_path, "json").deliver(document, KEY)

    [written] = list(tmp_path.iterdir())
    assert written.name.startswith(EXPECTED_NAME) and written.suffix == ".json"
    assert receipt.detail == f"wrote {written}"
    assert json.loads(written.read_text(encoding="utf-8")) == document


async def test_redelivery_replaces_the_same_file(tmp_path: Path, document: dict[str, Any]) -> None:
    target = FileTarget(tmp_path, "json")
    await target.deliver(document, KEY)
    changed = {**document, "marketplace_status": "Shipped"}

    await target.deliver(changed, KEY)

    [written] = list(tmp_path.iterdir())
    assert json.loads(written.read_text(encoding="utf-8"))["marketplace_status"] == "Shipped"


async def test_csv_has_a_header_and_one_row_per_line(tmp_path: Path) -> None:
    document = order_document(build_order(titles=("Tasse »Morgen«", "Teller, flach")))

    await FileTarget(tmp_path, "csv").deliver(document, KEY)

    [written] = list(tmp_path.iterdir())
    assert written.suffix == ".csv"
    header = written.read_text(encoding="utf-8").splitlines()[0]
    assert header.split(",") == list(CSV_COLUMNS)
    rows = read_csv(written)
    assert [row["sku"] for row in rows] == ["SKU-1", "SKU-2"]
    assert [row["title"] for row in rows] == ["Tasse »Morgen«", "Teller, flach"]
    for row in rows:  # order columns repeated on every line
        assert row["external_order_id"] == "303-1234567-7654321"
        assert row["connection"] == "Amazon DE"
        assert row["ship_city"] == "Köln"
        assert row["currency"] == "EUR"
        assert row["purchased_at"] == "2025-03-01T08:15:00Z"
    assert rows[0]["item_price"] == "19.99"
    assert rows[0]["shipping_price"] == "4.50"
    assert rows[1]["quantity_ordered"] == "2"


async def test_csv_of_an_order_without_lines_still_has_its_row(tmp_path: Path) -> None:
    document = order_document(build_order(titles=()))

    await FileTarget(tmp_path, "csv").deliver(document, KEY)

    [row] = read_csv(next(tmp_path.iterdir()))
    assert row["external_order_id"] == "303-1234567-7654321"
    assert row["sku"] == ""


async def test_csv_cells_that_would_run_as_formulas_are_neutralised(tmp_path: Path) -> None:
    document = order_document(
        build_order(
            titles=('=HYPERLINK("http://evil.example","click")', "+cmd|'/c calc'!A0"),
            buyer_name="@SUM(1+1)",
        )
    )
    document["lines"][0]["sku"] = "-2+3"
    document["lines"][1]["sku"] = "\tSKU"
    document["shipping_address"]["line2"] = "\rline"
    document["lines"][1]["discount"]["amount"] = "-1.50"

    await FileTarget(tmp_path, "csv").deliver(document, KEY)

    rows = read_csv(next(tmp_path.iterdir()))
    assert rows[0]["title"] == '\'=HYPERLINK("http://evil.example","click")'
    assert rows[1]["title"] == "'+cmd|'/c calc'!A0"
    assert rows[0]["buyer_name"] == "'@SUM(1+1)"
    assert rows[0]["sku"] == "'-2+3"
    assert rows[1]["sku"] == "'\tSKU"
    assert rows[0]["ship_line2"] == "'\rline"
    # A plain negative amount cannot run anything and must stay a number for the OMS.
    assert rows[1]["discount"] == "-1.50"
    starts = tuple("=+@\t\r")
    risky = [v for row in rows for v in row.values() if v.startswith(starts)]
    assert risky == []


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+49 30 123456", "'+49 30 123456"),
        ("@x", "'@x"),
        ("-", "'-"),
        ("-12.50", "-12.50"),
        ("12", "12"),
        ("plain", "plain"),
        ("", ""),
    ],
)
def test_neutralise_cell(cell: str, expected: str) -> None:
    assert neutralise_cell(cell) == expected


async def test_unsafe_ids_become_safe_distinct_names_inside_the_folder(tmp_path: Path) -> None:
    target = FileTarget(tmp_path, "json")
    ids = ("../../etc/passwd", "A/B", "A_B", "A B")

    for external_id in ids:
        document = order_document(build_order(external_id=external_id, connection_name="de"))
        await target.deliver(document, KEY)

    names = sorted(path.name for path in tmp_path.iterdir())
    assert len(names) == len(ids), names  # sanitising never makes two orders share a file
    assert "order-de-A_B.json" in names  # a name that needed no change keeps no hash
    for name in names:
        assert name.startswith("order-de-") and "/" not in name and " " not in name
    assert list(tmp_path.parent.glob("passwd*")) == []


async def test_a_failed_write_leaves_no_file_and_keeps_the_previous_one(
    tmp_path: Path, document: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    target = FileTarget(tmp_path, "json")
    await target.deliver({**document, "marketplace_status": "Pending"}, KEY)
    [previous] = list(tmp_path.iterdir())
    before = previous.read_bytes()

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files.os, "fsync", disk_full)

    with pytest.raises(ExportError) as caught:
        await target.deliver({**document, "marketplace_status": "Shipped"}, KEY)

    assert caught.value.retryable is True
    assert "No space left on device" in caught.value.message
    assert list(tmp_path.iterdir()) == [previous]  # no temporary file left behind
    assert previous.read_bytes() == before


async def test_a_failed_rename_leaves_no_target_file(
    tmp_path: Path, document: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_replace(source: str, destination: Path) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(files.os, "replace", broken_replace)

    with pytest.raises(ExportError):
        await FileTarget(tmp_path, "csv").deliver(document, KEY)

    assert list(tmp_path.iterdir()) == []


async def test_a_successful_write_leaves_only_the_final_file(
    tmp_path: Path, document: dict[str, Any]
) -> None:
    await FileTarget(tmp_path, "csv").deliver(document, KEY)

    [only] = list(tmp_path.iterdir())
    assert only.name.startswith(EXPECTED_NAME) and only.suffix == ".csv"
    # Readable by an OMS running as another user, unlike the temporary file's 0600.
    assert only.stat().st_mode & 0o777 == 0o644


async def test_a_missing_folder_names_the_folder_and_the_fix(
    tmp_path: Path, document: dict[str, Any]
) -> None:
    folder = tmp_path / "not-there"

    with pytest.raises(ExportError) as caught:
        await FileTarget(folder, "json").deliver(document, KEY)

    assert caught.value.retryable is False
    assert caught.value.message == (
        f"export folder {folder} does not exist: create it or change the target's folder"
    )


async def test_a_folder_under_a_file_fails_naming_the_folder(
    tmp_path: Path, document: dict[str, Any]
) -> None:
    # Works as root too: no permission bit can make a regular file hold other files.
    blocker = tmp_path / "exports"
    blocker.write_text("I am a file")
    folder = blocker / "orders"

    with pytest.raises(ExportError) as caught:
        await FileTarget(folder, "json").deliver(document, KEY)

    assert caught.value.retryable is False
    assert str(folder) in caught.value.message


async def test_the_folder_being_a_file_is_named(tmp_path: Path, document: dict[str, Any]) -> None:
    folder = tmp_path / "exports"
    folder.write_text("I am a file")

    with pytest.raises(ExportError) as caught:
        await FileTarget(folder, "json").deliver(document, KEY)

    assert caught.value.message.startswith(f"export folder {folder} is not a folder")


async def test_a_read_only_folder_names_the_folder_and_the_fix(
    tmp_path: Path, document: dict[str, Any]
) -> None:
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        pytest.skip("running as root, which writes into read-only folders anyway")
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(ExportError) as caught:
            await FileTarget(folder, "json").deliver(document, KEY)
    finally:
        folder.chmod(0o755)

    assert caught.value.retryable is False
    assert caught.value.message.startswith(f"export folder {folder} is not writable")
    assert "change the target's folder" in caught.value.message
    assert list(folder.iterdir()) == []


def test_an_unknown_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="format"):
        FileTarget(tmp_path, "xml")


async def test_file_content_is_utf8(tmp_path: Path, document: dict[str, Any]) -> None:
    await FileTarget(tmp_path, "csv").deliver(document, KEY)

    raw = next(tmp_path.iterdir()).read_bytes()
    assert "Köln".encode() in raw
    header = next(csv.reader(io.StringIO(raw.decode("utf-8"))))
    assert header[0] == "orderbridge_id"


async def test_a_permission_error_names_the_folder_even_when_running_as_root(
    tmp_path: Path, document: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Root ignores permission bits, so the refusal a normal user would get is simulated.
    def refuse(**kwargs: Any) -> tuple[int, str]:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(files.tempfile, "mkstemp", refuse)

    with pytest.raises(ExportError) as caught:
        await FileTarget(tmp_path, "json").deliver(document, KEY)

    assert caught.value.retryable is False
    assert caught.value.message == (
        f"export folder {tmp_path} is not writable by orderbridge (Permission denied): "
        "grant write permission or change the target's folder"
    )
