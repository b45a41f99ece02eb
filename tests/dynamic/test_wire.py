"""Exact wire checks with aioresponses: URLs, methods, headers, bodies, retries and timeouts.

aioresponses intercepts every request (an unregistered URL fails with a connection error), so
nothing here reaches a real 8x8 or Bell cluster.
"""

from __future__ import annotations

import asyncio
import base64
import json
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import orjson
import pytest
from aioresponses import aioresponses
from yarl import URL

from cc_campaigns import (
    ApiError,
    Campaign,
    CampaignsClient,
    CampaignState,
    CampaignStatus,
    ItemResult,
    NotFoundError,
    OutcomeUnknownError,
    RateLimitedError,
    RetryPolicy,
    ServerError,
    StatusChange,
    TransportError,
    ValidationError,
)
from cc_campaigns.dynamic.platforms import resolve_8x8_base_url

from ..conftest import ACTION_TOKEN, DATA_TOKEN, FAST_RETRY, USERNAME
from ..reference import OPENAPI_8X8

BASE = "https://vcc-na12.8x8.com"
OPENAPI = OPENAPI_8X8


def basic(token: str, username: str = USERNAME) -> str:
    return "Basic " + base64.b64encode(f"{username}:{token}".encode()).decode("ascii")


READ_HEADERS = {
    "User-Agent": "cc-campaigns-python",
    "Accept": "application/json",
    "Authorization": basic(DATA_TOKEN),
}
WRITE_HEADERS = {
    "User-Agent": "cc-campaigns-python",
    "Accept": "application/json",
    "Authorization": basic(ACTION_TOKEN),
    "Content-Type": "application/json",
}

CAMPAIGN_BODY = {"campaign": {"campaign-id": 125, "campaign-name": "Callbacks", "status": 3}}


@pytest.fixture
def mock(http_mock: aioresponses) -> aioresponses:
    return http_mock


def client(**options: Any) -> CampaignsClient:
    settings: dict[str, Any] = {
        "username": USERNAME,
        "data_token": DATA_TOKEN,
        "action_token": ACTION_TOKEN,
        "retry": FAST_RETRY,
    }
    settings.update(options)
    if "platform" not in settings and "base_url" not in settings:
        settings["platform"] = "na12"
    return CampaignsClient(**settings)


def sent(mock: aioresponses) -> list[tuple[str, str, dict[str, Any]]]:
    """Every request sent, as (method, url, kwargs), in order."""
    calls: list[tuple[str, str, dict[str, Any]]] = []
    for (method, url), requests in mock.requests.items():
        calls.extend((method, str(url), call.kwargs) for call in requests)
    return calls


def only_request(mock: aioresponses) -> tuple[str, str, dict[str, Any]]:
    calls = sent(mock)
    assert len(calls) == 1, calls
    return calls[0]


def count(mock: aioresponses, method: str, url: str) -> int:
    return len(mock.requests.get((method, URL(url)), []))


# -- one test per endpoint: URL, method, headers, body ---------------------------------------


async def test_get_campaign_wire(mock: aioresponses) -> None:
    mock.get(f"{BASE}/api/stats/campaigns/125.json", payload=CAMPAIGN_BODY)
    async with client() as cc:
        campaign = await cc.get_campaign(125)
    method, url, kwargs = only_request(mock)
    assert (method, url) == ("GET", f"{BASE}/api/stats/campaigns/125.json")
    assert kwargs["headers"] == READ_HEADERS
    assert kwargs["data"] is None
    assert not kwargs.get("params")
    assert campaign == Campaign(campaign_id=125, name="Callbacks", status=CampaignStatus(3))


@pytest.mark.parametrize("change", list(StatusChange))
async def test_set_status_posts_by_default(mock: aioresponses, change: StatusChange) -> None:
    mock.post(f"{BASE}/api/tstats/campaigns/125", payload={"message": "Campaign status changed."})
    async with client() as cc:
        await cc.set_status(125, change, check=False)
    method, url, kwargs = only_request(mock)
    assert (method, url) == ("POST", f"{BASE}/api/tstats/campaigns/125")
    assert kwargs["headers"] == WRITE_HEADERS
    assert kwargs["data"] == b'{"status":"' + change.value.encode() + b'"}'


