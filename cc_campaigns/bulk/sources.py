"""The reader that streams records out of files, one row at a time.

Every record becomes a :class:`SourceRow` carrying its line number. A record that cannot be read
(bytes that are not text in the file's encoding, an over-long line or field, an id of hundreds of
digits, bad JSON, a missing column, only empty cells) is still yielded, with ``error`` set, so the
engine counts it as invalid and the rejects file names its line: nothing is dropped silently, and
reading goes on with the next line. A file that cannot be read at all (missing, a directory, no
permission, a truncated ``.gz``) is a :class:`~cc_campaigns.errors.SourceError` naming it.

The reader is in three layers: :mod:`._rows` (the bytes of a file into lines, the row type),
:mod:`._formats` (lines into records: text, CSV, JSON Lines), and this module (the source a
run reads, and the check that a run's output files are not its input).
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

from ..errors import ValidationError
from ._deprecation import moved_attribute
from ._formats import EMPTY_ROW as EMPTY_ROW
from ._formats import NOT_JSON as NOT_JSON
from ._formats import read_file
from ._rows import BLOCK_SIZE as BLOCK_SIZE
from ._rows import ID_TOO_LONG as ID_TOO_LONG
from ._rows import LINE_TOO_LONG as LINE_TOO_LONG
from ._rows import MAX_ID_LENGTH as MAX_ID_LENGTH
from ._rows import MAX_LINE as MAX_LINE
from ._rows import SourceRow

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
            self._rows = read_file(self.path, self.encoding, *self._options)
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


#: Names this module exported once, kept for one minor version (deprecated aliases: they warn):
#: old name -> (the module that defines it now, its name there, what to use instead).
_MOVED = {
    "CustomerSource": (  # deprecated alias
        "cc_campaigns.dynamic.adapters",  # deprecated alias
        "CustomerSource",  # deprecated alias
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
