"""VoIPbin ``simulate`` (the VoIPbin simulator in the foreground) and ``demo`` (an upload of
generated targets into a simulated outdial, then a campaign run and stopped)."""

from __future__ import annotations

import argparse
import asyncio
import secrets
from typing import Any

import click

from ...bulk import BulkReport
from ...voipbin import CampaignStatus, VoipbinClient
from ..context import VoipbinState, pass_voipbin, run_bulk
from ..errors import ExitCode, fail
from ..render import report_table, show
from ..render.progress import ProgressDisplay
from ..render.voipbin import campaign_status
from ..simulate import serve_in_foreground, simulate_command

__all__ = ["demo", "simulate"]

#: The simulator's own default access key (public; it protects nothing).
_SIM_ACCESSKEY = "test-key"


@simulate_command("Run the VoIPbin simulator in the foreground.")
@pass_voipbin
def simulate(state: VoipbinState, args: tuple[str, ...]) -> None:
    """Run the VoIPbin simulator in the foreground until Ctrl-C (`simulate --help`: its
    options).

    It accepts the access key or token of your settings when one is set (VOIPBIN_ACCESSKEY,
    VOIPBIN_TOKEN, --accesskey, --token or the profile), so the other commands work against it
    as they are; otherwise the access key test-key.
    """
    from ...voipbin.simulator import VoipbinSimulator
    from ...voipbin.simulator.__main__ import build_parser, serve, simulator_from_args

    settings = state.settings()
    own: dict[str, Any] = {}
    if settings.accesskey:
        own["accesskey"] = [settings.accesskey]
    if settings.token:
        own["token"] = settings.token
    default_token = build_parser().get_default("token")

    def announce(options: argparse.Namespace, url: str) -> None:
        # Only the simulator's own public key is printed; a key or token of yours never is.
        public = options.accesskey in (None, [_SIM_ACCESSKEY]) and options.token == default_token
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

    def summary(simulator: VoipbinSimulator) -> str:
        outdials = simulator.outdials()
        count = sum(len(simulator.targets(o.id)) for o in outdials)
        return (
            f"{count:,} target{'' if count == 1 else 's'} in {len(outdials):,} "
            f"outdial{'' if len(outdials) == 1 else 's'}."
        )

    serve_in_foreground(
        build_parser(),
        args,
        epilog="Credentials: without --accesskey/--token, the simulator accepts the access key "
        "or token of your cc-campaigns settings (VOIPBIN_ACCESSKEY, VOIPBIN_TOKEN or the config "
        "profile) when set, else the access key test-key. Point the other commands at it with "
        "--base-url or VOIPBIN_BASE_URL.",
        defaults=own,
        build=simulator_from_args,
        serve=serve,
        announce=announce,
        stats=lambda simulator: simulator.stats,
        summary=summary,
    )


#: Mild faults: the upload has to retry and back off. (No timeouts: the simulator holds a
#: timed-out answer back longer than the client waits, which would make the demo slow.)
DEMO_FAULTS: dict[str, Any] = {"latency": 0.002, "error_rate": 0.01, "throttle_rate": 0.01}
#: Every this many generated numbers one is not E.164, and one repeats an earlier one.
_ODD_EVERY = 97


def _numbers(count: int) -> list[str]:
    rows = []
    for index in range(count):
        if index and index % _ODD_EVERY == 0:
            rows.append(f"555-{index:04d}")  # no country code: invalid
        elif index and index % _ODD_EVERY == 1:
            rows.append(rows[0])
        else:
            rows.append(f"+1555{index:07d}")
    return rows


@click.command(short_help="Run the VoIPbin demo on a local simulator.")
@click.option(
    "--records",
    type=click.IntRange(min=1, max=100_000),
    default=2_000,
    show_default=True,
    help="Targets to upload.",
)
@click.option("--faults/--no-faults", default=True, show_default=True, help="Mild faults on.")
@click.option("--seed", type=int, default=7, show_default=True, help="Seed of the faults.")
@click.option("--concurrency", type=click.IntRange(min=1, max=64), default=16, show_default=True)
@click.option("--progress/--no-progress", default=True, show_default=True)
def demo(records: int, faults: bool, seed: int, concurrency: int, progress: bool) -> None:
    """Upload generated numbers into a simulated outdial, with faults, then run its campaign
    and stop it: what the SDK does against VoIPbin. Runs entirely on this machine (no rate
    limit: the real service allows about 16 targets a second)."""
    from ...voipbin.simulator import VoipbinSimulator

    accesskey = secrets.token_urlsafe(16)
    fault_options = dict(DEMO_FAULTS) if faults else {}
    display = ProgressDisplay("upload", enabled=progress)
    say = click.echo

    async def main(stop: asyncio.Event) -> BulkReport:
        simulator = VoipbinSimulator(
            accesskey=accesskey, token=None, rate=None, seed=seed, stop_polls=1, **fault_options
        )
        async with simulator:
            client = VoipbinClient(accesskey=accesskey, base_url=simulator.url)
            async with client:
                say(f"Simulated VoIPbin at {simulator.url}")
                outdial = await client.create_outdial("Demo: spring renewals")
                campaign = await client.create_campaign("Demo", outdial_id=outdial.id)
                say(f"Outdial {outdial.id}, campaign {campaign.id} ({campaign_status(campaign)})")
                say(f"\nUploading {records:,} generated numbers (a few invalid, a few repeated)...")
                with display:
                    report = await client.bulk_add_targets(
                        outdial.id,
                        _numbers(records),
                        rate=0,
                        concurrency=concurrency,
                        on_progress=display,
                        stop=stop,
                    )
                show(report_table(report))
                if report.aborted:
                    return report
                after = await client.set_campaign_status(campaign.id, CampaignStatus.RUN)
                say(f"\n  start -> {campaign_status(after)}")
                after = await client.set_campaign_status(campaign.id, CampaignStatus.STOP)
                say(f"  stop  -> {campaign_status(after)}")
                after = await client.wait_for_status(
                    campaign.id, CampaignStatus.STOP, timeout=30, interval=0.01
                )
                say(f"  wait  -> {campaign_status(after)}")
                count = len(simulator.targets(outdial.id))
                say(
                    f"\nThe simulator saw {simulator.stats.requests:,} requests; {count:,} "
                    f"targets are in outdial {outdial.id}."
                )
                return report

    def interrupted() -> None:
        display.note("Interrupted: letting the requests in flight finish...")

    report = run_bulk(main, on_interrupt=interrupted)
    if report is None or report.aborted:
        fail("demo interrupted", ExitCode.INTERRUPTED)