async def test_set_status_patch(mock: aioresponses) -> None:
    mock.patch(f"{BASE}/api/tstats/campaigns/125", payload={"message": "Campaign status changed."})
    async with client(status_method="PATCH") as cc:
        await cc.set_status(125, "paused", check=False)
    method, url, kwargs = only_request(mock)
    assert (method, url) == ("PATCH", f"{BASE}/api/tstats/campaigns/125")
    assert kwargs["headers"] == WRITE_HEADERS
    assert orjson.loads(kwargs["data"]) == {"status": "PAUSED"}


@pytest.mark.parametrize("spelling", ["patch", "Patch", "PATCH"])
def test_status_method_is_case_insensitive(spelling: str) -> None:
    assert client(status_method=spelling).status_method == "PATCH"


def test_unknown_status_method_is_refused() -> None:
    with pytest.raises(ValidationError):
        client(status_method="PUT")


async def test_set_status_checks_with_a_read_then_writes(mock: aioresponses) -> None:
    mock.get(f"{BASE}/api/stats/campaigns/125.json", payload=CAMPAIGN_BODY)
    mock.post(f"{BASE}/api/tstats/campaigns/125", payload={"message": "Campaign status changed."})
    async with client() as cc:
        await cc.pause(125)
    (get, post) = sent(mock)
    assert get[0] == "GET" and get[2]["headers"]["Authorization"] == basic(DATA_TOKEN)
    assert post[0] == "POST" and post[2]["headers"]["Authorization"] == basic(ACTION_TOKEN)


async def test_set_status_with_current_sends_only_the_write(mock: aioresponses) -> None:
    mock.post(f"{BASE}/api/tstats/campaigns/125", payload={"message": "Campaign status changed."})
    async with client() as cc:
        await cc.start(125, current=CampaignState.NEW)
    assert only_request(mock)[0] == "POST"


SCHEDULE = datetime(2022, 8, 29, 9, tzinfo=timezone.utc)


async def test_add_customers_wire(mock: aioresponses) -> None:
    answer = [
        {
            "customer-id": 10003629,
            "schedule-date-time": "2022-08-29T09:00:00.000Z",
            "http-status": 200,
        },
        {"customer-id": 10003621, "http-status": 400, "message": "Duplicate customer"},
    ]
    mock.post(f"{BASE}/api/tstats/campaigns/125/customers", status=207, payload=answer)
    async with client() as cc:
        results = await cc.add_customers(
            125, [{"customer_id": 10003629, "schedule": SCHEDULE}, "10003621"]
        )
    method, url, kwargs = only_request(mock)
    assert (method, url) == ("POST", f"{BASE}/api/tstats/campaigns/125/customers")
    assert kwargs["headers"] == WRITE_HEADERS
    assert kwargs["data"] == (
        b'[{"customer-id":10003629,"schedule-date-time":"2022-08-29T09:00:00.000Z"},'
        b'{"customer-id":10003621}]'
    )
    assert results == [
        ItemResult(customer_id=10003629, http_status=200, schedule=SCHEDULE),
        ItemResult(customer_id=10003621, http_status=400, message="Duplicate customer"),
    ]


async def test_add_customers_string_ids(mock: aioresponses) -> None:
    answer = [{"customer-id": i, "http-status": 200} for i in ("7", "8")]
    mock.post(f"{BASE}/api/tstats/campaigns/125/customers", status=207, payload=answer)
    async with client(customer_id_format="string") as cc:
        await cc.add_customers(125, [7, {"customer-id": "8", "schedule": SCHEDULE}])
    _, _, kwargs = only_request(mock)
    assert orjson.loads(kwargs["data"]) == [
        {"customer-id": "7"},
        {"customer-id": "8", "schedule-date-time": "2022-08-29T09:00:00.000Z"},
    ]


