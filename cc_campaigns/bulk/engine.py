"""The bulk engine: chunk, send, retry, adapt, journal, report.

Provider-neutral: everything that knows a vendor lives in an :class:`Adapter` (how to validate
and encode an item, how to send a batch, how to read a per-item answer). The engine reads the
source in order, paced by free send slots (it never materialises the source), cuts it into
windows of positions, sends each window's valid items as one batch, retries only what is
retryable, and accounts for every item in exactly one bucket of the :class:`BulkReport`.
"""

from __future__ import annotations

import asyncio
import enum
import itertools
import time
from collections import Counter
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Callable, Iterable, Sized
from pathlib import Path
from typing import Any, Protocol

import attrs

from .._idset import IdSet
from ..errors import (
    ApiError,
    AuthenticationError,
    CampaignNotDynamicError,
    CampaignNotEnabledError,
    CampaignNotStartedError,
    CampaignsError,
    CampaignStoppedError,
    CheckpointMismatchError,
    ConnectError,
    InvalidTransitionError,
    NotFoundError,
    OutcomeUnknownError,
    RateLimitedError,
    ServerError,
    SourceError,
    TLSError,
    TransportError,
    UnexpectedResponseError,
    ValidationError,
)
from ..retry import DEFAULT_RETRY, RetryBudget, RetryPolicy
from .journal import Intervals, Journal, JournalState, WindowDigest, item_text, items_text
from .limiter import AdaptiveLimiter
from .report import Bucket, BulkReport, ItemOutcome, Progress, RejectsWriter
from .sources import SourceRow

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_CONCURRENCY",
    "MAX_RECORDS",
    "Adapter",
    "BulkOptions",
    "Engine",
    "Verdict",
]

#: Items per add request. No maximum is documented; 8x8's newer API caps batches at 100, so we
#: stay conservative while keeping the per-request overhead small.
DEFAULT_BATCH_SIZE = 500
#: Most requests in flight at once (the adaptive limit moves between 1 and this).
DEFAULT_CONCURRENCY = 16
#: The documented maximum of records per upload.
MAX_RECORDS = 5_000_000
#: Pending (read but unfinished) batches per unit of concurrency: bounds memory.
_WINDOWS_PER_SLOT = 2
#: A window closes after this many items per batch slot, even if few of them are sendable.
_WINDOW_SPAN = 4
#: Source items pulled per chunk.
_CHUNK = 1024
#: Seconds between two progress callbacks.
_PROGRESS_INTERVAL = 0.25
#: Items of each bucket kept as samples in the report.
_SAMPLES = 5
#: Answers that are not the API's (a login page, a proxy's HTML, a 207 naming other ids) before
#: the upload stops: the base URL is probably wrong.
_UNEXPECTED_LIMIT = 3
#: Whole-request 5xx answers in a row (503 aside) before the engine looks at the target once.
_SERVER_ERRORS_BEFORE_DIAGNOSIS = 3


class Verdict(enum.Enum):
    """How the engine treats one per-item answer."""

    #: Done, and it counts as added (removed, for a removal).
    OK = "ok"
    #: Done: it was already there (a removal: it was not there).
    PRESENT = "present"
    #: Not applied; try again (throttling or a transient server error).
    RETRY = "retry"
    #: Like RETRY, and the service is pushing back: slow down.
    THROTTLE = "throttle"
    #: Maybe applied, maybe not (206, an unreadable answer): send again to find out.
    UNKNOWN = "unknown"
    #: Refused for good.
    REJECT = "reject"


