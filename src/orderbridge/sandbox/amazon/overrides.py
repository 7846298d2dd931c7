"""Malformed data on purpose: per-order overrides merged into what the API serves.

Amazon sometimes serves payloads a client does not expect (a new status value, a missing
block). A client must quarantine such an order and carry on, so the sandbox can serve one:
``PUT /_sandbox/orders/{orderId}/override`` with a JSON object deep-merges into the order
as searchOrders and getOrder render it (a ``null`` removes a field); ``DELETE`` ends it.
"""

from __future__ import annotations

from typing import Any

Json = dict[str, Any]


class PayloadOverrides:
    def __init__(self) -> None:
        self._by_order: dict[str, Json] = {}

    def set(self, order_id: str, patch: Json) -> None:
        self._by_order[order_id] = patch

    def remove(self, order_id: str) -> bool:
        return self._by_order.pop(order_id, None) is not None

    def clear(self) -> None:
        self._by_order.clear()

    def apply(self, order_id: str, rendered: Json) -> Json:
        patch = self._by_order.get(order_id)
        return rendered if patch is None else _merge(rendered, patch)


def _merge(base: Json, patch: Json) -> Json:
    merged = dict(base)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged
