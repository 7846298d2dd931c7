"""Which carrier a shipment went with: the OMS's name first, the tracking number second.

The OMS booked the shipment, so the carrier it names wins over anything the tracking
number's format suggests. The format is consulted only when the OMS names no carrier,
or names a brand with several networks ("DHL"), where it picks among that brand's
networks and nowhere else.
"""

from __future__ import annotations

from orderbridge.domain.carriers.carrier import Carrier
from orderbridge.domain.carriers.identification import identify_carrier
from orderbridge.domain.carriers.names import carrier_from_name, carriers_named


def resolve_carrier(
    *,
    carrier_name: str | None,
    tracking_number: str | None,
    country: str | None = None,
) -> Carrier | None:
    """The shipment's carrier id, or ``None`` when neither the name nor the number says.

    An unknown name gives ``None`` without looking at the number: the name is what the
    merchant's OMS chose, and it is passed on as free text (the channel's "other"
    carrier) rather than replaced by a carrier the number merely resembles.
    """
    name = (carrier_name or "").strip()
    if name:
        named = carriers_named(name)
        if len(named) <= 1:
            return next(iter(named), None)
        by_country = carrier_from_name(name, country=country)
        if by_country is not None or not tracking_number:
            return by_country
        return identify_carrier(tracking_number, country=country, among=named)
    if tracking_number:
        return identify_carrier(tracking_number, country=country)
    return None
