"""A compact set of non-negative integers (item ids), in pure Python.

Used where millions of ids must be remembered cheaply: campaign membership in the simulator and
the bulk engine's client-side dedupe.
"""

from __future__ import annotations

import sys
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator

__all__ = ["IdSet"]

_PAGE_SHIFT = 16
_PAGE_SIZE = 1 << _PAGE_SHIFT  # ids per page
_LOW_MASK = _PAGE_SIZE - 1
_BITMAP_BYTES = _PAGE_SIZE // 8  # 8 KiB per dense page
_BYTE_MASK = _BITMAP_BYTES - 1
#: A sparse page (sorted ``array('H')``, 2 bytes an id) turns into a bitmap above this size,
#: where the bitmap (8 KiB) becomes the smaller of the two.
_ARRAY_MAX = 4096
_EMPTY_PAGE = bytes(_BITMAP_BYTES)
_FULL_PAGE = b"\xff" * _BITMAP_BYTES
#: For each byte value, the positions of its set bits.
_BITS: tuple[tuple[int, ...], ...] = tuple(
    tuple(bit for bit in range(8) if value >> bit & 1) for value in range(256)
)


def _popcount(page: bytearray) -> int:
    return int.from_bytes(page, "little").bit_count()


def _set_bits(page: bytearray, lo: int, hi: int) -> None:
    """Set the bits ``lo`` (inclusive) to ``hi`` (exclusive) of a bitmap page, byte by byte."""
    first, last = lo >> 3, hi >> 3
    if first == last:
        page[first] |= ((1 << (hi - lo)) - 1) << (lo & 7)
        return
    if lo & 7:
        page[first] |= (0xFF << (lo & 7)) & 0xFF
        first += 1
    if last > first:
        page[first:last] = _FULL_PAGE[: last - first]
    if hi & 7:
        page[last] |= (1 << (hi & 7)) - 1


def _to_bitmap(values: array[int]) -> bytearray:
    page = bytearray(_BITMAP_BYTES)
    for value in values:
        page[value >> 3] |= 1 << (value & 7)
    return page


