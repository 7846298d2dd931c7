"""Identifiers in eBay's shapes, unique within one simulator.

Order ids look like ``12-34567-89012`` (the format eBay's REST and Trading APIs share
since 2019); line item ids and listing ids are long digit strings; refund and
cancellation ids are digit strings too. A counter behind each keeps them unique however
the seeded digits fall.
"""

from __future__ import annotations

import itertools
import random


class IdSource:
    def __init__(self, seed: int) -> None:
        self._rng = random.Random(f"ebay-ids:{seed}")
        self._serial = itertools.count(1)

    def _digits(self, width: int) -> str:
        # The serial's last digits make repeats impossible; the random head makes ids vary.
        serial = f"{next(self._serial):06d}"
        head = "".join(str(self._rng.randint(0, 9)) for _ in range(width - len(serial)))
        return head + serial[-width:]

    def order_id(self) -> str:
        digits = self._digits(12)
        return f"{digits[:2]}-{digits[2:7]}-{digits[7:]}"

    def line_item_id(self) -> str:
        return "1" + self._digits(13)

    def listing_id(self) -> str:
        return "3" + self._digits(11)

    def variation_id(self) -> str:
        return "6" + self._digits(11)

    def refund_id(self) -> str:
        return "50" + self._digits(11)

    def refund_reference(self) -> str:
        return "RF" + self._digits(10)

    def cancel_id(self) -> str:
        return "52" + self._digits(8)

    def sales_record(self) -> str:
        return str(int(self._digits(6)))
