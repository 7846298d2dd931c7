"""What one instruction in a status file asks for, checked value by value.

The CSV and XML readers turn their own syntax into the same field names and hand them
here, so both formats accept the same values and word their complaints alike. A value
that cannot be right (an unknown action, a quantity of "two", a ship date without a time
zone) makes the instruction fail on its own; the rest of the file goes on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TypeVar

from orderbridge.domain.fulfilment import CancelReason, RefundReason
from orderbridge.domain.returns import ReturnDecisionKind
from orderbridge.services.fulfilment.requests import (
    CancellationRequest,
    LineRequest,
    RefundLineRequest,
    RefundRequest,
    ShipmentRequest,
)
from orderbridge.services.return_decisions import DecisionLine, ReturnDecisionRequest

Request = ShipmentRequest | CancellationRequest | RefundRequest | ReturnDecisionRequest
# The OMS's decisions on a return, named by the marketplace's return id.
RETURN_ACTIONS = {
    "accept_return": ReturnDecisionKind.ACCEPT,
    "reject_return": ReturnDecisionKind.REJECT,
    "refund_return": ReturnDecisionKind.REFUND,
}
ACTIONS = ("ship", "cancel", "refund", *RETURN_ACTIONS)
_WORDED_ACTIONS = "ship, cancel, refund, accept_return, reject_return or refund_return"

# Which actions each instruction-level field belongs to.
INSTRUCTION_FIELDS: dict[str, frozenset[str]] = {
    "reference": frozenset(ACTIONS),
    "return_id": frozenset(RETURN_ACTIONS),
    "carrier": frozenset({"ship"}),
    "tracking_number": frozenset({"ship"}),
    "shipping_method": frozenset({"ship"}),
    "shipped_at": frozenset({"ship"}),
    "reason": frozenset({"cancel", "refund", *RETURN_ACTIONS}),
    "note": frozenset({"cancel", "refund", *RETURN_ACTIONS}),
}
LINE_FIELDS: dict[str, frozenset[str]] = {
    "line_id": frozenset(ACTIONS),
    "sku": frozenset(ACTIONS),
    "quantity": frozenset(ACTIONS),
    "item_amount": frozenset({"refund", "refund_return"}),
    "shipping_amount": frozenset({"refund"}),
    "tax_amount": frozenset({"refund"}),
}
# The widths of the columns these values end up in: a longer value is a mistake in the
# file, and is better refused here than by the database in the middle of a run.
MAX_LENGTHS = {
    "order_id": 100,
    "connection": 100,
    "reference": 100,
    "return_id": 100,
    "carrier": 100,
    "tracking_number": 100,
    "shipping_method": 100,
    "line_id": 100,
    "sku": 100,
    "note": 2000,
}

_WHOLE_NUMBER = re.compile(r"[0-9]+")
# NUMERIC(18, 4) on PostgreSQL: more digits would be rounded there and kept on SQLite.
_AMOUNT = re.compile(r"[0-9]{1,14}(\.[0-9]{1,4})?")
_COMMA_AMOUNT = re.compile(r"[0-9]+,[0-9]+")

_Reason = TypeVar("_Reason", CancelReason, RefundReason)
Naming = Callable[[str], str]
LineFields = tuple[str, Mapping[str, str]]  # where the line is (for messages), its values


class StatusFileError(Exception):
    """The file cannot be read at all; ``line`` and ``column`` point at the spot when known."""

    def __init__(self, problem: str, *, line: int | None = None, column: int | None = None):
        super().__init__(problem)
        self.problem = problem
        self.line = line
        self.column = column

    def __str__(self) -> str:
        if self.line is None:
            return self.problem
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.problem}"


class RowProblem(Exception):
    """One instruction cannot be applied as written."""


@dataclass(frozen=True, slots=True)
class Instruction:
    """One shipment, cancellation, refund or return decision read from a file, or why it
    cannot be one."""

    row: int  # its number in the file: a CSV package's first row, an XML element's place
    rows: tuple[int, ...]  # every CSV row it was read from (one for XML)
    action: str  # as written (lower-cased), for the report
    order_id: str
    connection: str | None = None
    request: Request | None = None
    problem: str | None = None
    return_id: str | None = None  # the marketplace's return id, for a return decision


def _same(field: str) -> str:
    return field


def build_instruction(
    *,
    row: int,
    rows: tuple[int, ...],
    action: str,
    order_id: str,
    connection: str | None,
    fields: Mapping[str, str],
    lines: Sequence[LineFields],
    name: Naming = _same,
) -> Instruction:
    """An instruction from its values (stripped text; empty means not given).

    ``name`` gives a field's name as the file spells it, for messages.
    """
    try:
        _check_length("order_id", order_id, name)
        _check_length("connection", connection or "", name)
        request = _request(action, order_id, fields, lines, name)
    except RowProblem as problem:
        return Instruction(row, rows, action, order_id, connection or None, problem=str(problem))
    return Instruction(
        row,
        rows,
        action,
        order_id,
        connection or None,
        request,
        return_id=fields.get("return_id") or None,
    )


def _check_length(field: str, value: str, name: Naming) -> None:
    limit = MAX_LENGTHS.get(field)
    if limit is not None and len(value) > limit:
        raise RowProblem(f"{name(field)} is {len(value)} characters long; at most {limit} fit")


def _request(
    action: str,
    order_id: str,
    fields: Mapping[str, str],
    lines: Sequence[LineFields],
    name: Naming,
) -> Request:
    if action not in ACTIONS:
        shown = repr(action) if action else "empty"
        raise RowProblem(f"{name('action')} is {shown}: use {_WORDED_ACTIONS}")
    if action in RETURN_ACTIONS:
        return _return_decision(action, fields, lines, name)
    if not order_id:
        raise RowProblem(f"{name('order_id')} is empty: give the marketplace's order id")
    for field, value in fields.items():
        if value and action not in INSTRUCTION_FIELDS[field]:
            raise RowProblem(f"{name(field)} does not apply to {action}: {_belongs(field)}")
        _check_length(field, value, name)
    if action == "ship":
        return ShipmentRequest(
            lines=tuple(_line(label, values, action, name) for label, values in lines),
            carrier=fields.get("carrier") or None,
            tracking_number=fields.get("tracking_number") or None,
            shipping_method=fields.get("shipping_method") or None,
            shipped_at=_moment(fields.get("shipped_at", ""), name("shipped_at")),
            reference=fields.get("reference") or None,
        )
    if action == "cancel":
        return CancellationRequest(
            reason=_reason(CancelReason, fields.get("reason", ""), action, name),
            lines=tuple(_line(label, values, action, name) for label, values in lines),
            note=fields.get("note") or None,
        )
    return RefundRequest(
        reason=_reason(RefundReason, fields.get("reason", ""), action, name),
        lines=tuple(_refund_line(label, values, name) for label, values in lines),
        note=fields.get("note") or None,
    )


def _return_decision(
    action: str, fields: Mapping[str, str], lines: Sequence[LineFields], name: Naming
) -> ReturnDecisionRequest:
    for field, value in fields.items():
        if value and action not in INSTRUCTION_FIELDS[field]:
            raise RowProblem(f"{name(field)} does not apply to {action}: {_belongs(field)}")
        _check_length(field, value, name)
    if not fields.get("return_id"):
        raise RowProblem(f"{name('return_id')} is empty: give the marketplace's return id")
    decision_lines = []
    for label, values in lines:
        line_id, sku, quantity = _line_basics(label, values, action, name)
        amount = _amount(label, values.get("item_amount", ""), name("item_amount"))
        decision_lines.append(
            DecisionLine(quantity=quantity, line_id=line_id, sku=sku, amount=amount)
        )
    return ReturnDecisionRequest(
        decision=RETURN_ACTIONS[action],
        lines=tuple(decision_lines),
        reason=fields.get("reason") or None,
        note=fields.get("note") or None,
        reference=fields.get("reference") or None,
    )


def _belongs(field: str) -> str:
    actions = sorted(INSTRUCTION_FIELDS.get(field) or LINE_FIELDS[field])
    return f"it belongs to {' and '.join(actions)} only"


def _where(label: str, message: str) -> str:
    return f"{label}: {message}" if label else message


def _line(label: str, values: Mapping[str, str], action: str, name: Naming) -> LineRequest:
    line_id, sku, quantity = _line_basics(label, values, action, name)
    return LineRequest(quantity=quantity, line_id=line_id, sku=sku)


def _refund_line(label: str, values: Mapping[str, str], name: Naming) -> RefundLineRequest:
    line_id, sku, quantity = _line_basics(label, values, "refund", name)
    return RefundLineRequest(
        quantity=quantity,
        line_id=line_id,
        sku=sku,
        item_amount=_amount(label, values.get("item_amount", ""), name("item_amount")),
        shipping_amount=_amount(label, values.get("shipping_amount", ""), name("shipping_amount")),
        tax_amount=_amount(label, values.get("tax_amount", ""), name("tax_amount")),
    )


def _line_basics(
    label: str, values: Mapping[str, str], action: str, name: Naming
) -> tuple[str | None, str | None, int]:
    for field, value in values.items():
        if value and action not in LINE_FIELDS[field]:
            raise RowProblem(_where(label, f"{name(field)} does not apply to {action}"))
        try:
            _check_length(field, value, name)
        except RowProblem as problem:
            raise RowProblem(_where(label, str(problem))) from None
    line_id = values.get("line_id") or None
    sku = values.get("sku") or None
    if line_id is None and sku is None:
        raise RowProblem(
            _where(label, f"the line needs {name('line_id')} or {name('sku')} to name it")
        )
    quantity = values.get("quantity", "")
    if not quantity:
        raise RowProblem(_where(label, f"{name('quantity')} is missing for the line"))
    return line_id, sku, _quantity(label, quantity, name("quantity"))


def _quantity(label: str, text: str, field: str) -> int:
    if not _WHOLE_NUMBER.fullmatch(text):
        raise RowProblem(_where(label, f"{field} {text!r} is not a whole number"))
    quantity = int(text)
    if quantity < 1:
        raise RowProblem(_where(label, f"{field} must be at least 1"))
    return quantity


def _amount(label: str, text: str, field: str) -> Decimal | None:
    if not text:
        return None
    if _AMOUNT.fullmatch(text):
        return Decimal(text)
    if _COMMA_AMOUNT.fullmatch(text):
        hint = "write the decimals after a dot, e.g. 12.50"
    elif text.startswith("-"):
        hint = "refund amounts are positive: what goes back to the buyer"
    else:
        hint = "write a plain number with a dot and at most 4 decimals, e.g. 12.50"
    raise RowProblem(_where(label, f"{field} {text!r} is not an amount: {hint}"))


def _moment(text: str, field: str) -> datetime | None:
    if not text:
        return None
    example = "e.g. 2026-11-25T14:30:00Z or 2026-11-25T15:30:00+01:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise RowProblem(f"{field} {text!r} is not an ISO-8601 date and time, {example}") from None
    if moment.tzinfo is None:
        raise RowProblem(f"{field} {text!r} has no time zone: add Z or an offset, {example}")
    return moment.astimezone(UTC)


def _reason(kind: type[_Reason], text: str, action: str, name: Naming) -> _Reason:
    choices = ", ".join(reason.value for reason in kind)
    if not text:
        raise RowProblem(f"{name('reason')} is required for {action}: one of {choices}")
    try:
        return kind(text.lower())
    except ValueError:
        raise RowProblem(f"{name('reason')} {text!r} is not one of {choices}") from None
