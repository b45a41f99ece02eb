"""The health rules on their own (bulk/health.py): when failures say an upload cannot succeed."""

from __future__ import annotations

import pytest

from cc_campaigns import (
    ApiError,
    CampaignStoppedError,
    ConnectError,
    RateLimitedError,
    ServerError,
    TLSError,
    UnexpectedResponseError,
)
from cc_campaigns.bulk.health import SERVER_ERRORS_BEFORE_DIAGNOSIS, UNEXPECTED_LIMIT, Health


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


class Looker:
    def __init__(self, answer: ApiError | None = None, fail: bool = False) -> None:
        self.answer, self.fail, self.calls = answer, fail, 0

    async def __call__(self) -> ApiError | None:
        self.calls += 1
        if self.fail:
            raise RuntimeError("looking failed")
        return self.answer


def server_error(status: int = 500) -> ServerError:
    return ServerError("Internal server error.", status=status)


async def test_tls_stops_at_once(clock: Clock) -> None:
    health = Health(dead_after=60, diagnose=Looker(), clock=clock)
    error = TLSError("certificate verify failed")
    verdict = await health.judge(error)
    assert verdict is not None and verdict[0] is error and "TLS failed" in verdict[1]


async def test_answers_that_are_not_the_apis_stop_at_the_limit(clock: Clock) -> None:
    health = Health(dead_after=60, diagnose=Looker(), clock=clock)
    odd = UnexpectedResponseError("an HTML page", status=200)
    for _ in range(UNEXPECTED_LIMIT - 1):
        assert await health.judge(odd) is None
    verdict = await health.judge(odd)
    assert verdict is not None and f"{UNEXPECTED_LIMIT} answers were not the API's" in verdict[1]


async def test_no_usable_answer_for_dead_after_stops(clock: Clock) -> None:
    health = Health(dead_after=60, diagnose=Looker(), clock=clock)
    lost = ConnectError("connection refused")
    clock.now += 59
    assert await health.judge(lost) is None
    clock.now += 2
    verdict = await health.judge(lost)
    assert verdict is not None and "no usable answer from the service for 61 s" in verdict[1]


@pytest.mark.parametrize(
    "usable", [RateLimitedError("slow down", status=429), server_error(503)], ids=["429", "503"]
)
async def test_a_refusal_is_a_usable_answer(clock: Clock, usable: ApiError) -> None:
    health = Health(dead_after=60, diagnose=Looker(), clock=clock)
    clock.now += 50
    assert await health.judge(usable) is None  # the clock starts again
    clock.now += 50
    assert await health.judge(ConnectError("refused")) is None
    health.alive()
    clock.now += 59
    assert await health.judge(ConnectError("refused")) is None


async def test_a_run_of_5xx_looks_at_the_target_once(clock: Clock) -> None:
    stopped = CampaignStoppedError("campaign 1 is stopped")
    looker = Looker(stopped)
    health = Health(dead_after=600, diagnose=looker, clock=clock)
    for _ in range(SERVER_ERRORS_BEFORE_DIAGNOSIS - 1):
        assert await health.judge(server_error()) is None
    assert await health.judge(server_error()) == (stopped, str(stopped))
    assert await health.judge(server_error()) is None  # once per upload
    assert looker.calls == 1


async def test_a_usable_answer_resets_the_run_of_5xx(clock: Clock) -> None:
    looker = Looker(CampaignStoppedError("stopped"))
    health = Health(dead_after=600, diagnose=looker, clock=clock)
    for _ in range(SERVER_ERRORS_BEFORE_DIAGNOSIS - 1):
        assert await health.judge(server_error(502)) is None
    health.alive()
    for _ in range(SERVER_ERRORS_BEFORE_DIAGNOSIS - 1):
        assert await health.judge(server_error(502)) is None
    assert looker.calls == 0


@pytest.mark.parametrize("looker", [Looker(None), Looker(fail=True)], ids=["nothing", "raises"])
async def test_looking_never_breaks_the_upload(clock: Clock, looker: Looker) -> None:
    health = Health(dead_after=600, diagnose=looker, clock=clock)
    for _ in range(SERVER_ERRORS_BEFORE_DIAGNOSIS):
        assert await health.judge(server_error()) is None
    assert looker.calls == 1
