"""``python -m cc_campaigns.dynamic.simulator``: run the 8x8 simulator until SIGINT/SIGTERM.

Prints exactly one line, ``listening on http://HOST:PORT``, to stdout once it is serving
(``--port 0`` picks a free port), so a parent process can read the URL; exits 0 when stopped.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

import attrs

from ...testing.runner import run
from . import Simulator, parse_id_range
from .variants import DELETE_NOT_FOUND_WORDINGS, PRESETS, Variants
from .vendor import STATUSES

__all__ = ["build_parser", "main", "simulator_from_args", "variants_from_args"]


def _id_range(text: str) -> range:
    try:
        return parse_id_range(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


_OPERATIONS = ("status", "add", "delete")
_TOKENS = ("action", "data", "either")


def _write_tokens(text: str) -> dict[str, str]:
    """``data`` (every write) or ``status=data,delete=either`` as {field name: token}."""
    text = text.strip().lower()
    if text in _TOKENS:
        return {f"{operation}_token": text for operation in _OPERATIONS}
    tokens: dict[str, str] = {}
    for part in text.split(","):
        operation, sep, token = (p.strip() for p in part.partition("="))
        if not sep or operation not in _OPERATIONS or token not in _TOKENS:
            raise argparse.ArgumentTypeError(
                f"not a write token setting: {part!r} (expected action, data or either, or "
                "OP=TOKEN with OP status, add or delete)"
            )
        tokens[f"{operation}_token"] = token
    return tokens


def variants_from_args(args: argparse.Namespace) -> Variants:
    """The :class:`Variants` the ``--variants`` preset and the single options describe."""
    variants = PRESETS[args.variants]
    changes: dict[str, Any] = {}
    if args.stopped_status is not None:
        changes["stopped_status"] = args.stopped_status
    if args.delete_not_found is not None:
        changes["delete_not_found"] = DELETE_NOT_FOUND_WORDINGS[args.delete_not_found]
    if args.delete_status is not None:
        changes["delete_status"] = args.delete_status
    if args.keep_deleted is not None:
        changes["keep_deleted"] = args.keep_deleted
    if args.status_method is not None:
        changes["status_methods"] = args.status_method
    if args.write_token is not None:
        changes.update(args.write_token)
    if args.messages is not None:
        changes["messages"] = args.messages
    return attrs.evolve(variants, **changes)


def build_parser() -> argparse.ArgumentParser:
    """The command-line options (also the reference for ``cc-campaigns simulate``)."""
    parser = argparse.ArgumentParser(
        prog="python -m cc_campaigns.dynamic.simulator",
        description="Serve a simulated 8x8 Contact Center Dynamic Campaigns API.",
    )
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="interface to listen on (default: 127.0.0.1)")
    add("--port", type=int, default=8080, help="port; 0 picks a free one (default: 8080)")
    add("--username", default="tenant", help="Basic-auth username (default: tenant)")
    add("--data-token", default="data-token", help="token for reads (default: data-token)")
    add("--action-token", default="action-token", help="token for writes (default: action-token)")
    add(
        "--campaign",
        type=int,
        action="append",
        default=[],
        metavar="ID",
        help="create a dynamic, enabled campaign (repeatable)",
    )
    add(
        "--campaign-status",
        type=int,
        default=3,
        choices=sorted(STATUSES),
        metavar="CODE",
        help="initial status code of the --campaign campaigns (default: 3, Manual Running)",
    )
    add(
        "--crm-range",
        type=_id_range,
        action="append",
        default=[],
        metavar="FIRST-LAST",
        help="customer ids that exist in the CRM, inclusive (repeatable)",
    )
    add(
        "--dnc-range",
        type=_id_range,
        action="append",
        default=[],
        metavar="FIRST-LAST",
        help="customer ids on the do-not-call list, inclusive (repeatable)",
    )
    add("--latency", type=float, default=0.0, metavar="S", help="seconds of delay per request")
    add("--error-rate", type=float, default=0.0, metavar="F", help="fraction answered 503")
    add("--throttle-rate", type=float, default=0.0, metavar="F", help="fraction answered 429")
    add("--capacity", type=float, default=None, metavar="N", help="records/s the add accepts")
    add("--timeout-rate", type=float, default=0.0, metavar="F", help="fraction of adds -> 206")
    add(
        "--disconnect-rate",
        type=float,
        default=0.0,
        metavar="F",
        help="fraction of adds applied, then the connection dropped",
    )
    add("--retry-after", type=int, default=1, metavar="S", help="Retry-After of throttled 429s")
    variants = parser.add_argument_group(
        "vendor variants",
        "Where 8x8's pages disagree, which reading the simulator follows (README: the "
        "simulator's variants). A preset first, then the single options override it.",
    )
    variant = variants.add_argument
    variant(
        "--variants",
        default="default",
        choices=sorted(PRESETS),
        help="preset: default, openapi (stopped=500, PATCH only, empty 404, OpenAPI wording), "
        "guide-tables (data token for status changes and deletes, POST only), support "
        "(support-page wording, delete 200, deleted records kept)",
    )
    variant(
        "--stopped-status",
        type=int,
        choices=[400, 500],
        help="a write to a stopped campaign: 400 (support page) or 500 'Internal server "
        "error' (OpenAPI examples)",
    )
    variant(
        "--delete-not-found",
        choices=sorted(DELETE_NOT_FOUND_WORDINGS),
        help="404 of a delete of a customer not in the campaign: 'Customer not found.', 'The "
        "customer has not been located.', 'The customer-id has not been found.', or no body",
    )
    variant(
        "--delete-status",
        type=int,
        choices=[200, 204],
        help="success status of a delete (default: 204)",
    )
    variant(
        "--keep-deleted",
        action="store_true",
        default=None,
        help="deleting a deleted customer again answers 'not available for deletion because "
        "the record is deleted already'",
    )
    variant(
        "--status-method",
        choices=["POST", "PATCH", "both"],
        help="method(s) that change a status; the other is answered 405 (default: both)",
    )
    variant(
        "--write-token",
        type=_write_tokens,
        metavar="TOKEN|OP=TOKEN,...",
        help="token of the writes: action, data or either, for every write or per operation "
        "(status, add, delete), e.g. status=data,delete=data (default: action)",
    )
    variant(
        "--messages",
        choices=["guide", "support", "openapi"],
        help="wording of every message (default: guide)",
    )
    add("--seed", type=int, default=0, help="seed of the fault decisions (default: 0)")
    return parser


def simulator_from_args(args: argparse.Namespace) -> Simulator:
    """Build the simulator an argument namespace of :func:`build_parser` describes."""
    simulator = Simulator(
        username=args.username,
        data_token=args.data_token,
        action_token=args.action_token,
        host=args.host,
        port=args.port,
        latency=args.latency,
        error_rate=args.error_rate,
        throttle_rate=args.throttle_rate,
        capacity=args.capacity,
        timeout_rate=args.timeout_rate,
        disconnect_rate=args.disconnect_rate,
        seed=args.seed,
        retry_after=args.retry_after,
        variants=variants_from_args(args),
    )
    for campaign_id in args.campaign:
        simulator.add_campaign(campaign_id, status=args.campaign_status)
    for ids in args.crm_range:
        simulator.add_crm_customers(ids)
    for ids in args.dnc_range:
        simulator.add_dnc(ids)
    return simulator


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv``, serve until SIGINT/SIGTERM, return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        simulator = simulator_from_args(args)
    except ValueError as exc:
        parser.error(str(exc))
    return run(simulator)


if __name__ == "__main__":
    sys.exit(main())
