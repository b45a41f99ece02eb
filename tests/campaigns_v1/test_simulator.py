"""The 8x8 Campaigns API v1 simulator, over real HTTP with a plain aiohttp client.

The expected answers here come from ``tests/reference/8x8-campaigns-v1-notes.md`` (the vendor's
example bodies, the action table, the displayStatus mapping), written out again in this file
rather than read from the simulator's own tables, so that a mistake in either shows.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from typing import Any

import aiohttp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cc_campaigns.campaigns_v1.simulator import (
    GUIDES,
    OPENAPI,
    CampaignsV1Simulator,
    Variants,
)
from cc_campaigns.campaigns_v1.simulator.problems import Problem
from cc_campaigns.campaigns_v1.simulator.requests import Modify
from cc_campaigns.campaigns_v1.simulator.state import SimCampaign, SimState

from ..servers import assert_no_sdk_imports

NOW = datetime(2026, 4, 22, 10, 0, tzinfo=timezone.utc)
KEY, TENANT = "eght_test-key", "tenant"
MEDIA = "application/vnd.campaigns.v1+json"
HEADERS = {"X-API-Key": KEY, "X-8x8-Tenant": TENANT, "Content-Type": MEDIA}

#: The MC example 200 body's keys, and every key a Campaign may have (FR).
MC_EXAMPLE_KEYS = {
    "id",
    "tenantId",
    "integrationType",
    "startTime",
    "endTime",
    "state",
    "displayStatus",
    "recordCount",
    "recordCounts",
    "lastBuildTime",
    "startedTime",
}
CAMPAIGN_KEYS = MC_EXAMPLE_KEYS | {"lastPurgedTime", "completedTime"}
#: The AR example's Record keys (no stateReason / result before a record is terminal).
RECORD_KEYS = {
    "id",
    "type",
    "crmRecordId",
    "priority",
    "rank",
    "nextAttemptAfter",
    "retryCount",
    "state",
}
#: The TS example error body's keys.
PROBLEM_KEYS = {"title", "status", "detail", "instance", "time", "errors"}

STATES = [
    "CREATED",
    "BUILDING",
    "READY",
    "PENDING",
    "STARTING",
    "RUNNING",
    "PAUSED",
    "COMPLETE",
    "BUILD_ERROR",
    "RUN_ERROR",
    "DELETED",
]
ACTIONS = ["BUILD", "RESET", "START", "PAUSE", "RESUME", "RETRY", "CANCEL", "PURGE"]
#: The SM action table: (action, from) -> the state the PATCH answer shows.
TABLE = {
    **{("BUILD", s): "BUILDING" for s in ("CREATED", "READY", "BUILD_ERROR")},
    **{("RESET", s): "CREATED" for s in ("READY", "BUILD_ERROR")},
    ("START", "READY"): "STARTING",
    ("PAUSE", "RUNNING"): "PAUSED",
    ("RESUME", "PAUSED"): "RUNNING",
    ("RETRY", "RUN_ERROR"): "RUNNING",
    **{("CANCEL", s): "COMPLETE" for s in ("PENDING", "RUNNING", "PAUSED", "RUN_ERROR")},
    **{("PURGE", s): s for s in ("PAUSED", "RUN_ERROR", "COMPLETE")},
}
#: FR's displayStatus of each state (enabled, not purged, not cancelled).
DISPLAY = {
    "CREATED": "NEW",
    "BUILDING": "BUILDING",
    "READY": "READY_TO_RUN",
    "PENDING": "SCHEDULED",
    "STARTING": "BUILDING",
    "RUNNING": "RUNNING",
    "PAUSED": "PAUSED",
    "COMPLETE": "COMPLETED",
    "BUILD_ERROR": "BUILD_FAILED",
    "RUN_ERROR": "ERROR",
    "DELETED": "COMPLETED",
}


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Answer:
    def __init__(self, status: int, body: Any, headers: Any) -> None:
        self.status = status
        self.body = body
        self.headers = headers


class Http:
    """Raw requests to one simulator."""

    def __init__(self, session: aiohttp.ClientSession, sim: CampaignsV1Simulator) -> None:
        self.session = session
        self.sim = sim

    async def send(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
        url: str | None = None,
    ) -> Answer:
        data = raw if raw is not None else (None if body is None else _json(body))
        async with self.session.request(
            method, (url or self.sim.url) + path, data=data, headers=headers or HEADERS
        ) as answer:
            assert answer.content_type == MEDIA
            return Answer(answer.status, await answer.json(content_type=None), answer.headers)

    async def patch(self, cid: str, body: Any, **kwargs: Any) -> Answer:
        return await self.send("PATCH", f"/{cid}", body, **kwargs)

    async def add(self, cid: str, records: Any, **kwargs: Any) -> Answer:
        return await self.send("POST", f"/{cid}/records", {"records": records}, **kwargs)


def _json(body: Any) -> bytes:
    import json

    return json.dumps(body).encode()


@contextlib.asynccontextmanager
async def serving(**options: Any) -> AsyncIterator[tuple[CampaignsV1Simulator, Http]]:
    """A simulator with ``options`` and a client session to it."""
    async with CampaignsV1Simulator(**options) as simulator, aiohttp.ClientSession() as session:
        yield simulator, Http(session, simulator)


def ids(*names: str) -> list[dict[str, str]]:
    return [{"crmRecordId": name} for name in names]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def sim(clock: Clock) -> AsyncIterator[CampaignsV1Simulator]:
    async with CampaignsV1Simulator(clock=clock, transient_seconds=2.0) as simulator:
        yield simulator


@pytest.fixture
async def http(sim: CampaignsV1Simulator) -> AsyncIterator[Http]:
    async with aiohttp.ClientSession() as session:
        yield Http(session, sim)


def assert_problem(answer: Answer, status: int) -> dict[str, Any]:
    """The TS error body: title, status, detail, instance, time (errors only on validation)."""
    body: dict[str, Any] = answer.body
    assert answer.status == status, body
    assert set(body) <= PROBLEM_KEYS and PROBLEM_KEYS - {"errors"} <= set(body)
    assert body["status"] == status
    assert body["instance"].startswith("/cc/US1/campaigns/v1/") or status in (405,)
    assert body["time"].endswith("Z")
    for error in body.get("errors", []):
        assert set(error) == {"field", "code", "message"}
    return body


# -- the URL and the vendor's example bodies ---------------------------------------------------


async def test_url_is_the_root_a_client_takes_as_base_url() -> None:
    async with CampaignsV1Simulator(site="UK3") as sim:
        assert sim.url == f"http://127.0.0.1:{sim.port}/cc/UK3/campaigns/v1"
    with pytest.raises(ValueError, match="site"):
        CampaignsV1Simulator(site="EU1")
    with pytest.raises(ValueError, match="eght_"):
        CampaignsV1Simulator(api_key="test-key")


async def test_patch_answers_a_campaign_with_the_mc_example_keys(
    sim: CampaignsV1Simulator, http: Http, clock: Clock
) -> None:
    cid = sim.add_campaign(
        state="READY", start_time=NOW - timedelta(hours=1), end_time=NOW + timedelta(hours=8)
    )
    await http.add(cid, ids("a", "b", "c"))
    sim.set_record_state(cid, "c", "COMPLETE", "SUCCESS")
    sim.state.campaigns[cid].last_build_time = NOW - timedelta(minutes=5)
    started = await http.patch(cid, {"action": "START"})
    assert started.status == 200
    assert started.body["state"] == "STARTING" and started.body["displayStatus"] == "BUILDING"
    clock.advance(5)
    answer = await http.patch(cid, {"action": "PAUSE"})
    assert answer.status == 200
    paused = answer.body
    assert set(paused) == MC_EXAMPLE_KEYS
    assert None not in paused.values()
    assert paused["id"] == cid and paused["tenantId"] == TENANT
    assert paused["integrationType"] == "contactual"
    assert paused["startTime"] == "2026-04-22T09:00:00Z"
    assert paused["endTime"] == "2026-04-22T18:00:00Z"
    assert paused["lastBuildTime"] == "2026-04-22T09:55:00Z"
    assert paused["startedTime"] == "2026-04-22T10:00:02Z"
    assert (paused["state"], paused["displayStatus"]) == ("PAUSED", "PAUSED")
    assert paused["recordCount"] == 3
    assert paused["recordCounts"] == [
        {"type": "DYNAMIC", "state": "PENDING", "count": 2},
        {"type": "DYNAMIC", "state": "COMPLETE", "result": "SUCCESS", "count": 1},
    ]


async def test_add_records_answers_the_ar_example(sim: CampaignsV1Simulator, http: Http) -> None:
    cid = sim.add_campaign()
    answer = await http.add(
        cid,
        [
            {"crmRecordId": "CRM-1", "priority": "HIGH", "rank": 1},
            {
                "crmRecordId": "CRM-2",
                "priority": "MEDIUM",
                "rank": 2.0,
                "scheduleAt": "2026-04-23T09:00:00+02:00",
            },
            {"crmRecordId": "CRM-3", "priority": "LOW", "rank": 3},
        ],
    )
    assert answer.status == 201
    records = answer.body["records"]
    assert list(answer.body) == ["records"] and len(records) == 3
    for record in records:
        assert set(record) == RECORD_KEYS
        assert uuid.UUID(record["id"])
        assert (record["type"], record["state"], record["retryCount"]) == ("DYNAMIC", "PENDING", 0)
    assert [(r["crmRecordId"], r["priority"], r["rank"]) for r in records] == [
        ("CRM-1", "HIGH", 1.0),
        ("CRM-2", "MEDIUM", 2.0),
        ("CRM-3", "LOW", 3.0),
    ]
    assert records[1]["nextAttemptAfter"] == "2026-04-23T07:00:00Z"  # scheduleAt
    assert records[2]["nextAttemptAfter"] == "2026-04-22T10:00:00Z"  # creation time
    assert sim.campaign_records(cid) == ["CRM-1", "CRM-2", "CRM-3"]
    assert sim.stats.records_added == 3


async def test_rank_defaults_to_the_count_in_the_priority_group_plus_one(
    sim: CampaignsV1Simulator, http: Http
) -> None:
    cid = sim.add_campaign()
    first = await http.add(cid, [*ids("a", "b"), {"crmRecordId": "c", "priority": "LOW"}])
    assert [r["rank"] for r in first.body["records"]] == [1.0, 2.0, 1.0]
    second = await http.add(
        cid,
        [{"crmRecordId": "d"}, {"crmRecordId": "e", "priority": "LOW"}, {"crmRecordId": "f"}],
    )
    assert [r["rank"] for r in second.body["records"]] == [3.0, 2.0, 4.0]
    assert [r["priority"] for r in second.body["records"]] == ["HIGH", "LOW", "HIGH"]


# -- validation and atomicity ------------------------------------------------------------------

BAD_BATCHES: list[tuple[str, Any, str, str]] = [
    ("empty", [], "records", "Size"),
    ("too many", ids(*(f"id-{n}" for n in range(101))), "records", "Size"),
    ("blank id", [{"crmRecordId": "  "}], "records[0].crmRecordId", "NotBlank"),
    ("missing id", [{"priority": "LOW"}], "records[0].crmRecordId", "NotBlank"),
    ("33 chars", ids("ok", "x" * 33), "records[1].crmRecordId", "Size"),
    ("number id", [{"crmRecordId": 7}], "records[0].crmRecordId", "TypeMismatch"),
    (
        "bad scheduleAt",
        [{"crmRecordId": "a", "scheduleAt": "tomorrow"}],
        "records[0].scheduleAt",
        "InvalidFormat",
    ),
    (
        "basic format",
        [{"crmRecordId": "a", "scheduleAt": "20260422T100000Z"}],
        "records[0].scheduleAt",
        "InvalidFormat",
    ),
    (
        "month 13",
        [{"crmRecordId": "a", "scheduleAt": "2026-13-22T10:00:00Z"}],
        "records[0].scheduleAt",
        "InvalidFormat",
    ),
    (
        "no offset",
        [{"crmRecordId": "a", "scheduleAt": "2026-04-22T10:00:00"}],
        "records[0].scheduleAt",
        "InvalidFormat",
    ),
    ("duplicate in request", ids("a", "b", "a"), "records[2].crmRecordId", "Duplicate"),
    (
        "bad priority",
        [{"crmRecordId": "a", "priority": "URGENT"}],
        "records[0].priority",
        "InvalidValue",
    ),
    ("bool rank", [{"crmRecordId": "a", "rank": True}], "records[0].rank", "TypeMismatch"),
    ("unknown field", [{"crmRecordId": "a", "phone": "1"}], "records[0].phone", "UnknownField"),
    ("not an object", ["a"], "records[0]", "TypeMismatch"),
]


@pytest.mark.parametrize(
    ("records", "field", "code"), [b[1:] for b in BAD_BATCHES], ids=[b[0] for b in BAD_BATCHES]
)
async def test_an_invalid_batch_is_refused_400_whole(
    sim: CampaignsV1Simulator, http: Http, records: Any, field: str, code: str
) -> None:
    cid = sim.add_campaign()
    body = assert_problem(await http.add(cid, records), 400)
    assert body["title"] == "Validation failed"
    assert {"field": field, "code": code} in [
        {"field": e["field"], "code": e["code"]} for e in body["errors"]
    ]
    assert sim.campaign_records(cid) == []
    assert sim.stats.records_added == 0


async def test_the_ts_example_error_body(sim: CampaignsV1Simulator, http: Http) -> None:
    cid = sim.add_campaign()
    body = assert_problem(await http.add(cid, [{"crmRecordId": ""}]), 400)
    assert set(body) == PROBLEM_KEYS
    assert body["instance"] == f"/cc/US1/campaigns/v1/{cid}/records"
    assert body["time"] == "2026-04-22T10:00:00Z"
    assert body["errors"] == [
        {"field": "records[0].crmRecordId", "code": "NotBlank", "message": "must not be blank"}
    ]


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b"[]", b'{"records": {"crmRecordId": "a"}}', b'{"records": [], "x": 1}'],
)
async def test_malformed_bodies_are_400(sim: CampaignsV1Simulator, http: Http, raw: bytes) -> None:
    cid = sim.add_campaign()
    assert_problem(await http.send("POST", f"/{cid}/records", raw=raw), 400)
    assert_problem(await http.send("PATCH", f"/{cid}", raw=raw), 400)


async def test_a_batch_with_one_known_id_stores_none_of_it(
    sim: CampaignsV1Simulator, http: Http
) -> None:
    cid = sim.add_campaign()
    assert (await http.add(cid, ids("a", "b"))).status == 201
    body = assert_problem(await http.add(cid, ids("c", "b", "d")), 409)
    assert body["detail"] == "Campaign already contains record for Id: b"
    assert "errors" not in body
    assert sim.campaign_records(cid) == ["a", "b"]


async def test_adding_to_a_campaign_that_is_not_dynamic(
    sim: CampaignsV1Simulator, http: Http
) -> None:
    cid = sim.add_campaign(dynamic=False)
    body = assert_problem(await http.add(cid, ids("a")), 400)
    assert body["title"] == "Invalid Operation" and "isDynamic is false" in body["detail"]
    assert sim.campaign_records(cid) == []


@pytest.mark.parametrize("state", STATES)
async def test_adding_in_each_state(sim: CampaignsV1Simulator, http: Http, state: str) -> None:
    cid = sim.add_campaign(state=state)
    answer = await http.add(cid, ids("a"))
    if state in ("BUILDING", "STARTING", "COMPLETE", "DELETED"):
        assert_problem(answer, 409)
        assert sim.campaign_records(cid) == []
    else:
        assert answer.status == 201
        assert sim.campaign_records(cid) == ["a"]


# -- the state machine -------------------------------------------------------------------------


async def test_every_state_and_action_against_the_table(
    sim: CampaignsV1Simulator, http: Http
) -> None:
    for state in STATES:
        for action in ACTIONS:
            cid = sim.add_campaign(state=state)
            answer = await http.patch(cid, {"action": action})
            expected = TABLE.get((action, state))
            if expected is None:
                body = assert_problem(answer, 409)
                assert action in body["detail"] and state in body["detail"]
                assert sim.campaign_state(cid) == state, (state, action)
                continue
            assert answer.status == 200, (state, action, answer.body)
            assert answer.body["state"] == expected, (state, action)
            if action == "CANCEL":
                assert answer.body["displayStatus"] == "STOPPED"
                assert answer.body["completedTime"] == "2026-04-22T10:00:00Z"
            elif action == "PURGE":
                assert answer.body["lastPurgedTime"] == "2026-04-22T10:00:00Z"
                assert (
                    answer.body["displayStatus"]
                    == {
                        "PAUSED": "PURGED",
                        "RUN_ERROR": "ERROR_PURGED",
                        "COMPLETE": "COMPLETED",
                    }[state]
                )
            else:
                assert answer.body["displayStatus"] == DISPLAY[expected]


async def test_build_is_transient_and_ends_ready_or_build_error(
    sim: CampaignsV1Simulator, http: Http, clock: Clock
) -> None:
    cid = sim.add_campaign(state="CREATED")
    assert (await http.patch(cid, {"action": "BUILD"})).body["state"] == "BUILDING"
    assert_problem(await http.add(cid, ids("a")), 409)
    clock.advance(1.9)
    assert sim.campaign_state(cid) == "BUILDING"
    clock.advance(0.1)
    assert sim.campaign_state(cid) == "READY"
    assert sim.campaign_document(cid)["lastBuildTime"] == "2026-04-22T10:00:02Z"
    sim.fail_next_build(cid)
    await http.patch(cid, {"action": "BUILD"})
    clock.advance(2)
    document = sim.campaign_document(cid)
    assert (document["state"], document["displayStatus"]) == ("BUILD_ERROR", "BUILD_FAILED")
    assert (await http.patch(cid, {"action": "RESET"})).body["state"] == "CREATED"


async def test_start_with_a_future_start_time_is_pending_then_runs(
    sim: CampaignsV1Simulator, http: Http, clock: Clock
) -> None:
    start, end = NOW + timedelta(hours=1), NOW + timedelta(hours=2)
    cid = sim.add_campaign(state="READY", start_time=start, end_time=end)
    answer = await http.patch(cid, {"action": "START"})
    assert (answer.body["state"], answer.body["displayStatus"]) == ("PENDING", "SCHEDULED")
    assert (await http.add(cid, ids("a"))).status == 201  # PENDING is not excluded
    clock.advance(3600 + 1)
    assert sim.campaign_state(cid) == "STARTING"
    clock.advance(1)
    document = sim.campaign_document(cid)
    assert document["state"] == "RUNNING"
    assert document["startedTime"] == "2026-04-22T11:00:02Z"
    clock.advance(3600)
    document = sim.campaign_document(cid)
    assert (document["state"], document["displayStatus"]) == ("COMPLETE", "COMPLETED")
    assert document["completedTime"] == "2026-04-22T12:00:00Z"


async def test_start_with_build_on_start_builds_then_starts(
    sim: CampaignsV1Simulator, http: Http, clock: Clock
) -> None:
    cid = sim.add_campaign(state="CREATED")
    assert_problem(await http.patch(cid, {"action": "START"}), 409)
    assert_problem(await http.patch(cid, {"action": "START", "buildOnStart": False}), 409)
    answer = await http.patch(cid, {"action": "START", "buildOnStart": True})
    assert answer.body["state"] == "BUILDING"
    clock.advance(2)
    assert sim.campaign_state(cid) == "STARTING"
    clock.advance(2)
    assert sim.campaign_state(cid) == "RUNNING"
    configured = sim.add_campaign(state="CREATED", build_on_start=True)
    assert (await http.patch(configured, {"action": "START"})).body["state"] == "BUILDING"


async def test_build_on_start_only_goes_with_start(sim: CampaignsV1Simulator, http: Http) -> None:
    cid = sim.add_campaign(state="CREATED")
    body = assert_problem(await http.patch(cid, {"action": "BUILD", "buildOnStart": True}), 400)
    assert body["errors"][0]["field"] == "buildOnStart"


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({}, "action", "NotNull"),
        ({"enabled": True}, "action", "NotNull"),
        ({"action": "STOP"}, "action", "InvalidValue"),
        ({"action": "build"}, "action", "InvalidValue"),
        ({"action": 1}, "action", "TypeMismatch"),
        ({"action": "BUILD", "enabled": "true"}, "enabled", "TypeMismatch"),
        ({"action": "BUILD", "name": "x"}, "name", "UnknownField"),
    ],
)
async def test_invalid_patch_bodies_are_400(
    sim: CampaignsV1Simulator, http: Http, body: Any, field: str, code: str
) -> None:
    cid = sim.add_campaign(state="CREATED")
    problem = assert_problem(await http.patch(cid, body), 400)
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [(field, code)]
    assert sim.campaign_state(cid) == "CREATED"


async def test_purge_keeps_the_state_and_resume_ends_purged(
    sim: CampaignsV1Simulator, http: Http, clock: Clock
) -> None:
    cid = sim.add_campaign(state="PAUSED")
    clock.advance(60)
    purged = (await http.patch(cid, {"action": "PURGE"})).body
    assert (purged["state"], purged["displayStatus"]) == ("PAUSED", "PURGED")
    assert purged["lastPurgedTime"] == "2026-04-22T10:01:00Z"
    resumed = (await http.patch(cid, {"action": "RESUME"})).body
    assert (resumed["state"], resumed["displayStatus"]) == ("RUNNING", "RUNNING")
    assert resumed["lastPurgedTime"] == "2026-04-22T10:01:00Z"


async def test_a_disabled_campaign_takes_only_build_and_reset(
    sim: CampaignsV1Simulator, http: Http, clock: Clock
) -> None:
    cid = sim.add_campaign(state="READY")
    # The documented toggle: an action sent with `enabled`.
    off = (await http.patch(cid, {"action": "BUILD", "enabled": False})).body
    assert (off["state"], off["displayStatus"]) == ("BUILDING", "DISABLED")
    assert "enabled" not in off
    clock.advance(2)
    for action in ("START", "CANCEL", "PAUSE"):
        body = assert_problem(await http.patch(cid, {"action": action}), 409)
        assert "disabled" in body["detail"]
    assert (await http.patch(cid, {"action": "RESET"})).body["displayStatus"] == "DISABLED"
    # A refused request changes nothing, the flag included.
    assert_problem(await http.patch(cid, {"action": "START", "enabled": True}), 409)
    assert sim.campaign_document(cid)["displayStatus"] == "DISABLED"
    # `enabled` applies before the action is checked.
    clock.advance(1)
    on = (await http.patch(cid, {"action": "BUILD", "enabled": True})).body
    assert (on["state"], on["displayStatus"]) == ("BUILDING", "BUILDING")
    # Adds are not excluded while disabled (a variant can refuse them).
    sim.set_enabled(cid, False)
    clock.advance(2)
    assert (await http.add(cid, ids("a"))).status == 201


# -- the state machine against a model (pure Python, no HTTP) ----------------------------------


def model_step(state: str, enabled: bool, action: str, set_enabled: bool | None) -> str | None:
    """The state the notes' table gives, or None when refused."""
    enabled = enabled if set_enabled is None else set_enabled
    if not enabled and action not in ("BUILD", "RESET"):
        return None
    return TABLE.get((action, state))


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(STATES),
    st.booleans(),
    st.lists(
        st.tuples(
            st.sampled_from(ACTIONS),
            st.sampled_from([None, True, False]),
            st.sampled_from([0.0, 1.0, 5.0]),
        ),
        max_size=12,
    ),
)
def test_the_state_machine_follows_the_table(
    state: str, enabled: bool, steps: list[tuple[str, bool | None, float]]
) -> None:
    clock = Clock()
    machine = SimState(clock, 2.0, Variants())
    campaign = machine.add(SimCampaign(str(uuid.uuid4()), TENANT, state=state, enabled=enabled))
    if state in ("BUILDING", "STARTING"):
        campaign.transient_until = clock.now + timedelta(seconds=2)
    for action, set_enabled, wait in steps:
        machine.settle(campaign)
        before, was_enabled = campaign.state, campaign.enabled
        expected = model_step(before, was_enabled, action, set_enabled)
        try:
            machine.modify(campaign, Modify(action, set_enabled))
        except Problem as problem:
            assert expected is None, (before, action)
            assert problem.status == 409
            assert (campaign.state, campaign.enabled) == (before, was_enabled)
        else:
            assert campaign.state == expected, (before, action)
            assert campaign.enabled == (was_enabled if set_enabled is None else set_enabled)
        clock.advance(wait)
        machine.settle(campaign)
        if campaign.state in ("BUILDING", "STARTING"):
            assert campaign.transient_until is not None and campaign.transient_until > clock.now
        document = campaign.document()
        assert (document["displayStatus"] == "DISABLED") == (not campaign.enabled)
        if campaign.enabled and not campaign.purged and not campaign.cancelled:
            assert document["displayStatus"] == DISPLAY[campaign.state]
        assert None not in document.values()


