"""Seeded fault injection shared by the simulators: one plan of knobs, one random stream.

Every random decision comes from one ``random.Random(seed)``, and a draw is made only for a
fault whose rate is above zero, so a given seed and request sequence always give the same
faults. What a fault looks like on the wire (the status, the body, whether a timeout answers at
all) is the simulator's business; this module only decides *which* fault, and keeps the capacity
bucket and the per-key rate limit, both built on :class:`cc_campaigns.bulk.limiter.TokenBucket`.
"""

from __future__ import annotations

import enum
import math
import random
import time
from collections.abc import Callable

from ..bulk.limiter import TokenBucket

__all__ = ["Fault", "FaultPlan", "PerKeyRateLimit", "check_rate"]


class Fault(enum.Enum):
    """A fault a simulator injects instead of (or after) handling a request."""

    #: ``error_rate``: the service is unavailable (503 where the simulator follows that
    #: reading); nothing applied.
    UNAVAILABLE = "error"
    #: ``throttle_rate``: 429 with ``Retry-After``; nothing applied.
    THROTTLED = "throttle"
    #: ``timeout_rate``: applied (or, where the simulator says so, maybe applied), then the
    #: answer is held back or replaced by a timeout answer.
    TIMEOUT = "timeout"
    #: ``disconnect_rate``: applied, then the connection is dropped without an answer.
    DISCONNECT = "disconnect"


def check_rate(name: str, value: float) -> float:
    """``value`` as a float when it is a fraction between 0 and 1, else ValueError."""
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be between 0 and 1, got {value}")
    return float(value)


class FaultPlan:
    """The fault knobs of a simulator and the seeded decisions made from them.

    The rates are public attributes and may be changed while serving (a test turns faults on
    and off); so may :attr:`bucket`.

    Args:
        latency: Seconds slept before each API request is handled (the server's ``pause``).
        error_rate: Fraction of requests answered "unavailable".
        throttle_rate: Fraction answered 429 with ``Retry-After: retry_after``.
        capacity: Records (or requests) per second a write accepts: a :class:`TokenBucket` of
            rate ``capacity`` and burst one second's worth; ``None``: no limit.
        timeout_rate: Fraction of writes applied, then answered with a timeout.
        disconnect_rate: Fraction of writes applied, then dropped without an answer.
        retry_after: Seconds the ``Retry-After`` of a random 429 says.
        seed: Seed of every random decision.
    """

    def __init__(
        self,
        *,
        latency: float = 0.0,
        error_rate: float = 0.0,
        throttle_rate: float = 0.0,
        capacity: float | None = None,
        timeout_rate: float = 0.0,
        disconnect_rate: float = 0.0,
        retry_after: float = 1,
        seed: int = 0,
    ) -> None:
        if latency < 0:
            raise ValueError("latency must be >= 0 seconds")
        if retry_after < 0:
            raise ValueError("retry_after must be >= 0 seconds")
        if capacity is not None and not capacity > 0:
            raise ValueError("capacity must be a positive number of records per second")
        self.latency = float(latency)
        self.error_rate = check_rate("error_rate", error_rate)
        self.throttle_rate = check_rate("throttle_rate", throttle_rate)
        self.timeout_rate = check_rate("timeout_rate", timeout_rate)
        self.disconnect_rate = check_rate("disconnect_rate", disconnect_rate)
        self.retry_after = retry_after
        #: The capacity limit (``None``: unlimited).
        self.bucket: TokenBucket | None = (
            TokenBucket(capacity, capacity) if capacity is not None else None
        )
        #: The one random stream of the plan.
        self.random = random.Random(seed)

    def _hit(self, rate: float) -> bool:
        return bool(rate) and self.random.random() < rate

    def request_fault(self) -> Fault | None:
        """The fault of one request, before it is handled: UNAVAILABLE, then THROTTLED (one
        draw each, for a rate above zero)."""
        if self._hit(self.error_rate):
            return Fault.UNAVAILABLE
        if self._hit(self.throttle_rate):
            return Fault.THROTTLED
        return None

    def outcome_fault(self) -> Fault | None:
        """The fate of one write that passed every check: TIMEOUT, then DISCONNECT (one draw
        each, for a rate above zero)."""
        if self._hit(self.timeout_rate):
            return Fault.TIMEOUT
        if self._hit(self.disconnect_rate):
            return Fault.DISCONNECT
        return None

    def coin(self) -> bool:
        """A fair coin from the plan's stream (e.g. whether a timed-out write was applied)."""
        return self.random.random() < 0.5

    def any_fault(self) -> Fault | None:
        """One draw for all four rates read as disjoint shares of the requests (they must add
        up to at most 1: see :meth:`check_shares`)."""
        rates = (
            (Fault.UNAVAILABLE, self.error_rate),
            (Fault.THROTTLED, self.throttle_rate),
            (Fault.TIMEOUT, self.timeout_rate),
            (Fault.DISCONNECT, self.disconnect_rate),
        )
        if not any(share for _, share in rates):
            return None
        draw = self.random.random()
        for fault, share in rates:
            if draw < share:
                return fault
            draw -= share
        return None

    def check_shares(self) -> None:
        """ValueError unless the four rates add up to at most 1 (for :meth:`any_fault`)."""
        total = self.error_rate + self.throttle_rate + self.timeout_rate + self.disconnect_rate
        if total > 1:
            raise ValueError("fault rates must be between 0 and 1 and add up to at most 1")

    def admit(self, count: int) -> int:
        """Take ``count`` records from the capacity: 0 when admitted, else the whole seconds
        (at least 1) a ``Retry-After`` should say, nothing taken."""
        if self.bucket is None:
            return 0
        wait = self.bucket.try_take(count)
        return max(1, math.ceil(wait)) if wait else 0


class PerKeyRateLimit:
    """A :class:`TokenBucket` per key (an access key, a tenant): ``rate`` requests a second on
    average, up to ``burst`` back to back.

    Args:
        rate: Sustained requests per second per key (> 0).
        burst: Requests allowed back to back from idle (>= 1).
        clock: Monotonic seconds; injectable for tests.
    """

    def __init__(
        self, rate: float, burst: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._buckets: dict[str, TokenBucket] = {}

    def check(self, key: str) -> float | None:
        """Count one request of ``key``: ``None`` when allowed, else the seconds to wait."""
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(self.rate, self.burst, clock=self._clock)
        wait = bucket.try_take(1)
        return wait or None
