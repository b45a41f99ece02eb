"""Bad input is rows or clear errors (issue 8, points 4 and 5).

A bad row (bytes that do not decode, an over-long line or cell, a huge id, only empty cells) is
one invalid row with its line number, and reading goes on; a bad file is a ``SourceError``
naming it; output files that are the input, or each other, are refused before anything is
touched. The properties at the end hold the reader to its stated rule on arbitrary bytes.
"""

from __future__ import annotations

import csv
import gzip
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cc_campaigns import CampaignsClient, read_customers
from cc_campaigns.bulk import FileSource, check_outputs, sources
from cc_campaigns.bulk import _rows as rows_module  # the limits of the line reader
from cc_campaigns.errors import SourceError, ValidationError

from ..conftest import RUNNING


def rows(path: Path | str, **options: object) -> list[tuple[object, int | None, object]]:
    return [
        (row.value, row.line, row.error)
        for row in read_customers(path, **options)  # type: ignore[arg-type]
    ]


def put(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    return path


BAD_UTF8 = "bytes that are not valid utf-8 text (another encoding?)"


# -- bad rows ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["c.csv", "c.txt", "c.jsonl", "c.csv.gz"])
def test_undecodable_bytes_are_one_invalid_row_and_reading_goes_on(
    tmp_path: Path, name: str
) -> None:
    if "jsonl" in name:
        data = b'{"id": "1"}\n{"id": "caf\xe9"}\n\n{"id": "3"}\n'
    elif "csv" in name:
        data = b"customer_id,name\n1,a\n2,caf\xe9\n\n3,b\n"
    else:
        data = b"1\n2\xff\n\n3\n"
    found = rows(put(tmp_path, name, data))
    assert [(line, error) for _, line, error in found] == [
        (1 if "csv" not in name else 2, None),
        (2 if "csv" not in name else 3, BAD_UTF8),
        (4 if "csv" not in name else 5, None),
    ]
    assert str(found[-1][0]) == "3"


def test_a_bad_byte_inside_a_multibyte_character_and_at_the_very_end(tmp_path: Path) -> None:
    # "é" cut short before a newline, and a lone lead byte at the end of a file without a
    # final newline: each spoils its own line only.
    path = put(tmp_path, "c.txt", b"1\n2\xc3\n3 \xc3\xa9\n4\xe2\x82")
    assert rows(path) == [
        ("1", 1, None),
        (None, 2, BAD_UTF8),
        ("3 é", 3, None),
        (None, 4, BAD_UTF8),
    ]


def test_another_encoding_reads_what_utf8_refuses(tmp_path: Path) -> None:
    path = put(tmp_path, "c.csv", "customer_id,name\n7,Hélène\n".encode("cp1252"))
    assert rows(path) == [(None, 2, BAD_UTF8)]
    assert rows(path, encoding="cp1252") == [("7", 2, None)]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_a_utf16_or_utf32_file_with_a_byte_order_mark_is_recognised(
    tmp_path: Path, encoding: str
) -> None:
    # Excel's "Unicode text" export: UTF-16 with a BOM, tab separated.
    path = put(tmp_path, "c.csv", "customer_id\tname\r\n7\tÅsa\r\n8\tBo\r\n".encode(encoding))
    assert rows(path) == [("7", 2, None), ("8", 3, None)]


def test_a_cell_over_the_csv_limit_is_one_invalid_row(tmp_path: Path) -> None:
    big = "x" * (csv.field_size_limit() + 10)
    path = put(tmp_path, "c.csv", f"customer_id,name\n1,a\n2,{big}\n3,b\n".encode())
    found = rows(path)
    assert [(value, line) for value, line, _ in found] == [("1", 2), (None, 3), ("3", 4)]
    assert "longer than the CSV limit" in str(found[1][2])


def test_an_unclosed_quote_is_reported_at_the_line_it_opens(tmp_path: Path) -> None:
    filler = "".join(f"{i}\n" for i in range(10, 30_000))  # over 128 KiB inside the quote
    path = put(tmp_path, "c.csv", f'customer_id,name\n1,a\n2,"open\n{filler}'.encode())
    found = rows(path)
    assert found[0] == ("1", 2, None)
    assert found[1][:2] == (None, 3)
    assert "unclosed quote" in str(found[1][2])


def test_an_over_long_line_is_one_invalid_row_and_never_held_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rows_module, "BLOCK_SIZE", 64)
    monkeypatch.setattr(rows_module, "MAX_LINE", 100)
    path = put(tmp_path, "c.txt", b"1\n" + b"7" * 1000 + b"\n2\r\n" + b"8" * 101 + b"\r\n3")
    assert rows(path) == [
        ("1", 1, None),
        (None, 2, sources.LINE_TOO_LONG),
        ("2", 3, None),
        (None, 4, sources.LINE_TOO_LONG),
        ("3", 5, None),
    ]


