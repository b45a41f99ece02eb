"""A checkpoint belongs to one source and one target: digests of every window, checked on resume
before anything is sent; a completed checkpoint says so; ``restart`` starts over.

Issue 8, point 1: a checkpoint used to key on source positions only, so tomorrow's export under
today's name "resumed" and skipped most of it, reporting success.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cc_campaigns import CheckpointMismatchError, RetryPolicy, read_customers
from cc_campaigns.bulk import BulkOptions, SourceRow, run_bulk
from cc_campaigns.bulk.journal import FORMAT, Journal, item_text, items_text
from cc_campaigns.dynamic.simulator import Simulator

from ..conftest import RUNNING, WINDOWED, make_client, make_simulator, populate
from .test_engine import FakeAdapter, assert_balanced, members


def write_ids(path: Path, ids: Any) -> Path:
    path.write_text("customer_id\n" + "".join(f"{i}\n" for i in ids))
    return path


async def interrupted_upload(sim: Simulator, source: Any, checkpoint: Path, after: int) -> None:
    """An upload stopped (as by Ctrl-C) once ``after`` items were sent."""
    stop = asyncio.Event()
    async with make_client(sim) as cc:
        send = cc.session.send
        sent = 0

        async def counting(*args: Any, **kwargs: Any) -> Any:
            nonlocal sent
            sent += 10
            if sent >= after:
                stop.set()
            return await send(*args, **kwargs)

        cc.session.send = counting  # type: ignore[method-assign]
        report = await cc.bulk_add(
            RUNNING, source, checkpoint=checkpoint, batch_size=10, concurrency=2, stop=stop
        )
    assert report.aborted and report.not_sent > 0


async def test_another_range_after_a_finished_run_is_refused_and_nothing_is_sent(
    tmp_path: Path,
) -> None:
    """The audit's SDK reproduction: a finished run of one range, then another range."""
    checkpoint = tmp_path / "upload.ckpt"
    async with make_simulator() as sim:
        populate(sim)
        async with make_client(sim) as cc:
            first = await cc.bulk_add(RUNNING, range(1, 201), checkpoint=checkpoint)
            assert first.applied == 200
            requests = sim.stats.requests
            with pytest.raises(CheckpointMismatchError) as caught:
                await cc.bulk_add(RUNNING, range(201, 401), checkpoint=checkpoint)
            assert sim.stats.requests == requests  # nothing sent
            assert caught.value.path == str(checkpoint)
            assert caught.value.line == 1
            assert "restart=True" in str(caught.value) and str(checkpoint) in str(caught.value)
            # Starting over is one option away.
            again = await cc.bulk_add(RUNNING, range(201, 401), checkpoint=checkpoint, restart=True)
    assert (again.applied, again.resumed) == (200, False)
    assert members(sim) == set(range(1, 401))


async def test_tomorrows_file_under_the_same_name_is_refused(tmp_path: Path) -> None:
    """An interrupted upload of export.csv, then another export.csv: refused, not resumed."""
    source = write_ids(tmp_path / "export.csv", range(1, 601))
    checkpoint = tmp_path / "export.csv.ckpt"
    async with make_simulator() as sim:
        populate(sim)
        await interrupted_upload(sim, read_customers(source), checkpoint, after=300)
        sent = sim.stats.requests
        before = checkpoint.read_bytes()
        write_ids(source, range(401, 1001))  # tomorrow's export
        async with make_client(sim) as cc:
            with pytest.raises(CheckpointMismatchError) as caught:
                await cc.bulk_add(RUNNING, read_customers(source), checkpoint=checkpoint)
        assert sim.stats.requests == sent
        assert checkpoint.read_bytes() == before  # the checkpoint is left as it was
        assert caught.value.line == 2  # the first data line of the file


