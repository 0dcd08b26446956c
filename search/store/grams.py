"""Doc postings for the commonest one- and two-character strings of a segment.

A suffix array answers any string by its run of positions, at a cost that
grows with the number of occurrences: for 的 or ， (a few per cent of all
characters) that is millions of positions to map to reports. So the grams
that fill more than 1/FREQUENT_SHARE of a segment's positions also get
(report, count) postings, made once from the suffix array when the segment
is written; every other string is answered from the array itself.

Gram keys are those of analysis.term_gram_keys: a character c is c << 21,
a pair ab is (a << 21) | (b + 1). Counts are `str.count`'s: non-overlapping
(「XX」 occurs once in 「XXX」).
"""
from __future__ import annotations

import numpy as np

from ..analysis import GRAM_SHIFT
from .suffix import SuffixIndex

FREQUENT_SHARE = 512
MIN_FREQUENT = 4096
_NEWLINE = ord("\n")


def threshold(chars: int) -> int:
    return max(MIN_FREQUENT, chars // FREQUENT_SHARE)


def frequent_grams(codes: np.ndarray, index: SuffixIndex) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(keys uint64, docs uint16, counts uint32) rows ordered by key, then doc."""
    n = len(codes)
    keys_out, docs_out, tf_out = [], [], []
    if n == 0:
        return np.zeros(0, np.uint64), np.zeros(0, np.uint16), np.zeros(0, np.uint32)
    limit = threshold(n)
    positions = index.positions(0, n)
    chars = np.asarray(codes).astype(np.uint64)
    first = chars[positions]
    second = chars[np.minimum(positions + 1, n - 1)]
    for run_bounds, pair in ((_runs(first), False),
                             (_runs((first << np.uint64(32)) | second), True)):
        for lo, hi in run_bounds:
            if hi - lo < limit:
                continue
            a = int(first[lo])
            b = int(second[lo]) if pair else None
            if a == _NEWLINE or b == _NEWLINE:
                continue
            where = positions[lo:hi]
            docs = index.docs_of(where)
            if pair and a == b:
                counts = _non_overlapping(where, docs, len(index.doc_starts) - 1)
            else:
                counts = np.bincount(docs, minlength=len(index.doc_starts) - 1)
            holders = np.flatnonzero(counts)
            key = (a << GRAM_SHIFT) | (b + 1) if pair else a << GRAM_SHIFT
            keys_out.append(np.full(len(holders), key, np.uint64))
            docs_out.append(holders.astype(np.uint16))
            tf_out.append(counts[holders].astype(np.uint32))
    if not keys_out:
        return np.zeros(0, np.uint64), np.zeros(0, np.uint16), np.zeros(0, np.uint32)
    keys, docs, tf = np.concatenate(keys_out), np.concatenate(docs_out), np.concatenate(tf_out)
    order = np.lexsort((docs, keys))
    return keys[order], docs[order], tf[order]


def _runs(values: np.ndarray) -> list[tuple[int, int]]:
    """[lo, hi) of each run of equal values in a sorted array."""
    bounds = np.flatnonzero(values[1:] != values[:-1]) + 1
    edges = np.concatenate([[0], bounds, [len(values)]])
    lengths = np.diff(edges)
    big = np.flatnonzero(lengths >= MIN_FREQUENT)
    return [(int(edges[i]), int(edges[i + 1])) for i in big]


def _non_overlapping(positions: np.ndarray, docs: np.ndarray, n_docs: int) -> np.ndarray:
    """Per-doc count of a doubled character pair (aa) as str.count counts it:
    a run of k starts in a row (k + 1 equal characters) holds ceil(k / 2)."""
    order = np.argsort(positions, kind="stable")
    p, d = positions[order], docs[order]
    new_run = np.concatenate([[True], np.diff(p) != 1])
    run_id = np.cumsum(new_run) - 1
    run_len = np.bincount(run_id)
    run_doc = d[new_run]
    return np.bincount(run_doc, weights=(run_len + 1) // 2, minlength=n_docs).astype(np.int64)
