"""The vendor's variants (issue 8, point 7): where 8x8's pages disagree, the simulator can speak
each reading, and the client and the bulk jobs understand every one of them.

The simulator's answers are checked over plain HTTP against the vendor's own wordings (quoted
here from the OpenAPI examples, the guide and the support page, never imported from the
simulator); the client is then run against each variant.
"""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cc_campaigns import (
    ApiError,
    AuthenticationError,
    CampaignNotDynamicError,
    CampaignNotEnabledError,
    CampaignNotStartedError,
    CampaignsClient,
    CampaignStatus,
    CampaignStoppedError,
    NotFoundError,
    RecordStatus,
    ServerError,
    ValidationError,
)
from cc_campaigns.bulk import Bucket
from cc_campaigns.bulk.engine import Verdict
from cc_campaigns.dynamic.adapters import AddCustomers, RemoveCustomers
from cc_campaigns.dynamic.client import parse_write_token
from cc_campaigns.dynamic.simulator import Simulator, Variants
from cc_campaigns.dynamic.simulator.__main__ import build_parser, variants_from_args
from cc_campaigns.dynamic.simulator.state import ApiFailure, SimState
from cc_campaigns.dynamic.simulator.variants import GUIDE_TABLES, OPENAPI, SUPPORT
from cc_campaigns.voipbin.adapters import AddTargets
from cc_campaigns.voipbin.client import VoipbinClient
from cc_campaigns.voipbin.simulator import VoipbinSimulator

from ..conftest import (
    ACTION_TOKEN,
    DATA_TOKEN,
    DISABLED,
    FAST_RETRY,
    MISSING,
    NEW,
    NOT_DYNAMIC,
    RUNNING,
    STOPPED,
    USERNAME,
    make_client,
    make_simulator,
    populate,
)

# The vendor's words, as its pages print them.
OPENAPI_STOPPED_500 = {"message": "Internal server error"}
GUIDE_STOPPED = "Campaign is already stopped or completed. No operation is allowed."
OPENAPI_ADD_STOPPED = "The campaign has stopped. No additional customers can be added."
OPENAPI_DELETE_STOPPED = "The campaign has stopped. No customers can be deleted."
SUPPORT_DUPLICATE = "Duplicated customer."
GUIDE_DUPLICATE = "Duplicate customer"
NOT_IN_CAMPAIGN_WORDINGS = [
    "Customer not found.",  # support page
    "The customer has not been located.",  # OpenAPI 404 description
    "The customer-id has not been found.",  # guide 207 example, api-notes
    "",  # OpenAPI: a 404 without a body
]
AGENT_CONNECTED = (
    "Customer not available for deletion because an agent has connected to the phone line."
)
DELETED_ALREADY = "Customer not available for deletion because the record is deleted already."


def basic(token: str) -> str:
    return "Basic " + base64.b64encode(f"{USERNAME}:{token}".encode()).decode()


async def raw(
    sim: Simulator, method: str, path: str, *, token: str = ACTION_TOKEN, body: Any = None
) -> tuple[int, bytes, aiohttp.typedefs.LooseHeaders]:
    """One request to the simulator with plain aiohttp (no SDK code involved)."""
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    headers = {"Authorization": basic(token), "Content-Type": "application/json"}
    async with (
        aiohttp.ClientSession() as http,
        http.request(method, sim.url + path, data=data, headers=headers) as answer,
    ):
        return answer.status, await answer.read(), answer.headers


@pytest.fixture
async def variant_sim(request: pytest.FixtureRequest) -> AsyncIterator[Simulator]:
    """A populated simulator with the variants the test is parametrised with."""
    async with make_simulator(variants=request.param) as simulator:
        populate(simulator)
        yield simulator


def with_variants(*variants: Variants) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("variant_sim", variants, indirect=True)


# -- the simulator speaks each reading -------------------------------------------------------


