"""The ``cc-campaigns`` command group: global options, logging, and turning errors into exit
codes and one-line messages."""

from __future__ import annotations

import asyncio
import logging
import sys
import traceback
from pathlib import Path
from typing import Any

import click

from .. import __version__
from . import bulk, campaign, records, sim, voipbin
from .context import EXIT_CODES_HELP, PROG, CliError, CliState, ExitCode, explain

__all__ = ["cli", "main"]

_HELP = f"""Manage 8x8 Contact Center dynamic campaigns: status, start/pause/purge/stop, records,
and bulk uploads of customers that resume where they stopped. VoIPbin campaigns and outdial
targets: `cc-campaigns voipbin --help`.

\b
Settings, the first found wins:
  1. the options below;
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
chmod 600), or a hidden prompt on a terminal.

{EXIT_CODES_HELP}
"""


class _Group(click.Group):
    """Maps every error a command raises onto a one-line message and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException):
            raise
        except (click.Abort, KeyboardInterrupt, asyncio.CancelledError):
            # click.Abort: Ctrl-C (or the end of input) at a prompt.
            error = CliError("interrupted", ExitCode.INTERRUPTED)
        except Exception as err:
            state = ctx.find_object(CliState)
            if state is not None and state.debug:
                traceback.print_exception(type(err), err, err.__traceback__, file=sys.stderr)
            error = explain(err) or CliError(
                f"unexpected error: {type(err).__name__}: {err} (rerun with --debug to see where)",
                ExitCode.API,
            )
        error.show()
        raise click.exceptions.Exit(error.exit_code)


@click.group(PROG, cls=_Group, help=_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--profile", metavar="NAME", help="Config file profile (default: 'default').")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Config file (INI, or TOML on Python 3.11+).",
)
@click.option("--platform", metavar="NAME", help="8x8 cluster, e.g. na12, eu5, bc2.")
@click.option("--base-url", metavar="URL", help="Service URL; overrides --platform.")
@click.option("--username", metavar="NAME", help="The tenant's API username.")
@click.option(
    "--status-method",
    type=click.Choice(["POST", "PATCH"], case_sensitive=False),
    metavar="POST|PATCH",
    help="HTTP method of status changes: POST (the guide) or PATCH (the OpenAPI). Unset: POST, "
    "and PATCH from then on if the service answers 405.",
)
@click.option(
    "--write-token",
    metavar="action|data|guide|OP=TOKEN,...",
    help="Token of the writes: action (default), data, guide (the guide's header tables: data "
    "for status changes and deletes, action for adds), or per operation, e.g. "
    "status=data,delete=data.",
)
@click.option(
    "--customer-id-format",
    type=click.Choice(["int", "string"], case_sensitive=False),
    metavar="int|string",
    help="JSON type of customer-id in add requests: int (default) or string.",
)
@click.option(
    "--debug",
    is_flag=True,
    help="Show tracebacks and DEBUG logs of the cc_campaigns logger (never secrets).",
)
@click.version_option(__version__, prog_name=PROG)
@click.pass_context
def cli(
    ctx: click.Context,
    profile: str | None,
    config_path: Path | None,
    platform: str | None,
    base_url: str | None,
    username: str | None,
    status_method: str | None,
    write_token: str | None,
    customer_id_format: str | None,
    debug: bool,
) -> None:
    ctx.obj = CliState(
        command_line={
            "platform": platform,
            "base_url": base_url,
            "username": username,
            "status_method": status_method,
            "write_token": write_token,
            "customer_id_format": customer_id_format,
        },
        profile=profile,
        config_path=config_path,
        debug=debug,
    )
    if debug:
        _debug_logging(ctx)


def _debug_logging(ctx: click.Context) -> None:
    logger = logging.getLogger("cc_campaigns")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)

    def restore() -> None:
        logger.removeHandler(handler)
        logger.setLevel(previous)

    ctx.call_on_close(restore)


for _command in (
    campaign.status,
    campaign.start,
    campaign.pause,
    campaign.purge,
    campaign.stop,
    records.records,
    records.add,
    bulk.remove,
    bulk.upload,
    sim.simulate,
    sim.demo,
    voipbin.voipbin,
):
    cli.add_command(_command)


def main(argv: list[str] | None = None) -> None:
    """The console script: ``cc-campaigns`` (also ``python -m cc_campaigns``)."""
    cli.main(args=argv, prog_name=PROG)
