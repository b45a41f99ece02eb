"""The resource form of CampaignsClient (``cc.campaigns.get(...)``, ``cc.records.add(...)``):
every resource method against the simulator and on the exact wire (aioresponses), which token
each one sends, the old flat methods as aliases of them, and the shared resource machinery.
"""

from __future__ import annotations

import base64
import importlib
import inspect
from collections.abc import Awaitable, Callable
from typing import Any
from unittest import mock

import orjson
import pytest
from aioresponses import aioresponses

from cc_campaigns import (
    Campaign,
    CampaignRecord,
    CampaignsClient,
    CampaignState,
    CampaignStatus,
    CampaignStoppedError,
    CustomerItem,
    InvalidTransitionError,
    ItemResult,
    NotFoundError,
    RecordStatus,
    StatusChange,
    ValidationError,
)
from cc_campaigns._transport.resources import Delegate
from cc_campaigns._transport.resources import Resource as NeutralResource
from cc_campaigns._transport.session import Session
from cc_campaigns.dynamic import client as client_module
from cc_campaigns.dynamic.resources import Campaigns, Records
from cc_campaigns.dynamic.simulator import Simulator, Variants
from cc_campaigns.voipbin import VoipbinClient
from cc_campaigns.voipbin.resources import Resource as VoipbinResource

from ..conftest import (
    ACTION_TOKEN,
    DATA_TOKEN,
    FAST_RETRY,
    MISSING,
    NEW,
    RUNNING,
    STOPPED,
    USERNAME,
    make_client,
    make_simulator,
    populate,
)

BASE = "https://vcc-na12.8x8.com"

#: Every public endpoint method CampaignsClient had before the split, and what it now is.
ALIASES = {
    "get_campaign": ("campaigns", "get"),
    "set_status": ("campaigns", "set_status"),
    "start": ("campaigns", "start"),
    "pause": ("campaigns", "pause"),
    "purge": ("campaigns", "purge"),
    "stop": ("campaigns", "stop"),
    "add_customers": ("records", "add"),
    "list_records": ("records", "list"),
    "delete_customer": ("records", "delete"),
}
RESOURCE_CLASSES = {"campaigns": Campaigns, "records": Records}
#: The rest of the client's surface before the split, kept on the client itself.
KEPT = (
    "from_env",
    "bulk_add",
    "iter_bulk_add",
    "bulk_remove",
    "close",
    "base_url",
    "session",
    "platform",
    "username",
    "status_method",
    "write_tokens",
    "customer_id_format",
)


def basic(token: str) -> str:
    return "Basic " + base64.b64encode(f"{USERNAME}:{token}".encode()).decode("ascii")


def offline(**options: Any) -> CampaignsClient:
    settings: dict[str, Any] = {
        "username": USERNAME,
        "data_token": DATA_TOKEN,
        "action_token": ACTION_TOKEN,
        "retry": FAST_RETRY,
    }
    settings.update(options)
    return CampaignsClient("na12", **settings)


def sent(http: aioresponses) -> list[tuple[str, str, dict[str, Any]]]:
    """Every request sent, as (method, url, kwargs), in order."""
    calls: list[tuple[str, str, dict[str, Any]]] = []
    for (method, url), requests in http.requests.items():
        calls.extend((method, str(url), call.kwargs) for call in requests)
    return calls


# -- the old surface ---------------------------------------------------------------------------


async def test_every_old_method_delegates_to_its_resource_method() -> None:
    cc = offline()
    for old, (path, new) in ALIASES.items():
        resource = getattr(cc, path)
        stand_in = mock.AsyncMock()
        with mock.patch.object(resource, new, stand_in):
            got = await getattr(cc, old)(RUNNING, "x", current=None, check=False)
        assert got is stand_in.return_value, old
        stand_in.assert_awaited_once_with(RUNNING, "x", current=None, check=False)
    for name in KEPT:
        assert hasattr(cc, name), name
    assert (type(cc.campaigns), type(cc.records)) == (Campaigns, Records)
    await cc.close()


