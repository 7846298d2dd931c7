"""Which carrier code a shipment goes to the marketplace with.

The carrier the OMS names wins; without one, the tracking number's format decides; the
channel's carrier-code table (declared by its connector) turns that into its code. A
carrier the channel does not list goes as its "other" code with the name, where the
channel has one; otherwise the shipment is refused now, while the OMS is still listening.
"""

from __future__ import annotations

from dataclasses import dataclass

from orderbridge.domain.carriers import Carrier, display_name, resolve_carrier
from orderbridge.marketplaces.base import Capabilities
from orderbridge.services.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class CarrierChoice:
    carrier: Carrier | None
    code: str | None
    name: str | None


def choose_carrier(
    capabilities: Capabilities,
    *,
    named: str | None,
    tracking_number: str | None,
    country: str | None,
) -> CarrierChoice:
    named = (named or "").strip() or None
    carrier = resolve_carrier(carrier_name=named, tracking_number=tracking_number, country=country)
    if carrier is not None and carrier.value in capabilities.carrier_codes:
        return CarrierChoice(carrier, capabilities.carrier_codes[carrier.value], named)
    if named is None and tracking_number is None:
        return CarrierChoice(None, None, None)  # waits for its tracking number
    name = named or (display_name(carrier) if carrier else None)
    if name and capabilities.other_carrier_code:
        return CarrierChoice(carrier, capabilities.other_carrier_code, name)
    if name:
        raise InvalidInput(
            f"carrier {name!r} is not one this marketplace accepts; send one of: "
            + ", ".join(sorted(capabilities.carrier_codes)),
            field="carrier",
        )
    raise InvalidInput(
        f"no carrier given and tracking number {tracking_number!r} matches no known carrier "
        "format; send the carrier's name with the shipment",
        field="carrier",
    )