def test_a_line_over_one_mebibyte_at_the_real_sizes(tmp_path: Path) -> None:
    path = put(tmp_path, "c.txt", b"1\n" + b"9" * (sources.MAX_LINE + 5) + b"\n2\n")
    assert rows(path) == [("1", 1, None), (None, 2, sources.LINE_TOO_LONG), ("2", 3, None)]


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("c.txt", "{id}"),
        ("c.csv", "{id},x"),
        ("c.jsonl", '{{"customer_id": {id}}}'),
        ("d.jsonl", '{{"customer_id": "{id}"}}'),
    ],
)
def test_a_5000_digit_id_is_an_invalid_row(tmp_path: Path, name: str, line: str) -> None:
    ids = ["1", "9" * 5000, "2"]
    text = "\n".join(line.format(id=i) for i in ids) + "\n"
    if name.endswith(".csv"):
        text = "customer_id,name\n" + text
    found = rows(put(tmp_path, name, text.encode()))
    shift = 1 if name.endswith(".csv") else 0
    assert [(str(v), line) for v, line, _ in found] == [
        ("1", 1 + shift),
        ("None", 2 + shift),
        ("2", 3 + shift),
    ]
    assert found[1][2] == sources.ID_TOO_LONG


def test_rows_of_empty_cells_are_counted_not_dropped(tmp_path: Path) -> None:
    path = put(tmp_path, "c.csv", b"customer_id,name\n1,a\n,\n ,  \n\n   \n2,b\n")
    assert rows(path) == [
        ("1", 2, None),
        (None, 3, sources.EMPTY_ROW),
        (None, 4, sources.EMPTY_ROW),
        ("2", 7, None),  # lines 5 and 6 are blank: nothing but white space
    ]
    headerless = put(tmp_path, "d.csv", b"1,a\n,,\n2,b\n")
    assert rows(headerless) == [("1", 1, None), (None, 2, sources.EMPTY_ROW), ("2", 3, None)]


def test_a_record_spanning_lines_is_numbered_by_its_first_line(tmp_path: Path) -> None:
    path = put(tmp_path, "c.csv", b'customer_id,name\n1,"two\nlines"\n2,b\n')
    assert rows(path) == [("1", 2, None), ("2", 4, None)]


# -- JSON Lines: ids beyond 64 bits ----------------------------------------------------------


@pytest.mark.parametrize("number", [2**64, 2**64 + 1, 10**22 - 1, 10**22, 10**22 + 1])
def test_jsonl_ids_beyond_64_bits_are_read_exactly(tmp_path: Path, number: int) -> None:
    path = put(tmp_path, "c.jsonl", f'{{"customer_id": {number}}}\n{number}\n'.encode())
    assert rows(path) == [(number, 1, None), (number, 2, None)]
    (row, _) = read_customers(path)
    assert type(row.value) is int


def test_jsonl_real_floats_and_bad_constants(tmp_path: Path) -> None:
    path = put(tmp_path, "c.jsonl", b'{"id": 1.5}\n{"id": NaN}\n[' + b"[" * 5000 + b"\n")
    assert rows(path) == [(1.5, 1, None), (None, 2, "not valid JSON"), (None, 3, "not valid JSON")]


