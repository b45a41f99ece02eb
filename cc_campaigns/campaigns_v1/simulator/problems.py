"""The simulated service's refusals (the problem-JSON body of TS/OAS) and its timestamps.

Every error answer has the same body [TS, OAS ``ErrorMessage``]: ``title``, ``status``,
``detail``, ``instance`` (the request's path), ``time``, and ``errors`` (``field`` / ``code`` /
``message``) on validation failures only; no member is ever null.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

__all__ = ["Problem", "field_error", "format_time", "parse_time", "validation_failed"]


class Problem(Exception):
    """A refusal: raised anywhere below the handlers, answered as problem JSON.

    Args:
        status: The HTTP status.
        title: Short summary (``Validation failed``, ``Conflict`` ...).
        detail: Text for this occurrence.
        errors: FieldErrors (validation failures only).
        headers: Extra response headers (``Retry-After``).
    """

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors or []
        self.headers = headers

    def document(self, instance: str, time: datetime) -> dict[str, Any]:
        """The ErrorMessage body of this refusal at ``instance`` (a path) and ``time``."""
        body: dict[str, Any] = {
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "instance": instance,
            "time": format_time(time),
        }
        if self.errors:
            body["errors"] = self.errors
        return body


def field_error(field: str, code: str, message: str) -> dict[str, str]:
    """One FieldError (``code`` is the validator's name, as in the TS example ``NotBlank``)."""
    return {"field": field, "code": code, "message": message}


def validation_failed(errors: list[dict[str, str]]) -> Problem:
    """400 ``Validation failed`` listing ``errors`` (TS example title)."""
    count = len(errors)
    detail = f"{count} field error{'s' if count != 1 else ''}: " + "; ".join(
        f"{e['field']} {e['message']}" for e in errors
    )
    return Problem(400, "Validation failed", detail, errors=errors)


def format_time(moment: datetime) -> str:
    """ISO 8601 in UTC with ``Z``, as every vendor example (``2026-04-22T10:00:00Z``);
    milliseconds only when there are some."""
    moment = moment.astimezone(timezone.utc)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond // 1000:03d}"
    return text + "Z"


def parse_time(text: str) -> datetime | None:
    """An ISO 8601 date-time *with an offset* (EP: ``2026-04-22T10:00:00Z``), else ``None``.

    A time without an offset is refused: the pages always give one, and a local time would be
    ambiguous (an ``OffsetDateTime`` in the service, by inference).
    """
    if not isinstance(text, str) or "T" not in text:
        return None
    candidate = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        moment = datetime.fromisoformat(candidate)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment
