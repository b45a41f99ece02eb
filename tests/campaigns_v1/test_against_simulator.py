"""CampaignsV1Client against CampaignsV1Simulator: every action and state (the transient ones on
the simulator's clock), the enabled flag, add_records, every error class, under each variant
preset; and bulk_add with exact books AND exact campaign contents (``sim.campaign_records``):
records already there, records the service refuses, named and unnamed duplicates, faults with
a rerun that completes, and a property over random mixes.

Nothing sleeps for real beyond a few milliseconds of back-off: the transient states move with
a hand-driven clock, and the timeout fault answers at once (``timeout_delay`` tiny).
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cc_campaigns import (
    AuthenticationError,
    BadRequestError,
    CampaignNotDynamicError,
    CampaignStoppedError,
    InvalidTransitionError,
    NotFoundError,
    RetryPolicy,
    TransitionRefusedError,
)
from cc_campaigns.bulk import Bucket
from cc_campaigns.campaigns_v1 import (
    CampaignBusyError,
    CampaignState,
    CampaignsV1Client,
    DisplayStatus,
    DuplicateRecordError,
    RecordPriority,
    RecordResult,
    RecordState,
    RecordType,
    problem_of,
)
from cc_campaigns.campaigns_v1.simulator import (
    DEFAULT,
    GUIDES,
    OPENAPI,
    CampaignsV1Simulator,
    Variants,
)

KEY = "eght_SECRET-sim-4b1d"
UNLICENSED = "eght_SECRET-noproduct"
TENANT = "acme"
MISSING = "5b2c4a1e-0000-4000-8000-000000000001"
FAST = RetryPolicy(
    attempts=4, backoff_initial=0.001, backoff_max=0.002, retry_after_max=0.005, total_time=None
)
#: Each preset, and the unnamed duplicate in both statuses.
PRESETS = {
    "default": DEFAULT,
    "guides": GUIDES,
    "openapi": OPENAPI,
    "unnamed-409": Variants(duplicate_names_id=False, duplicate_status=409),
    "unnamed-400": Variants(duplicate_names_id=False, duplicate_status=400),
}
T0 = datetime(2026, 4, 22, 10, 0, tzinfo=timezone.utc)


class Clock:
    """A hand-driven clock for the simulator."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def simulator(variants: Variants = DEFAULT, **options: Any) -> CampaignsV1Simulator:
    options.setdefault("timeout_delay", 0.0)
    return CampaignsV1Simulator(
        tenant=TENANT,
        api_key=KEY,
        unlicensed_keys=[UNLICENSED],
        variants=variants,
        transient_seconds=5.0,
        **options,
    )


def client(sim: CampaignsV1Simulator, **options: Any) -> CampaignsV1Client:
    options.setdefault("tenant", TENANT)
    options.setdefault("api_key", KEY)
    options.setdefault("base_url", sim.url)
    return CampaignsV1Client("US1", retry=FAST, **options)


@pytest.fixture(params=sorted(PRESETS))
def variants(request: pytest.FixtureRequest) -> Variants:
    return PRESETS[request.param]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def sim(variants: Variants, clock: Clock) -> AsyncIterator[CampaignsV1Simulator]:
    async with simulator(variants, clock=clock) as server:
        yield server


@pytest.fixture
async def v1(sim: CampaignsV1Simulator) -> AsyncIterator[CampaignsV1Client]:
    async with client(sim) as c:
        yield c


def ids(count: int, prefix: str = "CRM-") -> list[str]:
    return [f"{prefix}{i:05d}" for i in range(count)]


# -- the lifecycle: every action and state -------------------------------------------------


