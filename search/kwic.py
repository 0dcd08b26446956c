"""A phrase's occurrences in rank order, with their contexts and sentences.

Everything here works on many occurrences at once: offsets come from the
suffix arrays (matching.Found) or, for the commonest strings, from reading
the first reports in rank order; contexts and sentences are read as short
windows of the folded text, gathered and decoded together per segment; the
reports holding a sentence are looked up for a whole batch of sentence keys
with one search per segment. Python touches each occurrence only to group it.
"""
from __future__ import annotations

import numpy as np

from . import analysis
from .highlight import find_all
from .matching import Found
from .store import Snapshot

CONTEXT = 30           # characters each side of a KWIC line
SENTENCE_REACH = 300   # characters each side read to find an occurrence's sentence


class Occurrences:
    """The occurrences of a folded string in the given reports, report by
    report in the order of `ranked`, offsets ascending within a report."""

    def __init__(self, gen: Snapshot, needle: str, ranked: list[int], found: Found):
        self.gen, self.needle, self.found = gen, needle, found
        self.ranked = np.asarray(ranked, np.int64)
        if found.offsets is not None and len(self.ranked):
            at = np.searchsorted(found.docs, self.ranked)
            self._start = found.ptr[at]
            self._count = found.ptr[at + 1] - self._start
        else:
            self._start = self._count = None
        self._read = 0   # reports read by searching their text (no offsets kept)
        self._cache: tuple[np.ndarray, np.ndarray] = (np.zeros(0, np.int64), np.zeros(0, np.int64))

    def first(self, limit: int) -> tuple[np.ndarray, np.ndarray]:
        """(reports, offsets) of the first `limit` occurrences."""
        if self._start is not None:
            cum = np.cumsum(self._count)
            limit = min(limit, int(cum[-1]) if len(cum) else 0)
            if limit <= 0:
                return np.zeros(0, np.int64), np.zeros(0, np.int64)
            n_docs = int(np.searchsorted(cum, limit, side="left")) + 1
            starts, counts = self._start[:n_docs], self._count[:n_docs].copy()
            counts[-1] -= int(cum[n_docs - 1]) - limit
            first = np.concatenate([[0], np.cumsum(counts)[:-1]])
            index = np.repeat(starts - first, counts) + np.arange(int(counts.sum()))
            return np.repeat(self.ranked[:n_docs], counts), self.found.offsets[index]
        docs, offsets = self._cache
        while len(docs) < limit and self._read < len(self.ranked):
            d = int(self.ranked[self._read])
            self._read += 1
            found = find_all(self.gen.folded(d), self.needle)
            docs = np.concatenate([docs, np.full(len(found), d, np.int64)])
            offsets = np.concatenate([offsets, np.array(found, np.int64)])
        self._cache = (docs, offsets)
        return docs[:limit], offsets[:limit]


def contexts(gen: Snapshot, docs: np.ndarray, offsets: np.ndarray, width: int) -> list[tuple[str, str]]:
    """(left, right): CONTEXT characters each side of each occurrence, never
    past a paragraph end (folded text)."""
    windows, lo, _ = _windows(gen, docs, offsets, CONTEXT, width + CONTEXT)
    out = []
    for window, p, a in zip(windows, offsets.tolist(), lo.tolist(), strict=True):
        at = p - a
        out.append((window[:at].rpartition("\n")[2], window[at + width:].partition("\n")[0]))
    return out


def sentences(gen: Snapshot, docs: np.ndarray, offsets: np.ndarray,
              width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(start, end, key) in its report of the sentence holding each occurrence
    (key 0: none, or too long to group), as the index keyed the sentences.
    Windows of SENTENCE_REACH characters are read; a sentence they cut is
    found in its whole text instead."""
    n = len(docs)
    starts, ends, keys = np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n, np.uint64)
    if not n:
        return starts, ends, keys
    windows, lo, text_len = _windows(gen, docs, offsets, SENTENCE_REACH, width + SENTENCE_REACH)
    joined = "\n".join(windows)
    base = np.concatenate([[0], np.cumsum([len(w) + 1 for w in windows])[:-1]]).astype(np.int64)
    s_starts, s_ends, s_keys = analysis.sentence_table(joined)
    q = base + offsets - lo
    i = np.searchsorted(s_starts, q, side="right") - 1
    ok = i >= 0
    i = np.maximum(i, 0)
    inside = ok & (q < s_ends[i]) if len(s_starts) else np.zeros(n, bool)
    hi = lo + np.array([len(w) for w in windows], np.int64)
    cut = inside & (((s_starts[i] == base) & (lo > 0)) | ((s_ends[i] == base + hi - lo) & (hi < text_len)))
    good = inside & ~cut
    starts[good] = lo[good] + s_starts[i[good]] - base[good]
    ends[good] = lo[good] + s_ends[i[good]] - base[good]
    keys[good] = s_keys[i[good]]
    starts[~inside] = ends[~inside] = offsets[~inside]
    for j in np.flatnonzero(cut).tolist():  # a long sentence: read the whole report
        table = analysis.sentence_table(gen.folded(int(docs[j])))
        k = int(np.searchsorted(table[0], offsets[j], side="right")) - 1
        starts[j], ends[j], keys[j] = table[0][k], table[1][k], table[2][k]
    return starts, ends, keys


def holders(gen: Snapshot, keys: np.ndarray) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """For each sentence key: the live reports holding that sentence and how
    often (one search per segment for all the keys)."""
    keys = np.unique(np.asarray(keys, np.uint64))
    keys = keys[keys != 0]
    parts: dict[int, list] = {int(k): [] for k in keys.tolist()}
    for part in gen.parts:
        table = part.data.sentences
        a = np.searchsorted(table.keys, keys, side="left")
        b = np.searchsorted(table.keys, keys, side="right")
        for k, x, y in zip(keys.tolist(), a.tolist(), b.tolist(), strict=True):
            if y > x:
                local = np.asarray(table.docs[x:y]).astype(np.int64)
                keep = ~part.deleted[local]
                parts[k].append((local[keep] + part.base, np.asarray(table.values[0][x:y])[keep]))
    out = {}
    for k, found in parts.items():
        if found:
            out[k] = (np.concatenate([f[0] for f in found]),
                      np.concatenate([f[1] for f in found]).astype(np.int64))
        else:
            out[k] = (np.zeros(0, np.int64), np.zeros(0, np.int64))
    return out


def _windows(gen: Snapshot, docs: np.ndarray, offsets: np.ndarray, before: int,
             after: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Folded text from `before` characters before each offset to `after`
    after it, clipped to the report; with where each window starts in its
    report and each report's text length."""
    return gen.windows(np.asarray(docs, np.int64), np.asarray(offsets, np.int64), before, after)
