"""Where the Campaigns API v1 lives: one root per customer site."""

from __future__ import annotations

from ..errors import ValidationError

__all__ = ["DEFAULT_SITE", "SITES", "base_url_for"]

#: The documented customer sites and their regions (any other value is answered 404).
SITES: dict[str, str] = {"US1": "US East", "US2": "US West", "UK3": "UK"}
DEFAULT_SITE = "US1"


def base_url_for(site: str) -> str:
    """The API root of a customer site: ``https://api.8x8.com/cc/{site}/campaigns/v1``.

    Raises:
        ValidationError: not a documented site (US1, US2, UK3; any case).
    """
    key = site.strip().upper() if isinstance(site, str) else ""
    if key not in SITES:
        raise ValidationError(
            f"unknown site {site!r}: the Campaigns API v1 is at {', '.join(SITES)} "
            "(the customer site, not the tenant name)"
        )
    return f"https://api.8x8.com/cc/{key}/campaigns/v1"
