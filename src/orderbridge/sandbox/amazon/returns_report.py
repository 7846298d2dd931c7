"""The contents of the two returns reports: XML and tab-separated flat file.

Both list the merchant-fulfilled returns whose request date lies in the report's window, in
the report's marketplaces, oldest request first. The XML report has one `return_details`
per return (its `item_details` first, then the return's own fields, as Amazon's documents
do) inside an `AmazonEnvelope` with MessageType `Returns-Report`; the flat file has a header
row and one row per returned item, the return's fields repeated. Refund amounts are what
payment adjustment feeds gave back for the item; empty while nothing was refunded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from xml.etree.ElementTree import Element, SubElement, tostring

from orderbridge.sandbox.amazon.marketplaces import MARKETPLACES, format_minor
from orderbridge.sandbox.amazon.records import Item, Order
from orderbridge.sandbox.amazon.returns import CustomerReturn
from orderbridge.sandbox.amazon.store import OrderStore
from orderbridge.sandbox.amazon.views import iso

XML_REPORT = "GET_XML_RETURNS_DATA_BY_RETURN_DATE"
FLAT_FILE_REPORT = "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE"
CONTENT_TYPES = {
    XML_REPORT: "text/xml; charset=UTF-8",
    FLAT_FILE_REPORT: "text/tab-separated-values; charset=UTF-8",
}
# in the order Amazon's flat file lists them
FLAT_FILE_COLUMNS: tuple[str, ...] = (
    "Order ID", "Order date", "Return request date", "Return request status",
    "Amazon RMA ID", "Merchant RMA ID", "Label type", "Label cost", "Currency code",
    "Return carrier", "Tracking ID", "Label to be paid by", "A-to-Z Claim", "Is prime",
    "ASIN", "Merchant SKU", "Item Name", "Return quantity", "Return Reason", "In policy",
    "Return type", "Resolution", "Invoice number", "Return delivery date", "Order Amount",
    "Order quantity", "SafeT Action reason", "SafeT claim id", "SafeT claim state",
    "SafeT claim creation time", "SafeT claim reimbursement amount", "Refunded Amount",
)  # fmt: skip
# what a prepaid return label costs the seller, in US cents before the marketplace's factor
_PREPAID_LABEL_MINOR = 599


@dataclass(frozen=True)
class ReturnLine:
    """One returned item with everything either report shows about it and its return."""

    ret: CustomerReturn
    order: Order
    item: Item
    quantity: int
    reason: str


def returns_in_window(
    returns: Iterable[CustomerReturn],
    store: OrderStore,
    marketplace_ids: tuple[str, ...],
    start: float,
    end: float,
) -> list[CustomerReturn]:
    chosen = [
        r
        for r in returns
        if r.marketplace_id in marketplace_ids
        and start <= r.requested <= end
        and store.get(r.order_id) is not None
    ]
    # stable: returns requested at the same moment stay in the order they were made
    return sorted(chosen, key=lambda r: r.requested)


def _lines(ret: CustomerReturn, order: Order) -> list[ReturnLine]:
    items = {item.order_item_id: item for item in order.items}
    return [
        ReturnLine(ret, order, items[line.order_item_id], line.quantity, line.reason)
        for line in ret.items
    ]


def _yes_no(flag: bool) -> str:
    return "Y" if flag else "N"


def _money(order: Order, minor: int) -> str:
    return format_minor(minor, MARKETPLACES[order.marketplace_id].decimals)


def _label(ret: CustomerReturn, order: Order) -> tuple[str, str, str]:
    """(label type, label cost, who pays) for the return."""
    market = MARKETPLACES[order.marketplace_id]
    if not ret.seller_pays_label:
        return "AmazonUnPaidLabel", _money(order, 0), "Customer"
    cost = round(_PREPAID_LABEL_MINOR * market.price_factor)
    if market.decimals == 0:
        cost = cost // 100
    return "AmazonPrePaidLabel", _money(order, cost), "Seller"


def _refunded(order: Order, item: Item) -> str:
    given = [
        sum(r.components.values()) for r in order.refunds if r.order_item_id == item.order_item_id
    ]
    return _money(order, sum(given)) if given else ""


def _order_amount(order: Order) -> str:
    return _money(order, sum(item.item_total for item in order.items))


def flat_file(returns: list[CustomerReturn], store: OrderStore) -> bytes:
    rows = ["\t".join(FLAT_FILE_COLUMNS)]
    for ret in returns:
        order = store.get(ret.order_id)
        assert order is not None  # returns_in_window keeps only returns of stored orders
        label_type, label_cost, payer = _label(ret, order)
        for line in _lines(ret, order):
            values = (
                order.order_id, iso(order.created), iso(ret.requested), ret.status,
                ret.rma_id, "", label_type, label_cost,
                MARKETPLACES[order.marketplace_id].currency, "", "", payer,
                "N", _yes_no("PRIME" in order.programs),
                line.item.asin, line.item.sku, line.item.title, str(line.quantity),
                line.reason, _yes_no(ret.in_policy), "C-Returns", "StandardRefund", "", "",
                _order_amount(order), str(order.units_ordered), "", "", "", "", "",
                _refunded(order, line.item),
            )  # fmt: skip
            # tabs or newlines inside a title would split the row; Amazon writes spaces
            rows.append("\t".join(" ".join(v.split()) if v else v for v in values))
    return ("\n".join(rows) + "\n").encode()


def _text(parent: Element, tag: str, value: str) -> None:
    SubElement(parent, tag).text = value


def xml_report(returns: list[CustomerReturn], store: OrderStore) -> bytes:
    root = Element("AmazonEnvelope")
    header = SubElement(root, "Header")
    _text(header, "DocumentVersion", "1.00")
    _text(root, "MessageType", "Returns-Report")
    message = SubElement(root, "Message")
    for ret in returns:
        order = store.get(ret.order_id)
        assert order is not None  # returns_in_window keeps only returns of stored orders
        details = SubElement(message, "return_details")
        for line in _lines(ret, order):
            item = SubElement(details, "item_details")
            _text(item, "item_name", line.item.title)
            _text(item, "asin", line.item.asin)
            _text(item, "return_reason_code", line.reason)
            _text(item, "merchant_sku", line.item.sku)
            _text(item, "in_policy", _yes_no(ret.in_policy))
            _text(item, "return_quantity", str(line.quantity))
            _text(item, "resolution", "StandardRefund")
            refunded = _refunded(order, line.item)
            if refunded:
                _text(item, "refund_amount", refunded)
        label_type, label_cost, payer = _label(ret, order)
        _text(details, "order_id", order.order_id)
        _text(details, "order_date", iso(order.created))
        _text(details, "amazon_rma_id", ret.rma_id)
        _text(details, "return_request_date", iso(ret.requested))
        _text(details, "return_request_status", ret.status)
        _text(details, "a_to_z_claim", "false")
        _text(details, "is_prime", _yes_no("PRIME" in order.programs))
        label = SubElement(details, "label_details")
        _text(label, "currency_code", MARKETPLACES[order.marketplace_id].currency)
        _text(label, "label_cost", label_cost)
        _text(label, "label_type", label_type)
        _text(details, "label_to_be_paid_by", payer)
        _text(details, "return_type", "C-Returns")
        _text(details, "order_amount", _order_amount(order))
        _text(details, "order_quantity", str(order.units_ordered))
    body: bytes = tostring(root, encoding="UTF-8", xml_declaration=True)
    return body


def render(report_type: str, returns: list[CustomerReturn], store: OrderStore) -> bytes:
    if report_type == XML_REPORT:
        return xml_report(returns, store)
    return flat_file(returns, store)
