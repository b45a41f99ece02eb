"""The command line's shape: every provider a group with the same verbs where the APIs allow,
the 8x8 commands also at the top level (the same command objects), and one error mapping that
gives the same exit code for the same error class whichever provider raised it. Driven
in-process against the three simulators at once (8x8, VoIPbin, 8x8 Campaigns API v1)."""

from __future__ import annotations

import functools
import inspect
import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from cc_campaigns import CampaignsClient, CampaignStatus, errors
from cc_campaigns.campaigns_v1 import CampaignsV1Client
from cc_campaigns.campaigns_v1 import errors as v1_errors
from cc_campaigns.campaigns_v1.simulator import CampaignsV1Simulator
from cc_campaigns.cli import context
from cc_campaigns.cli.app import cli
from cc_campaigns.cli.errors import CAMPAIGNS_V1, DYNAMIC, VOIPBIN, CliError, ExitCode, explain
from cc_campaigns.voipbin import VoipbinClient
from cc_campaigns.voipbin.simulator import VoipbinSimulator

from ..cli_support import SimThread
from ..conftest import ACTION_TOKEN, DATA_TOKEN, FAST_RETRY, USERNAME, make_simulator

KEY = "vb-SECRET-common-4c1d"
V1_KEY = "eght_SECRET-common-v1-77a0"
V1_TENANT = "acme"
DYNAMIC_GROUP = cli.commands["8x8"]
VOIPBIN_GROUP = cli.commands["voipbin"]
V1_GROUP = cli.commands["v1"]
assert isinstance(DYNAMIC_GROUP, click.Group) and isinstance(VOIPBIN_GROUP, click.Group)
assert isinstance(V1_GROUP, click.Group)

#: The verbs both APIs allow, under the same names.
SHARED = ["status", "start", "stop", "records", "add", "remove", "upload", "simulate", "demo"]
#: Verbs one API has and the other lacks, and the words the other group's help says it with.
ONLY_8X8 = {"pause": "pause, purge", "purge": "pause, purge"}
ONLY_VOIPBIN = {"campaigns": "cannot list campaigns"}
#: The shared verbs (and 8x8's) that the Campaigns API v1 has too, under the same names.
SHARED_V1 = ["start", "pause", "purge", "add", "upload", "simulate", "demo"]
#: The verbs of the other groups v1 lacks, and the words its help says it with.
NOT_IN_V1 = {
    "status": "no read endpoint: the action's answer shows the campaign",
    "records": "no read endpoint",
    "remove": "records cannot be removed",
    "stop": "`cancel` ends a campaign for good",
    "campaigns": "campaigns cannot be listed",
}


@pytest.fixture(scope="module")
def eight() -> Iterator[SimThread[Any]]:
    with SimThread(make_simulator(clock=None)) as running:
        running.call(running.simulator.add_crm_customers, range(1, 1001))
        yield running


@pytest.fixture(scope="module")
def vb() -> Iterator[SimThread[VoipbinSimulator]]:
    with SimThread(VoipbinSimulator(accesskey=KEY, token=None, rate=None)) as running:
        yield running


@pytest.fixture(scope="module")
def v1sim() -> Iterator[SimThread[CampaignsV1Simulator]]:
    with SimThread(CampaignsV1Simulator(tenant=V1_TENANT, api_key=V1_KEY)) as running:
        yield running


@pytest.fixture
def invoke(
    eight: SimThread[Any],
    vb: SimThread[VoipbinSimulator],
    v1sim: SimThread[CampaignsV1Simulator],
    tmp_path: Path,
) -> Callable[..., Result]:
    env = {
        "CC_BASE_URL": eight.url,
        "CC_USERNAME": USERNAME,
        "CC_DATA_TOKEN": DATA_TOKEN,
        "CC_ACTION_TOKEN": ACTION_TOKEN,
        "CC_CONFIG": str(tmp_path / "no-config.ini"),
        "CC_PLATFORM": "",
        "CC_PROFILE": "",
        "CC_STATUS_METHOD": "",
        "CC_CUSTOMER_ID_FORMAT": "",
        "VOIPBIN_BASE_URL": vb.url,
        "VOIPBIN_ACCESSKEY": KEY,
        "VOIPBIN_TOKEN": "",
        "CC_V1_BASE_URL": v1sim.url,
        "CC_V1_TENANT": V1_TENANT,
        "CC_V1_API_KEY": V1_KEY,
        "CC_V1_SITE": "",
        "COLUMNS": "120",
    }

    def run(*args: str, input: str | None = None, **extra: str) -> Result:
        return CliRunner().invoke(cli, list(args), input=input, env={**env, **extra})

    return run


