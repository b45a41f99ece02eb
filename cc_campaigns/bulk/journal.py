"""The checkpoint: a crash-safe journal of finished windows of the source.

Batches finish out of order, so a single offset cannot say what is done. The journal is a JSON
Lines file: a header, then a line when a window of the source (positions ``[start, end)``) is
first sent, and a line when it is settled, with its bucket counts. Each line goes to the file in
one ``write`` on an append-only descriptor, so a process killed at any moment (SIGKILL) leaves a
journal whose complete lines are true; a torn last line is ignored on reading.

A checkpoint belongs to one source and one target. The header names the operation, the provider
and the target; every window line carries a digest of the window's items (normalised: ``5`` and
``"5"`` are the same item). On resume the engine re-reads every journaled window and compares
digests before it sends anything: another file under the same name, an edited row, a generator
that yields other items, all stop with :class:`~cc_campaigns.errors.CheckpointMismatchError`.
When every window of the source is settled, a last line marks the checkpoint complete.

On resume, positions inside settled windows are skipped (their counts come from the journal);
positions of windows that were started but not settled were possibly applied, so an "already
there" answer to their resend counts as applied (confirmed on retry), exactly as after an
outcome-unknown status. A window is settled only when every item in it has a final answer from
the service (applied, already there, refused) or from the client (invalid, repeated): items
whose outcome is unknown, or that were never sent, keep their window open, so a rerun sends them
again.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import orjson

from ..errors import CheckpointMismatchError
from .sources import SourceRow

__all__ = ["Intervals", "Journal", "JournalState", "WindowDigest", "item_text", "items_text"]

FORMAT = "cc_campaigns.checkpoint/2"
_OLD_FORMATS = ("cc_campaigns.checkpoint/1",)
#: Bytes of a window digest (BLAKE2b): collisions are not a concern at 96 bits.
_DIGEST_SIZE = 12


def item_text(raw: Any) -> str:
    """The normalised text of one source item, as the checkpoint digests it.

    An int and its digit string are the same item; a file row is its id, schedule, read error
    and other columns; a mapping or attrs object is its sorted JSON; anything else its repr.
    """
    kind = raw.__class__
    if kind is int or kind is str:
        return str(raw)
    if kind is SourceRow:
        text = "" if raw.value is None else str(raw.value)
        if raw.schedule is not None:
            text += "\x1f" + str(raw.schedule)
        if raw.error:
            text += "\x1e" + raw.error
        if raw.extra:
            text += "\x1d" + _json_text(raw.extra)
        return text
    if isinstance(raw, dict):
        return _json_text(raw)
    if attrs.has(kind):
        return kind.__name__ + _json_text(attrs.asdict(raw))
    return repr(raw)


def items_text(items: list[Any]) -> str:
    """``item_text`` of each item, each followed by a newline (fast for ints and plain rows)."""
    if not items:
        return ""
    kinds = set(map(type, items))
    if kinds == {int}:
        return "\n".join(map(str, items)) + "\n"
    if kinds == {SourceRow} and not any(
        row.schedule is not None or row.error or row.extra or row.value is None for row in items
    ):
        return "\n".join([str(row.value) for row in items]) + "\n"
    return "".join([item_text(raw) + "\n" for raw in items])


def _json_text(value: Any) -> str:
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS, default=str).decode()
    except (TypeError, orjson.JSONEncodeError):
        # orjson stops at 64-bit integers; ids go up to 1e22.
        return json.dumps(value, sort_keys=True, default=str)


class WindowDigest:
    """The running digest of one window's items."""

    __slots__ = ("_hash",)

    def __init__(self) -> None:
        self._hash = hashlib.blake2b(digest_size=_DIGEST_SIZE)

    def update(self, text: str) -> None:
        self._hash.update(text.encode("utf-8", "surrogatepass"))

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


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
    """What a journal says: settled and started windows, their digests, the settled counts."""

    def __init__(self) -> None:
        self.header: dict[str, Any] = {}
        self.done: list[tuple[int, int]] = []
        self.started: list[tuple[int, int]] = []
        #: Every journaled window (settled or not) with the digest of its items.
        self.windows: dict[tuple[int, int], str] = {}
        self.counts: dict[str, int] = {}
        self.reasons: dict[str, int] = {}
        #: The rejects file of the runs so far, and how far it holds settled windows' items.
        self.rejects_path: str | None = None
        self.rejects_offset: int | None = None
        #: Items of settled windows that are not in that rejects file (an earlier run wrote
        #: another one, or none).
        self.rejects_missing = 0
        self.retries = 0
        self.batches = 0
        self.requests = 0
        self.throttled = 0
        self.confirmed_on_retry = 0
        #: Set when every window of the source was settled: the source's item count.
        self.complete: int | None = None
        #: Positions counted ``duplicate_in_input`` in settled windows.
        self.repeats: list[int] = []
        #: Of those, the ones a later run sent after all (their first occurrence lapsed).
        self.resent: set[int] = set()

    @property
    def done_intervals(self) -> Intervals:
        return Intervals(self.done)

    @property
    def repeat_intervals(self) -> Intervals:
        return Intervals([(p, p + 1) for p in self.repeats if p not in self.resent])

    @property
    def pending_intervals(self) -> Intervals:
        """Windows started but never settled: their items may have been applied."""
        return Intervals(self.started)

    @property
    def covered(self) -> int:
        """The end of the last journaled window: the source is verified up to here."""
        return max((end for _, end in self.windows), default=0)


