"""What every VoIPbin resource shares: one request helper and pagination (the session and
``repr()`` come from the neutral :class:`~cc_campaigns._transport.resources.Resource`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any, TypeVar

import orjson

from ..._transport.resources import Resource as BaseResource
from ..._transport.session import Response
from ...errors import CampaignsError
from ..wire import answer_json, page_from_wire
from ._args import page_size as checked_page_size

__all__ = ["Resource"]

T = TypeVar("T")


def _shaped(answer: Response, read: Callable[[Any], T], data: Any) -> T:
    """``read(data)``; the wire's "this is not a VoIPbin object" error becomes the answer's
    :class:`UnexpectedResponseError` (errors of the tree's other classes pass through)."""
    try:
        return read(data)
    except CampaignsError as err:
        if type(err) is not CampaignsError:
            raise
        raise answer.unexpected(str(err)) from err


class Resource(BaseResource):
    """A group of VoIPbin endpoints sending through the client's session.

    Resources are made by :class:`~cc_campaigns.voipbin.VoipbinClient` and live as long as it;
    they hold no state of their own.
    """

    async def _call(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        retry: bool | None = None,
    ) -> Any:
        """Send one request and return its JSON answer.

        ``retry=None`` leaves it to the session (reads are retried, writes are not).
        """
        payload = orjson.dumps(body) if body is not None else None
        answer = await self._session.request(
            method, path, body=payload, write=method != "GET", retry=retry
        )
        return answer_json(answer, method, self._session.url(path))

    async def _read(
        self,
        read: Callable[[Any], T],
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        retry: bool | None = None,
    ) -> T:
        """Send one request and read its answer with ``read`` (a ``*_from_wire`` function).

        Raises:
            UnexpectedResponseError: the answer is JSON but not the documented shape (a
                string, a list, an object without an id): not the API's answer, with its
                status, method and URL, like any other answer that is not the API's.
        """
        payload = orjson.dumps(body) if body is not None else None
        answer = await self._session.request(
            method, path, body=payload, write=method != "GET", retry=retry
        )
        return _shaped(answer, read, answer_json(answer, method, self._session.url(path)))

    def _pages(self, path: str, page_size: int, read: Callable[[Any], T]) -> AsyncIterator[T]:
        """Every item of a list endpoint, a page at a time, as the iteration asks for them.

        ``page_size`` is checked at once (not on the first ``__anext__``).
        """
        size = checked_page_size(page_size)

        async def items() -> AsyncIterator[T]:
            token: str | None = None
            seen: set[str] = set()
            while True:
                params = {"page_size": str(size)}
                if token:
                    params["page_token"] = token
                answer = await self._session.request("GET", path, params=params)
                data = answer_json(answer, "GET", self._session.url(path))
                result, token = _shaped(answer, page_from_wire, data)
                for item in result:
                    yield _shaped(answer, read, item)
                if not result or not token:
                    return
                if token in seen:
                    raise CampaignsError(
                        f"the server sent page token {token!r} twice for {path}; stopping"
                    )
                seen.add(token)

        return items()
