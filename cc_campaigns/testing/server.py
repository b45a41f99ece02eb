"""The base of every simulator: an aiohttp application served on a loopback port.

:class:`LoopbackServer` owns the lifetime (``async with``, :meth:`~LoopbackServer.start`,
:meth:`~LoopbackServer.close`), the URL, a sleep that ends at once when the server closes (for
latency and held-back answers), dropping a connection without an answer, and JSON answers. A
simulator subclasses it, builds its application and sets :attr:`LoopbackServer.app`; it keeps
its own routes, credentials and vendor answers.
"""

from __future__ import annotations

import asyncio
import json
from types import TracebackType
from typing import Any, ClassVar, TypeVar

import orjson
from aiohttp import web

from .faults import FaultPlan

__all__ = ["Dropped", "LoopbackServer", "drop", "dumps", "json_response"]

S = TypeVar("S", bound="LoopbackServer")


def dumps(document: Any) -> bytes:
    """JSON bytes: orjson, or the stdlib for integers beyond 64 bits (which orjson refuses)."""
    try:
        return orjson.dumps(document)
    except orjson.JSONEncodeError:
        return json.dumps(document, separators=(",", ":")).encode()


def json_response(
    body: Any, *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """``body`` as an ``application/json`` answer."""
    return web.Response(
        body=dumps(body), status=status, headers=headers, content_type="application/json"
    )


class Dropped(web.Response):
    """The "answer" of a dropped connection: it never reaches the client (aiohttp fails to
    write it and lets it go quietly). Count it by ``isinstance``, not by its status."""


def drop(request: web.Request) -> Dropped:
    """Close the request's connection without answering."""
    transport = request.transport
    if transport is not None:
        transport.close()
    return Dropped(status=599)


class LoopbackServer:
    """An aiohttp application on ``host:port`` (port 0: a free one), as an async context
    manager.

    Subclasses set :attr:`app` in their ``__init__`` and may set :attr:`url_path` (appended to
    :attr:`url`, e.g. ``"/v1.0"``). :attr:`faults` holds the fault knobs every simulator
    shares.

    Args:
        host: Interface to listen on (loopback by default).
        port: Port; 0 picks a free one, and :attr:`port` then holds the one picked.
        faults: The fault plan (default: no faults).
    """

    #: Appended to the root URL by :attr:`url`.
    url_path: ClassVar[str] = ""
    #: The application served; set by the subclass before :meth:`start`.
    app: web.Application

    def __init__(
        self, *, host: str = "127.0.0.1", port: int = 0, faults: FaultPlan | None = None
    ) -> None:
        self.host = host
        self.port = port
        #: The fault knobs and the seeded decisions made from them.
        self.faults = faults if faults is not None else FaultPlan()
        self._runner: web.AppRunner | None = None
        self._root: str | None = None
        self._closing = asyncio.Event()

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def started(self) -> bool:
        """Whether the server is listening."""
        return self._runner is not None

    @property
    def root_url(self) -> str:
        """``http://HOST:PORT`` (RuntimeError when never started; after :meth:`close` it
        still names where the server listened, e.g. for error messages)."""
        if self._root is None:
            raise RuntimeError("the simulator is not started; use 'async with' or start()")
        return self._root

    @property
    def url(self) -> str:
        """The base URL to give a client: :attr:`root_url` and :attr:`url_path`."""
        return self.root_url + self.url_path

    async def start(self) -> None:
        """Start listening; RuntimeError when already started."""
        if self._runner is not None:
            raise RuntimeError("the simulator is already started")
        runner = web.AppRunner(
            self.app, access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self.port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._closing = asyncio.Event()
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        host = f"[{self.host}]" if ":" in self.host else self.host
        self._root = f"http://{host}:{self.port}"

    async def close(self) -> None:
        """Stop listening (idempotent); answers held back by :meth:`pause` are released."""
        self._closing.set()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def stop(self) -> None:
        """The same as :meth:`close`."""
        await self.close()

    async def __aenter__(self: S) -> S:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- helpers for the handlers -------------------------------------------------------------

    async def pause(self, seconds: float) -> None:
        """Sleep ``seconds``, but wake at once when the server closes."""
        if seconds <= 0:
            return
        try:
            await asyncio.wait_for(self._closing.wait(), timeout=seconds)
        except asyncio.TimeoutError:
            pass

    async def apply_latency(self) -> None:
        """Sleep the plan's ``latency`` (the first step of every API request)."""
        if self.faults.latency:
            await self.pause(self.faults.latency)
