"""``cc-campaigns v1 ...``: 8x8's Contact Center Campaigns API v1 (beta), with the verbs of the
other groups where the API has the same thing.

Only what v1 does differently is in these modules: a site, a tenant and an ``eght_`` API key,
UUIDs, the 8 lifecycle actions as verbs (each printing the campaign as its answer shows it: v1
has no read endpoint), and all-or-nothing adds of up to 100 records. Settings, errors,
rendering and the bulk plumbing are the shared ones.
"""

from __future__ import annotations

import click

from ...campaigns_v1 import SITES
from ..context import CliState, V1State
from ..errors import CAMPAIGNS_V1, PROG, set_provider
from .campaign import ACTION_COMMANDS
from .records import EXIT_CODES_HELP_V1, add, upload
from .sim import demo, simulate

__all__ = ["COMMANDS", "V1State", "v1"]

#: The group's verbs, in the order ``--help`` lists them.
COMMANDS: tuple[click.Command, ...] = (*ACTION_COMMANDS, add, upload, simulate, demo)

#: Verbs of the other groups that v1 does not have, and why (``--help`` says it).
MISSING: dict[str, str] = {
    "status": "no read endpoint: the action's answer shows the campaign",
    "records": "no read endpoint: `add` shows the records it stored",
    "remove": "records cannot be removed through v1",
    "stop": "`cancel` ends a campaign for good",
    "campaigns": "campaigns cannot be listed",
}

_HELP = f"""8x8 Contact Center Campaigns API v1 (beta): the 8 lifecycle actions (build, reset,
start, pause, resume, retry, cancel, purge), adding records (add) and bulk uploads that resume
where they stopped (upload), the simulator (simulate) and a demo.

\b
Where v1 differs from `{PROG} 8x8`:
  status      {MISSING["status"]};
  records     {MISSING["records"]};
  remove      {MISSING["remove"]};
  stop        {MISSING["stop"]};
  campaigns   {MISSING["campaigns"]}.
Campaign ids are UUIDs. v1 sees only its own campaigns, not those of the legacy API.

\b
Settings, the first found wins:
  1. the options below (never the API key: it would show in `ps`);
  2. the environment: CC_V1_SITE, CC_V1_BASE_URL, CC_V1_TENANT, CC_V1_API_KEY;
  3. the config profile (see `{PROG} --help`), e.g.:
       [default]
       v1_site = US1
       v1_tenant = acme
       v1_api_key = eght_...
\b
On a terminal, a missing API key is asked for (hidden). The key never appears in any output,
--debug included. Errors of the service show its `instance` and `time`: give them to support.

{EXIT_CODES_HELP_V1}
"""


@click.group(
    "v1",
    help=_HELP,
    short_help="8x8 Contact Center Campaigns API v1 (beta): actions, add, upload.",
)
@click.option(
    "--site",
    metavar="SITE",
    help=f"The customer site: {', '.join(f'{k} ({v})' for k, v in SITES.items())}; default US1.",
)
@click.option("--base-url", metavar="URL", help="Another API root instead of the site's.")
@click.option("--tenant", metavar="NAME", help="The tenant name (sent as X-8x8-Tenant).")
@click.pass_context
def v1(ctx: click.Context, site: str | None, base_url: str | None, tenant: str | None) -> None:
    cli_state = ctx.find_object(CliState)
    if cli_state is None:  # invoked on its own (tests, embedding)
        cli_state = CliState()
    ctx.obj = V1State(
        cli=cli_state,
        command_line={"v1_site": site, "v1_base_url": base_url, "v1_tenant": tenant},
    )
    set_provider(ctx, CAMPAIGNS_V1)


for _command in COMMANDS:
    v1.add_command(_command)
