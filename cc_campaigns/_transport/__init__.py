"""The one request path every provider sends through (private).

:class:`~.session.Session` owns the connection pool's lifetime, timeouts, retries, redaction and
size limits. It knows no provider: a client plugs in its auth, its error decoder, the success
statuses that mean "outcome unknown" and the answers that mean "back off".
"""

from __future__ import annotations

from .session import *  # noqa: F403
from .session import __all__ as __all__
