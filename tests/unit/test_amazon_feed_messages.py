"""Amazon's order feed XML: the documents orderbridge sends and the reports it reads."""

from __future__ import annotations

from decimal import Decimal
from xml.etree import ElementTree

import defusedxml.ElementTree as SafeElementTree
import pytest

from orderbridge.domain.fulfilment import CancelReason, RefundReason
from orderbridge.marketplaces.amazon.feed_messages import (
    adjustment_document,
    cancellation_document,
    format_amount,
    parse_processing_report,
)
from orderbridge.marketplaces.amazon.feed_results import FeedRejected, outcome_of
from orderbridge.marketplaces.errors import ErrorClass, PermanentError, TransientError
from orderbridge.marketplaces.updates import (
    Applied,
    CancellationUpdate,
    RefundLine,
    RefundUpdate,
    UpdateLine,
)

ORDER = "114-1234567-7654321"


def cancellation(
    *, whole: bool = False, lines: tuple[str, ...] = ("11111", "22222")
) -> CancellationUpdate:
    return CancellationUpdate(
        reference="orderbridge-cancel-7",
        order_external_id=ORDER,
        marketplace_id="ATVPDKIKX0DER",
        reason=CancelReason.OUT_OF_STOCK,
        whole_order=whole,
        lines=tuple(UpdateLine(line, 1) for line in lines),
    )


def refund(*lines: RefundLine) -> RefundUpdate:
    return RefundUpdate(
        reference="orderbridge-refund-3",
        order_external_id=ORDER,
        marketplace_id=None,
        currency="EUR",
        reason=RefundReason.CUSTOMER_RETURN,
        lines=lines
        or (
            RefundLine(
                "11111", 1, item=Decimal("19.99"), shipping=Decimal("4.5"), tax=Decimal("3.8")
            ),
        ),
    )


def parse(document: bytes) -> ElementTree.Element:
    assert document.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    root: ElementTree.Element = SafeElementTree.fromstring(document)
    return root


def children(element: ElementTree.Element) -> list[str]:
    return [child.tag for child in element]


def test_line_cancellation_is_a_failed_acknowledgement_with_one_item_per_line() -> None:
    root = parse(cancellation_document(cancellation(), "A2MERCHANT"))
    assert root.tag == "AmazonEnvelope"
    assert children(root) == ["Header", "MessageType", "Message"]
    assert root.findtext("Header/DocumentVersion") == "1.01"
    assert root.findtext("Header/MerchantIdentifier") == "A2MERCHANT"
    assert root.findtext("MessageType") == "OrderAcknowledgement"
    message = root.find("Message")
    assert message is not None
    assert message.findtext("MessageID") == "1"
    ack = message.find("OrderAcknowledgement")
    assert ack is not None
    assert children(ack) == ["AmazonOrderID", "StatusCode", "Item", "Item"]
    assert ack.findtext("AmazonOrderID") == ORDER
    assert ack.findtext("StatusCode") == "Failure"
    items = [
        (item.findtext("AmazonOrderItemCode"), item.findtext("CancelReason"))
        for item in ack.findall("Item")
    ]
    assert items == [("11111", "NoInventory"), ("22222", "NoInventory")]


def test_whole_order_cancellation_names_no_item() -> None:
    root = parse(cancellation_document(cancellation(whole=True), "A2MERCHANT"))
    ack = root.find("Message/OrderAcknowledgement")
    assert ack is not None
    assert children(ack) == ["AmazonOrderID", "StatusCode"]


def test_a_line_named_twice_is_cancelled_once() -> None:
    root = parse(cancellation_document(cancellation(lines=("11111", "11111")), "M"))
    assert len(root.findall("Message/OrderAcknowledgement/Item")) == 1


def test_cancellation_without_lines_is_refused() -> None:
    with pytest.raises(PermanentError, match="nothing to send"):
        cancellation_document(cancellation(lines=()), "M")


def test_text_is_escaped() -> None:
    root = parse(cancellation_document(cancellation(), 'A&B <"shop">'))
    assert root.findtext("Header/MerchantIdentifier") == 'A&B <"shop">'