# -- the documented disagreements (variants) ---------------------------------------------------


async def test_variants_success_duplicate_and_transition_statuses() -> None:
    chosen = Variants(add_status=200, duplicate_status=400, transition_status=400)
    async with serving(variants=chosen) as (sim, http):
        cid = sim.add_campaign()
        assert (await http.add(cid, ids("a"))).status == 200
        body = assert_problem(await http.add(cid, ids("b", "a")), 400)
        assert body["detail"] == "Campaign already contains record for Id: a"
        assert sim.campaign_records(cid) == ["a"]
        assert_problem(await http.patch(cid, {"action": "RESUME"}), 400)


async def test_variant_a_duplicate_refusal_without_the_id() -> None:
    async with serving(variants=Variants(duplicate_names_id=False)) as (sim, http):
        cid = sim.add_campaign()
        await http.add(cid, ids("CRM-12345"))
        body = assert_problem(await http.add(cid, ids("CRM-12345")), 409)
        assert "CRM-12345" not in body["detail"]
        assert body["detail"].startswith("Campaign already contains")


@pytest.mark.parametrize(("accept", "status"), [(False, 409), (True, 200)])
async def test_variant_cancel_from_ready(accept: bool, status: int) -> None:
    async with serving(variants=Variants(cancel_from_ready=accept)) as (sim, http):
        answer = await http.patch(sim.add_campaign(state="READY"), {"action": "CANCEL"})
        assert answer.status == status
        if accept:
            assert answer.body["displayStatus"] == "STOPPED"


