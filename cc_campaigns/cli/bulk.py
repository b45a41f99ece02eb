"""What every provider's bulk commands (``upload``, ``remove``) share: their options
(column, encoding, concurrency, checkpoint, rejects, max errors, restart, dry run, JSON,
progress), counting the input for the progress bar, running the job with clean Ctrl-C, and
printing the report with the hint to resume and the exit code."""

from __future__ import annotations

import asyncio
import codecs
import gzip
import zlib
from collections.abc import Callable, Coroutine, Iterable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import click

from ..bulk import BulkReport
from ..errors import CampaignsError, SourceError
from .context import run_bulk
from .errors import ExitCode, fail
from .render import report_failed, report_table, show
from .render.progress import ProgressDisplay

__all__ = [
    "ENCODING_OPTION",
    "bulk_options",
    "checkpoint_path",
    "count_lines",
    "count_rows",
    "parse_column",
    "run_job",
]


def parse_column(value: str | None) -> str | int | None:
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


def count_rows(source: str, read: Callable[[str], Iterable[Any]]) -> int | None:
    """The number of rows of ``source`` for the progress bar and the ETA (None for stdin).

    ``read(source)`` is the provider's reader with the command's column and encoding (a
    ``read_customers`` or ``read_targets``). Counting lines is fast (a million a few tens of
    milliseconds); a header line is recognised the way the reader recognises it: by the line
    number of its first row. A quoted field spanning lines would make it a little high, which
    only moves the ETA. Reading the first row also checks the file and the columns (a missing
    file, an out-of-range --column) before anything is sent; a truncated .gz is found here too.
    """
    if source == "-":
        return None
    rows = read(source)
    try:
        first = next(iter(rows), None)
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()
    if first is None:
        return 0
    return count_lines(source, getattr(first, "line", None) or 1)


def checkpoint_path(
    source: str, checkpoint: Path | None, *, no_checkpoint: bool, dry_run: bool
) -> Path | None:
    """The journal of an upload: ``--checkpoint``, else FILE.ckpt (none for standard input,
    ``--no-checkpoint`` or a dry run)."""
    if no_checkpoint or dry_run:
        return None
    if checkpoint is None and source != "-":
        return Path(f"{source}.ckpt")
    return checkpoint


def bulk_options(
    *,
    items: str,
    column_help: str,
    concurrency: int,
    checkpoint_help: str,
    upload: bool,
    between: Sequence[Callable[[Any], Any]] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The options every bulk command of every provider has, in one order.

    Args:
        items: What the rows are, in help texts ("items", "targets").
        column_help: Help of ``--column`` (which column holds the id or number).
        concurrency: Default of ``--concurrency``.
        checkpoint_help: Help of ``--checkpoint``.
        upload: An upload (not a removal): adds ``--no-checkpoint`` and ``--dry-run``.
        between: Provider options, placed after ``--encoding``.
    """
    options: list[Callable[[Any], Any]] = [
        click.option("--column", metavar="NAME|N", help=column_help),
        ENCODING_OPTION,
        *between,
        click.option(
            "--concurrency",
            type=click.IntRange(min=1, max=64),
            default=concurrency,
            show_default=True,
            help="Most requests in flight (the engine lowers it when the service pushes back).",
        ),
        click.option(
            "--checkpoint",
            type=click.Path(dir_okay=False, path_type=Path),
            help=checkpoint_help,
        ),
    ]
    if upload:
        options.append(
            click.option(
                "--no-checkpoint",
                is_flag=True,
                help="Keep no checkpoint (a rerun starts from the top).",
            )
        )
    options += [
        click.option(
            "--rejects",
            type=click.Path(dir_okay=False, path_type=Path),
            help=f"Write every {items[:-1]} that was not done to this CSV (or .jsonl) file, "
            "with the reason and its line number.",
        ),
        click.option(
            "--max-errors",
            type=click.IntRange(min=0),
            help=f"Stop after this many {items} failed (invalid, rejected, unknown).",
        ),
        click.option(
            "--restart",
            is_flag=True,
            help="Start over: forget what the checkpoint says (it belongs to another file, or "
            "you want everything sent again).",
        ),
    ]
    if upload:
        options.append(
            click.option(
                "--dry-run",
                is_flag=True,
                help="Read and validate the file and count; send nothing.",
            )
        )
    options += [
        click.option("--json", "as_json", is_flag=True, help="Print the report as JSON."),
        click.option(
            "--progress/--no-progress",
            default=True,
            show_default=True,
            help="Show progress on stderr: a live bar on a terminal, else a line every 5 s.",
        ),
    ]

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(options):
            function = option(function)
        return function

    return decorate


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


def run_job(
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


def run_upload(
    client: AbstractAsyncContextManager[Any],
    bulk_add: Callable[..., Coroutine[Any, Any, BulkReport]],
    target: Any,
    items: Any,
    *,
    checkpoint: Path | None,
    total: int | None,
    as_json: bool,
    progress: bool,
    **options: Any,
) -> None:
    """``upload``: ``bulk_add(target, items, **options)`` of ``client`` run by :func:`run_job`
    (progress, the report, the exit code); the same for every provider with a batch upload."""

    def start(display: ProgressDisplay, stop: asyncio.Event) -> Coroutine[Any, Any, BulkReport]:
        return bulk_add(
            target,
            items,
            checkpoint=checkpoint,
            on_progress=display,
            stop=stop,
            total=total,
            **options,
        )

    run_job(client, start, "upload", checkpoint, as_json=as_json, progress=progress, total=total)
