"""The file export target: one JSON or CSV file per order in a folder the OMS watches.

A file appears complete or not at all: it is written to a hidden temporary file in the
same folder, flushed to disk, then renamed over the final name, so an OMS polling the
folder never reads half an order. Re-exporting an order replaces its file.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import hashlib
import io
import json
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from orderbridge.oms.base import DeliveryReceipt, ExportError
from orderbridge.oms.return_document import RETURN_SCHEMA_NAME

FORMATS = ("json", "csv")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_STEM = 150
# Spreadsheets run cells that start with these as formulas (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?[0-9]+(\.[0-9]+)?$")

ORDER_COLUMNS = (
    "orderbridge_id",
    "connection",
    "channel",
    "external_order_id",
    "marketplace_ids",
    "purchased_at",
    "last_updated_at",
    "latest_ship_at",
    "marketplace_status",
    "order_status",
    "fulfillment_channel",
    "currency",
    "buyer_name",
    "buyer_email",
    "buyer_company",
    "ship_name",
    "ship_company",
    "ship_line1",
    "ship_line2",
    "ship_line3",
    "ship_city",
    "ship_postal_code",
    "ship_state_or_region",
    "ship_country_code",
    "ship_phone",
    "order_total",
)
RETURN_COLUMNS = (
    "orderbridge_return_id",
    "orderbridge_order_id",
    "connection",
    "channel",
    "external_return_id",
    "external_order_id",
    "marketplace_status",
    "return_status",
    "reason",
    "requested_at",
    "last_updated_at",
    "currency",
    "refund_amount",
    "line_id",
    "order_line_id",
    "sku",
    "quantity",
    "line_reason",
    "line_refund_amount",
)
LINE_COLUMNS = (
    "line_id",
    "sku",
    "asin",
    "title",
    "quantity_ordered",
    "quantity_shipped",
    "item_price",
    "item_tax",
    "shipping_price",
    "shipping_tax",
    "discount",
    "line_total",
    "quantity_cancelled",
)
CSV_COLUMNS = ORDER_COLUMNS + LINE_COLUMNS


class FileTarget:
    """Writes each order document as its own file into ``folder``."""

    kind: ClassVar[str] = "file"

    def __init__(self, folder: str | os.PathLike[str], file_format: str = "json") -> None:
        if file_format not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {file_format!r}")
        self.folder = Path(folder)
        self.format = file_format

    def __repr__(self) -> str:
        return f"FileTarget(folder={str(self.folder)!r}, format={self.format!r})"

    async def deliver(self, document: dict[str, Any], idempotency_key: str) -> DeliveryReceipt:
        stem = file_stem(document, idempotency_key)
        event = document.get("event")
        # A notice gets a file of its own, never overwriting the order's export.
        suffix = f"-{str(event).rsplit('.', 1)[-1]}" if event else ""
        name = f"{stem}{suffix}.{self.format}"
        if self.format == "json":
            content = render_json(document)
        elif document.get("schema") == RETURN_SCHEMA_NAME:
            content = render_return_csv(document)
        else:
            content = render_csv(document)
        path = await asyncio.to_thread(self._write, name, content)
        return DeliveryReceipt(f"wrote {path}")

    async def aclose(self) -> None:
        return None

    def _write(self, name: str, content: bytes) -> Path:
        folder = self.folder
        if not folder.is_dir():
            if folder.exists():
                raise ExportError(
                    f"export folder {folder} is not a folder: "
                    "point the target's folder at a directory",
                    retryable=False,
                )
            raise ExportError(
                f"export folder {folder} does not exist: create it or change the target's folder",
                retryable=False,
            )
        target = folder / name
        try:
            write_atomically(target, content)
        except PermissionError as exc:
            raise ExportError(
                f"export folder {folder} is not writable by orderbridge ({exc.strerror}): "
                "grant write permission or change the target's folder",
                retryable=False,
            ) from exc
        except OSError as exc:
            # A full disk or a flaky network share can recover; the retry schedule decides.
            raise ExportError(
                f"could not write {target}: {exc.strerror or exc}", retryable=True
            ) from exc
        return target


def write_atomically(target: Path, content: bytes) -> None:
    """Write ``content`` to ``target`` so that readers see the old file or the whole new one."""
    fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            # mkstemp creates 0600; the OMS usually reads the folder as another user.
            os.fchmod(handle.fileno(), 0o644)
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
    _fsync_folder(target.parent)


def _fsync_folder(folder: Path) -> None:
    """Persist the rename itself; without it a crash may bring the old directory entry back."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # some platforms and shares cannot open a directory; the file is complete anyway
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def file_stem(document: dict[str, Any], idempotency_key: str) -> str:
    """``order-<connection>-<external id>`` (``return-…`` for a return), reduced to
    characters safe on every filesystem.

    When reducing changed anything, a short hash of the original is appended, so two
    orders whose ids differ only in unsafe characters never overwrite each other's file.
    """
    connection = document.get("connection")
    noun = "return" if document.get("schema") == RETURN_SCHEMA_NAME else "order"
    external_id = document.get(f"external_{noun}_id")
    if connection and external_id:
        original = f"{noun}-{connection}-{external_id}"
    else:
        original = f"{noun}-{idempotency_key}"
    safe = _UNSAFE.sub("_", original).strip("._-")[:_MAX_STEM] or noun
    if safe != original:
        digest = hashlib.sha256(original.encode("utf-8")).hexdigest()[:10]
        safe = f"{safe}-{digest}"
    return safe


