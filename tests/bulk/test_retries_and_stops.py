"""Regressions for what the code review of 2026-11-24 found in the bulk engine."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

import orjson
from aioresponses import aioresponses

from cc_campaigns import CampaignsClient
from cc_campaigns.bulk import BulkOptions, iter_bulk, run_bulk
from cc_campaigns.bulk.limiter import AdaptiveLimiter
from cc_campaigns.dynamic.adapters import AddCustomers
from cc_campaigns.errors import ServerError
from cc_campaigns.retry import RetryPolicy

FAST = RetryPolicy(
    attempts=4, backoff_initial=0.001, backoff_max=0.002, retry_after_max=0.005, total_time=None
)


class Scripted(AddCustomers):
    """The 8x8 add adapter with a scripted service: every id is added once, or ``fail`` says."""

    def __init__(self, fail: bool = False) -> None:
        super().__init__(None, 1, as_string=False, validate=True)  # type: ignore[arg-type]
        self.fail = fail
        self.sent: list[int] = []
        self.present: set[int] = set()

    async def send(
        self, payloads: list[Any], body: bytes | None
    ) -> list[tuple[int, str | None]] | None:
        await asyncio.sleep(0)
        self.sent.extend(payloads)
        if self.fail:
            raise ServerError("Service unavailable.", status=503, method="POST", url="x")
        self.present.update(payloads)
        return None


async def test_items_cut_short_by_an_abort_are_sent_again_on_resume(tmp_path: Path) -> None:
    # A dead service exhausts the retry budget: nothing was applied, so nothing may be
    # journaled as "rejected" — the rerun must send every id.
    checkpoint = tmp_path / "ck"
    ids = list(range(1, 101))
    dead = Scripted(fail=True)
    options = {"batch_size": 10, "concurrency": 2, "retry": FAST, "checkpoint": checkpoint}
    first = await run_bulk(dead, ids, BulkOptions(retry_budget=3, **options))
    assert first.aborted and first.balanced and first.rejected == 0
    assert first.not_sent == 100
    alive = Scripted()
    second = await run_bulk(alive, ids, BulkOptions(**options))
    assert second.balanced and second.applied == 100
    assert sorted(alive.present) == ids


async def test_closing_iter_bulk_early_stops_the_upload() -> None:
    adapter = Scripted()
    batches = iter_bulk(adapter, range(1, 100_001), BulkOptions(batch_size=10, concurrency=2))
    async with contextlib.aclosing(batches):
        async for _ in batches:
            break
    sent = len(adapter.sent)
    await asyncio.sleep(0.05)
    assert len(adapter.sent) == sent < 1_000  # nothing more is sent once it is closed


def test_random_throttles_early_on_are_not_a_surge() -> None:
    # 6% of random throttles from the very first answer: the background average must not start
    # at zero and read them as the service pushing back.
    limiter = AdaptiveLimiter(16, initial=16)
    for i in range(150):
        limiter.in_flight += 1
        limiter.release(_ticket(), throttled=i % 16 == 0, success=i % 16 != 0)
    assert not limiter.persistent and limiter.paced_rate is None


def _ticket() -> Any:
    from cc_campaigns.bulk.limiter import Ticket

    return Ticket(0.0)


async def test_a_207_in_another_order_is_matched_by_customer_id(http_mock: aioresponses) -> None:
    url = "https://vcc-na12.8x8.com/api/tstats/campaigns/125/customers"
    answer = [
        {"customer-id": 2, "http-status": 404, "message": "The customer-id has not been found."},
        {"customer-id": 1, "http-status": 200},
    ]
    http_mock.post(url, status=207, body=orjson.dumps(answer))
    async with CampaignsClient("na12", username="u", data_token="tok-123456") as cc:
        report = await cc.bulk_add(125, [1, 2], retry=FAST)
    assert (report.applied, report.rejected) == (1, 1)
    assert report.samples["rejected"][0]["item_id"] == 2


class GatewayTimeoutOnce(Scripted):
    """Applies the first batch, then answers 502 as a gateway that timed out would."""

    async def send(
        self, payloads: list[Any], body: bytes | None
    ) -> list[tuple[int, str | None]] | None:
        self.sent.extend(payloads)
        if len(self.sent) == len(payloads):  # the first request
            self.present.update(payloads)
            raise ServerError("Bad gateway.", status=502, method="POST", url="x")
        return [(400, "Duplicate customer") if p in self.present else (200, None) for p in payloads]


async def test_a_502_may_have_applied_so_a_duplicate_on_the_resend_is_added() -> None:
    adapter = GatewayTimeoutOnce()
    report = await run_bulk(adapter, [1, 2, 3], BulkOptions(retry=FAST))
    assert (report.applied, report.already_present, report.confirmed_on_retry) == (3, 0, 3)
