"""Answering queries: exact matching, BM25F ranking, facets, pages, snippets.

Matching is exact: a term matches a report when the folded title or text
contains it. Character gram postings narrow the candidates (exactly, for
terms of one or two characters); longer terms are confirmed with `in` on
the folded text. jieba words only rank.
"""
from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import analysis
from .highlight import Segment, hit_spans, snippets
from .postings import Generation, OldFormat, current_pointer
from .query import Filters, Query, Term, parse

K1 = 1.2
FIELD_WEIGHTS = np.array([1.0, 3.0, 2.0])   # body, title, headings
FIELD_B = np.array([0.75, 0.5, 0.5])
SORTS = ("relevance", "newest", "oldest")
FACETS = ("year", "type", "level")
PER_PAGE = 10


class NoIndex(Exception):
    def __init__(self, index_dir: Path, message: str | None = None):
        super().__init__(message or f"no index at {index_dir}/ — run `reports index` first")


class UnknownReport(KeyError):
    pass


@dataclass
class Hit:
    id: str
    title: str
    subtitle: str
    year: int | None
    period: str
    type: str
    level: str
    score: float
    snippets: list[list[Segment]]
    first_hit: int | None          # offset of the first hit in the report text
    copies: list[str] = field(default_factory=list)     # files with this very text
    similar: list[dict] = field(default_factory=list)   # near-duplicates that match too

    def to_json(self) -> dict:
        return {"id": self.id, "title": self.title, "subtitle": self.subtitle, "year": self.year,
                "period": self.period, "type": self.type, "level": self.level,
                "score": round(self.score, 4), "first_hit": self.first_hit,
                "snippets": [[s.to_json() for s in snip] for snip in self.snippets],
                "copies": self.copies, "similar": self.similar}


@dataclass
class SearchResult:
    query: str
    total: int                        # reports, a group of near-duplicates counted once
    page: int
    pages: int
    per_page: int
    sort: str
    hits: list[Hit]
    facets: dict[str, dict[str, int]]
    term_reports: dict[str, int]      # for an empty result: reports matching each term alone
    filters: Filters
    merged: int = 0                   # near-duplicates folded into the hits of their group
    elapsed_ms: float = 0.0

    def to_json(self) -> dict:
        return {"query": self.query, "total": self.total, "merged": self.merged, "page": self.page,
                "pages": self.pages, "per_page": self.per_page, "sort": self.sort,
                "hits": [h.to_json() for h in self.hits], "facets": self.facets,
                "term_reports": self.term_reports,
                "elapsed_ms": round(self.elapsed_ms, 2)}


@dataclass
class ReportView:
    id: str
    title: str
    subtitle: str
    year: int | None
    period: str
    type: str
    level: str
    size: int
    outline: list[dict]
    text: str
    hits: list[tuple[int, int]] = field(default_factory=list)
    copy_of: str | None = None                          # the indexed report with this text
    copies: list[str] = field(default_factory=list)     # other files with this very text
    similar: list[dict] = field(default_factory=list)   # its near-duplicates

    def to_json(self) -> dict:
        return {"id": self.id, "title": self.title, "subtitle": self.subtitle, "year": self.year,
                "period": self.period, "type": self.type, "level": self.level,
                "size": self.size, "outline": self.outline, "text": self.text,
                "hits": [list(h) for h in self.hits], "copy_of": self.copy_of,
                "copies": self.copies, "similar": self.similar}


