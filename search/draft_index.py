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

import numpy as np

from .store.segment import SegmentData

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


def ranges(data: SegmentData, patterns: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each pattern (a row of code points, its first `lengths` count): the
    rows [lo, hi) of the segment's suffix array whose suffixes start with it."""
    n, count = len(data.suffix.sa), len(patterns)
    if n == 0 or count == 0:
        z = np.zeros(count, np.int64)
        return z, z.copy()
    flat = data.suffix.flat
    width = patterns.shape[1]
    counted = np.arange(width)[None, :] < lengths[:, None]
    every = np.arange(count)

    def compare(rows: np.ndarray) -> np.ndarray:
        """-1, 0, 1: the suffix at each row is below, starts with, is above its pattern."""
        window = text_at(data, _entries(flat, rows), width)
        differs = (window != patterns) & counted
        first = differs.argmax(axis=1)
        below = window[every, first] < patterns[every, first]
        return np.where(differs[every, first], np.where(below, -1, 1), 0)

    def search(upper: bool, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        while True:
            active = lo < hi
            if not active.any():
                return lo
            mid = np.minimum((lo + hi) >> 1, n - 1)
            sign = compare(mid)
            right = active & ((sign <= 0) if upper else (sign < 0))
            lo = np.where(right, mid + 1, lo)
            hi = np.where(active & ~right, mid, hi)

    first = search(False, np.zeros(count, np.int64), np.full(count, n, np.int64))
    return first, search(True, first.copy(), np.full(count, n, np.int64))


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
