"""The lines of a file and the row type: the low level of the file reader (:mod:`.sources`).

The file is read as bytes, a block at a time, and decoded per block; only a block holding bytes
that do not decode is looked at line by line, so clean files keep the C-speed path.
"""

from __future__ import annotations

import codecs
import collections
import gzip
import io
import itertools
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from ..errors import SourceError

#: Bytes read (and decoded) at a time.
BLOCK_SIZE = 1 << 19
#: Longest line read, in characters with its line ending; a longer one is an invalid row (and
#: is never held in memory whole).
MAX_LINE = 1 << 20
#: Longest id read, in characters (ids of the known services are at most 23 digits).
MAX_ID_LENGTH = 256

# Reasons of unreadable rows: categories without values (a report counts rows per reason).
LINE_TOO_LONG = f"line is longer than {MAX_LINE:,} characters"
ID_TOO_LONG = f"id is longer than {MAX_ID_LENGTH} characters"

#: What a run of undecodable bytes is replaced by while a block is decoded: a lone surrogate,
#: which no decoder produces from valid input.
_MARK = "\udcff"
_MARK_ERRORS = "cc_campaigns.mark"


def _mark(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return _MARK, error.end


codecs.register_error(_MARK_ERRORS, _mark)

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class SourceRow:
    """One record read from a file: the raw id text, the raw schedule text, the line number.

    ``error`` is set when the row itself could not be read; the engine reports it as invalid.
    """

    __slots__ = ("error", "extra", "line", "schedule", "value")

    def __init__(
        self,
        value: Any,
        schedule: Any = None,
        line: int | None = None,
        error: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.value = value
        self.schedule = schedule
        self.line = line
        self.error = error
        #: Other columns of the row, for providers whose items carry more than an id.
        self.extra = extra

    def __repr__(self) -> str:
        return (
            f"SourceRow(value={self.value!r}, schedule={self.schedule!r}, line={self.line!r}"
            + (f", error={self.error!r}" if self.error else "")
            + ")"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SourceRow):
            return NotImplemented
        return (self.value, self.schedule, self.line, self.error) == (
            other.value,
            other.schedule,
            other.line,
            other.error,
        )

    __hash__ = None  # type: ignore[assignment]


class _Lines:
    """The lines of a file, decoded a block at a time, with the unusable ones set aside.

    :meth:`stream` gives every line with its line ending, split as ``open(..., newline="")``
    splits (at ``\\n``, ``\\r\\n`` or ``\\r``). A line that cannot be used (bytes that do not
    decode, longer than :data:`MAX_LINE`) is replaced by its bare line ending and listed in
    ``flagged`` as (line number, reason); a line long enough to hold an over-long id is listed
    with reason ``None`` so that the reader looks at its id. Clean blocks cost one decode, one
    split and a few whole-block checks at C speed.
    """

    def __init__(self, path: str | Path, encoding: str) -> None:
        self.path = path
        self.name = "standard input" if str(path) == "-" else str(path)
        self.encoding = encoding
        self.flagged: collections.deque[tuple[int, str | None]] = collections.deque()
        #: Lines handed out so far.
        self.count = 0
        try:
            codec = codecs.lookup(encoding)
        except LookupError:
            raise SourceError(
                f"cannot read {self.name}: unknown text encoding {encoding!r}", path=str(path)
            ) from None
        if not getattr(codec, "_is_text_encoding", True):
            raise SourceError(
                f"cannot read {self.name}: {encoding!r} is not a text encoding", path=str(path)
            )
        # Excel's "CSV UTF-8" starts with a byte order mark: without utf-8-sig it would be glued
        # to the first header name (or the first id) and that column would not be found.
        self._codec = "utf-8-sig" if codec.name == "utf-8" else codec.name
        self.bad_bytes = f"bytes that are not valid {encoding} text (another encoding?)"
        self._handle = self._open()

    def _open(self) -> IO[bytes]:
        if str(self.path) == "-":
            buffer = getattr(sys.stdin, "buffer", None)
            if buffer is None:
                raise SourceError("standard input cannot be read as bytes", path="-")
            return buffer  # type: ignore[no-any-return]
        target = Path(self.path)
        try:
            if target.suffix.lower() == ".gz":
                return gzip.open(target, "rb")  # type: ignore[return-value]
            return target.open("rb")
        except FileNotFoundError:
            problem = "input file not found"
        except IsADirectoryError:
            problem = "the input is a directory, not a file"
        except PermissionError:
            problem = "no permission to read the input file"
        except OSError as err:
            problem = f"cannot open the input file ({err.strerror or err})"
        raise SourceError(f"{problem}: {target}", path=str(target))

    def close(self) -> None:
        if str(self.path) != "-":
            self._handle.close()

    def _read(self, read: Any) -> bytes:
        try:
            return read(BLOCK_SIZE)  # type: ignore[no-any-return]
        except (OSError, EOFError, zlib.error) as err:
            where = f"after line {self.count:,}" if self.count else "at its start"
            if str(self.path).lower().endswith(".gz"):
                detail = f"the gzip data is truncated or corrupt ({err})"
            else:
                detail = getattr(err, "strerror", None) or str(err)
            raise SourceError(
                f"cannot read {self.name} {where}: {detail}", path=str(self.path), line=self.count
            ) from None

    def stream(self) -> Iterator[str]:
        """Every line of the file (see the class)."""
        return itertools.chain.from_iterable(self._blocks())

    def _blocks(self) -> Iterator[list[str]]:
        handle = self._handle
        read = getattr(handle, "read1", handle.read)
        data = self._read(read)
        codec = self._codec
        if codec == "utf-8-sig":
            # A UTF-16 or UTF-32 file (Excel's "Unicode text") says so in its first bytes.
            codec = next((name for bom, name in _BOMS if data.startswith(bom)), codec)
        decoder = codecs.getincrementaldecoder(codec)(_MARK_ERRORS)
        held = carry = ""
        skipping = False  # dropping the rest of an over-long line
        while True:
            final = not data
            try:
                text = held + decoder.decode(data, final)
            except UnicodeError as err:  # e.g. "utf-16" without a byte order mark
                where = f"after line {self.count:,}" if self.count else "at its start"
                raise SourceError(
                    f"cannot read {self.name} {where} as {self.encoding} text: {err}",
                    path=str(self.path),
                    line=self.count,
                ) from None
            held = ""
            if final:
                cut = len(text)
            else:
                if text.endswith("\r"):  # its "\n" may be in the next block
                    held, text = "\r", text[:-1]
                cut = max(text.rfind("\n"), text.rfind("\r")) + 1
            body, rest = text[:cut], text[cut:]
            lines: list[str] = []
            if skipping and (body or final):
                end = _end_of_first_line(body)
                lines.append(_ending(body[:end]))
                self.flagged.append((self.count + 1, LINE_TOO_LONG))
                body, skipping = body[end:], False
            elif body or (final and carry):
                body, carry = carry + body, ""
            if body:
                lines += _split_lines(body)
            if lines:
                first = self.count
                self.count += len(lines)
                if max(map(len, lines)) > min(MAX_ID_LENGTH, MAX_LINE) or (
                    not body.isascii() and _MARK in body
                ):
                    self._inspect(lines, first)
                yield lines
            if final:
                return
            if not skipping:
                carry += rest
                if len(carry) > MAX_LINE:
                    carry, skipping = "", True
            data = self._read(read)

    def _inspect(self, lines: list[str], first: int) -> None:
        flagged = self.flagged
        for index, line in enumerate(lines):
            if _MARK in line:
                lines[index] = _ending(line)
                flagged.append((first + index + 1, self.bad_bytes))
            elif len(line) > MAX_LINE:
                lines[index] = _ending(line)
                flagged.append((first + index + 1, LINE_TOO_LONG))
            elif len(line) > MAX_ID_LENGTH:
                flagged.append((first + index + 1, None))


def _split_lines(text: str) -> list[str]:
    """``text`` split as ``open(..., newline="")`` splits it: at ``\\n``, ``\\r\\n`` and ``\\r``
    only, keeping the endings. ``str.splitlines`` does the same faster unless the text holds
    one of the other characters it breaks at."""
    if text.isascii() and not (
        "\v" in text or "\f" in text or "\x1c" in text or "\x1d" in text or "\x1e" in text
    ):
        return text.splitlines(keepends=True)
    return io.StringIO(text, newline="").readlines()


def _end_of_first_line(text: str) -> int:
    """The index just past the first line ending of ``text`` (its length when there is none)."""
    ends = [i for i in (text.find("\n"), text.find("\r")) if i >= 0]
    if not ends:
        return len(text)
    end = min(ends)
    if text[end] == "\r" and text[end + 1 : end + 2] == "\n":
        end += 1
    return end + 1


def _ending(line: str) -> str:
    """The line ending of ``line`` alone (what an unusable line is replaced by)."""
    if line.endswith("\r\n"):
        return "\r\n"
    if line.endswith(("\n", "\r")):
        return line[-1]
    return ""


def _take(flagged: collections.deque[tuple[int, str | None]], last: int) -> str | None:
    """Pop the flags of lines up to ``last`` (one record); the first reason, if any."""
    reason = None
    while flagged and flagged[0][0] <= last:
        why = flagged.popleft()[1]
        if reason is None:
            reason = why
    return reason