def test_old_methods_on_the_class_look_like_methods() -> None:
    for old, (path, new) in ALIASES.items():
        function = getattr(CampaignsClient, old)
        original = getattr(RESOURCE_CLASSES[path], new)
        assert inspect.isfunction(function), old
        assert function.__name__ == old and function.__qualname__ == f"CampaignsClient.{old}"
        assert inspect.iscoroutinefunction(function) and inspect.iscoroutinefunction(original)
        assert inspect.signature(function) == inspect.signature(original), old
        assert f"client.{path}.{new}(" in (function.__doc__ or "")


def test_the_signatures_of_the_old_names() -> None:
    # As before, except that the shortcuts name ``current`` and ``check`` (they took
    # ``**kwargs`` and passed them to set_status, which accepts only those two).
    def params(name: str) -> list[str]:
        return list(inspect.signature(getattr(CampaignsClient, name)).parameters)

    assert params("get_campaign") == ["self", "campaign_id"]
    assert params("set_status") == ["self", "campaign_id", "status", "current", "check"]
    for shortcut in ("start", "pause", "purge", "stop"):
        assert params(shortcut) == ["self", "campaign_id", "current", "check"], shortcut
    assert params("add_customers") == ["self", "campaign_id", "items"]
    assert params("list_records") == ["self", "campaign_id"]
    assert params("delete_customer") == ["self", "campaign_id", "customer_id"]


async def test_an_autospec_mock_of_the_client_keeps_async_methods_async() -> None:
    fake = mock.create_autospec(CampaignsClient, instance=True)
    fake.get_campaign.return_value = "x"
    assert await fake.get_campaign(RUNNING) == "x"
    with pytest.raises(TypeError):
        fake.get_campaign(RUNNING, "unexpected")
    with pytest.raises(TypeError):
        fake.pause(RUNNING, unknown=True)


async def test_old_methods_called_through_the_class(client: CampaignsClient) -> None:
    await CampaignsClient.start(client, NEW)
    campaign = await CampaignsClient.get_campaign(client, NEW)
    assert campaign.state is CampaignState.RUNNING


def test_the_module_names_of_today_still_import() -> None:
    for name in ("WRITE_TOKEN_PRESETS", "CampaignsClient", "parse_write_token"):
        assert getattr(client_module, name) is not None, name
    assert client_module.StatusMethod is not None and client_module.CustomerIdFormat is not None
    resources = importlib.import_module("cc_campaigns.dynamic.resources")
    assert sorted(resources.__all__) == resources.__all__ == ["Campaigns", "Records"]


# -- the client's settings live in the resources that use them --------------------------------


async def test_status_method_is_one_setting_seen_from_both(sim: Simulator) -> None:
    async with make_client(sim) as cc:
        assert cc.status_method == cc.campaigns.status_method == "POST"
        assert not cc._status_method_fixed
        cc.status_method = "PATCH"
        assert cc.campaigns.status_method == "PATCH"
        await cc.campaigns.start(NEW)
    assert sim.campaign_status(NEW) is CampaignStatus.MANUAL_RUNNING
    async with make_client(sim, status_method="patch") as cc:
        assert (cc.status_method, cc.campaigns.status_method_fixed) == ("PATCH", True)
        assert cc._status_method_fixed


async def test_a_method_learned_by_the_resource_is_the_clients() -> None:
    async with make_simulator(variants=Variants(status_methods="PATCH")) as sim:
        populate(sim)
        async with make_client(sim) as cc:
            await cc.campaigns.pause(RUNNING)
            assert cc.status_method == "PATCH"
            await cc.start(RUNNING)  # the alias uses what the resource learned
        assert sim.campaign_status(RUNNING) is CampaignStatus.MANUAL_RUNNING
        assert sim.stats.by_status[405] == 1


