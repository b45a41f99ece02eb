"""Settling a window: every item into exactly one bucket of the report, the items the service
did not apply into the rejects file, the window into the journal, progress to the caller.

A window is journaled only when every item in it has a final answer; the rejects file is
written in step with the journal (what follows the last journaled window is cut on resume).
On resume the report starts from the checkpoint's counts (``_restore``).

A mixin of :class:`~cc_campaigns.bulk.engine.Engine` over the shared state in :mod:`._core`.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

from ._core import _APPLIED, CONFIRMED_ON_RETRY, _Batch, _EngineState
from .report import FIELDS, Bucket, ItemOutcome, Progress, RejectsWriter

#: Seconds between two progress callbacks.
_PROGRESS_INTERVAL = 0.25
#: Items of each bucket kept as samples in the report.
_SAMPLES = 5


class _Settlement(_EngineState):
    """Accounts for finished windows: report, rejects file, journal, progress."""

    def _restore(self, state: Any) -> None:
        report = self.report
        restored = 0
        for bucket in Bucket:
            value = int(state.counts.get(bucket.value, 0))
            setattr(report, FIELDS[bucket], value)
            restored += value
        report.submitted = restored
        report.add_reasons(state.reasons)
        report.retries = state.retries
        report.requests = state.requests
        report.throttled = state.throttled
        report.batches = state.batches
        report.confirmed_on_retry = state.confirmed_on_retry
        report.resumed = restored > 0 or bool(state.started)
        report.resumed_items = restored
        report.already_complete = state.complete is not None
        # max_errors counts this run's failures: the refusals restored from the checkpoint
        # would stop every rerun at its first window.
        self._done = restored

    def _open_outputs(self) -> None:
        """Open the rejects file and record it in the checkpoint, once: at the first dispatch,
        after a resumed source was checked (a mismatch leaves both files as they were)."""
        if self._outputs_open:
            return
        self._outputs_open = True
        rejects = self.options.rejects
        if rejects is not None or self._journal is not None:
            self._open_rejects(None if rejects is None else str(rejects))

    def _open_rejects(self, path: str | None) -> None:
        """Open this run's rejects file (``None``: none) and record it in the checkpoint.

        The file of the earlier runs is continued where their settled windows end; another
        file (or one shorter than the checkpoint says) starts anew. Either way the report says
        how many items of the earlier runs the file lacks (``rejects_partial``), and so does
        the checkpoint, for the runs after this one."""
        journal, report = self._journal, self.report
        offset = None
        missing = 0
        if journal is not None and journal.resuming:
            state = journal.state
            earlier = state.rejects_path
            if (
                path is not None
                and earlier is not None
                and _same_path(earlier, path)
                and _size(path) >= (state.rejects_offset or 0)
            ):
                offset = state.rejects_offset or 0
                missing = state.rejects_missing
            else:
                missing = report.resumed_items - report.applied
        if path is not None:
            self._rejects = RejectsWriter(
                path, resume_offset=offset, id_field=self.adapter.id_field
            )
            report.rejects_partial = missing
        if journal is not None:
            journal.rejects_file(path, missing)

    def _complete_now(self) -> bool:
        """Whether this run settled the last items of a checkpointed upload: the whole source
        was read, nothing is unknown or unsent, and the checkpoint is not marked yet."""
        journal, report = self._journal, self.report
        return (
            journal is not None
            and journal.state.complete is None
            and self._abort_reason is None
            and report.unknown == 0
            and report.not_sent == 0
        )

    def _close(self) -> None:
        if self._journal is not None:
            self._journal.close()
        if self._rejects is not None:
            self._rejects.close()

    def _write_deferred(self) -> None:
        if self._rejects is not None and self._deferred:
            self._rejects.write(self._deferred)
        self._deferred = []

    async def _finish(
        self, batch: _Batch, results: list[tuple[Bucket, int | None, str | None]]
    ) -> None:
        """Count the window, stream its rejects, journal it, report progress."""
        report = self.report
        counts: Counter[Bucket] = Counter(batch.local_counts)
        reasons: Counter[str] = Counter()
        outcomes: list[ItemOutcome] = list(batch.local)
        for outcome in batch.local:
            if outcome.bucket is Bucket.INVALID and outcome.message:
                reasons[outcome.message] += 1
            self._sample(outcome.bucket, outcome)
        confirmed = 0
        want_all = self._outcomes is not None
        # C speed: the common case needs no Python loop. Every plain "applied" result is the
        # _APPLIED object itself (see _attempt), so counting by equality counts exactly those.
        applied = results.count(_APPLIED)
        for index, result in enumerate(results if want_all or applied < len(results) else ()):
            bucket, status, message = result
            if bucket is Bucket.APPLIED:
                if result is not _APPLIED:
                    applied += 1
                    confirmed += message == CONFIRMED_ON_RETRY
                if not want_all:
                    continue
            ident, schedule = self.adapter.describe(batch.payloads[index])
            outcome = ItemOutcome(ident, bucket, status, message, schedule, batch.lines[index])
            outcomes.append(outcome)
            if bucket is not Bucket.APPLIED:
                counts[bucket] += 1
                if message and bucket is not Bucket.ALREADY_PRESENT:
                    reasons[message] += 1
                self._sample(bucket, outcome)
        counts[Bucket.APPLIED] += applied
        # A dry run lists only what it found wrong, not every item it did not send.
        skip = (Bucket.APPLIED, Bucket.NOT_SENT) if self.options.dry_run else (Bucket.APPLIED,)
        not_applied = [o for o in outcomes if o.bucket not in skip]
        settled = not (batch.unsettled or counts[Bucket.NOT_SENT] or counts[Bucket.UNKNOWN])
        if self._rejects is not None:
            if settled:
                self._rejects.write(not_applied)
            else:
                self._deferred.extend(not_applied)
        if settled and self._journal is not None:
            self._journal.finished(
                batch.start,
                batch.end,
                counts={b.value: n for b, n in counts.items() if n},
                reasons=dict(reasons),
                retries=max(0, batch.requests - batch.extra_requests - 1),
                requests=batch.requests,
                throttled=batch.throttled,
                confirmed_on_retry=confirmed,
                rejects_offset=self._rejects.offset if self._rejects is not None else None,
                digest=batch.digest,
                repeats=batch.repeats,
                resent=batch.resent,
            )
        for bucket, value in counts.items():
            field = FIELDS[bucket]
            setattr(report, field, getattr(report, field) + value)
        total = sum(counts.values())
        report.submitted += total
        report.confirmed_on_retry += confirmed
        report.add_reasons(reasons)
        # Progress counts what was processed: a dry run's items, not an interrupted run's rest.
        self._done += total if self.options.dry_run else total - counts[Bucket.NOT_SENT]
        self._errors += counts[Bucket.INVALID] + counts[Bucket.REJECTED] + counts[Bucket.UNKNOWN]
        max_errors = self.options.max_errors
        if max_errors is not None and self._errors > max_errors and self._abort_reason is None:
            self._abort(f"more than max_errors={max_errors:,} items failed")
        self._progress()
        if self._outcomes is not None:
            await self._outcomes.put(outcomes)

    def _sample(self, bucket: Bucket, outcome: ItemOutcome) -> None:
        samples = self.report.samples.setdefault(bucket.value, [])
        if len(samples) < _SAMPLES:
            samples.append(
                {
                    "item_id": outcome.item_id,
                    "customer_id": outcome.item_id,  # deprecated alias
                    "message": outcome.message,
                    "http_status": outcome.http_status,
                    "line": outcome.line,
                }
            )

    def _progress(self, *, force: bool = False) -> None:
        callback = self.options.on_progress
        if callback is None:
            return
        now = time.monotonic()
        if not force and now - self._last_progress < _PROGRESS_INTERVAL:
            return
        self._last_progress = now
        elapsed = now - self._started
        report = self.report
        fresh = self._done - report.resumed_items
        rate = fresh / elapsed if elapsed > 0 else 0.0
        total = self._total
        eta = None
        if total is not None and rate > 0:
            eta = max(0.0, (total - self._done) / rate)
        callback(
            Progress(
                done=self._done,
                total=total,
                applied=report.applied,
                failed=report.failed,
                rate=rate,
                eta=eta,
                in_flight=self.limiter.in_flight,
                concurrency=self.limiter.current,
                retries=report.retries,
                elapsed=elapsed,
            )
        )


def _size(path: str) -> int:
    try:
        return Path(path).stat().st_size
    except OSError:
        return -1


def _same_path(first: str, second: str) -> bool:
    """Whether two paths name the same file (the same file through another name too)."""
    try:
        return Path(first).resolve() == Path(second).resolve()
    except OSError:
        return first == second
