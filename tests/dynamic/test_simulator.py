"""The 8x8 simulator, exercised over real HTTP with a plain aiohttp client."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import signal
import sys
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from typing import Any

import aiohttp
import pytest

from cc_campaigns.bulk.limiter import TokenBucket
from cc_campaigns.dynamic.models import (
    TRANSITIONS,
    CampaignState,
    CampaignStatus,
    RecordStatus,
    StatusChange,
)
from cc_campaigns.dynamic.simulator import Simulator, SimulatorStats, parse_id_range, serve
from cc_campaigns.testing import FaultPlan

from ..servers import assert_no_sdk_imports

NOW = datetime(2030, 1, 15, 12, 0, tzinfo=timezone.utc)
USER, DATA, ACTION = "tenant", "data-secret", "action-secret"
CAMPAIGN_KEYS = {
    "campaign-name",
    "campaign-id",
    "enabled",
    "status",
    "no-of-records",
    "caller-id",
    "queue-id",
    "start-time",
    "end-time",
    "actual-run-time",
    "actual-stop-time",
    "daily-start-time",
    "daily-end-time",
    "retry-interval",
    "max-retry",
    "abandon-max-retry",
    "max-ring-time",
    "integration-type",
    "calling-window",
    "schedule-name",
    "timezone",
    "dynamic-campaign",
    "sequential",
}
STOPPED_MSG = "Campaign is already stopped or completed. No operation is allowed."


def basic(user: str, token: str) -> dict[str, str]:
    encoded = base64.b64encode(f"{user}:{token}".encode()).decode()
    return {"Authorization": f"Basic {encoded}"}


READ = basic(USER, DATA)
WRITE = basic(USER, ACTION)


class Http:
    """A thin JSON helper over one aiohttp session and one simulator."""

    def __init__(self, session: aiohttp.ClientSession, base: str) -> None:
        self.session = session
        self.base = base

    async def call(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        body: Any = None,
        raw: bytes | None = None,
    ) -> tuple[int, Any, aiohttp.ClientResponse]:
        if headers is None:
            headers = READ if method == "GET" else WRITE
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        headers = {**headers, "Content-Type": "application/json"} if data is not None else headers
        async with self.session.request(
            method, self.base + path, headers=headers, data=data
        ) as resp:
            text = await resp.read()
            parsed = json.loads(text) if text else None  # stdlib: keeps ids > 64 bits
            return resp.status, parsed, resp

    async def add(self, campaign: int | str, items: Any, **kw: Any) -> tuple[int, Any]:
        status, body, _ = await self.call(
            "POST", f"/api/tstats/campaigns/{campaign}/customers", body=items, **kw
        )
        return status, body

    async def campaign(self, campaign: int | str, **kw: Any) -> tuple[int, Any]:
        status, body, _ = await self.call("GET", f"/api/stats/campaigns/{campaign}.json", **kw)
        return status, body

    async def set_status(
        self, campaign: int | str, value: Any, method: str = "POST", **kw: Any
    ) -> tuple[int, Any]:
        status, body, _ = await self.call(
            method, f"/api/tstats/campaigns/{campaign}", body={"status": value}, **kw
        )
        return status, body

    async def records(self, campaign: int | str) -> tuple[int, Any]:
        status, body, _ = await self.call("GET", f"/api/stats/campaigns/{campaign}/records.json")
        return status, body

    async def delete(self, campaign: int | str, customer: int | str) -> tuple[int, Any]:
        status, body, _ = await self.call(
            "DELETE", f"/api/tstats/campaigns/{campaign}/customers/{customer}"
        )
        return status, body


def make_sim(**kw: Any) -> Simulator:
    options: dict[str, Any] = {
        "username": USER,
        "data_token": DATA,
        "action_token": ACTION,
        "clock": lambda: NOW,
    }
    options.update(kw)
    sim = Simulator(**options)
    sim.add_campaign(1, status=CampaignStatus.MANUAL_RUNNING, name="Main")
    sim.add_crm_customers(range(1, 1001))
    sim.add_crm_customers([5000, 10**22])
    sim.add_dnc([13])
    return sim


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with make_sim() as s:
        yield s


@pytest.fixture
def http(sim: Simulator, session: aiohttp.ClientSession) -> Http:
    return Http(session, sim.url)


def ok(customer: Any, **extra: Any) -> dict[str, Any]:
    return {"customer-id": customer, **extra, "http-status": 200}


def err(customer: Any, status: int, message: str, **extra: Any) -> dict[str, Any]:
    return {"customer-id": customer, **extra, "http-status": status, "message": message}


# -- lifecycle --------------------------------------------------------------------------


async def test_url_and_idempotent_close() -> None:
    sim = Simulator()
    with pytest.raises(RuntimeError):
        _ = sim.url
    await sim.start()
    assert sim.url.startswith("http://127.0.0.1:")
    assert int(sim.url.rsplit(":", 1)[1]) > 0
    with pytest.raises(RuntimeError):
        await sim.start()
    await sim.close()
    await sim.close()


async def test_set_up_helpers_validate() -> None:
    sim = Simulator()
    with pytest.raises(KeyError):
        sim.campaign_customers(9)
    with pytest.raises(KeyError):
        sim.campaign_status(9)
    sim.add_campaign(9)
    with pytest.raises(KeyError):
        sim.set_record_status(9, 1, RecordStatus.COMPLETED)
    with pytest.raises(ValueError):
        sim.add_campaign(10, schedule=(datetime(2030, 1, 1), datetime(2030, 1, 2)))
    with pytest.raises(ValueError):
        Simulator(error_rate=1.5)
    with pytest.raises(ValueError):
        Simulator(delete_status=201)
    with pytest.raises(ValueError):
        Simulator(capacity=0)
    sim.add_crm_customers(range(1, 5_000_001))
    assert range(1, 5_000_001) in sim.state.crm_ranges  # kept as a range, not expanded
    assert parse_id_range("1-5") == range(1, 6)
    assert parse_id_range("7") == range(7, 8)
    for bad in ("x", "5-1", "-3", "1-"):
        with pytest.raises(ValueError):
            parse_id_range(bad)


# -- auth -------------------------------------------------------------------------------


async def test_auth_read_and_write_tokens(http: Http) -> None:
    assert (await http.campaign(1))[0] == 200
    assert await http.campaign(1, headers={}) == (401, {"message": "Unauthorized"})
    assert (await http.campaign(1, headers=WRITE))[0] == 401  # action token cannot read
    assert (await http.campaign(1, headers=basic("other", DATA)))[0] == 401
    assert (await http.campaign(1, headers={"Authorization": "Bearer x"}))[0] == 401
    assert (await http.campaign(1, headers={"Authorization": "Basic !!!"}))[0] == 401
    lower = {"Authorization": READ["Authorization"].replace("Basic", "basic")}
    assert (await http.campaign(1, headers=lower))[0] == 200

    assert (await http.add(1, [{"customer-id": 1}], headers=READ))[0] == 401
    assert (await http.set_status(1, "PAUSED", headers=READ))[0] == 401
    status, _, _ = await http.call("DELETE", "/api/tstats/campaigns/1/customers/1", headers=READ)
    assert status == 401
    status, _, _ = await http.call("GET", "/api/stats/campaigns/1/records.json", headers=WRITE)
    assert status == 401
    assert (await http.add(1, [{"customer-id": 1}]))[0] == 207


async def test_auth_with_equal_tokens(session: aiohttp.ClientSession) -> None:
    async with Simulator(username="u", data_token="t", action_token="t") as sim:
        sim.add_campaign(3, status=CampaignStatus.MANUAL_RUNNING)
        sim.add_crm_customers([1])
        http = Http(session, sim.url)
        both = basic("u", "t")
        assert (await http.campaign(3, headers=both))[0] == 200
        assert await http.add(3, [{"customer-id": 1}], headers=both) == (207, [ok(1)])


# -- campaign status --------------------------------------------------------------------


async def test_get_campaign_has_every_vendor_key(http: Http) -> None:
    status, body = await http.campaign(1)
    assert status == 200
    campaign = body["campaign"]
    assert set(campaign) == CAMPAIGN_KEYS
    assert campaign["campaign-name"] == "Main"
    assert campaign["campaign-id"] == 1
    assert campaign["enabled"] == "Y"
    assert campaign["dynamic-campaign"] == "Y"
    assert campaign["sequential"] == "N"
    assert campaign["status"] == 3
    assert campaign["no-of-records"] == 0
    assert campaign["start-time"] == ""
    assert campaign["actual-stop-time"] == ""
    assert datetime.fromisoformat(campaign["actual-run-time"]) == NOW


async def test_get_campaign_not_found(http: Http) -> None:
    assert await http.campaign(404) == (404, {"message": "Campaign not found."})
    assert await http.campaign("abc") == (404, {"message": "Campaign not found."})


async def test_campaign_document_follows_state(sim: Simulator, http: Http) -> None:
    start = NOW + timedelta(hours=1)
    end = NOW + timedelta(days=2)
    sim.add_campaign(2, dynamic=False, enabled=False, schedule=(start, end))
    body = (await http.campaign(2))[1]["campaign"]
    assert body["campaign-name"] == "Campaign 2"
    assert (body["enabled"], body["dynamic-campaign"], body["status"]) == ("N", "N", 0)
    assert body["actual-run-time"] == ""
    assert datetime.fromisoformat(body["start-time"]) == start
    assert datetime.fromisoformat(body["end-time"]) == end

    sim.add_campaign(3)
    assert (await http.campaign(3))[1]["campaign"]["actual-run-time"] == ""
    assert (await http.set_status(3, "RUNNING"))[0] == 200
    assert (await http.set_status(3, "STOPPED"))[0] == 200
    body = (await http.campaign(3))[1]["campaign"]
    assert body["status"] == 5
    assert body["actual-run-time"] == "2030-01-15T12:00:00+00:00"
    assert body["actual-stop-time"] == "2030-01-15T12:00:00+00:00"

    await http.add(1, [{"customer-id": i} for i in (1, 2, 3)])
    assert (await http.campaign(1))[1]["campaign"]["no-of-records"] == 3


# -- status changes ---------------------------------------------------------------------

STATE_CODES = {
    CampaignState.NEW: CampaignStatus.NEW,
    CampaignState.RUNNING: CampaignStatus.SCHEDULE_RUNNING,
    CampaignState.PAUSED: CampaignStatus.SCHEDULE_PAUSED,
    CampaignState.PURGED: CampaignStatus.SCHEDULE_PURGED,
}
NEW_CODES = {
    StatusChange.RUNNING: CampaignStatus.MANUAL_RUNNING,
    StatusChange.PAUSED: CampaignStatus.MANUAL_PAUSED,
    StatusChange.PURGED: CampaignStatus.MANUAL_PURGED,
    StatusChange.STOPPED: CampaignStatus.MANUAL_STOPPED,
}


async def test_state_machine_matches_transitions(sim: Simulator, http: Http) -> None:
    campaign_id = 100
    for state, code in STATE_CODES.items():
        for change in StatusChange:
            campaign_id += 1
            sim.add_campaign(campaign_id, status=code)
            method = "PATCH" if campaign_id % 2 else "POST"
            status, body = await http.set_status(campaign_id, change.value, method=method)
            if change in TRANSITIONS[state]:
                assert (status, body) == (200, {"message": "Campaign status changed."})
                assert sim.campaign_status(campaign_id) is NEW_CODES[change]
            else:
                assert (status, body) == (400, {"message": "Invalid state transition."})
                assert sim.campaign_status(campaign_id) is code


@pytest.mark.parametrize("method", ["POST", "PATCH"])
async def test_status_walk(sim: Simulator, http: Http, method: str) -> None:
    sim.add_campaign(7)
    for value, code in [
        ("RUNNING", 3),
        ("PAUSED", 8),
        ("PURGED", 10),
        ("RUNNING", 3),
        ("PAUSED", 8),
        ("STOPPED", 5),
    ]:
        assert (await http.set_status(7, value, method=method))[0] == 200
        assert (await http.campaign(7))[1]["campaign"]["status"] == code
    for value in ("RUNNING", "STOPPED"):
        assert await http.set_status(7, value, method=method) == (400, {"message": STOPPED_MSG})


async def test_status_change_whole_request_errors(sim: Simulator, http: Http) -> None:
    sim.add_campaign(20, dynamic=False, status=CampaignStatus.MANUAL_RUNNING)
    sim.add_campaign(21, enabled=False, status=CampaignStatus.MANUAL_RUNNING)
    sim.add_campaign(22, dynamic=False, enabled=False, status=CampaignStatus.COMPLETED)
    assert await http.set_status(404, "PAUSED") == (404, {"message": "Campaign not found."})
    assert await http.set_status(20, "PAUSED") == (400, {"message": "Not a dynamic campaign."})
    assert await http.set_status(21, "PAUSED") == (400, {"message": "Campaign is not enabled."})
    assert await http.set_status(22, "RUNNING") == (400, {"message": STOPPED_MSG})
    invalid = (400, {"message": "Invalid state transition."})
    for value in ("running", "START", 3, None):
        assert await http.set_status(1, value) == invalid
    for raw in (b"not json", b"[]", b'{"state": "PAUSED"}', b""):
        status, body, _ = await http.call("POST", "/api/tstats/campaigns/1", raw=raw)
        assert (status, body) == invalid
    assert sim.campaign_status(1) is CampaignStatus.MANUAL_RUNNING


# -- add customers: whole-request errors ------------------------------------------------


async def test_add_whole_request_errors_in_order(sim: Simulator, http: Http) -> None:
    item = [{"customer-id": 1}]
    sim.add_campaign(30, dynamic=False, enabled=False, status=CampaignStatus.MANUAL_STOPPED)
    sim.add_campaign(31, dynamic=False, enabled=False, status=CampaignStatus.NEW)
    sim.add_campaign(32, enabled=False, status=CampaignStatus.NEW)
    sim.add_campaign(33, status=CampaignStatus.NEW)
    assert await http.add(404, item) == (404, {"message": "Campaign not found."})
    assert await http.add(30, item) == (400, {"message": STOPPED_MSG})
    assert await http.add(31, item) == (400, {"message": "Not a dynamic campaign."})
    assert await http.add(32, item) == (400, {"message": "Campaign is not enabled."})
    assert await http.add(33, item) == (
        400,
        {"message": "Operation invalid on a non started campaign."},
    )
    # The campaign checks come before the body checks.
    assert await http.add(33, []) == (
        400,
        {"message": "Operation invalid on a non started campaign."},
    )


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"nope",
        b"[]",
        b"{}",
        b'{"customer-id": 1}',
        b"[1]",
        b'["1"]',
        b'[{"customer-id": 1}, 2]',
    ],
)
async def test_add_invalid_customer_list(sim: Simulator, http: Http, raw: bytes) -> None:
    status, body, _ = await http.call("POST", "/api/tstats/campaigns/1/customers", raw=raw)
    assert (status, body) == (400, {"message": "Invalid customer list provided."})
    assert sim.campaign_customers(1) == []


async def test_add_allowed_on_paused_and_purged(sim: Simulator, http: Http) -> None:
    for campaign_id, code in [
        (40, CampaignStatus.MANUAL_PAUSED),
        (41, CampaignStatus.SCHEDULE_PURGED),
        (42, CampaignStatus.SCHEDULED),
    ]:
        sim.add_campaign(campaign_id, status=code)
        assert await http.add(campaign_id, [{"customer-id": 5}]) == (207, [ok(5)])
        assert sim.campaign_customers(campaign_id) == [5]


# -- add customers: per-item rules ------------------------------------------------------


async def test_add_ids_int_and_string(sim: Simulator, http: Http) -> None:
    items = [
        {"customer-id": 1},
        {"customer-id": "2"},
        {"customer-id": "0003"},
        {"customer-id": 10**22},
        {"customer-id": "5000"},
    ]
    status, body = await http.add(1, items)
    assert status == 207
    assert body == [ok(1), ok("2"), ok("0003"), ok(10**22), ok("5000")]
    assert sim.campaign_customers(1) == [1, 2, 3, 5000, 10**22]
    assert sim.stats.items_received == 5
    assert sim.stats.items_added == 5


async def test_add_big_id_as_string(sim: Simulator, http: Http) -> None:
    assert await http.add(1, [{"customer-id": str(10**22)}]) == (207, [ok(str(10**22))])
    assert sim.campaign_customers(1) == [10**22]


@pytest.mark.parametrize(
    "value", [None, -1, "-1", "", "1.5", "abc", " 7", "1e3", "\u0661", 1.5, True, [1], {"a": 1}]
)
async def test_add_invalid_customer_id(sim: Simulator, http: Http, value: Any) -> None:
    message = "Invalid customer-id"
    assert await http.add(1, [{"customer-id": value}]) == (207, [err(None, 400, message)])
    assert await http.add(1, [{"other": 1}]) == (207, [err(None, 400, message)])
    sdt = "2030-01-16T09:00:00.000Z"
    expected = [err(None, 400, message, **{"schedule-date-time": sdt})]
    assert await http.add(1, [{"customer-id": value, "schedule-date-time": sdt}]) == (207, expected)
    assert sim.campaign_customers(1) == []


async def test_add_not_in_crm_and_dnc(sim: Simulator, http: Http) -> None:
    status, body = await http.add(
        1, [{"customer-id": 1001}, {"customer-id": "9999"}, {"customer-id": 13}]
    )
    assert status == 207
    assert body == [
        err(1001, 404, "The customer-id has not been found."),
        err("9999", 404, "The customer-id has not been found."),
        err(13, 400, "Invalid customer provided, customer is wrong or in DNC list."),
    ]
    assert sim.campaign_customers(1) == []


async def test_add_duplicates(sim: Simulator, http: Http) -> None:
    assert await http.add(1, [{"customer-id": 1}]) == (207, [ok(1)])
    status, body = await http.add(
        1, [{"customer-id": "1"}, {"customer-id": 2}, {"customer-id": "2"}, {"customer-id": 2}]
    )
    assert status == 207
    assert body == [
        err("1", 400, "Duplicate customer"),
        ok(2),
        err("2", 400, "Duplicate customer"),
        err(2, 400, "Duplicate customer"),
    ]
    assert sim.campaign_customers(1) == [1, 2]
    assert sim.stats.items_received == 5
    assert sim.stats.items_added == 2


async def test_add_schedule_rules(sim: Simulator, http: Http) -> None:
    sdt = "schedule-date-time"
    good = "2030-01-16T09:00:00.000Z"
    items: list[dict[str, Any]] = [
        {"customer-id": 1, sdt: good},
        {"customer-id": 2, sdt: "2030-01-16T10:00:00+02:00"},
        {"customer-id": 3, sdt: "2016-08-29T     09:00:00.000Z"},
        {"customer-id": 4, sdt: "2030-01-16T09:00:00"},  # naive
        {"customer-id": 5, sdt: "2030-01-16"},
        {"customer-id": 6, sdt: 1700000000},
        {"customer-id": 7, sdt: "2030-01-15T11:59:59Z"},
        {"customer-id": 8, sdt: "2030-01-22T12:00:01Z"},
        {"customer-id": 9, sdt: "2030-01-22T12:00:00Z"},  # exactly 7 days: allowed
        {"customer-id": 10, sdt: None},  # no schedule
        {"customer-id": 1, sdt: good},
    ]
    status, body = await http.add(1, items)
    assert status == 207
    fmt = "Invalid schedule-date-time format - please use ISO 8601 format"
    assert body == [
        ok(1, **{sdt: good}),
        ok(2, **{sdt: "2030-01-16T10:00:00+02:00"}),
        err(3, 400, fmt, **{sdt: "2016-08-29T     09:00:00.000Z"}),
        err(4, 400, fmt, **{sdt: "2030-01-16T09:00:00"}),
        err(5, 400, fmt, **{sdt: "2030-01-16"}),
        err(6, 400, fmt, **{sdt: 1700000000}),
        err(7, 400, "The subject schedule-date-time is in the past.", **{sdt: items[6][sdt]}),
        err(
            8,
            400,
            "The subject schedule-date-time must be within 7 days ahead of a future period.",
            **{sdt: items[7][sdt]},
        ),
        ok(9, **{sdt: "2030-01-22T12:00:00Z"}),
        ok(10, **{sdt: None}),
        err(1, 400, "Duplicate customer", **{sdt: good}),
    ]
    assert sim.campaign_customers(1) == [1, 2, 9, 10]
    records = {r["record-id"]: r["status"] for r in (await http.records(1))[1]["records"]["record"]}
    assert records == {1: 4, 2: 4, 9: 4, 10: 0}


async def test_add_outside_campaign_schedule(sim: Simulator, http: Http) -> None:
    start = datetime(2030, 1, 16, 9, 0, tzinfo=timezone.utc)
    end = datetime(2030, 1, 17, 9, 0, 0, 250000, tzinfo=timezone.utc)
    sim.add_campaign(50, status=CampaignStatus.MANUAL_RUNNING, schedule=(start, end))
    sdt = "schedule-date-time"
    items: list[dict[str, Any]] = [
        {"customer-id": 1, sdt: "2030-01-16T08:59:59Z"},
        {"customer-id": 2, sdt: "2030-01-16T09:00:00Z"},
        {"customer-id": 3, sdt: "2030-01-17T11:00:00+02:00"},  # 09:00 UTC: inside
        {"customer-id": 4, sdt: "2030-01-18T00:00:00Z"},
        {"customer-id": 5},  # unscheduled: the campaign schedule does not apply
    ]
    message = (
        "The subject schedule-date-time is outside the campaign schedule from "
        "2030-01-16T09:00:00.000Z to 2030-01-17T09:00:00.250Z."
    )
    status, body = await http.add(50, items)
    assert status == 207
    assert body == [
        err(1, 400, message, **{sdt: items[0][sdt]}),
        ok(2, **{sdt: items[1][sdt]}),
        ok(3, **{sdt: items[2][sdt]}),
        err(4, 400, message, **{sdt: items[3][sdt]}),
        ok(5),
    ]


async def test_add_rule_order_first_match_wins(sim: Simulator, http: Http) -> None:
    await http.add(1, [{"customer-id": 1}])
    sdt = "schedule-date-time"
    status, body = await http.add(
        1,
        [
            {"customer-id": 2000, sdt: "junk"},  # not in CRM beats a bad schedule
            {"customer-id": 13, sdt: "junk"},  # DNC beats a bad schedule
            {"customer-id": 1, sdt: "2000-01-01T00:00:00Z"},  # past beats duplicate
        ],
    )
    assert status == 207
    assert body == [
        err(2000, 404, "The customer-id has not been found.", **{sdt: "junk"}),
        err(
            13, 400, "Invalid customer provided, customer is wrong or in DNC list.", **{sdt: "junk"}
        ),
        err(
            1,
            400,
            "The subject schedule-date-time is in the past.",
            **{sdt: "2000-01-01T00:00:00Z"},
        ),
    ]


async def test_add_big_batch_keeps_order(sim: Simulator, http: Http) -> None:
    items = [{"customer-id": i} for i in range(1000, 0, -1)]
    status, body = await http.add(1, items)
    assert status == 207
    assert [r["customer-id"] for r in body] == list(range(1000, 0, -1))
    assert [r["http-status"] for r in body] == [400 if i == 13 else 200 for i in range(1000, 0, -1)]
    assert sim.campaign_customers(1) == [i for i in range(1, 1001) if i != 13]


# -- records ----------------------------------------------------------------------------


async def test_records(sim: Simulator, http: Http) -> None:
    assert await http.records(404) == (404, {"message": "Campaign not found."})
    assert await http.records(1) == (200, {"records": {"record": []}})
    await http.add(1, [{"customer-id": 42}, {"customer-id": "7"}, {"customer-id": 10**22}])
    sim.set_record_status(1, 42, RecordStatus.QUEUED)
    status, body = await http.records(1)
    assert status == 200
    records = body["records"]["record"]
    assert [r["record-id"] for r in records] == [7, 42, 10**22]
    assert records[0] == {
        "campaign-name": "Main",
        "campaign-id": 1,
        "record-id": 7,
        "phone-list": "*Phone Number|5550000007",
        "status": 0,
        "status-code": 0,
        "ext-trans-data": "",
        "disposition-code": 1000,
    }
    assert records[1]["status"] == 1
    assert records[1]["phone-list"] == "*Phone Number|5550000042"


# -- delete -----------------------------------------------------------------------------


async def test_delete(sim: Simulator, http: Http) -> None:
    await http.add(1, [{"customer-id": i} for i in (1, 2, 3, 4)])
    sim.set_record_status(1, 2, RecordStatus.COMPLETED)
    sim.set_record_status(1, 3, RecordStatus.ACCEPTED)
    assert await http.delete(1, 1) == (204, None)
    assert await http.delete(1, 1) == (404, {"message": "Customer not found."})
    assert await http.delete(1, 999) == (404, {"message": "Customer not found."})
    assert await http.delete(1, "abc") == (404, {"message": "Customer not found."})
    assert await http.delete(1, 2) == (
        404,
        {
            "message": "Customer not available for deletion because the record is marked "
            "as completed."
        },
    )
    assert await http.delete(1, 3) == (
        404,
        {
            "message": "Customer not available for deletion because an agent has connected "
            "to the phone line."
        },
    )
    assert await http.delete(404, 1) == (404, {"message": "Campaign not found."})
    assert sim.campaign_customers(1) == [2, 3, 4]
    sim.set_record_status(1, 3, RecordStatus.NEW)
    assert await http.delete(1, "3") == (204, None)
    # A deleted customer may be added again.
    assert await http.add(1, [{"customer-id": 1}]) == (207, [ok(1)])
    assert sim.campaign_customers(1) == [1, 2, 4]


async def test_delete_scheduled_customer(sim: Simulator, http: Http) -> None:
    sdt = {"schedule-date-time": "2030-01-16T09:00:00Z"}
    await http.add(1, [{"customer-id": 5, **sdt}])
    assert await http.delete(1, 5) == (204, None)
    assert await http.add(1, [{"customer-id": 5}]) == (207, [ok(5)])
    assert (await http.records(1))[1]["records"]["record"][0]["status"] == 0


async def test_delete_whole_request_errors(sim: Simulator, http: Http) -> None:
    sim.add_campaign(60, status=CampaignStatus.MANUAL_STOPPED)
    sim.add_campaign(61, dynamic=False, status=CampaignStatus.MANUAL_RUNNING)
    sim.add_campaign(62, enabled=False, status=CampaignStatus.MANUAL_RUNNING)
    assert await http.delete(60, 1) == (400, {"message": STOPPED_MSG})
    assert await http.delete(61, 1) == (400, {"message": "Not a dynamic campaign."})
    assert await http.delete(62, 1) == (400, {"message": "Campaign is not enabled."})


async def test_delete_status_200(session: aiohttp.ClientSession) -> None:
    async with make_sim(delete_status=200) as sim:
        http = Http(session, sim.url)
        await http.add(1, [{"customer-id": 1}])
        assert await http.delete(1, 1) == (200, {"message": "Customer deleted."})
        assert sim.campaign_customers(1) == []


# -- routing and stats ------------------------------------------------------------------


async def test_unknown_route_and_method(http: Http) -> None:
    status, body, _ = await http.call("GET", "/api/stats/campaigns/1")  # no .json
    assert (status, body) == (404, {"message": "Not Found."})
    status, body, resp = await http.call("PUT", "/api/tstats/campaigns/1", body={})
    assert status == 405
    assert body == {"message": "Method Not Allowed."}
    assert "POST" in resp.headers["Allow"]


async def test_stats_endpoint_and_reset(sim: Simulator, http: Http) -> None:
    await http.add(1, [{"customer-id": 1}, {"customer-id": 1}])
    await http.campaign(1, headers={})
    status, body, _ = await http.call("GET", "/_sim/stats", headers={})
    assert status == 200
    assert body == {
        "requests": 2,
        "by_status": {"207": 1, "401": 1},
        "items_received": 2,
        "items_added": 1,
    }
    assert sim.stats.by_status == {207: 1, 401: 1}
    status, body, _ = await http.call("DELETE", "/_sim/stats", headers={})
    assert body["requests"] == 0
    assert sim.stats.by_status == {}
    sim.stats.requests = 5
    sim.stats.reset()
    assert (sim.stats.requests, sim.stats.items_added) == (0, 0)
    assert isinstance(sim.stats, SimulatorStats)
    assert "requests=0" in repr(sim.stats)


# -- faults -----------------------------------------------------------------------------


async def statuses(http: Http, n: int) -> list[int]:
    return [(await http.campaign(1))[0] for _ in range(n)]


async def test_error_rate_is_seeded(session: aiohttp.ClientSession) -> None:
    runs = []
    for _ in range(2):
        async with make_sim(error_rate=0.5, seed=7) as sim:
            http = Http(session, sim.url)
            runs.append(await statuses(http, 40))
            assert sim.stats.requests == 40
            assert sim.stats.by_status.get(503, 0) == runs[-1].count(503)
            status, _, _ = await http.call("GET", "/_sim/stats", headers={})
            assert status == 200  # simulator routes are never faulted
    assert runs[0] == runs[1]
    assert set(runs[0]) == {200, 503}
    async with make_sim(error_rate=0.5, seed=8) as sim:
        assert await statuses(Http(session, sim.url), 40) != runs[0]


async def test_error_rate_one(session: aiohttp.ClientSession) -> None:
    async with make_sim(error_rate=1.0) as sim:
        http = Http(session, sim.url)
        assert await http.campaign(1) == (503, {"message": "Service unavailable."})
        assert await http.add(1, [{"customer-id": 1}]) == (503, {"message": "Service unavailable."})
        assert sim.campaign_customers(1) == []
        assert sim.stats.by_status == {503: 2}


async def test_throttle_rate(session: aiohttp.ClientSession) -> None:
    async with make_sim(throttle_rate=0.3, seed=3, retry_after=7) as sim:
        http = Http(session, sim.url)
        seen = []
        for i in range(30):
            status, body, resp = await http.call(
                "POST", "/api/tstats/campaigns/1/customers", body=[{"customer-id": 100 + i}]
            )
            seen.append(status)
            if status == 429:
                assert body == {"message": "Too many requests."}
                assert resp.headers["Retry-After"] == "7"
        assert set(seen) == {207, 429}
        assert len(sim.campaign_customers(1)) == seen.count(207)
        assert sim.stats.by_status == {207: seen.count(207), 429: seen.count(429)}


async def test_capacity(session: aiohttp.ClientSession) -> None:
    async with make_sim(capacity=100) as sim:
        http = Http(session, sim.url)

        async def batch(first: int, n: int) -> tuple[int, Any, str | None]:
            items = [{"customer-id": i} for i in range(first, first + n)]
            status, body, resp = await http.call(
                "POST", "/api/tstats/campaigns/1/customers", body=items
            )
            return status, body, resp.headers.get("Retry-After")

        assert (await batch(101, 60))[0] == 207
        assert await batch(161, 60) == (429, {"message": "Too many requests."}, "1")
        assert (await batch(161, 40))[0] == 207  # the refused batch consumed nothing
        assert len(sim.campaign_customers(1)) == 100
        # Whole-request errors and reads do not touch the bucket.
        assert (await http.campaign(1))[0] == 200
        assert (await http.add(1, []))[0] == 400
    async with make_sim(capacity=10) as sim:
        http = Http(session, sim.url)
        # A batch larger than the burst is admitted from a full bucket, leaving it in debt.
        assert (await batch(101, 45))[0] == 207
        status, _, retry_after = await batch(146, 10)
        assert status == 429
        assert retry_after == "5"  # 45 taken from 10: 35 owed + 10 needed = 4.5 s
        assert sim.stats.items_received == 45


def test_capacity_arithmetic() -> None:
    """The capacity of the add endpoint: whole seconds of Retry-After, batches above the burst
    admitted from a full bucket (into debt)."""
    now = [0.0]
    plan = FaultPlan(capacity=50)
    plan.bucket = bucket = TokenBucket(50, 50, clock=lambda: now[0])
    assert plan.admit(50) == 0
    assert plan.admit(1) == 1
    now[0] = 0.5
    assert plan.admit(30) == 1
    assert plan.admit(25) == 0
    assert bucket.tokens == 0
    assert plan.admit(200) == 1  # needs a full bucket: 50 tokens, 1 s
    now[0] = 1.5
    assert plan.admit(200) == 0
    assert bucket.tokens == -150
    assert plan.admit(10) == 4  # 160 short at 50/s = 3.2 s
    now[0] = 100.0
    assert bucket.tokens == 50  # refills up to the burst only


def test_the_old_token_bucket_name_is_the_one_bucket() -> None:
    from cc_campaigns.dynamic.simulator import faults

    assert faults.TokenBucket is TokenBucket
    assert faults.Faults is FaultPlan


async def test_timeout_rate(session: aiohttp.ClientSession) -> None:
    async with make_sim(timeout_rate=1.0, seed=1) as sim:
        http = Http(session, sim.url)
        for i in range(1, 21):
            status, body = await http.add(1, [{"customer-id": i}])
            assert status == 206
            assert body == {
                "message": "The request was sent but the response timed out. "
                "Please check the result status later."
            }
        added = sim.campaign_customers(1)
        assert 0 < len(added) < 20  # applied or not, 50/50
        assert sim.stats.items_received == 20
        assert sim.stats.items_added == len(added)
        assert sim.stats.by_status == {206: 20}
        assert (await http.campaign(1))[0] == 200  # only add batches time out


async def test_timeout_rate_partial_is_seeded(session: aiohttp.ClientSession) -> None:
    runs = []
    for _ in range(2):
        async with make_sim(timeout_rate=0.4, seed=5) as sim:
            http = Http(session, sim.url)
            runs.append([(await http.add(1, [{"customer-id": i}]))[0] for i in range(1, 31)])
            runs.append(sim.campaign_customers(1))
    assert runs[0] == runs[2]
    assert runs[1] == runs[3]
    assert set(runs[0]) == {206, 207}


async def test_disconnect_rate(
    session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with make_sim(disconnect_rate=1.0) as sim:
        http = Http(session, sim.url)
        for i in (1, 2, 3):
            with pytest.raises(aiohttp.ServerDisconnectedError):
                await http.add(1, [{"customer-id": i}])
        # Applied before the connection was dropped.
        assert sim.campaign_customers(1) == [1, 2, 3]
        assert sim.stats.by_status == {0: 3}
        assert sim.stats.items_added == 3
        # Other requests are answered.
        assert (await http.campaign(1))[0] == 200
        assert (await http.add(1, []))[0] == 400
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_disconnect_rate_partial(session: aiohttp.ClientSession) -> None:
    async with make_sim(disconnect_rate=0.5, seed=2) as sim:
        http = Http(session, sim.url)
        dropped = 0
        for i in range(21, 41):
            try:
                status, _ = await http.add(1, [{"customer-id": i}])
                assert status == 207
            except aiohttp.ServerDisconnectedError:
                dropped += 1
        assert 0 < dropped < 20
        assert sim.stats.by_status == {0: dropped, 207: 20 - dropped}
        assert sim.campaign_customers(1) == list(range(21, 41))


async def test_latency(session: aiohttp.ClientSession) -> None:
    async with make_sim(latency=0.01) as sim:
        http = Http(session, sim.url)
        assert await http.add(1, [{"customer-id": 1}]) == (207, [ok(1)])
        assert (await http.campaign(1))[0] == 200


# -- serve() and the command line -------------------------------------------------------


async def test_serve_until_stopped(session: aiohttp.ClientSession) -> None:
    sim = make_sim()
    stop = asyncio.Event()
    urls: list[str] = []
    listening = asyncio.Event()

    def announce(url: str) -> None:
        urls.append(url)
        listening.set()

    task = asyncio.create_task(serve(sim, announce=announce, stop=stop))
    await asyncio.wait_for(listening.wait(), 10)
    status, body = await Http(session, urls[0]).campaign(1)
    assert status == 200
    assert body["campaign"]["campaign-id"] == 1
    stop.set()
    await asyncio.wait_for(task, 10)
    with pytest.raises(aiohttp.ClientConnectionError):
        await Http(session, urls[0]).campaign(1)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_cli_runs_until_signal(session: aiohttp.ClientSession, sig: signal.Signals) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cc_campaigns.dynamic.simulator",
        "--port",
        "0",
        "--username",
        "U",
        "--data-token",
        "T",
        "--action-token",
        "T",
        "--campaign",
        "125",
        "--campaign",
        "126",
        "--crm-range",
        "1-100",
        "--dnc-range",
        "5-5",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode()
        assert line.startswith("listening on http://127.0.0.1:")
        url = line.split()[-1]
        http = Http(session, url)
        auth = basic("U", "T")
        status, body = await http.campaign(125, headers=auth)
        assert (status, body["campaign"]["status"]) == (200, 3)
        status, body = await http.add(
            126, [{"customer-id": 100}, {"customer-id": 101}, {"customer-id": 5}], headers=auth
        )
        assert [r["http-status"] for r in body] == [200, 404, 400]
        proc.send_signal(sig)
        stdout, stderr = await asyncio.wait_for(proc.communicate(), 20)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0
    assert stdout == b""  # the one "listening on" line was all
    assert stderr == b""


@pytest.mark.slow
async def test_cli_bad_arguments() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cc_campaigns.dynamic.simulator",
        "--crm-range",
        "9-1",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 2
    assert stdout == b""
    assert b"not an id range" in stderr


# -- the answers against the vendor's own examples -----------------------------------------------
# The simulator encodes its answers itself (cc_campaigns.dynamic.simulator.vendor/documents),
# never with the SDK's wire code: these tests compare its keys with the example bodies of the
# reference pages, then read its answers with the SDK's client, so a field name spelled wrong on
# either side fails here.

#: 8x8-campaign-status.md, "Get Campaign Status", the example answer.
STATUS_EXAMPLE: dict[str, Any] = {
    "campaign": {
        "campaign-name": "My Callbacks",
        "campaign-id": 6561,
        "enabled": "Y",
        "status": 3,
        "no-of-records": 18,
        "caller-id": 13125555068,
        "queue-id": 598,
        "start-time": "",
        "end-time": "",
        "actual-run-time": "2022-10-17T22:31:02+01:00",
        "actual-stop-time": "",
        "daily-start-time": "",
        "daily-end-time": "",
        "retry-interval": 30,
        "max-retry": 1,
        "abandon-max-retry": "",
        "max-ring-time": 15,
        "integration-type": "contactual",
        "calling-window": 2,
        "schedule-name": "'5-6pm Eastern'",
        "timezone": "EST5EST",
        "dynamic-campaign": "Y",
        "sequential": "N",
    }
}
#: 8x8-campaign-records.md, "Get Campaign Records", the example answer (its first record).
RECORDS_EXAMPLE: dict[str, Any] = {
    "records": {
        "record": [
            {
                "campaign-name": "BOC Admin Demo",
                "campaign-id": 1,
                "record-id": 10000000,
                "phone-list": "*Phone Number|5551234567",
                "status": 3,
                "status-code": 0,
                "ext-trans-data": "",
                "disposition-code": 1002,
            }
        ]
    }
}
#: 8x8-campaign-records.md, "Add Campaign Record Response": an accepted item with a schedule,
#: one without, and a refused one.
ADD_EXAMPLE: list[dict[str, Any]] = [
    {"customer-id": 10003629, "schedule-date-time": "2016-08-29T09:00:00.000Z", "http-status": 200},
    {"customer-id": 1000001, "http-status": 200},
    {"customer-id": 10003621, "http-status": 400, "message": "Duplicate customer"},
]


def _types(document: dict[str, Any]) -> dict[str, type]:
    return {key: type(value) for key, value in document.items()}


async def test_the_status_answer_has_the_example_keys_and_types(
    session: aiohttp.ClientSession,
) -> None:
    start, end = NOW - timedelta(days=1), NOW + timedelta(days=1)
    async with make_sim() as sim:
        sim.add_campaign(6561, status=3, schedule=(start, end), name="My Callbacks")
        status, body = await Http(session, sim.url).campaign(6561)
    assert status == 200 and list(body) == ["campaign"]
    example = STATUS_EXAMPLE["campaign"]
    assert list(body["campaign"]) == list(example)  # the same keys, in the same order
    assert {
        k: t for k, t in _types(body["campaign"]).items() if k not in ("start-time", "end-time")
    } == {k: t for k, t in _types(example).items() if k not in ("start-time", "end-time")}


async def test_the_records_answer_has_the_example_keys_and_types(
    session: aiohttp.ClientSession,
) -> None:
    async with make_sim() as sim:
        sim.add_campaign(1, status=3)
        sim.add_crm_customers([10000000])
        http = Http(session, sim.url)
        assert (await http.add(1, [{"customer-id": 10000000}]))[0] == 207
        sim.set_record_status(1, 10000000, 3)
        status, body = await http.records(1)
    assert status == 200 and list(body) == list(RECORDS_EXAMPLE)
    assert list(body["records"]) == ["record"]
    (record,) = body["records"]["record"]
    (example,) = RECORDS_EXAMPLE["records"]["record"]
    assert _types(record) == _types(example)
    assert list(record) == list(example)


async def test_add_results_have_the_example_keys(session: aiohttp.ClientSession) -> None:
    async with make_sim() as sim:
        sim.add_campaign(1, status=3)
        sim.add_crm_customers([10003629, 1000001, 10003621])
        http = Http(session, sim.url)
        await http.add(1, [{"customer-id": 10003621}])
        when = (NOW + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        status, body = await http.add(
            1,
            [
                {"customer-id": 10003629, "schedule-date-time": when},
                {"customer-id": 1000001},
                {"customer-id": 10003621},
            ],
        )
    assert status == 207
    assert [list(result) for result in body] == [list(result) for result in ADD_EXAMPLE]
    assert [_types(result) for result in body] == [_types(result) for result in ADD_EXAMPLE]


async def test_the_sdk_reads_every_field_the_simulator_answers() -> None:
    """A round trip: what the simulator writes under the vendor's names, the client reads under
    its own; a name wrong on either side leaves a field empty here."""
    from cc_campaigns import CampaignsClient

    async with make_sim() as sim:
        sim.add_campaign(6561, status=3, name="My Callbacks")
        sim.add_crm_customers(range(1, 10))
        async with CampaignsClient(
            username=USER, data_token=DATA, action_token=ACTION, base_url=sim.url
        ) as client:
            results = await client.add_customers(
                6561, [{"customer-id": 1}, {"customer-id": 1}, {"customer-id": 4999}]
            )
            campaign = await client.get_campaign(6561)
            records = await client.list_records(6561)
    assert [(r.customer_id, r.http_status) for r in results] == [(1, 200), (1, 400), (4999, 404)]
    assert results[1].message == "Duplicate customer"
    assert (campaign.campaign_id, campaign.name, campaign.status) == (
        6561,
        "My Callbacks",
        CampaignStatus.MANUAL_RUNNING,
    )
    assert campaign.enabled and campaign.dynamic and campaign.sequential is False
    assert campaign.record_count == 1
    for name in (
        "caller_id",
        "queue_id",
        "actual_run_time",
        "retry_interval",
        "max_retry",
        "max_ring_time",
        "integration_type",
        "calling_window",
        "timezone",
    ):
        assert getattr(campaign, name) is not None, name
    (record,) = records
    assert (record.record_id, record.campaign_id, record.campaign_name) == (1, 6561, "My Callbacks")
    assert record.status == RecordStatus.NEW
    assert record.status_code is not None and record.disposition is not None
    assert record.phone_list == "*Phone Number|5550000001"


def test_the_simulator_does_not_import_the_sdk_wire_code() -> None:
    """Its modules import neither the SDK's models nor its wire code (outside type checking and
    the inspection helpers' function bodies)."""
    assert_no_sdk_imports("cc_campaigns.dynamic.simulator")
