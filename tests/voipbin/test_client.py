"""VoipbinClient against the in-process VoipbinSimulator: every method, pagination, the status
lifecycle, every error reason, rate limiting and secret redaction. Loopback only."""

from __future__ import annotations

import logging
from datetime import timezone
from typing import Any

import aiohttp
import pytest

from cc_campaigns import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    CampaignsError,
    InvalidTransitionError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    Timeouts,
    TransitionRefusedError,
    TransportError,
    ValidationError,
)
from cc_campaigns.voipbin import (
    NIL_UUID,
    Address,
    AddressType,
    Campaign,
    CampaignStatus,
    CampaignType,
    EndHandle,
    TargetStatus,
    VoipbinClient,
    WaitTimeoutError,
)
from cc_campaigns.voipbin.simulator import VoipbinSimulator

from .conftest import ACCESSKEY, FAST, MISSING, TALK, TOKEN

#: Recognisable, so a test can grep for them anywhere they must not be.


def gets(sim: VoipbinSimulator, route: str) -> int:
    return sim.stats.by_route[f"GET /v1.0{route}"]


# -- construction ------------------------------------------------------------------------------


def test_credentials_are_required() -> None:
    with pytest.raises(ValidationError, match="accesskey"):
        VoipbinClient()
    with pytest.raises(ValidationError, match="not both"):
        VoipbinClient(accesskey=ACCESSKEY, token=TOKEN)


def test_plain_http_only_on_loopback() -> None:
    with pytest.raises(ValidationError, match="loopback"):
        VoipbinClient(accesskey=ACCESSKEY, base_url="http://api.voipbin.net/v1.0")
    assert VoipbinClient(accesskey=ACCESSKEY, base_url="http://localhost:1/v1.0/").base_url == (
        "http://localhost:1/v1.0"
    )


def test_default_base_url_is_the_public_api() -> None:
    client = VoipbinClient(token=TOKEN)
    assert client.base_url == "https://api.voipbin.net/v1.0"
    assert client.auth == "token"


def test_from_env() -> None:
    env = {"VOIPBIN_ACCESSKEY": ACCESSKEY, "VOIPBIN_BASE_URL": "http://127.0.0.1:9/v1.0"}
    client = VoipbinClient.from_env(env)
    assert client.base_url == "http://127.0.0.1:9/v1.0"
    assert client.auth == "accesskey"
    with pytest.raises(ValidationError):
        VoipbinClient.from_env({})


async def test_borrowed_session_is_not_closed(vsim: VoipbinSimulator) -> None:
    async with aiohttp.ClientSession() as http:
        async with VoipbinClient(accesskey=ACCESSKEY, base_url=vsim.url, session=http) as vb:
            assert [c async for c in vb.list_campaigns()] == []
        await vb.close()  # twice is harmless
        assert not http.closed
    with pytest.raises(CampaignsError, match="closed"):
        await vb.get_campaign(MISSING)


# -- campaigns ---------------------------------------------------------------------------------


async def test_create_and_get_campaign(vb: VoipbinClient, vsim: VoipbinSimulator) -> None:
    outplan = await vb.create_outplan("plan")
    outdial = await vb.create_outdial("list")
    created = await vb.create_campaign(
        "spring",
        detail="promo",
        type="flow",
        service_level=80,
        end_handle=EndHandle.CONTINUE,
        actions=[TALK],
        outplan_id=outplan.id,
        outdial_id=outdial.id,
    )
    assert isinstance(created, Campaign)
    assert created.status is CampaignStatus.STOP  # created stopped
    assert created.type is CampaignType.FLOW
    assert created.end_handle is EndHandle.CONTINUE
    assert created.service_level == 80
    assert created.actions[0]["type"] == "talk"
    assert (created.queue_id, created.next_campaign_id) == (None, None)  # nil UUID -> None
    assert created.tm_create is not None and created.tm_create.tzinfo is timezone.utc
    assert (created.tm_update, created.tm_delete, created.deleted) == (None, None, False)
    fetched = await vb.get_campaign(created.id)
    assert fetched == created
    assert vsim.campaign(created.id).outdial_id == outdial.id


