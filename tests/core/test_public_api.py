"""The public API of 0.x keeps working across the layout change of issue #9.

Every name below is a name some module exported in its ``__all__`` before the neutral-core
redesign (taken from the tree at commit 6b0ff67). The packages and modules that moved
(``cc_campaigns.client`` -> ``cc_campaigns.dynamic.client`` and friends) are deprecated aliases
for one minor version: importing them warns, and every old name is still there.
"""

from __future__ import annotations

import importlib
import sys
import warnings

import pytest


def _names(text: str) -> list[str]:
    return text.split()


#: Module -> its ``__all__`` before the redesign. The package-level ones must not warn.
TODAY: dict[str, list[str]] = {
    "cc_campaigns": _names(
        "ApiError AuthenticationError BadRequestError Bucket BulkReport Campaign "
        "CampaignNotDynamicError CampaignNotEnabledError CampaignNotStartedError "
        "CampaignRecord CampaignState CampaignStatus CampaignStoppedError CampaignsClient "
        "CampaignsError CheckpointMismatchError ConnectError CustomerItem Disposition "
        "InvalidTransitionError ItemOutcome ItemResult NotFoundError OutcomeUnknownError "
        "Phone Progress RateLimitedError RecordStatus RecordStatusCode "
        "RequestTimeoutError RetryPolicy ServerError SourceError SourceRow StatusChange "
        "TLSError TRANSITIONS Timeouts TransportError UnexpectedResponseError "
        "ValidationError __version__ read_customers "
    ),
    "cc_campaigns.bulk": _names(
        "Adapter AdaptiveLimiter Bucket BulkOptions BulkReport CustomerSource "
        "DEFAULT_BATCH_SIZE DEFAULT_CONCURRENCY Engine ItemOutcome MAX_RECORDS Progress "
        "SourceRow TokenBucket Verdict bulk_options check_outputs iter_bulk "
        "read_customers run_bulk "
    ),
    "cc_campaigns.bulk.engine": _names(
        "Adapter BulkOptions DEFAULT_BATCH_SIZE DEFAULT_CONCURRENCY Engine MAX_RECORDS Verdict "
    ),
    "cc_campaigns.bulk.sources": _names("CustomerSource SourceRow check_outputs read_customers"),
    "cc_campaigns.bulk.report": _names(
        "BUCKETS Bucket BulkReport ItemOutcome Progress RejectsWriter"
    ),
    "cc_campaigns.bulk.journal": _names(
        "Intervals Journal JournalState WindowDigest item_text items_text"
    ),
    "cc_campaigns.bulk.limiter": _names("AdaptiveLimiter Ticket TokenBucket"),
    "cc_campaigns.errors": _names(
        "ApiError AuthenticationError BadRequestError CampaignNotDynamicError "
        "CampaignNotEnabledError CampaignNotStartedError CampaignStoppedError "
        "CampaignsError CheckpointMismatchError ConnectError InvalidTransitionError "
        "NotFoundError OutcomeUnknownError RateLimitedError RequestTimeoutError "
        "ServerError SourceError TLSError TransportError UnexpectedResponseError "
        "ValidationError error_for is_capacity_message is_duplicate_message "
    ),
    "cc_campaigns.retry": _names("DEFAULT_RETRY RetryBudget RetryPolicy"),
    "cc_campaigns.voipbin": _names(
        "Address AddressType Campaign CampaignStatus CampaignType DEFAULT_BASE_URL "
        "DEFAULT_BULK_RATE EndHandle NIL_UUID Outdial OutdialTarget Outplan TargetStatus "
        "VoipbinClient WaitTimeoutError normalize_e164 read_targets "
    ),
    "cc_campaigns.voipbin.client": _names(
        "DEFAULT_BASE_URL DEFAULT_BULK_RATE VoipbinClient WaitTimeoutError decode_voipbin_error "
    ),
    "cc_campaigns.voipbin.wire": _names(
        "NEVER action_to_wire address_from_wire address_to_wire answer_json "
        "campaign_from_wire format_timestamp id_to_wire iter_wire normalize_e164 "
        "outdial_from_wire outplan_from_wire page_from_wire parse_timestamp "
        "target_from_wire target_to_wire to_address to_wire "
    ),
    "cc_campaigns.voipbin.models": _names(
        "Address AddressType Campaign CampaignStatus CampaignType EndHandle NIL_UUID "
        "Outdial OutdialTarget Outplan TargetStatus "
    ),
    "cc_campaigns.voipbin.adapters": _names("AddTargets check_target_answer read_targets"),
    "cc_campaigns.voipbin.simulator": _names(
        "REASONS RateLimiter SimError SimState SimStats VoipbinSimulator"
    ),
    "cc_campaigns.cli": _names("main"),
}