@pytest.mark.parametrize(("accept", "status"), [(False, 415), (True, 201)])
async def test_variant_plain_json_media_type(accept: bool, status: int) -> None:
    async with serving(variants=Variants(accept_plain_json=accept)) as (sim, http):
        headers = {**HEADERS, "Content-Type": "application/json"}
        answer = await http.add(sim.add_campaign(), ids("a"), headers=headers)
        assert answer.status == status
        if not accept:
            assert MEDIA in assert_problem(answer, 415)["detail"]


async def test_variant_adds_refused_while_disabled() -> None:
    async with serving(variants=Variants(add_when_disabled=False)) as (sim, http):
        cid = sim.add_campaign(enabled=False)
        assert_problem(await http.add(cid, ids("a")), 409)
        assert sim.campaign_records(cid) == []


def test_the_presets_take_one_side_throughout() -> None:
    assert (GUIDES.add_status, GUIDES.duplicate_status, GUIDES.transition_status) == (
        200,
        409,
        409,
    )
    assert (OPENAPI.add_status, OPENAPI.duplicate_status, OPENAPI.transition_status) == (
        201,
        400,
        400,
    )
    with pytest.raises(ValueError):
        Variants(add_status=204)  # type: ignore[arg-type]


# -- key, tenant, site, campaign ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"X-8x8-Tenant": TENANT}, 401),
        ({"X-API-Key": "", "X-8x8-Tenant": TENANT}, 401),
        ({"X-API-Key": "test-key", "X-8x8-Tenant": TENANT}, 401),
        ({"X-API-Key": "eght_other", "X-8x8-Tenant": TENANT}, 401),
        ({"Authorization": "Basic dGVuYW50OnRva2Vu", "X-8x8-Tenant": TENANT}, 401),
        ({"X-API-Key": "eght_no-product", "X-8x8-Tenant": TENANT}, 403),
        ({"X-API-Key": KEY}, 404),
        ({"X-API-Key": KEY, "X-8x8-Tenant": "US1"}, 404),
        ({"x-api-key": KEY, "x-8x8-tenant": TENANT}, 201),
    ],
)
async def test_key_and_tenant_checks(headers: dict[str, str], status: int) -> None:
    async with serving(unlicensed_keys=["eght_no-product"]) as (sim, http):
        cid = sim.add_campaign()
        answer = await http.add(cid, ids("a"), headers={**headers, "Content-Type": MEDIA})
        assert answer.status == status
        if status != 201:
            assert_problem(answer, status)
            assert sim.campaign_records(cid) == []


