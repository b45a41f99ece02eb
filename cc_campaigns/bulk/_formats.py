"""The record formats of the file reader (:mod:`.sources`): text (one id per line), CSV (with or
without a header), JSON Lines. Each yields one :class:`SourceRow` per record, valid or with
``error`` set, from the lines :class:`._rows._Lines` hands out.
"""

from __future__ import annotations

import collections
import csv
import itertools
import json
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import orjson

from ..errors import ValidationError
from ._rows import ID_TOO_LONG, MAX_ID_LENGTH, SourceRow, _Lines, _take

EMPTY_ROW = "row has only empty cells"
NOT_JSON = "not valid JSON"


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


def read_file(
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