async def test_an_edited_row_is_found_and_named(tmp_path: Path) -> None:
    """One row changed deep inside the part already sent: the error names where."""
    ids = list(range(1, 601))
    source = write_ids(tmp_path / "export.csv", ids)
    checkpoint = tmp_path / "ck"
    async with make_simulator() as sim:
        populate(sim)
        await interrupted_upload(sim, read_customers(source), checkpoint, after=300)
        sent = sim.stats.requests
        windows = [
            orjson.loads(x)["d"] for x in checkpoint.read_bytes().splitlines() if b'"d"' in x
        ]
        start, end = sorted(windows)[2]
        edited = list(ids)
        edited[start + 3] = 999  # a row inside the third settled window
        write_ids(source, edited)
        async with make_client(sim) as cc:
            with pytest.raises(CheckpointMismatchError) as caught:
                await cc.bulk_add(RUNNING, read_customers(source), checkpoint=checkpoint)
        assert sim.stats.requests == sent
        line = caught.value.line
        assert line is not None and line <= start + 3 + 2 < line + (end - start)


async def test_the_same_source_resumes_and_completes(tmp_path: Path) -> None:
    ids = list(range(1, 601))
    checkpoint = tmp_path / "ck"
    async with make_simulator() as sim:
        populate(sim)
        await interrupted_upload(sim, iter(ids), checkpoint, after=200)
        async with make_client(sim) as cc:
            # A generator is covered by the digests like a file.
            resumed = await cc.bulk_add(RUNNING, (i for i in ids), checkpoint=checkpoint)
            assert resumed.resumed and not resumed.aborted
            assert_balanced(resumed, 600)
            assert resumed.applied == 600
            assert members(sim) == set(ids)
            lines = [orjson.loads(x) for x in checkpoint.read_bytes().splitlines()]
            assert lines[-1] == {"complete": 600}
            # The same source again: already complete, the counts restored, nothing sent.
            requests = sim.stats.requests
            again = await cc.bulk_add(RUNNING, (i for i in ids), checkpoint=checkpoint)
            assert again.already_complete and again.applied == 600
            assert again.requests == resumed.requests
            assert sim.stats.requests == requests
            assert "already complete" in again.summary()
            # A longer source is another source.
            with pytest.raises(CheckpointMismatchError, match="more items than the 600"):
                await cc.bulk_add(RUNNING, range(1, 602), checkpoint=checkpoint)
            # A shorter one too.
            with pytest.raises(CheckpointMismatchError, match="ends after 599 items"):
                await cc.bulk_add(RUNNING, range(1, 600), checkpoint=checkpoint)
            assert sim.stats.requests == requests


async def test_an_int_and_its_digit_string_are_the_same_item(tmp_path: Path) -> None:
    checkpoint = tmp_path / "ck"
    async with make_simulator() as sim:
        populate(sim)
        await interrupted_upload(sim, list(range(1, 301)), checkpoint, after=100)
        async with make_client(sim) as cc:
            report = await cc.bulk_add(
                RUNNING, [str(i) for i in range(1, 301)], checkpoint=checkpoint
            )
    assert report.resumed and report.applied == 300 and members(sim) == set(range(1, 301))


async def test_a_checkpoint_of_another_target_or_operation_is_refused(tmp_path: Path) -> None:
    checkpoint = tmp_path / "ck"
    async with make_simulator() as sim:
        populate(sim)
        async with make_client(sim) as cc:
            await cc.bulk_add(RUNNING, range(1, 11), checkpoint=checkpoint)
            with pytest.raises(CheckpointMismatchError, match=f"campaign {RUNNING}"):
                await cc.bulk_add(WINDOWED, range(1, 11), checkpoint=checkpoint)
            with pytest.raises(CheckpointMismatchError, match="belongs to a add"):
                await cc.bulk_remove(RUNNING, range(1, 11), checkpoint=checkpoint)


async def test_a_file_that_is_not_a_checkpoint_is_left_alone(tmp_path: Path) -> None:
    other = tmp_path / "customers.csv"
    other.write_text("customer_id\n1\n2\n")
    before = other.read_bytes()
    with pytest.raises(CheckpointMismatchError, match="not a cc_campaigns checkpoint"):
        await run_bulk(FakeAdapter(), [1, 2], BulkOptions(checkpoint=other))
    assert other.read_bytes() == before


