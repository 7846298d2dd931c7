"""Return decisions to eBay through the Post-Order API: approve, decline, refund.

* accept → ``POST /post-order/v2/return/{returnId}/decide`` ``{decision: APPROVE}``: the
  buyer may send the item back;
* reject → the same with ``DECLINE``, the decision's note as ``comments.content`` (eBay
  shows it to the buyer);
* refund → ``POST /post-order/v2/return/{returnId}/issue_refund``. eBay itemizes a
  return's refund by fee type (purchase price, original shipping), not by line, and a
  return holds one item: the decision's line amounts go as their total, as the purchase
  price. Only the total is known to orderbridge's decision, so no share is guessed for
  shipping.

eBay approves or declines a whole return, so a decision naming fewer units than the
return holds is refused here rather than widened.

Every attempt first reads the return's summary (``getReturn``, ``SUMMARY``). A return
already approved (on its way or back), declined, or refunded with the same total answers
``Applied(already=True)``: that is what makes a retry after a lost answer safe, and a
decision taken meanwhile in Seller Hub is not sent twice. A refund of another total is
refused with both amounts. Other states go to eBay, whose refusal names the rule.

Approve and decline are synchronous. A refund answered ``SUCCESS`` is applied; one still
``PENDING`` is submitted, and the return's summary is read again until it shows the
refund.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any

from orderbridge.domain.money import Money
from orderbridge.marketplaces.ebay.capabilities import (
    DECIDE_RETURN,
    GET_RETURN,
    ISSUE_RETURN_REFUND,
    RETURN_DECISIONS,
)
from orderbridge.marketplaces.ebay.client import EbayClient
from orderbridge.marketplaces.ebay.refusals import EbayRefusal
from orderbridge.marketplaces.ebay.return_mapper import (
    APPROVED_STATES,
    CLOSED,
    refunded,
    state_of,
)
from orderbridge.marketplaces.errors import PermanentError
from orderbridge.marketplaces.updates import (
    Applied,
    ReturnDecisionUpdate,
    Submitted,
    UpdateOutcome,
)

# The OMS's decision → eBay's seller decision (DecisionEnum); refund has its own call.
SELLER_DECISIONS: Mapping[str, str] = {"accept": "APPROVE", "reject": "DECLINE"}
REJECTED = "RETURN_REJECTED"
REFUND_FEE_TYPE = "PURCHASE_PRICE"
COMMENT_LIMIT = 1000  # eBay's comments are free text; kept well within a request
# eBay settles a return refund at once or within minutes; divided by rate_limit_scale.
FIRST_CHECK = timedelta(minutes=1)
RECHECK = timedelta(minutes=2)


def unsupported(decision: str) -> PermanentError:
    """The refusal of a decision eBay's API cannot carry; retrying cannot help."""
    return PermanentError(
        f"eBay cannot carry the return decision {decision!r}: only "
        + ", ".join(repr(name) for name in sorted(RETURN_DECISIONS))
        + " exist there (APPROVE, DECLINE, issue_refund)",
        operation=DECIDE_RETURN,
    )


