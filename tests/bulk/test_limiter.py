"""The bulk engine's pacing: AdaptiveLimiter (AIMD, slow start, pause, adaptive rate) and
TokenBucket, on an injected clock (no timing assertions, no real waiting)."""

from __future__ import annotations

import asyncio
import random
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cc_campaigns.bulk import limiter as limiter_module
from cc_campaigns.bulk.limiter import AdaptiveLimiter, Ticket, TokenBucket

_real_sleep = asyncio.sleep


class FakeTime:
    """A clock the test moves, and a ``sleep`` that records its argument and moves the clock
    (after yielding once, so that concurrent sleepers all see the time they slept at)."""

    def __init__(self, now: float = 100.0) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        start = self.now
        self.sleeps.append(seconds)
        await _real_sleep(0)
        self.now = max(self.now, start + seconds)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    """Fake time, with the limiter module's ``asyncio.sleep`` replaced by the fake one."""
    clock = FakeTime()
    monkeypatch.setattr(
        limiter_module,
        "asyncio",
        SimpleNamespace(sleep=clock.sleep, get_running_loop=asyncio.get_running_loop),
    )
    return clock


async def settle() -> None:
    """Let every ready task run until it blocks (a bounded number of loop turns)."""
    for _ in range(20):
        await _real_sleep(0)


async def fill(limiter: AdaptiveLimiter) -> list[Ticket]:
    """Acquire every free slot (none of these acquisitions waits)."""
    tickets = []
    while limiter.in_flight < limiter.current:
        tickets.append(await limiter.acquire())
    return tickets


# -- TokenBucket ------------------------------------------------------------------------------


def test_token_bucket_paces_after_the_burst() -> None:
    clock = FakeTime(0.0)
    bucket = TokenBucket(10.0, 2.0, clock=clock)
    assert [bucket.delay() for _ in range(4)] == pytest.approx([0.0, 0.0, 0.1, 0.2])
    clock.now += 0.3  # refills three tokens: the debt of two is paid, one is left
    assert bucket.delay() == 0.0
    assert bucket.delay() == pytest.approx(0.1)


def test_token_bucket_never_holds_more_than_its_burst() -> None:
    clock = FakeTime(0.0)
    bucket = TokenBucket(5.0, 1.0, clock=clock)
    clock.now += 3600
    assert bucket.delay() == 0.0
    assert bucket.delay() == pytest.approx(0.2)


def test_token_bucket_default_burst_is_one_second_of_rate() -> None:
    clock = FakeTime(0.0)
    bucket = TokenBucket(3.0, clock=clock)
    assert [bucket.delay() for _ in range(4)] == pytest.approx([0, 0, 0, 1 / 3])


