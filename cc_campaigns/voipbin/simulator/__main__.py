"""``python -m cc_campaigns.voipbin.simulator``: run the VoIPbin simulator until SIGINT/SIGTERM.

Prints one line, ``listening on http://HOST:PORT/v1.0``, once it accepts connections.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ...testing.runner import run, serve
from .app import DEFAULT_TIMEOUT_DELAY, VoipbinSimulator

__all__ = ["build_parser", "main", "serve", "simulator_from_args"]


def build_parser() -> argparse.ArgumentParser:
    """The command-line options (also the reference for ``cc-campaigns voipbin simulate``)."""
    parser = argparse.ArgumentParser(
        prog="python -m cc_campaigns.voipbin.simulator",
        description="An in-memory VoIPbin campaign API on a local port.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default: 0, a free one)")
    parser.add_argument(
        "--accesskey", action="append", help="accepted access key (repeatable; default test-key)"
    )
    parser.add_argument("--token", default="test-token", help="accepted Bearer token")
    parser.add_argument(
        "--rate", type=float, default=16.7, help="requests/s per key; 0: no limit (16.7)"
    )
    parser.add_argument("--burst", type=int, default=33, help="burst per key (33)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added per answer")
    parser.add_argument("--error-rate", type=float, default=0.0, help="share of 500 answers")
    parser.add_argument("--throttle-rate", type=float, default=0.0, help="share of random 429s")
    parser.add_argument(
        "--timeout-rate", type=float, default=0.0, help="share applied, then held back"
    )
    parser.add_argument(
        "--disconnect-rate", type=float, default=0.0, help="share of dropped connections"
    )
    parser.add_argument(
        "--timeout-delay",
        type=float,
        default=DEFAULT_TIMEOUT_DELAY,
        help=f"seconds a timeout fault holds its answer ({DEFAULT_TIMEOUT_DELAY:g})",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the random faults")
    parser.add_argument(
        "--stop-delay", type=float, default=0.0, help="seconds a campaign stays 'stopping'"
    )
    parser.add_argument(
        "--stop-polls", type=int, default=2, help="reads a campaign stays 'stopping' (2)"
    )
    return parser


def simulator_from_args(args: argparse.Namespace) -> VoipbinSimulator:
    """Build the simulator an argument namespace of :func:`build_parser` describes.

    Raises:
        ValueError: a setting out of range (a fault rate above 1, a negative latency ...).
    """
    return VoipbinSimulator(
        accesskey=args.accesskey or "test-key",
        token=args.token or None,
        rate=args.rate,
        burst=args.burst,
        latency=args.latency,
        error_rate=args.error_rate,
        throttle_rate=args.throttle_rate,
        timeout_rate=args.timeout_rate,
        disconnect_rate=args.disconnect_rate,
        timeout_delay=args.timeout_delay,
        seed=args.seed,
        stop_delay=args.stop_delay,
        stop_polls=args.stop_polls,
        host=args.host,
        port=args.port,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the simulator; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        simulator = simulator_from_args(args)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return run(simulator)


if __name__ == "__main__":
    sys.exit(main())
