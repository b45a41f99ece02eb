"""CampaignsV1Client on the exact wire (aioresponses, the vendor's example bodies): every
endpoint, field, action and error class; configuration, headers and secrets."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any

import orjson
import pytest
from aioresponses import aioresponses
from yarl import URL

import cc_campaigns
from cc_campaigns import (
    AuthenticationError,
    BadRequestError,
    CampaignNotDynamicError,
    CampaignStoppedError,
    InvalidTransitionError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    TransitionRefusedError,
    ValidationError,
)
from cc_campaigns.campaigns_v1 import (
    MEDIA_TYPE,
    AddRecord,
    Campaign,
    CampaignAction,
    CampaignBusyError,
    CampaignState,
    CampaignsV1Client,
    DisplayStatus,
    DuplicateRecordError,
    Record,
    RecordPriority,
    RecordResult,
    RecordState,
    RecordType,
    problem_of,
)

from .examples import (
    ADD_ANSWER,
    ADD_REQUEST,
    API_KEY,
    BUSY,
    CAMPAIGN,
    CID,
    DUPLICATE_400,
    DUPLICATE_409,
    FORBIDDEN,
    ILLEGAL,
    ILLEGAL_400,
    INSTANCE,
    NOT_DYNAMIC,
    NOT_FOUND,
    PATCH_URL,
    RECORDS_URL,
    SERVER,
    STOPPED,
    TENANT,
    TIME,
    UNAUTHORIZED,
    VALIDATION,
    campaign,
)


def client(**options: Any) -> CampaignsV1Client:
    return CampaignsV1Client("US1", tenant=TENANT, api_key=API_KEY, **options)


def sent(http_mock: aioresponses, method: str, url: str) -> list[Any]:
    return [orjson.loads(r.kwargs["data"]) for r in http_mock.requests[(method, URL(url))]]


# -- configuration -------------------------------------------------------------------------------


def test_exported_from_the_package() -> None:
    assert cc_campaigns.CampaignsV1Client is CampaignsV1Client
    assert "CampaignsV1Client" in cc_campaigns.__all__


@pytest.mark.parametrize(
    ("site", "root"),
    [
        ("US1", "https://api.8x8.com/cc/US1/campaigns/v1"),
        ("us2", "https://api.8x8.com/cc/US2/campaigns/v1"),
        ("UK3", "https://api.8x8.com/cc/UK3/campaigns/v1"),
    ],
)
def test_sites(site: str, root: str) -> None:
    assert CampaignsV1Client(site, tenant=TENANT, api_key=API_KEY).base_url == root


def test_unknown_site_and_missing_credentials_are_refused() -> None:
    with pytest.raises(ValidationError, match="unknown site"):
        CampaignsV1Client("EU1", tenant=TENANT, api_key=API_KEY)
    with pytest.raises(ValidationError, match="tenant"):
        CampaignsV1Client(tenant="", api_key=API_KEY)
    with pytest.raises(ValidationError, match="api_key"):
        CampaignsV1Client(tenant=TENANT, api_key="")
    with pytest.raises(ValidationError, match="blanks"):
        CampaignsV1Client(tenant=TENANT, api_key=API_KEY + "\n")
    with pytest.raises(ValidationError, match="http"):
        CampaignsV1Client(tenant=TENANT, api_key=API_KEY, base_url="http://example.com/v1")


def test_from_env() -> None:
    env = {
        "CC_V1_SITE": "UK3",
        "CC_V1_TENANT": TENANT,
        "CC_V1_API_KEY": API_KEY,
    }
    v1 = CampaignsV1Client.from_env(env)
    assert v1.base_url == "https://api.8x8.com/cc/UK3/campaigns/v1"
    assert v1.tenant == TENANT
    local = CampaignsV1Client.from_env({**env, "CC_V1_BASE_URL": "http://127.0.0.1:9/v1"})
    assert local.base_url == "http://127.0.0.1:9/v1"
    assert CampaignsV1Client.from_env({**env, "CC_V1_SITE": ""}).site == "US1"
    with pytest.raises(ValidationError, match="api_key"):
        CampaignsV1Client.from_env({"CC_V1_TENANT": TENANT})


def test_the_key_is_in_no_repr() -> None:
    v1 = client()
    for shown in (repr(v1), repr(v1.campaigns), repr(v1.records), repr(v1.session)):
        assert API_KEY not in shown


async def test_headers_and_media_type(http_mock: aioresponses) -> None:
    http_mock.patch(PATCH_URL, payload=CAMPAIGN)
    async with client() as v1:
        await v1.pause(CID)
    (request,) = http_mock.requests[("PATCH", URL(PATCH_URL))]
    headers = request.kwargs["headers"]
    assert headers["X-API-Key"] == API_KEY
    assert headers["X-8x8-Tenant"] == TENANT
    assert headers["Content-Type"] == MEDIA_TYPE
    assert MEDIA_TYPE in headers["Accept"]


# -- PATCH: every action, every field ----------------------------------------------------------


async def test_the_campaign_example_is_read_whole(http_mock: aioresponses) -> None:
    http_mock.patch(PATCH_URL, payload=CAMPAIGN)
    async with client() as v1:
        got = await v1.modify_campaign(CID, "resume", check=False)
    assert isinstance(got, Campaign)
    utc = timezone.utc
    assert got.id == CID
    assert got.tenant_id == "my-tenant"
    assert got.integration_type == "contactual"
    assert got.start_time == datetime(2026, 4, 22, 10, tzinfo=utc)
    assert got.end_time == datetime(2026, 4, 22, 18, tzinfo=utc)
    assert got.state is CampaignState.RUNNING
    assert got.display_status is DisplayStatus.RUNNING
    assert got.record_count == 1500
    assert got.record_counts[0].type is RecordType.DYNAMIC
    assert got.record_counts[0].state is RecordState.PENDING
    assert got.record_counts[0].result is None
    assert got.record_counts[0].count == 1455
    assert got.record_counts[1].result is RecordResult.SUCCESS
    assert got.last_build_time == datetime(2026, 4, 22, 9, 55, tzinfo=utc)
    assert got.started_time == datetime(2026, 4, 22, 10, 0, 5, tzinfo=utc)
    assert got.completed_time is None and got.last_purged_time is None
    assert sent(http_mock, "PATCH", PATCH_URL) == [{"action": "RESUME"}]


ACTION_CALLS = [
    ("build", "BUILD", {}),
    ("reset", "RESET", {}),
    ("start", "START", {}),
    ("pause", "PAUSE", {}),
    ("resume", "RESUME", {}),
    ("retry", "RETRY", {}),
    ("cancel", "CANCEL", {}),
    ("purge", "PURGE", {}),
]


@pytest.mark.parametrize(("name", "action", "extra"), ACTION_CALLS)
async def test_each_action_on_the_wire(
    http_mock: aioresponses, name: str, action: str, extra: dict[str, Any]
) -> None:
    http_mock.patch(PATCH_URL, payload=campaign("READY", "READY_TO_RUN"))
    http_mock.patch(PATCH_URL, payload=campaign("READY", "READY_TO_RUN"))
    async with client() as v1:
        flat = await getattr(v1, name)(CID, check=False)
        nested = await getattr(v1.campaigns, name)(CID, check=False)
    assert flat.state is nested.state is CampaignState.READY
    assert sent(http_mock, "PATCH", PATCH_URL) == [{"action": action}] * 2


async def test_enabled_and_build_on_start_are_sent_only_when_given(
    http_mock: aioresponses,
) -> None:
    for _ in range(3):
        http_mock.patch(PATCH_URL, payload=campaign("BUILDING"))
    async with client() as v1:
        await v1.build(CID, enabled=True)
        await v1.start(CID, build_on_start=True, current="CREATED")
        await v1.modify_campaign(CID, CampaignAction.BUILD, enabled=False, check=False)
    assert sent(http_mock, "PATCH", PATCH_URL) == [
        {"action": "BUILD", "enabled": True},
        {"action": "START", "buildOnStart": True},
        {"action": "BUILD", "enabled": False},
    ]


async def test_bad_arguments_are_refused_unsent(http_mock: aioresponses) -> None:
    async with client() as v1:
        with pytest.raises(ValidationError, match="unknown action"):
            await v1.modify_campaign(CID, "DELETE")
        with pytest.raises(ValidationError, match="only with the START"):
            await v1.modify_campaign(CID, "BUILD", build_on_start=True)
        with pytest.raises(ValidationError, match="UUID"):
            await v1.build("125")
        with pytest.raises(ValidationError, match="unknown campaign state"):
            await v1.build(CID, current="ACTIVE")
    assert not http_mock.requests


async def test_a_refused_action_is_not_sent_and_says_why(http_mock: aioresponses) -> None:
    async with client() as v1:
        with pytest.raises(InvalidTransitionError) as caught:
            await v1.pause(CID, current=CampaignState.READY)
        assert not isinstance(caught.value, TransitionRefusedError)
        assert caught.value.status is None and not caught.value.sent
        text = str(caught.value)
        assert "READY accepts only BUILD, RESET, START" in text
        assert "PAUSE is accepted from RUNNING" in text
        with pytest.raises(InvalidTransitionError, match="needs build_on_start=True"):
            await v1.start(CID, current="CREATED")
    assert not http_mock.requests


async def test_the_last_answer_is_remembered_with_what_the_service_does_alone(
    http_mock: aioresponses,
) -> None:
    http_mock.patch(PATCH_URL, payload=campaign("BUILDING"))
    http_mock.patch(PATCH_URL, payload=campaign("PAUSED"))
    async with client() as v1:
        await v1.build(CID)
        assert v1.last_state(CID) is CampaignState.BUILDING
        # BUILDING accepts nothing, but it becomes READY or BUILD_ERROR on its own: a START
        # may be right by now, so it is sent ...
        await v1.start(CID)
        assert v1.last_state(CID) is CampaignState.PAUSED
        # ... while nothing PAUSED can reach on its own accepts PAUSE.
        with pytest.raises(InvalidTransitionError, match="last seen PAUSED"):
            await v1.pause(CID)
        with pytest.raises(InvalidTransitionError, match="needs build_on_start"):
            await v1.start(CID, current="CREATED")
    assert len(http_mock.requests[("PATCH", URL(PATCH_URL))]) == 2


@pytest.mark.parametrize("body", [ILLEGAL, ILLEGAL_400], ids=["409-guide", "400-openapi"])
async def test_the_services_refusal_is_the_same_class(
    http_mock: aioresponses, body: dict[str, Any]
) -> None:
    http_mock.patch(PATCH_URL, payload=campaign("RUNNING"))
    http_mock.patch(PATCH_URL, status=body["status"], payload=body)
    async with client() as v1:
        await v1.resume(CID, check=False)
        assert v1.last_state(CID) is CampaignState.RUNNING
        with pytest.raises(InvalidTransitionError) as caught:
            await v1.pause(CID)
    error = caught.value
    assert isinstance(error, TransitionRefusedError) and error.sent
    assert v1.last_state(CID) is None  # the refusal says the memory was out of date
    assert error.status == body["status"]
    assert vars(error)["instance"] == INSTANCE and vars(error)["time"] == TIME
    assert error.request_id == INSTANCE


async def test_a_patch_validation_failure_stays_a_bad_request(http_mock: aioresponses) -> None:
    http_mock.patch(PATCH_URL, status=400, payload=VALIDATION)
    async with client() as v1:
        with pytest.raises(BadRequestError) as caught:
            await v1.build(CID)
    assert not isinstance(caught.value, InvalidTransitionError)


@pytest.mark.parametrize(
    ("body", "cls"),
    [
        (UNAUTHORIZED, AuthenticationError),
        (FORBIDDEN, AuthenticationError),
        (NOT_FOUND, NotFoundError),
        (SERVER, ServerError),
    ],
)
async def test_patch_errors(http_mock: aioresponses, body: dict[str, Any], cls: type) -> None:
    http_mock.patch(PATCH_URL, status=body["status"], payload=body)
    async with client() as v1:
        with pytest.raises(cls) as caught:
            await v1.build(CID)
    found = problem_of(caught.value)
    assert found is not None
    assert (found.instance, found.time, found.title) == (INSTANCE, TIME, body["title"])
    assert body["detail"] in str(caught.value)
    assert len(http_mock.requests[("PATCH", URL(PATCH_URL))]) == 1  # a write is sent once


# -- POST records --------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [200, 201], ids=["guide-200", "openapi-201"])
async def test_add_records_example(http_mock: aioresponses, status: int) -> None:
    http_mock.post(RECORDS_URL, status=status, payload=ADD_ANSWER)
    async with client() as v1:
        got = await v1.add_records(
            CID,
            [
                AddRecord("CRM-12345", priority=RecordPriority.HIGH, rank=1.0),
                AddRecord(
                    "CRM-12346",
                    schedule_at=datetime(2026, 4, 23, 14, tzinfo=timezone.utc),
                    priority="medium",
                    rank=2.0,
                ),
                {"crmRecordId": "CRM-12347", "priority": "LOW", "rank": 3.0},
            ],
        )
    assert sent(http_mock, "POST", RECORDS_URL) == [ADD_REQUEST]
    assert [type(r) for r in got] == [Record] * 3
    first, second, third = got
    assert first.id == "9f1c2d3e-0000-4000-8000-000000000001"
    assert first.crm_record_id == "CRM-12345"
    assert first.type is RecordType.DYNAMIC
    assert first.priority is RecordPriority.HIGH and first.rank == 1.0
    assert first.retry_count == 0 and first.state is RecordState.PENDING
    assert first.result is None and first.state_reason is None
    assert second.next_attempt_after == datetime(2026, 4, 23, 14, tzinfo=timezone.utc)
    assert third.priority is RecordPriority.LOW and third.rank == 3.0


async def test_ids_and_schedules_as_sent(http_mock: aioresponses) -> None:
    http_mock.post(RECORDS_URL, status=201, payload={"records": []})
    later = datetime(2026, 5, 1, 9, 30, tzinfo=timezone(timedelta(hours=2)))
    async with client() as v1:
        await v1.records.add(
            CID,
            [
                42,
                "A" * 32,
                {"crm_record_id": "x", "schedule_at": later},
                {"crmRecordId": "y", "scheduleAt": "2026-05-01T09:30:00+02:00"},
            ],
        )
    (body,) = sent(http_mock, "POST", RECORDS_URL)
    assert body["records"] == [
        {"crmRecordId": "42"},
        {"crmRecordId": "A" * 32},
        {"crmRecordId": "x", "scheduleAt": "2026-05-01T07:30:00Z"},
        {"crmRecordId": "y", "scheduleAt": "2026-05-01T07:30:00Z"},
    ]


@pytest.mark.parametrize(
    ("records", "match"),
    [
        ([], "no records"),
        (["x"] * 2, "repeats"),
        ([str(i) for i in range(101)], "more than 100"),
        ([""], "blank"),
        (["A" * 33], "longer than 32"),
        ([AddRecord("a", schedule_at="2026-04-22T10:00:00")], "UTC offset"),
        ([AddRecord("a", schedule_at=datetime(2026, 4, 22))], "UTC offset"),
        ([AddRecord("a", schedule_at="tomorrow")], "ISO 8601"),
        ([AddRecord("a", priority="URGENT")], "priority"),
        ([AddRecord("a", rank=float("nan"))], "rank"),
        ([{"crmRecordId": "a", "rank": True}], "rank"),
        ([1.5], "not a CRM record id"),
        ("abc", "not one text"),
    ],
)
async def test_records_are_checked_before_sending(
    http_mock: aioresponses, records: Any, match: str
) -> None:
    async with client() as v1:
        with pytest.raises(ValidationError, match=match):
            await v1.add_records(CID, records)
    assert not http_mock.requests


@pytest.mark.parametrize(
    ("body", "cls"),
    [
        (DUPLICATE_409, DuplicateRecordError),
        (DUPLICATE_400, DuplicateRecordError),
        (VALIDATION, BadRequestError),
        (NOT_DYNAMIC, CampaignNotDynamicError),
        (BUSY, CampaignBusyError),
        (STOPPED, CampaignStoppedError),
        (NOT_FOUND, NotFoundError),
        (UNAUTHORIZED, AuthenticationError),
        (FORBIDDEN, AuthenticationError),
        (SERVER, ServerError),
    ],
)
async def test_add_records_errors(http_mock: aioresponses, body: dict[str, Any], cls: type) -> None:
    http_mock.post(RECORDS_URL, status=body["status"], payload=body)
    async with client() as v1:
        with pytest.raises(cls) as caught:
            await v1.add_records(CID, ["CRM-12345"])
    error = caught.value
    assert type(error) is cls
    assert vars(error)["instance"] == INSTANCE and vars(error)["time"] == TIME
    if cls is DuplicateRecordError:
        assert error.crm_record_ids == ("CRM-12345",)
    if cls is CampaignBusyError:
        assert isinstance(error, RateLimitedError)  # wait and retry
    if body is VALIDATION:
        found = problem_of(error)
        assert found is not None
        assert [(e.field, e.code, e.message) for e in found.errors] == [
            ("crmRecordId", "NotBlank", "must not be blank")
        ]
        assert "crmRecordId: must not be blank" in str(error)


async def test_the_key_never_reaches_an_error_or_a_log(
    http_mock: aioresponses, caplog: pytest.LogCaptureFixture
) -> None:
    echoed = {**UNAUTHORIZED, "detail": f"key {API_KEY} revoked", "instance": f"/x/{API_KEY}"}
    http_mock.post(RECORDS_URL, status=401, payload=echoed)
    caplog.set_level(logging.DEBUG, logger="cc_campaigns")
    async with client() as v1:
        with pytest.raises(AuthenticationError) as caught:
            await v1.add_records(CID, ["a"])
    error = caught.value
    found = problem_of(error)
    assert found is not None
    shown = [str(error), repr(error), repr(found), str(vars(error)), caplog.text]
    assert not any(API_KEY in text for text in shown)
    assert "***" in str(error)
