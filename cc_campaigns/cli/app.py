"""The ``cc-campaigns`` command group: global options, logging, the provider groups, and the
8x8 commands at the top level (the very same command objects as under ``8x8``).

Errors of every command become one-line messages and exit codes in :class:`.errors.MappedGroup`.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from .. import __version__
from . import campaigns_v1, dynamic, voipbin
from .context import CliState
from .errors import EXIT_CODES_HELP, PROG, MappedGroup

__all__ = ["cli", "main"]

#: The provider groups, in the order ``--help`` lists them.
PROVIDERS: tuple[click.Group, ...] = (dynamic.dynamic, voipbin.voipbin, campaigns_v1.v1)

_HELP = f"""Outbound-dialing campaigns from the command line, one group per provider:
`{PROG} 8x8 ...` (8x8 Contact Center Dynamic Campaigns), `{PROG} voipbin ...` (VoIPbin
campaigns and outdial targets) and `{PROG} v1 ...` (8x8 Contact Center Campaigns API v1,
beta), with the same verbs where the APIs allow: status, start, stop, records, add, remove,
upload (resumable bulk uploads), simulate, demo. The 8x8
commands also work at the top level, as they always have: `{PROG} upload` is
`{PROG} 8x8 upload`.

{dynamic.SETTINGS_HELP}

{EXIT_CODES_HELP}
"""


class _Root(MappedGroup):
    """Lists the provider groups apart from the 8x8 commands they also hold at the top."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        limit = formatter.width - 6 - max(len(name) for name in self.commands)
        groups = [(g.name or "", g.get_short_help_str(limit)) for g in PROVIDERS]
        aliases = [
            (name, command.get_short_help_str(limit))
            for name, command in self.commands.items()
            if not isinstance(command, click.Group)
        ]
        with formatter.section("Providers"):
            formatter.write_dl(groups)
        with formatter.section(f"8x8 commands (the same as `{PROG} 8x8 COMMAND`)"):
            formatter.write_dl(aliases)


@click.group(PROG, cls=_Root, help=_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--profile", metavar="NAME", help="Config file profile (default: 'default').")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Config file (INI, or TOML on Python 3.11+).",
)
@dynamic.settings_options
@click.option(
    "--debug",
    is_flag=True,
    help="Show tracebacks and DEBUG logs of the cc_campaigns logger (never secrets).",
)
@click.version_option(__version__, prog_name=PROG)
@click.pass_context
def cli(
    ctx: click.Context,
    /,
    profile: str | None,
    config_path: Path | None,
    debug: bool,
    **settings: str | None,
) -> None:
    ctx.obj = CliState(
        command_line={name: settings[name] for name in dynamic.SETTING_NAMES},
        profile=profile,
        config_path=config_path,
        debug=debug,
    )
    ctx.meta["cc_campaigns.debug"] = debug
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


for _group in PROVIDERS:
    cli.add_command(_group)
for _command in dynamic.COMMANDS:
    cli.add_command(_command)


def main(argv: list[str] | None = None) -> None:
    """The console script: ``cc-campaigns`` (also ``python -m cc_campaigns``)."""
    cli.main(args=argv, prog_name=PROG)