@with_variants(Variants(stopped_status=500))
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", f"/api/tstats/campaigns/{STOPPED}/customers", [{"customer-id": 1}]),
        ("POST", f"/api/tstats/campaigns/{STOPPED}", {"status": "RUNNING"}),
        ("DELETE", f"/api/tstats/campaigns/{STOPPED}/customers/1", None),
    ],
)
async def test_openapi_stopped_campaign_is_a_500(
    variant_sim: Simulator, method: str, path: str, body: Any
) -> None:
    status, content, _ = await raw(variant_sim, method, path, body=body)
    assert (status, json.loads(content)) == (500, OPENAPI_STOPPED_500)
    # Reads still work: that is how a client can find out why.
    status, content, _ = await raw(
        variant_sim, "GET", f"/api/stats/campaigns/{STOPPED}.json", token=DATA_TOKEN
    )
    assert status == 200 and json.loads(content)["campaign"]["status"] == 5


@with_variants(Variants(), Variants(messages="openapi"))
async def test_stopped_campaign_is_a_400_by_default(variant_sim: Simulator) -> None:
    openapi = variant_sim.variants.messages.stopped_add != GUIDE_STOPPED
    path = f"/api/tstats/campaigns/{STOPPED}/customers"
    status, content, _ = await raw(variant_sim, "POST", path, body=[{"customer-id": 1}])
    assert status == 400
    assert json.loads(content) == {"message": OPENAPI_ADD_STOPPED if openapi else GUIDE_STOPPED}
    path = f"/api/tstats/campaigns/{STOPPED}/customers/1"
    status, content, _ = await raw(variant_sim, "DELETE", path)
    assert json.loads(content) == {"message": OPENAPI_DELETE_STOPPED if openapi else GUIDE_STOPPED}


@pytest.mark.parametrize("wording", NOT_IN_CAMPAIGN_WORDINGS)
async def test_delete_not_found_wordings(wording: str) -> None:
    async with make_simulator(variants=Variants(delete_not_found=wording)) as sim:
        populate(sim)
        status, content, _ = await raw(
            sim, "DELETE", f"/api/tstats/campaigns/{RUNNING}/customers/7"
        )
    assert status == 404
    if wording:
        assert json.loads(content) == {"message": wording}
    else:
        assert content == b""


async def test_the_openapi_preset_answers_an_unknown_customer_with_an_empty_404() -> None:
    async with make_simulator(variants=OPENAPI) as sim:
        populate(sim)
        status, content, _ = await raw(
            sim, "DELETE", f"/api/tstats/campaigns/{RUNNING}/customers/7"
        )
    assert (status, content) == (404, b"")


async def test_support_preset_keeps_deleted_records_and_says_so() -> None:
    async with make_simulator(variants=SUPPORT) as sim:
        populate(sim)
        path = f"/api/tstats/campaigns/{RUNNING}/customers"
        status, content, _ = await raw(sim, "POST", path, body=[{"customer-id": 1}])
        assert status == 207
        status, content, _ = await raw(sim, "DELETE", path + "/1")
        assert (status, json.loads(content)) == (200, {"message": "Customer deleted."})
        status, content, _ = await raw(sim, "DELETE", path + "/1")
        assert (status, json.loads(content)) == (404, {"message": DELETED_ALREADY})
        # Added again, it is a member again: deletable, not "deleted already".
        await raw(sim, "POST", path, body=[{"customer-id": 1}])
        status, _, _ = await raw(sim, "DELETE", path + "/1")
        assert status == 200


@pytest.mark.parametrize(
    ("messages", "duplicate"), [("guide", GUIDE_DUPLICATE), ("support", SUPPORT_DUPLICATE)]
)
async def test_per_item_wordings(messages: str, duplicate: str) -> None:
    async with make_simulator(variants=Variants(messages=messages)) as sim:
        populate(sim)
        path = f"/api/tstats/campaigns/{RUNNING}/customers"
        await raw(sim, "POST", path, body=[{"customer-id": 1}])
        status, content, _ = await raw(sim, "POST", path, body=[{"customer-id": 1}])
    assert status == 207
    assert json.loads(content) == [{"customer-id": 1, "http-status": 400, "message": duplicate}]


