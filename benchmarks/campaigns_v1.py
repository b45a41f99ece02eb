"""Scenario ``v1`` (issue #10): Campaigns API v1, all-or-nothing batches of 100 with bad records.

1% of the records are already in the campaign and 0.1% are refused by the service (the
simulator's ``--refuse-ids`` test hook), both at seeded random positions. ``bulk_add`` uploads
all of them twice, against two simulator processes:

* **named**: a refusal names its record (``Campaign already contains record for Id: X``; a
  refused record as a field error at ``records[i]``): the adapter settles it, resends the rest;
* **unnamed**: neither names it (``duplicate_names_id=False``; the refusal says nothing of
  which record): the adapter halves the batch until it finds the bad ones. Run twice: with a
  known id answered 409 (the simulator's default) and 400 (the OpenAPI's reading).

Figures: requests used / the minimum (records / 100 + one per offending record; target
<= 1.15 named, <= 2.0 unnamed), client CPU per record against a raw aiohttp + orjson loop
posting the same batches of 100 to a twin campaign with the same records already in it (no
validation, no isolation: it posts and counts the answers; target <= 2.0x), and exact books:
``applied + already_present + rejected == records`` and the simulator's campaign holding
exactly the preloaded and the good records. For information, a second baseline posts only the
good records (the least any client must send to apply them).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from benchmarks.common import measured
from cc_campaigns.campaigns_v1 import CampaignsV1Client
from cc_campaigns.campaigns_v1.simulator.vendor import MEDIA_TYPE

TENANT = "bench"
KEY = "eght_bench-key"
BATCH = 100
CONCURRENCY = 16
SEED = 10
OURS = "00000000-0000-4000-8000-000000000001"
RAW = "00000000-0000-4000-8000-000000000002"
IDEAL = "00000000-0000-4000-8000-000000000003"
HEADERS = {"X-API-Key": KEY, "X-8x8-Tenant": TENANT, "Content-Type": MEDIA_TYPE}


@contextlib.contextmanager
def v1_simulator(*args: str) -> Iterator[str]:
    """``python -m cc_campaigns.campaigns_v1.simulator`` in its own process; its base URL."""
    command = [
        sys.executable,
        "-m",
        "cc_campaigns.campaigns_v1.simulator",
        "--port",
        "0",
        "--tenant",
        TENANT,
        "--api-key",
        KEY,
        *(a for c in (OURS, RAW, IDEAL) for a in ("--campaign", c)),
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


def root_of(url: str) -> str:
    """``http://HOST:PORT`` of the simulator's base URL (where ``/_sim`` lives)."""
    return url[: url.index("/cc/")]


async def raw_post(
    url: str, campaign: str, ids: Sequence[int], *, concurrency: int = CONCURRENCY
) -> dict[str, int]:
    """The baseline: plain aiohttp + orjson, the same batches of 100 and concurrency, no
    validation, no isolation. It posts each batch once and counts the answers."""
    endpoint = f"{url}/{campaign}/records"
    starts = iter(range(0, len(ids), BATCH))
    counters = {"requests": 0, "added": 0, "refused_batches": 0}

    async def worker(http: aiohttp.ClientSession) -> None:
        for start in starts:
            batch = ids[start : start + BATCH]
            body = orjson.dumps({"records": [{"crmRecordId": str(i)} for i in batch]})
            counters["requests"] += 1
            async with http.post(endpoint, data=body, headers=HEADERS) as answer:
                document = orjson.loads(await answer.read())
                if answer.status < 300:
                    counters["added"] += len(document["records"])
                else:
                    counters["refused_batches"] += 1

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:
        await asyncio.gather(*(worker(http) for _ in range(concurrency)))
    return counters


async def ours(url: str, records: int) -> Any:
    async with CampaignsV1Client(tenant=TENANT, api_key=KEY, base_url=url) as client:
        return await client.bulk_add(
            OURS, range(1, records + 1), batch_size=BATCH, concurrency=CONCURRENCY
        )


async def sim_get(url: str, path: str) -> Any:
    async with aiohttp.ClientSession() as http, http.get(root_of(url) + path) as answer:
        answer.raise_for_status()
        return orjson.loads(await answer.read())


async def sim_reset(url: str) -> None:
    async with aiohttp.ClientSession() as http, http.delete(root_of(url) + "/_sim/stats"):
        pass


def lower_bound(records: int, offenders: int) -> float:
    """log2 C(records, offenders): the fewest yes/no answers that can single out which
    records are the offenders when no refusal names one (the unnamed case's floor)."""
    return (
        math.lgamma(records + 1) - math.lgamma(offenders + 1) - math.lgamma(records - offenders + 1)
    ) / math.log(2)