async def test_schedule_is_sent_in_utc_with_milliseconds(mock: aioresponses) -> None:
    answer = [{"customer-id": i, "http-status": 200} for i in (1, 2)]
    mock.post(f"{BASE}/api/tstats/campaigns/125/customers", status=207, payload=answer)
    tokyo = timezone(timedelta(hours=9))
    async with client() as cc:
        await cc.add_customers(
            125,
            [
                {"customer_id": 1, "schedule": datetime(2022, 8, 29, 18, 0, 0, 250000, tokyo)},
                {"customer_id": 2, "schedule": "2022-08-29T05:00:00-04:00"},
            ],
        )
    _, _, kwargs = only_request(mock)
    assert [item["schedule-date-time"] for item in orjson.loads(kwargs["data"])] == [
        "2022-08-29T09:00:00.250Z",
        "2022-08-29T09:00:00.000Z",
    ]


BIG = 10**21  # ids go up to 1e22 (the OpenAPI's maximum): past 64 bits


async def test_ids_beyond_64_bits_travel_exactly(mock: aioresponses) -> None:
    big = BIG + 7
    mock.post(
        f"{BASE}/api/tstats/campaigns/125/customers",
        status=207,
        body=b'[{"customer-id": 1000000000000000000007, "http-status": 200}]',
    )
    async with client() as cc:
        (result,) = await cc.add_customers(125, [big])
    _, _, kwargs = only_request(mock)
    assert kwargs["data"] == b'[{"customer-id":1000000000000000000007}]'
    assert result.customer_id == big
    assert type(result.customer_id) is int


async def test_ids_beyond_64_bits_as_strings(mock: aioresponses) -> None:
    answer = [{"customer-id": str(BIG), "http-status": 200}]
    mock.post(f"{BASE}/api/tstats/campaigns/125/customers", status=207, payload=answer)
    async with client(customer_id_format="string") as cc:
        await cc.add_customers(125, [BIG])
    _, _, kwargs = only_request(mock)
    assert kwargs["data"] == b'[{"customer-id":"1000000000000000000000"}]'


async def test_add_customers_200_without_items_is_not_a_success(mock: aioresponses) -> None:
    # Not the documented answer (one result per item): nothing in it counts as added.
    from cc_campaigns import UnexpectedResponseError

    mock.post(f"{BASE}/api/tstats/campaigns/125/customers", status=200, payload={"message": "ok"})
    async with client() as cc:
        with pytest.raises(UnexpectedResponseError, match="expected a JSON list of 2 results"):
            await cc.add_customers(125, [1, 2])


async def test_add_customers_206_is_outcome_unknown(mock: aioresponses) -> None:
    message = (
        "The request was sent but the response timed out. Please check the result status later."
    )
    mock.post(
        f"{BASE}/api/tstats/campaigns/125/customers", status=206, payload={"message": message}
    )
    async with client() as cc:
        with pytest.raises(OutcomeUnknownError) as caught:
            await cc.add_customers(125, [1])
    assert caught.value.status == 206
    assert caught.value.message == message
    assert len(sent(mock)) == 1  # never retried: it may have been applied


async def test_list_records_wire(mock: aioresponses) -> None:
    body = {"records": {"record": [{"record-id": 7, "phone-list": "*Phone Number|5551234567"}]}}
    mock.get(f"{BASE}/api/stats/campaigns/125/records.json", payload=body)
    async with client() as cc:
        records = await cc.list_records(125)
    method, url, kwargs = only_request(mock)
    assert (method, url) == ("GET", f"{BASE}/api/stats/campaigns/125/records.json")
    assert kwargs["headers"] == READ_HEADERS
    assert [r.record_id for r in records] == [7]
    assert records[0].phones[0].number == "5551234567"


@pytest.mark.parametrize(
    ("status", "answer"), [(204, None), (200, {"message": "Customer deleted."})]
)
async def test_delete_customer_wire(
    mock: aioresponses, status: int, answer: dict[str, str] | None
) -> None:
    url = f"{BASE}/api/tstats/campaigns/125/customers/10003629"
    if answer is None:
        mock.delete(url, status=status, body=b"")
    else:
        mock.delete(url, status=status, payload=answer)
    async with client() as cc:
        await cc.delete_customer(125, "10003629")
    method, sent_url, kwargs = only_request(mock)
    assert (method, sent_url) == ("DELETE", url)
    assert kwargs["headers"] == {k: v for k, v in WRITE_HEADERS.items() if k != "Content-Type"}
    assert kwargs["data"] is None