async def test_a_checkpoint_of_the_old_format_asks_for_a_restart(tmp_path: Path) -> None:
    checkpoint = tmp_path / "ck"
    checkpoint.write_text(
        '{"format":"cc_campaigns.checkpoint/1","operation":"add","target":"1"}\n'
        '{"d":[0,2],"c":{"added":2}}\n'
    )
    with pytest.raises(CheckpointMismatchError, match="restart"):
        await run_bulk(FakeAdapter(), [1, 2], BulkOptions(checkpoint=checkpoint))
    report = await run_bulk(FakeAdapter(), [1, 2], BulkOptions(checkpoint=checkpoint, restart=True))
    assert report.applied == 2 and not report.resumed
    assert orjson.loads(checkpoint.read_bytes().splitlines()[0])["format"] == FORMAT


# -- the digest itself ----------------------------------------------------------------------

_items = st.lists(
    st.one_of(
        st.integers(min_value=0, max_value=10**22),
        st.text(max_size=8),
        st.builds(
            SourceRow,
            st.one_of(st.none(), st.text(max_size=6)),
            st.one_of(st.none(), st.text(max_size=6)),
            st.integers(1, 9),
            st.one_of(st.none(), st.text(min_size=1, max_size=6)),
        ),
        st.dictionaries(st.sampled_from(["customer-id", "schedule"]), st.integers(), max_size=2),
    ),
    max_size=30,
)


@given(items=_items, cut=st.integers(min_value=0, max_value=30))
@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
def test_the_chunk_digest_text_equals_the_item_by_item_text(items: list[Any], cut: int) -> None:
    """The fast path digests slices of chunks; the resume path item by item: same text."""
    one_by_one = "".join(item_text(x) + "\n" for x in items)
    assert items_text(items[:cut]) + items_text(items[cut:]) == one_by_one
    assert items_text([int(x) for x in items if type(x) is int]) == "".join(
        str(x) + "\n" for x in items if type(x) is int
    )


@given(
    ids=st.lists(st.integers(0, 50), min_size=1, max_size=60),
    edit=st.integers(0, 59),
    value=st.integers(51, 60),
    batch=st.integers(1, 9),
)
@settings(max_examples=40, deadline=None)
def test_any_edit_of_a_journaled_item_is_caught(
    tmp_path_factory: pytest.TempPathFactory, ids: list[int], edit: int, value: int, batch: int
) -> None:
    """Property: change any one item of the part a checkpoint journaled and the resume refuses
    (naming a line at or before the edit); leave it unchanged and it resumes."""
    checkpoint = tmp_path_factory.mktemp("ck") / "ck"

    class Stopping(FakeAdapter):
        async def send(self, payloads: list[Any], body: bytes | None) -> Any:
            stop.set()  # the first batch is sent, then the run stops
            return await super().send(payloads, body)

    stop = asyncio.Event()
    options = BulkOptions(checkpoint=checkpoint, batch_size=batch, concurrency=1, stop=stop)
    asyncio.run(run_bulk(Stopping(), ids, options))
    journal = Journal(checkpoint, operation="add", target=1, provider="fake")
    journal.close()
    covered = journal.state.covered
    edit %= len(ids)
    edited = list(ids)
    edited[edit] = value
    fresh = BulkOptions(checkpoint=checkpoint, batch_size=batch, concurrency=1)
    if edit < covered:
        with pytest.raises(CheckpointMismatchError) as caught:
            asyncio.run(run_bulk(FakeAdapter(), edited, fresh))
        assert caught.value.line is not None and caught.value.line <= edit + 1
    else:
        report = asyncio.run(run_bulk(FakeAdapter(), edited, fresh))
        assert report.balanced and report.submitted == len(ids)


def _rows(values: list[str]) -> Iterator[SourceRow]:
    for number, value in enumerate(values, start=2):
        yield SourceRow(value, None, number)


