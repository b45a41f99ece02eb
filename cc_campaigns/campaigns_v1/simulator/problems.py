"""The simulated service's refusals (the problem-JSON body of TS/OAS) and its timestamps.

Every error answer has the same body [TS, OAS ``ErrorMessage``]: ``title``, ``status``,
``detail``, ``instance`` (the request's path), ``time``, and ``errors`` (``field`` / ``code`` /
``message``) on validation failures only; no member is ever null.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

__all__ = ["Problem", "field_error", "format_time", "parse_time", "validation_failed"]

_ISO = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})[Tt](?P<time>\d{2}:\d{2})(?::(?P<seconds>\d{2})"
    r"(?:\.(?P<fraction>\d{1,9}))?)?(?P<offset>[Zz]|[+-]\d{2}:\d{2})$"
)


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


def parse_time(text: Any) -> datetime | None:
    """An ISO 8601 date-time *with an offset* (EP: ``2026-04-22T10:00:00Z``), else ``None``.

    The extended format only (``YYYY-MM-DDTHH:MM[:SS[.fraction]]`` and ``Z`` or ``±HH:MM``),
    the same on every Python. A time without an offset is refused: the pages always give one,
    and a local time would be ambiguous (an ``OffsetDateTime`` in the service, by inference).
    """
    match = _ISO.match(text) if isinstance(text, str) else None
    if match is None:
        return None
    fraction = (match["fraction"] or "")[:6].ljust(6, "0")
    offset = "+00:00" if match["offset"] in ("Z", "z") else match["offset"]
    try:
        return datetime.fromisoformat(
            f"{match['date']}T{match['time']}:{match['seconds'] or '00'}.{fraction}{offset}"
        )
    except ValueError:  # month 13, hour 25 ...
        return None
