"""Refunds: ``POST /v3/orders/{purchaseOrderId}/refund`` for shipped lines, amounts negative.

Each line of the refund becomes one ``orderLine`` with one ``refund`` holding a ``PRODUCT``
charge (the item amount) and, when shipping is given back, a ``SHIPPING`` charge, each
with its share of the tax. orderbridge gives one tax amount per line; it is set against
the product charge's tax first (what is left of it after earlier refunds) and the rest
against the shipping charge's. Walmart has no quantity on a refund; the amounts say it.

Walmart wants the lines of one request either all full or all partial refunds: a request
whose every line gives back everything the line was charged, with nothing refunded
before, goes as full refunds, any other as partial ones with their amounts.

The refund's ``refundComments`` carry orderbridge's reference of it. A retry reads the
order and finds its earlier attempt by that reference on the lines' refund; Walmart
applies a request as a whole, so one line showing it means the request arrived.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from orderbridge.domain.errors import InvalidOrderData
from orderbridge.marketplaces.errors import PermanentError
from orderbridge.marketplaces.updates import Applied, RefundLine, RefundUpdate
from orderbridge.marketplaces.walmart import payload
from orderbridge.marketplaces.walmart.capabilities import REFUND
from orderbridge.marketplaces.walmart.client import WalmartClient
from orderbridge.marketplaces.walmart.line_states import LineState, states_for_write
from orderbridge.marketplaces.walmart.reasons import refund_reason

_ZERO = Decimal("0")


@dataclass(slots=True)
class _Charge:
    """One charge type of a line: what was charged, what is refunded so far, its names."""

    name: str
    tax_name: str
    amount: Decimal = _ZERO
    tax: Decimal = _ZERO
    refunded: Decimal = _ZERO
    refunded_tax: Decimal = _ZERO
    present: bool = False


def wire_amount(amount: Decimal, where: str) -> float:
    """A money amount as the JSON number Walmart's schema asks for, exactly.

    A cent amount converts to the float whose shortest representation is that amount, so
    the number written is the decimal itself; an amount for which that fails is refused
    rather than rounded.
    """
    if not amount:
        return 0.0  # never "-0.0"
    number = float(amount)
    if payload.decimal_amount(number) != amount:
        raise PermanentError(f"{where}: amount {amount} cannot be sent exactly", operation=REFUND)
    return number


def refund_present(order: Mapping[str, Any], update: RefundUpdate) -> bool:
    wanted = {line.external_line_id for line in update.lines}
    lines = order.get("orderLines", {}).get("orderLine", [])
    for line in lines if isinstance(lines, list) else []:
        if not isinstance(line, Mapping) or line.get("lineNumber") not in wanted:
            continue
        refund = line.get("refund")
        comments = refund.get("refundComments") if isinstance(refund, Mapping) else None
        # Exactly ours: orderbridge-refund-1 must not be found in orderbridge-refund-12.
        if isinstance(comments, str) and comments.strip() == update.reference:
            return True
    return False


def refund_request(update: RefundUpdate, states: Mapping[str, LineState]) -> dict[str, Any]:
    """The ``orderRefund`` body, or a PermanentError saying why it cannot be sent."""
    reason = refund_reason(update.reason)
    combined = _combined_lines(update)
    built: list[tuple[str, list[dict[str, Any]], bool]] = []
    for line_number, line in combined.items():
        state = states.get(line_number)
        where = f"refund {update.reference}, line {line_number}"
        if state is None:
            raise PermanentError(
                f"{where}: Walmart order {update.order_external_id} has no such line",
                operation=REFUND,
            )
        if not state.shipped:
            raise PermanentError(
                f"{where}: Walmart refunds shipped lines only, and this one has shipped nothing; "
                "cancel it instead",
                operation=REFUND,
            )
        product, shipping = _charges(state, update.currency, where)
        built.append((line_number, *_line_charges(line, product, shipping, reason, update, where)))
    full = all(is_full for _, _, is_full in built)
    return {
        "orderRefund": {
            "purchaseOrderId": update.order_external_id,
            "orderLines": {
                "orderLine": [
                    {
                        "lineNumber": line_number,
                        "isFullRefund": full,
                        "refunds": {
                            "refund": [
                                {
                                    "refundComments": update.reference,
                                    "refundCharges": {"refundCharge": charges},
                                }
                            ]
                        },
                    }
                    for line_number, charges, _ in built
                ]
            },
        }
    }


async def refund(client: WalmartClient, update: RefundUpdate, *, retry: bool) -> Applied:
    """Send the refund, or find it at Walmart already when ``retry`` is set."""
    if not update.lines:
        raise PermanentError(f"refund {update.reference} has no line", operation=REFUND)
    order = await client.get_order(update.order_external_id)
    if retry and refund_present(order, update):
        return Applied(
            already=True,
            detail=f"refund {update.reference} is on Walmart order "
            f"{update.order_external_id} already",
        )
    body = refund_request(update, states_for_write(order, REFUND))
    await client.order_action(REFUND, update.order_external_id, "refund", body, once=True)
    return Applied()


def _combined_lines(update: RefundUpdate) -> dict[str, RefundLine]:
    combined: dict[str, RefundLine] = {}
    for line in update.lines:
        if min(line.item, line.shipping, line.tax) < 0:
            raise PermanentError(
                f"refund {update.reference}: line {line.external_line_id} has a negative amount",
                operation=REFUND,
            )
        held = combined.get(line.external_line_id)
        if held is not None:
            line = RefundLine(
                line.external_line_id,
                held.quantity + line.quantity,
                held.item + line.item,
                held.shipping + line.shipping,
                held.tax + line.tax,
            )
        combined[line.external_line_id] = line
    if all(line.item + line.shipping + line.tax == 0 for line in combined.values()):
        raise PermanentError(f"refund {update.reference} gives back nothing", operation=REFUND)
    return combined


def _charges(state: LineState, currency: str, where: str) -> tuple[_Charge, _Charge]:
    """The line's product and shipping charges, with what earlier refunds gave back."""
    product = _Charge("ItemPrice", "Tax1")
    shipping = _Charge("Shipping", "Tax2")
    by_type = {"PRODUCT": product, "SHIPPING": shipping}
    try:
        for charge in state.charges:
            held = by_type.get(str(charge.get("chargeType")))
            if held is None:
                continue
            amount, tax = _amounts(charge, where, currency)
            held.amount += amount
            held.tax += tax
            held.name = str(charge.get("chargeName") or held.name)
            tax_object = charge.get("tax")
            if isinstance(tax_object, Mapping) and tax_object.get("taxName"):
                held.tax_name = str(tax_object["taxName"])
            held.present = True
        for given in _earlier_refund_charges(state):
            held = by_type.get(str(given.get("chargeType")))
            if held is None:
                continue
            amount, tax = _amounts(given, where, currency)
            held.refunded += abs(amount)
            held.refunded_tax += abs(tax)
    except InvalidOrderData as exc:
        raise PermanentError(f"{where}: {exc}", operation=REFUND) from exc
    return product, shipping


