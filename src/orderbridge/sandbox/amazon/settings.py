"""Configuration of the Amazon SP-API simulator.

`AmazonSimulatorSettings` is the one object a caller builds to describe the simulated seller
account (credentials, marketplaces, initial order volume) and the simulated service quality
(throttling speed, fault rates, added latency). Runtime changes to faults go through the
control API (`/_sandbox/faults`) and never mutate the settings object.
"""

from __future__ import annotations

from dataclasses import dataclass

from orderbridge.sandbox.amazon.marketplaces import MARKETPLACES

DEFAULT_MARKETPLACE_IDS: tuple[str, ...] = (
    "ATVPDKIKX0DER",  # US
    "A1PA6795UKMFR9",  # DE
    "A1F83G8C2ARO7P",  # UK
    "A13V1IB3VIYZZH",  # FR
)


@dataclass(frozen=True)
class AmazonSimulatorSettings:
    """Everything that shapes one simulated Amazon seller account.

    speed_factor scales the official usage-plan rates (rate x speed_factor); 0 or None turns
    throttling off entirely. Fault rates are probabilities in 0..1 per business call.
    feed_processing_seconds is how long a feed takes in simulator time at speed 1; it is
    divided by speed_factor, and feeds finish at once when throttling is off.
    """

    seed: int = 1
    speed_factor: float | None = 1.0
    fault_rate_500: float = 0.0
    fault_rate_503: float = 0.0
    latency_ms: float = 0.0
    client_id: str = "amzn1.application-oa2-client.orderbridgesandbox"
    # published sandbox credentials, not secrets: anyone may use them against the simulator
    client_secret: str = "amzn1.oa2-cs.v1.orderbridge-sandbox-secret"
    refresh_token: str = "Atzr|orderbridge-sandbox-refresh-token"
    initial_orders_per_marketplace: int = 50
    seller_id: str = "A2SANDBOXSELLER"
    marketplace_ids: tuple[str, ...] = DEFAULT_MARKETPLACE_IDS
    history_days: int = 30
    access_token_ttl_seconds: int = 3600
    feed_processing_seconds: float = 2.0

    def __post_init__(self) -> None:
        for name in ("fault_rate_500", "fault_rate_503"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be within 0..1, got {value}")
        if self.fault_rate_500 + self.fault_rate_503 > 1.0:
            raise ValueError("fault_rate_500 + fault_rate_503 must not exceed 1")
        if self.speed_factor is not None and self.speed_factor < 0:
            raise ValueError("speed_factor must be >= 0 (0 or None disables throttling)")
        if self.latency_ms < 0:
            raise ValueError("latency_ms must be >= 0")
        if self.initial_orders_per_marketplace < 0:
            raise ValueError("initial_orders_per_marketplace must be >= 0")
        if not self.marketplace_ids:
            raise ValueError("marketplace_ids must name at least one marketplace")
        unknown = [m for m in self.marketplace_ids if m not in MARKETPLACES]
        if unknown:
            raise ValueError(f"unknown marketplace ids {unknown}; known: {sorted(MARKETPLACES)}")
        if self.history_days < 1:
            raise ValueError("history_days must be >= 1")
        if self.feed_processing_seconds < 0:
            raise ValueError("feed_processing_seconds must be >= 0")

    @property
    def throttling_enabled(self) -> bool:
        return bool(self.speed_factor)

    @property
    def feed_duration_seconds(self) -> float:
        """Simulator seconds from createFeed to a finished feed."""
        if not self.speed_factor:
            return 0.0
        return self.feed_processing_seconds / self.speed_factor
