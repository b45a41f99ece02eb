"""Showing a bulk run's progress on stderr: a live bar on a terminal, plain lines otherwise.

:class:`ProgressDisplay` is the engine's ``on_progress`` callback. The engine calls it a few
times a second at most; on a terminal rich redraws the bar, elsewhere (a log file, CI) a line is
printed every :data:`PLAIN_INTERVAL` seconds and once at the end.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.progress import BarColumn, ProgressColumn, Task, TaskID, TextColumn
from rich.progress import Progress as RichProgress
from rich.text import Text

if TYPE_CHECKING:
    from ...bulk import Progress

__all__ = ["PLAIN_INTERVAL", "ProgressDisplay", "format_duration"]

#: Seconds between two plain progress lines.
PLAIN_INTERVAL = 5.0


def format_duration(seconds: float | None) -> str:
    """``4m51s``, ``1h02m``, ``12s``; ``?`` when unknown."""
    if seconds is None or seconds < 0:
        return "?"
    whole = int(seconds + 0.5)
    if whole < 60:
        return f"{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


class _DoneOfTotal(ProgressColumn):
    """``12,345/1,000,000`` (``12,345/?`` while the total is unknown)."""

    def render(self, task: Task) -> Text:
        total = f"{int(task.total):,}" if task.total is not None else "?"
        return Text(f"{int(task.completed):,}/{total}", style="progress.download")


class ProgressDisplay:
    """The ``on_progress`` callback of a bulk run, as a context manager.

    Args:
        label: What is running ("upload", "remove").
        total: The number of items, when known before the engine reports.
        live: Draw a live bar (default: when stderr is a terminal).
        enabled: ``False`` shows nothing at all.
        interval: Seconds between plain lines.
    """

    def __init__(
        self,
        label: str,
        *,
        total: int | None = None,
        live: bool | None = None,
        enabled: bool = True,
        interval: float = PLAIN_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label = label
        self.total = total
        self.enabled = enabled
        self.live = _stderr_is_terminal() if live is None else live
        self.interval = interval
        self._clock = clock
        self._last_line: float | None = None
        self._printed: Progress | None = None
        self._rich: RichProgress | None = None
        self._task: TaskID | None = None
        #: The latest progress the engine reported.
        self.last: Progress | None = None

    def __enter__(self) -> ProgressDisplay:
        if self.enabled and self.live:
            self._rich = RichProgress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                _DoneOfTotal(),
                TextColumn("{task.percentage:>3.0f}%"),
                TextColumn("{task.fields[rate]}/s"),
                TextColumn("ETA {task.fields[eta]}"),
                TextColumn("retries {task.fields[retries]}"),
                TextColumn("concurrency {task.fields[concurrency]}"),
                console=Console(file=sys.stderr),
                refresh_per_second=4,
            )
            self._rich.start()
            self._task = self._rich.add_task(
                self.label, total=self.total, rate="0", eta="?", retries=0, concurrency="-"
            )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __call__(self, progress: Progress) -> None:
        self.last = progress
        if not self.enabled:
            return
        if self._rich is not None and self._task is not None:
            self._update_bar(progress)
            return
        now = self._clock()
        if self._last_line is None or now - self._last_line >= self.interval:
            self._last_line = now
            self._print_line(progress)

    def _update_bar(self, progress: Progress) -> None:
        assert self._rich is not None and self._task is not None
        self._rich.update(
            self._task,
            completed=progress.done,
            total=progress.total,
            rate=f"{progress.rate:,.0f}",
            eta=format_duration(progress.eta),
            retries=f"{progress.retries:,}",
            concurrency=progress.concurrency,
        )

    def _print_line(self, progress: Progress) -> None:
        self._printed = progress
        if progress.total:
            share = f" ({100 * progress.done / progress.total:.1f}%)"
            done = f"{progress.done:,}/{progress.total:,}{share}"
        else:
            done = f"{progress.done:,}"
        click.echo(
            f"{self.label}: {done}, {progress.rate:,.0f} items/s, "
            f"ETA {format_duration(progress.eta)}, retries {progress.retries:,}, "
            f"concurrency {progress.concurrency}",
            err=True,
        )

    def note(self, message: str) -> None:
        """Print a message on stderr without breaking the live bar."""
        if self._rich is not None:
            self._rich.console.print(message, markup=False, highlight=False)
        else:
            click.echo(message, err=True)

    def close(self) -> None:
        """Draw the final state (the last line, or the bar as it ended) and stop."""
        if self._rich is not None:
            if self.last is not None:
                self._update_bar(self.last)
            self._rich.stop()
            self._rich = None
        elif self.enabled and self.last is not None and self.last is not self._printed:
            self._print_line(self.last)


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False
