"""Safe parsing of an XML feed's `AmazonEnvelope` into its messages.

The envelope is `AmazonEnvelope/Header{DocumentVersion, MerchantIdentifier}/MessageType/
Message*{MessageID, OperationType?, <payload named after MessageType>}` (specs README §1;
the XSDs themselves are not saved). Parsing goes through defusedxml with DTDs, entities and
external references forbidden, so an entity-expansion or external-entity document is refused
instead of expanded.

Two levels of failure, as Amazon reports them: a document that is not well-formed XML, or
whose envelope is wrong (root, header, message type), makes the whole feed FATAL
(`EnvelopeError`); a broken message only fails that message (its `error`), and the others
are still processed.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError

from defusedxml import ElementTree as SafeElementTree
from defusedxml.common import DefusedXmlException

from orderbridge.sandbox.amazon.feed_results import INVALID_MESSAGE, MessageError
from orderbridge.sandbox.amazon.xml_fields import optional_text, positive_int

_ENVELOPE_CHILDREN = frozenset(
    {"Header", "MessageType", "PurgeAndReplace", "EffectiveDate", "Message"}
)
_OPERATION_TYPES = frozenset({"Update"})


class EnvelopeError(ValueError):
    """The document as a whole is unusable: the feed ends FATAL."""


@dataclass(frozen=True)
class FeedMessage:
    message_id: int
    payload: Element | None
    error: MessageError | None = None


@dataclass(frozen=True)
class Envelope:
    merchant_identifier: str
    message_type: str
    messages: tuple[FeedMessage, ...]


def parse_envelope(content: bytes, expected_type: str) -> Envelope:
    try:
        root = SafeElementTree.fromstring(
            content, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException as error:
        raise EnvelopeError(f"The document uses a forbidden XML construct ({error}).") from None
    except ParseError as error:
        raise EnvelopeError(f"The document is not well-formed XML: {error}.") from None
    if root.tag != "AmazonEnvelope":
        raise EnvelopeError(f"The root element is {root.tag}, not AmazonEnvelope.")
    unknown = sorted({child.tag for child in root} - _ENVELOPE_CHILDREN)
    if unknown:
        raise EnvelopeError(f"AmazonEnvelope has unexpected element(s) {', '.join(unknown)}.")
    header = root.find("Header")
    if header is None:
        raise EnvelopeError("AmazonEnvelope/Header is missing.")
    try:
        version = optional_text(header, "DocumentVersion", "Header")
        merchant = optional_text(header, "MerchantIdentifier", "Header")
        message_type = optional_text(root, "MessageType", "AmazonEnvelope")
    except MessageError as error:
        raise EnvelopeError(error.description) from None
    if version is None or merchant is None:
        raise EnvelopeError("Header needs DocumentVersion and MerchantIdentifier.")
    if message_type != expected_type:
        raise EnvelopeError(
            f"MessageType is {message_type!r}; this feed type takes {expected_type!r}."
        )
    elements = root.findall("Message")
    if not elements:
        raise EnvelopeError("The envelope holds no Message.")
    messages: list[FeedMessage] = []
    seen: set[int] = set()
    for element in elements:
        message = _message(element, expected_type)
        if message.error is None and message.message_id in seen:
            message = FeedMessage(
                message.message_id,
                None,
                MessageError(
                    INVALID_MESSAGE, f"MessageID {message.message_id} is used more than once."
                ),
            )
        seen.add(message.message_id)
        messages.append(message)
    return Envelope(merchant, message_type, tuple(messages))


def _message(element: Element, payload_name: str) -> FeedMessage:
    # a message whose MessageID cannot be read is reported under MessageID 0
    message_id = 0
    try:
        raw_id = optional_text(element, "MessageID", "Message")
        if raw_id is None:
            raise MessageError(INVALID_MESSAGE, "Message/MessageID is missing.")
        message_id = positive_int(raw_id, "Message/MessageID")
        unknown = sorted(
            {child.tag for child in element} - {"MessageID", "OperationType", payload_name}
        )
        if unknown:
            raise MessageError(
                INVALID_MESSAGE, f"Message has unexpected element(s) {', '.join(unknown)}."
            )
        operation = optional_text(element, "OperationType", "Message")
        if operation is not None and operation not in _OPERATION_TYPES:
            raise MessageError(
                INVALID_MESSAGE, f"OperationType {operation!r} does not apply to this feed."
            )
        payloads = element.findall(payload_name)
        if len(payloads) != 1:
            raise MessageError(
                INVALID_MESSAGE, f"A Message holds exactly one {payload_name} element."
            )
    except MessageError as error:
        return FeedMessage(message_id, None, error)
    return FeedMessage(message_id, payloads[0])