async def test_create_campaign_validates_before_sending(
    vb: VoipbinClient, vsim: VoipbinSimulator
) -> None:
    with pytest.raises(ValidationError, match="type"):
        await vb.create_campaign("x", type="sms")
    with pytest.raises(ValidationError, match="end_handle"):
        await vb.create_campaign("x", end_handle="loop")
    with pytest.raises(ValidationError, match="action"):
        await vb.create_campaign("x", actions=[{"option": {}}])
    with pytest.raises(ValidationError, match="UUID"):
        await vb.create_campaign("x", outdial_id="not-a-uuid")
    with pytest.raises(ValidationError, match="UUID"):
        await vb.get_campaign("../outdials")
    with pytest.raises(ValidationError, match="nil"):
        await vb.get_campaign(NIL_UUID)
    assert vsim.stats.requests == 0


async def test_update_campaign_keeps_what_is_left_out(vb: VoipbinClient) -> None:
    campaign = await vb.create_campaign("old", detail="kept", service_level=50)
    updated = await vb.update_campaign(campaign.id, name="new")
    assert (updated.name, updated.detail, updated.service_level) == ("new", "kept", 50)
    assert updated.tm_update is not None
    everything = await vb.update_campaign(
        campaign.id, name="n", detail="d", type="call", service_level=1, end_handle="continue"
    )
    assert (everything.detail, everything.end_handle) == ("d", EndHandle.CONTINUE)


async def test_update_campaign_actions_and_resources(vb: VoipbinClient) -> None:
    outplan = await vb.create_outplan("plan")
    outdial = await vb.create_outdial("list")
    campaign = await vb.create_campaign("c", outplan_id=outplan.id)
    with_actions = await vb.update_campaign_actions(campaign.id, [TALK, {"type": "hangup"}])
    assert [a["type"] for a in with_actions.actions] == ["talk", "hangup"]
    pointed = await vb.update_campaign_resources(campaign.id, outdial_id=outdial.id)
    assert (pointed.outplan_id, pointed.outdial_id) == (outplan.id, outdial.id)  # outplan kept
    cleared = await vb.update_campaign_resources(campaign.id, outplan_id=NIL_UUID)
    assert (cleared.outplan_id, cleared.outdial_id) == (None, outdial.id)


async def test_delete_campaign(vb: VoipbinClient, vsim: VoipbinSimulator) -> None:
    campaign = await vb.create_campaign("gone")
    assert await vb.delete_campaign(campaign.id) is None
    assert vsim.campaigns() == []
    with pytest.raises(NotFoundError) as info:
        await vb.get_campaign(campaign.id)
    assert info.value.reason == "CAMPAIGN_NOT_FOUND"


async def test_a_running_campaign_cannot_be_deleted(vb: VoipbinClient) -> None:
    campaign = await vb.create_campaign("busy")
    await vb.set_campaign_status(campaign.id, "run")
    with pytest.raises(InvalidTransitionError) as info:
        await vb.delete_campaign(campaign.id)
    assert (info.value.status, info.value.reason) == (409, "STATE_INVALID")


# -- pagination --------------------------------------------------------------------------------


async def test_list_campaigns_walks_every_page_and_the_final_empty_one(
    vb: VoipbinClient, vsim: VoipbinSimulator
) -> None:
    names = [f"c{i}" for i in range(7)]
    for name in names:
        await vb.create_campaign(name)
    listed = [c.name async for c in vb.list_campaigns(page_size=3)]
    assert listed == list(reversed(names))  # newest first, nothing twice
    # 3 + 3 + 1, then the empty page whose token is empty.
    assert gets(vsim, "/campaigns") == 4


async def test_an_empty_list_takes_one_request(vb: VoipbinClient, vsim: VoipbinSimulator) -> None:
    assert [c async for c in vb.list_campaigns()] == []
    assert gets(vsim, "/campaigns") == 1


async def test_page_size_is_checked_at_once(vb: VoipbinClient) -> None:
    for bad in (0, 101, "10", True):
        with pytest.raises(ValidationError, match="page_size"):
            vb.list_campaigns(page_size=bad)  # type: ignore[arg-type]


async def test_list_can_stop_early(vb: VoipbinClient, vsim: VoipbinSimulator) -> None:
    for i in range(5):
        await vb.create_campaign(f"c{i}")
    async for campaign in vb.list_campaigns(page_size=2):
        assert campaign.name == "c4"
        break
    assert gets(vsim, "/campaigns") == 1