@pytest.mark.parametrize(
    ("methods", "refused"), [("POST", "PATCH"), ("PATCH", "POST"), ("both", None)]
)
async def test_status_methods(methods: str, refused: str | None) -> None:
    async with make_simulator(variants=Variants(status_methods=methods)) as sim:
        populate(sim)
        path = f"/api/tstats/campaigns/{RUNNING}"
        answers = {}
        for method in ("POST", "PATCH"):
            status, _, headers = await raw(sim, method, path, body={"status": "PAUSED"})
            answers[method] = status
            if status == 405:
                assert headers["Allow"] == methods
            else:
                # Back to running for the other method's turn.
                await raw(sim, method, path, body={"status": "RUNNING"})
    assert answers == {m: 405 if m == refused else 200 for m in ("POST", "PATCH")}


@pytest.mark.parametrize(
    ("token_of_status", "accepted"),
    [("action", {ACTION_TOKEN}), ("data", {DATA_TOKEN}), ("either", {ACTION_TOKEN, DATA_TOKEN})],
)
async def test_write_tokens(token_of_status: str, accepted: set[str]) -> None:
    variants = Variants(status_token=token_of_status, delete_token=token_of_status)
    async with make_simulator(variants=variants) as sim:
        populate(sim)
        for token in (ACTION_TOKEN, DATA_TOKEN):
            status, _, _ = await raw(
                sim, "POST", f"/api/tstats/campaigns/{NEW}", token=token, body={"status": "X"}
            )
            assert status == (400 if token in accepted else 401)
            status, _, _ = await raw(
                sim, "DELETE", f"/api/tstats/campaigns/{RUNNING}/customers/7", token=token
            )
            assert status == (404 if token in accepted else 401)
            # Adds keep the action token; reads the data token.
            status, _, _ = await raw(
                sim, "POST", f"/api/tstats/campaigns/{RUNNING}/customers", token=token, body=[]
            )
            assert status == (400 if token == ACTION_TOKEN else 401)


# Bodies of a status change that are not {"status": <one of four names>}.
MALFORMED_STATUS_BODIES = [
    {"status": 1},
    {"status": []},
    {"status": {}},
    {"status": None},
    {"status": ["RUNNING"]},
    {},
    [],
    "RUNNING",
    b"\xff\xfe",
    b"{",
    b"",
]


@pytest.mark.parametrize("body", MALFORMED_STATUS_BODIES, ids=repr)
async def test_a_malformed_status_body_is_a_400(sim: Simulator, body: Any) -> None:
    status, content, _ = await raw(sim, "POST", f"/api/tstats/campaigns/{RUNNING}", body=body)
    assert status == 400
    assert json.loads(content) == {"message": "Invalid state transition."}
    assert sim.campaign_status(RUNNING) is CampaignStatus.MANUAL_RUNNING


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
STATUS_BODIES = JSON | st.fixed_dictionaries({"status": JSON})
ITEM = st.fixed_dictionaries(
    {"customer-id": JSON}, optional={"schedule-date-time": JSON, "x": JSON}
)


@settings(max_examples=300, deadline=None)
@given(body=STATUS_BODIES)
def test_any_status_body_is_answered_by_the_rules(body: Any) -> None:
    state = SimState()
    campaign = state.add_campaign(1, status=CampaignStatus.MANUAL_RUNNING)
    try:
        state.change_status(campaign, body)
    except ApiFailure as failure:
        assert failure.status == 400
    else:
        assert isinstance(body, dict) and body.get("status") in ("PAUSED", "STOPPED")


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(items=st.lists(ITEM, min_size=1, max_size=5))
def test_any_add_item_gets_a_per_item_answer(items: list[dict[str, Any]]) -> None:
    state = SimState()
    state.add_crm_customers(range(0, 100))
    campaign = state.add_campaign(1, status=CampaignStatus.MANUAL_RUNNING)
    results, _ = state.add_items(campaign, items)
    assert len(results) == len(items)
    assert all(result["http-status"] in (200, 400, 404) for result in results)


