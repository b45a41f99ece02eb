"""What every provider's ``simulate`` command shares: the simulator's own command line (its
argparse parser, reused as it is), the user's credentials as its defaults, serving in the
foreground until Ctrl-C, and the closing line of statistics."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Coroutine, Mapping
from typing import Any, Protocol, TypeVar

import click

from .context import run

__all__ = ["serve_in_foreground", "simulate_command"]

S = TypeVar("S")


class _Stats(Protocol):
    @property
    def requests(self) -> int: ...

    @property
    def by_status(self) -> Mapping[int, int]: ...


def simulate_command(short_help: str) -> Callable[[Callable[..., Any]], click.Command]:
    """A ``simulate`` command: ``ARGS...`` (``--help`` included, so the help is the
    simulator's own) handed to the simulator's parser untouched."""

    def decorate(function: Callable[..., Any]) -> click.Command:
        function = click.argument("args", nargs=-1, type=click.UNPROCESSED)(function)
        make = click.command(
            "simulate",
            short_help=short_help,
            context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
            add_help_option=False,
        )
        return make(function)

    return decorate


def serve_in_foreground(
    parser: argparse.ArgumentParser,
    args: tuple[str, ...],
    *,
    epilog: str,
    defaults: Mapping[str, Any],
    build: Callable[[argparse.Namespace], S],
    serve: Callable[..., Coroutine[Any, Any, None]],
    announce: Callable[[argparse.Namespace, str], None],
    stats: Callable[[S], _Stats],
    summary: Callable[[S], str],
) -> None:
    """Parse ``args`` with the simulator's ``parser`` (``defaults``: the user's credentials),
    serve until Ctrl-C, then print what it saw.

    Args:
        build: The simulator from the parsed options (a ``ValueError`` is a usage error).
        serve: Serves a simulator: ``serve(simulator, announce=...)``.
        announce: Prints where it listens and how to point the commands at it.
        stats: The simulator's request counters.
        summary: What the simulator holds at the end ("42 customers added.").
    """
    parser.prog = click.get_current_context().command_path
    parser.epilog = epilog
    parser.set_defaults(**defaults)
    options = parser.parse_args(list(args))
    try:
        simulator = build(options)
    except ValueError as err:
        parser.error(str(err))
    run(serve(simulator, announce=lambda url: announce(options, url)))
    counts = stats(simulator)
    by_status = ", ".join(f"{code}: {n:,}" for code, n in sorted(counts.by_status.items()))
    click.echo(
        f"Stopped after {counts.requests:,} requests ({by_status or 'none'}); {summary(simulator)}"
    )
