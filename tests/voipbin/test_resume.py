"""Resume after a real SIGKILL: a real uploader process is killed mid-upload, the rerun finishes
from its checkpoint, and the outdial ends up with every target exactly once.

The simulator runs as its own process (``python -m cc_campaigns.voipbin.simulator``) so its state
outlives the uploader. Nothing waits by sleeping except bounded polls of a real process.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from cc_campaigns import RetryPolicy
from cc_campaigns.voipbin import VoipbinClient, read_targets

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

KEY = "resume-SECRET-key"
N = 400
POSTS = "POST /v1.0/outdials/{id}/targets"
CHILD = Path(__file__).resolve().parents[1] / "voipbin_upload_child.py"
ROOT = Path(__file__).resolve().parents[2]
FAST = RetryPolicy(
    attempts=5, backoff_initial=0.001, backoff_max=0.005, retry_after_max=0.01, total_time=None
)
#: Bound of every poll of a real process, in seconds.
DEADLINE = 20.0


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VOIPBIN_", "CC_"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


@pytest.fixture
async def simulator() -> AsyncIterator[str]:
    """The VoIPbin simulator as a process: no rate limit, a little latency, some answers held
    back. Yields its URL."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cc_campaigns.voipbin.simulator",
        "--port",
        "0",
        "--accesskey",
        KEY,
        "--rate",
        "0",
        "--latency",
        "0.02",
        # Now and then a POST is applied and its answer held back (then a 504): killed while
        # one is held, the uploader leaves a target behind that its checkpoint does not know.
        "--timeout-rate",
        "0.04",
        "--timeout-delay",
        "0.5",
        "--seed",
        "7",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=child_env(),
        cwd=ROOT,
    )
    assert process.stdout is not None
    try:
        first = (await asyncio.wait_for(process.stdout.readline(), DEADLINE)).decode()
        assert first.startswith("listening on http://127.0.0.1:"), first
        yield first.split()[-1]
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), DEADLINE)
        assert process.returncode == 0, err.decode()
        assert KEY.encode() not in err


async def sim_stats(http: aiohttp.ClientSession, url: str) -> dict[str, Any]:
    async with http.get(f"{url}/_sim/stats") as answer:
        answer.raise_for_status()
        stats: dict[str, Any] = orjson.loads(await answer.read())
        return stats


async def idle(http: aiohttp.ClientSession, url: str) -> dict[str, Any]:
    """The simulator's stats once it serves no request (polled, bounded)."""
    deadline = time.monotonic() + DEADLINE
    while True:
        stats = await sim_stats(http, url)
        if stats["in_flight"] == 0:
            return stats
        assert time.monotonic() < deadline, stats
        await asyncio.sleep(0.01)


def held(stats: dict[str, Any]) -> int:
    """Requests applied whose answer the simulator is holding back right now."""
    return int(stats["faults"].get("timeout", 0)) - int(stats["by_status"].get("504", 0))


def finished_windows(checkpoint: Path) -> int:
    """Finished windows in the journal (complete lines only: the writer may be mid-line)."""
    try:
        data = checkpoint.read_bytes()
    except FileNotFoundError:
        return 0
    return sum(1 for line in data.split(b"\n")[:-1] if line.startswith(b'{"d":'))


@pytest.mark.slow
async def test_a_sigkilled_upload_resumes_without_duplicates(
    simulator: str, tmp_path: Path
) -> None:
    numbers = [f"+1555{i:07d}" for i in range(N)]
    source = tmp_path / "targets.csv"
    source.write_text("destination\n" + "".join(f"{n}\n" for n in numbers))
    checkpoint = tmp_path / "targets.ckpt"

    async with (
        aiohttp.ClientSession() as http,
        VoipbinClient(accesskey=KEY, base_url=simulator, retry=FAST) as vb,
    ):
        outdial = (await vb.create_outdial("resume")).id

        # 1. A real uploader, paced (80/s, two at a time) so that it runs for a few seconds.
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            str(CHILD),
            outdial,
            str(source),
            str(checkpoint),
            "80",
            "2",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=child_env(VOIPBIN_ACCESSKEY=KEY, VOIPBIN_BASE_URL=simulator),
            cwd=ROOT,
        )
        # Kill it once a few windows are journaled and a target is applied but unanswered.
        deadline = time.monotonic() + DEADLINE
        while True:
            assert child.returncode is None, "the uploader ended before it could be killed"
            assert time.monotonic() < deadline, "the uploader never got there"
            if finished_windows(checkpoint) >= 20 and held(await sim_stats(http, simulator)):
                break
            await asyncio.sleep(0.01)

        # 2. SIGKILL: no handler, no flush, no goodbye.
        child.send_signal(signal.SIGKILL)
        out, err = await asyncio.wait_for(child.communicate(), DEADLINE)
        assert child.returncode == -signal.SIGKILL, err.decode()
        assert out == b""  # it never got to its report
        assert KEY.encode() not in err
        killed_at = finished_windows(checkpoint)
        assert 20 <= killed_at < N

        # A request the dead process left in flight may still land (the server finishes what
        # it started); a rerun minutes later would see it, so wait until the server is idle.
        stats = await idle(http, simulator)
        posts_before = stats["by_route"].get(POSTS, 0)
        # A POST cut off before the server read its body made nothing.
        landed = len([t async for t in vb.list_targets(outdial)])
        assert killed_at <= landed <= posts_before < N

        # 3. The same upload again, with the same checkpoint (unpaced: nothing to prove there).
        report = await vb.bulk_add_targets(
            outdial, read_targets(source), checkpoint=checkpoint, rate=0, concurrency=16
        )
        stats = await sim_stats(http, simulator)
        rerun_posts = stats["by_route"].get(POSTS, 0) - posts_before

        assert report.balanced, report.summary()
        assert report.submitted == N  # the whole source is accounted for
        assert report.applied == N, report.summary()
        assert report.already_present == 0 and report.failed == 0
        assert report.resumed and report.resumed_items >= killed_at > 0
        # The killed run left targets its checkpoint does not count as finished; the rerun
        # found them in the outdial and did not send them again.
        assert landed > report.resumed_items
        assert report.confirmed_on_retry >= landed - report.resumed_items
        assert rerun_posts == N - landed < N

        stored = [t.destination async for t in vb.list_targets(outdial)]
        assert len(stored) == N
        assert sorted(d or "" for d in stored) == numbers  # each number exactly once