OPENAPI_400 = attrs.evolve(OPENAPI, stopped_status=400)
NOT_LOCATED = "The customer has not been located."
EITHER = Variants(status_token="either", add_token="either", delete_token="either")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], Variants()),
        (["--variants", "openapi"], OPENAPI),
        (["--variants", "openapi", "--stopped-status", "400"], OPENAPI_400),
        (["--delete-not-found", "empty"], Variants(delete_not_found="")),
        (["--delete-not-found", "not-located"], Variants(delete_not_found=NOT_LOCATED)),
        (["--write-token", "status=data,delete=data", "--status-method", "POST"], GUIDE_TABLES),
        (["--write-token", "either"], EITHER),
        (["--messages", "support", "--delete-status", "200", "--keep-deleted"], SUPPORT),
    ],
)  # fmt: skip
def test_simulator_command_line_variants(args: list[str], expected: Variants) -> None:
    assert variants_from_args(build_parser().parse_args(args)) == expected


def test_a_bad_write_token_flag_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--write-token", "status=root"])
    assert "not a write token setting" in capsys.readouterr().err


# -- the client: status method -------------------------------------------------------------


async def test_a_405_switches_to_patch_once_and_for_all() -> None:
    async with make_simulator(variants=Variants(status_methods="PATCH")) as sim:
        populate(sim)
        async with make_client(sim) as cc:
            await cc.pause(RUNNING)
            assert cc.status_method == "PATCH"
            await cc.start(RUNNING)
            await cc.stop(RUNNING)
        assert sim.campaign_status(RUNNING) is CampaignStatus.MANUAL_STOPPED
        assert sim.stats.by_status[405] == 1  # asked once, then remembered


async def test_a_405_switches_patch_back_to_post() -> None:
    async with make_simulator(variants=Variants(status_methods="POST")) as sim:
        populate(sim)
        # The user's CC_STATUS_METHOD-less default, pointed at the OpenAPI's method by hand.
        async with make_client(sim) as cc:
            cc.status_method = "PATCH"
            await cc.pause(RUNNING, check=False)
            assert cc.status_method == "POST"
        assert sim.campaign_status(RUNNING) is CampaignStatus.MANUAL_PAUSED


async def test_an_error_on_the_other_method_still_teaches_the_method() -> None:
    async with make_simulator(variants=Variants(status_methods="PATCH")) as sim:
        populate(sim)
        async with make_client(sim) as cc:
            with pytest.raises(CampaignStoppedError):
                await cc.start(STOPPED, check=False)
            assert cc.status_method == "PATCH"


@pytest.mark.parametrize(("methods", "chosen"), [("PATCH", "POST"), ("POST", "PATCH")])
async def test_an_explicit_status_method_is_kept_and_named(methods: str, chosen: str) -> None:
    async with make_simulator(variants=Variants(status_methods=methods)) as sim:
        populate(sim)
        async with make_client(sim, status_method=chosen) as cc:
            with pytest.raises(ApiError) as caught:
                await cc.pause(RUNNING, check=False)
            assert cc.status_method == chosen
        assert sim.stats.by_status == {405: 1}
    err = caught.value
    assert err.status == 405
    assert f"status_method={chosen!r}" in err.message
    assert "--status-method" in err.message and "CC_STATUS_METHOD" in err.message
    assert isinstance(err.__cause__, ApiError) and err.__cause__.status == 405


async def test_405_to_both_methods(http_mock: Any) -> None:
    url = "https://vcc-na12.8x8.com/api/tstats/campaigns/7"
    http_mock.post(url, status=405, payload={"message": "Method Not Allowed."})
    http_mock.patch(url, status=405, payload={"message": "Method Not Allowed."})
    async with CampaignsClient("na12", username=USERNAME, action_token=ACTION_TOKEN) as cc:
        with pytest.raises(ApiError) as caught:
            await cc.pause(7, check=False)
    assert caught.value.status == 405
    assert "neither POST nor PATCH" in caught.value.message


# -- the client: write tokens --------------------------------------------------------------


