"""Configuration of the Walmart Marketplace simulator.

`WalmartSimulatorSettings` describes one simulated seller account (API key, order volume)
and the simulated service quality (throttling speed, fault rates, latency). Runtime
changes to faults go through the control API (`/_sandbox/faults`) and never mutate it.

Walmart publishes no per-operation limits for its Orders API. The simulator meters each
operation with the limits below (requests per second, bucket size): the same modest
defaults orderbridge's Walmart connector declares. Pass others in `rate_limits` to see
how a client copes with a tighter allowance.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

DEFAULT_RATE_LIMITS: Mapping[str, tuple[float, int]] = MappingProxyType(
    {
        "getAllOrders": (0.5, 10),
        "getAllReleasedOrders": (0.5, 10),
        "getAnOrder": (2.0, 20),
        "acknowledgeOrders": (2.0, 20),
        "shippingUpdates": (2.0, 20),
        "cancelOrderLines": (1.0, 10),
        "refundOrderLines": (1.0, 10),
    }
)


@dataclass(frozen=True)
class WalmartSimulatorSettings:
    """Everything that shapes one simulated Walmart seller account.

    speed_factor multiplies every rate (rate x speed_factor); 0 or None turns throttling
    off. Fault rates are probabilities in 0..1 per business call.
    """

    seed: int = 1
    speed_factor: float | None = 1.0
    fault_rate_500: float = 0.0
    fault_rate_503: float = 0.0
    latency_ms: float = 0.0
    # Published sandbox credentials, not secrets: anyone may use them against the simulator.
    client_id: str = "orderbridge-walmart-sandbox-client"
    client_secret: str = "orderbridge-walmart-sandbox-secret"
    initial_orders: int = 50
    history_days: int = 30
    access_token_ttl_seconds: int = 900
    partner_id: str = "10000012345"
    seller_id: str = "101234"
    rate_limits: Mapping[str, tuple[float, int]] = field(
        default_factory=lambda: dict(DEFAULT_RATE_LIMITS)
    )
    # Walmart refuses a search that would return more orders than this.
    max_orders_per_query: int = 20_000

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
        if self.initial_orders < 0:
            raise ValueError("initial_orders must be >= 0")
        if self.history_days < 1:
            raise ValueError("history_days must be >= 1")
        missing = sorted(set(DEFAULT_RATE_LIMITS) - set(self.rate_limits))
        if missing:
            raise ValueError(f"rate_limits lacks {missing}")
        for operation, (rate, burst) in self.rate_limits.items():
            if rate <= 0 or burst < 1:
                raise ValueError(f"rate limit of {operation} must have rate > 0 and burst >= 1")

    @property
    def throttling_enabled(self) -> bool:
        return bool(self.speed_factor)