class ReturnDecisions:
    """Sends return decisions and follows return refunds until eBay shows them."""

    def __init__(self, client: EbayClient, default_marketplace: str, scale: float) -> None:
        self._client = client
        self._marketplace = default_marketplace
        self._scale = scale

    async def push(self, update: ReturnDecisionUpdate, *, retry: bool) -> UpdateOutcome:
        # ``retry`` needs no branch of its own: every attempt looks at eBay first.
        if update.decision not in RETURN_DECISIONS:
            raise unsupported(update.decision)
        summary = await self._summary(update)
        _check_lines(update, summary)
        if update.decision == "refund":
            return await self._refund(update, summary)
        return await self._decide(update, summary)

    async def check(self, update: ReturnDecisionUpdate, handle: str) -> UpdateOutcome:
        if update.decision != "refund":
            raise PermanentError(
                f"ebay: a return {update.decision} is applied at once; there is nothing to check"
            )
        given = refunded(await self._summary(update))
        if given is not None and given > 0:
            return Applied(detail=f"eBay shows return {handle} refunded: {given}")
        return Submitted(handle, RECHECK / self._scale)

    async def _decide(
        self, update: ReturnDecisionUpdate, summary: Mapping[str, Any]
    ) -> UpdateOutcome:
        return_id = update.return_external_id
        state = state_of(summary)
        given = refunded(summary)
        if update.decision == "accept" and (
            state in APPROVED_STATES or (state == CLOSED and given is not None and given > 0)
        ):
            return Applied(already=True, detail=f"eBay shows return {return_id} {state}")
        if update.decision == "reject" and state == REJECTED:
            return Applied(already=True, detail=f"eBay shows return {return_id} {state}")
        decision = SELLER_DECISIONS[update.decision]
        body: dict[str, Any] = {"decision": decision}
        if update.note:
            body["comments"] = {"content": update.note[:COMMENT_LIMIT]}
        await self._client.decide_return(return_id, body, self._marketplace_of(update))
        return Applied(detail=f"eBay return {return_id}: {decision}")

    async def _refund(
        self, update: ReturnDecisionUpdate, summary: Mapping[str, Any]
    ) -> UpdateOutcome:
        return_id = update.return_external_id
        total = Money(
            sum((line.amount for line in update.lines), Decimal(0)), update.currency
        ).quantized()
        if total.amount <= 0:
            raise PermanentError(
                f"refund of return {return_id}: the decision gives back {total}; eBay needs "
                "more than nothing",
                operation=ISSUE_RETURN_REFUND,
            )
        given = refunded(summary)
        if given is not None and given > 0:
            if given == total.amount:
                return Applied(
                    already=True, detail=f"eBay shows return {return_id} refunded: {given}"
                )
            raise PermanentError(
                f"eBay shows return {return_id} refunded already with {given} "
                f"{update.currency}; the decision asks {total}",
                operation=ISSUE_RETURN_REFUND,
            )
        amount = {"value": str(total.amount), "currency": update.currency}
        body = {
            "refundDetail": {
                "itemizedRefundDetail": [
                    {"refundFeeType": REFUND_FEE_TYPE, "refundAmount": amount}
                ],
                "totalAmount": amount,
            },
            "comments": {
                "content": (update.note or f"orderbridge {update.reference}")[:COMMENT_LIMIT]
            },
        }
        answer = await self._client.refund_return(return_id, body, self._marketplace_of(update))
        status = answer.get("refundStatus")
        if status == "SUCCESS":
            return Applied(detail=f"eBay refunded return {return_id}: {total}")
        if status == "FAILED":
            raise PermanentError(
                f"eBay could not refund return {return_id} ({total}): refundStatus FAILED; "
                "check the seller's payment method in Seller Hub",
                operation=ISSUE_RETURN_REFUND,
                response_excerpt=str(answer)[:2000],
            )
        return Submitted(return_id, FIRST_CHECK / self._scale)

    async def _summary(self, update: ReturnDecisionUpdate) -> Mapping[str, Any]:
        return_id = update.return_external_id
        try:
            answer = await self._client.get_return(
                return_id, self._marketplace_of(update), summary=True
            )
        except EbayRefusal as exc:
            if exc.http_status != 404:
                raise
            raise PermanentError(
                f"eBay has no return {return_id} (404)",
                operation=GET_RETURN,
                http_status=404,
                response_excerpt=exc.response_excerpt,
                request=exc.request,
            ) from exc
        summary = answer.get("summary")
        if not isinstance(summary, Mapping):
            raise PermanentError(
                f"getReturn {return_id} answered without a summary",
                operation=GET_RETURN,
                response_excerpt=str(answer)[:2000],
            )
        return summary

    def _marketplace_of(self, update: ReturnDecisionUpdate) -> str:
        return update.marketplace_id or self._marketplace


def _check_lines(update: ReturnDecisionUpdate, summary: Mapping[str, Any]) -> None:
    """The decision's lines must be the return's item and, to decide, all of its units."""
    creation = summary.get("creationInfo")
    item = creation.get("item") if isinstance(creation, Mapping) else None
    item = item if isinstance(item, Mapping) else {}
    line_id, units = item.get("transactionId"), item.get("returnQuantity")
    where = f"eBay return {update.return_external_id}"
    for line in update.lines:
        if isinstance(line_id, str) and line.external_line_id != line_id:
            raise PermanentError(
                f"{where} holds line {line_id}, not {line.external_line_id}",
                operation=DECIDE_RETURN,
            )
    named = sum(line.quantity for line in update.lines)
    if update.decision != "refund" and update.lines and isinstance(units, int) and named != units:
        raise PermanentError(
            f"eBay approves or declines a whole return: {where} holds {units} unit(s), the "
            f"decision names {named}",
            operation=DECIDE_RETURN,
        )
