"""Reading status XML files: ``<statusUpdates>`` holding shipments, cancellations, refunds
and return decisions (``returnAccept``, ``returnReject``, ``returnRefund``).

The file is parsed with defusedxml and DTDs are refused outright, so no entity can be
declared, expanded or fetched: a "billion laughs" file is turned away at its
``<!DOCTYPE`` before anything grows. Instructions are numbered in document order (the
first element inside ``<statusUpdates>`` is 1); messages also give the source line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, ParseError

from orderbridge.services.status_sources.status_instructions import (
    Instruction,
    LineFields,
    StatusFileError,
    build_instruction,
)

ROOT = "statusUpdates"
_ACTIONS = {
    "shipment": "ship",
    "cancellation": "cancel",
    "refund": "refund",
    "returnAccept": "accept_return",
    "returnReject": "reject_return",
    "returnRefund": "refund_return",
}
_COMMON = ("orderId", "connection", "reference")
_ATTRIBUTES = {
    "shipment": (*_COMMON, "carrier", "trackingNumber", "shippingMethod", "shippedAt"),
    "cancellation": (*_COMMON, "reason", "note"),
    "refund": (*_COMMON, "reason", "note"),
    "returnAccept": (*_COMMON, "returnId", "reason", "note"),
    "returnReject": (*_COMMON, "returnId", "reason", "note"),
    "returnRefund": (*_COMMON, "returnId", "reason", "note"),
}
_LINE_ATTRIBUTES = {
    "shipment": ("lineId", "sku", "quantity"),
    "cancellation": ("lineId", "sku", "quantity"),
    "refund": ("lineId", "sku", "quantity", "itemAmount", "shippingAmount", "taxAmount"),
    "returnAccept": ("lineId", "sku", "quantity"),
    "returnReject": ("lineId", "sku", "quantity"),
    "returnRefund": ("lineId", "sku", "quantity", "itemAmount"),
}
# The XML's attribute names and the field names instructions share with the CSV format.
_FIELDS = {
    "orderId": "order_id",
    "connection": "connection",
    "reference": "reference",
    "returnId": "return_id",
    "carrier": "carrier",
    "trackingNumber": "tracking_number",
    "shippingMethod": "shipping_method",
    "shippedAt": "shipped_at",
    "reason": "reason",
    "note": "note",
    "lineId": "line_id",
    "sku": "sku",
    "quantity": "quantity",
    "itemAmount": "item_amount",
    "shippingAmount": "shipping_amount",
    "taxAmount": "tax_amount",
}
_ATTRIBUTE_OF = {field_name: attribute for attribute, field_name in _FIELDS.items()}


@dataclass(slots=True)
class _Element:
    tag: str
    attributes: dict[str, str]
    line: int
    column: int
    children: list[_Element] = field(default_factory=list)
    text: list[str] = field(default_factory=list)


class _Builder:
    """A parser target that keeps where each element starts, which ElementTree forgets."""

    def __init__(self) -> None:
        self.expat: Any = None  # set once the parser exists; asked for the position
        self.root: _Element | None = None
        self._open: list[_Element] = []

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        element = _Element(
            tag,
            dict(attributes),
            self.expat.CurrentLineNumber,
            self.expat.CurrentColumnNumber + 1,
        )
        if self._open:
            self._open[-1].children.append(element)
        else:
            self.root = element
        self._open.append(element)

    def end(self, tag: str) -> None:
        self._open.pop()

    def data(self, text: str) -> None:
        if self._open:
            self._open[-1].text.append(text)

    def close(self) -> _Element | None:
        return self.root


def parse_status_xml(content: bytes) -> list[Instruction]:
    """The instructions in a status XML file, in document order.

    Raises :class:`StatusFileError` when the file as a whole cannot be read.
    """
    root = _parse(content)
    if root.tag != ROOT:
        hint = " (without a namespace)" if root.tag.startswith("{") else ""
        raise StatusFileError(
            f"the root element is <{root.tag}>; status files start with <{ROOT}>{hint}",
            line=root.line,
            column=root.column,
        )
    if root.attributes:
        raise StatusFileError(
            f"<{ROOT}> takes no attributes (found {', '.join(sorted(root.attributes))})",
            line=root.line,
            column=root.column,
        )
    return [_instruction(number, element) for number, element in enumerate(root.children, 1)]


def _parse(content: bytes) -> _Element:
    builder = _Builder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=True)
    builder.expat = parser.parser
    try:
        parser.feed(content)
        root = parser.close()
    except DefusedXmlException:
        raise StatusFileError(
            "a document type declaration (<!DOCTYPE …>) is refused: status files may not "
            "declare entities or a DTD",
            line=parser.parser.CurrentLineNumber,
        ) from None
    except ParseError as bad:
        line, column = bad.position
        raise StatusFileError(
            f"the XML is malformed: {expat.ErrorString(bad.code)}", line=line, column=column + 1
        ) from None
    if not isinstance(root, _Element):
        raise StatusFileError("the file holds no XML element")
    return root


def _name(field_name: str) -> str:
    return _ATTRIBUTE_OF.get(field_name, field_name)


def _instruction(number: int, element: _Element) -> Instruction:
    values = element.attributes
    action = _ACTIONS.get(element.tag, element.tag)
    order_id = values.get("orderId", "").strip()
    connection = values.get("connection", "").strip() or None

    def failed(problem: str) -> Instruction:
        where = f"<{element.tag}> at line {element.line}"
        return Instruction(
            number, (number,), action, order_id, connection, problem=f"{problem} ({where})"
        )

    if element.tag not in _ACTIONS:
        return failed(
            f"unknown element <{element.tag}>: use shipment, cancellation, refund, "
            "returnAccept, returnReject or returnRefund"
        )
    unknown = sorted(set(values) - set(_ATTRIBUTES[element.tag]))
    if unknown:
        return failed(
            f"<{element.tag}> has no attribute {', '.join(unknown)}; it takes: "
            f"{', '.join(_ATTRIBUTES[element.tag])}"
        )
    text = "".join(element.text).strip()
    if text:
        return failed(f"<{element.tag}> holds text {text[:40]!r}: give values as attributes")
    lines: list[LineFields] = []
    for child in element.children:
        line_or_problem = _line(element.tag, child)
        if isinstance(line_or_problem, str):
            return failed(line_or_problem)
        lines.append(line_or_problem)
    fields = {
        _FIELDS[attribute]: value.strip()
        for attribute, value in values.items()
        if attribute not in ("orderId", "connection")
    }
    instruction = build_instruction(
        row=number,
        rows=(number,),
        action=action,
        order_id=order_id,
        connection=connection,
        fields=fields,
        lines=lines,
        name=_name,
    )
    if instruction.problem is not None:
        return failed(instruction.problem)
    return instruction


def _line(parent: str, child: _Element) -> LineFields | str:
    if child.tag != "line":
        return f"<{parent}> holds <{child.tag}> at line {child.line}; only <line> belongs there"
    unknown = sorted(set(child.attributes) - set(_LINE_ATTRIBUTES[parent]))
    if unknown:
        return (
            f"<line> at line {child.line} has no attribute {', '.join(unknown)}; in a "
            f"<{parent}> it takes: {', '.join(_LINE_ATTRIBUTES[parent])}"
        )
    if child.children or "".join(child.text).strip():
        return f"<line> at line {child.line} must be empty: give its values as attributes"
    values = {_FIELDS[key]: value.strip() for key, value in child.attributes.items()}
    return (f"<line> at line {child.line}", values)