class Adapter(Protocol):
    """What the engine needs to know of one provider's endpoint."""

    #: ``"add"`` or ``"remove"``.
    operation: str
    #: The campaign (or outdial) the items go to.
    target: Any
    #: Items per request at most (``1`` for one-item endpoints), or None for no limit.
    max_batch: int | None

    def prepare(self, raw: Any) -> tuple[int | None, Any]:
        """Validate one source item: ``(dedupe key or None, payload)``.

        Raises:
            ValidationError: the item is invalid; its message becomes the reason.
        """

    def prepare_chunk(
        self, chunk: list[Any]
    ) -> tuple[list[Any], list[Any], list[int] | None] | None:
        """Optional fast path: ``(keys, payloads, lines)`` for a whole chunk when every item of
        it is valid as it stands (all plain ints in range, all clean rows of a file); ``lines``
        are the items' source lines (None: their positions); ``None`` to go item by item."""

    def describe(self, payload: Any) -> tuple[Any, str | None]:
        """(id, schedule text) of a payload, for the report and the rejects file."""

    def raw_id(self, raw: Any) -> tuple[Any, str | None, int | None]:
        """(id, schedule, line) of a raw source item that could not be prepared."""

    async def send(
        self, payloads: list[Any], body: bytes | None
    ) -> list[tuple[int, str | None]] | None:
        """Send one batch; return one ``(http status, message)`` per payload, in order, or
        ``None`` when every item was accepted (the common case, kept cheap).

        Raises:
            ApiError, TransportError: the whole request failed.
        """

    def encode(self, payloads: list[Any]) -> bytes | None:
        """The request body of a batch, serialised once (None when the adapter has none)."""

    def classify(self, status: int, message: str | None) -> Verdict:
        """The verdict on one per-item answer that is not a plain success."""

    def is_fatal(self, error: ApiError) -> bool:
        """Whether a whole-request error ends the upload (no retry can fix it)."""

    # Optional (looked up with getattr):
    #   provider: str -- the API's name, recorded in checkpoints ("8x8", "voipbin").
    #   target_kind: str -- what ``target`` names ("campaign", "outdial").
    #   async diagnose() -> ApiError | None -- after a run of 5xx answers, look at the target
    #       once and return the fatal error that explains them (a stopped campaign), or None.


#: Whole-request errors that no retry can fix, for every provider.
FATAL_ERRORS: tuple[type[CampaignsError], ...] = (
    AuthenticationError,
    CampaignStoppedError,
    CampaignNotDynamicError,
    CampaignNotEnabledError,
    CampaignNotStartedError,
    InvalidTransitionError,
)


