"""Scenario 5: VoIPbin targets through the bulk engine against the simulator's rate limit.

VoIPbin has no bulk endpoint (one target per POST) and limits each access key to about
16.7 requests/s with a burst of 33. The figure is the achieved request rate as a fraction of
that limit (target >= 0.95) and the number of 429s (target: a handful, not hundreds).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from typing import Any

import aiohttp
import orjson

from cc_campaigns.voipbin import VoipbinClient

LIMIT = 16.7
KEY = "bench-key"


async def _run(url: str, targets: int) -> tuple[Any, float]:
    async with VoipbinClient(accesskey=KEY, base_url=url) as client:
        outdial = await client.create_outdial("bench")
        numbers = (f"+1555{n:07d}" for n in range(targets))
        started = time.perf_counter()
        report = await client.bulk_add_targets(outdial.id, numbers)
        elapsed = time.perf_counter() - started
    assert report.balanced and report.applied == targets, report.summary()
    return report, elapsed


async def _stats(url: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http, http.get(f"{url}/_sim/stats") as answer:
        data: dict[str, Any] = orjson.loads(await answer.read())
        return data


def scenario_voipbin(targets: int) -> dict[str, Any]:
    print(f"\n[5] VoIPbin: {targets:,} targets, one POST each, simulator limit {LIMIT}/s burst 33")
    command = [sys.executable, "-m", "cc_campaigns.voipbin.simulator", "--port", "0"]
    process = subprocess.Popen([*command, "--accesskey", KEY], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        url = line.removeprefix("listening on ")
        _, elapsed = asyncio.run(_run(url, targets))
        stats = asyncio.run(_stats(url))
    finally:
        process.terminate()
        process.wait(timeout=30)
    by_status = stats.get("by_status", {})
    throttled = int(by_status.get("429", 0))
    # The first burst (33) is free; the rest of the run is paced by the limit.
    rate = targets / elapsed
    fraction = rate / LIMIT
    print(
        f"    achieved     : {rate:.2f} requests/s = {fraction:.1%} of the limit (target >= 95%: "
        f"{'MET' if fraction >= 0.95 else 'MISSED'})"
    )
    print(f"    429 answers  : {throttled} (target: a handful)")
    return {"targets": targets, "rate": rate, "fraction": fraction, "throttled": throttled}
