"""The vendors' own pages, kept in the repository so the contract tests run everywhere.

Copies of the team's reference set (``shared/reference``), taken 2026-12-03: the 8x8 Dynamic
Campaigns OpenAPI document and guide pages, the VoIPbin campaign pages, and our notes on where
the sources disagree. Tests read example bodies, field names and wordings from here; the SDK
never does. Refresh by copying the newer pages over these and running the suite.
"""

from __future__ import annotations

from pathlib import Path

#: This folder.
REFERENCE = Path(__file__).resolve().parent
#: The 8x8 Dynamic Campaigns API's OpenAPI document.
OPENAPI_8X8 = REFERENCE / "8x8-dynamic-campaigns.openapi.json"
