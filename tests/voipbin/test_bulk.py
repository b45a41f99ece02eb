"""bulk_add_targets on the shared bulk engine, against the VoIPbin simulator, and read_targets."""

from __future__ import annotations

import asyncio
import gzip
from pathlib import Path

import pytest

from cc_campaigns import (
    AuthenticationError,
    CheckpointMismatchError,
    InvalidTransitionError,
    NotFoundError,
    RetryPolicy,
    ValidationError,
)
from cc_campaigns.bulk import Bucket, BulkReport, SourceRow
from cc_campaigns.voipbin import Address, VoipbinClient, read_targets
from cc_campaigns.voipbin.adapters import AddTargets
from cc_campaigns.voipbin.simulator import VoipbinSimulator

from .conftest import ACCESSKEY, FAST, MISSING


@pytest.fixture
async def outdial(vb: VoipbinClient) -> str:
    return (await vb.create_outdial("bulk")).id


def numbers(count: int, start: int = 0) -> list[str]:
    return [f"+1555{i:07d}" for i in range(start, start + count)]


async def upload(vb: VoipbinClient, outdial: str, source: object, **options: object) -> BulkReport:
    settings: dict[str, object] = {"rate": 0, "retry": FAST}
    settings.update(options)
    report = await vb.bulk_add_targets(outdial, source, **settings)  # type: ignore[arg-type]
    assert report.balanced
    return report


async def test_every_item_lands_in_one_bucket(
    vb: VoipbinClient, vsim: VoipbinSimulator, outdial: str
) -> None:
    source = [*numbers(25), "+1555 000 0003", "not a number", "", "5551234567"]
    report = await upload(vb, outdial, source)
    assert report.submitted == 29
    assert (report.applied, report.duplicate_in_input, report.invalid) == (25, 1, 3)
    assert report.requests == 25  # one POST per target
    assert report.reasons == {
        "destination is not an E.164 phone number": 2,
        "destination is missing": 1,
    }
    assert report.target == outdial
    stored = vsim.targets(outdial)
    assert sorted(t.destination or "" for t in stored) == numbers(25)


async def test_rich_items(vb: VoipbinClient, vsim: VoipbinSimulator, outdial: str) -> None:
    source = [
        {"destination": "+15550000001", "name": "Ada", "detail": "vip", "data": {"crm": 1}},
        {"destination_0": {"type": "tel", "target": "+15550000002"}, "destinations": ["+15559"]},
        {"phone": "+15550000003", "destination_1": "+15550000004"},
        Address("+15550000005", target_name="Eve"),
        Address("sip:bob@example.com", type="sip"),
        {"destination": "+15550000006", "destinations": numbers(5)},  # six in all
        {"destination": "+15550000007", "name": 7},
    ]
    report = await upload(vb, outdial, source)
    assert (report.applied, report.invalid) == (5, 2)
    assert set(report.reasons) == {"more than 5 destinations", "name, detail or data is not text"}
    by_first = {t.destination: t for t in vsim.targets(outdial)}
    ada = by_first["+15550000001"]
    assert (ada.name, ada.detail, ada.data) == ("Ada", "vip", '{"crm":1}')
    assert [d.target for d in by_first["+15550000002"].destinations] == [
        "+15550000002",
        "+15559",
    ]
    assert by_first["+15550000003"].destination_1 == Address("+15550000004")
    assert by_first["sip:bob@example.com"].destination_0 == Address(
        "sip:bob@example.com", type="sip"
    )


async def test_a_running_campaign_stops_the_upload(
    vb: VoipbinClient, vsim: VoipbinSimulator, outdial: str
) -> None:
    campaign = await vb.create_campaign("c", outdial_id=outdial)
    await vb.set_campaign_status(campaign.id, "run")
    with pytest.raises(InvalidTransitionError) as info:
        await upload(vb, outdial, numbers(50), concurrency=1)
    report: BulkReport = info.value.report
    assert report.aborted and report.balanced
    assert report.applied == 0 and report.not_sent >= 49
    assert vsim.targets(outdial) == []


async def test_a_missing_outdial_stops_the_upload(vb: VoipbinClient) -> None:
    with pytest.raises(NotFoundError) as info:
        await upload(vb, MISSING, numbers(5), concurrency=1)
    assert info.value.reason == "OUTDIAL_NOT_FOUND"
    assert info.value.report.aborted


