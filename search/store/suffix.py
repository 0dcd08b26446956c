"""Suffix arrays over a segment's folded text: exact substring ranges.

A segment's folded texts are concatenated, each followed by "\\n" (a term
never holds one, so no match spans two reports), as big-endian code units
(2 bytes, or 4 when the segment holds characters beyond the BMP). In
big-endian bytes, comparing byte strings compares code units, so the
suffix array of the bytes, kept at code-unit boundaries, is the suffix
array of the characters: libdivsufsort (pydivsufsort) sorts bytes fast.

The suffixes starting with a string form one run of the array, found by
two binary searches; its length is the number of occurrences (overlapping
ones included) and its entries their positions. Positions fit 24 bits
(segments are capped at MAX_CHARS), so each entry takes 3 bytes.
"""
from __future__ import annotations

import numpy as np

MAX_CHARS = (1 << 24) - 1
BLOCK_SHIFT = 6  # doc lookup table: one entry per 64 characters


def build(codes: np.ndarray) -> np.ndarray:
    """(len(codes), 3) uint8: the packed suffix array of big-endian `codes`."""
    from pydivsufsort import divsufsort

    n = len(codes)
    if n > MAX_CHARS:
        raise ValueError(f"a segment holds at most {MAX_CHARS} characters, not {n}")
    if n == 0:
        return np.zeros((0, 3), np.uint8)
    unit = codes.dtype.itemsize
    data = np.array(codes.astype(f">u{unit}").view(np.uint8))  # big-endian, writable for divsufsort
    sa = divsufsort(data)
    del data
    sa = sa[sa % unit == 0]
    if unit > 1:
        sa //= unit
    return pack(sa)


def pack(positions: np.ndarray) -> np.ndarray:
    out = np.empty((len(positions), 3), np.uint8)
    p = positions.astype(np.uint32, copy=False)
    out[:, 0] = p >> 16
    out[:, 1] = (p >> 8) & 0xFF
    out[:, 2] = p & 0xFF
    return out


def unpack(rows: np.ndarray) -> np.ndarray:
    """Positions as int32 (they fit 24 bits; half the memory traffic of int64)."""
    r = rows.astype(np.int32)
    return (r[:, 0] << 16) | (r[:, 1] << 8) | r[:, 2]


class SuffixIndex:
    """Search one segment's text through its suffix array."""

    def __init__(self, codes: np.ndarray, sa: np.ndarray, doc_starts: np.ndarray):
        self.unit = codes.dtype.itemsize
        if codes.dtype.byteorder not in (">",) and self.unit > 1:
            codes = codes.astype(f">u{self.unit}")
        self.data = codes.view(np.uint8)            # the big-endian bytes
        self.sa = sa                                # (n, 3) uint8
        self.flat = sa.reshape(-1)
        # The binary search reads bytes through memoryviews: slicing a numpy
        # array for every probe took twice as long.
        self._bytes = memoryview(self.data).cast("B") if len(self.data) else memoryview(b"")
        self._entries = memoryview(np.ascontiguousarray(self.flat)).cast("B") if len(self.flat) else memoryview(b"")
        self.doc_starts = doc_starts                # (docs + 1,) int64
        self._blocks: np.ndarray | None = None   # docs_of: the doc at each 64-character block
        self._starts: np.ndarray | None = None   # docs_of: doc_starts as int32

    def encode(self, folded: str) -> bytes | None:
        """The term as this segment's code units (None: it cannot occur here)."""
        if self.unit == 2:
            if any(ord(c) > 0xFFFF for c in folded):
                return None
            return folded.encode("utf-16-be")
        return folded.encode("utf-32-be")

    def range(self, pattern: bytes) -> tuple[int, int]:
        """Rows [lo, hi) of the suffixes that start with `pattern`."""
        data, entries, width, u = self._bytes, self._entries, len(pattern), self.unit
        at = int.from_bytes
        lo, hi = 0, len(self.sa)
        end = hi  # narrowed on the way: the first row seen to sort after the run
        while lo < hi:  # first suffix >= pattern
            mid = (lo + hi) >> 1
            s = at(entries[3 * mid:3 * mid + 3], "big") * u
            prefix = data[s:s + width].tobytes()
            if prefix < pattern:
                lo = mid + 1
            else:
                hi = mid
                if prefix != pattern and mid < end:
                    end = mid
        first, hi = lo, end
        while lo < hi:  # first suffix that does not start with pattern
            mid = (lo + hi) >> 1
            s = at(entries[3 * mid:3 * mid + 3], "big") * u
            if data[s:s + width].tobytes() <= pattern:
                lo = mid + 1
            else:
                hi = mid
        return first, lo

    def positions(self, lo: int, hi: int) -> np.ndarray:
        return unpack(self.sa[lo:hi])

    def docs_of(self, positions: np.ndarray) -> np.ndarray:
        """Local doc number of each position (a table per 64 characters,
        then a step forward past the starts inside that block)."""
        if self._blocks is None:
            self._starts = np.asarray(self.doc_starts).astype(np.int32)  # positions fit 24 bits
            edges = np.arange(0, int(self._starts[-1]) + 1, 1 << BLOCK_SHIFT, dtype=np.int32)
            self._blocks = (np.searchsorted(self._starts, edges, side="right") - 1).astype(np.int32)
        starts = self._starts
        docs = self._blocks[positions >> BLOCK_SHIFT]
        last = len(starts) - 2
        behind = np.flatnonzero(positions >= starts[np.minimum(docs + 1, last + 1)])
        while len(behind):
            docs[behind] += 1
            still = positions[behind] >= starts[np.minimum(docs[behind] + 1, last + 1)]
            behind = behind[still & (docs[behind] < last)]
        return docs
