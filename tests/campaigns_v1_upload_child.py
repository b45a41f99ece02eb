"""A process that uploads records to a Campaigns API v1 campaign with a checkpoint, for the
SIGKILL test (tests/campaigns_v1/test_resume.py). Not a test module.

Usage: ``python tests/campaigns_v1_upload_child.py CAMPAIGN FILE CHECKPOINT RATE CONCURRENCY
BATCH`` with ``CC_V1_TENANT``, ``CC_V1_API_KEY`` and ``CC_V1_BASE_URL`` in the environment (the
key never goes on the command line). Prints the report as JSON if it gets to the end.
"""

from __future__ import annotations

import asyncio
import sys

from cc_campaigns import RetryPolicy
from cc_campaigns.campaigns_v1 import CampaignsV1Client, read_records


async def main(
    campaign: str, path: str, checkpoint: str, rate: float, concurrency: int, batch: int
) -> None:
    retry = RetryPolicy(attempts=5, backoff_initial=0.01, backoff_max=0.05, total_time=None)
    async with CampaignsV1Client.from_env(retry=retry) as client:
        report = await client.bulk_add(
            campaign,
            read_records(path),
            checkpoint=checkpoint,
            rate=rate,
            concurrency=concurrency,
            batch_size=batch,
        )
    print(report.to_json(indent=False))


if __name__ == "__main__":
    campaign, path, checkpoint, rate, concurrency, batch = sys.argv[1:7]
    asyncio.run(main(campaign, path, checkpoint, float(rate), int(concurrency), int(batch)))