def test_refund_adjusts_each_line_with_principal_shipping_and_tax() -> None:
    update = refund(
        RefundLine("11111", 1, item=Decimal("19.99"), shipping=Decimal("4.5"), tax=Decimal("3.8")),
        RefundLine("22222", 2, item=Decimal("10"), shipping=Decimal("0"), tax=Decimal("1.90")),
    )
    root = parse(adjustment_document(update, "A2MERCHANT"))
    assert root.findtext("MessageType") == "OrderAdjustment"
    adjustment = root.find("Message/OrderAdjustment")
    assert adjustment is not None
    assert adjustment.findtext("AmazonOrderID") == ORDER
    items = adjustment.findall("AdjustedItem")
    assert [item.findtext("MerchantAdjustmentItemID") for item in items] == [
        "orderbridge-refund-3-1",
        "orderbridge-refund-3-2",
    ]
    first = items[0]
    assert children(first) == [
        "AmazonOrderItemCode",
        "MerchantAdjustmentItemID",
        "AdjustmentReason",
        "ItemPriceAdjustments",
    ]
    assert first.findtext("AmazonOrderItemCode") == "11111"
    assert first.findtext("AdjustmentReason") == "CustomerReturn"
    components = [
        (c.findtext("Type"), c.findtext("Amount"), c.find("Amount").get("currency"))  # type: ignore[union-attr]
        for c in first.findall("ItemPriceAdjustments/Component")
    ]
    assert components == [
        ("Principal", "19.99", "EUR"),
        ("Shipping", "4.50", "EUR"),
        ("Tax", "3.80", "EUR"),
    ]
    second = [
        (c.findtext("Type"), c.findtext("Amount"))
        for c in items[1].findall("ItemPriceAdjustments/Component")
    ]
    assert second == [("Principal", "10.00"), ("Tax", "1.90")]  # no zero shipping


def test_refund_document_is_the_same_on_every_attempt() -> None:
    assert adjustment_document(refund(), "M") == adjustment_document(refund(), "M")


def test_refund_line_that_gives_nothing_back_is_refused() -> None:
    zero = RefundLine("11111", 1, item=Decimal("0"), shipping=Decimal("0.00"), tax=Decimal("0"))
    with pytest.raises(PermanentError, match="refunds nothing"):
        adjustment_document(refund(zero), "M")


@pytest.mark.parametrize(
    ("amount", "text"),
    [(Decimal("1.5"), "1.50"), (Decimal("20"), "20.00"), (Decimal("0.10"), "0.10"),
     (Decimal("1234567.89"), "1234567.89"), (Decimal("3.000"), "3.00")],
)  # fmt: skip
def test_amounts_have_exactly_two_decimals(amount: Decimal, text: str) -> None:
    assert format_amount(amount, "x") == text


@pytest.mark.parametrize(
    ("amount", "problem"),
    [
        (Decimal("1.005"), "more than two decimals"),
        (Decimal("-2.00"), "negative"),
        (Decimal("NaN"), "not a number"),
    ],
)
def test_amounts_that_would_change_are_refused(amount: Decimal, problem: str) -> None:
    with pytest.raises(PermanentError, match=problem):
        format_amount(amount, "line 1 principal")


def report(results: str = "", *, errors: int = 0, warnings: int = 0, processed: int = 1) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <Header><DocumentVersion>1.02</DocumentVersion><MerchantIdentifier>M</MerchantIdentifier></Header>
  <MessageType>ProcessingReport</MessageType>
  <Message>
    <MessageID>1</MessageID>
    <ProcessingReport>
      <DocumentTransactionID>50001</DocumentTransactionID>
      <StatusCode>Complete</StatusCode>
      <ProcessingSummary>
        <MessagesProcessed>{processed}</MessagesProcessed>
        <MessagesSuccessful>{processed - errors}</MessagesSuccessful>
        <MessagesWithError>{errors}</MessagesWithError>
        <MessagesWithWarning>{warnings}</MessagesWithWarning>
      </ProcessingSummary>
      {results}
    </ProcessingReport>
  </Message>
