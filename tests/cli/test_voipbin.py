"""``cc-campaigns voipbin ...``, driven in-process (click's CliRunner) against the VoIPbin
simulator, which serves from its own thread and event loop (each command runs its own
``asyncio.run`` in the test's thread). Loopback only: every run points VOIPBIN_BASE_URL at the
simulator.
"""

from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click
import pytest
from click.testing import CliRunner, Result

from cc_campaigns import RetryPolicy
from cc_campaigns.cli import context
from cc_campaigns.cli import voipbin as voipbin_cli
from cc_campaigns.cli.app import cli
from cc_campaigns.voipbin import CampaignStatus, VoipbinClient
from cc_campaigns.voipbin.simulator import VoipbinSimulator

from ..cli_support import SimThread as BaseSimThread
from ..cli_support import assert_help_documents

T = TypeVar("T")

KEY = "vb-SECRET-accesskey-7f3a"
TOKEN = "vb-SECRET-jwt-token-91cd"
POSTS = "POST /v1.0/outdials/{id}/targets"
FAST = RetryPolicy(
    attempts=2, backoff_initial=0.001, backoff_max=0.002, retry_after_max=0.005, total_time=None
)
MISSING = "5b2c4a1e-0000-4000-8000-000000000001"


class SimThread(BaseSimThread[VoipbinSimulator]):
    """The VoIPbin simulator in its own thread, with the helpers these tests use."""

    def posts(self) -> int:
        """Target POSTs received so far."""
        return self.call(lambda: self.simulator.stats.by_route[POSTS])

    def campaign(self, name: str = "c", **body: Any) -> str:
        return self.call(lambda: self.simulator.state.create_campaign({"name": name, **body})).id

    def outdial(self, name: str = "o") -> str:
        return self.call(lambda: self.simulator.state.create_outdial({"name": name})).id

    def status(self, campaign_id: str) -> CampaignStatus | str | None:
        return self.call(lambda: self.simulator.state.campaigns.items[campaign_id].status)

    def destinations(self, outdial_id: str) -> list[str]:
        return sorted(t.destination or "" for t in self.call(self.simulator.targets, outdial_id))


@pytest.fixture(scope="module")
def sim() -> Iterator[SimThread]:
    with SimThread(VoipbinSimulator(accesskey=KEY, token=TOKEN, rate=None)) as running:
        yield running


@pytest.fixture
def env(sim: SimThread, tmp_path: Path) -> dict[str, str]:
    """The environment of a configured user (and no config file)."""
    return {
        "VOIPBIN_BASE_URL": sim.url,
        "VOIPBIN_ACCESSKEY": KEY,
        "VOIPBIN_TOKEN": "",
        "CC_CONFIG": str(tmp_path / "no-config.ini"),
        "CC_PROFILE": "",
        "COLUMNS": "120",
    }


@pytest.fixture
def invoke(env: dict[str, str]) -> Callable[..., Result]:
    def run(*args: str, input: str | None = None, **extra_env: str) -> Result:
        return CliRunner().invoke(cli, ["voipbin", *args], input=input, env={**env, **extra_env})

    return run


def no_secrets(result: Result) -> None:
    for text in (result.stdout, result.stderr):
        assert KEY not in text
        assert TOKEN not in text


def numbers(count: int, start: int = 0) -> list[str]:
    return [f"+1555{i:07d}" for i in range(start, start + count)]


def write(path: Path, rows: list[str], header: str | None = "destination") -> Path:
    path.write_text("\n".join([header, *rows] if header else rows) + "\n")
    return path


# -- help ------------------------------------------------------------------------------------

COMMANDS = [
    ("campaigns",),
    ("status",),
    ("start",),
    ("stop",),
    ("targets",),
    ("targets", "list"),
    ("targets", "upload"),
]


def _command(path: tuple[str, ...]) -> click.Command:
    command: click.Command = voipbin_cli.voipbin
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    return command


