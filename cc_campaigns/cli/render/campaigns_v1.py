"""The Campaigns API v1's own tables: a campaign as an action's answer shows it (v1 has no
read endpoint), and the records an ``add`` stored."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.table import Table

from ...campaigns_v1 import Campaign, Record
from . import fields_table, list_table, text, to_dict

__all__ = ["added_json", "added_table", "campaign_status", "campaign_table", "record_counts"]


def campaign_status(campaign: Campaign) -> str:
    """``RUNNING``, or the state and what the UI shows when they differ: ``COMPLETE
    (STOPPED)``; ``unknown`` when the answer had no state."""
    state = text(campaign.state) if campaign.state is not None else "unknown"
    shown = text(campaign.display_status) if campaign.display_status is not None else None
    return state if shown in (None, state) else f"{state} ({shown})"


def record_counts(campaign: Campaign) -> str:
    """``PENDING 3, COMPLETE/SUCCESS 1``: the records per state (and result), most first."""
    parts = []
    for count in sorted(campaign.record_counts, key=lambda c: -c.count):
        name = text(count.state)
        if count.result is not None:
            name += f"/{text(count.result)}"
        if count.type is not None and text(count.type) != "DYNAMIC":
            name += f" ({text(count.type)})"
        parts.append(f"{name} {count.count:,}")
    return ", ".join(parts)


def campaign_table(campaign: Campaign, *, action: str | None = None) -> Table:
    """One campaign as a two-column table; ``action``: the action it answers."""
    rows: list[tuple[str, Any]] = [
        ("state", campaign_status(campaign)),
        ("records", campaign.record_count),
        ("per state", record_counts(campaign) or None),
        ("tenant", campaign.tenant_id),
        ("integration", campaign.integration_type),
        ("start time", campaign.start_time),
        ("end time", campaign.end_time),
        ("last build", campaign.last_build_time),
        ("started", campaign.started_time),
        ("completed", campaign.completed_time),
        ("last purged", campaign.last_purged_time),
    ]
    title = f"Campaign {campaign.id}" + (f" after {action}" if action else "")
    table = fields_table(title, [(field, text(value)) for field, value in rows])
    table.min_width = len(title)  # a UUID in the title never wraps
    return table


def added_table(rows: Sequence[tuple[str, str, Record | None]]) -> Table:
    """One row per CRM record id an ``add`` named: the result, and the record as stored (its
    server id is in ``--json``)."""
    table = list_table("Records", [("crm record id", False), ("result", True)])
    for name in ("state", "priority", "rank", "next attempt after"):
        table.add_column(name, no_wrap=True)
    for crm_id, result, record in rows:
        if record is None:
            table.add_row(crm_id, result, "-", "-", "-", "-")
        else:
            table.add_row(
                crm_id,
                result,
                text(record.state),
                text(record.priority),
                text(record.rank),
                text(record.next_attempt_after),
            )
    return table


def added_json(rows: Sequence[tuple[str, str, Record | None]]) -> list[dict[str, Any]]:
    """The rows of :func:`added_table` as JSON-ready data."""
    return [
        {
            "crm_record_id": crm_id,
            "result": result,
            "record": to_dict(record) if record is not None else None,
        }
        for crm_id, result, record in rows
    ]