</AmazonEnvelope>""".encode()


def result(kind: str, code: str, description: str) -> str:
    return f"""<Result>
        <MessageID>1</MessageID>
        <ResultCode>{kind}</ResultCode>
        <ResultMessageCode>{code}</ResultMessageCode>
        <ResultDescription>{description}</ResultDescription>
        <AdditionalInfo><AmazonOrderID>{ORDER}</AmazonOrderID></AdditionalInfo>
      </Result>"""


def test_processing_report_is_read_field_by_field() -> None:
    parsed = parse_processing_report(
        report(result("Error", "18029", "Item 11111 has shipped and cannot be cancelled"), errors=1)
    )
    assert parsed.status_code == "Complete"
    assert (parsed.messages_processed, parsed.messages_successful) == (1, 0)
    assert parsed.messages_with_error == 1
    [only] = parsed.results
    assert only.message_id == "1"
    assert only.is_error
    assert only.message_code == "18029"
    assert only.description == "Item 11111 has shipped and cannot be cancelled"
    assert only.order_id == ORDER


def test_a_namespaced_report_reads_the_same() -> None:
    namespaced = report(result("Warning", "5001", "noted"), warnings=1).replace(
        b"<AmazonEnvelope ", b'<AmazonEnvelope xmlns="urn:example:amazon" '
    )
    [only] = parse_processing_report(namespaced).results
    assert (only.result_code, only.message_code) == ("Warning", "5001")


def test_clean_report_means_applied() -> None:
    assert outcome_of(parse_processing_report(report()), feed_id="F1", operation="op") == Applied()


def test_warnings_alone_still_apply_and_are_kept_as_detail() -> None:
    outcome = outcome_of(
        parse_processing_report(report(result("Warning", "5001", "reason defaulted"), warnings=1)),
        feed_id="F1",
        operation="op",
    )
    assert outcome.already is False
    assert outcome.detail is not None and "reason defaulted" in outcome.detail


@pytest.mark.parametrize("code", ["18028", "18030"])
def test_done_before_codes_mean_already_applied(code: str) -> None:
    outcome = outcome_of(
        parse_processing_report(report(result("Error", code, "done before"), errors=1)),
        feed_id="F1",
        operation="op",
    )
    assert outcome == Applied(already=True, detail="feed F1: Error " + code + ": done before")


def test_any_other_error_is_a_refusal_in_amazons_words() -> None:
    parsed = parse_processing_report(
        report(
            result("Error", "18028", "already cancelled")
            + result("Error", "18029", "Item 22222 has shipped"),
            errors=1,
        )
    )
    with pytest.raises(FeedRejected) as caught:
        outcome_of(parsed, feed_id="50001", operation="POST_ORDER_ACKNOWLEDGEMENT_DATA")
    error = caught.value
    assert error.message == "Item 22222 has shipped"
    assert error.error_class is ErrorClass.PERMANENT
    attributes = error.attributes()
    assert attributes["result_code"] == "18029"
    assert attributes["feed_id"] == "50001"
    assert attributes["operation"] == "POST_ORDER_ACKNOWLEDGEMENT_DATA"


def test_an_error_count_without_a_named_error_is_not_taken_for_success() -> None:
    with pytest.raises(FeedRejected, match="names no error"):
        outcome_of(parse_processing_report(report(errors=1)), feed_id="F1", operation="op")


def test_a_report_that_processed_nothing_is_not_success() -> None:
    with pytest.raises(FeedRejected, match="processed no message"):
        outcome_of(parse_processing_report(report(processed=0)), feed_id="F1", operation="op")


def test_a_cut_report_is_worth_another_download() -> None:
    with pytest.raises(TransientError, match="not well-formed"):
        parse_processing_report(report()[:200])


def test_a_report_with_entities_is_refused() -> None:
    bomb = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>
<AmazonEnvelope><Message><ProcessingReport><StatusCode>&b;</StatusCode></ProcessingReport>
</Message></AmazonEnvelope>"""
    with pytest.raises(PermanentError, match="forbidden XML"):
        parse_processing_report(bomb)


def test_a_document_without_processing_report_is_refused() -> None:
    with pytest.raises(PermanentError, match="no ProcessingReport"):
        parse_processing_report(b"<AmazonEnvelope><Message/></AmazonEnvelope>")