async def test_wrong_credentials_stop_the_upload(vsim: VoipbinSimulator, outdial: str) -> None:
    async with VoipbinClient(accesskey="wrong", base_url=vsim.url, retry=FAST) as vb:
        with pytest.raises(AuthenticationError):
            await upload(vb, outdial, numbers(5))


async def test_throttling_is_retried_and_counted(
    vb: VoipbinClient, vsim: VoipbinSimulator, outdial: str
) -> None:
    vsim.throttle_next(3, retry_after=0.001)
    vsim.fail_next(2, status=500, reason="INTERNAL_ERROR")
    report = await upload(vb, outdial, numbers(10), concurrency=2)
    assert report.applied == 10 and report.ok
    assert report.throttled >= 3 and report.retries >= 5
    assert len(vsim.targets(outdial)) == 10


async def test_the_simulators_rate_limit_is_ridden_through(outdial: str) -> None:
    async with VoipbinSimulator(accesskey=ACCESSKEY, rate=2000, burst=2) as sim:
        async with VoipbinClient(accesskey=ACCESSKEY, base_url=sim.url, retry=FAST) as vb:
            target = (await vb.create_outdial("o")).id
            report = await upload(
                vb, target, numbers(40), concurrency=8, retry=RetryPolicy(attempts=50)
            )
        assert report.applied == 40
        assert len(sim.targets(target)) == 40


async def test_a_lost_answer_is_confirmed_not_duplicated(
    vb: VoipbinClient, vsim: VoipbinSimulator, outdial: str
) -> None:
    # The first POST is applied, then its connection drops: the client cannot know. The resend
    # first looks for the target among the newest ones, finds it, and does not POST again.
    vsim.drop_next(1, method="POST", path="/targets", after_apply=True)
    vsim.fail_next(1, status=504, reason="GATEWAY_TIMEOUT", method="POST", after_apply=True)
    report = await upload(vb, outdial, numbers(3), concurrency=1)
    assert report.applied == 3 and report.confirmed_on_retry == 2
    assert sorted(t.destination or "" for t in vsim.targets(outdial)) == numbers(3)


async def test_a_lost_request_is_resent(
    vb: VoipbinClient, vsim: VoipbinSimulator, outdial: str
) -> None:
    vsim.drop_next(1, method="POST", path="/targets")  # dropped before it was applied
    report = await upload(vb, outdial, numbers(2), concurrency=1)
    assert report.applied == 2 and report.confirmed_on_retry == 0
    assert len(vsim.targets(outdial)) == 2


async def test_server_refusals_are_rejected_per_item(
    vb: VoipbinClient, vsim: VoipbinSimulator, outdial: str, tmp_path: Path
) -> None:
    rejects = tmp_path / "rejects.csv"
    report = await upload(
        vb, outdial, ["+15550000001", "555-0100"], validate=False, rejects=rejects
    )
    assert (report.applied, report.rejected) == (1, 1)
    assert [s["http_status"] for s in report.samples["rejected"]] == [400]
    lines = rejects.read_text().splitlines()
    assert lines[0].startswith("customer_id,") and lines[1].startswith("555-0100,")


async def test_skip_existing(vb: VoipbinClient, vsim: VoipbinSimulator, outdial: str) -> None:
    await vb.add_target(outdial, "+15550000001")
    await vb.add_target(outdial, Address("sip:a@b", type="sip"))
    source = [*numbers(3), Address("sip:a@b", type="sip")]
    report = await upload(vb, outdial, source, skip_existing=True)
    assert (report.applied, report.already_present) == (2, 2)
    assert len(vsim.targets(outdial)) == 4


async def test_resume_from_a_checkpoint(
    vb: VoipbinClient, vsim: VoipbinSimulator, outdial: str, tmp_path: Path
) -> None:
    checkpoint = tmp_path / "run.ckpt"
    first = await upload(vb, outdial, numbers(10), checkpoint=checkpoint, max_records=8)
    assert (first.applied, first.not_sent, first.aborted) == (8, 2, True)
    posts = vsim.stats.by_route["POST /v1.0/outdials/{id}/targets"]
    again = await upload(vb, outdial, numbers(10), checkpoint=checkpoint)
    assert again.resumed and again.resumed_items == 8
    assert again.applied == 10  # eight restored, two new
    assert vsim.stats.by_route["POST /v1.0/outdials/{id}/targets"] == posts + 2
    # Resuming lists what is already in the outdial first (a crashed run may not have said).
    assert vsim.stats.by_route["GET /v1.0/outdials/{id}/targets"] >= 1
    assert len(vsim.targets(outdial)) == 10