async def test_build_reset_start_pause_purge_resume_cancel_purge(
    sim: CampaignsV1Simulator, v1: CampaignsV1Client, clock: Clock
) -> None:
    cid = sim.add_campaign(state="CREATED")
    built = await v1.build(cid)
    assert (built.state, built.display_status) == (CampaignState.BUILDING, DisplayStatus.BUILDING)
    assert built.last_build_time is None and built.tenant_id == TENANT
    assert v1.last_state(cid) is CampaignState.BUILDING
    # A plain BUILD ends READY or BUILD_ERROR: PAUSE is refused before sending.
    with pytest.raises(InvalidTransitionError, match="last seen BUILDING"):
        await v1.pause(cid)
    with pytest.raises(CampaignBusyError) as caught:  # no adds while BUILDING [AR]
        await v1.add_records(cid, ["CRM-1"])
    assert caught.value.status == 409
    clock.advance(5)
    assert sim.campaign_state(cid) == "READY"
    # The client remembers BUILDING; RESET is accepted from READY, which BUILDING reaches.
    reset = await v1.reset(cid)
    assert reset.state is CampaignState.CREATED and reset.display_status is DisplayStatus.NEW
    await v1.build(cid)
    clock.advance(5)
    started = await v1.start(cid)
    assert (started.state, started.display_status) == (
        CampaignState.STARTING,
        DisplayStatus.BUILDING,
    )
    assert started.last_build_time == T0 + timedelta(seconds=10)
    with pytest.raises(CampaignBusyError):  # nor while STARTING
        await v1.add_records(cid, ["CRM-1"])
    clock.advance(5)
    paused = await v1.pause(cid)
    assert paused.state is CampaignState.PAUSED and paused.display_status is DisplayStatus.PAUSED
    assert paused.started_time == T0 + timedelta(seconds=15)
    clock.advance(1)
    purged = await v1.purge(cid)
    assert purged.state is CampaignState.PAUSED and purged.display_status is DisplayStatus.PURGED
    assert purged.last_purged_time == clock.now
    resumed = await v1.resume(cid)
    assert (resumed.state, resumed.display_status) == (
        CampaignState.RUNNING,
        DisplayStatus.RUNNING,
    )
    added = await v1.add_records(cid, ["CRM-1"])
    assert [r.crm_record_id for r in added] == ["CRM-1"]
    cancelled = await v1.cancel(cid)
    assert (cancelled.state, cancelled.display_status) == (
        CampaignState.COMPLETE,
        DisplayStatus.STOPPED,
    )
    assert cancelled.completed_time == clock.now and cancelled.record_count == 1
    again = await v1.purge(cid)  # PURGE from COMPLETE: the state is unchanged
    assert again.state is CampaignState.COMPLETE
    with pytest.raises(CampaignStoppedError) as stopped:
        await v1.add_records(cid, ["CRM-2"])
    assert stopped.value.status == 409
    assert sim.campaign_records(cid) == ["CRM-1"]


async def test_start_with_build_on_start_goes_through_building_and_starting(
    sim: CampaignsV1Simulator, v1: CampaignsV1Client, clock: Clock
) -> None:
    cid = sim.add_campaign(state="CREATED")
    with pytest.raises(InvalidTransitionError, match="needs build_on_start"):
        await v1.start(cid, current="CREATED")
    answer = await v1.start(cid, build_on_start=True)
    assert answer.state is CampaignState.BUILDING
    clock.advance(5)
    assert sim.campaign_state(cid) == "STARTING"
    clock.advance(5)
    assert sim.campaign_state(cid) == "RUNNING"
    paused = await v1.pause(cid)
    assert paused.state is CampaignState.PAUSED


async def test_a_future_start_time_is_pending_then_starting_then_running(
    sim: CampaignsV1Simulator, v1: CampaignsV1Client, clock: Clock
) -> None:
    later = T0 + timedelta(hours=1)
    cid = sim.add_campaign(state="READY", start_time=later, end_time=later + timedelta(hours=8))
    pending = await v1.start(cid)
    assert (pending.state, pending.display_status) == (
        CampaignState.PENDING,
        DisplayStatus.SCHEDULED,
    )
    assert pending.start_time == later
    # Records may be added while PENDING (only BUILDING, STARTING, COMPLETE, DELETED refuse).
    await v1.add_records(cid, ["CRM-1"])
    clock.now = later
    assert sim.campaign_state(cid) == "STARTING"
    clock.advance(5)
    running = await v1.pause(cid)
    assert running.state is CampaignState.PAUSED
    # The schedule ends while PAUSED: nothing moves; CANCEL ends it.
    cancelled = await v1.cancel(cid)
    assert cancelled.display_status is DisplayStatus.STOPPED


