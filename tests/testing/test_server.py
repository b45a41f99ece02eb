"""cc_campaigns.testing: the shared server base, the fault plan, the per-key rate limit and the
runner every simulator builds on. Loopback only."""

from __future__ import annotations

import asyncio
import re
import socket

import aiohttp
import pytest
from aiohttp import web

import cc_campaigns.testing as testing
from cc_campaigns.bulk.limiter import TokenBucket
from cc_campaigns.testing import (
    Dropped,
    Fault,
    FaultPlan,
    LoopbackServer,
    PerKeyRateLimit,
    drop,
    json_response,
    run,
    serve,
)


class Echo(LoopbackServer):
    """The smallest simulator: ``GET /v9/hello`` answers JSON, ``GET /v9/drop`` drops."""

    url_path = "/v9"

    def __init__(self, **options: object) -> None:
        super().__init__(**options)  # type: ignore[arg-type]
        self.app = web.Application()
        self.app.router.add_get("/v9/hello", self.hello)
        self.app.router.add_get("/v9/drop", self.dropped)
        self.app.router.add_get("/v9/slow", self.slow)

    async def hello(self, request: web.Request) -> web.StreamResponse:
        await self.apply_latency()
        return json_response({"id": 10**22}, status=201, headers={"X-Seen": "1"})

    async def dropped(self, request: web.Request) -> web.StreamResponse:
        return drop(request)

    async def slow(self, request: web.Request) -> web.StreamResponse:
        await self.pause(3600)
        return json_response({"released": True})


async def test_the_server_listens_on_a_free_loopback_port() -> None:
    server = Echo()
    with pytest.raises(RuntimeError, match="not started"):
        _ = server.url
    async with server:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/v9", server.url)
        assert server.port != 0 and server.root_url == server.url.removesuffix("/v9")
        assert server.started
        async with aiohttp.ClientSession() as http, http.get(server.url + "/hello") as answer:
            assert answer.status == 201 and answer.headers["X-Seen"] == "1"
            assert await answer.text() == '{"id":10000000000000000000000}'  # > 64 bits
        with pytest.raises(RuntimeError, match="already started"):
            await server.start()
    assert not server.started
    assert server.url.startswith("http://127.0.0.1:")  # still names where it listened
    await server.close()  # twice is harmless


async def test_a_dropped_connection_gets_no_answer() -> None:
    async with Echo() as server, aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.ClientError):
            async with http.get(server.url + "/drop") as answer:
                await answer.read()
    assert isinstance(Dropped(status=599), web.Response)


async def test_a_held_answer_is_released_when_the_server_closes() -> None:
    server = Echo()
    await server.start()
    held = asyncio.create_task(server.pause(3600))
    await asyncio.sleep(0)
    await server.stop()
    await asyncio.wait_for(held, timeout=10)  # at once, not after an hour


async def test_a_restarted_server_holds_answers_again() -> None:
    server = Echo()
    await server.start()
    await server.close()
    await server.start()
    try:
        held = asyncio.create_task(server.pause(3600))
        await asyncio.sleep(0.01)
        assert not held.done()  # the close of the first run does not end this pause
    finally:
        await server.close()
    await asyncio.wait_for(held, timeout=10)


async def test_latency_is_the_plans() -> None:
    async with Echo(faults=FaultPlan(latency=0.001)) as server:
        assert server.faults.latency == 0.001
        async with aiohttp.ClientSession() as http, http.get(server.url + "/hello") as answer:
            assert answer.status == 201


def test_the_plan_refuses_bad_knobs() -> None:
    for bad in (
        {"error_rate": 1.5},
        {"throttle_rate": -0.1},
        {"timeout_rate": 2},
        {"disconnect_rate": -1},
        {"latency": -1},
        {"retry_after": -1},
        {"capacity": 0},
    ):
        with pytest.raises(ValueError):
            FaultPlan(**bad)  # type: ignore[arg-type]
    FaultPlan(error_rate=0.6, throttle_rate=0.6)  # sequential draws: any rates
    with pytest.raises(ValueError, match="add up to at most 1"):
        FaultPlan(error_rate=0.6, throttle_rate=0.6).check_shares()