async def test_a_completed_checkpoint_refuses_another_source(
    vb: VoipbinClient, vsim: VoipbinSimulator, outdial: str, tmp_path: Path
) -> None:
    checkpoint = tmp_path / "run.ckpt"
    await upload(vb, outdial, numbers(8), checkpoint=checkpoint)
    posts = vsim.stats.by_route["POST /v1.0/outdials/{id}/targets"]
    with pytest.raises(CheckpointMismatchError, match="more items than the 8"):
        await upload(vb, outdial, numbers(10), checkpoint=checkpoint)
    again = await upload(vb, outdial, numbers(8), checkpoint=checkpoint)
    assert again.already_complete and (again.applied, again.submitted) == (8, 8)
    assert vsim.stats.by_route["POST /v1.0/outdials/{id}/targets"] == posts


async def test_dry_run_sends_nothing(
    vb: VoipbinClient, vsim: VoipbinSimulator, outdial: str
) -> None:
    report = await upload(vb, outdial, [*numbers(4), "bad"], dry_run=True)
    assert (report.not_sent, report.invalid, report.requests) == (4, 1, 0)
    assert vsim.targets(outdial) == []


async def test_iter_bulk_add_targets(vb: VoipbinClient, outdial: str) -> None:
    seen = []
    async for outcomes in vb.iter_bulk_add_targets(outdial, [*numbers(3), "x"], rate=0):
        seen.extend(outcomes)
    assert sorted(o.bucket.value for o in seen) == ["added", "added", "added", "invalid"]
    assert {o.item_id for o in seen if o.bucket is Bucket.APPLIED} == set(numbers(3))


async def test_options_are_checked(vb: VoipbinClient, outdial: str) -> None:
    with pytest.raises(ValidationError):
        await vb.bulk_add_targets("nope", [])
    with pytest.raises(ValidationError, match="rate"):
        await vb.bulk_add_targets(outdial, [], rate=-1)
    with pytest.raises(ValidationError, match="bulk option"):
        await vb.bulk_add_targets(outdial, [], colour="blue")


async def test_the_default_rate_is_just_under_voipbins_documented_limit(
    vb: VoipbinClient, outdial: str
) -> None:
    _, settings = await vb._targets_job(outdial)
    assert settings.rate is not None and 16.0 <= settings.rate < 16.7
    assert settings.batch_size == 1
    _, settings = await vb._targets_job(outdial, rate=0)
    assert settings.rate is None
    _, settings = await vb._targets_job(outdial, rate=5, batch_size=100)
    assert (settings.rate, settings.batch_size) == (5, 1)


def test_adapter_classification() -> None:
    from cc_campaigns.bulk import Verdict
    from cc_campaigns.voipbin.adapters import ALREADY_ADDED

    adapter = AddTargets(None, MISSING)  # type: ignore[arg-type]
    assert adapter.classify(409, ALREADY_ADDED) is Verdict.PRESENT
    assert adapter.classify(429, "slow") is Verdict.THROTTLE
    assert adapter.classify(0, None) is Verdict.UNKNOWN
    assert adapter.classify(502, None) is Verdict.RETRY
    assert adapter.classify(400, "bad") is Verdict.REJECT
    assert adapter.raw_id({"destination": Address("+1555")}) == ("+1555", None, None)
    assert adapter.raw_id({"destination_0": {"target": "+1666"}}) == ("+1666", None, None)
    assert adapter.raw_id(SourceRow("+1777", line=4)) == ("+1777", None, 4)
    with pytest.raises(ValidationError, match="row could not be read"):
        adapter.prepare(SourceRow(None, line=3, error="not valid JSON"))


# -- read_targets ------------------------------------------------------------------------------