# -- status lifecycle --------------------------------------------------------------------------


async def test_status_lifecycle_rides_through_stopping(
    vb: VoipbinClient, vsim: VoipbinSimulator
) -> None:
    campaign = await vb.create_campaign("life")
    running = await vb.set_campaign_status(campaign.id, "run")
    assert running.status is CampaignStatus.RUN and running.running
    assert (await vb.set_campaign_status(campaign.id, CampaignStatus.RUN)).status == "run"
    stopping = await vb.set_campaign_status(campaign.id, "stop")
    assert stopping.status is CampaignStatus.STOPPING and stopping.running
    with pytest.raises(InvalidTransitionError, match="stopping") as info:
        await vb.set_campaign_status(campaign.id, "run")
    assert info.value.reason == "STATE_INVALID"
    before = gets(vsim, "/campaigns/{id}")
    stopped = await vb.wait_for_status(campaign.id, "stop", interval=0)
    assert stopped.status is CampaignStatus.STOP and not stopped.running
    # The simulator reports ``stopping`` for two reads (stop_polls=2), then ``stop``.
    assert gets(vsim, "/campaigns/{id}") - before == 3
    assert (await vb.set_campaign_status(campaign.id, "stop")).status is CampaignStatus.STOP


async def test_set_campaign_status_refuses_other_values(vb: VoipbinClient) -> None:
    campaign = await vb.create_campaign("x")
    with pytest.raises(ValidationError, match="server"):
        await vb.set_campaign_status(campaign.id, "stopping")
    with pytest.raises(ValidationError, match="status"):
        await vb.set_campaign_status(campaign.id, "paused")


async def test_wait_for_status_times_out(vb: VoipbinClient) -> None:
    campaign = await vb.create_campaign("x")
    await vb.set_campaign_status(campaign.id, "run")
    with pytest.raises(WaitTimeoutError, match="still run") as info:
        await vb.wait_for_status(campaign.id, "stop", timeout=0, interval=0)
    assert isinstance(info.value, TimeoutError)
    assert info.value.last is not None and info.value.last.status is CampaignStatus.RUN
    with pytest.raises(ValidationError):
        await vb.wait_for_status(campaign.id, "stop", timeout=-1)


async def test_wait_for_status_returns_at_once_when_there(vb: VoipbinClient) -> None:
    campaign = await vb.create_campaign("x")
    assert (await vb.wait_for_status(campaign.id, "stop", timeout=0)).id == campaign.id


# -- outplans ----------------------------------------------------------------------------------


async def test_outplan_crud(vb: VoipbinClient, vsim: VoipbinSimulator) -> None:
    outplan = await vb.create_outplan(
        "plan",
        detail="d",
        source="+1 (555) 000-1111",
        dial_timeout=20_000,
        try_interval=5_000,
        max_try_counts=[3, 2],
    )
    assert outplan.source == Address("+15550001111")
    assert outplan.max_try_counts == (3, 2, 0, 0, 0)
    assert await vb.get_outplan(outplan.id) == outplan
    renamed = await vb.update_outplan(outplan.id, name="renamed")
    assert (renamed.name, renamed.detail) == ("renamed", "d")
    retimed = await vb.update_outplan_dial_info(outplan.id, dial_timeout=1_000)
    assert (retimed.dial_timeout, retimed.try_interval) == (1_000, 5_000)
    assert retimed.source == outplan.source and retimed.max_try_counts == (3, 2, 0, 0, 0)
    resourced = await vb.update_outplan_dial_info(
        outplan.id,
        source=Address("sip:ops@example.com", type=AddressType.SIP),
        dial_timeout=1,
        try_interval=2,
        max_try_counts=(1,),
    )
    assert resourced.source is not None and resourced.source.type is AddressType.SIP
    second = await vb.create_outplan("second")
    assert [p.name async for p in vb.list_outplans(page_size=1)] == ["second", "renamed"]
    await vb.delete_outplan(second.id)
    assert [p.id for p in vsim.outplans()] == [outplan.id]
    with pytest.raises(NotFoundError) as info:
        await vb.get_outplan(second.id)
    assert info.value.reason == "OUTPLAN_NOT_FOUND"
    with pytest.raises(ValidationError):
        await vb.create_outplan("x", max_try_counts=[1] * 6)
    with pytest.raises(ValidationError, match=r"E\.164"):
        await vb.create_outplan("x", source="555")