def test_a_seed_gives_the_same_faults() -> None:
    def faults(seed: int) -> list[object]:
        plan = FaultPlan(
            error_rate=0.2, throttle_rate=0.2, timeout_rate=0.3, disconnect_rate=0.3, seed=seed
        )
        return [(plan.request_fault(), plan.outcome_fault(), plan.any_fault()) for _ in range(50)]

    assert faults(3) == faults(3)
    assert faults(3) != faults(4)
    seen = {fault for triple in faults(3) for fault in triple}
    assert seen == {None, *Fault}


def test_no_draw_is_made_for_a_rate_of_zero() -> None:
    """Turning one fault on leaves the others' sequence alone: a zero rate draws nothing."""
    quiet = FaultPlan(seed=5)
    assert [quiet.request_fault() for _ in range(10)] == [None] * 10
    assert quiet.any_fault() is None and quiet.outcome_fault() is None
    fresh = FaultPlan(seed=5)
    assert quiet.random.random() == fresh.random.random()


def test_rates_of_one_always_fault_in_their_order() -> None:
    plan = FaultPlan(error_rate=1.0, throttle_rate=1.0, timeout_rate=1.0, disconnect_rate=1.0)
    assert plan.request_fault() is Fault.UNAVAILABLE
    assert plan.outcome_fault() is Fault.TIMEOUT
    assert FaultPlan(throttle_rate=1.0).request_fault() is Fault.THROTTLED
    assert FaultPlan(disconnect_rate=1.0).outcome_fault() is Fault.DISCONNECT
    assert FaultPlan(timeout_rate=1.0).any_fault() is Fault.TIMEOUT


def test_any_fault_reads_the_rates_as_shares() -> None:
    plan = FaultPlan(error_rate=0.25, throttle_rate=0.25, timeout_rate=0.25, seed=1)
    drawn = [plan.any_fault() for _ in range(4000)]
    for fault in (Fault.UNAVAILABLE, Fault.THROTTLED, Fault.TIMEOUT):
        assert 800 < drawn.count(fault) < 1200
    assert Fault.DISCONNECT not in drawn and 800 < drawn.count(None) < 1200


def test_capacity_admits_from_the_one_token_bucket() -> None:
    plan = FaultPlan(capacity=10)
    assert isinstance(plan.bucket, TokenBucket)
    assert plan.bucket.rate == plan.bucket.burst == 10
    assert plan.admit(10) == 0
    assert plan.admit(1) == 1  # whole seconds, at least one
    assert FaultPlan().admit(10**6) == 0  # no capacity: no limit


def test_the_per_key_limit_is_a_bucket_per_key() -> None:
    now = [0.0]
    limit = PerKeyRateLimit(rate=2, burst=2, clock=lambda: now[0])
    assert [limit.check("a"), limit.check("a")] == [None, None]
    assert limit.check("a") == pytest.approx(0.5)
    assert limit.check("b") is None
    now[0] = 0.5
    assert limit.check("a") is None
    with pytest.raises(ValueError):
        PerKeyRateLimit(rate=1, burst=0)


async def test_serve_announces_once_and_stops_on_request() -> None:
    stop = asyncio.Event()
    urls: list[str] = []
    server = Echo()

    def announce(url: str) -> None:
        urls.append(url)
        stop.set()

    await asyncio.wait_for(serve(server, announce=announce, stop=stop), timeout=10)
    assert urls == [server.url] and not server.started


