"""Reading the source into windows: the engine's reading loop, and the check of a resumed
source against its checkpoint (:class:`_Verifier`).

The source is read in order, in chunks, paced by free send slots (never materialised), and cut
into windows of positions; a window's valid items are sent together (:mod:`.attempts`), and
items settled client-side (invalid, repeated) are recorded in their window. On resume, settled
positions are skipped and every item is checked against the journaled digests before anything
is sent.

A mixin of :class:`~cc_campaigns.bulk.engine.Engine` over the shared state in :mod:`._core`.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from typing import Any

from ..errors import CheckpointMismatchError, ValidationError
from ._core import _Batch, _EngineState
from .journal import Intervals, JournalState, WindowDigest, item_text, items_text
from .report import Bucket, ItemOutcome
from .sources import SourceRow

#: A window closes after this many items per batch slot, even if few of them are sendable.
_WINDOW_SPAN = 4
#: Source items pulled per chunk.
_CHUNK = 1024


class _Windows(_EngineState):
    """Reads the source into windows and hands them to ``_dispatch``."""

    async def _chunks(self, source: Any) -> AsyncIterator[list[Any]]:
        if isinstance(source, AsyncIterable):
            chunk: list[Any] = []
            async for item in source:
                chunk.append(item)
                if len(chunk) >= _CHUNK:
                    yield chunk
                    chunk = []
            if chunk:
                yield chunk
            return
        if not isinstance(source, Iterable) or isinstance(source, (str, bytes)):
            raise ValidationError(
                "source must be an iterable or async iterable of items, "
                f"got {type(source).__name__}"
            )
        iterator = iter(source)
        while True:
            chunk = list(itertools.islice(iterator, _CHUNK))
            if not chunk:
                return
            yield chunk

    async def _read(
        self,
        chunks: AsyncIterator[list[Any]],
        done: Intervals,
        maybe: Intervals,
        repeated: Intervals,
    ) -> tuple[int, list[Any]] | None:
        """The reading loop: the hot path, one iteration per source item.

        Returns None at the end of the source, or, when the upload is aborting (or the source
        passes ``max_records``), ``(position, items)``: the items of the current chunk that were
        not read, and where they start; the rest of ``chunks`` is unread too.

        On resume every item is checked against the checkpoint (``_Verifier``), and nothing is
        sent before the whole journaled part of the source has been re-read and found equal.

        Locals stand in for attributes on purpose: this loop runs millions of times.
        """
        prepare = self.adapter.prepare
        prepare_chunk = self.adapter.prepare_chunk
        seen = self._seen
        add_seen = seen.add if seen is not None else None
        add_many = seen.add_many if seen is not None else None
        max_records = self._max_records
        limit = sys.maxsize if max_records is None else max_records
        stop = self.options.stop
        batch_size = self.batch_size
        span = batch_size * _WINDOW_SPAN
        verifier = self._verifier
        resuming = len(done) > 0 or len(maybe) > 0 or verifier is not None
        digests = self._digests
        position = 0
        batch = _Batch(0)
        window = WindowDigest() if digests else None
        add_payload, add_line, count = batch.payloads.append, batch.lines.append, 0
        leftover: tuple[int, list[Any]] | None = None
        async for chunk in chunks:
            if stop is not None and stop.is_set():
                self._abort("interrupted: stopped before the end of the source")
            if self._abort_reason is not None:
                leftover = (position, chunk)
                break
            size = len(chunk)
            if position + size > limit:
                # Read up to the limit; the rest is not sent.
                cut = max(0, limit - position)
                # The abort waits for the first max_records to be sent (run() sets it then).
                self._over_limit = self._over_limit_reason(limit)
                leftover = (position + cut, chunk[cut:])
                chunk, size = chunk[:cut], cut
            fast = None if resuming else prepare_chunk(chunk) if size else None
            if fast is not None:
                # The whole chunk is valid: dedupe it in one call, extend batches by slices.
                keys, payloads, rows = fast
                repeats = set(add_many(keys)) if add_many is not None else set()
                index = 0
                while index < size:
                    take = min(size - index, batch_size - count, span - (position - batch.start))
                    end = index + take
                    if window is not None:
                        window.update(items_text(chunk[index:end]))
                    if repeats and not repeats.isdisjoint(range(index, end)):
                        for i in range(index, end):
                            here = position + i - index
                            if i in repeats:
                                self._local(batch, chunk[i], here, Bucket.DUPLICATE_IN_INPUT, None)
                            else:
                                add_payload(payloads[i])
                                add_line(here + 1 if rows is None else rows[i])
                                count += 1
                    else:
                        batch.payloads.extend(payloads[index:end])
                        batch.lines.extend(
                            range(position + 1, position + take + 1)
                            if rows is None
                            else rows[index:end]
                        )
                        count += take
                    position += take
                    index = end
                    if count >= batch_size or position - batch.start >= span:
                        batch.end = position
                        if window is not None:
                            batch.digest = window.hexdigest()
                            window = WindowDigest()
                        await self._dispatch(batch)
                        batch = _Batch(position)
                        add_payload, add_line = batch.payloads.append, batch.lines.append
                        count = 0
            else:
                for raw in chunk:
                    here = position
                    position += 1
                    maybe_here = False
                    if verifier is not None:
                        verifier.feed(here, raw)
                    resend = False
                    if resuming:
                        if done.contains_increasing(here):
                            if add_seen is not None:
                                try:
                                    key = prepare(raw)[0]
                                except ValidationError:
                                    key = None
                                # A repeat the checkpoint counted whose first occurrence no
                                # longer counts (it was never settled and is invalid now, a
                                # schedule that passed): this one is sent after all.
                                resend = (
                                    key is not None
                                    and add_seen(key)
                                    and repeated.contains_increasing(here)
                                )
                            if not resend:
                                if batch.start == here:
                                    batch.start = position
                                    continue
                                if window is not None:
                                    window.update(item_text(raw) + "\n")
                                continue
                            # Its window takes the repeat back: the counts stay one per item.
                            batch.local_counts[Bucket.DUPLICATE_IN_INPUT] -= 1
                            batch.resent.append(here)
                        else:
                            maybe_here = maybe.contains_increasing(here)
                    if window is not None:
                        window.update(item_text(raw) + "\n")
                    try:
                        key, payload = prepare(raw)
                    except ValidationError as err:
                        self._local(batch, raw, here, Bucket.INVALID, err.reason)
                    else:
                        if resend:
                            add_payload(payload)
                            add_line(raw.line if raw.__class__ is SourceRow else position)
                            count += 1
                        elif add_seen is not None and key is not None and not add_seen(key):
                            self._local(batch, raw, here, Bucket.DUPLICATE_IN_INPUT, None)
                        else:
                            if maybe_here:
                                batch.maybe.add(count)
                            add_payload(payload)
                            add_line(raw.line if raw.__class__ is SourceRow else position)
                            count += 1
                    if count >= batch_size or position - batch.start >= span:
                        batch.end = position
                        if window is not None:
                            batch.digest = window.hexdigest()
                            window = WindowDigest()
                        await self._send_or_hold(batch, position)
                        batch = _Batch(position)
                        add_payload, add_line, count = batch.payloads.append, batch.lines.append, 0
            if leftover is not None:
                break
        if leftover is None:
            self._source_end = position
            if verifier is not None:
                verifier.finish(position)
        elif verifier is not None and position < verifier.covered:
            # Cut before the journaled part was re-read (max_records, a stop): what was read
            # is not verified, so none of it is sent.
            self._abort(
                self._abort_reason or "stopped before the source was checked against the checkpoint"
            )
        batch.end = max(batch.start, position)
        if batch.end > batch.start:
            if window is not None:
                batch.digest = window.hexdigest()
            await self._send_or_hold(batch, position)
        await self._release_held()
        return leftover

    def _over_limit_reason(self, limit: int) -> str:
        documented = self.adapter.max_records
        where = (
            f" ({self.adapter.provider}'s documented maximum per upload is {documented:,})"
            if documented is not None
            else ""
        )
        return (
            f"the source has more than max_records={limit:,} records{where}; the records "
            f"after the first {limit:,} were not sent"
        )

    async def _send_or_hold(self, batch: _Batch, position: int) -> None:
        """Dispatch ``batch``, or hold it while the resumed source is not verified yet."""
        verifier = self._verifier
        if verifier is not None and position < verifier.covered:
            self._held.append(batch)
            return
        await self._release_held()
        await self._dispatch(batch)

    async def _release_held(self) -> None:
        held, self._held = self._held, []
        for batch in held:
            await self._dispatch(batch)

    async def _drain(
        self, leftover: tuple[int, list[Any]], chunks: AsyncIterator[list[Any]], done: Intervals
    ) -> None:
        """Account for the unread rest of the source as ``not_sent`` (streamed to the rejects
        file when there is one, only counted otherwise). Positions the checkpoint holds as
        settled are skipped: their counts were restored already."""
        reason = self._abort_reason or "not sent"
        position, items = leftover
        first = True
        report = self.report
        while True:
            if len(done):
                kept = [
                    (offset, raw)
                    for offset, raw in enumerate(items)
                    if not done.contains_increasing(position + offset)
                ]
            else:
                kept = list(enumerate(items))
            if kept:
                if self._rejects is not None or first:
                    outcomes = []
                    for offset, raw in kept:
                        ident, schedule, line = self.adapter.raw_id(raw)
                        outcomes.append(
                            ItemOutcome(
                                ident,
                                Bucket.NOT_SENT,
                                None,
                                reason,
                                schedule,
                                line or position + offset + 1,
                            )
                        )
                    self._sample(Bucket.NOT_SENT, outcomes[0])
                    if self._rejects is not None:
                        self._rejects.write(outcomes)
                    first = False
                report.submitted += len(kept)
                report.not_sent += len(kept)
                report.reasons[reason] = report.reasons.get(reason, 0) + len(kept)
                self._progress()
            position += len(items)
            try:
                items = await anext(chunks)
            except StopAsyncIteration:
                return

    def _local(self, batch: _Batch, raw: Any, position: int, bucket: Bucket, reason: Any) -> None:
        ident, schedule, line = self.adapter.raw_id(raw)
        outcome = ItemOutcome(
            item_id=ident,
            bucket=bucket,
            message=reason,
            schedule=schedule,
            line=line or position + 1,
        )
        batch.local.append(outcome)
        batch.local_counts[bucket] += 1
        if bucket is Bucket.DUPLICATE_IN_INPUT:
            batch.repeats.append(position)


class _Verifier:
    """Checks a re-read source against the windows a checkpoint journaled, item by item."""

    def __init__(self, state: JournalState, path: str) -> None:
        self.path = path
        self.windows = sorted(state.windows.items())
        self.next = 0
        #: Windows being re-read: [end, journaled digest, running digest, first line].
        self.active: list[list[Any]] = []
        self.covered = state.covered
        self.complete = state.complete

    def feed(self, position: int, raw: Any) -> None:
        if self.complete is not None and position >= self.complete:
            raise self._mismatch(
                f"the source has more items than the {self.complete:,} of the upload this "
                "checkpoint completed",
                _line_of(raw, position),
            )
        windows = self.windows
        while self.next < len(windows) and windows[self.next][0][0] <= position:
            (start, end), expected = windows[self.next]
            self.next += 1
            if end > position:
                self.active.append(
                    [end, expected, WindowDigest(), _line_of(raw, position), end - start]
                )
        if not self.active:
            return
        text = item_text(raw) + "\n"
        still = []
        for entry in self.active:
            entry[2].update(text)
            if position + 1 < entry[0]:
                still.append(entry)
            elif entry[1] and entry[2].hexdigest() != entry[1]:
                raise self._mismatch(
                    f"the {entry[4]:,} items from line {entry[3]:,} on are not the ones it "
                    "recorded (the first difference is among them)",
                    entry[3],
                )
        self.active = still

    def finish(self, position: int) -> None:
        """The source ended after ``position`` items."""
        if position < self.covered:
            raise self._mismatch(
                f"the source ends after {position:,} items, but the checkpoint recorded "
                f"{self.covered:,}",
                position + 1,
            )

    def _mismatch(self, what: str, line: int) -> CheckpointMismatchError:
        return CheckpointMismatchError(
            f"checkpoint {self.path} was written for another source: {what}. Nothing was "
            "sent. Start over with restart=True (CLI: --restart), or name another "
            "checkpoint file.",
            path=self.path,
            line=line,
        )


def _line_of(raw: Any, position: int) -> int:
    line = raw.line if raw.__class__ is SourceRow else None
    return line or position + 1