# -- outdials ----------------------------------------------------------------------------------


async def test_outdial_crud(vb: VoipbinClient, vsim: VoipbinSimulator) -> None:
    campaign = await vb.create_campaign("owner")
    outdial = await vb.create_outdial(
        "list", detail="d", data={"segment": "vip"}, campaign_id=campaign.id
    )
    assert (outdial.data, outdial.campaign_id) == ('{"segment":"vip"}', campaign.id)
    assert await vb.get_outdial(outdial.id) == outdial
    updated = await vb.update_outdial(outdial.id, detail="new")
    assert (updated.name, updated.detail) == ("list", "new")
    other = await vb.create_outdial("other")
    assert [o.name async for o in vb.list_outdials()] == ["other", "list"]
    await vb.delete_outdial(other.id)
    assert [o.id for o in vsim.outdials()] == [outdial.id]
    with pytest.raises(NotFoundError) as info:
        await vb.get_outdial(other.id)
    assert info.value.reason == "OUTDIAL_NOT_FOUND"


# -- targets -----------------------------------------------------------------------------------


async def test_add_get_list_delete_targets(vb: VoipbinClient, vsim: VoipbinSimulator) -> None:
    outdial = await vb.create_outdial("list")
    target = await vb.add_target(
        outdial.id,
        "+1 555-123-4567",
        name="Ada",
        detail="vip",
        data={"crm": 7},
        destinations=["+15557654321", Address("sip:ada@example.com", type="sip")],
    )
    assert target.destination == "+15551234567"  # normalised before sending
    assert [d.target for d in target.destinations] == [
        "+15551234567",
        "+15557654321",
        "sip:ada@example.com",
    ]
    assert (target.name, target.detail, target.data) == ("Ada", "vip", '{"crm":7}')
    assert target.status is TargetStatus.IDLE and target.outdial_id == outdial.id
    assert await vb.get_target(outdial.id, target.id) == target
    for i in range(4):
        await vb.add_target(outdial.id, {"target": f"+1555000000{i}", "name": f"n{i}"})
    listed = [t.destination async for t in vb.list_targets(outdial.id, page_size=2)]
    assert listed == [f"+1555000000{i}" for i in (3, 2, 1, 0)] + ["+15551234567"]
    assert gets(vsim, "/outdials/{id}/targets") == 4  # 2 + 2 + 1 + the empty page
    await vb.delete_target(outdial.id, target.id)
    assert len(vsim.targets(outdial.id)) == 4
    with pytest.raises(NotFoundError) as info:
        await vb.get_target(outdial.id, target.id)
    assert info.value.reason == "TARGET_NOT_FOUND"


async def test_add_target_validates_before_sending(
    vb: VoipbinClient, vsim: VoipbinSimulator
) -> None:
    outdial = await vb.create_outdial("list")
    sent = vsim.stats.requests
    for bad in ("5551234567", "+0123", "+1555123456789012", "", 15551234567):
        with pytest.raises(ValidationError):
            await vb.add_target(outdial.id, bad)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="at most 5"):
        await vb.add_target(outdial.id, "+15550000000", destinations=["+15550000001"] * 5)
    assert vsim.stats.requests == sent


async def test_targets_cannot_change_while_a_campaign_runs(
    vb: VoipbinClient, vsim: VoipbinSimulator
) -> None:
    outdial = await vb.create_outdial("list")
    kept = await vb.add_target(outdial.id, "+15550000001")
    campaign = await vb.create_campaign("c", outdial_id=outdial.id)
    await vb.set_campaign_status(campaign.id, "run")
    with pytest.raises(InvalidTransitionError, match="stop the campaign") as info:
        await vb.add_target(outdial.id, "+15550000002")
    assert (info.value.status, info.value.reason) == (409, "STATE_INVALID")
    with pytest.raises(InvalidTransitionError):
        await vb.delete_target(outdial.id, kept.id)
    with pytest.raises(InvalidTransitionError):
        await vb.delete_outdial(outdial.id)
    await vb.set_campaign_status(campaign.id, "stop")
    with pytest.raises(InvalidTransitionError):  # still stopping
        await vb.add_target(outdial.id, "+15550000002")
    await vb.wait_for_status(campaign.id, "stop", interval=0)
    await vb.add_target(outdial.id, "+15550000002")
    assert len(vsim.targets(outdial.id)) == 2


