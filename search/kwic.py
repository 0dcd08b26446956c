"""A phrase's occurrences in rank order, with their contexts and sentences.

Everything here works on many occurrences at once: offsets come from the
suffix arrays (matching.Found) or, for the commonest strings, from reading
the first reports in rank order; contexts and sentences are read as short
windows of the folded text, gathered and decoded together per segment; the
reports holding a sentence are looked up for a whole batch of sentence keys
with one search per segment. Python touches each occurrence only to group it.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import analysis
from .highlight import find_all
from .matching import Found
from .store import Snapshot

CONTEXT = 30           # characters each side of a KWIC line
SENTENCE_REACH = 300   # characters each side read to find an occurrence's sentence


class Occurrences:
    """The occurrences of a folded string in the given reports, report by
    report in the order of `ranked`, offsets ascending within a report.
    `ranked` may be only the first reports of the order, with `rest` giving
    the whole order when more are read (ordering every report of a common
    phrase costs more than the page that is shown)."""

    def __init__(self, gen: Snapshot, needle: str, ranked: np.ndarray, found: Found,
                 rest: Callable[[], np.ndarray] | None = None):
        self.gen, self.needle, self.found = gen, needle, found
        self._rest = rest
        self._set_order(np.asarray(ranked, np.int64))
        self._read = 0   # reports read by searching their text (no offsets kept)
        self._cache: tuple[np.ndarray, np.ndarray] = (np.zeros(0, np.int64), np.zeros(0, np.int64))
        self._contexts: list[tuple[str, str]] = []  # of the first occurrences, as far as read

    def _set_order(self, ranked: np.ndarray) -> None:
        self.ranked = ranked
        if self.found.offsets is not None and len(ranked):
            at = np.searchsorted(self.found.docs, ranked)
            self._start = self.found.ptr[at]
            self._count = self.found.ptr[at + 1] - self._start
            self._cum = np.cumsum(self._count)
        else:
            self._start = self._count = self._cum = None

    def _read_all(self) -> None:
        """From now on, the whole order (its head is the order so far)."""
        if self._rest is not None:
            rest, self._rest = self._rest, None
            self._set_order(np.asarray(rest(), np.int64))

    def first(self, limit: int) -> tuple[np.ndarray, np.ndarray]:
        """(reports, offsets) of the first `limit` occurrences."""
        if self.found.offsets is not None:
            if self._rest is not None and (not len(self.ranked) or limit > int(self._cum[-1])):
                self._read_all()
            if self._start is None:
                return np.zeros(0, np.int64), np.zeros(0, np.int64)
            cum = self._cum
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
        if len(docs) < limit:
            more_docs, more_offsets, have = [docs], [offsets], len(docs)
            while have < limit:
                if self._read >= len(self.ranked):
                    if self._rest is None:
                        break
                    self._read_all()
                    continue
                d = int(self.ranked[self._read])
                self._read += 1
                found = find_all(self.gen.folded(d), self.needle)
                more_docs.append(np.full(len(found), d, np.int64))
                more_offsets.append(np.array(found, np.int64))
                have += len(found)
            docs, offsets = np.concatenate(more_docs), np.concatenate(more_offsets)
            self._cache = (docs, offsets)
        return docs[:limit], offsets[:limit]

    def contexts(self, limit: int) -> tuple[np.ndarray, np.ndarray, list[tuple[str, str]]]:
        """(reports, offsets, contexts) of the first `limit` occurrences. The
        contexts are kept: a sort by context reads them for its first 10 000
        occurrences, the collocations then for the first 2 000."""
        docs, offsets = self.first(limit)
        have = len(self._contexts)
        if have < len(docs):
            self._contexts += contexts(self.gen, docs[have:], offsets[have:], len(self.needle))
        return docs, offsets, self._contexts[:len(docs)]


def contexts(gen: Snapshot, docs: np.ndarray, offsets: np.ndarray, width: int) -> list[tuple[str, str]]:
    """(left, right): CONTEXT characters each side of each occurrence, never
    past a paragraph end (folded text). The paragraph ends are found in each
    segment's gathered code units at once; Python only slices."""
    out: list[tuple[str, str]] = [("", "")] * len(docs)
    offsets = np.asarray(offsets, np.int64)
    for rows, units, text, first, lengths, starts, _ in gen.spans(docs, offsets, CONTEXT, width + CONTEXT):
        at = first + offsets[rows] - starts  # the occurrence, in `text`
        after = at + width
        breaks = np.append(np.flatnonzero(units == 10), len(units))  # the "\n"s, then past the end
        k = np.searchsorted(breaks, at)  # how many breaks come before the occurrence
        left = np.maximum(first, np.where(k > 0, breaks[k - 1] + 1, 0))
        right = np.minimum(first + lengths, breaks[np.searchsorted(breaks, after)])
        for row, a, p, q, b in zip(rows.tolist(), left.tolist(), at.tolist(), after.tolist(), right.tolist(),
                                   strict=True):
            out[row] = (text[a:p], text[q:b])
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
    often (one search per segment for all the keys, gathered together)."""
    keys = np.unique(np.asarray(keys, np.uint64))
    keys = keys[keys != 0]
    which, docs, tfs = [], [], []
    for part in gen.parts:
        table = part.data.sentences
        a = np.searchsorted(table.keys, keys, side="left")
        n = np.searchsorted(table.keys, keys, side="right") - a
        hit = np.flatnonzero(n)
        if not len(hit):
            continue
        runs = n[hit]
        first = np.concatenate([[0], np.cumsum(runs)[:-1]])
        rows = np.repeat(a[hit] - first, runs) + np.arange(int(runs.sum()))
        local = np.asarray(table.docs)[rows].astype(np.int64)
        keep = ~part.deleted[local]
        which.append(np.repeat(hit, runs)[keep])
        docs.append(local[keep] + part.base)
        tfs.append(np.asarray(table.values[0])[rows][keep].astype(np.int64))
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64))
    out = {int(k): empty for k in keys.tolist()}
    if which:
        which_all = np.concatenate(which)
        order = np.argsort(which_all, kind="stable")   # segment by segment within a key
        which_all, docs_all, tf_all = which_all[order], np.concatenate(docs)[order], np.concatenate(tfs)[order]
        bounds = np.flatnonzero(np.diff(which_all)) + 1
        for w, d, t in zip(which_all[np.concatenate([[0], bounds])].tolist(), np.split(docs_all, bounds),
                           np.split(tf_all, bounds), strict=True):
            out[int(keys[w])] = (d, t)
    return out


def _windows(gen: Snapshot, docs: np.ndarray, offsets: np.ndarray, before: int,
             after: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Folded text from `before` characters before each offset to `after`
    after it, clipped to the report; with where each window starts in its
    report and each report's text length."""
    return gen.windows(np.asarray(docs, np.int64), np.asarray(offsets, np.int64), before, after)
