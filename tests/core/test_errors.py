"""The error tree and the one status/message -> class mapping (``errors.error_for``).

The wordings come from api-notes.md (8x8 support page "Dynamic Campaign API: Responses"), the
user guide examples and the OpenAPI examples: the mapping must tolerate every variant.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from cc_campaigns.errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    CampaignNotDynamicError,
    CampaignNotEnabledError,
    CampaignNotStartedError,
    CampaignsError,
    CampaignStoppedError,
    ConnectError,
    InvalidTransitionError,
    NotFoundError,
    OutcomeUnknownError,
    RateLimitedError,
    RequestTimeoutError,
    ServerError,
    TLSError,
    TransitionRefusedError,
    TransportError,
    ValidationError,
    WaitTimeoutError,
    error_for,
    is_capacity_message,
    is_duplicate_message,
)

from ..reference import OPENAPI_8X8

URL = "https://vcc-na12.8x8.com/api/stats/campaigns/9.json"
CAPACITY = "Maximum limit of scheduled customers has been reached. Please try call again later on."

# (status, message, expected class): every wording we know of.
CATALOGUE = [
    # api-notes.md, support page
    (
        206,
        "The request was sent but the response timed out. Please check the result status later.",
        OutcomeUnknownError,
    ),
    (
        400,
        "Campaign is already stopped or completed. No operation is allowed.",
        CampaignStoppedError,
    ),
    (400, "Campaign is not enabled.", CampaignNotEnabledError),
    (400, "Duplicated customer.", BadRequestError),
    (400, "Invalid customer list provided.", BadRequestError),
    (400, "Invalid customer provided, customer is wrong or in DNC list.", BadRequestError),
    (400, "Invalid schedule-date format, please use ISO 8601.", BadRequestError),
    (400, "Invalid state transition.", TransitionRefusedError),
    # 8x8's back-off refusal is the 8x8 client's reading (Session(backoff=...)), not the tree's:
    # to the neutral table it is a 400 like any other (tests/dynamic/test_wire.py reads it).
    (400, CAPACITY, BadRequestError),
    (400, "Not a dynamic campaign.", CampaignNotDynamicError),
    (400, "Operation invalid on a non started campaign.", CampaignNotStartedError),
    (400, "Schedule date is in the past.", BadRequestError),
    (400, "Schedule date outside campaign schedule period.", BadRequestError),
    (400, "schedule-date-time must be within 7 days ahead in future period.", BadRequestError),
    (404, "Campaign not found.", NotFoundError),
    (
        404,
        "Customer not available for deletion because an agent has connected to the phone line.",
        NotFoundError,
    ),
    (
        404,
        "Customer not available for deletion because the record is deleted already.",
        NotFoundError,
    ),
    (
        404,
        "Customer not available for deletion because the record is marked as completed.",
        NotFoundError,
    ),
    (404, "Customer not found.", NotFoundError),
    (404, "The customer-id has not been found.", NotFoundError),
    (500, "Internal server error.", ServerError),
    (401, None, AuthenticationError),
    (403, "Forbidden", AuthenticationError),
    # OpenAPI examples (status change, add customers, delete customer)
    (400, "Invalid state transition", TransitionRefusedError),
    (400, "Not a dynamic campaign", CampaignNotDynamicError),
    (400, "This is not a dynamic campaign.", CampaignNotDynamicError),
    (400, "The campaign is not enabled.", CampaignNotEnabledError),
    (400, "This campaign is not enabled.", CampaignNotEnabledError),
    (
        400,
        "The campaign has stopped. No additional customers can be added.",
        CampaignStoppedError,
    ),
    (400, "The campaign has stopped. No customers can be deleted.", CampaignStoppedError),
    (
        400,
        "The operation is invalid for a campaign that has not started.",
        CampaignNotStartedError,
    ),
    (400, "The provided customer list is invalid.", BadRequestError),
    (500, "Internal server error", ServerError),
    # Case and punctuation do not matter.
    (400, "INVALID STATE TRANSITION", TransitionRefusedError),
    (400, "campaign is NOT ENABLED", CampaignNotEnabledError),
    (400, "maximum limit of scheduled customers reached", BadRequestError),
    # By status alone
    (429, None, RateLimitedError),
    (429, "Too Many Requests", RateLimitedError),
    (502, None, ServerError),
    (503, "Service Unavailable", ServerError),
    (504, None, ServerError),
    (409, "Conflict", TransitionRefusedError),
    (400, None, BadRequestError),
    (400, "Something we have never seen.", BadRequestError),
    (418, "I'm a teapot", ApiError),
]


@pytest.mark.parametrize(("status", "message", "expected"), CATALOGUE)
def test_error_for_maps_every_known_wording(
    status: int, message: str | None, expected: type[ApiError]
) -> None:
    error = error_for(status, message, method="POST", url=URL)
    assert type(error) is expected
    assert error.status == status
    assert error.method == "POST"
    assert error.url == URL
    if message is not None:
        assert error.message == message


@pytest.mark.parametrize(
    ("status", "message", "expected"),
    [
        # The status decides before the message does.
        (404, "Campaign is not enabled.", NotFoundError),
        (500, "Invalid state transition.", ServerError),
        (401, "Not a dynamic campaign.", AuthenticationError),
        (429, "Campaign is already stopped or completed.", RateLimitedError),
        (206, "Invalid state transition.", OutcomeUnknownError),
    ],
)
def test_status_wins_over_message(status: int, message: str, expected: type[ApiError]) -> None:
    assert type(error_for(status, message)) is expected


def test_capacity_message_beats_the_stopped_pattern() -> None:
    # "has been reached" must not be read as "has been stopped/completed".
    message = (
        "Maximum limit of scheduled customers has been reached. Please try call again later on."
    )
    assert type(error_for(400, message)) is BadRequestError


@pytest.mark.parametrize(
    ("status", "text"),
    [(206, "outcome is unknown"), (401, "Unauthorized"), (404, "Not found"), (503, "unavailable")],
)
def test_a_missing_message_gets_a_readable_default(status: int, text: str) -> None:
    error = error_for(status, None)
    assert text.lower() in error.message.lower()
    assert str(error).startswith(f"[{status}] ")


def test_unknown_status_without_message_still_reads() -> None:
    error = error_for(418, None)
    assert str(error) == "[418] HTTP error"


def test_api_error_str_reads_like_the_style_guide() -> None:
    error = error_for(
        404,
        "Campaign not found.",
        method="GET",
        url="http://127.0.0.1:8080/api/stats/campaigns/9.json",
    )
    assert str(error) == (
        "[404] Campaign not found. (GET http://127.0.0.1:8080/api/stats/campaigns/9.json)"
    )
    assert repr(error) == f"NotFoundError({str(error)!r})"


def test_api_error_str_without_status_or_url() -> None:
    assert str(InvalidTransitionError("campaign 3 is STOPPED")) == "campaign 3 is STOPPED"
    assert str(ApiError("x", status=400)) == "[400] x"
    assert str(ApiError("x", method="GET")) == "x"


def test_api_error_keeps_its_fields() -> None:
    error = error_for(
        429,
        "slow down",
        method="GET",
        url=URL,
        reason="RATE_LIMIT_EXCEEDED",
        request_id="req-1",
        retry_after=3.5,
    )
    assert (error.reason, error.request_id, error.retry_after) == (
        "RATE_LIMIT_EXCEEDED",
        "req-1",
        3.5,
    )


def test_transport_error_str() -> None:
    error = TransportError("timed out", method="GET", url=URL)
    assert str(error) == f"timed out (GET {URL})"
    assert str(TransportError("refused")) == "refused"
    assert isinstance(error, CampaignsError)


def test_validation_error_is_also_a_value_error() -> None:
    assert issubclass(ValidationError, ValueError)
    assert issubclass(ValidationError, CampaignsError)


@pytest.mark.parametrize(
    "cls",
    [
        AuthenticationError,
        NotFoundError,
        BadRequestError,
        TransitionRefusedError,
        CampaignNotDynamicError,
        CampaignNotEnabledError,
        CampaignStoppedError,
        CampaignNotStartedError,
        RateLimitedError,
        ServerError,
        OutcomeUnknownError,
    ],
)
def test_every_api_error_is_an_api_error(cls: type[ApiError]) -> None:
    assert issubclass(cls, ApiError)
    assert issubclass(cls, CampaignsError)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("Duplicate customer", True),
        ("Duplicated customer.", True),
        ("DUPLICATE CUSTOMER", True),
        ("Invalid customer-id", False),
        ("", False),
        (None, False),
    ],
)
def test_is_duplicate_message(message: str | None, expected: bool) -> None:
    assert is_duplicate_message(message) is expected


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (CAPACITY, True),
        ("maximum limit of scheduled customers", True),
        ("Duplicate customer", False),
        ("", False),
        (None, False),
    ],
)
def test_is_capacity_message(message: str | None, expected: bool) -> None:
    assert is_capacity_message(message) is expected


# -- every error example of the vendor's OpenAPI document ----------------------------------------

OPENAPI = OPENAPI_8X8
#: The OpenAPI names its examples; each name says which error it is.
CLASS_OF_EXAMPLE = {
    "InvalidStateTransition": TransitionRefusedError,
    "NotDynamicCampaign": CampaignNotDynamicError,
    "CampaignNotEnabled": CampaignNotEnabledError,
    "CampaignStopped": CampaignStoppedError,
    "CampaignNew": CampaignNotStartedError,
    "InvalidCustomer": BadRequestError,
}


def _openapi_examples() -> list[Any]:
    document = json.loads(OPENAPI.read_text(encoding="utf-8"))
    cases = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, answer in operation.get("responses", {}).items():
                content = answer.get("content", {}).get("application/json", {})
                for name, example in content.get("examples", {}).items():
                    message = example["value"]["message"]
                    case_id = f"{method.upper()} {path} {status} {name}"
                    cases.append(pytest.param(int(status), name, message, id=case_id))
    return cases


def test_the_openapi_has_error_examples() -> None:
    assert len(_openapi_examples()) >= 10


@pytest.mark.parametrize(
    ("status", "name", "message"), _openapi_examples() or [pytest.param(0, "", "", id="none")]
)
def test_every_openapi_error_example(status: int, name: str, message: str) -> None:
    # A 500 is a server error whatever its example is called (the OpenAPI labels its
    # "Internal server error" examples "CampaignStopped").
    expected = ServerError if status >= 500 else CLASS_OF_EXAMPLE[name]
    assert type(error_for(status, message)) is expected


# -- the shape of the tree ----------------------------------------------------------------------


def test_every_exported_exception_is_a_campaigns_error() -> None:
    import cc_campaigns
    import cc_campaigns.errors

    for module in (cc_campaigns, cc_campaigns.errors):
        for name in module.__all__:
            value = getattr(module, name)
            if isinstance(value, type) and issubclass(value, BaseException):
                assert issubclass(value, CampaignsError), f"{module.__name__}.{name}"


def test_the_transport_family() -> None:
    assert issubclass(ConnectError, TransportError)
    assert issubclass(TLSError, ConnectError)
    assert issubclass(RequestTimeoutError, TransportError)
    assert not issubclass(RequestTimeoutError, ConnectError)  # may have been applied
    assert not issubclass(TransportError, ApiError)


def test_a_local_transition_refusal_is_not_an_api_error() -> None:
    local = InvalidTransitionError(
        "campaign 3 is STOPPED; cannot change it to RUNNING.", method="POST", url=URL
    )
    assert isinstance(local, CampaignsError)
    assert not isinstance(local, ApiError)
    assert (local.status, local.sent) == (None, False)
    # Nothing was sent: the message alone, not the request that was never made.
    assert str(local) == "campaign 3 is STOPPED; cannot change it to RUNNING."
    assert (local.method, local.url) == ("POST", URL)


@pytest.mark.parametrize(
    ("status", "message", "reason"),
    [
        (400, "Invalid state transition.", None),
        (409, "Conflict", None),
        (400, "x", "STATE_INVALID"),
    ],
)
def test_a_server_transition_refusal_is_both(status: int, message: str, reason: str | None) -> None:
    error = error_for(status, message, method="PATCH", url=URL, reason=reason)
    assert isinstance(error, InvalidTransitionError)
    assert isinstance(error, ApiError)
    assert type(error) is TransitionRefusedError
    assert error.sent
    assert str(error) == f"[{status}] {message} (PATCH {URL})"


def test_one_except_clause_catches_both_transition_refusals() -> None:
    caught = []
    for error in (InvalidTransitionError("local"), error_for(409, "refused")):
        try:
            raise error
        except InvalidTransitionError as err:
            caught.append(err.status)
    assert caught == [None, 409]


def test_wait_timeout_is_in_the_tree_and_a_builtin_timeout() -> None:
    error = WaitTimeoutError("still running after 5s", last={"id": "c1"})
    assert isinstance(error, CampaignsError)
    assert isinstance(error, TimeoutError)
    assert error.last == {"id": "c1"}
    assert str(error) == "still running after 5s"


def test_error_for_can_be_told_the_class() -> None:
    error = error_for(206, None, kind=OutcomeUnknownError, method="POST", url=URL)
    assert type(error) is OutcomeUnknownError
    assert "outcome is unknown" in error.message
    forced = error_for(400, "queue full", kind=RateLimitedError, retry_after=2.0)
    assert (type(forced), forced.status, forced.retry_after) == (RateLimitedError, 400, 2.0)


@pytest.mark.parametrize(
    "options",
    [
        {"attempts": 0},
        {"attempts": 1.5},
        {"attempts": True},
        {"backoff_initial": 0},
        {"backoff_max": -1.0},
        {"retry_after_max": float("nan")},
        {"total_time": 0},
    ],
)
def test_retry_policy_validation_raises_validation_error(options: dict[str, Any]) -> None:
    from cc_campaigns.retry import RetryPolicy

    with pytest.raises(ValidationError) as caught:
        RetryPolicy(**options)
    assert isinstance(caught.value, ValueError)  # ``except ValueError`` keeps working


def test_retry_budget_validation() -> None:
    from cc_campaigns.retry import RetryBudget

    with pytest.raises(ValidationError):
        RetryBudget(capacity=-1.0)
    assert RetryBudget(capacity=0.0).exhausted
