"""Typed models of the VoIPbin campaign API: campaigns, outplans, outdials and their targets.

Plain attrs classes and enums; the JSON lives in :mod:`cc_campaigns.voipbin.wire`. What the
vendor spells as a sentinel arrives here as ``None``: the nil UUID
``00000000-0000-0000-0000-000000000000`` ("not assigned") and ``9999-01-01 00:00:00.000000``
in ``tm_update``/``tm_delete`` ("never"). Timestamps are timezone-aware UTC datetimes. An enum
value this SDK does not know yet is kept as its plain string, never an error.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

__all__ = [
    "NIL_UUID",
    "Address",
    "AddressType",
    "Campaign",
    "CampaignStatus",
    "CampaignType",
    "EndHandle",
    "Outdial",
    "OutdialTarget",
    "Outplan",
    "TargetStatus",
]

#: VoIPbin's "not assigned" id. Pass it to clear a reference (e.g. a campaign's queue).
NIL_UUID = "00000000-0000-0000-0000-000000000000"

#: A target carries at most this many destinations (``destination_0`` .. ``destination_4``).
MAX_DESTINATIONS = 5


class CampaignType(str, enum.Enum):
    """How a campaign reaches its targets."""

    #: A voice call to each destination; the actions run once it is answered.
    CALL = "call"
    #: The actions run for each destination without a voice call being set up first.
    FLOW = "flow"


class CampaignStatus(str, enum.Enum):
    """A campaign's status. Campaigns are created in ``stop``."""

    STOP = "stop"
    #: Transient: set by the server after ``stop`` while active calls are being ended.
    STOPPING = "stopping"
    RUN = "run"


class EndHandle(str, enum.Enum):
    """What a running campaign does once every target of its outdial has been tried."""

    #: Go to ``stop`` (one-off campaigns).
    STOP = "stop"
    #: Stay in ``run``, so targets added later are dialled too.
    CONTINUE = "continue"


class AddressType(str, enum.Enum):
    """The kind of endpoint an :class:`Address` names."""

    AGENT = "agent"
    AI = "ai"
    AI_TEAM = "ai_team"
    CONFERENCE = "conference"
    EMAIL = "email"
    EXTENSION = "extension"
    LINE = "line"
    SIP = "sip"
    #: A phone number in E.164 (``+15551234567``).
    TEL = "tel"
    WHATSAPP = "whatsapp"


class TargetStatus(str, enum.Enum):
    """Where an outdial target is in its dialling."""

    IDLE = "idle"
    PROGRESSING = "progressing"
    DONE = "done"


@attrs.frozen
class Address:
    """An endpoint: a destination of a target, or the caller id of an outplan.

    ``Address("+15551234567")`` is a phone number (type ``tel``).
    """

    #: The endpoint itself: an E.164 number for ``tel``, a SIP URI, an agent id ...
    target: str = ""
    type: AddressType | str = AddressType.TEL
    #: A display name for the endpoint (e.g. the caller-id name).
    target_name: str | None = None
    name: str | None = None
    detail: str | None = None


@attrs.frozen
class Campaign:
    """A campaign, as ``GET /campaigns/{id}`` returns it."""

    id: str
    name: str | None = None
    detail: str | None = None
    #: ``call`` or ``flow`` (an unknown value is kept as text).
    type: CampaignType | str | None = None
    status: CampaignStatus | str | None = None
    #: Percentage: a new call is made while available agents > dialling calls * level / 100.
    service_level: int | None = None
    end_handle: EndHandle | str | None = None
    #: Flow actions run when a target answers, as the vendor sends them (``type``, ``option``).
    actions: tuple[Mapping[str, Any], ...] = ()
    #: ``None`` when not assigned (the vendor's nil UUID).
    outplan_id: str | None = None
    outdial_id: str | None = None
    queue_id: str | None = None
    next_campaign_id: str | None = None
    customer_id: str | None = None
    tm_create: datetime | None = None
    #: ``None`` when never updated.
    tm_update: datetime | None = None
    #: ``None`` when not deleted.
    tm_delete: datetime | None = None

    @property
    def deleted(self) -> bool:
        """Whether the campaign has been deleted."""
        return self.tm_delete is not None

    @property
    def running(self) -> bool:
        """Whether the campaign is dialling or still winding down (``run`` or ``stopping``)."""
        return self.status in (CampaignStatus.RUN, CampaignStatus.STOPPING)


@attrs.frozen
class Outplan:
    """A dialling plan: caller id, dial timeout, retry interval and tries per destination."""

    id: str
    name: str | None = None
    detail: str | None = None
    #: The caller id.
    source: Address | None = None
    #: How long a call rings before it counts as unanswered, in milliseconds.
    dial_timeout: int | None = None
    #: Wait between two tries of a target, in milliseconds.
    try_interval: int | None = None
    #: Most tries of ``destination_N`` of a target.
    max_try_count_0: int = 0
    max_try_count_1: int = 0
    max_try_count_2: int = 0
    max_try_count_3: int = 0
    max_try_count_4: int = 0
    customer_id: str | None = None
    tm_create: datetime | None = None
    tm_update: datetime | None = None
    tm_delete: datetime | None = None

    @property
    def max_try_counts(self) -> tuple[int, int, int, int, int]:
        """``max_try_count_0`` .. ``max_try_count_4``."""
        return (
            self.max_try_count_0,
            self.max_try_count_1,
            self.max_try_count_2,
            self.max_try_count_3,
            self.max_try_count_4,
        )


@attrs.frozen
class Outdial:
    """A list of targets that campaigns dial."""

    id: str
    name: str | None = None
    detail: str | None = None
    #: Free text the caller attached.
    data: str | None = None
    campaign_id: str | None = None
    customer_id: str | None = None
    tm_create: datetime | None = None
    tm_update: datetime | None = None
    tm_delete: datetime | None = None


@attrs.frozen
class OutdialTarget:
    """One target of an outdial: up to five destinations, tried in order."""

    id: str
    outdial_id: str | None = None
    name: str | None = None
    detail: str | None = None
    data: str | None = None
    status: TargetStatus | str | None = None
    destination_0: Address | None = None
    destination_1: Address | None = None
    destination_2: Address | None = None
    destination_3: Address | None = None
    destination_4: Address | None = None
    try_count_0: int = 0
    try_count_1: int = 0
    try_count_2: int = 0
    try_count_3: int = 0
    try_count_4: int = 0
    tm_create: datetime | None = None
    tm_update: datetime | None = None
    tm_delete: datetime | None = None

    @property
    def destinations(self) -> tuple[Address, ...]:
        """The destinations that are set, in dialling order."""
        slots = (
            self.destination_0,
            self.destination_1,
            self.destination_2,
            self.destination_3,
            self.destination_4,
        )
        return tuple(a for a in slots if a is not None)

    @property
    def destination(self) -> str | None:
        """The first destination's ``target`` (e.g. ``+15551234567``), or ``None``."""
        return self.destination_0.target if self.destination_0 is not None else None