async def test_default_tokens_are_refused_by_a_guide_tables_tenant() -> None:
    async with make_simulator(variants=GUIDE_TABLES) as sim:
        populate(sim)
        async with make_client(sim) as cc:
            await cc.add_customers(RUNNING, [1])
            with pytest.raises(AuthenticationError):
                await cc.pause(RUNNING, check=False)
            with pytest.raises(AuthenticationError):
                await cc.delete_customer(RUNNING, 1)


@pytest.mark.parametrize(
    "write_token", ["guide", "status=data,delete=data", {"status": "data", "delete": "data"}]
)
async def test_write_token_for_the_guide_tables(write_token: Any) -> None:
    async with make_simulator(variants=GUIDE_TABLES) as sim:
        populate(sim)
        async with make_client(sim, write_token=write_token) as cc:
            assert cc.write_tokens == {"status": "data", "add": "action", "delete": "data"}
            await cc.add_customers(RUNNING, [1, 2, 3])
            await cc.pause(RUNNING)
            await cc.delete_customer(RUNNING, 1)
            report = await cc.bulk_remove(RUNNING, [2, 3, 4], retry=FAST_RETRY)
            await cc.get_campaign(RUNNING)
        assert (report.applied, report.already_present) == (2, 1)
        assert 401 not in sim.stats.by_status
        assert sim.campaign_customers(RUNNING) == []
        assert sim.campaign_status(RUNNING) is CampaignStatus.MANUAL_PAUSED


async def test_write_token_data_for_every_write() -> None:
    variants = Variants(status_token="data", add_token="data", delete_token="data")
    async with make_simulator(variants=variants) as sim:
        populate(sim)
        async with make_client(sim, write_token="data") as cc:
            report = await cc.bulk_add(RUNNING, [1, 2], retry=FAST_RETRY)
            await cc.delete_customer(RUNNING, 1)
            await cc.pause(RUNNING)
        assert report.applied == 2
        assert 401 not in sim.stats.by_status
    assert cc.session.closed and cc._writer("add").closed


