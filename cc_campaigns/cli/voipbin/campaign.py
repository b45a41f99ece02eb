"""VoIPbin ``campaigns``, ``status``, ``start`` and ``stop``: a campaign runs or stops (with
``stopping`` between); there is no pause or purge."""

from __future__ import annotations

import uuid

import click

from ...voipbin import Campaign, CampaignStatus, VoipbinClient
from ...voipbin.client import DEFAULT_WAIT_TIMEOUT
from ..context import VoipbinState, is_interactive, pass_voipbin, run_client
from ..errors import fail
from ..render import print_json, show, to_dict
from ..render.voipbin import campaign_status, campaign_table, campaigns_table

__all__ = ["CAMPAIGN_ID", "JSON_OPTION", "campaigns", "start", "status", "stop"]

#: Seconds between two reads of ``stop --wait``.
DEFAULT_POLL_INTERVAL = 1.0

CAMPAIGN_ID = click.argument("campaign_id", metavar="ID", type=click.UUID)
JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")


@click.command(short_help="List every campaign.")
@JSON_OPTION
@pass_voipbin
def campaigns(state: VoipbinState, as_json: bool) -> None:
    """List every campaign (all pages), newest first: id, name, status, type, outdial."""

    async def main(client: VoipbinClient) -> list[Campaign]:
        return [campaign async for campaign in client.list_campaigns()]

    everything = run_client(state.client(), main)
    if as_json:
        print_json([to_dict(c) for c in everything])
    elif not everything:
        click.echo("No campaigns.")
    else:
        show(campaigns_table(everything))


@click.command(short_help="Show a campaign.")
@CAMPAIGN_ID
@JSON_OPTION
@pass_voipbin
def status(state: VoipbinState, campaign_id: uuid.UUID, as_json: bool) -> None:
    """Show campaign ID: name, status (run, stopping, stop), type, end handle, service level,
    and the outplan, outdial, queue and next campaign it uses."""

    async def main(client: VoipbinClient) -> Campaign:
        return await client.get_campaign(campaign_id)

    campaign = run_client(state.client(), main)
    if as_json:
        print_json(to_dict(campaign))
    else:
        show(campaign_table(campaign))


def _report(before: Campaign, after: Campaign, *, as_json: bool) -> None:
    if as_json:
        print_json({"before": to_dict(before), "after": to_dict(after)})
        return
    click.echo(f"Campaign {after.id}: {campaign_status(before)} -> {campaign_status(after)}")


@click.command(short_help="Start (run) a campaign.")
@CAMPAIGN_ID
@JSON_OPTION
@pass_voipbin
def start(state: VoipbinState, campaign_id: uuid.UUID, as_json: bool) -> None:
    """Start campaign ID: set it to run. It dials the targets of its outdial with its outplan.

    Starting a running campaign changes nothing; one that is still stopping is refused (wait
    until it is stopped).
    """

    async def main(client: VoipbinClient) -> tuple[Campaign, Campaign]:
        before = await client.get_campaign(campaign_id)
        after = await client.set_campaign_status(campaign_id, CampaignStatus.RUN)
        return before, after

    before, after = run_client(state.client(), main)
    _report(before, after, as_json=as_json)


@click.command(short_help="Stop a campaign (asks first).")
@CAMPAIGN_ID
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--wait",
    is_flag=True,
    help="Wait until the campaign is stopped (it is 'stopping' while its calls are ended).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    default=DEFAULT_WAIT_TIMEOUT,
    show_default=True,
    help="With --wait: seconds to wait at most (then exit 3).",
)
@click.option(
    "--interval",
    type=click.FloatRange(min=0),
    default=DEFAULT_POLL_INTERVAL,
    show_default=True,
    help="With --wait: seconds between two reads of the campaign.",
)
@JSON_OPTION
@pass_voipbin
def stop(
    state: VoipbinState,
    campaign_id: uuid.UUID,
    yes: bool,
    wait: bool,
    timeout: float,
    interval: float,
    as_json: bool,
) -> None:
    """Stop campaign ID: no new calls; the calls in progress are ended (the campaign reads
    'stopping' meanwhile). It can be started again later.

    Asks for confirmation on a terminal; --yes skips the question (needed in scripts).
    """
    if not yes and not is_interactive():
        fail(
            "stop ends the campaign's calls in progress; there is no terminal to confirm it on, "
            "so pass --yes"
        )

    async def main(client: VoipbinClient) -> tuple[Campaign, Campaign] | None:
        before = await client.get_campaign(campaign_id)
        if not yes:
            name = f" ({before.name})" if before.name else ""
            question = (
                f"Stop campaign {campaign_id}{name}, now {campaign_status(before)}? "
                "Its calls in progress are ended"
            )
            if not click.confirm(question, default=False, err=True):
                return None
        after = await client.set_campaign_status(campaign_id, CampaignStatus.STOP)
        if wait and after.status != CampaignStatus.STOP:
            after = await client.wait_for_status(
                campaign_id, CampaignStatus.STOP, timeout=timeout, interval=interval
            )
        return before, after

    result = run_client(state.client(), main)
    if result is None:
        click.echo(f"Campaign {campaign_id} was not stopped.", err=True)
        return
    before, after = result
    _report(before, after, as_json=as_json)
    if after.status == CampaignStatus.STOPPING and not as_json:
        click.echo(
            "It is stopping while its calls in progress are ended; --wait waits until it is "
            "stopped.",
            err=True,
        )
