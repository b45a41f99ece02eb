"""``CampaignsClient`` against the in-process simulator: every endpoint, the state machine,
every whole-request error and every per-item rule."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import orjson
import pytest

from cc_campaigns import (
    ApiError,
    AuthenticationError,
    Campaign,
    CampaignNotDynamicError,
    CampaignNotEnabledError,
    CampaignNotStartedError,
    CampaignRecord,
    CampaignsClient,
    CampaignState,
    CampaignStatus,
    CampaignStoppedError,
    CustomerItem,
    InvalidTransitionError,
    ItemResult,
    NotFoundError,
    OutcomeUnknownError,
    Phone,
    RateLimitedError,
    RecordStatus,
    RetryPolicy,
    ServerError,
    StatusChange,
    TransportError,
    ValidationError,
)
from cc_campaigns.dynamic.simulator import Simulator
from cc_campaigns.dynamic.wire import item_result_from_wire

from ..conftest import (
    ACTION_TOKEN,
    CAMPAIGN_WINDOW,
    DATA_TOKEN,
    DISABLED,
    FAST_RETRY,
    MISSING,
    NEW,
    NOT_DYNAMIC,
    NOT_IN_CRM,
    NOW,
    RUNNING,
    STOPPED,
    USERNAME,
    WINDOWED,
    make_client,
    make_simulator,
)

ALLOWED = {
    CampaignState.NEW: {StatusChange.RUNNING},
    CampaignState.RUNNING: {StatusChange.PAUSED, StatusChange.STOPPED},
    CampaignState.PAUSED: {StatusChange.RUNNING, StatusChange.PURGED, StatusChange.STOPPED},
    CampaignState.PURGED: {StatusChange.RUNNING, StatusChange.STOPPED},
    CampaignState.STOPPED: set(),
}
CASES = [(code, change) for code in CampaignStatus for change in StatusChange]
#: Every status code (0-11) with every change the table allows, and every one it refuses.
ALLOWED_CASES = [
    pytest.param(c, ch, id=f"{c.name}-{ch.value}") for c, ch in CASES if ch in ALLOWED[c.state]
]
REFUSED_CASES = [
    pytest.param(c, ch, id=f"{c.name}-{ch.value}") for c, ch in CASES if ch not in ALLOWED[c.state]
]
CID = 500  # the campaign each state-machine test sets up


# -- get_campaign ----------------------------------------------------------------------------


async def test_get_campaign(client: CampaignsClient, sim: Simulator) -> None:
    campaign = await client.get_campaign(RUNNING)
    assert isinstance(campaign, Campaign)
    assert campaign.campaign_id == RUNNING
    assert campaign.name == "Running"
    assert campaign.status is CampaignStatus.MANUAL_RUNNING
    assert campaign.state is CampaignState.RUNNING
    assert campaign.enabled is True
    assert campaign.dynamic is True
    assert campaign.sequential is False
    assert campaign.record_count == 0
    assert campaign.actual_run_time == NOW
    assert campaign.end_time is None


async def test_get_campaign_flags_of_odd_campaigns(client: CampaignsClient) -> None:
    not_dynamic = await client.get_campaign(NOT_DYNAMIC)
    disabled = await client.get_campaign(DISABLED)
    assert (not_dynamic.dynamic, not_dynamic.enabled) == (False, True)
    assert (disabled.dynamic, disabled.enabled) == (True, False)
    windowed = await client.get_campaign(WINDOWED)
    assert (windowed.start_time, windowed.end_time) == CAMPAIGN_WINDOW


async def test_get_campaign_not_found(client: CampaignsClient, sim: Simulator) -> None:
    with pytest.raises(NotFoundError) as caught:
        await client.get_campaign(MISSING)
    error = caught.value
    assert error.status == 404
    assert error.message == "Campaign not found."
    assert str(error) == (
        f"[404] Campaign not found. (GET {sim.url}/api/stats/campaigns/{MISSING}.json)"
    )


# -- the state machine -------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "change"), ALLOWED_CASES)
async def test_allowed_transition(
    client: CampaignsClient, sim: Simulator, code: CampaignStatus, change: StatusChange
) -> None:
    sim.add_campaign(CID, status=code)
    await client.set_status(CID, change)
    assert sim.campaign_status(CID).state is change.target
    # One read (the check), one write.
    assert sim.stats.requests == 2
    assert sim.stats.by_status == {200: 2}


@pytest.mark.parametrize(("code", "change"), REFUSED_CASES)
async def test_refused_transition_is_caught_before_sending(
    client: CampaignsClient, sim: Simulator, code: CampaignStatus, change: StatusChange
) -> None:
    sim.add_campaign(CID, status=code)
    with pytest.raises(InvalidTransitionError) as caught:
        await client.set_status(CID, change)
    assert caught.value.status is None  # raised by the client, not the server
    assert code.state.value in str(caught.value)
    assert change.value in str(caught.value)
    assert caught.value.url == f"{sim.url}/api/tstats/campaigns/{CID}"
    # Only the status read went out; no write.
    assert sim.stats.requests == 1
    assert sim.campaign_status(CID) is code


@pytest.mark.parametrize(("code", "change"), REFUSED_CASES)
async def test_refused_transition_with_current_sends_nothing(
    client: CampaignsClient, sim: Simulator, code: CampaignStatus, change: StatusChange
) -> None:
    sim.add_campaign(CID, status=code)
    with pytest.raises(InvalidTransitionError):
        await client.set_status(CID, change, current=code)
    with pytest.raises(InvalidTransitionError):
        await client.set_status(CID, change, current=code.state)
    assert sim.stats.requests == 0
    assert sim.campaign_status(CID) is code


@pytest.mark.parametrize(("code", "change"), REFUSED_CASES)
async def test_refused_transition_is_refused_by_the_server_too(
    client: CampaignsClient, sim: Simulator, code: CampaignStatus, change: StatusChange
) -> None:
    sim.add_campaign(CID, status=code)
    expected = (
        CampaignStoppedError if code.state is CampaignState.STOPPED else InvalidTransitionError
    )
    with pytest.raises(expected) as caught:
        await client.set_status(CID, change, check=False)
    assert caught.value.status == 400
    assert caught.value.method == "POST"
    assert sim.stats.requests == 1
    assert sim.campaign_status(CID) is code


@pytest.mark.parametrize(("code", "change"), ALLOWED_CASES)
async def test_allowed_transition_with_current_sends_only_the_write(
    client: CampaignsClient, sim: Simulator, code: CampaignStatus, change: StatusChange
) -> None:
    sim.add_campaign(CID, status=code)
    await client.set_status(CID, change, current=code)
    assert sim.stats.requests == 1
    assert sim.campaign_status(CID).state is change.target


async def test_current_accepts_a_campaign(client: CampaignsClient, sim: Simulator) -> None:
    campaign = await client.get_campaign(RUNNING)
    sim.stats.reset()
    await client.pause(RUNNING, current=campaign)
    assert sim.stats.requests == 1
    assert sim.campaign_status(RUNNING) is CampaignStatus.MANUAL_PAUSED
    with pytest.raises(InvalidTransitionError):
        await client.purge(RUNNING, current=campaign)  # stale, but the guard trusts it
    assert sim.stats.requests == 1


@pytest.mark.parametrize(
    "current",
    [
        CampaignState.RUNNING,
        CampaignStatus.MANUAL_RUNNING,
        3,  # a plain status code
        2,  # Scheduled counts as running
        "RUNNING",
        " running ",
    ],
)
async def test_current_in_every_form(client: CampaignsClient, sim: Simulator, current: Any) -> None:
    with pytest.raises(InvalidTransitionError):
        await client.purge(RUNNING, current=current)
    await client.pause(RUNNING, current=current)
    assert sim.stats.requests == 1  # the pause only
    assert sim.campaign_status(RUNNING) is CampaignStatus.MANUAL_PAUSED


async def test_an_unknown_current_code_leaves_the_check_to_the_server(
    client: CampaignsClient, sim: Simulator
) -> None:
    with pytest.raises(InvalidTransitionError) as caught:
        await client.purge(RUNNING, current=42)
    assert caught.value.status == 400  # the server refused it
    campaign = Campaign(campaign_id=RUNNING, status=42)
    with pytest.raises(InvalidTransitionError) as caught:
        await client.purge(RUNNING, current=campaign)
    assert caught.value.status == 400
    assert sim.stats.requests == 2


@pytest.mark.parametrize("current", ["SLEEPING", "", object()])
async def test_an_unreadable_current_is_a_validation_error(
    client: CampaignsClient, sim: Simulator, current: Any
) -> None:
    with pytest.raises(ValidationError):
        await client.pause(RUNNING, current=current)
    assert sim.stats.requests == 0


async def test_a_stale_current_is_caught_by_the_server(
    client: CampaignsClient, sim: Simulator
) -> None:
    # The caller believes the campaign is paused; it is running.
    with pytest.raises(InvalidTransitionError) as caught:
        await client.start(RUNNING, current=CampaignState.PAUSED)
    assert caught.value.status == 400
    assert caught.value.message == "Invalid state transition."


async def test_a_full_walk_with_the_shortcuts(client: CampaignsClient, sim: Simulator) -> None:
    await client.start(NEW)
    assert sim.campaign_status(NEW) is CampaignStatus.MANUAL_RUNNING
    await client.pause(NEW)
    assert sim.campaign_status(NEW) is CampaignStatus.MANUAL_PAUSED
    await client.purge(NEW)
    assert sim.campaign_status(NEW) is CampaignStatus.MANUAL_PURGED
    await client.start(NEW)
    assert sim.campaign_status(NEW) is CampaignStatus.MANUAL_RUNNING
    await client.stop(NEW)
    assert sim.campaign_status(NEW) is CampaignStatus.MANUAL_STOPPED
    with pytest.raises(InvalidTransitionError, match="STOPPED"):
        await client.start(NEW)


@pytest.mark.parametrize("name", ["running", " Paused ", "PURGED", "Stopped"])
async def test_status_names_are_case_insensitive(
    client: CampaignsClient, sim: Simulator, name: str
) -> None:
    sim.add_campaign(CID, status=CampaignStatus.MANUAL_PAUSED)
    if name.strip().upper() == "PAUSED":
        sim.add_campaign(CID, status=CampaignStatus.MANUAL_RUNNING)
    await client.set_status(CID, name)
    assert sim.campaign_status(CID).state.value == name.strip().upper()


async def test_patch_status_method(sim: Simulator) -> None:
    async with make_client(sim, status_method="PATCH") as cc:
        await cc.start(NEW)
    assert sim.campaign_status(NEW) is CampaignStatus.MANUAL_RUNNING


@pytest.mark.parametrize(
    ("campaign", "error"),
    [
        (MISSING, NotFoundError),
        (NOT_DYNAMIC, CampaignNotDynamicError),
        (DISABLED, CampaignNotEnabledError),
        (STOPPED, CampaignStoppedError),
    ],
)
async def test_status_change_whole_request_errors(
    client: CampaignsClient, campaign: int, error: type[ApiError]
) -> None:
    with pytest.raises(error):
        await client.set_status(campaign, "PAUSED", check=False)


# -- add_customers -----------------------------------------------------------------------------


async def test_add_customers(client: CampaignsClient, sim: Simulator) -> None:
    results = await client.add_customers(RUNNING, [3, "1", CustomerItem(2)])
    assert results == [ItemResult(3, 200), ItemResult(1, 200), ItemResult(2, 200)]
    assert all(r.ok for r in results)
    assert sim.campaign_customers(RUNNING) == [1, 2, 3]
    assert sim.stats.requests == 1


async def test_add_customers_with_string_ids(sim: Simulator) -> None:
    async with make_client(sim, customer_id_format="string") as cc:
        results = await cc.add_customers(RUNNING, [4, 5])
    # The simulator echoes the id as sent; the result reads it as an int either way.
    assert [r.customer_id for r in results] == [4, 5]
    assert sim.campaign_customers(RUNNING) == [4, 5]


@pytest.mark.parametrize("id_format", ["int", "string"])
async def test_ids_beyond_64_bits(id_format: str) -> None:
    big = [10**21 + 1, 2**64, 10**22]
    async with make_simulator() as sim:
        sim.add_crm_customers(big)
        sim.add_campaign(RUNNING, status=CampaignStatus.MANUAL_RUNNING)
        async with make_client(sim, customer_id_format=id_format) as cc:
            results = await cc.add_customers(RUNNING, big)
            assert [(r.customer_id, r.http_status) for r in results] == [(i, 200) for i in big]
            assert [r.record_id for r in await cc.list_records(RUNNING)] == sorted(big)
            await cc.delete_customer(RUNNING, 10**22)
        assert sim.campaign_customers(RUNNING) == sorted(big)[:2]


async def test_add_customers_with_a_schedule(client: CampaignsClient, sim: Simulator) -> None:
    when = NOW + timedelta(hours=5)
    (result,) = await client.add_customers(RUNNING, [{"customer_id": 7, "schedule": when}])
    assert result == ItemResult(7, 200, schedule=when)
    (record,) = await client.list_records(RUNNING)
    assert record.status is RecordStatus.SCHEDULED


async def test_every_per_item_rule(client: CampaignsClient, sim: Simulator) -> None:
    await client.add_customers(RUNNING, [10])
    items: list[Any] = [
        10,  # already in the campaign
        11,
        11,  # twice in the same request
        NOT_IN_CRM,
        905,  # on the do-not-call list
        {"customer_id": 12, "schedule": NOW - timedelta(minutes=1)},
        {"customer_id": 13, "schedule": NOW + timedelta(days=7, minutes=1)},
        {"customer_id": 14, "schedule": NOW + timedelta(days=6)},
    ]
    results = await client.add_customers(RUNNING, items)
    assert [(r.customer_id, r.http_status, r.message) for r in results] == [
        (10, 400, "Duplicate customer"),
        (11, 200, None),
        (11, 400, "Duplicate customer"),
        (NOT_IN_CRM, 404, "The customer-id has not been found."),
        (905, 400, "Invalid customer provided, customer is wrong or in DNC list."),
        (12, 400, "The subject schedule-date-time is in the past."),
        (13, 400, "The subject schedule-date-time must be within 7 days ahead of a future period."),
        (14, 200, None),
    ]
    assert results[5].schedule == NOW - timedelta(minutes=1)
    assert sim.campaign_customers(RUNNING) == [10, 11, 14]


async def test_outside_the_campaign_schedule(client: CampaignsClient, sim: Simulator) -> None:
    start, end = CAMPAIGN_WINDOW
    results = await client.add_customers(
        WINDOWED,
        [
            {"customer_id": 1, "schedule": start - timedelta(hours=1)},
            {"customer_id": 2, "schedule": start + timedelta(hours=1)},
            {"customer_id": 3, "schedule": end + timedelta(hours=1)},
        ],
    )
    assert [r.ok for r in results] == [False, True, False]
    outside = (
        "The subject schedule-date-time is outside the campaign schedule from "
        "2025-03-04T12:00:00.000Z to 2025-03-05T12:00:00.000Z."
    )
    assert results[0].message == outside
    assert results[2].message == outside
    assert sim.campaign_customers(WINDOWED) == [2]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"customer-id": "12a"}, (None, 400, "Invalid customer-id")),
        ({"customer-id": -4}, (None, 400, "Invalid customer-id")),
        ({"customer-id": None}, (None, 400, "Invalid customer-id")),
        (
            {"customer-id": 20, "schedule-date-time": "2025-03-03T     13:00:00.000Z"},
            (20, 400, "Invalid schedule-date-time format - please use ISO 8601 format"),
        ),
        (
            {"customer-id": 21, "schedule-date-time": "2025-03-03T13:00:00"},
            (21, 400, "Invalid schedule-date-time format - please use ISO 8601 format"),
        ),
    ],
)
async def test_per_item_rules_the_client_never_sends(
    client: CampaignsClient, sim: Simulator, raw: dict[str, Any], expected: tuple[Any, ...]
) -> None:
    # The client refuses these before sending, so they go through the session directly (the
    # same request path) to show the 207 answer still decodes.
    answer = await client.session.request(
        "POST", f"/api/tstats/campaigns/{RUNNING}/customers", body=orjson.dumps([raw]), write=True
    )
    assert answer.status == 207
    (result,) = [item_result_from_wire(item) for item in answer.json()]
    assert (result.customer_id, result.http_status, result.message) == expected
    if "schedule-date-time" in raw:
        assert result.schedule == raw["schedule-date-time"]  # kept as the text sent
    assert sim.campaign_customers(RUNNING) == []


@pytest.mark.parametrize(
    ("campaign", "error", "message"),
    [
        (MISSING, NotFoundError, "Campaign not found."),
        (NEW, CampaignNotStartedError, "Operation invalid on a non started campaign."),
        (NOT_DYNAMIC, CampaignNotDynamicError, "Not a dynamic campaign."),
        (DISABLED, CampaignNotEnabledError, "Campaign is not enabled."),
        (
            STOPPED,
            CampaignStoppedError,
            "Campaign is already stopped or completed. No operation is allowed.",
        ),
    ],
)
async def test_add_whole_request_errors(
    client: CampaignsClient, sim: Simulator, campaign: int, error: type[ApiError], message: str
) -> None:
    with pytest.raises(error) as caught:
        await client.add_customers(campaign, [1])
    assert caught.value.status == (404 if campaign == MISSING else 400)
    assert caught.value.message == message
    assert caught.value.url == f"{sim.url}/api/tstats/campaigns/{campaign}/customers"


@pytest.mark.parametrize("status", [CampaignStatus.MANUAL_PAUSED, CampaignStatus.MANUAL_PURGED])
async def test_add_to_paused_and_purged(
    client: CampaignsClient, sim: Simulator, status: CampaignStatus
) -> None:
    sim.add_campaign(CID, status=status)
    assert [r.ok for r in await client.add_customers(CID, [1])] == [True]


# -- list_records -----------------------------------------------------------------------------


async def test_list_records(client: CampaignsClient, sim: Simulator) -> None:
    assert await client.list_records(RUNNING) == []
    await client.add_customers(RUNNING, [2, 1])
    sim.set_record_status(RUNNING, 2, RecordStatus.COMPLETED)
    records = await client.list_records(RUNNING)
    assert [r.record_id for r in records] == [1, 2]
    assert records[0] == CampaignRecord(
        record_id=1,
        campaign_id=RUNNING,
        campaign_name="Running",
        status=RecordStatus.NEW,
        status_code=0,
        disposition=1000,
        phones=(Phone("Phone Number", "5550000001", primary=True),),
        phone_list="*Phone Number|5550000001",
        ext_trans_data=None,
    )
    assert records[1].status is RecordStatus.COMPLETED


async def test_list_records_not_found(client: CampaignsClient) -> None:
    with pytest.raises(NotFoundError):
        await client.list_records(MISSING)


# -- delete_customer -------------------------------------------------------------------------


@pytest.mark.parametrize("delete_status", [204, 200])
async def test_delete_customer(delete_status: int) -> None:
    async with make_simulator(delete_status=delete_status) as sim:
        sim.add_crm_customers(range(1, 10))
        sim.add_campaign(RUNNING, status=CampaignStatus.MANUAL_RUNNING)
        async with make_client(sim) as cc:
            await cc.add_customers(RUNNING, [1, 2])
            await cc.delete_customer(RUNNING, 1)
            await cc.delete_customer(RUNNING, "2")
        assert sim.campaign_customers(RUNNING) == []
        assert sim.stats.by_status[delete_status] == 2


@pytest.mark.parametrize(
    ("record_status", "message"),
    [
        (
            RecordStatus.COMPLETED,
            "Customer not available for deletion because the record is marked as completed.",
        ),
        (
            RecordStatus.ACCEPTED,
            "Customer not available for deletion because an agent has connected to the phone line.",
        ),
    ],
)
async def test_delete_refused_for_handled_records(
    client: CampaignsClient, sim: Simulator, record_status: RecordStatus, message: str
) -> None:
    await client.add_customers(RUNNING, [1])
    sim.set_record_status(RUNNING, 1, record_status)
    with pytest.raises(NotFoundError) as caught:
        await client.delete_customer(RUNNING, 1)
    assert caught.value.message == message
    assert sim.campaign_customers(RUNNING) == [1]


@pytest.mark.parametrize(
    ("campaign", "customer", "error"),
    [
        (RUNNING, 77, NotFoundError),  # not in the campaign
        (MISSING, 1, NotFoundError),
        (NOT_DYNAMIC, 1, CampaignNotDynamicError),
        (DISABLED, 1, CampaignNotEnabledError),
        (STOPPED, 1, CampaignStoppedError),
    ],
)
async def test_delete_whole_request_errors(
    client: CampaignsClient, campaign: int, customer: int, error: type[ApiError]
) -> None:
    with pytest.raises(error):
        await client.delete_customer(campaign, customer)


# -- authentication --------------------------------------------------------------------------


async def test_wrong_data_token(sim: Simulator) -> None:
    async with make_client(sim, data_token="wrong") as cc:
        with pytest.raises(AuthenticationError) as caught:
            await cc.get_campaign(RUNNING)
        assert caught.value.status == 401
        # The action token still works for writes.
        await cc.add_customers(RUNNING, [1])


async def test_wrong_action_token(sim: Simulator) -> None:
    async with make_client(sim, action_token="wrong") as cc:
        await cc.get_campaign(RUNNING)
        with pytest.raises(AuthenticationError):
            await cc.add_customers(RUNNING, [1])
        with pytest.raises(AuthenticationError):
            await cc.set_status(RUNNING, "PAUSED", check=False)
        with pytest.raises(AuthenticationError):
            await cc.delete_customer(RUNNING, 1)


async def test_a_read_token_is_not_a_write_token(sim: Simulator) -> None:
    # Only the data token given: it is used for writes too, which this tenant refuses.
    async with make_client(sim, action_token=None) as cc:
        await cc.get_campaign(RUNNING)
        with pytest.raises(AuthenticationError):
            await cc.add_customers(RUNNING, [1])


async def test_wrong_username(sim: Simulator) -> None:
    async with make_client(sim, username="someone-else") as cc:
        with pytest.raises(AuthenticationError):
            await cc.get_campaign(RUNNING)
    assert sim.stats.by_status == {401: 1}  # not retried


@pytest.mark.parametrize("given", ["data_token", "action_token"])
async def test_one_token_for_a_tenant_with_one_token(given: str) -> None:
    async with make_simulator(data_token="same", action_token="same") as sim:
        sim.add_crm_customers(range(1, 10))
        sim.add_campaign(RUNNING, status=CampaignStatus.MANUAL_RUNNING)
        tokens = {"data_token": None, "action_token": None, given: "same"}
        async with make_client(sim, **tokens) as cc:
            await cc.get_campaign(RUNNING)
            await cc.add_customers(RUNNING, [1])
            await cc.list_records(RUNNING)
            await cc.delete_customer(RUNNING, 1)
            await cc.pause(RUNNING)


# -- faults ------------------------------------------------------------------------------------


async def test_rate_limited_write(sim: Simulator) -> None:
    async with make_simulator(throttle_rate=1.0, retry_after=30) as faulty:
        faulty.add_campaign(RUNNING, status=CampaignStatus.MANUAL_RUNNING)
        async with make_client(faulty) as cc:
            with pytest.raises(RateLimitedError) as caught:
                await cc.add_customers(RUNNING, [1])
        assert caught.value.status == 429
        assert caught.value.retry_after == 30.0
        # A 429 says nothing was applied: the write is retried like a read, then raised.
        assert faulty.stats.requests == FAST_RETRY.attempts


async def test_rate_limited_read_is_retried_then_raised() -> None:
    # Retry-After is 30 s; the policy caps it (FAST_RETRY.retry_after_max), so this is quick.
    async with make_simulator(throttle_rate=1.0, retry_after=30) as faulty:
        async with make_client(faulty) as cc:
            with pytest.raises(RateLimitedError):
                await cc.get_campaign(RUNNING)
        assert faulty.stats.requests == FAST_RETRY.attempts


async def test_capacity_limit_is_rate_limited() -> None:
    # One record a second; a first batch of 20 is let in and leaves the bucket 19 s in debt,
    # so the next batch is refused however slow the machine is.
    async with make_simulator(capacity=1) as limited:
        limited.add_crm_customers(range(1, 100))
        limited.add_campaign(RUNNING, status=CampaignStatus.MANUAL_RUNNING)
        async with make_client(limited) as cc:
            await cc.add_customers(RUNNING, range(1, 21))
            with pytest.raises(RateLimitedError) as caught:
                await cc.add_customers(RUNNING, [50])
        assert caught.value.status == 429
        assert caught.value.retry_after is not None and caught.value.retry_after >= 1
        assert limited.campaign_customers(RUNNING) == list(range(1, 21))


async def test_server_errors() -> None:
    async with make_simulator(error_rate=1.0) as broken, make_client(broken) as cc:
        with pytest.raises(ServerError) as caught:
            await cc.get_campaign(RUNNING)
        assert caught.value.status == 503
        assert broken.stats.requests == FAST_RETRY.attempts  # reads are retried
        with pytest.raises(ServerError):
            await cc.add_customers(RUNNING, [1])
        # 503 says nothing was applied: writes are retried on it too.
        assert broken.stats.requests == 2 * FAST_RETRY.attempts


async def test_reads_recover_from_transient_faults() -> None:
    # Half the requests fail; with enough attempts every read gets through.
    policy = RetryPolicy(attempts=30, backoff_initial=0.001, backoff_max=0.001, total_time=None)
    async with make_simulator(error_rate=0.3, throttle_rate=0.3, retry_after=0, seed=7) as flaky:
        flaky.add_campaign(RUNNING, status=CampaignStatus.MANUAL_RUNNING)
        async with make_client(flaky, retry=policy) as cc:
            for _ in range(5):
                assert (await cc.get_campaign(RUNNING)).campaign_id == RUNNING
        assert set(flaky.stats.by_status) > {200}


async def test_outcome_unknown() -> None:
    async with make_simulator(timeout_rate=1.0) as slow:
        slow.add_crm_customers(range(1, 10))
        slow.add_campaign(RUNNING, status=CampaignStatus.MANUAL_RUNNING)
        async with make_client(slow) as cc:
            with pytest.raises(OutcomeUnknownError) as caught:
                await cc.add_customers(RUNNING, [1])
        assert caught.value.status == 206
        assert "timed out" in caught.value.message
        assert slow.stats.requests == 1


async def test_dropped_connection_is_a_transport_error() -> None:
    async with make_simulator(disconnect_rate=1.0) as dropping:
        dropping.add_crm_customers(range(1, 10))
        dropping.add_campaign(RUNNING, status=CampaignStatus.MANUAL_RUNNING)
        async with make_client(dropping) as cc:
            with pytest.raises(TransportError) as caught:
                await cc.add_customers(RUNNING, [1])
        assert caught.value.method == "POST"
        assert dropping.stats.requests == 1


async def test_a_timeout_is_a_transport_error() -> None:
    from cc_campaigns import Timeouts

    async with make_simulator(latency=0.5) as slow:
        slow.add_campaign(RUNNING, status=CampaignStatus.MANUAL_RUNNING)
        async with make_client(slow, timeouts=Timeouts(connect=5, total=0.02)) as cc:
            with pytest.raises(TransportError, match="timed out"):
                await cc.set_status(RUNNING, "PAUSED", check=False)


async def test_connection_refused_is_a_transport_error() -> None:
    async with make_simulator() as gone:
        url = gone.url
    async with CampaignsClient(
        username=USERNAME,
        data_token=DATA_TOKEN,
        action_token=ACTION_TOKEN,
        base_url=url,
        retry=FAST_RETRY,
    ) as cc:
        with pytest.raises(TransportError) as caught:
            await cc.get_campaign(RUNNING)
    assert caught.value.url == f"{url}/api/stats/campaigns/{RUNNING}.json"


# -- bad input: ValidationError, nothing sent ------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda cc: cc.add_customers(RUNNING, []), id="empty-list"),
        pytest.param(lambda cc: cc.add_customers(RUNNING, iter(())), id="empty-iterator"),
        pytest.param(lambda cc: cc.add_customers(RUNNING, [1, -5]), id="negative-id"),
        pytest.param(lambda cc: cc.add_customers(RUNNING, ["12a"]), id="non-digit-string"),
        pytest.param(lambda cc: cc.add_customers(RUNNING, ["-1"]), id="negative-string"),
        pytest.param(lambda cc: cc.add_customers(RUNNING, [True]), id="bool-id"),
        pytest.param(lambda cc: cc.add_customers(RUNNING, [1.0]), id="float-id"),
        pytest.param(lambda cc: cc.add_customers(RUNNING, [None]), id="none-id"),
        pytest.param(
            lambda cc: cc.add_customers(
                RUNNING, [{"customer_id": 1, "schedule": datetime(2025, 3, 3, 13)}]
            ),
            id="naive-datetime",
        ),
        pytest.param(
            lambda cc: cc.add_customers(
                RUNNING, [{"customer_id": 1, "schedule": "2025-03-03T13:00:00"}]
            ),
            id="naive-text",
        ),
        pytest.param(lambda cc: cc.set_status(RUNNING, "SLEEPING"), id="unknown-status"),
        pytest.param(lambda cc: cc.set_status(RUNNING, "NEW"), id="new-is-not-a-change"),
        pytest.param(lambda cc: cc.set_status(-1, "PAUSED"), id="negative-campaign"),
        pytest.param(lambda cc: cc.get_campaign(True), id="bool-campaign"),
        pytest.param(lambda cc: cc.get_campaign("abc"), id="text-campaign"),
        pytest.param(lambda cc: cc.list_records(-3), id="records-negative"),
        pytest.param(lambda cc: cc.delete_customer(RUNNING, "x1"), id="delete-bad-customer"),
        pytest.param(lambda cc: cc.delete_customer(RUNNING, False), id="delete-bool-customer"),
    ],
)
async def test_bad_input_raises_validation_error_and_sends_nothing(
    client: CampaignsClient, sim: Simulator, call: Any
) -> None:
    with pytest.raises(ValidationError):
        await call(client)
    assert sim.stats.requests == 0


async def test_the_bad_item_is_named(client: CampaignsClient) -> None:
    with pytest.raises(ValidationError, match="item 2"):
        await client.add_customers(RUNNING, [1, 2, "x"])


async def test_an_aware_schedule_in_any_zone_is_accepted(
    client: CampaignsClient, sim: Simulator
) -> None:
    tokyo = timezone(timedelta(hours=9))
    when = (NOW + timedelta(hours=1)).astimezone(tokyo)
    (result,) = await client.add_customers(RUNNING, [CustomerItem(1, when)])
    assert result.ok
    assert result.schedule == when
