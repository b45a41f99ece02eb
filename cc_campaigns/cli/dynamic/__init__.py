"""``cc-campaigns 8x8 ...``: the 8x8 Contact Center Dynamic Campaigns API.

The same commands are also the top-level ones (``cc-campaigns status`` is ``cc-campaigns 8x8
status``: the very same command objects), as they were before there were provider groups.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from ..context import CliState
from ..errors import DYNAMIC, EXIT_CODES_HELP, PROG, set_provider
from .bulk import remove, upload
from .campaign import pause, purge, start, status, stop
from .records import add, records
from .sim import demo, simulate

__all__ = ["COMMANDS", "SETTINGS_HELP", "dynamic", "settings_options"]

#: The group's verbs, in the order ``--help`` lists them.
COMMANDS: tuple[click.Command, ...] = (
    status,
    start,
    pause,
    purge,
    stop,
    records,
    add,
    remove,
    upload,
    simulate,
    demo,
)

SETTINGS_HELP = """\b
Settings, the first found wins:
  1. the options;
  2. the environment: CC_PLATFORM, CC_BASE_URL, CC_USERNAME, CC_DATA_TOKEN,
     CC_ACTION_TOKEN, CC_STATUS_METHOD, CC_CUSTOMER_ID_FORMAT, CC_PROFILE;
  3. a profile of the config file (--config, else $CC_CONFIG, else config.ini or
     config.toml in your user config directory), e.g.:
       [default]
       platform = na12
       username = acme
       action_token = ...
\b
Tokens are never options: they come from the environment, the config file (keep it
chmod 600), or a hidden prompt on a terminal."""

#: The names of the settings the options below set, as :class:`~.context.CliState` keys.
SETTING_NAMES = (
    "platform",
    "base_url",
    "username",
    "status_method",
    "write_token",
    "customer_id_format",
)


def settings_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """The 8x8 settings as options: on the main group (as always) and on ``8x8``."""
    options = [
        click.option("--platform", metavar="NAME", help="8x8 cluster, e.g. na12, eu5, bc2."),
        click.option("--base-url", metavar="URL", help="Service URL; overrides --platform."),
        click.option("--username", metavar="NAME", help="The tenant's API username."),
        click.option(
            "--status-method",
            type=click.Choice(["POST", "PATCH"], case_sensitive=False),
            metavar="POST|PATCH",
            help="HTTP method of status changes: POST (the guide) or PATCH (the OpenAPI). "
            "Unset: POST, and PATCH from then on if the service answers 405.",
        ),
        click.option(
            "--write-token",
            metavar="action|data|guide|OP=TOKEN,...",
            help="Token of the writes: action (default), data, guide (the guide's header "
            "tables: data for status changes and deletes, action for adds), or per operation, "
            "e.g. status=data,delete=data.",
        ),
        click.option(
            "--customer-id-format",
            type=click.Choice(["int", "string"], case_sensitive=False),
            metavar="int|string",
            help="JSON type of customer-id in add requests: int (default) or string.",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


_HELP = f"""The 8x8 Contact Center Dynamic Campaigns API: a campaign's status,
start/pause/purge/stop, its records, and adding or removing customers (CRM account numbers),
in bulk with uploads that resume where they stopped. The same commands are also top-level:
`{PROG} status` is `{PROG} 8x8 status`.

\b
Verbs VoIPbin has and this API does not:
  campaigns  the Dynamic Campaigns API cannot list campaigns; `status ID` shows one.

{SETTINGS_HELP}

{EXIT_CODES_HELP}
"""


@click.group(
    "8x8",
    help=_HELP,
    short_help="8x8 Dynamic Campaigns: status, start/pause/purge/stop, records, customers.",
)
@settings_options
@click.pass_context
def dynamic(ctx: click.Context, /, **options: str | None) -> None:
    state = ctx.find_object(CliState)
    if state is None:  # invoked on its own (tests, embedding)
        state = ctx.obj = CliState()
    # The group's options win over the main group's (both are the command line).
    state.command_line.update({k: v for k, v in options.items() if v is not None})
    set_provider(ctx, DYNAMIC)


for _command in COMMANDS:
    dynamic.add_command(_command)
