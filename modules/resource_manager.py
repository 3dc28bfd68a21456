"""Retries for errors that waiting can fix, and a circuit breaker for runs that keep failing."""

import errno
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Waiting can clear these; a missing file, denied permission or full disk it cannot.
TRANSIENT_ERRNOS = frozenset({errno.EAGAIN, errno.EINTR, errno.EBUSY})
# These fail every later token too: stop the run at once (it stays resumable).
FATAL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM})


@dataclass
class ResourceManager:
    """Runs I/O with a few short, exponentially spaced retries on transient OS errors."""

    attempts: int = 3
    delay: float = 0.1
    retries: int = 0

    def call(self, action: Callable[..., T], *args: object) -> T:
        for attempt in range(1, self.attempts + 1):
            try:
                return action(*args)
            except OSError as exc:
                if exc.errno not in TRANSIENT_ERRNOS or attempt == self.attempts:
                    raise
                self.retries += 1
                logger.debug("retrying after %s (attempt %d of %d)", exc, attempt, self.attempts)
                time.sleep(self.delay * 2 ** (attempt - 1))
        msg = "ResourceManager.attempts must be at least 1"
        raise ValueError(msg)


class BreakerState(StrEnum):
    CLOSED = "CLOSED"
    OPEN = "OPEN"
    HALF_OPEN = "HALF_OPEN"


@dataclass
class CircuitBreaker:
    """Opens after `threshold` consecutive token failures so a broken run stops instead of
    grinding on; after `reset_after` seconds it lets one trial through (HALF_OPEN)."""

    threshold: int = 5
    reset_after: float = 30.0
    state: BreakerState = BreakerState.CLOSED
    failure_count: int = 0
    opened_at: float = field(default=0.0, repr=False)

    def allow(self) -> bool:
        """Whether work may go on now."""
        if (
            self.state is BreakerState.OPEN
            and time.monotonic() - self.opened_at >= self.reset_after
        ):
            self.state = BreakerState.HALF_OPEN
        return self.state is not BreakerState.OPEN

    def record(self, succeeded: bool) -> None:
        if succeeded:
            self.state, self.failure_count = BreakerState.CLOSED, 0
            return
        self.failure_count += 1
        if self.state is BreakerState.HALF_OPEN or self.failure_count >= self.threshold:
            self.state, self.opened_at = BreakerState.OPEN, time.monotonic()

    def status(self) -> dict[str, Any]:
        return {
            "state": self.state.value,
            "failure_count": self.failure_count,
            "threshold": self.threshold,
        }


class HasCircuitBreaker(Protocol):
    """What holds a run's breaker: the run's services (modules.dependency_container)."""

    @property
    def circuit_breaker(self) -> CircuitBreaker: ...


def get_circuit_breaker_status(services: HasCircuitBreaker) -> dict[str, Any]:
    """State (CLOSED/OPEN/HALF_OPEN), consecutive failures and threshold of the breaker of
    the run using `services`; any number of runs (studio jobs) can be asked at once."""
    return services.circuit_breaker.status()
