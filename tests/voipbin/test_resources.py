"""The resource form of VoipbinClient (``vb.campaigns.get(...)``): every resource method against
the simulator and on the exact wire (aioresponses), and the old flat methods as aliases of them.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Awaitable, Callable
from typing import Any
from unittest import mock

import orjson
import pytest
from aioresponses import aioresponses
from yarl import URL

from cc_campaigns import (
    InvalidTransitionError,
    NotFoundError,
    UnexpectedResponseError,
    ValidationError,
)
from cc_campaigns.voipbin import (
    NIL_UUID,
    Address,
    Campaign,
    CampaignStatus,
    EndHandle,
    Outdial,
    OutdialTarget,
    Outplan,
    TargetStatus,
    VoipbinClient,
    WaitTimeoutError,
)
from cc_campaigns.voipbin import client as client_module
from cc_campaigns.voipbin import errors as errors_module
from cc_campaigns.voipbin.resources import Campaigns, Outdials, OutdialTargets, Outplans, Resource
from cc_campaigns.voipbin.simulator import VoipbinSimulator

from .conftest import ACCESSKEY, TALK

BASE = "https://api.voipbin.net/v1.0"
CID = "183c0d5c-691e-42f3-af2b-9bffc2740f83"
OPID = "d5fb7357-7ddb-4f2d-87b5-8ccbfd6c039e"
ODID = "40bea034-1d17-474d-a5de-da00d0861c69"
TID = "7f3e1b0a-55aa-4c1d-9e2f-0a1b2c3d4e5f"
QID = "99bf739a-932f-433c-b1bf-103d33d7e9bb"

CAMPAIGN: dict[str, Any] = {
    "id": CID,
    "type": "call",
    "name": "spring",
    "detail": "promo",
    "status": "stop",
    "service_level": 100,
    "end_handle": "stop",
    "actions": [],
    "outplan_id": OPID,
    "outdial_id": ODID,
    "queue_id": NIL_UUID,
    "next_campaign_id": NIL_UUID,
}
OUTPLAN: dict[str, Any] = {
    "id": OPID,
    "name": "plan",
    "detail": "d",
    "source": {"type": "tel", "target": "+15550001111"},
    "dial_timeout": 30000,
    "try_interval": 60000,
    **{f"max_try_count_{i}": 2 for i in range(5)},
}
OUTDIAL: dict[str, Any] = {"id": ODID, "name": "list", "detail": "d", "data": ""}
TARGET: dict[str, Any] = {
    "id": TID,
    "outdial_id": ODID,
    "name": "Ada",
    "status": "idle",
    "destination_0": {"type": "tel", "target": "+15551234567"},
}

#: Every public method VoipbinClient had before the split, and the resource method it now is.
ALIASES = {
    "list_campaigns": ("campaigns", "list"),
    "get_campaign": ("campaigns", "get"),
    "create_campaign": ("campaigns", "create"),
    "update_campaign": ("campaigns", "update"),
    "update_campaign_actions": ("campaigns", "update_actions"),
    "update_campaign_resources": ("campaigns", "update_resources"),
    "delete_campaign": ("campaigns", "delete"),
    "set_campaign_status": ("campaigns", "set_status"),
    "wait_for_status": ("campaigns", "wait_for_status"),
    "list_outplans": ("outplans", "list"),
    "get_outplan": ("outplans", "get"),
    "create_outplan": ("outplans", "create"),
    "update_outplan": ("outplans", "update"),
    "update_outplan_dial_info": ("outplans", "update_dial_info"),
    "delete_outplan": ("outplans", "delete"),
    "list_outdials": ("outdials", "list"),
    "get_outdial": ("outdials", "get"),
    "create_outdial": ("outdials", "create"),
    "update_outdial": ("outdials", "update"),
    "delete_outdial": ("outdials", "delete"),
    "add_target": ("outdials.targets", "create"),
    "list_targets": ("outdials.targets", "list"),
    "get_target": ("outdials.targets", "get"),
    "delete_target": ("outdials.targets", "delete"),
}
#: The rest of the client's surface before the split, kept on the client itself.
KEPT = ("from_env", "bulk_add_targets", "iter_bulk_add_targets", "close", "base_url", "session")


def resource_of(vb: VoipbinClient, path: str) -> Resource:
    found: Any = vb
    for part in path.split("."):
        found = getattr(found, part)
    assert isinstance(found, Resource)
    return found


# -- the old surface ---------------------------------------------------------------------------


async def test_every_old_method_delegates_to_its_resource_method() -> None:
    vb = VoipbinClient(accesskey=ACCESSKEY)
    for old, (path, new) in ALIASES.items():
        resource = resource_of(vb, path)
        is_async = inspect.iscoroutinefunction(getattr(resource, new))
        stand_in = mock.AsyncMock() if is_async else mock.Mock()
        with mock.patch.object(resource, new, stand_in):
            called = getattr(vb, old)(CID, "+15551234567", page_size=7, extra=None)
            got = await called if is_async else called
        assert got is stand_in.return_value, old
        stand_in.assert_called_once_with(CID, "+15551234567", page_size=7, extra=None)
    for name in KEPT:
        assert hasattr(vb, name), name
    assert (type(vb.campaigns), type(vb.outplans), type(vb.outdials)) == (
        Campaigns,
        Outplans,
        Outdials,
    )
    assert type(vb.outdials.targets) is OutdialTargets
    await vb.close()


def test_old_methods_on_the_class_look_like_methods() -> None:
    for old, (path, new) in ALIASES.items():
        function = getattr(VoipbinClient, old)
        resource_cls = {"campaigns": Campaigns, "outplans": Outplans, "outdials": Outdials}.get(
            path, OutdialTargets
        )
        original = getattr(resource_cls, new)
        assert inspect.isfunction(function), old
        assert function.__name__ == old and function.__qualname__ == f"VoipbinClient.{old}"
        assert inspect.iscoroutinefunction(function) == inspect.iscoroutinefunction(original)
        assert inspect.signature(function) == inspect.signature(original)
        assert f"client.{path}.{new}(" in (function.__doc__ or "")


async def test_old_methods_called_through_the_class(vb: VoipbinClient) -> None:
    outdial = await VoipbinClient.create_outdial(vb, "via the class")
    assert (await VoipbinClient.get_outdial(vb, outdial.id)).name == "via the class"
    assert [o.id async for o in VoipbinClient.list_outdials(vb)] == [outdial.id]


async def test_an_autospec_mock_of_the_client_keeps_async_methods_async() -> None:
    fake = mock.create_autospec(VoipbinClient, instance=True)
    fake.get_campaign.return_value = "x"
    assert await fake.get_campaign(CID) == "x"
    with pytest.raises(TypeError):
        fake.get_campaign(CID, "unexpected")
    assert not inspect.isawaitable(fake.list_campaigns())  # a sync method stays sync


def test_the_module_names_of_today_still_import() -> None:
    assert client_module.decode_voipbin_error is errors_module.decode_voipbin_error
    expected = {
        "DEFAULT_BASE_URL": "https://api.voipbin.net/v1.0",
        "DEFAULT_BULK_RATE": 16.5,
        "MAX_PAGE_SIZE": 100,
        "DEFAULT_WAIT_TIMEOUT": 120.0,
        "DEFAULT_WAIT_INTERVAL": 1.0,
        "DEFAULT_DIAL_TIMEOUT_MS": 30_000,
        "DEFAULT_TRY_INTERVAL_MS": 60_000,
        "DEFAULT_MAX_TRY_COUNTS": (1, 1, 1, 1, 1),
    }
    for name, value in expected.items():
        assert getattr(client_module, name) == value, name
    assert isinstance(client_module.DEFAULT_BULK_CONCURRENCY, int)
    assert issubclass(client_module.WaitTimeoutError, TimeoutError)
    for module in ("cc_campaigns.voipbin", "cc_campaigns.voipbin.client"):
        package = importlib.import_module(module)
        for name in package.__all__:
            assert getattr(package, name) is not None, (module, name)
    resources = importlib.import_module("cc_campaigns.voipbin.resources")
    assert sorted(resources.__all__) == resources.__all__
    for name in resources.__all__:
        assert inspect.isclass(getattr(resources, name))


def test_resources_carry_no_secret_in_repr() -> None:
    vb = VoipbinClient(accesskey=ACCESSKEY)
    for shown in (repr(vb.campaigns), repr(vb.outplans), repr(vb.outdials.targets)):
        assert ACCESSKEY not in shown and BASE in shown


# -- the resource form against the simulator ---------------------------------------------------


async def test_a_whole_campaign_through_the_resources(
    vb: VoipbinClient, vsim: VoipbinSimulator
) -> None:
    plan = await vb.outplans.create("plan", source="+15550001111", max_try_counts=[2, 1])
    assert isinstance(plan, Outplan) and plan.max_try_counts == (2, 1, 0, 0, 0)
    plan = await vb.outplans.update(plan.id, name="plan 2")
    assert (plan.name, plan.source) == ("plan 2", Address("+15550001111"))
    plan = await vb.outplans.update_dial_info(plan.id, dial_timeout=20_000)
    assert (plan.dial_timeout, plan.max_try_counts[0]) == (20_000, 2)  # the rest kept
    assert (await vb.outplans.get(plan.id)).name == "plan 2"
    assert [p.id async for p in vb.outplans.list()] == [plan.id]

    dial = await vb.outdials.create("list", data={"source": "crm"})
    assert isinstance(dial, Outdial) and dial.data == '{"source":"crm"}'
    dial = await vb.outdials.update(dial.id, detail="spring list")
    assert (dial.name, dial.detail) == ("list", "spring list")
    assert (await vb.outdials.get(dial.id)).detail == "spring list"
    assert [o.id async for o in vb.outdials.list()] == [dial.id]

    ada = await vb.outdials.targets.create(
        dial.id, "+1 555 123 4567", name="Ada", destinations=["+15550002222"]
    )
    assert isinstance(ada, OutdialTarget) and ada.status is TargetStatus.IDLE
    assert [d.target for d in ada.destinations] == ["+15551234567", "+15550002222"]
    bob = await vb.outdials.targets.create(dial.id, "+15559876543", name="Bob")
    assert (await vb.outdials.targets.get(dial.id, ada.id)).name == "Ada"
    listed = [t.id async for t in vb.outdials.targets.list(dial.id, page_size=1)]
    assert sorted(listed) == sorted([ada.id, bob.id])
    assert await vb.outdials.targets.delete(dial.id, bob.id) is None
    assert [t.id for t in vsim.targets(dial.id)] == [ada.id]

    campaign = await vb.campaigns.create("spring", end_handle="continue", outplan_id=plan.id)
    assert isinstance(campaign, Campaign) and campaign.status is CampaignStatus.STOP
    campaign = await vb.campaigns.update(campaign.id, service_level=70)
    assert (campaign.service_level, campaign.end_handle) == (70, EndHandle.CONTINUE)
    campaign = await vb.campaigns.update_actions(campaign.id, [TALK])
    assert [a["type"] for a in campaign.actions] == ["talk"]
    campaign = await vb.campaigns.update_resources(campaign.id, outdial_id=dial.id)
    assert (campaign.outplan_id, campaign.outdial_id) == (plan.id, dial.id)
    assert [c.id async for c in vb.campaigns.list()] == [campaign.id]

    running = await vb.campaigns.set_status(campaign.id, "run")
    assert running.status is CampaignStatus.RUN
    with pytest.raises(InvalidTransitionError):
        await vb.outdials.targets.create(dial.id, "+15550003333")  # not while running
    await vb.campaigns.set_status(campaign.id, CampaignStatus.STOP)
    stopped = await vb.campaigns.wait_for_status(campaign.id, "stop", timeout=5, interval=0.01)
    assert stopped.status is CampaignStatus.STOP

    assert await vb.campaigns.delete(campaign.id) is None
    assert await vb.outdials.delete(dial.id) is None
    assert await vb.outplans.delete(plan.id) is None
    assert (vsim.campaigns(), vsim.outdials(), vsim.outplans()) == ([], [], [])
    with pytest.raises(NotFoundError):
        await vb.campaigns.get(campaign.id)


async def test_resources_check_arguments_before_sending(
    vb: VoipbinClient, vsim: VoipbinSimulator
) -> None:
    with pytest.raises(ValidationError, match="page_size"):
        vb.campaigns.list(page_size=0)  # at once, not on the first page
    with pytest.raises(ValidationError, match="UUID"):
        await vb.outplans.get("nope")
    with pytest.raises(ValidationError, match="nil"):
        await vb.outdials.targets.get(ODID, NIL_UUID)
    with pytest.raises(ValidationError, match="stopping"):
        await vb.campaigns.set_status(CID, "stopping")
    with pytest.raises(ValidationError, match="destinations"):
        await vb.outdials.targets.create(ODID, "+15551234567", destinations=["+15550000001"] * 5)
    with pytest.raises(ValidationError, match="max_try_counts"):
        await vb.outplans.create("p", max_try_counts=[1] * 6)
    assert vsim.stats.requests == 0


async def test_wait_for_status_times_out_with_the_last_campaign(vb: VoipbinClient) -> None:
    campaign = await vb.campaigns.create("slow")
    with pytest.raises(WaitTimeoutError) as info:
        await vb.campaigns.wait_for_status(campaign.id, "run", timeout=0, interval=0)
    assert info.value.last is not None and info.value.last.id == campaign.id
    with pytest.raises(ValidationError, match="negative"):
        await vb.campaigns.wait_for_status(campaign.id, "run", timeout=-1)


# -- the exact wire ----------------------------------------------------------------------------

Call = Callable[[VoipbinClient], Awaitable[Any]]

#: (resource call, method, path, JSON body or None, answer, type of the result)
WIRE: list[tuple[str, Call, str, str, Any, Any, type | None]] = [
    ("campaigns.get", lambda vb: vb.campaigns.get(CID.upper()), "GET", f"/campaigns/{CID}",
     None, CAMPAIGN, Campaign),
    ("campaigns.create", lambda vb: vb.campaigns.create(
        "spring", detail="promo", type="flow", service_level=80, end_handle="continue",
        actions=[TALK], outplan_id=OPID, outdial_id=ODID, queue_id=QID),
     "POST", "/campaigns",
     {"name": "spring", "detail": "promo", "type": "flow", "service_level": 80,
      "end_handle": "continue", "actions": [TALK], "outplan_id": OPID, "outdial_id": ODID,
      "queue_id": QID, "next_campaign_id": NIL_UUID}, CAMPAIGN, Campaign),
    ("campaigns.update", lambda vb: vb.campaigns.update(
        CID, name="n", detail="d", type="call", service_level=5, end_handle="stop"),
     "PUT", f"/campaigns/{CID}",
     {"name": "n", "detail": "d", "type": "call", "service_level": 5, "end_handle": "stop"},
     CAMPAIGN, Campaign),
    ("campaigns.update_actions", lambda vb: vb.campaigns.update_actions(CID, [TALK]),
     "PUT", f"/campaigns/{CID}/actions", {"actions": [TALK]}, CAMPAIGN, Campaign),
    ("campaigns.update_resources", lambda vb: vb.campaigns.update_resources(
        CID, outplan_id=OPID, outdial_id=ODID, queue_id=NIL_UUID, next_campaign_id=CID),
     "PUT", f"/campaigns/{CID}/resource_info",
     {"outplan_id": OPID, "outdial_id": ODID, "queue_id": NIL_UUID, "next_campaign_id": CID},
     CAMPAIGN, Campaign),
    ("campaigns.set_status", lambda vb: vb.campaigns.set_status(CID, "RUN"),
     "PUT", f"/campaigns/{CID}/status", {"status": "run"}, {**CAMPAIGN, "status": "run"},
     Campaign),
    ("campaigns.delete", lambda vb: vb.campaigns.delete(CID), "DELETE", f"/campaigns/{CID}",
     None, {}, None),
    ("outplans.get", lambda vb: vb.outplans.get(OPID), "GET", f"/outplans/{OPID}", None,
     OUTPLAN, Outplan),
    ("outplans.create", lambda vb: vb.outplans.create(
        "plan", detail="d", source="+15550001111", dial_timeout=1000, try_interval=2000,
        max_try_counts=[3, 2]),
     "POST", "/outplans",
     {"name": "plan", "detail": "d", "source": {"type": "tel", "target": "+15550001111"},
      "dial_timeout": 1000, "try_interval": 2000, "max_try_count_0": 3, "max_try_count_1": 2,
      "max_try_count_2": 0, "max_try_count_3": 0, "max_try_count_4": 0}, OUTPLAN, Outplan),
    ("outplans.update", lambda vb: vb.outplans.update(OPID, name="n", detail="d"),
     "PUT", f"/outplans/{OPID}", {"name": "n", "detail": "d"}, OUTPLAN, Outplan),
    ("outplans.update_dial_info", lambda vb: vb.outplans.update_dial_info(
        OPID, source=Address("+15550001111"), dial_timeout=1, try_interval=2,
        max_try_counts=[1, 1, 1, 1, 1]),
     "PUT", f"/outplans/{OPID}/dial_info",
     {"source": {"type": "tel", "target": "+15550001111"}, "dial_timeout": 1,
      "try_interval": 2, **{f"max_try_count_{i}": 1 for i in range(5)}}, OUTPLAN, Outplan),
    ("outplans.delete", lambda vb: vb.outplans.delete(OPID), "DELETE", f"/outplans/{OPID}",
     None, {}, None),
    ("outdials.get", lambda vb: vb.outdials.get(ODID), "GET", f"/outdials/{ODID}", None,
     OUTDIAL, Outdial),
    ("outdials.create", lambda vb: vb.outdials.create(
        "list", detail="d", data={"a": 1}, campaign_id=CID),
     "POST", "/outdials", {"campaign_id": CID, "name": "list", "detail": "d", "data": '{"a":1}'},
     OUTDIAL, Outdial),
    ("outdials.update", lambda vb: vb.outdials.update(ODID, name="n", detail="d"),
     "PUT", f"/outdials/{ODID}", {"name": "n", "detail": "d"}, OUTDIAL, Outdial),
    ("outdials.delete", lambda vb: vb.outdials.delete(ODID), "DELETE", f"/outdials/{ODID}",
     None, {}, None),
    ("outdials.targets.create", lambda vb: vb.outdials.targets.create(
        ODID, "+1 (555) 123-4567", name="Ada", detail="d", data="x",
        destinations=[Address("sip:ada@example.com", type="sip")]),
     "POST", f"/outdials/{ODID}/targets",
     {"name": "Ada", "detail": "d", "data": "x",
      "destination_0": {"type": "tel", "target": "+15551234567"},
      "destination_1": {"type": "sip", "target": "sip:ada@example.com"}}, TARGET, OutdialTarget),
    ("outdials.targets.get", lambda vb: vb.outdials.targets.get(ODID, TID),
     "GET", f"/outdials/{ODID}/targets/{TID}", None, TARGET, OutdialTarget),
    ("outdials.targets.delete", lambda vb: vb.outdials.targets.delete(ODID, TID),
     "DELETE", f"/outdials/{ODID}/targets/{TID}", None, {}, None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("call", "method", "path", "body", "answer", "result"),
    [row[1:] for row in WIRE],
    ids=[row[0] for row in WIRE],
)
async def test_each_resource_method_on_the_wire(
    http_mock: aioresponses,
    call: Call,
    method: str,
    path: str,
    body: Any,
    answer: Any,
    result: type | None,
) -> None:
    url = f"{BASE}{path}?accesskey={ACCESSKEY}"
    http_mock.add(url, method, payload=answer)
    async with VoipbinClient(accesskey=ACCESSKEY) as vb:
        got = await call(vb)
    if result is None:
        assert got is None
    else:
        assert isinstance(got, result) and got.id == answer["id"]
    (request,) = http_mock.requests[(method, URL(url))]
    assert len(http_mock.requests) == 1  # nothing read first: every setting was given
    sent = request.kwargs["data"]
    assert (orjson.loads(sent) if sent is not None else None) == body


@pytest.mark.parametrize(
    ("name", "path", "answer", "result"),
    [
        ("campaigns", "/campaigns", CAMPAIGN, Campaign),
        ("outplans", "/outplans", OUTPLAN, Outplan),
        ("outdials", "/outdials", OUTDIAL, Outdial),
        ("outdials.targets", f"/outdials/{ODID}/targets", TARGET, OutdialTarget),
    ],
)
async def test_each_list_on_the_wire(
    http_mock: aioresponses, name: str, path: str, answer: Any, result: type
) -> None:
    first = f"{BASE}{path}?accesskey={ACCESSKEY}&page_size=50"
    second = f"{first}&page_token=next"
    http_mock.get(first, payload={"result": [answer], "next_page_token": "next"})
    http_mock.get(second, payload={"result": [answer], "next_page_token": ""})
    async with VoipbinClient(accesskey=ACCESSKEY) as vb:
        resource: Any = resource_of(vb, name)
        pages = resource.list(ODID, page_size=50) if "targets" in name else resource.list(50)
        items = [item async for item in pages]
    assert [type(i) for i in items] == [result, result]
    assert [i.id for i in items] == [answer["id"]] * 2
    assert len(http_mock.requests[("GET", URL(first))]) == 1
    assert len(http_mock.requests[("GET", URL(second))]) == 1


async def test_a_partial_update_reads_first_and_sends_everything(
    http_mock: aioresponses,
) -> None:
    url = f"{BASE}/outplans/{OPID}/dial_info?accesskey={ACCESSKEY}"
    http_mock.get(f"{BASE}/outplans/{OPID}?accesskey={ACCESSKEY}", payload=OUTPLAN)
    http_mock.put(url, payload=OUTPLAN)
    async with VoipbinClient(accesskey=ACCESSKEY) as vb:
        await vb.outplans.update_dial_info(OPID, try_interval=5)
    (request,) = http_mock.requests[("PUT", URL(url))]
    assert orjson.loads(request.kwargs["data"]) == {
        "source": {"type": "tel", "target": "+15550001111"},
        "dial_timeout": 30000,
        "try_interval": 5,
        **{f"max_try_count_{i}": 2 for i in range(5)},
    }


@pytest.mark.parametrize(
    "answer",
    ["a string", [CAMPAIGN], {"name": "no id"}, 7],
    ids=["string", "list", "object without id", "number"],
)
async def test_a_wrongly_shaped_answer_is_not_the_apis(
    http_mock: aioresponses, answer: Any
) -> None:
    # A 200 whose JSON is not a campaign (a proxy, another service): UnexpectedResponseError
    # with the request's status, method and URL, like any answer that is not the API's.
    url = f"{BASE}/campaigns/{CID}?accesskey={ACCESSKEY}"
    http_mock.get(url, payload=answer)
    async with VoipbinClient(accesskey=ACCESSKEY) as vb:
        with pytest.raises(UnexpectedResponseError) as caught:
            await vb.campaigns.get(CID)
    assert (caught.value.status, caught.value.method) == (200, "GET")
    assert caught.value.url is not None and ACCESSKEY not in str(caught.value)


async def test_a_wrongly_shaped_page_item_is_not_the_apis(http_mock: aioresponses) -> None:
    url = f"{BASE}/campaigns?accesskey={ACCESSKEY}&page_size=50"
    http_mock.get(url, payload={"result": ["not a campaign"], "next_page_token": ""})
    async with VoipbinClient(accesskey=ACCESSKEY) as vb:
        with pytest.raises(UnexpectedResponseError):
            _ = [c async for c in vb.campaigns.list(50)]
