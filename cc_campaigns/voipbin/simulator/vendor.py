"""VoIPbin's campaign API as its documentation spells it: field names, values, sentinels.

The simulator's own copy of the vendor's vocabulary. The campaign fields and values come from
``voipbin-campaign-struct.rst`` (the Campaign struct, its Type, Status and End handle tables)
and ``voipbin-campaign-tutorial.rst`` (list answers ``{"result", "next_page_token"}``, the
page token being the last item's ``tm_create``). Outplans, outdials and targets are not in the
reference folder; their fields follow VoIPbin's struct pages for those resources. Nothing here
imports the SDK: the simulator answers from these names, so a wrong name on either side makes a
test fail instead of agreeing with itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone

__all__ = [
    "ADDRESS_FIELDS",
    "ADDRESS_TYPES",
    "CAMPAIGN_FIELDS",
    "CAMPAIGN_STATUSES",
    "CAMPAIGN_TYPES",
    "END_HANDLES",
    "NEVER",
    "NIL_UUID",
    "OUTDIAL_FIELDS",
    "OUTPLAN_FIELDS",
    "PAGE_FIELDS",
    "REASONS",
    "TARGET_FIELDS",
    "TARGET_STATUSES",
    "format_time",
    "parse_time",
]

#: "Not assigned" (voipbin-campaign-struct.rst: ``outplan_id`` ... "Set to 000... if not
#: assigned").
NIL_UUID = "00000000-0000-0000-0000-000000000000"
#: "Not deleted" / "never updated" (voipbin-campaign-struct.rst: ``tm_delete``).
NEVER = "9999-01-01 00:00:00.000000"

#: The Campaign struct, in the documentation's order (voipbin-campaign-struct.rst).
CAMPAIGN_FIELDS = (
    "id",
    "type",
    "name",
    "detail",
    "status",
    "service_level",
    "end_handle",
    "actions",
    "outplan_id",
    "outdial_id",
    "queue_id",
    "next_campaign_id",
    "tm_create",
    "tm_update",
    "tm_delete",
)
#: Campaign ``type`` values (struct page, "Type").
CAMPAIGN_TYPES = ("call", "flow")
#: Campaign ``status`` values (struct page, "Status"); created in ``stop``.
CAMPAIGN_STATUSES = ("stop", "stopping", "run")
#: Campaign ``end_handle`` values (struct page, "End handle").
END_HANDLES = ("stop", "continue")

#: An outplan: the dialling strategy.
OUTPLAN_FIELDS = (
    "id",
    "customer_id",
    "name",
    "detail",
    "source",
    "dial_timeout",
    "try_interval",
    "max_try_count_0",
    "max_try_count_1",
    "max_try_count_2",
    "max_try_count_3",
    "max_try_count_4",
    "tm_create",
    "tm_update",
    "tm_delete",
)
#: An outdial: a list of targets.
OUTDIAL_FIELDS = (
    "id",
    "customer_id",
    "campaign_id",
    "name",
    "detail",
    "data",
    "tm_create",
    "tm_update",
    "tm_delete",
)
#: A target of an outdial: up to five destinations and their try counts.
TARGET_FIELDS = (
    "id",
    "outdial_id",
    "name",
    "detail",
    "data",
    "status",
    *(f"destination_{i}" for i in range(5)),
    *(f"try_count_{i}" for i in range(5)),
    "tm_create",
    "tm_update",
    "tm_delete",
)
#: Target ``status`` values.
TARGET_STATUSES = ("idle", "progressing", "done")
#: An address (a destination, an outplan's ``source``); empty fields are left out.
ADDRESS_FIELDS = ("type", "target", "target_name", "name", "detail")
#: Address ``type`` values.
ADDRESS_TYPES = (
    "agent",
    "ai",
    "ai_team",
    "conference",
    "email",
    "extension",
    "line",
    "sip",
    "tel",
    "whatsapp",
)
#: A list answer (voipbin-campaign-tutorial.rst, "Get list of campaigns").
PAGE_FIELDS = ("result", "next_page_token")

#: Every error reason the simulator answers with, and its HTTP status.
REASONS: Mapping[str, int] = {
    "INVALID_ARGUMENT": 400,
    "UNAUTHORIZED": 401,
    "CAMPAIGN_NOT_FOUND": 404,
    "OUTPLAN_NOT_FOUND": 404,
    "OUTDIAL_NOT_FOUND": 404,
    "TARGET_NOT_FOUND": 404,
    "NOT_FOUND": 404,
    "METHOD_NOT_ALLOWED": 405,
    "STATE_INVALID": 409,
    "RATE_LIMIT_EXCEEDED": 429,
    "INTERNAL_ERROR": 500,
    "GATEWAY_TIMEOUT": 504,
}

_TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{6})$")


def format_time(moment: datetime | None, *, never: bool = True) -> str:
    """``2022-04-28 02:16:39.712142`` (UTC, as the examples); ``None`` is :data:`NEVER` (or
    ``""`` when ``never`` is false)."""
    if moment is None:
        return NEVER if never else ""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def parse_time(text: str) -> datetime | None:
    """The simulator's own spelling back (a page token), or ``None`` when it is not that."""
    match = _TIME.match(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, micro = (int(g) for g in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second, micro, tzinfo=timezone.utc)
    except ValueError:
        return None


#: One microsecond, the resolution of the timestamps.
TICK = timedelta(microseconds=1)
