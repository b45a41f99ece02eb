"""The bulk engine: chunk, send, retry, adapt, journal, report.

Provider-neutral: everything that knows a vendor lives in an :class:`Adapter` (how to validate
and encode an item, how to send a batch, how to read a per-item answer). The engine reads the
source in order, paced by free send slots (it never materialises the source), cuts it into
windows of positions, sends each window's valid items as one batch, retries only what is
retryable, and accounts for every item in exactly one bucket of the :class:`BulkReport`.

The engine is assembled from one part per responsibility, each a module: :mod:`.adapter` (what a
provider plugs in), :mod:`.windows` (reading the source into windows, resume checks),
:mod:`.attempts` (sending a window and retrying), :mod:`.settlement` (accounting). This module
orchestrates them: :meth:`Engine.run`, the dispatch of windows, the stop rules.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Sized
from typing import Any

from .._idset import IdSet
from ..errors import CampaignsError, SourceError
from ..retry import RetryBudget
from ._core import CONFIRMED_ON_RETRY as CONFIRMED_ON_RETRY
from ._core import _Batch
from ._deprecation import moved_attribute
from .adapter import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_CONCURRENCY,
    Adapter,
    BulkOptions,
    Verdict,
    complete,
)
from .adapter import is_fatal_default as is_fatal_default
from .attempts import _Attempts
from .health import Health
from .journal import Intervals, Journal, JournalState
from .limiter import AdaptiveLimiter
from .report import BulkReport, ItemOutcome, RejectsWriter
from .settlement import _Settlement
from .windows import _Verifier, _Windows

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_CONCURRENCY",
    "MAX_RECORDS",  # noqa: F822 (module __getattr__)
    "Adapter",
    "BulkOptions",
    "Engine",
    "Verdict",
]

#: Pending (read but unfinished) batches per unit of concurrency: bounds memory.
_WINDOWS_PER_SLOT = 2


#: Names this module exported once, kept for one minor version (deprecated aliases: they warn):
#: old name -> (the module that defines it now, its name there, what to use instead).
_MOVED = {
    "MAX_RECORDS": (  # deprecated alias
        "cc_campaigns.dynamic.adapters",
        "MAX_RECORDS",
        "the adapter's max_records (BulkOptions.max_records defaults to it)",
    ),
    "FATAL_ERRORS": (  # deprecated alias
        "cc_campaigns.dynamic.adapters",
        "FATAL_ERRORS",
        "the adapter's is_fatal",
    ),
}


def __getattr__(name: str) -> Any:
    return moved_attribute(__name__, _MOVED, name)


class Engine(_Windows, _Attempts, _Settlement):
    """Runs one bulk operation. Use :func:`cc_campaigns.bulk.run_bulk` or the client methods."""

    def __init__(
        self,
        adapter: Adapter,
        options: BulkOptions,
        *,
        connection_limit: int = 0,
        outcomes: asyncio.Queue[list[ItemOutcome] | None] | None = None,
    ) -> None:
        self.adapter = adapter = complete(adapter)
        self.options = options
        concurrency = options.concurrency
        if connection_limit > 0:
            concurrency = min(concurrency, connection_limit)
        self.batch_size = min(options.batch_size, adapter.max_batch or options.batch_size)
        self.limiter = AdaptiveLimiter(
            concurrency, rate=options.rate, adaptive=options.adaptive, initial=None
        )
        self.budget = RetryBudget(capacity=options.retry_budget, refill=1.0)
        self.report = BulkReport(
            operation=adapter.operation,
            target=adapter.target,
            target_kind=adapter.target_kind,
            dry_run=options.dry_run,
            checkpoint=str(options.checkpoint) if options.checkpoint else None,
            rejects=str(options.rejects) if options.rejects else None,
        )
        self._outcomes = outcomes
        self._windows = asyncio.Semaphore(concurrency * _WINDOWS_PER_SLOT)
        self._tasks: set[asyncio.Task[None]] = set()
        self._abort_reason: str | None = None
        #: Items sent at most: the option, else the adapter's limit (None: no limit).
        self._max_records = (
            options.max_records if options.max_records is not None else adapter.max_records
        )
        #: Why the source was cut at max_records (an abort once the first ones are sent).
        self._over_limit: str | None = None
        self._fatal: CampaignsError | None = None
        self._crash: Exception | None = None
        self._deferred: list[ItemOutcome] = []
        self._journal: Journal | None = None
        self._rejects: RejectsWriter | None = None
        self._seen = IdSet() if options.dedupe else None
        self._errors = 0
        self._done = 0
        self._started = 0.0
        self._last_progress = 0.0
        #: Checkpointed runs digest every window's items.
        self._digests = options.checkpoint is not None and not options.dry_run
        #: Resuming: checks the re-read source against the journaled windows.
        self._verifier: _Verifier | None = None
        #: Batches read while the verification is not through: sent once it is.
        self._held: list[_Batch] = []
        #: The service's health: when to stop because failures say the upload cannot succeed.
        self.health = Health(dead_after=options.dead_after, diagnose=adapter.diagnose)
        self._source_end: int | None = None
        self._outputs_open = False

    # -- the run ------------------------------------------------------------------------

    async def run(self, source: Any) -> BulkReport:
        """Process ``source`` to the end; return the report.

        Raises:
            ApiError: a whole-request error no retry can fix (the adapter's ``is_fatal``, or
                what its ``diagnose`` found): the upload stops at once, and the error carries
                the report of everything so far in ``error.report``.
            asyncio.CancelledError: the task was cancelled; the checkpoint stays consistent.
        """
        options = self.options
        self._started = time.monotonic()
        self.health.alive()  # the clock of ``dead_after`` starts with the run
        total = options.total
        if total is None and isinstance(source, Sized):
            total = len(source)
        self._total = total
        done_windows = Intervals()
        maybe_windows = Intervals()
        state = JournalState()
        try:
            if options.checkpoint is not None and not options.dry_run:
                self._journal = Journal(
                    options.checkpoint,
                    operation=self.adapter.operation,
                    target=self.adapter.target,
                    provider=self.adapter.provider,
                    target_kind=self.report.target_kind,
                    restart=options.restart,
                )
                state = self._journal.state
                done_windows = state.done_intervals
                maybe_windows = state.pending_intervals
                self._restore(state)
                if state.windows:
                    self._verifier = _Verifier(state, str(options.checkpoint))
            chunks = self._chunks(source)
            try:
                repeats = state.repeat_intervals if self._journal is not None else Intervals()
                leftover = await self._read(chunks, done_windows, maybe_windows, repeats)
                self._open_outputs()
            except SourceError as err:
                # A file that breaks off (a truncated .gz): the batches in flight finish and
                # are journaled, the rest is not read; the rerun of the mended file resumes.
                self._stop_with(err, f"the source could not be read to the end: {err}")
                leftover = None
            while self._tasks:
                # Finished tasks are taken out here, not by their done callbacks: awaiting
                # tasks that are already done need not yield to the loop, so a loop that waits
                # for the callbacks can spin forever (it did on Python 3.12 and 3.13).
                finished, _ = await asyncio.wait(self._tasks)
                self._tasks -= finished
                for task in finished:
                    task.result()
            if self._over_limit is not None:
                self._abort(self._over_limit)
            # Every window that will ever be journaled is journaled now; what follows in the
            # rejects file (unsettled windows, then the unread rest) is cut on resume.
            self._write_deferred()
            if leftover is not None:
                await self._drain(leftover, chunks, done_windows)
            elif self._complete_now():
                assert self._journal is not None
                self._journal.complete(self._source_end or 0)
        except BaseException:
            for task in self._tasks:
                task.cancel()
            if self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)
            self._close()
            raise
        self._close()
        report = self.report
        report.elapsed = time.monotonic() - self._started
        report.concurrency_history = list(self.limiter.history)
        if self._abort_reason is not None:
            report.aborted = True
            report.abort_reason = self._abort_reason
        self._progress(force=True)
        if self._crash is not None:
            raise self._crash
        if self._fatal is not None:
            self._fatal.report = report
            raise self._fatal
        return report

    async def _dispatch(self, batch: _Batch) -> None:
        self._open_outputs()
        await self._windows.acquire()
        stop = self.options.stop
        if stop is not None and stop.is_set():
            # Checked per window too, not only per chunk of the source: with one item per
            # request, a chunk is minutes of sending. This batch and the rest of the
            # chunk settle ``not_sent`` at once (unjournaled, so a rerun sends them).
            self._abort("interrupted: stopped before the end of the source")
        task = asyncio.create_task(self._run_batch(batch))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        await asyncio.sleep(0)  # let the batch start before reading on

    # -- one batch ------------------------------------------------------------------------

    async def _run_batch(self, batch: _Batch) -> None:
        try:
            results = await self._send_batch(batch)
            await self._finish(batch, results)
        except asyncio.CancelledError:
            raise
        except Exception as err:  # a bug or an unforeseen error: stop, and surface it
            if self._crash is None:
                self._crash = err
            self._abort(f"internal error: {err!r}")
        finally:
            self._windows.release()

    def _stop_with(self, error: CampaignsError, reason: str) -> None:
        """End the upload because of ``error`` (raised to the caller with the report)."""
        if self._fatal is None:
            self._fatal = error
        self._abort(reason)

    def _abort(self, reason: str) -> None:
        if self._abort_reason is None:
            self._abort_reason = reason


async def iterate_outcomes(
    engine: Engine, source: Any, queue: asyncio.Queue[list[ItemOutcome] | None]
) -> AsyncGenerator[list[ItemOutcome], None]:
    """Run ``engine`` in a task and yield each finished batch's outcomes as they complete.

    Closing the iterator early (``break``, ``aclose``) cancels the upload: the checkpoint stays
    consistent, nothing more is sent. The engine's own error is raised here.
    """
    task = asyncio.create_task(engine.run(source))
    getter: asyncio.Future[list[ItemOutcome] | None] | None = None
    try:
        while True:
            getter = asyncio.ensure_future(queue.get())
            await asyncio.wait({getter, task}, return_when=asyncio.FIRST_COMPLETED)
            if getter.done():
                outcomes = getter.result()
                getter = None
                if outcomes is not None:
                    yield outcomes
                continue
            # The engine is done: hand over what it queued last, then its result or error.
            while not queue.empty():
                outcomes = queue.get_nowait()
                if outcomes is not None:
                    yield outcomes
            task.result()
            return
    finally:
        if getter is not None:
            getter.cancel()
        if not task.done():
            task.cancel()
            # Waits for the engine to wind down; a cancellation of the consumer itself still
            # propagates (asyncio.wait does not swallow it).
            await asyncio.wait({task})
        if task.done() and not task.cancelled():
            task.exception()  # retrieved: never logged as "exception was never retrieved"
