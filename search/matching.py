"""Exact matching: which reports contain a string, and how often.

A string matches a report where its folded text contains it (what Ctrl+F
finds). Each segment answers from its suffix array (the run of suffixes
starting with the string: its positions, mapped to reports), or, for the
commonest one- and two-character strings, from their doc postings. Counts
are `str.count`'s: non-overlapping occurrences. Cost grows with the
occurrences found, never with the size of the library.
"""
from __future__ import annotations

import numpy as np

from .analysis import term_gram_keys
from .query import Filters, Term
from .store import Snapshot

_EMPTY = (np.zeros(0, np.int64), np.zeros(0, np.int64))


def doc_counts(snap: Snapshot, needle: str) -> tuple[np.ndarray, np.ndarray]:
    """(reports, counts): every live report whose folded text holds `needle`
    (a folded string), in number order, with its non-overlapping count."""
    if not needle or "\n" in needle:
        return _EMPTY
    gram = int(term_gram_keys(needle)[0]) if len(needle) <= 2 else None
    docs_out, counts_out = [], []
    for part in snap.parts:
        data = part.data
        if gram is not None:
            a, b = data.grams.run(gram)
            if b > a:
                local = np.asarray(data.grams.docs[a:b]).astype(np.int64)
                counts = np.asarray(data.grams.values[0][a:b]).astype(np.int64)
                _collect(part, local, counts, docs_out, counts_out)
                continue
        pattern = data.suffix.encode(needle)
        if pattern is None:
            continue
        lo, hi = data.suffix.range(pattern)
        if hi <= lo:
            continue
        positions = data.suffix.positions(lo, hi)
        local = data.suffix.docs_of(positions)
        if _overlaps_itself(needle):
            local, counts = _non_overlapping(positions, local, len(needle))
        else:
            counts = np.bincount(local, minlength=data.n)
            local = np.flatnonzero(counts)
            counts = counts[local]
        _collect(part, local, counts, docs_out, counts_out)
    if not docs_out:
        return _EMPTY
    return np.concatenate(docs_out), np.concatenate(counts_out)


def _collect(part, local, counts, docs_out, counts_out) -> None:
    keep = ~part.deleted[local]
    docs_out.append(local[keep] + part.base)
    counts_out.append(counts[keep])


def _overlaps_itself(needle: str) -> bool:
    """Whether two occurrences can overlap (a proper prefix is also a suffix)."""
    return any(needle[:k] == needle[-k:] for k in range(1, len(needle)))


def _non_overlapping(positions: np.ndarray, docs: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-report counts as str.count makes them: scanning left to right, an
    occurrence that starts inside the previous one taken is not counted."""
    order = np.argsort(positions, kind="stable")
    positions, docs = positions[order], docs[order]
    taken = np.ones(len(positions), bool)
    close = np.flatnonzero(np.diff(positions) < width)
    if len(close):  # only overlapping runs need the sequential scan
        last_end = -1
        for i in range(len(positions)):
            p = int(positions[i])
            if p < last_end and docs[i] == docs[i - 1]:
                taken[i] = False
            else:
                last_end = p + width
    local, counts = np.unique(docs[taken], return_counts=True)
    return local, counts.astype(np.int64)


def term_mask(snap: Snapshot, term: Term) -> np.ndarray:
    """Exactly the reports the term matches on its own (copies left out:
    a copy is found as its source)."""
    mask = np.zeros(snap.n, dtype=bool)
    if term.field:
        texts = snap.folded_titles() if term.field == "title" else snap.folded_headings()
        needle = term.folded
        if needle:
            mask[[i for i, t in enumerate(texts) if needle in t]] = True
        return mask & snap.indexed
    docs, _ = doc_counts(snap, term.folded)
    mask[docs] = True
    return mask & snap.indexed


def filter_mask(snap: Snapshot, filters: Filters) -> np.ndarray:
    mask = snap.live.copy()
    if filters.years:
        lo, hi = filters.years
        mask &= (snap.years >= lo) & (snap.years <= hi)
    for lo, hi in filters.not_years:
        mask &= (snap.years < lo) | (snap.years > hi)
    for key, wanted, unwanted in (("type", filters.types, filters.not_types),
                                  ("level", filters.levels, filters.not_levels)):
        codes, names = snap.categories(key)
        if wanted:
            mask &= np.array([n in wanted for n in names], dtype=bool)[codes] if names else False
        if unwanted and names:
            mask &= ~np.array([n in unwanted for n in names], dtype=bool)[codes]
    return mask
