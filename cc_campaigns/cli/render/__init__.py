"""Rendering shared by every provider: tables for people (rich), JSON for scripts, and the bulk
report. No logic of its own; each provider's own tables are in a module beside this one.

Results go to stdout; progress, warnings and errors go to stderr, so ``--json`` output and CSV
can be piped while a person still sees what is happening.
"""

from __future__ import annotations

import enum
import sys
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import attrs
import click
import orjson
from rich import box
from rich.console import Console, RenderableType
from rich.table import Table

from ...bulk import Bucket, BulkReport
from ...bulk.report import BUCKETS

__all__ = [
    "DRY_RUN_REASON",
    "code_name",
    "err_console",
    "fields_table",
    "list_table",
    "out_console",
    "outcomes_table",
    "print_json",
    "report_failed",
    "report_table",
    "show",
    "text",
    "to_dict",
]


def out_console() -> Console:
    """A console on the current stdout (looked up now: test runners swap it)."""
    return Console(file=sys.stdout, highlight=False)


def show(renderable: RenderableType) -> None:
    """Print a table on stdout, without the trailing blanks rich pads lines with."""
    console = out_console()
    with console.capture() as capture:
        console.print(renderable)
    click.echo("\n".join(line.rstrip() for line in capture.get().splitlines()))


def err_console() -> Console:
    """A console on the current stderr."""
    return Console(file=sys.stderr, highlight=False)


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def print_json(data: Any) -> None:
    """``data`` as indented JSON on stdout."""
    text = orjson.dumps(
        data, default=_default, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS
    )
    click.echo(text.decode())


def _value(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def to_dict(item: Any) -> dict[str, Any]:
    """An attrs model as JSON-ready data: enums as their values, datetimes in ISO 8601."""
    data: dict[str, Any] = attrs.asdict(item, value_serializer=lambda _i, _a, v: _value(v))
    return data


def code_name(value: Any) -> Any:
    """An enum member's name; an undocumented code stays a number."""
    return getattr(value, "name", value)


def text(value: Any) -> str:
    """A cell: ``-`` for nothing, yes/no, an enum's value, a date to the minute."""
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M %Z").strip()
    return str(value)


def fields_table(title: str, rows: Iterable[tuple[str, str]]) -> Table:
    """One object as a two-column table: field, value."""
    table = Table(
        title=title,
        show_header=False,
        box=None,
        padding=(0, 1),
        title_justify="left",
        title_style="bold",
    )
    table.add_column("field", style="bold")
    table.add_column("value")
    for field, value in rows:
        table.add_row(field, value)
    return table


def list_table(title: str, columns: list[tuple[str, bool]]) -> Table:
    """A list: ``columns`` are (name, wraps); ids and other short values never wrap."""
    table = Table(
        title=title,
        box=box.SIMPLE_HEAD,
        show_edge=False,
        title_justify="left",
        title_style="bold",
    )
    for name, wraps in columns:
        table.add_column(name, no_wrap=not wraps, overflow="fold" if wraps else "ellipsis")
    return table


# -- bulk reports --------------------------------------------------------------------------

_NOTES = {
    "duplicate_in_input": "sent once",
    "invalid": "bad id, schedule or row: never sent",
    "unknown": "may have been applied: a rerun with the checkpoint resends and confirms",
    "not_sent": "not applied: a rerun with the checkpoint sends them",
}
#: The reason the engine gives the items a dry run holds back.
DRY_RUN_REASON = "dry run: not sent"


def report_table(report: BulkReport, *, checkpoint_removed: bool = False) -> Table:
    """The bulk report: every item in one bucket, the reasons, the traffic, the files.

    The title names what the items went to: the report's ``target_kind`` ("campaign" for 8x8,
    "outdial" for VoIPbin targets).
    """
    target = report.target_kind
    where = "to" if report.operation == "add" else "from"
    title = f"{'Upload' if report.operation == 'add' else 'Removal'} {where} {target}"
    title += f" {report.target}"
    if report.dry_run:
        title = f"Dry run: {title[0].lower()}{title[1:]} (nothing sent)"
    table = Table(
        title=title,
        show_header=False,
        box=box.SIMPLE,
        show_edge=False,
        padding=(0, 1),
        title_justify="left",
        title_style="bold",
        min_width=len(title),
    )
    table.add_column("what", style="bold")
    table.add_column("count", justify="right")
    table.add_column("note")
    table.add_row("submitted", f"{report.submitted:,}", "items read")
    for bucket in BUCKETS:
        value = report.count(bucket)
        label, note = report.label(bucket), _NOTES.get(bucket.value, "")
        if target != "campaign":
            label = label.replace("campaign", target)
            if bucket is Bucket.INVALID:
                note = "bad value or row: never sent"
        if report.dry_run and bucket is Bucket.NOT_SENT:
            label, note = "valid", "would be sent"
        elif report.dry_run and bucket is Bucket.DUPLICATE_IN_INPUT:
            note = "would be sent once"
        if bucket is Bucket.APPLIED and report.confirmed_on_retry:
            note = f"{report.confirmed_on_retry:,} of them confirmed on a resend"
        if value or (bucket is Bucket.APPLIED and not report.dry_run):
            table.add_row(label, f"{value:,}", note)
    reasons = {r: n for r, n in report.reasons.items() if not report.dry_run or r != DRY_RUN_REASON}
    for index, (reason, count) in enumerate(sorted(reasons.items(), key=lambda kv: -kv[1])):
        table.add_row("" if index else "reasons", f"{count:,}", reason)
    table.add_section()
    if not report.dry_run:
        table.add_row(
            "requests",
            f"{report.requests:,}",
            f"{report.batches:,} batches, {report.retries:,} retries, "
            f"{report.throttled:,} throttled",
        )
    table.add_row(
        "elapsed", f"{report.elapsed:,.1f} s", f"{report.records_per_second:,.0f} items/s"
    )
    if report.already_complete:
        table.add_row(
            "complete",
            f"{report.resumed_items:,}",
            "the checkpoint's finished upload: nothing sent",
        )
    elif report.resumed:
        table.add_row("resumed", f"{report.resumed_items:,}", "items restored from the checkpoint")
    if report.aborted:
        table.add_row("stopped", "", report.abort_reason or "aborted")
    if report.checkpoint:
        note = " (complete: removed)" if checkpoint_removed else ""
        table.add_row("checkpoint", "", report.checkpoint + note)
    if report.rejects:
        partial = report.rejects_partial
        note = f" (this run's items; {partial:,} of earlier runs are not in it)" if partial else ""
        table.add_row("rejects", "", report.rejects + note)
    return table


def report_failed(report: BulkReport) -> int:
    """Items that did not make it; in a dry run, only the invalid ones count."""
    return report.invalid if report.dry_run else report.failed


def outcomes_table(rows: Iterable[tuple[str, str, str]], *, item: str) -> Table:
    """One row per item a command named: the item, what happened to it, the HTTP status."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False)
    table.add_column(item, justify="right")
    table.add_column("result")
    table.add_column("http", justify="right")
    for name, result, status in rows:
        table.add_row(name, result, status)
    return table
