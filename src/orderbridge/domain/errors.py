"""Errors the domain raises; each says what is wrong in words a user can act on."""


class DomainError(Exception):
    """Base of every rule the domain refuses."""


class InvalidTransition(DomainError):
    """A state change that the transition table does not allow."""

    def __init__(self, machine: str, current: str, target: str) -> None:
        super().__init__(f"{machine}: cannot go from {current!r} to {target!r}")
        self.machine = machine
        self.current = current
        self.target = target


class InvalidOrderData(DomainError):
    """A marketplace payload that cannot become an order (missing or malformed field)."""


class NotEligibleForExport(DomainError):
    """An order that the export rules refuse, with the reason a user sees."""
