"""What every provider client shares: one session, the async context manager, ``close()``."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from .session import Session

__all__ = ["SessionClient"]

_Client = TypeVar("_Client", bound="SessionClient")


class SessionClient:
    """What every provider client shares: one :class:`~.session.Session`, the async context
    manager, ``close()``. Subclasses set ``self._session`` in their constructor."""

    _session: Session

    @property
    def base_url(self) -> str:
        return self._session.base_url

    @property
    def session(self) -> Session:
        """The request path this client sends through (shared with the bulk engine)."""
        return self._session

    async def __aenter__(self: _Client) -> _Client:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP session if this client created it. Safe to call twice."""
        await self._session.close()