def test_group_help(invoke: Callable[..., Result]) -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    for name in ("campaigns", "status", "start", "stop", "targets", "simulate"):
        assert f"  {name} " in result.stdout
    for code in ("0 ", "1 ", "2 ", "3 ", "130"):
        assert f"  {code}" in result.stdout
    for variable in ("VOIPBIN_ACCESSKEY", "VOIPBIN_TOKEN", "VOIPBIN_BASE_URL", "voipbin_accesskey"):
        assert variable in result.stdout
    for option in ("--accesskey", "--token", "--base-url"):
        assert option in result.stdout
    top = CliRunner().invoke(cli, ["--help"])
    assert "voipbin" in top.stdout


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_command_documents_every_option(
    invoke: Callable[..., Result], path: tuple[str, ...]
) -> None:
    result = invoke(*path, "--help")
    assert result.exit_code == 0, result.output
    usage = f"cc-campaigns voipbin {' '.join(path)}"
    assert_help_documents(_command(path), result.stdout, usage)
    no_secrets(result)


def test_simulate_help_is_the_simulators_own(invoke: Callable[..., Result]) -> None:
    result = invoke("simulate", "--help")
    assert result.exit_code == 0
    assert "usage: cc-campaigns voipbin simulate" in result.stdout
    for option in ("--port", "--accesskey", "--rate", "--latency", "--timeout-rate", "--seed"):
        assert option in result.stdout
    assert "VOIPBIN_BASE_URL" in result.stdout


# -- campaigns and status --------------------------------------------------------------------


def test_campaigns_lists_every_page(invoke: Callable[..., Result], sim: SimThread) -> None:
    made = {sim.campaign(f"page-{i}") for i in range(105)}  # the server's pages hold 100
    result = invoke("campaigns", "--json")
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert made <= {c["id"] for c in listed}
    assert {c["status"] for c in listed} == {"stop"}
    table = invoke("campaigns")
    assert table.exit_code == 0
    assert f"{len(listed):,} campaigns" in table.stdout
    assert "page-104" in table.stdout and "page-0 " in table.stdout


def test_status_table_and_json(invoke: Callable[..., Result], sim: SimThread) -> None:
    outdial = sim.outdial()
    cid = sim.campaign("Spring promo", outdial_id=outdial)
    result = invoke("status", cid)
    assert result.exit_code == 0, result.output
    for text in (f"Campaign {cid}", "Spring promo", "stop", outdial, "service level"):
        assert text in result.stdout
    data = json.loads(invoke("status", cid, "--json").stdout)
    assert (data["id"], data["name"], data["status"]) == (cid, "Spring promo", "stop")
    assert data["outdial_id"] == outdial and data["queue_id"] is None


def test_an_unknown_campaign_is_an_api_error(invoke: Callable[..., Result]) -> None:
    result = invoke("status", MISSING)
    assert result.exit_code == 3
    assert result.stderr.startswith("cc-campaigns: ")
    assert "HTTP 404" in result.stderr and "Traceback" not in result.stderr


def test_a_bad_id_is_a_usage_error(invoke: Callable[..., Result]) -> None:
    for args in (("status", "42"), ("start", "x"), ("targets", "list", "nope")):
        result = invoke(*args)
        assert result.exit_code == 2, args
        assert "not a valid UUID" in result.stderr


# -- start and stop --------------------------------------------------------------------------


def test_start_then_stop_with_wait(invoke: Callable[..., Result], sim: SimThread) -> None:
    cid = sim.campaign()
    result = invoke("start", cid)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Campaign {cid}: stop -> run\n"
    again = invoke("start", cid, "--json")  # idempotent
    assert json.loads(again.stdout)["after"]["status"] == "run"
    # The simulator keeps a stopped campaign 'stopping' for two reads: --wait rides through.
    result = invoke("stop", cid, "--yes", "--wait", "--interval", "0")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Campaign {cid}: run -> stop\n"
    assert sim.status(cid) == CampaignStatus.STOP


def test_stop_without_wait_says_it_is_stopping(
    invoke: Callable[..., Result], sim: SimThread
) -> None:
    cid = sim.campaign()
    sim.call(sim.simulator.set_campaign_status, cid, "run")
    result = invoke("stop", cid, "--yes", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["before"]["status"], data["after"]["status"]) == ("run", "stopping")
    result = invoke("start", cid)  # still stopping: VoIPbin refuses
    assert result.exit_code == 3
    assert "stopping" in result.stderr and "HTTP 409" in result.stderr