async def test_a_large_jsonl_id_goes_through_validation(
    client: CampaignsClient, tmp_path: Path
) -> None:
    path = put(tmp_path, "c.jsonl", f'{{"id": {10**22 + 1}}}\n{{"id": {2**64}}}\n'.encode())
    report = await client.bulk_add(RUNNING, read_customers(path), dry_run=True)
    assert report.invalid == 1  # above 1e22: too large, not "not an integer"
    assert any("larger than the API maximum" in reason for reason in report.reasons)


# -- bad files -----------------------------------------------------------------------------------


def test_a_truncated_gzip_is_a_source_error_naming_file_and_line(tmp_path: Path) -> None:
    text = "".join(f"{i}\n" for i in range(1, 200_001)).encode()
    path = tmp_path / "c.txt.gz"
    path.write_bytes(gzip.compress(text)[:-5000])
    reader = read_customers(path)
    read = 0
    with pytest.raises(SourceError) as caught:
        for _ in reader:
            read += 1
    error = caught.value
    assert error.path == str(path)
    assert error.line is not None and error.line >= read > 100_000
    assert str(path) in str(error)
    assert f"after line {error.line:,}" in str(error)
    assert "truncated or corrupt" in str(error)


def test_a_file_that_is_not_gzip_is_a_source_error(tmp_path: Path) -> None:
    path = put(tmp_path, "c.csv", b"1\n2\n").rename(tmp_path / "c.csv.gz")
    with pytest.raises(SourceError, match="at its start: the gzip data is truncated"):
        rows(path)


def test_a_directory_and_a_missing_file_are_source_errors(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="is a directory") as caught:
        rows(tmp_path)
    assert caught.value.path == str(tmp_path)
    with pytest.raises(SourceError, match="not found"):
        rows(tmp_path / "nope.csv")


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root reads everything")
def test_an_unreadable_file_is_a_source_error(tmp_path: Path) -> None:
    path = put(tmp_path, "c.csv", b"1\n")
    path.chmod(0)
    with pytest.raises(SourceError, match="no permission"):
        rows(path)


def test_an_unknown_encoding_is_a_source_error(tmp_path: Path) -> None:
    path = put(tmp_path, "c.csv", b"1\n")
    with pytest.raises(SourceError, match="unknown text encoding 'klingon'"):
        rows(path, encoding="klingon")
    with pytest.raises(SourceError, match="not a text encoding"):
        rows(path, encoding="hex")


# -- columns ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "options", "message"),
    [
        ("customer_id,name\n1,a\n", {"column": 2}, "id column 2 is out of range: the header has 2"),
        ("customer_id,name\n1,a\n", {"column": "5"}, "id column 5 is out of range"),
        ("1,a\n2,b\n", {"column": 2}, r"the first row \(line 1\) has 2 column"),
        ("1,a\n", {"schedule_column": 3}, "schedule column 3 is out of range"),
        ("customer_id,name\n1,a\n", {"schedule_column": 9}, "schedule column 9 is out of range"),
    ],
)
def test_a_column_number_beyond_the_columns_fails_when_reading_starts(
    tmp_path: Path, text: str, options: dict[str, object], message: str
) -> None:
    reader = read_customers(put(tmp_path, "c.csv", text.encode()), **options)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=message):
        next(reader)


def test_a_one_column_text_file_has_only_column_0(tmp_path: Path) -> None:
    path = put(tmp_path, "ids.txt", b"1\n2\n")
    assert rows(path, column=0) == [("1", 1, None), ("2", 2, None)]
    with pytest.raises(ValidationError, match="id column 1 is out of range: the file has one"):
        rows(path, column=1)


# -- what read_customers returns ---------------------------------------------------------------


def test_the_reader_knows_its_file_and_stays_lazy(tmp_path: Path) -> None:
    path = tmp_path / "later.csv"
    reader = read_customers(path, encoding="latin-1")
    assert isinstance(reader, FileSource)
    assert reader.path == path and reader.encoding == "latin-1"
    path.write_bytes(b"customer_id\n5\n")  # created after the call: nothing was opened yet
    assert next(reader).value == "5"
    with pytest.raises(StopIteration):
        next(reader)
    reader.close()


