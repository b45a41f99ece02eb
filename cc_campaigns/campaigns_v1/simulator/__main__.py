"""``python -m cc_campaigns.campaigns_v1.simulator``: serve until SIGINT/SIGTERM.

Prints exactly one line, ``listening on http://HOST:PORT/cc/SITE/campaigns/v1``, once it
accepts connections (``--port 0`` picks a free port); exits 0 when stopped.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import attrs

from ...testing.runner import run
from . import DEFAULT_TIMEOUT_DELAY, DEFAULT_TRANSIENT_SECONDS, CampaignsV1Simulator
from .variants import PRESETS
from .vendor import SITES, STATES

__all__ = ["build_parser", "main", "simulator_from_args"]


def build_parser() -> argparse.ArgumentParser:
    """The command-line options."""
    parser = argparse.ArgumentParser(
        prog="python -m cc_campaigns.campaigns_v1.simulator",
        description="An in-memory 8x8 Contact Center Campaigns API v1 on a local port.",
    )
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="interface (default: 127.0.0.1)")
    add("--port", type=int, default=0, help="port (default: 0, a free one)")
    add("--site", choices=SITES, default="US1", help="customer site (default: US1)")
    add("--tenant", action="append", help="accepted tenant name (repeatable; default tenant)")
    add("--api-key", action="append", help="accepted eght_ key (repeatable; eght_test-key)")
    add("--campaign", action="append", default=[], help="UUID of a campaign to create")
    add("--state", choices=STATES, default="RUNNING", help="state of --campaign (RUNNING)")
    add("--variants", choices=sorted(PRESETS), default="default", help="vendor readings")
    add("--add-status", type=int, choices=(200, 201), help="success status of an add")
    add("--duplicate-status", type=int, choices=(400, 409), help="status of a known id")
    add("--transition-status", type=int, choices=(400, 409), help="illegal action status")
    add(
        "--transient-seconds",
        type=float,
        default=DEFAULT_TRANSIENT_SECONDS,
        help=f"how long BUILDING / STARTING last ({DEFAULT_TRANSIENT_SECONDS:g})",
    )
    add("--latency", type=float, default=0.0, help="seconds before each answer")
    add("--error-rate", type=float, default=0.0, help="share of 503 answers")
    add("--throttle-rate", type=float, default=0.0, help="share of 429 answers")
    add("--capacity", type=float, default=None, help="records/s accepted (default: no limit)")
    add("--timeout-rate", type=float, default=0.0, help="share of adds applied, then held")
    add("--disconnect-rate", type=float, default=0.0, help="share of adds applied, then dropped")
    add("--timeout-delay", type=float, default=DEFAULT_TIMEOUT_DELAY, help="held seconds")
    add("--seed", type=int, default=0, help="seed of the random faults")
    add("--refuse-id", action="append", default=[], help="test hook: a crmRecordId refused")
    add(
        "--duplicate-names-id",
        choices=("yes", "no"),
        help="whether a duplicate refusal names the id (default: the variant's)",
    )
    # Test/benchmark hooks (not vendor behaviour): refuse any batch holding one of these ids.
    add("--refuse-ids", metavar="FILE", help="test hook: crmRecordIds (one a line) refused 400")
    add("--refuse-named", action="store_true", help="test hook: name them (records[i] error)")
    return parser


def simulator_from_args(args: argparse.Namespace) -> CampaignsV1Simulator:
    """The simulator the arguments describe; ValueError for a setting out of range."""
    overrides = {
        name: getattr(args, name)
        for name in ("add_status", "duplicate_status", "transition_status")
        if getattr(args, name) is not None
    }
    if args.duplicate_names_id is not None:
        overrides["duplicate_names_id"] = args.duplicate_names_id == "yes"
    refuse_ids: list[str] = []
    if args.refuse_ids:
        with open(args.refuse_ids, encoding="utf-8") as handle:
            refuse_ids = [line.strip() for line in handle if line.strip()]
    simulator = CampaignsV1Simulator(
        tenant=args.tenant or "tenant",
        api_key=args.api_key or "eght_test-key",
        site=args.site,
        variants=attrs.evolve(PRESETS[args.variants], **overrides),
        transient_seconds=args.transient_seconds,
        latency=args.latency,
        error_rate=args.error_rate,
        throttle_rate=args.throttle_rate,
        capacity=args.capacity,
        timeout_rate=args.timeout_rate,
        disconnect_rate=args.disconnect_rate,
        timeout_delay=args.timeout_delay,
        seed=args.seed,
        refuse_ids=[*args.refuse_id, *refuse_ids],
        refuse_named=args.refuse_named,
        host=args.host,
        port=args.port,
    )
    for campaign in args.campaign:
        simulator.add_campaign(campaign, state=args.state)
    return simulator


def main(argv: Sequence[str] | None = None) -> int:
    """Run the simulator; the exit status (2 for bad settings)."""
    args = build_parser().parse_args(argv)
    try:
        simulator = simulator_from_args(args)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return run(simulator)


if __name__ == "__main__":
    sys.exit(main())
