"""The neutral transport: what a provider passes in (error decoder, outcome-unknown statuses,
back-off signals, media types, error details) decides, and nothing in the core assumes one
provider."""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator
from typing import Any

import attrs
import orjson
import pytest
from aioresponses import aioresponses
from yarl import URL

from cc_campaigns import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    CampaignsClient,
    OutcomeUnknownError,
    RateLimitedError,
    ServerError,
    UnexpectedResponseError,
    ValidationError,
)
from cc_campaigns._transport.response import decode_text_error
from cc_campaigns._transport.session import ErrorDetails, Session
from cc_campaigns.dynamic.errors import decode_8x8_error, is_capacity_refusal
from cc_campaigns.voipbin import VoipbinClient

from ..conftest import FAST_RETRY

BASE = "https://api.example.test"
SECRET = "tok-0123456789abcdef"


@pytest.fixture
def mock(http_mock: aioresponses) -> aioresponses:
    return http_mock


@pytest.fixture
async def session() -> AsyncIterator[Session]:
    s = Session(
        BASE,
        read_headers={"Authorization": f"Bearer {SECRET}"},
        write_headers={"Authorization": f"Bearer {SECRET}"},
        secrets=(SECRET,),
        retry=FAST_RETRY,
    )
    yield s
    await s.close()


# -- the neutral error decoder ----------------------------------------------------------------


def test_the_neutral_decoder_reads_text_and_assumes_no_format() -> None:
    assert decode_text_error(b'  {"message": "x"}\n') == ('{"message": "x"}', None, None)
    assert decode_text_error(b"Service down") == ("Service down", None, None)
    assert decode_text_error(b"  \n") == (None, None, None)
    assert decode_text_error(b"\xff\xfe bad") == ("\ufffd\ufffd bad", None, None)


async def test_the_default_session_shows_a_plain_text_body(
    mock: aioresponses, session: Session
) -> None:
    mock.get(f"{BASE}/x", status=503, body=f"Down for maintenance; token {SECRET}")
    with pytest.raises(ServerError) as caught:
        await session.request("GET", "/x", retry=False)
    assert caught.value.message == "Down for maintenance; token ***"
    assert str(caught.value) == f"[503] Down for maintenance; token *** (GET {BASE}/x)"


async def test_the_default_session_keeps_a_json_body_whole_and_clips_it(
    mock: aioresponses, session: Session
) -> None:
    body = '{"message": "' + "m" * 400 + '"}'
    mock.get(f"{BASE}/x", status=401, body=body)
    with pytest.raises(AuthenticationError) as caught:
        await session.request("GET", "/x", retry=False)
    assert caught.value.message.startswith('{"message": "mmm')
    assert len(caught.value.message) == 300 and caught.value.message.endswith("...")


async def test_the_8x8_decoder_reads_its_message(mock: aioresponses) -> None:
    assert decode_8x8_error(b'{"message": "Campaign not found."}') == (
        "Campaign not found.",
        None,
        None,
    )
    assert decode_8x8_error(b"<html>") == ("<html>", None, None)
    assert decode_8x8_error(b"[1]") == (None, None, None)


# -- outcome unknown: only when the provider says so -------------------------------------------


async def test_a_206_is_a_success_unless_the_provider_says_otherwise(
    mock: aioresponses, session: Session
) -> None:
    mock.post(f"{BASE}/x", status=206, payload={"ok": True})
    answer = await session.request("POST", "/x", body=b"{}", write=True)
    assert (answer.status, answer.json()) == (206, {"ok": True})


async def test_a_declared_outcome_unknown_status_is_raised(mock: aioresponses) -> None:
    s = Session(BASE, read_headers={}, write_headers={}, outcome_unknown={206}, retry=FAST_RETRY)
    mock.post(f"{BASE}/x", status=206, body="timed out, maybe applied")
    try:
        with pytest.raises(OutcomeUnknownError) as caught:
            await s.request("POST", "/x", body=b"{}", write=True)
    finally:
        await s.close()
    assert caught.value.status == 206
    assert caught.value.message == "timed out, maybe applied"
    # Sent once: a write whose outcome is unknown is never retried by the session.
    assert len(mock.requests) == 1


async def test_a_declared_outcome_unknown_status_without_a_body_has_a_message(
    mock: aioresponses,
) -> None:
    s = Session(BASE, read_headers={}, write_headers={}, outcome_unknown={206})
    mock.post(f"{BASE}/x", status=206)
    try:
        with pytest.raises(OutcomeUnknownError, match="outcome is unknown"):
            await s.send("POST", "/x", body=b"{}", write=True)
    finally:
        await s.close()