def test_stop_wait_gives_up_after_the_timeout(
    invoke: Callable[..., Result], sim: SimThread
) -> None:
    cid = sim.campaign()
    sim.call(sim.simulator.set_campaign_status, cid, "run")
    result = invoke("stop", cid, "--yes", "--wait", "--timeout", "0", "--interval", "0")
    assert result.exit_code == 3
    assert "still stopping" in result.stderr


def test_stop_without_a_terminal_needs_yes(invoke: Callable[..., Result], sim: SimThread) -> None:
    cid = sim.campaign()
    sim.call(sim.simulator.set_campaign_status, cid, "run")
    result = invoke("stop", cid)
    assert result.exit_code == 2
    assert "pass --yes" in result.stderr
    assert sim.status(cid) == CampaignStatus.RUN


@pytest.mark.parametrize(("answer", "stopped"), [("y\n", True), ("n\n", False)])
def test_stop_asks_on_a_terminal(
    invoke: Callable[..., Result],
    sim: SimThread,
    monkeypatch: pytest.MonkeyPatch,
    answer: str,
    stopped: bool,
) -> None:
    monkeypatch.setattr("cc_campaigns.cli.voipbin.campaign.is_interactive", lambda: True)
    cid = sim.campaign("Ask me")
    sim.call(sim.simulator.set_campaign_status, cid, "run")
    result = invoke("stop", cid, input=answer)
    assert result.exit_code == 0, result.output
    assert f"Stop campaign {cid} (Ask me), now run?" in result.stderr
    assert (sim.status(cid) != CampaignStatus.RUN) is stopped
    if not stopped:
        assert "was not stopped" in result.stderr


# -- targets ---------------------------------------------------------------------------------


def test_upload_everything_then_list(
    invoke: Callable[..., Result], sim: SimThread, tmp_path: Path
) -> None:
    outdial = sim.outdial()
    source = write(tmp_path / "t.csv", numbers(120))
    result = invoke("targets", "upload", outdial, str(source), "--rate", "0")
    assert result.exit_code == 0, result.output
    assert f"Upload to outdial {outdial}" in result.stdout
    assert "checkpoint" in result.stdout and "(complete: removed)" in result.stdout
    assert "upload: 120/120 (100.0%)" in result.stderr  # plain progress lines off a terminal
    assert not Path(f"{source}.ckpt").exists()
    assert sim.destinations(outdial) == numbers(120)
    listed = invoke("targets", "list", outdial, "--json")
    assert listed.exit_code == 0
    data = json.loads(listed.stdout)
    assert sorted(t["destination_0"]["target"] for t in data) == numbers(120)  # both pages
    assert {t["status"] for t in data} == {"idle"}
    table = invoke("targets", "list", outdial)
    assert f"Outdial {outdial}: 120 targets" in table.stdout
    assert numbers(1)[0] in table.stdout


def test_upload_with_bad_rows_exits_1_and_writes_rejects(
    invoke: Callable[..., Result], sim: SimThread, tmp_path: Path
) -> None:
    outdial = sim.outdial()
    source = tmp_path / "t.csv"
    source.write_text(
        "name,destination,destination_1\n"
        "Ada,+15550000001,+15550000009\n"
        "Bob,not a number,\n"
        "Ada again,+15550000001,\n"
        "Cy,+1 555 000 0002,\n"
    )
    rejects = tmp_path / "rejects.csv"
    result = invoke("targets", "upload", outdial, str(source), "--rate", "0", "--rejects", rejects)
    assert result.exit_code == 1, result.output
    for label in ("added", "duplicate in input", "invalid (not sent)"):
        assert label in result.stdout
    lines = rejects.read_text().splitlines()
    assert lines[0].startswith("customer_id,")
    assert "not a number,,invalid,,destination is not an E.164 phone number,3" in lines
    assert sim.destinations(outdial) == ["+15550000001", "+15550000002"]
    table = invoke("targets", "list", outdial).stdout
    assert "+15550000001 (+1)" in table and "Ada" in table


