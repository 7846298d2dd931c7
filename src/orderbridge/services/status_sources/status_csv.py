"""Reading status CSV files: a header row, then one row per instruction or package line.

Rows are numbered as a spreadsheet shows them (the header is row 1). Consecutive rows
with the same action, order and a non-empty ``reference`` are one instruction with
several lines, so a package of three SKUs is one shipment; a row with an empty reference
stands alone. Wrong syntax, a missing column or text that is not UTF-8 refuses the whole
file; a wrong value fails only its instruction.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass

from orderbridge.services.status_sources.status_instructions import (
    INSTRUCTION_FIELDS,
    LINE_FIELDS,
    Instruction,
    LineFields,
    StatusFileError,
    build_instruction,
)

COLUMNS = (
    "action",
    "order_id",
    "connection",
    "line_id",
    "sku",
    "quantity",
    "carrier",
    "tracking_number",
    "shipping_method",
    "shipped_at",
    "reference",
    "return_id",
    "reason",
    "item_amount",
    "shipping_amount",
    "tax_amount",
    "note",
)
REQUIRED_COLUMNS = ("action", "order_id")

PackageKey = tuple[str, str, str, str]  # action, order id, connection, reference


@dataclass(slots=True)
class _Row:
    number: int
    values: dict[str, str]
    problem: str | None = None

    @property
    def action(self) -> str:
        return self.values.get("action", "").lower()

    @property
    def package_key(self) -> PackageKey | None:
        reference = self.values.get("reference", "")
        if not reference:
            return None
        return (
            self.action,
            self.values.get("order_id", ""),
            self.values.get("connection", ""),
            reference,
        )


@dataclass(slots=True)
class _Package:
    rows: list[_Row]
    key: PackageKey | None
    split_from: int | None = None  # the row where this reference's package began earlier


def parse_status_csv(content: bytes) -> list[Instruction]:
    """The instructions in a status CSV file, in file order.

    Raises :class:`StatusFileError` when the file as a whole cannot be read.
    """
    records = _records(_decode(content))
    if not records or not any(cell.strip() for cell in records[0]):
        raise StatusFileError(
            "the file has no header row: the first row must name the columns "
            f"(at least {', '.join(REQUIRED_COLUMNS)})",
            line=1,
        )
    columns = _columns(records[0])
    rows = [
        _row(number, columns, cells)
        for number, cells in enumerate(records[1:], start=2)
        if any(cell.strip() for cell in cells)
    ]
    return [_instruction(package) for package in _packages(rows)]


def _decode(content: bytes) -> str:
    if content.startswith(codecs.BOM_UTF8):
        content = content[len(codecs.BOM_UTF8) :]
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as bad:
        line_start = content.rfind(b"\n", 0, bad.start) + 1
        column = len(content[line_start : bad.start].decode("utf-8", errors="replace")) + 1
        raise StatusFileError(
            f"the file is not UTF-8 (byte 0x{content[bad.start]:02X}): save it as UTF-8",
            line=content.count(b"\n", 0, bad.start) + 1,
            column=column,
        ) from None


def _records(text: str) -> list[list[str]]:
    # strict: a stray quote is an error rather than a silently different value.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        return list(reader)
    except csv.Error as bad:
        raise StatusFileError(f"the CSV is malformed: {bad}", line=reader.line_num) from None


def _columns(header: list[str]) -> list[str]:
    columns = [cell.strip().lower() for cell in header]
    for position, name in enumerate(columns, start=1):
        if not name:
            raise StatusFileError(f"header column {position} has no name", line=1)
    duplicates = sorted({name for name in columns if columns.count(name) > 1})
    if duplicates:
        raise StatusFileError(f"the header names {', '.join(duplicates)} twice", line=1)
    unknown = [name for name in columns if name not in COLUMNS]
    if unknown:
        raise StatusFileError(
            f"unknown column(s) {', '.join(unknown)}; the columns are: {', '.join(COLUMNS)}",
            line=1,
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise StatusFileError(f"required column(s) missing: {', '.join(missing)}", line=1)
    return columns


def _row(number: int, columns: list[str], cells: list[str]) -> _Row:
    values = {name: cell.strip() for name, cell in zip(columns, cells, strict=False)}
    extra = [cell for cell in cells[len(columns) :] if cell.strip()]
    problem = None
    if extra:
        problem = (
            f"row {number} has {len(cells)} values but the header names {len(columns)} "
            "(a value with a comma needs quotes)"
        )
    return _Row(number, values, problem)


def _packages(rows: list[_Row]) -> list[_Package]:
    packages: list[_Package] = []
    began: dict[PackageKey, int] = {}
    for row in rows:
        key = row.package_key
        current = packages[-1] if packages else None
        if key is not None and current is not None and current.key == key:
            current.rows.append(row)
            continue
        package = _Package([row], key)
        if key is not None:
            package.split_from = began.get(key)
            began.setdefault(key, row.number)
        packages.append(package)
    return packages


def _instruction(package: _Package) -> Instruction:
    first = package.rows[0]
    numbers = tuple(row.number for row in package.rows)
    order_id = first.values.get("order_id", "")

    def failed(problem: str) -> Instruction:
        return Instruction(
            first.number,
            numbers,
            first.action,
            order_id,
            first.values.get("connection") or None,
            problem=problem,
        )

    problems = [row.problem for row in package.rows if row.problem]
    if problems:
        return failed(problems[0])
    if package.split_from is not None:
        return failed(
            f"reference {first.values['reference']!r} of order {order_id} began at row "
            f"{package.split_from}: the rows of one package must follow each other"
        )
    fields: dict[str, str] = {}
    for name in INSTRUCTION_FIELDS:
        given = [(row.number, row.values[name]) for row in package.rows if row.values.get(name)]
        other = next((item for item in given if item[1] != given[0][1]), None)
        if other is not None:
            return failed(
                f"rows {given[0][0]} and {other[0]} of one package disagree on {name}: "
                f"{given[0][1]!r} and {other[1]!r}"
            )
        fields[name] = given[0][1] if given else ""
    lines: list[LineFields] = []
    for row in package.rows:
        line = {name: row.values.get(name, "") for name in LINE_FIELDS if row.values.get(name)}
        if line:
            label = f"row {row.number}" if len(package.rows) > 1 else ""
            lines.append((label, line))
        elif len(package.rows) > 1:
            return failed(
                f"row {row.number} names no line, but its package has {len(package.rows)} "
                "rows: give line_id or sku and quantity on every row of a package"
            )
    return build_instruction(
        row=first.number,
        rows=numbers,
        action=first.action,
        order_id=order_id,
        connection=first.values.get("connection", ""),
        fields=fields,
        lines=lines,
    )
