"""The neutral core (issue 9): the bulk engine names no provider, adapters declare what differs
(target kind, limits, fatal errors, columns), the report speaks a vocabulary that reads right
for adds, removes, phone numbers and outdials, and every old name still works for one minor
version, with a DeprecationWarning."""

from __future__ import annotations

import csv
import importlib
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cc_campaigns
from cc_campaigns import (
    AuthenticationError,
    CampaignStoppedError,
    NotFoundError,
    ServerError,
    TransitionRefusedError,
)
from cc_campaigns.bulk import (
    Bucket,
    BulkOptions,
    BulkReport,
    FileSource,
    ItemOutcome,
    Progress,
    iter_bulk,
    read_rows,
    run_bulk,
)
from cc_campaigns.bulk import engine as engine_module
from cc_campaigns.bulk import sources as sources_module
from cc_campaigns.bulk.adapter import ALWAYS_FATAL, is_fatal_default
from cc_campaigns.bulk.journal import Journal
from cc_campaigns.dynamic import adapters as dynamic_adapters
from cc_campaigns.voipbin import adapters as voipbin_adapters

from .test_engine import FakeAdapter, assert_balanced

BULK = Path(cc_campaigns.__file__).parent / "bulk"


def test_the_engine_matches_no_class_name_as_text() -> None:
    for path in BULK.glob("*.py"):
        text = path.read_text()
        assert "__name__ ==" not in text and ".__class__.__name__" not in text, path.name
        assert "aiohttp" not in text, path.name


# -- adapters declare what differs -------------------------------------------------------------


def test_the_providers_declare_their_members() -> None:
    add, remove = dynamic_adapters.AddCustomers, dynamic_adapters.RemoveCustomers
    targets = voipbin_adapters.AddTargets
    assert (add.provider, add.target_kind, add.max_records) == ("8x8", "campaign", 5_000_000)
    assert (remove.provider, remove.target_kind, remove.max_records) == add_members(add)
    assert (targets.provider, targets.target_kind, targets.max_records) == (
        "voipbin",
        "outdial",
        None,
    )
    assert add.id_field == targets.id_field == "customer_id"  # the rejects file as it was


def add_members(cls: Any) -> tuple[str, str, int | None]:
    return cls.provider, cls.target_kind, cls.max_records


class Limited(FakeAdapter):
    """A fake adapter whose service documents a limit of 10 items per upload."""

    provider = "tiny"
    max_records = 10


async def test_max_records_defaults_to_the_adapters_limit() -> None:
    adapter = Limited()
    report = await run_bulk(adapter, list(range(15)), BulkOptions(batch_size=4))
    assert_balanced(report, 15)
    assert (report.applied, report.not_sent, adapter.sent) == (10, 5, 10)
    assert report.abort_reason is not None
    assert "max_records=10 " in report.abort_reason
    assert "tiny's documented maximum per upload is 10" in report.abort_reason


async def test_the_option_overrides_the_adapters_limit() -> None:
    adapter = Limited()
    report = await run_bulk(adapter, list(range(15)), BulkOptions(max_records=12))
    assert (report.applied, report.not_sent) == (12, 3)
    assert "max_records=12 " in (report.abort_reason or "")


async def test_an_adapter_without_a_limit_sends_everything() -> None:
    adapter = FakeAdapter()  # max_records = None
    report = await run_bulk(adapter, list(range(3000)), BulkOptions())
    assert (report.applied, report.not_sent, report.aborted) == (3000, 0, False)
    without = await run_bulk(FakeAdapter(), list(range(30)), BulkOptions(max_records=7))
    assert (without.applied, without.not_sent) == (7, 23)
    assert "documented maximum" not in (without.abort_reason or "")


def test_max_records_is_validated() -> None:
    from cc_campaigns.errors import ValidationError

    with pytest.raises(ValidationError, match="max_records"):
        BulkOptions(max_records=0)
    assert BulkOptions().max_records is None


