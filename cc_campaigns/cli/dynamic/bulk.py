"""8x8 ``upload`` and ``remove``: customers in bulk, through the shared bulk plumbing."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Coroutine, Iterable
from pathlib import Path
from typing import Any

import click

from ...bulk import BulkReport
from ...dynamic.adapters import read_customers
from ..bulk import bulk_options, checkpoint_path, count_rows, parse_column, run_job, run_upload
from ..context import CliState, pass_state
from ..errors import EXIT_CODES_HELP, fail
from ..render.progress import ProgressDisplay

__all__ = ["remove", "upload"]

COLUMN_HELP = (
    "The customer id column: a header name or a 0-based number (default: a "
    "customer_id/accountnum/id header, else the first column)."
)
CHECKPOINT_HELP = "Journal of finished batches; a rerun with the same file resumes."


@click.command(epilog=EXIT_CODES_HELP, short_help="Upload a file of customers (resumable).")
@click.argument("campaign_id", metavar="ID", type=click.IntRange(min=0))
@click.argument("source", metavar="FILE", type=click.Path(dir_okay=False, allow_dash=True))
@bulk_options(
    items="items",
    column_help=COLUMN_HELP,
    concurrency=16,
    checkpoint_help=CHECKPOINT_HELP,
    upload=True,
    between=[
        click.option(
            "--schedule-column",
            metavar="NAME|N",
            help="Column of the call times (ISO 8601 with a timezone; default: a 'schedule' "
            "header).",
        ),
        click.option(
            "--batch-size",
            type=click.IntRange(min=1, max=10_000),
            default=500,
            show_default=True,
            help="Customers per request.",
        ),
    ],
)
@pass_state
def upload(
    state: CliState,
    campaign_id: int,
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
    """Upload the customers of FILE to dynamic campaign ID; '-' reads standard input.

    FILE is a CSV (with or without a header), a text file with one id per line, or JSON
    Lines; .gz too. Rows that cannot be used are counted as invalid, with their line number in
    the --rejects file. Duplicates are sent once.

    A checkpoint (FILE.ckpt by default) records every finished batch: after Ctrl-C, --max-errors
    or a crash, run the same command again and it resumes where it stopped, without sending
    anything twice. It is deleted once every item has its final answer; a checkpoint of
    another file is refused (exit 2): --restart starts over.
    """
    journal = checkpoint_path(source, checkpoint, no_checkpoint=no_checkpoint, dry_run=dry_run)
    read = functools.partial(
        read_customers,
        column=parse_column(column),
        schedule_column=parse_column(schedule_column),
        encoding=encoding,
    )
    items = read(source)
    total = count_rows(source, read)
    client = state.client(write=True)

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


@click.command(epilog=EXIT_CODES_HELP, short_help="Remove customers (named, or from a file).")
@click.argument("campaign_id", metavar="ID", type=click.IntRange(min=0))
@click.argument("customers", metavar="[CUSTOMER]...", nargs=-1)
@click.option(
    "--file",
    "source",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Read the customers from this file (as `upload` does; '-' is standard input).",
)
@bulk_options(
    items="items",
    column_help=COLUMN_HELP,
    concurrency=16,
    checkpoint_help=CHECKPOINT_HELP,
    upload=False,
)
@pass_state
def remove(
    state: CliState,
    campaign_id: int,
    customers: tuple[str, ...],
    source: str | None,
    column: str | None,
    encoding: str,
    concurrency: int,
    checkpoint: Path | None,
    rejects: Path | None,
    max_errors: int | None,
    restart: bool,
    as_json: bool,
    progress: bool,
) -> None:
    """Remove customers from campaign ID: those named, or those of --file.

    Customers that are not in the campaign are reported as such (not an error); records that
    can no longer be deleted (an agent connected, completed) are reported with the reason.
    """
    if bool(customers) == bool(source):
        fail("name the customers to remove, or give --file FILE (not both)")
    items: Iterable[Any] = (
        read_customers(source, column=parse_column(column), encoding=encoding)
        if source
        else list(customers)
    )
    client = state.client(write=True)

    def start(display: ProgressDisplay, stop: asyncio.Event) -> Coroutine[Any, Any, BulkReport]:
        return client.bulk_remove(
            campaign_id,
            items,
            concurrency=concurrency,
            checkpoint=checkpoint,
            rejects=rejects,
            max_errors=max_errors,
            restart=restart,
            on_progress=display,
            stop=stop,
        )

    run_job(client, start, "remove", checkpoint, as_json=as_json, progress=progress)