def no_secrets(result: Result) -> None:
    for text in (result.stdout, result.stderr):
        for secret in (KEY, DATA_TOKEN, ACTION_TOKEN, V1_KEY):
            assert secret not in text


_campaign_ids = iter(range(50_000, 60_000))


def new_8x8_campaign(eight: SimThread[Any], **options: Any) -> str:
    campaign_id = next(_campaign_ids)
    eight.call(eight.simulator.add_campaign, campaign_id, **options)
    return str(campaign_id)


def new_outdial(vb: SimThread[VoipbinSimulator]) -> str:
    return vb.call(lambda: vb.simulator.state.create_outdial({"name": "o"})).id


# -- the shape -------------------------------------------------------------------------------


@pytest.mark.parametrize("verb", SHARED)
@pytest.mark.parametrize("group", ["8x8", "voipbin"])
def test_each_shared_verb_exists_under_both_groups(
    invoke: Callable[..., Result], group: str, verb: str
) -> None:
    result = invoke(group, verb, "--help")
    assert result.exit_code == 0, result.output
    # simulate's help is the simulator's own (argparse): "usage:", lower case.
    assert f"sage: cc-campaigns {group} {verb}" in result.stdout
    no_secrets(result)


def test_a_verb_on_one_side_only_is_explained_in_the_other_groups_help(
    invoke: Callable[..., Result],
) -> None:
    assert set(SHARED) <= set(DYNAMIC_GROUP.commands) & set(VOIPBIN_GROUP.commands)
    only_8x8 = set(DYNAMIC_GROUP.commands) - set(VOIPBIN_GROUP.commands)
    only_voipbin = set(VOIPBIN_GROUP.commands) - set(DYNAMIC_GROUP.commands) - {"targets"}
    assert only_8x8 == set(ONLY_8X8)
    assert only_voipbin == set(ONLY_VOIPBIN)
    voipbin_help = invoke("voipbin", "--help").stdout
    for words in ONLY_8X8.values():
        assert words in voipbin_help
    dynamic_help = invoke("8x8", "--help").stdout
    for words in ONLY_VOIPBIN.values():
        assert words in dynamic_help


def test_each_group_says_which_provider_it_targets(invoke: Callable[..., Result]) -> None:
    top = invoke("--help").stdout
    assert "8x8 Dynamic Campaigns" in top and "VoIPbin" in top
    assert "8x8 Contact Center Dynamic Campaigns API" in invoke("8x8", "--help").stdout
    assert invoke("voipbin", "--help").stdout.split("\n\n")[1].strip().startswith("VoIPbin")


@pytest.mark.parametrize("verb", sorted(DYNAMIC_GROUP.commands))
def test_the_top_level_8x8_commands_are_the_8x8_groups(verb: str) -> None:
    assert cli.commands[verb] is DYNAMIC_GROUP.commands[verb]


def test_the_old_voipbin_target_commands_are_the_new_verbs() -> None:
    targets = VOIPBIN_GROUP.commands["targets"]
    assert isinstance(targets, click.Group)
    assert targets.commands["list"] is VOIPBIN_GROUP.commands["records"]
    assert targets.commands["upload"] is VOIPBIN_GROUP.commands["upload"]


def test_top_level_and_group_give_the_same_output(
    invoke: Callable[..., Result], eight: SimThread[Any]
) -> None:
    cid = new_8x8_campaign(eight, status=CampaignStatus.MANUAL_PAUSED, name="Same")
    top, grouped = invoke("status", cid, "--json"), invoke("8x8", "status", cid, "--json")
    assert top.exit_code == grouped.exit_code == 0
    assert json.loads(top.stdout) == json.loads(grouped.stdout)
    started = invoke("8x8", "start", cid)
    assert started.exit_code == 0, started.output
    assert started.stdout.startswith(f"Campaign {cid}: PAUSED")
    assert json.loads(invoke("status", cid, "--json").stdout)["state"] == "RUNNING"


def test_the_8x8_group_takes_the_8x8_settings_as_options(
    invoke: Callable[..., Result], eight: SimThread[Any]
) -> None:
    cid = new_8x8_campaign(eight)
    # The environment points nowhere; the group's option wins, as the main group's does.
    result = invoke("8x8", "--base-url", eight.url, "status", cid, CC_BASE_URL="")
    assert result.exit_code == 0, result.output
    missing = invoke("8x8", "status", cid, CC_BASE_URL="")
    assert missing.exit_code == 2
    assert "where is the service?" in missing.stderr


