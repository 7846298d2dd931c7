"""The connector port: what every channel's connector offers the core, and what it declares.

The core (``services/``) speaks only to this protocol and reads capabilities; it never
names a channel. A connector is built by its factory from a :class:`ConnectionConfig`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar, Protocol

from orderbridge.domain.order import OrderSnapshot
from orderbridge.domain.returns import ReturnSnapshot
from orderbridge.marketplaces.updates import MarketplaceUpdate, UpdateOutcome


@dataclass(frozen=True, slots=True)
class RateLimit:
    """One token bucket: ``rate`` tokens per second, at most ``burst`` at once."""

    operation: str
    rate: float
    burst: int


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a connector can do and what its channel demands; the core obeys these."""

    operations: frozenset[str]
    settle_lag: timedelta  # how far before "now" a read window must end
    max_window: timedelta  # the longest window one read may span
    rate_limits: tuple[RateLimit, ...] = ()
    tracking_required: bool = False
    partial_cancel: bool = False
    acknowledgement_required: bool = False
    # How soon after the order a channel expects the acknowledgement (Walmart: 4 hours).
    acknowledgement_deadline: timedelta | None = None
    # orderbridge carrier id (see domain.carriers) → the channel's carrier code.
    carrier_codes: Mapping[str, str] = field(default_factory=dict)
    # The code that carries a free-text carrier name; None when the channel refuses
    # carriers outside its list.
    other_carrier_code: str | None = None
    # Whether ``read_returns`` works for this channel, and which of the OMS's return
    # decisions (accept, reject, refund) its API can carry; others are refused up front.
    returns: bool = False
    return_decisions: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ReadWindow:
    """A closed window of marketplace time: lower is inclusive, upper is the new watermark."""

    lower: datetime
    upper: datetime


@dataclass(slots=True)
class MappingProblem:
    """One order in a page that could not be mapped; it is quarantined, the page goes on."""

    external_id: str
    message: str
    raw: dict[str, Any]


@dataclass(slots=True)
class OrderPage:
    """One page of a read: the mapped orders and the ones that failed to map."""

    snapshots: list[OrderSnapshot] = field(default_factory=list)
    problems: list[MappingProblem] = field(default_factory=list)


@dataclass(slots=True)
class ReturnPage:
    """One page of a returns read: the mapped returns and the ones that failed to map."""

    snapshots: list[ReturnSnapshot] = field(default_factory=list)
    problems: list[MappingProblem] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One HTTP call to a marketplace, reported for metrics (no bodies, no secrets)."""

    channel: str
    operation: str
    status: int | str  # HTTP status, or "error" when no response came
    seconds: float


CallObserver = Callable[[CallRecord], None]


class SharedBudget(Protocol):
    """One connection's buckets, shared by every process that calls for it."""

    async def take(self, operation: str, rate: float, burst: int) -> float:
        """Take a token if there is one (answer 0), else answer the seconds until there is."""
        ...

    async def block(self, operation: str, seconds: float) -> None:
        """No token for ``operation`` in any process for ``seconds`` (a 429's wait)."""
        ...


@dataclass(frozen=True, slots=True)
class ConnectionConfig:
    """What a factory gets: decrypted credentials and the channel's own options."""

    connection_id: int
    name: str
    credentials: dict[str, str]
    options: dict[str, Any]
    observer: CallObserver | None = None
    # Set in distributed mode: the connection's rate budget shared by every process.
    budget: SharedBudget | None = None


class Connector(Protocol):
    """One connection's view of its channel."""

    channel: ClassVar[str]
    capabilities: Capabilities

    async def marketplace_now(self) -> datetime:
        """The marketplace's current UTC time (local clock corrected by the measured skew)."""
        ...

    def read_orders(self, window: ReadWindow) -> AsyncIterator[OrderPage]:
        """Every order changed inside ``window``, one page at a time, each exactly as mapped."""
        ...

    def read_returns(self, window: ReadWindow) -> AsyncIterator[ReturnPage]:
        """Every return created or changed inside ``window`` (only when
        ``capabilities.returns``), one page at a time."""
        ...

    async def get_order(self, external_id: str) -> OrderSnapshot:
        """One order, fresh from the marketplace."""
        ...

    async def check(self) -> None:
        """Prove the credentials work (one cheap call); raise a classified error otherwise."""
        ...

    async def push_update(self, update: MarketplaceUpdate, *, retry: bool) -> UpdateOutcome:
        """Deliver a shipment, cancellation, refund, acknowledgement or return decision
        (see :mod:`.updates` for ``retry``)."""
        ...

    async def check_update(self, update: MarketplaceUpdate, handle: str) -> UpdateOutcome:
        """The result of an update answered with ``Submitted(handle)``."""
        ...

    async def aclose(self) -> None: ...


class ConnectorFactory(Protocol):
    channel: str

    def __call__(self, config: ConnectionConfig) -> Connector: ...

    def validate_settings(self, credentials: dict[str, str], options: dict[str, Any]) -> None:
        """Raise ConfigurationError naming the missing or wrong setting."""
        ...