@pytest.mark.parametrize("status", [199, 300, 404, 500])
def test_outcome_unknown_holds_success_statuses_only(status: int) -> None:
    with pytest.raises(ValidationError, match="2xx"):
        Session(BASE, read_headers={}, write_headers={}, outcome_unknown={status})


def test_each_client_declares_its_own_meaning_of_206() -> None:
    cc = CampaignsClient(base_url="http://127.0.0.1:1", username="u", action_token="a" * 8)
    vb = VoipbinClient(accesskey="k" * 16, base_url="http://127.0.0.1:1")
    assert cc.session.outcome_unknown == frozenset({206})
    assert vb.session.outcome_unknown == frozenset()


# -- back-off signals ---------------------------------------------------------------------------


def _queue_full(error: ApiError) -> bool:
    return error.status == 400 and "queue is full" in error.message


async def test_a_declared_backoff_signal_is_a_rate_limit_and_a_write_is_resent(
    mock: aioresponses,
) -> None:
    s = Session(BASE, read_headers={}, write_headers={}, backoff=_queue_full, retry=FAST_RETRY)
    mock.post(f"{BASE}/x", status=400, body='{"m": "The queue is full."}')
    mock.post(f"{BASE}/x", status=200, payload={"ok": True})
    try:
        answer = await s.request("POST", "/x", body=b"{}", write=True)
    finally:
        await s.close()
    assert answer.json() == {"ok": True}


async def test_the_same_answer_without_the_rule_is_a_bad_request_sent_once(
    mock: aioresponses, session: Session
) -> None:
    mock.post(f"{BASE}/x", status=400, body='{"m": "The queue is full."}')
    with pytest.raises(BadRequestError) as caught:
        await session.request("POST", "/x", body=b"{}", write=True)
    assert not isinstance(caught.value, RateLimitedError)
    assert caught.value.message == '{"m": "The queue is full."}'


async def test_a_backoff_signal_keeps_the_answer_details(mock: aioresponses) -> None:
    s = Session(BASE, read_headers={}, write_headers={}, backoff=_queue_full)
    mock.post(
        f"{BASE}/x", status=400, body='{"x": "The queue is full."}', headers={"Retry-After": "7"}
    )
    try:
        with pytest.raises(RateLimitedError) as caught:
            await s.send("POST", "/x", body=b"{}", write=True)
    finally:
        await s.close()
    assert (caught.value.status, caught.value.retry_after) == (400, 7.0)
    assert caught.value.url == f"{BASE}/x"


def test_the_8x8_capacity_rule() -> None:
    capacity = "Maximum limit of scheduled customers has been reached."
    assert is_capacity_refusal(ApiError(capacity, status=400))
    assert not is_capacity_refusal(ApiError(capacity, status=500))
    assert not is_capacity_refusal(ApiError("Duplicate customer", status=400))


# -- the deprecated alias module ----------------------------------------------------------------

OLD_SESSION_NAMES = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_TIMEOUTS",
    "ErrorDecoder",
    "Response",
    "Session",
    "SessionClient",
    "Timeouts",
    "is_loopback_url",
    "is_transient",
    "resolve_8x8_base_url",
]