@pytest.mark.parametrize("verb", SHARED_V1)
def test_each_verb_v1_shares_exists_under_the_v1_group(
    invoke: Callable[..., Result], verb: str
) -> None:
    result = invoke("v1", verb, "--help")
    assert result.exit_code == 0, result.output
    assert f"sage: cc-campaigns v1 {verb}" in result.stdout
    no_secrets(result)


def test_the_verbs_v1_lacks_are_explained_in_its_help(invoke: Callable[..., Result]) -> None:
    others = (set(DYNAMIC_GROUP.commands) | set(VOIPBIN_GROUP.commands)) - {"targets"}
    assert others - set(V1_GROUP.commands) == set(NOT_IN_V1)
    assert set(SHARED_V1) <= set(V1_GROUP.commands)
    v1_help = " ".join(invoke("v1", "--help").stdout.split())
    for verb, words in NOT_IN_V1.items():
        assert f"{verb} {words}" in v1_help
    assert "8x8 Contact Center Campaigns API v1 (beta)" in v1_help
    assert "v1 ..." in invoke("--help").stdout


# -- one error mapping -----------------------------------------------------------------------


def _instances() -> list[BaseException]:
    found: list[BaseException] = []
    classes = inspect.getmembers(errors, inspect.isclass)
    classes += inspect.getmembers(v1_errors, inspect.isclass)  # DuplicateRecordError ...
    for _, cls in classes:
        if not issubclass(cls, errors.CampaignsError):
            continue
        if issubclass(cls, errors.ApiError):
            found.append(cls("refused", status=409, method="POST", url="https://x/y"))
        elif issubclass(cls, errors.TransportError):
            found.append(cls("no answer", method="GET", url="https://x/y"))
        else:
            found.append(cls("bad"))
    return found


@pytest.mark.parametrize("err", _instances(), ids=lambda e: type(e).__name__)
def test_the_exit_code_depends_on_the_error_class_only(err: BaseException) -> None:
    for_8x8, for_voipbin, for_v1 = (explain(err, p) for p in (DYNAMIC, VOIPBIN, CAMPAIGNS_V1))
    assert isinstance(for_8x8, CliError) and isinstance(for_voipbin, CliError)
    assert isinstance(for_v1, CliError)
    assert for_8x8.exit_code == for_voipbin.exit_code == for_v1.exit_code
    expected = ExitCode.USAGE if isinstance(err, errors.ValidationError) else ExitCode.API
    assert for_8x8.exit_code == expected


def test_refused_credentials_exit_3_from_each_in_each_providers_words(
    invoke: Callable[..., Result], eight: SimThread[Any], tmp_path: Path
) -> None:
    cid = new_8x8_campaign(eight)
    dynamic = invoke("8x8", "status", cid, CC_DATA_TOKEN="wrong", CC_ACTION_TOKEN="wrong")
    voipbin = invoke("voipbin", "campaigns", VOIPBIN_ACCESSKEY="wrong")
    v1 = invoke("v1", "pause", str(uuid.UUID(int=3)), CC_V1_API_KEY="eght_wrong")
    assert dynamic.exit_code == voipbin.exit_code == v1.exit_code == ExitCode.API
    assert v1.stderr.startswith(
        "cc-campaigns: the Campaigns API v1 refused the credentials (HTTP 401"
    )
    assert "CC_V1_API_KEY" in v1.stderr and "[support: instance " in v1.stderr
    assert "the service refused the credentials (HTTP 401" in dynamic.stderr
    assert "Check the username, the tokens" in dynamic.stderr
    assert voipbin.stderr.startswith("cc-campaigns: VoIPbin refused the credentials (HTTP 401")
    assert "VOIPBIN_ACCESSKEY" in voipbin.stderr
    for result in (dynamic, voipbin, v1):
        assert len(result.stderr.splitlines()) == 1
        no_secrets(result)


def test_not_found_missing_settings_and_bad_input_give_the_same_codes(
    invoke: Callable[..., Result], tmp_path: Path
) -> None:
    missing = str(uuid.UUID(int=1))
    assert invoke("8x8", "records", "424242").exit_code == ExitCode.API
    assert invoke("voipbin", "records", missing).exit_code == ExitCode.API
    assert invoke("v1", "pause", missing).exit_code == ExitCode.API
    absent = str(tmp_path / "absent.csv")
    dynamic = invoke("8x8", "upload", "1", absent, "--no-progress")
    voipbin = invoke("voipbin", "upload", missing, absent, "--no-progress")
    v1 = invoke("v1", "upload", missing, absent, "--no-progress")
    assert dynamic.exit_code == voipbin.exit_code == v1.exit_code == ExitCode.USAGE
    for result in (dynamic, voipbin, v1):
        assert "input file not found" in result.stderr
    no_8x8 = invoke("8x8", "status", "1", CC_USERNAME="")
    no_voipbin = invoke("voipbin", "campaigns", VOIPBIN_ACCESSKEY="")
    no_v1 = invoke("v1", "pause", missing, CC_V1_API_KEY="")
    assert no_8x8.exit_code == no_voipbin.exit_code == no_v1.exit_code == ExitCode.USAGE


