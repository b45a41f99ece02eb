"""``make bench``: the four bulk scenarios, each against a raw baseline in the same run.

The simulator runs in its own process, so the client's own cost is what is measured. Figures are
ratios against the baseline measured minutes apart on the same machine; absolute numbers move
with the machine's load. Results are printed and written to ``benchmarks/out/latest.json``.

Scenarios (issue #3):
1. 1,000,000 records, no latency: client CPU microseconds per record (target <= 2.0x raw).
2. 5,000,000 records: peak client RSS (target <= 200 MB with dedupe; without dedupe, growth
   from 1M to 5M <= 40 MB).
3. 50 ms latency per request, concurrency 16: records/s (target >= 0.9x raw).
4. Throttled (simulator capacity, concurrency 64): throughput >= 85% of capacity, <= 5% of
   requests answered 429.
5. VoIPbin (``voipbin``). 6. Campaigns API v1 (``v1``, issue #10): 1,000,000 records, 1% already
   in the campaign, 0.1% refused; requests / minimum, CPU per record vs raw, exact books.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from benchmarks.common import (
    TOKEN,
    USERNAME,
    child_env,
    count_status,
    measured,
    raw_upload,
    raw_upload_csv,
    reset_stats,
    sim_stats,
    simulator,
)
from cc_campaigns import CampaignsClient, read_customers
from cc_campaigns.bulk import BulkReport

BATCH = 500
RESULTS: dict[str, Any] = {}


def client(url: str) -> CampaignsClient:
    return CampaignsClient(base_url=url, username=USERNAME, data_token=TOKEN, action_token=TOKEN)


async def ours(url: str, campaign: int, ids: range, **options: Any) -> BulkReport:
    async with client(url) as cc:
        report = await cc.bulk_add(campaign, ids, batch_size=BATCH, **options)
    assert report.balanced, report.summary()
    return report


def verdict(ok: bool) -> str:
    return "MET" if ok else "MISSED"


def scenario_cpu(records: int) -> None:
    print(f"\n[1] {records:,} records, no latency: client CPU per record")
    ids = range(1, records + 1)
    args = ("--campaign", "1", "--campaign", "2", "--campaign", "5", "--crm-range", f"1-{records}")
    with simulator(*args) as url, tempfile.TemporaryDirectory() as folder:
        raw, raw_wall, raw_cpu = measured(
            lambda: raw_upload(url, 2, ids, batch_size=BATCH, concurrency=16)
        )
        report, wall, cpu = measured(lambda: ours(url, 1, ids, concurrency=16))
        # 1c: the same with a checkpoint (a digest of every window's items, two journal lines
        # a window): what resumability and the source check cost.
        checkpoint = str(Path(folder) / "upload.ckpt")
        journaled, _, ckpt_cpu = measured(
            lambda: ours(url, 5, ids, concurrency=16, checkpoint=checkpoint)
        )
    assert report.applied == records and raw["ok"] == records and journaled.applied == records
    raw_us, our_us = raw_cpu / records * 1e6, cpu / records * 1e6
    ratio = our_us / raw_us
    print(f"    raw baseline : {raw_us:6.2f} us/record CPU, {records / raw_wall:>10,.0f} rec/s")
    print(f"    cc_campaigns : {our_us:6.2f} us/record CPU, {records / wall:>10,.0f} rec/s")
    print(f"    ratio        : {ratio:.2f}x  (target <= 2.0x: {verdict(ratio <= 2.0)})")
    ckpt_us = ckpt_cpu / records * 1e6
    print(
        f"    with checkpoint: {ckpt_us:6.2f} us/record CPU, ratio {ckpt_us / raw_us:.2f}x "
        f"(+{(ckpt_us / our_us - 1) * 100:.0f}% for the journal and its digests)"
    )
    RESULTS["cpu"] = {"raw_us": raw_us, "ours_us": our_us, "ratio": ratio, "ckpt_us": ckpt_us}
    scenario_cpu_file(records)


def scenario_cpu_file(records: int) -> None:
    """1b (no target in the issue): the same records read from a CSV file, the real-world path
    (read_customers, a row object and full validation per item) against csv.reader + int()."""
    print(f"\n[1b] {records:,} records from a CSV file (read_customers): client CPU per record")
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "customers.csv")
        with open(path, "w") as handle:
            handle.write("customer_id,name\n")
            handle.writelines(f"{i},customer {i}\n" for i in range(1, records + 1))
        args = ("--campaign", "3", "--campaign", "4", "--crm-range", f"1-{records}")
        with simulator(*args) as url:
            raw, _, raw_cpu = measured(
                lambda: raw_upload_csv(url, 4, path, batch_size=BATCH, concurrency=16)
            )
            report, _, cpu = measured(lambda: ours(url, 3, read_customers(path), concurrency=16))
    assert report.applied == records and raw["ok"] == records
    raw_us, our_us = raw_cpu / records * 1e6, cpu / records * 1e6
    print(f"    raw baseline : {raw_us:6.2f} us/record CPU (csv.reader + int)")
    print(f"    cc_campaigns : {our_us:6.2f} us/record CPU  ratio {our_us / raw_us:.2f}x")
    RESULTS["cpu_file"] = {"raw_us": raw_us, "ours_us": our_us, "ratio": our_us / raw_us}


def rss_run(url: str, campaign: int, records: int, *, dedupe: bool, raw: bool = False) -> float:
    command = [
        sys.executable,
        "-m",
        "benchmarks.rss_child",
        "--url",
        url,
        "--campaign",
        str(campaign),
        "--records",
        str(records),
        "--dedupe",
        "1" if dedupe else "0",
        "--batch-size",
        str(BATCH),
    ]
    if raw:
        command.append("--raw")
    output = subprocess.run(command, capture_output=True, text=True, env=child_env(), check=True)
    data = orjson.loads(output.stdout.strip().splitlines()[-1])
    assert data["added"] == records, data
    return float(data["rss_mb"])


def scenario_memory(records: int) -> None:
    small = records // 5
    print(f"\n[2] peak client RSS: {records:,} records (and {small:,} without dedupe)")
    campaigns = [str(c) for c in range(11, 15)]
    args = [a for c in campaigns for a in ("--campaign", c)]
    with simulator(*args, "--crm-range", f"1-{records}") as url:
        raw = rss_run(url, 11, records, dedupe=False, raw=True)
        dedupe_on = rss_run(url, 12, records, dedupe=True)
        off_small = rss_run(url, 13, small, dedupe=False)
        off_big = rss_run(url, 14, records, dedupe=False)
    growth = off_big - off_small
    print(f"    raw baseline, {records:,}          : {raw:7.1f} MB")
    print(
        f"    cc_campaigns, dedupe on, {records:,} : {dedupe_on:7.1f} MB "
        f"(target <= 200 MB: {verdict(dedupe_on <= 200)})"
    )
    print(f"    cc_campaigns, dedupe off, {small:,} : {off_small:7.1f} MB")
    print(f"    cc_campaigns, dedupe off, {records:,} : {off_big:7.1f} MB")
    print(
        f"    growth {small:,} -> {records:,}       : {growth:7.1f} MB (target <= 40 MB: "
        f"{verdict(growth <= 40)})"
    )
    RESULTS["memory"] = {
        "raw_mb": raw,
        "dedupe_on_mb": dedupe_on,
        "dedupe_off_small_mb": off_small,
        "dedupe_off_big_mb": off_big,
        "growth_mb": growth,
    }


def scenario_latency(records: int) -> None:
    print(f"\n[3] {records:,} records, 50 ms latency per request, concurrency 16: records/s")
    ids = range(1, records + 1)
    args = ("--campaign", "21", "--campaign", "22", "--crm-range", f"1-{records}")
    with simulator(*args, "--latency", "0.05") as url:
        raw, raw_wall, _ = measured(
            lambda: raw_upload(url, 22, ids, batch_size=BATCH, concurrency=16)
        )
        report, wall, _ = measured(lambda: ours(url, 21, ids, concurrency=16))
    assert report.applied == records and raw["ok"] == records
    ratio = raw_wall / wall
    print(f"    raw baseline : {records / raw_wall:>10,.0f} rec/s")
    print(f"    cc_campaigns : {records / wall:>10,.0f} rec/s")
    print(f"    ratio        : {ratio:.2f}x  (target >= 0.9x: {verdict(ratio >= 0.9)})")
    RESULTS["latency"] = {
        "raw_rps": records / raw_wall,
        "ours_rps": records / wall,
        "ratio": ratio,
    }


def scenario_throttled(records: int, capacity: int) -> None:
    print(
        f"\n[4] {records:,} records, simulator capacity {capacity:,} records/s, "
        "concurrency 64 (1 ms latency)"
    )
    ids = range(1, records + 1)
    args = ("--campaign", "31", "--campaign", "32", "--crm-range", f"1-{records}")
    with simulator(*args, "--capacity", str(capacity), "--latency", "0.001") as url:
        raw, raw_wall, _ = measured(
            lambda: raw_upload(url, 32, ids, batch_size=BATCH, concurrency=64)
        )
        time.sleep(1.5)  # let the simulator's bucket refill between the two runs
        reset_stats(url)
        report, wall, _ = measured(lambda: ours(url, 31, ids, concurrency=64))
        stats = sim_stats(url)
    assert report.applied == records and raw["ok"] == records, (report.summary(), raw, stats)
    requests = sum(int(v) for v in stats.get("by_status", {}).values())
    throttled = count_status(stats, 429)
    share = throttled / requests if requests else 0.0
    fraction = records / wall / capacity
    raw_share = raw["throttled"] / raw["requests"]
    print(
        f"    raw baseline : {records / raw_wall / capacity:6.1%} of capacity, "
        f"{int(raw['throttled']):,} of {int(raw['requests']):,} requests answered 429 "
        f"({raw_share:.1%})"
    )
    print(
        f"    cc_campaigns : {fraction:6.1%} of capacity (target >= 85%: "
        f"{verdict(fraction >= 0.85)}), {throttled:,} of {requests:,} requests answered 429 "
        f"({share:.1%}, target <= 5%: {verdict(share <= 0.05)})"
    )
    print(f"    concurrency over time: {report.concurrency_history[:12]} ...")
    RESULTS["throttled"] = {
        "capacity": capacity,
        "fraction_of_capacity": fraction,
        "requests": requests,
        "throttled": throttled,
        "throttled_share": share,
        "raw_fraction_of_capacity": records / raw_wall / capacity,
        "raw_throttled_share": raw_share,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--quick", action="store_true", help="smaller runs, for a smoke test")
    parser.add_argument(
        "--only", choices=["cpu", "memory", "latency", "throttled", "voipbin", "v1"]
    )
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    started = time.perf_counter()
    print(f"cc_campaigns benchmarks, {datetime.date.today()}, Python {sys.version.split()[0]}")
    if args.only in (None, "cpu"):
        scenario_cpu(1_000_000 // scale)
    if args.only in (None, "memory"):
        scenario_memory(5_000_000 // scale)
    if args.only in (None, "latency"):
        scenario_latency(400_000 // scale)
    if args.only in (None, "throttled"):
        scenario_throttled(1_500_000 // scale, 50_000 // scale)
    if args.only in (None, "voipbin"):
        try:
            from benchmarks.voipbin import scenario_voipbin
        except ImportError:
            print("\n[5] VoIPbin: not available yet")
        else:
            RESULTS["voipbin"] = scenario_voipbin(20_000 // scale)
    if args.only in (None, "v1"):
        from benchmarks.campaigns_v1 import scenario_v1

        RESULTS["v1"] = scenario_v1(1_000_000 // scale)
    out = Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    RESULTS["date"] = str(datetime.date.today())
    (out / "latest.json").write_bytes(orjson.dumps(RESULTS, option=orjson.OPT_INDENT_2))
    print(f"\ndone in {time.perf_counter() - started:.0f}s; figures in benchmarks/out/latest.json")


if __name__ == "__main__":
    asyncio.set_event_loop_policy(None)
    main()
