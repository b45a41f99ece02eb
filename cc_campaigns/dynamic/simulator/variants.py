"""The vendor's variants: where 8x8's own pages disagree, each reading is a selectable behaviour.

The 8x8 Dynamic Campaigns API is described by three sources that do not agree (see
``api-notes.md``): the user guide (the "CC Managing Campaign Status / Records" pages, with their
header tables and examples), the OpenAPI document (its examples), and the support page "Dynamic
Campaign API: Responses" (the error catalogue). A :class:`Variants` picks one reading of each
disagreement; :class:`Messages` holds one wording of every message. The default is what the
simulator always did, so existing tests keep their meaning::

    from cc_campaigns.dynamic.simulator import Simulator
    from cc_campaigns.dynamic.simulator.variants import OPENAPI, Variants

    Simulator(variants=OPENAPI)                        # every OpenAPI reading at once
    Simulator(variants=Variants(stopped_status=500))   # one disagreement at a time

Each field names the page that says it.
"""

from __future__ import annotations

from typing import Literal

import attrs

__all__ = [
    "DEFAULT",
    "DELETE_NOT_FOUND_WORDINGS",
    "GUIDE_MESSAGES",
    "GUIDE_TABLES",
    "OPENAPI",
    "OPENAPI_MESSAGES",
    "PRESETS",
    "SUPPORT",
    "SUPPORT_MESSAGES",
    "Messages",
    "Operation",
    "StatusMethods",
    "Token",
    "Variants",
]

#: Which token a write accepts: the Action Request Token, the Data Request Token, or either.
Token = Literal["action", "data", "either"]
#: The three writes, as :class:`Variants` names them.
Operation = Literal["status", "add", "delete"]
#: Which methods change a campaign's status (the other one is answered 405).
StatusMethods = Literal["POST", "PATCH", "both"]


@attrs.frozen
class Messages:
    """One wording of every message the simulator sends (``{"message": ...}`` or per item).

    Whole-request refusals that differ per operation have one field per operation
    (``*_status``, ``*_add``, ``*_delete``). ``outside_schedule`` may hold two ``{}`` for the
    campaign's start and end.
    """

    campaign_not_found: str
    stopped_status: str
    stopped_add: str
    stopped_delete: str
    not_dynamic_status: str
    not_dynamic_add: str
    not_dynamic_delete: str
    not_enabled_status: str
    not_enabled_add: str
    not_enabled_delete: str
    not_started: str
    invalid_list: str
    invalid_transition: str
    status_changed: str
    # Per item of an add (207).
    duplicate: str
    invalid_customer_id: str
    not_in_crm: str
    dnc: str
    invalid_schedule: str
    schedule_past: str
    schedule_too_far: str
    outside_schedule: str
    # Deletes.
    customer_not_found: str
    delete_completed: str
    delete_accepted: str
    delete_deleted: str
    deleted: str
    #: The body of the OpenAPI's 500 "CampaignStopped" example.
    internal_error: str = "Internal server error"


_STOPPED = "Campaign is already stopped or completed. No operation is allowed."

#: The support page "Dynamic Campaign API: Responses" for whole-request refusals (the guide pages
#: list none), the user guide's 207 example ("CC Managing Campaign Records") for per-item
#: answers. What the simulator always spoke.
GUIDE_MESSAGES = Messages(
    campaign_not_found="Campaign not found.",
    stopped_status=_STOPPED,
    stopped_add=_STOPPED,
    stopped_delete=_STOPPED,
    not_dynamic_status="Not a dynamic campaign.",
    not_dynamic_add="Not a dynamic campaign.",
    not_dynamic_delete="Not a dynamic campaign.",
    not_enabled_status="Campaign is not enabled.",
    not_enabled_add="Campaign is not enabled.",
    not_enabled_delete="Campaign is not enabled.",
    not_started="Operation invalid on a non started campaign.",
    invalid_list="Invalid customer list provided.",
    invalid_transition="Invalid state transition.",
    status_changed="Campaign status changed.",
    duplicate="Duplicate customer",
    invalid_customer_id="Invalid customer-id",
    not_in_crm="The customer-id has not been found.",
    dnc="Invalid customer provided, customer is wrong or in DNC list.",
    invalid_schedule="Invalid schedule-date-time format - please use ISO 8601 format",
    schedule_past="The subject schedule-date-time is in the past.",
    schedule_too_far=(
        "The subject schedule-date-time must be within 7 days ahead of a future period."
    ),
    outside_schedule=(
        "The subject schedule-date-time is outside the campaign schedule from {} to {}."
    ),
    customer_not_found="Customer not found.",
    delete_completed=(
        "Customer not available for deletion because the record is marked as completed."
    ),
    delete_accepted=(
        "Customer not available for deletion because an agent has connected to the phone line."
    ),
    delete_deleted="Customer not available for deletion because the record is deleted already.",
    deleted="Customer deleted.",
)

#: Every message as the support page's catalogue words it ("Duplicated customer." ...).
SUPPORT_MESSAGES = attrs.evolve(
    GUIDE_MESSAGES,
    duplicate="Duplicated customer.",
    invalid_customer_id="Invalid customer provided, customer is wrong or in DNC list.",
    not_in_crm="Customer not found.",
    invalid_schedule="Invalid schedule-date format, please use ISO 8601.",
    schedule_past="Schedule date is in the past.",
    schedule_too_far="schedule-date-time must be within 7 days ahead in future period.",
    outside_schedule="Schedule date outside campaign schedule period.",
)