def test_an_unreachable_service_exits_3_from_each(
    invoke: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        context, "CampaignsClient", functools.partial(CampaignsClient, retry=FAST_RETRY)
    )
    monkeypatch.setattr(
        context, "VoipbinClient", functools.partial(VoipbinClient, retry=FAST_RETRY)
    )
    monkeypatch.setattr(
        context, "CampaignsV1Client", functools.partial(CampaignsV1Client, retry=FAST_RETRY)
    )
    dynamic = invoke("8x8", "status", "1", CC_BASE_URL="http://127.0.0.1:9")
    voipbin = invoke("voipbin", "campaigns", VOIPBIN_BASE_URL="http://127.0.0.1:9/v1.0")
    v1 = invoke("v1", "pause", str(uuid.UUID(int=1)), CC_V1_BASE_URL="http://127.0.0.1:9/v1")
    for result in (dynamic, voipbin, v1):
        assert result.exit_code == ExitCode.API
        assert result.stderr.startswith("cc-campaigns: could not reach the service")


# -- the verbs VoIPbin gained ----------------------------------------------------------------


def test_voipbin_add_shows_each_target_and_exits_1_when_one_fails(
    invoke: Callable[..., Result], vb: SimThread[VoipbinSimulator]
) -> None:
    outdial = new_outdial(vb)
    first = invoke("voipbin", "add", outdial, "+15550000001", "--json")
    assert first.exit_code == 0, first.output
    assert [(r["destination"], r["result"]) for r in json.loads(first.stdout)] == [
        ("+15550000001", "added")
    ]
    again = invoke("voipbin", "add", outdial, "+1 555 000-0001", "+15550000002", "12345")
    assert again.exit_code == ExitCode.NOT_ALL_DONE, again.output
    out = again.stdout
    assert "already in the outdial" in out and "added" in out and "invalid" in out
    assert "1 of 3 targets were not added." in again.stderr
    destinations = sorted(t.destination for t in vb.call(vb.simulator.targets, outdial))
    assert destinations == ["+15550000001", "+15550000002"]  # nothing added twice
    no_secrets(again)


def test_voipbin_remove_by_number_and_by_id(
    invoke: Callable[..., Result], vb: SimThread[VoipbinSimulator]
) -> None:
    outdial = new_outdial(vb)
    assert invoke("voipbin", "add", outdial, "+15550000011", "+15550000012").exit_code == 0
    by_number = {t.destination: t.id for t in vb.call(vb.simulator.targets, outdial)}
    absent = str(uuid.UUID(int=7))
    result = invoke(
        "voipbin", "remove", outdial, "+15550000011", by_number["+15550000012"], absent, "--json"
    )
    assert result.exit_code == 0, result.output
    results = {r["result"] for r in json.loads(result.stdout)}
    assert results == {"removed", "not in the outdial"}
    assert vb.call(vb.simulator.targets, outdial) == []
    bad = invoke("voipbin", "remove", outdial, "nonsense")
    assert bad.exit_code == ExitCode.USAGE
    assert "neither a target id nor an E.164 number" in bad.stderr
    gone = invoke("voipbin", "remove", str(uuid.UUID(int=9)), "+15550000011")
    assert gone.exit_code == ExitCode.API  # no such outdial: an error, not "not there"


def test_voipbin_demo_with_a_few_targets(invoke: Callable[..., Result]) -> None:
    result = invoke("voipbin", "demo", "--records", "300", "--no-faults")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Upload to outdial" in out and "invalid" in out and "duplicate in input" in out
    for step in ("start -> run", "stop  -> stopping", "wait  -> stop"):
        assert step in out
    assert "targets are in outdial" in out


def test_a_message_without_the_request_has_no_empty_parentheses() -> None:
    refused = explain(errors.AuthenticationError("Bad key", status=401), VOIPBIN)
    assert refused is not None
    assert refused.message.startswith("VoIPbin refused the credentials (HTTP 401): Bad key. ")
    unreachable = explain(errors.ConnectError("connection refused"))
    assert unreachable is not None
    assert unreachable.message == "could not reach the service: connection refused"
    with_request = explain(errors.NotFoundError("gone", status=404, method="GET", url="https://x"))
    assert with_request is not None and with_request.message == "gone (HTTP 404, GET https://x)"
