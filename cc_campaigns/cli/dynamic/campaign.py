"""``status``, ``start``, ``pause``, ``purge``, ``stop``: a campaign's state machine."""

from __future__ import annotations

import click

from ...dynamic.client import CampaignsClient
from ...dynamic.models import Campaign, StatusChange, transition_allowed
from ..context import CliState, fail, is_interactive, pass_state, run
from ..render import print_json, show
from ..render.dynamic import campaign_table, campaign_to_dict, describe_campaign

__all__ = ["pause", "purge", "start", "status", "stop"]

CAMPAIGN_ID = click.argument("campaign_id", metavar="ID", type=click.IntRange(min=0))
JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")


def _show(campaign: Campaign, *, as_json: bool) -> None:
    if as_json:
        print_json(campaign_to_dict(campaign))
    else:
        show(campaign_table(campaign))


@click.command(short_help="Show a campaign's status.")
@CAMPAIGN_ID
@JSON_OPTION
@pass_state
def status(state: CliState, campaign_id: int, as_json: bool) -> None:
    """Show campaign ID's status: name, state, status code and its meaning, records, enabled,
    dynamic, schedule."""
    client = state.client()

    async def main() -> Campaign:
        async with client:
            return await client.get_campaign(campaign_id)

    _show(run(main()), as_json=as_json)


async def _change(
    client: CampaignsClient,
    campaign_id: int,
    change: StatusChange,
    *,
    check: bool,
    confirm: bool = False,
) -> tuple[Campaign, Campaign] | None:
    """Apply ``change``; returns the campaign before and after, or None when not confirmed."""
    async with client:
        before = await client.get_campaign(campaign_id)
        allowed = before.state is None or transition_allowed(before.state, change)
        if confirm and (allowed or not check):
            name = f" ({before.name})" if before.name else ""
            question = (
                f"Stop campaign {campaign_id}{name}, now {describe_campaign(before)}? "
                "A stopped campaign can never run again"
            )
            if not click.confirm(question, default=False, err=True):
                return None
        # The SDK's guard refuses a transition the state machine does not allow, with the
        # reason, before anything is sent.
        await client.set_status(campaign_id, change, current=before, check=check)
        after = await client.get_campaign(campaign_id)
    return before, after


def _status_command(name: str, change: StatusChange, doc: str, short: str) -> click.Command:
    @click.command(name=name, help=doc, short_help=short)
    @CAMPAIGN_ID
    @click.option(
        "--no-check",
        is_flag=True,
        help="Send the change even when the client-side state machine refuses it (the service "
        "still decides).",
    )
    @JSON_OPTION
    @pass_state
    def command(state: CliState, campaign_id: int, no_check: bool, as_json: bool) -> None:
        client = state.client(write=True)
        result = run(_change(client, campaign_id, change, check=not no_check))
        assert result is not None
        _report(campaign_id, *result, as_json=as_json)

    return command


def _report(campaign_id: int, before: Campaign, after: Campaign, *, as_json: bool) -> None:
    if as_json:
        print_json({"before": campaign_to_dict(before), "after": campaign_to_dict(after)})
        return
    click.echo(f"Campaign {campaign_id}: {describe_campaign(before)} -> {describe_campaign(after)}")


start = _status_command(
    "start",
    StatusChange.RUNNING,
    "Start campaign ID (or resume it after a pause or a purge): set it RUNNING.\n\n"
    "The client-side state machine refuses a start from STOPPED before anything is sent.",
    "Start (or resume) a campaign.",
)
pause = _status_command(
    "pause", StatusChange.PAUSED, "Pause running campaign ID.", "Pause a running campaign."
)
purge = _status_command(
    "purge",
    StatusChange.PURGED,
    "Purge paused campaign ID: flush its queued records (pause it first).",
    "Purge a paused campaign's queued records.",
)


@click.command(short_help="Stop a campaign for good (asks first).")
@CAMPAIGN_ID
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--no-check",
    is_flag=True,
    help="Send the change even when the client-side state machine refuses it.",
)
@JSON_OPTION
@pass_state
def stop(state: CliState, campaign_id: int, yes: bool, no_check: bool, as_json: bool) -> None:
    """Stop campaign ID for good: a stopped campaign can never run again.

    Asks for confirmation on a terminal; --yes skips the question (needed in scripts).
    """
    if not yes and not is_interactive():
        fail(
            "stop is final (a stopped campaign can never run again); there is no terminal to "
            "confirm it on, so pass --yes"
        )
    client = state.client(write=True)
    result = run(
        _change(client, campaign_id, StatusChange.STOPPED, check=not no_check, confirm=not yes)
    )
    if result is None:
        click.echo(f"Campaign {campaign_id} was not stopped.", err=True)
        return
    _report(campaign_id, *result, as_json=as_json)
