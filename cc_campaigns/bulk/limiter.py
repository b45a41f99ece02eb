"""Pacing of the bulk engine: adaptive concurrency (AIMD), adaptive rate, a shared pause.

:class:`AdaptiveLimiter` bounds the requests in flight between 1 and a maximum. It starts at half
the maximum and grows by one per success (slow start) until the first throttling signal, then
halves on throttling (at most once per round trip) and grows by about one per round trip, but only
while the current limit is actually in use.

Concurrency alone cannot hold a fast client under a rate limit (with a 1 ms round trip, one
request in flight is already hundreds of requests a second), so a *surge* of throttling also
paces the request *rate*: it starts at what the service was seen to accept, less 15%; each later
surge cuts it by 15% (never below half the best rate accepted over 5 seconds); successes raise
it by a tenth of the gap to the rate of the last push-back per second, then by 2% a second. The
first surge also pauses every sender for the ``Retry-After``.

A surge is at least 5 throttles in the last 100 answers, and more than twice the background rate
of throttles (a slow average): a service at its capacity answers a burst of 429s when the client
goes too fast and none when it slows down, while random faults (a steady few percent of 429/503)
never rise above their own background. Cutting the rate for those would starve the upload without
sparing the service: they only delay their own request.

A fixed ``rate`` cap (a service's documented per-client limit) is a :class:`TokenBucket` too.

:class:`TokenBucket` is the package's one token bucket: the engine waits on it
(:meth:`TokenBucket.delay`) and the simulators of :mod:`cc_campaigns.testing` answer 429 from it
without waiting (:meth:`TokenBucket.try_take`).
"""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Callable

__all__ = ["AdaptiveLimiter", "Ticket", "TokenBucket"]

#: A shortfall this small is float rounding, not a missing token (the last request of a burst).
_FLOAT_SLACK = 1e-9
#: How many entries of (elapsed, limit) history are kept before thinning.
_HISTORY_MAX = 512
#: The adaptive rate never falls below this many requests per second.
_MIN_RATE = 0.2
#: Answers remembered to tell persistent throttling from a stray 429 ...
_RECENT = 100
#: ... how many throttles among them make a surge ...
_PERSISTENT = 5
#: ... and how fast the background rate of throttles follows the answers (about 500 of them).
_BACKGROUND_WEIGHT = 0.002
#: Random throttling up to this share of answers is treated as background noise.
_BACKGROUND_CAP = 0.05
#: Multiplicative decrease of the paced rate on a throttle.
_RATE_CUT = 0.85
#: Additive increase of the paced rate per successful request (so +2% per second).
_RATE_GROWTH = 0.02
#: Seconds over which the accepted request rate is measured for its peak ...
_PEAK_SPAN = 5.0
#: (a provisional peak is taken after this many seconds) ...
_PEAK_SPAN_FIRST = 2.0
#: ... the paced rate never falls below this share of that peak ...
_PEAK_FLOOR = 0.5
#: ... and below the rate of the last push-back it recovers this share of the gap per second.
_RECOVERY = 0.1


class TokenBucket:
    """A token bucket: ``rate`` tokens per second, holding at most ``burst``.

    Two ways to take tokens: :meth:`delay` (a client that will wait: take now, possibly into
    debt, and sleep the returned seconds) and :meth:`try_take` (a server answering at once:
    take only what fits, else say how long until it would).

    Args:
        rate: Tokens added per second (> 0).
        burst: Most tokens held (default: one second's worth, at least 1). The bucket starts
            full.
        clock: Monotonic seconds; injectable for tests.
    """

    def __init__(
        self, rate: float, burst: float | None = None, *, clock: Callable[[], float] | None = None
    ) -> None:
        if not rate > 0:
            raise ValueError(f"rate must be > 0, got {rate!r}")
        self.rate = float(rate)
        self.burst = float(burst if burst is not None else max(1.0, rate))
        if not self.burst > 0:
            raise ValueError(f"burst must be > 0, got {burst!r}")
        self._clock = clock or time.monotonic
        self._tokens = self.burst
        self._stamp = self._clock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    @property
    def tokens(self) -> float:
        """Tokens available now (negative while in debt)."""
        self._refill()
        return self._tokens

    def delay(self, tokens: float = 1.0) -> float:
        """Take ``tokens`` and return how long to wait before using them (0 when available)."""
        self._refill()
        self._tokens -= tokens
        if self._tokens >= 0:
            return 0.0
        return -self._tokens / self.rate

    def try_take(self, tokens: float = 1.0) -> float:
        """Take ``tokens`` only if they fit now: 0.0 when taken, else the seconds until they
        would fit (and nothing is taken).

        A request larger than the burst fits a full bucket and leaves it in debt, so no size is
        refused forever and the long-run rate stays ``rate``.
        """
        self._refill()
        need = min(float(tokens), self.burst)
        short = need - self._tokens
        if short <= _FLOAT_SLACK:
            self._tokens -= tokens
            return 0.0
        return short / self.rate


