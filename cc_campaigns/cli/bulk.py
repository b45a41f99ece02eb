"""``upload`` and ``remove``: the bulk engine, with progress, a summary, and resume."""

from __future__ import annotations

import asyncio
import codecs
import gzip
import zlib
from collections.abc import Callable, Coroutine, Iterable, Iterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import click

from ..bulk import BulkReport, read_customers
from ..errors import CampaignsError, SourceError
from .context import (
    EXIT_CODES_HELP,
    CliState,
    ExitCode,
    fail,
    pass_state,
    run_bulk,
)
from .output import report_failed, report_table, show
from .progress import ProgressDisplay

__all__ = ["remove", "upload"]


def _column(value: str | None) -> str | int | None:
    """A header name, or a 0-based column number."""
    if value is None:
        return None
    text = value.strip()
    return int(text) if text.isdigit() else text


def _encoding(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """``--encoding``: a text encoding Python knows, checked before anything is read."""
    try:
        codec = codecs.lookup(value)
    except LookupError:
        raise click.BadParameter(
            f"unknown text encoding {value!r} (e.g. utf-8, cp1252, latin-1, utf-16)"
        ) from None
    if not getattr(codec, "_is_text_encoding", True):
        raise click.BadParameter(f"{value!r} is not a text encoding")
    return value


ENCODING_OPTION = click.option(
    "--encoding",
    default="utf-8",
    show_default=True,
    callback=_encoding,
    help="Text encoding of FILE (e.g. cp1252, latin-1, utf-16; a UTF-16/32 file with a byte "
    "order mark is recognised). Rows that do not decode are counted as invalid.",
)


def _count_rows(
    source: str,
    *,
    column: str | int | None,
    schedule_column: str | int | None,
    encoding: str = "utf-8",
) -> int | None:
    """The number of rows of ``source`` for the progress bar and the ETA (None for stdin).

    Counting lines is fast (a million a few tens of milliseconds); a header line is recognised
    the way the reader recognises it: by the line number of its first row. A quoted field
    spanning lines would make it a little high, which only moves the ETA. Reading the first row
    also checks the file and the columns (a missing file, an out-of-range --column) before
    anything is sent; a truncated .gz is found here too.
    """
    if source == "-":
        return None
    rows = read_customers(source, column=column, schedule_column=schedule_column, encoding=encoding)
    try:
        first = next(iter(rows), None)
    finally:
        rows.close()
    if first is None:
        return 0
    return count_lines(source, first.line or 1)


def count_lines(source: str, first_line: int) -> int:
    """Non-blank lines of ``source`` from ``first_line`` on.

    Raises:
        SourceError: the file cannot be read to its end (a truncated or corrupt .gz).
    """
    count = number = 0
    try:
        for number, line in enumerate(_lines(source), start=1):
            if number >= first_line and line.strip():
                count += 1
    except (OSError, EOFError, zlib.error) as err:
        raise SourceError(
            f"cannot read {source} after line {number:,}: the gzip data is truncated or "
            f"corrupt ({err})"
            if source.lower().endswith(".gz")
            else f"cannot read {source} after line {number:,}: {err}",
            path=source,
            line=number,
        ) from None
    return count


def _lines(source: str) -> Iterator[bytes]:
    if source.lower().endswith(".gz"):
        with gzip.open(source, "rb") as packed:
            yield from packed
    else:
        with open(source, "rb") as plain:
            yield from plain


def _common_options(function: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option(
            "--column",
            metavar="NAME|N",
            help="The customer id column: a header name or a 0-based number (default: a "
            "customer_id/accountnum/id header, else the first column).",
        ),
        ENCODING_OPTION,
        click.option(
            "--concurrency",
            type=click.IntRange(min=1, max=64),
            default=16,
            show_default=True,
            help="Most requests in flight (the engine lowers it when the service pushes back).",
        ),
        click.option(
            "--checkpoint",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Journal of finished batches; a rerun with the same file resumes.",
        ),
        click.option(
            "--rejects",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Write every item that was not done to this CSV (or .jsonl) file, with the "
            "reason and its line number.",
        ),
        click.option(
            "--max-errors",
            type=click.IntRange(min=0),
            help="Stop after this many items failed (invalid, rejected, unknown).",
        ),
        click.option(
            "--restart",
            is_flag=True,
            help="Start over: forget what the checkpoint says (it belongs to another file, or "
            "you want everything sent again).",
        ),
        click.option("--json", "as_json", is_flag=True, help="Print the report as JSON."),
        click.option(
            "--progress/--no-progress",
            default=True,
            show_default=True,
            help="Show progress on stderr: a live bar on a terminal, else a line every 5 s.",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


@click.command(epilog=EXIT_CODES_HELP, short_help="Upload a file of customers (resumable).")
@click.argument("campaign_id", metavar="ID", type=click.IntRange(min=0))
@click.argument("source", metavar="FILE", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--schedule-column",
    metavar="NAME|N",
    help="Column of the call times (ISO 8601 with a timezone; default: a 'schedule' header).",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1, max=10_000),
    default=500,
    show_default=True,
    help="Customers per request.",
)
@click.option(
    "--no-checkpoint", is_flag=True, help="Keep no checkpoint (a rerun starts from the top)."
)
@click.option("--dry-run", is_flag=True, help="Read and validate the file and count; send nothing.")
@_common_options
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
    journal: Path | None = checkpoint
    if no_checkpoint or dry_run:
        journal = None
    elif journal is None and source != "-":
        journal = Path(f"{source}.ckpt")
    id_column, when_column = _column(column), _column(schedule_column)
    items = read_customers(source, column=id_column, schedule_column=when_column, encoding=encoding)
    total = _count_rows(source, column=id_column, schedule_column=when_column, encoding=encoding)
    client = state.client(write=True)

    def start(display: ProgressDisplay, stop: asyncio.Event) -> Coroutine[Any, Any, BulkReport]:
        return client.bulk_add(
            campaign_id,
            items,
            batch_size=batch_size,
            concurrency=concurrency,
            checkpoint=journal,
            rejects=rejects,
            max_errors=max_errors,
            restart=restart,
            on_progress=display,
            dry_run=dry_run,
            stop=stop,
            total=total,
        )

    _run(client, start, "upload", journal, as_json=as_json, progress=progress, total=total)


@click.command(epilog=EXIT_CODES_HELP, short_help="Remove customers (named, or from a file).")
@click.argument("campaign_id", metavar="ID", type=click.IntRange(min=0))
@click.argument("customers", metavar="[CUSTOMER]...", nargs=-1)
@click.option(
    "--file",
    "source",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Read the customers from this file (as `upload` does; '-' is standard input).",
)
@_common_options
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
        read_customers(source, column=_column(column), encoding=encoding)
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

    _run(client, start, "remove", checkpoint, as_json=as_json, progress=progress)


def _run(
    client: AbstractAsyncContextManager[Any],
    start: Callable[[ProgressDisplay, asyncio.Event], Coroutine[Any, Any, BulkReport]],
    label: str,
    checkpoint: Path | None,
    *,
    as_json: bool,
    progress: bool,
    total: int | None = None,
) -> None:
    """Run a bulk operation of ``client`` (an 8x8 or a VoIPbin client) with progress, show
    its report, and exit 1 (not all done) or 130 (interrupted) as it went."""
    display = ProgressDisplay(label, enabled=progress, total=total)

    async def main(stop: asyncio.Event) -> BulkReport:
        async with client:
            with display:
                return await start(display, stop)

    def interrupted() -> None:
        display.note(
            "Interrupted: letting the batches in flight finish (Ctrl-C again to stop at once"
            + ("; the checkpoint stays consistent either way)." if checkpoint else ").")
        )

    try:
        report = run_bulk(main, on_interrupt=interrupted)
    except CampaignsError as err:
        # An error that ended the job (campaign stopped, credentials, the service unreachable,
        # a file that broke off...): show what was done, then the error itself.
        partial = getattr(err, "report", None)
        if isinstance(partial, BulkReport):
            _show(partial, as_json=as_json, checkpoint_removed=False)
            _resume_hint(label, partial)
        raise
    if report is None:
        done = display.last.done if display.last is not None else 0
        fail(
            f"interrupted after {done:,} items; {_how_to_resume(checkpoint)}.", ExitCode.INTERRUPTED
        )
    unsettled = report.unknown + report.not_sent
    complete = not report.aborted and not unsettled and report.checkpoint is not None
    if complete and report.checkpoint:
        # Nothing is left to resume, and tomorrow's file under the same name starts afresh
        # (a checkpoint kept would refuse it as another source).
        Path(report.checkpoint).unlink(missing_ok=True)
    _show(report, as_json=as_json, checkpoint_removed=complete)
    if report.aborted or (unsettled and report.checkpoint):
        _resume_hint(label, report)
    failed = report_failed(report)
    if failed and not report.rejects and not as_json:
        click.echo("Pass --rejects FILE to list every item that was not done, with why.", err=True)
    if report.aborted and (report.abort_reason or "").startswith("interrupted"):
        click.get_current_context().exit(int(ExitCode.INTERRUPTED))
    if failed or report.aborted:
        click.get_current_context().exit(int(ExitCode.NOT_ALL_DONE))


def _show(report: BulkReport, *, as_json: bool, checkpoint_removed: bool) -> None:
    if as_json:
        click.echo(report.to_json())
    else:
        show(report_table(report, checkpoint_removed=checkpoint_removed))


def _how_to_resume(checkpoint: str | Path | None) -> str:
    if checkpoint:
        return f"run the same command again to resume from the checkpoint {checkpoint}"
    return "there was no checkpoint, so running it again starts from the top"


def _resume_hint(label: str, report: BulkReport) -> None:
    unsettled = report.unknown + report.not_sent
    reason = report.abort_reason or f"{unsettled:,} items have no final answer yet"
    click.echo(
        f"The {label} did not finish ({reason}); {_how_to_resume(report.checkpoint)}.",
        err=True,
    )
