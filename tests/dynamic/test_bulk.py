"""Edge cases of the bulk engine found while building the CLI: dry runs and header lines."""

from __future__ import annotations

import csv
from pathlib import Path

from cc_campaigns import CampaignsClient, read_customers
from cc_campaigns.dynamic.simulator import Simulator
from tests.conftest import RUNNING, make_client, make_simulator, populate


async def test_a_dry_run_lists_only_what_it_found_wrong(
    client: CampaignsClient, sim: Simulator, tmp_path: Path
) -> None:
    rejects = tmp_path / "rejects.csv"
    report = await client.bulk_add(RUNNING, [1, 2, 2, "x", 3], dry_run=True, rejects=rejects)
    assert (report.not_sent, report.duplicate_in_input, report.invalid) == (3, 1, 1)
    assert report.balanced
    with rejects.open() as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(row["bucket"] for row in rows) == ["duplicate_in_input", "invalid"]
    assert sim.stats.requests == 0


def test_a_one_column_text_file_may_start_with_a_header(tmp_path: Path) -> None:
    path = tmp_path / "ids.txt"
    path.write_text("customer_id\n10\n\n11\n")
    rows = list(read_customers(path))
    assert [(row.value, row.line) for row in rows] == [("10", 2), ("11", 4)]


def test_a_header_word_later_in_a_text_file_is_an_invalid_row(tmp_path: Path) -> None:
    path = tmp_path / "ids.txt"
    path.write_text("10\ncustomer_id\n")
    assert [row.value for row in read_customers(path)] == ["10", "customer_id"]


async def test_clean_file_chunks_keep_their_line_numbers(
    client: CampaignsClient, sim: Simulator, tmp_path: Path
) -> None:
    # Rows 1..900 of the CRM with a header, a comment-free blank line and a repeat: the chunk is
    # clean (the fast path), so the repeat's line must still come from the file, not its position.
    path = tmp_path / "customers.csv"
    lines = ["customer_id,name"] + [f"{i},c{i}" for i in range(1, 901)]
    lines.insert(5, "")  # a blank line shifts every later line number by one
    lines.append("7,again")
    path.write_text("\n".join(lines) + "\n")
    rejects = tmp_path / "rejects.csv"
    report = await client.bulk_add(RUNNING, read_customers(path), rejects=rejects, batch_size=100)
    assert (report.applied, report.duplicate_in_input) == (899, 1)  # 900 is on the DNC list
    with rejects.open() as handle:
        rows = {row["customer_id"]: row for row in csv.DictReader(handle)}
    assert rows["7"]["bucket"] == "duplicate_in_input"
    assert rows["7"]["line"] == str(len(lines))
    # 900 is on the DNC list: rejected by the server, at its own line (header + blank + 900).
    assert rows["900"]["bucket"] == "rejected"
    assert rows["900"]["line"] == str(902)


async def test_a_resumed_report_keeps_the_traffic_of_the_journaled_windows(tmp_path: Path) -> None:
    checkpoint = tmp_path / "upload.ckpt"
    faulty = make_simulator(error_rate=0.2, seed=5, retry_after=0)
    populate(faulty)
    async with faulty, make_client(faulty) as cc:
        first = await cc.bulk_add(RUNNING, range(1, 501), batch_size=50, checkpoint=checkpoint)
        again = await cc.bulk_add(RUNNING, range(1, 501), batch_size=50, checkpoint=checkpoint)
    assert first.retries > 0 and first.applied == 500
    assert again.resumed_items == 500 and again.applied == 500
    assert (again.requests, again.retries, again.throttled) == (
        first.requests,
        first.retries,
        first.throttled,
    )
