"""The simulator's return records: a return with its items, each item an RMA.

A customer's return (or one the retailer registers) holds return items; each names an
order item that was shipped and the quantity expected back. Handling an item adds a
processing result; an item with one is `handled`. Times are simulator timestamps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

HANDLING_RESULTS = (
    "RETURN_RECEIVED",
    "EXCHANGE_PRODUCT",
    "RETURN_DOES_NOT_MEET_CONDITIONS",
    "REPAIR_PRODUCT",
    "CUSTOMER_KEEPS_PRODUCT_PAID",
    "STILL_APPROVED",
)
# STILL_APPROVED only answers a return the customer registered (PUT), never a new one.
CREATE_HANDLING_RESULTS = HANDLING_RESULTS[:-1]
# mainReason → its detailedReason values, a few of the pairs the v10 ReturnReason lists.
REASONS = {
    "Verkeerde maat of afmeting": ("Te groot", "Te klein"),
    "Verkeerd besteld": ("Dubbel besteld", "Artikel had ik toch niet nodig"),
    "Klacht over artikel": ("Artikel is beschadigd", "Kwaliteit valt tegen"),
    "Klacht over de bezorging": ("Artikel is te laat bezorgd", "Verpakking is beschadigd"),
    "Anders": ("Ik heb me bedacht", "Artikel cadeau ontvangen"),
}


@dataclass
class ProcessingResult:
    quantity: int
    processing_result: str  # ACCEPTED | REJECTED
    handling_result: str
    at: float


@dataclass
class ReturnItem:
    rma_id: str
    order_id: str
    order_item_id: str
    ean: str
    title: str
    expected_quantity: int
    main_reason: str
    detailed_reason: str | None
    customer_comments: str
    customer: dict[str, str]
    track_and_trace: str | None = None
    transporter_name: str | None = None
    results: list[ProcessingResult] = field(default_factory=list)

    @property
    def handled(self) -> bool:
        return bool(self.results)


@dataclass
class Return:
    return_id: str
    registered_at: float
    fulfilment_method: str
    items: list[ReturnItem]