@pytest.mark.parametrize("site", ["US2", "UK3", "us1", "EU1"])
async def test_another_site_is_404(sim: CampaignsV1Simulator, http: Http, site: str) -> None:
    cid = sim.add_campaign()
    url = sim.url.replace("/US1/", f"/{site}/")
    answer = await http.patch(cid, {"action": "PAUSE"}, url=url)
    assert answer.status == 404 and answer.body["instance"] == f"/cc/{site}/campaigns/v1/{cid}"
    assert sim.campaign_state(cid) == "RUNNING"


async def test_unknown_and_foreign_campaigns_are_404_and_a_non_uuid_400() -> None:
    async with serving(tenant=["tenant", "other"]) as (sim, http):
        assert_problem(await http.patch(str(uuid.uuid4()), {"action": "PAUSE"}), 404)
        foreign = sim.add_campaign(tenant="other")
        assert_problem(await http.add(foreign, ids("a")), 404)
        other = {**HEADERS, "X-8x8-Tenant": "other"}
        assert (await http.add(foreign, ids("a"), headers=other)).status == 201
        body = assert_problem(await http.patch("125", {"action": "PAUSE"}), 400)
        assert body["errors"][0]["field"] == "campaignId"
        assert_problem(await http.send("GET", f"/{foreign}"), 405)
        assert (await http.send("GET", f"/{foreign}/x")).status == 404


