"""Many strings looked up at once in the segments' suffix arrays.

The draft check asks for hundreds of strings (every sentence of a draft and
chunks of each) in every segment. One string's lookup (`SuffixIndex.range`)
is two binary searches in Python; here the binary searches of all strings
run together in numpy, one step for all of them at a time, so a segment
costs about 2 × 24 vectorised steps whatever the number of strings. The
occurrences then come out of the suffix array as positions, with a cap per
string (an even sample of the run when a string is very common).
"""
from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

import numpy as np

from .store.segment import SegmentData

if TYPE_CHECKING:
    from .store import Snapshot

# What a character is at the edge of a sentence (folded text): part of the
# words, punctuation that may stand between a sentence and its boundary
# (quotes, brackets, colons, spaces), a clause mark (a comma: the sentence
# goes on), or a boundary (an end mark, a line end, the end of the text).
WORD, SKIP, CLAUSE, BOUND = 0, 1, 2, 3
BEYOND = -1  # code of a position outside the text


def _classes() -> np.ndarray:
    table = np.zeros(0x10000, np.uint8)
    for cp in range(0x10000):
        cat = unicodedata.category(chr(cp))
        if cat[0] in "PZS" or cat in ("Cc", "Cf"):
            table[cp] = SKIP
    for c in ",，、､":
        table[ord(c)] = CLAUSE
    for c in "。｡!?;\n":
        table[ord(c)] = BOUND
    return table


CLASSES = _classes()


def classes_of(codes: np.ndarray) -> np.ndarray:
    """The class of each code (BEYOND: a boundary; beyond the BMP: a word character)."""
    codes = np.asarray(codes, np.int64)
    out = np.full(codes.shape, WORD, np.uint8)
    bmp = (codes >= 0) & (codes < 0x10000)
    out[bmp] = CLASSES[codes[bmp]]
    out[codes == BEYOND] = BOUND
    return out


def to_codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32).astype(np.int64)


def pattern_matrix(strings: list[str], width: int) -> tuple[np.ndarray, np.ndarray]:
    """(len(strings), width) code points, each string cut to `width`, and the lengths used."""
    out = np.zeros((len(strings), max(1, width)), np.int64)
    lengths = np.zeros(len(strings), np.int64)
    for i, s in enumerate(strings):
        codes = to_codes(s[:width])
        out[i, :len(codes)] = codes
        lengths[i] = len(codes)
    return out, lengths


def _entries(flat: np.ndarray, rows: np.ndarray) -> np.ndarray:
    j = np.asarray(rows, np.int64) * 3
    return (flat[j].astype(np.int64) << 16) | (flat[j + 1].astype(np.int64) << 8) | flat[j + 2]


def text_at(data: SegmentData, positions: np.ndarray, width: int) -> np.ndarray:
    """(len(positions), width) codes of the segment's text from each position
    (BEYOND past its end or before its start)."""
    codes = data.codes
    total = len(codes)
    idx = np.asarray(positions, np.int64)[:, None] + np.arange(width)[None, :]
    inside = (idx >= 0) & (idx < total)
    out = np.asarray(codes[np.clip(idx, 0, max(total - 1, 0))]).astype(np.int64) if total else \
        np.zeros(idx.shape, np.int64)
    out[~inside] = BEYOND
    return out


SAMPLE = 256  # one suffix in this many is kept, by its first characters, to start the searches from


def sampled_keys(data: SegmentData) -> np.ndarray:
    """The first characters of every SAMPLE-th suffix of the array, each as
    one integer that sorts as they do (cheap: n / SAMPLE suffixes read)."""
    rows = np.arange(0, len(data.suffix.sa), SAMPLE)
    return _keys(text_at(data, _entries(data.suffix.flat, rows), _key_chars(data)), data)


def _key_chars(data: SegmentData) -> int:
    return 4 if data.suffix.unit == 2 else 3   # 4 × 16 or 3 × 21 bits


def _keys(codes: np.ndarray, data: SegmentData, fill: int = 0) -> np.ndarray:
    bits = 16 if data.suffix.unit == 2 else 21
    codes = np.where(codes < 0, fill, np.minimum(codes, (1 << bits) - 1)).astype(np.uint64)
    key = np.zeros(len(codes), np.uint64)
    for c in range(codes.shape[1]):
        key = (key << np.uint64(bits)) | codes[:, c]
    return key


FIRST_COLUMNS = 8


def _compare(window: np.ndarray, wanted: np.ndarray, counted: np.ndarray) -> np.ndarray:
    differs = (window != wanted) & counted
    first = differs.argmax(axis=1)
    every = np.arange(len(window))
    below = window[every, first] < wanted[every, first]
    return np.where(differs[every, first], np.where(below, -1, 1), 0)