def test_try_take_takes_only_what_fits() -> None:
    clock = FakeTime(0.0)
    bucket = TokenBucket(10.0, 3.0, clock=clock)
    assert [bucket.try_take() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.try_take() == pytest.approx(0.1)  # refused: nothing taken ...
    assert bucket.try_take() == pytest.approx(0.1)  # ... so the wait does not grow
    clock.now += 0.1
    assert bucket.try_take() == 0.0
    assert bucket.tokens == pytest.approx(0.0)


def test_try_take_admits_more_than_the_burst_from_a_full_bucket_only() -> None:
    clock = FakeTime(0.0)
    bucket = TokenBucket(10.0, 5.0, clock=clock)
    assert bucket.try_take(4) == 0.0
    assert bucket.try_take(20) == pytest.approx(0.4)  # needs the full burst (5), has 1
    clock.now += 0.4
    assert bucket.try_take(20) == 0.0
    assert bucket.tokens == pytest.approx(-15.0)  # in debt: the long-run rate holds
    assert bucket.try_take(1) == pytest.approx(1.6)


def test_try_take_and_delay_share_one_bucket() -> None:
    clock = FakeTime(0.0)
    bucket = TokenBucket(2.0, 2.0, clock=clock)
    assert bucket.delay(3) == pytest.approx(0.5)  # a client takes into debt and waits
    assert bucket.try_take() == pytest.approx(1.0)  # a server sees the debt


@settings(max_examples=200, deadline=None)
@given(
    rate=st.floats(0.5, 1000.0),
    burst=st.floats(1.0, 100.0),
    steps=st.lists(st.tuples(st.floats(0.0, 2.0), st.floats(0.01, 1.0)), min_size=1, max_size=200),
)
def test_try_take_never_grants_more_than_rate_times_elapsed_plus_burst(
    rate: float, burst: float, steps: list[tuple[float, float]]
) -> None:
    """Requests no larger than the burst: what was granted over any run is at most
    ``rate * elapsed + burst`` (the bucket starts full)."""
    clock = FakeTime(0.0)
    bucket = TokenBucket(rate, burst, clock=clock)
    granted = 0.0
    for advance, share in steps:
        clock.now += advance
        size = share * burst
        wait = bucket.try_take(size)
        assert wait >= 0.0
        if wait == 0.0:
            granted += size
        else:
            assert bucket.tokens < size  # refused only when it did not fit
        assert granted <= rate * clock.now + burst + 1e-6 * max(1.0, granted)


@settings(max_examples=200, deadline=None)
@given(
    rate=st.floats(0.5, 100.0),
    burst=st.floats(1.0, 50.0),
    steps=st.lists(st.tuples(st.floats(0.0, 5.0), st.floats(0.1, 200.0)), min_size=1, max_size=100),
)
def test_try_take_with_oversized_requests_stays_within_one_request_of_the_bound(
    rate: float, burst: float, steps: list[tuple[float, float]]
) -> None:
    """A request above the burst may overdraw a full bucket, by at most that request's excess:
    the debt is paid back before anything else is granted."""
    clock = FakeTime(0.0)
    bucket = TokenBucket(rate, burst, clock=clock)
    granted = 0.0
    largest = 0.0
    for advance, size in steps:
        clock.now += advance
        if bucket.try_take(size) == 0.0:
            granted += size
            largest = max(largest, size)
        excess = max(0.0, largest - burst)
        assert granted <= rate * clock.now + burst + excess + 1e-6 * max(1.0, granted)


@settings(max_examples=100, deadline=None)
@given(
    rate=st.floats(0.5, 100.0),
    burst=st.floats(1.0, 50.0),
    size=st.floats(0.01, 1.0),
    start=st.floats(0.0, 10.0),
)
def test_the_wait_try_take_names_is_enough(
    rate: float, burst: float, size: float, start: float
) -> None:
    clock = FakeTime(0.0)
    bucket = TokenBucket(rate, burst, clock=clock)
    while bucket.try_take(size * burst) == 0.0:
        pass  # drain it
    clock.now += start / rate
    wait = bucket.try_take(size * burst)
    if wait:
        clock.now += wait
        assert bucket.try_take(size * burst) == 0.0


@pytest.mark.parametrize("rate", [0, -1.0])
def test_token_bucket_refuses_a_non_positive_rate(rate: float) -> None:
    with pytest.raises(ValueError, match="rate"):
        TokenBucket(rate)


# -- AdaptiveLimiter: admission --------------------------------------------------------------


def test_limiter_refuses_a_zero_maximum() -> None:
    with pytest.raises(ValueError, match="concurrency"):
        AdaptiveLimiter(0)


async def test_never_admits_more_than_current(fake: FakeTime) -> None:
    limiter = AdaptiveLimiter(8, initial=3, clock=fake)
    gate = asyncio.Event()
    admitted_over: list[tuple[int, int]] = []
    peak = 0

    async def sender() -> None:
        nonlocal peak
        ticket = await limiter.acquire()
        peak = max(peak, limiter.in_flight)
        if limiter.in_flight > limiter.current:
            admitted_over.append((limiter.in_flight, limiter.current))
        await gate.wait()
        limiter.release(ticket, success=False)  # no growth: the limit stays 3

    tasks = [asyncio.create_task(sender()) for _ in range(20)]
    await settle()
    assert limiter.in_flight == 3
    assert sum(task.done() for task in tasks) == 0
    gate.set()
    await asyncio.gather(*tasks)
    assert peak == 3
    assert admitted_over == []
    assert limiter.in_flight == 0


async def test_admission_bound_holds_under_random_throttling(fake: FakeTime) -> None:
    """Whatever the mix of answers, a sender is only admitted into a free slot."""
    rng = random.Random(5)
    limiter = AdaptiveLimiter(12, initial=2, clock=fake)
    violations = []
    completed = 0

    async def sender() -> None:
        nonlocal completed
        for _ in range(30):
            slept = len(fake.sleeps)
            ticket = await limiter.acquire()
            # A sender that waited for a rate token after taking its slot may find the limit
            # cut meanwhile (like any request in flight at a cut); one that did not must fit.
            if limiter.in_flight > limiter.current and len(fake.sleeps) == slept:
                violations.append((limiter.in_flight, limiter.current))
            await _real_sleep(0)
            fake.now += 0.01
            roll = rng.random()
            limiter.release(ticket, throttled=roll < 0.15, success=roll >= 0.05)
            completed += 1

    await asyncio.gather(*(sender() for _ in range(25)))
    assert completed == 25 * 30
    assert violations == []
    assert limiter.throttles > 50  # the limit really moved
    assert limiter.in_flight == 0
    assert 1 <= limiter.current <= 12


async def test_a_cancelled_waiter_passes_its_wake_up_on(fake: FakeTime) -> None:
    limiter = AdaptiveLimiter(1, clock=fake)
    held = await limiter.acquire()
    first = asyncio.create_task(limiter.acquire())
    second = asyncio.create_task(limiter.acquire())
    await settle()
    limiter.release(held, success=False)  # wakes ``first`` ...
    first.cancel()  # ... which is cancelled before it runs
    await settle()
    assert first.cancelled()
    assert second.done()
    limiter.release(second.result(), success=False)
    assert limiter.in_flight == 0


# -- AdaptiveLimiter: AIMD ---------------------------------------------------------------------


async def test_slow_start_doubles_the_limit_per_round_trip(fake: FakeTime) -> None:
    limiter = AdaptiveLimiter(64, initial=2, clock=fake)
    tickets = await fill(limiter)
    limits = []
    for _ in range(4):
        previous, tickets = tickets, []
        for ticket in previous:
            limiter.release(ticket, success=True)
            tickets += await fill(limiter)
        limits.append(limiter.current)
    assert limits == [4, 8, 16, 32]
    assert [value for _, value in limiter.history] == [2, 3, 4, 5, 6, 7, 8, *range(9, 33)]


async def test_after_a_throttle_growth_is_about_one_per_round_trip(fake: FakeTime) -> None:
    limiter = AdaptiveLimiter(64, initial=16, clock=fake)
    tickets = await fill(limiter)
    fake.now += 1
    limiter.release(tickets.pop(), throttled=True)
    assert limiter.current == 8
    for ticket in tickets:  # the other answers drain without a change
        limiter.release(ticket, success=False)
    assert limiter.limit == 8.0
    for ticket in await fill(limiter):  # one round trip with every slot in use
        limiter.release(ticket, success=True)
        await fill(limiter)
    # Congestion avoidance: 8 increments of 1/limit, not the doubling of slow start.
    assert 8.9 < limiter.limit < 9.0


async def test_a_throttle_halves_the_limit_at_most_once_per_round_trip(fake: FakeTime) -> None:
    limiter = AdaptiveLimiter(16, initial=16, clock=fake)
    fake.now = 1.0
    early = [await limiter.acquire() for _ in range(4)]
    fake.now = 2.0
    limiter.release(early[0], throttled=True)
    assert limiter.current == 8
    limiter.release(early[1], throttled=True)  # sent before that cut
    limiter.release(early[2], throttled=True)
    assert limiter.current == 8
    fake.now = 3.0
    late = await limiter.acquire()  # sent after the cut: its throttle cuts again
    fake.now = 4.0
    limiter.release(late, throttled=True)
    assert limiter.current == 4
    limiter.release(early[3], throttled=True)
    assert limiter.current == 4
    assert limiter.throttles == 5


async def test_the_limit_never_falls_below_one(fake: FakeTime) -> None:
    limiter = AdaptiveLimiter(4, initial=4, clock=fake)
    for step in range(10):
        fake.now = 10.0 + step
        ticket = await limiter.acquire()
        fake.now += 0.5
        limiter.release(ticket, throttled=True)
    assert limiter.current == 1
    assert limiter.limit == 1.0


async def test_growth_only_while_saturated(fake: FakeTime) -> None:
    limiter = AdaptiveLimiter(16, initial=4, clock=fake)
    for _ in range(10):  # one request at a time: the limit of 4 is never in use
        limiter.release(await limiter.acquire(), success=True)
    assert limiter.current == 4
    tickets = await fill(limiter)
    limiter.release(tickets.pop(), success=True)  # all 4 slots were in use
    assert limiter.current == 5


async def test_failures_neither_grow_nor_cut(fake: FakeTime) -> None:
    limiter = AdaptiveLimiter(16, initial=4, clock=fake)
    for ticket in await fill(limiter):
        limiter.release(ticket, success=False)
    assert limiter.current == 4
    assert limiter.paced_rate is None


async def test_not_adaptive_keeps_the_maximum(fake: FakeTime) -> None:
    limiter = AdaptiveLimiter(6, initial=2, adaptive=False, clock=fake)
    assert limiter.current == 6
    tickets = await fill(limiter)
    assert len(tickets) == 6
    fake.now += 1
    for ticket in tickets:
        limiter.release(ticket, throttled=True)
    assert limiter.current == 6
    assert limiter.paced_rate is None


# -- AdaptiveLimiter: pause and rates -----------------------------------------------------------


async def persist(limiter: AdaptiveLimiter, fake: FakeTime) -> None:
    """Throttled answers to requests sent together (so one cut): persistent push-back."""
    tickets = [await limiter.acquire() for _ in range(limiter_module._PERSISTENT)]
    fake.now += 1
    for ticket in tickets:
        limiter.release(ticket, throttled=True)
    assert limiter.persistent


async def test_a_stray_throttle_cuts_the_limit_but_neither_paces_nor_pauses(
    fake: FakeTime,
) -> None:
    limiter = AdaptiveLimiter(16, initial=16, clock=fake)
    for _ in range(10):
        limiter.release(await limiter.acquire(), success=True)
    ticket = await limiter.acquire()
    fake.now += 1
    limiter.release(ticket, throttled=True)
    assert limiter.current == 8
    assert not limiter.persistent
    assert limiter.paced_rate is None
    limiter.pause(5.0)  # its Retry-After delays its own retry only
    limiter.release(await limiter.acquire(), success=False)
    assert fake.sleeps == []


async def test_throttling_stops_being_persistent_once_it_is_old(fake: FakeTime) -> None:
    limiter = AdaptiveLimiter(16, initial=16, clock=fake)
    await persist(limiter, fake)
    for _ in range(limiter_module._RECENT - 1):
        limiter.release(await limiter.acquire(), success=True)
    assert not limiter.persistent


async def test_pause_holds_every_sender_once_throttling_is_persistent(fake: FakeTime) -> None:
    limiter = AdaptiveLimiter(16, initial=16, clock=fake)
    await persist(limiter, fake)
    assert limiter.paced_rate is None  # nothing was accepted yet: no rate to pace at
    limiter.pause(5.0)
    start = fake.now
    tickets = await asyncio.gather(*(limiter.acquire() for _ in range(3)))
    assert fake.sleeps == [5.0, 5.0, 5.0]
    assert all(ticket.started >= start + 5.0 for ticket in tickets)
    for ticket in tickets:
        limiter.release(ticket, success=False)
    fake.sleeps.clear()
    limiter.pause(0)  # nothing to wait for
    limiter.release(await limiter.acquire(), success=False)
    assert fake.sleeps == []


async def test_a_shorter_pause_does_not_shorten_a_longer_one(fake: FakeTime) -> None:
    limiter = AdaptiveLimiter(16, initial=16, clock=fake)
    await persist(limiter, fake)
    limiter.pause(5.0)
    limiter.pause(1.0)
    await limiter.acquire()
    assert fake.sleeps == [5.0]


async def test_the_paced_rate_is_set_at_the_first_persistent_throttle_and_cut_on_later_ones(
    fake: FakeTime,
) -> None:
    limiter = AdaptiveLimiter(16, initial=16, clock=fake)  # created at t=100
    fake.now = 101.0
    for _ in range(10):
        limiter.release(await limiter.acquire(), success=True)
    await persist(limiter, fake)  # t=102: one cut, made before throttling was persistent
    assert limiter.paced_rate is None
    fake.now = 103.0
    throttled = await limiter.acquire()
    fake.now = 104.0
    limiter.release(throttled, throttled=True)
    # 10 requests accepted in the 4 s since the start, less 15%.
    first = 10 / 4 * 0.85
    assert limiter.paced_rate == pytest.approx(first)
    # Successes raise it: below the rate of the push-back (10/4 per second) it recovers a tenth
    # of the gap per second, at least +2%/s.
    limiter.release(await limiter.acquire(), success=True)
    grown = first + max(0.02, 0.1 * (10 / 4 - first) / first)
    assert limiter.paced_rate == pytest.approx(grown)
    # A throttle of a request sent before the cut does not cut it again ...
    limiter.in_flight += 1
    limiter.release(Ticket(103.5), throttled=True)
    assert limiter.paced_rate == pytest.approx(grown)
    # ... a later one does (multiplicative decrease), never below half the best rate (11 accepted
    # over the first 4 s: a provisional 2.75/s).
    fake.now = 105.0
    later = await limiter.acquire()
    fake.now = 106.0
    limiter.release(later, throttled=True)
    assert limiter.paced_rate == pytest.approx(max(grown * 0.85, 11 / 4 / 2))


async def test_random_throttles_at_a_steady_rate_do_not_pace(fake: FakeTime) -> None:
    # A steady 6% of throttles (above the 5-in-100 threshold), long enough for the background
    # average to learn it: no surge.
    limiter = AdaptiveLimiter(16, initial=16, clock=fake)
    for i in range(3000):
        fake.now += 0.01
        ticket = await limiter.acquire()
        limiter.release(ticket, throttled=i % 16 == 0, success=i % 16 != 0)
    assert not limiter.persistent
    # A burst of throttles well above that background is a surge.
    for _ in range(12):
        fake.now += 0.01
        limiter.release(await limiter.acquire(), throttled=True)
    assert limiter.persistent


async def test_no_paced_rate_before_anything_was_accepted(fake: FakeTime) -> None:
    limiter = AdaptiveLimiter(16, initial=16, clock=fake)
    await persist(limiter, fake)
    fake.now += 1
    ticket = await limiter.acquire()
    fake.now += 1
    limiter.release(ticket, throttled=True)
    assert limiter.paced_rate is None
    assert limiter.current == 4


async def paced(limiter: AdaptiveLimiter, fake: FakeTime) -> float:
    """Drive ``limiter`` into pacing: 4 accepted, persistent push-back, one more throttle."""
    fake.now = 101.0
    for _ in range(4):
        limiter.release(await limiter.acquire(), success=True)
    await persist(limiter, fake)
    fake.now = 103.0
    throttled = await limiter.acquire()
    fake.now = 104.0
    limiter.release(throttled, throttled=True)
    rate = limiter.paced_rate
    assert rate == pytest.approx(4 / 4 * 0.85)
    assert rate is not None
    return rate


async def test_the_paced_rate_spaces_requests_out(fake: FakeTime) -> None:
    limiter = AdaptiveLimiter(16, initial=16, clock=fake)
    rate = await paced(limiter, fake)
    fake.sleeps.clear()
    for _ in range(3):
        limiter.release(await limiter.acquire(), success=False)
    # A burst of one: the first request goes at once, the next ones 1/rate apart.
    assert fake.sleeps == pytest.approx([1 / rate, 1 / rate])


async def test_once_paced_a_retry_after_no_longer_stops_everyone(fake: FakeTime) -> None:
    limiter = AdaptiveLimiter(16, initial=16, clock=fake)
    await paced(limiter, fake)
    assert limiter.persistent
    fake.now = 200.0  # the pacer's token is back
    fake.sleeps.clear()
    limiter.pause(30.0)
    limiter.release(await limiter.acquire(), success=False)
    assert fake.sleeps == []


async def test_a_fixed_rate_cap(fake: FakeTime) -> None:
    limiter = AdaptiveLimiter(8, rate=2.0, burst=1.0, adaptive=False, clock=fake)
    for _ in range(4):
        limiter.release(await limiter.acquire(), success=True)
    assert fake.sleeps == pytest.approx([0.5, 0.5, 0.5])


async def test_a_cancelled_rate_wait_gives_the_slot_back(fake: FakeTime) -> None:
    limiter = AdaptiveLimiter(2, rate=1.0, burst=1.0, adaptive=False, clock=fake)
    first = await limiter.acquire()
    waiting = asyncio.create_task(limiter.acquire())  # waits for a rate token
    await _real_sleep(0)
    assert limiter.in_flight == 2
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert limiter.in_flight == 1
    limiter.release(first, success=True)
    assert limiter.in_flight == 0
