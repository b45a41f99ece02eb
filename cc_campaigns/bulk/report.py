"""The bulk report: every submitted item in exactly one bucket, and the proof that it is so.

``submitted == applied + already_present + duplicate_in_input + invalid + rejected + unknown +
not_sent``. Memory holds counters and a few samples; the per-item detail of every item the
service did not apply streams to the rejects file (:class:`RejectsWriter`).

The vocabulary reads right for every provider and operation: an item is *applied* (added, or
removed for a removal), its id is ``item_id`` (a number, a phone number), the report's
``target`` is what the items went to. The bucket *values* (``"added"``, ``"not_sent"``, ...)
are a stored format, kept as they were: checkpoints, rejects files and JSON reports hold them.
"""

from __future__ import annotations

import csv
import enum
import io
import json
import os
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import orjson

from ._deprecation import old_keywords, warn_renamed

__all__ = ["BUCKETS", "Bucket", "BulkReport", "ItemOutcome", "Progress", "RejectsWriter"]


class _BucketType(enum.EnumMeta):
    """Resolves the deprecated member names (with a warning)."""

    def __getattr__(cls, name: str) -> Any:
        if name == "ADDED":
            warn_renamed("Bucket.ADDED", "Bucket.APPLIED")
            return cls.APPLIED
        raise AttributeError(name)

    def __getitem__(cls, name: str) -> Any:
        if name == "ADDED":
            warn_renamed("Bucket['ADDED']", "Bucket.APPLIED")
            name = "APPLIED"
        return super().__getitem__(name)


class Bucket(str, enum.Enum, metaclass=_BucketType):
    """Where an item ended up. The values are what checkpoints, rejects files and JSON reports
    hold (unchanged by the renaming of ``ADDED`` to ``APPLIED``)."""

    #: The service confirmed the change: in the target because of this run (for a removal:
    #: removed from it).
    APPLIED = "added"
    #: Already so on a first attempt: it was there before (a removal: it was not there).
    ALREADY_PRESENT = "already_present"
    #: Repeated in the source; sent once.
    DUPLICATE_IN_INPUT = "duplicate_in_input"
    #: Refused client-side, never sent.
    INVALID = "invalid"
    #: Refused for good by the service: its answer names this item (or the whole request).
    REJECTED = "rejected"
    #: May have been applied (no answer, a timeout, an answer that is not the API's), and no
    #: resend confirmed it yet: a rerun with the checkpoint sends it again and finds out.
    UNKNOWN = "unknown"
    #: Not applied: never attempted (over max_records, aborted, interrupted, the service could
    #: not be reached) or refused for the moment until the retries ran out (throttled,
    #: unavailable). A rerun with the checkpoint sends it.
    NOT_SENT = "not_sent"

    if TYPE_CHECKING:
        #: Deprecated alias of :attr:`APPLIED` (warns).
        ADDED: Bucket


BUCKETS: tuple[Bucket, ...] = tuple(Bucket)
#: The report's counter of each bucket.
FIELDS: dict[Bucket, str] = {bucket: bucket.name.lower() for bucket in Bucket}
_FAILED = (Bucket.INVALID, Bucket.REJECTED, Bucket.UNKNOWN, Bucket.NOT_SENT)

_LABELS = {
    "add": {
        Bucket.APPLIED: "added",
        Bucket.ALREADY_PRESENT: "already in {kind}",
    },
    "remove": {
        Bucket.APPLIED: "removed",
        Bucket.ALREADY_PRESENT: "not in {kind}",
    },
}
_COMMON_LABELS = {
    Bucket.DUPLICATE_IN_INPUT: "duplicate in input",
    Bucket.INVALID: "invalid (not sent)",
    Bucket.REJECTED: "rejected by server",
    Bucket.UNKNOWN: "outcome unknown",
    Bucket.NOT_SENT: "not sent",
}


@old_keywords({"customer_id": "item_id"})  # deprecated alias
@attrs.frozen
class ItemOutcome:
    """The final outcome of one item (what :func:`iter_bulk_add` yields, per batch)."""

    #: The item's id, as the report and the rejects file name it.
    item_id: Any
    bucket: Bucket
    http_status: int | None = None
    message: str | None = None
    schedule: str | None = None
    #: The line in the source file, or the 1-based position in an iterable.
    line: int | None = None

    @property
    def ok(self) -> bool:
        return self.bucket in (Bucket.APPLIED, Bucket.ALREADY_PRESENT)

    @property
    def customer_id(self) -> Any:  # deprecated alias
        """Deprecated alias of :attr:`item_id`."""
        warn_renamed("ItemOutcome.customer_id", "ItemOutcome.item_id")  # deprecated alias
        return self.item_id


