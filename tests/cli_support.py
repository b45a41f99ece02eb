"""What the CLI tests of both providers share: a simulator (8x8 or VoIPbin) serving from its
own thread and event loop (``CliRunner`` runs ``asyncio.run`` in the test's thread), and the
check that a command's ``--help`` documents every option."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

import click

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


def assert_help_documents(command: click.Command, help_text: str, usage: str) -> None:
    """``help_text`` (a ``--help`` output) shows ``usage``, the command's summary and every one
    of its options and arguments."""
    assert f"Usage: {usage}" in help_text
    assert command.help and command.help.split()[0] in help_text
    for param in command.params:
        if isinstance(param, click.Option):
            for opt in param.opts:
                assert opt in help_text, (usage, opt)
        else:
            assert (param.metavar or param.name or "").upper() in help_text.upper()