async def test_cancel_from_pending(
    sim: CampaignsV1Simulator, v1: CampaignsV1Client, clock: Clock
) -> None:
    cid = sim.add_campaign(state="READY", start_time=T0 + timedelta(hours=1))
    assert (await v1.start(cid)).state is CampaignState.PENDING
    done = await v1.cancel(cid)
    assert (done.state, done.display_status) == (CampaignState.COMPLETE, DisplayStatus.STOPPED)


async def test_a_failed_build_then_reset(
    sim: CampaignsV1Simulator, v1: CampaignsV1Client, clock: Clock
) -> None:
    cid = sim.add_campaign(state="CREATED")
    sim.fail_next_build(cid)
    await v1.build(cid)
    clock.advance(5)
    assert sim.campaign_state(cid) == "BUILD_ERROR"
    assert sim.campaign_document(cid)["displayStatus"] == "BUILD_FAILED"
    rebuilt = await v1.build(cid)  # BUILD is accepted from BUILD_ERROR
    assert rebuilt.state is CampaignState.BUILDING
    clock.advance(5)
    sim.fail_next_build(cid)
    await v1.build(cid)
    clock.advance(5)
    reset = await v1.reset(cid)
    assert reset.state is CampaignState.CREATED


async def test_run_error_retry_purge_cancel(
    sim: CampaignsV1Simulator, v1: CampaignsV1Client
) -> None:
    cid = sim.add_campaign(state="RUN_ERROR")
    purged = await v1.purge(cid)
    assert (purged.state, purged.display_status) == (
        CampaignState.RUN_ERROR,
        DisplayStatus.ERROR_PURGED,
    )
    retried = await v1.retry(cid)
    assert (retried.state, retried.display_status) == (
        CampaignState.RUNNING,
        DisplayStatus.RUNNING,
    )
    sim.set_campaign_state(cid, "RUN_ERROR")
    done = await v1.cancel(cid, current="RUN_ERROR")
    assert done.state is CampaignState.COMPLETE


async def test_the_enabled_flag(
    sim: CampaignsV1Simulator, v1: CampaignsV1Client, variants: Variants, clock: Clock
) -> None:
    cid = sim.add_campaign(state="READY")
    disabled = await v1.build(cid, enabled=False)
    assert (disabled.state, disabled.display_status) == (
        CampaignState.BUILDING,
        DisplayStatus.DISABLED,
    )
    clock.advance(5)
    # Disabled: only BUILD and RESET; START is refused by the service, the flag unchanged.
    with pytest.raises(TransitionRefusedError) as caught:
        await v1.start(cid)
    assert caught.value.status == variants.transition_status
    assert problem_of(caught.value) is not None
    assert sim.campaign_state(cid) == "READY"
    assert sim.campaign_document(cid)["displayStatus"] == "DISABLED"
    started = await v1.start(cid, enabled=True)
    assert started.state is CampaignState.STARTING
    assert started.display_status is DisplayStatus.BUILDING


async def test_every_refused_transition_in_the_variant(
    sim: CampaignsV1Simulator, v1: CampaignsV1Client, variants: Variants
) -> None:
    from cc_campaigns.campaigns_v1 import ACTIONS, CampaignAction

    refused = 0
    for state in CampaignState:
        for action in CampaignAction:
            if action in ACTIONS[state] or (
                state is CampaignState.READY and action is CampaignAction.CANCEL
            ):
                continue
            cid = sim.add_campaign(state=state.value)
            # Refused before sending when the client knows the state ...
            with pytest.raises(InvalidTransitionError) as local:
                await v1.modify_campaign(cid, action, current=state)
            assert local.value.status is None
            # ... and by the service when it is sent anyway.
            with pytest.raises(TransitionRefusedError) as remote:
                await v1.modify_campaign(cid, action, check=False)
            assert remote.value.status == variants.transition_status, (state, action)
            assert sim.campaign_state(cid) == state.value
            refused += 1
    assert refused > 50


# -- add records ---------------------------------------------------------------------------