def test_run_reports_a_port_in_use(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert run(Echo(port=port)) == 1
    assert capsys.readouterr().err.startswith("error: ")


def test_the_simulators_are_reexported_lazily() -> None:
    from cc_campaigns.dynamic.simulator import Simulator
    from cc_campaigns.voipbin.simulator import VoipbinSimulator

    assert testing.Simulator is Simulator
    assert testing.VoipbinSimulator is VoipbinSimulator
    assert issubclass(Simulator, LoopbackServer) and issubclass(VoipbinSimulator, LoopbackServer)
    with pytest.raises(AttributeError):
        _ = testing.NoSuchThing  # type: ignore[attr-defined]
    for name in testing.__all__:
        assert getattr(testing, name) is not None
    assert testing.__all__ == sorted(testing.__all__)


#: Every name of the simulator modules' ``__all__`` before the shared base existed (and the
#: deprecated ``cc_campaigns.simulator``): they all still import.
YESTERDAYS_NAMES: dict[str, list[str]] = {
    "cc_campaigns.dynamic.simulator": [
        "Messages",
        "Servable",
        "Simulator",
        "SimulatorStats",
        "Variants",
        "parse_id_range",
        "serve",
    ],
    "cc_campaigns.dynamic.simulator.faults": [
        "BatchFault",
        "Faults",
        "RequestFault",
        "TokenBucket",
    ],
    "cc_campaigns.dynamic.simulator.state": [
        "ApiFailure",
        "Clock",
        "MAX_SCHEDULE_AHEAD",
        "MSG_CAMPAIGN_NOT_FOUND",
        "MSG_CUSTOMER_NOT_FOUND",
        "MSG_DELETE_ACCEPTED",
        "MSG_DELETE_COMPLETED",
        "MSG_DNC",
        "MSG_DUPLICATE",
        "MSG_INVALID_CUSTOMER_ID",
        "MSG_INVALID_LIST",
        "MSG_INVALID_SCHEDULE",
        "MSG_INVALID_TRANSITION",
        "MSG_NOT_DYNAMIC",
        "MSG_NOT_ENABLED",
        "MSG_NOT_IN_CRM",
        "MSG_NOT_STARTED",
        "MSG_OUTSIDE_SCHEDULE",
        "MSG_SCHEDULE_PAST",
        "MSG_SCHEDULE_TOO_FAR",
        "MSG_STATUS_CHANGED",
        "MSG_STOPPED",
        "SimCampaign",
        "SimState",
        "format_vendor_time",
        "parse_schedule",
        "phone_number",
        "utc_now",
    ],
    "cc_campaigns.dynamic.simulator.app": [
        "MSG_DELETED",
        "MSG_METHOD_NOT_ALLOWED",
        "MSG_SERVICE_UNAVAILABLE",
        "MSG_TIMED_OUT",
        "MSG_TOO_MANY_REQUESTS",
        "MSG_UNAUTHORIZED",
        "SimulatorStats",
        "build_app",
    ],
    "cc_campaigns.dynamic.simulator.variants": [
        "DEFAULT",
        "DELETE_NOT_FOUND_WORDINGS",
        "GUIDE_MESSAGES",
        "GUIDE_TABLES",
        "Messages",
        "OPENAPI",
        "OPENAPI_MESSAGES",
        "Operation",
        "PRESETS",
        "SUPPORT",
        "SUPPORT_MESSAGES",
        "StatusMethods",
        "Token",
        "Variants",
    ],
    "cc_campaigns.dynamic.simulator.__main__": [
        "build_parser",
        "main",
        "simulator_from_args",
        "variants_from_args",
    ],
    "cc_campaigns.voipbin.simulator": [
        "REASONS",
        "RateLimiter",
        "SimError",
        "SimState",
        "SimStats",
        "VoipbinSimulator",
    ],
    "cc_campaigns.voipbin.simulator.state": [
        "REASONS",
        "RateLimiter",
        "SimError",
        "SimState",
        "SimStats",
    ],
    "cc_campaigns.voipbin.simulator.app": ["VoipbinSimulator"],
    "cc_campaigns.voipbin.simulator.__main__": [
        "build_parser",
        "main",
        "serve",
        "simulator_from_args",
    ],
    "cc_campaigns.bulk.limiter": ["AdaptiveLimiter", "Ticket", "TokenBucket"],
}


@pytest.mark.parametrize("module", sorted(YESTERDAYS_NAMES))
def test_yesterdays_names_still_import(module: str) -> None:
    import importlib

    imported = importlib.import_module(module)
    for name in YESTERDAYS_NAMES[module]:
        assert hasattr(imported, name), f"{module}.{name}"
    assert set(YESTERDAYS_NAMES[module]) <= set(imported.__all__)


def test_the_deprecated_alias_package_still_serves_the_8x8_simulator() -> None:
    import importlib
    import sys

    sys.modules.pop("cc_campaigns.simulator", None)
    with pytest.warns(DeprecationWarning, match="cc_campaigns.dynamic.simulator"):
        alias = importlib.import_module("cc_campaigns.simulator")
    from cc_campaigns.dynamic.simulator import Simulator

    assert alias.Simulator is Simulator
    assert alias.serve is serve