def test_upload_json_report(invoke: Callable[..., Result], sim: SimThread, tmp_path: Path) -> None:
    outdial = sim.outdial()
    source = write(tmp_path / "t.txt", [*numbers(3), "12"], header=None)
    result = invoke("targets", "upload", outdial, str(source), "--rate", "0", "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert (report["submitted"], report["added"], report["invalid"]) == (4, 3, 1)
    assert report["campaign_id"] == outdial


def test_dry_run_sends_nothing(
    invoke: Callable[..., Result], sim: SimThread, tmp_path: Path
) -> None:
    outdial = sim.outdial()
    source = write(tmp_path / "t.csv", numbers(5))
    before = sim.posts()
    result = invoke("targets", "upload", outdial, str(source), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Dry run" in result.stdout and "would be sent" in result.stdout
    assert sim.posts() == before
    assert not Path(f"{source}.ckpt").exists()


def test_upload_from_stdin_by_column(invoke: Callable[..., Result], sim: SimThread) -> None:
    outdial = sim.outdial()
    rows = "id,phone\n" + "".join(f"{i},{n}\n" for i, n in enumerate(numbers(4)))
    result = invoke("targets", "upload", outdial, "-", "--column", "1", "--rate", "0", input=rows)
    assert result.exit_code == 0, result.output
    assert "checkpoint" not in result.stdout  # nothing to resume from standard input
    assert sim.destinations(outdial) == numbers(4)


def test_max_errors_stops_and_the_rerun_resumes(
    invoke: Callable[..., Result], sim: SimThread, tmp_path: Path
) -> None:
    outdial = sim.outdial()
    source = write(tmp_path / "t.csv", ["bad-1", "bad-2", *numbers(30)])
    args = ("targets", "upload", outdial, str(source), "--rate", "0", "--concurrency", "1")
    first = invoke(*args, "--max-errors", "1", "--json")
    assert first.exit_code == 1
    report = json.loads(first.stdout)
    assert report["aborted"] is True and report["not_sent"] > 0
    assert "run the same command again to resume" in first.stderr
    assert Path(f"{source}.ckpt").exists()
    done = len(sim.destinations(outdial))
    posts = sim.posts()
    again = invoke(*args, "--json")
    assert again.exit_code == 1  # the two bad rows are still not added
    report = json.loads(again.stdout)
    assert report["resumed"] is True and report["submitted"] == 32
    assert (report["added"], report["invalid"]) == (30, 2)
    assert sim.posts() - posts == 30 - done  # nothing sent twice
    assert sim.destinations(outdial) == numbers(30)


def test_numbers_already_in_the_outdial_are_not_sent_again(
    invoke: Callable[..., Result], sim: SimThread, tmp_path: Path
) -> None:
    outdial = sim.outdial()
    first = invoke("targets", "upload", outdial, "-", "--rate", "0", input="+15550000001\n")
    assert first.exit_code == 0, first.output
    source = write(tmp_path / "t.csv", numbers(3))
    posts = sim.posts()
    result = invoke("targets", "upload", outdial, str(source), "--rate", "0", "--json")
    assert result.exit_code == 0, result.output  # already there counts as done
    report = json.loads(result.stdout)
    assert (report["added"], report["already_present"]) == (2, 1)
    assert sim.posts() - posts == 2
    assert sim.destinations(outdial) == numbers(3)
    # Opted out: VoIPbin has no duplicate check, so the same numbers go in twice.
    result = invoke("targets", "upload", outdial, str(source), "--rate", "0", "--no-skip-existing")
    assert result.exit_code == 0, result.output
    assert sim.destinations(outdial) == sorted(numbers(3) * 2)


def test_upload_to_an_outdial_in_use_shows_the_report_and_the_error(
    invoke: Callable[..., Result], sim: SimThread, tmp_path: Path
) -> None:
    outdial = sim.outdial()
    cid = sim.campaign(outdial_id=outdial)
    sim.call(sim.simulator.set_campaign_status, cid, "run")
    source = write(tmp_path / "t.csv", numbers(5))
    result = invoke("targets", "upload", outdial, str(source), "--rate", "0")
    assert result.exit_code == 3
    assert f"Upload to outdial {outdial}" in result.stdout and "not sent" in result.stdout
    assert result.stderr.splitlines()[-1].startswith(f"cc-campaigns: outdial {outdial} is used")
    assert sim.destinations(outdial) == []


def test_input_errors_are_usage_errors(
    invoke: Callable[..., Result], sim: SimThread, tmp_path: Path
) -> None:
    outdial = sim.outdial()
    missing = invoke("targets", "upload", outdial, str(tmp_path / "missing.csv"))
    assert missing.exit_code == 2
    assert "input file not found" in missing.stderr
    source = write(tmp_path / "t.csv", numbers(2))
    column = invoke("targets", "upload", outdial, str(source), "--column", "phone")
    assert column.exit_code == 2
    assert "not in the header" in column.stderr
    rate = invoke("targets", "upload", outdial, str(source), "--rate", "-1")
    assert rate.exit_code == 2
    assert sim.destinations(outdial) == []


def test_a_missing_outdial_is_an_api_error(invoke: Callable[..., Result], tmp_path: Path) -> None:
    source = write(tmp_path / "t.csv", numbers(2))
    result = invoke("targets", "upload", MISSING, str(source), "--rate", "0")
    assert result.exit_code == 3
    assert "HTTP 404" in result.stderr
    assert invoke("targets", "list", MISSING).exit_code == 3


# -- credentials and settings ----------------------------------------------------------------


def test_wrong_credentials(invoke: Callable[..., Result], sim: SimThread, tmp_path: Path) -> None:
    result = invoke("campaigns", VOIPBIN_ACCESSKEY="wrong-key")
    assert result.exit_code == 3
    assert result.stderr.startswith("cc-campaigns: VoIPbin refused the credentials (HTTP 401")
    assert "VOIPBIN_ACCESSKEY" in result.stderr
    source = write(tmp_path / "t.csv", numbers(2))
    upload = invoke("targets", "upload", sim.outdial(), str(source), VOIPBIN_ACCESSKEY="wrong")
    assert upload.exit_code == 3
    assert "refused the credentials" in upload.stderr


def test_missing_or_doubled_credentials_are_usage_errors(invoke: Callable[..., Result]) -> None:
    result = invoke("campaigns", VOIPBIN_ACCESSKEY="")
    assert result.exit_code == 2
    assert "no VoIPbin credentials" in result.stderr
    both = invoke("campaigns", VOIPBIN_TOKEN=TOKEN)
    assert both.exit_code == 2
    assert "both a VoIPbin access key and a token" in both.stderr
    no_secrets(both)


def test_a_token_and_the_options(invoke: Callable[..., Result], sim: SimThread) -> None:
    cid = sim.campaign("by token")
    result = invoke("status", cid, VOIPBIN_ACCESSKEY="", VOIPBIN_TOKEN=TOKEN)
    assert result.exit_code == 0, result.output
    # The command line wins over the environment, the credential as a unit.
    result = invoke("--token", TOKEN, "status", cid, VOIPBIN_ACCESSKEY="wrong")
    assert result.exit_code == 0, result.output
    result = invoke("--accesskey", KEY, "--base-url", sim.url, "status", cid, VOIPBIN_BASE_URL="")
    assert result.exit_code == 0, result.output
    no_secrets(result)


def test_an_access_key_is_prompted_for_on_a_terminal(
    invoke: Callable[..., Result], sim: SimThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("cc_campaigns.cli.context.is_interactive", lambda: True)
    result = invoke("campaigns", "--json", input=KEY + "\n", VOIPBIN_ACCESSKEY="")
    assert result.exit_code == 0, result.output
    assert "VoIPbin access key" in result.stderr
    no_secrets(result)


def test_a_config_profile(invoke: Callable[..., Result], sim: SimThread, tmp_path: Path) -> None:
    config = tmp_path / "config.ini"
    config.write_text(
        "[default]\nplatform = na12\n\n"
        f"[vb]\nvoipbin_base_url = {sim.url}\nvoipbin-accesskey = {KEY}\n"
    )
    config.chmod(0o600)
    empty = {"VOIPBIN_ACCESSKEY": "", "VOIPBIN_BASE_URL": "", "CC_CONFIG": str(config)}
    result = CliRunner().invoke(
        cli,
        ["--profile", "vb", "voipbin", "campaigns", "--json"],
        env={"CC_PROFILE": "", "VOIPBIN_TOKEN": "", **empty},
    )
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr
    via_env = invoke("campaigns", CC_PROFILE="vb", **empty)
    assert via_env.exit_code == 0, via_env.output
    missing = invoke("campaigns", CC_PROFILE="prod", **empty)
    assert missing.exit_code == 2 and "no profile [prod]" in missing.stderr
    config.chmod(0o644)
    shared = invoke("campaigns", CC_PROFILE="vb", **empty)
    assert shared.exit_code == 0
    assert f"chmod 600 {config}" in shared.stderr
    no_secrets(shared)


def test_an_unknown_config_key_names_the_voipbin_keys(
    invoke: Callable[..., Result], tmp_path: Path
) -> None:
    config = tmp_path / "config.ini"
    config.write_text("[default]\nvoipbin_password = hunter2\n")
    result = invoke("campaigns", CC_CONFIG=str(config))
    assert result.exit_code == 2
    assert "unknown setting 'voipbin_password'" in result.stderr
    assert "voipbin_accesskey" in result.stderr and "hunter2" not in result.output


def test_plain_http_elsewhere_is_refused(invoke: Callable[..., Result]) -> None:
    result = invoke("campaigns", VOIPBIN_BASE_URL="http://example.com/v1.0")
    assert result.exit_code == 2
    assert "plain http://" in result.stderr


def test_an_unreachable_service(
    invoke: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(context, "VoipbinClient", functools.partial(VoipbinClient, retry=FAST))
    result = invoke("campaigns", VOIPBIN_BASE_URL="http://127.0.0.1:9/v1.0")
    assert result.exit_code == 3
    assert result.stderr.startswith("cc-campaigns: could not reach the service")
    no_secrets(result)


def test_no_secret_in_any_output_even_with_debug(
    env: dict[str, str], sim: SimThread, tmp_path: Path
) -> None:
    outdial = sim.outdial()
    cid = sim.campaign(outdial_id=outdial)
    source = write(tmp_path / "t.csv", [*numbers(3), "bad"])
    runs = [
        ("campaigns",),
        ("status", cid),
        ("start", cid),
        ("targets", "upload", outdial, str(source), "--rate", "0"),  # refused: in use
        ("stop", cid, "--yes", "--wait", "--interval", "0"),
        ("targets", "upload", outdial, str(source), "--rate", "0"),
        ("targets", "list", outdial),
        ("status", MISSING),
    ]
    for credential in ({}, {"VOIPBIN_ACCESSKEY": "", "VOIPBIN_TOKEN": TOKEN}):
        for args in runs:
            for debug in ((), ("--debug",)):
                result = CliRunner().invoke(
                    cli, [*debug, "voipbin", *args], env={**env, **credential}
                )
                assert result.exit_code in (0, 1, 3), (args, result.output)
                no_secrets(result)
    for wrong in (f"x{KEY}", f"{KEY} x"):
        failing = CliRunner().invoke(
            cli, ["--debug", "voipbin", "--accesskey", wrong, "campaigns"], env=env
        )
        assert failing.exit_code in (2, 3)
        no_secrets(failing)
    failing = CliRunner().invoke(
        cli, ["--debug", "voipbin", "campaigns"], env={**env, "VOIPBIN_ACCESSKEY": "w-" + KEY}
    )
    assert failing.exit_code == 3
    assert "DEBUG cc_campaigns" in failing.stderr and "Traceback" in failing.stderr
    no_secrets(failing)


# -- simulate --------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_simulate_in_the_foreground(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VOIPBIN_", "CC_"))}
    env.update(CC_CONFIG=str(tmp_path / "none.ini"), VOIPBIN_ACCESSKEY=KEY, PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "cc_campaigns", "voipbin", "simulate", "--port", "0", "--rate", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("listening on http://127.0.0.1:"), first
        url = first.split()[-1]
        assert f"export VOIPBIN_BASE_URL={url} (it accepts the" in process.stdout.readline()
        listed = subprocess.run(
            [sys.executable, "-m", "cc_campaigns", "voipbin", "campaigns", "--json"],
            capture_output=True,
            text=True,
            env={**env, "VOIPBIN_BASE_URL": url},
        )
        assert listed.returncode == 0, listed.stderr
        assert json.loads(listed.stdout) == []
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "Stopped after 1 requests (200: 1); 0 targets in 0 outdials." in out
    assert KEY not in out + err


def test_simulate_names_its_public_key_and_refuses_bad_settings(
    invoke: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    import cc_campaigns.voipbin.simulator.__main__ as entry

    seen: list[VoipbinSimulator] = []

    async def serve(simulator: VoipbinSimulator, *, announce: Callable[[str], None]) -> None:
        seen.append(simulator)
        announce("http://127.0.0.1:1/v1.0")

    monkeypatch.setattr(entry, "serve", serve)
    result = invoke("simulate", "--rate", "0", VOIPBIN_ACCESSKEY="")
    assert result.exit_code == 0, result.output
    assert "VOIPBIN_BASE_URL=http://127.0.0.1:1/v1.0 VOIPBIN_ACCESSKEY=test-key" in result.stdout
    assert "no rate limit" in result.stdout
    assert "Stopped after 0 requests (none); 0 targets in 0 outdials." in result.stdout
    assert seen[0].accesskeys == frozenset({"test-key"}) and seen[0].rate is None
    # Your own key is accepted, and never printed.
    result = invoke("simulate")
    assert seen[1].accesskeys == frozenset({KEY})
    assert "(it accepts the access key or token you set)" in result.stdout
    no_secrets(result)
    bad = invoke("simulate", "--error-rate", "2")
    assert bad.exit_code == 2
    assert "fault rates" in bad.stderr


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_stops_an_upload_and_the_rerun_resumes(
    env: dict[str, str], sim: SimThread, tmp_path: Path
) -> None:
    outdial = sim.outdial()
    source = write(tmp_path / "t.csv", numbers(300))
    args = [sys.executable, "-m", "cc_campaigns", "voipbin", "targets", "upload", outdial]
    args += [str(source), "--rate", "100", "--concurrency", "2", "--json"]
    child_env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env
    )
    assert process.stderr is not None
    line = process.stderr.readline()  # the first progress line: targets are being sent
    assert line.startswith("upload: "), line
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    report = json.loads(out)
    assert report["aborted"] is True and report["abort_reason"].startswith("interrupted")
    # Stopped within the source's first chunk (1,024 items), not at its end.
    assert 0 < report["added"] < 300 and report["added"] + report["not_sent"] == 300
    assert "run the same command again to resume" in err
    assert len(sim.destinations(outdial)) == report["added"]
    again = subprocess.run(args, capture_output=True, text=True, env=child_env)
    assert again.returncode == 0, again.stderr
    report = json.loads(again.stdout)
    assert report["resumed"] is True and report["added"] == 300
    assert sim.destinations(outdial) == numbers(300)
    assert not Path(f"{source}.ckpt").exists()
    assert KEY not in out + err + again.stdout + again.stderr


def test_upload_targets_encoding_column_range_and_outputs(
    invoke: Callable[..., Result], sim: SimThread, tmp_path: Path
) -> None:
    outdial = sim.outdial()
    source = tmp_path / "t.csv"
    source.write_bytes("name,destination\nJosé,+15550001001\nBø,+15550001002\n".encode("cp1252"))
    out_of_range = invoke("targets", "upload", outdial, str(source), "--column", "2")
    assert out_of_range.exit_code == 2
    assert "id column 2 is out of range" in out_of_range.stderr
    same = invoke("targets", "upload", outdial, str(source), "--rejects", str(source))
    assert same.exit_code == 2 and "is the input file" in same.stderr
    assert sim.destinations(outdial) == []
    result = invoke(
        "targets", "upload", outdial, str(source), "--rate", "0", "--encoding", "cp1252"
    )
    assert result.exit_code == 0, result.output
    assert sim.destinations(outdial) == ["+15550001001", "+15550001002"]
