"""The reader that streams records out of files, one row at a time.

Every record becomes a :class:`SourceRow` carrying its line number. A record that cannot be read
(bytes that are not text in the file's encoding, an over-long line or field, an id of hundreds of
digits, bad JSON, a missing column, only empty cells) is still yielded, with ``error`` set, so the
engine counts it as invalid and the rejects file names its line: nothing is dropped silently, and
reading goes on with the next line. A file that cannot be read at all (missing, a directory, no
permission, a truncated ``.gz``) is a :class:`~cc_campaigns.errors.SourceError` naming it.

The file is read as bytes, a block at a time, and decoded per block; only a block holding bytes
that do not decode is looked at line by line, so clean files keep the C-speed path.
"""

from __future__ import annotations

import codecs
import collections
import csv
import gzip
import io
import itertools
import json
import os
import stat
import sys
import zlib
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import IO, Any

import orjson

from ..errors import SourceError, ValidationError
from ._deprecation import moved_attribute

__all__ = [
    "CustomerSource",  # noqa: F822  # deprecated alias
    "FileSource",
    "SourceRow",
    "check_outputs",
    "read_customers",  # noqa: F822  # deprecated alias
    "read_rows",
]

#: Header names recognised as the schedule column by default.
SCHEDULE_COLUMNS = ("schedule", "schedule-date-time", "schedule_date_time", "schedule_at")

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
EMPTY_ROW = "row has only empty cells"
NOT_JSON = "not valid JSON"

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


def _kind(path: str | Path, first_line: str) -> str:
    name = str(path).lower()
    if name.endswith(".gz"):
        name = name[:-3]
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if name.endswith((".csv", ".tsv")):
        return "csv"
    if name.endswith(".txt"):
        return "text"
    stripped = first_line.strip()
    if stripped.startswith("{"):
        return "jsonl"
    if any(sep in stripped for sep in (",", ";", "\t")):
        return "csv"
    return "text"


