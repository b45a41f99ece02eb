"""``simulate`` (the 8x8 simulator in the foreground) and ``demo`` (what ``make demo`` runs)."""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
from collections.abc import Iterator
from typing import Any

import click

from ...bulk import BulkReport
from ...dynamic.client import CampaignsClient
from ...dynamic.models import Campaign, CampaignStatus, StatusChange
from ...errors import InvalidTransitionError, RateLimitedError, ServerError
from ...retry import DEFAULT_RETRY
from ..context import CliState, pass_state, run_bulk
from ..errors import ExitCode, fail
from ..render import report_table, show
from ..render.dynamic import campaign_table, describe_campaign
from ..render.progress import ProgressDisplay
from ..simulate import serve_in_foreground, simulate_command

__all__ = ["DemoCustomers", "demo", "simulate"]

#: The simulator's own default credentials (public; they protect nothing).
_SIM_DEFAULTS = {"username": "tenant", "data_token": "data-token", "action_token": "action-token"}


@simulate_command("Run the 8x8 simulator in the foreground.")
@pass_state
def simulate(state: CliState, args: tuple[str, ...]) -> None:
    """Run the 8x8 simulator in the foreground until Ctrl-C (`simulate --help`: its options).

    It accepts the username and tokens of your cc-campaigns settings when they are set
    (CC_USERNAME, CC_DATA_TOKEN, CC_ACTION_TOKEN or the profile), so the other commands work
    against it as they are; otherwise tenant / data-token / action-token.
    """
    # The simulator's own command line, reused as it is: the same options, the same checks.
    from ...dynamic.simulator import Simulator, serve
    from ...dynamic.simulator.__main__ import build_parser, simulator_from_args

    settings = state.settings()
    data = settings.data_token or settings.action_token
    action = settings.action_token or settings.data_token
    own = {"username": settings.username, "data_token": data, "action_token": action}

    def announce(options: argparse.Namespace, url: str) -> None:
        public = all(getattr(options, key) == value for key, value in _SIM_DEFAULTS.items())
        click.echo(f"listening on {url}")
        if public:
            click.echo(
                f"Point cc-campaigns at it: export CC_BASE_URL={url} CC_USERNAME=tenant "
                "CC_DATA_TOKEN=data-token CC_ACTION_TOKEN=action-token"
            )
        else:
            click.echo(
                f"Point cc-campaigns at it: export CC_BASE_URL={url} "
                "(it accepts the username and tokens of your settings)"
            )
        if options.campaign:
            status = CampaignStatus(options.campaign_status)
            ids = ", ".join(str(c) for c in options.campaign)
            click.echo(f"Campaigns: {ids} ({status.description})")
        if options.crm_range:
            ranges = ", ".join(f"{r.start}-{r.stop - 1}" for r in options.crm_range)
            click.echo(f"CRM customers: {ranges}")
        click.echo("Press Ctrl-C to stop.")

    def summary(simulator: Simulator) -> str:
        return f"{simulator.stats.items_added:,} customers added."

    serve_in_foreground(
        build_parser(),
        args,
        epilog="Credentials: without --username/--data-token/--action-token, the simulator "
        "accepts those of your cc-campaigns settings (CC_USERNAME, CC_DATA_TOKEN, "
        "CC_ACTION_TOKEN or the config profile) when set, else tenant / data-token / "
        "action-token. Point the other commands at it with --base-url or CC_BASE_URL.",
        defaults={key: value for key, value in own.items() if value},
        build=simulator_from_args,
        serve=serve,
        announce=announce,
        stats=lambda simulator: simulator.stats,
        summary=summary,
    )


# -- demo ----------------------------------------------------------------------------------

DEMO_CAMPAIGN = 125
#: Mild faults: the upload has to retry, back off and confirm unknown outcomes.
DEMO_FAULTS: dict[str, Any] = {
    "latency": 0.005,
    "error_rate": 0.01,
    "throttle_rate": 0.01,
    "timeout_rate": 0.005,
    "disconnect_rate": 0.002,
}
#: Shares of the generated input that are not plain, new, known customers.
INVALID_SHARE = 0.001
DUPLICATE_SHARE = 0.005
UNKNOWN_SHARE = 0.002


class DemoCustomers:
    """``count`` generated input rows (a sized iterable, so progress knows the total).

    Customer ``i`` is ``i``, known to the CRM (ids 1..count), except for small shares of
    invalid ids, repeats of an earlier customer, and ids the CRM does not know. Seeded: the
    same seed gives the same rows.
    """

    def __init__(self, count: int, *, seed: int = 7) -> None:
        self.count = count
        self.seed = seed

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[Any]:
        rng = random.Random(self.seed)
        draw = rng.random
        invalid = INVALID_SHARE
        duplicate = invalid + DUPLICATE_SHARE
        unknown = duplicate + UNKNOWN_SHARE
        for index in range(1, self.count + 1):
            roll = draw()
            if roll >= unknown or index == 1:
                yield index
            elif roll < invalid:
                yield f"{index}x"
            elif roll < duplicate:
                yield rng.randint(1, index - 1)
            else:
                yield self.count + index


