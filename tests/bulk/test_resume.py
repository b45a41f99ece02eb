"""Resuming a bulk upload from its checkpoint: after a real SIGKILL of a real process, after a
cancelled task, after a graceful stop. Each time the final report covers the whole source, the
buckets are exact, and the campaign holds each valid id exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp import web

from cc_campaigns import CampaignsClient, RetryPolicy, read_customers
from cc_campaigns.bulk import BulkReport
from cc_campaigns.dynamic.simulator import Simulator
from cc_campaigns.errors import ValidationError

from ..conftest import RUNNING, make_client, make_simulator, populate

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

CHILD = Path(__file__).resolve().parents[1] / "bulk_upload_child.py"
TINY_RETRY = RetryPolicy(attempts=10, backoff_initial=0.001, backoff_max=0.002, total_time=None)
#: Bounded waits for the real processes (generous: a loaded CI machine is slow to start Python).
DEADLINE = 60.0


def done_windows(checkpoint: Path) -> int:
    if not checkpoint.exists():
        return 0
    return checkpoint.read_bytes().count(b'{"d":')


def reject_rows(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


# -- a real SIGKILL of a real process -------------------------------------------------------------

KILL_CAMPAIGN = 7
KILL_IDS = 100_000
KILL_DNC = range(500, 510)
NOT_IN_CRM = ["900001", "900002", "900003"]


def kill_source(path: Path) -> dict[str, int]:
    """A text file of ids 1..100,000 with invalid lines, repeats and ids unknown to the CRM
    mixed in; returns the expected counts."""
    lines: list[str] = []
    invalid = duplicates = 0
    for customer in range(1, KILL_IDS + 1):
        lines.append(str(customer))
        if customer % 9_000 == 0:
            lines.append(f"oops{customer}")
            invalid += 1
        if customer % 7_000 == 0:
            lines.append(str(customer - 1))
            duplicates += 1
        if customer % 40_000 == 0:
            lines.append(NOT_IN_CRM[customer // 40_000 - 1])
    lines.append(NOT_IN_CRM[2])
    path.write_text("\n".join(lines) + "\n")
    return {
        "lines": len(lines),
        "invalid": invalid,
        "duplicates": duplicates,
        "rejected": len(KILL_DNC) + len(NOT_IN_CRM),
        "added": KILL_IDS - len(KILL_DNC),
    }


def spawn(arguments: list[str], output: Path) -> subprocess.Popen[bytes]:
    """Start ``python ARGUMENTS``, its stdout and stderr going to ``output``."""
    with output.open("wb") as sink:
        return subprocess.Popen([sys.executable, *arguments], stdout=sink, stderr=subprocess.STDOUT)


@pytest.fixture
async def sim_process(tmp_path: Path) -> AsyncIterator[str]:
    """``python -m cc_campaigns.dynamic.simulator`` in a process of its own (so the campaign
    outlives the uploader); yields its URL."""
    out = tmp_path / "sim.out"
    process = spawn(
        [
            "-m",
            "cc_campaigns.dynamic.simulator",
            "--port=0",
            f"--campaign={KILL_CAMPAIGN}",
            f"--crm-range=1-{KILL_IDS}",
            f"--dnc-range={KILL_DNC.start}-{KILL_DNC.stop - 1}",
            "--latency=0.02",
        ],
        out,
    )
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + DEADLINE
        while b"listening on " not in out.read_bytes():
            assert process.poll() is None, out.read_text()
            assert loop.time() < deadline, "the simulator did not start"
            await asyncio.sleep(0.02)
        line = out.read_text().split("listening on ", 1)[1].split()[0]
        yield line
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - a stuck simulator
            process.kill()
            process.wait()


async def sim_stats(url: str, method: str = "GET") -> dict[str, Any]:
    async with aiohttp.ClientSession() as http, http.request(method, url + "/_sim/stats") as answer:
        data: dict[str, Any] = await answer.json()
        return data


@pytest.mark.slow
async def test_resume_after_sigkill_of_the_uploader(sim_process: str, tmp_path: Path) -> None:
    url = sim_process
    source = tmp_path / "ids.txt"
    expected = kill_source(source)
    checkpoint = tmp_path / "upload.checkpoint"
    rejects = tmp_path / "rejects.jsonl"
    errors = tmp_path / "child.err"

    arguments = [url, str(KILL_CAMPAIGN), str(source), str(checkpoint), str(rejects)]
    child = spawn([str(CHILD), *arguments], errors)
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + DEADLINE
        while done_windows(checkpoint) < 3:
            assert child.poll() is None, errors.read_text()
            assert loop.time() < deadline, "the upload made no progress"
            await asyncio.sleep(0.005)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(timeout=10)
    assert child.returncode == -signal.SIGKILL  # killed mid-way, not finished
    before = await sim_stats(url)
    assert 0 < before["items_added"] < expected["added"]
    await sim_stats(url, "DELETE")

    async with CampaignsClient(
        username="tenant",
        data_token="data-token",
        action_token="action-token",
        base_url=url,
        retry=TINY_RETRY,
    ) as cc:
        report = await cc.bulk_add(
            KILL_CAMPAIGN,
            read_customers(source),
            batch_size=500,
            checkpoint=checkpoint,
            rejects=rejects,
        )
        records = await cc.list_records(KILL_CAMPAIGN)
    after = await sim_stats(url)

    # The final report covers the whole source, bucket by bucket.
    assert report.balanced, report.summary()
    assert report.submitted == expected["lines"]
    assert report.resumed
    assert report.resumed_items > 0
    assert report.applied == expected["added"]
    assert report.already_present == 0  # what the killed run had in flight is confirmed
    assert report.invalid == expected["invalid"]
    assert report.duplicate_in_input == expected["duplicates"]
    assert report.rejected == expected["rejected"]
    assert report.unknown == report.not_sent == 0
    # The rerun sent only what was not finished before the kill.
    assert 0 < after["items_received"] < expected["added"]
    assert after["items_received"] + before["items_received"] >= expected["added"]
    # The campaign holds every valid id, once.
    ids = [record.record_id for record in records]
    assert len(ids) == len(set(ids)) == expected["added"]
    assert set(ids) == set(range(1, KILL_IDS + 1)) - set(KILL_DNC)
    # The rejects file lists each item not added exactly once, stale rows cut on resume.
    rows = reject_rows(rejects)
    assert len(rows) == report.submitted - report.applied
    assert len({row["line"] for row in rows}) == len(rows)
    assert {row["bucket"] for row in rows} == {"invalid", "duplicate_in_input", "rejected"}


# -- in-process interruptions -------------------------------------------------------------------

VALID = range(20_000, 26_000)


def interrupted_source() -> list[Any]:
    source: list[Any] = list(VALID)
    source[100:100] = ["bad", 20_000, 70_000]  # invalid, repeat, not in the CRM
    source[4_000:4_000] = ["worse", 20_001]
    return source


@pytest.fixture
def slow_sim() -> Simulator:
    """A simulator (not started: middlewares can still be added) with a little latency."""
    sim = make_simulator(latency=0.002)
    populate(sim)
    sim.add_crm_customers(VALID)
    return sim


async def start_with_hook(sim: Simulator, after_adds: int, hook: Callable[[], None]) -> None:
    """Start ``sim`` with a middleware calling ``hook`` when the ``after_adds``-th add request
    arrives."""
    adds = 0

    @web.middleware
    async def count(request: web.Request, handler: Handler) -> web.StreamResponse:
        nonlocal adds
        if request.method == "POST" and request.path.endswith("/customers"):
            adds += 1
            if adds == after_adds:
                hook()
        return await handler(request)

    sim.app.middlewares.insert(0, count)
    await sim.start()


async def finish_and_check(
    sim: Simulator, checkpoint: Path, rejects: Path | None = None
) -> BulkReport:
    """Rerun the upload with the checkpoint; check the whole source is accounted exactly."""
    source = interrupted_source()
    received_before = sim.stats.items_received
    async with make_client(sim) as cc:
        report = await cc.bulk_add(
            RUNNING, source, batch_size=100, checkpoint=checkpoint, rejects=rejects
        )
    assert report.balanced, report.summary()
    assert report.submitted == len(source)
    assert report.resumed
    assert 0 < report.resumed_items < len(source)
    assert (report.applied, report.already_present) == (len(VALID), 0)
    assert (report.invalid, report.duplicate_in_input, report.rejected) == (2, 2, 1)
    assert report.unknown == report.not_sent == 0
    resent = sim.stats.items_received - received_before
    assert 0 < resent < len(VALID)
    found = sim.campaign_customers(RUNNING)
    assert len(found) == len(set(found))
    assert set(found) == set(VALID)
    return report


async def test_a_cancelled_upload_resumes_exactly(slow_sim: Simulator, tmp_path: Path) -> None:
    sim = slow_sim
    checkpoint = tmp_path / "ck"
    midway = asyncio.Event()
    await start_with_hook(sim, 15, midway.set)
    try:
        async with make_client(sim) as cc:
            task = asyncio.create_task(
                cc.bulk_add(RUNNING, interrupted_source(), batch_size=100, checkpoint=checkpoint)
            )
            await midway.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        assert done_windows(checkpoint) > 0
        assert len(sim.campaign_customers(RUNNING)) < len(VALID)
        await finish_and_check(sim, checkpoint)
    finally:
        await sim.close()


async def test_a_stopped_upload_resumes_exactly(slow_sim: Simulator, tmp_path: Path) -> None:
    sim = slow_sim
    checkpoint = tmp_path / "ck"
    rejects = tmp_path / "rejects.jsonl"
    stop = asyncio.Event()
    await start_with_hook(sim, 15, stop.set)
    try:
        async with make_client(sim) as cc:
            report = await cc.bulk_add(
                RUNNING,
                interrupted_source(),
                batch_size=100,
                checkpoint=checkpoint,
                rejects=rejects,
                stop=stop,
            )
        assert report.aborted
        assert report.abort_reason is not None
        assert report.abort_reason.startswith("interrupted")
        assert report.balanced
        assert report.submitted == len(interrupted_source())
        assert report.not_sent > 0
        assert report.applied == len(sim.campaign_customers(RUNNING))  # in flight: finished
        first_rows = reject_rows(rejects)
        assert sum(row["bucket"] == "not_sent" for row in first_rows) == report.not_sent

        final = await finish_and_check(sim, checkpoint, rejects)
        rows = reject_rows(rejects)
        assert len(rows) == final.submitted - final.applied == 5
        assert sorted(row["bucket"] for row in rows) == [
            "duplicate_in_input",
            "duplicate_in_input",
            "invalid",
            "invalid",
            "rejected",
        ]
    finally:
        await sim.close()


async def test_a_finished_checkpoint_sends_nothing_again(
    sim: Simulator, client: CampaignsClient, tmp_path: Path
) -> None:
    checkpoint = tmp_path / "ck"
    first = await client.bulk_add(RUNNING, range(1, 500), batch_size=50, checkpoint=checkpoint)
    requests = sim.stats.requests
    again = await client.bulk_add(RUNNING, range(1, 500), batch_size=50, checkpoint=checkpoint)
    assert sim.stats.requests == requests
    assert again.resumed_items == again.submitted == first.submitted == 499
    assert (again.applied, again.rejected) == (first.applied, first.rejected)


async def test_a_checkpoint_of_another_campaign_is_refused_before_sending(
    sim: Simulator, client: CampaignsClient, tmp_path: Path
) -> None:
    checkpoint = tmp_path / "ck"
    await client.bulk_add(RUNNING, range(1, 10), checkpoint=checkpoint)
    requests = sim.stats.requests
    with pytest.raises(ValidationError, match="another checkpoint file"):
        await client.bulk_remove(RUNNING, range(1, 10), checkpoint=checkpoint)
    assert sim.stats.requests == requests


async def test_a_dry_run_neither_reads_nor_writes_the_checkpoint(
    sim: Simulator, client: CampaignsClient, tmp_path: Path
) -> None:
    checkpoint = tmp_path / "ck"
    report = await client.bulk_add(RUNNING, range(1, 10), checkpoint=checkpoint, dry_run=True)
    assert report.not_sent == 9
    assert not checkpoint.exists()
