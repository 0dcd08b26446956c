"""Duplicate reports: the same cleaned text saved under several names
(copies), and the same report re-posted with other ads, a changed title or a
few edited sentences (near-duplicates).

Copies are found by a hash of the cleaned text. Near-duplicates by a sketch
of each body's 5-character shingles, punctuation and spaces left out:
one-permutation MinHash, i.e. one 64-bit hash per shingle and the smallest in
each of 256 bins (its top 16 bits kept: two different shingles agree on them
once in 65 536 bins, far below the estimate's own error). The share of bins two sketches agree on estimates the
Jaccard overlap of their shingle sets (standard error about 0.02 near 0.9).
Sketches that agree on a whole band of 8 bins make a candidate pair (LSH); a
pair is near-duplicate when the estimate is at least SIMILAR; groups are the
pairs' connected components.

SIMILAR was set on bench/dedup.py's generated near-duplicates (1–4 sentences
rewritten, the title's year changed) against templated reports that differ
only in place names, years and figures (true overlap about 0.81): a report
wrongly hidden under another is worse than a near-duplicate shown twice.
"""
from __future__ import annotations

import hashlib
import re

import numpy as np

from .analysis import mix64 as _mix
from .analysis import text_codes

SHINGLE = 5
BINS = 256
BAND = 8
SIMILAR = 0.88
MIN_SHINGLES = 200      # shorter bodies are too small to call near-duplicates
EMPTY = np.uint16(0xFFFF)
QUICK_BITS = 20        # an update's first look for bands like a new report's (see _band_members)

_NOT_WORD = re.compile(r"[\W_]+")
_M = np.uint64(0xFFFFFFFFFFFFFFFF)


def text_hash(text: str) -> str:
    """Identifies a cleaned text: equal hashes are copies of one report."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def sketch(folded_body: str) -> np.ndarray:
    """(BINS,) uint16; all EMPTY for a body under MIN_SHINGLES shingles."""
    codes = text_codes(_NOT_WORD.sub("", folded_body)).astype(np.uint64)
    count = len(codes) - SHINGLE + 1
    if count < MIN_SHINGLES:
        return np.full(BINS, EMPTY, dtype=np.uint16)
    out = np.full(BINS, 0xFFFFFFFF, dtype=np.uint32)
    h = np.zeros(count, dtype=np.uint64)
    for j in range(SHINGLE):  # polynomial hash of each window, wrapping at 2**64
        h = h * np.uint64(0x100000001B3) + codes[j:j + count]
    h = _mix(h)
    np.minimum.at(out, (h & np.uint64(BINS - 1)).astype(np.intp), (h >> np.uint64(32)).astype(np.uint32))
    return (out >> 16).astype(np.uint16)



def similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Estimated overlap of rows of `a` with rows of `b` ((k, BINS) each, or
    one row against k), over the bins that either fills."""
    a, b = np.atleast_2d(a), np.atleast_2d(b)
    filled = (a != EMPTY) | (b != EMPTY)
    same = ((a == b) & filled).sum(axis=1)
    return np.where(filled.any(axis=1), same / np.maximum(filled.sum(axis=1), 1), 0.0)


def similar_pairs(sketches: np.ndarray, eligible: np.ndarray,
                  new: np.ndarray | None = None) -> np.ndarray:
    """Pairs (a, b), a < b, of `eligible` reports (indexed, with a sketch)
    whose estimated overlap is at least SIMILAR; with `new`, only the pairs
    that involve a new report (an index update compares what it adds with
    everything, never the old reports among themselves again)."""
    pairs = _candidate_pairs(sketches, eligible, new)
    if new is not None and len(pairs):
        pairs = pairs[new[pairs[:, 0]] | new[pairs[:, 1]]]
    if not len(pairs):
        return pairs
    return pairs[similarity(sketches[pairs[:, 0]], sketches[pairs[:, 1]]) >= SIMILAR]


