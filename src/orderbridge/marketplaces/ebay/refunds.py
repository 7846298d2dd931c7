"""Refunds: ``issueRefund`` per refund, then its status from the order's payment summary.

eBay processes a refund asynchronously: ``issueRefund`` answers ``{refundId, refundStatus:
PENDING}``, so the connector answers ``Submitted(refundId)`` and later reads
``paymentSummary.refunds`` of the order until the refund is ``REFUNDED`` or ``FAILED``.

A refund names the amount of each line: item, shipping and tax, except for tax eBay
collected itself (US sales tax, VAT on imports), which eBay gives back on its own; a
line whose tax eBay collected is refunded item and shipping only.

eBay keeps no reference of ours on a refund. Before the first call the order's existing
refund ids are noted (in this process), so a retry after a lost answer can tell its own
refund from earlier ones: a new refund with the same amounts on the same lines is ours.
Without that note (the process restarted in between) any refund with those amounts counts.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any

from orderbridge.domain.money import Money
from orderbridge.marketplaces.ebay.capabilities import ISSUE_REFUND
from orderbridge.marketplaces.ebay.client import EbayClient
from orderbridge.marketplaces.ebay.reasons import REFUND_REASONS
from orderbridge.marketplaces.ebay.refusals import EbayRefusal
from orderbridge.marketplaces.errors import PermanentError, TransientError
from orderbridge.marketplaces.updates import Applied, RefundUpdate, Submitted, UpdateOutcome

ALREADY_REFUNDED = 34917
PREVIOUS_REFUND_PROCESSING = 34922
# eBay settles most refunds within minutes; divided by rate_limit_scale for sandboxes.
FIRST_CHECK = timedelta(minutes=1)
RECHECK = timedelta(minutes=2)
_REMEMBERED = 1000


def refund_request(update: RefundUpdate, order: Mapping[str, Any]) -> dict[str, Any]:
    """The ``IssueRefundRequest`` body, or a PermanentError saying why there is none."""
    where = f"refund {update.reference} of order {update.order_external_id}"
    lines = _order_lines(order)
    amounts: dict[str, Decimal] = {}
    for line in update.lines:
        item = lines.get(line.external_line_id)
        if item is None:
            raise PermanentError(
                f"{where}: eBay's order has no line {line.external_line_id}",
                operation=ISSUE_REFUND,
            )
        total = line.item + line.shipping
        if not item.get("ebayCollectAndRemitTaxes"):
            total += line.tax
        amounts[line.external_line_id] = amounts.get(line.external_line_id, Decimal(0)) + total
    refund_items = []
    for line_id, total in amounts.items():
        value = Money(total, update.currency).quantized().amount
        if value > 0:
            refund_items.append(
                {
                    "lineItemId": line_id,
                    "refundAmount": {"value": str(value), "currency": update.currency},
                }
            )
    if not refund_items:
        raise PermanentError(
            f"{where}: nothing to give back through eBay (only tax eBay refunds itself)",
            operation=ISSUE_REFUND,
        )
    return {
        "reasonForRefund": REFUND_REASONS[update.reason],
        # Shown to the seller in Seller Hub; eBay allows 100 characters.
        "comment": f"orderbridge {update.reference}"[:100],
        "refundItems": refund_items,
    }


def refund_status(order: Mapping[str, Any], refund_id: str) -> str | None:
    """``REFUNDED``, ``PENDING`` or ``FAILED`` for ``refund_id``; None when eBay shows
    no such refund (yet)."""
    for refund in _payment_refunds(order):
        if refund.get("refundId") == refund_id:
            status = refund.get("refundStatus")
            return status if isinstance(status, str) else None
    # A line refund that eBay has dated is issued even where the summary lags behind.
    for refund_ids, dated in _line_refunds(order).values():
        if refund_id in refund_ids:
            return "REFUNDED" if dated.get(refund_id) else "PENDING"
    return None


def matching_refunds(
    order: Mapping[str, Any], body: Mapping[str, Any], before: frozenset[str] | None
) -> list[str]:
    """Refund ids with exactly the line amounts of ``body``, not among ``before``."""
    wanted = {
        entry["lineItemId"]: Decimal(entry["refundAmount"]["value"])
        for entry in body["refundItems"]
    }
    per_refund: dict[str, dict[str, Decimal]] = {}
    for line_id, (refund_ids, _) in _line_refunds(order).items():
        for refund_id, amount in refund_ids.items():
            per_refund.setdefault(refund_id, {})[line_id] = amount
    return [
        refund_id
        for refund_id, amounts in per_refund.items()
        if amounts == wanted and (before is None or refund_id not in before)
    ]


class Refunds:
    """Issues refunds and follows them until eBay settles them."""

    def __init__(self, client: EbayClient, scale: float) -> None:
        self._client = client
        self._scale = scale
        self._before: OrderedDict[str, frozenset[str]] = OrderedDict()

    async def refund(self, update: RefundUpdate, *, retry: bool) -> UpdateOutcome:
        order = await self._client.get_order(update.order_external_id)
        body = refund_request(update, order)
        before = self._before.get(update.reference)
        if retry:
            found = self._earlier(order, body, update, before)
            if found is not None:
                return found
        if before is None:
            self._remember(update.reference, frozenset(_all_refund_ids(order)))
        try:
            answer = await self._client.issue_refund(update.order_external_id, body)
        except EbayRefusal as exc:
            if ALREADY_REFUNDED in exc.error_ids:
                self._before.pop(update.reference, None)
                return Applied(
                    already=True,
                    detail=f"eBay says order {update.order_external_id} is refunded already",
                )
            if PREVIOUS_REFUND_PROCESSING in exc.error_ids:
                raise TransientError(
                    f"eBay is still processing an earlier refund of order "
                    f"{update.order_external_id}; this one is sent once that settles",
                    operation=ISSUE_REFUND,
                    http_status=exc.http_status,
                    response_excerpt=exc.response_excerpt,
                ) from exc
            raise
        refund_id = answer.get("refundId")
        if answer.get("refundStatus") == "FAILED" or not isinstance(refund_id, str):
            raise PermanentError(
                f"eBay did not accept refund {update.reference} of order "
                f"{update.order_external_id} (refundStatus {answer.get('refundStatus')!r})",
                operation=ISSUE_REFUND,
            )
        return Submitted(handle=refund_id, check_after=FIRST_CHECK / self._scale)

    async def check(self, update: RefundUpdate, refund_id: str) -> UpdateOutcome:
        order = await self._client.get_order(update.order_external_id)
        status = refund_status(order, refund_id)
        if status == "REFUNDED":
            self._before.pop(update.reference, None)
            return Applied(detail=refund_id)
        if status == "FAILED":
            self._before.pop(update.reference, None)
            raise PermanentError(
                f"eBay could not complete refund {refund_id} of order "
                f"{update.order_external_id} (refundStatus FAILED): resolve the seller's "
                "payment method in Seller Hub, then send the refund again",
                operation=ISSUE_REFUND,
            )
        return Submitted(handle=refund_id, check_after=RECHECK / self._scale)

    def _earlier(
        self,
        order: Mapping[str, Any],
        body: Mapping[str, Any],
        update: RefundUpdate,
        before: frozenset[str] | None,
    ) -> UpdateOutcome | None:
        for refund_id in matching_refunds(order, body, before):
            status = refund_status(order, refund_id)
            if status == "REFUNDED":
                return Applied(
                    already=True,
                    detail=f"eBay holds refund {refund_id} of order {update.order_external_id}",
                )
            if status == "PENDING" or status is None:
                return Submitted(handle=refund_id, check_after=RECHECK / self._scale)
            if before is not None:
                # This attempt's own refund ended FAILED: that is eBay's answer.
                raise PermanentError(
                    f"eBay could not complete refund {refund_id} of order "
                    f"{update.order_external_id} (refundStatus FAILED)",
                    operation=ISSUE_REFUND,
                )
        return None

    def _remember(self, reference: str, refund_ids: frozenset[str]) -> None:
        self._before[reference] = refund_ids
        while len(self._before) > _REMEMBERED:
            self._before.popitem(last=False)


def _order_lines(order: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    items = order.get("lineItems")
    return {
        item["lineItemId"]: item
        for item in (items if isinstance(items, list) else [])
        if isinstance(item, Mapping) and isinstance(item.get("lineItemId"), str)
    }


def _payment_refunds(order: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    summary = order.get("paymentSummary")
    refunds = summary.get("refunds") if isinstance(summary, Mapping) else None
    return [r for r in (refunds if isinstance(refunds, list) else []) if isinstance(r, Mapping)]


def _line_refunds(
    order: Mapping[str, Any],
) -> dict[str, tuple[dict[str, Decimal], dict[str, bool]]]:
    """Per line id: each refund id's amount on that line, and whether eBay dated it."""
    found: dict[str, tuple[dict[str, Decimal], dict[str, bool]]] = {}
    for line_id, item in _order_lines(order).items():
        refunds = item.get("refunds")
        amounts: dict[str, Decimal] = {}
        dated: dict[str, bool] = {}
        for refund in refunds if isinstance(refunds, list) else []:
            if not isinstance(refund, Mapping) or not isinstance(refund.get("refundId"), str):
                continue
            amount = refund.get("amount")
            value = amount.get("value") if isinstance(amount, Mapping) else None
            try:
                number = Decimal(str(value))
            except ArithmeticError:
                continue
            refund_id = refund["refundId"]
            amounts[refund_id] = amounts.get(refund_id, Decimal(0)) + number
            dated[refund_id] = bool(refund.get("refundDate"))
        found[line_id] = (amounts, dated)
    return found


def _all_refund_ids(order: Mapping[str, Any]) -> set[str]:
    ids = {str(r["refundId"]) for r in _payment_refunds(order) if r.get("refundId")}
    for amounts, _ in _line_refunds(order).values():
        ids.update(amounts)
    return ids