def one_mode(
    name: str, records: int, preload: list[int], refused: list[int], sim_args: list[str]
) -> dict[str, Any]:
    offending = len(preload) + len(refused)
    minimum = records // BATCH + offending
    bad = set(preload) | set(refused)
    good = [i for i in range(1, records + 1) if i not in bad]
    everything = list(range(1, records + 1))
    print(f"    -- {name}: refusals {'name' if name == 'named' else 'do not name'} the record")
    with tempfile.TemporaryDirectory() as folder:
        refuse_file = Path(folder) / "refuse.txt"
        refuse_file.write_text("".join(f"{i}\n" for i in refused))
        with v1_simulator(*sim_args, "--refuse-ids", str(refuse_file)) as url:
            for campaign in (OURS, RAW, IDEAL):  # the records already in each campaign
                loaded = asyncio.run(raw_post(url, campaign, preload))
                assert loaded["added"] == len(preload), loaded
            raw, raw_wall, raw_cpu = measured(lambda: raw_post(url, RAW, everything))
            ideal, _, ideal_cpu = measured(lambda: raw_post(url, IDEAL, good))
            asyncio.run(sim_reset(url))
            report, wall, cpu = measured(lambda: ours(url, records))
            stats = asyncio.run(sim_get(url, "/_sim/stats"))
            held = asyncio.run(sim_get(url, f"/_sim/campaigns/{OURS}/records"))
    assert ideal["added"] == len(good), ideal
    served = int(stats["by_route"].get("POST /{campaignId}/records", 0))
    books = report.applied + report.already_present + report.rejected
    holds = sorted(map(int, held))
    # True books: the buckets add up, and the campaign holds what was there plus exactly what
    # the report says it applied (a subset of the good records, each once).
    true_books = (
        report.balanced
        and books == records
        and report.unknown == 0
        and len(held) == len(set(held)) == len(preload) + report.applied
        and set(holds) <= set(preload) | set(good)
    )
    # Complete: every good record is in, every offending one settled present or rejected.
    complete = true_books and holds == sorted([*preload, *good])
    exact_books = true_books and complete
    ratio_requests = report.requests / minimum
    raw_us, ideal_us, our_us = (c / records * 1e6 for c in (raw_cpu, ideal_cpu, cpu))
    target = 1.15 if name == "named" else 2.0
    floor = records // BATCH + lower_bound(records, offending)
    # Fewer requests than the minimum only by giving up on good records: not a pass.
    requests_verdict = (
        ("MET" if ratio_requests <= target else "MISSED")
        if complete
        else "MISSED: good records were rejected with their batch, not isolated"
    )
    print(
        f"       requests     : {report.requests:,} (simulator served {served:,}); minimum "
        f"{minimum:,} -> {ratio_requests:.2f}x (target <= {target}: {requests_verdict})"
    )
    if name != "named":
        print(
            f"       floor        : {floor:,.0f} requests = {floor / minimum:.2f}x "
            "(records/100 + log2 C(records, offending): the fewest yes/no answers that find "
            "the offenders)"
        )
    print(
        f"       raw, same batches : {raw_us:6.2f} us/record CPU, {raw['requests']:,} requests, "
        f"{raw['refused_batches']:,} batches refused, {raw['added']:,} added, "
        f"{records / raw_wall:,.0f} rec/s"
    )
    print(f"       raw, good only    : {ideal_us:6.2f} us/record CPU")
    print(
        f"       cc_campaigns      : {our_us:6.2f} us/record CPU, {records / wall:,.0f} rec/s; "
        f"ratio {our_us / raw_us:.2f}x (target <= 2.0x: "
        f"{'MET' if our_us / raw_us <= 2.0 else 'MISSED'}), {our_us / ideal_us:.2f}x good-only"
    )
    print(
        f"       books        : applied {report.applied:,} + already_present "
        f"{report.already_present:,} + rejected {report.rejected:,} = {books:,} of "
        f"{records:,}; unknown {report.unknown}; campaign holds {len(held):,} "
        f"(expected: preloaded {len(preload):,} + good {len(good):,}); report true: "
        f"{'yes' if true_books else 'NO'}, every good record added: {'yes' if complete else 'NO'}"
    )
    return {
        "requests": report.requests,
        "served": served,
        "minimum": minimum,
        "requests_ratio": ratio_requests,
        "floor_ratio": floor / minimum,
        "raw_us": raw_us,
        "ideal_us": ideal_us,
        "ours_us": our_us,
        "cpu_ratio": our_us / raw_us,
        "cpu_ratio_ideal": our_us / ideal_us,
        "raw_refused_batches": raw["refused_batches"],
        "applied": report.applied,
        "already_present": report.already_present,
        "rejected": report.rejected,
        "unknown": report.unknown,
        "true_books": true_books,
        "complete": complete,
        "exact_books": exact_books,
    }


def scenario_v1(records: int) -> dict[str, Any]:
    print(
        f"\n[6] Campaigns v1: {records:,} records, batch {BATCH}, 1% already in the campaign, "
        "0.1% refused (seeded random positions)"
    )
    rng = random.Random(SEED)
    chosen = rng.sample(range(1, records + 1), records // 100 + records // 1000)
    preload, refused = sorted(chosen[: records // 100]), sorted(chosen[records // 100 :])
    results = {
        "records": records,
        "named": one_mode("named", records, preload, refused, ["--refuse-named"]),
        # The default variant answers a known id 409: unnamed, the adapter does not take that
        # for a refusal about records (it does not isolate); at 400 (the OpenAPI's reading) it
        # does. Both are measured.
        "unnamed_409": one_mode(
            "unnamed, duplicate 409", records, preload, refused, ["--duplicate-names-id", "no"]
        ),
        "unnamed_400": one_mode(
            "unnamed, duplicate 400",
            records,
            preload,
            refused,
            ["--duplicate-names-id", "no", "--duplicate-status", "400"],
        ),
    }
    return results
