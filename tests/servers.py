"""Scripted aiohttp servers on 127.0.0.1 for tests of what the client does with odd answers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

Handler = Callable[[web.Request], "web.StreamResponse | Awaitable[web.StreamResponse]"]


class Script:
    """One aiohttp server on 127.0.0.1 answering every request with ``handler`` (plain or
    async); it counts the requests and keeps each one's path and query string."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests = 0
        #: ``path?query`` of every request, in order.
        self.seen: list[str] = []
        self.bodies: list[bytes] = []
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def _any(self, request: web.Request) -> web.StreamResponse:
        self.requests += 1
        self.seen.append(request.path_qs)
        self.bodies.append(await request.read())
        answer = self.handler(request)
        if isinstance(answer, web.StreamResponse):
            return answer
        return await answer

    async def __aenter__(self) -> Script:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._any)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()
