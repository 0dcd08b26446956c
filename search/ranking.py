"""Ranking: BM25F over jieba words (title ×3, headings ×2), stable ties.

jieba's words decide the order, never whether a report matches. A query
string inside words (治党 in 从严治党) has no postings of its own and ranks
by its exact count (matching.doc_counts). Ties go to the newer report, then
to the report id, so an index built in steps and one built at once rank
alike.
"""
from __future__ import annotations

import math

import numpy as np

from . import analysis
from .store import Snapshot

K1 = 1.2
FIELD_WEIGHTS = np.array([1.0, 3.0, 2.0])   # body, title, headings
FIELD_B = np.array([0.75, 0.5, 0.5])
# The sorts of a search: name -> what the CLI and the pages call it.
SORTS = {"relevance": "相关度", "newest": "最新", "oldest": "最早"}


def rank(snap: Snapshot, needles: list[str], docs: np.ndarray,
         counts: dict[str, tuple[np.ndarray, np.ndarray]] | None = None) -> np.ndarray:
    """BM25F scores of `docs` for the query strings. `counts` may hold each
    string's exact (reports, counts), for strings that are no jieba word.
    A few reports are scored from their own postings (_tfn_of)."""
    if not len(docs) or not needles:
        return np.zeros(len(docs))
    docs = np.asarray(docs, np.int64)
    scores = np.zeros(len(docs))
    norms = _length_norms(snap)
    n = max(snap.report_count, 1)
    for needle in dict.fromkeys(needles):
        found = False
        for word in dict.fromkeys(analysis.words(needle, snap.user_dict)):
            got = _tfn_of(snap, analysis.word_key(word), norms, docs)
            if got is None:
                continue
            found = True
            tfn, df = got
            scores += _idf(n, df) * tfn * (K1 + 1) / (K1 + tfn)
        if not found and counts and needle in counts:  # a string inside words
            holders, tf = counts[needle]
            keep = snap.indexed[holders]
            holders, tf = holders[keep], tf[keep]
            tfn = tf / norms[0, holders]
            everywhere = np.zeros(snap.n)
            everywhere[holders] = _idf(n, len(holders)) * tfn * (K1 + 1) / (K1 + tfn)
            scores += everywhere[docs]
    return scores


FEW = 8   # below 1/FEW of the library, a word's tf is looked up for the reports alone


def _tfn_of(snap: Snapshot, key: int, norms: np.ndarray, docs: np.ndarray) -> tuple[np.ndarray, int] | None:
    """(the word's weighted, length-normalised term frequency in each of
    `docs`, 0 where absent; its document frequency). For few reports (a rare
    phrase of common words) they are looked up in the postings; for many,
    one array over the library is faster (measured: 1.6x and 2.5x)."""
    if len(docs) * FEW < snap.n:
        return _tfn_at(snap, key, norms, docs)
    tfn = _word_tfn(snap, key, norms)
    return None if tfn is None else (tfn[docs], int(np.count_nonzero(tfn)))


def _tfn_at(snap: Snapshot, key: int, norms: np.ndarray, docs: np.ndarray) -> tuple[np.ndarray, int] | None:
    """_tfn_of for few reports: each looked up in its segment's postings
    (sorted by report). The document frequency is counted from the postings
    once per word and snapshot (a common word's postings are most of the
    work); after that only the segments holding `docs` are read."""
    known = snap.derived.setdefault("word_df", {})
    if len(known) > 100_000:  # bounded: a server ranks many words
        known.clear()
    seen, df = known.get(key, (False, None))
    if seen is False and df is not None:  # no segment has postings for it
        return None
    counting = df is None
    tfn, df = np.zeros(len(docs)), df or 0
    which = np.searchsorted(snap.bases, docs, side="right") - 1
    for i, part in enumerate(snap.parts):
        mine = np.flatnonzero(which == i)
        if not counting and not len(mine):
            continue
        data, base = part.data, part.base
        bdocs, btf = data.body.get(key)
        fdocs, ftitle, fheads = data.fields.get(key)
        if not len(bdocs) and not len(fdocs):
            continue
        seen = True
        bdocs, fdocs = np.asarray(bdocs).astype(np.int64), np.asarray(fdocs).astype(np.int64)
        ftitle, fheads = np.asarray(ftitle), np.asarray(fheads)
        if counting:
            indexed = snap.indexed[base:base + data.n]
            in_field = (ftitle > 0) | (fheads > 0)
            also_in_body = _lookup(bdocs, fdocs)[1]
            df += (int(np.count_nonzero(indexed[bdocs]))
                   + int(np.count_nonzero(indexed[fdocs] & in_field & ~also_in_body)))
        if not len(mine):
            continue
        g = docs[mine]
        at, hit = _lookup(bdocs, g - base)
        if hit.any():
            rows = mine[hit]
            tfn[rows] += FIELD_WEIGHTS[0] * np.asarray(btf)[at[hit]] / norms[0, docs[rows]]
        at, hit = _lookup(fdocs, g - base)
        if hit.any():
            rows, at = mine[hit], at[hit]
            tfn[rows] += (FIELD_WEIGHTS[1] * ftitle[at] / norms[1, docs[rows]]
                          + FIELD_WEIGHTS[2] * fheads[at] / norms[2, docs[rows]])
    if counting:
        known[key] = (seen, df)
    if not seen:
        return None
    tfn[~snap.indexed[docs]] = 0.0
    return tfn, df


