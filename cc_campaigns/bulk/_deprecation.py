"""Deprecated names of the bulk vocabulary: one warning helper, one place.

The report's old names (``Bucket.ADDED``, ``BulkReport.added``, ``Progress.added``, the old id
and target names of ``ItemOutcome`` and ``BulkReport``) keep working for one minor version and
warn with a :class:`DeprecationWarning` naming the new one.
"""

from __future__ import annotations

import functools
import importlib
import sys
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

#: The import machinery's modules.
_IMPORT = "importlib."


def warn_renamed(old: str, new: str) -> None:
    """Warn that ``old`` is deprecated in favour of ``new``, at the caller of the deprecated
    accessor (two frames up)."""
    warnings.warn(
        f"{old} is deprecated and will be removed in the next minor version; use {new}",
        DeprecationWarning,
        stacklevel=3,
    )


def moved_attribute(module: str, moved: dict[str, tuple[str, str, str]], name: str) -> Any:
    """A module ``__getattr__``: the object a deprecated module attribute ``name`` stands for
    (``moved``: old name -> (module that defines it, its name there, what to use instead)),
    with a warning at the caller.

    Raises:
        AttributeError: ``name`` is not a moved name either.
    """
    entry = moved.get(name)
    if entry is None:
        raise AttributeError(f"module {module!r} has no attribute {name!r}")
    where, attribute, instead = entry
    caller = sys._getframe(2).f_globals.get("__name__", "")
    # ``from package import name`` probes the name first from the import machinery (then
    # reads it from the importing module): the probe does not warn, the read does.
    if not caller.startswith(_IMPORT):
        warnings.warn(
            f"{module}.{name} is deprecated and will be removed in the next minor version; "
            f"use {instead}",
            DeprecationWarning,
            stacklevel=3,
        )
    return getattr(importlib.import_module(where), attribute)


def old_keywords(renamed: dict[str, str]) -> Callable[[type[T]], type[T]]:
    """A class decorator: the constructor still takes the old keyword names of ``renamed``
    (old -> new), warning; for classes whose fields were renamed."""

    def decorate(cls: type[T]) -> type[T]:
        init = cls.__init__

        @functools.wraps(init)
        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            for old, new in renamed.items():
                if old in kwargs:
                    warnings.warn(
                        f"{cls.__name__}({old}=...) is deprecated and will be removed in the next "
                        f"minor version; use {new}=",
                        DeprecationWarning,
                        stacklevel=2,
                    )
                    kwargs[new] = kwargs.pop(old)
            init(self, *args, **kwargs)

        cls.__init__ = __init__  # type: ignore[method-assign]
        return cls

    return decorate