async def test_targets_of_a_missing_outdial(vb: VoipbinClient) -> None:
    with pytest.raises(NotFoundError) as info:
        await vb.add_target(MISSING, "+15550000001")
    assert info.value.reason == "OUTDIAL_NOT_FOUND"
    with pytest.raises(NotFoundError):
        [t async for t in vb.list_targets(MISSING)]


# -- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "reason", "expected"),
    [
        (400, "INVALID_ARGUMENT", BadRequestError),
        (401, "UNAUTHORIZED", AuthenticationError),
        (403, "PERMISSION_DENIED", AuthenticationError),
        (404, "CAMPAIGN_NOT_FOUND", NotFoundError),
        (404, "OUTPLAN_NOT_FOUND", NotFoundError),
        (404, "OUTDIAL_NOT_FOUND", NotFoundError),
        (404, "TARGET_NOT_FOUND", NotFoundError),
        (405, "METHOD_NOT_ALLOWED", ApiError),
        (409, "STATE_INVALID", TransitionRefusedError),
        (429, "RATE_LIMIT_EXCEEDED", RateLimitedError),
        (500, "INTERNAL_ERROR", ServerError),
        (504, "GATEWAY_TIMEOUT", ServerError),
        # The reason decides over a 4xx status that says less.
        (400, "STATE_INVALID", TransitionRefusedError),
        (400, "CAMPAIGN_NOT_FOUND", NotFoundError),
        (400, "RATE_LIMIT_EXCEEDED", RateLimitedError),
    ],
)
async def test_every_error_reason_maps_into_the_error_tree(
    vb: VoipbinClient, vsim: VoipbinSimulator, status: int, reason: str, expected: type[ApiError]
) -> None:
    vsim.fail_next(
        FAST.attempts, status=status, reason=reason, message=f"Injected {reason}.", method="POST"
    )
    with pytest.raises(expected) as info:
        # A POST is sent once, except after 429/503 (retried: nothing was applied).
        await vb.create_outdial("x")
    err = info.value
    assert type(err) is expected
    assert (err.status, err.reason) == (status, reason)
    assert err.request_id is not None and err.request_id.startswith("sim-")
    assert err.method == "POST" and err.url == f"{vsim.url}/outdials"
    assert str(err) == f"[{status}] Injected {reason}. (POST {vsim.url}/outdials)"


async def test_wrong_credentials(vsim: VoipbinSimulator) -> None:
    async with VoipbinClient(accesskey="wrong-key", base_url=vsim.url, retry=FAST) as vb:
        with pytest.raises(AuthenticationError) as info:
            await vb.get_campaign(MISSING)
    assert (info.value.status, info.value.reason) == (401, "UNAUTHORIZED")


async def test_bearer_token_works(vsim: VoipbinSimulator) -> None:
    async with VoipbinClient(token=TOKEN, base_url=vsim.url, retry=FAST) as vb:
        created = await vb.create_campaign("via token")
        assert (await vb.get_campaign(created.id)).name == "via token"


async def test_details_are_part_of_the_message(vb: VoipbinClient, vsim: VoipbinSimulator) -> None:
    vsim.fail_next(status=400, reason="INVALID_ARGUMENT", message="Bad.", method="POST")
    with pytest.raises(BadRequestError):
        await vb.create_campaign("x")
    # The simulator reads requests strictly; the SDK never sends what it refuses.
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{vsim.url}/campaigns", params={"accesskey": ACCESSKEY}, json={"nmae": "typo"}
        ) as answer,
    ):
        body = await answer.json()
    assert answer.status == 400
    assert body["error"]["details"] == {"unknown": ["nmae"]}


async def test_transport_errors(vsim: VoipbinSimulator) -> None:
    # aiohttp itself resends once on a dropped keep-alive connection: queue plenty.
    vsim.drop_next(10)
    async with VoipbinClient(accesskey=ACCESSKEY, base_url=vsim.url, retry=FAST) as vb:
        with pytest.raises(TransportError, match="no answer"):
            await vb.get_campaign(MISSING)  # a read: tried three times, dropped every time
    assert vsim.stats.faults["dropped"] >= 3


