"""Where an 8x8 client points: the platform (cluster) name in, the base URL out."""

from __future__ import annotations

import re

from .._transport.urls import check_base_url
from ..errors import ValidationError

__all__ = ["SPECIAL_PLATFORMS", "resolve_8x8_base_url"]

_PLATFORM = re.compile(r"^([a-z]{2})(\d{1,3})b?$")
#: Clusters that do not follow ``vcc-{platform}.8x8.com``.
SPECIAL_PLATFORMS = {"bc2": "https://odcc2.bell.ca"}


def resolve_8x8_base_url(platform: str | None, base_url: str | None) -> str:
    """Where an 8x8 client points.

    ``base_url`` wins (simulator, proxies). Otherwise ``platform`` (case-insensitive, a trailing
    ``b`` dropped as 8x8 support advises): ``na12`` -> ``https://vcc-na12.8x8.com``,
    ``bc2`` -> ``https://odcc2.bell.ca``.

    Raises:
        ValidationError: neither given, an unknown platform name, or a base URL that
            :func:`~cc_campaigns._transport.urls.check_base_url` refuses.
    """
    if base_url:
        return check_base_url(base_url)
    if not platform:
        raise ValidationError(
            "say where the service is: platform='na12' (as in your Configuration Manager URL) "
            "or base_url='https://...'"
        )
    name = platform.strip().lower()
    match = _PLATFORM.match(name)
    if not match:
        raise ValidationError(
            f"unknown platform {platform!r}: expected a cluster name such as na12, eu5, ca1, "
            "ap1, au1 or bc2"
        )
    name = match.group(1) + match.group(2)
    if name in SPECIAL_PLATFORMS:
        return SPECIAL_PLATFORMS[name]
    return f"https://vcc-{name}.8x8.com"
