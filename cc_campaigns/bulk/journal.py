"""The checkpoint: a crash-safe journal of finished windows of the source.

Batches finish out of order, so a single offset cannot say what is done. The journal is a JSON
Lines file: a header, then a line when a window of the source (positions ``[start, end)``) is
first sent, and a line when it is finished, with its bucket counts. Each line goes to the file in
one ``write`` on an append-only descriptor, so a process killed at any moment (SIGKILL) leaves a
journal whose complete lines are true; a torn last line is ignored on reading.

On resume, positions inside finished windows are skipped (their counts come from the journal);
positions of windows that were started but not finished were possibly applied, so a "Duplicate
customer" on their resend counts as added (confirmed on retry), exactly as after a 206.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from ..errors import ValidationError

__all__ = ["Intervals", "Journal", "JournalState"]

FORMAT = "cc_campaigns.checkpoint/1"


class Intervals:
    """A sorted set of disjoint half-open integer intervals, with a cursor for increasing probes."""

    def __init__(self, pairs: list[tuple[int, int]] | None = None) -> None:
        merged: list[list[int]] = []
        for start, end in sorted(pairs or []):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self.pairs = [(a, b) for a, b in merged]
        self._cursor = 0

    def __len__(self) -> int:
        return len(self.pairs)

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return iter(self.pairs)

    def size(self) -> int:
        return sum(b - a for a, b in self.pairs)

    def contains_increasing(self, position: int) -> bool:
        """Membership for positions probed in increasing order (amortised O(1))."""
        pairs = self.pairs
        cursor = self._cursor
        while cursor < len(pairs) and pairs[cursor][1] <= position:
            cursor += 1
        self._cursor = cursor
        return cursor < len(pairs) and pairs[cursor][0] <= position


class JournalState:
    """What a journal says: finished and started windows, the counts of the finished ones."""

    def __init__(self) -> None:
        self.header: dict[str, Any] = {}
        self.done: list[tuple[int, int]] = []
        self.started: list[tuple[int, int]] = []
        self.counts: dict[str, int] = {}
        self.reasons: dict[str, int] = {}
        self.rejects_offset: int | None = None
        self.retries = 0
        self.batches = 0
        self.requests = 0
        self.throttled = 0
        self.confirmed_on_retry = 0

    @property
    def done_intervals(self) -> Intervals:
        return Intervals(self.done)

    @property
    def pending_intervals(self) -> Intervals:
        """Windows started but never finished: their items may have been applied."""
        return Intervals(self.started)


class Journal:
    """Append-only checkpoint file for one upload.

    Args:
        path: The checkpoint file; created if missing, resumed if present.
        operation: ``"add"`` or ``"remove"``; a checkpoint of another operation is refused.
        target: The campaign (or outdial) id; a checkpoint of another target is refused.
    """

    def __init__(self, path: str | Path, *, operation: str, target: Any) -> None:
        self.path = Path(path)
        self.operation = operation
        self.target = str(target)
        #: The file ends in a torn line (a kill mid-write).
        self._torn = False
        self.state = self._load()
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self._fd = fd
        if self._torn:
            # End the torn line a kill left behind, or the next entry would be glued to it
            # (and lost with it on the next reading).
            os.write(fd, b"\n")
        if not self.state.header:
            header = {"format": FORMAT, "operation": operation, "target": self.target}
            self.state.header = header
            self._append(header)

    @property
    def resuming(self) -> bool:
        return bool(self.state.done or self.state.started)

    def _load(self) -> JournalState:
        state = JournalState()
        if not self.path.exists():
            return state
        with self.path.open("rb") as handle:
            data = handle.read()
        self._torn = bool(data) and not data.endswith(b"\n")
        lines = data.split(b"\n")
        for raw in lines:
            if not raw.strip():
                continue
            try:
                entry = orjson.loads(raw)
            except orjson.JSONDecodeError:
                continue  # a torn last line from a kill mid-write
            if not isinstance(entry, dict):
                continue
            if "format" in entry:
                self._check_header(entry)
                state.header = entry
            elif "s" in entry:
                state.started.append((int(entry["s"][0]), int(entry["s"][1])))
            elif "d" in entry:
                state.done.append((int(entry["d"][0]), int(entry["d"][1])))
                for key, value in entry.get("c", {}).items():
                    state.counts[key] = state.counts.get(key, 0) + int(value)
                for key, value in entry.get("r", {}).items():
                    state.reasons[key] = state.reasons.get(key, 0) + int(value)
                state.retries += int(entry.get("rt", 0))
                state.requests += int(entry.get("rq", 0))
                state.throttled += int(entry.get("th", 0))
                state.confirmed_on_retry += int(entry.get("cr", 0))
                state.batches += 1
                if entry.get("rj") is not None:
                    state.rejects_offset = int(entry["rj"])
        finished = set(state.done)
        state.started = [window for window in state.started if window not in finished]
        return state

    def _check_header(self, header: dict[str, Any]) -> None:
        if header.get("format") != FORMAT:
            raise ValidationError(f"{self.path} is not a cc_campaigns checkpoint")
        if header.get("operation") != self.operation or header.get("target") != self.target:
            raise ValidationError(
                f"checkpoint {self.path} belongs to a {header.get('operation')} on "
                f"{header.get('target')}, not a {self.operation} on {self.target}: "
                "use another checkpoint file"
            )

    def _append(self, entry: dict[str, Any]) -> None:
        os.write(self._fd, orjson.dumps(entry) + b"\n")

    def started(self, start: int, end: int) -> None:
        self._append({"s": [start, end]})

    def finished(
        self,
        start: int,
        end: int,
        *,
        counts: dict[str, int],
        reasons: dict[str, int],
        retries: int,
        requests: int,
        throttled: int,
        confirmed_on_retry: int,
        rejects_offset: int | None,
    ) -> None:
        entry: dict[str, Any] = {"d": [start, end], "c": counts}
        if reasons:
            entry["r"] = reasons
        if retries:
            entry["rt"] = retries
        if requests:
            entry["rq"] = requests
        if throttled:
            entry["th"] = throttled
        if confirmed_on_retry:
            entry["cr"] = confirmed_on_retry
        if rejects_offset is not None:
            entry["rj"] = rejects_offset
        self._append(entry)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
