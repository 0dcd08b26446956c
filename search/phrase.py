"""Phrase lookup (查提法): every occurrence of a phrase as a KWIC line.

Totals are exact and equal `str.count` over the folded cleaned texts
(non-overlapping occurrences, as `grep -o` counts them). Lines never cross a
paragraph end; identical lines (copied passages) are grouped with a count.
"""
from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from . import analysis
from .highlight import find_all, sentence_bounds
from .query import Filters, MAX_QUERY_CHARS, QueryTooLong, Term
from .searcher import Library, filter_mask, rank, sort_docs

CONTEXT = 30
PHRASE_SORTS = ("rank", "left", "right")
PER_PAGE = 50
COLLOCATIONS = 10
COLLOCATION_SAMPLE = 5000  # occurrences looked at for the word lists


@dataclass
class KwicLine:
    id: str
    title: str
    year: int | None
    offset: int
    left: str
    match: str
    right: str
    sentence: str
    count: int = 1                      # identical lines grouped into this one
    also_in: list[str] = field(default_factory=list)  # other reports of the group

    def to_json(self) -> dict:
        return {"id": self.id, "title": self.title, "year": self.year,
                "offset": self.offset, "left": self.left, "match": self.match,
                "right": self.right, "sentence": self.sentence, "count": self.count,
                "also_in": self.also_in}


@dataclass
class PhraseResult:
    phrase: str
    total_occurrences: int
    total_reports: int
    lines: list[KwicLine]               # this page
    total_lines: int                    # after grouping
    page: int
    pages: int
    sort: str
    before: list[tuple[str, int]]
    after: list[tuple[str, int]]
    by_year: dict[str, int]
    collocations_from: int              # occurrences the word lists were counted over
    elapsed_ms: float = 0.0

    def to_json(self) -> dict:
        return {"phrase": self.phrase, "total_occurrences": self.total_occurrences,
                "total_reports": self.total_reports, "total_lines": self.total_lines,
                "page": self.page, "pages": self.pages, "sort": self.sort,
                "lines": [l.to_json() for l in self.lines],
                "before": [list(p) for p in self.before], "after": [list(p) for p in self.after],
                "by_year": self.by_year, "collocations_from": self.collocations_from,
                "elapsed_ms": round(self.elapsed_ms, 2)}


def lookup(library: Library, phrase: str, sort: str = "rank", page: int = 1,
           per_page: int = PER_PAGE, filters: Filters | None = None) -> PhraseResult:
    started = time.perf_counter()
    phrase = (phrase or "").strip()
    if len(phrase) > MAX_QUERY_CHARS:
        raise QueryTooLong(len(phrase))
    sort = sort if sort in PHRASE_SORTS else "rank"
    page = max(1, page)
    gen = library.generation()
    needle = analysis.fold(phrase)

    mask = library.term_mask(gen, Term(phrase)) & filter_mask(gen, filters or Filters())
    docs = np.flatnonzero(mask)
    ordered = [d for d, _ in sort_docs(gen, docs, rank(gen, [needle], docs), "relevance")]

    groups: dict[tuple[str, str, str], KwicLine] = {}
    by_year: Counter = Counter()
    total = 0
    for d in ordered:
        meta, text = gen.docs[d], gen.text(d)
        offsets = find_all(gen.folded(d), needle)
        total += len(offsets)
        by_year[str(meta["year"] or "")] += len(offsets)
        for p in offsets:
            line = _line(meta, text, p, len(needle))
            key = (line.left, line.match, line.right)
            group = groups.get(key)
            if group is None:
                groups[key] = line
            else:
                group.count += 1
                if line.id != group.id and line.id not in group.also_in:
                    group.also_in.append(line.id)

    lines = list(groups.values())  # rank order: reports by score, then by offset
    if sort == "left":
        lines.sort(key=lambda l: (l.left[::-1], l.right))
    elif sort == "right":
        lines.sort(key=lambda l: (l.right, l.left[::-1]))
    before, after, looked_at = collocations(lines, gen.user_dict)
    result = PhraseResult(
        phrase=phrase, total_occurrences=total, total_reports=len(docs),
        lines=lines[(page - 1) * per_page: page * per_page], total_lines=len(lines),
        page=page, pages=max(1, math.ceil(len(lines) / per_page)), sort=sort,
        before=before, after=after, collocations_from=looked_at,
        by_year={y: c for y, c in sorted(by_year.items()) if y})
    result.elapsed_ms = (time.perf_counter() - started) * 1000
    return result


def _line(meta: dict, text: str, p: int, length: int) -> KwicLine:
    para_start = text.rfind("\n", max(0, p - CONTEXT), p) + 1 or max(0, p - CONTEXT)
    left_start = max(para_start, p - CONTEXT)
    end = p + length
    para_end = text.find("\n", end, end + CONTEXT)
    right_end = min(len(text), end + CONTEXT) if para_end < 0 else para_end
    s, e = sentence_bounds(text, p)
    return KwicLine(id=meta["id"], title=meta["title"], year=meta["year"], offset=p,
                    left=text[left_start:p], match=text[p:end], right=text[end:right_end],
                    sentence=text[s:max(e, end)].strip())


def collocations(lines: list[KwicLine], user_dict=None) -> tuple[list, list, int]:
    """Most frequent jieba words directly before and after the phrase, over
    the first COLLOCATION_SAMPLE occurrences (all of them, usually)."""
    before: Counter = Counter()
    after: Counter = Counter()
    seen = 0
    for line in lines:
        if seen >= COLLOCATION_SAMPLE:
            break
        weight = min(line.count, COLLOCATION_SAMPLE - seen)
        seen += weight
        left = analysis.words_raw(line.left, user_dict)
        right = analysis.words_raw(line.right, user_dict)
        if left and analysis.is_word(left[-1]):
            before[left[-1]] += weight
        if right and analysis.is_word(right[0]):
            after[right[0]] += weight
    return before.most_common(COLLOCATIONS), after.most_common(COLLOCATIONS), seen