# -- faults ------------------------------------------------------------------------------------


async def test_error_rate_is_503_and_nothing_applied() -> None:
    async with serving(error_rate=1.0) as (sim, http):
        cid = sim.add_campaign()
        assert_problem(await http.add(cid, ids("a")), 503)
        assert_problem(await http.patch(cid, {"action": "PAUSE"}), 503)
        assert sim.campaign_records(cid) == [] and sim.campaign_state(cid) == "RUNNING"
        assert sim.stats.faults["error"] == 2


async def test_throttle_rate_is_429_with_retry_after() -> None:
    async with serving(throttle_rate=1.0, retry_after=3) as (sim, http):
        cid = sim.add_campaign()
        answer = await http.add(cid, ids("a"))
        assert_problem(answer, 429)
        assert answer.headers["Retry-After"] == "3"
        assert sim.campaign_records(cid) == []


async def test_capacity_is_records_per_second() -> None:
    async with serving(capacity=1) as (sim, http):
        cid = sim.add_campaign()
        # A batch larger than the burst fits a full bucket and leaves it 7 records in debt.
        assert (await http.add(cid, ids(*"abcdefgh"))).status == 201
        answer = await http.add(cid, ids("i", "j", "k", "l"))
        assert_problem(answer, 429)
        assert answer.headers["Retry-After"] in ("7", "8")
        assert len(sim.campaign_records(cid)) == 8
        assert sim.stats.faults["capacity"] == 1
        assert sim.stats.records_received == 8
        # A PATCH takes no records from the capacity.
        assert (await http.patch(cid, {"action": "PAUSE"})).status == 200


