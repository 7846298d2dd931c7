"""Outcomes of feed messages and the result codes the processing report gives for them.

The numbers are the simulator's own: Amazon's processing reports carry a numeric
ResultMessageCode per failed message, but the real code numbers for these cases are not in
the saved specs, so a connector must not treat them as Amazon's. The ResultDescription text
is what an operator reads. The connector may rely on these numbers against the simulator:

- 18028 the items (or the order) to cancel are already cancelled; nothing changes.
- 18029 a cancellation of units that have already shipped; nothing changes.
- 18030 the MerchantAdjustmentItemID was already processed for this order; nothing changes.
- 18031 a refund larger than what was paid (per price component, over all refunds), or on
  an item with nothing shipped.
- 18032 the order is unknown (or not in the feed's marketplaces).
- 18033 the order has no such item.
- 5000 any other invalid message (structure, values, reasons, currency).

A failed message changes nothing: each message is applied whole or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass

ALREADY_CANCELLED = 18028
ALREADY_SHIPPED = 18029
ADJUSTMENT_ALREADY_PROCESSED = 18030
REFUND_NOT_ALLOWED = 18031
UNKNOWN_ORDER = 18032
UNKNOWN_ITEM = 18033
INVALID_MESSAGE = 5000


class MessageError(Exception):
    """A feed message that fails; becomes one Result of the processing report."""

    def __init__(self, code: int, description: str, order_id: str | None = None) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description
        self.order_id = order_id


@dataclass(frozen=True)
class MessageResult:
    """What became of one message: code None means it was applied."""

    message_id: int
    order_id: str | None
    code: int | None = None
    description: str = ""

    @property
    def succeeded(self) -> bool:
        return self.code is None
