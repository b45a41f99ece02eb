from __future__ import annotations

import random

import pytest

from cc_campaigns._idset import IdSet


def test_empty() -> None:
    ids = IdSet()
    assert len(ids) == 0
    assert not ids
    assert list(ids) == []
    assert 0 not in ids
    assert ids.discard(5) is False


def test_add_reports_novelty_and_len() -> None:
    ids = IdSet()
    assert ids.add(7) is True
    assert ids.add(7) is False
    assert ids.add(3) is True
    assert len(ids) == 2
    assert list(ids) == [3, 7]


@pytest.mark.parametrize(
    "value", [0, 1, 7, 8, 65535, 65536, 65537, 2**32 - 1, 2**32, 2**63, 10**22, 10**40 + 3]
)
def test_boundaries(value: int) -> None:
    ids = IdSet()
    assert ids.add(value)
    assert value in ids
    assert value - 1 not in ids
    assert value + 1 not in ids
    assert list(ids) == [value]
    assert ids.discard(value)
    assert value not in ids
    assert len(ids) == 0
    assert list(ids) == []


def test_negative_and_wrong_types() -> None:
    ids = IdSet()
    with pytest.raises(ValueError):
        ids.add(-1)
    with pytest.raises(ValueError):
        ids.add_range(-5, 3)
    with pytest.raises(TypeError):
        ids.add("5")  # type: ignore[arg-type]
    assert -1 not in ids
    assert "5" not in ids
    assert 5.0 not in ids
    assert ids.discard(-1) is False
    assert len(ids) == 0


@pytest.mark.parametrize(
    ("seed", "span", "n"),
    [
        (1, 200, 500),  # tiny range: one page, collisions galore
        (2, 70_000, 20_000),  # spans two pages, both become bitmaps
        (3, 2**20, 30_000),  # 16 pages, sparse arrays
        (4, 10**22, 5_000),  # one id per page
    ],
)
def test_random_against_builtin_set(seed: int, span: int, n: int) -> None:
    rng = random.Random(seed)
    ids = IdSet()
    ref: set[int] = set()
    for _ in range(n):
        x = rng.randrange(span)
        op = rng.random()
        if op < 0.75:
            assert ids.add(x) is (x not in ref)
            ref.add(x)
        else:
            assert ids.discard(x) is (x in ref)
            ref.discard(x)
        if rng.random() < 0.01:
            assert len(ids) == len(ref)
    assert len(ids) == len(ref)
    assert list(ids) == sorted(ref)
    for _ in range(2000):
        x = rng.randrange(span)
        assert (x in ids) is (x in ref)


def test_sparse_page_converts_to_bitmap_and_back_to_nothing() -> None:
    ids = IdSet()
    values = list(range(0, 65536, 3))  # 21846 values in one page
    random.Random(5).shuffle(values)
    for v in values:
        assert ids.add(v)
    assert len(ids) == len(values)
    assert list(ids) == sorted(values)
    for v in values:
        assert ids.discard(v)
    assert len(ids) == 0
    assert list(ids) == []
    assert ids.memory_usage() < 1000  # the emptied page was freed


@pytest.mark.parametrize(
    ("start", "stop"),
    [(0, 0), (5, 3), (0, 1), (3, 11), (8, 16), (7, 9), (0, 65536), (65535, 65537), (100, 200_000)],
)
def test_add_range_matches_loop(start: int, stop: int) -> None:
    ids = IdSet([1, 9, 70_000, 150_000])
    ref = {1, 9, 70_000, 150_000}
    added = ids.add_range(start, stop)
    assert added == len(set(range(start, stop)) - ref)
    ref.update(range(start, stop))
    assert len(ids) == len(ref)
    assert list(ids) == sorted(ref)
    assert all(x in ids for x in (start, stop - 1) if start < stop)
    assert stop not in ids or stop in ref


def test_add_range_over_existing_pages() -> None:
    rng = random.Random(11)
    ids = IdSet()
    ref: set[int] = set()
    for _ in range(60):
        start = rng.randrange(300_000)
        stop = start + rng.choice([1, 5, 100, 5000, 70_000])
        ids.add_range(start, stop)
        ref.update(range(start, stop))
        x = rng.randrange(300_000)
        ids.add(x)
        ref.add(x)
        assert len(ids) == len(ref)
    assert list(ids) == sorted(ref)


def test_add_range_huge_ids() -> None:
    base = 10**22
    ids = IdSet()
    assert ids.add_range(base - 5, base + 5) == 10
    assert list(ids) == list(range(base - 5, base + 5))


def test_update_from_iterables() -> None:
    ids = IdSet()
    ids.update(range(10, 20))
    ids.update(range(0, 100, 25))
    ids.update([5, 5, 10**22])
    ids.update(x for x in (1, 2))
    ids.update(IdSet([3]))
    ids.update(ids)
    expected = sorted({*range(10, 20), 0, 25, 50, 75, 5, 10**22, 1, 2, 3})
    assert list(ids) == expected
    assert len(ids) == len(expected)


def test_iteration_is_ascending_across_pages() -> None:
    values = [2**40, 3, 65536 * 5 + 1, 65535, 10**22, 65536]
    ids = IdSet(values)
    ids.add_range(1_000_000, 1_070_000)  # a bitmap page among arrays
    assert list(ids) == sorted({*values, *range(1_000_000, 1_070_000)})


def test_clear_and_repr() -> None:
    ids = IdSet(range(100))
    assert "len=100" in repr(ids)
    ids.clear()
    assert len(ids) == 0
    assert list(ids) == []


def test_five_million_consecutive_ids_take_under_5_mb() -> None:
    ids = IdSet()
    ids.add_range(1, 5_000_001)
    assert len(ids) == 5_000_000
    assert ids.memory_usage() < 5_000_000

    # One by one (the simulator's and the dedupe's path) the pages end up the same.
    one_by_one = IdSet()
    add = one_by_one.add
    for x in range(1, 1_000_001):
        add(x)
    assert len(one_by_one) == 1_000_000
    assert one_by_one.memory_usage() < 1_000_000
    assert 1_000_000 in one_by_one
    assert 1_000_001 not in one_by_one
