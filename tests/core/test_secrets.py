"""No token ever reaches a repr, a str, an error or a log line."""

from __future__ import annotations

import asyncio
import base64
import logging
import re
import uuid
from typing import Any

import aiohttp
import orjson
import pytest
from aioresponses import aioresponses
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cc_campaigns import (
    ApiError,
    AuthenticationError,
    CampaignsClient,
    CampaignsError,
    CampaignStatus,
    InvalidTransitionError,
    NotFoundError,
    OutcomeUnknownError,
    RetryPolicy,
    ServerError,
    Timeouts,
    TransportError,
)
from cc_campaigns.dynamic.simulator import Simulator
from cc_campaigns.voipbin import VoipbinClient

from ..conftest import (
    ACTION_TOKEN,
    DATA_TOKEN,
    FAST_RETRY,
    MISSING,
    NEW,
    RUNNING,
    USERNAME,
    make_client,
    make_simulator,
)

WRONG_TOKEN = "wrong-SECRET-0a0a0a"


def forms(token: str) -> list[str]:
    """Every way a token could leak: as is, and inside the Basic credentials."""
    encoded = base64.b64encode(f"{USERNAME}:{token}".encode()).decode("ascii")
    return [token, encoded, f"Basic {encoded}"]


SECRETS = forms(DATA_TOKEN) + forms(ACTION_TOKEN) + forms(WRONG_TOKEN)