async def test_add_records_echoes_the_stored_records(
    sim: CampaignsV1Simulator, v1: CampaignsV1Client, clock: Clock
) -> None:
    cid = sim.add_campaign()
    later = T0 + timedelta(days=1)
    records = await v1.add_records(
        cid,
        [
            {"crmRecordId": "CRM-1"},
            {"crmRecordId": "CRM-2", "priority": "MEDIUM", "scheduleAt": later},
            {"crmRecordId": "CRM-3", "priority": RecordPriority.LOW, "rank": 7.5},
        ],
    )
    assert [(r.crm_record_id, r.priority, r.rank) for r in records] == [
        ("CRM-1", RecordPriority.HIGH, 1.0),
        ("CRM-2", RecordPriority.MEDIUM, 1.0),
        ("CRM-3", RecordPriority.LOW, 7.5),
    ]
    assert [r.next_attempt_after for r in records] == [T0, later, T0]
    assert all(r.state is RecordState.PENDING and r.type is RecordType.DYNAMIC for r in records)
    assert all(r.retry_count == 0 and r.id for r in records)
    assert sim.campaign_records(cid) == ["CRM-1", "CRM-2", "CRM-3"]
    sim.set_record_state(cid, "CRM-1", "COMPLETE", "SUCCESS")
    paused = await v1.pause(cid)
    assert paused.record_count == 3
    assert [(c.type, c.state, c.result, c.count) for c in paused.record_counts] == [
        (RecordType.DYNAMIC, RecordState.PENDING, None, 2),
        (RecordType.DYNAMIC, RecordState.COMPLETE, RecordResult.SUCCESS, 1),
    ]


async def test_add_a_duplicate_in_each_variant(
    sim: CampaignsV1Simulator, v1: CampaignsV1Client, variants: Variants
) -> None:
    cid = sim.add_campaign()
    await v1.add_records(cid, ["CRM-1"])
    with pytest.raises(DuplicateRecordError) as caught:
        await v1.add_records(cid, ["CRM-2", "CRM-1"])
    assert caught.value.status == variants.duplicate_status
    named = ("CRM-1",) if variants.duplicate_names_id else ()
    assert caught.value.crm_record_ids == named
    assert sim.campaign_records(cid) == ["CRM-1"]  # all or nothing


async def test_add_errors(sim: CampaignsV1Simulator, v1: CampaignsV1Client) -> None:
    not_dynamic = sim.add_campaign(dynamic=False)
    with pytest.raises(CampaignNotDynamicError) as caught:
        await v1.add_records(not_dynamic, ["CRM-1"])
    assert caught.value.status == 400
    for state in ("COMPLETE", "DELETED"):
        with pytest.raises(CampaignStoppedError):
            await v1.add_records(sim.add_campaign(state=state), ["CRM-1"])
    for state in ("BUILDING", "STARTING"):
        with pytest.raises(CampaignBusyError):
            await v1.add_records(sim.add_campaign(state=state), ["CRM-1"])
    for state in ("CREATED", "READY", "PENDING", "PAUSED", "BUILD_ERROR", "RUN_ERROR"):
        cid = sim.add_campaign(state=state)
        await v1.add_records(cid, ["CRM-1"])
        assert sim.campaign_records(cid) == ["CRM-1"]
    sim.refuse_records("CRM-DNC")
    cid = sim.add_campaign()
    with pytest.raises(BadRequestError) as refused:
        await v1.add_records(cid, ["CRM-5", "CRM-DNC"])
    assert type(refused.value) is BadRequestError and refused.value.status == 400
    assert sim.campaign_records(cid) == []


async def test_field_errors_of_the_service(
    sim: CampaignsV1Simulator, v1: CampaignsV1Client
) -> None:
    """Invalid records never leave the client; sent anyway, the service names them."""
    cid = sim.add_campaign()
    with pytest.raises(BadRequestError) as caught:
        await v1._session.request(
            "POST",
            f"/{cid}/records",
            body=b'{"records":[{"crmRecordId":"ok"},{"crmRecordId":""}]}',
            write=True,
            retry=False,
        )
    problem = problem_of(caught.value)
    assert problem is not None and problem.status == 400
    assert [e.field for e in problem.errors] == ["records[1].crmRecordId"]
    assert problem.instance == f"/cc/US1/campaigns/v1/{cid}/records" and problem.time


