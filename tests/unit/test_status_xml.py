"""Reading status XML files: the three elements, their lines, and what is refused where."""

from __future__ import annotations

import re
import time
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
from orderbridge.services.status_sources.status_instructions import StatusFileError
from orderbridge.services.status_sources.status_xml import parse_status_xml

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE statusUpdates [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<statusUpdates><cancellation orderId="&lol9;" reason="general"/></statusUpdates>
"""


def _xml(body: str) -> bytes:
    declaration = '<?xml version="1.0" encoding="UTF-8"?>'
    return f"{declaration}\n<statusUpdates>\n{body}\n</statusUpdates>\n".encode()


def test_shipment_cancellation_and_refund_in_document_order() -> None:
    content = _xml(
        """  <shipment orderId="302-1" reference="PKG-1" carrier="DHL"
            trackingNumber="00340434161094042557" shippingMethod="Paket"
            shippedAt="2026-11-25T15:30:00+01:00">
    <line sku="MUG-RED" quantity="1"/>
    <line lineId="302-1-2" quantity="2"/>
  </shipment>
  <cancellation orderId="302-2" connection="amazon-fr" reason="out_of_stock" note="sold out"/>
  <refund orderId="302-3" reason="damaged">
    <line sku="MUG-RED" quantity="1" itemAmount="16.19" taxAmount="3.08"/>
  </refund>"""
    )
    shipment, cancellation, refund = parse_status_xml(content)
    assert (shipment.row, shipment.action, shipment.order_id) == (1, "ship", "302-1")
    assert shipment.request == ShipmentRequest(
        lines=(LineRequest(1, sku="MUG-RED"), LineRequest(2, line_id="302-1-2")),
        carrier="DHL",
        tracking_number="00340434161094042557",
        shipping_method="Paket",
        shipped_at=datetime(2026, 11, 25, 14, 30, tzinfo=UTC),
        reference="PKG-1",
    )
    assert (cancellation.row, cancellation.connection) == (2, "amazon-fr")
    assert cancellation.request == CancellationRequest(
        reason=CancelReason.OUT_OF_STOCK, note="sold out"
    )
    assert refund.row == 3
    assert refund.request == RefundRequest(
        reason=RefundReason.DAMAGED,
        lines=(
            RefundLineRequest(
                1, sku="MUG-RED", item_amount=Decimal("16.19"), tax_amount=Decimal("3.08")
            ),
        ),
    )


def test_elements_without_lines_mean_the_whole_order() -> None:
    content = _xml(
        '<shipment orderId="302-4"/><cancellation orderId="302-5" reason="general"/>'
        '<refund orderId="302-6" reason="customer_return"/>'
    )
    shipment, cancellation, refund = parse_status_xml(content)
    assert shipment.request == ShipmentRequest()
    assert cancellation.request == CancellationRequest(reason=CancelReason.GENERAL)
    assert refund.request == RefundRequest(reason=RefundReason.CUSTOMER_RETURN)


def test_an_empty_status_updates_holds_no_instructions() -> None:
    assert parse_status_xml(b"<statusUpdates/>") == []


@pytest.mark.parametrize(
    ("element", "problem"),
    [
        ('<shipmnt orderId="302-7"/>', "unknown element <shipmnt>: use shipment"),
        ('<shipment orderId="302-7" tracking="X"/>', "<shipment> has no attribute tracking"),
        ('<shipment orderId="302-7">TRACK-1</shipment>', "holds text 'TRACK-1'"),
        ('<shipment orderId="302-7"><item sku="A"/></shipment>', "only <line> belongs there"),
        ('<shipment orderId="302-7"><line sku="A"/></shipment>', "quantity is missing"),
        (
            '<shipment orderId="302-7"><line sku="A" quantity="1" itemAmount="2.00"/></shipment>',
            "<line> at line 3 has no attribute itemAmount",
        ),
        ('<shipment orderId="302-7" shippedAt="2026-11-25 10:00"/>', "shippedAt '2026-11-25"),
        ('<cancellation orderId="302-7"/>', "reason is required for cancel"),
        ('<refund orderId="302-7" reason="sorry"/>', "reason 'sorry' is not one of"),
        ('<shipment reference="PKG-1"/>', "orderId is empty"),
    ],
)
def test_a_wrong_element_fails_alone_and_names_its_line(element: str, problem: str) -> None:
    content = _xml(f'{element}\n<cancellation orderId="302-8" reason="general"/>')
    bad, good = parse_status_xml(content)
    assert bad.request is None
    assert bad.problem is not None and problem in bad.problem
    assert "at line 3)" in bad.problem
    assert good.request == CancellationRequest(reason=CancelReason.GENERAL)


def test_a_line_problem_names_the_line_element() -> None:
    content = _xml(
        '<refund orderId="302-9" reason="damaged">\n'
        '  <line sku="MUG-RED" quantity="1" itemAmount="16,19"/>\n'
        "</refund>"
    )
    (refund,) = parse_status_xml(content)
    assert refund.problem == (
        "<line> at line 4: itemAmount '16,19' is not an amount: write the decimals after a "
        "dot, e.g. 12.50 (<refund> at line 3)"
    )


def test_billion_laughs_is_refused_without_expanding() -> None:
    started = time.monotonic()
    with pytest.raises(StatusFileError) as refused:
        parse_status_xml(BILLION_LAUGHS)
    assert time.monotonic() - started < 1
    assert refused.value.line == 2
    assert "<!DOCTYPE" in refused.value.problem


def test_an_external_entity_is_refused() -> None:
    content = (
        b'<?xml version="1.0"?>\n<!DOCTYPE statusUpdates [<!ENTITY secret SYSTEM '
        b'"file:///etc/passwd">]>\n<statusUpdates><shipment orderId="&secret;"/></statusUpdates>'
    )
    with pytest.raises(StatusFileError, match="DTD"):
        parse_status_xml(content)


@pytest.mark.parametrize(
    ("content", "line", "column", "problem"),
    [
        (b"", 1, 1, "the XML is malformed: no element found"),
        (b"<statusUpdates>\n  <shipment orderId='1'>\n</statusUpdates>", 3, 3, "mismatched tag"),
        (b"<statusUpdates>\n<shipment orderId='302-\xe9'/>", 2, 24, "not well-formed"),
        (b"<?xml version='1.0'?>\n<orders/>", 2, 1, "the root element is <orders>"),
        (b'<statusUpdates xmlns="urn:oms"/>', 1, 1, "(without a namespace)"),
        (b'<statusUpdates version="2"/>', 1, 1, "<statusUpdates> takes no attributes"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_its_position(
    content: bytes, line: int, column: int, problem: str
) -> None:
    with pytest.raises(StatusFileError) as refused:
        parse_status_xml(content)
    assert (refused.value.line, refused.value.column) == (line, column)
    assert problem in refused.value.problem


def test_the_documented_example_reads_as_described() -> None:
    doc = Path(__file__).resolve().parents[2] / "docs" / "status-files.md"
    example, returns = re.findall(r"```xml\n(.*?)```", doc.read_text(encoding="utf-8"), re.DOTALL)
    instructions = parse_status_xml(example.encode())
    assert [(item.row, item.action, item.problem) for item in instructions] == [
        (1, "ship", None),
        (2, "ship", None),
        (3, "cancel", None),
        (4, "cancel", None),
        (5, "refund", None),
    ]
    assert instructions[1].connection == "amazon-fr"
    decisions = parse_status_xml(returns.encode())
    assert [(item.action, item.return_id, item.problem) for item in decisions] == [
        ("refund_return", "R-1", None),
        ("accept_return", "R-3", None),
    ]
