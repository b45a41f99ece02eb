"""The bulk report: every submitted item in exactly one bucket, and the proof that it is so.

``submitted == added + already_present + duplicate_in_input + invalid + rejected + unknown +
not_sent``. Memory holds counters and a few samples; the per-item detail of every item that was
not added streams to the rejects file (:class:`RejectsWriter`).
"""

from __future__ import annotations

import csv
import enum
import io
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import attrs
import orjson

__all__ = ["BUCKETS", "Bucket", "BulkReport", "ItemOutcome", "Progress", "RejectsWriter"]


class Bucket(str, enum.Enum):
    """Where an item ended up."""

    #: In the campaign because of this upload (for a removal: removed).
    ADDED = "added"
    #: "Duplicate customer" on a first attempt: it was there before (removal: was not there).
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


BUCKETS: tuple[Bucket, ...] = tuple(Bucket)
_FAILED = (Bucket.INVALID, Bucket.REJECTED, Bucket.UNKNOWN, Bucket.NOT_SENT)

_LABELS = {
    "add": {
        Bucket.ADDED: "added",
        Bucket.ALREADY_PRESENT: "already in campaign",
    },
    "remove": {
        Bucket.ADDED: "removed",
        Bucket.ALREADY_PRESENT: "not in campaign",
    },
}
_COMMON_LABELS = {
    Bucket.DUPLICATE_IN_INPUT: "duplicate in input",
    Bucket.INVALID: "invalid (not sent)",
    Bucket.REJECTED: "rejected by server",
    Bucket.UNKNOWN: "outcome unknown",
    Bucket.NOT_SENT: "not sent",
}


@attrs.frozen
class ItemOutcome:
    """The final outcome of one item (what :func:`iter_bulk_add` yields, per batch)."""

    customer_id: Any
    bucket: Bucket
    http_status: int | None = None
    message: str | None = None
    schedule: str | None = None
    #: The line in the source file, or the 1-based position in an iterable.
    line: int | None = None

    @property
    def ok(self) -> bool:
        return self.bucket in (Bucket.ADDED, Bucket.ALREADY_PRESENT)


@attrs.frozen
class Progress:
    """A snapshot for ``on_progress`` (called at most a few times a second)."""

    #: Items with a final outcome.
    done: int
    #: Items in the source, when known.
    total: int | None
    added: int
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


@attrs.define
class BulkReport:
    """The outcome of a bulk upload or removal. Every submitted item is in exactly one bucket."""

    operation: str
    #: The campaign (8x8) or outdial (VoIPbin) the items went to.
    campaign_id: Any
    submitted: int = 0
    added: int = 0
    already_present: int = 0
    duplicate_in_input: int = 0
    invalid: int = 0
    rejected: int = 0
    unknown: int = 0
    not_sent: int = 0
    #: Added items whose first attempt had an unknown outcome (206, dropped connection) and whose
    #: resend said "Duplicate customer": counted in ``added``.
    confirmed_on_retry: int = 0
    #: Count per reason: the server's message or the client rule.
    reasons: dict[str, int] = attrs.field(factory=dict)
    #: A few examples per bucket (never all of them).
    samples: dict[str, list[dict[str, Any]]] = attrs.field(factory=dict)
    retries: int = 0
    batches: int = 0
    requests: int = 0
    #: Requests the service pushed back (429, 503, "Maximum limit ...").
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
    #: Items of earlier runs that were not added and are missing from this run's rejects file
    #: (the earlier runs wrote another rejects file, or none).
    rejects_partial: int = 0
    #: What ``campaign_id`` names: ``"campaign"`` (8x8) or ``"outdial"`` (VoIPbin).
    target_kind: str = "campaign"
    #: (seconds since start, concurrency limit) each time the limit changed.
    concurrency_history: list[tuple[float, int]] = attrs.field(factory=list)

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
        return int(getattr(self, bucket.value))

    def label(self, bucket: Bucket) -> str:
        return _LABELS.get(self.operation, _LABELS["add"]).get(bucket) or _COMMON_LABELS[bucket]

    def to_dict(self) -> dict[str, Any]:
        data = attrs.asdict(self, recurse=True)
        data["records_per_second"] = round(self.records_per_second, 1)
        data["elapsed"] = round(self.elapsed, 3)
        data["balanced"] = self.balanced
        data["ok"] = self.ok
        data["concurrency_history"] = [list(p) for p in self.concurrency_history]
        return data

    def to_json(self, *, indent: bool = True) -> str:
        option = orjson.OPT_INDENT_2 if indent else 0
        return orjson.dumps(self.to_dict(), option=option).decode()

    def summary(self) -> str:
        """A short text a person reads in five seconds."""
        verb = "Removal" if self.operation == "remove" else "Upload"
        where = "from" if self.operation == "remove" else "to"
        head = f"{verb} {where} {self.target_kind} {self.campaign_id}: {self.submitted:,} submitted"
        if self.dry_run:
            head += " (dry run: nothing sent)"
        lines = [head]
        width = max(len(self.label(b)) for b in BUCKETS)
        for bucket in BUCKETS:
            value = self.count(bucket)
            if value or bucket is Bucket.ADDED:
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
                f"  the items not added in this run are listed in {self.rejects}; "
                f"{self.rejects_partial:,} of earlier runs are not (they wrote another file)"
            )
        elif self.rejects:
            lines.append(f"  every item not added is listed in {self.rejects}")
        if not self.balanced:  # pragma: no cover - would be a bug in the engine
            lines.append("  WARNING: the buckets do not add up to the submitted count")
        return "\n".join(lines)

    def add_reasons(self, reasons: Counter[str] | dict[str, int]) -> None:
        for reason, count in reasons.items():
            self.reasons[reason] = self.reasons.get(reason, 0) + count


REJECT_FIELDS = ("customer_id", "schedule", "bucket", "http_status", "message", "line")


class RejectsWriter:
    """Streams every item that was not added to a CSV or JSON Lines file (by extension).

        The file can be fed back as a source: its ``customer_id`` and ``schedule`` columns are what
    :func:`~cc_campaigns.bulk.sources.read_customers` looks for. Writes go straight to the file
        descriptor (no Python buffer), so what the journal says was written is on disk for the next
        process even after a SIGKILL.
    """

    def __init__(self, path: str | Path, *, resume_offset: int | None = None) -> None:
        self.path = Path(path)
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
            self._write(_csv_line(REJECT_FIELDS))

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
            chunk = b"".join(
                _json_line(
                    {
                        "customer_id": o.customer_id,
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
                        "" if o.customer_id is None else str(o.customer_id),
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
        # orjson stops at 64 bits; customer ids go up to 1e22 (and a refused one can be larger).
        return json.dumps(record, default=str, separators=(",", ":")).encode() + b"\n"


def _csv_line(values: tuple[str, ...]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(values)
    return buffer.getvalue().encode()
