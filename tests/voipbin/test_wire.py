"""VoIPbin models and wire format, and exact wire assertions with aioresponses (every request is
intercepted: nothing reaches api.voipbin.net)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import orjson
import pytest
from aioresponses import aioresponses
from yarl import URL

from cc_campaigns import (
    CampaignsError,
    NotFoundError,
    RateLimitedError,
    TransitionRefusedError,
)
from cc_campaigns import ValidationError as SdkValidationError
from cc_campaigns.errors import (
    AuthenticationError,
    BadRequestError,
    ServerError,
    error_class_for,
)
from cc_campaigns.voipbin import (
    NIL_UUID,
    Address,
    AddressType,
    CampaignStatus,
    CampaignType,
    EndHandle,
    VoipbinClient,
    normalize_e164,
)
from cc_campaigns.voipbin.client import decode_voipbin_error
from cc_campaigns.voipbin.wire import (
    NEVER,
    campaign_from_wire,
    format_timestamp,
    outplan_from_wire,
    page_from_wire,
    parse_timestamp,
    target_from_wire,
    to_address,
    to_wire,
)

BASE = "https://api.voipbin.net/v1.0"
KEY = "wire-SECRET-key"
CID = "183c0d5c-691e-42f3-af2b-9bffc2740f83"
ODID = "40bea034-1d17-474d-a5de-da00d0861c69"

#: The vendor's own example (voipbin-campaign-struct.rst).
DOC_CAMPAIGN: dict[str, Any] = {
    "id": CID,
    "type": "call",
    "name": "test campaign",
    "detail": "test campaign detail",
    "status": "stop",
    "service_level": 100,
    "end_handle": "stop",
    "actions": [
        {
            "id": NIL_UUID,
            "next_id": NIL_UUID,
            "type": "talk",
            "option": {"text": "Hello.", "language": "en-US"},
        }
    ],
    "outplan_id": "d5fb7357-7ddb-4f2d-87b5-8ccbfd6c039e",
    "outdial_id": ODID,
    "queue_id": "99bf739a-932f-433c-b1bf-103d33d7e9bb",
    "next_campaign_id": NIL_UUID,
    "tm_create": "2022-04-28 02:16:39.712142",
    "tm_update": "2022-04-30 17:53:51.685259",
    "tm_delete": NEVER,
}


# -- timestamps and sentinels ------------------------------------------------------------------


def test_both_timestamp_spellings_are_the_same_aware_utc_instant() -> None:
    expected = datetime(2022, 4, 28, 2, 16, 39, 712142, tzinfo=timezone.utc)
    assert parse_timestamp("2022-04-28 02:16:39.712142") == expected
    assert parse_timestamp("2022-04-28T02:16:39.712142Z") == expected
    assert parse_timestamp("2022-04-28T04:16:39.712142+02:00") == expected
    parsed = parse_timestamp("2022-04-28T02:16:39Z")
    assert parsed is not None and parsed.tzinfo is timezone.utc
    assert parse_timestamp("2022-04-28 02:16:39.7") == expected.replace(microsecond=700000)


@pytest.mark.parametrize(
    "value", [NEVER, "9999-01-01T00:00:00.000000Z", "", "  ", None, "yesterday", 12, "2022-13-40"]
)
def test_sentinels_and_garbage_read_as_none(value: Any) -> None:
    assert parse_timestamp(value) is None


def test_format_timestamp() -> None:
    moment = datetime(2022, 4, 28, 4, 16, 39, 712142, tzinfo=timezone(timedelta(hours=2)))
    assert format_timestamp(moment) == "2022-04-28 02:16:39.712142"
    assert format_timestamp(None, never=True) == NEVER
    assert format_timestamp(None) == ""


def test_the_documented_campaign_reads_cleanly() -> None:
    campaign = campaign_from_wire(DOC_CAMPAIGN)
    assert campaign.type is CampaignType.CALL
    assert campaign.status is CampaignStatus.STOP
    assert campaign.end_handle is EndHandle.STOP
    assert campaign.next_campaign_id is None  # nil UUID: not assigned
    assert campaign.queue_id == "99bf739a-932f-433c-b1bf-103d33d7e9bb"
    assert campaign.tm_delete is None and not campaign.deleted  # 9999: not deleted
    assert campaign.tm_update == datetime(2022, 4, 30, 17, 53, 51, 685259, tzinfo=timezone.utc)
    assert campaign.actions[0]["option"]["language"] == "en-US"
    assert to_wire(campaign) == {**DOC_CAMPAIGN, "customer_id": NIL_UUID}


def test_create_answer_with_never_updated() -> None:
    data = {**DOC_CAMPAIGN, "tm_update": NEVER}
    data.pop("actions")
    campaign = campaign_from_wire(data)
    assert campaign.tm_update is None and campaign.actions == ()


def test_reading_is_lenient() -> None:
    campaign = campaign_from_wire(
        {
            "id": CID,
            "status": "paused",  # a status this SDK does not know
            "type": "CALL",
            "service_level": "90",
            "name": "",
            "outdial_id": "",
            "actions": "nonsense",
            "unknown": {"future": True},
            "tm_create": "2022-04-28T02:16:39.712142Z",
        }
    )
    assert campaign.status == "paused" and not isinstance(campaign.status, CampaignStatus)
    assert campaign.type is CampaignType.CALL
    assert (campaign.service_level, campaign.name, campaign.outdial_id) == (90, None, None)
    assert campaign.actions == ()
    with pytest.raises(CampaignsError, match="Campaign without 'id'"):
        campaign_from_wire({"name": "x"})
    with pytest.raises(CampaignsError, match="JSON object"):
        campaign_from_wire(["x"])


def test_target_and_outplan_read() -> None:
    target = target_from_wire(
        {
            "id": "t1",
            "outdial_id": ODID,
            "status": "progressing",
            "destination_0": {"type": "tel", "target": "+15551234567", "target_name": "Ada"},
            "destination_1": None,
            "destination_2": {},
            "destination_3": {"type": "sip", "target": "sip:a@b"},
            "try_count_0": 2,
        }
    )
    assert target.destination == "+15551234567"
    assert [d.type for d in target.destinations] == [AddressType.TEL, AddressType.SIP]
    assert target.destination_0 is not None and target.destination_0.target_name == "Ada"
    assert target.try_count_0 == 2
    outplan = outplan_from_wire(
        {"id": "p", "source": {"type": "tel", "target": "+15550001111"}, "max_try_count_2": 3}
    )
    assert outplan.source == Address("+15550001111")
    assert outplan.max_try_counts == (0, 0, 3, 0, 0)


def test_pages() -> None:
    assert page_from_wire({"result": [1], "next_page_token": "t"}) == ([1], "t")
    assert page_from_wire({"result": [], "next_page_token": ""}) == ([], None)
    assert page_from_wire({"result": None}) == ([], None)
    with pytest.raises(CampaignsError):
        page_from_wire({"result": {}})
    with pytest.raises(CampaignsError):
        page_from_wire([])


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("+15551234567", "+15551234567"),
        ("+1 (555) 123-4567", "+15551234567"),
        ("+44 20 7946 0958", "+442079460958"),
        ("+1.555.123.4567", "+15551234567"),
    ],
)
def test_e164_normalisation(given: str, expected: str) -> None:
    assert normalize_e164(given) == expected


@pytest.mark.parametrize(
    "bad", ["15551234567", "0015551234567", "+0123456", "+1", "+1234567890123456", "+1555abc", 1]
)
def test_e164_refusals(bad: Any) -> None:
    with pytest.raises(SdkValidationError):
        normalize_e164(bad)


def test_to_address() -> None:
    assert to_address("+1 555 123 4567") == Address("+15551234567")
    assert to_address({"target": "+15551234567", "name": "Ada"}).name == "Ada"
    sip = to_address(Address("sip:a@b", type=AddressType.SIP))
    assert sip.target == "sip:a@b"
    with pytest.raises(SdkValidationError):
        to_address({"name": "no target"})
    with pytest.raises(SdkValidationError):
        to_address(Address("555"))
    with pytest.raises(SdkValidationError):
        to_address(3.14)


# -- errors ------------------------------------------------------------------------------------


def test_decode_the_error_envelope() -> None:
    body = orjson.dumps(
        {
            "error": {
                "status": 409,
                "reason": "STATE_INVALID",
                "message": "Campaign is running.",
                "request_id": "req-1",
                "details": {"campaign_id": CID},
            }
        }
    )
    message, reason, request_id = decode_voipbin_error(body)
    assert message == f'Campaign is running. (details: {{"campaign_id":"{CID}"}})'
    assert (reason, request_id) == ("STATE_INVALID", "req-1")
    assert decode_voipbin_error(b"") == (None, None, None)
    assert decode_voipbin_error(b'{"message": "plain"}') == ("plain", None, None)
    assert decode_voipbin_error(b'{"error": "text only"}') == ("text only", None, None)
    assert decode_voipbin_error(b"<html>Bad Gateway</html>") == (
        "<html>Bad Gateway</html>",
        None,
        None,
    )
    assert decode_voipbin_error(b"[1, 2]") == (None, None, None)
    # Whole: the session masks secrets in it first, then shortens it (tests/core/test_secrets.py).
    long = orjson.dumps({"error": {"message": "m", "details": "x" * 1000}})
    assert decode_voipbin_error(long)[0] == f"m (details: {'x' * 1000})"


@pytest.mark.parametrize(
    ("status", "reason", "expected"),
    [
        (409, "STATE_INVALID", TransitionRefusedError),
        (400, "state_invalid", TransitionRefusedError),
        (404, "CAMPAIGN_NOT_FOUND", NotFoundError),
        (400, "OUTDIAL_NOT_FOUND", NotFoundError),
        (429, "RATE_LIMIT_EXCEEDED", RateLimitedError),
        (401, "UNAUTHORIZED", AuthenticationError),
        (400, "SOMETHING_NEW", BadRequestError),
        (500, "STATE_INVALID", ServerError),  # 5xx stays a server error (retryable)
        (400, None, BadRequestError),
    ],
)
def test_reason_mapping(status: int, reason: str | None, expected: type[Exception]) -> None:
    assert error_class_for(status, "whatever", reason=reason) is expected


# -- exact wire (aioresponses) -----------------------------------------------------------------


def _calls(mock: aioresponses, method: str, url: str) -> list[Any]:
    return list(mock.requests.get((method, URL(url)), []))


async def test_list_sends_the_key_and_page_parameters(http_mock: aioresponses) -> None:
    first = f"{BASE}/campaigns?accesskey={KEY}&page_size=2"
    token = "2022-04-28 02:16:39.712142"
    second = f"{BASE}/campaigns?accesskey={KEY}&page_size=2&page_token={token}"
    http_mock.get(first, payload={"result": [DOC_CAMPAIGN, DOC_CAMPAIGN], "next_page_token": token})
    http_mock.get(second, payload={"result": [], "next_page_token": ""})
    async with VoipbinClient(accesskey=KEY) as vb:
        listed = [c async for c in vb.list_campaigns(page_size=2)]
    assert len(listed) == 2
    (call,) = _calls(http_mock, "GET", first)
    assert call.kwargs["params"] == {"accesskey": KEY, "page_size": "2"}
    assert "Authorization" not in call.kwargs["headers"]
    assert call.kwargs["headers"]["Accept"] == "application/json"
    (call,) = _calls(http_mock, "GET", second)
    assert call.kwargs["params"]["page_token"] == token


async def test_a_missing_token_ends_the_list(http_mock: aioresponses) -> None:
    http_mock.get(f"{BASE}/outdials?accesskey={KEY}&page_size=100", payload={"result": []})
    async with VoipbinClient(accesskey=KEY) as vb:
        assert [o async for o in vb.list_outdials()] == []


async def test_a_repeated_page_token_stops_the_iteration(http_mock: aioresponses) -> None:
    url = f"{BASE}/campaigns?accesskey={KEY}&page_size=100"
    again = f"{url}&page_token=same"
    http_mock.get(url, payload={"result": [DOC_CAMPAIGN], "next_page_token": "same"})
    http_mock.get(again, payload={"result": [DOC_CAMPAIGN], "next_page_token": "same"})
    async with VoipbinClient(accesskey=KEY) as vb:
        with pytest.raises(CampaignsError, match="twice"):
            [c async for c in vb.list_campaigns()]


async def test_token_auth_is_a_bearer_header(http_mock: aioresponses) -> None:
    http_mock.get(f"{BASE}/campaigns/{CID}", payload=DOC_CAMPAIGN)
    async with VoipbinClient(token="jwt-SECRET") as vb:
        await vb.get_campaign(CID.upper())  # ids are normalised
    (call,) = _calls(http_mock, "GET", f"{BASE}/campaigns/{CID}")
    assert call.kwargs["headers"]["Authorization"] == "Bearer jwt-SECRET"
    assert call.kwargs["params"] is None


async def test_status_change_is_a_put_with_the_status(http_mock: aioresponses) -> None:
    url = f"{BASE}/campaigns/{CID}/status?accesskey={KEY}"
    http_mock.put(url, payload={**DOC_CAMPAIGN, "status": "run"})
    async with VoipbinClient(accesskey=KEY) as vb:
        campaign = await vb.set_campaign_status(CID, CampaignStatus.RUN)
    assert campaign.status is CampaignStatus.RUN
    (call,) = _calls(http_mock, "PUT", url)
    assert orjson.loads(call.kwargs["data"]) == {"status": "run"}
    assert call.kwargs["headers"]["Content-Type"] == "application/json"


async def test_create_campaign_body(http_mock: aioresponses) -> None:
    url = f"{BASE}/campaigns?accesskey={KEY}"
    http_mock.post(url, payload=DOC_CAMPAIGN)
    async with VoipbinClient(accesskey=KEY) as vb:
        await vb.create_campaign(
            "test campaign",
            actions=[{"type": "talk", "option": {"text": "Hi"}}],
            outdial_id=ODID,
        )
    (call,) = _calls(http_mock, "POST", url)
    assert orjson.loads(call.kwargs["data"]) == {
        "name": "test campaign",
        "detail": "",
        "type": "call",
        "service_level": 100,
        "end_handle": "stop",
        "actions": [{"type": "talk", "option": {"text": "Hi"}}],
        "outplan_id": NIL_UUID,
        "outdial_id": ODID,
        "queue_id": NIL_UUID,
        "next_campaign_id": NIL_UUID,
    }


async def test_add_target_body(http_mock: aioresponses) -> None:
    url = f"{BASE}/outdials/{ODID}/targets?accesskey={KEY}"
    http_mock.post(url, payload={"id": "t1", "destination_0": {"type": "tel", "target": "+1"}})
    async with VoipbinClient(accesskey=KEY) as vb:
        await vb.add_target(
            ODID,
            "+1 555 123 4567",
            name="Ada",
            destinations=[Address("sip:ada@example.com", type="sip", target_name="Ada L.")],
        )
    (call,) = _calls(http_mock, "POST", url)
    assert orjson.loads(call.kwargs["data"]) == {
        "name": "Ada",
        "detail": "",
        "data": "",
        "destination_0": {"type": "tel", "target": "+15551234567"},
        "destination_1": {"type": "sip", "target": "sip:ada@example.com", "target_name": "Ada L."},
    }


async def test_deletes_and_updates_use_the_documented_paths(http_mock: aioresponses) -> None:
    tid = "11111111-2222-4333-8444-555555555555"
    http_mock.delete(f"{BASE}/outdials/{ODID}/targets/{tid}?accesskey={KEY}", payload={"id": tid})
    http_mock.delete(f"{BASE}/campaigns/{CID}?accesskey={KEY}", payload=DOC_CAMPAIGN)
    http_mock.put(f"{BASE}/campaigns/{CID}?accesskey={KEY}", payload=DOC_CAMPAIGN)
    async with VoipbinClient(accesskey=KEY) as vb:
        await vb.delete_target(ODID, tid)
        await vb.delete_campaign(CID)
        await vb.update_campaign(
            CID, name="n", detail="d", type="call", service_level=5, end_handle="stop"
        )
    (call,) = _calls(http_mock, "PUT", f"{BASE}/campaigns/{CID}?accesskey={KEY}")
    assert orjson.loads(call.kwargs["data"]) == {
        "name": "n",
        "detail": "d",
        "type": "call",
        "service_level": 5,
        "end_handle": "stop",
    }


async def test_429_on_a_read_is_retried_after_retry_after(http_mock: aioresponses) -> None:
    from cc_campaigns import RetryPolicy

    url = f"{BASE}/campaigns/{CID}?accesskey={KEY}"
    envelope = {"error": {"status": 429, "reason": "RATE_LIMIT_EXCEEDED", "message": "Slow down."}}
    http_mock.get(url, status=429, payload=envelope, headers={"Retry-After": "0.001"})
    http_mock.get(url, payload=DOC_CAMPAIGN)
    retry = RetryPolicy(attempts=2, backoff_initial=0.001, backoff_max=0.001, total_time=None)
    async with VoipbinClient(accesskey=KEY, retry=retry) as vb:
        assert (await vb.get_campaign(CID)).id == CID
    assert len(_calls(http_mock, "GET", url)) == 2


async def test_non_json_success_is_reported(http_mock: aioresponses) -> None:
    http_mock.get(f"{BASE}/campaigns/{CID}?accesskey={KEY}", body=b"<html>", status=200)
    async with VoipbinClient(accesskey=KEY) as vb:
        with pytest.raises(CampaignsError, match="not JSON"):
            await vb.get_campaign(CID)


# -- public surface ----------------------------------------------------------------------------


def _isort_key(name: str) -> tuple[int, str]:
    if name.isupper():
        return (0, name)
    if name[:1].isupper():
        return (1, name)
    return (2, name)


@pytest.mark.parametrize("module", ["cc_campaigns.voipbin", "cc_campaigns.voipbin.simulator"])
def test_public_surface(module: str) -> None:
    import importlib

    package = importlib.import_module(module)
    names = list(package.__all__)
    assert names == sorted(names, key=_isort_key) and len(set(names)) == len(names)
    for name in names:
        assert getattr(package, name) is not None


async def test_a_partial_update_sends_back_unknown_values_unchanged(
    http_mock: aioresponses,
) -> None:
    url = f"{BASE}/campaigns/{CID}?accesskey={KEY}"
    future = {**DOC_CAMPAIGN, "type": "sms", "end_handle": "loop"}
    http_mock.get(url, payload=future)
    http_mock.put(url, payload={**future, "name": "renamed"})
    async with VoipbinClient(accesskey=KEY) as vb:
        updated = await vb.update_campaign(CID, name="renamed")
    assert (updated.name, updated.type) == ("renamed", "sms")
    (call,) = _calls(http_mock, "PUT", url)
    assert orjson.loads(call.kwargs["data"]) == {
        "name": "renamed",
        "detail": "test campaign detail",
        "type": "sms",
        "service_level": 100,
        "end_handle": "loop",
    }


async def test_a_partial_dial_info_update_keeps_the_rest(http_mock: aioresponses) -> None:
    pid = "d5fb7357-7ddb-4f2d-87b5-8ccbfd6c039e"
    url = f"{BASE}/outplans/{pid}?accesskey={KEY}"
    put = f"{BASE}/outplans/{pid}/dial_info?accesskey={KEY}"
    current = {
        "id": pid,
        "source": {"type": "tel", "target": "+821100000001"},
        "dial_timeout": 30000,
        "try_interval": 600000,
        "max_try_count_0": 3,
    }
    http_mock.get(url, payload=current)
    http_mock.put(put, payload=current)
    async with VoipbinClient(accesskey=KEY) as vb:
        await vb.update_outplan_dial_info(pid, try_interval=1000)
    (call,) = _calls(http_mock, "PUT", put)
    assert orjson.loads(call.kwargs["data"]) == {
        "source": {"type": "tel", "target": "+821100000001"},
        "dial_timeout": 30000,
        "try_interval": 1000,
        "max_try_count_0": 3,
        "max_try_count_1": 0,
        "max_try_count_2": 0,
        "max_try_count_3": 0,
        "max_try_count_4": 0,
    }
