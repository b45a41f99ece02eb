"""The hostile proxy of the fuzzer (tests/hostile.py) does what it says: each fault answers what
it should, and the proxy's record of what the simulator saw is the truth."""

from __future__ import annotations

from base64 import b64encode
from typing import Any

import aiohttp
import orjson
import pytest

from ..conftest import ACTION_TOKEN, RUNNING, USERNAME
from ..hostile import APPLIED_FAULTS, FORGED_BASE, Fault, Rig, rig, seeded_schedule

AUTH = "Basic " + b64encode(f"{USERNAME}:{ACTION_TOKEN}".encode()).decode()
IDS = [11, 12, 13, 14, 15]
PATH = f"/api/tstats/campaigns/{RUNNING}/customers"


async def post(r: Rig, *, follow: bool = False) -> tuple[int, dict[str, str], bytes]:
    body = orjson.dumps([{"customer-id": i} for i in IDS])
    headers = {"Authorization": AUTH, "Content-Type": "application/json"}
    async with (
        aiohttp.ClientSession() as http,
        http.post(r.proxy.url + PATH, data=body, headers=headers, allow_redirects=follow) as answer,
    ):
        return answer.status, dict(answer.headers), await answer.read()


#: fault -> (status the client sees, ids in the campaign afterwards)
EXPECTED: dict[Fault, tuple[int, list[int]]] = {
    Fault.NONE: (207, IDS),
    Fault.HTML_200: (200, IDS),
    Fault.LOGIN_302: (302, []),
    Fault.LOGIN_303: (303, []),
    Fault.EMPTY_202: (202, []),
    Fault.FORGED_207: (207, [IDS[0], IDS[-1]]),
    Fault.TIMEOUT_206: (206, IDS),
    Fault.UNAVAILABLE_503: (503, []),
    Fault.THROTTLED_429: (429, []),
    Fault.CROSS_ORIGIN_307: (307, []),
}


@pytest.mark.parametrize("fault", list(EXPECTED), ids=lambda f: f.value)
async def test_each_fault_answers_as_documented(fault: Fault) -> None:
    status, applied = EXPECTED[fault]
    async with rig([fault]) as r:
        got, headers, body = await post(r)
        assert got == status
        assert r.sim.campaign_customers(RUNNING) == applied
        (seen,) = r.proxy.seen
        assert (seen.index, seen.fault, seen.ids, seen.answered) == (0, fault, IDS, status)
        assert seen.forwarded == bool(applied)
        assert seen.forwarded_ids == applied
        assert seen.applied is bool(applied)
        assert (fault in APPLIED_FAULTS) == (applied == IDS)
        assert r.sink.received == []
        if fault is Fault.HTML_200:
            assert headers["Content-Type"].startswith("text/html")
        if fault in (Fault.LOGIN_302, Fault.LOGIN_303):
            assert headers["Location"] == r.proxy.url + "/login"
        if fault is Fault.EMPTY_202:
            assert body == b""
        if fault is Fault.THROTTLED_429:
            assert headers["Retry-After"] == "1"
        if fault is Fault.CROSS_ORIGIN_307:
            assert headers["Location"] == r.sink.url + PATH
        if fault is Fault.FORGED_207:
            results: list[dict[str, Any]] = orjson.loads(body)
            assert [x["customer-id"] for x in results[::4]] == [IDS[0], IDS[-1]]
            middle = [x["customer-id"] for x in results[1:-1]]
            assert all(m >= FORGED_BASE and m not in IDS for m in middle)
            assert all(x["http-status"] == 200 for x in results)


async def test_a_dropped_connection_is_applied_and_unanswered() -> None:
    async with rig([Fault.DROP]) as r:
        with pytest.raises(aiohttp.ClientConnectionError):
            await post(r)
        assert r.sim.campaign_customers(RUNNING) == IDS
        assert r.proxy.seen[0].answered == 0 and r.proxy.seen[0].applied is True


async def test_the_login_page_answers_a_followed_redirect_with_html() -> None:
    async with rig([Fault.LOGIN_302]) as r:
        status, _, body = await post(r, follow=True)
        assert (status, r.proxy.login_hits) == (200, 1)
        assert body.startswith(b"<!DOCTYPE html>")
        assert r.sim.campaign_customers(RUNNING) == []


async def test_the_sink_records_what_a_followed_307_carries() -> None:
    async with rig([Fault.CROSS_ORIGIN_307]) as r:
        status, _, _ = await post(r, follow=True)
        assert status == 207  # the sink's "everything added"
        assert r.sink.bodies_seen
        assert r.sim.campaign_customers(RUNNING) == []


async def test_after_the_schedule_requests_pass_untouched() -> None:
    async with rig([Fault.UNAVAILABLE_503]) as r:
        assert (await post(r))[0] == 503
        assert (await post(r))[0] == 207
        assert r.proxy.faults_met() == [Fault.UNAVAILABLE_503, Fault.NONE]


def test_a_seeded_schedule_is_reproducible() -> None:
    first = seeded_schedule(7, 50, 0.5)
    assert first == seeded_schedule(7, 50, 0.5)
    assert first != seeded_schedule(8, 50, 0.5)
    assert set(first) - {Fault.NONE}
    assert seeded_schedule(7, 20, 0.0) == [Fault.NONE] * 20
    assert set(seeded_schedule(1, 40, 1.0, [Fault.DROP])) == {Fault.DROP}
