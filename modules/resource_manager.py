"""Retries for errors that waiting can fix, and a circuit breaker for runs that keep failing."""

import errno
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Waiting can clear these; a missing file, denied permission or full disk it cannot.
TRANSIENT_ERRNOS = frozenset({errno.EAGAIN, errno.EINTR, errno.EBUSY})


@dataclass(frozen=True)
class ResourceManager:
    """Runs I/O with a few short, exponentially spaced retries on transient OS errors."""

    attempts: int = 3
    delay: float = 0.05

    def call(self, action: Callable[..., T], *args: object) -> T:
        for attempt in range(self.attempts):
            try:
                return action(*args)
            except OSError as exc:
                if exc.errno not in TRANSIENT_ERRNOS or attempt == self.attempts - 1:
                    raise
                logger.debug("retrying after %s (attempt %d)", exc, attempt + 1)
                time.sleep(self.delay * 2**attempt)
        msg = "ResourceManager.attempts must be at least 1"
        raise ValueError(msg)


@dataclass
class CircuitBreaker:
    """Opens after `threshold` consecutive token failures so a broken run stops early."""

    threshold: int = 5
    consecutive_failures: int = 0

    def record(self, succeeded: bool) -> None:
        self.consecutive_failures = 0 if succeeded else self.consecutive_failures + 1

    @property
    def is_open(self) -> bool:
        return self.consecutive_failures >= self.threshold