async def test_timeout_rate_applies_then_holds_the_answer() -> None:
    async with serving(timeout_rate=1.0, timeout_delay=0.05) as (sim, http):
        cid = sim.add_campaign()
        assert_problem(await http.add(cid, ids("a", "b")), 504)
        assert sim.campaign_records(cid) == ["a", "b"]
        # The retry of a committed batch is refused as a duplicate (notes §14).
        sim.faults.timeout_rate = 0.0
        body = assert_problem(await http.add(cid, ids("a", "b")), 409)
        assert body["detail"] == "Campaign already contains record for Id: a"


async def test_a_timeout_the_client_gives_up_on_was_applied() -> None:
    async with serving(timeout_rate=1.0) as (sim, http):
        cid = sim.add_campaign()
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(http.add(cid, ids("a")), 0.2)
        assert sim.campaign_records(cid) == ["a"]


async def test_disconnect_rate_applies_then_drops() -> None:
    async with serving(disconnect_rate=1.0) as (sim, http):
        cid = sim.add_campaign()
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await http.add(cid, ids("a"))
        assert sim.campaign_records(cid) == ["a"]
        assert sim.stats.by_status[0] == 1 and sim.stats.faults["disconnect"] == 1


async def _statuses(seed: int) -> list[int]:
    async with serving(error_rate=0.3, throttle_rate=0.3, seed=seed) as (sim, http):
        cid = sim.add_campaign()
        return [(await http.add(cid, ids(f"r{n}"))).status for n in range(30)]