def _amounts(charge: Mapping[str, Any], where: str, currency: str) -> tuple[Decimal, Decimal]:
    amount, _ = payload.money(charge.get("chargeAmount"), where, currency)
    tax_object = charge.get("tax")
    if not isinstance(tax_object, Mapping):
        return amount, _ZERO
    tax, _ = payload.money(tax_object.get("taxAmount"), where, currency)
    return amount, tax


def _earlier_refund_charges(state: LineState) -> list[Mapping[str, Any]]:
    given = state.raw.get("refund")
    charges = given.get("refundCharges") if isinstance(given, Mapping) else None
    entries = charges.get("refundCharge") if isinstance(charges, Mapping) else None
    found: list[Mapping[str, Any]] = []
    for entry in entries if isinstance(entries, list) else []:
        charge = entry.get("charge") if isinstance(entry, Mapping) else None
        if isinstance(charge, Mapping):
            found.append(charge)
    return found


def _line_charges(
    line: RefundLine,
    product: _Charge,
    shipping: _Charge,
    reason: str,
    update: RefundUpdate,
    where: str,
) -> tuple[list[dict[str, Any]], bool]:
    product_tax = min(line.tax, max(product.tax - product.refunded_tax, _ZERO))
    if not shipping.present:
        product_tax = line.tax
    shipping_tax = line.tax - product_tax
    charges: list[dict[str, Any]] = []
    if line.item or product_tax:
        charges.append(
            _refund_charge("PRODUCT", product, line.item, product_tax, reason, update, where)
        )
    if line.shipping or shipping_tax:
        charges.append(
            _refund_charge("SHIPPING", shipping, line.shipping, shipping_tax, reason, update, where)
        )
    nothing_before = not (
        product.refunded or product.refunded_tax or shipping.refunded or shipping.refunded_tax
    )
    is_full = (
        nothing_before
        and line.item == product.amount
        and line.shipping == shipping.amount
        and line.tax == product.tax + shipping.tax
    )
    return charges, is_full


def _refund_charge(
    kind: str,
    charge: _Charge,
    amount: Decimal,
    tax: Decimal,
    reason: str,
    update: RefundUpdate,
    where: str,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "chargeType": kind,
        "chargeName": charge.name,
        "chargeAmount": {"currency": update.currency, "amount": wire_amount(-amount, where)},
    }
    if tax:
        body["tax"] = {
            "taxName": charge.tax_name,
            "taxAmount": {"currency": update.currency, "amount": wire_amount(-tax, where)},
        }
    return {"refundReason": reason, "charge": body}