def render_json(document: dict[str, Any]) -> bytes:
    text = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True, allow_nan=False)
    return (text + "\n").encode("utf-8")


def render_return_csv(document: dict[str, Any]) -> bytes:
    """Header plus one row per returned line, the return's columns repeated; UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(RETURN_COLUMNS)
    head = {
        "orderbridge_return_id": _text(document.get("orderbridge_return_id")),
        "orderbridge_order_id": _text(document.get("orderbridge_order_id")),
        **{
            key: _text(document.get(key))
            for key in (
                "connection",
                "channel",
                "external_return_id",
                "external_order_id",
                "marketplace_status",
                "return_status",
                "reason",
                "requested_at",
                "last_updated_at",
                "currency",
            )
        },
        "refund_amount": _amount(document.get("refund_amount")),
    }
    for line in document.get("lines") or []:
        row = {
            **head,
            "line_id": _text(line.get("external_line_id")),
            "order_line_id": _text(line.get("order_line_id")),
            "sku": _text(line.get("sku")),
            "quantity": _text(line.get("quantity")),
            "line_reason": _text(line.get("reason")),
            "line_refund_amount": _amount(line.get("refund_amount")),
        }
        writer.writerow([neutralise_cell(row[column]) for column in RETURN_COLUMNS])
    return buffer.getvalue().encode("utf-8")


def render_csv(document: dict[str, Any]) -> bytes:
    """Header plus one row per line with the order's columns repeated; UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in csv_rows(document):
        writer.writerow([neutralise_cell(row[column]) for column in CSV_COLUMNS])
    return buffer.getvalue().encode("utf-8")


def csv_rows(document: dict[str, Any]) -> Iterator[dict[str, str]]:
    """The rows of one order; an order without lines still gets one row, never none."""
    order = _order_cells(document)
    lines = document.get("lines") or []
    if not lines:
        yield {**order, **dict.fromkeys(LINE_COLUMNS, "")}
    for line in lines:
        yield {**order, **_line_cells(line)}


def neutralise_cell(value: str) -> str:
    """Prefix an apostrophe to a cell a spreadsheet would run as a formula.

    A plain signed number (a negative amount) is left alone: it cannot call anything,
    and an apostrophe would stop the OMS from reading it as a number.
    """
    if value.startswith(_FORMULA_STARTS) and not _PLAIN_NUMBER.match(value):
        return f"'{value}"
    return value


def _order_cells(document: dict[str, Any]) -> dict[str, str]:
    buyer = document.get("buyer") or {}
    address = document.get("shipping_address") or {}
    totals = document.get("totals") or {}
    return {
        "orderbridge_id": _text(document.get("orderbridge_id")),
        "connection": _text(document.get("connection")),
        "channel": _text(document.get("channel")),
        "external_order_id": _text(document.get("external_order_id")),
        "marketplace_ids": " ".join(document.get("marketplace_ids") or []),
        "purchased_at": _text(document.get("purchased_at")),
        "last_updated_at": _text(document.get("last_updated_at")),
        "latest_ship_at": _text(document.get("latest_ship_at")),
        "marketplace_status": _text(document.get("marketplace_status")),
        "order_status": _text(document.get("order_status")),
        "fulfillment_channel": _text(document.get("fulfillment_channel")),
        "currency": _text(document.get("currency")),
        "buyer_name": _text(buyer.get("name")),
        "buyer_email": _text(buyer.get("email")),
        "buyer_company": _text(buyer.get("company")),
        "ship_name": _text(address.get("name")),
        "ship_company": _text(address.get("company")),
        "ship_line1": _text(address.get("line1")),
        "ship_line2": _text(address.get("line2")),
        "ship_line3": _text(address.get("line3")),
        "ship_city": _text(address.get("city")),
        "ship_postal_code": _text(address.get("postal_code")),
        "ship_state_or_region": _text(address.get("state_or_region")),
        "ship_country_code": _text(address.get("country_code")),
        "ship_phone": _text(address.get("phone")),
        "order_total": _amount(totals.get("total")),
    }


def _line_cells(line: dict[str, Any]) -> dict[str, str]:
    return {
        "line_id": _text(line.get("external_line_id")),
        "sku": _text(line.get("sku")),
        "asin": _text(line.get("asin")),
        "title": _text(line.get("title")),
        "quantity_ordered": _text(line.get("quantity_ordered")),
        "quantity_shipped": _text(line.get("quantity_shipped")),
        "quantity_cancelled": _text(line.get("quantity_cancelled")),
        "item_price": _amount(line.get("item_price")),
        "item_tax": _amount(line.get("item_tax")),
        "shipping_price": _amount(line.get("shipping_price")),
        "shipping_tax": _amount(line.get("shipping_tax")),
        "discount": _amount(line.get("discount")),
        "line_total": _amount(line.get("total")),
    }


def _amount(money: dict[str, Any] | None) -> str:
    # The currency has its own column; every amount of one order shares it.
    return _text(money.get("amount")) if money else ""


def _text(value: Any) -> str:
    return "" if value is None else str(value)
