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
    string's exact (reports, counts), for strings that are no jieba word."""
    if not len(docs) or not needles:
        return np.zeros(len(docs))
    scores = np.zeros(snap.n)
    norms = _length_norms(snap)
    n = max(snap.report_count, 1)
    for needle in dict.fromkeys(needles):
        found = False
        for word in dict.fromkeys(analysis.words(needle, snap.user_dict)):
            tfn = _word_tfn(snap, analysis.word_key(word), norms)
            if tfn is None:
                continue
            found = True
            holders = np.flatnonzero(tfn)
            scores[holders] += _idf(n, len(holders)) * tfn[holders] * (K1 + 1) / (K1 + tfn[holders])
        if not found and counts and needle in counts:  # a string inside words
            holders, tf = counts[needle]
            keep = snap.indexed[holders]
            holders, tf = holders[keep], tf[keep]
            tfn = tf / norms[0, holders]
            scores[holders] += _idf(n, len(holders)) * tfn * (K1 + 1) / (K1 + tfn)
    return scores[docs]


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


def sort_order(snap: Snapshot, docs: np.ndarray, scores: np.ndarray, sort: str) -> np.ndarray:
    """Indices into `docs` in the order of `sort`, every tie broken in the end by id."""
    years = snap.years[docs]
    ids = id_order(snap)[docs]
    rounded = np.round(scores, 9)
    if sort == "newest":
        order = np.lexsort((ids, -rounded, -years))
    elif sort == "oldest":
        unknown_last = np.where(years == 0, 99999, years)
        order = np.lexsort((ids, -rounded, unknown_last))
    else:  # relevance; ties go to the newer report, then by id
        order = np.lexsort((ids, -years, -rounded))
    return order


def sort_docs(snap: Snapshot, docs: np.ndarray, scores: np.ndarray, sort: str,
              start: int = 0, stop: int | None = None) -> list[tuple[int, float]]:
    """(doc, score) of the sorted docs[start:stop]: only the page becomes Python objects."""
    order = sort_order(snap, docs, scores, sort)[start:stop]
    return list(zip(docs[order].tolist(), scores[order].tolist(), strict=True))


def collapse(snap: Snapshot, docs: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One report per near-duplicate group: its best-scoring member (ties: the
    newer, then by id), whatever the sort of the page."""
    if not len(docs):
        return docs, scores
    best_first = np.lexsort((id_order(snap)[docs], -snap.years[docs], -np.round(scores, 9)))
    _, first = np.unique(snap.group[docs[best_first]], return_index=True)
    keep = np.sort(best_first[first])
    return docs[keep], scores[keep]