async def test_the_report_names_the_adapters_target_kind() -> None:
    class Outbound(FakeAdapter):
        target_kind = "dial list"
        target = "a1"

    report = await run_bulk(Outbound(), [1, 2], BulkOptions())
    assert report.summary().startswith("Upload to dial list a1: 2 submitted")


async def test_a_checkpoint_records_the_adapters_provider(tmp_path: Path) -> None:
    checkpoint = tmp_path / "ck"
    await run_bulk(Limited(), [1, 2, 3], BulkOptions(checkpoint=checkpoint))
    assert orjson.loads(checkpoint.read_bytes().splitlines()[0])["provider"] == "tiny"


def test_the_neutral_fatal_rule_knows_only_the_credentials() -> None:
    assert (AuthenticationError,) == ALWAYS_FATAL
    assert is_fatal_default(AuthenticationError("no", status=401))
    assert not is_fatal_default(CampaignStoppedError("stopped", status=400))
    assert not is_fatal_default(NotFoundError("Campaign not found.", status=404))
    assert not is_fatal_default(ServerError("boom", status=500))


@pytest.mark.parametrize(
    ("error", "eight", "voip"),
    [
        (AuthenticationError("no", status=401), True, True),
        (CampaignStoppedError("stopped", status=400), True, True),
        (TransitionRefusedError("STATE_INVALID", status=409), True, True),
        (NotFoundError("Campaign not found.", status=404), True, True),
        (NotFoundError("Customer not found.", status=404), False, True),
        (ServerError("boom", status=500), False, False),
    ],
)
def test_each_provider_declares_what_is_fatal(error: Any, eight: bool, voip: bool) -> None:
    assert dynamic_adapters.is_fatal_error(error) is eight
    assert isinstance(error, voipbin_adapters.FATAL_ERRORS) is voip


# -- the neutral reader --------------------------------------------------------------------------


