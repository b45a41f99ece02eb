"""read_customers: every file shape a bulk upload reads, row by row, with line numbers."""

from __future__ import annotations

import gzip
import io
import sys
from pathlib import Path

import pytest

from cc_campaigns import read_customers
from cc_campaigns.bulk import SourceRow
from cc_campaigns.errors import ValidationError

SOON = "2025-03-04T10:00:00+00:00"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    data = text.encode()
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    return path


def rows(path: Path | str, **options: object) -> list[tuple[object, object, object, object]]:
    return [
        (row.value, row.schedule, row.line, row.error)
        for row in read_customers(path, **options)  # type: ignore[arg-type]
    ]


# -- plain text ----------------------------------------------------------------------------------


def test_text_one_id_a_line_blank_lines_skipped(tmp_path: Path) -> None:
    path = write(tmp_path, "ids.txt", "1\n\n  2  \nabc\n\n")
    assert rows(path) == [("1", None, 1, None), ("2", None, 3, None), ("abc", None, 4, None)]


def test_text_with_a_header_line(tmp_path: Path) -> None:
    path = write(tmp_path, "ids.txt", "customer_id\n5\n6\n")
    assert rows(path) == [("5", None, 2, None), ("6", None, 3, None)]


def test_a_file_without_extension_is_sniffed(tmp_path: Path) -> None:
    assert rows(write(tmp_path, "a", "5\n6\n")) == [("5", None, 1, None), ("6", None, 2, None)]
    assert rows(write(tmp_path, "b", f"5,{SOON}\n")) == [("5", None, 1, None)]  # csv
    assert rows(write(tmp_path, "c", '{"id": 5}\n')) == [(5, None, 1, None)]


# -- CSV -----------------------------------------------------------------------------------------