@pytest.mark.parametrize("operation", ["patch", "add"])
async def test_credentials_tenant_site_and_campaign(
    sim: CampaignsV1Simulator, operation: str
) -> None:
    cid = sim.add_campaign()

    async def call(v1: CampaignsV1Client, campaign: str = cid) -> Any:
        if operation == "patch":
            return await v1.pause(campaign)
        return await v1.add_records(campaign, ["CRM-1"])

    cases: list[tuple[dict[str, Any], type[Exception], int, str]] = [
        ({"api_key": "eght_SECRET-wrong"}, AuthenticationError, 401, cid),
        ({"api_key": "not-an-8x8-key"}, AuthenticationError, 401, cid),
        ({"api_key": UNLICENSED}, AuthenticationError, 403, cid),
        ({"tenant": "someone-else"}, NotFoundError, 404, cid),
        ({"base_url": sim.url.replace("/US1/", "/US2/")}, NotFoundError, 404, cid),
        ({}, NotFoundError, 404, MISSING),
    ]
    for options, cls, status, campaign in cases:
        async with client(sim, **options) as v1:
            with pytest.raises(cls) as caught:
                await call(v1, campaign)
        assert caught.value.status == status, options
        assert KEY not in str(caught.value) and "SECRET" not in repr(caught.value)
    # A campaign of another tenant is not found either.
    other = sim.add_campaign(tenant="other")
    async with client(sim) as v1:
        with pytest.raises(NotFoundError):
            await call(v1, other)
    assert sim.campaign_records(cid) == []
    assert sim.campaign_state(cid) == "RUNNING"


# -- bulk_add: exact books and exact campaign contents ------------------------------------


async def preload(sim: CampaignsV1Simulator, cid: str, items: set[str]) -> None:
    """Put ``items`` in the campaign through the API, faults held off meanwhile."""
    names = ("timeout_rate", "disconnect_rate", "error_rate", "throttle_rate")
    rates = {name: getattr(sim.faults, name) for name in names}
    bucket, sim.faults.bucket = sim.faults.bucket, None
    for name in names:
        setattr(sim.faults, name, 0.0)
    ordered = sorted(items)
    async with client(sim) as v1:
        for start in range(0, len(ordered), 100):
            await v1.add_records(cid, ordered[start : start + 100])
    for name, rate in rates.items():
        setattr(sim.faults, name, rate)
    sim.faults.bucket = bucket
    sim.stats.reset()


async def bulk(sim: CampaignsV1Simulator, cid: str, source: Any, **options: Any) -> Any:
    """The report and each record's bucket (from iter_bulk_add's outcomes)."""
    options.setdefault("concurrency", 4)
    options.setdefault("rate", 0)
    buckets: dict[str, Bucket] = {}
    async with client(sim) as v1:
        async for outcomes in v1.iter_bulk_add(cid, source, **options):
            for outcome in outcomes:
                assert outcome.item_id not in buckets, outcome  # exactly one bucket
                buckets[outcome.item_id] = outcome.bucket
    return buckets


def by_bucket(buckets: dict[str, Bucket]) -> dict[Bucket, set[str]]:
    found: dict[Bucket, set[str]] = {}
    for item, bucket in buckets.items():
        found.setdefault(bucket, set()).add(item)
    return found


async def test_one_percent_already_in_the_campaign(variants: Variants) -> None:
    items = ids(1000)
    present = items[37::100]
    async with simulator(variants) as sim:
        cid = sim.add_campaign()
        async with client(sim) as v1:
            await v1.add_records(cid, present)
            sim.stats.reset()
            report = await v1.bulk_add(cid, items, concurrency=4, rate=0)
        assert report.balanced and report.submitted == 1000
        assert (report.applied, report.already_present) == (990, 10), report.summary()
        assert report.rejected == report.unknown == report.not_sent == report.invalid == 0
        stored = sim.campaign_records(cid)
        assert len(stored) == 1000 and set(stored) == set(items)
        assert sim.stats.records_added == 990  # nothing stored twice, nothing refused stored
        assert report.requests == sim.stats.requests
        if variants.duplicate_names_id:
            assert report.requests == 20  # one resend per batch holding a known id
        else:
            # Unnamed: halves down to the record, 1 + 2 per level (7 levels for 100).
            assert 20 < report.requests <= 10 * (1 + 2 * 7)


