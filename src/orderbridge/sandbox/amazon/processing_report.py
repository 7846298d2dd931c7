"""The feed processing report a finished feed's result document holds (XML).

`AmazonEnvelope/Header{DocumentVersion, MerchantIdentifier}/MessageType ProcessingReport/
Message{MessageID 1, ProcessingReport{DocumentTransactionID (the feedId), StatusCode
Complete, ProcessingSummary{MessagesProcessed, MessagesSuccessful, MessagesWithError,
MessagesWithWarning}, Result*{MessageID, ResultCode, ResultMessageCode, ResultDescription,
AdditionalInfo{AmazonOrderID}?}}}`, one Result per failed message. The layout is the one
Amazon's processing reports use (described in the specs README, not a saved schema); the
result codes are the simulator's (see `feed_results.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.etree.ElementTree import Element, SubElement, tostring

from orderbridge.sandbox.amazon.feed_results import MessageResult

REPORT_CONTENT_TYPE = "text/xml; charset=UTF-8"


def _add(parent: Element, tag: str, text: str | int) -> Element:
    child = SubElement(parent, tag)
    child.text = str(text)
    return child


def processing_report(
    feed_id: str, merchant_identifier: str, results: Sequence[MessageResult]
) -> bytes:
    envelope = Element(
        "AmazonEnvelope",
        {
            "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
            "xsi:noNamespaceSchemaLocation": "amzn-envelope.xsd",
        },
    )
    header = SubElement(envelope, "Header")
    _add(header, "DocumentVersion", "1.02")
    _add(header, "MerchantIdentifier", merchant_identifier)
    _add(envelope, "MessageType", "ProcessingReport")
    message = SubElement(envelope, "Message")
    _add(message, "MessageID", 1)
    report = SubElement(message, "ProcessingReport")
    _add(report, "DocumentTransactionID", feed_id)
    _add(report, "StatusCode", "Complete")
    failed = [result for result in results if not result.succeeded]
    summary = SubElement(report, "ProcessingSummary")
    _add(summary, "MessagesProcessed", len(results))
    _add(summary, "MessagesSuccessful", len(results) - len(failed))
    _add(summary, "MessagesWithError", len(failed))
    _add(summary, "MessagesWithWarning", 0)
    for result in failed:
        entry = SubElement(report, "Result")
        _add(entry, "MessageID", result.message_id)
        _add(entry, "ResultCode", "Error")
        _add(entry, "ResultMessageCode", result.code or 0)
        _add(entry, "ResultDescription", result.description)
        if result.order_id:
            info = SubElement(entry, "AdditionalInfo")
            _add(info, "AmazonOrderID", result.order_id)
    body: bytes = tostring(envelope, encoding="utf-8", xml_declaration=True)
    return body
