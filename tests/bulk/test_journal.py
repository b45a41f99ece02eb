"""The checkpoint journal of the bulk engine: windows, counts, torn lines, headers, Intervals."""

from __future__ import annotations

import random
from pathlib import Path

import orjson
import pytest

from cc_campaigns.bulk.journal import FORMAT, Intervals, Journal
from cc_campaigns.errors import ValidationError


def finish(journal: Journal, start: int, end: int, **counts: int) -> None:
    journal.finished(
        start,
        end,
        counts=counts,
        reasons={},
        retries=0,
        requests=0,
        throttled=0,
        confirmed_on_retry=0,
        rejects_offset=None,
    )


def lines_of(path: Path) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


# -- Intervals ------------------------------------------------------------------------------


def test_intervals_merge_overlapping_and_touching_pairs() -> None:
    intervals = Intervals([(10, 20), (0, 5), (5, 8), (15, 30), (40, 41)])
    assert list(intervals) == [(0, 8), (10, 30), (40, 41)]
    assert len(intervals) == 3
    assert intervals.size() == 8 + 20 + 1


def test_intervals_empty() -> None:
    intervals = Intervals()
    assert len(intervals) == 0
    assert intervals.size() == 0
    assert not intervals.contains_increasing(0)


def test_contains_increasing_is_half_open() -> None:
    intervals = Intervals([(2, 4), (6, 7)])
    probes = {position: intervals.contains_increasing(position) for position in range(10)}
    assert [p for p, inside in probes.items() if inside] == [2, 3, 6]


def test_contains_increasing_matches_brute_force() -> None:
    rng = random.Random(7)
    for _ in range(50):
        pairs = []
        for _ in range(rng.randrange(0, 8)):
            start = rng.randrange(0, 200)
            pairs.append((start, start + rng.randrange(0, 30)))
        members = {p for a, b in pairs for p in range(a, b)}
        intervals = Intervals(pairs)
        # Increasing probes with gaps and repeats (the engine probes every position once, but
        # the cursor must not skip an interval when positions jump).
        probes = sorted(rng.sample(range(0, 260), 60) * 2)
        assert [intervals.contains_increasing(p) for p in probes] == [p in members for p in probes]
        assert intervals.size() == len(members)


# -- Journal --------------------------------------------------------------------------------


def test_a_new_journal_writes_its_header(tmp_path: Path) -> None:
    path = tmp_path / "ck.jsonl"
    journal = Journal(path, operation="add", target=125, provider="8x8")
    journal.close()
    assert lines_of(path) == [
        {
            "format": FORMAT,
            "operation": "add",
            "provider": "8x8",
            "target": "125",
            "target_kind": "campaign",
        }
    ]
    assert not journal.resuming


def test_pending_and_done_windows_and_counts(tmp_path: Path) -> None:
    path = tmp_path / "ck.jsonl"
    journal = Journal(path, operation="add", target=125)
    journal.started(0, 10)
    journal.started(10, 20)
    journal.started(20, 30)
    finish(journal, 10, 20, added=7, invalid=3)
    journal.finished(
        0,
        10,
        counts={"added": 9, "rejected": 1},
        reasons={"Not in CRM": 1},
        retries=2,
        requests=3,
        throttled=1,
        confirmed_on_retry=4,
        rejects_offset=123,
    )
    journal.close()

    again = Journal(path, operation="add", target=125)
    state = again.state
    again.close()
    assert again.resuming
    assert list(state.done_intervals) == [(0, 20)]
    # Started, never finished: possibly applied.
    assert list(state.pending_intervals) == [(20, 30)]
    assert state.counts == {"added": 16, "invalid": 3, "rejected": 1}
    assert state.reasons == {"Not in CRM": 1}
    assert (state.retries, state.requests, state.throttled) == (2, 3, 1)
    assert state.confirmed_on_retry == 4
    assert state.batches == 2
    assert state.rejects_offset == 123
    # Reopening did not write a second header.
    assert sum(1 for entry in lines_of(path) if "format" in entry) == 1


def test_a_torn_last_line_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "ck.jsonl"
    journal = Journal(path, operation="add", target=1)
    journal.started(0, 10)
    finish(journal, 0, 10, added=10)
    journal.started(10, 20)
    journal.close()
    with path.open("ab") as handle:
        handle.write(b'{"d":[10,20],"c":{"add')  # killed mid-write
    state = Journal(path, operation="add", target=1).state
    assert list(state.done_intervals) == [(0, 10)]
    assert list(state.pending_intervals) == [(10, 20)]
    assert state.counts == {"added": 10}


def test_an_entry_after_a_torn_line_survives(tmp_path: Path) -> None:
    """The next run's first entry must not be glued to the torn line (and lost with it)."""
    path = tmp_path / "ck.jsonl"
    journal = Journal(path, operation="add", target=1)
    finish(journal, 0, 10, added=10)
    journal.close()
    with path.open("ab") as handle:
        handle.write(b'{"s":[10,')
    second = Journal(path, operation="add", target=1)
    second.started(10, 20)
    second.close()
    state = Journal(path, operation="add", target=1).state
    assert list(state.pending_intervals) == [(10, 20)]
    assert list(state.done_intervals) == [(0, 10)]


@pytest.mark.parametrize(
    ("operation", "target"),
    [("add", 2), ("remove", 1)],
    ids=["other-campaign", "other-operation"],
)
def test_a_checkpoint_of_another_upload_is_refused(
    tmp_path: Path, operation: str, target: int
) -> None:
    path = tmp_path / "ck.jsonl"
    journal = Journal(path, operation="add", target=1)
    finish(journal, 0, 5, added=5)
    journal.close()
    before = path.read_bytes()
    with pytest.raises(ValidationError, match="another checkpoint file"):
        Journal(path, operation=operation, target=target)
    assert path.read_bytes() == before


def test_a_file_that_is_not_a_checkpoint_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.jsonl"
    path.write_bytes(b'{"format": "something/else"}\n')
    with pytest.raises(ValidationError, match="not a cc_campaigns checkpoint"):
        Journal(path, operation="add", target=1)


def test_garbage_lines_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "ck.jsonl"
    journal = Journal(path, operation="add", target=1)
    journal.close()
    with path.open("ab") as handle:
        handle.write(b"[1, 2]\n\nnot json\n")
        handle.write(b'{"d":[0,4],"c":{"added":4}}\n')
    state = Journal(path, operation="add", target=1).state
    assert list(state.done_intervals) == [(0, 4)]
    assert state.counts == {"added": 4}
