"""The XML of Amazon's order feeds, both ways: the documents we send and the report we get.

Pure: no I/O. Each feed carries one ``Message`` (MessageID 1) about one order, so a
processing report speaks only of that message. Building uses the standard library's
ElementTree (it escapes every text and attribute); reading uses defusedxml, because a
report is downloaded from a URL and must not be able to expand entities or fetch
anything.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element, SubElement, tostring

import defusedxml.ElementTree as SafeElementTree
from defusedxml import DefusedXmlException

from orderbridge.marketplaces.amazon.reasons import CANCEL_REASONS, REFUND_REASONS
from orderbridge.marketplaces.errors import PermanentError, TransientError
from orderbridge.marketplaces.updates import CancellationUpdate, RefundUpdate

FEED_CONTENT_TYPE = "text/xml; charset=UTF-8"
ORDER_ACKNOWLEDGEMENT_FEED = "POST_ORDER_ACKNOWLEDGEMENT_DATA"
PAYMENT_ADJUSTMENT_FEED = "POST_PAYMENT_ADJUSTMENT_DATA"
DOCUMENT_VERSION = "1.01"
MESSAGE_ID = "1"
# A failed acknowledgement is how a seller cancels an order or some of its items.
CANCEL_STATUS_CODE = "Failure"
_CENTS = Decimal("0.01")


def cancellation_document(update: CancellationUpdate, merchant_id: str) -> bytes:
    """An ``OrderAcknowledgement`` feed that cancels the update's items, or the order.

    A whole-order cancel names no item: Amazon then cancels every item still open.
    """
    if not update.whole_order and not update.lines:
        raise PermanentError(
            f"cancellation {update.reference} of order {update.order_external_id} names no "
            "line and is not a whole-order cancel: there is nothing to send"
        )
    envelope, message = _envelope(merchant_id, "OrderAcknowledgement")
    acknowledgement = SubElement(message, "OrderAcknowledgement")
    _text(acknowledgement, "AmazonOrderID", update.order_external_id)
    _text(acknowledgement, "StatusCode", CANCEL_STATUS_CODE)
    if not update.whole_order:
        reason = CANCEL_REASONS[update.reason]
        # An acknowledgement cancels whole items; the quantity is not part of it.
        for line_id in _unique(line.external_line_id for line in update.lines):
            item = SubElement(acknowledgement, "Item")
            _text(item, "AmazonOrderItemCode", line_id)
            _text(item, "CancelReason", reason)
    return _serialise(envelope)


def adjustment_document(update: RefundUpdate, merchant_id: str) -> bytes:
    """An ``OrderAdjustment`` feed refunding each line's item, shipping and tax amounts.

    Each amount is a ``Component`` (Principal, Shipping, Tax); zero amounts are left out.
    Each adjusted item carries ``MerchantAdjustmentItemID`` = reference-n (n counts the
    lines from 1), the same on every attempt, so Amazon refuses a second refund of it.
    """
    if not update.lines:
        raise PermanentError(
            f"refund {update.reference} of order {update.order_external_id} has no line"
        )
    envelope, message = _envelope(merchant_id, "OrderAdjustment")
    adjustment = SubElement(message, "OrderAdjustment")
    _text(adjustment, "AmazonOrderID", update.order_external_id)
    reason = REFUND_REASONS[update.reason]
    for number, line in enumerate(update.lines, start=1):
        components = [
            (kind, format_amount(amount, f"line {line.external_line_id} {kind.lower()}"))
            for kind, amount in (
                ("Principal", line.item),
                ("Shipping", line.shipping),
                ("Tax", line.tax),
            )
        ]
        # A zero component says nothing; Amazon checks each one sent against what was paid.
        components = [(kind, amount) for kind, amount in components if Decimal(amount) != 0]
        if not components:
            raise PermanentError(
                f"refund {update.reference}: line {line.external_line_id} refunds nothing"
            )
        item = SubElement(adjustment, "AdjustedItem")
        _text(item, "AmazonOrderItemCode", line.external_line_id)
        _text(item, "MerchantAdjustmentItemID", f"{update.reference}-{number}")
        _text(item, "AdjustmentReason", reason)
        prices = SubElement(item, "ItemPriceAdjustments")
        for kind, amount in components:
            component = SubElement(prices, "Component")
            _text(component, "Type", kind)
            _text(component, "Amount", amount).set("currency", update.currency)
    return _serialise(envelope)


def format_amount(amount: Decimal, what: str) -> str:
    """A refund amount with exactly two decimals; anything that would round is refused."""
    if not amount.is_finite():
        raise PermanentError(f"refund amount for {what} ({amount}) is not a number")
    try:
        exact = amount.quantize(_CENTS)
    except InvalidOperation:
        raise PermanentError(f"refund amount for {what} ({amount}) is too large") from None
    if exact != amount:
        raise PermanentError(
            f"refund amount for {what} {amount} has more than two decimals; Amazon takes cents"
        )
    if exact < 0:
        raise PermanentError(
            f"refund amount for {what} is negative ({exact}); send what is given back"
        )
    return f"{exact:.2f}"


@dataclass(frozen=True, slots=True)
class FeedResult:
    """One ``Result`` of a processing report."""

    message_id: str | None
    result_code: str  # "Error" or "Warning"
    message_code: str | None  # Amazon's numeric ResultMessageCode
    description: str
    order_id: str | None

    @property
    def is_error(self) -> bool:
        return self.result_code.lower() == "error"


@dataclass(frozen=True, slots=True)
class ProcessingReport:
    status_code: str | None
    messages_processed: int | None
    messages_successful: int | None
    messages_with_error: int | None
    messages_with_warning: int | None
    results: tuple[FeedResult, ...]


def parse_processing_report(content: bytes) -> ProcessingReport:
    """Read the ``ProcessingReport`` of a finished feed's result document."""
    try:
        root = SafeElementTree.fromstring(content)
    except DefusedXmlException as exc:
        raise PermanentError(
            f"Amazon's processing report uses forbidden XML ({type(exc).__name__})"
        ) from None
    except SafeElementTree.ParseError as exc:
        # A cut download is the likely cause; fetching the document again may cure it.
        raise TransientError(f"Amazon's processing report is not well-formed XML: {exc}") from None
    report = _first(root, "ProcessingReport")
    if report is None:
        raise PermanentError("Amazon's feed result document holds no ProcessingReport")
    summary = _first(report, "ProcessingSummary")
    return ProcessingReport(
        status_code=_child_text(report, "StatusCode"),
        messages_processed=_count(summary, "MessagesProcessed"),
        messages_successful=_count(summary, "MessagesSuccessful"),
        messages_with_error=_count(summary, "MessagesWithError"),
        messages_with_warning=_count(summary, "MessagesWithWarning"),
        results=tuple(_result(element) for element in _children(report, "Result")),
    )


