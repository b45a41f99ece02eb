"""Shared pieces: the simulator in its own process, the raw baseline, measurements."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import aiohttp
import orjson

USERNAME = "bench"
TOKEN = "bench-token"
AUTH = {"Authorization": "Basic " + base64.b64encode(f"{USERNAME}:{TOKEN}".encode()).decode()}


@contextlib.contextmanager
def simulator(*args: str) -> Iterator[str]:
    """Run ``python -m cc_campaigns.dynamic.simulator`` in its own process; yield its base URL."""
    command = [
        sys.executable,
        "-m",
        "cc_campaigns.dynamic.simulator",
        "--port",
        "0",
        "--username",
        USERNAME,
        "--data-token",
        TOKEN,
        "--action-token",
        TOKEN,
        *args,
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        if not line.startswith("listening on "):
            raise RuntimeError(f"simulator did not start: {line!r}")
        yield line.removeprefix("listening on ")
    finally:
        process.terminate()
        process.wait(timeout=30)


def sim_stats(url: str) -> dict[str, Any]:
    async def fetch() -> dict[str, Any]:
        async with aiohttp.ClientSession() as http, http.get(f"{url}/_sim/stats") as answer:
            data: dict[str, Any] = orjson.loads(await answer.read())
            return data

    return asyncio.run(fetch())


def reset_stats(url: str) -> None:
    async def reset() -> None:
        async with aiohttp.ClientSession() as http, http.delete(f"{url}/_sim/stats"):
            pass

    asyncio.run(reset())


def count_status(stats: dict[str, Any], status: int) -> int:
    by_status = stats.get("by_status", {})
    return int(by_status.get(str(status), by_status.get(status, 0)))


async def raw_upload(
    url: str, campaign: int, ids: range, *, batch_size: int, concurrency: int
) -> dict[str, float]:
    """The minimal baseline: plain aiohttp + orjson, same batches and concurrency, no
    validation, no report. It only sleeps ``Retry-After`` and resends on a 429 (or any other
    non-207 answer)."""
    endpoint = f"{url}/api/tstats/campaigns/{campaign}/customers"
    headers = {**AUTH, "Content-Type": "application/json"}
    starts = iter(range(0, len(ids), batch_size))
    counters = {"requests": 0, "throttled": 0, "ok": 0}

    async def worker(http: aiohttp.ClientSession) -> None:
        for start in starts:
            body = orjson.dumps([{"customer-id": i} for i in ids[start : start + batch_size]])
            while True:
                counters["requests"] += 1
                async with http.post(endpoint, data=body, headers=headers) as answer:
                    raw = await answer.read()
                    if answer.status != 207:  # 429 (or anything else): wait, send again
                        counters["throttled"] += answer.status == 429
                        await asyncio.sleep(float(answer.headers.get("Retry-After", "0.05")))
                        continue
                    for item in orjson.loads(raw):
                        if item.get("http-status") == 200:
                            counters["ok"] += 1
                    break

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:
        await asyncio.gather(*(worker(http) for _ in range(concurrency)))
    return {k: float(v) for k, v in counters.items()}


async def raw_upload_csv(
    url: str, campaign: int, path: str, *, batch_size: int, concurrency: int
) -> dict[str, float]:
    """The baseline reading a CSV file: ``csv.reader`` and ``int()`` per row, then the same
    batches as :func:`raw_upload` (no validation, no dedupe, no report)."""
    import csv

    endpoint = f"{url}/api/tstats/campaigns/{campaign}/customers"
    headers = {**AUTH, "Content-Type": "application/json"}
    counters = {"requests": 0, "ok": 0}
    # Read in the loop, synchronously, exactly as the engine reads its source.
    with open(path, newline="") as handle:  # noqa: ASYNC230
        rows = csv.reader(handle)
        next(rows)  # the header
        batches = iter(lambda: [int(r[0]) for r in itertools.islice(rows, batch_size)], [])

        async def worker(http: aiohttp.ClientSession) -> None:
            for ids in batches:
                body = orjson.dumps([{"customer-id": i} for i in ids])
                counters["requests"] += 1
                async with http.post(endpoint, data=body, headers=headers) as answer:
                    for item in orjson.loads(await answer.read()):
                        if item.get("http-status") == 200:
                            counters["ok"] += 1

        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector) as http:
            await asyncio.gather(*(worker(http) for _ in range(concurrency)))
    return {k: float(v) for k, v in counters.items()}


def measured(function: Any) -> tuple[Any, float, float]:
    """Run an async callable; return (result, wall seconds, this process's CPU seconds)."""
    cpu = time.process_time()
    wall = time.perf_counter()
    result = asyncio.run(function())
    return result, time.perf_counter() - wall, time.process_time() - cpu


def max_rss_mb() -> float:
    """Peak resident memory of this process, in MB (Linux reports KiB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("PYTHONHASHSEED", "0")
    return env