class Library:
    """The index as seen by one process: follows CURRENT to the newest
    generation and keeps one loaded generation (plus per-term caches)."""

    def __init__(self, index_dir: Path, warm: bool = False):
        """`warm`: decode and fold every text in the background after a new
        generation loads, so that a server's first queries are as fast as the
        rest (a one-shot command leaves it off and decodes only what it reads)."""
        self.index_dir = Path(index_dir)
        self.warm = warm
        self._gen: Generation | None = None
        self._pointer: str | None = None
        self._lock = threading.Lock()
        self._masks: dict[tuple, np.ndarray] = {}

    # ------------------------------------------------------------ generation
    def generation(self) -> Generation:
        found = current_pointer(self.index_dir)
        if found is None:
            if self._gen is not None:
                return self._gen
            raise NoIndex(self.index_dir)
        pointer, folder = found
        if pointer != self._pointer:
            with self._lock:
                if pointer != self._pointer:
                    try:
                        gen = Generation(folder)
                    except OldFormat as exc:
                        raise NoIndex(self.index_dir, str(exc)) from None
                    if self._gen is not None:
                        self._gen.retired = True
                    self._gen, self._pointer, self._masks = gen, pointer, {}
                    if self.warm:
                        threading.Thread(target=gen.warm, daemon=True).start()
        return self._gen

    # ------------------------------------------------------------ matching
    def _cached(self, kind: str, gen: Generation, term: Term, make) -> np.ndarray:
        key = (kind, gen.number, term.folded, term.field)
        mask = self._masks.get(key)
        if mask is None:
            mask = make()
            self._remember(key, mask)
        return mask

    def _remember(self, key: tuple, mask: np.ndarray) -> None:
        if len(self._masks) > 4096:  # ~40 MB at 10k reports; start again
            self._masks.clear()
        self._masks[key] = mask

    def term_mask(self, gen: Generation, term: Term) -> np.ndarray:
        """Exactly the reports the term matches on its own."""
        return self._cached("exact", gen, term, lambda: self.exact_within(gen, term, None))

    def candidate_mask(self, gen: Generation, term: Term) -> np.ndarray:
        """Reports the term may match: exact for short terms and fields."""
        if term.field:
            return self.term_mask(gen, term)
        return self._cached("maybe", gen, term, lambda: candidates(gen, term.folded))

    def exact_within(self, gen: Generation, term: Term, within: np.ndarray | None) -> np.ndarray:
        """The reports among `within` (None: all) that the term matches.
        Confirmed on every candidate, the answer is kept for the next query."""
        if term.field:
            return _field_mask(gen, term) if within is None else self.term_mask(gen, term) & within
        key = ("exact", gen.number, term.folded, term.field)
        known = self._masks.get(key)
        if known is not None:
            return known.copy() if within is None else known & within
        maybe = self.candidate_mask(gen, term)
        complete = within is None or not (maybe & ~within).any()
        mask = maybe.copy() if within is None else maybe & within
        if len(term.folded) > 2:  # bigrams only say "may contain": confirm
            needle = term.folded
            for d in np.flatnonzero(mask).tolist():
                if needle not in gen.folded(d):
                    mask[d] = False
        if complete:
            self._remember(key, mask.copy())
        return mask

    def matching(self, gen: Generation, query: Query, filters: Filters) -> np.ndarray:
        """Cheap candidate masks first; then each term is confirmed only on
        the reports still in the running."""
        mask = filter_mask(gen, filters) & gen.indexed  # a copy is found as its source
        for group in query.required:
            any_ = np.zeros(gen.n, dtype=bool)
            for term in group:
                any_ |= self.candidate_mask(gen, term)
            mask &= any_
        for group in query.required:
            exact = np.zeros(gen.n, dtype=bool)
            for term in group:
                exact |= self.exact_within(gen, term, mask & ~exact)
            mask &= exact
        for term in query.excluded:
            mask &= ~self.exact_within(gen, term, mask)
        return mask

    # ------------------------------------------------------------ search
    def search(self, text: str, page: int = 1, sort: str = "relevance",
               filters: Filters | None = None, per_page: int = PER_PAGE) -> SearchResult:
        started = time.perf_counter()
        query = parse(text)
        filters = query.filters.merged(filters or Filters())
        gen = self.generation()
        sort = sort if sort in SORTS else "relevance"
        page = max(1, page)

        mask = self.matching(gen, query, filters)
        found = np.flatnonzero(mask)
        needles = [t.folded for t in query.positive_terms]
        docs, scores = collapse(gen, found, rank(gen, needles, found))
        order = sort_docs(gen, docs, scores, sort)
        pages = max(1, math.ceil(len(docs) / per_page))
        chosen = order[(page - 1) * per_page: page * per_page]
        hits = [self._hit(gen, int(d), float(s), needles, mask) for d, s in chosen]
        result = SearchResult(
            query=text, total=len(docs), page=page, pages=pages, per_page=per_page,
            sort=sort, hits=hits, facets=facet_counts(gen, docs),
            # Only an empty result needs to say which terms found nothing.
            term_reports={str(t): int(self.term_mask(gen, t).sum())
                          for t in query.positive_terms} if not len(docs) else {},
            filters=filters, merged=len(found) - len(docs))
        result.elapsed_ms = (time.perf_counter() - started) * 1000
        return result

    def _hit(self, gen: Generation, d: int, score: float, needles: list[str],
             matched: np.ndarray) -> Hit:
        meta = gen.docs[d]
        text, folded = gen.text(d), gen.folded(d)
        spans = hit_spans(folded, needles)
        a, b = int(gen.sentence_ptr[d]), int(gen.sentence_ptr[d + 1])
        table = (gen.sentence_starts[a:b], gen.sentence_lengths[a:b])
        return Hit(id=meta["id"], title=meta["title"], subtitle=meta["subtitle"], year=meta["year"],
                   period=meta["period"], type=meta["type"], level=meta["level"],
                   score=score, snippets=snippets(text, folded, spans, table),
                   first_hit=spans[0][0] if spans else None,
                   copies=_copies(gen, d), similar=_similar(gen, d, matched))

    # ------------------------------------------------------------ one report
    def has(self, doc_id: str) -> bool:
        return doc_id in self.generation().position

    def title(self, doc_id: str) -> str:
        gen = self.generation()
        d = gen.position.get(doc_id)
        return gen.docs[d]["title"] if d is not None else doc_id

    def report(self, doc_id: str, query_text: str = "") -> ReportView:
        gen = self.generation()
        d = gen.position.get(doc_id)
        if d is None:
            raise UnknownReport(doc_id)
        meta = gen.docs[d]
        needles = [t.folded for t in parse(query_text).positive_terms] if query_text else []
        source = int(gen.source[d])
        family = [gen.docs[source]["id"]] + _copies(gen, source)  # every file with this text
        return ReportView(
            id=meta["id"], title=meta["title"], subtitle=meta["subtitle"], year=meta["year"],
            period=meta["period"],
            type=meta["type"], level=meta["level"], size=meta["size"],
            outline=[{"depth": dp, "text": t, "offset": o} for dp, t, o in meta["outline"]],
            text=gen.text(d), hits=hit_spans(gen.folded(d), needles),
            copy_of=family[0] if source != d else None,
            copies=[c for c in family if c != doc_id], similar=_similar(gen, source, None))

    def stats(self) -> dict:
        gen = self.generation()
        stats = gen.derived.get("stats")
        if stats is None:  # once per generation: the index does not change under it
            indexed = np.flatnonzero(gen.indexed)
            facets = facet_counts(gen, indexed)
            groups = gen.group_members()
            stats = gen.derived["stats"] = {
                "reports": len(indexed), "files": gen.n, "copies": gen.copy_count,
                "similar_groups": len(groups),
                "in_similar_groups": sum(len(m) for m in groups.values()),
                "index_bytes": _index_bytes(self.index_dir, gen),
                "generation": gen.number, "by_year": facets["year"],
                "by_type": facets["type"], "by_level": facets["level"]}
        return stats


