"""Why an order cannot be created yet: a line whose product the merchant cannot sell now.

The seeds' three reasons — unknown SKU, disabled product, too little stock — each named per
line with the SKU the marketplace sent and the merchant's SKU it maps to. An order with any
blocker is held (import status ``blocked``) and never exported until all are gone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from orderbridge.domain.order import OrderLine

UNKNOWN_SKU = "unknown_sku"
DISABLED = "product_disabled"
OUT_OF_STOCK = "out_of_stock"


@dataclass(frozen=True, slots=True)
class Product:
    sku: str
    enabled: bool
    stock: int | None  # None: not tracked


@dataclass(frozen=True, slots=True)
class Blocker:
    line: str
    sku: str
    merchant_sku: str
    reason: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "sku": self.sku,
            "merchant_sku": self.merchant_sku,
            "reason": self.reason,
            "message": self.message,
        }


def merchant_sku(line: OrderLine, mappings: Mapping[str, str]) -> str:
    return mappings.get(line.sku, line.sku)


def blockers_of(
    lines: tuple[OrderLine, ...], mappings: Mapping[str, str], catalog: Mapping[str, Product]
) -> list[Blocker]:
    """Every line's blocker; stock counts each SKU once over the order's lines."""
    found: list[Blocker] = []
    wanted: dict[str, int] = {}
    for line in lines:
        open_units = max(line.quantity_ordered - line.quantity_shipped - line.quantity_cancelled, 0)
        wanted[merchant_sku(line, mappings)] = (
            wanted.get(merchant_sku(line, mappings), 0) + open_units
        )
    for line in lines:
        sku = merchant_sku(line, mappings)
        product = catalog.get(sku)
        mapped = f" (mapped to {sku})" if sku != line.sku else ""
        if product is None:
            found.append(
                Blocker(
                    line.external_line_id,
                    line.sku,
                    sku,
                    UNKNOWN_SKU,
                    f"SKU {line.sku}{mapped} is not in the catalog",
                )
            )
        elif not product.enabled:
            found.append(
                Blocker(
                    line.external_line_id,
                    line.sku,
                    sku,
                    DISABLED,
                    f"product {sku} is disabled in the catalog",
                )
            )
        elif product.stock is not None and product.stock < wanted.get(sku, 0):
            found.append(
                Blocker(
                    line.external_line_id,
                    line.sku,
                    sku,
                    OUT_OF_STOCK,
                    f"product {sku}: {wanted[sku]} needed, {max(product.stock, 0)} in stock",
                )
            )
    return found


def reservation(lines: tuple[OrderLine, ...], mappings: Mapping[str, str]) -> dict[str, int]:
    """The units an order takes from the catalog's stock, per merchant SKU."""
    taken: dict[str, int] = {}
    for line in lines:
        units = max(line.quantity_ordered - line.quantity_shipped - line.quantity_cancelled, 0)
        if units:
            sku = merchant_sku(line, mappings)
            taken[sku] = taken.get(sku, 0) + units
    return taken