@old_keywords({"added": "applied"})
@attrs.frozen
class Progress:
    """A snapshot for ``on_progress`` (called at most a few times a second)."""

    #: Items with a final outcome.
    done: int
    #: Items in the source, when known.
    total: int | None
    #: Items the service confirmed (added, or removed for a removal).
    applied: int
    #: Items that ended invalid, rejected, unknown or not sent.
    failed: int
    #: Items per second so far.
    rate: float
    #: Seconds left at the current rate, when the total is known.
    eta: float | None
    in_flight: int
    concurrency: int
    retries: int
    elapsed: float

    @property
    def added(self) -> int:
        """Deprecated alias of :attr:`applied`."""
        warn_renamed("Progress.added", "Progress.applied")
        return self.applied


@old_keywords({"added": "applied", "campaign_id": "target"})
@attrs.define
class BulkReport:
    """The outcome of a bulk upload or removal. Every submitted item is in exactly one bucket."""

    operation: str
    #: The id of what the items went to (its kind: :attr:`target_kind`).
    target: Any
    submitted: int = 0
    #: Items the service confirmed (added, or removed for a removal).
    applied: int = 0
    already_present: int = 0
    duplicate_in_input: int = 0
    invalid: int = 0
    rejected: int = 0
    unknown: int = 0
    not_sent: int = 0
    #: Applied items whose first attempt had an unknown outcome (an outcome-unknown status, a
    #: dropped connection) and whose resend said "already there": counted in ``applied``.
    confirmed_on_retry: int = 0
    #: Count per reason: the server's message or the client rule.
    reasons: dict[str, int] = attrs.field(factory=dict)
    #: A few examples per bucket (never all of them).
    samples: dict[str, list[dict[str, Any]]] = attrs.field(factory=dict)
    retries: int = 0
    batches: int = 0
    requests: int = 0
    #: Requests the service pushed back (429, 503, a refusal the provider reads as "back off").
    throttled: int = 0
    elapsed: float = 0.0
    aborted: bool = False
    abort_reason: str | None = None
    #: Items restored from the checkpoint instead of being sent again.
    resumed: bool = False
    resumed_items: int = 0
    checkpoint: str | None = None
    rejects: str | None = None
    dry_run: bool = False
    #: The checkpoint said this upload had completed: nothing was sent, the counts are its.
    already_complete: bool = False
    #: Items of earlier runs that were not applied and are missing from this run's rejects file
    #: (the earlier runs wrote another rejects file, or none).
    rejects_partial: int = 0
    #: What ``target`` names, in the provider's words (``"campaign"``, ...).
    target_kind: str = "campaign"
    #: (seconds since start, concurrency limit) each time the limit changed.
    concurrency_history: list[tuple[float, int]] = attrs.field(factory=list)

    @property
    def added(self) -> int:
        """Deprecated alias of :attr:`applied`."""
        warn_renamed("BulkReport.added", "BulkReport.applied")
        return self.applied

    @added.setter
    def added(self, value: int) -> None:
        warn_renamed("BulkReport.added", "BulkReport.applied")
        self.applied = value

    @property
    def campaign_id(self) -> Any:
        """Deprecated alias of :attr:`target`."""
        warn_renamed("BulkReport.campaign_id", "BulkReport.target")
        return self.target

    @campaign_id.setter
    def campaign_id(self, value: Any) -> None:
        warn_renamed("BulkReport.campaign_id", "BulkReport.target")
        self.target = value

    @property
    def records_per_second(self) -> float:
        """Items resolved per second of this run."""
        return self.submitted / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def failed(self) -> int:
        return self.invalid + self.rejected + self.unknown + self.not_sent

    @property
    def ok(self) -> bool:
        """True when nothing ended invalid, rejected, unknown or not sent."""
        return self.failed == 0 and not self.aborted

    @property
    def balanced(self) -> bool:
        """The report's invariant: the buckets add up to ``submitted``."""
        return self.submitted == sum(self.count(b) for b in BUCKETS)

    def count(self, bucket: Bucket) -> int:
        """The number of items in ``bucket``."""
        return int(getattr(self, FIELDS[bucket]))

    def label(self, bucket: Bucket) -> str:
        """The bucket's name in a summary, in the words of the operation and the target."""
        label = _LABELS.get(self.operation, _LABELS["add"]).get(bucket)
        if label is None:
            return _COMMON_LABELS[bucket]
        return label.format(kind=self.target_kind)

    def to_dict(self) -> dict[str, Any]:
        data = attrs.asdict(self, recurse=True)
        data["records_per_second"] = round(self.records_per_second, 1)
        data["elapsed"] = round(self.elapsed, 3)
        data["balanced"] = self.balanced
        data["ok"] = self.ok
        data["concurrency_history"] = [list(p) for p in self.concurrency_history]
        # The old keys, for one minor version: scripts that read them keep working.
        data["added"] = self.applied
        data["campaign_id"] = self.target
        return data

    def to_json(self, *, indent: bool = True) -> str:
        option = orjson.OPT_INDENT_2 if indent else 0
        return orjson.dumps(self.to_dict(), option=option).decode()

    def summary(self) -> str:
        """A short text a person reads in five seconds."""
        verb = "Removal" if self.operation == "remove" else "Upload"
        where = "from" if self.operation == "remove" else "to"
        head = f"{verb} {where} {self.target_kind} {self.target}: {self.submitted:,} submitted"
        if self.dry_run:
            head += " (dry run: nothing sent)"
        lines = [head]
        width = max(len(self.label(b)) for b in BUCKETS)
        for bucket in BUCKETS:
            value = self.count(bucket)
            if value or bucket is Bucket.APPLIED:
                lines.append(f"  {self.label(bucket):<{width}}  {value:>12,}")
        if self.confirmed_on_retry:
            lines.append(f"  ({self.confirmed_on_retry:,} added confirmed on a resend)")
        if self.reasons:
            top = sorted(self.reasons.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
            lines.append("  top reasons: " + "; ".join(f"{r} ({n:,})" for r, n in top))
        lines.append(
            f"  {self.elapsed:.1f}s, {self.records_per_second:,.0f} records/s, "
            f"{self.requests:,} requests, {self.retries:,} retries, {self.throttled:,} throttled"
        )
        if self.already_complete:
            lines.append(
                f"  already complete: the checkpoint holds the finished upload of this source "
                f"({self.resumed_items:,} items); nothing was sent"
            )
        elif self.resumed:
            lines.append(f"  resumed: {self.resumed_items:,} items restored from the checkpoint")
        if self.aborted:
            lines.append(f"  ABORTED: {self.abort_reason}")
        unsettled = self.unknown + self.not_sent
        if unsettled and self.checkpoint and not self.dry_run:
            lines.append(
                f"  {unsettled:,} items have no final answer yet: run again with the same "
                "checkpoint to send them"
            )
        if self.rejects and self.rejects_partial:
            lines.append(
                f"  the items not applied in this run are listed in {self.rejects}; "
                f"{self.rejects_partial:,} of earlier runs are not (they wrote another file)"
            )
        elif self.rejects:
            lines.append(f"  every item not applied is listed in {self.rejects}")
        if not self.balanced:  # pragma: no cover - would be a bug in the engine
            lines.append("  WARNING: the buckets do not add up to the submitted count")
        return "\n".join(lines)

    def add_reasons(self, reasons: Counter[str] | dict[str, int]) -> None:
        for reason, count in reasons.items():
            self.reasons[reason] = self.reasons.get(reason, 0) + count


#: The id column of a rejects file unless the adapter names its own (``Adapter.id_field``).
DEFAULT_ID_FIELD = "item_id"
#: The columns of a rejects file after the id column.
REJECT_FIELDS = ("schedule", "bucket", "http_status", "message", "line")


class RejectsWriter:
    """Streams every item the service did not apply to a CSV or JSON Lines file (by extension).

    The file can be fed back as a source: its id column (named by the adapter, so that the
    provider's reader finds it) and its ``schedule`` column are what the readers look for.
    Writes go straight to the file descriptor (no Python buffer), so what the journal says was
    written is on disk for the next process even after a SIGKILL.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        resume_offset: int | None = None,
        id_field: str = DEFAULT_ID_FIELD,
    ) -> None:
        self.path = Path(path)
        #: The name of the id column (CSV) or key (JSON Lines).
        self.id_field = id_field
        name = self.path.name.lower()
        self.jsonl = name.endswith((".jsonl", ".json", ".ndjson"))
        fresh = resume_offset is None or not self.path.exists()
        flags = os.O_WRONLY | os.O_CREAT
        self._fd = os.open(self.path, flags, 0o644)
        if fresh:
            os.ftruncate(self._fd, 0)
            self.offset = 0
        else:
            os.ftruncate(self._fd, resume_offset or 0)
            self.offset = resume_offset or 0
        os.lseek(self._fd, self.offset, os.SEEK_SET)
        if self.offset == 0 and not self.jsonl:
            self._write(_csv_line((id_field, *REJECT_FIELDS)))

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        self.offset += len(data)

    def write(self, outcomes: list[ItemOutcome]) -> None:
        if not outcomes:
            return
        if self.jsonl:
            id_field = self.id_field
            chunk = b"".join(
                _json_line(
                    {
                        id_field: o.item_id,
                        "schedule": o.schedule,
                        "bucket": o.bucket.value,
                        "http_status": o.http_status,
                        "message": o.message,
                        "line": o.line,
                    }
                )
                for o in outcomes
            )
        else:
            chunk = b"".join(
                _csv_line(
                    (
                        "" if o.item_id is None else str(o.item_id),
                        o.schedule or "",
                        o.bucket.value,
                        "" if o.http_status is None else str(o.http_status),
                        o.message or "",
                        "" if o.line is None else str(o.line),
                    )
                )
                for o in outcomes
            )
        self._write(chunk)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def _json_line(record: dict[str, Any]) -> bytes:
    try:
        return orjson.dumps(record, default=str) + b"\n"
    except orjson.JSONEncodeError:
        # orjson stops at 64 bits; ids can go up to 1e22 (and a refused one can be larger).
        return json.dumps(record, default=str, separators=(",", ":")).encode() + b"\n"


def _csv_line(values: tuple[str, ...]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(values)
    return buffer.getvalue().encode()