# -- tokens ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tokens", "token"),
    [({"data_token": "only-one"}, "only-one"), ({"action_token": "only-one"}, "only-one")],
)
async def test_one_token_serves_reads_and_writes(
    mock: aioresponses, tokens: dict[str, str], token: str
) -> None:
    mock.get(f"{BASE}/api/stats/campaigns/125.json", payload=CAMPAIGN_BODY)
    mock.delete(f"{BASE}/api/tstats/campaigns/125/customers/1", status=204)
    settings: dict[str, Any] = {"username": USERNAME, "platform": "na12", **tokens}
    async with CampaignsClient(**settings) as cc:
        await cc.get_campaign(125)
        await cc.delete_customer(125, 1)
    assert [kwargs["headers"]["Authorization"] for _, _, kwargs in sent(mock)] == [
        basic(token),
        basic(token),
    ]


def test_no_token_is_refused() -> None:
    with pytest.raises(ValidationError):
        CampaignsClient("na12", username=USERNAME)
    with pytest.raises(ValidationError):
        CampaignsClient("na12", username="", data_token="x")


# -- platforms and base URLs ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("platform", "expected"),
    [
        ("na12", "https://vcc-na12.8x8.com"),
        ("NA12", "https://vcc-na12.8x8.com"),
        (" Na12 ", "https://vcc-na12.8x8.com"),
        ("eu9b", "https://vcc-eu9.8x8.com"),
        ("EU9B", "https://vcc-eu9.8x8.com"),
        ("eu5", "https://vcc-eu5.8x8.com"),
        ("bc2", "https://odcc2.bell.ca"),
        ("BC2", "https://odcc2.bell.ca"),
        ("sb1", "https://vcc-sb1.8x8.com"),
    ],
)
def test_platform_resolution(platform: str, expected: str) -> None:
    assert resolve_8x8_base_url(platform, None) == expected
    assert client(platform=platform).base_url == expected


@pytest.mark.parametrize("platform", ["", "na", "vcc-na12", "na12.8x8.com", "12", "n1a2", None])
def test_unknown_platform_is_refused(platform: str | None) -> None:
    with pytest.raises(ValidationError):
        client(platform=platform)


def _openapi_servers() -> list[tuple[str, str]]:
    document = json.loads(OPENAPI.read_text(encoding="utf-8"))
    return [(server["description"], server["url"]) for server in document["servers"]]


def test_the_openapi_lists_servers() -> None:
    assert len(_openapi_servers()) >= 40


@pytest.mark.parametrize(("name", "server"), _openapi_servers() or [("none", "none")])
def test_every_openapi_server_resolves_to_its_url(name: str, server: str) -> None:
    parts = urlsplit(server)
    origin = f"{parts.scheme}://{parts.netloc}"
    assert resolve_8x8_base_url(name, None) == origin
    assert resolve_8x8_base_url(name.lower(), None) == origin
    # The server URL is the writes' prefix: our write paths start with it.
    assert parts.path == "/api/tstats/campaigns"


async def test_bell_canada_requests_go_to_bell(mock: aioresponses) -> None:
    mock.get("https://odcc2.bell.ca/api/stats/campaigns/1.json", payload=CAMPAIGN_BODY)
    async with client(platform="bc2") as cc:
        await cc.get_campaign(1)
    assert only_request(mock)[1] == "https://odcc2.bell.ca/api/stats/campaigns/1.json"


async def test_base_url_overrides_platform(mock: aioresponses) -> None:
    mock.get("https://proxy.example.test/cc/api/stats/campaigns/1.json", payload=CAMPAIGN_BODY)
    async with client(platform="na12", base_url="https://proxy.example.test/cc/") as cc:
        assert cc.base_url == "https://proxy.example.test/cc"
        await cc.get_campaign(1)
    assert only_request(mock)[1] == "https://proxy.example.test/cc/api/stats/campaigns/1.json"


