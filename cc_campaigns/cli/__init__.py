"""``cc-campaigns``: the command line, built on the SDK (commands only; the work is the SDK's).

Needs the ``cli`` extra (click, rich, platformdirs): ``pip install 'cc-campaigns[cli]'``.
"""

from __future__ import annotations

import sys

__all__ = ["main"]

_EXTRA_MODULES = {"click", "rich", "platformdirs"}


def main(argv: list[str] | None = None) -> None:
    """Run ``cc-campaigns`` with ``argv`` (default: the process arguments); exits the process."""
    try:
        from .app import main as run
    except ModuleNotFoundError as err:
        if err.name not in _EXTRA_MODULES:
            raise
        sys.exit(
            f"cc-campaigns: the command line needs the 'cli' extra ({err.name} is missing): "
            "pip install 'cc-campaigns[cli]'"
        )
    run(argv)