# -- outputs never destroy inputs -------------------------------------------------------------


@pytest.fixture
def source_file(tmp_path: Path) -> Iterator[Path]:
    path = put(tmp_path, "export.csv", b"customer_id\n1\n2\n")
    yield path
    assert path.read_bytes() == b"customer_id\n1\n2\n"  # never touched


def test_outputs_that_are_the_input_are_refused(
    source_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = read_customers(source_file)
    with pytest.raises(ValidationError, match=r"rejects file .* is the input file .* emptied"):
        check_outputs(source, rejects=source_file)
    with pytest.raises(ValidationError, match=r"checkpoint .* is the input file .* deleted"):
        check_outputs(source, checkpoint=str(source_file))
    # The same file by another name: relative, through a symbolic link, a hard link.
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValidationError, match="is the input file"):
        check_outputs(source, rejects="./sub/../export.csv")
    (tmp_path / "link.csv").symlink_to(source_file)
    with pytest.raises(ValidationError, match="is the input file"):
        check_outputs(source, checkpoint=tmp_path / "link.csv")
    os.link(source_file, tmp_path / "hard.csv")
    with pytest.raises(ValidationError, match="is the input file"):
        check_outputs(source, rejects=tmp_path / "hard.csv")
    # Fine: other files, and sources that name no file.
    check_outputs(source, checkpoint=tmp_path / "c.ckpt", rejects=tmp_path / "r.csv")
    check_outputs([1, 2], checkpoint=source_file)


def test_a_checkpoint_that_is_the_rejects_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="same file"):
        check_outputs([1], checkpoint=tmp_path / "out", rejects=str(tmp_path / "out"))


