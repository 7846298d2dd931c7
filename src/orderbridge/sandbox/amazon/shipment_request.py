"""Reading a confirmShipment body (ordersV0.json `ConfirmShipmentRequest`) into a request.

Checks what can be checked without the order: JSON types, required fields, the carrier code,
the ISO 8601 ship date, item lines. Every refusal is a 400 `InvalidInput` whose message names
the field in brackets, in the style Amazon uses for "invalid type
[packageDetail.packageReferenceId]" (a JSON number there is refused, as Amazon refuses it).
Fields the model does not declare are refused too, so a misspelt optional field cannot pass
unnoticed (Amazon may ignore them; a connector must not rely on that).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from orderbridge.sandbox.amazon.carrier_codes import CARRIER_CODES, OTHER, suggestion
from orderbridge.sandbox.amazon.errors import SpApiError, invalid_input
from orderbridge.sandbox.amazon.query import parse_datetime

_REQUEST_FIELDS = frozenset({"marketplaceId", "packageDetail", "codCollectionMethod"})
_PACKAGE_FIELDS = frozenset(
    {
        "packageReferenceId", "carrierCode", "carrierName", "shippingMethod", "trackingNumber",
        "shipDate", "shipFromSupplySourceId", "orderItems",
    }
)  # fmt: skip
_ITEM_FIELDS = frozenset({"orderItemId", "quantity", "transparencyCodes"})
_POSITIVE_NUMBER = re.compile(r"^[0-9]+$")


@dataclass(frozen=True)
class ShipmentRequest:
    marketplace_id: str
    package_reference_id: str
    carrier_code: str
    carrier_name: str | None
    shipping_method: str | None
    tracking_number: str
    ship_time: int
    items: tuple[tuple[str, int], ...]

    @property
    def carrier(self) -> str:
        """What the package shows as its carrier: the name for "Other", else the code."""
        if self.carrier_code == OTHER and self.carrier_name:
            return self.carrier_name
        return self.carrier_code


def _missing(field: str) -> SpApiError:
    return invalid_input(f"Missing required field [{field}].", f"{field} is required.")


def _wrong_type(field: str, expected: str) -> SpApiError:
    return invalid_input(f"invalid type [{field}]", f"{field} must be {expected}.")


def _invalid(field: str, details: str) -> SpApiError:
    return invalid_input(f"Invalid value [{field}].", details)


def _object(data: Any, field: str, allowed: frozenset[str]) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise _wrong_type(field, "a JSON object")
    unknown = sorted(set(data) - allowed)
    if unknown:
        names = ", ".join(f"{field}.{name}" if field else name for name in unknown)
        raise invalid_input(
            f"Unknown field(s) [{names}].",
            "The confirmShipment model declares: " + ", ".join(sorted(allowed)) + ".",
        )
    return data


def _string(data: dict[str, Any], key: str, field: str, *, required: bool) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            raise _missing(field)
        return None
    if not isinstance(value, str):
        raise _wrong_type(field, "a string")
    return value


def _required_text(data: dict[str, Any], key: str, field: str) -> str:
    value = _string(data, key, field, required=True)
    if value is None or not value.strip():
        raise _invalid(field, f"{field} must not be empty.")
    return value


def parse_shipment_request(body: dict[str, Any]) -> ShipmentRequest:
    _object(body, "", _REQUEST_FIELDS)
    marketplace_id = _required_text(body, "marketplaceId", "marketplaceId")
    cod = _string(body, "codCollectionMethod", "codCollectionMethod", required=False)
    if cod is not None and cod != "DirectPayment":
        raise _invalid("codCollectionMethod", "The only value is DirectPayment.")
    if body.get("packageDetail") is None:
        raise _missing("packageDetail")
    package = _object(body["packageDetail"], "packageDetail", _PACKAGE_FIELDS)

    reference = _string(
        package, "packageReferenceId", "packageDetail.packageReferenceId", required=True
    )
    if reference is None or not _POSITIVE_NUMBER.match(reference) or int(reference) == 0:
        raise _invalid(
            "packageDetail.packageReferenceId",
            'Only positive numeric values are supported, sent as a string such as "1".',
        )
    carrier_code = _required_text(package, "carrierCode", "packageDetail.carrierCode")
    if carrier_code not in CARRIER_CODES:
        hint = suggestion(carrier_code)
        raise _invalid(
            "packageDetail.carrierCode",
            f"{carrier_code!r} is not an Amazon carrier code"
            + (f"; did you mean {hint!r}?" if hint else '; use "Other" with carrierName.'),
        )
    carrier_name = _string(package, "carrierName", "packageDetail.carrierName", required=False)
    if carrier_code == OTHER and not (carrier_name and carrier_name.strip()):
        raise invalid_input(
            "Missing required field [packageDetail.carrierName].",
            'carrierName is required when carrierCode is "Other".',
        )
    method = _string(package, "shippingMethod", "packageDetail.shippingMethod", required=False)
    _string(
        package, "shipFromSupplySourceId", "packageDetail.shipFromSupplySourceId", required=False
    )
    # Amazon requires tracking for merchant-fulfilled shipments; an empty one is refused too
    tracking = _required_text(package, "trackingNumber", "packageDetail.trackingNumber")
    ship_date = _required_text(package, "shipDate", "packageDetail.shipDate")
    try:
        ship_time = int(parse_datetime("packageDetail.shipDate", ship_date))
    except SpApiError:
        raise _invalid(
            "packageDetail.shipDate",
            f"{ship_date!r} is not an ISO 8601 date-time, e.g. 2022-02-11T01:00:00.000Z.",
        ) from None
    return ShipmentRequest(
        marketplace_id=marketplace_id,
        package_reference_id=reference,
        carrier_code=carrier_code,
        carrier_name=carrier_name,
        shipping_method=method,
        tracking_number=tracking,
        ship_time=ship_time,
        items=_items(package.get("orderItems")),
    )


def _items(raw: Any) -> tuple[tuple[str, int], ...]:
    field = "packageDetail.orderItems"
    if raw is None:
        raise _missing(field)
    if not isinstance(raw, list):
        raise _wrong_type(field, "an array of {orderItemId, quantity}")
    if not raw:
        raise _invalid(field, "List at least one order item.")
    items: dict[str, int] = {}
    for index, entry in enumerate(raw):
        where = f"{field}[{index}]"
        line = _object(entry, where, _ITEM_FIELDS)
        item_id = _required_text(line, "orderItemId", f"{where}.orderItemId")
        quantity = line.get("quantity")
        if quantity is None:
            raise _missing(f"{where}.quantity")
        if not isinstance(quantity, int) or isinstance(quantity, bool):
            raise _wrong_type(f"{where}.quantity", "an integer")
        if quantity < 1:
            raise _invalid(f"{where}.quantity", "The quantity must be at least 1.")
        codes = line.get("transparencyCodes")
        if codes is not None and (
            not isinstance(codes, list) or not all(isinstance(c, str) for c in codes)
        ):
            raise _wrong_type(f"{where}.transparencyCodes", "an array of strings")
        if item_id in items:
            raise _invalid(
                f"{where}.orderItemId", f"Order item {item_id} is listed more than once."
            )
        items[item_id] = quantity
    return tuple(items.items())