def segment_ranges(snap: Snapshot, patterns: np.ndarray, lengths: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """ranges() in every segment of a snapshot, starting from its sampled
    keys (read once per snapshot and kept with it)."""
    out = []
    for part in snap.parts:
        key = ("draft_sampled_keys", part.whoosh.segment_id())
        sampled = snap.derived.get(key)
        if sampled is None:
            sampled = snap.derived[key] = sampled_keys(part.data)
        out.append(ranges(part.data, patterns, lengths, sampled))
    return out


def ranges(data: SegmentData, patterns: np.ndarray, lengths: np.ndarray,
           sampled: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """For each pattern (a row of code points, its first `lengths` count): the
    rows [lo, hi) of the segment's suffix array whose suffixes start with it.
    With `sampled` (sampled_keys), each search starts between the two sampled
    suffixes around the pattern's first characters."""
    n, count = len(data.suffix.sa), len(patterns)
    if n == 0 or count == 0:
        z = np.zeros(count, np.int64)
        return z, z.copy()
    flat = data.suffix.flat
    width = patterns.shape[1]
    counted = np.arange(width)[None, :] < lengths[:, None]
    start_lo, start_hi = np.zeros(count, np.int64), np.full(count, n, np.int64)
    if sampled is not None:
        k = _key_chars(data)
        head = np.where(counted[:, :k], patterns[:, :k], -1)
        top = (1 << (16 if data.suffix.unit == 2 else 21)) - 1
        start_lo = np.maximum(np.searchsorted(sampled, _keys(head, data), "left") - 1, 0) * SAMPLE
        start_hi = np.minimum(np.searchsorted(sampled, _keys(head, data, fill=top), "right") * SAMPLE, n)

    def compare(which: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """-1, 0, 1: the suffix at each row is below, starts with, is above its
        pattern. The first FIRST_COLUMNS characters decide most comparisons;
        only the rows they leave undecided read the rest."""
        positions = _entries(flat, rows)
        sign = _compare(text_at(data, positions, min(width, FIRST_COLUMNS)),
                        patterns[which, :FIRST_COLUMNS], counted[which, :FIRST_COLUMNS])
        if width > FIRST_COLUMNS:
            tie = np.flatnonzero(sign == 0)
            if len(tie):
                sign[tie] = _compare(text_at(data, positions[tie] + FIRST_COLUMNS, width - FIRST_COLUMNS),
                                     patterns[which[tie], FIRST_COLUMNS:], counted[which[tie], FIRST_COLUMNS:])
        return sign

    def search(upper: bool, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        lo, hi = lo.copy(), hi.copy()
        active = np.flatnonzero(lo < hi)
        while len(active):
            a, b = lo[active], hi[active]
            mid = (a + b) >> 1
            sign = compare(active, mid)
            right = (sign <= 0) if upper else (sign < 0)
            lo[active] = np.where(right, mid + 1, a)
            hi[active] = np.where(right, b, mid)
            active = active[lo[active] < hi[active]]
        return lo

    first = search(False, start_lo, start_hi)
    return first, search(True, first, start_hi)


def sample_rows(lo: np.ndarray, hi: np.ndarray, step: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(pattern, suffix-array row) of every `step`-th row of each run [lo, hi)."""
    take = np.where(hi > lo, (hi - lo + step - 1) // step, 0)
    which = np.repeat(np.arange(len(lo)), take)
    first = np.concatenate([[0], np.cumsum(take)[:-1]]) if len(take) else np.zeros(0, np.int64)
    k = np.arange(int(take.sum())) - np.repeat(first, take)
    return which, np.repeat(lo, take) + k * np.repeat(step, take)


def positions_of(data: SegmentData, rows: np.ndarray) -> np.ndarray:
    return _entries(data.suffix.flat, rows) if len(rows) else np.zeros(0, np.int64)


def at_boundaries(data: SegmentData, positions: np.ndarray, lengths: np.ndarray, reach: int = 4) -> np.ndarray:
    """Whether each occurrence [p, p + length) is a whole sentence: on each
    side, past any quotes, brackets, colons or spaces, the text ends or a
    sentence does (an end mark, a line end) — not a comma, not a word."""
    if not len(positions):
        return np.zeros(0, bool)
    ok = np.ones(len(positions), bool)
    for side in (-1, 1):
        start = positions - reach if side < 0 else positions + lengths
        window = classes_of(text_at(data, start, reach))
        if side < 0:
            window = window[:, ::-1]  # nearest character first
        stop = window != SKIP
        first = stop.argmax(axis=1)
        nearest = window[np.arange(len(window)), first]
        ok &= ~stop.any(axis=1) | (nearest == BOUND)
    return ok