def test_standard_input_redirected_from_the_rejects_file(
    source_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with source_file.open("rb") as redirected:
        monkeypatch.setattr(sys, "stdin", redirected)
        with pytest.raises(ValidationError, match="the file standard input reads from"):
            check_outputs(read_customers("-"), rejects=source_file)
        check_outputs(read_customers("-"), rejects=tmp_path / "other.csv")


async def test_the_sdk_refuses_before_touching_anything(
    client: CampaignsClient, source_file: Path, tmp_path: Path
) -> None:
    with pytest.raises(ValidationError, match="is the input file"):
        await client.bulk_add(RUNNING, read_customers(source_file), rejects=source_file)
    with pytest.raises(ValidationError, match="is the input file"):
        await client.bulk_add(RUNNING, read_customers(source_file), checkpoint=source_file)
    with pytest.raises(ValidationError, match="same file"):
        await client.bulk_remove(
            RUNNING,
            read_customers(source_file),
            checkpoint=tmp_path / "x",
            rejects=tmp_path / "x",
        )
    assert not (tmp_path / "x").exists()
    with pytest.raises(ValidationError, match="is the input file"):
        async for _ in client.iter_bulk_add(
            RUNNING, read_customers(source_file), rejects=source_file
        ):
            pass


# -- properties ----------------------------------------------------------------------------------

# Pieces of lines: digits, words, separators, white space, bytes that are not UTF-8, cells
# longer than the (lowered) limits, a UTF-8 character.
_PIECES = st.sampled_from(
    [b"1", b"42", b"x", b",", b" ", b"\t", b"\xff", b"\xc3", b"\xc3\xa9", b"7" * 40, b"a" * 70]
)
_LINES = st.lists(st.lists(_PIECES, max_size=6).map(b"".join), max_size=25)
_ENDINGS = st.sampled_from([b"\n", b"\r\n", b"\r"])


def _records(data: bytes) -> list[tuple[int, bytes]]:
    """(line number, bytes) of every line, split as the reader splits (\\n, \\r\\n, \\r)."""
    return list(enumerate(data.splitlines(), start=1))


def _is_blank(line: bytes, kind: str) -> bool:
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if kind == "csv":  # one cell of white space; several empty cells (tab separated) are a record
        return not text.strip() and "\t" not in text
    return not text.strip()


@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(rows_module, "BLOCK_SIZE", 16)
    monkeypatch.setattr(rows_module, "MAX_LINE", 120)
    monkeypatch.setattr(sources, "MAX_ID_LENGTH", 30)
    limit = csv.field_size_limit(60)
    yield
    csv.field_size_limit(limit)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lines=_LINES,
    ending=_ENDINGS,
    last_ending=st.booleans(),
    kind=st.sampled_from(["txt", "jsonl", "csv"]),
)
def test_every_non_blank_line_is_exactly_one_row_with_its_number(
    tmp_path: Path,
    small_limits: None,
    lines: list[bytes],
    ending: bytes,
    last_ending: bool,
    kind: str,
) -> None:
    """The reader's rule on arbitrary lines of bytes (no quotes, so a record is a line): every
    non-blank line yields exactly one row, valid or with an error, numbered by its line; blank
    means nothing but white space (in a CSV, a single cell of it)."""
    header = b"customer_id\tname" if kind == "csv" else b""
    body = ending.join([header, *lines] if header else lines)
    data = body + (ending if last_ending and body else b"")
    path = tmp_path / f"p.{kind}"
    path.write_bytes(data)
    found = list(read_customers(path))
    expected = [
        number
        for number, line in _records(data)
        if not _is_blank(line, kind) and not (header and number == 1)
    ]
    assert [row.line for row in found] == expected
    for row in found:
        assert row.error is None or row.value is None  # an unreadable row carries no value


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.binary(max_size=400),
    name=st.sampled_from(["p.csv", "p.txt", "p.jsonl", "p", "p.csv.gz", "p.txt.gz"]),
    cut=st.integers(min_value=0, max_value=60),
    encoding=st.sampled_from(["utf-8", "latin-1", "utf-16", "shift_jis"]),
)
def test_arbitrary_bytes_never_raise_anything_but_source_error(
    tmp_path: Path, small_limits: None, data: bytes, name: str, cut: int, encoding: str
) -> None:
    """Any content (quotes, NULs, stray BOMs, a gzip cut short): rows in line order, at most
    one per line, each valid or with an error; or a SourceError for a broken .gz."""
    path = tmp_path / name
    path.write_bytes(gzip.compress(data)[: -cut or None] if name.endswith(".gz") else data)
    lines = max(1, len(data.splitlines()))
    numbers: list[int] = []
    try:
        for row in read_customers(path, encoding=encoding):
            assert row.line is not None
            numbers.append(row.line)
    except SourceError as err:
        assert str(path) in str(err)
        # A broken .gz, or "utf-16" without a byte order mark: unreadable as a whole.
        assert (name.endswith(".gz") and cut > 0) or (
            encoding == "utf-16" and "does not start with BOM" in str(err)
        )
        return
    assert numbers == sorted(set(numbers))
    if encoding != "utf-16":  # two bytes a character: lines are not byte lines
        assert all(1 <= n <= lines for n in numbers)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lines=_LINES, size=st.integers(min_value=1, max_value=40))
def test_the_block_size_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lines: list[bytes], size: int
) -> None:
    """Rows do not depend on where the blocks cut the file (lines, \\r\\n pairs, characters)."""
    path = tmp_path / "p.csv"
    path.write_bytes(b"customer_id,name\r\n" + b"\r\n".join(lines))
    whole = [(r.value, r.line, r.error) for r in read_customers(path)]
    monkeypatch.setattr(rows_module, "BLOCK_SIZE", size)
    assert [(r.value, r.line, r.error) for r in read_customers(path)] == whole


@pytest.mark.parametrize(
    "value",
    [10**5000, -(10**5000), "9" * 5000, 10**41],
    ids=["int-5000-digits", "negative", "text-5000-digits", "int-42-digits"],
)
def test_parse_customer_id_of_a_huge_number_is_a_validation_error(value: object) -> None:
    from cc_campaigns.dynamic.wire import parse_customer_id

    with pytest.raises(ValidationError) as caught:
        parse_customer_id(value)
    assert len(str(caught.value)) < 200