async def test_customer_id_format_set_on_the_client_reaches_records_add(
    http_mock: aioresponses,
) -> None:
    url = f"{BASE}/api/tstats/campaigns/125/customers"
    answer = [{"customer-id": 7, "http-status": 200}]
    http_mock.post(url, status=207, payload=answer, repeat=True)
    async with offline() as cc:
        await cc.records.add(125, [7])
        cc.customer_id_format = "string"
        assert cc.records.customer_id_format == "string"
        await cc.records.add(125, [7])
    bodies = [orjson.loads(kwargs["data"]) for _, _, kwargs in sent(http_mock)]
    assert bodies == [[{"customer-id": 7}], [{"customer-id": "7"}]]


# -- the resource form against the simulator --------------------------------------------------


async def test_a_campaign_through_the_resource(client: CampaignsClient, sim: Simulator) -> None:
    campaign = await client.campaigns.get(NEW)
    assert isinstance(campaign, Campaign)
    assert (campaign.campaign_id, campaign.name, campaign.state) == (NEW, "New", CampaignState.NEW)
    await client.campaigns.start(NEW)
    assert sim.campaign_status(NEW) is CampaignStatus.MANUAL_RUNNING
    await client.campaigns.pause(NEW, current=CampaignState.RUNNING)
    assert sim.campaign_status(NEW) is CampaignStatus.MANUAL_PAUSED
    await client.campaigns.purge(NEW)
    assert sim.campaign_status(NEW) is CampaignStatus.MANUAL_PURGED
    await client.campaigns.set_status(NEW, "running")
    assert sim.campaign_status(NEW) is CampaignStatus.MANUAL_RUNNING
    await client.campaigns.stop(NEW)
    assert sim.campaign_status(NEW) is CampaignStatus.MANUAL_STOPPED


async def test_the_campaigns_resource_refuses_before_sending(
    client: CampaignsClient, sim: Simulator
) -> None:
    before = sim.stats.requests
    with pytest.raises(InvalidTransitionError, match="STOPPED") as caught:
        await client.campaigns.start(STOPPED, current=CampaignState.STOPPED)
    assert sim.stats.requests == before  # nothing sent
    assert caught.value.method == "POST"
    assert caught.value.url == f"{sim.url}/api/tstats/campaigns/{STOPPED}"
    with pytest.raises(CampaignStoppedError):  # unchecked: the server refuses it
        await client.campaigns.set_status(STOPPED, StatusChange.RUNNING, check=False)
    with pytest.raises(NotFoundError):
        await client.campaigns.get(MISSING)
    with pytest.raises(ValidationError, match="campaign id"):
        await client.campaigns.get(-1)
    with pytest.raises(ValidationError, match="unknown status"):
        await client.campaigns.set_status(NEW, "RESUMED", check=False)


async def test_records_through_the_resource(client: CampaignsClient, sim: Simulator) -> None:
    results = await client.records.add(RUNNING, [3, "1", CustomerItem(2)])
    assert results == [ItemResult(3, 200), ItemResult(1, 200), ItemResult(2, 200)]
    assert sim.campaign_customers(RUNNING) == [1, 2, 3]
    sim.set_record_status(RUNNING, 2, RecordStatus.COMPLETED)
    records = await client.records.list(RUNNING)
    assert all(isinstance(r, CampaignRecord) for r in records)
    assert [(r.record_id, r.status) for r in records] == [
        (1, RecordStatus.NEW),
        (2, RecordStatus.COMPLETED),
        (3, RecordStatus.NEW),
    ]
    await client.records.delete(RUNNING, 1)
    await client.records.delete(RUNNING, "3")
    assert sim.campaign_customers(RUNNING) == [2]
    with pytest.raises(NotFoundError, match="completed"):
        await client.records.delete(RUNNING, 2)
    with pytest.raises(ValidationError, match="empty"):
        await client.records.add(RUNNING, [])
    with pytest.raises(NotFoundError):
        await client.records.list(MISSING)