def test_the_reader_takes_the_providers_columns(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("name,msisdn,when\nann,123,2030-01-01T00:00:00Z\n")
    (row,) = read_rows(path, id_columns=("msisdn",), schedule_columns=("when",))
    assert (row.value, row.schedule, row.line) == ("123", "2030-01-01T00:00:00Z", 2)
    source = read_rows(path, id_columns=("nothing",))
    assert isinstance(source, FileSource) and repr(source).startswith("FileSource(")
    assert [r.value for r in source] == ["ann"]  # no known column: the first one


def test_the_providers_readers_keep_their_columns(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text("destination,customer_id\n+15551230001,77\n")
    assert [r.value for r in cc_campaigns.read_customers(path)] == ["77"]
    assert [r.value for r in voipbin_adapters.read_targets(path)] == ["+15551230001"]


# -- the report's vocabulary, and the old names ---------------------------------------------------


def test_bucket_values_are_the_stored_format() -> None:
    """Checkpoints, rejects files and JSON reports hold the values: unchanged."""
    assert [b.value for b in Bucket] == [
        "added",
        "already_present",
        "duplicate_in_input",
        "invalid",
        "rejected",
        "unknown",
        "not_sent",
    ]
    assert Bucket("added") is Bucket.APPLIED
    assert "ADDED" not in Bucket.__members__


def test_bucket_added_is_a_deprecated_alias() -> None:
    with pytest.warns(DeprecationWarning, match=r"Bucket\.ADDED .*Bucket\.APPLIED"):
        assert Bucket.ADDED is Bucket.APPLIED
    with pytest.warns(DeprecationWarning, match="Bucket.APPLIED"):
        assert Bucket["ADDED"] is Bucket.APPLIED
    assert Bucket["APPLIED"] is Bucket.APPLIED
    with pytest.raises(AttributeError):
        Bucket.NOPE  # noqa: B018


def test_report_added_and_campaign_id_are_deprecated_aliases() -> None:
    report = BulkReport(operation="remove", target=42, submitted=3, applied=3)
    with pytest.warns(DeprecationWarning, match=r"BulkReport\.added .*BulkReport\.applied"):
        assert report.added == 3
    with pytest.warns(DeprecationWarning, match=r"BulkReport\.campaign_id .*BulkReport\.target"):
        assert report.campaign_id == 42
    assert report.count(Bucket.APPLIED) == 3 and report.balanced
    assert report.label(Bucket.APPLIED) == "removed"


def test_item_outcome_customer_id_is_a_deprecated_alias() -> None:
    outcome = ItemOutcome("+15551230001", Bucket.REJECTED, 400, "bad")
    assert outcome.item_id == "+15551230001"
    with pytest.warns(DeprecationWarning, match=r"ItemOutcome\.item_id"):
        assert outcome.customer_id == "+15551230001"


def test_progress_added_is_a_deprecated_alias() -> None:
    progress = Progress(
        done=5, total=9, applied=4, failed=1, rate=1.0, eta=4.0, in_flight=0,
        concurrency=1, retries=0, elapsed=5.0,
    )  # fmt: skip
    with pytest.warns(DeprecationWarning, match=r"Progress\.applied"):
        assert progress.added == 4


@pytest.mark.parametrize(
    ("module", "name", "expected"),
    [
        ("cc_campaigns.bulk", "MAX_RECORDS", 5_000_000),
        ("cc_campaigns.bulk.engine", "MAX_RECORDS", 5_000_000),
        ("cc_campaigns.bulk.engine", "FATAL_ERRORS", dynamic_adapters.FATAL_ERRORS),
        ("cc_campaigns.bulk", "read_customers", dynamic_adapters.read_customers),
        ("cc_campaigns.bulk.sources", "read_customers", dynamic_adapters.read_customers),
        ("cc_campaigns.bulk", "CustomerSource", dynamic_adapters.CustomerSource),
        ("cc_campaigns.bulk.sources", "CustomerSource", dynamic_adapters.CustomerSource),
        ("cc_campaigns.bulk.sources", "ID_COLUMNS", dynamic_adapters.ID_COLUMNS),
        (
            "cc_campaigns.bulk.sources",
            "DESTINATION_COLUMNS",
            voipbin_adapters.DESTINATION_COLUMNS,
        ),
    ],
)
def test_moved_module_names_are_deprecated_aliases(module: str, name: str, expected: Any) -> None:
    imported = importlib.import_module(module)
    with pytest.warns(DeprecationWarning, match=f"{module}.{name} is deprecated"):
        value = getattr(imported, name)
    assert value is expected or value == expected
    with pytest.warns(DeprecationWarning):
        exec(f"from {module} import {name}", {})  # the import statement warns too
    with pytest.raises(AttributeError):
        getattr(imported, "no_such_name")  # noqa: B009


def test_the_top_level_reader_is_not_deprecated() -> None:
    assert cc_campaigns.read_customers is dynamic_adapters.read_customers
    assert "read_customers" in cc_campaigns.__all__


def test_today_s_names_stay_in_the_exports() -> None:
    assert set(engine_module.__all__) >= {
        "DEFAULT_BATCH_SIZE", "DEFAULT_CONCURRENCY", "MAX_RECORDS", "Adapter", "BulkOptions",
        "Engine", "Verdict",
    }  # fmt: skip
    assert set(sources_module.__all__) >= {
        "CustomerSource", "SourceRow", "check_outputs", "read_customers",
    }  # fmt: skip
    bulk = importlib.import_module("cc_campaigns.bulk")
    assert set(bulk.__all__) >= {"MAX_RECORDS", "CustomerSource", "read_customers", "run_bulk"}


def test_the_report_dict_keeps_the_old_keys_beside_the_new_ones() -> None:
    report = BulkReport(operation="add", target="o-1", submitted=2, applied=1, rejected=1)
    data = report.to_dict()
    assert (data["applied"], data["target"]) == (1, "o-1")
    assert (data["added"], data["campaign_id"]) == (1, "o-1")  # for one minor version
    assert orjson.loads(report.to_json())["added"] == 1


async def test_samples_carry_the_item_id_and_the_old_key(tmp_path: Path) -> None:
    class Refusing(FakeAdapter):
        async def send(self, payloads: list[Any], body: bytes | None) -> Any:
            return [(400, "no")] * len(payloads)

    rejects = tmp_path / "r.csv"
    report = await run_bulk(Refusing(), [7, 8], BulkOptions(rejects=rejects))
    sample = report.samples["rejected"][0]
    assert sample["item_id"] == sample["customer_id"] == 7
    with rejects.open() as handle:
        rows = list(csv.DictReader(handle))
    assert [r["customer_id"] for r in rows] == ["7", "8"]  # the adapter's id column


async def test_the_rejects_id_column_is_the_adapters(tmp_path: Path) -> None:
    class Phones(FakeAdapter):
        id_field = "destination"

        async def send(self, payloads: list[Any], body: bytes | None) -> Any:
            return [(400, "no")] * len(payloads)

    for name in ("r.csv", "r.jsonl"):
        rejects = tmp_path / name
        await run_bulk(Phones(), [5], BulkOptions(rejects=rejects))
        text = rejects.read_text()
        assert "destination" in text and "customer_id" not in text


async def test_iter_bulk_yields_outcomes_with_item_ids() -> None:
    seen: list[ItemOutcome] = []
    async for batch in iter_bulk(FakeAdapter(), [1, 2, "x"], BulkOptions()):
        seen.extend(batch)
    assert sorted((str(o.item_id), o.bucket.value) for o in seen) == [
        ("1", "added"),
        ("2", "added"),
        ("x", "invalid"),
    ]


# -- checkpoints written before the renaming still resume ----------------------------------------


async def test_a_checkpoint_with_the_old_bucket_keys_resumes(tmp_path: Path) -> None:
    """A checkpoint of today's format (counts keyed "added", "invalid", ...) restores into the
    new names; the counts the journal writes are keyed by the same values."""
    checkpoint = tmp_path / "ck"
    stopped = await run_bulk(FakeAdapter(), [1, 2, "x", 4], BulkOptions(checkpoint=checkpoint))
    assert stopped.applied == 3
    lines = [orjson.loads(line) for line in checkpoint.read_bytes().splitlines()]
    counts = [line["c"] for line in lines if "c" in line]
    assert counts == [{"added": 3, "invalid": 1}]
    journal = Journal(checkpoint, operation="add", target=1, provider="fake")
    journal.close()
    assert journal.state.counts == {"added": 3, "invalid": 1}
    again = await run_bulk(FakeAdapter(), [1, 2, "x", 4], BulkOptions(checkpoint=checkpoint))
    assert again.already_complete and (again.applied, again.invalid) == (3, 1)


@given(outcomes=st.lists(st.sampled_from(list(Bucket)), max_size=40))
@settings(max_examples=60)
def test_counts_by_bucket_always_add_up(outcomes: list[Bucket]) -> None:
    """Property: whatever the buckets, counting through ``count`` / the field of each bucket
    balances, and the old ``added`` key equals ``applied``."""
    report = BulkReport(operation="add", target=1, submitted=len(outcomes))
    for bucket in outcomes:
        field = {Bucket.APPLIED: "applied"}.get(bucket, bucket.value)
        setattr(report, field, getattr(report, field) + 1)
    assert report.balanced
    assert sum(report.count(b) for b in Bucket) == len(outcomes)
    data = report.to_dict()
    assert data["added"] == data["applied"] == outcomes.count(Bucket.APPLIED)


@pytest.mark.parametrize(
    ("operation", "kind", "present"),
    [
        ("add", "campaign", "already in campaign"),
        ("remove", "campaign", "not in campaign"),
        ("add", "outdial", "already in outdial"),
    ],
)
def test_labels_speak_of_the_target_kind(operation: str, kind: str, present: str) -> None:
    report = BulkReport(operation=operation, target=1, target_kind=kind)
    assert report.label(Bucket.ALREADY_PRESENT) == present
    assert report.label(Bucket.NOT_SENT) == "not sent"