class Ticket:
    """One admitted request: when it started, so a throttle only cuts the limit once per
    round trip (responses to requests sent before the last cut do not cut again)."""

    __slots__ = ("started",)

    def __init__(self, started: float) -> None:
        self.started = started


class AdaptiveLimiter:
    """AIMD concurrency limiter with slow start, a shared pause and optional rate pacing.

    Args:
        maximum: Upper bound of the limit (the ``concurrency`` option).
        initial: Starting limit (default: half the maximum, at least 4; slow start doubles it
            each round trip until the service pushes back).
        rate: Optional requests-per-second cap (token bucket).
        burst: Token bucket size for ``rate``.
        adaptive: With False the limit stays at ``maximum`` (no AIMD).
    """

    def __init__(
        self,
        maximum: int,
        *,
        initial: int | None = None,
        rate: float | None = None,
        burst: float | None = None,
        adaptive: bool = True,
        clock: Callable[[], float] | None = None,
    ) -> None:
        if maximum < 1:
            raise ValueError(f"concurrency must be >= 1, got {maximum!r}")
        self.maximum = maximum
        self.adaptive = adaptive
        start = maximum if not adaptive else min(maximum, initial or max(4, maximum // 2))
        self.limit = float(max(1, start))
        self._clock = clock or time.monotonic
        self._origin = self._clock()
        self._slow_start = adaptive
        self._last_cut = -1.0
        self._pause_until = 0.0
        self.in_flight = 0
        self.throttles = 0
        self._bucket = TokenBucket(rate, burst, clock=self._clock) if rate else None
        #: The adaptive pacing, set at the first throttle (requests per second).
        self._pacer: TokenBucket | None = None
        self._accepted = 0
        self._window_start = self._origin
        #: The best accepted rate seen over a span of _PEAK_SPAN seconds (requests/s).
        self._peak = 0.0
        #: The paced rate when the service last pushed back.
        self._ceiling = 0.0
        self._span_start = self._origin
        self._span_count = 0
        #: Whether each of the last answers was a throttle, and how many were.
        self._recent: collections.deque[bool] = collections.deque(maxlen=_RECENT)
        self._recent_throttles = 0
        self._background = 0.0
        self._answers = 0
        #: Senders waiting for a slot, first come first served.
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()
        self.history: list[tuple[float, int]] = [(0.0, int(self.limit))]

    @property
    def persistent(self) -> bool:
        """Whether the service is pushing back now: a surge of throttles (at least 5 of the last
        100 answers, and above twice their background rate), as opposed to stray or steady
        random 429/503s. Only a surge paces the rate or pauses every sender."""
        throttles = self._recent_throttles
        if throttles < _PERSISTENT:
            return False
        # The background average, corrected for its start at zero (so the first hundreds of
        # answers do not read random faults as a surge), and capped: a service throttling from
        # the very first burst must not teach the limiter that throttling is normal.
        seen = 1.0 - (1.0 - _BACKGROUND_WEIGHT) ** self._answers
        background = min(_BACKGROUND_CAP, self._background / seen)
        return throttles > 2 * background * len(self._recent)

    @property
    def paced_rate(self) -> float | None:
        """The adaptive request rate in force (None until the service first pushed back)."""
        return self._pacer.rate if self._pacer is not None else None

    @property
    def current(self) -> int:
        """The integer limit in force now."""
        return max(1, int(self.limit))

    def _record(self) -> None:
        value = self.current
        if self.history[-1][1] != value:
            self.history.append((round(self._clock() - self._origin, 3), value))
            if len(self.history) > _HISTORY_MAX:
                self.history = self.history[:1] + self.history[1::2]

    def _notify(self) -> None:
        """Wake as many waiting senders as there are free slots (not all of them)."""
        free = self.current - self.in_flight
        waiters = self._waiters
        while free > 0 and waiters:
            waiter = waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                free -= 1

    async def acquire(self) -> Ticket:
        """Wait for a free slot (and the end of any pause, and a rate token)."""
        while True:
            now = self._clock()
            if now < self._pause_until:
                await asyncio.sleep(self._pause_until - now)
                continue
            if self.in_flight < self.current and not self._waiters:
                break
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            except BaseException:
                if waiter.done() and not waiter.cancelled():
                    self._notify()  # pass the wake-up on to the next sender
                else:
                    waiter.cancel()
                raise
            if self.in_flight < self.current:
                break
            # Another sender took the slot between the wake-up and now: wait again.
        self.in_flight += 1
        wait = 0.0
        for bucket in (self._bucket, self._pacer):
            if bucket is not None:
                wait = max(wait, bucket.delay())
        if wait > 0:
            try:
                await asyncio.sleep(wait)
            except BaseException:
                self.in_flight -= 1
                self._notify()
                raise
        return Ticket(self._clock())

    def release(self, ticket: Ticket, *, throttled: bool = False, success: bool = True) -> None:
        """Give the slot back, telling the limiter how the request went.

        Args:
            throttled: The service pushed back (429, 503, a back-off refusal): cut the limit.
            success: The request was answered normally: grow the limit if it was in use.
        """
        saturated = self.in_flight >= self.current
        self.in_flight -= 1
        recent = self._recent
        if len(recent) == recent.maxlen:
            self._recent_throttles -= recent[0]
        recent.append(throttled)
        self._recent_throttles += throttled
        self._background += _BACKGROUND_WEIGHT * (throttled - self._background)
        self._answers += 1
        if self.adaptive:
            if throttled:
                self.throttles += 1
                if ticket.started > self._last_cut:
                    self._cut()
            elif success:
                self._accepted += 1
                self._measure_peak()
                if saturated and self.limit < self.maximum:
                    growth = 1.0 if self._slow_start else 1.0 / self.limit
                    self.limit = min(float(self.maximum), self.limit + growth)
                if self._pacer is not None:
                    # Additive increase: +2% of the rate for every second of successes.
                    # Below the rate of the last push-back, recover a tenth of the gap per
                    # second; past it, probe slowly. (Like CUBIC: the last cut says where the
                    # limit was.)
                    # probe slowly (+2% per second).
                    pacer = self._pacer
                    gap = max(0.0, self._ceiling - pacer.rate)
                    pacer.rate += max(_RATE_GROWTH, _RECOVERY * gap / pacer.rate)
            self._record()
        self._notify()

    def _measure_peak(self) -> None:
        self._span_count += 1
        now = self._clock()
        span = now - self._span_start
        if span >= _PEAK_SPAN:
            self._peak = max(self._peak, self._span_count / span)
            self._span_start = now
            self._span_count = 0
        elif span >= _PEAK_SPAN_FIRST and not self._peak:
            # Until the first full span, a provisional peak (two seconds are long enough not
            # to mistake a service's initial burst allowance for its rate).
            self._peak = self._span_count / span

    def _cut(self) -> None:
        now = self._clock()
        self._slow_start = False
        self.limit = max(1.0, self.limit / 2)
        self._last_cut = now
        window = now - self._window_start
        if not self.persistent:
            return  # a stray 429: the request retries after its Retry-After, the rate stays
        floor = max(_MIN_RATE, self._peak * _PEAK_FLOOR)
        if self._pacer is not None:
            self._ceiling = self._pacer.rate
            self._pacer.rate = max(floor, self._pacer.rate * _RATE_CUT)
        elif self._accepted > 0 and window > 0:
            # First push-back: start pacing just under what the service was seen to accept.
            self._ceiling = self._accepted / window
            rate = max(floor, self._ceiling * _RATE_CUT)
            self._pacer = TokenBucket(rate, 1.0, clock=self._clock)
        self._accepted = 0
        self._window_start = now

    def pause(self, seconds: float) -> None:
        """Hold every sender for ``seconds`` (a ``Retry-After``).

        Once the rate is paced, a ``Retry-After`` no longer stops everyone: the cut of the rate
        already answers it, and the throttled request itself still waits that long before its
        retry. Stopping every sender would waste the service's capacity for the whole pause.
        """
        if seconds > 0 and self._pacer is None and self.persistent:
            self._pause_until = max(self._pause_until, self._clock() + seconds)