class FileSource(Iterator[SourceRow]):
    """What :func:`read_rows` (and each provider's reader) returns: an iterator of
    :class:`SourceRow` that knows its file, so that a bulk run can refuse output files that
    are its input (:func:`check_outputs`).

    Nothing is opened until iteration starts; a missing file or column is raised then.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        column: str | int | None = None,
        schedule_column: str | int | None = None,
        encoding: str = "utf-8",
        id_columns: tuple[str, ...],
        schedule_columns: tuple[str, ...] = SCHEDULE_COLUMNS,
        keep_columns: bool = False,
    ) -> None:
        #: The file read (``"-"``: standard input).
        self.path = path
        self.encoding = encoding
        self._options = (column, schedule_column, id_columns, schedule_columns, keep_columns)
        self._rows: Generator[SourceRow, None, None] | None = None

    def _iterator(self) -> Generator[SourceRow, None, None]:
        if self._rows is None:
            self._rows = _read(self.path, self.encoding, *self._options)
        return self._rows

    def __iter__(self) -> Iterator[SourceRow]:
        # The generator itself: consumers iterate at C speed, not through __next__.
        return self._iterator()

    def __next__(self) -> SourceRow:
        return next(self._iterator())

    def close(self) -> None:
        """Stop reading and close the file."""
        if self._rows is not None:
            self._rows.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.path)!r}, encoding={self.encoding!r})"


def read_rows(
    path: str | Path,
    *,
    id_columns: tuple[str, ...],
    column: str | int | None = None,
    schedule_column: str | int | None = None,
    encoding: str = "utf-8",
    schedule_columns: tuple[str, ...] = SCHEDULE_COLUMNS,
    keep_columns: bool = False,
) -> FileSource:
    """Stream the records of a CSV (with or without a header), a text file (one id per line) or
    JSON Lines; ``.gz`` too; ``"-"`` reads standard input. Providers wrap it with their own
    column names (the reader knows none).

    Every record yields exactly one :class:`SourceRow`, numbered by its first line, valid or with
    ``error`` set (bytes that do not decode, a line over 1 MiB, a CSV cell over the csv module's
    limit, an id over 256 characters, bad JSON, a missing column, a row of empty cells): reading
    goes on with the next line. What is not a record:

    * a blank line: nothing but white space (in a CSV, a record of a single cell holding nothing
      but white space, e.g. a quoted empty cell; several empty cells, ``,,``, are an invalid row);
    * the header: of a CSV, its first record when it names a known column or holds only words;
      of a text file, a first line that is an id column name.

    A record is one line, except in a CSV where a quoted cell holding line breaks makes it span
    them. A UTF-16 or UTF-32 file with a byte order mark is read as such when ``encoding`` is
    the default.

    Args:
        path: The file.
        id_columns: Header names (lower case) tried, in order, for the id column when
            ``column`` is not given (else the first column); also the key names of a JSON
            Lines record.
        column: The id column: a header name or a 0-based index.
        schedule_column: The schedule column (ISO 8601 with an offset). Default: a header of
            ``schedule_columns`` when present.
        encoding: Text encoding of the file.
        schedule_columns: Header names tried, in order, for the schedule column.
        keep_columns: Keep every column of a CSV row in ``SourceRow.extra``.

    Returns:
        An iterator of rows with the file in ``path``.

    Raises:
        SourceError: the file cannot be read (missing, a directory, no permission, an unknown
            encoding; raised when iteration starts), or stops being readable (a truncated or
            corrupt ``.gz``: raised when reading gets there, naming the last line read).
        ValidationError: a named column is not in the header, or a numbered one is beyond the
            columns of the header (or of the first row). Raised when iteration starts, before
            anything is sent.
    """
    return FileSource(
        path,
        column=column,
        schedule_column=schedule_column,
        encoding=encoding,
        id_columns=id_columns,
        schedule_columns=schedule_columns,
        keep_columns=keep_columns,
    )


def _read(
    path: str | Path,
    encoding: str,
    column: str | int | None,
    schedule_column: str | int | None,
    id_columns: tuple[str, ...],
    schedule_columns: tuple[str, ...],
    keep_columns: bool,
) -> Generator[SourceRow, None, None]:
    source = _Lines(path, encoding)
    try:
        stream = source.stream()
        line = next(stream, None)  # "" is a line: an unusable last line without an ending
        first = line or ""
        kind = _kind(path, first)
        rest = itertools.chain((first,) if line is not None else (), stream)
        flagged = source.flagged
        if kind == "jsonl":
            yield from _read_jsonl(
                rest, flagged, column, schedule_column, id_columns, schedule_columns
            )
        elif kind == "csv":
            yield from _read_csv(
                rest,
                flagged,
                first,
                column,
                schedule_column,
                id_columns,
                schedule_columns,
                keep_columns,
            )
        else:
            _check_index(column, 1, "id", "the file has one column")
            _check_index(schedule_column, 1, "schedule", "the file has one column")
            yield from _read_text(rest, flagged, id_columns)
    finally:
        source.close()


def _read_text(
    lines: Iterator[str],
    flagged: collections.deque[tuple[int, str | None]],
    id_columns: tuple[str, ...],
) -> Iterator[SourceRow]:
    header_checked = False
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if flagged and flagged[0][0] == number:
            reason = _take(flagged, number)
            if reason is None and len(text) > MAX_ID_LENGTH:
                reason = ID_TOO_LONG
            if reason is not None:
                header_checked = True
                yield SourceRow(None, None, number, error=reason)
                continue
        if not text:
            continue
        if not header_checked:
            header_checked = True
            if text.lower() in id_columns:
                continue  # a one-column file with a header line (an id column's name)
        yield SourceRow(text, None, number)


def _check_index(wanted: str | int | None, width: int, what: str, where: str) -> None:
    """A column given by number must be one of the ``width`` columns."""
    if isinstance(wanted, str):
        if not wanted.strip().isdigit():
            return
        wanted = int(wanted)
    if wanted is not None and wanted >= width:
        raise ValidationError(
            f"{what} column {wanted} is out of range: {where} "
            f"(numbered from 0{f' to {width - 1}' if width > 1 else ''})"
        )


def _pick(
    header: list[str], wanted: str | int | None, defaults: tuple[str, ...], what: str
) -> int | None:
    lowered = [h.strip().lower() for h in header]
    if wanted is None:
        for name in defaults:
            if name in lowered:
                return lowered.index(name)
        return None
    if isinstance(wanted, int) or (isinstance(wanted, str) and wanted.strip().isdigit()):
        _check_index(wanted, len(header), what, f"the header has {len(header)} column(s)")
        return int(wanted)
    if wanted.strip().lower() in lowered:
        return lowered.index(wanted.strip().lower())
    raise ValidationError(
        f"{what} column {wanted!r} is not in the header; the columns are: "
        + ", ".join(h.strip() for h in header)
    )


def _looks_like_header(row: list[str], known: tuple[str, ...]) -> bool:
    """A first row is a header when it names a known column, or when every cell is a word
    (letters, no digits): a data row always has a numeric id somewhere."""
    cells = [cell.strip().lower() for cell in row]
    if any(cell in known for cell in cells):
        return True
    return bool(cells) and all(
        cell and any(c.isalpha() for c in cell) and not any(c.isdigit() for c in cell)
        for cell in cells
    )


def _csv_reason(error: csv.Error) -> str:
    text = str(error)
    if "field limit" in text:
        return (
            f"a cell is longer than the CSV limit of {csv.field_size_limit():,} characters "
            "(an unclosed quote?)"
        )
    if "NUL" in text:
        return "line contains a NUL character"
    return f"not valid CSV ({text})"


def _blank(row: list[str]) -> bool:
    """No cell, or a single cell of white space (a blank line)."""
    return not row or (len(row) == 1 and not row[0].strip())


def _read_csv(
    lines: Iterator[str],
    flagged: collections.deque[tuple[int, str | None]],
    first: str,
    column: str | int | None,
    schedule_column: str | int | None,
    id_columns: tuple[str, ...],
    schedule_columns: tuple[str, ...],
    keep_columns: bool,
) -> Iterator[SourceRow]:
    dialect: type[csv.Dialect] | csv.Dialect = csv.excel
    try:
        dialect = csv.Sniffer().sniff(first, delimiters=",;\t|")
    except csv.Error:
        pass
    reader = csv.reader(lines, dialect)
    id_index = 0
    schedule_index: int | None = None
    header: list[str] | None = None
    pending: list[list[str]] = []
    last = 0  # the last line of the previous record
    named = isinstance(column, str) and not column.strip().isdigit()
    while True:  # the first record that is not blank or unreadable decides: header or data
        try:
            row = next(reader, None)
        except csv.Error as err:
            start, last = last + 1, reader.line_num
            _take(flagged, last)
            yield SourceRow(None, None, start, error=_csv_reason(err))
            continue
        if row is None:
            return
        start, last = last + 1, reader.line_num
        if flagged and flagged[0][0] <= last:
            reason = _take(flagged, last)
            if reason is not None:
                yield SourceRow(None, None, start, error=reason)
                continue
            flagged.appendleft((start, None))  # a long line: its id is looked at below
        if _blank(row):
            continue
        if named or _looks_like_header(row, id_columns + schedule_columns):
            header = row
            id_index = _pick(row, column, id_columns, "id") or 0
            schedule_index = _pick(row, schedule_column, schedule_columns, "schedule")
            if flagged and flagged[0][0] <= last:
                _take(flagged, last)
        else:
            where = f"the first row (line {start}) has {len(row)} column(s)"
            _check_index(column, len(row), "id", where)
            _check_index(schedule_column, len(row), "schedule", where)
            id_index = int(column) if column is not None else 0
            if schedule_column is not None:
                if isinstance(schedule_column, str) and not schedule_column.strip().isdigit():
                    raise ValidationError(
                        f"schedule column {schedule_column!r} given by name, "
                        "but the file has no header row"
                    )
                schedule_index = int(schedule_column)
            pending.append(row)
            last = start - 1  # the loop below numbers it again
        break
    # The data rows: the hot loop of a file upload (a million rows a second matters here).
    # Each record costs one check of ``flagged`` (empty for a clean file) beyond the parse.
    rows = itertools.chain(pending, reader)
    while True:
        try:
            for row in rows:
                start, last = last + 1, reader.line_num
                if flagged and flagged[0][0] <= last:
                    reason = _take(flagged, last)
                    if (
                        reason is None
                        and id_index < len(row)
                        and len(row[id_index].strip()) > MAX_ID_LENGTH
                    ):
                        reason = ID_TOO_LONG
                    if reason is not None:
                        yield SourceRow(None, None, start, error=reason)
                        continue
                if not row:
                    continue
                try:
                    value = row[id_index].strip()
                except IndexError:
                    if not any(cell.strip() for cell in row):
                        if len(row) > 1:
                            yield SourceRow(None, None, start, error=EMPTY_ROW)
                        continue
                    yield SourceRow(
                        None,
                        None,
                        start,
                        error=f"row has {len(row)} column(s); "
                        f"the id column {id_index + 1} is missing",
                    )
                    continue
                if not value and not any(cell.strip() for cell in row):
                    if len(row) > 1:
                        yield SourceRow(None, None, start, error=EMPTY_ROW)
                    continue  # a single cell of white space is a blank line
                schedule = None
                if schedule_index is not None and schedule_index < len(row):
                    schedule = row[schedule_index].strip() or None
                extra = None
                if keep_columns and header is not None:
                    extra = {h.strip(): v for h, v in zip(header, row, strict=False)}
                yield SourceRow(value, schedule, start, None, extra)
        except csv.Error as err:
            start, last = last + 1, reader.line_num
            _take(flagged, last)
            yield SourceRow(None, None, start, error=_csv_reason(err))
        else:
            return


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_ID_LENGTH:
        raise _IdTooLong
    return int(text)


def _no_constant(text: str) -> Any:
    raise ValueError(f"not JSON: {text}")


class _IdTooLong(ValueError):
    pass


def _read_jsonl(
    lines: Iterator[str],
    flagged: collections.deque[tuple[int, str | None]],
    column: str | int | None,
    schedule_column: str | int | None,
    id_columns: tuple[str, ...],
    schedule_columns: tuple[str, ...],
) -> Iterator[SourceRow]:
    id_keys = (str(column),) if column is not None else id_columns
    schedule_keys = (str(schedule_column),) if schedule_column is not None else schedule_columns
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if flagged and flagged[0][0] == number:
            reason = _take(flagged, number)
            if reason is not None:
                yield SourceRow(None, None, number, error=reason)
                continue
        if not text:
            continue
        try:
            data = orjson.loads(text)
        except orjson.JSONDecodeError:
            yield _exact_row(text, number, id_keys, schedule_keys)
            continue
        if data.__class__ is dict:
            value: Any = next((data[k] for k in id_keys if k in data), None)
            kind = value.__class__
            if kind is int or (kind is str and len(value) <= MAX_ID_LENGTH):  # the usual row
                schedule = next((data[k] for k in schedule_keys if k in data), None)
                yield SourceRow(value, schedule, number, extra=data)
                continue
        else:
            value = data
        if value.__class__ is float:
            # orjson reads integers beyond 64 bits as floats, losing digits.
            yield _exact_row(text, number, id_keys, schedule_keys)
            continue
        yield _json_row(data, value, number, id_keys, schedule_keys)


def _json_row(
    data: Any, value: Any, number: int, id_keys: tuple[str, ...], schedule_keys: tuple[str, ...]
) -> SourceRow:
    if not isinstance(data, dict):
        return SourceRow(data, None, number)
    if value is None:
        return SourceRow(None, None, number, error=f"no {' / '.join(id_keys)} key", extra=data)
    if value.__class__ is str and len(value) > MAX_ID_LENGTH:
        return SourceRow(None, None, number, error=ID_TOO_LONG)
    schedule = next((data[k] for k in schedule_keys if k in data), None)
    return SourceRow(value, schedule, number, extra=data)


def _exact_row(
    text: str, number: int, id_keys: tuple[str, ...], schedule_keys: tuple[str, ...]
) -> SourceRow:
    """A line orjson could not read exactly, read by the standard library: integers of any
    size exact, but none longer than an id can be, and no NaN."""
    try:
        data = json.loads(text, parse_int=_bounded_int, parse_constant=_no_constant)
    except _IdTooLong:
        return SourceRow(None, None, number, error=ID_TOO_LONG)
    except (ValueError, RecursionError):
        return SourceRow(None, None, number, error=NOT_JSON)
    value = next((data[k] for k in id_keys if k in data), None) if isinstance(data, dict) else data
    return _json_row(data, value, number, id_keys, schedule_keys)


#: Names this module exported once, kept for one minor version (deprecated aliases: they warn):
#: old name -> (the module that defines it now, its name there, what to use instead).
_MOVED = {
    "CustomerSource": (  # deprecated alias
        "cc_campaigns.bulk.sources",
        "FileSource",
        "cc_campaigns.bulk.sources.FileSource",
    ),
    "read_customers": (  # deprecated alias
        "cc_campaigns.dynamic.adapters",
        "read_customers",  # deprecated alias
        "cc_campaigns.read_customers",  # deprecated alias
    ),
    "ID_COLUMNS": (
        "cc_campaigns.dynamic.adapters",
        "ID_COLUMNS",
        "cc_campaigns.dynamic.adapters.ID_COLUMNS",
    ),
    "DESTINATION_COLUMNS": (
        "cc_campaigns.voipbin.adapters",  # deprecated alias
        "DESTINATION_COLUMNS",
        "cc_campaigns.voipbin.adapters.DESTINATION_COLUMNS",  # deprecated alias
    ),
}


def __getattr__(name: str) -> Any:
    return moved_attribute(__name__, _MOVED, name)


# -- outputs -------------------------------------------------------------------------------------


def check_outputs(
    source: Any,
    *,
    checkpoint: str | Path | None = None,
    rejects: str | Path | None = None,
) -> None:
    """Refuse output files that would destroy the input or each other, before anything is
    opened: a checkpoint or rejects file that is the file ``source`` reads (the same path, or
    the same file under another name or through a link), or a checkpoint that is the rejects
    file. When ``source`` reads standard input redirected from a file, that file is the input.

    Only a :class:`FileSource` (what :func:`read_rows` returns) names its file; for
    any other source only the two outputs are compared.

    Raises:
        ValidationError: saying which files collide.
    """
    outputs = [
        (name, path)
        for name, path in (("checkpoint", checkpoint), ("rejects file", rejects))
        if path is not None
    ]
    if len(outputs) == 2 and _same(outputs[0][1], outputs[1][1]):
        raise ValidationError(
            f"the checkpoint and the rejects file are the same file ({checkpoint}): "
            "give them different names"
        )
    if not isinstance(source, FileSource):
        return
    for name, path in outputs:
        if str(source.path) == "-":
            collides = _is_standard_input(path)
            what = "the file standard input reads from"
        else:
            collides = _same(path, source.path)
            what = f"the input file {source.path}"
        if collides:
            harm = (
                "it would be emptied before it is read"
                if name == "rejects file"
                else "it would be overwritten, and deleted once the run completes"
            )
            raise ValidationError(f"the {name} {path} is {what}: {harm}; choose another file")


def _same(one: str | Path, other: str | Path) -> bool:
    try:
        return os.path.samefile(one, other)
    except OSError:  # one of them does not exist (yet)
        pass
    return _resolved(one) == _resolved(other)


def _resolved(path: str | Path) -> str:
    return os.path.normcase(os.path.realpath(os.path.abspath(path)))


def _is_standard_input(path: str | Path) -> bool:
    try:
        given = os.fstat(sys.stdin.fileno())
        output = os.stat(path)
    except (OSError, ValueError, AttributeError):  # no descriptor, or no such output yet
        return False
    return stat.S_ISREG(given.st_mode) and os.path.samestat(given, output)