async def test_the_faults_are_seeded() -> None:
    first, again, other = await _statuses(7), await _statuses(7), await _statuses(8)
    assert first == again and first != other
    assert {503, 429, 201} == set(first)


async def test_latency_holds_each_answer() -> None:
    async with serving(latency=5.0) as (sim, http):
        cid = sim.add_campaign()
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(http.add(cid, ids("a")), 0.05)
        assert sim.campaign_records(cid) == []  # nothing is handled before the latency


# -- stats, the program, the layering ---------------------------------------------------------


async def test_stats_count_routes_statuses_and_records(
    sim: CampaignsV1Simulator, http: Http
) -> None:
    cid = sim.add_campaign()
    await http.add(cid, ids("a", "b"))
    await http.add(cid, ids("b"))
    await http.patch(cid, {"action": "PAUSE"})
    expected = {
        "requests": 3,
        "by_status": {"200": 1, "201": 1, "409": 1},
        "by_route": {"PATCH /{campaignId}": 1, "POST /{campaignId}/records": 2},
        "records_received": 2,
        "records_added": 2,
        "faults": {},
        "in_flight": 0,
    }
    assert sim.stats.as_dict() == expected
    async with http.session.get(f"{sim.root_url}/_sim/stats") as answer:
        assert await answer.json() == expected
    async with http.session.delete(f"{sim.root_url}/_sim/stats") as answer:
        assert (await answer.json())["requests"] == 0
    assert sim.stats.requests == 0


