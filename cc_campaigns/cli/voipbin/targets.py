"""VoIPbin ``records``, ``add``, ``remove`` and ``upload``: the targets of an outdial.

VoIPbin's campaigns dial the targets of an outdial, so these verbs take an OUTDIAL_ID where the
8x8 ones take a campaign ID. ``targets list`` and ``targets upload`` are the names these had
first; they stay, as the same commands.
"""

from __future__ import annotations

import asyncio
import functools
import uuid
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import click

from ...bulk import Bucket, BulkReport, ItemOutcome
from ...errors import NotFoundError, ValidationError
from ...voipbin import DEFAULT_BULK_RATE, OutdialTarget, VoipbinClient, normalize_e164, read_targets
from ...voipbin.client import DEFAULT_BULK_CONCURRENCY
from ..bulk import bulk_options, checkpoint_path, count_rows, parse_column, run_job
from ..context import VoipbinState, pass_voipbin, run_client
from ..errors import ExitCode, exit_codes_help
from ..render import outcomes_table, print_json, show, to_dict
from ..render.progress import ProgressDisplay
from ..render.voipbin import targets_table
from .campaign import JSON_OPTION

__all__ = ["EXIT_CODES_HELP_VOIPBIN", "add", "records", "remove", "targets", "upload"]

EXIT_CODES_HELP_VOIPBIN = exit_codes_help("targets", "outdial", "VoIPbin")
OUTDIAL_ID = click.argument("outdial_id", metavar="OUTDIAL_ID", type=click.UUID)


@click.command("records", short_help="List an outdial's targets.")
@OUTDIAL_ID
@JSON_OPTION
@pass_voipbin
def records(state: VoipbinState, outdial_id: uuid.UUID, as_json: bool) -> None:
    """List every target of OUTDIAL_ID (all pages), newest first: first destination, how many
    more, name, status, tries. (Also `targets list`.)"""

    async def main(client: VoipbinClient) -> list[OutdialTarget]:
        return [target async for target in client.list_targets(outdial_id)]

    everything = run_client(state.client(), main)
    if as_json:
        print_json([to_dict(t) for t in everything])
    elif not everything:
        click.echo(f"Outdial {outdial_id} has no targets.")
    else:
        show(targets_table(str(outdial_id), everything))


_RESULTS = {
    Bucket.APPLIED: "added",
    Bucket.ALREADY_PRESENT: "already in the outdial",
    Bucket.DUPLICATE_IN_INPUT: "repeated: sent once",
}


def _result(outcome: ItemOutcome) -> str:
    known = _RESULTS.get(outcome.bucket)
    if known:
        return known
    return f"{outcome.bucket.value.replace('_', ' ')}: {outcome.message or 'not added'}"


