"""Session lifecycle (owned vs borrowed ``aiohttp`` sessions, closing, the running loop),
cancellation, and the pure helpers of the request path."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime as http_date
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aioresponses import aioresponses

from cc_campaigns import (
    ApiError,
    CampaignsClient,
    CampaignsError,
    CampaignStatus,
    ConnectError,
    RequestTimeoutError,
    RetryPolicy,
    ServerError,
    Timeouts,
    TLSError,
    TransportError,
    UnexpectedResponseError,
    ValidationError,
)
from cc_campaigns._transport.session import (
    Session,
    is_loopback_url,
    is_transient,
    parse_retry_after,
)
from cc_campaigns.dynamic.simulator import Simulator
from cc_campaigns.voipbin import VoipbinClient

from ..conftest import (
    ACTION_TOKEN,
    DATA_TOKEN,
    FAST_RETRY,
    RUNNING,
    USERNAME,
    make_client,
    make_simulator,
)
from ..servers import Script

ACCESSKEY = "vb-SECRET-key-4d2c"

# -- lifecycle ---------------------------------------------------------------------------------


async def test_client_is_an_async_context_manager(sim: Simulator) -> None:
    async with make_client(sim) as cc:
        assert cc.session.closed is False
        await cc.get_campaign(RUNNING)
        http = cc.session._owned
        assert http is not None and not http.closed
    assert cc.session.closed is True
    assert http.closed


async def test_the_session_is_created_lazily_inside_the_running_loop(sim: Simulator) -> None:
    cc = make_client(sim)
    assert cc.session._owned is None  # nothing created at construction
    try:
        await cc.get_campaign(RUNNING)
        http = cc.session._owned
        assert http is not None
        assert http._loop is asyncio.get_running_loop()
        await cc.get_campaign(RUNNING)
        assert cc.session._owned is http  # one session, reused
    finally:
        await cc.close()


def test_a_client_constructed_outside_a_loop_works(http_mock: aioresponses) -> None:
    # No running loop here: construction must not need one.
    with pytest.raises(RuntimeError):
        asyncio.get_running_loop()
    cc = CampaignsClient("na12", username=USERNAME, data_token=DATA_TOKEN, retry=FAST_RETRY)
    http_mock.get(
        "https://vcc-na12.8x8.com/api/stats/campaigns/1.json",
        payload={"campaign": {"campaign-id": 1, "status": 0}},
    )

    async def use() -> asyncio.AbstractEventLoop | None:
        async with cc:
            campaign = await cc.get_campaign(1)
            assert campaign.status is CampaignStatus.NEW
            owned = cc.session._owned
            return owned._loop if owned is not None else None

    loop_used = asyncio.run(use())
    assert loop_used is not None
    assert cc.session.closed


async def test_a_borrowed_session_is_never_closed(sim: Simulator) -> None:
    async with aiohttp.ClientSession() as http:
        async with make_client(sim, session=http) as cc:
            await cc.get_campaign(RUNNING)
            assert cc.session._owned is None  # nothing of its own
        assert not http.closed
        await cc.close()
        assert not http.closed
        # Still usable by its owner.
        async with http.get(f"{sim.url}/_sim/stats") as answer:
            assert answer.status == 200


async def test_a_borrowed_session_with_its_own_limit(sim: Simulator) -> None:
    connector = aiohttp.TCPConnector(limit=3)
    async with aiohttp.ClientSession(connector=connector) as http:
        cc = make_client(sim, session=http)
        assert cc.session.connection_limit == 3
        await cc.close()


async def test_the_connection_limit_of_an_owned_session(sim: Simulator) -> None:
    async with make_client(sim, connection_limit=5) as cc:
        assert cc.session.connection_limit == 5
        await cc.get_campaign(RUNNING)
        assert cc.session.connection_limit == 5


async def test_close_twice_is_harmless(sim: Simulator) -> None:
    cc = make_client(sim)
    await cc.get_campaign(RUNNING)
    await cc.close()
    await cc.close()
    async with cc:
        pass
    assert cc.session.closed


async def test_close_without_use_is_harmless(sim: Simulator) -> None:
    cc = make_client(sim)
    await cc.close()
    await cc.close()
    assert cc.session._owned is None


async def test_a_closed_client_refuses_requests(sim: Simulator) -> None:
    cc = make_client(sim)
    await cc.close()
    with pytest.raises(CampaignsError, match="closed"):
        await cc.get_campaign(RUNNING)
    assert sim.stats.requests == 0


async def test_the_context_manager_closes_on_error(sim: Simulator) -> None:
    with pytest.raises(ApiError):
        async with make_client(sim) as cc:
            await cc.get_campaign(9)
    assert cc.session.closed


# -- cancellation ------------------------------------------------------------------------------


@pytest.mark.parametrize("write", [False, True], ids=["read", "write"])
async def test_cancellation_of_a_request_in_flight_passes_through(write: bool) -> None:
    headers_sent = asyncio.Event()

    async def on_headers_sent(*_: Any) -> None:
        headers_sent.set()

    trace = aiohttp.TraceConfig()
    trace.on_request_headers_sent.append(on_headers_sent)
    # The simulator takes 2 s to answer; the request is cancelled as soon as it is sent.
    # (Closing the simulator then waits for its sleeping handler, up to its 1 s shutdown.)
    async with (
        make_simulator(latency=2.0) as slow,
        aiohttp.ClientSession(trace_configs=[trace]) as http,
    ):
        slow.add_campaign(RUNNING, status=CampaignStatus.MANUAL_RUNNING)
        slow.add_crm_customers([1])
        async with make_client(slow, session=http) as cc:
            call = cc.add_customers(RUNNING, [1]) if write else cc.get_campaign(RUNNING)
            task: asyncio.Task[Any] = asyncio.create_task(call)
            await headers_sent.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert task.cancelled()


async def test_cancellation_is_not_wrapped_by_wait_for() -> None:
    # wait_for cancels the inner call; a wrapped CancelledError would surface as another error.
    async with make_simulator(latency=2.0) as slow, make_client(slow) as cc:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(cc.get_campaign(RUNNING), timeout=0.05)


# -- helpers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("5", 5.0), ("0.25", 0.25), ("-3", 0.0), ("", None), (None, None), ("soon", None)],
)
def test_parse_retry_after_seconds(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_parse_retry_after_http_date() -> None:
    later = datetime.now(timezone.utc) + timedelta(hours=1)
    seconds = parse_retry_after(http_date(later, usegmt=True))
    assert seconds is not None and 0 < seconds <= 3600
    earlier = datetime.now(timezone.utc) - timedelta(hours=1)
    assert parse_retry_after(http_date(earlier, usegmt=True)) == 0.0


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:1", True),
        ("http://127.9.9.9", True),
        ("http://localhost", True),
        ("http://[::1]:80", True),
        ("http://10.0.0.1", False),
        ("http://localhost.example.com", False),
        ("https://vcc-na12.8x8.com", False),
    ],
)
def test_is_loopback_url(url: str, loopback: bool) -> None:
    assert is_loopback_url(url) is loopback


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (TransportError("refused"), True),
        (ApiError("x", status=429), True),
        (ServerError("x", status=502), True),
        (ServerError("x", status=503), True),
        (ServerError("x", status=504), True),
        (ServerError("x", status=500), False),
        (ApiError("x", status=400), False),
        (ApiError("x", status=None), False),
        (ValueError("x"), False),
        (asyncio.CancelledError(), False),
    ],
)
def test_is_transient(error: BaseException, transient: bool) -> None:
    assert is_transient(error) is transient


@pytest.mark.parametrize("options", [{"connect": 0}, {"total": -1}])
def test_timeouts_are_validated(options: dict[str, float]) -> None:
    with pytest.raises(ValidationError):
        Timeouts(**options)


@pytest.mark.parametrize(
    "options",
    [{"attempts": 0}, {"backoff_initial": 0}, {"backoff_max": -1}, {"retry_after_max": 0}],
)
def test_retry_policy_is_validated(options: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**options)  # type: ignore[arg-type]


def test_retry_policy_is_frozen() -> None:
    import attrs

    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        FAST_RETRY.attempts = 9  # type: ignore[misc]


def test_backoff_grows_and_is_capped() -> None:
    policy = RetryPolicy(backoff_initial=1.0, backoff_max=5.0, retry_after_max=10.0)
    for retry_number, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 5.0), (10, 5.0)]:
        for _ in range(50):
            assert 0 <= policy.backoff(retry_number) <= ceiling
    assert policy.backoff(1, retry_after=7.0) == 7.0
    assert policy.backoff(1, retry_after=1e6) == 10.0


def test_each_call_gets_a_fresh_retrying_object() -> None:
    assert FAST_RETRY.retrying(is_transient) is not FAST_RETRY.retrying(is_transient)


def test_from_env() -> None:
    env = {
        "CC_PLATFORM": "eu9b",
        "CC_USERNAME": USERNAME,
        "CC_DATA_TOKEN": DATA_TOKEN,
        "CC_ACTION_TOKEN": ACTION_TOKEN,
    }
    cc = CampaignsClient.from_env(env)
    assert cc.base_url == "https://vcc-eu9.8x8.com"
    assert cc.username == USERNAME
    override = CampaignsClient.from_env(env, base_url="http://127.0.0.1:9")
    assert override.base_url == "http://127.0.0.1:9"
    with pytest.raises(ValidationError):
        CampaignsClient.from_env({"CC_PLATFORM": "na1"})


def test_client_options_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        CampaignsClient("na12", USERNAME, DATA_TOKEN)  # type: ignore[call-arg]


def test_unknown_customer_id_format_is_refused() -> None:
    with pytest.raises(ValidationError):
        CampaignsClient(
            "na12",
            username=USERNAME,
            data_token=DATA_TOKEN,
            customer_id_format="hex",  # type: ignore[arg-type]
        )


# -- redirects: writes follow none, reads only to the same origin --------------------------------


def _redirect(status: int, location: str) -> Any:
    def respond(request: web.Request) -> web.Response:
        return web.Response(status=status, headers={"Location": location})

    return respond


async def test_a_write_never_follows_a_redirect_to_another_origin() -> None:
    async with Script(lambda r: web.json_response([], status=207)) as other:
        target = f"{other.url}/api/tstats/campaigns/1/customers?sig=abc"
        async with Script(_redirect(307, target)) as api, make_client(api) as cc:
            with pytest.raises(UnexpectedResponseError) as caught:
                await cc.add_customers(1, [4242, 4343])
    assert other.requests == 0  # neither the ids nor the credentials went there
    error = caught.value
    assert error.status == 307
    assert f"a redirect to {other.url}/api/tstats/campaigns/1/customers," in str(error)
    assert "sig=abc" not in str(error)
    assert "probably does not point at the API" in str(error)


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_a_write_redirected_to_a_login_page_is_not_followed(status: int) -> None:
    login = Script(lambda r: web.Response(text="<html>Sign in</html>", content_type="text/html"))

    def respond(request: web.Request) -> web.StreamResponse:
        if request.path.startswith("/login"):
            return login.handler(request)  # type: ignore[return-value]
        return web.Response(status=status, headers={"Location": "/login?next=/x&token=t0k"})

    async with Script(respond) as api, make_client(api) as cc:
        with pytest.raises(UnexpectedResponseError) as caught:
            await cc.add_customers(1, [1])
    assert api.seen == ["/api/tstats/campaigns/1/customers"]  # the login page was not fetched
    assert caught.value.status == status
    assert f"a redirect to {api.url}/login," in str(caught.value)
    assert "t0k" not in str(caught.value)


async def test_a_read_follows_a_same_origin_redirect() -> None:
    campaign = {"campaign": {"campaign-id": 1, "status": 3}}

    def respond(request: web.Request) -> web.StreamResponse:
        if request.path == "/moved/1.json":
            return web.json_response(campaign)
        return web.Response(status=301, headers={"Location": "/moved/1.json"})

    async with Script(respond) as api, make_client(api) as cc:
        got = await cc.get_campaign(1)
    assert got.status is CampaignStatus.MANUAL_RUNNING
    assert api.seen == ["/api/stats/campaigns/1.json", "/moved/1.json"]


async def test_a_read_never_follows_a_redirect_to_another_origin() -> None:
    async with Script(lambda r: web.json_response({"result": []})) as other:
        location = f"{other.url}/campaigns?accesskey={ACCESSKEY}"
        async with Script(_redirect(302, location)) as api:
            vb = VoipbinClient(accesskey=ACCESSKEY, base_url=api.url, retry=FAST_RETRY)
            async with vb:
                with pytest.raises(UnexpectedResponseError) as caught:
                    [c async for c in vb.list_campaigns()]
    assert other.requests == 0  # the access key never reached the other server
    assert ACCESSKEY not in str(caught.value)
    assert caught.value.status == 302


async def test_a_same_origin_read_redirect_sends_the_access_key_once() -> None:
    def respond(request: web.Request) -> web.StreamResponse:
        if request.path == "/v2/campaigns":
            return web.json_response({"result": [], "next_page_token": ""})
        return web.Response(
            status=307, headers={"Location": f"/v2/campaigns?accesskey={ACCESSKEY}&page_size=100"}
        )

    async with Script(respond) as api:
        vb = VoipbinClient(accesskey=ACCESSKEY, base_url=api.url, retry=FAST_RETRY)
        async with vb:
            assert [c async for c in vb.list_campaigns()] == []
    assert api.seen[-1].count("accesskey=") == 1
    assert "page_size=100" in api.seen[-1]


async def test_an_https_read_is_never_redirected_to_http(http_mock: aioresponses) -> None:
    http_mock.get(
        "https://vcc-na12.8x8.com/api/stats/campaigns/1.json",
        status=301,
        headers={"Location": "http://vcc-na12.8x8.com/api/stats/campaigns/1.json"},
    )
    async with CampaignsClient("na12", username=USERNAME, data_token=DATA_TOKEN) as cc:
        with pytest.raises(UnexpectedResponseError, match="credentials never leave"):
            await cc.get_campaign(1)


async def test_a_redirect_loop_ends() -> None:
    async with Script(_redirect(302, "/again")) as api, make_client(api) as cc:
        with pytest.raises(UnexpectedResponseError, match="more than 5 redirects"):
            await cc.get_campaign(1)
    assert api.requests == 6


# -- bounded answers ------------------------------------------------------------------------------


async def test_an_answer_bigger_than_the_cap_by_its_length_is_not_read() -> None:
    finished = asyncio.Event()

    async def huge(request: web.Request) -> web.StreamResponse:
        # Announces 1.5 GB, sends a little, then waits: a client reading it all would hang.
        answer = web.StreamResponse(status=200, headers={"Content-Length": str(1_500_000_000)})
        await answer.prepare(request)
        await answer.write(b"[" * 1000)
        await finished.wait()  # until the client gave up (not a fixed sleep the shutdown waits for)
        return answer

    async with Script(huge) as api, make_client(api, timeouts=Timeouts(total=10)) as cc:
        with pytest.raises(UnexpectedResponseError, match="max_response_bytes") as caught:
            await asyncio.wait_for(cc.get_campaign(1), 5)
        finished.set()
    assert caught.value.status == 200


async def test_an_endless_answer_is_cut_at_the_cap() -> None:
    chunk = b" " * 65536

    async def endless(request: web.Request) -> web.StreamResponse:
        answer = web.StreamResponse(status=207)  # chunked: no Content-Length
        await answer.prepare(request)
        for _ in range(100_000):  # 6.5 GB if anybody read it all
            await answer.write(chunk)
        return answer

    async with Script(endless) as api, make_client(api, timeouts=Timeouts(total=10)) as cc:
        cc.session.max_response_bytes = 1_000_000
        with pytest.raises(UnexpectedResponseError, match="more than 1000000 bytes"):
            await asyncio.wait_for(cc.add_customers(1, [1]), 8)


async def test_an_error_body_is_read_only_in_part() -> None:
    text = "No. " * 100_000

    async with (
        # 401: a status whose text body is read as the message whoever sent it (a 400 in
        # plain text is not the API's answer: UnexpectedResponseError, tested elsewhere).
        Script(lambda r: web.Response(status=401, text=text)) as api,
        make_client(api) as cc,
    ):
        with pytest.raises(ApiError) as caught:
            await cc.get_campaign(1)
    assert caught.value.message.startswith("No. No.")
    assert len(caught.value.message) <= 300


def test_max_response_bytes_is_validated() -> None:
    with pytest.raises(ValidationError):
        Session("https://x.example", read_headers={}, write_headers={}, max_response_bytes=0)


# -- transport failures, by class ---------------------------------------------------------------


async def test_a_refused_connection_is_a_connect_error() -> None:
    async with make_simulator() as gone:
        url = gone.url
    async with make_client(gone, base_url=url) as cc:
        with pytest.raises(ConnectError) as caught:
            await cc.add_customers(RUNNING, [1])
    assert not isinstance(caught.value, TLSError)
    assert isinstance(caught.value.__cause__, aiohttp.ClientConnectorError)


async def test_a_tls_failure_is_a_tls_error_and_not_retried() -> None:
    calls = 0

    def respond(request: web.Request) -> web.StreamResponse:
        nonlocal calls
        calls += 1
        return web.Response(text="plain")

    # https:// to a plain-HTTP server: the handshake fails.
    async with Script(respond) as api:
        url = api.url.replace("http://", "https://")
        started = asyncio.get_running_loop().time()
        retry = RetryPolicy(attempts=5, backoff_initial=1.0, backoff_max=1.0)
        async with make_client(api, base_url=url, retry=retry) as cc:
            with pytest.raises(TLSError) as caught:
                await cc.get_campaign(RUNNING)
        elapsed = asyncio.get_running_loop().time() - started
    assert elapsed < 1.0  # no back-off: not retried
    assert isinstance(caught.value, ConnectError)
    assert isinstance(caught.value.__cause__, aiohttp.ClientSSLError)
    assert not is_transient(caught.value)


async def test_a_connection_dropped_after_sending_may_have_applied() -> None:
    async with make_simulator(disconnect_rate=1.0) as sim:
        sim.add_campaign(RUNNING, status=CampaignStatus.MANUAL_RUNNING)
        sim.add_crm_customers([1])
        async with make_client(sim) as cc:
            with pytest.raises(TransportError) as caught:
                await cc.add_customers(RUNNING, [1])
    assert not isinstance(caught.value, (ConnectError, RequestTimeoutError))


async def test_a_timeout_is_a_request_timeout() -> None:
    async with make_simulator(latency=0.5) as slow:
        slow.add_campaign(RUNNING, status=CampaignStatus.MANUAL_RUNNING)
        async with make_client(slow, timeouts=Timeouts(total=0.05)) as cc:
            with pytest.raises(RequestTimeoutError):
                await cc.get_campaign(RUNNING)


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (ConnectError("refused"), True),
        (RequestTimeoutError("slow"), True),
        (TLSError("certificate"), False),
        (UnexpectedResponseError("html", status=200), False),
        (UnexpectedResponseError("redirect", status=302), False),
    ],
)
def test_is_transient_for_the_new_errors(error: BaseException, transient: bool) -> None:
    assert is_transient(error) is transient


@pytest.mark.parametrize(
    ("status", "body", "content_type", "expected"),
    [
        (404, "404: Not Found", "text/plain", UnexpectedResponseError),  # a wrong base path
        (413, "<html><h1>413 Request Entity Too Large</h1></html>", "text/html", None),
        (400, '{"message": "Invalid customer list provided."}', "application/json", None),
        (404, "", "application/json", None),  # the OpenAPI's empty 404: the status speaks
        (401, "<html>Log in</html>", "text/html", None),  # credentials, whoever answers
    ],
    ids=["text-404", "html-413", "api-400", "empty-404", "html-401"],
)
async def test_a_4xx_page_that_is_not_the_apis_is_an_unexpected_answer(
    status: int, body: str, content_type: str, expected: type[Exception] | None
) -> None:
    """Issue 8 review: a proxy's or a wrong path's 4xx page was read as the API's refusal, and
    the bulk engine counted every item of the batch "rejected by server", for good."""
    async with (
        Script(lambda r: web.Response(status=status, text=body, content_type=content_type)) as api,
        make_client(api) as cc,
    ):
        with pytest.raises(ApiError) as caught:
            await cc.get_campaign(1)
    is_page = status in (404, 413) and body.strip() and not body.startswith("{")
    assert isinstance(caught.value, UnexpectedResponseError) == bool(is_page)
    assert caught.value.status == status
    if expected is not None:
        assert isinstance(caught.value, expected)
