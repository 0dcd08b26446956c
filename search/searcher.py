"""Answering queries: a Library over the current index; results, facets, pages.

Matching is exact (matching.py: a term matches where the folded text holds
it); jieba words only rank (ranking.py). Results come with facet counts in
which each group's own selection is left out, so several values of a group
can be chosen; a group of near-duplicates counts once.
"""
from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import analysis
from .errors import UnknownReport  # noqa: F401 - re-exported
from .highlight import Segment, hit_spans, segments, snippets
from .matching import Found, filter_mask, find, term_mask
from .query import Filters, Query, Term, parse
from .ranking import SORTS, collapse, rank, sort_docs
from .settings import DEFAULT_CACHE_MB
from .store import ByteBudgetCache, IndexDamaged, NoIndex, Snapshot

FACETS = ("year", "type", "level")
PER_PAGE = 10


@dataclass
class Facts:
    """What a hit and a report page both say of a report."""
    id: str
    title: str
    subtitle: str
    year: int | None
    period: str
    type: str
    level: str

    @staticmethod
    def of(meta: dict) -> dict:
        """The facts' fields from a report's stored fields."""
        return {"id": meta["id"], "title": meta.get("title") or "", "subtitle": meta.get("subtitle") or "",
                "year": meta.get("year"), "period": meta.get("period") or "", "type": meta.get("type") or "",
                "level": meta.get("level") or ""}

    def facts_json(self) -> dict:
        return {"id": self.id, "title": self.title, "subtitle": self.subtitle, "year": self.year,
                "period": self.period, "type": self.type, "level": self.level}