def components(n: int, pairs: np.ndarray) -> np.ndarray:
    """Group of each of n reports given its similar pairs: the smallest
    position in its connected component (itself when alone)."""
    parent = np.arange(n)
    for a, b in pairs.tolist():
        ra, rb = _root(parent, a), _root(parent, b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    while True:  # every entry to its root (roots are their group's smallest member)
        up = parent[parent]
        if (up == parent).all():
            return parent.astype(np.int32)
        parent = up


def groups(sketches: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """Group of each report: the smallest position in its group (itself when
    alone). Only `eligible` reports (indexed ones with a sketch) are grouped."""
    return components(len(sketches), similar_pairs(sketches, eligible))


def _root(parent: np.ndarray, i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return int(i)


def _band_keys(sketches: np.ndarray) -> np.ndarray:
    """One uint64 per row and band (n, bands): the band's bins read as
    two 64-bit words, mixed (a rare collision only adds a candidate)."""
    words = np.ascontiguousarray(sketches, dtype=np.uint16).view(np.uint64)  # 4 bins a word
    per_band = BAND // 4
    keys = np.zeros((len(sketches), sketches.shape[1] // BAND), dtype=np.uint64)
    for k in range(per_band):
        keys = _mix(keys * np.uint64(0x9E3779B97F4A7C15) + words[:, k::per_band])
    return keys


def _candidate_pairs(sketches: np.ndarray, eligible: np.ndarray, new: np.ndarray | None = None) -> np.ndarray:
    """Pairs (a, b), a < b, that agree on a whole band of some band position.
    Within a run of equal bands each member pairs with the run's first and
    with its neighbour, so a big run costs pairs linear in its size. With
    `new`, only the runs holding a new report are formed (the same runs, so
    the same pairs with a new member, without sorting the whole library)."""
    found = []
    for rows, keys in _band_members(sketches, eligible, new):
        if len(rows) < 2:
            continue
        order = np.argsort(keys, kind="stable")
        rows, keys = rows[order], keys[order]
        same = keys[1:] == keys[:-1]
        if not same.any():
            continue
        run_start = np.maximum.accumulate(np.where(np.concatenate([[False], same]), 0, np.arange(len(rows))))
        later = np.flatnonzero(np.concatenate([[False], same]))
        found.append(np.stack([rows[run_start[later]], rows[later]], axis=1))
        found.append(np.stack([rows[later - 1], rows[later]], axis=1))
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = np.sort(np.concatenate(found), axis=1)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    return np.unique(pairs, axis=0)


def _band_members(sketches: np.ndarray, eligible: np.ndarray, new: np.ndarray | None):
    """For each band position: the rows that take part (eligible, the band
    filled) and their band keys. With `new`, only the rows whose band key is
    that of a new row: first those whose band's 20-bit quick hash is a new
    row's (a table of 2^20 flags), then their keys. (Sorting every row's
    band keys costs an update of 100 reports in a library of 100 000 half a
    second; no single bin will do as the quick hash: the smallest hash of a
    bin is small, so half the library shares its first bin with a new report.)"""
    if not len(sketches):
        return
    bands = BINS // BAND
    if new is None:
        full = (sketches != EMPTY).reshape(len(sketches), bands, BAND).all(axis=2)
        all_keys = _band_keys(sketches)
        for b in range(bands):
            rows = np.flatnonzero(eligible & full[:, b])
            yield rows, all_keys[rows, b]
        return
    mine = np.flatnonzero(new & eligible)
    quick = _quick_hashes(sketches)
    for b in range(bands):
        band = slice(b * BAND, (b + 1) * BAND)
        fresh = mine[(sketches[mine, band] != EMPTY).all(axis=1)]
        if not len(fresh):
            continue
        alike = np.zeros(1 << QUICK_BITS, bool)
        alike[quick[b, fresh]] = True
        rows = np.flatnonzero(alike[quick[b]] & eligible)
        rows = rows[(sketches[rows, band] != EMPTY).all(axis=1)]
        keys = _band_keys(sketches[rows, band])[:, 0]
        keep = np.isin(keys, keys[new[rows]])
        yield rows[keep], keys[keep]


def _quick_hashes(sketches: np.ndarray) -> np.ndarray:
    """(bands, n) uint32: each band's words multiplied and xored together, top
    QUICK_BITS bits; equal bands have equal quick hashes."""
    words = np.ascontiguousarray(sketches, dtype=np.uint16).view(np.uint64)
    words = words.reshape(len(sketches), BINS // BAND, BAND // 4)
    odd = np.uint64(0x9E3779B97F4A7C15)
    h = words[:, :, 0].copy()
    for k in range(1, BAND // 4):
        h = (h * odd) ^ words[:, :, k]
    h = (h * odd) >> np.uint64(64 - QUICK_BITS)
    return np.ascontiguousarray(h.astype(np.uint32).T)


def overlap_percent(value: float) -> str:
    """An estimated overlap of two different texts as the CLI and the pages
    say it: never 100 % (they are different files, and it is an estimate)."""
    return "99% 以上" if value >= 0.99 else f"{value:.0%}"
