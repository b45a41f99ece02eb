"""``simulate`` (the Campaigns API v1 simulator in the foreground) and ``demo`` (an upload of
generated records into a simulated campaign, with faults, then a few actions)."""

from __future__ import annotations

import argparse
import asyncio
import secrets
from typing import Any

import click

from ...bulk import BulkReport
from ...campaigns_v1 import Campaign, CampaignsV1Client
from ...errors import RateLimitedError, ServerError
from ..context import V1State, pass_v1, run_bulk
from ..errors import ExitCode, fail
from ..render import report_table, show
from ..render.campaigns_v1 import campaign_status
from ..render.progress import ProgressDisplay
from ..simulate import serve_in_foreground, simulate_command

__all__ = ["DEMO_FAULTS", "demo", "simulate"]

#: The simulator's own default API key and tenant (public; they protect nothing).
_SIM_KEY = "eght_test-key"
_SIM_TENANT = "tenant"


@simulate_command("Run the Campaigns API v1 simulator in the foreground.")
@pass_v1
def simulate(state: V1State, args: tuple[str, ...]) -> None:
    """Run the Campaigns API v1 simulator in the foreground until Ctrl-C (`simulate --help`:
    its options).

    It accepts the tenant and API key of your settings when set (CC_V1_TENANT, CC_V1_API_KEY,
    --tenant or the profile), so the other commands work against it as they are; otherwise
    the tenant `tenant` and the key eght_test-key.
    """
    from ...campaigns_v1.simulator import CampaignsV1Simulator
    from ...campaigns_v1.simulator.__main__ import build_parser, simulator_from_args
    from ...testing.runner import serve

    settings = state.settings()
    own: dict[str, Any] = {}
    if settings.tenant:
        own["tenant"] = [settings.tenant]
    if settings.api_key:
        own["api_key"] = [settings.api_key]

    def announce(options: argparse.Namespace, url: str) -> None:
        # Only the simulator's own public key is printed; a key of yours never is.
        click.echo(f"listening on {url}")
        tenant = (options.tenant or [_SIM_TENANT])[0]
        if options.api_key in (None, [_SIM_KEY]):
            click.echo(
                f"Point cc-campaigns at it: export CC_V1_BASE_URL={url} CC_V1_TENANT={tenant} "
                f"CC_V1_API_KEY={_SIM_KEY}"
            )
        else:
            click.echo(
                f"Point cc-campaigns at it: export CC_V1_BASE_URL={url} CC_V1_TENANT={tenant} "
                "(it accepts the API key you set)"
            )
        if options.campaign:
            click.echo(f"Campaigns ({options.state}): {', '.join(options.campaign)}")
        click.echo("Press Ctrl-C to stop.")

    def summary(simulator: CampaignsV1Simulator) -> str:
        campaigns = list(simulator.state.campaigns)
        count = sum(len(simulator.campaign_records(c)) for c in campaigns)
        return (
            f"{count:,} record{'' if count == 1 else 's'} in {len(campaigns):,} "
            f"campaign{'' if len(campaigns) == 1 else 's'}."
        )

    serve_in_foreground(
        build_parser(),
        args,
        epilog="Credentials: without --tenant/--api-key, the simulator accepts the tenant and "
        "API key of your cc-campaigns settings (CC_V1_TENANT, CC_V1_API_KEY or the config "
        "profile) when set, else the tenant 'tenant' and the key eght_test-key. Create "
        "campaigns with --campaign UUID (and --state); point the other commands at it with "
        "--base-url or CC_V1_BASE_URL.",
        defaults=own,
        build=simulator_from_args,
        serve=serve,
        announce=announce,
        stats=lambda simulator: simulator.stats,
        summary=summary,
    )


#: Mild faults: the upload has to retry and back off. (No timeouts: the simulator holds a
#: timed-out answer longer than the client waits. No dropped answers: the resend of a whole
#: applied batch is refused one named duplicate at a time, up to 100 requests, which the
#: demo's other faults then interrupt; see the client's isolation in campaigns_v1.adapters.)
DEMO_FAULTS: dict[str, Any] = {"latency": 0.002, "error_rate": 0.03, "throttle_rate": 0.03}
#: Every this many generated ids, one is too long (refused before sending), one repeats.
_ODD_EVERY = 97
#: Every this many generated ids, one is already in the campaign.
_PRESENT_EVERY = 100


