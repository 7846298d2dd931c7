"""Reading status CSV files: packages, whole-order rows, and what is refused where."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from orderbridge.domain.fulfilment import CancelReason, RefundReason
from orderbridge.services.fulfilment.requests import (
    CancellationRequest,
    LineRequest,
    RefundLineRequest,
    RefundRequest,
    ShipmentRequest,
)
from orderbridge.services.status_sources.status_csv import parse_status_csv
from orderbridge.services.status_sources.status_instructions import StatusFileError


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_rows_with_one_reference_are_one_shipment_with_several_lines() -> None:
    content = _csv(
        "action,order_id,line_id,sku,quantity,carrier,tracking_number,shipped_at,reference",
        "ship,302-1,,MUG-RED,1,DHL,00340434161094042557,2026-11-25T15:30:00+01:00,PKG-1",
        "ship,302-1,302-1-2,,2,,,,PKG-1",
        "ship,302-2,,,,,,,",
    )
    package, whole = parse_status_csv(content)
    assert package.rows == (2, 3)
    assert package.problem is None
    assert package.request == ShipmentRequest(
        lines=(LineRequest(1, sku="MUG-RED"), LineRequest(2, line_id="302-1-2")),
        carrier="DHL",
        tracking_number="00340434161094042557",
        shipped_at=datetime(2026, 11, 25, 14, 30, tzinfo=UTC),
        reference="PKG-1",
    )
    # No lines: everything still open on the order ships.
    assert (whole.row, whole.order_id) == (4, "302-2")
    assert whole.request == ShipmentRequest()


def test_header_is_case_insensitive_and_a_byte_order_mark_is_allowed() -> None:
    content = b"\xef\xbb\xbf" + _csv(" Action ,ORDER_ID,Reason", "Cancel,302-3,Out_Of_Stock")
    (cancel,) = parse_status_csv(content)
    assert cancel.action == "cancel"
    assert cancel.request == CancellationRequest(reason=CancelReason.OUT_OF_STOCK)


def test_rows_without_reference_stand_alone_even_for_one_order() -> None:
    content = _csv(
        "action,order_id,sku,quantity",
        "ship,302-4,MUG-RED,1",
        "ship,302-4,MUG-RED,1",
    )
    first, second = parse_status_csv(content)
    assert first.rows == (2,) and second.rows == (3,)
    assert (
        first.request == second.request == ShipmentRequest(lines=(LineRequest(1, sku="MUG-RED"),))
    )


def test_refund_lines_carry_their_amounts_as_decimals() -> None:
    content = _csv(
        "action,order_id,sku,quantity,item_amount,shipping_amount,tax_amount,reason,note,reference",
        "refund,302-5,MUG-RED,1,16.19,4.95,,damaged,arrived broken,RF-9",
        "refund,302-5,MUG-BLUE,2,,,,,,RF-9",
    )
    (refund,) = parse_status_csv(content)
    assert refund.request == RefundRequest(
        reason=RefundReason.DAMAGED,
        note="arrived broken",
        lines=(
            RefundLineRequest(
                1, sku="MUG-RED", item_amount=Decimal("16.19"), shipping_amount=Decimal("4.95")
            ),
            RefundLineRequest(2, sku="MUG-BLUE"),
        ),
    )


def test_blank_rows_are_skipped_and_rows_keep_their_spreadsheet_numbers() -> None:
    content = _csv("action,order_id,reason", "", ",,", "cancel,302-6,general")
    (cancel,) = parse_status_csv(content)
    assert cancel.row == 4


def test_a_header_without_rows_holds_no_instructions() -> None:
    assert parse_status_csv(_csv("action,order_id")) == []


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (
            "shp,302-7,MUG-RED,1,,,",
            "action is 'shp': use ship, cancel, refund, accept_return, reject_return or "
            "refund_return",
        ),
        ("ship,,MUG-RED,1,,,", "order_id is empty"),
        ("ship,302-7,MUG-RED,two,,,", "quantity 'two' is not a whole number"),
        ("ship,302-7,MUG-RED,0,,,", "quantity must be at least 1"),
        ("ship,302-7,MUG-RED,,,,", "quantity is missing for the line"),
        ("ship,302-7,,1,,,", "the line needs line_id or sku"),
        ("ship,302-7,,,2026-11-25T10:00:00,,", "has no time zone"),
        ("ship,302-7,,,yesterday,,", "is not an ISO-8601 date and time"),
        ("ship,302-7,,,,general,", "reason does not apply to ship"),
        ("cancel,302-7,,,,,", "reason is required for cancel"),
        ("cancel,302-7,,,,lost_interest,", "reason 'lost_interest' is not one of"),
        ("cancel,302-7,MUG-RED,1,,general,3.00", "item_amount does not apply to cancel"),
        ('refund,302-7,MUG-RED,1,,damaged,"12,50"', "write the decimals after a dot"),
        ("refund,302-7,MUG-RED,1,,damaged,-3", "refund amounts are positive"),
        ("refund,302-7,MUG-RED,1,,damaged,1.23456", "at most 4 decimals"),
    ],
)
def test_a_wrong_value_fails_its_instruction_only(row: str, problem: str) -> None:
    content = _csv(
        "action,order_id,sku,quantity,shipped_at,reason,item_amount",
        row,
        "cancel,302-8,,,,general,",
    )
    bad, good = parse_status_csv(content)
    assert bad.request is None
    assert bad.problem is not None and problem in bad.problem
    assert good.request == CancellationRequest(reason=CancelReason.GENERAL)


def test_a_package_whose_rows_disagree_fails_whole() -> None:
    content = _csv(
        "action,order_id,sku,quantity,tracking_number,reference",
        "ship,302-9,MUG-RED,1,TRACK-1,PKG-2",
        "ship,302-9,MUG-BLUE,1,TRACK-2,PKG-2",
    )
    (package,) = parse_status_csv(content)
    assert package.rows == (2, 3)
    assert package.problem == (
        "rows 2 and 3 of one package disagree on tracking_number: 'TRACK-1' and 'TRACK-2'"
    )


def test_every_row_of_a_package_must_name_a_line() -> None:
    content = _csv(
        "action,order_id,sku,quantity,reference",
        "ship,302-10,MUG-RED,1,PKG-3",
        "ship,302-10,,,PKG-3",
    )
    (package,) = parse_status_csv(content)
    assert package.problem is not None and package.problem.startswith("row 3 names no line")


def test_a_line_problem_in_a_package_names_its_row() -> None:
    content = _csv(
        "action,order_id,sku,quantity,reference",
        "ship,302-11,MUG-RED,1,PKG-4",
        "ship,302-11,MUG-BLUE,lots,PKG-4",
    )
    (package,) = parse_status_csv(content)
    assert package.problem == "row 3: quantity 'lots' is not a whole number"


def test_a_package_split_by_other_rows_is_refused_where_it_resumes() -> None:
    content = _csv(
        "action,order_id,sku,quantity,reference",
        "ship,302-12,MUG-RED,1,PKG-5",
        "cancel,302-13,,,",
        "ship,302-12,MUG-BLUE,1,PKG-5",
    )
    first, _, resumed = parse_status_csv(content)
    assert first.problem is None
    assert resumed.problem is not None
    assert "began at row 2: the rows of one package must follow each other" in resumed.problem


def test_a_row_with_more_values_than_columns_fails() -> None:
    content = _csv("action,order_id,reason", "cancel,302-14,general,surplus")
    (row,) = parse_status_csv(content)
    assert row.problem == (
        "row 2 has 4 values but the header names 3 (a value with a comma needs quotes)"
    )


def test_values_too_long_for_their_column_fail_the_instruction() -> None:
    content = _csv("action,order_id", f"ship,{'9' * 101}")
    (row,) = parse_status_csv(content)
    assert row.problem == "order_id is 101 characters long; at most 100 fit"


@pytest.mark.parametrize(
    ("content", "line", "column", "problem"),
    [
        (b"", 1, None, "the file has no header row"),
        (b"order_id,sku\n302-1,MUG\n", 1, None, "required column(s) missing: action"),
        (b"action,order_id,trackingnumber\n", 1, None, "unknown column(s) trackingnumber"),
        (b"action,order_id,sku,SKU\n", 1, None, "the header names sku twice"),
        (b"action,order_id\nship,302-\xe9\n", 2, 10, "the file is not UTF-8 (byte 0xE9)"),
        (b'action,order_id\nship,"302-1"x\n', 2, None, "the CSV is malformed"),
        (b'action,order_id\nship,"302-1\n', 2, None, "the CSV is malformed"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_its_position(
    content: bytes, line: int, column: int | None, problem: str
) -> None:
    with pytest.raises(StatusFileError) as refused:
        parse_status_csv(content)
    assert (refused.value.line, refused.value.column) == (line, column)
    assert problem in refused.value.problem


DOC = Path(__file__).resolve().parents[2] / "docs" / "status-files.md"


def test_the_documented_examples_read_as_described() -> None:
    examples = re.findall(r"```csv\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    full, smallest, returns = (parse_status_csv(example.encode()) for example in examples)
    assert [(item.action, item.rows, item.problem) for item in full] == [
        ("ship", (2, 3), None),
        ("ship", (4,), None),
        ("cancel", (5,), None),
        ("cancel", (6,), None),
        ("refund", (7,), None),
    ]
    assert [(item.action, item.problem) for item in smallest] == [("ship", None), ("ship", None)]
    assert [(item.action, item.return_id, item.problem) for item in returns] == [
        ("refund_return", "R-1", None),
        ("reject_return", "R-2", None),
    ]


def test_the_documentation_lists_every_reason() -> None:
    text = DOC.read_text(encoding="utf-8")
    for reason in (*CancelReason, *RefundReason):
        assert f"| `{reason.value}` |" in text
