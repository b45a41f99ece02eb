"""What a provider plugs into the bulk engine: the :class:`Adapter` protocol, its
:class:`Verdict` on a per-item answer, and the :class:`BulkOptions` of one run.

The engine knows no provider. Everything that differs between APIs is declared here by the
adapter: what its target is called (``target_kind``), its name (``provider``), how many items a
request and an upload may hold (``max_batch``, ``max_records``), the id column of its rejects
file (``id_field``), what ends an upload (``is_fatal``), how to look at a failing target
(``diagnose``), how items are checked, encoded, sent and answered.
"""

from __future__ import annotations

import asyncio
import contextvars
import enum
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import attrs

from ..errors import ApiError, AuthenticationError, ValidationError
from ..retry import DEFAULT_RETRY, RetryPolicy
from .report import Progress

__all__ = [
    "ALWAYS_FATAL",
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_CONCURRENCY",
    "Adapter",
    "BulkOptions",
    "Verdict",
    "count_requests",
    "counting_requests",
    "is_fatal_default",
]

#: Items per request when the adapter allows more. Large enough to keep the per-request
#: overhead small, small enough that one failed request costs little.
DEFAULT_BATCH_SIZE = 500
#: Most requests in flight at once (the adaptive limit moves between 1 and this).
DEFAULT_CONCURRENCY = 16


class Verdict(enum.Enum):
    """How the engine treats one per-item answer."""

    #: Done: the service applied it (added, or removed for a removal).
    OK = "ok"
    #: Done: it was already so (already there; a removal: it was not there).
    PRESENT = "present"
    #: Not applied; try again (throttling or a transient server error).
    RETRY = "retry"
    #: Like RETRY, and the service is pushing back: slow down.
    THROTTLE = "throttle"
    #: Maybe applied, maybe not (a success status the provider reads as "outcome unknown", a
    #: lost answer): send again to find out.
    UNKNOWN = "unknown"
    #: Refused for good.
    REJECT = "reject"


class Adapter(Protocol):
    """What the engine needs to know of one provider's endpoint."""

    #: The API's name, recorded in checkpoints (a checkpoint of another API is refused).
    provider: str
    #: ``"add"`` or ``"remove"``.
    operation: str
    #: The id of what the items go to (or are removed from).
    target: Any
    #: What ``target`` names, in the provider's words (reports say "Upload to <kind> <id>").
    target_kind: str
    #: Items per request at most (``1`` for one-item endpoints), or None for no limit.
    max_batch: int | None
    #: Items per upload at most (the service's documented limit), or None for no limit;
    #: :attr:`BulkOptions.max_records` defaults to it.
    max_records: int | None
    #: The name of the id column of the rejects file (one the provider's file reader finds,
    #: so that the file can be fed back as a source).
    id_field: str

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
        ``None`` when every item was accepted (the common case, kept cheap). A ``send`` that
        makes more than one request reports the others with :func:`count_requests`.

        Raises:
            ApiError, TransportError: the whole request failed.
        """

    def encode(self, payloads: list[Any]) -> bytes | None:
        """The request body of a batch, serialised once (None when the adapter has none)."""

    def classify(self, status: int, message: str | None) -> Verdict:
        """The verdict on one per-item answer that is not a plain success."""

    def is_fatal(self, error: ApiError) -> bool:
        """Whether a whole-request error ends the upload (no retry can fix it).
        :func:`is_fatal_default` is the part every provider shares."""

    async def diagnose(self) -> ApiError | None:
        """After a run of 5xx answers, look at the target once and return the fatal error that
        explains them (a target that takes no writes any more), or None. Never raises, except
        for cancellation."""


#: The counter of the ``send`` running in this task (see :func:`count_requests`).
_EXTRA_REQUESTS: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar(
    "bulk_extra_requests", default=None
)


def count_requests(number: int = 1) -> None:
    """Called by an adapter's ``send`` for each request it makes beyond the one the engine
    counts for the call (an endpoint that refuses a batch as a whole, isolated by resending
    parts of it): the report's ``requests`` then says what was really sent. Outside a
    ``send`` of the engine it does nothing."""
    counter = _EXTRA_REQUESTS.get()
    if counter is not None:
        counter[0] += number


@contextmanager
def counting_requests() -> Iterator[list[int]]:
    """The engine's side of :func:`count_requests`: around one ``send``, a one-item list
    holding the extra requests counted in it (tasks the adapter starts inside count too)."""
    counter = [0]
    token = _EXTRA_REQUESTS.set(counter)
    try:
        yield counter
    finally:
        _EXTRA_REQUESTS.reset(token)


#: The members an adapter of earlier versions could leave out, and what they meant then.
_OPTIONAL_BEFORE: dict[str, Any] = {
    "provider": "",
    "target_kind": "campaign",
    "max_records": None,
    "id_field": "customer_id",  # deprecated alias: the rejects file's old id column
}


async def _no_diagnosis() -> None:
    return None


class _Completed:
    """An adapter of the earlier protocol with the members it left out filled in."""

    def __init__(self, adapter: Any, missing: dict[str, Any]) -> None:
        self._adapter = adapter
        self.__dict__.update(missing)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._adapter, name)


def complete(adapter: Any) -> Adapter:
    """``adapter`` itself when it declares every member of :class:`Adapter`; otherwise (an
    adapter written for an earlier version, where ``provider``, ``target_kind`` and
    ``diagnose`` were optional and ``max_records`` / ``id_field`` did not exist) a view of it
    with the earlier defaults, and a :class:`DeprecationWarning` naming what to declare."""
    missing = {
        name: default for name, default in _OPTIONAL_BEFORE.items() if not hasattr(adapter, name)
    }
    if not hasattr(adapter, "diagnose"):
        missing["diagnose"] = _no_diagnosis
    if not missing:
        return adapter  # type: ignore[no-any-return]
    warnings.warn(
        f"{type(adapter).__name__} does not declare {', '.join(sorted(missing))}: an adapter "
        "must declare every member of cc_campaigns.bulk.Adapter from the next minor version",
        DeprecationWarning,
        stacklevel=3,
    )
    completed: Adapter = _Completed(adapter, missing)
    return completed


#: Whole-request errors that end an upload whatever the provider: the credentials are refused,
#: so every other request would be refused too. Adapters add their own (see ``is_fatal``).
ALWAYS_FATAL: tuple[type[ApiError], ...] = (AuthenticationError,)


def is_fatal_default(error: ApiError) -> bool:
    """The rule every provider shares: an error of :data:`ALWAYS_FATAL` ends the upload."""
    return isinstance(error, ALWAYS_FATAL)


def _positive(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 1:
        raise ValidationError(f"{attribute.name} must be >= 1, got {value!r}")


def _optional_positive(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and value < 1:
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
    #: Items beyond this count are not sent. None (the default): the adapter's
    #: ``max_records``, the service's documented limit (no limit when it has none).
    max_records: int | None = attrs.field(default=None, validator=_optional_positive)
    #: Check items client-side as the server would (opt-out).
    validate: bool = True
    #: Send each id once; repeats are counted ``duplicate_in_input``.
    dedupe: bool = True
    #: Journal file: rerun with the same source and checkpoint to resume.
    checkpoint: str | Path | None = None
    #: File (CSV or .jsonl) that receives every item the service did not apply.
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
