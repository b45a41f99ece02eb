"""Running a simulator as a program: ``python -m ...simulator`` until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Callable
from typing import Any, Protocol

__all__ = ["Servable", "announce", "run", "serve"]


class Servable(Protocol):
    """Anything :func:`serve` can run: an async context manager with a ``url``."""

    @property
    def url(self) -> str: ...

    async def __aenter__(self) -> Any: ...

    async def __aexit__(self, *exc: Any) -> Any: ...


def announce(url: str) -> None:
    """Print exactly one line, ``listening on URL``, and flush it (a parent process reads it)."""
    print(f"listening on {url}", flush=True)


async def serve(
    simulator: Servable,
    *,
    announce: Callable[[str], None] | None = announce,
    stop: asyncio.Event | None = None,
) -> None:
    """Run ``simulator`` until SIGINT/SIGTERM (or until ``stop`` is set), then close it.

    ``announce`` is called once with the URL when it is listening; the default prints exactly
    one line, ``listening on http://HOST:PORT``, to stdout and flushes it.
    """
    stop = stop if stop is not None else asyncio.Event()
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError, ValueError):  # Windows, non-main thread
            continue
        installed.append(sig)
    try:
        async with simulator:
            if announce is not None:
                announce(simulator.url)
            await stop.wait()
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


def run(simulator: Servable) -> int:
    """Serve ``simulator`` until SIGINT/SIGTERM; the exit status (0, or 1 when it cannot
    listen, e.g. the port is taken, with the reason on stderr)."""
    try:
        asyncio.run(serve(simulator))
    except KeyboardInterrupt:  # a SIGINT before the handlers were installed
        pass
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
