"""``cc-campaigns voipbin ...``: VoIPbin campaigns and outdial targets, as the 8x8 commands.

The same machinery as the 8x8 commands: settings layered command line > environment > config
profile, one-line errors with the same exit codes, the progress display, the summary table and
``--json``. Only what VoIPbin does differently is here: access keys or tokens instead of a
username and tokens, UUIDs, ``run``/``stop`` (with ``stopping`` between), and targets that go
into an outdial one request each.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import attrs
import click
from rich import box
from rich.table import Table

from ..bulk import BulkReport
from ..errors import AuthenticationError, OutcomeUnknownError, ValidationError
from ..voipbin import (
    DEFAULT_BASE_URL,
    DEFAULT_BULK_RATE,
    Campaign,
    CampaignStatus,
    OutdialTarget,
    VoipbinClient,
    read_targets,
)
from ..voipbin.client import DEFAULT_BULK_CONCURRENCY, DEFAULT_WAIT_TIMEOUT
from .bulk import ENCODING_OPTION, _column, _run, count_lines
from .config import (
    DEFAULT_PROFILE,
    VOIPBIN_ENV_NAMES,
    ConfigError,
    default_config_path,
    load_config,
)
from .context import (
    PROG,
    CliError,
    CliState,
    ExitCode,
    fail,
    is_interactive,
    run,
    warn,
)
from .output import print_json, show
from .progress import ProgressDisplay

__all__ = ["VoipbinSettings", "VoipbinState", "voipbin"]

T = TypeVar("T")

#: Seconds between two reads of ``stop --wait``.
DEFAULT_POLL_INTERVAL = 1.0

EXIT_CODES_HELP_VOIPBIN = """\b
Exit codes:
  0    success (every target is in the outdial: added, or already there)
  1    some targets were not added (invalid, rejected, unknown, not sent)
  2    usage or input error (bad option or value, unreadable file, missing settings)
  3    API or authentication error (VoIPbin refused, or could not be reached)
  130  interrupted (Ctrl-C); run the same upload again to resume it"""

_HELP = f"""VoIPbin campaigns and outdial targets: list, status, start/stop, and bulk uploads
of targets that resume where they stopped.

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


@attrs.frozen
class VoipbinSettings:
    """Where VoIPbin is and the credential to use; the secrets are never in a repr."""

    base_url: str = DEFAULT_BASE_URL
    accesskey: str | None = attrs.field(default=None, repr=False)
    token: str | None = attrs.field(default=None, repr=False)


