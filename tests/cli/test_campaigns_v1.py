"""``cc-campaigns v1 ...`` (8x8 Contact Center Campaigns API v1, beta), driven in-process
(click's CliRunner) against the v1 simulator, which serves from its own thread and event loop
(each command runs its own ``asyncio.run`` in the test's thread). Loopback only: every run
points CC_V1_BASE_URL at the simulator."""

from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from cc_campaigns import RetryPolicy
from cc_campaigns.campaigns_v1 import CampaignsV1Client
from cc_campaigns.campaigns_v1.simulator import CampaignsV1Simulator
from cc_campaigns.cli import campaigns_v1 as v1_cli
from cc_campaigns.cli import context
from cc_campaigns.cli.app import cli
from cc_campaigns.cli.errors import ExitCode

from ..cli_support import SimThread as BaseSimThread
from ..cli_support import assert_help_documents

KEY = "eght_SECRET-v1-key-3e9b"
TENANT = "acme"
MISSING = "5b2c4a1e-0000-4000-8000-000000000001"
FAST = RetryPolicy(
    attempts=2, backoff_initial=0.001, backoff_max=0.002, retry_after_max=0.005, total_time=None
)
ACTIONS = ["build", "reset", "start", "pause", "resume", "retry", "cancel", "purge"]


class SimThread(BaseSimThread[CampaignsV1Simulator]):
    """The v1 simulator in its own thread, with the helpers these tests use."""

    def campaign(self, state: str = "RUNNING", **options: Any) -> str:
        return self.call(self.simulator.add_campaign, state=state, **options)

    def state(self, campaign_id: str) -> str:
        return self.call(self.simulator.campaign_state, campaign_id)

    def records(self, campaign_id: str) -> list[str]:
        return self.call(self.simulator.campaign_records, campaign_id)

    def requests(self) -> int:
        return self.call(lambda: self.simulator.stats.requests)

    def enabled(self, campaign_id: str) -> bool:
        return self.call(lambda: self.simulator._campaign(campaign_id).enabled)


@pytest.fixture(scope="module")
def sim() -> Iterator[SimThread]:
    # Transient states last a minute: a test sees BUILDING and STARTING as they were answered.
    running = SimThread(CampaignsV1Simulator(tenant=TENANT, api_key=KEY, transient_seconds=60))
    with running:
        yield running


@pytest.fixture
def env(sim: SimThread, tmp_path: Path) -> dict[str, str]:
    """The environment of a configured user (and no config file)."""
    return {
        "CC_V1_BASE_URL": sim.url,
        "CC_V1_TENANT": TENANT,
        "CC_V1_API_KEY": KEY,
        "CC_V1_SITE": "",
        "CC_CONFIG": str(tmp_path / "no-config.ini"),
        "CC_PROFILE": "",
        "COLUMNS": "120",
    }


@pytest.fixture
def invoke(env: dict[str, str]) -> Callable[..., Result]:
    def run(*args: str, input: str | None = None, **extra_env: str) -> Result:
        return CliRunner().invoke(cli, ["v1", *args], input=input, env={**env, **extra_env})

    return run


def no_secrets(result: Result) -> None:
    for text in (result.stdout, result.stderr):
        assert KEY not in text
        assert KEY[len("eght_") :] not in text


def ids(count: int, start: int = 0) -> list[str]:
    return [f"CRM-{i:05d}" for i in range(start, start + count)]


def write(path: Path, rows: list[str], header: str | None = "crm_record_id") -> Path:
    path.write_text("\n".join([header, *rows] if header else rows) + "\n")
    return path


# -- help ------------------------------------------------------------------------------------


