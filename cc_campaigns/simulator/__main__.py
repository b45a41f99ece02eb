"""Deprecated: ``python -m cc_campaigns.simulator`` runs
``python -m cc_campaigns.dynamic.simulator``."""

from __future__ import annotations

from ..dynamic.simulator.__main__ import main

if __name__ == "__main__":
    raise SystemExit(main())