#: Modules that moved: the old path is a deprecated alias; the names are also at the new path.
MOVED: dict[str, tuple[str, list[str]]] = {
    "cc_campaigns.client": (
        "cc_campaigns.dynamic.client",
        _names("CampaignsClient WRITE_TOKEN_PRESETS parse_write_token"),
    ),
    "cc_campaigns.wire": (
        "cc_campaigns.dynamic.wire",
        _names(
            "campaign_from_wire customer_to_wire dump_json format_datetime "
            "item_result_from_wire parse_datetime parse_phone_list records_from_wire "
            "to_customer_item "
        ),
    ),
    "cc_campaigns.models": (
        "cc_campaigns.dynamic.models",
        _names(
            "Campaign CampaignRecord CampaignState CampaignStatus CustomerItem Disposition "
            "ItemResult Phone RecordStatus RecordStatusCode StatusChange TRANSITIONS "
            "transition_allowed "
        ),
    ),
    "cc_campaigns.adapters": (
        "cc_campaigns.dynamic.adapters",
        _names(
            "AddCustomers RemoveCustomers check_delete_answer is_not_in_campaign_message "
            "read_add_answer "
        ),
    ),
    "cc_campaigns.simulator": (
        "cc_campaigns.dynamic.simulator",
        _names("Messages Servable Simulator SimulatorStats Variants parse_id_range serve"),
    ),
    "cc_campaigns.session": (
        "cc_campaigns._transport.session",
        _names(
            "DEFAULT_MAX_RESPONSE_BYTES DEFAULT_TIMEOUTS ErrorDecoder Response Session "
            "SessionClient Timeouts is_loopback_url is_transient resolve_8x8_base_url "
        ),
    ),
}


def _fresh_import(name: str) -> object:
    sys.modules.pop(name, None)
    return importlib.import_module(name)


#: Names of today that are deprecated aliases now: they work and warn (listed in the CHANGELOG).
DEPRECATED: dict[str, set[str]] = {
    "cc_campaigns.bulk": {"MAX_RECORDS", "CustomerSource", "read_customers"},
    "cc_campaigns.bulk.engine": {"MAX_RECORDS"},
    "cc_campaigns.bulk.sources": {"CustomerSource", "read_customers"},
}


@pytest.mark.parametrize("module", sorted(TODAY))
def test_every_name_of_todays_all_imports(module: str) -> None:
    deprecated = DEPRECATED.get(module, set())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        imported = importlib.import_module(module)
        missing = [
            name for name in TODAY[module] if name not in deprecated and not hasattr(imported, name)
        ]
    assert missing == []
    for name in sorted(deprecated):
        with pytest.warns(DeprecationWarning, match=name):
            assert getattr(imported, name) is not None


@pytest.mark.parametrize("old", sorted(MOVED))
def test_a_moved_module_is_a_deprecated_alias_with_every_old_name(old: str) -> None:
    new, names = MOVED[old]
    with pytest.warns(DeprecationWarning, match=old.replace(".", r"\.")):
        alias = _fresh_import(old)
    missing = [name for name in names if not hasattr(alias, name)]
    assert missing == []
    # The alias hands out the same objects as the new home, not copies.
    current = importlib.import_module(new)
    for name in names:
        if (old, name) == ("cc_campaigns.session", "Session"):
            # The old path's Session keeps the 8x8 defaults it had (a subclass of the neutral one).
            assert issubclass(alias.Session, current.Session)  # type: ignore[attr-defined]
        elif hasattr(current, name):
            assert getattr(alias, name) is getattr(current, name), name


def test_the_moved_simulator_still_runs_as_a_module() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        main = importlib.import_module("cc_campaigns.simulator.__main__")
    dynamic = importlib.import_module("cc_campaigns.dynamic.simulator.__main__")
    assert main.main is dynamic.main