def test_group_help(invoke: Callable[..., Result]) -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    assert "8x8 Contact Center Campaigns API v1 (beta)" in result.stdout
    for name in [*ACTIONS, "add", "upload", "simulate", "demo"]:
        assert f"  {name} " in result.stdout
    for missing in ("status", "records", "remove", "stop", "campaigns"):
        assert f"  {missing} " in result.stdout  # explained, though not a command
    assert "no read endpoint: the action's answer shows the campaign" in result.stdout
    for code in ("0 ", "1 ", "2 ", "3 ", "130"):
        assert f"  {code}" in result.stdout
    for name in ("CC_V1_SITE", "CC_V1_TENANT", "CC_V1_API_KEY", "CC_V1_BASE_URL", "v1_api_key"):
        assert name in result.stdout
    for option in ("--site", "--base-url", "--tenant"):
        assert option in result.stdout
    assert "--api-key" not in result.stdout  # never an option
    assert "v1" in CliRunner().invoke(cli, ["--help"]).stdout


@pytest.mark.parametrize("name", sorted(v1_cli.v1.commands))
def test_every_command_documents_every_option(invoke: Callable[..., Result], name: str) -> None:
    result = invoke(name, "--help")
    assert result.exit_code == 0, result.output
    if name == "simulate":  # the simulator's own (argparse) help
        assert "usage: cc-campaigns v1 simulate" in result.stdout
        for option in ("--port", "--tenant", "--api-key", "--campaign", "--state", "--seed"):
            assert option in result.stdout
        assert "CC_V1_BASE_URL" in result.stdout
        return
    command = v1_cli.v1.commands[name]
    assert isinstance(command, click.Command)
    assert_help_documents(command, result.stdout, f"cc-campaigns v1 {name}")
    no_secrets(result)


# -- the actions -----------------------------------------------------------------------------

# (verb, extra options, state before, state after)
TRANSITIONS = [
    ("build", (), "CREATED", "BUILDING"),
    ("reset", (), "READY", "CREATED"),
    ("start", (), "READY", "STARTING"),
    ("start", ("--build-on-start",), "CREATED", "BUILDING"),
    ("pause", (), "RUNNING", "PAUSED"),
    ("resume", (), "PAUSED", "RUNNING"),
    ("retry", (), "RUN_ERROR", "RUNNING"),
    ("cancel", ("--yes",), "RUNNING", "COMPLETE"),
    ("purge", (), "PAUSED", "PAUSED"),
]


