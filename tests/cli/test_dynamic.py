"""The ``cc-campaigns`` command line, driven in-process (click's CliRunner) against the simulator.

The simulator runs in a background thread with its own event loop (each command runs its own
``asyncio.run`` in the test's thread); set-up and inspection go through :meth:`SimThread.call`,
which runs on the simulator's loop.
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from click.testing import CliRunner, Result

from cc_campaigns import CampaignsClient, CampaignStatus, RecordStatus
from cc_campaigns.cli import app, context
from cc_campaigns.cli.app import cli
from cc_campaigns.cli.config import ConfigError, ConfigFile, load_config, resolve
from cc_campaigns.dynamic.simulator import Simulator

from ..cli_support import SimThread as BaseSimThread
from ..cli_support import assert_help_documents
from ..conftest import ACTION_TOKEN, DATA_TOKEN, FAST_RETRY, USERNAME, make_simulator

T = TypeVar("T")

#: Customers in the CRM of the CLI's simulator.
CRM = range(1, 20_001)
UNKNOWN = 900_000  # and above: not in the CRM


class SimThread(BaseSimThread[Simulator]):
    """The 8x8 simulator in its own thread, with the counters these tests read."""

    def add_requests(self) -> int:
        """Add requests answered so far (207 is the add endpoint's success)."""
        return self.call(lambda: self.simulator.stats.by_status.get(207, 0))

    def items_received(self) -> int:
        return self.call(lambda: self.simulator.stats.items_received)


@pytest.fixture(scope="module")
def sim() -> Iterator[SimThread]:
    # The real clock: the CLI validates schedules against it.
    with SimThread(make_simulator(clock=None)) as running:
        running.call(running.simulator.add_crm_customers, CRM)
        yield running


_ids = iter(range(1000, 100_000))


@pytest.fixture
def campaign(sim: SimThread) -> Callable[..., int]:
    """Creates a fresh campaign in the simulator; returns its id."""

    def create(status: CampaignStatus = CampaignStatus.MANUAL_RUNNING, **options: Any) -> int:
        campaign_id = next(_ids)
        sim.call(sim.simulator.add_campaign, campaign_id, status=status, **options)
        return campaign_id

    return create


@pytest.fixture
def env(sim: SimThread, tmp_path: Path) -> dict[str, str]:
    """The environment of a configured user (and no config file)."""
    return {
        "CC_BASE_URL": sim.url,
        "CC_USERNAME": USERNAME,
        "CC_DATA_TOKEN": DATA_TOKEN,
        "CC_ACTION_TOKEN": ACTION_TOKEN,
        "CC_CONFIG": str(tmp_path / "no-config.ini"),
        "CC_PLATFORM": "",
        "CC_PROFILE": "",
        "CC_STATUS_METHOD": "",
        "CC_CUSTOMER_ID_FORMAT": "",
        "COLUMNS": "120",
    }


@pytest.fixture
def invoke(env: dict[str, str]) -> Callable[..., Result]:
    def run(*args: str, input: str | None = None, **extra_env: str) -> Result:
        runner = CliRunner()
        return runner.invoke(cli, list(args), input=input, env={**env, **extra_env})

    return run


def write_csv(path: Path, rows: list[str], header: str = "customer_id") -> Path:
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def no_secrets(result: Result) -> None:
    for text in (result.stdout, result.stderr):
        assert DATA_TOKEN not in text
        assert ACTION_TOKEN not in text


# -- help ------------------------------------------------------------------------------------


def test_group_help_lists_every_command_and_the_exit_codes(invoke: Callable[..., Result]) -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    for name in cli.commands:
        assert name in result.stdout
    for code in ("0 ", "1 ", "2 ", "3 ", "130"):
        assert f"  {code}" in result.stdout
    for variable in ("CC_PLATFORM", "CC_BASE_URL", "CC_USERNAME", "CC_ACTION_TOKEN"):
        assert variable in result.stdout
    assert DATA_TOKEN not in result.stdout


@pytest.mark.parametrize("name", sorted(set(cli.commands) - {"simulate"}))
def test_every_command_documents_every_option(invoke: Callable[..., Result], name: str) -> None:
    result = invoke(name, "--help")
    assert result.exit_code == 0, result.output
    assert_help_documents(cli.commands[name], result.stdout, f"cc-campaigns {name}")
    no_secrets(result)


def test_simulate_help_is_the_simulators_own(invoke: Callable[..., Result]) -> None:
    result = invoke("simulate", "--help")
    assert result.exit_code == 0
    assert "usage: cc-campaigns simulate" in result.stdout
    for option in (
        "--port",
        "--campaign",
        "--crm-range",
        "--latency",
        "--error-rate",
        "--throttle-rate",
        "--capacity",
        "--timeout-rate",
        "--disconnect-rate",
        "--seed",
    ):
        assert option in result.stdout


# -- status and transitions ------------------------------------------------------------------


def test_status_table(invoke: Callable[..., Result], campaign: Callable[..., int]) -> None:
    cid = campaign(CampaignStatus.MANUAL_PAUSED, name="Spring promo")
    result = invoke("status", str(cid))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"Campaign {cid}" in out
    assert "Spring promo" in out
    assert "PAUSED" in out
    assert "8 Manual Paused" in out
    for field in ("records", "enabled", "dynamic", "schedule"):
        assert field in out


def test_status_json(invoke: Callable[..., Result], campaign: Callable[..., int]) -> None:
    cid = campaign(CampaignStatus.NEW, name="Json")
    result = invoke("status", str(cid), "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["campaign_id"] == cid
    assert data["state"] == "NEW"
    assert data["status"] == 0
    assert data["status_description"] == "New"
    assert data["dynamic"] is True


def test_the_state_machine_round_trip(
    invoke: Callable[..., Result], campaign: Callable[..., int], sim: SimThread
) -> None:
    cid = campaign(CampaignStatus.NEW)
    steps = [
        ("start", "NEW (0 New) -> RUNNING (3 Manual Running)"),
        ("pause", "RUNNING (3 Manual Running) -> PAUSED (8 Manual Paused)"),
        ("purge", "PAUSED (8 Manual Paused) -> PURGED (10 Manual Purged)"),
        ("start", "PURGED (10 Manual Purged) -> RUNNING (3 Manual Running)"),
    ]
    for command, expected in steps:
        result = invoke(command, str(cid))
        assert result.exit_code == 0, result.output
        assert expected in result.stdout
    result = invoke("stop", str(cid), "--yes", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["after"]["state"] == "STOPPED"
    assert sim.call(sim.simulator.campaign_status, cid) == CampaignStatus.MANUAL_STOPPED


def test_a_stopped_campaign_refuses_start_with_a_human_message(
    invoke: Callable[..., Result], campaign: Callable[..., int], sim: SimThread
) -> None:
    cid = campaign(CampaignStatus.MANUAL_STOPPED)
    before = sim.call(lambda: sim.simulator.stats.requests)
    result = invoke("start", str(cid))
    assert result.exit_code == 3
    assert result.stdout == ""
    assert result.stderr.strip() == (
        f"cc-campaigns: campaign {cid} is STOPPED; cannot change it to RUNNING: stopped "
        "campaigns cannot be restarted (8x8 allows no transition out of STOPPED)."
    )
    assert "Traceback" not in result.output
    # The guard refused it client-side: only the status was read.
    assert sim.call(lambda: sim.simulator.stats.requests) == before + 1


def test_purge_of_a_running_campaign_is_refused(
    invoke: Callable[..., Result], campaign: Callable[..., int]
) -> None:
    result = invoke("purge", str(campaign()))
    assert result.exit_code == 3
    assert "pause it before purging" in result.stderr


def test_no_check_lets_the_service_decide(
    invoke: Callable[..., Result], campaign: Callable[..., int]
) -> None:
    result = invoke("purge", str(campaign()), "--no-check")
    assert result.exit_code == 3
    assert "HTTP 400" in result.stderr


def test_stop_without_a_terminal_needs_yes(
    invoke: Callable[..., Result], campaign: Callable[..., int], sim: SimThread
) -> None:
    cid = campaign()
    result = invoke("stop", str(cid))
    assert result.exit_code == 2
    assert "pass --yes" in result.stderr
    assert sim.call(sim.simulator.campaign_status, cid) == CampaignStatus.MANUAL_RUNNING


@pytest.mark.parametrize(("answer", "stopped"), [("y\n", True), ("n\n", False)])
def test_stop_asks_on_a_terminal(
    invoke: Callable[..., Result],
    campaign: Callable[..., int],
    sim: SimThread,
    monkeypatch: pytest.MonkeyPatch,
    answer: str,
    stopped: bool,
) -> None:
    monkeypatch.setattr(context, "is_interactive", lambda: True)
    monkeypatch.setattr("cc_campaigns.cli.dynamic.campaign.is_interactive", lambda: True)
    cid = campaign(name="Ask me")
    result = invoke("stop", str(cid), input=answer)
    assert result.exit_code == 0, result.output
    assert "can never run again" in result.stderr
    status = sim.call(sim.simulator.campaign_status, cid)
    assert (status == CampaignStatus.MANUAL_STOPPED) is stopped
    if not stopped:
        assert "was not stopped" in result.stderr


def test_status_method_patch(invoke: Callable[..., Result], campaign: Callable[..., int]) -> None:
    result = invoke("--status-method", "PATCH", "pause", str(campaign()))
    assert result.exit_code == 0, result.output
    assert "PAUSED" in result.stdout


def test_unknown_campaign(invoke: Callable[..., Result]) -> None:
    result = invoke("status", "99999")
    assert result.exit_code == 3
    assert result.stderr.startswith("cc-campaigns: Campaign not found. (HTTP 404, GET http")


# -- records and add -------------------------------------------------------------------------


@pytest.fixture
def filled(invoke: Callable[..., Result], campaign: Callable[..., int], sim: SimThread) -> int:
    cid = campaign()
    assert invoke("add", str(cid), "1", "2", "3", "4", "5").exit_code == 0
    sim.call(sim.simulator.set_record_status, cid, 2, RecordStatus.COMPLETED)
    sim.call(sim.simulator.set_record_status, cid, 3, RecordStatus.QUEUED)
    sim.call(sim.simulator.set_record_status, cid, 4, RecordStatus.QUEUED)
    return cid


def test_records_table_with_counts(invoke: Callable[..., Result], filled: int) -> None:
    result = invoke("records", str(filled))
    assert result.exit_code == 0, result.output
    assert "5 of 5 records" in result.stdout
    assert "new 2, queued 2, completed 1 (total 5)" in result.stdout
    assert "5550000003" in result.stdout


def test_records_status_filter_is_case_insensitive(
    invoke: Callable[..., Result], filled: int
) -> None:
    result = invoke("records", str(filled), "--status", "QUEUED", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert sorted(r["record_id"] for r in data["records"]) == [3, 4]
    assert {r["status"] for r in data["records"]} == {"QUEUED"}
    assert data["counts"] == {"new": 2, "queued": 2, "completed": 1}


def test_records_csv(invoke: Callable[..., Result], filled: int) -> None:
    result = invoke("records", str(filled), "--format", "csv", "--status", "completed")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["record_id"], r["status"]) for r in rows] == [("2", "completed")]
    assert "1 of 5 records" in result.stderr


def test_records_rejects_an_unknown_status(invoke: Callable[..., Result], filled: int) -> None:
    result = invoke("records", str(filled), "--status", "dialling")
    assert result.exit_code == 2


def test_add_reports_each_item(
    invoke: Callable[..., Result], campaign: Callable[..., int], sim: SimThread
) -> None:
    cid = campaign()
    result = invoke("add", str(cid), "10", "11", str(UNKNOWN))
    assert result.exit_code == 1
    assert "added" in result.stdout
    assert "has not been found" in result.stdout
    assert "1 of 3 customers were not added" in result.stderr
    assert sim.call(sim.simulator.campaign_customers, cid) == [10, 11]
    again = invoke("add", str(cid), "10", "--json")
    assert again.exit_code == 0  # already there: what was asked for
    assert json.loads(again.stdout)[0]["http_status"] == 400


def test_add_with_a_schedule(invoke: Callable[..., Result], campaign: Callable[..., int]) -> None:
    from datetime import datetime, timedelta, timezone

    at = (datetime.now(timezone.utc) + timedelta(days=1)).replace(microsecond=0).isoformat()
    result = invoke("add", str(campaign()), "12", "--at", at, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["schedule"] is not None


def test_add_refuses_a_bad_id_before_sending(
    invoke: Callable[..., Result], campaign: Callable[..., int], sim: SimThread
) -> None:
    before = sim.add_requests()
    result = invoke("add", str(campaign()), "12", "12b")
    assert result.exit_code == 2
    assert "digits only" in result.stderr
    assert sim.add_requests() == before


def test_add_to_a_new_campaign_is_an_api_error(
    invoke: Callable[..., Result], campaign: Callable[..., int]
) -> None:
    result = invoke("add", str(campaign(CampaignStatus.NEW)), "12")
    assert result.exit_code == 3
    assert "non started campaign" in result.stderr


def test_remove_named_customers_and_a_file(
    invoke: Callable[..., Result], campaign: Callable[..., int], sim: SimThread, tmp_path: Path
) -> None:
    cid = campaign()
    assert invoke("add", str(cid), "21", "22", "23", "24").exit_code == 0
    result = invoke("remove", str(cid), "21", "29", "--json", "--no-progress")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["added"], report["already_present"]) == (1, 1)
    source = write_csv(tmp_path / "gone.csv", ["22", "23"])
    result = invoke("remove", str(cid), "--file", str(source))
    assert result.exit_code == 0, result.output
    assert "removed" in result.stdout
    assert sim.call(sim.simulator.campaign_customers, cid) == [24]


def test_remove_needs_customers_or_a_file(
    invoke: Callable[..., Result], campaign: Callable[..., int]
) -> None:
    result = invoke("remove", str(campaign()))
    assert result.exit_code == 2
    assert "--file" in result.stderr


# -- upload ----------------------------------------------------------------------------------


def test_upload_with_bad_rows_writes_rejects_with_line_numbers(
    invoke: Callable[..., Result], campaign: Callable[..., int], sim: SimThread, tmp_path: Path
) -> None:
    cid = campaign()
    rows = [str(i) for i in range(100, 400)]
    rows[10] = "abc"  # line 12 (the header is line 1)
    rows[20] = str(UNKNOWN)  # line 22
    rows[30] = "100"  # line 32, a repeat
    source = write_csv(tmp_path / "customers.csv", rows)
    rejects = tmp_path / "rejects.csv"
    result = invoke("upload", str(cid), str(source), "--rejects", str(rejects))
    assert result.exit_code == 1, result.output
    assert "Upload to campaign" in result.stdout
    for label in ("submitted", "added", "invalid", "rejected", "duplicate in input"):
        assert label in result.stdout
    with rejects.open() as handle:
        listed = {row["line"]: row for row in csv.DictReader(handle)}
    assert listed["12"]["bucket"] == "invalid"
    assert listed["12"]["customer_id"] == "abc"
    assert listed["22"]["bucket"] == "rejected"
    assert "not been found" in listed["22"]["message"]
    assert listed["32"]["bucket"] == "duplicate_in_input"
    assert len(sim.call(sim.simulator.campaign_customers, cid)) == 297
    # Complete: the default checkpoint next to the input is gone.
    assert not Path(f"{source}.ckpt").exists()
    assert "upload: 300/300 (100.0%)" in result.stderr


def test_upload_json_report(
    invoke: Callable[..., Result], campaign: Callable[..., int], tmp_path: Path
) -> None:
    source = write_csv(tmp_path / "ok.csv", [str(i) for i in range(500, 520)])
    result = invoke("upload", str(campaign()), str(source), "--json", "--no-progress")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["submitted"] == 20
    assert report["added"] == 20
    assert report["ok"] is True
    assert result.stderr == ""


def test_dry_run_sends_nothing(
    invoke: Callable[..., Result], campaign: Callable[..., int], sim: SimThread, tmp_path: Path
) -> None:
    cid = campaign()
    source = write_csv(tmp_path / "dry.csv", [str(i) for i in range(600, 700)])
    before_requests, before_items = sim.add_requests(), sim.items_received()
    result = invoke("upload", str(cid), str(source), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Dry run" in result.stdout
    assert "would be sent" in result.stdout
    assert (sim.add_requests(), sim.items_received()) == (before_requests, before_items)
    assert sim.call(sim.simulator.campaign_customers, cid) == []
    assert not Path(f"{source}.ckpt").exists()
    bad = write_csv(tmp_path / "dry-bad.csv", ["601", "x"])
    assert invoke("upload", str(cid), str(bad), "--dry-run").exit_code == 1


def test_upload_from_stdin_keeps_no_checkpoint(
    invoke: Callable[..., Result], campaign: Callable[..., int], sim: SimThread
) -> None:
    cid = campaign()
    result = invoke("upload", str(cid), "-", input="801\n802\n803\n")
    assert result.exit_code == 0, result.output
    assert sim.call(sim.simulator.campaign_customers, cid) == [801, 802, 803]
    assert not Path("-.ckpt").exists()


def test_upload_by_column_number_and_schedule_column(
    invoke: Callable[..., Result], campaign: Callable[..., int], sim: SimThread, tmp_path: Path
) -> None:
    from datetime import datetime, timedelta, timezone

    at = (datetime.now(timezone.utc) + timedelta(days=2)).replace(microsecond=0).isoformat()
    source = tmp_path / "cols.csv"
    source.write_text(f"name,acct,when\nann,901,{at}\nbob,902,\n")
    cid = campaign()
    result = invoke("upload", str(cid), str(source), "--column", "1", "--schedule-column", "when")
    assert result.exit_code == 0, result.output
    assert sim.call(sim.simulator.campaign_customers, cid) == [901, 902]


def test_an_upload_stopped_by_max_errors_resumes_on_the_rerun(
    invoke: Callable[..., Result], campaign: Callable[..., int], sim: SimThread, tmp_path: Path
) -> None:
    cid = campaign()
    good = list(range(1000, 1600))
    strangers = list(range(UNKNOWN + 1, UNKNOWN + 41))  # rows 201-240: not in the CRM
    ids = good[:200] + strangers + good[200:]
    source = write_csv(tmp_path / "resume.csv", [str(i) for i in ids])
    checkpoint = Path(f"{source}.ckpt")
    rejects = tmp_path / "rejects.csv"
    before = sim.items_received()
    args = ("upload", str(cid), str(source), "--batch-size", "50", "--concurrency", "1")
    args += ("--rejects", str(rejects))
    first = invoke(*args, "--max-errors", "5", "--json")
    assert first.exit_code == 1, first.output
    report = json.loads(first.stdout)
    assert report["aborted"] is True
    assert "max_errors" in report["abort_reason"]
    assert report["not_sent"] > 0
    assert checkpoint.exists()
    assert "run the same command again to resume" in first.stderr

    second = invoke(*args, "--json")
    assert second.exit_code == 1, second.output  # the strangers stay rejected
    report = json.loads(second.stdout)
    assert report["resumed"] is True
    assert report["submitted"] == len(ids)
    assert report["added"] == len(good)
    assert report["rejected"] == len(strangers)
    assert report["balanced"] is True
    assert sim.call(sim.simulator.campaign_customers, cid) == good
    # Nothing was sent twice.
    assert sim.items_received() - before == len(ids)
    assert not checkpoint.exists()
    # The rejects file covers the whole source: the strangers, and nothing left "not sent".
    with rejects.open() as handle:
        listed = [(row["bucket"], int(row["line"])) for row in csv.DictReader(handle)]
    assert sorted(listed) == [("rejected", line) for line in range(202, 242)]


def test_tomorrows_file_under_the_same_name_is_refused_then_restarted(
    invoke: Callable[..., Result], campaign: Callable[..., int], sim: SimThread, tmp_path: Path
) -> None:
    """Issue 8: an interrupted upload's checkpoint met another export.csv: it "resumed",
    skipped most of the new file, printed success and deleted the checkpoint."""
    cid = campaign()
    source = write_csv(tmp_path / "export.csv", [str(i) for i in range(1000, 1300)])
    checkpoint = Path(f"{source}.ckpt")
    args = ("upload", str(cid), str(source), "--batch-size", "50", "--concurrency", "1")
    stopped = invoke(*args, "--max-errors", "0", "--no-progress", input=None)
    assert stopped.exit_code == 0 and not checkpoint.exists()  # complete: removed
    # An interrupted run (a stranger trips --max-errors 0 in the second window).
    write_csv(source, [str(i) for i in range(1000, 1060)] + [str(UNKNOWN + 1)] + ["1100"] * 240)
    partial = invoke(*args, "--max-errors", "0", "--no-progress")
    assert partial.exit_code == 1 and checkpoint.exists()
    before = sim.items_received()
    write_csv(source, [str(i) for i in range(1400, 1700)])  # tomorrow's export
    refused = invoke(*args, "--no-progress")
    assert refused.exit_code == 2, refused.output
    assert "--restart" in refused.stderr and str(checkpoint) in refused.stderr
    assert "Traceback" not in refused.output
    assert sim.items_received() == before  # nothing sent
    restarted = invoke(*args, "--restart", "--no-progress", "--json")
    assert restarted.exit_code == 0, restarted.output
    report = json.loads(restarted.stdout)
    assert (report["added"], report["resumed"]) == (300, False)
    assert not checkpoint.exists()


@pytest.mark.slow  # the default retry policy's real backoff against a closed port
def test_an_unreachable_service_exits_3_with_the_report_and_keeps_the_checkpoint(
    invoke: Callable[..., Result], tmp_path: Path
) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    source = write_csv(tmp_path / "down.csv", [str(i) for i in range(1000, 1100)])
    result = invoke(
        "upload", "1", str(source), "--no-progress", CC_BASE_URL=f"http://127.0.0.1:{port}"
    )
    assert result.exit_code == 3, result.output
    assert "could not reach the service" in result.stderr
    assert "not sent" in result.stdout and "100" in result.stdout
    assert Path(f"{source}.ckpt").exists()
    no_secrets(result)


def test_upload_to_a_stopped_campaign_shows_the_report_and_the_error(
    invoke: Callable[..., Result], campaign: Callable[..., int], tmp_path: Path
) -> None:
    source = write_csv(tmp_path / "stopped.csv", ["1", "2"])
    result = invoke(
        "upload", str(campaign(CampaignStatus.MANUAL_STOPPED)), str(source), "--no-progress"
    )
    assert result.exit_code == 3
    assert "not sent" in result.stdout
    assert "already stopped" in result.stderr


def test_upload_of_a_missing_file(invoke: Callable[..., Result], tmp_path: Path) -> None:
    result = invoke("upload", "1", str(tmp_path / "nope.csv"))
    assert result.exit_code == 2
    assert "not found" in result.stderr


# -- settings and secrets --------------------------------------------------------------------


def test_missing_settings_are_usage_errors(invoke: Callable[..., Result]) -> None:
    result = invoke("status", "1", CC_USERNAME="")
    assert result.exit_code == 2
    assert "no username" in result.stderr
    result = invoke("status", "1", CC_BASE_URL="")
    assert result.exit_code == 2
    assert "--platform" in result.stderr
    result = invoke("status", "1", CC_DATA_TOKEN="", CC_ACTION_TOKEN="")
    assert result.exit_code == 2
    assert "no API token" in result.stderr


def test_a_token_is_prompted_for_on_a_terminal_and_never_echoed(
    invoke: Callable[..., Result], campaign: Callable[..., int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(context, "is_interactive", lambda: True)
    cid = campaign()
    result = invoke(
        "status", str(cid), input=DATA_TOKEN + "\n", CC_DATA_TOKEN="", CC_ACTION_TOKEN=""
    )
    assert result.exit_code == 0, result.output
    assert "Data Request Token" in result.stderr
    no_secrets(result)


def test_wrong_credentials(invoke: Callable[..., Result], campaign: Callable[..., int]) -> None:
    result = invoke("status", str(campaign()), CC_DATA_TOKEN="wrong", CC_ACTION_TOKEN="wrong")
    assert result.exit_code == 3
    assert "refused the credentials (HTTP 401" in result.stderr


def test_unreachable_service(
    invoke: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Reads are retried; keep the back-off short.
    monkeypatch.setattr(
        context, "CampaignsClient", functools.partial(CampaignsClient, retry=FAST_RETRY)
    )
    result = invoke("status", "1", CC_BASE_URL="http://127.0.0.1:9")
    assert result.exit_code == 3
    assert result.stderr.startswith("cc-campaigns: could not reach the service")


def test_plain_http_elsewhere_is_refused(invoke: Callable[..., Result]) -> None:
    result = invoke("--base-url", "http://example.com", "status", "1")
    assert result.exit_code == 2
    assert "plain http://" in result.stderr


def test_no_token_in_any_output_even_with_debug(
    invoke: Callable[..., Result], campaign: Callable[..., int], tmp_path: Path
) -> None:
    cid = campaign()
    source = write_csv(tmp_path / "s.csv", ["31", "x", str(UNKNOWN)])
    runs = [
        ("status", str(cid)),
        ("records", str(cid)),
        ("add", str(cid), "32", str(UNKNOWN)),
        ("upload", str(cid), str(source)),
        ("remove", str(cid), "31"),
        ("pause", str(cid)),
        ("purge", str(cid)),
        ("stop", str(cid), "--yes"),
        ("start", str(cid)),
    ]
    for args in runs:
        for debug in ((), ("--debug",)):
            no_secrets(invoke(*debug, *args))
    failing = invoke("--debug", "status", str(cid), CC_DATA_TOKEN="wrong-" + DATA_TOKEN)
    assert failing.exit_code == 3
    assert "DEBUG cc_campaigns" in failing.stderr
    assert "Traceback" in failing.stderr
    no_secrets(failing)


def test_a_config_profile(
    invoke: Callable[..., Result], campaign: Callable[..., int], sim: SimThread, tmp_path: Path
) -> None:
    config = tmp_path / "config.ini"
    config.write_text(
        f"[default]\nbase_url = http://127.0.0.1:9\n\n[sim]\nbase-url = {sim.url}\n"
        f"username = {USERNAME}\ndata_token = {DATA_TOKEN}\naction_token = {ACTION_TOKEN}\n"
    )
    config.chmod(0o600)
    cid = campaign()
    empty = {"CC_BASE_URL": "", "CC_USERNAME": "", "CC_DATA_TOKEN": "", "CC_ACTION_TOKEN": ""}
    result = invoke("--profile", "sim", "status", str(cid), CC_CONFIG=str(config), **empty)
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr
    result = invoke("status", str(cid), CC_CONFIG=str(config), CC_PROFILE="sim", **empty)
    assert result.exit_code == 0, result.output
    missing = invoke("--profile", "prod", "status", "1", CC_CONFIG=str(config))
    assert missing.exit_code == 2
    assert "no profile [prod]" in missing.stderr
    config.chmod(0o644)
    shared = invoke("--config", str(config), "--profile", "sim", "status", str(cid), **empty)
    assert shared.exit_code == 0
    assert f"chmod 600 {config}" in shared.stderr
    no_secrets(shared)


@pytest.mark.skipif(sys.version_info >= (3, 11), reason="3.10 only: no tomllib")
def test_a_toml_config_on_python_310_says_to_use_ini(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[default]\nplatform = "na12"\n')
    with pytest.raises(ConfigError, match=r"Python 3\.11"):
        load_config(config)


@pytest.mark.skipif(sys.version_info < (3, 11), reason="TOML configs need tomllib (3.11+)")
def test_a_toml_config(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[default]\nplatform = "na12"\nusername = "acme"\n\n[eu]\nplatform = "eu5"\n')
    loaded = load_config(config)
    assert loaded.profiles["eu"] == {"platform": "eu5"}
    settings = resolve({}, {}, loaded, None)
    assert (settings.platform, settings.username) == ("na12", "acme")


def test_a_bad_setting_in_the_config(invoke: Callable[..., Result], tmp_path: Path) -> None:
    config = tmp_path / "config.ini"
    config.write_text("[default]\npassword = hunter2\n")
    result = invoke("status", "1", CC_CONFIG=str(config))
    assert result.exit_code == 2
    assert "unknown setting 'password'" in result.stderr
    assert "hunter2" not in result.output


def test_layers_command_line_over_environment_over_file() -> None:
    config = ConfigFile(
        path=Path("c.ini"),
        profiles={"default": {"base_url": "https://file", "username": "f", "data_token": "ft"}},
    )
    env = {"CC_BASE_URL": "https://env", "CC_USERNAME": "e"}
    settings = resolve({"platform": "na12", "username": None}, env, config, None)
    # The command line says where, so the environment's base URL does not override it.
    assert (settings.platform, settings.base_url) == ("na12", None)
    assert settings.username == "e"
    assert settings.data_token == "ft"
    assert "ft" not in repr(settings)
    settings = resolve({}, {}, config, None)
    assert settings.base_url == "https://file"


def test_bad_knob_values_from_the_environment(
    invoke: Callable[..., Result], campaign: Callable[..., int]
) -> None:
    result = invoke("status", str(campaign()), CC_CUSTOMER_ID_FORMAT="float")
    assert result.exit_code == 2
    assert "customer_id_format must be int or string" in result.stderr


def test_customer_id_format_string(
    invoke: Callable[..., Result], campaign: Callable[..., int], sim: SimThread
) -> None:
    cid = campaign()
    result = invoke("--customer-id-format", "string", "add", str(cid), "41")
    assert result.exit_code == 0, result.output
    assert sim.call(sim.simulator.campaign_customers, cid) == [41]


def test_version(invoke: Callable[..., Result]) -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout.startswith("cc-campaigns, version ")


def test_an_unexpected_error_is_one_line_without_debug(
    invoke: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("kaput")

    monkeypatch.setattr(context.CliState, "client", boom)
    result = invoke("status", "1")
    assert result.exit_code == 3
    assert result.stderr == (
        "cc-campaigns: unexpected error: RuntimeError: kaput (rerun with --debug to see where)\n"
    )


def test_ctrl_c_exits_130(invoke: Callable[..., Result], monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupt(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(context.CliState, "client", interrupt)
    result = invoke("status", "1")
    assert result.exit_code == 130
    assert result.stderr == "cc-campaigns: interrupted\n"


# -- demo ------------------------------------------------------------------------------------


def test_demo_with_a_few_records(invoke: Callable[..., Result]) -> None:
    result = invoke("demo", "--records", "2000")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Uploading 2,000 generated customers" in out
    assert "Upload to campaign 125" in out
    for label in ("added", "duplicate in input", "invalid", "rejected"):
        assert label in out
    for step in ("pause", "resume", "purge", "stop"):
        assert f"  {step}" in out
    assert "refused, nothing sent" in out
    assert "upload: 2,000/2,000 (100.0%)" in result.stderr


def test_main_runs_the_group(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        app.main(["--version"])
    assert exit_info.value.code == 0
    assert "cc-campaigns, version" in capsys.readouterr().out


# -- input problems are rows or clear errors (issue 8) -----------------------------------------


def one_line_error(result: Result) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "unexpected error" not in result.stderr
    return result.stderr


def test_a_bad_byte_and_a_huge_id_are_invalid_rows_and_the_rest_is_added(
    invoke: Callable[..., Result], campaign: Callable[..., int], sim: SimThread, tmp_path: Path
) -> None:
    cid = campaign()
    source = tmp_path / "export.csv"
    source.write_bytes(b"customer_id,name\n201,a\n202,caf\xe9\n" + b"9" * 5000 + b",b\n,,\n203,c\n")
    rejects = tmp_path / "rejects.csv"
    result = invoke("upload", str(cid), str(source), "--rejects", str(rejects), "--no-progress")
    assert result.exit_code == 1, result.output
    assert sim.call(sim.simulator.campaign_customers, cid) == [201, 203]
    with rejects.open() as handle:
        listed = {row["line"]: row["message"] for row in csv.DictReader(handle)}
    assert set(listed) == {"3", "4", "5"}
    assert "not valid utf-8" in listed["3"]
    assert "longer than 256" in listed["4"]
    assert "only empty cells" in listed["5"]


def test_encoding_option(
    invoke: Callable[..., Result], campaign: Callable[..., int], sim: SimThread, tmp_path: Path
) -> None:
    cid = campaign()
    source = tmp_path / "latin.csv"
    source.write_bytes("name,customer_id\nHélène,211\nJosé,212\n".encode("cp1252"))
    result = invoke("upload", str(cid), str(source), "--encoding", "cp1252", "--no-progress")
    assert result.exit_code == 0, result.output
    assert sim.call(sim.simulator.campaign_customers, cid) == [211, 212]
    removed = invoke("remove", str(cid), "--file", str(source), "--encoding", "cp1252")
    assert removed.exit_code == 0, removed.output
    assert sim.call(sim.simulator.campaign_customers, cid) == []
    bad = invoke("upload", str(cid), str(source), "--encoding", "klingon")
    assert "unknown text encoding 'klingon'" in one_line_error(bad)


def test_a_truncated_gzip_is_exit_2_naming_file_and_line(
    invoke: Callable[..., Result], campaign: Callable[..., int], sim: SimThread, tmp_path: Path
) -> None:
    source = tmp_path / "export.csv.gz"
    text = "customer_id\n" + "".join(f"{i}\n" for i in range(1, 20_001))
    source.write_bytes(gzip.compress(text.encode())[:-3000])
    before = sim.add_requests()
    message = one_line_error(invoke("upload", str(campaign()), str(source)))
    assert str(source) in message and "after line" in message
    assert "truncated or corrupt" in message
    assert sim.add_requests() == before  # found while counting, before anything is sent


def test_a_directory_is_exit_2(invoke: Callable[..., Result], tmp_path: Path) -> None:
    result = invoke("remove", "1", "--file", str(tmp_path))
    assert result.exit_code == 2
    assert "directory" in result.stderr


def test_an_out_of_range_column_is_a_usage_error_before_anything_is_sent(
    invoke: Callable[..., Result], campaign: Callable[..., int], sim: SimThread, tmp_path: Path
) -> None:
    source = tmp_path / "two.csv"
    source.write_text("customer_id,name\n221,a\n222,b\n")
    before = sim.add_requests()
    message = one_line_error(invoke("upload", str(campaign()), str(source), "--column", "2"))
    assert "id column 2 is out of range: the header has 2 column(s)" in message
    message = one_line_error(
        invoke("upload", str(campaign()), str(source), "--schedule-column", "7")
    )
    assert "schedule column 7 is out of range" in message
    assert sim.add_requests() == before


def test_outputs_that_are_the_input_are_refused_and_the_input_survives(
    invoke: Callable[..., Result], campaign: Callable[..., int], sim: SimThread, tmp_path: Path
) -> None:
    cid = campaign()
    source = tmp_path / "export.csv"
    content = "customer_id\n231\n232\n"
    source.write_text(content)
    for option in ("--rejects", "--checkpoint"):
        message = one_line_error(invoke("upload", str(cid), str(source), option, str(source)))
        assert f"is the input file {source}" in message
        assert source.read_text() == content
    (tmp_path / "alias.csv").symlink_to(source)
    message = one_line_error(
        invoke("upload", str(cid), str(source), "--rejects", str(tmp_path / "alias.csv"))
    )
    assert "is the input file" in message
    same = str(tmp_path / "out")
    message = one_line_error(
        invoke("upload", str(cid), str(source), "--checkpoint", same, "--rejects", same)
    )
    assert "same file" in message
    assert sim.call(sim.simulator.campaign_customers, cid) == []
    assert source.read_text() == content