# -- rate limiting -----------------------------------------------------------------------------


async def test_reads_ride_through_429_with_retry_after(
    vb: VoipbinClient, vsim: VoipbinSimulator
) -> None:
    campaign = await vb.create_campaign("x")
    vsim.throttle_next(2, retry_after=0.001)
    assert (await vb.get_campaign(campaign.id)).id == campaign.id
    assert vsim.stats.by_status[429] == 2
    # Status changes are idempotent, so they are retried too.
    vsim.throttle_next(1)
    assert (await vb.set_campaign_status(campaign.id, "run")).status is CampaignStatus.RUN


async def test_creates_are_retried_on_429_exactly_once_applied(
    vb: VoipbinClient, vsim: VoipbinSimulator
) -> None:
    # A 429 says the create was not applied, so resending it cannot make a second outdial.
    vsim.throttle_next(1, retry_after=0.01)
    outdial = await vb.create_outdial("x")
    assert [o.id for o in vsim.outdials()] == [outdial.id]


async def test_the_per_key_limit_answers_429_with_retry_after() -> None:
    # One request per 1000 s, burst 1: the second request of a key is refused, deterministically.
    async with (
        VoipbinSimulator(accesskey=["key-a", "key-b"], rate=0.001, burst=1) as sim,
        VoipbinClient(accesskey="key-a", base_url=sim.url, retry=FAST) as a,
        VoipbinClient(accesskey="key-b", base_url=sim.url, retry=FAST) as b,
    ):
        assert [c async for c in a.list_campaigns()] == []
        with pytest.raises(RateLimitedError) as info:
            await a.get_campaign(MISSING)
        assert [c async for c in b.list_campaigns()] == []  # another key, its own bucket
    err = info.value
    assert (err.status, err.reason) == (429, "RATE_LIMIT_EXCEEDED")
    assert err.retry_after is not None and 990 < err.retry_after <= 1000
    assert sim.stats.by_status[429] == 3  # three attempts, each refused
    assert sim.stats.throttled == 3


# -- secrets -----------------------------------------------------------------------------------


async def _exercise(vb: VoipbinClient, vsim: VoipbinSimulator) -> list[BaseException]:
    errors: list[BaseException] = []
    campaign = await vb.create_campaign("x")
    await vb.get_campaign(campaign.id)
    for call in (
        lambda: vb.get_campaign(MISSING),
        lambda: vb.add_target(MISSING, "+15550000001"),
    ):
        try:
            await call()
        except ApiError as err:
            errors.append(err)
    vsim.throttle_next(3)
    try:
        await vb.get_campaign(campaign.id)
    except RateLimitedError as err:
        errors.append(err)
    return errors


@pytest.mark.parametrize("auth", ["accesskey", "token"])
async def test_secrets_never_reach_repr_errors_or_logs(
    vsim: VoipbinSimulator, caplog: pytest.LogCaptureFixture, auth: str
) -> None:
    caplog.set_level(logging.DEBUG)
    credentials: dict[str, Any] = {auth: ACCESSKEY if auth == "accesskey" else TOKEN}
    secret = ACCESSKEY if auth == "accesskey" else TOKEN
    async with VoipbinClient(base_url=vsim.url, retry=FAST, **credentials) as vb:
        errors = await _exercise(vb, vsim)
        shown = [repr(vb), str(vb), repr(vb.session)]
    # A connection that fails (nothing listens on the port any more) must not leak it either.
    dead = vsim.url
    await vsim.close()
    async with VoipbinClient(
        base_url=dead, retry=FAST, timeouts=Timeouts(connect=1, total=2), **credentials
    ) as vb:
        with pytest.raises(TransportError) as info:
            await vb.get_campaign(MISSING)
        errors.append(info.value)
    assert len(errors) == 4
    shown += [str(e) for e in errors] + [repr(e) for e in errors]
    shown += [str(getattr(e, "url", "")) for e in errors]
    assert caplog.text  # the debug log did record the requests
    for text in [*shown, caplog.text]:
        assert secret not in text
        assert "SECRET" not in text
