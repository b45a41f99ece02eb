"""The shared session with what this API needs on top: its media type on request bodies, and
the problem-JSON body (``instance``, ``time``, field errors) kept on every error.

Two narrow overrides of :class:`~cc_campaigns._transport.session.Session`; both would be
better as options of the core session (a body content type; an error-details hook).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from .._transport.response import clip
from .._transport.session import Session
from ..errors import ApiError
from .errors import FieldError, Problem, decode_problem

__all__ = ["MEDIA_TYPE", "V1Session", "problem_of"]

#: The vendor media type of request (and response) bodies.
MEDIA_TYPE = "application/vnd.campaigns.v1+json"


def problem_of(error: BaseException) -> Problem | None:
    """The :class:`~.errors.Problem` body an error of this provider carries (``instance`` and
    ``time`` for support), or ``None``."""
    problem = getattr(error, "problem", None)
    return problem if isinstance(problem, Problem) else None


class V1Session(Session):
    """:class:`Session` sending ``Content-Type: application/vnd.campaigns.v1+json`` and
    attaching the decoded :class:`~.errors.Problem` (secrets masked) to every error as
    ``error.problem``; ``error.request_id`` is its ``instance``."""

    async def _exchange(
        self,
        method: str,
        url: str,
        target: str,
        *,
        body: bytes | None,
        headers: Mapping[str, str],
        query: Mapping[str, str],
    ) -> tuple[int, Mapping[str, str], bytes]:
        if body is not None:
            headers = {**headers, "Content-Type": MEDIA_TYPE}
        return await super()._exchange(method, url, target, body=body, headers=headers, query=query)

    def _error(
        self, status: int, raw: bytes, headers: Mapping[str, str], method: str, url: str
    ) -> ApiError:
        error = super()._error(status, raw, headers, method, url)
        problem = decode_problem(raw)
        if problem is not None:
            problem = self._masked(problem)
        error.problem = problem  # type: ignore[attr-defined]
        error.instance = problem.instance if problem else None  # type: ignore[attr-defined]
        error.time = problem.time if problem else None  # type: ignore[attr-defined]
        return error

    def _masked(self, problem: Problem) -> Problem:
        def mask(value: Any) -> Any:
            return clip(self.redact(value)) if isinstance(value, str) else value

        return attrs.evolve(
            problem,
            title=mask(problem.title),
            detail=mask(problem.detail),
            instance=mask(problem.instance),
            time=mask(problem.time),
            errors=tuple(
                FieldError(field=mask(e.field), code=mask(e.code), message=mask(e.message))
                for e in problem.errors
            ),
        )
