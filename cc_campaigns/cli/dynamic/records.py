"""``records`` (list a campaign's records) and ``add`` (a few customers, one request)."""

from __future__ import annotations

from typing import Any

import click

from ...dynamic.models import CampaignRecord, ItemResult, RecordStatus
from ...errors import is_duplicate_message
from ..context import EXIT_CODES_HELP, CliState, ExitCode, pass_state, run
from ..render import print_json, show
from ..render.dynamic import (
    count_record_statuses,
    item_results_table,
    record_to_dict,
    records_table,
    write_records_csv,
)

__all__ = ["add", "records"]

_STATUS_NAMES = [s.name.lower() for s in RecordStatus]


@click.command(short_help="List a campaign's records, with counts per status.")
@click.argument("campaign_id", metavar="ID", type=click.IntRange(min=0))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"], case_sensitive=False),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--status",
    "statuses",
    multiple=True,
    type=click.Choice(_STATUS_NAMES, case_sensitive=False),
    help="Only records in this status (repeat for several).",
)
@pass_state
def records(state: CliState, campaign_id: int, fmt: str, statuses: tuple[str, ...]) -> None:
    """List the records of campaign ID, with the count per record status at the bottom.

    With --format csv the counts go to stderr, so stdout stays plain CSV.
    """
    client = state.client()

    async def main() -> list[CampaignRecord]:
        async with client:
            return await client.list_records(campaign_id)

    everything = run(main())
    counts = count_record_statuses(everything)
    wanted = {name.lower() for name in statuses}
    shown = [r for r in everything if not wanted or _status_name(r) in wanted]
    fmt = fmt.lower()
    if fmt == "json":
        print_json({"records": [record_to_dict(r) for r in shown], "counts": counts})
    elif fmt == "csv":
        write_records_csv(shown)
        summary = ", ".join(f"{name} {count:,}" for name, count in counts.items())
        click.echo(f"{len(shown):,} of {len(everything):,} records; {summary or 'none'}", err=True)
    else:
        title = f"Campaign {campaign_id}: {len(shown):,} of {len(everything):,} records"
        if wanted:
            title += f" ({', '.join(sorted(wanted))})"
        show(records_table(shown, counts, title=title))


def _status_name(record: CampaignRecord) -> str:
    status = record.status
    return status.name.lower() if isinstance(status, RecordStatus) else str(status)


def _item(customer: str, at: str | None) -> Any:
    return {"customer_id": customer, "schedule": at} if at else customer


@click.command(epilog=EXIT_CODES_HELP, short_help="Add a few customers; show each result.")
@click.argument("campaign_id", metavar="ID", type=click.IntRange(min=0))
@click.argument("customers", metavar="CUSTOMER...", nargs=-1, required=True)
@click.option(
    "--at",
    metavar="ISO-TIME",
    help="Schedule the calls: ISO 8601 with a timezone, e.g. 2025-06-02T09:00:00+02:00 "
    "(at most 7 days ahead).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the per-item results as JSON.")
@pass_state
def add(
    state: CliState, campaign_id: int, customers: tuple[str, ...], at: str | None, as_json: bool
) -> None:
    """Add customers (CRM account numbers) to dynamic campaign ID, in one request, and show
    what happened to each. For files and large lists use `upload`."""
    items = [_item(customer, at) for customer in customers]
    client = state.client(write=True)

    async def main() -> list[ItemResult]:
        async with client:
            return await client.add_customers(campaign_id, items)

    results = run(main())
    if as_json:
        print_json(
            [
                {
                    "customer_id": r.customer_id,
                    "http_status": r.http_status,
                    "ok": r.ok,
                    "message": r.message,
                    "schedule": r.schedule,
                }
                for r in results
            ]
        )
    else:
        show(item_results_table(results, customers))
    # "Duplicate customer": it was already in the campaign, which is what was asked for.
    failed = [r for r in results if not r.ok and not is_duplicate_message(r.message)]
    if failed:
        click.echo(f"{len(failed):,} of {len(results):,} customers were not added.", err=True)
        click.get_current_context().exit(int(ExitCode.NOT_ALL_DONE))