def _records(count: int) -> tuple[list[str], list[str]]:
    """The file's CRM record ids (a few invalid, a few repeated), and those already present."""
    rows: list[str] = []
    present: list[str] = []
    for index in range(count):
        if index and index % _ODD_EVERY == 0:
            rows.append(f"CRM-{index:06d}-" + "x" * 32)  # over 32 characters: invalid
        elif index and index % _ODD_EVERY == 1:
            rows.append(rows[0])
        else:
            rows.append(f"CRM-{index:06d}")
            if index % _PRESENT_EVERY == 50:
                present.append(rows[-1])
    return rows, present


async def _act(client: CampaignsV1Client, action: str, campaign_id: str) -> Campaign:
    """One action; a 429 or 503 (nothing applied) is sent again, as a script would."""
    for attempt in range(1, 6):
        try:
            campaign: Campaign = await getattr(client, action)(campaign_id)
            return campaign
        except (RateLimitedError, ServerError) as err:
            if attempt == 5:
                raise
            click.echo(f"  {action:<6} -> HTTP {err.status}, nothing applied: sent again")
            await asyncio.sleep(0.05 * attempt)
    raise AssertionError("unreachable")


@click.command(short_help="Run the Campaigns API v1 demo on a local simulator.")
@click.option(
    "--records",
    type=click.IntRange(min=1, max=100_000),
    default=5_000,
    show_default=True,
    help="Records to upload.",
)
@click.option("--faults/--no-faults", default=True, show_default=True, help="Mild faults on.")
@click.option("--seed", type=int, default=7, show_default=True, help="Seed of the faults.")
@click.option("--concurrency", type=click.IntRange(min=1, max=64), default=8, show_default=True)
@click.option("--progress/--no-progress", default=True, show_default=True)
def demo(records: int, faults: bool, seed: int, concurrency: int, progress: bool) -> None:
    """Upload generated CRM record ids into a simulated dynamic campaign (about 1% already in
    it, a few invalid or repeated), with faults, then pause, resume and cancel it: what the
    SDK does against the Campaigns API v1. Runs entirely on this machine."""
    from ...campaigns_v1.simulator import CampaignsV1Simulator

    api_key = "eght_" + secrets.token_urlsafe(16)
    tenant = "demo"
    fault_options = dict(DEMO_FAULTS) if faults else {}
    display = ProgressDisplay("upload", enabled=progress)
    say = click.echo
    rows, present = _records(records)

    async def main(stop: asyncio.Event) -> BulkReport:
        simulator = CampaignsV1Simulator(tenant=tenant, api_key=api_key, seed=seed, **fault_options)
        async with simulator:
            campaign_id = simulator.add_campaign(state="RUNNING")
            client = CampaignsV1Client(tenant=tenant, api_key=api_key, base_url=simulator.url)
            async with client:
                say(f"Simulated Campaigns API v1 at {simulator.url}")
                say(f"Campaign {campaign_id} (RUNNING)")
                if present:  # as if an earlier run had added them
                    seeded = await client.bulk_add(campaign_id, present, concurrency=1)
                    say(f"{seeded.applied:,} of the records were added before (an earlier run).")
                say(
                    f"\nUploading {len(rows):,} generated records (a few invalid, a few "
                    f"repeated, {len(present):,} already in the campaign)..."
                )
                with display:
                    report = await client.bulk_add(
                        campaign_id,
                        rows,
                        concurrency=concurrency,
                        on_progress=display,
                        stop=stop,
                    )
                show(report_table(report))
                if report.aborted:
                    return report
                for action in ("pause", "resume", "cancel"):
                    after = await _act(client, action, campaign_id)
                    say(f"  {action:<6} -> {campaign_status(after)}")
                count = len(simulator.campaign_records(campaign_id))
                by_status = ", ".join(
                    f"{code}: {n:,}" for code, n in sorted(simulator.stats.by_status.items())
                )
                say(
                    f"\nThe simulator saw {simulator.stats.requests:,} requests ({by_status}); "
                    f"{count:,} records are in campaign {campaign_id}."
                )
                return report

    def interrupted() -> None:
        display.note("Interrupted: letting the requests in flight finish...")

    report = run_bulk(main, on_interrupt=interrupted)
    if report is None or report.aborted:
        fail("demo interrupted", ExitCode.INTERRUPTED)