def _positive(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 1:
        raise ValidationError(f"{attribute.name} must be >= 1, got {value!r}")


def _positive_seconds(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not value > 0:
        raise ValidationError(f"{attribute.name} must be > 0 seconds, got {value!r}")


def _optional_non_negative(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and value < 0:
        raise ValidationError(f"{attribute.name} must be >= 0, got {value!r}")


@attrs.frozen(kw_only=True)
class BulkOptions:
    """Options of one bulk run (validated at construction)."""

    #: Items per request.
    batch_size: int = attrs.field(default=DEFAULT_BATCH_SIZE, validator=_positive)
    #: Most requests in flight (the adaptive limit moves between 1 and this).
    concurrency: int = attrs.field(default=DEFAULT_CONCURRENCY, validator=_positive)
    #: Items beyond this count are not sent (default: the documented 5,000,000).
    max_records: int = attrs.field(default=MAX_RECORDS, validator=_positive)
    #: Check items client-side as the server would (opt-out).
    validate: bool = True
    #: Send each id once; repeats are counted ``duplicate_in_input``.
    dedupe: bool = True
    #: Journal file: rerun with the same source and checkpoint to resume.
    checkpoint: str | Path | None = None
    #: File (CSV or .jsonl) that receives every item that was not added.
    rejects: str | Path | None = None
    #: Abort once more than this many items of this run ended invalid, rejected or unknown
    #: (items restored from the checkpoint do not count: a rerun must be able to finish).
    max_errors: int | None = attrs.field(default=None, validator=_optional_non_negative)
    #: Called with a :class:`Progress` at most a few times a second.
    on_progress: Callable[[Progress], Any] | None = None
    #: Retry policy of each batch (a fresh retry state per batch).
    retry: RetryPolicy = DEFAULT_RETRY
    #: Shared retry allowance: tokens at the start and at most; each retry spends one, each
    #: successful request earns one back, so a service that fails fewer than half of the
    #: attempts can be loaded to the end while a dead one stops after this many retries.
    retry_budget: float = 100.0
    #: Stop (with the last error) once the service has given no usable answer for this many
    #: seconds: only connection failures, timeouts, 5xx other than 503, non-API answers.
    dead_after: float = attrs.field(default=60.0, validator=_positive_seconds)
    #: Requests per second cap (token bucket), or None.
    rate: float | None = None
    #: Adapt concurrency to throttling (AIMD); False keeps it at ``concurrency``.
    adaptive: bool = True
    #: The source's size when known (for progress and ETA); taken from ``len()`` if possible.
    total: int | None = None
    #: Validate and count, send nothing.
    dry_run: bool = False
    #: Start over: forget what the checkpoint says (and start the rejects file anew).
    restart: bool = False
    #: Set it to stop gracefully: nothing new is sent, in-flight batches finish and are
    #: journaled, the rest is ``not_sent`` and the report says "interrupted".
    stop: asyncio.Event | None = None


class _Abort(Exception):
    """Internal: the upload is being aborted; stop this batch."""


class _Retry(Exception):
    """Internal: some items of the batch must be sent again."""

    def __init__(
        self, reason: str, retry_after: float | None, error: CampaignsError | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        #: The whole-request failure, when there was one.
        self.error = error


#: The result of an item added on its first try (shared: compared by identity).
_ADDED: tuple[Bucket, int | None, str | None] = (Bucket.ADDED, 200, None)
#: Marks an added item whose earlier attempt had an unknown outcome.
CONFIRMED_ON_RETRY = "confirmed on retry"


class _Batch:
    """One window of source positions and the items of it that are sent together."""

    __slots__ = (
        "body",
        "digest",
        "end",
        "lines",
        "local",
        "local_counts",
        "maybe",
        "payloads",
        "repeats",
        "requests",
        "resent",
        "start",
        "throttled",
        "unsettled",
    )

    def __init__(self, start: int) -> None:
        self.start = start
        self.end = start
        self.payloads: list[Any] = []
        self.lines: list[int | None] = []
        #: Outcomes resolved client-side (invalid, duplicate in input) in this window.
        self.local: list[ItemOutcome] = []
        self.local_counts: Counter[Bucket] = Counter()
        #: Indices whose earlier attempt may have been applied.
        self.maybe: set[int] = set()
        self.body: bytes | None = None
        #: Requests sent for this window, and how many of them the service pushed back.
        self.requests = 0
        self.throttled = 0
        #: Cut short by an abort: not journaled, so a rerun sends what was not confirmed.
        self.unsettled = False
        #: The digest of the window's items (checkpointed runs only).
        self.digest = ""
        #: Positions of the window's items counted ``duplicate_in_input``.
        self.repeats: list[int] = []
        #: Positions the checkpoint counted repeats that this window sends after all.
        self.resent: list[int] = []


class Engine:
    """Runs one bulk operation. Use :func:`cc_campaigns.bulk.run_bulk` or the client methods."""

    def __init__(
        self,
        adapter: Adapter,
        options: BulkOptions,
        *,
        connection_limit: int = 0,
        outcomes: asyncio.Queue[list[ItemOutcome] | None] | None = None,
    ) -> None:
        self.adapter = adapter
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
            campaign_id=adapter.target,
            target_kind=getattr(adapter, "target_kind", "campaign"),
            dry_run=options.dry_run,
            checkpoint=str(options.checkpoint) if options.checkpoint else None,
            rejects=str(options.rejects) if options.rejects else None,
        )
        self._outcomes = outcomes
        self._windows = asyncio.Semaphore(concurrency * _WINDOWS_PER_SLOT)
        self._tasks: set[asyncio.Task[None]] = set()
        self._abort_reason: str | None = None
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
        #: Health of the service: when it last gave a usable answer, answers that were not
        #: the API's, 5xx in a row, whether the target was looked at already.
        self._last_alive = 0.0
        self._unexpected = 0
        self._server_errors = 0
        self._diagnosed = False
        self._source_end: int | None = None
        self._outputs_open = False

    # -- the run ------------------------------------------------------------------------

    async def run(self, source: Any) -> BulkReport:
        """Process ``source`` to the end; return the report.

        Raises:
            ApiError: a whole-request error no retry can fix (campaign stopped, not dynamic,
                not enabled, not started, authentication): the upload stops at once, and the
                error carries the report of everything so far in ``error.report``.
            asyncio.CancelledError: the task was cancelled; the checkpoint stays consistent.
        """
        options = self.options
        self._started = self._last_alive = time.monotonic()
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
                    provider=str(getattr(self.adapter, "provider", "")),
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

    def _restore(self, state: Any) -> None:
        report = self.report
        restored = 0
        for bucket in Bucket:
            value = int(state.counts.get(bucket.value, 0))
            setattr(report, bucket.value, value)
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
                missing = report.resumed_items - report.added
        if path is not None:
            self._rejects = RejectsWriter(path, resume_offset=offset)
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
                "source must be an iterable or async iterable of customers "
                f"(ints, digit strings, CustomerItem or mappings), got {type(source).__name__}"
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
        max_records = self.options.max_records
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
            if position + size > max_records:
                # Read up to the limit; the rest is not sent.
                cut = max(0, max_records - position)
                # The abort waits for the first max_records to be sent (run() sets it then).
                self._over_limit = (
                    f"the source has more than max_records={max_records:,} records (8x8's "
                    f"documented maximum per upload is {MAX_RECORDS:,}); the records after the "
                    f"first {max_records:,} were not sent"
                )
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
            customer_id=ident,
            bucket=bucket,
            message=reason,
            schedule=schedule,
            line=line or position + 1,
        )
        batch.local.append(outcome)
        batch.local_counts[bucket] += 1
        if bucket is Bucket.DUPLICATE_IN_INPUT:
            batch.repeats.append(position)

    def _write_deferred(self) -> None:
        if self._rejects is not None and self._deferred:
            self._rejects.write(self._deferred)
        self._deferred = []

    async def _dispatch(self, batch: _Batch) -> None:
        self._open_outputs()
        await self._windows.acquire()
        stop = self.options.stop
        if stop is not None and stop.is_set():
            # Checked per window too, not only per chunk of the source: with one item per
            # request (VoIPbin), a chunk is minutes of sending. This batch and the rest of the
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

    async def _send_batch(self, batch: _Batch) -> list[tuple[Bucket, int | None, str | None]]:
        """Send the batch, resending what is retryable; one (bucket, status, message) each."""
        count = len(batch.payloads)
        final: list[tuple[Bucket, int | None, str | None] | None] = [None] * count
        if count == 0:
            return []
        if self.options.dry_run:
            return [(Bucket.NOT_SENT, None, "dry run: not sent")] * count
        if self._abort_reason is not None:
            if self._journal is not None:
                self._journal.unsent(batch.start, batch.end, batch.digest)
            return [(Bucket.NOT_SENT, None, self._abort_reason)] * count
        if self._journal is not None:
            self._journal.started(batch.start, batch.end, batch.digest)
        pending = list(range(count))
        last: dict[int, tuple[int | None, str]] = {}
        self.report.batches += 1
        retrying = self.options.retry.retrying(
            lambda err: isinstance(err, _Retry), may_retry=self._may_retry
        )
        attempt_number = 0
        failure: CampaignsError | None = None
        try:
            async for attempt in retrying:
                with attempt:
                    attempt_number += 1
                    if attempt_number > 1:
                        self.report.retries += 1
                    pending = await self._attempt(batch, pending, final, last)
        except _Retry as retry:
            failure = retry.error  # retries exhausted: what is still pending is settled below
        except _Abort:
            pass  # the upload is stopping: what is still pending is settled below
        if pending and self._abort_reason is None:
            if isinstance(failure, ConnectError):
                # Nothing reached the service, every retry long: it is down or unreachable.
                self._stop_with(failure, f"the service cannot be reached: {failure}")
            elif self.budget.exhausted:
                status, reason = last.get(pending[0], (None, "unknown"))
                self._abort(
                    f"the service keeps failing: retry budget exhausted after "
                    f"{self.budget.spent:,} retries (last: {reason})"
                )
        # Items without a final answer are never settled: unknown when an attempt may have
        # applied them, not sent otherwise; their window stays out of the journal, so a rerun
        # with the checkpoint sends them again (and "already there" then confirms them).
        stopping = self._abort_reason
        for index in pending:
            status, reason = last.get(index, (None, "no answer"))
            bucket = Bucket.UNKNOWN if index in batch.maybe else Bucket.NOT_SENT
            if stopping is not None and (failure is None or attempt_number == 0):
                message = stopping if bucket is Bucket.NOT_SENT else f"{reason}; {stopping}"
            else:
                tries = "attempt" if attempt_number == 1 else "attempts"
                message = f"gave up after {attempt_number} {tries}: {reason}"
            final[index] = (bucket, status, message)
        if pending:
            batch.unsettled = True
        return [f if f is not None else (Bucket.UNKNOWN, None, "no answer") for f in final]

    def _may_retry(self) -> bool:
        if self._abort_reason is not None:
            return False
        return self.budget.spend()

    def _stop_with(self, error: CampaignsError, reason: str) -> None:
        """End the upload because of ``error`` (raised to the caller with the report)."""
        if self._fatal is None:
            self._fatal = error
        self._abort(reason)

    async def _attempt(
        self,
        batch: _Batch,
        pending: list[int],
        final: list[tuple[Bucket, int | None, str | None] | None],
        last: dict[int, tuple[int | None, str]],
    ) -> list[int]:
        if self._abort_reason is not None:
            raise _Abort
        adapter = self.adapter
        whole = len(pending) == len(batch.payloads)
        payloads = batch.payloads if whole else [batch.payloads[i] for i in pending]
        if whole:
            if batch.body is None:
                batch.body = adapter.encode(payloads)
            body = batch.body
        else:
            body = adapter.encode(payloads)
        ticket = await self.limiter.acquire()
        if self._abort_reason is not None:
            self.limiter.release(ticket, success=False)
            raise _Abort
        self.report.requests += 1
        batch.requests += 1
        refused = False
        try:
            answers = await adapter.send(payloads, body)
        except (ApiError, TransportError) as err:
            await self._check_health(err)
            # Fatal and retryable failures raise; a plain refusal is the same answer for every
            # item of the request, read below like any per-item answer.
            answers = self._whole_request_failed(err, ticket, batch, pending, last)
            refused = True
        except BaseException:
            self.limiter.release(ticket, success=False)
            raise
        if not refused:
            self._last_alive = time.monotonic()
            self._server_errors = 0
        if answers is None:  # every item accepted
            if whole:
                final[:] = [_ADDED] * len(final)
            else:
                for index in pending:
                    final[index] = _ADDED
            self.limiter.release(ticket, success=True)
            self.budget.earn()
            return []
        retry: list[int] = []
        throttled = False
        retry_reason = ""
        for index, (status, message) in zip(pending, answers, strict=False):
            if 200 <= status < 300 and status != 206:
                final[index] = _ADDED
                continue
            verdict = adapter.classify(status, message)
            if verdict is Verdict.PRESENT:
                if index in batch.maybe:
                    final[index] = (Bucket.ADDED, status, CONFIRMED_ON_RETRY)
                else:
                    final[index] = (Bucket.ALREADY_PRESENT, status, message)
            elif verdict is Verdict.OK:
                final[index] = _ADDED
            elif verdict is Verdict.REJECT:
                final[index] = (Bucket.REJECTED, status, message or f"HTTP {status}")
            else:
                if verdict is Verdict.UNKNOWN:
                    batch.maybe.add(index)
                throttled = throttled or verdict is Verdict.THROTTLE
                retry_reason = message or f"HTTP {status}"
                last[index] = (status, retry_reason)
                retry.append(index)
        if throttled:
            self.report.throttled += 1
            batch.throttled += 1
        if not refused:
            self.limiter.release(ticket, throttled=throttled, success=True)
            self.budget.earn()
        if retry:
            # In place: the caller's ``pending`` is what the next attempt sends (and what is
            # settled if there is none); the items answered above must not be sent again.
            pending[:] = retry
            raise _Retry(retry_reason, None)
        return []

    async def _check_health(self, err: ApiError | TransportError) -> None:
        """Stop the upload when failures say it cannot succeed: a TLS failure (configuration),
        answers that are not the API's (wrong URL), no usable answer for ``dead_after``
        seconds; after a run of 5xx, look at the target once (a stopped campaign answers 500
        in the vendor's OpenAPI examples)."""
        if self._abort_reason is not None:
            return
        if isinstance(err, TLSError):
            self._stop_with(err, f"TLS failed (a configuration problem, not retried): {err}")
            return
        if isinstance(err, UnexpectedResponseError):
            self._unexpected += 1
            if self._unexpected >= _UNEXPECTED_LIMIT:
                self._stop_with(
                    err,
                    f"{self._unexpected} answers were not the API's; the base URL probably "
                    f"does not point at the API (last: {err})",
                )
                return
        alive = isinstance(err, ApiError) and not (
            isinstance(err, UnexpectedResponseError)
            or (isinstance(err, ServerError) and err.status != 503)
        )
        now = time.monotonic()
        if alive:
            self._last_alive = now
            self._server_errors = 0
            return
        if now - self._last_alive > self.options.dead_after:
            self._stop_with(
                err,
                f"no usable answer from the service for {now - self._last_alive:.0f} s "
                f"(last: {err})",
            )
            return
        if isinstance(err, ServerError):
            self._server_errors += 1
            if self._server_errors >= _SERVER_ERRORS_BEFORE_DIAGNOSIS and not self._diagnosed:
                self._diagnosed = True
                diagnose = getattr(self.adapter, "diagnose", None)
                explained = None
                if diagnose is not None:
                    try:
                        explained = await diagnose()
                    except Exception:  # looking is a courtesy: it never breaks the upload
                        explained = None
                if explained is not None and self._abort_reason is None:
                    self._stop_with(explained, str(explained))

    def _whole_request_failed(
        self,
        err: ApiError | TransportError,
        ticket: Any,
        batch: _Batch,
        pending: list[int],
        last: dict[int, tuple[int | None, str]],
    ) -> list[tuple[int, str | None]]:
        """Raise for a fatal (``_Abort``) or retryable (``_Retry``) whole-request failure;
        for a plain refusal return its answer once per pending item."""
        adapter = self.adapter
        if self._fatal is err or (isinstance(err, ApiError) and adapter.is_fatal(err)):
            self.limiter.release(ticket, success=False)
            if self._fatal is None:
                self._stop_with(err, str(err))
            raise _Abort from err
        # May have been applied: a 206, a lost answer, an answer that is not the API's, or a
        # 5xx other than 503 (a gateway that timed out, a server that failed half way).
        # Resending is safe (duplicates are answered per item); this only decides how a
        # "Duplicate customer" on the resend is counted. A connection that never opened
        # cannot have applied anything.
        maybe_applied = (
            isinstance(err, OutcomeUnknownError)
            # A 2xx or 3xx that is not the API's may hide an applied write; a 4xx page from a
            # proxy or a wrong path was never seen by the API.
            or (isinstance(err, UnexpectedResponseError) and (err.status or 0) < 400)
            or (isinstance(err, TransportError) and not isinstance(err, ConnectError))
            or (isinstance(err, ServerError) and err.status != 503)
            # 408 Request Timeout: a proxy gave up waiting, the API may have acted.
            or (isinstance(err, ApiError) and err.status == 408)
        )
        throttled = isinstance(err, RateLimitedError) or (
            isinstance(err, ServerError) and err.status == 503
        )
        retryable = (
            maybe_applied
            or throttled
            or isinstance(
                err, (TransportError, ServerError, RateLimitedError, UnexpectedResponseError)
            )
        )
        self.limiter.release(ticket, throttled=throttled, success=False)
        if throttled:
            self.report.throttled += 1
            batch.throttled += 1
            if isinstance(err, ApiError) and err.retry_after:
                self.limiter.pause(min(err.retry_after, self.options.retry.retry_after_max))
        status = err.status if isinstance(err, ApiError) else None
        reason = err.message
        if retryable:
            if maybe_applied:
                batch.maybe.update(pending)
            for index in pending:
                last[index] = (status, reason)
            if self._abort_reason is not None:
                raise _Abort from err
            raise _Retry(reason, err.retry_after if isinstance(err, ApiError) else None, err)
        # A whole-request refusal that is not fatal: every item of it gets that answer.
        return [(status or 0, reason)] * len(pending)

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
        # C speed: the common case needs no Python loop. Every plain "added" result is the
        # _ADDED object itself (see _attempt), so counting by equality counts exactly those.
        added = results.count(_ADDED)
        for index, result in enumerate(results if want_all or added < len(results) else ()):
            bucket, status, message = result
            if bucket is Bucket.ADDED:
                if result is not _ADDED:
                    added += 1
                    confirmed += message == CONFIRMED_ON_RETRY
                if not want_all:
                    continue
            ident, schedule = self.adapter.describe(batch.payloads[index])
            outcome = ItemOutcome(ident, bucket, status, message, schedule, batch.lines[index])
            outcomes.append(outcome)
            if bucket is not Bucket.ADDED:
                counts[bucket] += 1
                if message and bucket is not Bucket.ALREADY_PRESENT:
                    reasons[message] += 1
                self._sample(bucket, outcome)
        counts[Bucket.ADDED] += added
        # A dry run lists only what it found wrong, not every item it did not send.
        skip = (Bucket.ADDED, Bucket.NOT_SENT) if self.options.dry_run else (Bucket.ADDED,)
        not_added = [o for o in outcomes if o.bucket not in skip]
        settled = not (batch.unsettled or counts[Bucket.NOT_SENT] or counts[Bucket.UNKNOWN])
        if self._rejects is not None:
            if settled:
                self._rejects.write(not_added)
            else:
                self._deferred.extend(not_added)
        if settled and self._journal is not None:
            self._journal.finished(
                batch.start,
                batch.end,
                counts={b.value: n for b, n in counts.items() if n},
                reasons=dict(reasons),
                retries=max(0, batch.requests - 1),
                requests=batch.requests,
                throttled=batch.throttled,
                confirmed_on_retry=confirmed,
                rejects_offset=self._rejects.offset if self._rejects is not None else None,
                digest=batch.digest,
                repeats=batch.repeats,
                resent=batch.resent,
            )
        for bucket, value in counts.items():
            setattr(report, bucket.value, getattr(report, bucket.value) + value)
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
                    "customer_id": outcome.customer_id,
                    "message": outcome.message,
                    "http_status": outcome.http_status,
                    "line": outcome.line,
                }
            )

    def _abort(self, reason: str) -> None:
        if self._abort_reason is None:
            self._abort_reason = reason

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
                added=report.added,
                failed=report.failed,
                rate=rate,
                eta=eta,
                in_flight=self.limiter.in_flight,
                concurrency=self.limiter.current,
                retries=report.retries,
                elapsed=elapsed,
            )
        )


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


def is_fatal_default(error: ApiError) -> bool:
    """The common rule: errors no retry can fix end the upload; a 404 on the campaign too."""
    if isinstance(error, FATAL_ERRORS):
        return True
    return isinstance(error, NotFoundError) and "campaign" in (error.message or "").lower()


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