@pytest.mark.parametrize(
    "base_url",
    [
        "http://vcc-na12.8x8.com",
        "http://odcc2.bell.ca",
        "http://example.com:8080",
        "http://10.0.0.1",
        "http://127.0.0.1.example.com",
        "ftp://127.0.0.1",
        "127.0.0.1:8080",
        "https://user:pass@vcc-na12.8x8.com",
        "https://",
    ],
)
def test_bad_base_urls_are_refused(base_url: str) -> None:
    with pytest.raises(ValidationError):
        client(base_url=base_url)


@pytest.mark.parametrize(
    "base_url",
    [
        "http://127.0.0.1:8080",
        "http://127.0.0.2",
        "http://localhost:1234",
        "http://[::1]:8080",
        "https://vcc-na12.8x8.com",
    ],
)
def test_plain_http_is_allowed_on_loopback_only(base_url: str) -> None:
    assert client(base_url=base_url).base_url == base_url


# -- retries --------------------------------------------------------------------------------

CAMPAIGN_URL = f"{BASE}/api/stats/campaigns/125.json"


@pytest.mark.parametrize("status", [429, 502, 503, 504])
async def test_reads_are_retried_on_transient_statuses(mock: aioresponses, status: int) -> None:
    mock.get(CAMPAIGN_URL, status=status, payload={"message": "busy"})
    mock.get(CAMPAIGN_URL, payload=CAMPAIGN_BODY)
    async with client() as cc:
        campaign = await cc.get_campaign(125)
    assert campaign.campaign_id == 125
    assert count(mock, "GET", CAMPAIGN_URL) == 2


@pytest.mark.parametrize(
    "exception",
    [
        aiohttp.ClientConnectionError("connection reset"),
        aiohttp.ServerDisconnectedError(),
        asyncio.TimeoutError(),
    ],
)
async def test_reads_are_retried_on_connection_errors(
    mock: aioresponses, exception: Exception
) -> None:
    mock.get(CAMPAIGN_URL, exception=exception)
    mock.get(CAMPAIGN_URL, payload=CAMPAIGN_BODY)
    async with client() as cc:
        assert (await cc.get_campaign(125)).campaign_id == 125
    assert count(mock, "GET", CAMPAIGN_URL) == 2


async def test_read_retries_give_up_after_the_policy_attempts(mock: aioresponses) -> None:
    mock.get(CAMPAIGN_URL, status=503, payload={"message": "Service unavailable."}, repeat=True)
    async with client(retry=RetryPolicy(attempts=4, backoff_initial=0.001)) as cc:
        with pytest.raises(ServerError) as caught:
            await cc.get_campaign(125)
    assert caught.value.status == 503
    assert count(mock, "GET", CAMPAIGN_URL) == 4


@pytest.mark.parametrize("status", [400, 401, 404, 500])
async def test_reads_are_not_retried_on_other_errors(mock: aioresponses, status: int) -> None:
    mock.get(CAMPAIGN_URL, status=status, payload={"message": "no"}, repeat=True)
    async with client() as cc:
        with pytest.raises(ApiError):
            await cc.get_campaign(125)
    assert count(mock, "GET", CAMPAIGN_URL) == 1


