"""A process that uploads targets to a VoIPbin outdial with a checkpoint, for the SIGKILL test
(tests/voipbin/test_resume.py). Not a test module.

Usage: ``python tests/voipbin_upload_child.py OUTDIAL_ID FILE CHECKPOINT RATE CONCURRENCY``
with ``VOIPBIN_ACCESSKEY`` and ``VOIPBIN_BASE_URL`` in the environment (the key never goes on
the command line). Prints the report as JSON if it gets to the end.
"""

from __future__ import annotations

import asyncio
import sys

from cc_campaigns import RetryPolicy
from cc_campaigns.voipbin import VoipbinClient, read_targets


async def main(outdial: str, path: str, checkpoint: str, rate: float, concurrency: int) -> None:
    retry = RetryPolicy(attempts=5, backoff_initial=0.01, backoff_max=0.05, total_time=None)
    async with VoipbinClient.from_env(retry=retry) as client:
        report = await client.bulk_add_targets(
            outdial,
            read_targets(path),
            checkpoint=checkpoint,
            rate=rate,
            concurrency=concurrency,
        )
    print(report.to_json(indent=False))


if __name__ == "__main__":
    outdial, path, checkpoint, rate, concurrency = sys.argv[1:6]
    asyncio.run(main(outdial, path, checkpoint, float(rate), int(concurrency)))