async def test_the_guide_tables_tenant_through_the_resources() -> None:
    # Status changes and deletes need the data token there, adds the action token.
    variants = Variants(status_token="data", add_token="action", delete_token="data")
    async with make_simulator(variants=variants) as sim:
        populate(sim)
        async with make_client(sim, write_token="guide") as cc:
            await cc.records.add(RUNNING, [1, 2])
            await cc.records.delete(RUNNING, 1)
            await cc.campaigns.pause(RUNNING)
            assert len(await cc.records.list(RUNNING)) == 1
        assert sim.campaign_status(RUNNING) is CampaignStatus.MANUAL_PAUSED
        assert 401 not in sim.stats.by_status


# -- the exact wire: which token each resource method sends ------------------------------------

Call = Callable[[CampaignsClient], Awaitable[Any]]

#: (name, call, method, path, body, operation) for every resource method; ``operation`` is
#: the write whose token it uses (``None``: a read, always the data token).
WIRE: list[tuple[str, Call, str, str, Any, str | None]] = [
    ("campaigns.get", lambda cc: cc.campaigns.get(125), "GET", "/api/stats/campaigns/125.json",
     None, None),
    ("campaigns.set_status", lambda cc: cc.campaigns.set_status(125, "paused", check=False),
     "POST", "/api/tstats/campaigns/125", {"status": "PAUSED"}, "status"),
    ("campaigns.start", lambda cc: cc.campaigns.start(125, check=False), "POST",
     "/api/tstats/campaigns/125", {"status": "RUNNING"}, "status"),
    ("campaigns.pause", lambda cc: cc.campaigns.pause(125, check=False), "POST",
     "/api/tstats/campaigns/125", {"status": "PAUSED"}, "status"),
    ("campaigns.purge", lambda cc: cc.campaigns.purge(125, check=False), "POST",
     "/api/tstats/campaigns/125", {"status": "PURGED"}, "status"),
    ("campaigns.stop", lambda cc: cc.campaigns.stop(125, check=False), "POST",
     "/api/tstats/campaigns/125", {"status": "STOPPED"}, "status"),
    ("records.add", lambda cc: cc.records.add(125, [10003629]), "POST",
     "/api/tstats/campaigns/125/customers", [{"customer-id": 10003629}], "add"),
    ("records.list", lambda cc: cc.records.list(125), "GET",
     "/api/stats/campaigns/125/records.json", None, None),
    ("records.delete", lambda cc: cc.records.delete(125, "10003629"), "DELETE",
     "/api/tstats/campaigns/125/customers/10003629", None, "delete"),
]  # fmt: skip

ANSWERS: dict[str, dict[str, Any]] = {
    "/api/stats/campaigns/125.json": {"payload": {"campaign": {"campaign-id": 125, "status": 3}}},
    "/api/tstats/campaigns/125/customers": {
        "status": 207,
        "payload": [{"customer-id": 10003629, "http-status": 200}],
    },
    "/api/stats/campaigns/125/records.json": {"payload": {"records": {"record": []}}},
    "/api/tstats/campaigns/125": {"status": 200, "body": ""},
    "/api/tstats/campaigns/125/customers/10003629": {"status": 204, "body": ""},
}


@pytest.mark.parametrize("write_token", ["action", "data", "guide"])
@pytest.mark.parametrize(
    ("call", "method", "path", "body", "operation"),
    [pytest.param(*case[1:], id=case[0]) for case in WIRE],
)
async def test_each_resource_method_on_the_wire(
    http_mock: aioresponses,
    write_token: str,
    call: Call,
    method: str,
    path: str,
    body: Any,
    operation: str | None,
) -> None:
    http_mock.add(f"{BASE}{path}", method, **ANSWERS[path])
    async with offline(write_token=write_token) as cc:
        await call(cc)
        expected_token = (
            DATA_TOKEN
            if operation is None or cc.write_tokens[operation] == "data"
            else ACTION_TOKEN
        )
    ((sent_method, url, kwargs),) = sent(http_mock)
    assert (sent_method, url) == (method, f"{BASE}{path}")
    assert kwargs["headers"]["Authorization"] == basic(expected_token)
    if body is None:
        assert kwargs["data"] is None
        assert "Content-Type" not in kwargs["headers"]
    else:
        assert orjson.loads(kwargs["data"]) == body
        assert kwargs["headers"]["Content-Type"] == "application/json"


