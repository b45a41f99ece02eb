"""bulk_add on the shared engine against an all-or-nothing service: the isolation of refused
batches (property-based: exact books, every good record added once, the bad ones rejected, the
duplicates already present, extra requests within 2 k ceil(log2 n) + 1 per batch), the unknown
outcome, whole-request errors, sources, options."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from aioresponses import aioresponses
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from yarl import URL

from cc_campaigns import (
    AuthenticationError,
    CampaignNotDynamicError,
    CampaignStoppedError,
    NotFoundError,
)
from cc_campaigns.bulk import Bucket, BulkOptions, run_bulk
from cc_campaigns.campaigns_v1 import AddRecord, CampaignsV1Client, read_records
from cc_campaigns.campaigns_v1.adapters import AddRecords, record_key

from .examples import (
    API_KEY,
    BUSY,
    CID,
    FAST,
    NOT_DYNAMIC,
    NOT_FOUND,
    RECORDS_URL,
    STOPPED,
    TENANT,
    UNAUTHORIZED,
)
from .fake import FakeService

ADD_OK = {"records": []}


def ids(count: int, prefix: str = "CRM-") -> list[str]:
    return [f"{prefix}{i}" for i in range(count)]


async def upload(service: FakeService, source: Any, **options: Any) -> Any:
    adapter = AddRecords(service, CID)  # type: ignore[arg-type]
    settings_ = BulkOptions(
        batch_size=options.pop("batch_size", 100),
        concurrency=options.pop("concurrency", 1),
        retry=options.pop("retry", FAST),
        **options,
    )
    return await run_bulk(adapter, source, settings_)


def chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def bound(batch: list[str], culprits: set[str]) -> int:
    """Extra requests allowed for one batch: 2 k ceil(log2 n) + 1."""
    k = sum(1 for i in batch if i in culprits)
    return 2 * k * math.ceil(math.log2(len(batch))) + 1 if k else 0


# -- the isolation, property-based ----------------------------------------------------------


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[str], set[str], set[str], int, int, bool]:
    count = draw(st.integers(1, 230))
    items = ids(count)
    kinds = draw(st.lists(st.sampled_from("gggggggbd"), min_size=count, max_size=count))
    bad = {i for i, k in zip(items, kinds, strict=True) if k == "b"}
    present = {i for i, k in zip(items, kinds, strict=True) if k == "d"}
    batch = draw(st.sampled_from([1, 2, 3, 7, 10, 50, 100]))
    status = draw(st.sampled_from([409, 400]))
    return items, bad, present, batch, status, draw(st.booleans())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
async def test_isolation_keeps_exact_books(
    scenario: tuple[list[str], set[str], set[str], int, int, bool],
) -> None:
    items, bad, present, batch, status, duplicates_first = scenario
    service = FakeService(
        stored=present, bad=bad, duplicate_status=status, duplicates_first=duplicates_first
    )
    report = await upload(service, items, batch_size=batch)
    good = set(items) - bad - present
    # Exact books: every record in exactly one bucket, and the right one.
    assert report.applied == len(good)
    assert report.rejected == len(bad)
    assert report.already_present == len(present)
    assert report.unknown == report.not_sent == report.invalid == 0
    assert report.submitted == len(items)
    # Every good record added exactly once; nothing bad stored.
    assert set(service.stores) == good
    assert all(n == 1 for n in service.stores.values())
    # The report counts every request sent, the extra ones included.
    assert report.requests == service.posts
    # Extra requests within 2 k ceil(log2 n) + 1 per batch.
    allowed = sum(1 + bound(b, bad | present) for b in chunks(items, batch))
    assert service.posts <= allowed


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    count=st.integers(1, 150),
    batch=st.sampled_from([1, 5, 100]),
    lost=st.sets(st.integers(1, 3), max_size=2),
)
async def test_after_an_unknown_outcome_the_resend_decides(
    count: int, batch: int, lost: set[int]
) -> None:
    """A batch applied whose answer was lost: the resend finds every record already there, and
    they count as applied, confirmed on retry; never twice, never already_present."""
    items = ids(count)
    service = FakeService(lost=lost)
    report = await upload(service, items, batch_size=batch)
    assert report.applied == count
    assert report.already_present == report.unknown == report.rejected == 0
    assert all(n == 1 for n in service.stores.values()) and len(service.stores) == count
    assert report.requests == service.posts
    lost_batches = sum(1 for n in lost if n <= len(list(chunks(items, batch))))
    assert report.confirmed_on_retry <= count
    if not lost_batches:
        assert report.confirmed_on_retry == 0


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios(), lost=st.sets(st.integers(1, 12), max_size=3))
async def test_lost_answers_during_isolation_never_overclaim(
    scenario: tuple[list[str], set[str], set[str], int, int, bool], lost: set[int]
) -> None:
    """Answers lost anywhere (the first request of a batch, or a half sent while isolating):
    nothing is stored twice, the bad records are rejected, and the records the service holds
    are exactly those the report counts applied or already present."""
    items, bad, present, batch, status, duplicates_first = scenario
    service = FakeService(
        stored=present,
        bad=bad,
        duplicate_status=status,
        duplicates_first=duplicates_first,
        lost=lost,
    )
    report = await upload(service, items, batch_size=batch)
    good = set(items) - bad - present
    assert set(service.stores) == good and all(n == 1 for n in service.stores.values())
    assert report.rejected == len(bad)
    assert report.applied + report.already_present == len(good) + len(present)
    # "Applied" is claimed for the good records, and for records already there only when
    # an attempt that may have applied them came first (the engine's "confirmed on retry").
    assert report.applied - len(good) <= report.confirmed_on_retry
    assert report.unknown == report.not_sent == 0
    assert report.requests == service.posts


async def test_a_named_duplicate_costs_one_request() -> None:
    items = ids(100)
    service = FakeService(stored={"CRM-40"})
    report = await upload(service, items)
    assert (report.applied, report.already_present) == (99, 1)
    assert service.posts == report.requests == 2
    assert report.retries == 0


async def test_an_unnamed_refusal_is_split_in_halves() -> None:
    items = ids(100)
    service = FakeService(bad={"CRM-7"})
    report = await upload(service, items)
    assert (report.applied, report.rejected) == (99, 1)
    # At most 1 + 2 per level on the way down to the bad record (7 levels for 100); a level
    # whose first half goes through does not send the second (it holds the culprit): 13 here.
    assert service.posts == report.requests == 13 <= 1 + 2 * 7
    assert any("Invalid request" in reason for reason in report.reasons)


async def test_field_errors_at_an_index_name_the_bad_records() -> None:
    items = ids(100)
    service = FakeService(bad={"CRM-3", "CRM-70"}, indexed=True)
    report = await upload(service, items)
    assert (report.applied, report.rejected) == (98, 2)
    assert service.posts == report.requests == 2
    assert any("records[3].crmRecordId: no number" in reason for reason in report.reasons)


async def test_a_refused_connection_while_isolating_is_resent() -> None:
    items = ids(100)
    service = FakeService(bad={"CRM-7"}, unreachable={2})
    report = await upload(service, items)
    assert (report.applied, report.rejected) == (99, 1)
    assert report.confirmed_on_retry == 0  # nothing was in doubt
    assert report.requests == service.posts
    assert set(service.stores) == set(items) - {"CRM-7"}


async def test_checkpointed_rerun_counts_the_extra_requests(tmp_path: Path) -> None:
    items = ids(120)
    checkpoint = tmp_path / "run.ckpt"
    service = FakeService(bad={"CRM-5"})
    first = await upload(service, items, checkpoint=checkpoint)
    assert first.requests == service.posts
    again = await upload(service, items, checkpoint=checkpoint)
    assert again.resumed and again.requests == first.requests
    assert (again.applied, again.rejected) == (119, 1)
    assert service.posts == first.requests  # nothing sent twice


async def test_a_timed_out_batch_is_confirmed_by_its_resend() -> None:
    items = ids(3)
    service = FakeService(lost={1})
    report = await upload(service, items)
    assert report.applied == 3 and report.confirmed_on_retry == 3
    assert service.stores == {i: 1 for i in items}


async def test_dry_run_checks_everything_locally_and_sends_nothing() -> None:
    service = FakeService()
    report = await upload(
        service, ["a", "", "b" * 33, "a", AddRecord("c", priority="X")], dry_run=True
    )
    assert service.posts == 0
    assert report.invalid == 3 and report.duplicate_in_input == 1
    assert report.not_sent == 1


# -- whole-request errors, on the wire ----------------------------------------------------------


def v1() -> CampaignsV1Client:
    return CampaignsV1Client(tenant=TENANT, api_key=API_KEY, retry=FAST)


@pytest.mark.parametrize(
    ("body", "cls"),
    [
        (STOPPED, CampaignStoppedError),
        (NOT_DYNAMIC, CampaignNotDynamicError),
        (NOT_FOUND, NotFoundError),
        (UNAUTHORIZED, AuthenticationError),
    ],
)
async def test_fatal_errors_end_the_upload_with_the_report(
    http_mock: aioresponses, body: dict[str, Any], cls: type
) -> None:
    http_mock.post(RECORDS_URL, status=body["status"], payload=body, repeat=True)
    async with v1() as client:
        with pytest.raises(cls) as caught:
            await client.bulk_add(CID, ids(250))
    report = caught.value.report
    assert report.applied == 0 and report.not_sent + report.rejected == 250
    assert len(http_mock.requests[("POST", URL(RECORDS_URL))]) == 1


async def test_a_building_campaign_is_waited_for(http_mock: aioresponses) -> None:
    http_mock.post(RECORDS_URL, status=409, payload=BUSY)
    http_mock.post(RECORDS_URL, status=409, payload=BUSY)
    http_mock.post(RECORDS_URL, status=201, payload=ADD_OK)
    async with v1() as client:
        report = await client.bulk_add(CID, ids(5))
    assert report.applied == 5 and report.throttled == 2 and report.requests == 3


@pytest.mark.parametrize("status", [429, 503])
async def test_throttling_is_retried(http_mock: aioresponses, status: int) -> None:
    http_mock.post(RECORDS_URL, status=status, payload={"status": status})
    http_mock.post(RECORDS_URL, status=200, payload=ADD_OK)
    async with v1() as client:
        report = await client.bulk_add(CID, ids(5))
    assert report.applied == 5 and report.throttled == 1


async def test_a_500_is_an_unknown_outcome_the_resend_decides(http_mock: aioresponses) -> None:
    http_mock.post(RECORDS_URL, status=500, payload={"status": 500, "detail": "boom"})
    dup = {"status": 409, "detail": "Campaign already contains record for Id: CRM-0"}
    http_mock.post(RECORDS_URL, status=409, payload=dup)
    http_mock.post(RECORDS_URL, status=201, payload=ADD_OK)
    async with v1() as client:
        report = await client.bulk_add(CID, ids(2))
    # CRM-0 is there after an attempt that may have applied: confirmed; CRM-1 sent again.
    assert report.applied == 2 and report.confirmed_on_retry == 1
    assert report.requests == 3


# -- sources and options --------------------------------------------------------------------


async def test_items_of_every_shape(http_mock: aioresponses, tmp_path: Path) -> None:
    http_mock.post(RECORDS_URL, status=201, payload=ADD_OK, repeat=True)
    source = [7, "x", AddRecord("y", rank=2), {"crmRecordId": "z", "priority": "low"}]
    async with v1() as client:
        report = await client.bulk_add(CID, source)
    assert report.applied == 4
    (request,) = http_mock.requests[("POST", URL(RECORDS_URL))]
    assert orjson.loads(request.kwargs["data"])["records"] == [
        {"crmRecordId": "7"},
        {"crmRecordId": "x"},
        {"crmRecordId": "y", "rank": 2},
        {"crmRecordId": "z", "priority": "LOW"},
    ]


async def test_read_records_with_every_column(http_mock: aioresponses, tmp_path: Path) -> None:
    path = tmp_path / "records.csv"
    path.write_text(
        "crmRecordId,scheduleAt,priority,rank\n"
        "CRM-1,2026-04-23T14:00:00Z,MEDIUM,2\n"
        "CRM-2,,,\n"
        "CRM-3,not a date,,\n"
        ",,,\n"
    )
    http_mock.post(RECORDS_URL, status=201, payload=ADD_OK, repeat=True)
    rejects = tmp_path / "rejects.csv"
    async with v1() as client:
        report = await client.bulk_add(CID, read_records(path), rejects=rejects)
    assert report.applied == 2 and report.invalid == 2
    (request,) = http_mock.requests[("POST", URL(RECORDS_URL))]
    assert orjson.loads(request.kwargs["data"])["records"] == [
        {
            "crmRecordId": "CRM-1",
            "scheduleAt": "2026-04-23T14:00:00Z",
            "priority": "MEDIUM",
            "rank": 2.0,
        },
        {"crmRecordId": "CRM-2"},
    ]
    assert "crm_record_id" in rejects.read_text().splitlines()[0]


async def test_batches_hold_100_at_most_and_the_key_is_never_shown(
    http_mock: aioresponses,
) -> None:
    http_mock.post(RECORDS_URL, status=201, payload=ADD_OK, repeat=True)
    async with v1() as client:
        report = await client.bulk_add(CID, ids(250), batch_size=500)
    assert report.requests == 3 and report.applied == 250
    assert API_KEY not in str(report) and API_KEY not in repr(report)


async def test_iter_bulk_add(http_mock: aioresponses) -> None:
    http_mock.post(RECORDS_URL, status=201, payload=ADD_OK, repeat=True)
    async with v1() as client:
        outcomes = [o async for batch in client.iter_bulk_add(CID, ids(150)) for o in batch]
    assert len(outcomes) == 150 and {o.bucket for o in outcomes} == {Bucket.APPLIED}


def test_record_keys_are_distinct() -> None:
    names = ["0", "1", "01", "10", "a", "é", "A" * 32, "2", "\x01"]
    assert len({record_key(n) for n in names}) == len(names)
    assert all(record_key(n) >= 0 for n in names)


def test_count_requests_outside_a_send_does_nothing() -> None:
    from cc_campaigns.bulk.adapter import count_requests, counting_requests

    count_requests()  # no engine: nothing to count, no error
    with counting_requests() as counter:
        count_requests(2)
        count_requests()
    assert counter == [3]


async def test_without_validation_the_service_judges(http_mock: aioresponses) -> None:
    from .examples import VALIDATION

    http_mock.post(RECORDS_URL, status=400, payload=VALIDATION)  # the batch
    http_mock.post(RECORDS_URL, status=201, payload=ADD_OK)  # its first half
    async with v1() as client:
        report = await client.bulk_add(CID, ["a", "b" * 40], validate=False)
    assert (report.applied, report.rejected, report.invalid) == (1, 1, 0)
    # The first half went through, so the second (one record) is the culprit: not sent again.
    assert report.requests == 2
    bodies = [
        orjson.loads(r.kwargs["data"]) for r in http_mock.requests[("POST", URL(RECORDS_URL))]
    ]
    assert bodies[-1] == {"records": [{"crmRecordId": "a"}]}