async def test_retry_after_is_honoured_and_capped(
    mock: aioresponses, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[tuple[int, float | None, float]] = []
    original = RetryPolicy.backoff

    def recording(self: RetryPolicy, retry_number: int, retry_after: float | None = None) -> float:
        wait = original(self, retry_number, retry_after)
        waits.append((retry_number, retry_after, wait))
        return wait

    monkeypatch.setattr(RetryPolicy, "backoff", recording)
    mock.get(CAMPAIGN_URL, status=429, headers={"Retry-After": "3600"}, payload={})
    mock.get(CAMPAIGN_URL, status=503, headers={"Retry-After": "0.003"}, payload={})
    mock.get(CAMPAIGN_URL, payload=CAMPAIGN_BODY)
    policy = RetryPolicy(
        attempts=3, backoff_initial=0.0001, backoff_max=0.0001, retry_after_max=0.01
    )
    async with client(retry=policy) as cc:
        await cc.get_campaign(125)
    assert [(n, after) for n, after, _ in waits] == [(1, 3600.0), (2, 0.003)]
    # An hour asked for, capped to retry_after_max; a short one honoured over the jitter.
    assert waits[0][2] == pytest.approx(0.01)
    assert waits[1][2] == pytest.approx(0.003)


async def test_rate_limited_read_carries_retry_after(mock: aioresponses) -> None:
    mock.get(CAMPAIGN_URL, status=429, headers={"Retry-After": "7"}, payload={}, repeat=True)
    async with client(retry=RetryPolicy(attempts=1)) as cc:
        with pytest.raises(RateLimitedError) as caught:
            await cc.get_campaign(125)
    assert caught.value.retry_after == 7.0


WRITES = [
    ("POST", f"{BASE}/api/tstats/campaigns/125"),
    ("POST", f"{BASE}/api/tstats/campaigns/125/customers"),
    ("DELETE", f"{BASE}/api/tstats/campaigns/125/customers/1"),
]


async def _write(cc: CampaignsClient, method: str, url: str) -> None:
    if url.endswith("/customers"):
        await cc.add_customers(125, [1])
    elif method == "DELETE":
        await cc.delete_customer(125, 1)
    else:
        await cc.set_status(125, "RUNNING", check=False)


@pytest.mark.parametrize(("method", "url"), WRITES)
@pytest.mark.parametrize("status", [502, 504])
async def test_writes_are_not_retried_when_they_may_have_applied(
    mock: aioresponses, method: str, url: str, status: int
) -> None:
    mock.add(url, method, status=status, payload={"message": "busy"}, repeat=True)
    async with client() as cc:
        with pytest.raises(ApiError) as caught:
            await _write(cc, method, url)
    assert caught.value.status == status
    assert count(mock, method, url) == 1


@pytest.mark.parametrize(("method", "url"), WRITES)
@pytest.mark.parametrize("status", [429, 503])
async def test_writes_are_retried_when_the_service_did_not_act(
    mock: aioresponses, method: str, url: str, status: int
) -> None:
    mock.add(url, method, status=status, payload={"message": "busy"}, repeat=True)
    policy = RetryPolicy(attempts=3, backoff_initial=0.001, retry_after_max=0.001)
    async with client(retry=policy) as cc:
        with pytest.raises(ApiError) as caught:
            await _write(cc, method, url)
    assert caught.value.status == status
    assert count(mock, method, url) == 3


@pytest.mark.parametrize(("method", "url"), WRITES)
async def test_writes_are_not_retried_on_connection_errors(
    mock: aioresponses, method: str, url: str
) -> None:
    mock.add(url, method, exception=aiohttp.ServerDisconnectedError(), repeat=True)
    async with client() as cc:
        with pytest.raises(TransportError):
            await _write(cc, method, url)
    assert count(mock, method, url) == 1


# -- timeouts and transport errors ------------------------------------------------------------


async def test_a_timeout_is_a_transport_error(mock: aioresponses) -> None:
    url = f"{BASE}/api/tstats/campaigns/125/customers"
    mock.post(url, exception=asyncio.TimeoutError())
    async with client() as cc:
        with pytest.raises(TransportError) as caught:
            await cc.add_customers(125, [1])
    error = caught.value
    assert "timed out" in str(error)
    assert (error.method, error.url) == ("POST", url)
    assert isinstance(error.__cause__, asyncio.TimeoutError)


async def test_a_read_that_keeps_timing_out_is_a_transport_error(mock: aioresponses) -> None:
    mock.get(CAMPAIGN_URL, exception=asyncio.TimeoutError(), repeat=True)
    async with client() as cc:
        with pytest.raises(TransportError, match="timed out"):
            await cc.get_campaign(125)
    assert count(mock, "GET", CAMPAIGN_URL) == FAST_RETRY.attempts


async def test_a_connection_error_is_a_transport_error(mock: aioresponses) -> None:
    mock.get(CAMPAIGN_URL, exception=aiohttp.ClientConnectionError("refused"), repeat=True)
    async with client() as cc:
        with pytest.raises(TransportError) as caught:
            await cc.get_campaign(125)
    assert "ClientConnectionError" in str(caught.value)
    assert str(caught.value).endswith(f"(GET {CAMPAIGN_URL})")
    assert isinstance(caught.value.__cause__, aiohttp.ClientConnectionError)


# -- error answers ------------------------------------------------------------------------------


async def test_error_str_names_status_message_method_and_url(mock: aioresponses) -> None:
    url = f"{BASE}/api/stats/campaigns/9.json"
    mock.get(url, status=404, payload={"message": "Campaign not found."})
    async with client() as cc:
        with pytest.raises(NotFoundError) as caught:
            await cc.get_campaign(9)
    assert str(caught.value) == f"[404] Campaign not found. (GET {url})"


async def test_capacity_message_is_rate_limited(mock: aioresponses) -> None:
    message = (
        "Maximum limit of scheduled customers has been reached. Please try call again later on."
    )
    url = f"{BASE}/api/tstats/campaigns/125/customers"
    mock.post(url, status=400, payload={"message": message}, repeat=True)
    policy = RetryPolicy(attempts=2, backoff_initial=0.001, retry_after_max=0.001)
    async with client(retry=policy) as cc:
        with pytest.raises(RateLimitedError) as caught:
            await cc.add_customers(125, [1])
    assert caught.value.status == 400
    # A back-off signal: nothing was applied, so the write was sent again.
    assert count(mock, "POST", url) == 2


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html>Bad Gateway</html>", "<html>Bad Gateway</html>"),
        (b'{"error": "x"}', "Internal server error."),
        (b"", "Internal server error."),
        (b"[1, 2]", "Internal server error."),
    ],
)
async def test_odd_error_bodies_still_read(mock: aioresponses, body: bytes, message: str) -> None:
    mock.get(CAMPAIGN_URL, status=500, body=body)
    async with client() as cc:
        with pytest.raises(ServerError) as caught:
            await cc.get_campaign(125)
    assert caught.value.message == message