async def test_a_checked_status_change_reads_with_the_data_token(
    http_mock: aioresponses,
) -> None:
    http_mock.get(
        f"{BASE}/api/stats/campaigns/125.json",
        payload={"campaign": {"campaign-id": 125, "status": 3}},
    )
    http_mock.post(f"{BASE}/api/tstats/campaigns/125", status=200, body="")
    async with offline() as cc:  # default: the action token for every write
        await cc.campaigns.pause(125)
    (read, write) = sent(http_mock)
    assert read[0] == "GET" and read[2]["headers"]["Authorization"] == basic(DATA_TOKEN)
    assert write[0] == "POST" and write[2]["headers"]["Authorization"] == basic(ACTION_TOKEN)


# -- secrets -----------------------------------------------------------------------------------


def test_resources_and_client_carry_no_secret_in_repr() -> None:
    secrets = [
        token
        for t in (DATA_TOKEN, ACTION_TOKEN)
        for token in (t, basic(t), basic(t).removeprefix("Basic "))
    ]
    for write_token in ("action", "guide"):
        cc = offline(write_token=write_token)
        shown = [repr(cc), str(cc), repr(cc.campaigns), repr(cc.records), repr(vars(cc.records))]
        shown += [repr(cc.campaigns.__dict__)]
        for text in shown:
            assert not [s for s in secrets if s in text], text
        assert BASE in repr(cc.campaigns) and "Campaigns" in repr(cc.campaigns)
        assert repr(cc.records) == f"<Records of {BASE}>"


# -- the shared machinery ----------------------------------------------------------------------


def test_both_providers_build_on_the_neutral_resource() -> None:
    cc = offline()
    vb = VoipbinClient(accesskey="vbkey-SECRET-0000")
    for resource in (cc.campaigns, cc.records, vb.campaigns, vb.outdials.targets):
        assert isinstance(resource, NeutralResource)
    assert issubclass(VoipbinResource, NeutralResource)
    # Both resources of the 8x8 client read through the client's own request path.
    assert cc.campaigns._session is cc.session and cc.records._session is cc.session


async def test_the_delegate_on_a_class_of_its_own() -> None:
    class Items(NeutralResource):
        async def fetch(self, key: int, *, deep: bool = False) -> tuple[int, bool]:
            """Fetch one."""
            return key, deep

        def count(self) -> int:
            return 3

    class Box:
        inner: Any

        def __init__(self) -> None:
            self.items = Items(
                Session("https://api.example.com", read_headers={}, write_headers={})
            )
            self.inner = type("Inner", (), {"items": self.items})()

        fetch_item = Delegate("items", Items.fetch)
        count_items = Delegate("items", Items.count)
        nested_fetch = Delegate("inner.items", Items.fetch)

    box = Box()
    assert await box.fetch_item(4, deep=True) == (4, True)
    assert await box.nested_fetch(5) == (5, False)
    assert box.count_items() == 3
    assert inspect.iscoroutinefunction(Box.fetch_item)
    assert not inspect.iscoroutinefunction(Box.count_items)
    assert Box.fetch_item.__qualname__.endswith("Box.fetch_item")
    assert Box.fetch_item.__module__ == __name__
    assert inspect.signature(Box.fetch_item) == inspect.signature(Items.fetch)
    assert "client.items.fetch(" in (Box.fetch_item.__doc__ or "")
    assert "client.inner.items.fetch(" in (Box.nested_fetch.__doc__ or "")
    await box.items._session.close()
