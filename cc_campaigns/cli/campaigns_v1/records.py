"""``add`` (a few records, one all-or-nothing request) and ``upload`` (a file, resumable,
through the shared bulk plumbing)."""

from __future__ import annotations

import functools
import uuid
from pathlib import Path

import click

from ...campaigns_v1 import (
    MAX_RECORDS_PER_REQUEST,
    AddRecord,
    CampaignsV1Client,
    DuplicateRecordError,
    Record,
    RecordPriority,
    read_records,
)
from ..bulk import bulk_options, checkpoint_path, count_rows, parse_column, run_upload
from ..context import V1State, pass_v1, run_client
from ..errors import exit_codes_help, fail
from ..render import print_json, show
from ..render.campaigns_v1 import added_json, added_table
from .campaign import CAMPAIGN_ID, JSON_OPTION

__all__ = ["EXIT_CODES_HELP_V1", "add", "upload"]

EXIT_CODES_HELP_V1 = exit_codes_help("records", "campaign", "the Campaigns API v1")
COLUMN_HELP = (
    "The CRM record id column: a header name or a 0-based number (default: a crm_record_id/"
    "crmRecordId/record_id/id header, else the first column)."
)
CHECKPOINT_HELP = "Journal of finished batches; a rerun with the same file resumes."
ADDED = "added"
ALREADY = "already in the campaign"


@click.command(epilog=EXIT_CODES_HELP_V1, short_help="Add a few records; show each result.")
@CAMPAIGN_ID
@click.argument("crm_ids", metavar="RECORD...", nargs=-1, required=True)
@click.option(
    "--at",
    metavar="ISO-TIME",
    help="Dial them no earlier than this: ISO 8601 with an offset, e.g. 2026-06-02T09:00:00+02:00.",
)
@click.option(
    "--priority",
    type=click.Choice([p.value for p in RecordPriority], case_sensitive=False),
    help="Dialled HIGH, then MEDIUM, then LOW (the service's default: HIGH).",
)
@click.option("--rank", type=float, help="Order within the priority (default: after the others).")
@JSON_OPTION
@pass_v1
def add(
    state: V1State,
    campaign_id: uuid.UUID,
    crm_ids: tuple[str, ...],
    at: str | None,
    priority: str | None,
    rank: float | None,
    as_json: bool,
) -> None:
    """Add records (CRM record ids, 1-32 characters) to dynamic campaign ID and show each as
    stored. Up to 100, sent as one all-or-nothing request; ids the campaign already holds are
    reported as such (not an error) and the others sent again without them. For files and
    more records use `upload`."""
    if len(crm_ids) > MAX_RECORDS_PER_REQUEST:
        fail(f"at most {MAX_RECORDS_PER_REQUEST} records per add; use `upload` for more")
    if len(set(crm_ids)) != len(crm_ids):
        fail("a record id is repeated: the service would refuse the whole request")
    chosen = priority.upper() if priority else None
    items = {crm: AddRecord(crm, schedule_at=at, priority=chosen, rank=rank) for crm in crm_ids}

    async def main(client: CampaignsV1Client) -> dict[str, tuple[str, Record | None]]:
        results: dict[str, tuple[str, Record | None]] = {}
        remaining = dict(items)
        while remaining:
            try:
                stored = await client.add_records(campaign_id, list(remaining.values()))
            except DuplicateRecordError as err:
                present = [crm for crm in err.crm_record_ids if crm in remaining]
                if not present:
                    raise
                for crm in present:
                    results[crm] = (ALREADY, None)
                    del remaining[crm]
                continue
            by_crm = {record.crm_record_id: record for record in stored}
            for crm in remaining:
                results[crm] = (ADDED, by_crm.get(crm))
            break
        return results

    results = run_client(state.client(), main)
    rows = [(crm, *results[crm]) for crm in crm_ids]
    if as_json:
        print_json(added_json(rows))
    else:
        show(added_table(rows))


@click.command(epilog=EXIT_CODES_HELP_V1, short_help="Upload a file of records (resumable).")
@CAMPAIGN_ID
@click.argument("source", metavar="FILE", type=click.Path(dir_okay=False, allow_dash=True))
@bulk_options(
    items="records",
    column_help=COLUMN_HELP,
    concurrency=8,
    checkpoint_help=CHECKPOINT_HELP,
    upload=True,
    between=[
        click.option(
            "--schedule-column",
            metavar="NAME|N",
            help="Column of the earliest dial times (ISO 8601 with an offset; default: a "
            "schedule_at/scheduleAt/schedule header).",
        ),
        click.option(
            "--batch-size",
            type=click.IntRange(min=1, max=MAX_RECORDS_PER_REQUEST),
            default=MAX_RECORDS_PER_REQUEST,
            show_default=True,
            help="Records per request (each all or nothing).",
        ),
    ],
)
@pass_v1
def upload(
    state: V1State,
    campaign_id: uuid.UUID,
    source: str,
    column: str | None,
    encoding: str,
    schedule_column: str | None,
    batch_size: int,
    concurrency: int,
    checkpoint: Path | None,
    no_checkpoint: bool,
    rejects: Path | None,
    max_errors: int | None,
    restart: bool,
    dry_run: bool,
    as_json: bool,
    progress: bool,
) -> None:
    """Upload the records of FILE to dynamic campaign ID; '-' reads standard input.

    FILE is a CSV (with or without a header; priority and rank columns are read when present),
    a text file with one CRM record id per line, or JSON Lines; .gz too. Rows that cannot be
    used are counted as invalid, with their line number in the --rejects file. Duplicates are
    sent once; records the campaign already holds are counted as already there (a refused
    batch is resent without them, never lost).

    A checkpoint (FILE.ckpt by default) records every finished batch: after Ctrl-C,
    --max-errors or a crash, run the same command again and it resumes where it stopped. It is
    deleted once every record has its final answer; a checkpoint of another file is refused
    (exit 2): --restart starts over.
    """
    journal = checkpoint_path(source, checkpoint, no_checkpoint=no_checkpoint, dry_run=dry_run)
    read = functools.partial(
        read_records,
        column=parse_column(column),
        schedule_column=parse_column(schedule_column),
        encoding=encoding,
    )
    items = read(source)
    total = count_rows(source, read)
    client = state.client()

    run_upload(
        client,
        client.bulk_add,
        campaign_id,
        items,
        checkpoint=journal,
        total=total,
        as_json=as_json,
        progress=progress,
        batch_size=batch_size,
        concurrency=concurrency,
        rejects=rejects,
        max_errors=max_errors,
        restart=restart,
        dry_run=dry_run,
    )