async def _change(client: CampaignsClient, verb: str, change: StatusChange) -> Campaign:
    # The simulated faults also hit status changes; a 503 or 429 is refused before anything
    # is applied, so trying again is safe.
    async for attempt in DEFAULT_RETRY.retrying(
        lambda err: isinstance(err, (ServerError, RateLimitedError))
    ):
        with attempt:
            await client.set_status(DEMO_CAMPAIGN, change)
    campaign = await client.get_campaign(DEMO_CAMPAIGN)
    click.echo(f"  {verb:<7} -> {describe_campaign(campaign)}")
    return campaign


@click.command(short_help="Run the demo on a local simulator (make demo).")
@click.option(
    "--records",
    type=click.IntRange(min=1, max=5_000_000),
    default=1_000_000,
    show_default=True,
    help="Customers to upload.",
)
@click.option("--faults/--no-faults", default=True, show_default=True, help="Mild faults on.")
@click.option("--seed", type=int, default=7, show_default=True, help="Seed of input and faults.")
@click.option("--concurrency", type=click.IntRange(min=1, max=64), default=16, show_default=True)
@click.option(
    "--batch-size", type=click.IntRange(min=1, max=10_000), default=500, show_default=True
)
@click.option("--progress/--no-progress", default=True, show_default=True)
def demo(
    records: int, faults: bool, seed: int, concurrency: int, batch_size: int, progress: bool
) -> None:
    """Upload generated customers into a simulated campaign, with faults, and show what the
    SDK does: status, start, a bulk upload with progress and a summary, pause, resume, purge,
    stop. Runs entirely on this machine (what `make demo` runs)."""
    from ...dynamic.simulator import Simulator

    username = "demo"
    data_token = secrets.token_urlsafe(16)
    action_token = secrets.token_urlsafe(16)
    fault_options = dict(DEMO_FAULTS) if faults else {}
    display = ProgressDisplay("upload", enabled=progress)
    say = click.echo

    async def main(stop: asyncio.Event) -> BulkReport:
        simulator = Simulator(
            username=username,
            data_token=data_token,
            action_token=action_token,
            seed=seed,
            **fault_options,
        )
        async with simulator:
            simulator.add_campaign(DEMO_CAMPAIGN, name="Demo: spring renewals")
            simulator.add_crm_customers(range(1, records + 1))
            client = CampaignsClient(
                base_url=simulator.url,
                username=username,
                data_token=data_token,
                action_token=action_token,
            )
            async with client:
                say(f"Simulated 8x8 service at {simulator.url}")
                if faults:
                    shown = ", ".join(
                        f"{k.replace('_', ' ')} {v:g}" for k, v in DEMO_FAULTS.items()
                    )
                    say(f"Faults: {shown} (seed {seed})")
                say(f"\nCampaign {DEMO_CAMPAIGN}, as created:")
                show(campaign_table(await client.get_campaign(DEMO_CAMPAIGN)))
                say("\nStarting it:")
                await _change(client, "start", StatusChange.RUNNING)
                say(
                    f"\nUploading {records:,} generated customers (about "
                    f"{INVALID_SHARE:.1%} invalid, {DUPLICATE_SHARE:.1%} repeated, "
                    f"{UNKNOWN_SHARE:.1%} unknown to the CRM)..."
                )
                with display:
                    report = await client.bulk_add(
                        DEMO_CAMPAIGN,
                        DemoCustomers(records, seed=seed),
                        batch_size=batch_size,
                        concurrency=concurrency,
                        on_progress=display,
                        stop=stop,
                    )
                show(report_table(report))
                if report.aborted:
                    return report
                say(f"\nStatus changes of campaign {DEMO_CAMPAIGN}:")
                await _change(client, "pause", StatusChange.PAUSED)
                await _change(client, "resume", StatusChange.RUNNING)
                await _change(client, "pause", StatusChange.PAUSED)
                await _change(client, "purge", StatusChange.PURGED)
                await _change(client, "stop", StatusChange.STOPPED)
                try:
                    await client.start(DEMO_CAMPAIGN)
                except InvalidTransitionError as err:
                    say(f"  start   -> refused, nothing sent: {err.message}")
                stats = simulator.stats
                say(
                    f"\nThe simulator saw {stats.requests:,} requests; "
                    f"{len(simulator.campaign_customers(DEMO_CAMPAIGN)):,} customers are in "
                    f"campaign {DEMO_CAMPAIGN}."
                )
                return report

    def interrupted() -> None:
        display.note("Interrupted: letting the batches in flight finish...")

    report = run_bulk(main, on_interrupt=interrupted)
    if report is None or report.aborted:
        fail("demo interrupted", ExitCode.INTERRUPTED)
