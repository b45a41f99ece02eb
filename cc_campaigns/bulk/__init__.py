"""The bulk engine: stream millions of items through a provider's endpoint, exactly accounted.

Provider-neutral. ``adapter`` is what a provider plugs in (the :class:`Adapter` protocol and the
run's :class:`BulkOptions`); ``sources`` reads files; ``engine`` orchestrates a run out of
``windows`` (reading the source into windows, resume checks), ``attempts`` (sending a window,
retrying; ``health`` decides when to give up) and ``settlement`` (accounting); ``limiter``
paces, ``journal`` checkpoints, ``report`` counts. Provider clients call :func:`run_bulk` and
:func:`iter_bulk` with an adapter of their own.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator
from typing import Any

from ..errors import ValidationError
from ..retry import RetryPolicy
from ._deprecation import moved_attribute
from .adapter import DEFAULT_BATCH_SIZE, DEFAULT_CONCURRENCY, Adapter, BulkOptions, Verdict
from .engine import Engine, iterate_outcomes
from .limiter import AdaptiveLimiter, TokenBucket
from .report import Bucket, BulkReport, ItemOutcome, Progress
from .sources import (
    FileSource,
    SourceRow,
    check_outputs,
    read_rows,
)

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_CONCURRENCY",
    "MAX_RECORDS",
    "Adapter",
    "AdaptiveLimiter",
    "Bucket",
    "BulkOptions",
    "BulkReport",
    "CustomerSource",  # deprecated alias
    "Engine",
    "FileSource",
    "ItemOutcome",
    "Progress",
    "SourceRow",
    "TokenBucket",
    "Verdict",
    "bulk_options",
    "check_outputs",
    "iter_bulk",
    "read_customers",  # deprecated alias
    "read_rows",
    "run_bulk",
]

#: Names this module exported once, kept for one minor version (deprecated aliases: they warn):
#: old name -> (the module that defines it now, its name there, what to use instead).
_MOVED = {
    "MAX_RECORDS": (  # deprecated alias
        "cc_campaigns.dynamic.adapters",
        "MAX_RECORDS",
        "the adapter's max_records (BulkOptions.max_records defaults to it)",
    ),
    "read_customers": (  # deprecated alias
        "cc_campaigns.dynamic.adapters",
        "read_customers",  # deprecated alias
        "cc_campaigns.read_customers",  # deprecated alias
    ),
    "CustomerSource": (  # deprecated alias
        "cc_campaigns.dynamic.adapters",  # deprecated alias
        "CustomerSource",  # deprecated alias
        "cc_campaigns.bulk.FileSource",
    ),
}


def __getattr__(name: str) -> Any:
    return moved_attribute(__name__, _MOVED, name)


def bulk_options(default_retry: RetryPolicy, /, **options: Any) -> BulkOptions:
    """:class:`BulkOptions` from a client call's keyword arguments: the client's own retry
    policy governs the batches unless the call gives one; an unknown option is a
    :class:`~cc_campaigns.errors.ValidationError`, not a ``TypeError``."""
    options.setdefault("retry", default_retry)
    try:
        return BulkOptions(**options)
    except TypeError as err:
        raise ValidationError(f"bad bulk option: {err}") from None


async def run_bulk(
    adapter: Adapter, source: Any, options: BulkOptions, *, connection_limit: int = 0
) -> BulkReport:
    """Run one bulk operation to the end and return its report.

    Raises:
        ValidationError: the checkpoint or rejects file is the source's input file, or they
            are the same file (:func:`check_outputs`): refused before any file is opened.
    """
    check_outputs(source, checkpoint=options.checkpoint, rejects=options.rejects)
    return await Engine(adapter, options, connection_limit=connection_limit).run(source)


async def iter_bulk(
    adapter: Adapter, source: Any, options: BulkOptions, *, connection_limit: int = 0
) -> AsyncGenerator[list[ItemOutcome], None]:
    """Run one bulk operation, yielding each finished batch's outcomes as they complete.

    The output files are checked as :func:`run_bulk` checks them, when iteration starts.
    """
    check_outputs(source, checkpoint=options.checkpoint, rejects=options.rejects)
    queue: asyncio.Queue[list[ItemOutcome] | None] = asyncio.Queue(
        maxsize=max(2, options.concurrency * 2)
    )
    engine = Engine(adapter, options, connection_limit=connection_limit, outcomes=queue)
    async with contextlib.aclosing(iterate_outcomes(engine, source, queue)) as outcomes_:
        async for outcomes in outcomes_:
            yield outcomes