def test_the_old_session_module_still_exports_every_name() -> None:
    import importlib
    import sys

    sys.modules.pop("cc_campaigns.session", None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        old = importlib.import_module("cc_campaigns.session")
    assert any(issubclass(w.category, DeprecationWarning) for w in caught)
    assert set(OLD_SESSION_NAMES) <= set(old.__all__)
    for name in OLD_SESSION_NAMES:
        assert getattr(old, name) is not None, name
    assert old.resolve_8x8_base_url("na12", None) == "https://vcc-na12.8x8.com"
    assert old.decode_8x8_error(b'{"message": "m"}')[0] == "m"


# -- a provider's own error classes -------------------------------------------------------------


async def test_a_provider_classifier_decides_first_and_may_pass(mock: aioresponses) -> None:
    from cc_campaigns import NotFoundError, TransitionRefusedError

    def classify(status: int, message: str | None, reason: str | None) -> type[ApiError] | None:
        if status == 409 and message and "already contains" in message:
            return BadRequestError  # a duplicate for this API, not a state conflict
        return None

    s = Session(BASE, read_headers={}, write_headers={}, classify=classify)
    mock.post(f"{BASE}/x", status=409, body='{"detail": "Campaign already contains record 1"}')
    mock.post(f"{BASE}/x", status=409, body='{"detail": "not in this state"}')
    mock.get(f"{BASE}/y", status=404, body="{}")
    try:
        with pytest.raises(BadRequestError) as duplicate:
            await s.send("POST", "/x", body=b"{}", write=True)
        with pytest.raises(TransitionRefusedError):
            await s.send("POST", "/x", body=b"{}", write=True)
        with pytest.raises(NotFoundError):
            await s.send("GET", "/y")
    finally:
        await s.close()
    assert duplicate.value.status == 409


# -- media types: the provider's, on bodies only ------------------------------------------------


def _headers(mock: aioresponses, method: str, url: str) -> list[dict[str, str]]:
    return [dict(r.kwargs["headers"]) for r in mock.requests[(method, URL(url))]]


async def test_the_body_content_type_is_the_providers_and_only_on_bodies(
    mock: aioresponses,
) -> None:
    kind, accept = "application/vnd.example.v2+json", "application/vnd.example.v2+json, */*"
    s = Session(BASE, read_headers={}, write_headers={}, content_type=kind, accept=accept)
    mock.post(f"{BASE}/x", payload={})
    mock.patch(f"{BASE}/x", payload={})
    mock.get(f"{BASE}/x", payload={})
    mock.delete(f"{BASE}/x", payload={})
    try:
        await s.send("POST", "/x", body=b"{}", write=True)
        await s.send("PATCH", "/x", body=b"{}", write=True)
        await s.send("GET", "/x")
        await s.send("DELETE", "/x", write=True)
    finally:
        await s.close()
    for method in ("POST", "PATCH"):
        (sent,) = _headers(mock, method, f"{BASE}/x")
        assert (sent["Content-Type"], sent["Accept"]) == (kind, accept)
    for method in ("GET", "DELETE"):
        (sent,) = _headers(mock, method, f"{BASE}/x")
        assert "Content-Type" not in sent and sent["Accept"] == accept


async def test_the_default_media_type_is_json(mock: aioresponses, session: Session) -> None:
    mock.post(f"{BASE}/x", payload={})
    mock.get(f"{BASE}/x", payload={})
    await session.send("POST", "/x", body=b"{}", write=True)
    await session.send("GET", "/x")
    (post,) = _headers(mock, "POST", f"{BASE}/x")
    (get,) = _headers(mock, "GET", f"{BASE}/x")
    assert (post["Content-Type"], post["Accept"]) == ("application/json", "application/json")
    assert "Content-Type" not in get and get["Accept"] == "application/json"


async def test_the_campaigns_v1_wire_is_a_plain_session_with_its_options(
    mock: aioresponses,
) -> None:
    from cc_campaigns.campaigns_v1 import MEDIA_TYPE, CampaignsV1Client

    from ..campaigns_v1.examples import ADD_ANSWER, API_KEY, CAMPAIGN, CID, PATCH_URL, RECORDS_URL

    mock.patch(PATCH_URL, payload=CAMPAIGN)
    mock.post(RECORDS_URL, payload=ADD_ANSWER)
    async with CampaignsV1Client("US1", tenant="my-tenant", api_key=API_KEY) as v1:
        assert type(v1.session) is Session  # options, no subclass overriding the core
        await v1.pause(CID)
        await v1.add_records(CID, ["CRM-1"])
    wire = {
        "User-Agent": "cc-campaigns-python",
        "Accept": f"{MEDIA_TYPE}, application/json",
        "X-API-Key": API_KEY,
        "X-8x8-Tenant": "my-tenant",
        "Content-Type": MEDIA_TYPE,
    }
    assert _headers(mock, "PATCH", PATCH_URL) == [wire]
    assert _headers(mock, "POST", RECORDS_URL) == [wire]


# -- error details: what else an error body says, masked -----------------------------------------


@attrs.frozen
class _Note:
    text: str | None
    _private: str = ""
    codes: tuple[str, ...] = ()


def _details_session(hook: ErrorDetails, **options: Any) -> Session:
    return Session(
        BASE,
        read_headers={},
        write_headers={},
        secrets=(SECRET,),
        retry=FAST_RETRY,
        error_details=hook,
        **options,
    )


async def test_error_details_are_read_once_per_error_answer(mock: aioresponses) -> None:
    bodies: list[bytes] = []

    def hook(body: bytes) -> dict[str, Any]:
        bodies.append(body)
        return {"ref": orjson.loads(body)["ref"]}

    s = _details_session(hook)
    mock.get(f"{BASE}/x", status=503, body='{"ref": "r1"}')
    mock.get(f"{BASE}/x", status=503, body='{"ref": "r2"}')
    mock.get(f"{BASE}/x", status=503, body='{"ref": "r3"}')
    mock.post(f"{BASE}/x", status=400, body='{"ref": "r4"}')
    mock.get(f"{BASE}/y", payload={"ref": "never"})
    try:
        with pytest.raises(ServerError) as read:
            await s.request("GET", "/x")  # FAST_RETRY: three attempts
        with pytest.raises(BadRequestError) as write:
            await s.request("POST", "/x", body=b"{}", write=True)  # sent once
        await s.request("GET", "/y")  # a success has no error details
    finally:
        await s.close()
    assert bodies == [b'{"ref": "r1"}', b'{"ref": "r2"}', b'{"ref": "r3"}', b'{"ref": "r4"}']
    assert (vars(read.value)["ref"], vars(write.value)["ref"]) == ("r3", "r4")


async def test_error_details_reach_the_final_error_class(mock: aioresponses) -> None:
    """After the back-off rule and the provider's classifier, on outcome-unknown answers too."""
    s = _details_session(
        lambda body: {"ref": body.decode()},
        backoff=lambda error: "full" in error.message,
        outcome_unknown={202},
    )
    mock.post(f"{BASE}/x", status=400, body='{"m": "full"}')
    mock.post(f"{BASE}/x", status=202, body='{"m": "maybe"}')
    try:
        with pytest.raises(RateLimitedError) as backoff:
            await s.send("POST", "/x", body=b"{}", write=True)
        with pytest.raises(OutcomeUnknownError) as unknown:
            await s.send("POST", "/x", body=b"{}", write=True)
    finally:
        await s.close()
    assert vars(backoff.value)["ref"] == '{"m": "full"}'
    assert vars(unknown.value)["ref"] == '{"m": "maybe"}'


async def test_every_text_of_the_error_details_is_masked_then_clipped(
    mock: aioresponses, caplog: pytest.LogCaptureFixture
) -> None:
    def hook(body: bytes) -> dict[str, Any]:
        data = orjson.loads(body)  # the raw body: the secret is written with an escape
        detail = data["detail"]
        return {
            "detail": detail,
            "long": "x" * 400 + SECRET,
            "nested": {detail: [detail, 3, None, True, (detail, 1.5)]},
            "note": _Note(detail, private=detail, codes=(detail, "ok")),
        }

    escaped = "\\u0074" + SECRET[1:]  # "t" written as \u0074: the raw text never holds it
    body = '{"detail": "key ' + escaped + '"}'
    assert SECRET not in body and SECRET in orjson.loads(body)["detail"]
    s = _details_session(hook)
    mock.get(f"{BASE}/x", status=401, body=body)
    try:
        with pytest.raises(AuthenticationError) as caught:
            await s.send("GET", "/x")
    finally:
        await s.close()
    error = caught.value
    assert vars(error)["detail"] == "key ***"
    assert vars(error)["long"] == "x" * 297 + "..."
    assert vars(error)["nested"] == {"key ***": ["key ***", 3, None, True, ("key ***", 1.5)]}
    assert vars(error)["note"] == _Note("key ***", private="key ***", codes=("key ***", "ok"))
    assert SECRET not in str(vars(error)) + caplog.text


@pytest.mark.parametrize(
    ("hook", "why"),
    [
        (lambda body: 1 / 0, "ZeroDivisionError"),
        (lambda body: [("ref", "r")], "not a mapping"),
        (lambda body: {"ref": "r", "message": f"new {SECRET}"}, "replace an attribute"),
        (lambda body: {"ref": "r", "_hidden": 1}, "not a public attribute"),
        (lambda body: {"ref": "r", "blob": object()}, "cannot mask"),
        (lambda body: {"ref": "r", "raw": f"{SECRET}".encode()}, "cannot mask"),
        (lambda body: {}[f"no {SECRET}"], "KeyError: 'no ***'"),
    ],
    ids=["raises", "not-a-mapping", "clash", "private", "object", "bytes", "secret-in-failure"],
)
async def test_a_failing_details_hook_never_breaks_the_error(
    mock: aioresponses, caplog: pytest.LogCaptureFixture, hook: ErrorDetails, why: str
) -> None:
    """The service's answer is raised as it would be without the hook, with no details at all
    (never some of them), and the failure is logged, masked."""
    s = _details_session(hook)
    mock.post(f"{BASE}/x", status=400, body='{"m": "refused"}')
    try:
        with pytest.raises(BadRequestError) as caught:
            await s.send("POST", "/x", body=b"{}", write=True)
    finally:
        await s.close()
    error = caught.value
    assert type(error) is BadRequestError and error.message == '{"m": "refused"}'
    assert not {"ref", "blob", "raw", "_hidden"} & vars(error).keys()
    assert "error details not attached to BadRequestError" in caplog.text
    assert why in caplog.text and SECRET not in caplog.text


async def test_an_answer_that_is_not_the_apis_gets_no_details(mock: aioresponses) -> None:
    calls: list[bytes] = []
    s = _details_session(lambda body: calls.append(body) or {})
    mock.get(f"{BASE}/x", status=404, body="<html>Not Found</html>")
    try:
        with pytest.raises(UnexpectedResponseError):
            await s.send("GET", "/x")
    finally:
        await s.close()
    assert calls == []