def _envelope(merchant_id: str, message_type: str) -> tuple[Element, Element]:
    envelope = Element("AmazonEnvelope")
    envelope.set("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance")
    envelope.set("xsi:noNamespaceSchemaLocation", "amzn-envelope.xsd")
    header = SubElement(envelope, "Header")
    _text(header, "DocumentVersion", DOCUMENT_VERSION)
    _text(header, "MerchantIdentifier", merchant_id)
    _text(envelope, "MessageType", message_type)
    message = SubElement(envelope, "Message")
    _text(message, "MessageID", MESSAGE_ID)
    return envelope, message


def _text(parent: Element, tag: str, value: str) -> Element:
    element = SubElement(parent, tag)
    element.text = value
    return element


def _serialise(envelope: Element) -> bytes:
    return tostring(envelope, encoding="UTF-8", xml_declaration=True)


def _unique(values: Iterator[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _local(tag: object) -> str:
    # Reports may come with a default namespace; the names are what identify fields.
    text = tag if isinstance(tag, str) else ""
    return text.rsplit("}", 1)[-1]


def _children(parent: Element, name: str) -> Iterator[Element]:
    return (child for child in parent if _local(child.tag) == name)


def _first(parent: Element, name: str) -> Element | None:
    if _local(parent.tag) == name:
        return parent
    return next((child for child in parent.iter() if _local(child.tag) == name), None)


def _child_text(parent: Element | None, name: str) -> str | None:
    if parent is None:
        return None
    child = next(_children(parent, name), None)
    if child is None or child.text is None:
        return None
    return child.text.strip() or None


def _count(parent: Element | None, name: str) -> int | None:
    text = _child_text(parent, name)
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        raise PermanentError(f"processing report: {name} {text!r} is not a number") from None


def _result(element: Element) -> FeedResult:
    info = next(_children(element, "AdditionalInfo"), None)
    return FeedResult(
        message_id=_child_text(element, "MessageID"),
        result_code=_child_text(element, "ResultCode") or "Error",
        message_code=_child_text(element, "ResultMessageCode"),
        description=_child_text(element, "ResultDescription") or "(no description)",
        order_id=_child_text(info, "AmazonOrderID"),
    )