def test_read_targets_csv_with_extra_columns(tmp_path: Path) -> None:
    path = tmp_path / "targets.csv"
    path.write_text(
        "name,destination,detail,data,destination_1,ignored\n"
        "Ada,+15550000001,vip,crm-1,+15550000009,x\n"
        "Bob,+15550000002,,,,y\n"
    )
    rows = list(read_targets(path))
    assert [r.value for r in rows] == ["+15550000001", "+15550000002"]
    assert [r.line for r in rows] == [2, 3]
    adapter = AddTargets(None, MISSING)  # type: ignore[arg-type]
    key, payload = adapter.prepare(rows[0])
    assert key == 15550000001
    assert payload == {
        "name": "Ada",
        "detail": "vip",
        "data": "crm-1",
        "destination_0": {"type": "tel", "target": "+15550000001"},
        "destination_1": {"type": "tel", "target": "+15550000009"},
    }


def test_read_targets_plain_files(tmp_path: Path) -> None:
    text = tmp_path / "numbers.txt"
    text.write_text("destination\n+15550000001\n\n+15550000002\n")
    assert [(r.value, r.line) for r in read_targets(text)] == [
        ("+15550000001", 2),
        ("+15550000002", 4),
    ]
    bare = tmp_path / "bare.csv"
    bare.write_text("+15550000001,Ada\n+15550000002,Bob\n")
    assert [r.value for r in read_targets(bare)] == ["+15550000001", "+15550000002"]
    jsonl = tmp_path / "t.jsonl.gz"
    with gzip.open(jsonl, "wt") as handle:
        handle.write('{"phone": "+15550000001", "name": "Ada"}\n{"nope": 1}\n')
    rows = list(read_targets(jsonl))
    assert rows[0].value == "+15550000001" and rows[0].extra == {
        "phone": "+15550000001",
        "name": "Ada",
    }
    assert rows[1].error is not None
    with pytest.raises(ValidationError, match="not found"):
        list(read_targets(tmp_path / "missing.csv"))
    with pytest.raises(ValidationError, match="not in the header"):
        list(read_targets(tmp_path / "targets.csv" if False else _header(tmp_path), column="x"))


def _header(tmp_path: Path) -> Path:
    path = tmp_path / "h.csv"
    path.write_text("destination,name\n+15550000001,Ada\n")
    return path


async def test_upload_from_a_file(
    vb: VoipbinClient, vsim: VoipbinSimulator, outdial: str, tmp_path: Path
) -> None:
    path = tmp_path / "targets.csv"
    path.write_text(
        "destination,name\n+15550000001,Ada\n+15550000001,Ada again\nnope,Bad\n+15550000002,Bob\n"
    )
    report = await upload(vb, outdial, read_targets(path))
    assert (report.applied, report.duplicate_in_input, report.invalid) == (2, 1, 1)
    assert report.samples["invalid"][0]["line"] == 4
    assert {t.name for t in vsim.targets(outdial)} == {"Ada", "Bob"}


async def test_stop_is_honoured_within_a_chunk_of_the_source(
    vb: VoipbinClient, vsim: VoipbinSimulator, outdial: str, tmp_path: Path
) -> None:
    # One target per request: a chunk of the source (1,024 items) is minutes of sending at
    # VoIPbin's pace, so a stop (Ctrl-C in the CLI) must not wait for the chunk's end.
    stop = asyncio.Event()
    checkpoint = tmp_path / "run.ckpt"
    report = await upload(
        vb,
        outdial,
        numbers(300),
        rate=200,
        concurrency=2,
        checkpoint=checkpoint,
        stop=stop,
        on_progress=lambda progress: stop.set(),  # the first finished target
    )
    assert report.aborted and report.abort_reason is not None
    assert report.abort_reason.startswith("interrupted")
    assert 0 < report.applied < 300 and report.applied + report.not_sent == 300
    assert len(vsim.targets(outdial)) == report.applied
    again = await upload(vb, outdial, numbers(300), checkpoint=checkpoint)
    assert again.applied == 300 and again.resumed
    assert sorted(t.destination or "" for t in vsim.targets(outdial)) == numbers(300)


async def test_the_clients_retry_policy_governs_its_bulk_jobs(
    vb: VoipbinClient, outdial: str
) -> None:
    _, settings = await vb._targets_job(outdial)
    assert settings.retry is vb.session.retry
    own = RetryPolicy(attempts=2)
    _, settings = await vb._targets_job(outdial, retry=own)
    assert settings.retry is own