#: The OpenAPI document's examples and response descriptions, operation by operation.
OPENAPI_MESSAGES = attrs.evolve(
    GUIDE_MESSAGES,
    campaign_not_found="The campaign cannot be found.",
    stopped_add="The campaign has stopped. No additional customers can be added.",
    stopped_delete="The campaign has stopped. No customers can be deleted.",
    not_dynamic_status="Not a dynamic campaign",
    not_dynamic_add="This is not a dynamic campaign.",
    not_dynamic_delete="This is not a dynamic campaign.",
    not_enabled_status="The campaign is not enabled.",
    not_enabled_add="The campaign is not enabled.",
    not_enabled_delete="This campaign is not enabled.",
    not_started="The operation is invalid for a campaign that has not started.",
    invalid_list="The provided customer list is invalid.",
    invalid_transition="Invalid state transition",
    customer_not_found="The customer has not been located.",
)

_MESSAGE_SETS = {"guide": GUIDE_MESSAGES, "support": SUPPORT_MESSAGES, "openapi": OPENAPI_MESSAGES}

#: The documented wordings of "this customer is not in the campaign" on a delete, by name; ``""``
#: is a 404 with an empty body (the OpenAPI's 404 has a description and no content).
DELETE_NOT_FOUND_WORDINGS = {
    "customer-not-found": "Customer not found.",  # support page
    "not-located": "The customer has not been located.",  # OpenAPI 404 description
    "id-not-found": "The customer-id has not been found.",  # guide 207 example, api-notes
    "empty": "",  # OpenAPI: a 404 without a body
}


def _token(value: str) -> Token:
    if value == "action":
        return "action"
    if value == "data":
        return "data"
    if value == "either":
        return "either"
    raise ValueError(f"a write token must be 'action', 'data' or 'either', got {value!r}")


def _messages(value: Messages | str) -> Messages:
    if isinstance(value, Messages):
        return value
    try:
        return _MESSAGE_SETS[value]
    except KeyError:
        names = ", ".join(_MESSAGE_SETS)
        raise ValueError(f"unknown message set {value!r}; known: {names}") from None


@attrs.frozen
class Variants:
    """One reading of each point where 8x8's pages disagree. The defaults are the simulator's
    long-standing behaviour."""

    #: How a write to a stopped or completed campaign is refused: 400 with the ``stopped_*``
    #: message (support page: "Campaign is already stopped or completed. No operation is
    #: allowed.") or 500 "Internal server error" (the OpenAPI's "CampaignStopped" examples of
    #: all three writes).
    stopped_status: int = attrs.field(default=400, validator=attrs.validators.in_((400, 500)))
    #: The 404 message of a delete of a customer who is not in the campaign; ``None``: the
    #: message set's ``customer_not_found``; ``""``: an empty body. See
    #: :data:`DELETE_NOT_FOUND_WORDINGS`.
    delete_not_found: str | None = None
    #: Success of a delete: 204 without a body (guide, OpenAPI) or 200
    #: ``{"message": "Customer deleted."}`` (support page).
    delete_status: int = attrs.field(default=204, validator=attrs.validators.in_((200, 204)))
    #: Keep a deleted customer's record: deleting it again answers 404 "Customer not available
    #: for deletion because the record is deleted already." (support page) instead of the
    #: not-found message. Adding the customer again brings it back.
    keep_deleted: bool = False
    #: Which methods change a status: ``"POST"`` (the guide), ``"PATCH"`` (the OpenAPI), or
    #: ``"both"``; the other one is answered 405 with an ``Allow`` header.
    status_methods: StatusMethods = attrs.field(
        default="both", validator=attrs.validators.in_(("POST", "PATCH", "both"))
    )
    #: The token of a status change. The guide's prose and the OpenAPI's security scheme say
    #: the Action Request Token; the guide's header table of "Change Campaign Status" says the
    #: Data Request Token.
    status_token: Token = attrs.field(default="action", converter=_token)
    #: The token of an add (every source agrees: the Action Request Token).
    add_token: Token = attrs.field(default="action", converter=_token)
    #: The token of a delete (prose: Action Request Token; the guide's header table of "Delete
    #: Record from Campaign": Data Request Token).
    delete_token: Token = attrs.field(default="action", converter=_token)
    #: The wording of every message: a :class:`Messages`, or ``"guide"`` (default),
    #: ``"support"`` or ``"openapi"``.
    messages: Messages = attrs.field(default=GUIDE_MESSAGES, converter=_messages)

    @property
    def customer_not_found(self) -> str:
        """The body message of a delete's "not in the campaign" 404 (``""``: empty body)."""
        if self.delete_not_found is not None:
            return self.delete_not_found
        return self.messages.customer_not_found

    def allows_status_method(self, method: str) -> bool:
        """Whether ``method`` changes a status under this variant."""
        return self.status_methods == "both" or method.upper() == self.status_methods


#: The simulator's long-standing behaviour.
DEFAULT = Variants()
#: The OpenAPI document: stopped = 500, PATCH only, the customer's 404 without a body, its
#: wordings.
OPENAPI = Variants(
    stopped_status=500, status_methods="PATCH", delete_not_found="", messages=OPENAPI_MESSAGES
)
#: The user guide's header tables: status changes and deletes with the Data Request Token,
#: adds with the Action Request Token; POST only.
GUIDE_TABLES = Variants(status_methods="POST", status_token="data", delete_token="data")
#: The support page: its wording of every message, a delete answered 200 "Customer deleted.",
#: deleted records kept.
SUPPORT = Variants(delete_status=200, keep_deleted=True, messages=SUPPORT_MESSAGES)

#: The presets by name (``python -m cc_campaigns.dynamic.simulator --variants NAME``).
PRESETS = {"default": DEFAULT, "openapi": OPENAPI, "guide-tables": GUIDE_TABLES, "support": SUPPORT}