async def test_records_the_service_refuses_are_isolated(variants: Variants) -> None:
    items = ids(500)
    refused = {items[3], items[150], items[151], items[499]}
    async with simulator(variants, refuse_ids=refused) as sim:
        cid = sim.add_campaign()
        report_buckets = await bulk(sim, cid, items)
        groups = by_bucket(report_buckets)
        assert groups == {Bucket.APPLIED: set(items) - refused, Bucket.REJECTED: refused}
        assert sorted(sim.campaign_records(cid)) == [i for i in items if i not in refused]
        assert sim.stats.records_added == 496


async def test_refused_and_present_records_together(variants: Variants) -> None:
    items = ids(300)
    present = {items[10], items[11], items[250]}
    refused = {items[12], items[200]}
    async with simulator(variants, refuse_ids=refused) as sim:
        cid = sim.add_campaign()
        async with client(sim) as v1:
            await v1.add_records(cid, sorted(present))
        groups = by_bucket(await bulk(sim, cid, items, concurrency=2))
        assert groups == {
            Bucket.APPLIED: set(items) - present - refused,
            Bucket.ALREADY_PRESENT: present,
            Bucket.REJECTED: refused,
        }
        assert set(sim.campaign_records(cid)) == set(items) - refused
        assert len(sim.campaign_records(cid)) == 298


async def test_invalid_records_sent_anyway_are_named_by_the_service() -> None:
    items: list[Any] = ids(120)
    items[5] = {"crmRecordId": "x" * 33}
    items[90] = {"crmRecordId": "CRM-bad", "scheduleAt": "tomorrow"}
    async with simulator() as sim:
        cid = sim.add_campaign()
        async with client(sim) as v1:
            report = await v1.bulk_add(cid, items, validate=False, rate=0)
        assert (report.applied, report.rejected) == (118, 2), report.summary()
        assert report.requests == sim.stats.requests == 3  # one resend for the named ones
        assert len(sim.campaign_records(cid)) == 118