@dataclass
class Hit(Facts):
    score: float
    snippets: list[list[Segment]]
    first_hit: int | None          # offset of the first hit in the report text
    copies: list[str] = field(default_factory=list)     # files with this very text
    similar: list[dict] = field(default_factory=list)   # near-duplicates that match too
    title_marked: list[Segment] = field(default_factory=list)  # the title, every hit in it marked

    def to_json(self) -> dict:
        return {**self.facts_json(), "score": round(self.score, 4), "first_hit": self.first_hit,
                "title_marked": [s.to_json() for s in self.title_marked],
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
class ReportView(Facts):
    size: int
    outline: list[dict]
    text: str
    hits: list[tuple[int, int]] = field(default_factory=list)
    copy_of: str | None = None                          # the indexed report with this text
    copies: list[str] = field(default_factory=list)     # other files with this very text
    similar: list[dict] = field(default_factory=list)   # its near-duplicates

    def to_json(self) -> dict:
        return {**self.facts_json(), "size": self.size, "outline": self.outline, "text": self.text,
                "hits": [list(h) for h in self.hits], "copy_of": self.copy_of,
                "copies": self.copies, "similar": self.similar}


class Library:
    """The index as seen by one process: follows Whoosh's latest commit and
    keeps one snapshot of it, with a byte-budgeted cache of answers and texts."""

    def __init__(self, index_dir: Path, warm: bool = False, cache_mb: int = DEFAULT_CACHE_MB):
        """`warm`: read every segment's arrays once in the background after a
        new commit loads, so a server's first queries find them in memory."""
        self.index_dir = Path(index_dir)
        self.warm = warm
        # Answers (a string's reports and offsets, a phrase's ranking) and
        # texts read from Whoosh, each held to its share of the budget.
        self.answers = ByteBudgetCache((cache_mb << 20) * 3 // 4)
        self.texts = ByteBudgetCache((cache_mb << 20) // 4)
        self._snap: Snapshot | None = None
        self._lock = threading.Lock()
        self._checked: set[str] = set()          # segments whose checksums held
        self._damage: tuple[str, str] | None = None  # (snapshot token, what is damaged)

    # ------------------------------------------------------------ snapshot
    def snapshot(self) -> Snapshot:
        snap = self._snap
        if snap is not None and snap.is_current():
            if self._damage is not None and self._damage[0] == snap.token:
                raise NoIndex(self.index_dir, self._damage[1])
            return snap
        with self._lock:
            if self._snap is None or not self._snap.is_current():
                fresh = Snapshot.open(self.index_dir, self.texts)
                if fresh is None:
                    if self._snap is not None:
                        return self._snap
                    raise NoIndex(self.index_dir)
                self._snap = fresh
                if self.warm:
                    threading.Thread(target=self._check, args=(fresh,), daemon=True).start()
            return self._snap

    def _check(self, snap: Snapshot) -> None:
        """A server reads every new segment once in the background, checking
        its checksums (which also brings its pages into memory); a damaged
        one makes every answer an error until the index is rebuilt."""
        for part in snap.parts:
            segid = part.whoosh.segment_id()
            if segid in self._checked:
                continue
            try:
                part.data.verify()
            except Exception as exc:
                self._damage = (snap.token, str(IndexDamaged(self.index_dir, str(exc))))
                return
            self._checked.add(segid)

    generation = snapshot  # the name the web and the CLI know it by

    # ------------------------------------------------------------ matching
    def find(self, snap: Snapshot, needle: str) -> Found:
        """Where a folded string occurs (matching.find), kept for the next query."""
        key = ("find", snap.token, needle)
        found = self.answers.get(key)
        if found is None:
            found = find(snap, needle)
            self.answers.put(key, found, size=found.nbytes + 256)
        return found

    def counts(self, snap: Snapshot, needle: str) -> tuple[np.ndarray, np.ndarray]:
        """Exact (reports, counts) of a folded string; a search needs no
        offsets, which cost a sort of every position of a common string."""
        found = self.answers.get(("find", snap.token, needle)) or self.answers.get(("counts", snap.token, needle))
        if found is None:
            found = find(snap, needle, offsets=False)
            self.answers.put(("counts", snap.token, needle), found, size=found.nbytes + 256)
        return found.docs, found.counts

    def term_mask(self, snap: Snapshot, term: Term) -> np.ndarray:
        if term.field:
            return self.answers.get_or_make(("field", snap.token, term.field, term.folded),
                                            lambda: term_mask(snap, term))
        docs, _ = self.counts(snap, term.folded)
        mask = np.zeros(snap.n, bool)
        mask[docs] = True
        return mask & snap.indexed

    def matching(self, snap: Snapshot, query: Query) -> np.ndarray:
        """Reports matching the query's terms (filters aside); copies left out."""
        mask = snap.indexed.copy()
        for group in query.required:
            any_ = np.zeros(snap.n, dtype=bool)
            for term in group:
                any_ |= self.term_mask(snap, term)
            mask &= any_
        for term in query.excluded:
            mask &= ~self.term_mask(snap, term)
        return mask

    # ------------------------------------------------------------ search
    def search(self, text: str, page: int = 1, sort: str = "relevance",
               filters: Filters | None = None, per_page: int = PER_PAGE) -> SearchResult:
        started = time.perf_counter()
        query = parse(text)
        filters = query.filters.merged(filters or Filters())
        snap = self.snapshot()
        sort = sort if sort in SORTS else "relevance"
        page = max(1, page)

        terms = self.matching(snap, query)
        by_group = {g: filter_mask(snap, _only(filters, g)) for g in FACETS}
        mask = terms & by_group["year"] & by_group["type"] & by_group["level"]
        found = np.flatnonzero(mask)
        needles = [t.folded for t in query.positive_terms]
        counts = {t.folded: self.counts(snap, t.folded) for t in query.positive_terms if not t.field}
        docs, scores = collapse(snap, found, rank(snap, needles, found, counts))
        pages = max(1, math.ceil(len(docs) / per_page))
        chosen = sort_docs(snap, docs, scores, sort, (page - 1) * per_page, page * per_page)
        hits = [self._hit(snap, int(d), float(s), needles, mask) for d, s in chosen]
        result = SearchResult(
            query=text, total=len(docs), page=page, pages=pages, per_page=per_page,
            sort=sort, hits=hits, facets=self._facets(snap, terms, by_group, filters, docs),
            # Only an empty result needs to say which terms found nothing.
            term_reports={str(t): int(self.term_mask(snap, t).sum())
                          for t in query.positive_terms} if not len(docs) else {},
            filters=filters, merged=len(found) - len(docs))
        result.elapsed_ms = (time.perf_counter() - started) * 1000
        return result

    def _facets(self, snap: Snapshot, terms: np.ndarray, by_group: dict, filters: Filters,
                docs: np.ndarray) -> dict[str, dict[str, int]]:
        """Counts per facet value; a group with a selection is counted with that
        selection left out (the other groups' selections kept)."""
        out = {}
        unselected = None   # the groups without a selection are all counted over the results
        for g in FACETS:
            if not _selects(filters, g):
                unselected = unselected or facet_counts(snap, docs)
                out[g] = unselected[g]
                continue
            mask = terms.copy()
            for other in FACETS:
                if other != g:
                    mask &= by_group[other]
            members = np.flatnonzero(mask)
            _, first = np.unique(snap.group[members], return_index=True)
            out[g] = facet_counts(snap, members[np.sort(first)])[g]
        return out

    def _hit(self, snap: Snapshot, d: int, score: float, needles: list[str], matched: np.ndarray) -> Hit:
        meta = snap.stored(d)
        text, folded = snap.text(d), snap.folded(d)
        spans = hit_spans(folded, needles)
        table = None
        if spans:  # the sentences' bounds only: their keys are for grouping, not for snippets
            starts, ends = analysis.sentence_spans(folded)
            table = (starts, ends - starts)
        title = meta.get("title") or ""
        return Hit(**Facts.of(meta), score=score, snippets=snippets(text, folded, spans, table),
                   first_hit=spans[0][0] if spans else None,
                   copies=_copies(snap, d), similar=_similar(snap, d, matched),
                   title_marked=segments(title, hit_spans(analysis.fold(title), needles)))

    # ------------------------------------------------------------ one report
    def has(self, doc_id: str) -> bool:
        return self.snapshot().find(doc_id) is not None

    def report(self, doc_id: str, query_text: str = "") -> ReportView:
        snap = self.snapshot()
        d = snap.find(doc_id)
        if d is None:
            raise UnknownReport(f"索引中没有报告 {doc_id!r}（报告 ID 是相对于语料库的路径）")
        meta = snap.stored(d)
        needles = [t.folded for t in parse(query_text).positive_terms] if query_text else []
        source = int(snap.source[d])
        family = [snap.id(source)] + _copies(snap, source)  # every file with this text
        return ReportView(
            **Facts.of(meta), size=meta.get("size") or 0,
            outline=[{"depth": dp, "text": t, "offset": o} for dp, t, o in meta.get("outline") or []],
            text=snap.text(d), hits=hit_spans(snap.folded(d), needles),
            copy_of=family[0] if source != d else None,
            copies=[c for c in family if c != doc_id], similar=_similar(snap, source, None))

    def stats(self) -> dict:
        snap = self.snapshot()
        stats = snap.derived.get("stats")
        if stats is None:  # once per snapshot: the index does not change under it
            indexed = np.flatnonzero(snap.indexed)
            facets = facet_counts(snap, indexed)
            groups = snap.group_members()
            stats = snap.derived["stats"] = {
                "reports": snap.report_count, "files": int(snap.live.sum()), "copies": snap.copy_count,
                "similar_groups": len(groups),
                "in_similar_groups": sum(len(m) for m in groups.values()),
                "index_bytes": _folder_bytes(self.index_dir), "segments": len(snap.parts),
                "generation": snap.generation, "by_year": facets["year"],
                "by_type": facets["type"], "by_level": facets["level"]}
        return stats


def _only(filters: Filters, group: str) -> Filters:
    """The part of `filters` that concerns one facet group."""
    if group == "year":
        return Filters(years=filters.years, not_years=filters.not_years)
    if group == "type":
        return Filters(types=filters.types, not_types=filters.not_types)
    return Filters(levels=filters.levels, not_levels=filters.not_levels)


def _selects(filters: Filters, group: str) -> bool:
    f = _only(filters, group)
    return bool(f.years or f.not_years or f.types or f.not_types or f.levels or f.not_levels)


def _folder_bytes(index_dir: Path) -> int:
    total = 0
    try:
        for p in index_dir.iterdir():
            if p.is_file():
                total += p.stat().st_size
    except OSError:
        pass
    return total


# ---------------------------------------------------------------- duplicates

def _copies(snap: Snapshot, d: int) -> list[str]:
    return [snap.id(c) for c in snap.copies_of.get(d, [])]


def _similar(snap: Snapshot, d: int, among: np.ndarray | None) -> list[dict]:
    return [{"id": snap.id(m), "title": snap.title(m), "year": int(snap.years[m]) or None,
             "overlap": round(overlap, 3), "copies": _copies(snap, m)}
            for m, overlap in snap.similar(d, among)]


def facet_counts(snap: Snapshot, docs: np.ndarray) -> dict[str, dict[str, int]]:
    out = {}
    for key in FACETS:
        codes, names = snap.categories(key)
        counts = np.bincount(codes[docs], minlength=len(names)) if len(names) else []
        pairs = [(names[i], int(c)) for i, c in enumerate(counts) if c and names[i]]
        if key == "year":
            pairs.sort(key=lambda p: p[0], reverse=True)
        else:
            pairs.sort(key=lambda p: (-p[1], p[0]))
        out[key] = dict(pairs)
    return out

