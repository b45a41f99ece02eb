"""Models and wire: every enum value read, unknown values kept, lenient reading, the layering."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

import cc_campaigns.campaigns_v1 as package
from cc_campaigns import CampaignsError
from cc_campaigns.campaigns_v1 import (
    CampaignState,
    DisplayStatus,
    RecordPriority,
    RecordResult,
    RecordState,
    RecordType,
)
from cc_campaigns.campaigns_v1.wire import campaign_from_wire, records_from_wire

from .examples import CAMPAIGN, CID

ENUMS: list[tuple[type, str, int]] = [
    (CampaignState, "state", 11),
    (DisplayStatus, "displayStatus", 13),
]
RECORD_ENUMS: list[tuple[type, str, int]] = [
    (RecordType, "type", 2),
    (RecordState, "state", 9),
    (RecordResult, "result", 7),
    (RecordPriority, "priority", 3),
]


@pytest.mark.parametrize(("enum", "key", "size"), ENUMS)
def test_every_campaign_enum_value(enum: Any, key: str, size: int) -> None:
    assert len(enum) == size
    for member in enum:
        got = campaign_from_wire({**CAMPAIGN, key: member.value.lower()})
        assert getattr(got, "state" if key == "state" else "display_status") is member


@pytest.mark.parametrize(("enum", "key", "size"), RECORD_ENUMS)
def test_every_record_enum_value(enum: Any, key: str, size: int) -> None:
    assert len(enum) == size
    for member in enum:
        (got,) = records_from_wire({"records": [{"id": "r1", key: member.value}]})
        assert getattr(got, key) is member


def test_unknown_values_are_kept_and_fields_read_leniently() -> None:
    got = campaign_from_wire(
        {
            "id": CID,
            "state": "ARCHIVED",
            "displayStatus": "ACTIVE",
            "recordCount": "12",
            "recordCounts": [{"type": "DYNAMIC", "state": "READY", "result": "COMPLETED"}, 3],
            "startTime": "not a time",
            "somethingNew": {"x": 1},
        }
    )
    assert got.state == "ARCHIVED" and got.display_status == "ACTIVE"
    assert got.record_count == 12 and got.start_time is None
    (count,) = got.record_counts
    assert (count.state, count.result, count.count) == ("READY", "COMPLETED", 0)
    (record,) = records_from_wire({"records": [{"id": "r", "rank": "2.5", "retryCount": "x"}]})
    assert record.rank == 2.5 and record.retry_count is None


@pytest.mark.parametrize("data", [[], {"state": "RUNNING"}, "x", None])
def test_a_campaign_needs_an_id(data: Any) -> None:
    with pytest.raises(CampaignsError):
        campaign_from_wire(data)


@pytest.mark.parametrize("data", [{}, {"records": "x"}, {"records": [{"crmRecordId": "a"}]}])
def test_records_need_a_list_of_ids(data: Any) -> None:
    with pytest.raises(CampaignsError):
        records_from_wire(data)


def test_the_provider_imports_no_sibling() -> None:
    root = Path(package.__file__).parent
    checked = 0
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                name = "." * node.level + (node.module or "")
            elif isinstance(node, ast.Import):
                name = ",".join(a.name for a in node.names)
            else:
                continue
            checked += 1
            for sibling in ("dynamic", "voipbin", "cli"):
                assert f"cc_campaigns.{sibling}" not in name, (path, name)
                assert not name.startswith(f"..{sibling}"), (path, name)
                assert not name.startswith(f"...{sibling}"), (path, name)
    assert checked


def test_public_names() -> None:
    assert package.__all__ == sorted(package.__all__, key=lambda n: (not n.isupper(), n))
    for name in package.__all__:
        assert getattr(package, name) is not None
