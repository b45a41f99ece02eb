"""A bulk upload in a process of its own, for the SIGKILL test of tests/bulk/test_resume.py.

Usage: python tests/bulk_upload_child.py URL CAMPAIGN SOURCE CHECKPOINT REJECTS

Uploads the customers of SOURCE (any file read_customers reads) to CAMPAIGN on the 8x8
simulator at URL (default credentials), two requests at a time, with a checkpoint and a rejects
file; prints the report as JSON when it finishes (the test kills it before that).
"""

from __future__ import annotations

import asyncio
import sys

from cc_campaigns import CampaignsClient, RetryPolicy, read_customers


async def main(url: str, campaign: int, source: str, checkpoint: str, rejects: str) -> None:
    retry = RetryPolicy(attempts=10, backoff_initial=0.001, backoff_max=0.002, total_time=None)
    async with CampaignsClient(
        username="tenant",
        data_token="data-token",
        action_token="action-token",
        base_url=url,
        retry=retry,
    ) as client:
        report = await client.bulk_add(
            campaign,
            read_customers(source),
            batch_size=500,
            concurrency=2,
            checkpoint=checkpoint,
            rejects=rejects,
        )
    print(report.to_json(indent=False), flush=True)


if __name__ == "__main__":
    url, campaign, source, checkpoint, rejects = sys.argv[1:6]
    asyncio.run(main(url, int(campaign), source, checkpoint, rejects))
