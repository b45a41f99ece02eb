"""The VoIPbin simulator itself: HTTP behaviour, strict request reading, the rate limiter, the
``stopping`` rules, faults, stats, and the ``python -m`` entry point. Loopback only."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import orjson
import pytest

from cc_campaigns import TransportError
from cc_campaigns.voipbin import CampaignStatus, VoipbinClient
from cc_campaigns.voipbin.simulator import (
    REASONS,
    RateLimiter,
    SimError,
    SimState,
    VoipbinSimulator,
)
from cc_campaigns.voipbin.wire import parse_timestamp

from ..servers import assert_no_sdk_imports

KEY = "test-key"


@pytest.fixture
async def vsim() -> AsyncIterator[VoipbinSimulator]:
    async with VoipbinSimulator(rate=None) as simulator:
        yield simulator


async def call(
    sim: VoipbinSimulator,
    method: str,
    path: str,
    *,
    body: Any = None,
    raw: bytes | None = None,
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any, Any]:
    """One raw request; (status, JSON body, headers)."""
    query = {"accesskey": KEY} if params is None else params
    data = raw if raw is not None else (orjson.dumps(body) if body is not None else None)
    async with (
        aiohttp.ClientSession() as http,
        http.request(method, sim.url + path, params=query, data=data, headers=headers) as answer,
    ):
        payload = orjson.loads(await answer.read()) if answer.content_length != 0 else None
        return answer.status, payload, answer.headers


def error_of(payload: Any) -> dict[str, Any]:
    error = payload["error"]
    assert set(error) <= {"status", "reason", "message", "request_id", "details"}
    assert error["reason"] in REASONS and error["request_id"]
    return dict(error)


# -- the rate limiter --------------------------------------------------------------------------


def test_gcra_allows_the_burst_then_the_rate() -> None:
    now = [100.0]
    limiter = RateLimiter(rate=10, burst=3, clock=lambda: now[0])
    assert [limiter.check("a") for _ in range(3)] == [None, None, None]
    wait = limiter.check("a")
    assert wait == pytest.approx(0.1)
    assert limiter.check("b") is None  # each key has its own bucket
    now[0] += 0.1
    assert limiter.check("a") is None
    assert limiter.check("a") == pytest.approx(0.1)
    now[0] += 10
    assert [limiter.check("a") for _ in range(4)][:3] == [None, None, None]
    with pytest.raises(ValueError):
        RateLimiter(rate=0, burst=1)


def test_voipbin_defaults_allow_33_at_once() -> None:
    limiter = RateLimiter(rate=16.7, burst=33, clock=lambda: 0.0)
    results = [limiter.check("k") for _ in range(34)]
    assert results[:33] == [None] * 33
    assert results[33] == pytest.approx(1 / 16.7)


# -- state rules (no HTTP) ---------------------------------------------------------------------


def test_stopping_lasts_for_polls_and_delay() -> None:
    now = [0.0]
    state = SimState(stop_polls=1, stop_delay=5.0, clock=lambda: now[0])
    campaign = state.create_campaign({"name": "c"})
    state.set_campaign_status(campaign.id, {"status": "run"})
    assert state.set_campaign_status(campaign.id, {"status": "stop"}).status == "stopping"
    assert state.get_campaign(campaign.id).status == "stopping"  # the one poll
    assert state.get_campaign(campaign.id).status == "stopping"  # the delay is not over
    now[0] = 5.0
    assert state.get_campaign(campaign.id).status == "stop"


def test_stop_is_immediate_without_polls_or_delay() -> None:
    state = SimState(stop_polls=0)
    campaign = state.create_campaign({})
    state.set_campaign_status(campaign.id, {"status": "run"})
    assert state.set_campaign_status(campaign.id, {"status": "stop"}).status == "stop"


def test_strict_reading() -> None:
    state = SimState()
    with pytest.raises(SimError) as info:
        state.create_campaign({"name": 3})
    assert info.value.reason == "INVALID_ARGUMENT" and info.value.details["field"] == "name"
    with pytest.raises(SimError, match="one of call, flow"):
        state.create_campaign({"type": "sms"})
    with pytest.raises(SimError, match="UUID"):
        state.create_campaign({"queue_id": "q"})
    with pytest.raises(SimError) as info:
        state.create_campaign({"outplan_id": "d5fb7357-7ddb-4f2d-87b5-8ccbfd6c039e"})
    assert info.value.reason == "OUTPLAN_NOT_FOUND"
    outdial = state.create_outdial({"name": "o"})
    with pytest.raises(SimError) as info:
        state.add_target(outdial.id, {"name": "no destination"})
    assert info.value.details == {"missing": ["destination_0"]}
    with pytest.raises(SimError, match=r"E\.164"):
        state.add_target(outdial.id, {"destination_0": {"type": "tel", "target": "555"}})
    with pytest.raises(SimError, match="address type"):
        state.add_target(outdial.id, {"destination_0": {"type": "fax", "target": "1"}})
    with pytest.raises(SimError) as info:
        state.add_target(outdial.id, {"destination_0": {"type": "tel", "target": "+1", "x": ""}})
    assert info.value.details == {"unknown": ["x"]}
    with pytest.raises(SimError, match="status must be"):
        campaign = state.create_campaign({})
        state.set_campaign_status(campaign.id, {"status": "stopping"})


# -- HTTP --------------------------------------------------------------------------------------


async def test_every_error_is_the_envelope(vsim: VoipbinSimulator) -> None:
    status, body, headers = await call(vsim, "GET", "/campaigns", params={})
    assert (status, error_of(body)["reason"]) == (401, "UNAUTHORIZED")
    assert headers["X-Request-Id"] == body["error"]["request_id"]
    status, body, _ = await call(vsim, "GET", "/nothing-here")
    assert (status, error_of(body)["reason"]) == (404, "NOT_FOUND")
    status, body, _ = await call(vsim, "PATCH", "/campaigns")
    assert (status, error_of(body)["reason"]) == (405, "METHOD_NOT_ALLOWED")
    status, body, _ = await call(vsim, "POST", "/campaigns", raw=b"{nope")
    assert (status, error_of(body)["reason"]) == (400, "INVALID_ARGUMENT")
    status, body, _ = await call(vsim, "POST", "/campaigns")
    assert (status, error_of(body)["message"]) == (400, "a JSON body is required")
    status, body, _ = await call(vsim, "GET", "/campaigns/not-a-uuid")
    assert (status, error_of(body)["reason"]) == (400, "INVALID_ARGUMENT")
    status, body, _ = await call(vsim, "GET", "/outdials/5b2c4a1e-0000-4000-8000-000000000001")
    assert (status, error_of(body)["reason"]) == (404, "OUTDIAL_NOT_FOUND")


async def test_auth_by_query_key_token_or_bearer(vsim: VoipbinSimulator) -> None:
    assert (await call(vsim, "GET", "/campaigns"))[0] == 200
    assert (await call(vsim, "GET", "/campaigns", params={"token": "test-token"}))[0] == 200
    bearer = {"Authorization": "Bearer test-token"}
    assert (await call(vsim, "GET", "/campaigns", params={}, headers=bearer))[0] == 200
    wrong = {"Authorization": "Bearer nope"}
    assert (await call(vsim, "GET", "/campaigns", params={}, headers=wrong))[0] == 401
    assert (await call(vsim, "GET", "/campaigns", params={"accesskey": "nope"}))[0] == 401


async def test_pagination_ends_with_an_empty_page(vsim: VoipbinSimulator) -> None:
    for i in range(3):
        await call(vsim, "POST", "/outdials", body={"name": f"o{i}"})
    status, page, _ = await call(
        vsim, "GET", "/outdials", params={"accesskey": KEY, "page_size": "2"}
    )
    assert status == 200 and [o["name"] for o in page["result"]] == ["o2", "o1"]
    token = page["next_page_token"]
    assert parse_timestamp(token) is not None  # the last item's tm_create, vendor-style
    params = {"accesskey": KEY, "page_size": "2", "page_token": token}
    _, page, _ = await call(vsim, "GET", "/outdials", params=params)
    assert [o["name"] for o in page["result"]] == ["o0"] and page["next_page_token"]
    params["page_token"] = page["next_page_token"]
    _, page, _ = await call(vsim, "GET", "/outdials", params=params)
    assert page == {"result": [], "next_page_token": ""}
    # Out-of-range sizes fall back to the server's 100, as VoIPbin does.
    _, page, _ = await call(vsim, "GET", "/outdials", params={"accesskey": KEY, "page_size": "0"})
    assert len(page["result"]) == 3
    status, body, _ = await call(
        vsim, "GET", "/outdials", params={"accesskey": KEY, "page_token": "garbage"}
    )
    assert (status, body["error"]["reason"]) == (400, "INVALID_ARGUMENT")


async def test_answers_use_the_vendor_sentinels(vsim: VoipbinSimulator) -> None:
    _, campaign, _ = await call(vsim, "POST", "/campaigns", body={"name": "c"})
    assert campaign["tm_delete"] == "9999-01-01 00:00:00.000000"
    assert campaign["tm_update"] == "9999-01-01 00:00:00.000000"
    assert campaign["outdial_id"] == "00000000-0000-0000-0000-000000000000"
    assert campaign["status"] == "stop" and campaign["type"] == "call"
    _, deleted, _ = await call(vsim, "DELETE", f"/campaigns/{campaign['id']}")
    assert parse_timestamp(deleted["tm_delete"]) is not None


async def test_stats_endpoint_and_reset(vsim: VoipbinSimulator) -> None:
    await call(vsim, "GET", "/campaigns")
    await call(vsim, "GET", "/campaigns", params={})
    base = vsim.url.removesuffix("/v1.0")
    async with aiohttp.ClientSession() as http:
        for url in (f"{base}/_sim/stats", f"{vsim.url}/_sim/stats"):
            async with http.get(url) as answer:
                stats = await answer.json()
            assert stats["requests"] == 2
            assert stats["by_status"] == {"200": 1, "401": 1}
            assert stats["by_route"] == {"GET /v1.0/campaigns": 2}
            assert stats["in_flight"] == 0  # the stats request itself is not counted
        async with http.post(f"{base}/_sim/reset") as answer:
            assert (await answer.json())["requests"] == 0
    assert vsim.stats.requests == 0


async def test_in_flight_counts_requests_being_served() -> None:
    async with VoipbinSimulator(rate=None, latency=60) as sim:
        task = asyncio.create_task(call(sim, "GET", "/campaigns"))
        for _ in range(1000):  # bounded: the request reaches the simulator at once
            if sim.stats.in_flight:
                break
            await asyncio.sleep(0.005)
        assert sim.stats.in_flight == 1
        assert sim.stats.as_dict()["in_flight"] == 1
        task.cancel()  # the client goes away: the simulator ends the request when it closes
        with pytest.raises(asyncio.CancelledError):
            await task
    assert sim.stats.in_flight == 0


async def test_helpers(vsim: VoipbinSimulator) -> None:
    _, outdial, _ = await call(vsim, "POST", "/outdials", body={"name": "o"})
    target = {"destination_0": {"type": "tel", "target": "+15550000001"}}
    await call(vsim, "POST", f"/outdials/{outdial['id']}/targets", body=target)
    assert [t.destination for t in vsim.targets(outdial["id"])] == ["+15550000001"]
    assert vsim.targets("unknown") == []
    _, campaign, _ = await call(vsim, "POST", "/campaigns", body={"outdial_id": outdial["id"]})
    vsim.set_campaign_status(campaign["id"], "run")
    status, body, _ = await call(vsim, "POST", f"/outdials/{outdial['id']}/targets", body=target)
    assert (status, body["error"]["reason"]) == (409, "STATE_INVALID")
    vsim.set_campaign_status(campaign["id"], CampaignStatus.STOPPING)
    assert vsim.campaign(campaign["id"]).status is CampaignStatus.STOPPING


# -- faults ------------------------------------------------------------------------------------


async def test_seeded_faults_are_reproducible() -> None:
    async def statuses(seed: int) -> list[int]:
        async with VoipbinSimulator(rate=None, error_rate=0.3, throttle_rate=0.3, seed=seed) as s:
            return [(await call(s, "GET", "/campaigns"))[0] for _ in range(12)]

    first = await statuses(7)
    assert first == await statuses(7)
    assert {200, 429, 500} <= set(first)


async def test_injected_throttle_carries_retry_after() -> None:
    async with VoipbinSimulator(rate=20, throttle_rate=1.0) as sim:
        status, body, headers = await call(sim, "GET", "/campaigns")
    assert (status, body["error"]["reason"]) == (429, "RATE_LIMIT_EXCEEDED")
    assert float(headers["Retry-After"]) == pytest.approx(0.05)
    assert sim.stats.faults["throttle"] == 1


async def test_a_timeout_fault_applies_then_fails() -> None:
    async with VoipbinSimulator(rate=None, timeout_rate=1.0, timeout_delay=0) as sim:
        status, body, _ = await call(sim, "POST", "/outdials", body={"name": "o"})
        assert (status, body["error"]["reason"]) == (504, "GATEWAY_TIMEOUT")
        assert [o.name for o in sim.outdials()] == ["o"]  # applied although the answer failed


async def test_a_held_answer_is_released_on_close() -> None:
    sim = VoipbinSimulator(rate=None, timeout_delay=3600)
    await sim.start()
    held = asyncio.create_task(sim.pause(3600))  # what a timeout fault waits on
    await sim.close()
    await asyncio.wait_for(held, timeout=10)  # released at once, not after an hour


async def test_disconnects_give_transport_errors() -> None:
    async with VoipbinSimulator(rate=None, disconnect_rate=1.0) as sim:
        async with VoipbinClient(accesskey=KEY, base_url=sim.url) as vb:
            with pytest.raises(TransportError):
                await vb.create_outdial("o")
        assert sim.outdials() == []
        assert sim.stats.faults["disconnect"] >= 1
        assert 599 not in sim.stats.by_status


async def test_forced_failures_match_method_and_path(vsim: VoipbinSimulator) -> None:
    vsim.fail_next(status=500, reason="INTERNAL_ERROR", method="POST", path="/outdials")
    assert (await call(vsim, "GET", "/outdials"))[0] == 200
    assert (await call(vsim, "POST", "/campaigns", body={}))[0] == 200
    assert (await call(vsim, "POST", "/outdials", body={}))[0] == 500
    assert (await call(vsim, "POST", "/outdials", body={}))[0] == 200
    vsim.fail_next(status=504, reason="GATEWAY_TIMEOUT", after_apply=True)
    assert (await call(vsim, "POST", "/outdials", body={"name": "late"}))[0] == 504
    assert [o.name for o in vsim.outdials()][-1] == "late"


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        VoipbinSimulator(error_rate=0.6, throttle_rate=0.6)
    with pytest.raises(ValueError):
        VoipbinSimulator(latency=-1)
    with pytest.raises(RuntimeError):
        _ = VoipbinSimulator().url


async def test_latency_is_added() -> None:
    async with VoipbinSimulator(rate=None, latency=0.001) as sim:
        assert (await call(sim, "GET", "/campaigns"))[0] == 200


# -- python -m ---------------------------------------------------------------------------------


@pytest.mark.slow
async def test_module_entry_point_serves_until_sigterm() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cc_campaigns.voipbin.simulator",
        "--port",
        "0",
        "--rate",
        "0",
        "--accesskey",
        "cli-key",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONWARNINGS": "error"},
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), timeout=20)).decode()
        assert line.startswith("listening on http://127.0.0.1:") and line.endswith("/v1.0\n")
        url = line.split()[-1]
        async with VoipbinClient(accesskey="cli-key", base_url=url) as vb:
            created = await vb.create_outdial("from another process")
            assert (await vb.get_outdial(created.id)).name == "from another process"
        async with aiohttp.ClientSession() as http, http.get(f"{url}/_sim/stats") as answer:
            assert (await answer.json())["requests"] == 2
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), timeout=20) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


@pytest.mark.slow
async def test_module_entry_point_refuses_bad_settings() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cc_campaigns.voipbin.simulator",
        "--error-rate",
        "2",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), timeout=20)
    assert process.returncode == 2 and b"fault rates" in err


# -- the answers against the vendor's own examples -----------------------------------------------
# The simulator writes its answers from its own records and field lists
# (cc_campaigns.voipbin.simulator.vendor/records), never with the SDK's wire code. These tests
# compare them with the reference pages' example bodies, then read them with the SDK's client:
# a field name spelled wrong on either side fails here.

ACTION = {
    "id": "00000000-0000-0000-0000-000000000000",
    "next_id": "00000000-0000-0000-0000-000000000000",
    "type": "talk",
    "option": {
        "text": "Hello. This is outbound campaign's test calling. Please wait until the agent "
        "answer the call. Thank you.",
        "language": "en-US",
    },
}
#: voipbin-campaign-struct.rst, "Example" (and voipbin-campaign-tutorial.rst, "Get detail of
#: campaign", the same body).
CAMPAIGN_EXAMPLE: dict[str, Any] = {
    "id": "183c0d5c-691e-42f3-af2b-9bffc2740f83",
    "type": "call",
    "name": "test campaign",
    "detail": "test campaign detail",
    "status": "stop",
    "service_level": 100,
    "end_handle": "stop",
    "actions": [ACTION],
    "outplan_id": "d5fb7357-7ddb-4f2d-87b5-8ccbfd6c039e",
    "outdial_id": "40bea034-1d17-474d-a5de-da00d0861c69",
    "queue_id": "99bf739a-932f-433c-b1bf-103d33d7e9bb",
    "next_campaign_id": "00000000-0000-0000-0000-000000000000",
    "tm_create": "2022-04-28 02:16:39.712142",
    "tm_update": "2022-04-30 17:53:51.685259",
    "tm_delete": "9999-01-01 00:00:00.000000",
}
#: voipbin-campaign-tutorial.rst, "Create a new campaign": the request body ...
CREATE_REQUEST: dict[str, Any] = {
    "name": "test campaign",
    "detail": "test campaign detail",
    "type": "call",
    "service_level": 100,
    "end_handle": "stop",
    "actions": [{"type": "talk", "option": ACTION["option"]}],
    "outplan_id": "d5fb7357-7ddb-4f2d-87b5-8ccbfd6c039e",
    "outdial_id": "40bea034-1d17-474d-a5de-da00d0861c69",
    "queue_id": "99bf739a-932f-433c-b1bf-103d33d7e9bb",
}
#: ... and its answer (a shortened example: it leaves out actions and next_campaign_id).
CREATE_ANSWER: dict[str, Any] = {
    "id": "c1d2e3f4-a5b6-7890-cdef-123456789012",
    "name": "test campaign",
    "detail": "test campaign detail",
    "type": "call",
    "status": "stop",
    "service_level": 100,
    "end_handle": "stop",
    "outplan_id": "d5fb7357-7ddb-4f2d-87b5-8ccbfd6c039e",
    "outdial_id": "40bea034-1d17-474d-a5de-da00d0861c69",
    "queue_id": "99bf739a-932f-433c-b1bf-103d33d7e9bb",
    "tm_create": "2022-10-22 16:16:16.874761",
    "tm_update": "9999-01-01 00:00:00.000000",
    "tm_delete": "9999-01-01 00:00:00.000000",
}
#: voipbin-campaign-tutorial.rst, "Get list of campaigns": the envelope.
LIST_KEYS = ["result", "next_page_token"]
TIMESTAMP = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$"


async def _example_resources(sim: VoipbinSimulator) -> dict[str, Any]:
    """The tutorial's create request, its outplan, outdial and queue ids replaced by ones that
    exist here (the queue is not simulated: any UUID)."""
    _, outplan, _ = await call(sim, "POST", "/outplans", body={"name": "p"})
    _, outdial, _ = await call(sim, "POST", "/outdials", body={"name": "o"})
    return {**CREATE_REQUEST, "outplan_id": outplan["id"], "outdial_id": outdial["id"]}


def _shape(document: dict[str, Any]) -> dict[str, type]:
    return {key: type(value) for key, value in document.items()}


async def test_a_campaign_answer_has_the_struct_keys_in_order(vsim: VoipbinSimulator) -> None:
    import re

    status, created, _ = await call(vsim, "POST", "/campaigns", body=await _example_resources(vsim))
    assert status == 200
    assert set(CREATE_ANSWER) <= set(created)
    status, fetched, _ = await call(vsim, "GET", f"/campaigns/{created['id']}")
    assert status == 200 and list(fetched) == list(CAMPAIGN_EXAMPLE)
    assert _shape(fetched) == _shape(CAMPAIGN_EXAMPLE)
    assert fetched["actions"] == [ACTION]  # the ids filled in as in the example
    assert fetched["next_campaign_id"] == CAMPAIGN_EXAMPLE["next_campaign_id"]  # nil: unset
    assert fetched["tm_delete"] == CAMPAIGN_EXAMPLE["tm_delete"]
    assert re.match(TIMESTAMP, fetched["tm_create"])
    assert {k: fetched[k] for k in ("type", "status", "service_level", "end_handle")} == {
        k: CAMPAIGN_EXAMPLE[k] for k in ("type", "status", "service_level", "end_handle")
    }
    status, page, _ = await call(vsim, "GET", "/campaigns")
    assert list(page) == LIST_KEYS
    assert page["result"] == [fetched]
    assert page["next_page_token"] == fetched["tm_create"]


async def test_the_sdk_reads_every_field_the_simulator_answers(vsim: VoipbinSimulator) -> None:
    """A round trip through the client: what the simulator writes under the vendor's names,
    the client reads back under its own; a name wrong on either side leaves a field empty."""
    from cc_campaigns.voipbin import Address

    async with VoipbinClient(accesskey=KEY, base_url=vsim.url) as vb:
        outplan = await vb.create_outplan(
            name="plan", source=Address("+15550001111"), dial_timeout=30000, try_interval=60000
        )
        outdial = await vb.create_outdial("list", detail="d")
        body = await _example_resources(vsim)
        body.update(outplan_id=outplan.id, outdial_id=outdial.id)
        _, raw, _ = await call(vsim, "POST", "/campaigns", body=body)
        campaign = await vb.get_campaign(raw["id"])
        target = await vb.add_target(outdial.id, "+15550002222", name="Ada")
        (listed,) = [c async for c in vb.list_campaigns()]
    assert campaign == listed
    assert (campaign.name, campaign.detail) == ("test campaign", "test campaign detail")
    assert (campaign.type, campaign.status, campaign.end_handle) == ("call", "stop", "stop")
    assert campaign.service_level == 100
    assert (campaign.outplan_id, campaign.outdial_id) == (outplan.id, outdial.id)
    assert campaign.queue_id == CREATE_REQUEST["queue_id"]
    assert campaign.next_campaign_id is None  # the nil UUID
    assert campaign.actions == (ACTION,)
    assert campaign.tm_create is not None and campaign.tm_update is None
    assert campaign.tm_delete is None and not campaign.deleted
    assert outplan.source == Address("+15550001111")
    assert (outplan.dial_timeout, outplan.try_interval, outplan.name) == (30000, 60000, "plan")
    assert outplan.tm_create is not None and outplan.customer_id is not None
    assert (outdial.name, outdial.detail, outdial.tm_create is not None) == ("list", "d", True)
    assert (target.destination, target.name, target.status) == ("+15550002222", "Ada", "idle")
    assert target.outdial_id == outdial.id and target.tm_create is not None


def test_the_simulator_does_not_import_the_sdk_wire_code() -> None:
    assert_no_sdk_imports("cc_campaigns.voipbin.simulator")