@click.command(epilog=EXIT_CODES_HELP_VOIPBIN, short_help="Add a few targets; show each result.")
@OUTDIAL_ID
@click.argument("numbers", metavar="NUMBER...", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print the per-target results as JSON.")
@pass_voipbin
def add(
    state: VoipbinState, outdial_id: uuid.UUID, numbers: tuple[str, ...], as_json: bool
) -> None:
    """Add E.164 numbers (+15551234567) to outdial OUTDIAL_ID as targets, and show what
    happened to each. VoIPbin takes one target per request; numbers already in the outdial are
    not sent again (VoIPbin would add them twice). For files and long lists use `upload`."""

    async def main(client: VoipbinClient) -> list[ItemOutcome]:
        outcomes: list[ItemOutcome] = []
        batches = client.iter_bulk_add_targets(outdial_id, list(numbers), skip_existing=True)
        async for done in batches:
            outcomes.extend(done)
        return sorted(outcomes, key=lambda o: o.line or 0)

    outcomes = run_client(state.client(), main)
    if as_json:
        print_json(
            [
                {
                    "destination": o.item_id,
                    "result": o.bucket.value,
                    "ok": o.ok or o.bucket is Bucket.DUPLICATE_IN_INPUT,
                    "http_status": o.http_status,
                    "message": o.message,
                }
                for o in outcomes
            ]
        )
    else:
        rows = [(str(o.item_id), _result(o), str(o.http_status or "-")) for o in outcomes]
        show(outcomes_table(rows, item="destination"))
    failed = [o for o in outcomes if not o.ok and o.bucket is not Bucket.DUPLICATE_IN_INPUT]
    if failed:
        click.echo(f"{len(failed):,} of {len(outcomes):,} targets were not added.", err=True)
        click.get_current_context().exit(int(ExitCode.NOT_ALL_DONE))


def _target_ids(given: str, listed: list[OutdialTarget] | None) -> list[str] | None:
    """The target ids ``given`` names: itself (a target id) or the targets whose first
    destination is that number; ``None`` when it is neither."""
    try:
        return [str(uuid.UUID(given))]
    except ValueError:
        pass
    number = normalize_e164(given)
    return [t.id for t in listed or [] if t.destination == number]


@click.command(epilog=EXIT_CODES_HELP_VOIPBIN, short_help="Remove targets (by id or number).")
@OUTDIAL_ID
@click.argument("targets", metavar="TARGET...", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print the per-target results as JSON.")
@pass_voipbin
def remove(
    state: VoipbinState, outdial_id: uuid.UUID, targets: tuple[str, ...], as_json: bool
) -> None:
    """Remove targets from outdial OUTDIAL_ID, one request each: a TARGET is a target id, or
    an E.164 number (every target whose first destination it is).

    Targets that are not in the outdial are reported as such (not an error). VoIPbin has no
    bulk delete, so there is no --file, checkpoint or rejects here (unlike `8x8 remove`).
    """
    for given in targets:  # a bad value is a usage error before anything is sent
        try:
            uuid.UUID(given)
        except ValueError:
            try:
                normalize_e164(given)
            except ValidationError:
                raise ValidationError(
                    f"{given!r} is neither a target id nor an E.164 number"
                ) from None

    async def main(client: VoipbinClient) -> list[tuple[str, str, int | None]]:
        await client.get_outdial(outdial_id)  # a missing outdial is an error, not "not there"
        listed: list[OutdialTarget] | None = None
        if any(not _is_uuid(given) for given in targets):
            listed = [target async for target in client.list_targets(outdial_id)]
        results: list[tuple[str, str, int | None]] = []
        for given in targets:
            ids = _target_ids(given, listed) or []
            if not ids:
                results.append((given, "not in the outdial", None))
            for target_id in ids:
                try:
                    await client.delete_target(outdial_id, target_id)
                except NotFoundError as err:
                    results.append((given, "not in the outdial", err.status))
                else:
                    results.append(
                        (given if given == target_id else f"{given} ({target_id})", "removed", 200)
                    )
        return results

    results = run_client(state.client(), main)
    if as_json:
        print_json([{"target": t, "result": r, "http_status": s} for t, r, s in results])
    else:
        show(outcomes_table([(t, r, str(s or "-")) for t, r, s in results], item="target"))


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@click.command(
    "upload", epilog=EXIT_CODES_HELP_VOIPBIN, short_help="Upload a file of targets (resumable)."
)
@OUTDIAL_ID
@click.argument("source", metavar="FILE", type=click.Path(dir_okay=False, allow_dash=True))
@bulk_options(
    items="targets",
    column_help="The number column: a header name or a 0-based number (default: a "
    "destination/phone/number/tel/target header, else the first column).",
    concurrency=DEFAULT_BULK_CONCURRENCY,
    checkpoint_help="Journal of finished targets (default: FILE.ckpt); a rerun with it resumes.",
    upload=True,
    between=[
        click.option(
            "--rate",
            type=click.FloatRange(min=0),
            default=DEFAULT_BULK_RATE,
            show_default=True,
            help="Requests per second at most (VoIPbin allows about 16.7 per customer); 0: no "
            "fixed cap (the upload still slows down when VoIPbin pushes back).",
        ),
        click.option(
            "--skip-existing/--no-skip-existing",
            default=True,
            show_default=True,
            help="List the outdial first and do not send numbers already in it (VoIPbin would "
            "add them twice). Without it the listing is still done when resuming from a "
            "checkpoint.",
        ),
    ],
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
    (Also `targets upload`.)

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
    journal = checkpoint_path(source, checkpoint, no_checkpoint=no_checkpoint, dry_run=dry_run)
    read = functools.partial(read_targets, column=parse_column(column), encoding=encoding)
    items = read(source)
    total = count_rows(source, read)
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

    run_job(client, begin, "upload", journal, as_json=as_json, progress=progress, total=total)


@click.group(short_help="List or upload the targets of an outdial (also `records`, `upload`).")
def targets() -> None:
    """The targets of an outdial: the numbers its campaigns dial. `targets list` is `records`
    and `targets upload` is `upload`: the same commands."""


targets.add_command(records, "list")
targets.add_command(upload, "upload")
