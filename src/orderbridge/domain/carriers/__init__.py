"""Carriers: orderbridge's carrier ids, and working them out from OMS names and tracking numbers.

Pure functions over strings; see ``docs/carriers.md`` for the formats and rules.
"""

from orderbridge.domain.carriers.carrier import DISPLAY_NAMES, Carrier, display_name
from orderbridge.domain.carriers.identification import (
    HOME_COUNTRIES,
    identify_carrier,
    normalise_tracking_number,
)
from orderbridge.domain.carriers.names import carrier_from_name, carriers_named
from orderbridge.domain.carriers.resolution import resolve_carrier

__all__ = [
    "DISPLAY_NAMES",
    "HOME_COUNTRIES",
    "Carrier",
    "carrier_from_name",
    "carriers_named",
    "display_name",
    "identify_carrier",
    "normalise_tracking_number",
    "resolve_carrier",
]