@pytest.mark.parametrize(
    "value", ["root", "status=root", "status", "purge=data", {"status": "admin"}, 3]
)
def test_a_bad_write_token_is_a_validation_error(value: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_write_token(value)
    assert "write_token" in str(caught.value)


def test_write_token_never_shows_a_token() -> None:
    cc = CampaignsClient(
        "na12",
        username=USERNAME,
        data_token=DATA_TOKEN,
        action_token=ACTION_TOKEN,
        write_token="guide",
    )
    assert DATA_TOKEN not in repr(cc) and ACTION_TOKEN not in repr(cc)
    assert "status=data" in repr(cc)


def test_from_env_reads_the_knobs() -> None:
    environ = {
        "CC_PLATFORM": "na12",
        "CC_USERNAME": USERNAME,
        "CC_DATA_TOKEN": DATA_TOKEN,
        "CC_ACTION_TOKEN": ACTION_TOKEN,
        "CC_WRITE_TOKEN": "guide",
        "CC_STATUS_METHOD": "patch",
    }
    cc = CampaignsClient.from_env(environ)
    assert cc.write_tokens["delete"] == "data" and cc.status_method == "PATCH"


# -- bulk_remove: every wording of "not in the campaign" -------------------------------------


@pytest.mark.parametrize("wording", NOT_IN_CAMPAIGN_WORDINGS)
async def test_bulk_remove_reads_every_not_found_wording(wording: str) -> None:
    async with make_simulator(variants=Variants(delete_not_found=wording)) as sim:
        populate(sim)
        async with make_client(sim) as cc:
            await cc.add_customers(RUNNING, [1, 2])
            report = await cc.bulk_remove(RUNNING, [1, 2, 77, 78], retry=FAST_RETRY)
    assert report.balanced
    assert (report.applied, report.already_present, report.rejected) == (2, 2, 0)
    assert report.label(Bucket.ALREADY_PRESENT) == "not in campaign"
    assert sim.campaign_customers(RUNNING) == []


async def test_bulk_remove_counts_a_record_deleted_already_as_gone() -> None:
    async with make_simulator(variants=SUPPORT) as sim:
        populate(sim)
        async with make_client(sim) as cc:
            await cc.add_customers(RUNNING, [1, 2])
            await cc.delete_customer(RUNNING, 1)
            report = await cc.bulk_remove(RUNNING, [1, 2], retry=FAST_RETRY)
    assert (report.applied, report.already_present, report.rejected) == (1, 1, 0)


async def test_bulk_remove_rejects_a_customer_that_cannot_be_removed(
    client: CampaignsClient, sim: Simulator
) -> None:
    await client.add_customers(RUNNING, [1, 2])
    sim.set_record_status(RUNNING, 1, RecordStatus.ACCEPTED)
    report = await client.bulk_remove(RUNNING, [1, 2], retry=FAST_RETRY)
    assert (report.applied, report.rejected) == (1, 1)
    assert report.reasons == {AGENT_CONNECTED: 1}
    assert sim.campaign_customers(RUNNING) == [1]


@pytest.mark.parametrize("variants", [Variants(), OPENAPI])
async def test_bulk_remove_from_a_missing_campaign_stops(variants: Variants) -> None:
    async with make_simulator(variants=variants) as sim:
        populate(sim)
        async with make_client(sim) as cc:
            with pytest.raises(NotFoundError) as caught:
                await cc.bulk_remove(MISSING, [1, 2, 3], retry=FAST_RETRY)
    assert "campaign" in caught.value.message.lower()
    assert caught.value.report.applied == 0 and caught.value.report.already_present == 0


@pytest.mark.parametrize(
    ("status", "message", "verdict"),
    [
        *((404, w, Verdict.PRESENT) for w in NOT_IN_CAMPAIGN_WORDINGS),
        (404, None, Verdict.PRESENT),
        (404, "Not found.", Verdict.PRESENT),  # the client's text for an empty 404
        (404, DELETED_ALREADY, Verdict.PRESENT),
        (404, AGENT_CONNECTED, Verdict.REJECT),
        (404, "Customer not available for deletion because the record is marked as completed.",
         Verdict.REJECT),
        (404, "Campaign not found.", Verdict.REJECT),
        (404, "<html><body>404 Not Found (nginx)</body></html>", Verdict.REJECT),
        (400, "Customer not found.", Verdict.REJECT),
        (503, "Service unavailable.", Verdict.THROTTLE),
        (500, "Internal server error", Verdict.RETRY),
    ],
)  # fmt: skip
def test_remove_classify(status: int, message: str | None, verdict: Verdict) -> None:
    adapter = RemoveCustomers(None, 1, as_string=False, validate=True)  # type: ignore[arg-type]
    assert adapter.classify(status, message) is verdict


# -- diagnose: what a run of 5xx means --------------------------------------------------------


STOPPED_CODES = [
    CampaignStatus.MANUAL_STOPPED,
    CampaignStatus.COMPLETED,
    CampaignStatus.SCHEDULE_STOPPED,
]


@pytest.mark.parametrize("status", STOPPED_CODES)
async def test_diagnose_finds_a_stopped_campaign_behind_500s(status: CampaignStatus) -> None:
    async with make_simulator(variants=Variants(stopped_status=500)) as sim:
        populate(sim)
        sim.add_campaign(300, status=status)
        async with make_client(sim) as cc:
            with pytest.raises(ServerError):
                await cc.add_customers(300, [1])
            for adapter in (
                AddCustomers(cc.session, 300, as_string=False, validate=True),
                RemoveCustomers(cc.session, 300, as_string=False, validate=True),
            ):
                found = await adapter.diagnose()
                assert isinstance(found, CampaignStoppedError)
                assert found.status is None and found.method == "GET"
                assert "no operation is allowed" in found.message
                assert status.description in found.message
    assert sim.stats.by_status == {500: 1, 200: 2}  # one look each, no retry


@pytest.mark.parametrize(
    ("campaign", "expected"),
    [
        (NOT_DYNAMIC, CampaignNotDynamicError),
        (DISABLED, CampaignNotEnabledError),
        (NEW, CampaignNotStartedError),
        (MISSING, NotFoundError),
        (RUNNING, None),
    ],
)
async def test_diagnose_an_add(
    client: CampaignsClient, campaign: int, expected: type[ApiError] | None
) -> None:
    found = await AddCustomers(client.session, campaign, as_string=False, validate=True).diagnose()
    if expected is None:
        assert found is None
    else:
        assert type(found) is expected
    if expected is NotFoundError:
        assert found is not None and found.status == 404


async def test_diagnose_a_removal_from_a_new_campaign_finds_nothing(
    client: CampaignsClient,
) -> None:
    assert (
        await RemoveCustomers(client.session, NEW, as_string=False, validate=True).diagnose()
        is None
    )


async def test_diagnose_gives_up_quietly() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with CampaignsClient(
        base_url=f"http://127.0.0.1:{port}", username=USERNAME, action_token=ACTION_TOKEN
    ) as cc:
        assert await AddCustomers(cc.session, 1, as_string=False, validate=True).diagnose() is None
    async with make_simulator(error_rate=1.0) as sim:
        populate(sim)
        async with make_client(sim) as cc:
            adapter = AddCustomers(cc.session, STOPPED, as_string=False, validate=True)
            assert await adapter.diagnose() is None
        assert sim.stats.requests == 1


@pytest.mark.parametrize(
    "document",
    [
        {"campaign": {"campaign-id": 1, "status": 3}},  # no flags: nothing to judge
        {"campaign": "stopped"},
        ["not", "a", "campaign"],
    ],
)
async def test_diagnose_does_not_guess(http_mock: Any, document: Any) -> None:
    http_mock.get("https://vcc-na12.8x8.com/api/stats/campaigns/1.json", payload=document)
    async with CampaignsClient("na12", username=USERNAME, data_token=DATA_TOKEN) as cc:
        assert await AddCustomers(cc.session, 1, as_string=False, validate=True).diagnose() is None


async def test_diagnose_a_voipbin_outdial() -> None:
    async with (
        VoipbinSimulator(accesskey="diag-key", rate=None) as vsim,
        VoipbinClient(accesskey="diag-key", base_url=vsim.url, retry=FAST_RETRY) as vb,
    ):
        outdial = (await vb.create_outdial("diagnosed")).id
        assert await AddTargets(vb.session, outdial).diagnose() is None
        await vb.delete_outdial(outdial)
        found = await AddTargets(vb.session, outdial).diagnose()
    assert isinstance(found, NotFoundError) and found.status == 404


# -- the command line's settings -------------------------------------------------------------


def cli_client(tmp_path: Any, command_line: dict[str, str | None], **env: str) -> CampaignsClient:
    from cc_campaigns.cli.context import CliState

    environ = {
        "CC_CONFIG": str(tmp_path / "none.ini"),
        "CC_USERNAME": USERNAME,
        "CC_BASE_URL": "http://127.0.0.1:9",
        "CC_DATA_TOKEN": DATA_TOKEN,
        "CC_ACTION_TOKEN": ACTION_TOKEN,
        **env,
    }
    return CliState(command_line=command_line, environ=environ).client()


def test_cli_write_token_from_option_environment_and_default(tmp_path: Any) -> None:
    guide = {"status": "data", "add": "action", "delete": "data"}
    assert cli_client(tmp_path, {"write_token": "guide"}).write_tokens == guide
    assert cli_client(tmp_path, {}, CC_WRITE_TOKEN="delete=data").write_tokens["delete"] == "data"
    default = cli_client(tmp_path, {})
    assert set(default.write_tokens.values()) == {"action"}
    # Unset, the status method may still change after a 405; set, it is kept.
    assert not default._status_method_fixed
    assert cli_client(tmp_path, {"status_method": "PATCH"})._status_method_fixed


def test_cli_bad_write_token_is_a_usage_error(tmp_path: Any) -> None:
    from cc_campaigns.cli.context import CliError, ExitCode

    with pytest.raises(CliError) as caught:
        cli_client(tmp_path, {}, CC_WRITE_TOKEN="status=root")
    assert caught.value.exit_code == ExitCode.USAGE
    assert "write_token must be" in caught.value.message
    assert "CC_WRITE_TOKEN" in caught.value.message
