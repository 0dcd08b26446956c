"""Exact matching: which reports contain a string, and how often.

A string matches a report where its folded text contains it (what Ctrl+F
finds). Each segment answers from its suffix array (the run of suffixes
starting with the string: its positions, mapped to reports), or, for the
commonest one- and two-character strings, from their doc postings. Counts
are `str.count`'s: non-overlapping occurrences. Cost grows with the
occurrences found, never with the size of the library.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .analysis import term_gram_keys
from .query import Filters, Term
from .store import Snapshot

OFFSETS_AT_MOST = 250_000  # occurrences whose offsets find() gives (see there)


@dataclass
class Found:
    """Where a string occurs: the live reports (ascending) and its count in
    each; and, when the suffix arrays gave them, the offsets in each report's
    text (report by report, ascending: `offsets[ptr[i]:ptr[i + 1]]` are
    docs[i]'s), so that KWIC lines need not search the texts again."""
    docs: np.ndarray
    counts: np.ndarray
    offsets: np.ndarray | None = None
    ptr: np.ndarray | None = None

    def offsets_of(self, i: int) -> list[int] | None:
        if self.offsets is None:
            return None
        return self.offsets[int(self.ptr[i]):int(self.ptr[i + 1])].tolist()

    @property
    def nbytes(self) -> int:
        return self.docs.nbytes * 2 + (self.offsets.nbytes + self.ptr.nbytes if self.offsets is not None else 0)


def _empty() -> Found:
    z = np.zeros(0, np.int64)
    return Found(z, z, z, np.zeros(1, np.int64))


def find(snap: Snapshot, needle: str, offsets: bool = True) -> Found:
    """Every live report whose folded text holds `needle` (a folded string),
    in number order, with its non-overlapping count (and, if `offsets`,
    where it occurs: without them, counting needs no sort of the positions).
    A string found more than OFFSETS_AT_MOST times comes without offsets:
    sorting all its positions costs more than reading the few reports a page
    of lines needs (kwic.Occurrences reads them)."""
    if not needle or "\n" in needle:
        return _empty()
    gram = int(term_gram_keys(needle)[0]) if len(needle) <= 2 else None
    runs = _runs_of(snap, needle, gram)
    if sum(hi - lo for _, kind, lo, hi in runs if kind == "suffix") > OFFSETS_AT_MOST:
        offsets = False
    docs_out, counts_out = [], []
    overlaps = _overlaps_itself(needle)
    offsets_out: list | None = [] if offsets else None
    for part, kind, lo, hi in runs:
        data = part.data
        if kind == "grams":  # one of the commonest strings: counts only, no offsets
            local = np.asarray(data.grams.docs[lo:hi]).astype(np.int64)
            counts = np.asarray(data.grams.values[0][lo:hi]).astype(np.int64)
            keep = ~part.deleted[local]
            docs_out.append(local[keep] + part.base)
            counts_out.append(counts[keep])
            offsets_out = None
            continue
        if offsets_out is None and not overlaps:  # counts only: no sort of the positions
            local = data.suffix.docs_of(data.suffix.positions(lo, hi))
            counts = np.bincount(local, minlength=data.n)
            counts[part.deleted] = 0
            docs = np.flatnonzero(counts)
            docs_out.append(docs + part.base)
            counts_out.append(counts[docs].astype(np.int64))
            continue
        positions = np.sort(data.suffix.positions(lo, hi))
        local = data.suffix.docs_of(positions)
        if overlaps:
            taken = _non_overlapping(positions, local, len(needle))
            positions, local = positions[taken], local[taken]
        keep = ~part.deleted[local]
        positions, local = positions[keep], local[keep]
        docs, counts = _runs(local)
        docs_out.append(docs + part.base)
        counts_out.append(counts)
        if offsets_out is not None:
            offsets_out.append(positions - np.asarray(data.doc_starts)[local])
    if not docs_out:
        return _empty()
    docs, counts = np.concatenate(docs_out), np.concatenate(counts_out)
    if offsets_out is None:
        return Found(docs, counts)
    ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    offsets = np.concatenate(offsets_out) if offsets_out else np.zeros(0, np.int64)
    return Found(docs, counts, offsets, ptr)


def _runs_of(snap: Snapshot, needle: str, gram: int | None) -> list[tuple]:
    """(part, "grams" or "suffix", lo, hi) of every segment holding `needle`:
    its run of doc postings (a string of one or two characters that has them)
    or of the suffix array."""
    out = []
    for part in snap.parts:
        data = part.data
        if gram is not None:
            a, b = data.grams.run(gram)
            if b > a:
                out.append((part, "grams", a, b))
                continue
        pattern = data.suffix.encode(needle)
        if pattern is None:
            continue
        lo, hi = data.suffix.range(pattern)
        if hi > lo:
            out.append((part, "suffix", lo, hi))
    return out


def _runs(sorted_docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of a sorted array and how often each occurs
    (np.unique without its sort)."""
    if not len(sorted_docs):
        return sorted_docs.astype(np.int64), np.zeros(0, np.int64)
    starts = np.concatenate([[0], np.flatnonzero(sorted_docs[1:] != sorted_docs[:-1]) + 1])
    return sorted_docs[starts].astype(np.int64), np.diff(np.append(starts, len(sorted_docs)))


def doc_counts(snap: Snapshot, needle: str) -> tuple[np.ndarray, np.ndarray]:
    """(reports, counts) of `needle`: see find()."""
    found = find(snap, needle)
    return found.docs, found.counts


def _overlaps_itself(needle: str) -> bool:
    """Whether two occurrences can overlap (a proper prefix is also a suffix)."""
    return any(needle[:k] == needle[-k:] for k in range(1, len(needle)))


def _non_overlapping(positions: np.ndarray, docs: np.ndarray, width: int) -> np.ndarray:
    """Which of the sorted positions str.count counts: scanning left to right,
    an occurrence that starts inside the previous one taken is not counted."""
    taken = np.ones(len(positions), bool)
    if len(positions) and (np.diff(positions) < width).any():  # only then the scan
        last_end, last_doc = -1, -1
        for i, (p, d) in enumerate(zip(positions.tolist(), docs.tolist(), strict=True)):
            if p < last_end and d == last_doc:
                taken[i] = False
            else:
                last_end, last_doc = p + width, d
    return taken


def term_mask(snap: Snapshot, term: Term) -> np.ndarray:
    """Exactly the reports the term matches on its own (copies left out:
    a copy is found as its source)."""
    mask = np.zeros(snap.n, dtype=bool)
    needle = term.folded
    if not needle or "\n" in needle:
        return mask
    if term.field == "title":
        joined, starts = snap.joined_titles()
        at = [m.start() for m in re.finditer(re.escape(needle), joined)]
        mask[np.searchsorted(starts, np.array(at, np.int64), side="right") - 1] = True
    elif term.field == "heading":
        for part in snap.parts:
            mask[_in_headings(part.data, needle) + part.base] = True
    else:
        docs, _ = doc_counts(snap, needle)
        mask[docs] = True
    return mask & snap.indexed


def _in_headings(data, needle: str) -> np.ndarray:
    """Local reports of a segment with an occurrence inside one of their headings."""
    pattern = data.suffix.encode(needle)
    if pattern is None:
        return np.zeros(0, np.int64)
    lo, hi = data.suffix.range(pattern)
    if hi <= lo:
        return np.zeros(0, np.int64)
    positions = data.suffix.positions(lo, hi)
    starts, reach = data.heading_bounds()
    at = np.searchsorted(starts, positions, side="right") - 1
    inside = (at >= 0) & (positions + len(needle) <= reach[np.maximum(at, 0)])
    return np.unique(data.suffix.docs_of(positions[inside]))


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
