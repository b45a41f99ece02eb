"""One upload in a fresh process, printing its peak RSS (so runs do not share a heap)."""

from __future__ import annotations

import argparse
import asyncio
import sys

import orjson

from benchmarks.common import TOKEN, USERNAME, max_rss_mb, raw_upload
from cc_campaigns import CampaignsClient


async def ours(url: str, campaign: int, records: int, dedupe: bool, batch_size: int) -> int:
    async with CampaignsClient(
        base_url=url, username=USERNAME, data_token=TOKEN, action_token=TOKEN
    ) as client:
        report = await client.bulk_add(
            campaign, range(1, records + 1), batch_size=batch_size, concurrency=16, dedupe=dedupe
        )
        assert report.balanced, report.summary()
        return report.applied


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--campaign", type=int, required=True)
    parser.add_argument("--records", type=int, required=True)
    parser.add_argument("--dedupe", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--raw", action="store_true")
    args = parser.parse_args()
    before = max_rss_mb()
    if args.raw:
        counters = asyncio.run(
            raw_upload(
                args.url,
                args.campaign,
                range(1, args.records + 1),
                batch_size=args.batch_size,
                concurrency=16,
            )
        )
        added = int(counters["ok"])
    else:
        added = asyncio.run(
            ours(args.url, args.campaign, args.records, bool(args.dedupe), args.batch_size)
        )
    sys.stdout.write(
        orjson.dumps({"added": added, "rss_mb": max_rss_mb(), "startup_mb": before}).decode() + "\n"
    )


if __name__ == "__main__":
    main()
