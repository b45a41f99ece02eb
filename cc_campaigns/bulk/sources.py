"""Readers that stream customers out of files, one row at a time.

Every row becomes a :class:`SourceRow` carrying its line number. A row that cannot be read (bad
JSON, a missing column) is still yielded, with ``error`` set, so the engine counts it as invalid
and the rejects file names its line: nothing is dropped silently. Blank lines are not records and
are skipped.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import itertools
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import orjson

from ..errors import ValidationError

__all__ = ["SourceRow", "read_customers"]

#: Header names recognised as the customer id column, in order of preference.
ID_COLUMNS = ("customer_id", "customer-id", "customerid", "accountnum", "account_num", "id")
#: Header names recognised as the schedule column.
SCHEDULE_COLUMNS = ("schedule", "schedule-date-time", "schedule_date_time", "schedule_at")
#: Header names recognised as a phone destination column (VoIPbin targets).
DESTINATION_COLUMNS = ("destination", "phone", "number", "tel", "target")


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
        #: Other columns of the row, for providers whose items carry more (VoIPbin targets).
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


def _open(path: str | Path, encoding: str) -> IO[str]:
    try:
        codec = codecs.lookup(encoding)
    except LookupError:
        raise ValidationError(f"unknown text encoding {encoding!r}") from None
    if codec.name == "utf-8":
        # Excel's "CSV UTF-8" starts with a byte order mark: without this, it would be glued to
        # the first header name (or the first id) and that column would not be found.
        encoding = "utf-8-sig"
    if str(path) == "-":
        return io.TextIOWrapper(sys.stdin.buffer, encoding=encoding, newline="")
    target = Path(path)
    if not target.exists():
        raise ValidationError(f"input file not found: {target}")
    if target.suffix == ".gz":
        return gzip.open(target, "rt", encoding=encoding, newline="")
    return target.open("r", encoding=encoding, newline="")


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


def read_customers(
    path: str | Path,
    *,
    column: str | int | None = None,
    schedule_column: str | int | None = None,
    encoding: str = "utf-8",
    id_columns: tuple[str, ...] = ID_COLUMNS,
    keep_columns: bool = False,
) -> Iterator[SourceRow]:
    """Stream customers from a CSV (with or without a header), a text file (one id per line) or
    JSON Lines; ``.gz`` too; ``"-"`` reads standard input.

    Args:
        path: The file.
        column: The id column: a header name or a 0-based index. Default: a header named
            ``customer_id`` (or ``customer-id``, ``accountnum``, ``id``), else the first column.
        schedule_column: The schedule column (ISO 8601 with an offset). Default: a header named
            ``schedule`` or ``schedule-date-time`` when present.
        encoding: Text encoding of the file.
        id_columns: Header names tried, in order, for the id column (another provider's
            readers pass their own, e.g. ``destination``).
        keep_columns: Keep every column of a CSV row in ``SourceRow.extra``.

    Raises:
        ValidationError: the file does not exist, or a named column is not in the header. Raised
            when iteration starts, before anything is sent.
    """
    handle = _open(path, encoding)
    try:
        first = handle.readline()
        kind = _kind(path, first)
        rest = _chain_first(first, handle)
        if kind == "jsonl":
            yield from _read_jsonl(rest, column, schedule_column, id_columns)
        elif kind == "csv":
            yield from _read_csv(rest, first, column, schedule_column, id_columns, keep_columns)
        else:
            yield from _read_text(rest, id_columns)
    finally:
        if str(path) != "-":
            handle.close()


def _chain_first(first: str, handle: IO[str]) -> Iterator[str]:
    return itertools.chain((first,) if first else (), handle)


def _read_text(lines: Iterator[str], id_columns: tuple[str, ...]) -> Iterator[SourceRow]:
    header_checked = False
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text:
            continue
        if not header_checked:
            header_checked = True
            if text.lower() in id_columns:
                continue  # a one-column file with a header line ("customer_id")
        yield SourceRow(text, None, number)


def _pick(
    header: list[str], wanted: str | int | None, defaults: tuple[str, ...], what: str
) -> int | None:
    lowered = [h.strip().lower() for h in header]
    if wanted is None:
        for name in defaults:
            if name in lowered:
                return lowered.index(name)
        return None
    if isinstance(wanted, int) or (isinstance(wanted, str) and wanted.isdigit()):
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


def _read_csv(
    lines: Iterator[str],
    first: str,
    column: str | int | None,
    schedule_column: str | int | None,
    id_columns: tuple[str, ...],
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
    for row in reader:  # the first non-empty row decides: header or data
        if not row:
            continue
        named = isinstance(column, str) and not column.isdigit()
        if named or _looks_like_header(row, id_columns + SCHEDULE_COLUMNS):
            header = row
            id_index = _pick(row, column, id_columns, "id") or 0
            schedule_index = _pick(row, schedule_column, SCHEDULE_COLUMNS, "schedule")
        else:
            id_index = int(column) if column is not None else 0
            if schedule_column is not None:
                if isinstance(schedule_column, str) and not schedule_column.isdigit():
                    raise ValidationError(
                        f"schedule column {schedule_column!r} given by name, "
                        "but the file has no header row"
                    )
                schedule_index = int(schedule_column)
            pending.append(row)
        break
    first_line = reader.line_num
    # The data rows: the hot loop of a file upload (a million rows a second matters here).
    for row in itertools.chain(pending, reader):
        line = first_line if pending and row is pending[0] else reader.line_num
        if not row:
            continue
        try:
            value = row[id_index].strip()
        except IndexError:
            if not any(cell.strip() for cell in row):
                continue
            yield SourceRow(
                None,
                None,
                line,
                error=f"row has {len(row)} column(s); the id column {id_index + 1} is missing",
            )
            continue
        if not value and not any(cell.strip() for cell in row):
            continue  # a row of empty cells is a blank line
        schedule = None
        if schedule_index is not None and schedule_index < len(row):
            schedule = row[schedule_index].strip() or None
        extra = None
        if keep_columns and header is not None:
            extra = {h.strip(): v for h, v in zip(header, row, strict=False)}
        yield SourceRow(value, schedule, line, None, extra)


def _read_jsonl(
    lines: Iterator[str],
    column: str | int | None,
    schedule_column: str | int | None,
    id_columns: tuple[str, ...],
) -> Iterator[SourceRow]:
    id_keys = (str(column),) if column is not None else id_columns
    schedule_keys = (str(schedule_column),) if schedule_column is not None else SCHEDULE_COLUMNS
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text:
            continue
        try:
            data = orjson.loads(text)
        except orjson.JSONDecodeError:
            yield SourceRow(None, None, number, error="not valid JSON")
            continue
        if isinstance(data, dict):
            value = next((data[k] for k in id_keys if k in data), None)
            if value is None:
                yield SourceRow(
                    None, None, number, error=f"no {' / '.join(id_keys)} key", extra=data
                )
                continue
            schedule = next((data[k] for k in schedule_keys if k in data), None)
            yield SourceRow(value, schedule, number, extra=data)
        else:
            yield SourceRow(data, None, number)