async def test_the_real_clock_ends_a_short_transient_state() -> None:
    async with serving(transient_seconds=0.01) as (sim, http):
        cid = sim.add_campaign(state="READY")
        assert (await http.patch(cid, {"action": "START"})).body["state"] == "STARTING"
        await asyncio.sleep(0.02)
        assert sim.campaign_state(cid) == "RUNNING"
    async with serving(transient_seconds=0) as (sim, http):
        cid = sim.add_campaign(state="READY")
        assert (await http.patch(cid, {"action": "BUILD"})).body["state"] == "READY"


@pytest.mark.slow
async def test_python_m_serves_until_sigterm() -> None:
    campaign = str(uuid.uuid4())
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cc_campaigns.campaigns_v1.simulator",
        "--site",
        "US2",
        "--campaign",
        campaign,
        "--api-key",
        "eght_cli",
        "--add-status",
        "200",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONWARNINGS": "error"},
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), timeout=20)).decode()
        assert line.startswith("listening on http://127.0.0.1:")
        assert line.endswith("/cc/US2/campaigns/v1\n")
        url = line.split()[-1]
        headers = {**HEADERS, "X-API-Key": "eght_cli"}
        async with (
            aiohttp.ClientSession() as s,
            s.post(
                f"{url}/{campaign}/records", data=_json({"records": ids("a")}), headers=headers
            ) as answer,
        ):
            assert answer.status == 200
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), timeout=20) == 0
        assert await process.stdout.read() == b""
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


def test_bad_settings_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    from cc_campaigns.campaigns_v1.simulator.__main__ import main

    assert main(["--error-rate", "2"]) == 2
    assert "error_rate" in capsys.readouterr().err


def test_the_simulator_does_not_import_the_sdk() -> None:
    assert_no_sdk_imports("cc_campaigns.campaigns_v1.simulator")


# -- test hooks: refused records, the contents of a campaign from another process ------------


async def test_refuse_ids_refuse_the_whole_batch_naming_no_record() -> None:
    async with serving(refuse_ids=["CRM-DNC"]) as (sim, http):
        cid = sim.add_campaign()
        answer = await http.add(cid, ids("a", "CRM-DNC"))
        assert answer.status == 400
        assert answer.body["detail"] == "One or more records could not be added"
        assert "CRM-DNC" not in str(answer.body) and "errors" not in answer.body
        assert sim.campaign_records(cid) == []  # all or nothing
        sim.refuse_records("b")
        assert (await http.add(cid, ids("b"))).status == 400
        assert (await http.add(cid, ids("a", "c"))).status == 201
        assert sim.campaign_records(cid) == ["a", "c"]


async def test_sim_records_route(sim: CampaignsV1Simulator, http: Http) -> None:
    cid = sim.add_campaign()
    await http.add(cid, ids("b", "a"))
    async with http.session.get(f"{sim.root_url}/_sim/campaigns/{cid}/records") as answer:
        assert answer.status == 200 and await answer.json() == ["b", "a"]
    missing = "5b2c4a1e-0000-4000-8000-000000000001"
    async with http.session.get(f"{sim.root_url}/_sim/campaigns/{missing}/records") as answer:
        assert answer.status == 404
    assert sim.stats.requests == 1  # the /_sim routes are not counted