def test_csv_with_a_header_and_a_schedule_column(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", f"customer_id,schedule\n1,{SOON}\n\n2,\n,,\n3\n")
    assert rows(path) == [
        ("1", SOON, 2, None),
        ("2", None, 4, None),
        (None, None, 5, "row has only empty cells"),  # counted, never dropped
        ("3", None, 6, None),  # no schedule cell: no schedule
    ]


@pytest.mark.parametrize("id_header", ["customer-id", "accountnum", "ID", "account_num"])
def test_csv_recognised_id_headers(tmp_path: Path, id_header: str) -> None:
    path = write(tmp_path, "c.csv", f"name,{id_header},schedule-date-time\nal,7,{SOON}\n")
    assert rows(path) == [("7", SOON, 2, None)]


def test_csv_without_a_header(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", f"1,{SOON}\n2,x\n")
    assert rows(path) == [("1", None, 1, None), ("2", None, 2, None)]
    assert rows(path, schedule_column=1) == [("1", SOON, 1, None), ("2", "x", 2, None)]
    assert rows(path, column=1) == [(SOON, None, 1, None), ("x", None, 2, None)]


def test_csv_column_by_name_and_by_index(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", "name,phone,acct\nal,555,7\nbo,556,8\n")
    expected = [("7", None, 2, None), ("8", None, 3, None)]
    assert rows(path, column="acct") == expected
    assert rows(path, column="ACCT") == expected
    assert rows(path, column=2) == expected
    assert rows(path, column="2") == expected


def test_csv_schedule_column_by_name(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", f"acct,when\n7,{SOON}\n")
    assert rows(path, column="acct", schedule_column="when") == [("7", SOON, 2, None)]


def test_a_row_with_a_missing_column_is_an_error_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", "name,phone,acct\nal,555,7\nbo,556\ncy,557,9\n")
    assert rows(path, column="acct") == [
        ("7", None, 2, None),
        (None, None, 3, "row has 2 column(s); the id column 3 is missing"),
        ("9", None, 4, None),
    ]


def test_a_wrong_column_name_fails_when_reading_starts(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", "customer_id,schedule\n1,\n")
    reader = read_customers(path, column="acct")  # lazy: nothing is read yet
    with pytest.raises(ValidationError, match="'acct' is not in the header") as caught:
        next(reader)
    assert "customer_id, schedule" in str(caught.value)
    with pytest.raises(ValidationError, match="'when' is not in the header"):
        rows(path, schedule_column="when")


def test_a_schedule_column_by_name_needs_a_header(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", "1,2\n")
    with pytest.raises(ValidationError, match="no header row"):
        rows(path, schedule_column="when")


@pytest.mark.parametrize(("name", "separator"), [("c.tsv", "\t"), ("c.csv", ";")])
def test_csv_delimiters_are_sniffed(tmp_path: Path, name: str, separator: str) -> None:
    path = write(tmp_path, name, f"customer_id{separator}schedule\n5{separator}{SOON}\n")
    assert rows(path) == [("5", SOON, 2, None)]


def test_quoted_cells(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", 'name,customer_id\n"Doe, Jane",7\n')
    assert rows(path) == [("7", None, 2, None)]


def test_keep_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", "customer_id,name\n7,Jane\n")
    (row,) = read_customers(path, keep_columns=True)
    assert row.extra == {"customer_id": "7", "name": "Jane"}


def test_a_utf8_byte_order_mark_is_not_part_of_the_first_column(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbfcustomer_id,schedule\n1,\n")
    assert rows(path, column="customer_id") == [("1", None, 2, None)]
    text = tmp_path / "ids.txt"
    text.write_bytes(b"\xef\xbb\xbf42\n")
    assert rows(text) == [("42", None, 1, None)]
    jsonl = tmp_path / "c.jsonl"
    jsonl.write_bytes(b'\xef\xbb\xbf{"customer_id": 3}\n')
    assert rows(jsonl) == [(3, None, 1, None)]


def test_another_encoding(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes("nom,customer_id\nHélène,7\n".encode("latin-1"))
    assert rows(path, encoding="latin-1") == [("7", None, 2, None)]
    with pytest.raises(ValidationError, match="encoding"):
        rows(path, encoding="no-such-codec")


# -- JSON Lines -----------------------------------------------------------------------------


def test_jsonl_keys_garbage_and_blank_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "c.jsonl",
        '{"customer_id": 1}\n'
        "\n"
        "not json\n"
        '{"name": "x"}\n'
        "7\n"
        f'{{"customer-id": "9", "schedule-date-time": "{SOON}"}}\n'
        f'{{"accountnum": 10, "schedule": "{SOON}"}}\n',
    )
    assert rows(path) == [
        (1, None, 1, None),
        (None, None, 3, "not valid JSON"),
        (
            None,
            None,
            4,
            "no customer_id / customer-id / customerid / accountnum / account_num / id key",
        ),
        (7, None, 5, None),
        ("9", SOON, 6, None),
        (10, SOON, 7, None),
    ]


def test_jsonl_named_keys(tmp_path: Path) -> None:
    path = write(tmp_path, "c.ndjson", '{"acct": 5, "when": "x", "customer_id": 1}\n')
    assert rows(path, column="acct", schedule_column="when") == [(5, "x", 1, None)]


# -- compressed, empty, missing, stdin ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("c.csv.gz", "customer_id\n1\n\n2\n"),
        ("c.jsonl.gz", '{"id": "1"}\n\n{"id": "2"}\n'),
        ("c.txt.gz", "1\n\n2\n"),
    ],
)
def test_gzip(tmp_path: Path, name: str, text: str) -> None:
    found = [(str(value), line) for value, _, line, _ in rows(write(tmp_path, name, text))]
    assert found == [("1", 2 if "csv" in name else 1), ("2", 4 if "csv" in name else 3)]


@pytest.mark.parametrize("name", ["empty.csv", "empty.txt", "empty.jsonl", "empty.csv.gz"])
def test_an_empty_file_has_no_rows(tmp_path: Path, name: str) -> None:
    assert rows(write(tmp_path, name, "")) == []


def test_a_header_only_file_has_no_rows(tmp_path: Path) -> None:
    assert rows(write(tmp_path, "c.csv", "customer_id,schedule\n")) == []


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="not found"):
        rows(tmp_path / "nope.csv")


def test_standard_input(monkeypatch: pytest.MonkeyPatch) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(b"customer_id,schedule\n4,\n5,\n"))
    monkeypatch.setattr(sys, "stdin", stdin)
    assert rows("-") == [("4", None, 2, None), ("5", None, 3, None)]


def test_source_rows_compare_by_value() -> None:
    assert SourceRow("1", None, 2) == SourceRow("1", None, 2)
    assert SourceRow("1", None, 2) != SourceRow("1", None, 3)
    assert "error='bad'" in repr(SourceRow(None, None, 1, error="bad"))
