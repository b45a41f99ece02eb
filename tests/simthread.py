"""A simulator (8x8 or VoIPbin) serving from its own thread and event loop, for CLI tests that
drive a synchronous command line (``CliRunner`` runs ``asyncio.run`` in the test's thread)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

T = TypeVar("T")


class Served(Protocol):
    url: str

    async def start(self) -> None: ...

    async def close(self) -> None: ...


S = TypeVar("S", bound=Served)


class SimThread(Generic[S]):
    """Starts ``simulator`` on a private loop in a daemon thread; stops it on exit."""

    def __init__(self, simulator: S) -> None:
        self.simulator = simulator
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> SimThread[S]:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.simulator.start(), self.loop).result(30)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.simulator.close(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(30)
        self.loop.close()

    def call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``function`` on the simulator's loop (it is not thread-safe); return its result."""

        async def inside() -> T:
            return function(*args, **kwargs)

        return asyncio.run_coroutine_threadsafe(inside(), self.loop).result(30)

    @property
    def url(self) -> str:
        return self.simulator.url