def _lookup(sorted_docs: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each wanted value is in a sorted array, and whether it is there."""
    at = np.searchsorted(sorted_docs, wanted)
    hit = at < len(sorted_docs)
    hit[hit] = sorted_docs[at[hit]] == wanted[hit]
    return at, hit


def _word_tfn(snap: Snapshot, key: int, norms: np.ndarray) -> np.ndarray | None:
    """Weighted, length-normalised term frequency of a word in every report
    (0 where absent), from each segment's body and title/heading postings."""
    tfn = None
    for part in snap.parts:
        data = part.data
        docs, tf = data.body.get(key)
        fdocs, ftitle, fheads = data.fields.get(key)
        if not len(docs) and not len(fdocs):
            continue
        if tfn is None:
            tfn = np.zeros(snap.n)
        base = part.base
        if len(docs):
            g = np.asarray(docs).astype(np.int64) + base
            tfn[g] += FIELD_WEIGHTS[0] * np.asarray(tf) / norms[0, g]
        if len(fdocs):
            g = np.asarray(fdocs).astype(np.int64) + base
            tfn[g] += (FIELD_WEIGHTS[1] * np.asarray(ftitle) / norms[1, g]
                       + FIELD_WEIGHTS[2] * np.asarray(fheads) / norms[2, g])
    if tfn is not None:
        tfn[~snap.indexed] = 0.0
    return tfn


def _length_norms(snap: Snapshot) -> np.ndarray:
    """BM25 length normalisation per field and report, (3, n), once per snapshot."""
    norms = snap.derived.get("norms")
    if norms is None:
        norms = (1 - FIELD_B)[:, None] + FIELD_B[:, None] * snap.lengths / snap.avg_lengths[:, None]
        snap.derived["norms"] = norms
    return norms


def _idf(n: int, df: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def id_order(snap: Snapshot) -> np.ndarray:
    """Each report's place in id order: the last tie-break, stable across builds."""
    found = snap.derived.get("id_order")
    if found is None:
        ids = snap.ids()
        order = sorted(range(len(ids)), key=ids.__getitem__)
        found = np.empty(len(ids), np.int64)
        found[order] = np.arange(len(ids))
        snap.derived["id_order"] = found
    return found


def tie_rank(snap: Snapshot) -> np.ndarray:
    """Each report's place in the order that breaks ties of relevance (the
    newer first, then by id), once per snapshot: one sort key instead of two."""
    found = snap.derived.get("tie_rank")
    if found is None:
        order = np.lexsort((id_order(snap), -snap.years))
        found = np.empty(snap.n, np.int64)
        found[order] = np.arange(snap.n)
        snap.derived["tie_rank"] = found
    return found


def sort_order(snap: Snapshot, docs: np.ndarray, scores: np.ndarray, sort: str,
               stop: int | None = None) -> np.ndarray:
    """Indices into `docs` in the order of `sort`, every tie broken in the end
    by id. With `stop`, only the first `stop` are returned: the sort then
    orders only the candidates for them (those whose first key reaches the
    stop-th value, ties included), not every match."""
    rounded = np.round(scores, 9)
    years = snap.years[docs]
    if sort == "newest":
        first = -years
        order_of = lambda i: np.lexsort((id_order(snap)[docs[i]], -rounded[i], first[i]))  # noqa: E731
    elif sort == "oldest":
        first = np.where(years == 0, 99999, years)   # unknown years last
        order_of = lambda i: np.lexsort((id_order(snap)[docs[i]], -rounded[i], first[i]))  # noqa: E731
    else:  # relevance; ties go to the newer report, then by id
        first = -rounded
        order_of = lambda i: np.lexsort((tie_rank(snap)[docs[i]], first[i]))  # noqa: E731
    if stop is None or stop >= len(docs) // 2:
        everything = np.arange(len(docs))
        return everything[order_of(everything)][:stop]
    if stop <= 0:
        return np.zeros(0, np.int64)
    bound = np.partition(first, stop - 1)[stop - 1]
    candidates = np.flatnonzero(first <= bound)
    return candidates[order_of(candidates)][:stop]


def sort_docs(snap: Snapshot, docs: np.ndarray, scores: np.ndarray, sort: str,
              start: int = 0, stop: int | None = None) -> list[tuple[int, float]]:
    """(doc, score) of the sorted docs[start:stop]: only the page becomes Python objects."""
    order = sort_order(snap, docs, scores, sort, stop)[start:stop]
    return list(zip(docs[order].tolist(), scores[order].tolist(), strict=True))


def collapse(snap: Snapshot, docs: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One report per near-duplicate group: its best-scoring member (ties: the
    newer, then by id), whatever the sort of the page. Only members of groups
    of two or more are sorted; most reports are alone in theirs."""
    if not len(docs):
        return docs, scores
    grouped = np.flatnonzero(_in_a_group(snap)[docs])
    if not len(grouped):
        return docs, scores
    members = docs[grouped]
    best_first = np.lexsort((tie_rank(snap)[members], -np.round(scores[grouped], 9)))
    _, first = np.unique(snap.group[members[best_first]], return_index=True)
    keep = np.ones(len(docs), bool)
    keep[grouped] = False
    keep[grouped[best_first[first]]] = True
    return docs[keep], scores[keep]


def _in_a_group(snap: Snapshot) -> np.ndarray:
    """Whether each report shares its near-duplicate group with another indexed one."""
    found = snap.derived.get("in_a_group")
    if found is None:
        sizes = np.bincount(snap.group[snap.indexed], minlength=snap.n)
        found = snap.derived["in_a_group"] = sizes[snap.group] > 1
    return found