@attrs.define
class VoipbinState:
    """The ``voipbin`` group's context object: its options, and the main group's state."""

    cli: CliState
    command_line: dict[str, str | None] = attrs.field(factory=dict, repr=False)

    def settings(self) -> VoipbinSettings:
        """The layered settings (options, ``VOIPBIN_*`` environment, config profile).

        Raises:
            ConfigError: an unreadable config file, or a named profile it does not have.
            CliError: one layer gives both an access key and a token.
        """
        environ = self.cli.environ
        path = self.cli.config_path or default_config_path(environ)
        config = load_config(path)
        profile = self.cli.profile or environ.get("CC_PROFILE") or None
        name = profile or DEFAULT_PROFILE
        if profile is not None and name not in config.profiles:
            where = f"in {config.path}" if config.exists else f"(no config file at {config.path})"
            have = ", ".join(sorted(config.profiles)) or "none"
            raise ConfigError(f"no profile [{name}] {where}; profiles there: {have}")
        file_layer = {k: v for k, v in config.profiles.get(name, {}).items() if v}
        env_layer = {k: environ[v] for k, v in VOIPBIN_ENV_NAMES.items() if environ.get(v)}
        cli_layer = {k: v for k, v in self.command_line.items() if v}
        layers = [
            ("the command line", cli_layer),
            ("the environment", env_layer),
            (f"profile [{name}] of {path}", file_layer),
        ]
        base_url = next(
            (layer["voipbin_base_url"] for _, layer in layers if "voipbin_base_url" in layer),
            DEFAULT_BASE_URL,
        )
        secrets = ("voipbin_accesskey", "voipbin_token")
        where, chosen = next(
            ((w, layer) for w, layer in layers if any(k in layer for k in secrets)), ("", {})
        )
        accesskey, token = chosen.get("voipbin_accesskey"), chosen.get("voipbin_token")
        if accesskey and token:
            fail(f"{where} gives both a VoIPbin access key and a token: keep one")
        if chosen is file_layer and chosen and config.shared:
            warn(
                f"{path} holds a VoIPbin access key or token and other users can read it; "
                f"restrict it with: chmod 600 {path}"
            )
        return VoipbinSettings(base_url=base_url, accesskey=accesskey, token=token)

    def client(self) -> VoipbinClient:
        """A client configured from the settings; asks for a missing access key on a
        terminal."""
        settings = self.settings()
        accesskey, token = settings.accesskey, settings.token
        if not (accesskey or token):
            if not is_interactive():
                profile = self.cli.profile or self.cli.environ.get("CC_PROFILE") or DEFAULT_PROFILE
                fail(
                    "no VoIPbin credentials: set VOIPBIN_ACCESSKEY (or VOIPBIN_TOKEN), pass "
                    f"--accesskey, or add `voipbin_accesskey = ...` to profile [{profile}] of "
                    "the config file (chmod 600)"
                )
            accesskey = click.prompt("VoIPbin access key", hide_input=True, err=True).strip()
            if not accesskey:
                fail("no access key given")
        try:
            return VoipbinClient(accesskey=accesskey, token=token, base_url=settings.base_url)
        except ValidationError as err:  # plain http elsewhere, blanks in the key
            raise CliError(str(err), ExitCode.USAGE) from None


pass_voipbin = click.make_pass_decorator(VoipbinState)


@contextlib.contextmanager
def _voipbin_errors() -> Iterator[None]:
    """The two errors whose common wording speaks of 8x8 settings, in VoIPbin's terms."""
    try:
        yield
    except AuthenticationError as err:
        where = f"{err.method} {err.url}" if err.method and err.url else "VoIPbin"
        raise CliError(
            f"VoIPbin refused the credentials (HTTP {err.status}, {where}): "
            f"{err.message.rstrip('.')}. Check the access key or token (--accesskey, "
            "VOIPBIN_ACCESSKEY, VOIPBIN_TOKEN or the profile) and --base-url.",
            ExitCode.API,
        ) from err
    except OutcomeUnknownError as err:
        where = f" ({err.method} {err.url})" if err.method and err.url else ""
        raise CliError(
            f"{err.message.rstrip('.')}{where}. It may or may not have been applied: check "
            f"with `{PROG} voipbin status` or `{PROG} voipbin targets list`.",
            ExitCode.API,
        ) from err


def _call(state: VoipbinState, main: Callable[[VoipbinClient], Awaitable[T]]) -> T:
    """Build the client, run ``main(client)`` in an event loop, translate the errors."""
    with _voipbin_errors():
        client = state.client()

        async def inside() -> T:
            async with client:
                return await main(client)

        return run(inside())


# -- rendering ---------------------------------------------------------------------------------


