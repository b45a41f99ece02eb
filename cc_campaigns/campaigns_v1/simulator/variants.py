"""Where the vendor's pages disagree, each reading is a selectable behaviour (notes §12).

::

    from cc_campaigns.campaigns_v1.simulator import CampaignsV1Simulator
    from cc_campaigns.campaigns_v1.simulator.variants import OPENAPI, Variants

    CampaignsV1Simulator(variants=OPENAPI)                     # the OpenAPI's side throughout
    CampaignsV1Simulator(variants=Variants(add_status=200))    # one disagreement at a time

Each field names the pages behind each reading. The default takes the guides' side on the
status codes (they are the pages written for people) and the OpenAPI's on the success of an add
(201, as generated from the service).
"""

from __future__ import annotations

from typing import Literal

import attrs

__all__ = ["DEFAULT", "GUIDES", "OPENAPI", "PRESETS", "Variants"]


@attrs.frozen(kw_only=True)
class Variants:
    """One reading of each documented disagreement (and of two points no page settles)."""

    #: Success of an add: 201 (OAS/REF "Records successfully added") or 200 (AR guide) [§12.1].
    add_status: Literal[200, 201] = attrs.field(
        default=201, validator=attrs.validators.in_((200, 201))
    )
    #: A crmRecordId already in the campaign: 409 (AR table, TS §409) or 400 (TS example body,
    #: OAS 400 "...or duplicate CRM IDs") [§12.2].
    duplicate_status: Literal[400, 409] = attrs.field(
        default=409, validator=attrs.validators.in_((400, 409))
    )
    #: Whether that refusal names the id (``Campaign already contains record for Id: X``, the
    #: TS/OAS example) or not (SPEC: the exact text was never confirmed).
    duplicate_names_id: bool = True
    #: An action the state (or a disabled campaign) does not allow: 409 (SM, MC, TS) or 400
    #: (OAS "Invalid request or illegal state transition") [§12.3].
    transition_status: Literal[400, 409] = attrs.field(
        default=409, validator=attrs.validators.in_((400, 409))
    )
    #: CANCEL from READY: refused (the action table, the enum text) or accepted (the
    #: management-phase diagram, "can be cancelled without ever running") [§12.5].
    cancel_from_ready: bool = False
    #: A body sent as ``application/json``: refused 415 (strict; SPEC "use this, not
    #: application/json") or accepted. Not documented either way [§2].
    accept_plain_json: bool = False
    #: Adding records to a campaign with ``enabled=false``: accepted (the pages exclude only
    #: BUILDING, STARTING, COMPLETE, DELETED) or refused like a state refusal. Not documented.
    add_when_disabled: bool = True


#: The simulator's default readings.
DEFAULT = Variants()
#: The guides' side throughout: add 200, duplicate 409, illegal transition 409.
GUIDES = Variants(add_status=200, duplicate_status=409, transition_status=409)
#: The OpenAPI's side throughout: add 201, duplicate 400, illegal transition 400.
OPENAPI = Variants(add_status=201, duplicate_status=400, transition_status=400)
#: The presets by name (``python -m ... --variants NAME``).
PRESETS = {"default": DEFAULT, "guides": GUIDES, "openapi": OPENAPI}