def assert_clean(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"a secret leaked: {text!r}"


def assert_error_clean(error: BaseException) -> None:
    assert_clean(str(error))
    assert_clean(repr(error))
    assert_clean(repr(error.args))
    assert_clean(repr(vars(error)))


def test_client_repr_and_str_hide_tokens() -> None:
    cc = CampaignsClient(
        "na12", username=USERNAME, data_token=DATA_TOKEN, action_token=ACTION_TOKEN
    )
    assert_clean(repr(cc))
    assert_clean(str(cc))
    assert_clean(repr(cc.session))
    assert_clean(str(cc.session))
    assert USERNAME in repr(cc)  # the username is not a secret, and helps


async def test_errors_from_the_service_hide_tokens(sim: Simulator) -> None:
    async with make_client(sim) as cc:
        with pytest.raises(NotFoundError) as not_found:
            await cc.get_campaign(MISSING)
    assert_error_clean(not_found.value)
    async with make_client(sim, data_token=WRONG_TOKEN, action_token=WRONG_TOKEN) as cc:
        with pytest.raises(AuthenticationError) as denied:
            await cc.get_campaign(RUNNING)
        with pytest.raises(AuthenticationError) as denied_write:
            await cc.add_customers(RUNNING, [1])
    assert_error_clean(denied.value)
    assert_error_clean(denied_write.value)


async def test_transport_errors_hide_tokens() -> None:
    async with make_simulator() as gone:
        url = gone.url
    async with CampaignsClient(
        username=USERNAME,
        data_token=DATA_TOKEN,
        action_token=ACTION_TOKEN,
        base_url=url,
        retry=FAST_RETRY,
    ) as cc:
        with pytest.raises(TransportError) as refused:
            await cc.get_campaign(RUNNING)
        with pytest.raises(TransportError) as refused_write:
            await cc.add_customers(RUNNING, [1])
    assert_error_clean(refused.value)
    assert_error_clean(refused_write.value)
    assert refused.value.__cause__ is not None
    assert_clean(str(refused.value.__cause__))


async def test_a_token_echoed_by_the_server_is_redacted(http_mock: aioresponses) -> None:
    base = "https://vcc-na12.8x8.com"
    http_mock.get(
        f"{base}/api/stats/campaigns/1.json",
        status=400,
        payload={"message": f"token {DATA_TOKEN} is not valid for {USERNAME}"},
    )
    http_mock.post(
        f"{base}/api/tstats/campaigns/1/customers",
        exception=aiohttp.ClientConnectionError(f"proxy refused Basic {ACTION_TOKEN}"),
    )
    async with CampaignsClient(
        "na12", username=USERNAME, data_token=DATA_TOKEN, action_token=ACTION_TOKEN
    ) as cc:
        with pytest.raises(ApiError) as echoed:
            await cc.get_campaign(1)
        with pytest.raises(TransportError) as transport:
            await cc.add_customers(1, [1])
    assert echoed.value.message == f"token *** is not valid for {USERNAME}"
    assert_error_clean(echoed.value)
    assert "***" in str(transport.value)
    assert_error_clean(transport.value)


async def test_no_token_in_the_logs_of_a_whole_run(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[BaseException] = []

    async def expect(error: type[BaseException], call: Any) -> None:
        with pytest.raises(error) as caught:
            await call
        errors.append(caught.value)

    async with make_simulator() as sim:
        sim.add_crm_customers(range(1, 100))
        sim.add_campaign(RUNNING, status=CampaignStatus.MANUAL_RUNNING)
        sim.add_campaign(NEW)
        async with make_client(sim) as cc:
            await cc.get_campaign(RUNNING)
            await cc.add_customers(RUNNING, [1, 2, 2, 500])
            await cc.list_records(RUNNING)
            await cc.delete_customer(RUNNING, 1)
            await cc.start(NEW)
            await cc.pause(NEW)
            await expect(NotFoundError, cc.get_campaign(MISSING))
            await expect(InvalidTransitionError, cc.purge(RUNNING))
            await expect(ApiError, cc.set_status(RUNNING, "PURGED", check=False))
            await expect(NotFoundError, cc.delete_customer(RUNNING, 77))
        async with make_client(sim, data_token=WRONG_TOKEN, action_token=WRONG_TOKEN) as cc:
            await expect(AuthenticationError, cc.get_campaign(RUNNING))
            await expect(AuthenticationError, cc.add_customers(RUNNING, [3]))
    async with make_simulator(error_rate=1.0) as broken, make_client(broken) as cc:
        await expect(ServerError, cc.get_campaign(RUNNING))
    async with make_simulator(timeout_rate=1.0) as slow:
        slow.add_campaign(RUNNING, status=CampaignStatus.MANUAL_RUNNING)
        async with make_client(slow) as cc:
            await expect(OutcomeUnknownError, cc.add_customers(RUNNING, [1]))
    sleepy = make_simulator(latency=0.5)
    async with sleepy, make_client(sleepy, timeouts=Timeouts(total=0.02)) as cc:
        await expect(TransportError, cc.delete_customer(RUNNING, 1))
    async with make_simulator() as gone:
        url = gone.url
    async with make_client(gone, base_url=url) as cc:
        await expect(TransportError, cc.get_campaign(RUNNING))

    assert len(errors) == 10
    for error in errors:
        assert_error_clean(error)
    # The run did log, at DEBUG, and none of it holds a secret.
    assert any(r.name == "cc_campaigns" and r.levelno == logging.DEBUG for r in caplog.records)
    assert_clean(caplog.text)
    for record in caplog.records:
        assert_clean(record.getMessage())
        assert_clean(repr(record.args))
        assert_clean(repr(record.__dict__))


async def test_cancelled_requests_log_nothing_secret(
    http_mock: aioresponses, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    started = asyncio.Event()

    async def hang(*_: Any, **__: Any) -> None:
        started.set()
        await asyncio.Event().wait()

    http_mock.get("https://vcc-na12.8x8.com/api/stats/campaigns/1.json", callback=hang)
    async with CampaignsClient("na12", username=USERNAME, data_token=DATA_TOKEN) as cc:
        task = asyncio.create_task(cc.get_campaign(1))
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert_clean(caplog.text)


def test_the_authorization_value_is_scrubbed_too() -> None:
    # A proxy that echoes the request's Authorization header must not leak the credentials.
    import base64

    from cc_campaigns import CampaignsClient

    cc = CampaignsClient(base_url="https://proxy.example", username="acme", data_token="d-TOKEN-1")
    encoded = base64.b64encode(b"acme:d-TOKEN-1").decode()
    assert encoded not in cc.session.redact(f"echo: Authorization: Basic {encoded}")


# -- a secret anywhere in an answer, of any length ------------------------------------------------

#: Secrets are drawn from these characters, everything around them from others: any 4
#: characters of a secret found in the output can only have come from the secret.
_SECRET_CHARS = "QXZKVW@#"
_FILLER_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789 .,:;!?<>/'\"{}[]-_\n\t"
_FRAGMENT = 4


def _fragments(secret: str) -> list[str]:
    return [secret[i : i + _FRAGMENT] for i in range(len(secret) - _FRAGMENT + 1)]


def _assert_no_fragment(text: str, secret: str) -> None:
    for fragment in _fragments(secret):
        assert fragment not in text, f"{fragment!r} of the secret leaked: {text!r:.400}"


def _answer_body(shape: str, text: str) -> bytes:
    if shape == "8x8 json":
        return orjson.dumps({"message": text})
    if shape == "voipbin envelope":
        return orjson.dumps(
            {"error": {"status": 400, "reason": "BAD", "message": "m", "details": {"x": text}}}
        )
    return text.encode()


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    secret=st.text(alphabet=_SECRET_CHARS, min_size=_FRAGMENT + 4, max_size=48),
    pad=st.integers(0, 70_000),
    before=st.text(alphabet=_FILLER_CHARS, max_size=40),
    after=st.text(alphabet=_FILLER_CHARS, max_size=400),
    shape=st.sampled_from(["text", "8x8 json", "voipbin envelope"]),
    status=st.sampled_from([200, 400, 401, 404, 429, 500, 503]),
    provider=st.sampled_from(["8x8", "voipbin"]),
)
def test_a_secret_at_any_offset_of_an_answer_never_shows(
    http_mock: aioresponses,
    caplog: pytest.LogCaptureFixture,
    secret: str,
    pad: int,
    before: str,
    after: str,
    shape: str,
    status: int,
    provider: str,
) -> None:
    caplog.clear()
    caplog.set_level(logging.DEBUG)
    text = before + " " * (pad // 2) + "y" * (pad - pad // 2) + secret + after
    if status == 200:
        shape = "text"  # a success that is not JSON: an unexpected answer quoting its body
    http_mock.get(
        re.compile(r"https://api\.example/.*"),
        status=status,
        body=_answer_body(shape, text),
        content_type="text/html" if shape == "text" else "application/json",
    )
    single = RetryPolicy(attempts=1)

    async def call() -> BaseException:
        client: Any
        if provider == "8x8":
            client = CampaignsClient(
                username=USERNAME, data_token=secret, base_url="https://api.example", retry=single
            )
            request = lambda: client.get_campaign(1)  # noqa: E731
        else:
            client = VoipbinClient(accesskey=secret, base_url="https://api.example", retry=single)
            request = lambda: client.get_campaign(str(uuid.UUID(int=1)))  # noqa: E731
        async with client:
            with pytest.raises(CampaignsError) as caught:
                await request()
        return caught.value

    error = asyncio.run(call())
    assert isinstance(error, (ApiError, TransportError)), repr(error)
    for shown in (str(error), repr(error), repr(error.args), repr(vars(error))):
        _assert_no_fragment(shown, secret)
    for record in caplog.records:
        _assert_no_fragment(record.getMessage(), secret)
        _assert_no_fragment(repr(record.__dict__), secret)
