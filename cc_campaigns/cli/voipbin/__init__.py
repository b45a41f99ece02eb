"""``cc-campaigns voipbin ...``: VoIPbin campaigns and outdial targets, with the verbs of the
8x8 group where VoIPbin's API has the same thing.

Only what VoIPbin does differently is in these modules: access keys or tokens instead of a
username and tokens, UUIDs, ``start``/``stop`` (with ``stopping`` between, and no pause or
purge), and targets that go into an outdial one request each. Settings, errors, rendering and
the bulk plumbing are the shared ones.
"""

from __future__ import annotations

import click

from ...voipbin import DEFAULT_BASE_URL
from ..context import CliState, VoipbinState
from ..errors import PROG, VOIPBIN, set_provider
from .campaign import campaigns, start, status, stop
from .sim import demo, simulate
from .targets import EXIT_CODES_HELP_VOIPBIN, add, records, remove, targets, upload

__all__ = ["COMMANDS", "VoipbinState", "voipbin"]

#: The group's verbs, in the order ``--help`` lists them (``targets`` holds the old names).
COMMANDS: tuple[click.Command, ...] = (
    campaigns,
    status,
    start,
    stop,
    records,
    add,
    remove,
    upload,
    simulate,
    demo,
    targets,
)

_HELP = f"""VoIPbin campaigns and outdial targets: list, status, start/stop, the targets of an
outdial (records, add, remove) and bulk uploads of targets that resume where they stopped.

\b
Where VoIPbin differs from `{PROG} 8x8`:
  records, add, remove, upload  take an OUTDIAL_ID: VoIPbin campaigns dial the targets
                                of an outdial, not records of the campaign itself;
  campaigns                     VoIPbin can list campaigns (8x8's API cannot);
  pause, purge                  none: a VoIPbin campaign only runs or stops.

\b
Settings, the first found wins (an access key or a token, not both):
  1. the options below;
  2. the environment: VOIPBIN_ACCESSKEY or VOIPBIN_TOKEN, VOIPBIN_BASE_URL;
  3. the config profile (see `{PROG} --help`), e.g.:
       [default]
       voipbin_accesskey = ...
       voipbin_base_url = https://api.voipbin.net/v1.0
\b
--accesskey and --token show in `ps` and the shell history: prefer the environment or the
config file (chmod 600). On a terminal, a missing access key is asked for (hidden). The access
key or token never appears in any output, --debug included.

{EXIT_CODES_HELP_VOIPBIN}
"""


@click.group(help=_HELP, short_help="VoIPbin: campaigns, status, start/stop, outdial targets.")
@click.option(
    "--base-url",
    metavar="URL",
    help=f"The VoIPbin API root with /v1.0 (default: {DEFAULT_BASE_URL}).",
)
@click.option(
    "--accesskey",
    metavar="KEY",
    help="A VoIPbin access key (prefer VOIPBIN_ACCESSKEY: options show in `ps`).",
)
@click.option(
    "--token",
    metavar="JWT",
    help="A VoIPbin JWT instead of an access key (prefer VOIPBIN_TOKEN).",
)
@click.pass_context
def voipbin(
    ctx: click.Context, base_url: str | None, accesskey: str | None, token: str | None
) -> None:
    cli_state = ctx.find_object(CliState)
    if cli_state is None:  # invoked on its own (tests, embedding)
        cli_state = CliState()
    ctx.obj = VoipbinState(
        cli=cli_state,
        command_line={
            "voipbin_base_url": base_url,
            "voipbin_accesskey": accesskey,
            "voipbin_token": token,
        },
    )
    set_provider(ctx, VOIPBIN)


for _command in COMMANDS:
    voipbin.add_command(_command)
