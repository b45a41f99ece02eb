"""Base URLs: what may be sent to, what may be shown, and where a redirect may lead."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from yarl import URL

from ..errors import ValidationError

__all__ = ["check_base_url", "is_loopback_url", "origin", "shown"]

_DEFAULT_PORTS = {"http": 80, "https": 443}
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


def is_loopback_url(url: str) -> bool:
    """Whether ``url``'s host is this machine (``localhost`` or a loopback address)."""
    host = urlsplit(url).hostname or ""
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(base_url: str) -> str:
    """Validate a base URL: https, or plain http for loopback hosts only; no credentials.

    Returns:
        The URL without a trailing slash.

    Raises:
        ValidationError: not an http(s) URL, plain http elsewhere than loopback, or a URL
            carrying a user name or password.
    """
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(f"base_url must be an http(s) URL, got {base_url!r}")
    if parts.scheme == "http" and not is_loopback_url(base_url):
        raise ValidationError(
            "plain http:// is refused except for loopback hosts (credentials would travel in "
            f"clear text); use https:// for {parts.hostname}"
        )
    if parts.username or parts.password:
        raise ValidationError("base_url must not carry credentials; pass username and tokens")
    return base_url.rstrip("/")


def origin(url: URL) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the scheme's default port filled in."""
    scheme = (url.scheme or "").lower()
    return scheme, (url.host or "").lower(), url.port or _DEFAULT_PORTS.get(scheme)


def shown(url: URL | None) -> str:
    """A URL safe to show: no credentials, no query, no fragment."""
    if url is None:
        return "?"
    if not url.is_absolute():
        return url.path
    return str(url.with_user(None).with_query(None).with_fragment(None))
