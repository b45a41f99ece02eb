"""The shared session as this API needs it: its media type, its problem-JSON errors read and
classified, and the problem body (``instance``, ``time``, field errors) kept on every error.

All of it is options of :class:`~cc_campaigns._transport.session.Session` (:func:`v1_session`):
``content_type`` and ``accept`` (:data:`MEDIA_TYPE`), ``error_decoder`` and ``classify``
(:mod:`.errors`), and ``error_details`` (:func:`problem_details`), whose texts the session
masks (secrets) and shortens before they reach the error.
"""

from __future__ import annotations

from typing import Any

from .._transport.session import Session
from .errors import Problem, classify_v1_error, decode_problem, decode_v1_error

__all__ = ["ACCEPT", "MEDIA_TYPE", "problem_details", "problem_of", "v1_session"]

#: The vendor media type of request (and response) bodies.
MEDIA_TYPE = "application/vnd.campaigns.v1+json"
#: What every request accepts: the vendor type, plain JSON second.
ACCEPT = f"{MEDIA_TYPE}, application/json"


def problem_details(body: bytes) -> dict[str, Any]:
    """The session's ``error_details``: the decoded :class:`~.errors.Problem` (``None`` when
    the body is not a JSON object) as ``error.problem``, its ``instance`` and ``time`` as
    ``error.instance`` and ``error.time`` (``error.request_id`` is the ``instance`` too)."""
    problem = decode_problem(body)
    return {
        "problem": problem,
        "instance": problem.instance if problem else None,
        "time": problem.time if problem else None,
    }


def problem_of(error: BaseException) -> Problem | None:
    """The :class:`~.errors.Problem` body an error of this provider carries (``instance`` and
    ``time`` for support), or ``None``."""
    problem = getattr(error, "problem", None)
    return problem if isinstance(problem, Problem) else None


def v1_session(base_url: str, **options: Any) -> Session:
    """A :class:`Session` speaking this API: its media types, error decoder, classifier and
    :func:`problem_details`; ``options`` are the other arguments of :class:`Session` (and may
    replace these)."""
    return Session(
        base_url,
        **{
            "content_type": MEDIA_TYPE,
            "accept": ACCEPT,
            "error_decoder": decode_v1_error,
            "classify": classify_v1_error,
            "error_details": problem_details,
            **options,
        },
    )
