"""Rendering: tables for people (rich), JSON and CSV for scripts. No logic of its own.

Results go to stdout; progress, warnings and errors go to stderr, so ``--json`` output and CSV
can be piped while a person still sees what is happening.
"""

from __future__ import annotations

import csv
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs
import click
import orjson
from rich import box
from rich.console import Console, RenderableType
from rich.table import Table

from ..bulk import Bucket, BulkReport
from ..bulk.report import BUCKETS
from ..dynamic.models import Campaign, CampaignRecord, CampaignStatus, ItemResult, RecordStatus
from ..errors import is_duplicate_message

__all__ = [
    "campaign_table",
    "campaign_to_dict",
    "count_record_statuses",
    "describe_campaign",
    "err_console",
    "item_results_table",
    "out_console",
    "print_json",
    "record_to_dict",
    "records_table",
    "report_failed",
    "report_table",
    "show",
    "status_code",
    "write_records_csv",
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


def _code_name(value: Any) -> Any:
    """An enum member's name; an undocumented code stays a number."""
    return getattr(value, "name", value)


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M %Z").strip()
    return str(value)


# -- campaigns -----------------------------------------------------------------------------


def status_code(campaign: Campaign) -> str:
    """``3 Manual Running``; an unknown code or a missing status says so."""
    if campaign.status is None:
        return "none given"
    if isinstance(campaign.status, CampaignStatus):
        return f"{int(campaign.status)} {campaign.status_description}"
    return f"{campaign.status} (a code this version does not know)"


def describe_campaign(campaign: Campaign) -> str:
    """``RUNNING (3 Manual Running)``."""
    state = campaign.state.value if campaign.state is not None else "UNKNOWN"
    return f"{state} ({status_code(campaign)})"


def campaign_to_dict(campaign: Campaign) -> dict[str, Any]:
    """Every field of the campaign, plus its state and the meaning of its status code."""
    data = attrs.asdict(campaign, recurse=False)
    data["status"] = None if campaign.status is None else int(campaign.status)
    data["status_description"] = campaign.status_description
    data["state"] = campaign.state.value if campaign.state is not None else None
    return data


def _schedule(campaign: Campaign) -> str:
    parts = []
    if campaign.schedule_name:
        parts.append(campaign.schedule_name)
    if campaign.start_time or campaign.end_time:
        parts.append(f"{_text(campaign.start_time)} to {_text(campaign.end_time)}")
    if campaign.daily_start_time or campaign.daily_end_time:
        daily = f"{campaign.daily_start_time or '?'}-{campaign.daily_end_time or '?'}"
        parts.append(f"daily {daily}")
    return ", ".join(parts) if parts else "none"


def campaign_table(campaign: Campaign) -> Table:
    """The campaign's status as a two-column table."""
    table = Table(
        title=f"Campaign {campaign.campaign_id}",
        show_header=False,
        box=None,
        padding=(0, 1),
        title_justify="left",
        title_style="bold",
    )
    table.add_column("field", style="bold")
    table.add_column("value")
    state = campaign.state.value if campaign.state is not None else "unknown"
    table.add_row("name", _text(campaign.name))
    table.add_row("state", state)
    table.add_row("status", status_code(campaign))
    table.add_row("records", _text(campaign.record_count))
    table.add_row("enabled", _text(campaign.enabled))
    table.add_row("dynamic", _text(campaign.dynamic))
    table.add_row("schedule", _schedule(campaign))
    table.add_row("timezone", _text(campaign.timezone))
    return table


# -- records -------------------------------------------------------------------------------


def record_to_dict(record: CampaignRecord) -> dict[str, Any]:
    return {
        "record_id": record.record_id,
        "campaign_id": record.campaign_id,
        "status": _code_name(record.status),
        "status_code": _code_name(record.status_code),
        "disposition": _code_name(record.disposition),
        "phones": [attrs.asdict(phone) for phone in record.phones],
        "ext_trans_data": record.ext_trans_data,
    }


def _primary_phone(record: CampaignRecord) -> str:
    for phone in record.phones:
        if phone.primary:
            return phone.number
    return record.phones[0].number if record.phones else (record.phone_list or "-")


def _lower_name(value: Any) -> str:
    name = _code_name(value)
    return "-" if name is None else str(name).lower()


def count_record_statuses(records: Iterable[CampaignRecord]) -> dict[str, int]:
    """Records per status name (lower case), in the order of :class:`RecordStatus`."""
    counts = Counter(_lower_name(record.status) for record in records)
    ordered = {
        s.name.lower(): counts.pop(s.name.lower()) for s in RecordStatus if counts[s.name.lower()]
    }
    ordered.update(sorted(counts.items()))
    return ordered


def records_table(
    records: Sequence[CampaignRecord], counts: Mapping[str, int], *, title: str
) -> Table:
    """Records, with the counts per status (over all records) as the caption."""
    table = Table(
        title=title,
        box=box.SIMPLE_HEAD,
        title_justify="left",
        title_style="bold",
        min_width=len(title),
    )
    for name, justify in (
        ("record", "right"),
        ("status", "left"),
        ("code", "left"),
        ("disposition", "left"),
        ("phone", "left"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for record in records:
        table.add_row(
            _text(record.record_id),
            _lower_name(record.status),
            _lower_name(record.status_code),
            _lower_name(record.disposition),
            _primary_phone(record),
        )
    total = sum(counts.values())
    summary = ", ".join(f"{name} {count:,}" for name, count in counts.items()) or "no records"
    table.caption = f"{summary} (total {total:,})"
    table.caption_justify = "left"
    return table


def write_records_csv(records: Iterable[CampaignRecord]) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["record_id", "status", "status_code", "disposition", "phone", "phone_list"])
    for record in records:
        writer.writerow(
            [
                record.record_id,
                _lower_name(record.status),
                _lower_name(record.status_code),
                _lower_name(record.disposition),
                _primary_phone(record),
                record.phone_list or "",
            ]
        )


# -- adds ----------------------------------------------------------------------------------


def item_results_table(results: Sequence[ItemResult], sent: Sequence[Any]) -> Table:
    """One row per customer: what the service said about it."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False)
    table.add_column("customer", justify="right")
    table.add_column("result")
    table.add_column("http", justify="right")
    table.add_column("schedule")
    for index, result in enumerate(results):
        customer = result.customer_id
        if customer is None and index < len(sent):
            customer = sent[index]
        if result.ok:
            outcome = "added"
        elif is_duplicate_message(result.message):
            outcome = f"already in the campaign ({result.message})"
        else:
            outcome = result.message or "not added"
        table.add_row(_text(customer), outcome, str(result.http_status), _text(result.schedule))
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
    title += f" {report.campaign_id}"
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
        if bucket is Bucket.ADDED and report.confirmed_on_retry:
            note = f"{report.confirmed_on_retry:,} of them confirmed on a resend"
        if value or (bucket is Bucket.ADDED and not report.dry_run):
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
