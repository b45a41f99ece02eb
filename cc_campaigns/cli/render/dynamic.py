"""The 8x8 Dynamic Campaigns API's own tables and JSON shapes: a campaign, its records, the
per-customer results of an add."""

from __future__ import annotations

import csv
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs
from rich import box
from rich.table import Table

from ...dynamic.models import Campaign, CampaignRecord, CampaignStatus, ItemResult, RecordStatus
from ...errors import is_duplicate_message
from . import code_name, fields_table, text

__all__ = [
    "campaign_table",
    "campaign_to_dict",
    "count_record_statuses",
    "describe_campaign",
    "item_results_table",
    "record_to_dict",
    "records_table",
    "status_code",
    "write_records_csv",
]


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
        parts.append(f"{text(campaign.start_time)} to {text(campaign.end_time)}")
    if campaign.daily_start_time or campaign.daily_end_time:
        daily = f"{campaign.daily_start_time or '?'}-{campaign.daily_end_time or '?'}"
        parts.append(f"daily {daily}")
    return ", ".join(parts) if parts else "none"


def campaign_table(campaign: Campaign) -> Table:
    """The campaign's status as a two-column table."""
    state = campaign.state.value if campaign.state is not None else "unknown"
    return fields_table(
        f"Campaign {campaign.campaign_id}",
        [
            ("name", text(campaign.name)),
            ("state", state),
            ("status", status_code(campaign)),
            ("records", text(campaign.record_count)),
            ("enabled", text(campaign.enabled)),
            ("dynamic", text(campaign.dynamic)),
            ("schedule", _schedule(campaign)),
            ("timezone", text(campaign.timezone)),
        ],
    )


# -- records -------------------------------------------------------------------------------


def record_to_dict(record: CampaignRecord) -> dict[str, Any]:
    return {
        "record_id": record.record_id,
        "campaign_id": record.campaign_id,
        "status": code_name(record.status),
        "status_code": code_name(record.status_code),
        "disposition": code_name(record.disposition),
        "phones": [attrs.asdict(phone) for phone in record.phones],
        "ext_trans_data": record.ext_trans_data,
    }


def _primary_phone(record: CampaignRecord) -> str:
    for phone in record.phones:
        if phone.primary:
            return phone.number
    return record.phones[0].number if record.phones else (record.phone_list or "-")


def _lower_name(value: Any) -> str:
    name = code_name(value)
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
            text(record.record_id),
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
        table.add_row(text(customer), outcome, str(result.http_status), text(result.schedule))
    return table