async def test_file_rows_and_plain_values_of_a_window_digest_alike(tmp_path: Path) -> None:
    """A window read on the fast path (clean rows) digests like the resume path reads it."""
    checkpoint = tmp_path / "ck"
    values = [str(i) for i in range(1, 2001)]
    stop = asyncio.Event()

    class Stopping(FakeAdapter):
        def prepare(self, raw: Any) -> tuple[int | None, Any]:
            return int(raw.value), int(raw.value)

        def prepare_chunk(self, chunk: list[Any]) -> Any:
            ints = [int(row.value) for row in chunk]
            return ints, ints, [row.line for row in chunk]

        async def send(self, payloads: list[Any], body: bytes | None) -> Any:
            if self.sent >= 1000:
                stop.set()
            return await super().send(payloads, body)

    options = BulkOptions(checkpoint=checkpoint, batch_size=100, concurrency=1, stop=stop)
    first = await run_bulk(Stopping(), _rows(values), options)
    assert first.aborted
    resumed = FakeAdapter()
    resumed.prepare = Stopping().prepare  # type: ignore[method-assign]
    report = await run_bulk(resumed, _rows(values), BulkOptions(checkpoint=checkpoint))
    assert report.resumed and report.applied == 2000 and resumed.sent == 2000 - first.applied


async def test_a_mismatch_leaves_the_rejects_file_as_it_was(tmp_path: Path) -> None:
    checkpoint, rejects = tmp_path / "ck", tmp_path / "rejects.csv"
    async with make_simulator() as sim:
        populate(sim)
        await interrupted_upload(sim, [*range(1, 300), 5000], checkpoint, after=100)
        async with make_client(sim) as cc:
            await cc.bulk_add(
                RUNNING, [*range(1, 300), 5000], checkpoint=checkpoint, rejects=rejects
            )
        assert rejects.read_text().count("\n") == 2  # header + 5000 (not in the CRM)
        before = (rejects.read_bytes(), checkpoint.read_bytes())
        async with make_client(sim) as cc:
            with pytest.raises(CheckpointMismatchError):
                await cc.bulk_add(RUNNING, range(2, 302), checkpoint=checkpoint, rejects=rejects)
    assert (rejects.read_bytes(), checkpoint.read_bytes()) == before


class _Lapsing:
    """An item whose validity can lapse between runs (a schedule that passes)."""

    valid = True

    def __init__(self, ident: int) -> None:
        self.ident = ident

    def __repr__(self) -> str:
        return f"_Lapsing({self.ident})"


async def test_a_repeat_whose_first_occurrence_lapsed_is_sent_once_across_three_runs(
    tmp_path: Path,
) -> None:
    """Run 1: the window of an item's first occurrence fails (not sent), its repeat is settled
    as a duplicate. Run 2: the first occurrence is invalid now, so the repeat is sent. Run 3:
    nothing is sent twice and the counts stay one per item."""
    from cc_campaigns.bulk import Verdict
    from cc_campaigns.errors import ValidationError

    campaign: set[int] = set()

    class Service(FakeAdapter):
        down = True

        def prepare(self, raw: Any) -> tuple[int | None, Any]:
            if isinstance(raw, _Lapsing):
                if not raw.valid:
                    raise ValidationError("schedule is in the past")
                return raw.ident, raw.ident
            return super().prepare(raw)

        async def send(self, payloads: list[Any], body: bytes | None) -> Any:
            if self.down and 7 in payloads and 11 not in payloads:
                return [(503, "Service unavailable")] * len(payloads)
            answers: list[tuple[int, str | None]] = []
            for item in payloads:
                answers.append((400, "Duplicate") if item in campaign else (200, None))
                campaign.add(item)
            self.sent += len(payloads)
            return answers

        def classify(self, status: int, message: str | None) -> Verdict:
            return Verdict.THROTTLE if status == 503 else Verdict.PRESENT

    first_seen = _Lapsing(7)
    source: list[Any] = [first_seen, *range(1, 7), 8, 9, 10, 7, *range(11, 20)]
    options = BulkOptions(checkpoint=tmp_path / "ck", batch_size=10, concurrency=1,
                          retry=RetryPolicy(attempts=1))  # fmt: skip
    first = await run_bulk(Service(), source, options)
    assert (first.not_sent, first.duplicate_in_input, first.applied) == (10, 1, 9)
    first_seen.valid = False
    service = Service()
    service.down = False
    second = await run_bulk(service, source, options)
    assert 7 in campaign and second.balanced and second.submitted == 20
    assert (second.invalid, second.duplicate_in_input, second.applied) == (1, 0, 19)
    third = await run_bulk(Service(), source, options)
    assert third.already_complete and third.balanced
    assert (third.invalid, third.duplicate_in_input, third.applied) == (1, 0, 19)