class Journal:
    """Append-only checkpoint file for one upload.

    Args:
        path: The checkpoint file; created if missing, resumed if present.
        operation: ``"add"`` or ``"remove"``; a checkpoint of another operation is refused.
        target: The target's id; a checkpoint of another target is refused.
        provider: The API's name (``Adapter.provider``); a checkpoint of another one is refused.
        target_kind: What ``target`` names (``Adapter.target_kind``).
        restart: Forget what the file says and start a new checkpoint in it.

    Raises:
        CheckpointMismatchError: the file is not a checkpoint, or one of another upload.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        operation: str,
        target: Any,
        provider: str = "",
        target_kind: str = "campaign",
        restart: bool = False,
    ) -> None:
        self.path = Path(path)
        self.operation = operation
        self.target = str(target)
        self.provider = provider
        self.target_kind = target_kind
        #: The file ends in a torn line (a kill mid-write).
        self._torn = False
        self.state = JournalState() if restart else self._load()
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | (os.O_TRUNC if restart else 0)
        fd = os.open(self.path, flags, 0o644)
        self._fd = fd
        if self._torn:
            # End the torn line a kill left behind, or the next entry would be glued to it
            # (and lost with it on the next reading).
            os.write(fd, b"\n")
        if not self.state.header:
            header = {
                "format": FORMAT,
                "operation": operation,
                "provider": provider,
                "target": self.target,
                "target_kind": target_kind,
            }
            self.state.header = header
            self._append(header)

    @property
    def resuming(self) -> bool:
        return bool(self.state.windows)

    def _load(self) -> JournalState:
        state = JournalState()
        if not self.path.exists():
            return state
        try:
            with self.path.open("rb") as handle:
                data = handle.read()
        except OSError as err:
            raise CheckpointMismatchError(
                f"cannot read checkpoint {self.path}: {err.strerror or err}", path=str(self.path)
            ) from None
        if not data.strip():
            return state
        self._torn = not data.endswith(b"\n")
        lines = data.split(b"\n")
        self._check_header(lines[0])
        for raw in lines:
            if not raw.strip():
                continue
            try:
                entry = orjson.loads(raw)
            except orjson.JSONDecodeError:
                continue  # a torn last line from a kill mid-write
            if not isinstance(entry, dict):
                continue
            try:
                self._read_entry(state, entry)
            except (TypeError, ValueError, IndexError, KeyError, AttributeError):
                continue  # a line this version cannot read: not trusted, not counted
        finished = set(state.done)
        state.started = [window for window in state.started if window not in finished]
        return state

    @staticmethod
    def _read_entry(state: JournalState, entry: dict[str, Any]) -> None:
        if "format" in entry:
            state.header = entry
        elif "s" in entry:
            window = (int(entry["s"][0]), int(entry["s"][1]))
            state.started.append(window)
            state.windows[window] = str(entry.get("h", ""))
        elif "d" in entry:
            window = (int(entry["d"][0]), int(entry["d"][1]))
            counts = {str(k): int(v) for k, v in entry.get("c", {}).items()}
            reasons = {str(k): int(v) for k, v in entry.get("r", {}).items()}
            repeats = [int(p) for p in entry.get("dp", ())]
            state.done.append(window)
            state.windows[window] = str(entry.get("h", ""))
            state.repeats.extend(repeats)
            state.resent.update(int(p) for p in entry.get("rs", ()))
            for key, value in counts.items():
                state.counts[key] = state.counts.get(key, 0) + value
            for key, value in reasons.items():
                state.reasons[key] = state.reasons.get(key, 0) + value
            state.retries += int(entry.get("rt", 0))
            state.requests += int(entry.get("rq", 0))
            state.throttled += int(entry.get("th", 0))
            state.confirmed_on_retry += int(entry.get("cr", 0))
            state.batches += 1
            if entry.get("rj") is not None:
                state.rejects_offset = int(entry["rj"])
        elif "w" in entry:
            window = (int(entry["w"][0]), int(entry["w"][1]))
            state.windows[window] = str(entry.get("h", ""))
        elif "rf" in entry:
            path = entry["rf"]
            if path != state.rejects_path:
                state.rejects_path = None if path is None else str(path)
                state.rejects_offset = None
            state.rejects_missing = int(entry.get("m", 0))
        elif "complete" in entry:
            state.complete = int(entry["complete"])

    def _check_header(self, first: bytes) -> None:
        try:
            header = orjson.loads(first)
        except orjson.JSONDecodeError:
            header = None
        where = str(self.path)
        if not isinstance(header, dict) or "format" not in header:
            raise CheckpointMismatchError(
                f"{where} is not a cc_campaigns checkpoint (it does not start with one's "
                "header line); name another checkpoint file. It was left as it is.",
                path=where,
            )
        if header.get("format") in _OLD_FORMATS:
            raise CheckpointMismatchError(
                f"checkpoint {where} was written by an older cc_campaigns that did not record "
                "what it read, so it cannot be checked against this source; start over with "
                "restart=True (CLI: --restart) or name another checkpoint file",
                path=where,
            )
        if header.get("format") != FORMAT:
            raise CheckpointMismatchError(
                f"{where} is not a cc_campaigns checkpoint this version can read "
                f"(format {header.get('format')!r})",
                path=where,
            )
        mine = (self.operation, self.provider, self.target)
        theirs = (header.get("operation"), header.get("provider", ""), header.get("target"))
        if theirs != mine:
            provider = f"{theirs[1]} " if theirs[1] else ""
            kind = header.get("target_kind") or "target"
            raise CheckpointMismatchError(
                f"checkpoint {where} belongs to a {theirs[0]} on {provider}{kind} {theirs[2]}, "
                f"not a {self.operation} on {self.provider + ' ' if self.provider else ''}"
                f"{self.target_kind} {self.target}: use another checkpoint file, or start "
                "over with restart=True (CLI: --restart)",
                path=where,
            )

    def _append(self, entry: dict[str, Any]) -> None:
        os.write(self._fd, orjson.dumps(entry) + b"\n")

    def started(self, start: int, end: int, digest: str = "") -> None:
        """A window is being sent: its items may be applied from now on."""
        self._append({"s": [start, end], "h": digest})

    def unsent(self, start: int, end: int, digest: str = "") -> None:
        """A window was read but will not be sent (the upload is stopping): only its digest is
        recorded, so that a resume checks every item it read before, in every window (a
        repeat counted in a later window depends on the items before it)."""
        self._append({"w": [start, end], "h": digest})

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
        digest: str = "",
        repeats: list[int] | None = None,
        resent: list[int] | None = None,
    ) -> None:
        entry: dict[str, Any] = {"d": [start, end], "h": digest, "c": counts}
        if repeats:
            entry["dp"] = repeats
        if resent:
            entry["rs"] = resent
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

    def rejects_file(self, path: str | None, missing: int) -> None:
        """Record the rejects file of this run (``None``: none), and how many items of the
        windows settled so far it lacks; its offsets follow in the window lines."""
        self._append({"rf": path, "m": missing})

    def complete(self, items: int) -> None:
        """Mark the checkpoint complete: every one of the source's ``items`` is settled."""
        self._append({"complete": items})

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
