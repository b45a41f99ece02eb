"""The one request path every provider sends through (private).

:class:`~.session.Session` owns the connection pool's lifetime, timeouts, retries, redaction and
size limits. It knows no vendor: a provider client plugs in its error decoder and auth.
"""

from __future__ import annotations

from .session import *  # noqa: F403
from .session import __all__ as __all__
