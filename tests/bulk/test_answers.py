"""Only a documented answer is a success: what the adapters accept from a 2xx, and what they
raise (:class:`UnexpectedResponseError`, the whole request) for anything else.

Each adapter is driven by a real request to a scripted aiohttp server on 127.0.0.1, or, for the
property tests, by a stub session that returns a prepared :class:`Response`.
"""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator, Callable
from typing import Any

import orjson
import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cc_campaigns import CampaignsClient, UnexpectedResponseError
from cc_campaigns._transport.session import Response
from cc_campaigns.dynamic.adapters import AddCustomers, RemoveCustomers
from cc_campaigns.voipbin import VoipbinClient
from cc_campaigns.voipbin.adapters import AddTargets

from ..conftest import ACTION_TOKEN, DATA_TOKEN, FAST_RETRY, USERNAME
from ..servers import Handler, Script

HTML = "text/html; charset=utf-8"
MAINTENANCE = "<html><head><title>Down for maintenance</title></head><body>Back soon</body></html>"
OUTDIAL = "7f3c9a4e-1b2d-4c5e-8f60-718293a4b5c6"


@pytest.fixture
async def cc_at() -> AsyncIterator[Callable[[str], CampaignsClient]]:
    clients: list[CampaignsClient] = []

    def make(url: str) -> CampaignsClient:
        client = CampaignsClient(
            username=USERNAME,
            data_token=DATA_TOKEN,
            action_token=ACTION_TOKEN,
            base_url=url,
            retry=FAST_RETRY,
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


def body(status: int, payload: Any, content_type: str = "application/json") -> Handler:
    data = payload if isinstance(payload, (bytes, str)) else orjson.dumps(payload)
    raw = data.encode() if isinstance(data, str) else data

    def respond(request: web.Request) -> web.Response:
        return web.Response(body=raw, status=status, content_type=content_type.split(";")[0])

    return respond


def result(customer: Any, status: int = 200, message: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {"customer-id": customer, "http-status": status}
    if message is not None:
        element["message"] = message
    return element


# -- 8x8 add: what is not the answer ------------------------------------------------------------

SENT = [11, 22, 33]

NOT_THE_ANSWER = {
    "a 200 maintenance page": body(200, MAINTENANCE, HTML),
    "an empty 202": body(202, b"", "application/json"),
    "an empty 207": body(207, b"", "application/json"),
    "a 207 that is not JSON": body(207, "Multi-Status", "text/plain"),
    "a 207 object, not a list": body(207, {"message": "ok"}),
    "a 207 naming an id never sent in the middle": body(207, [result(11), result(99), result(33)]),
    "a 207 with an item missing": body(207, [result(11), result(33)]),
    "a 207 with an extra item": body(207, [result(11), result(22), result(33), result(44)]),
    "a 207 answering one id twice": body(207, [result(11), result(11), result(33)]),
    "a 207 without statuses": body(207, [{"customer-id": c} for c in SENT]),
    "a 207 of non-objects": body(207, [200, 200, 200]),
    "a 207 with an unreadable status": body(
        207, [result(11), {"customer-id": 22, "http-status": "ok"}, result(33)]
    ),
    "an empty 207 list": body(207, []),
}


@pytest.mark.parametrize("answer", list(NOT_THE_ANSWER.values()), ids=list(NOT_THE_ANSWER))
async def test_an_add_answer_that_is_not_the_api_is_never_a_success(
    answer: Handler, cc_at: Callable[[str], CampaignsClient]
) -> None:
    async with Script(answer) as server:
        adapter = AddCustomers(cc_at(server.url).session, 7, as_string=False, validate=True)
        with pytest.raises(UnexpectedResponseError) as caught:
            await adapter.send(SENT, adapter.encode(SENT))
    error = caught.value
    assert 200 <= (error.status or 0) < 300
    assert "probably does not point at the API" in str(error)
    assert error.method == "POST" and error.url == f"{server.url}/api/tstats/campaigns/7/customers"


async def test_the_error_says_what_came_back(cc_at: Callable[[str], CampaignsClient]) -> None:
    async with Script(body(200, MAINTENANCE, HTML)) as server:
        adapter = AddCustomers(cc_at(server.url).session, 7, as_string=False, validate=True)
        with pytest.raises(UnexpectedResponseError) as caught:
            await adapter.send(SENT, adapter.encode(SENT))
    text = str(caught.value)
    assert text.startswith("[200] not the API's answer: not JSON; got text/html")
    assert f"{len(MAINTENANCE)} bytes" in text
    assert "Down for maintenance" in text


async def test_a_207_in_another_order_is_read_by_id(
    cc_at: Callable[[str], CampaignsClient],
) -> None:
    answer = [result(33, 200), result(11, 400, "Duplicated customer."), result(22, 404, "No.")]
    async with Script(body(207, answer)) as server:
        adapter = AddCustomers(cc_at(server.url).session, 7, as_string=False, validate=True)
        results = await adapter.send(SENT, adapter.encode(SENT))
    assert results == [(400, "Duplicated customer."), (404, "No."), (200, None)]


async def test_ids_echoed_as_strings_and_unnamed_invalid_items_are_read(
    cc_at: Callable[[str], CampaignsClient],
) -> None:
    # 8x8 echoes a null id for an invalid one; string ids are the same customers as ints.
    answer = [result("11"), result(None, 400, "Invalid customer."), result("33")]
    async with Script(body(207, answer)) as server:
        adapter = AddCustomers(cc_at(server.url).session, 7, as_string=False, validate=False)
        sent = [11, "x", 33]
        results = await adapter.send(sent, adapter.encode(sent))
    assert results == [(200, None), (400, "Invalid customer."), (200, None)]


async def test_a_deeply_nested_207_is_an_unexpected_answer_not_a_crash(
    cc_at: Callable[[str], CampaignsClient],
) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    async with Script(body(207, deep)) as server:
        adapter = AddCustomers(cc_at(server.url).session, 7, as_string=False, validate=True)
        with pytest.raises(UnexpectedResponseError):
            await adapter.send(SENT, adapter.encode(SENT))


@pytest.mark.parametrize("depth", [2_000, 100_000])
def test_deep_json_with_long_numbers_is_not_a_recursion_error(depth: int) -> None:
    # A 20-digit number sends the body to the standard library's parser, which recurses.
    deep = b"[" * depth + b"12345678901234567890123" + b"]" * depth
    answer = Response(status=200, body=deep, headers={"Content-Type": "application/json"})
    with pytest.raises(UnexpectedResponseError, match=r"nested too deeply|not JSON"):
        answer.json()


def test_ids_beyond_64_bits_are_matched_exactly() -> None:
    big = [10**21 + 1, 10**21 + 2]
    answer = Response(
        status=207,
        body=json.dumps([result(big[1], 404, "Not in CRM."), result(big[0])]).encode(),
    )
    assert _read(big, answer) == [(200, None), (404, "Not in CRM.")]
    wrong = Response(status=207, body=json.dumps([result(big[0]), result(big[0] + 2)]).encode())
    with pytest.raises(UnexpectedResponseError):
        _read(big, wrong)


# -- 8x8 add: the property ------------------------------------------------------------------------


class _StubSession:
    def __init__(self, answer: Response) -> None:
        self.answer = answer

    async def send(self, *args: Any, **kwargs: Any) -> Response:
        return self.answer

    def redact(self, text: str) -> str:
        return text


def _read(sent: list[Any], answer: Response) -> list[tuple[int, str | None]] | None:
    import asyncio

    adapter = AddCustomers(_StubSession(answer), 7, as_string=False, validate=True)  # type: ignore[arg-type]
    return asyncio.run(adapter.send(sent, None))


_IDS = st.lists(st.integers(0, 10**22), min_size=1, max_size=60, unique=True)
_STATUS = st.sampled_from([200, 200, 200, 400, 404, 500, 503])


@settings(max_examples=150, deadline=None)
@given(ids=_IDS, data=st.data())
def test_any_order_of_exactly_the_sent_ids_is_read_right(ids: list[int], data: Any) -> None:
    statuses = data.draw(st.lists(_STATUS, min_size=len(ids), max_size=len(ids)))
    order = data.draw(st.permutations(range(len(ids))))
    as_text = data.draw(st.booleans())
    elements = [
        result(str(ids[i]) if as_text else ids[i], statuses[i], None if statuses[i] == 200 else "m")
        for i in order
    ]
    answer = Response(status=207, body=json.dumps(elements).encode())
    read = _read(ids, answer)
    expected = [(s, None if s == 200 else "m") for s in statuses]
    assert (read or [(200, None)] * len(ids)) == expected


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ids=_IDS, data=st.data())
def test_any_answer_naming_other_ids_is_unexpected(ids: list[int], data: Any) -> None:
    elements = [result(i) for i in ids]
    corruption = data.draw(st.sampled_from(["foreign", "drop", "extra", "twice"]))
    seed = data.draw(st.integers(0, 2**32))
    rng = random.Random(seed)
    at = rng.randrange(len(ids))
    if corruption == "foreign":
        elements[at] = result(10**22 + 1 + at)  # never sent (above the maximum)
    elif corruption == "drop":
        del elements[at]
    elif corruption == "extra":
        elements.insert(at, result(10**22 + 5))
    else:
        if len(ids) < 2:
            elements.append(result(ids[0]))
        else:
            elements[at] = result(ids[(at + 1) % len(ids)])
    rng.shuffle(elements)
    answer = Response(status=207, body=json.dumps(elements).encode())
    with pytest.raises(UnexpectedResponseError):
        _read(ids, answer)


# -- 8x8 delete ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [body(204, b""), body(200, {"message": "Customer deleted."})],
    ids=["204", "200 with a JSON message"],
)
async def test_documented_delete_answers_are_successes(
    answer: Handler, cc_at: Callable[[str], CampaignsClient]
) -> None:
    async with Script(answer) as server:
        adapter = RemoveCustomers(cc_at(server.url).session, 7, as_string=False, validate=True)
        assert await adapter.send([5], None) == [(answer(None).status, None)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "answer",
    [body(200, MAINTENANCE, HTML), body(200, b""), body(202, b""), body(200, "[1]")],
    ids=["html", "empty 200", "empty 202", "a list"],
)
async def test_other_delete_answers_are_unexpected(
    answer: Handler, cc_at: Callable[[str], CampaignsClient]
) -> None:
    async with Script(answer) as server:
        adapter = RemoveCustomers(cc_at(server.url).session, 7, as_string=False, validate=True)
        with pytest.raises(UnexpectedResponseError):
            await adapter.send([5], None)


