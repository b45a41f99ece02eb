"""The 8 lifecycle actions as verbs: ``build``, ``reset``, ``start``, ``pause``, ``resume``,
``retry``, ``cancel`` (asks first), ``purge``. Each prints the campaign as the action's answer
shows it: the Campaigns API v1 has no read endpoint."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import click

from ...campaigns_v1 import ACTIONS, Campaign, CampaignAction, CampaignState, CampaignsV1Client
from ..context import V1State, fail, is_interactive, pass_v1, run_client
from ..render import print_json, show, to_dict
from ..render.campaigns_v1 import campaign_table

__all__ = ["ACTION_COMMANDS", "CAMPAIGN_ID", "JSON_OPTION"]

CAMPAIGN_ID = click.argument("campaign_id", metavar="ID", type=click.UUID)
JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")


def _accepted_from(action: CampaignAction) -> str:
    states = [s.value for s in CampaignState if action in ACTIONS[s]]
    return ", ".join(states) or "no state"


def show_campaign(campaign: Campaign, *, action: str | None, as_json: bool) -> None:
    """The campaign of an action's answer, as a table or JSON."""
    if as_json:
        print_json(to_dict(campaign))
    else:
        show(campaign_table(campaign, action=action))


def _common(function: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        CAMPAIGN_ID,
        click.option(
            "--enabled/--disabled",
            default=None,
            help="Enable or disable the campaign with the action (default: leave it). A "
            "disabled campaign accepts only build and reset.",
        ),
        click.option(
            "--current",
            metavar="STATE",
            type=click.Choice([s.value for s in CampaignState], case_sensitive=False),
            help="The state you know the campaign is in ("
            + ", ".join(s.value for s in CampaignState)
            + "): an action it does not accept is refused here, before anything is sent (v1 "
            "cannot read a campaign).",
        ),
        click.option(
            "--no-check",
            is_flag=True,
            help="Send the action even when the client-side state machine refuses it for "
            "--current (the service still decides).",
        ),
        JSON_OPTION,
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _action_command(
    action: CampaignAction, doc: str, short: str, *, confirm: str | None = None
) -> click.Command:
    name = action.value.lower()
    help_text = f"{doc}\n\nAccepted from: {_accepted_from(action)}."
    if confirm:
        help_text += (
            "\n\nAsks for confirmation on a terminal; --yes skips the question (needed in scripts)."
        )

    def body(
        state: V1State,
        campaign_id: uuid.UUID,
        enabled: bool | None,
        current: str | None,
        no_check: bool,
        as_json: bool,
        yes: bool = True,
        build_on_start: bool | None = None,
    ) -> None:
        if confirm and not yes and not is_interactive():
            fail(f"{name} {confirm}; there is no terminal to confirm it on, so pass --yes")
        if confirm and not yes:
            question = f"{action.value.capitalize()} campaign {campaign_id}? It {confirm}"
            if not click.confirm(question, default=False, err=True):
                click.echo(f"Campaign {campaign_id} was not {name}led.", err=True)
                return
        options: dict[str, Any] = {"enabled": enabled, "current": current, "check": not no_check}
        if build_on_start is not None:
            options["build_on_start"] = build_on_start

        async def main(client: CampaignsV1Client) -> Campaign:
            return await client.modify_campaign(campaign_id, action, **options)

        campaign = run_client(state.client(), main)
        show_campaign(campaign, action=action.value, as_json=as_json)

    decorators: list[Callable[[Any], Any]] = [
        click.command(name=name, help=help_text, short_help=short)
    ]
    if action is CampaignAction.START:
        decorators.append(
            click.option(
                "--build-on-start/--no-build-on-start",
                default=None,
                help="Build, then start, in one request (from CREATED too); overrides the "
                "campaign's own setting.",
            )
        )
    if confirm:
        decorators.append(
            click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
        )
    decorators += [_common, pass_v1]
    command: Any = body
    for decorator in reversed(decorators):
        command = decorator(command)
    assert isinstance(command, click.Command)
    return command


build = _action_command(
    CampaignAction.BUILD,
    "Build campaign ID: it becomes BUILDING, then READY (or BUILD_ERROR) by itself.",
    "Build a campaign (BUILDING, then READY).",
)
reset = _action_command(
    CampaignAction.RESET,
    "Reset campaign ID back to CREATED.",
    "Reset a built campaign to CREATED.",
)
start = _action_command(
    CampaignAction.START,
    "Start campaign ID: PENDING until its schedule opens, then STARTING, then RUNNING. From "
    "CREATED it needs --build-on-start.",
    "Start a campaign (--build-on-start from CREATED).",
)
pause = _action_command(
    CampaignAction.PAUSE,
    "Pause running campaign ID: nothing new is queued; queued records are still dialled.",
    "Pause a running campaign.",
)
resume = _action_command(
    CampaignAction.RESUME, "Resume paused campaign ID: RUNNING again.", "Resume a paused campaign."
)
retry = _action_command(
    CampaignAction.RETRY,
    "Retry campaign ID after a run error: processing resumes.",
    "Retry a campaign after RUN_ERROR.",
)
cancel = _action_command(
    CampaignAction.CANCEL,
    "Cancel campaign ID for good: it becomes COMPLETE (shown STOPPED) and never runs again.",
    "Cancel a campaign for good (asks first).",
    confirm="ends the campaign for good (COMPLETE, shown STOPPED: it never runs again)",
)
purge = _action_command(
    CampaignAction.PURGE,
    "Purge campaign ID: its queued interactions are cleared; the state does not change.",
    "Purge a campaign's queued interactions.",
)

#: The action verbs, in the lifecycle's order.
ACTION_COMMANDS: tuple[click.Command, ...] = (
    build,
    reset,
    start,
    pause,
    resume,
    retry,
    cancel,
    purge,
)
