"""VoIPbin's own tables: a campaign, the list of campaigns, an outdial's targets."""

from __future__ import annotations

from rich.table import Table

from ...voipbin import Campaign, OutdialTarget
from . import fields_table, list_table, text

__all__ = ["campaign_status", "campaign_table", "campaigns_table", "targets_table"]


def campaign_status(campaign: Campaign) -> str:
    """``run``, ``stopping``, ``stop``; ``unknown`` when VoIPbin gave none."""
    return text(campaign.status) if campaign.status is not None else "unknown"


def campaign_table(campaign: Campaign) -> Table:
    """One campaign as a two-column table."""
    rows = [
        ("name", campaign.name),
        ("status", campaign_status(campaign)),
        ("type", campaign.type),
        ("end handle", campaign.end_handle),
        ("service level", campaign.service_level),
        ("actions", len(campaign.actions)),
        ("outplan", campaign.outplan_id),
        ("outdial", campaign.outdial_id),
        ("queue", campaign.queue_id),
        ("next campaign", campaign.next_campaign_id),
        ("created", campaign.tm_create),
        ("updated", campaign.tm_update),
    ]
    if campaign.deleted:
        rows.append(("deleted", campaign.tm_delete))
    return fields_table(f"Campaign {campaign.id}", [(field, text(v)) for field, v in rows])


def campaigns_table(campaigns: list[Campaign]) -> Table:
    """Campaigns, one a row (the rest of each is in ``status`` and ``--json``)."""
    count = len(campaigns)
    table = list_table(
        f"{count:,} campaign{'' if count == 1 else 's'}",
        [("id", False), ("name", True), ("status", False), ("type", False)],
    )
    for campaign in campaigns:
        table.add_row(
            campaign.id, text(campaign.name), campaign_status(campaign), text(campaign.type)
        )
    return table


def _destination(target: OutdialTarget) -> str:
    more = len(target.destinations) - 1
    return text(target.destination) + (f" (+{more})" if more > 0 else "")


def targets_table(outdial_id: str, targets: list[OutdialTarget]) -> Table:
    """Targets, one a row: the first destination (and how many more), name, status, tries."""
    count = len(targets)
    table = list_table(
        f"Outdial {outdial_id}: {count:,} target{'' if count == 1 else 's'}",
        [("id", False), ("destination", False), ("name", True), ("status", False)],
    )
    table.add_column("tries", justify="right", no_wrap=True)
    for target in targets:
        tries = (
            target.try_count_0
            + target.try_count_1
            + target.try_count_2
            + target.try_count_3
            + target.try_count_4
        )
        table.add_row(
            target.id, _destination(target), text(target.name), text(target.status), str(tries)
        )
    return table