# -- VoIPbin target -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [body(200, MAINTENANCE, HTML), body(200, {"name": "x"}), body(201, b""), body(200, "[]")],
    ids=["html", "no id", "empty", "a list"],
)
async def test_a_target_post_without_the_created_target_is_unexpected(answer: Handler) -> None:
    async with Script(answer) as server:
        client = VoipbinClient(accesskey="key-SECRET-77aa", base_url=server.url, retry=FAST_RETRY)
        async with client:
            adapter = AddTargets(client.session, OUTDIAL)
            payload = adapter.prepare("+14155550100")[1]
            with pytest.raises(UnexpectedResponseError):
                await adapter.send([payload], None)


async def test_a_created_target_is_a_success() -> None:
    async with Script(body(200, {"id": "b1a2", "name": ""})) as server:
        client = VoipbinClient(accesskey="key-SECRET-77aa", base_url=server.url, retry=FAST_RETRY)
        async with client:
            adapter = AddTargets(client.session, OUTDIAL)
            payload = adapter.prepare("+14155550100")[1]
            assert await adapter.send([payload], None) == [(200, None)]


# -- the client's own calls ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        body(200, MAINTENANCE, HTML),
        body(202, b""),
        body(207, [result(1), result(99)]),
        body(200, {"message": "ok"}),
    ],
    ids=["html", "empty 202", "an id never sent", "an object"],
)
async def test_add_customers_refuses_an_answer_that_is_not_the_api(
    answer: Handler, cc_at: Callable[[str], CampaignsClient]
) -> None:
    async with Script(answer) as server:
        with pytest.raises(UnexpectedResponseError):
            await cc_at(server.url).add_customers(7, [1, 2])


async def test_get_campaign_quotes_an_odd_answer_without_its_secrets(
    cc_at: Callable[[str], CampaignsClient],
) -> None:
    async with Script(body(200, {"login": f"token {DATA_TOKEN} expired"})) as server:
        with pytest.raises(UnexpectedResponseError) as caught:
            await cc_at(server.url).get_campaign(7)
    assert "expected {" in str(caught.value)
    assert DATA_TOKEN not in str(caught.value) and "***" in str(caught.value)
