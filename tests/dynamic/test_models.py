"""Models and the lenient decoding of the vendor's JSON (``cc_campaigns.dynamic.wire``)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import attrs
import pytest

from cc_campaigns import (
    TRANSITIONS,
    Campaign,
    CampaignRecord,
    CampaignsError,
    CampaignState,
    CampaignStatus,
    CustomerItem,
    Disposition,
    ItemResult,
    Phone,
    RecordStatus,
    RecordStatusCode,
    StatusChange,
    ValidationError,
)
from cc_campaigns.dynamic.models import transition_allowed
from cc_campaigns.dynamic.wire import (
    campaign_from_wire,
    customer_to_wire,
    dump_json,
    format_datetime,
    item_result_from_wire,
    parse_customer_id,
    parse_datetime,
    parse_phone_list,
    records_from_wire,
    to_customer_item,
)

from ..reference import OPENAPI_8X8

S, R, P, U = StatusChange.STOPPED, StatusChange.RUNNING, StatusChange.PAUSED, StatusChange.PURGED

# -- campaign status codes -----------------------------------------------------------------

STATE_OF_CODE = {
    0: CampaignState.NEW,
    1: CampaignState.RUNNING,
    2: CampaignState.RUNNING,  # "Scheduled": started, start time not reached
    3: CampaignState.RUNNING,
    4: CampaignState.RUNNING,
    5: CampaignState.STOPPED,
    6: CampaignState.STOPPED,
    7: CampaignState.STOPPED,
    8: CampaignState.PAUSED,
    9: CampaignState.PAUSED,
    10: CampaignState.PURGED,
    11: CampaignState.PURGED,
}

DESCRIPTION_OF_CODE = {
    0: "New",
    1: "Manual Started",
    2: "Scheduled",
    3: "Manual Running",
    4: "Schedule Running",
    5: "Manual Stopped",
    6: "Completed (Stopped)",
    7: "Schedule Stopped",
    8: "Manual Paused",
    9: "Schedule Paused",
    10: "Manual Purged",
    11: "Schedule Purged",
}


@pytest.mark.parametrize(("code", "state"), sorted(STATE_OF_CODE.items()))
def test_every_status_code_decodes_to_its_state(code: int, state: CampaignState) -> None:
    campaign = campaign_from_wire({"campaign-id": 1, "status": code})
    assert campaign.status == code
    assert isinstance(campaign.status, CampaignStatus)
    assert campaign.state is state
    assert CampaignStatus(code).state is state
    assert campaign.status_description == DESCRIPTION_OF_CODE[code]


def test_status_two_is_running() -> None:
    assert int(CampaignStatus.SCHEDULED) == 2
    assert CampaignStatus(2).state is CampaignState.RUNNING


@pytest.mark.parametrize("code", ["3", " 3 "])
def test_status_code_as_text(code: str) -> None:
    assert campaign_from_wire({"campaign-id": 1, "status": code}).status is (
        CampaignStatus.MANUAL_RUNNING
    )


@pytest.mark.parametrize("code", [12, 42, 99])
def test_unknown_status_code_is_kept_as_int(code: int) -> None:
    campaign = campaign_from_wire({"campaign-id": 1, "status": code})
    assert campaign.status == code
    assert not isinstance(campaign.status, CampaignStatus)
    assert type(campaign.status) is int
    assert campaign.state is None
    assert campaign.status_description == f"Unknown ({code})"


# -- the vendor's status example (8x8-campaign-status.md) -----------------------------------

VENDOR_STATUS = {
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


def test_every_field_of_the_vendor_status_example() -> None:
    campaign = campaign_from_wire(VENDOR_STATUS)
    assert campaign == Campaign(
        campaign_id=6561,
        name="My Callbacks",
        status=CampaignStatus.MANUAL_RUNNING,
        enabled=True,
        dynamic=True,
        sequential=False,
        record_count=18,
        caller_id="13125555068",
        queue_id=598,
        start_time=None,
        end_time=None,
        actual_run_time=datetime(2022, 10, 17, 22, 31, 2, tzinfo=timezone(timedelta(hours=1))),
        actual_stop_time=None,
        daily_start_time=None,
        daily_end_time=None,
        retry_interval=30,
        max_retry=1,
        abandon_max_retry=None,
        max_ring_time=15,
        integration_type="contactual",
        calling_window=2,
        schedule_name="'5-6pm Eastern'",
        timezone="EST5EST",
    )
    assert campaign.state is CampaignState.RUNNING
    assert campaign.status_description == "Manual Running"
    # Every attribute of the model is covered by the example.
    assert {a.name for a in attrs.fields(Campaign)} == {
        "campaign_id",
        "name",
        "status",
        "enabled",
        "dynamic",
        "sequential",
        "record_count",
        "caller_id",
        "queue_id",
        "start_time",
        "end_time",
        "actual_run_time",
        "actual_stop_time",
        "daily_start_time",
        "daily_end_time",
        "retry_interval",
        "max_retry",
        "abandon_max_retry",
        "max_ring_time",
        "integration_type",
        "calling_window",
        "schedule_name",
        "timezone",
    }


def test_unknown_keys_are_ignored() -> None:
    data = {**VENDOR_STATUS, "brand-new-field": {"nested": [1, 2]}, "x": None}
    assert campaign_from_wire(data) == campaign_from_wire(VENDOR_STATUS)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Y", True), ("N", False), ("y", True), ("n", False), ("", None), (True, True), (None, None)],
)
def test_yes_no_flags(raw: object, expected: bool | None) -> None:
    campaign = campaign_from_wire(
        {"campaign-id": 1, "sequential": raw, "enabled": raw, "dynamic-campaign": raw}
    )
    assert campaign.sequential is expected
    # Non-optional flags: "N" must read False (not bool("N"), which is True).
    assert campaign.enabled is bool(expected)
    assert campaign.dynamic is bool(expected)


def test_a_disabled_non_dynamic_campaign_reads_as_such() -> None:
    campaign = campaign_from_wire({**VENDOR_STATUS, "enabled": "N", "dynamic-campaign": "N"})
    assert campaign.enabled is False
    assert campaign.dynamic is False


@pytest.mark.parametrize("field", ["start-time", "caller-id", "max-retry", "timezone", "queue-id"])
def test_empty_string_becomes_none(field: str) -> None:
    campaign = campaign_from_wire({"campaign-id": 1, field: ""})
    name = {"start-time": "start_time", "caller-id": "caller_id", "max-retry": "max_retry"}.get(
        field, field.replace("-", "_")
    )
    assert getattr(campaign, name) is None


def test_numbers_as_strings_are_read() -> None:
    campaign = campaign_from_wire(
        {"campaign-id": "6561", "no-of-records": "18", "max-ring-time": " 15 "}
    )
    assert (campaign.campaign_id, campaign.record_count, campaign.max_ring_time) == (6561, 18, 15)


def test_unparseable_times_are_kept_as_text() -> None:
    campaign = campaign_from_wire({"campaign-id": 1, "start-time": "tomorrow-ish"})
    assert campaign.start_time == "tomorrow-ish"


# -- 207 per-item results (8x8-campaign-records.md, OpenAPI) ---------------------------------

VENDOR_207 = [
    {"customer-id": 10003629, "schedule-date-time": "2016-08-29T09:00:00.000Z", "http-status": 200},
    {"customer-id": 1000001, "http-status": 200},
    {"customer-id": 10003621, "http-status": 400, "message": "Duplicate customer"},
    {
        "customer-id": 1000777,
        "schedule-date-time": "2016-08-29T     09:00:00.000Z",
        "http-status": 400,
        "message": "Invalid schedule-date-time format - please use ISO 8601 format",
    },
    {"customer-id": None, "http-status": 400, "message": "Invalid customer-id"},
    {"customer-id": 9, "http-status": 404, "message": "The customer-id has not been found."},
    {
        "customer-id": 10000,
        "schedule-date-time": "2016-08-29T09:00:00.000Z",
        "http-status": 400,
        "message": "The subject schedule-date-time is in the past.",
    },
]

AUG29 = datetime(2016, 8, 29, 9, tzinfo=timezone.utc)


def test_the_vendor_207_example_decodes() -> None:
    results = [item_result_from_wire(item) for item in VENDOR_207]
    assert results == [
        ItemResult(customer_id=10003629, http_status=200, schedule=AUG29),
        ItemResult(customer_id=1000001, http_status=200),
        ItemResult(customer_id=10003621, http_status=400, message="Duplicate customer"),
        ItemResult(
            customer_id=1000777,
            http_status=400,
            message="Invalid schedule-date-time format - please use ISO 8601 format",
            schedule="2016-08-29T     09:00:00.000Z",
        ),
        ItemResult(customer_id=None, http_status=400, message="Invalid customer-id"),
        ItemResult(customer_id=9, http_status=404, message="The customer-id has not been found."),
        ItemResult(
            customer_id=10000,
            http_status=400,
            message="The subject schedule-date-time is in the past.",
            schedule=AUG29,
        ),
    ]
    assert [r.ok for r in results] == [True, True, False, False, False, False, False]


@pytest.mark.parametrize(
    ("raw", "expected"), [(1000001, 1000001), ("1000001", 1000001), (None, None), ("A-7", "A-7")]
)
def test_customer_id_int_string_or_null(raw: object, expected: int | str | None) -> None:
    result = item_result_from_wire({"customer-id": raw, "http-status": 200})
    assert result.customer_id == expected
    assert type(result.customer_id) is type(expected)


@pytest.mark.parametrize("raw", [207, "207", " 207 "])
def test_http_status_int_or_string(raw: object) -> None:
    assert item_result_from_wire({"customer-id": 1, "http-status": raw}).http_status == 207


@pytest.mark.parametrize("raw", ["", "n/a", None])
def test_unreadable_http_status_is_zero(raw: object) -> None:
    result = item_result_from_wire({"customer-id": 1, "http-status": raw})
    assert result.http_status == 0
    assert not result.ok


def test_an_item_without_http_status_is_an_unreadable_result() -> None:
    result = item_result_from_wire({"customer-id": 1})
    assert result.http_status == 0
    assert result.message is not None and "unreadable" in result.message


def test_a_campaign_without_its_id_raises_our_error() -> None:
    with pytest.raises(CampaignsError, match="unexpected answer"):
        campaign_from_wire({"status": 1})


def test_an_empty_campaign_id_reads_as_zero_not_a_crash() -> None:
    assert campaign_from_wire({"campaign-id": ""}).campaign_id == 0


def test_item_result_ignores_unknown_keys() -> None:
    result = item_result_from_wire(
        {"customer-id": 1, "http-status": "200", "trace": "abc", "extra": {"a": 1}}
    )
    assert result == ItemResult(customer_id=1, http_status=200)


@pytest.mark.parametrize(
    "text", ["2016-08-29T     09:00:00.000Z", "2016-08-29T 09:00:00.000Z", "29/08/2016 09:00"]
)
def test_malformed_schedule_is_kept_as_text(text: str) -> None:
    result = item_result_from_wire(
        {"customer-id": 1, "http-status": 400, "schedule-date-time": text}
    )
    assert result.schedule == text


def test_a_non_object_item_becomes_a_zero_status_result() -> None:
    result = item_result_from_wire("oops")
    assert result.http_status == 0
    assert result.customer_id is None
    assert not result.ok


@pytest.mark.parametrize(("status", "ok"), [(199, False), (200, True), (204, True), (300, False)])
def test_item_result_ok(status: int, ok: bool) -> None:
    assert ItemResult(customer_id=1, http_status=status).ok is ok


# -- records ------------------------------------------------------------------------------

VENDOR_RECORDS = {
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
            },
            {
                "campaign-name": "BOC Admin Demo",
                "campaign-id": 1,
                "record-id": 10000001,
                "phone-list": "*Phone Number|5557654321",
                "status": 3,
                "status-code": 0,
                "ext-trans-data": "",
                "disposition-code": 1002,
            },
        ]
    }
}


def test_the_vendor_records_example_decodes() -> None:
    records = records_from_wire(VENDOR_RECORDS)
    assert records[0] == CampaignRecord(
        record_id=10000000,
        campaign_id=1,
        campaign_name="BOC Admin Demo",
        status=RecordStatus.COMPLETED,
        status_code=RecordStatusCode.DEFAULT,
        disposition=Disposition.SCHEDULED_CALL_BACK,
        phones=(Phone(label="Phone Number", number="5551234567", primary=True),),
        phone_list="*Phone Number|5551234567",
        ext_trans_data=None,
    )
    assert records[1].record_id == 10000001
    assert records[1].phones == (Phone("Phone Number", "5557654321", primary=True),)


def test_unknown_record_codes_are_kept_as_ints() -> None:
    (record,) = records_from_wire(
        {"records": {"record": [{"record-id": "7", "status": 9, "status-code": 8, "x": 1}]}}
    )
    assert record.record_id == 7
    assert record.status == 9 and type(record.status) is int
    assert record.status_code == 8 and type(record.status_code) is int
    assert record.disposition is None


def test_a_single_record_may_come_unwrapped() -> None:
    (record,) = records_from_wire({"records": {"record": {"record-id": 5, "status": "1"}}})
    assert record.record_id == 5
    assert record.status is RecordStatus.QUEUED


@pytest.mark.parametrize(
    "data", [{"records": {"record": []}}, {"records": ""}, {"records": None}, {}, None, []]
)
def test_no_records(data: object) -> None:
    assert records_from_wire(data) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("*Phone Number|5551234567", (Phone("Phone Number", "5551234567", primary=True),)),
        (
            "*Home|5551234567|Mobile|5557654321",
            (Phone("Home", "5551234567", True), Phone("Mobile", "5557654321", False)),
        ),
        (
            "*Home|5551234567,Mobile|5557654321;Work|5550000000",
            (
                Phone("Home", "5551234567", True),
                Phone("Mobile", "5557654321", False),
                Phone("Work", "5550000000", False),
            ),
        ),
        (
            "Home|5551234567\n*Mobile|5557654321",
            (Phone("Home", "5551234567"), Phone("Mobile", "5557654321", True)),
        ),
        ("", ()),
        (None, ()),
        ("just-a-number", ()),
    ],
)
def test_phone_list_parsing(text: str | None, expected: tuple[Phone, ...]) -> None:
    assert parse_phone_list(text) == expected


def test_record_keeps_the_raw_phone_list() -> None:
    (record,) = records_from_wire({"records": {"record": [{"record-id": 1, "phone-list": "odd"}]}})
    assert record.phone_list == "odd"
    assert record.phones == ()


# -- the state machine (api-notes.md table) ------------------------------------------------

ALLOWED = {
    CampaignState.NEW: {R},
    CampaignState.RUNNING: {P, S},
    CampaignState.PAUSED: {R, U, S},
    CampaignState.PURGED: {R, S},
    CampaignState.STOPPED: set(),
}


@pytest.mark.parametrize("state", list(CampaignState))
@pytest.mark.parametrize("change", list(StatusChange))
def test_transition_table(state: CampaignState, change: StatusChange) -> None:
    assert transition_allowed(state, change) is (change in ALLOWED[state])
    assert (change in TRANSITIONS[state]) is (change in ALLOWED[state])


def test_status_change_targets() -> None:
    assert {c.target for c in StatusChange} == {
        CampaignState.RUNNING,
        CampaignState.PAUSED,
        CampaignState.PURGED,
        CampaignState.STOPPED,
    }


# -- customer items: normalisation and encoding -------------------------------------------


def test_format_datetime_is_utc_with_milliseconds() -> None:
    assert format_datetime(datetime(2022, 8, 29, 9, tzinfo=timezone.utc)) == (
        "2022-08-29T09:00:00.000Z"
    )
    paris = timezone(timedelta(hours=2))
    assert format_datetime(datetime(2022, 8, 29, 11, 0, 0, 123456, tzinfo=paris)) == (
        "2022-08-29T09:00:00.123Z"
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2022-08-29T09:00:00.000Z", datetime(2022, 8, 29, 9, tzinfo=timezone.utc)),
        ("2022-08-29T11:00:00+02:00", datetime(2022, 8, 29, 9, tzinfo=timezone.utc)),
        ("", None),
        ("   ", None),
        (None, None),
        ("2022-08-29T09:00:00", "2022-08-29T09:00:00"),  # naive: kept as text
    ],
)
def test_parse_datetime(raw: str | None, expected: object) -> None:
    assert parse_datetime(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (7, CustomerItem(7)),
        ("7", CustomerItem(7)),
        (" 42 ", CustomerItem(42)),
        (CustomerItem(5, AUG29), CustomerItem(5, AUG29)),
        ({"customer_id": 3}, CustomerItem(3)),
        (
            {"customer-id": "3", "schedule-date-time": "2016-08-29T09:00:00Z"},
            CustomerItem(3, AUG29),
        ),
        ({"id": 3, "schedule": AUG29}, CustomerItem(3, AUG29)),
        ({"customer_id": 3, "schedule": ""}, CustomerItem(3)),
    ],
)
def test_to_customer_item(raw: object, expected: CustomerItem) -> None:
    assert to_customer_item(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        -1,
        True,
        False,
        "12a",
        "",
        "-3",
        "١٢",  # non-ASCII digits
        1.5,
        None,
        {"schedule": AUG29},
        {"customer_id": 1, "schedule": datetime(2030, 1, 1)},  # naive
        {"customer_id": 1, "schedule": "next tuesday"},
        CustomerItem(1, datetime(2030, 1, 1)),  # naive
    ],
)
def test_bad_items_raise_validation_error(raw: object) -> None:
    with pytest.raises(ValidationError):
        to_customer_item(raw)


def test_a_customer_id_beyond_int_parsing_limits_is_a_validation_error() -> None:
    with pytest.raises(ValidationError, match="too long"):
        parse_customer_id("1" * 5000)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ([{"customer-id": 1}], b'[{"customer-id":1}]'),
        ([{"customer-id": 10**21}], b'[{"customer-id":1000000000000000000000}]'),
        ({"status": "RUNNING"}, b'{"status":"RUNNING"}'),
    ],
)
def test_dump_json(value: object, expected: bytes) -> None:
    assert dump_json(value) == expected


def test_parse_customer_id_refuses_bool_before_int() -> None:
    with pytest.raises(ValidationError, match="integer"):
        parse_customer_id(True)


@pytest.mark.parametrize(
    ("as_string", "expected"),
    [
        (False, {"customer-id": 10003629, "schedule-date-time": "2022-08-29T09:00:00.000Z"}),
        (True, {"customer-id": "10003629", "schedule-date-time": "2022-08-29T09:00:00.000Z"}),
    ],
)
def test_customer_to_wire(as_string: bool, expected: dict[str, object]) -> None:
    schedule = datetime(2022, 8, 29, 9, tzinfo=timezone.utc)
    assert customer_to_wire(10003629, schedule, as_string=as_string) == expected
    assert customer_to_wire(1, None, as_string=as_string) == {
        "customer-id": "1" if as_string else 1
    }


def test_models_are_frozen() -> None:
    item = CustomerItem(1)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        item.customer_id = 2  # type: ignore[misc]


OPENAPI = OPENAPI_8X8


def test_the_openapi_207_example_decodes() -> None:
    document = json.loads(OPENAPI.read_text(encoding="utf-8"))
    example = document["components"]["schemas"]["CustomerItemResponseList"]["example"]
    results = [item_result_from_wire(item) for item in example]
    assert len(results) == len(example) == 9
    assert [r.http_status for r in results] == [200, 200, 400, 400, 400, 404, 400, 400, 400]
    assert [r.customer_id for r in results] == [
        1000000,
        1000001,
        1000999,
        1000777,
        None,
        9,
        10000,
        1000778,
        100002,
    ]
    assert results[0].schedule == AUG29
    assert results[3].schedule == "2016-08-29T 09:00:00.000Z"  # malformed: kept as text
    assert results[7].message is not None and "outside the campaign schedule" in results[7].message


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("12a", "customer id is not a non-negative integer"),
        (-1, "customer id is not a non-negative integer"),
        ("  ", "customer id is missing"),
        (None, "customer id is missing"),
        (10**22 + 1, "customer id is larger than the API maximum (1e22)"),
    ],
)
def test_a_bad_id_says_its_value_and_carries_a_category(value: object, reason: str) -> None:
    # The message names the value (for a person); the reason does not (a report counts by it).
    with pytest.raises(ValidationError) as caught:
        parse_customer_id(value)
    assert caught.value.reason == reason
    assert str(value) not in caught.value.reason
