"""orderbridge carrier ids → the ``transporterCode`` values bol.com accepts for a transport.

bol's current OpenAPI file types ``transporterCode`` as a free string; its list lives in
bol's documentation and in the 2023 file, which still enumerated it (see
``marketplace-specs/bol-com/SOURCE.md``). bol builds the customer's track-and-trace link
from this code, so a carrier goes out under its own code only where bol has one:

* PostNL is ``TNT``: bol kept the code from the days PostNL's parcel service was TNT Post
  (``TNT-EXPRESS`` is TNT Express, now part of FedEx, not PostNL).
* DHL Paket (Germany) is ``DHL_DE``; ``DHL`` is DHL Parcel Benelux. DHL Express has no
  bol code, and DHL Parcel's tracking does not find express waybills, so it goes as
  ``OTHER``.
* DPD and FedEx have a Dutch and a Belgian code; orderbridge's carrier ids do not say
  which depot, so the Dutch one is used (the parcel numbers are the same network's).

Any other carrier goes as ``OTHER``. bol's transport has no field for a carrier name, so
the name is lost; the track-and-trace code still goes with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

OTHER_TRANSPORTER = "OTHER"

TRANSPORTER_CODES: Mapping[str, str] = MappingProxyType(
    {
        "postnl": "TNT",
        "dhl_paket": "DHL_DE",
        "dhl_ecommerce": "DHL-GLOBAL-MAIL",
        "dpd": "DPD-NL",
        "bpost": "BPOST_BE",
        "gls": "GLS",
        "ups": "UPS",
        "fedex": "FEDEX_NL",
    }
)
