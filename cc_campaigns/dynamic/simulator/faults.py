"""Seeded fault injection and the capacity token bucket of the simulator.

Every random decision comes from one ``random.Random(seed)``, and a draw is made only for a
fault whose rate is above zero, so a given seed and request sequence always gives the same
faults.
"""

from __future__ import annotations

import enum
import math
import random
import time
from collections.abc import Callable

__all__ = ["BatchFault", "Faults", "RequestFault", "TokenBucket"]


class RequestFault(enum.Enum):
    """A fault answered instead of handling an API request."""

    #: 503 {"message": "Service unavailable."}
    UNAVAILABLE = 503
    #: 429 {"message": "Too many requests."} with Retry-After.
    THROTTLED = 429


class BatchFault(enum.Enum):
    """What happens to an add batch that passed every check."""

    #: Handled normally (207).
    NONE = "none"
    #: Applied, then answered 206 (outcome unknown to the client).
    TIMEOUT_APPLIED = "timeout-applied"
    #: Not applied, answered 206.
    TIMEOUT_LOST = "timeout-lost"
    #: Applied, then the connection is dropped without an answer.
    DISCONNECT = "disconnect"


class TokenBucket:
    """Records per second for the add endpoint: rate ``capacity``, burst ``capacity`` x 1 s.

    A batch fits when the bucket holds ``min(n, burst)`` tokens; it then takes ``n`` tokens, so
    a batch larger than the burst is admitted from a full bucket and leaves it in debt (the
    long-run rate stays ``capacity`` and no batch size is refused forever).
    """

    def __init__(self, capacity: float, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        if not capacity > 0:
            raise ValueError("capacity must be a positive number of records per second")
        self.rate = float(capacity)
        self.burst = float(capacity)
        self._monotonic = monotonic
        self._tokens = self.burst
        self._last = monotonic()

    def _refill(self) -> None:
        now = self._monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
        self._last = now

    def take(self, n: int) -> int:
        """Take ``n`` tokens and return 0, or return the seconds to wait (>= 1) and take none."""
        self._refill()
        need = min(float(n), self.burst)
        if self._tokens >= need:
            self._tokens -= n
            return 0
        return max(1, math.ceil((need - self._tokens) / self.rate))

    @property
    def tokens(self) -> float:
        """Tokens available now (negative while in debt)."""
        self._refill()
        return self._tokens


def _check_rate(name: str, value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be between 0 and 1, got {value}")
    return float(value)


class Faults:
    """The fault plan of a simulator (all rates are fractions between 0 and 1)."""

    def __init__(
        self,
        *,
        error_rate: float = 0.0,
        throttle_rate: float = 0.0,
        timeout_rate: float = 0.0,
        disconnect_rate: float = 0.0,
        capacity: float | None = None,
        retry_after: int = 1,
        seed: int = 0,
    ) -> None:
        self.error_rate = _check_rate("error_rate", error_rate)
        self.throttle_rate = _check_rate("throttle_rate", throttle_rate)
        self.timeout_rate = _check_rate("timeout_rate", timeout_rate)
        self.disconnect_rate = _check_rate("disconnect_rate", disconnect_rate)
        if retry_after < 0:
            raise ValueError("retry_after must be >= 0 seconds")
        self.retry_after = int(retry_after)
        self.bucket = TokenBucket(capacity) if capacity is not None else None
        self.random = random.Random(seed)

    def request_fault(self) -> RequestFault | None:
        """Draw the request-level fault of one API request (503 first, then 429)."""
        if self.error_rate and self.random.random() < self.error_rate:
            return RequestFault.UNAVAILABLE
        if self.throttle_rate and self.random.random() < self.throttle_rate:
            return RequestFault.THROTTLED
        return None

    def batch_fault(self) -> BatchFault:
        """Draw the fate of one accepted add batch (206 first, then a dropped connection)."""
        if self.timeout_rate and self.random.random() < self.timeout_rate:
            if self.random.random() < 0.5:
                return BatchFault.TIMEOUT_APPLIED
            return BatchFault.TIMEOUT_LOST
        if self.disconnect_rate and self.random.random() < self.disconnect_rate:
            return BatchFault.DISCONNECT
        return BatchFault.NONE
