"""What the engine's parts share: the window of positions being sent (:class:`_Batch`), the
engine's state (:class:`_EngineState`: declarations only, for the type checker), the internal
signals of an attempt, and the marks of a result.

The :class:`~cc_campaigns.bulk.engine.Engine` is assembled from three mixins over this state, one
per responsibility (a first step towards collaborating classes with narrow interfaces):
:mod:`.windows` reads the source into windows, :mod:`.attempts` sends a window and retries it,
:mod:`.settlement` accounts for it in the report, the journal and the rejects file.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import TYPE_CHECKING, Any

from .._idset import IdSet
from ..errors import CampaignsError
from ..retry import RetryBudget
from .adapter import Adapter, BulkOptions
from .health import Health
from .journal import Journal
from .limiter import AdaptiveLimiter
from .report import Bucket, BulkReport, ItemOutcome, RejectsWriter

if TYPE_CHECKING:
    from .windows import _Verifier


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


#: The result of an item applied on its first try (shared: compared by identity).
_APPLIED: tuple[Bucket, int | None, str | None] = (Bucket.APPLIED, 200, None)
#: Marks an applied item whose earlier attempt had an unknown outcome.
CONFIRMED_ON_RETRY = "confirmed on retry"


class _Batch:
    """One window of source positions and the items of it that are sent together."""

    __slots__ = (
        "body",
        "digest",
        "end",
        "extra_requests",
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
        #: Of ``requests``, those an adapter made within one send (not retries).
        self.extra_requests = 0
        #: Cut short by an abort: not journaled, so a rerun sends what was not confirmed.
        self.unsettled = False
        #: The digest of the window's items (checkpointed runs only).
        self.digest = ""
        #: Positions of the window's items counted ``duplicate_in_input``.
        self.repeats: list[int] = []
        #: Positions the checkpoint counted repeats that this window sends after all.
        self.resent: list[int] = []


class _EngineState:
    """The state the engine's parts share (set in ``Engine.__init__``), and the methods one
    part calls on another: declared here so that each module type-checks on its own."""

    adapter: Adapter
    options: BulkOptions
    batch_size: int
    limiter: AdaptiveLimiter
    budget: RetryBudget
    report: BulkReport
    _outcomes: asyncio.Queue[list[ItemOutcome] | None] | None
    _windows: asyncio.Semaphore
    _tasks: set[asyncio.Task[None]]
    _abort_reason: str | None
    _over_limit: str | None
    _max_records: int | None
    _fatal: CampaignsError | None
    _crash: Exception | None
    _deferred: list[ItemOutcome]
    _journal: Journal | None
    _rejects: RejectsWriter | None
    _seen: IdSet | None
    _errors: int
    _done: int
    _total: int | None
    _started: float
    _last_progress: float
    _digests: bool
    _verifier: _Verifier | None
    _held: list[_Batch]
    health: Health
    _source_end: int | None
    _outputs_open: bool

    if TYPE_CHECKING:

        def _abort(self, reason: str) -> None: ...

        def _stop_with(self, error: CampaignsError, reason: str) -> None: ...

        async def _dispatch(self, batch: _Batch) -> None: ...

        def _open_outputs(self) -> None: ...

        def _progress(self, *, force: bool = False) -> None: ...

        def _sample(self, bucket: Bucket, outcome: ItemOutcome) -> None: ...
