"""Configuration of the bol.com Retailer API simulator.

`BolSimulatorSettings` describes the simulated retailer account (API client credentials,
initial orders) and the simulated service (throttling speed, how long writes take to
process, faults). Runtime changes to faults go through `/_sandbox/faults` and never
mutate the settings object.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BolSimulatorSettings:
    """Everything that shapes one simulated bol.com retailer account.

    speed_factor divides every rate-limit window and the write processing time; 0 or None
    turns throttling off and leaves processing at its own pace. Fault rates are
    probabilities in 0..1 per API call.
    """

    seed: int = 1
    speed_factor: float | None = 1.0
    initial_orders: int = 50
    history_days: int = 14
    # Published sandbox credentials, not secrets: anyone may use them against the simulator.
    client_id: str = "orderbridge-sandbox-bol-client"
    client_secret: str = "orderbridge-sandbox-bol-secret"
    retailer_id: str = "1234567"
    access_token_ttl_seconds: int = 299
    # Simulator seconds from a write's 202 to its SUCCESS or FAILURE, at speed 1.
    processing_seconds: float = 5.0
    # How long a finished process status is kept before it answers 404 (not scaled).
    process_status_retention_seconds: float = 86_400.0
    fault_rate_500: float = 0.0
    fault_rate_503: float = 0.0
    latency_ms: float = 0.0

    def __post_init__(self) -> None:
        for name in ("fault_rate_500", "fault_rate_503"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be within 0..1, got {value}")
        if self.fault_rate_500 + self.fault_rate_503 > 1.0:
            raise ValueError("fault_rate_500 + fault_rate_503 must not exceed 1")
        if self.speed_factor is not None and self.speed_factor < 0:
            raise ValueError("speed_factor must be >= 0 (0 or None disables throttling)")
        if self.initial_orders < 0:
            raise ValueError("initial_orders must be >= 0")
        if self.history_days < 1:
            raise ValueError("history_days must be >= 1")
        if self.processing_seconds < 0 or self.process_status_retention_seconds < 0:
            raise ValueError("processing and retention times must be >= 0")
        if self.latency_ms < 0:
            raise ValueError("latency_ms must be >= 0")
        if self.access_token_ttl_seconds < 1:
            raise ValueError("access_token_ttl_seconds must be >= 1")

    @property
    def throttling_enabled(self) -> bool:
        return bool(self.speed_factor)

    @property
    def processing_delay(self) -> float:
        """Simulator seconds a write stays PENDING."""
        if not self.speed_factor:
            return self.processing_seconds
        return self.processing_seconds / self.speed_factor
