"""Configuration of the eBay simulator: the simulated seller account and service quality.

``EbaySimulatorSettings`` describes the seller (credentials, marketplaces, initial orders)
and how the service behaves (throttling speed, fault rates, latency, how long refunds and
cancellations take). Runtime changes to faults go through ``/_sandbox/faults`` and never
mutate the settings object.
"""

from __future__ import annotations

from dataclasses import dataclass

from orderbridge.sandbox.ebay.catalogue import MARKETPLACES

SCOPE_ROOT = "https://api.ebay.com/oauth/api_scope"
GRANTED_SCOPES: tuple[str, ...] = (
    SCOPE_ROOT,
    f"{SCOPE_ROOT}/sell.fulfillment",
    f"{SCOPE_ROOT}/sell.fulfillment.readonly",
    f"{SCOPE_ROOT}/sell.finances",
)


@dataclass(frozen=True)
class EbaySimulatorSettings:
    """Everything that shapes one simulated eBay seller account.

    ``speed_factor`` multiplies the call rates and divides the processing times of refunds
    and cancellations; 0 turns throttling off and settles refunds and cancellations at
    once. Fault rates are probabilities in 0..1 per business call.
    """

    seed: int = 1
    speed_factor: float = 1.0
    initial_orders: int = 40
    marketplace_ids: tuple[str, ...] = ("EBAY_US", "EBAY_DE")
    history_days: int = 30
    # Published sandbox credentials, not secrets: anyone may use them against the simulator.
    client_id: str = "orderbri-sandbox-PRD-0a1b2c3d4-5e6f7a8b"
    client_secret: str = "PRD-sandbox0a1b2c3d-4e5f-6a7b-8c9d-0e1f"
    refresh_token: str = "v^1.1#i^1#r^1#orderbridge-sandbox-refresh-token"
    seller_username: str = "orderbridge_sandbox_seller"
    granted_scopes: tuple[str, ...] = GRANTED_SCOPES
    access_token_ttl_seconds: int = 7200
    fault_rate_500: float = 0.0
    fault_rate_503: float = 0.0
    latency_ms: float = 0.0
    refund_processing_seconds: float = 120.0
    cancel_processing_seconds: float = 120.0

    def __post_init__(self) -> None:
        for name in ("fault_rate_500", "fault_rate_503"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be within 0..1, got {value}")
        if self.fault_rate_500 + self.fault_rate_503 > 1.0:
            raise ValueError("fault_rate_500 + fault_rate_503 must not exceed 1")
        if self.speed_factor < 0:
            raise ValueError("speed_factor must be >= 0 (0 disables throttling)")
        if self.latency_ms < 0:
            raise ValueError("latency_ms must be >= 0")
        if self.initial_orders < 0:
            raise ValueError("initial_orders must be >= 0")
        if not self.marketplace_ids:
            raise ValueError("marketplace_ids must name at least one marketplace")
        unknown = [m for m in self.marketplace_ids if m not in MARKETPLACES]
        if unknown:
            raise ValueError(f"unknown marketplace ids {unknown}; known: {sorted(MARKETPLACES)}")
        if self.history_days < 1:
            raise ValueError("history_days must be >= 1")
        if self.refund_processing_seconds < 0 or self.cancel_processing_seconds < 0:
            raise ValueError("processing times must be >= 0")

    def processing_seconds(self, base: float) -> float:
        """Simulator seconds an asynchronous change takes at this speed."""
        return base / self.speed_factor if self.speed_factor > 0 else 0.0