@pytest.mark.parametrize(("verb", "extra", "before", "after"), TRANSITIONS)
def test_each_action_prints_the_campaign_it_answers(
    invoke: Callable[..., Result],
    sim: SimThread,
    verb: str,
    extra: tuple[str, ...],
    before: str,
    after: str,
) -> None:
    cid = sim.campaign(before)
    table = invoke(verb, cid, *extra)
    assert table.exit_code == 0, table.output
    assert f"Campaign {cid} after {verb.upper()}" in table.stdout
    assert f"state {after}" in " ".join(table.stdout.split())
    assert sim.state(cid) == after
    no_secrets(table)
    # The same action again, as JSON, from a state that accepts it.
    cid = sim.campaign(before)
    result = invoke(verb, cid, *extra, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["id"] == cid and data["state"] == after
    assert {"display_status", "record_count", "record_counts"} <= set(data)


def test_enabled_and_disabled_go_with_the_action(
    invoke: Callable[..., Result], sim: SimThread
) -> None:
    cid = sim.campaign("CREATED")
    result = invoke("build", cid, "--disabled", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["display_status"] == "DISABLED"
    assert sim.enabled(cid) is False
    # A disabled campaign accepts only build and reset: the service refuses a start.
    running = sim.campaign("RUNNING", enabled=False)
    refused = invoke("pause", running)
    assert refused.exit_code == ExitCode.API
    assert "[support: instance " in refused.stderr and ", time " in refused.stderr
    enabled = invoke("pause", running, "--enabled", "--json")
    assert enabled.exit_code == 0, enabled.output
    assert json.loads(enabled.stdout)["state"] == "PAUSED" and sim.enabled(running)


def test_current_refuses_before_sending_and_no_check_sends_anyway(
    invoke: Callable[..., Result], sim: SimThread
) -> None:
    cid = sim.campaign("CREATED")
    sent = sim.requests()
    refused = invoke("pause", cid, "--current", "created")
    assert refused.exit_code == ExitCode.API
    assert "PAUSE refused before sending" in refused.stderr
    assert "PAUSE is accepted from RUNNING" in refused.stderr
    assert sim.requests() == sent  # nothing sent
    sent_anyway = invoke("pause", cid, "--current", "CREATED", "--no-check")
    assert sent_anyway.exit_code == ExitCode.API  # the service refuses it
    assert sim.requests() == sent + 1
    assert "HTTP 4" in sent_anyway.stderr and "[support: instance /" in sent_anyway.stderr
    assert sim.state(cid) == "CREATED"
    from_created = invoke("start", cid, "--current", "CREATED")
    assert from_created.exit_code == ExitCode.API
    assert "needs build_on_start" in from_created.stderr
    bad = invoke("pause", cid, "--current", "SLEEPING")
    assert bad.exit_code == ExitCode.USAGE


def test_start_build_on_start_is_only_for_start(invoke: Callable[..., Result]) -> None:
    result = invoke("pause", MISSING, "--build-on-start")
    assert result.exit_code == ExitCode.USAGE
    assert "No such option" in result.stderr


def test_cancel_needs_yes_without_a_terminal(invoke: Callable[..., Result], sim: SimThread) -> None:
    cid = sim.campaign("RUNNING")
    result = invoke("cancel", cid)
    assert result.exit_code == ExitCode.USAGE
    assert "pass --yes" in result.stderr
    assert sim.state(cid) == "RUNNING"


def test_cancel_asks_on_a_terminal(
    invoke: Callable[..., Result], sim: SimThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("cc_campaigns.cli.campaigns_v1.campaign.is_interactive", lambda: True)
    cid = sim.campaign("RUNNING")
    declined = invoke("cancel", cid, input="n\n")
    assert declined.exit_code == 0
    assert f"Campaign {cid} was not cancelled." in declined.stderr
    assert sim.state(cid) == "RUNNING"
    interrupted = invoke("cancel", cid, input="")  # end of input at the prompt, as Ctrl-C
    assert interrupted.exit_code == ExitCode.INTERRUPTED
    assert sim.state(cid) == "RUNNING"
    accepted = invoke("cancel", cid, input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert sim.state(cid) == "COMPLETE"
    assert "COMPLETE (STOPPED)" in accepted.stdout


def test_an_unknown_campaign_or_a_bad_id(invoke: Callable[..., Result]) -> None:
    missing = invoke("pause", MISSING)
    assert missing.exit_code == ExitCode.API
    assert "HTTP 404" in missing.stderr and "[support: instance " in missing.stderr
    assert len(missing.stderr.splitlines()) == 1
    bad = invoke("pause", "42")
    assert bad.exit_code == ExitCode.USAGE


# -- add -------------------------------------------------------------------------------------


def test_add_shows_each_record_and_what_was_already_there(
    invoke: Callable[..., Result], sim: SimThread
) -> None:
    cid = sim.campaign()
    first = invoke("add", cid, "A-1", "A-2", "--priority", "low", "--rank", "2", "--json")
    assert first.exit_code == 0, first.output
    data = json.loads(first.stdout)
    assert [(r["crm_record_id"], r["result"]) for r in data] == [("A-1", "added"), ("A-2", "added")]
    assert data[0]["record"]["priority"] == "LOW" and data[0]["record"]["rank"] == 2
    again = invoke("add", cid, "A-2", "A-3", "--at", "2030-01-02T09:00:00+01:00")
    assert again.exit_code == 0, again.output
    assert "already in the campaign" in again.stdout and "added" in again.stdout
    assert sim.records(cid) == ["A-1", "A-2", "A-3"]
    no_secrets(again)


def test_add_refuses_bad_input_before_sending(
    invoke: Callable[..., Result], sim: SimThread
) -> None:
    cid = sim.campaign()
    sent = sim.requests()
    too_long = invoke("add", cid, "x" * 33)
    assert too_long.exit_code == ExitCode.USAGE and "32" in too_long.stderr
    repeated = invoke("add", cid, "B-1", "B-1")
    assert repeated.exit_code == ExitCode.USAGE
    too_many = invoke("add", cid, *ids(101))
    assert too_many.exit_code == ExitCode.USAGE and "use `upload`" in too_many.stderr
    bad_time = invoke("add", cid, "B-2", "--at", "tomorrow")
    assert bad_time.exit_code == ExitCode.USAGE
    assert sim.requests() == sent


def test_add_to_a_stopped_campaign_is_an_api_error(
    invoke: Callable[..., Result], sim: SimThread
) -> None:
    cid = sim.campaign("COMPLETE")
    result = invoke("add", cid, "C-1")
    assert result.exit_code == ExitCode.API
    assert "[support: instance " in result.stderr


# -- upload ----------------------------------------------------------------------------------


def test_upload_everything(invoke: Callable[..., Result], sim: SimThread, tmp_path: Path) -> None:
    cid = sim.campaign()
    source = write(tmp_path / "r.csv", ids(250))
    result = invoke("upload", cid, str(source))
    assert result.exit_code == 0, result.output
    assert f"Upload to campaign {cid}" in result.stdout
    assert "(complete: removed)" in result.stdout
    assert "upload: 250/250 (100.0%)" in result.stderr
    assert not Path(f"{source}.ckpt").exists()
    assert sim.records(cid) == ids(250)
    no_secrets(result)


def test_upload_json_bad_rows_and_present_records(
    invoke: Callable[..., Result], sim: SimThread, tmp_path: Path
) -> None:
    cid = sim.campaign()
    assert invoke("add", cid, *ids(3)).exit_code == 0
    source = write(tmp_path / "r.csv", [*ids(10), "y" * 40, ids(1)[0]])
    rejects = tmp_path / "rejects.csv"
    result = invoke("upload", cid, str(source), "--json", "--rejects", str(rejects))
    assert result.exit_code == ExitCode.NOT_ALL_DONE, result.output
    report = json.loads(result.stdout)
    assert (report["applied"], report["already_present"]) == (7, 3)
    assert (report["invalid"], report["duplicate_in_input"]) == (1, 1)
    assert "y" * 40 in rejects.read_text()
    assert sim.records(cid) == ids(10)


def test_dry_run_sends_nothing(
    invoke: Callable[..., Result], sim: SimThread, tmp_path: Path
) -> None:
    cid = sim.campaign()
    source = write(tmp_path / "r.csv", ids(5))
    sent = sim.requests()
    result = invoke("upload", cid, str(source), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Dry run" in result.stdout and "would be sent" in result.stdout
    assert sim.requests() == sent
    assert not Path(f"{source}.ckpt").exists()
    assert sim.records(cid) == []


def test_upload_from_stdin_by_column_with_a_schedule(
    invoke: Callable[..., Result], sim: SimThread
) -> None:
    cid = sim.campaign()
    rows = "name,crm,when\n" + "".join(
        f"n{i},{crm},2030-01-02T09:00:00+00:00\n" for i, crm in enumerate(ids(4))
    )
    result = invoke(
        "upload", cid, "-", "--column", "crm", "--schedule-column", "2", "--batch-size", "2",
        input=rows,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "checkpoint" not in result.stdout
    assert sim.records(cid) == ids(4)


def test_max_errors_stops_and_the_rerun_resumes_from_the_checkpoint(
    invoke: Callable[..., Result], sim: SimThread, tmp_path: Path
) -> None:
    cid = sim.campaign()
    source = write(tmp_path / "r.csv", ["z" * 33, "w" * 33, *ids(300)])
    args = ("upload", cid, str(source), "--concurrency", "1", "--batch-size", "50")
    first = invoke(*args, "--max-errors", "1", "--json")
    assert first.exit_code == ExitCode.NOT_ALL_DONE
    report = json.loads(first.stdout)
    assert report["aborted"] is True and report["not_sent"] > 0
    assert "run the same command again to resume" in first.stderr
    assert Path(f"{source}.ckpt").exists()
    done = len(sim.records(cid))
    sent = sim.requests()
    again = invoke(*args, "--json")
    assert again.exit_code == ExitCode.NOT_ALL_DONE  # the two bad rows are still not added
    report = json.loads(again.stdout)
    assert report["resumed"] is True and report["submitted"] == 302
    assert (report["applied"], report["invalid"]) == (300, 2)
    assert sim.requests() - sent == -(-(300 - done) // 50)  # nothing sent twice
    assert sim.records(cid) == ids(300)


def test_upload_input_errors_are_usage_errors(
    invoke: Callable[..., Result], sim: SimThread, tmp_path: Path
) -> None:
    cid = sim.campaign()
    absent = invoke("upload", cid, str(tmp_path / "absent.csv"))
    assert absent.exit_code == ExitCode.USAGE and "input file not found" in absent.stderr
    source = write(tmp_path / "r.csv", ids(2))
    column = invoke("upload", cid, str(source), "--column", "nope")
    assert column.exit_code == ExitCode.USAGE
    batch = invoke("upload", cid, str(source), "--batch-size", "101")
    assert batch.exit_code == ExitCode.USAGE


def test_upload_to_a_missing_campaign_is_an_api_error(
    invoke: Callable[..., Result], tmp_path: Path
) -> None:
    source = write(tmp_path / "r.csv", ids(3))
    result = invoke("upload", MISSING, str(source), "--no-checkpoint")
    assert result.exit_code == ExitCode.API
    assert "HTTP 404" in result.stderr


# -- settings and errors ---------------------------------------------------------------------


def test_wrong_key_exits_3_in_v1_words(invoke: Callable[..., Result], sim: SimThread) -> None:
    cid = sim.campaign()
    result = invoke("pause", cid, CC_V1_API_KEY="eght_wrong-key")
    assert result.exit_code == ExitCode.API
    assert result.stderr.startswith(
        "cc-campaigns: the Campaigns API v1 refused the credentials (HTTP 401"
    )
    assert "CC_V1_API_KEY" in result.stderr and "[support: instance " in result.stderr
    assert len(result.stderr.splitlines()) == 1
    tenant = invoke("pause", cid, CC_V1_TENANT="other")
    assert tenant.exit_code == ExitCode.API


def test_missing_settings_are_usage_errors(invoke: Callable[..., Result]) -> None:
    no_tenant = invoke("pause", MISSING, CC_V1_TENANT="")
    assert no_tenant.exit_code == ExitCode.USAGE and "no tenant" in no_tenant.stderr
    no_key = invoke("pause", MISSING, CC_V1_API_KEY="")
    assert no_key.exit_code == ExitCode.USAGE and "CC_V1_API_KEY" in no_key.stderr
    site = invoke("--site", "EU9", "pause", MISSING, CC_V1_BASE_URL="")
    assert site.exit_code == ExitCode.USAGE and "unknown site" in site.stderr
    plain = invoke("--base-url", "http://example.com/v1", "pause", MISSING)
    assert plain.exit_code == ExitCode.USAGE


def test_options_win_over_the_environment(invoke: Callable[..., Result], sim: SimThread) -> None:
    cid = sim.campaign()
    result = invoke(
        "--base-url", sim.url, "--tenant", TENANT, "pause", cid,
        CC_V1_BASE_URL="http://127.0.0.1:9/x", CC_V1_TENANT="other",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    # --site is decided with the base URL as a unit: the site option drops CC_V1_BASE_URL.
    settings = context.V1State(
        cli=context.CliState(environ={"CC_V1_BASE_URL": sim.url, "CC_CONFIG": "/nonexistent"}),
        command_line={"v1_site": "UK3"},
    ).settings()
    assert (settings.site, settings.base_url) == ("UK3", None)


def test_the_api_key_is_prompted_for_on_a_terminal(
    invoke: Callable[..., Result], sim: SimThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("cc_campaigns.cli.context.is_interactive", lambda: True)
    cid = sim.campaign()
    result = invoke("pause", cid, CC_V1_API_KEY="", input=f"{KEY}\n")
    assert result.exit_code == 0, result.output
    assert "Campaigns API v1 key" in result.stderr
    no_secrets(result)


def test_a_config_profile(invoke: Callable[..., Result], sim: SimThread, tmp_path: Path) -> None:
    cid = sim.campaign()
    config = tmp_path / "config.ini"
    config.write_text(
        f"[work]\nv1_base_url = {sim.url}\nv1_tenant = {TENANT}\nv1_api_key = {KEY}\n"
        "username = someone\n"
    )
    config.chmod(0o600)
    env = {"CC_V1_BASE_URL": "", "CC_V1_TENANT": "", "CC_V1_API_KEY": "", "CC_V1_SITE": ""}
    env.update(CC_CONFIG=str(config), CC_PROFILE="", COLUMNS="120")
    result = CliRunner().invoke(cli, ["--profile", "work", "v1", "pause", cid, "--json"], env=env)
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr
    config.chmod(0o644)
    cid = sim.campaign()
    shared = CliRunner().invoke(cli, ["--profile", "work", "v1", "pause", cid], env=env)
    assert shared.exit_code == 0
    assert "chmod 600" in shared.stderr
    no_secrets(shared)
    unknown = tmp_path / "bad.ini"
    unknown.write_text("[default]\nv1_apikey = x\n")
    bad = invoke("pause", cid, CC_CONFIG=str(unknown))
    assert bad.exit_code == ExitCode.USAGE and "v1_api_key" in bad.stderr


def test_an_unreachable_service(
    invoke: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        context, "CampaignsV1Client", functools.partial(CampaignsV1Client, retry=FAST)
    )
    result = invoke("pause", MISSING, CC_V1_BASE_URL="http://127.0.0.1:9/cc/US1/campaigns/v1")
    assert result.exit_code == ExitCode.API
    assert result.stderr.startswith("cc-campaigns: could not reach the service")


def test_no_secret_in_any_output_even_with_debug(
    env: dict[str, str], sim: SimThread, tmp_path: Path
) -> None:
    source = write(tmp_path / "r.csv", [*ids(5), "q" * 40])
    for debug in ((), ("--debug",)):
        cid = sim.campaign("READY")
        runs = [
            ("build", cid, "--current", "READY"),
            ("pause", cid),  # refused by the service
            ("pause", cid, "--current", "READY"),  # refused here
            ("reset", cid, "--json"),
            ("start", cid, "--build-on-start"),
            ("add", cid, "D-1"),  # the campaign is busy building
            ("upload", str(uuid.UUID(int=5)), str(source)),
            ("cancel", MISSING, "--yes"),
        ]
        for args in runs:
            result = CliRunner().invoke(cli, [*debug, "v1", *args], env=env)
            assert result.exit_code in (0, 1, 3), (args, result.output)
            no_secrets(result)
    failing = CliRunner().invoke(
        cli, ["--debug", "v1", "pause", MISSING], env={**env, "CC_V1_API_KEY": KEY + "x"}
    )
    assert failing.exit_code == ExitCode.API
    assert "DEBUG cc_campaigns" in failing.stderr and "Traceback" in failing.stderr
    no_secrets(failing)


# -- simulate and demo -----------------------------------------------------------------------


def test_simulate_uses_your_settings_and_names_only_its_public_key(
    invoke: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    import cc_campaigns.testing.runner as runner

    seen: list[CampaignsV1Simulator] = []

    async def serve(simulator: CampaignsV1Simulator, *, announce: Callable[[str], None]) -> None:
        seen.append(simulator)
        announce("http://127.0.0.1:1/cc/US1/campaigns/v1")

    monkeypatch.setattr(runner, "serve", serve)
    cid = str(uuid.UUID(int=77))
    public = invoke("simulate", "--campaign", cid, CC_V1_API_KEY="", CC_V1_TENANT="")
    assert public.exit_code == 0, public.output
    assert (
        "export CC_V1_BASE_URL=http://127.0.0.1:1/cc/US1/campaigns/v1 CC_V1_TENANT=tenant "
        "CC_V1_API_KEY=eght_test-key" in public.stdout
    )
    assert f"Campaigns (RUNNING): {cid}" in public.stdout
    assert "Stopped after 0 requests (none); 0 records in 1 campaign." in public.stdout
    assert seen[0].campaign_state(cid) == "RUNNING"
    own = invoke("simulate")
    assert own.exit_code == 0, own.output
    assert "CC_V1_TENANT=acme (it accepts the API key you set)" in own.stdout
    assert seen[1].tenant == TENANT
    no_secrets(own)
    bad = invoke("simulate", "--error-rate", "2")
    assert bad.exit_code == ExitCode.USAGE


def test_demo_with_a_few_records(invoke: Callable[..., Result]) -> None:
    result = invoke("demo", "--records", "300", "--no-faults", "--no-progress")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Upload to campaign" in out and "invalid" in out and "duplicate in input" in out
    assert "already in campaign" in out
    for step in ("pause  -> PAUSED", "resume -> RUNNING", "cancel -> COMPLETE (STOPPED)"):
        assert step in out
    assert "records are in campaign" in out


@pytest.mark.slow
def test_the_default_demo_with_faults_is_quick_and_exits_0(invoke: Callable[..., Result]) -> None:
    began = time.monotonic()
    result = invoke("demo", "--no-progress")
    assert result.exit_code == 0, result.output
    assert time.monotonic() - began < 30
    assert "outcome unknown" not in result.stdout
    assert "cancel -> COMPLETE (STOPPED)" in result.stdout


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_simulate_in_the_foreground_and_ctrl_c_resumes_an_upload(tmp_path: Path) -> None:
    """The real thing, in processes: `v1 simulate` serving (slowly), an upload stopped by
    Ctrl-C (exit 130, the checkpoint kept), and the rerun finishing it without resending."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CC_")}
    env.update(
        CC_CONFIG=str(tmp_path / "none.ini"),
        CC_V1_TENANT=TENANT,
        CC_V1_API_KEY=KEY,
        PYTHONUNBUFFERED="1",
    )
    cid = str(uuid.UUID(int=99))
    entry = [sys.executable, "-m", "cc_campaigns", "v1"]
    server = subprocess.Popen(
        [*entry, "simulate", "--campaign", cid, "--latency", "0.02"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        assert first.startswith("listening on http://127.0.0.1:"), first
        url = first.split()[-1]
        assert f"export CC_V1_BASE_URL={url} CC_V1_TENANT={TENANT} (it accepts" in (
            server.stdout.readline()
        )
        child_env = {**env, "CC_V1_BASE_URL": url}
        source = write(tmp_path / "r.csv", ids(1000))
        args = [*entry, "upload", cid, str(source), "--batch-size", "5", "--concurrency", "1"]
        args.append("--json")
        upload = subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env
        )
        assert upload.stderr is not None
        line = upload.stderr.readline()  # the first progress line: records are being sent
        assert line.startswith("upload: "), line
        upload.send_signal(signal.SIGINT)
        out, err = upload.communicate(timeout=60)
        assert upload.returncode == ExitCode.INTERRUPTED, err
        report = json.loads(out)
        assert report["aborted"] is True and report["abort_reason"].startswith("interrupted")
        assert 0 < report["applied"] < 1000 and report["applied"] + report["not_sent"] == 1000
        assert "run the same command again to resume" in err
        assert Path(f"{source}.ckpt").exists()
        again = subprocess.run(
            [*args[:-1], "--batch-size", "100", "--json"],
            capture_output=True,
            text=True,
            env=child_env,
        )
        assert again.returncode == 0, again.stderr
        resumed = json.loads(again.stdout)
        assert resumed["resumed"] is True and resumed["applied"] == 1000
        assert resumed["already_present"] == 0  # nothing sent twice
        assert not Path(f"{source}.ckpt").exists()
        for text in (out, err, again.stdout, again.stderr):
            assert KEY not in text
    finally:
        server.send_signal(signal.SIGINT)
        served, errors = server.communicate(timeout=30)
    assert server.returncode == 0, errors
    assert "1,000 records in 1 campaign." in served
    assert KEY not in served + errors