async def test_unexpected_success_body_is_our_error(mock: aioresponses) -> None:
    from cc_campaigns import CampaignsError

    mock.get(CAMPAIGN_URL, payload={"campaigns": []})
    async with client() as cc:
        with pytest.raises(CampaignsError, match="not the API's answer"):
            await cc.get_campaign(125)


# -- cancellation -------------------------------------------------------------------------------


@pytest.mark.parametrize("write", [False, True])
async def test_cancellation_passes_through_untouched(mock: aioresponses, write: bool) -> None:
    in_flight = asyncio.Event()

    async def hang(url: URL, **kwargs: Any) -> None:
        in_flight.set()
        await asyncio.Event().wait()  # never answers

    if write:
        mock.post(f"{BASE}/api/tstats/campaigns/125/customers", callback=hang)
    else:
        mock.get(CAMPAIGN_URL, callback=hang)
    async with client() as cc:
        call = cc.add_customers(125, [1]) if write else cc.get_campaign(125)
        task: asyncio.Task[Any] = asyncio.create_task(call)
        await in_flight.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert task.cancelled()
    assert len(sent(mock)) == 1  # not retried


# -- nothing is sent for bad input ------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda cc: cc.get_campaign(-1),
        lambda cc: cc.get_campaign("12a"),
        lambda cc: cc.get_campaign(True),
        lambda cc: cc.list_records(None),
        lambda cc: cc.set_status(125, "SLEEPING", check=False),
        lambda cc: cc.set_status(125, "", check=False),
        lambda cc: cc.add_customers(125, []),
        lambda cc: cc.add_customers(125, [1, -2]),
        lambda cc: cc.add_customers(125, ["12a"]),
        lambda cc: cc.add_customers(125, [True]),
        lambda cc: cc.add_customers(125, [{"customer_id": 1, "schedule": datetime(2030, 1, 1)}]),
        lambda cc: cc.delete_customer(125, "x"),
        lambda cc: cc.delete_customer(-125, 1),
    ],
)
async def test_bad_input_sends_nothing(mock: aioresponses, call: Any) -> None:
    async with client() as cc:
        with pytest.raises(ValidationError):
            await call(cc)
    assert sent(mock) == []