class IdSet:
    """A set of non-negative ``int`` of any size, stored like a roaring bitmap.

    Ids are grouped in pages of 65,536 consecutive values (``id >> 16``). A page holding at most
    4,096 ids is a sorted ``array('H')`` (2 bytes an id); a fuller page is an 8 KiB bitmap
    (1 bit per possible id).

    Memory: dense ids (long runs, e.g. CRM account numbers ``1..5_000_000``) cost about one bit
    each: 5 million consecutive ids take about 0.7 MB. Sparse ids cost more: a page holding a
    single id costs about 200 bytes (a small array plus its dict entry), so millions of ids
    scattered at random over a huge range can cost as much as a built-in ``set``. Pages are
    freed when they become empty; a bitmap page stays a bitmap until then.

    ``add`` and ``in`` are a dict lookup plus a few integer operations on the dense path (a few
    hundred nanoseconds). ``len()`` is O(1); iteration is in ascending order.

    Negative ids raise ``ValueError``; non-``int`` values raise ``TypeError`` on ``add``
    and are simply not members for ``in``.
    """

    __slots__ = ("_arrays", "_bitmaps", "_len")

    def __init__(self, ids: Iterable[int] = ()) -> None:
        self._bitmaps: dict[int, bytearray] = {}
        self._arrays: dict[int, array[int]] = {}
        self._len = 0
        self.update(ids)

    def add(self, x: int) -> bool:
        """Add ``x``; return True if it was not already present."""
        page = self._bitmaps.get(x >> _PAGE_SHIFT)
        if page is not None:
            i = (x >> 3) & _BYTE_MASK
            byte = page[i]
            mask = 1 << (x & 7)
            if byte & mask:
                return False
            page[i] = byte | mask
            self._len += 1
            return True
        return self._add_sparse(x)

    def _add_sparse(self, x: int) -> bool:
        if x < 0:
            raise ValueError(f"IdSet holds non-negative integers only, got {x}")
        key = x >> _PAGE_SHIFT
        low = x & _LOW_MASK
        values = self._arrays.get(key)
        if values is None:
            self._arrays[key] = array("H", (low,))
            self._len += 1
            return True
        i = bisect_left(values, low)
        if i < len(values) and values[i] == low:
            return False
        if len(values) >= _ARRAY_MAX:
            page = _to_bitmap(values)
            page[low >> 3] |= 1 << (low & 7)
            del self._arrays[key]
            self._bitmaps[key] = page
        else:
            values.insert(i, low)
        self._len += 1
        return True

    def discard(self, x: int) -> bool:
        """Remove ``x`` if present; return True if it was removed."""
        key = x >> _PAGE_SHIFT
        page = self._bitmaps.get(key)
        if page is not None:
            i = (x >> 3) & _BYTE_MASK
            byte = page[i]
            mask = 1 << (x & 7)
            if not byte & mask:
                return False
            page[i] = byte ^ mask
            self._len -= 1
            if byte == mask and page == _EMPTY_PAGE:
                del self._bitmaps[key]
            return True
        values = self._arrays.get(key)
        if values is None:
            return False
        low = x & _LOW_MASK
        i = bisect_left(values, low)
        if i < len(values) and values[i] == low:
            del values[i]
            self._len -= 1
            if not values:
                del self._arrays[key]
            return True
        return False

    def __contains__(self, x: object) -> bool:
        if not isinstance(x, int):
            return False
        key = x >> _PAGE_SHIFT
        page = self._bitmaps.get(key)
        if page is not None:
            return bool(page[(x >> 3) & _BYTE_MASK] & (1 << (x & 7)))
        values = self._arrays.get(key)
        if values is None:
            return False
        low = x & _LOW_MASK
        i = bisect_left(values, low)
        return i < len(values) and values[i] == low

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator[int]:
        """The ids in ascending order."""
        bitmaps, arrays = self._bitmaps, self._arrays
        for key in sorted(bitmaps.keys() | arrays.keys()):
            base = key << _PAGE_SHIFT
            values = arrays.get(key)
            if values is not None:
                yield from [base + v for v in values]
                continue
            page = bitmaps.get(key)
            if page is None:  # the set was changed while iterating
                continue
            if page == _FULL_PAGE:
                yield from range(base, base + _PAGE_SIZE)
                continue
            yield from [
                start + bit
                for i, byte in enumerate(page)
                if byte
                for start in (base + (i << 3),)
                for bit in _BITS[byte]
            ]

    def __repr__(self) -> str:
        return f"<IdSet len={self._len} pages={len(self._bitmaps) + len(self._arrays)}>"

    def update(self, ids: Iterable[int]) -> None:
        """Add every id of ``ids``; a ``range`` with step 1 is added with :meth:`add_range`."""
        if isinstance(ids, range) and ids.step == 1:
            self.add_range(ids.start, ids.stop)
            return
        if ids is self:
            return
        add = self.add
        for x in ids:
            add(x)

    def add_many(self, ids: list[int]) -> list[int]:
        """Add every id of ``ids``; return the positions (in ``ids``) of those already present,
        including repeats within ``ids``. The bulk engine's dedupe of a whole chunk: one call,
        with the current page kept in locals, instead of a method call per id."""
        repeats: list[int] = []
        bitmaps = self._bitmaps
        current = -1
        page: bytearray | None = None
        added = 0
        for position, x in enumerate(ids):
            key = x >> _PAGE_SHIFT
            if key != current:
                page = bitmaps.get(key)
                current = key
            if page is not None:
                i = (x >> 3) & _BYTE_MASK
                byte = page[i]
                mask = 1 << (x & 7)
                if byte & mask:
                    repeats.append(position)
                else:
                    page[i] = byte | mask
                    added += 1
            else:
                if not self._add_sparse(x):
                    repeats.append(position)
                current = -1  # the page may have turned into a bitmap
        self._len += added
        return repeats

    def add_range(self, start: int, stop: int) -> int:
        """Add ``start <= id < stop``, filling whole bytes at a time; return how many were new."""
        if start < 0:
            raise ValueError(f"IdSet holds non-negative integers only, got {start}")
        if stop <= start:
            return 0
        added = 0
        for key in range(start >> _PAGE_SHIFT, ((stop - 1) >> _PAGE_SHIFT) + 1):
            base = key << _PAGE_SHIFT
            lo = max(start, base) - base
            hi = min(stop, base + _PAGE_SIZE) - base
            added += self._fill_page(key, lo, hi)
        self._len += added
        return added

    def _fill_page(self, key: int, lo: int, hi: int) -> int:
        page = self._bitmaps.get(key)
        if page is None:
            values = self._arrays.get(key)
            before = 0 if values is None else len(values)
            if before + (hi - lo) <= _ARRAY_MAX:
                merged = (
                    range(lo, hi) if values is None else sorted(set(values).union(range(lo, hi)))
                )
                self._arrays[key] = array("H", merged)
                return len(merged) - before
            page = bytearray(_BITMAP_BYTES) if values is None else _to_bitmap(values)
            self._arrays.pop(key, None)
            self._bitmaps[key] = page
        else:
            before = _popcount(page)
        _set_bits(page, lo, hi)
        return _popcount(page) - before

    def clear(self) -> None:
        """Remove every id."""
        self._bitmaps.clear()
        self._arrays.clear()
        self._len = 0

    def memory_usage(self) -> int:
        """Approximate bytes held: ``sys.getsizeof`` of the page dicts, their keys and pages."""
        total = sys.getsizeof(self._bitmaps) + sys.getsizeof(self._arrays)
        for pages in (self._bitmaps, self._arrays):
            for key, page in pages.items():
                total += sys.getsizeof(key) + sys.getsizeof(page)
        return total