def _value(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def to_dict(item: Any) -> dict[str, Any]:
    """An attrs model as JSON-ready data: enums as their values, datetimes in ISO 8601."""
    data: dict[str, Any] = attrs.asdict(item, value_serializer=lambda _i, _a, v: _value(v))
    return data


def _text(value: Any) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M %Z").strip()
    return str(value)


def _status(campaign: Campaign) -> str:
    return _text(campaign.status) if campaign.status is not None else "unknown"


def campaign_table(campaign: Campaign) -> Table:
    """One campaign as a two-column table."""
    table = Table(
        title=f"Campaign {campaign.id}",
        show_header=False,
        box=None,
        padding=(0, 1),
        title_justify="left",
        title_style="bold",
    )
    table.add_column("field", style="bold")
    table.add_column("value")
    rows = [
        ("name", campaign.name),
        ("status", _status(campaign)),
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
    for field, value in rows:
        table.add_row(field, _text(value))
    return table


def _list_table(title: str, columns: list[tuple[str, bool]]) -> Table:
    """A list: ``columns`` are (name, wraps); ids and other short values never wrap."""
    table = Table(
        title=title,
        box=box.SIMPLE_HEAD,
        show_edge=False,
        title_justify="left",
        title_style="bold",
    )
    for name, wraps in columns:
        table.add_column(name, no_wrap=not wraps, overflow="fold" if wraps else "ellipsis")
    return table


def campaigns_table(campaigns: list[Campaign]) -> Table:
    """Campaigns, one a row (the rest of each is in ``status`` and ``--json``)."""
    count = len(campaigns)
    table = _list_table(
        f"{count:,} campaign{'' if count == 1 else 's'}",
        [("id", False), ("name", True), ("status", False), ("type", False)],
    )
    for campaign in campaigns:
        table.add_row(campaign.id, _text(campaign.name), _status(campaign), _text(campaign.type))
    return table


def _destination(target: OutdialTarget) -> str:
    more = len(target.destinations) - 1
    return _text(target.destination) + (f" (+{more})" if more > 0 else "")


def targets_table(outdial_id: str, targets: list[OutdialTarget]) -> Table:
    """Targets, one a row: the first destination (and how many more), name, status, tries."""
    count = len(targets)
    table = _list_table(
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
            target.id,
            _destination(target),
            _text(target.name),
            _text(target.status),
            str(tries),
        )
    return table


# -- the group ---------------------------------------------------------------------------------

CAMPAIGN_ID = click.argument("campaign_id", metavar="ID", type=click.UUID)
OUTDIAL_ID = click.argument("outdial_id", metavar="OUTDIAL_ID", type=click.UUID)
JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")


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


@voipbin.command(short_help="List every campaign.")
@JSON_OPTION
@pass_voipbin
def campaigns(state: VoipbinState, as_json: bool) -> None:
    """List every campaign (all pages), newest first: id, name, status, type, outdial."""

    async def main(client: VoipbinClient) -> list[Campaign]:
        return [campaign async for campaign in client.list_campaigns()]

    everything = _call(state, main)
    if as_json:
        print_json([to_dict(c) for c in everything])
    elif not everything:
        click.echo("No campaigns.")
    else:
        show(campaigns_table(everything))


@voipbin.command(short_help="Show a campaign.")
@CAMPAIGN_ID
@JSON_OPTION
@pass_voipbin
def status(state: VoipbinState, campaign_id: uuid.UUID, as_json: bool) -> None:
    """Show campaign ID: name, status (run, stopping, stop), type, end handle, service level,
    and the outplan, outdial, queue and next campaign it uses."""

    async def main(client: VoipbinClient) -> Campaign:
        return await client.get_campaign(campaign_id)

    campaign = _call(state, main)
    if as_json:
        print_json(to_dict(campaign))
    else:
        show(campaign_table(campaign))


def _report(before: Campaign, after: Campaign, *, as_json: bool) -> None:
    if as_json:
        print_json({"before": to_dict(before), "after": to_dict(after)})
        return
    click.echo(f"Campaign {after.id}: {_status(before)} -> {_status(after)}")


@voipbin.command(short_help="Start (run) a campaign.")
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

    before, after = _call(state, main)
    _report(before, after, as_json=as_json)


@voipbin.command(short_help="Stop a campaign (asks first).")
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
                f"Stop campaign {campaign_id}{name}, now {_status(before)}? "
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

    result = _call(state, main)
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


# -- targets -----------------------------------------------------------------------------------


@voipbin.group(short_help="List or upload the targets of an outdial.")
def targets() -> None:
    """The targets of an outdial: the numbers its campaigns dial."""


@targets.command("list", short_help="List an outdial's targets.")
@OUTDIAL_ID
@JSON_OPTION
@pass_voipbin
def list_targets(state: VoipbinState, outdial_id: uuid.UUID, as_json: bool) -> None:
    """List every target of OUTDIAL_ID (all pages), newest first: first destination, how many
    more, name, status, tries."""

    async def main(client: VoipbinClient) -> list[OutdialTarget]:
        return [target async for target in client.list_targets(outdial_id)]

    everything = _call(state, main)
    if as_json:
        print_json([to_dict(t) for t in everything])
    elif not everything:
        click.echo(f"Outdial {outdial_id} has no targets.")
    else:
        show(targets_table(str(outdial_id), everything))


def _count_targets(source: str, *, column: str | int | None, encoding: str) -> int | None:
    """Rows of ``source`` for the progress bar and the ETA (None for standard input); reading
    the first row checks the file and the column before anything is sent."""
    if source == "-":
        return None
    rows = read_targets(source, column=column, encoding=encoding)
    try:
        first = next(iter(rows), None)
    finally:
        rows.close()
    if first is None:
        return 0
    return count_lines(source, first.line or 1)


@targets.command(
    "upload", epilog=EXIT_CODES_HELP_VOIPBIN, short_help="Upload a file of targets (resumable)."
)
@OUTDIAL_ID
@click.argument("source", metavar="FILE", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--column",
    metavar="NAME|N",
    help="The number column: a header name or a 0-based number (default: a destination/"
    "phone/number/tel/target header, else the first column).",
)
@ENCODING_OPTION
@click.option(
    "--rate",
    type=click.FloatRange(min=0),
    default=DEFAULT_BULK_RATE,
    show_default=True,
    help="Requests per second at most (VoIPbin allows about 16.7 per customer); 0: no fixed "
    "cap (the upload still slows down when VoIPbin pushes back).",
)
@click.option(
    "--concurrency",
    type=click.IntRange(min=1, max=64),
    default=DEFAULT_BULK_CONCURRENCY,
    show_default=True,
    help="Most requests in flight (the engine lowers it when the service pushes back).",
)
@click.option(
    "--checkpoint",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Journal of finished targets (default: FILE.ckpt); a rerun with it resumes.",
)
@click.option(
    "--no-checkpoint", is_flag=True, help="Keep no checkpoint (a rerun starts from the top)."
)
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write every target that was not added to this CSV (or .jsonl) file, with the reason "
    "and its line number.",
)
@click.option(
    "--max-errors",
    type=click.IntRange(min=0),
    help="Stop after this many targets failed (invalid, rejected, unknown).",
)
@click.option(
    "--skip-existing/--no-skip-existing",
    default=True,
    show_default=True,
    help="List the outdial first and do not send numbers already in it (VoIPbin would add "
    "them twice). Without it the listing is still done when resuming from a checkpoint.",
)
@click.option("--dry-run", is_flag=True, help="Read and validate the file and count; send nothing.")
@click.option(
    "--restart",
    is_flag=True,
    help="Start over: forget what the checkpoint says (it belongs to another file, or you "
    "want everything sent again).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--progress/--no-progress",
    default=True,
    show_default=True,
    help="Show progress on stderr: a live bar on a terminal, else a line every 5 s.",
)
@pass_voipbin
def upload(
    state: VoipbinState,
    outdial_id: uuid.UUID,
    source: str,
    column: str | None,
    encoding: str,
    rate: float,
    concurrency: int,
    checkpoint: Path | None,
    no_checkpoint: bool,
    rejects: Path | None,
    max_errors: int | None,
    skip_existing: bool,
    dry_run: bool,
    restart: bool,
    as_json: bool,
    progress: bool,
) -> None:
    """Upload the targets of FILE into outdial OUTDIAL_ID; '-' reads standard input.

    FILE is a CSV (with or without a header), a text file with one E.164 number per line
    (+15551234567), or JSON Lines; .gz too. CSV columns name, detail, data and destination_1 ..
    destination_4 go with each target. Numbers that are not E.164 are counted as invalid, with
    their line number in the --rejects file; repeated numbers are sent once, and numbers
    already in the outdial are not sent again (--no-skip-existing sends them anyway).

    VoIPbin takes one target per request, about 16 a second. A checkpoint (FILE.ckpt by
    default) records every finished target: after Ctrl-C, --max-errors or a crash, run the same
    command again and it resumes where it stopped; targets the stopped run sent but did not
    record are found in the outdial, not added twice. It is deleted once every target has its
    final answer; a checkpoint of another file is refused (exit 2): --restart starts over.
    The outdial must not be in use by a running campaign.
    """
    journal: Path | None = checkpoint
    if no_checkpoint or dry_run:
        journal = None
    elif journal is None and source != "-":
        journal = Path(f"{source}.ckpt")
    number_column = _column(column)
    with _voipbin_errors():
        items = read_targets(source, column=number_column, encoding=encoding)
        total = _count_targets(source, column=number_column, encoding=encoding)
        client = state.client()

        def begin(display: ProgressDisplay, stop: asyncio.Event) -> Coroutine[Any, Any, BulkReport]:
            return client.bulk_add_targets(
                outdial_id,
                items,
                rate=rate,
                concurrency=concurrency,
                checkpoint=journal,
                rejects=rejects,
                max_errors=max_errors,
                # Off: the SDK's default, which still lists when resuming.
                skip_existing=True if skip_existing else None,
                on_progress=display,
                dry_run=dry_run,
                restart=restart,
                stop=stop,
                total=total,
            )

        _run(
            client,
            begin,
            "upload",
            journal,
            as_json=as_json,
            progress=progress,
            total=total,
        )


# -- simulate ----------------------------------------------------------------------------------

#: The simulator's own default access key (public; it protects nothing).
_SIM_ACCESSKEY = "test-key"


@voipbin.command(
    short_help="Run the VoIPbin simulator in the foreground.",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@pass_voipbin
def simulate(state: VoipbinState, args: tuple[str, ...]) -> None:
    """Run the VoIPbin simulator in the foreground until Ctrl-C (`simulate --help`: its
    options).

    It accepts the access key or token of your settings when one is set (VOIPBIN_ACCESSKEY,
    VOIPBIN_TOKEN, --accesskey, --token or the profile), so the other commands work against it
    as they are; otherwise the access key test-key.
    """
    from ..voipbin.simulator.__main__ import build_parser, serve, simulator_from_args

    settings = state.settings()
    parser = build_parser()
    parser.prog = f"{PROG} voipbin simulate"
    parser.epilog = (
        "Credentials: without --accesskey/--token, the simulator accepts the access key or "
        "token of your cc-campaigns settings (VOIPBIN_ACCESSKEY, VOIPBIN_TOKEN or the config "
        "profile) when set, else the access key test-key. Point the other commands at it with "
        "--base-url or VOIPBIN_BASE_URL."
    )
    own: dict[str, Any] = {}
    if settings.accesskey:
        own["accesskey"] = [settings.accesskey]
    if settings.token:
        own["token"] = settings.token
    parser.set_defaults(**own)
    options = parser.parse_args(list(args))
    try:
        simulator = simulator_from_args(options)
    except ValueError as err:
        parser.error(str(err))
    # Only the simulator's own public key is printed; a key or token of yours never is.
    public = options.accesskey in (
        None,
        [_SIM_ACCESSKEY],
    ) and options.token == build_parser().get_default("token")

    def announce(url: str) -> None:
        click.echo(f"listening on {url}")
        if public:
            click.echo(
                f"Point cc-campaigns at it: export VOIPBIN_BASE_URL={url} "
                f"VOIPBIN_ACCESSKEY={_SIM_ACCESSKEY}"
            )
        else:
            click.echo(
                f"Point cc-campaigns at it: export VOIPBIN_BASE_URL={url} "
                "(it accepts the access key or token you set)"
            )
        rate = f"{options.rate:g} requests/s per key" if options.rate else "no rate limit"
        click.echo(f"Rate limit: {rate}. Press Ctrl-C to stop.")

    run(serve(simulator, announce=announce))
    stats = simulator.stats
    by_status = ", ".join(f"{code}: {n:,}" for code, n in sorted(stats.by_status.items()))
    outdials = simulator.outdials()
    count = sum(len(simulator.targets(o.id)) for o in outdials)
    click.echo(
        f"Stopped after {stats.requests:,} requests ({by_status or 'none'}); "
        f"{count:,} target{'' if count == 1 else 's'} in {len(outdials):,} "
        f"outdial{'' if len(outdials) == 1 else 's'}."
    )