def _index_bytes(index_dir: Path, gen: Generation) -> int:
    """Whoosh's files plus this generation's (not older ones being pruned)."""
    total = 0
    for folder in (index_dir, gen.folder):
        try:
            total += sum(p.stat().st_size for p in folder.iterdir() if p.is_file())
        except OSError:  # pruned while we looked
            pass
    return total


# ---------------------------------------------------------------- duplicates

def collapse(gen: Generation, docs: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One report per near-duplicate group: its best-scoring member (ties: the
    newer, then the first indexed), whatever the sort of the page."""
    if not len(docs):
        return docs, scores
    best_first = np.lexsort((docs, -gen.years[docs], -np.round(scores, 9)))
    _, first = np.unique(np.asarray(gen.group)[docs[best_first]], return_index=True)
    keep = np.sort(best_first[first])
    return docs[keep], scores[keep]


def _copies(gen: Generation, d: int) -> list[str]:
    return [gen.docs[c]["id"] for c in gen.copies_of.get(d, [])]


def _similar(gen: Generation, d: int, among: np.ndarray | None) -> list[dict]:
    return [{"id": gen.docs[m]["id"], "title": gen.docs[m]["title"], "year": gen.docs[m]["year"],
             "overlap": round(overlap, 3), "copies": _copies(gen, m)}
            for m, overlap in gen.similar(d, among)]


# ---------------------------------------------------------------- matching

def _field_mask(gen: Generation, term: Term) -> np.ndarray:
    texts = gen.folded_titles() if term.field == "title" else gen.folded_headings()
    return np.array([term.folded in t for t in texts], dtype=bool)


def candidates(gen: Generation, needle: str) -> np.ndarray:
    """Reports holding every character bigram of `needle` (its character, for
    one): exactly the reports containing it when it is 1–2 characters long."""
    mask = np.zeros(gen.n, dtype=bool)
    if not needle or "\n" in needle:
        return mask
    postings = sorted((gen.gram_postings(int(k)) for k in analysis.term_gram_keys(needle)), key=len)
    if not postings or not len(postings[0]):
        return mask
    mask[postings[0]] = True
    for docs in postings[1:]:
        other = np.zeros(gen.n, dtype=bool)
        other[docs] = True
        mask &= other
    return mask


def filter_mask(gen: Generation, filters: Filters) -> np.ndarray:
    mask = np.ones(gen.n, dtype=bool)
    if filters.years:
        lo, hi = filters.years
        mask &= (gen.years >= lo) & (gen.years <= hi)
    for lo, hi in filters.not_years:
        mask &= (gen.years < lo) | (gen.years > hi)
    for key, wanted, unwanted in (("type", filters.types, filters.not_types),
                                  ("level", filters.levels, filters.not_levels)):
        codes, names = gen.categories(key)
        if wanted:
            mask &= np.array([n in wanted for n in names], dtype=bool)[codes] if names else False
        if unwanted and names:
            mask &= ~np.array([n in unwanted for n in names], dtype=bool)[codes]
    return mask


# ---------------------------------------------------------------- ranking

def rank(gen: Generation, needles: list[str], docs: np.ndarray) -> np.ndarray:
    """BM25F over jieba words of the query terms, for `docs`."""
    if not len(docs) or not needles:
        return np.zeros(len(docs))
    scores = np.zeros(gen.n)
    norms = _length_norms(gen)
    for needle in dict.fromkeys(needles):
        postings = [gen.word_postings(w) for w in dict.fromkeys(analysis.words(needle, gen.user_dict))]
        postings = [p for p in postings if len(p[0])]
        if postings:
            for wdocs, tf in postings:
                tfn = (FIELD_WEIGHTS[:, None] * tf / norms[:, wdocs]).sum(axis=0)
                scores[wdocs] += _idf(gen.n, len(wdocs)) * tfn * (K1 + 1) / (K1 + tfn)
        else:  # a string inside words (治党 in 从严治党): rank by its own count
            tf, df = _substring_tf(gen, needle, docs)
            tfn = tf / norms[0]
            scores += _idf(gen.n, df) * tfn * (K1 + 1) / (K1 + tfn)
    return scores[docs]


def _length_norms(gen: Generation) -> np.ndarray:
    """BM25 length normalisation per field and report, (3, n), once per generation."""
    norms = gen.derived.get("norms")
    if norms is None:
        norms = (1 - FIELD_B)[:, None] + FIELD_B[:, None] * gen.lengths / gen.avg_lengths[:, None]
        gen.derived["norms"] = norms
    return norms


def _idf(n: int, df: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


COUNT_AT_MOST = 2000  # past this many reports a sub-word term ranks by idf alone


def _substring_tf(gen: Generation, needle: str, docs: np.ndarray) -> tuple[np.ndarray, int]:
    """How often the needle occurs in each of `docs` (1 each when there are many)."""
    tf = np.zeros(gen.n)
    if len(docs) > COUNT_AT_MOST:
        tf[docs] = 1.0
    else:
        for d in docs.tolist():
            tf[d] = gen.folded(d).count(needle)
    return tf, int((tf > 0).sum())


def sort_docs(gen: Generation, docs: np.ndarray, scores: np.ndarray, sort: str) -> list[tuple[int, float]]:
    years = gen.years[docs]
    if sort == "newest":
        order = np.lexsort((-scores, -years))
    elif sort == "oldest":
        unknown_last = np.where(years == 0, 99999, years)
        order = np.lexsort((-scores, unknown_last))
    else:  # relevance; ties go to the newer report
        order = np.lexsort((-years, -np.round(scores, 9)))
    return list(zip(docs[order].tolist(), scores[order].tolist()))


def facet_counts(gen: Generation, docs: np.ndarray) -> dict[str, dict[str, int]]:
    out = {}
    for key in FACETS:
        codes, names = gen.categories(key)
        counts = np.bincount(codes[docs], minlength=len(names)) if len(names) else []
        pairs = [(names[i], int(c)) for i, c in enumerate(counts) if c and names[i]]
        if key == "year":
            pairs.sort(key=lambda p: p[0], reverse=True)
        else:
            pairs.sort(key=lambda p: (-p[1], p[0]))
        out[key] = dict(pairs)
    return out
