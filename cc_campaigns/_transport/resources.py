"""What every provider's resources share: a :class:`Resource` base holding the session, and
:class:`Delegate`, which keeps a client's flat method names of earlier releases as aliases.

A client groups its endpoints into resources reached as attributes (openai-python style,
``client.campaigns.get(...)``). A provider subclasses :class:`Resource` once for what its
resources have in common (how an answer is read, pagination) and once per endpoint group.
"""

from __future__ import annotations

import inspect
import operator
from collections.abc import Callable
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, overload

from .session import Session

__all__ = ["Delegate", "Resource"]

P = ParamSpec("P")
R = TypeVar("R")


class Resource:
    """A group of endpoints sending through a client's :class:`~.session.Session`.

    Resources are made by their client and live as long as it; they own no connection (the
    client closes the session) and show no credential in ``repr()``.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._session.base_url}>"


class Delegate(Generic[P, R]):
    """A method name of earlier releases, kept as a one-line delegate to a resource method.

    ``get_campaign = Delegate("campaigns", Campaigns.get)`` in a client's class body makes
    ``client.get_campaign(...)`` call ``client.campaigns.get(...)``, typed with the resource
    method's exact signature. A dotted path reaches a nested resource (``"lists.items"``).

    This object lives only while the class body runs: at class creation (:meth:`__set_name__`)
    it puts a plain function in its place, async when the resource method is, so the class
    holds ordinary methods (``help()``, ``inspect`` and ``mock.create_autospec`` see them).
    Nothing is deprecated by it: both forms are supported.
    """

    def __init__(self, resource: str, method: Callable[Concatenate[Any, P], R]) -> None:
        self._target = f"{resource}.{method.__name__}"
        self._method = method

    def __set_name__(self, owner: type, name: str) -> None:
        bound = operator.attrgetter(self._target)

        async def call_async(client: Any, /, *args: Any, **kwargs: Any) -> Any:
            return await bound(client)(*args, **kwargs)

        def call(client: Any, /, *args: Any, **kwargs: Any) -> Any:
            return bound(client)(*args, **kwargs)

        function: Callable[..., Any] = (
            call_async if inspect.iscoroutinefunction(self._method) else call
        )
        function.__name__ = name
        function.__qualname__ = f"{owner.__qualname__}.{name}"
        function.__module__ = owner.__module__
        function.__doc__ = (
            f"Same as ``client.{self._target}(...)``, the preferred form: see "
            f":meth:`{self._method.__module__}.{self._method.__qualname__}`."
        )
        function.__signature__ = inspect.signature(self._method)  # type: ignore[attr-defined]
        setattr(owner, name, function)

    # What type checkers see (at run time the class holds the function made above).
    @overload
    def __get__(self, obj: None, owner: type | None = None) -> Callable[Concatenate[Any, P], R]: ...
    @overload
    def __get__(self, obj: object, owner: type | None = None) -> Callable[P, R]: ...
    def __get__(self, obj: object | None, owner: type | None = None) -> Callable[..., R]:
        raise NotImplementedError  # replaced at class creation
