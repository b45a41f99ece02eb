"""Scripted aiohttp servers on 127.0.0.1 for tests of what the client does with odd answers,
and a check that a simulator package keeps away from the SDK's wire code."""

from __future__ import annotations

import ast
import importlib
import importlib.util
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

from cc_campaigns.testing import LoopbackServer

Handler = Callable[[web.Request], "web.StreamResponse | Awaitable[web.StreamResponse]"]


class Script(LoopbackServer):
    """One aiohttp server on 127.0.0.1 answering every request with ``handler`` (plain or
    async); it counts the requests and keeps each one's path and query string."""

    def __init__(self, handler: Handler) -> None:
        super().__init__()
        self.handler = handler
        self.requests = 0
        #: ``path?query`` of every request, in order.
        self.seen: list[str] = []
        self.bodies: list[bytes] = []
        self.app = web.Application()
        self.app.router.add_route("*", "/{tail:.*}", self._any)

    async def _any(self, request: web.Request) -> web.StreamResponse:
        self.requests += 1
        self.seen.append(request.path_qs)
        self.bodies.append(await request.read())
        answer = self.handler(request)
        if isinstance(answer, web.StreamResponse):
            return answer
        return await answer


def assert_no_sdk_imports(package: str) -> None:
    """No module of ``package`` (a provider's ``simulator``) imports, at module level, the
    provider's models, wire code, client or adapters: the simulator answers on its own.
    Imports under ``if TYPE_CHECKING:`` and inside functions (inspection helpers) are allowed.
    """
    module = importlib.import_module(package)
    assert module.__file__ is not None
    provider = package.rsplit(".", 1)[0]
    forbidden = tuple(f"{provider}.{name}" for name in ("models", "wire", "client", "adapters"))
    checked = 0
    for path in Path(module.__file__).parent.glob("*.py"):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ImportFrom):
                name = importlib.util.resolve_name(
                    "." * node.level + (node.module or ""), f"{package}.x"
                )
                targets = [name] + [f"{name}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                continue
            checked += 1
            for target in targets:
                assert not target.startswith(forbidden), (path.name, target)
    assert checked