FAULTS = {
    "timeout": {"timeout_rate": 0.3},
    "disconnect": {"disconnect_rate": 0.3},
    "error": {"error_rate": 0.3},
    "throttle": {"throttle_rate": 0.3},
    "mixed": {"timeout_rate": 0.15, "disconnect_rate": 0.15, "error_rate": 0.1},
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("preset", ["default", "openapi", "unnamed-409"])
async def test_faults_then_a_rerun_completes(fault: str, preset: str, tmp_path: Path) -> None:
    items = ids(400)
    present = set(items[::97])
    refused = {items[42], items[333]}
    checkpoint = tmp_path / "job.ckpt"
    variants = PRESETS[preset]
    async with simulator(variants, refuse_ids=refused, seed=3, **FAULTS[fault]) as sim:
        cid = sim.add_campaign()
        await preload(sim, cid, present)
        first = await bulk(sim, cid, items, checkpoint=checkpoint, concurrency=3)
        stored = set(sim.campaign_records(cid))
        groups = by_bucket(first)
        # Never more than the service confirmed: what is called applied or already present
        # is in the campaign; what is called rejected is not.
        assert groups.get(Bucket.APPLIED, set()) <= stored - present
        assert groups.get(Bucket.ALREADY_PRESENT, set()) <= present
        assert not groups.get(Bucket.REJECTED, set()) & stored
        assert groups.get(Bucket.REJECTED, set()) <= refused
        assert set(first) == set(items)
        # The rerun, faults off, with the checkpoint: the job is finished.
        sim.faults.timeout_rate = sim.faults.disconnect_rate = 0.0
        sim.faults.error_rate = sim.faults.throttle_rate = 0.0
        async with client(sim) as v1:
            report = await v1.bulk_add(cid, items, checkpoint=checkpoint, rate=0)
        assert report.balanced and report.submitted == len(items)
        assert report.unknown == report.not_sent == 0, report.summary()
        final = sim.campaign_records(cid)
        assert len(final) == len(set(final)) == len(items) - len(refused)
        assert set(final) == set(items) - refused
        assert sim.stats.records_added == len(items) - len(refused) - len(present)


async def test_capacity_is_ridden_through_or_left_for_the_rerun(tmp_path: Path) -> None:
    items = ids(300)
    checkpoint = tmp_path / "job.ckpt"
    async with simulator(capacity=150.0) as sim:
        cid = sim.add_campaign()
        first = await bulk(sim, cid, items, checkpoint=checkpoint, concurrency=2)
        assert sim.stats.faults["capacity"] >= 1
        stored = set(sim.campaign_records(cid))
        assert by_bucket(first).get(Bucket.APPLIED, set()) == stored
        sim.faults.bucket = None
        async with client(sim) as v1:
            report = await v1.bulk_add(cid, items, checkpoint=checkpoint, rate=0)
        assert report.unknown == report.not_sent == report.rejected == 0
        assert sorted(sim.campaign_records(cid)) == items


@st.composite
def mixes(draw: st.DrawFn) -> tuple[list[str], set[str], set[str], int, str, int]:
    count = draw(st.integers(1, 260))
    items = ids(count)
    kinds = draw(st.lists(st.sampled_from("ggggggggpr"), min_size=count, max_size=count))
    present = {i for i, k in zip(items, kinds, strict=True) if k == "p"}
    refused = {i for i, k in zip(items, kinds, strict=True) if k == "r"}
    batch = draw(st.sampled_from([1, 7, 50, 100]))
    preset = draw(st.sampled_from(sorted(PRESETS)))
    seed = draw(st.integers(0, 3))
    return items, present, refused, batch, preset, seed


@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(mix=mixes(), faulty=st.booleans())
async def test_random_mixes_keep_exact_books_and_contents(
    mix: tuple[list[str], set[str], set[str], int, str, int], faulty: bool
) -> None:
    items, present, refused, batch, preset, seed = mix
    faults = {"timeout_rate": 0.1, "disconnect_rate": 0.1, "error_rate": 0.05} if faulty else {}
    good = set(items) - present - refused
    with tempfile.TemporaryDirectory() as tmp:
        checkpoint = Path(tmp) / "job.ckpt"
        async with simulator(PRESETS[preset], refuse_ids=refused, seed=seed, **faults) as sim:
            cid = sim.add_campaign()
            await preload(sim, cid, present)
            groups = by_bucket(await bulk(sim, cid, items, batch_size=batch, checkpoint=checkpoint))
            stored = set(sim.campaign_records(cid))
            # Never more than the service confirmed.
            assert stored <= set(items) - refused
            assert groups.get(Bucket.APPLIED, set()) <= stored - present
            assert groups.get(Bucket.ALREADY_PRESENT, set()) <= present
            assert groups.get(Bucket.REJECTED, set()) <= refused
            if not faulty:
                assert groups == {
                    bucket: members
                    for bucket, members in (
                        (Bucket.APPLIED, good),
                        (Bucket.ALREADY_PRESENT, present),
                        (Bucket.REJECTED, refused),
                    )
                    if members
                }
                assert stored == good | present
                return
            # The rerun with the checkpoint, faults off, finishes the job.
            sim.faults.timeout_rate = sim.faults.disconnect_rate = sim.faults.error_rate = 0.0
            async with client(sim) as v1:
                report = await v1.bulk_add(
                    cid, items, checkpoint=checkpoint, batch_size=batch, rate=0
                )
            assert report.balanced and report.submitted == len(items)
            assert report.unknown == report.not_sent == 0, report.summary()
            assert report.rejected == len(refused)
            assert report.applied + report.already_present == len(good) + len(present)
            assert report.applied - len(good) <= report.confirmed_on_retry
            final = sim.campaign_records(cid)
            assert len(final) == len(set(final)) and set(final) == good | present


def test_variants_used_are_distinct() -> None:
    assert len({attrs.astuple(v) for v in PRESETS.values()}) == len(PRESETS)
