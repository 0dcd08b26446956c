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
from typing import Iterator

import numpy as np

from . import analysis
from .highlight import find_all, sentence_bounds
from .query import Filters, MAX_QUERY_CHARS, QueryTooLong, Term
from .postings import Generation
from .searcher import Library, filter_mask, rank, sort_docs

CONTEXT = 30
PHRASE_SORTS = ("rank", "left", "right")
PER_PAGE = 50
COLLOCATIONS = 10
COLLOCATION_SAMPLE = 2000  # occurrences looked at for the word lists
GROUP_ALL_UP_TO = 20000    # occurrences; past this, rank order groups lazily
ALSO_IN_SHOWN = 20         # reports listed for a group of copies
WINDOW = 10               # characters cut by jieba on each side for them


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
    total_lines: int | None             # after grouping; None when not counted to the end
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
    counts = np.array([gen.folded(d).count(needle) for d in docs.tolist()], dtype=np.int64)
    ranked = [d for d, _ in sort_docs(gen, docs, rank(gen, [needle], docs), "relevance")]
    if sort == "rank" and counts.sum() > GROUP_ALL_UP_TO:
        lines, total_lines = _rank_page(gen, mask, ranked, needle, page, per_page)
    else:
        lines, total_lines = _grouped_page(gen, ranked, needle, sort, page, per_page)
    before, after, looked_at = collocations(gen, ranked, needle)
    years, names = gen.categories("year")
    by_year = np.bincount(years[docs], weights=counts, minlength=len(names)) if len(docs) else []
    total = int(counts.sum())
    result = PhraseResult(
        phrase=phrase, total_occurrences=total, total_reports=len(docs),
        lines=lines, total_lines=total_lines, page=page,
        pages=max(1, math.ceil((total_lines if total_lines is not None else total) / per_page)),
        sort=sort, before=before, after=after, collocations_from=looked_at,
        by_year={names[i]: int(c) for i, c in enumerate(by_year) if c and names[i]})
    result.elapsed_ms = (time.perf_counter() - started) * 1000
    return result


# Identical lines (same left context, match and right context) form one group.
# Up to GROUP_ALL_UP_TO occurrences every line is made and grouped. Past that,
# in rank order, lines are made only until the page is full, and each group on
# the page is counted by finding its whole passage in the library.

def _occurrences(gen: Generation, ranked: list[int], needle: str) -> Iterator[tuple[int, int]]:
    for d in ranked:
        for p in find_all(gen.folded(d), needle):
            yield d, p


def _context(text: str, p: int, end: int) -> tuple[int, int]:
    """Start of the left and end of the right context: CONTEXT characters
    each way, never past a paragraph end."""
    left = text.rfind("\n", max(0, p - CONTEXT), p) + 1 or max(0, p - CONTEXT)
    right = text.find("\n", end, end + CONTEXT)
    return left, (min(len(text), end + CONTEXT) if right < 0 else right)


def _key(gen: Generation, d: int, p: int, length: int) -> tuple[str, str, str]:
    text = gen.text(d)
    a, b = _context(text, p, p + length)
    return text[a:p], text[p:p + length], text[p + length:b]


def _rank_page(gen, mask, ranked, needle, page, per_page) -> tuple[list[KwicLine], int | None]:
    want = page * per_page
    first: dict[tuple[str, str, str], tuple[int, int]] = {}
    for d, p in _occurrences(gen, ranked, needle):
        key = _key(gen, d, p, len(needle))
        if key not in first:
            first[key] = (d, p)
            if len(first) > want:  # one more than needed: there is a next page
                break
    total_lines = len(first) if len(first) <= want else None
    lines = []
    for key in list(first)[(page - 1) * per_page: want]:
        d, p = first[key]
        count, where = _group_members(gen, mask, key)
        lines.append(_group_line(gen, d, p, len(needle), count, where))
    return lines, total_lines


def _group_members(gen: Generation, mask: np.ndarray, key: tuple[str, str, str]) -> tuple[int, list[int]]:
    """How many occurrences in `mask` have a line with exactly this context,
    and in which reports (at most ALSO_IN_SHOWN)."""
    left, match, right = key
    passage = analysis.fold(left + match + right)
    postings = sorted((gen.gram_postings(int(k)) for k in analysis.term_gram_keys(passage)), key=len)
    candidates = mask.copy()
    for docs in postings[:6]:  # the rarest grams narrow it down enough
        narrowed = np.zeros(gen.n, dtype=bool)
        narrowed[docs] = True
        candidates &= narrowed
    # A context cut short by a paragraph end must be cut there in the copy too.
    cut = len(left) < CONTEXT or len(right) < CONTEXT
    count, where = 0, []
    for d in np.flatnonzero(candidates).tolist():
        folded = gen.folded(d)
        if cut:
            n = sum(_key(gen, d, q + len(left), len(match)) == key for q in find_all(folded, passage))
        else:
            n = folded.count(passage)
        if n:
            count += n
            if len(where) < ALSO_IN_SHOWN:
                where.append(d)
    return count, where


def _grouped_page(gen, ranked, needle, sort, page, per_page) -> tuple[list[KwicLine], int]:
    """Every line, grouped, in rank order or sorted by the context left of the
    phrase (read right to left) or right of it."""
    groups: dict[tuple[str, str, str], list[tuple[int, int]]] = {}
    for d, p in _occurrences(gen, ranked, needle):
        groups.setdefault(_key(gen, d, p, len(needle)), []).append((d, p))
    keys = list(groups)  # first seen first: rank order
    if sort == "left":
        keys.sort(key=lambda k: (k[0][::-1], k[2], k[1]))
    elif sort == "right":
        keys.sort(key=lambda k: (k[2], k[0][::-1], k[1]))
    lines = []
    for members in (groups[k] for k in keys[(page - 1) * per_page: page * per_page]):
        d, p = members[0]
        lines.append(_group_line(gen, d, p, len(needle), len(members), [m for m, _ in members]))
    return lines, len(groups)


def _group_line(gen: Generation, d: int, p: int, length: int, count: int, docs: list[int]) -> KwicLine:
    """The line at (d, p), standing for a group of `count` identical lines."""
    line = _line(gen, d, p, length)
    line.count = count
    others = dict.fromkeys(gen.docs[m]["id"] for m in docs if m != d)
    line.also_in = list(others)[:ALSO_IN_SHOWN]
    return line


def _line(gen: Generation, d: int, p: int, length: int) -> KwicLine:
    meta, text = gen.docs[d], gen.text(d)
    left, match, right = _key(gen, d, p, length)
    s, e = sentence_bounds(text, p)
    return KwicLine(id=meta["id"], title=meta["title"], year=meta["year"], offset=p,
                    left=left, match=match, right=right,
                    sentence=text[s:max(e, p + length)].strip())


def collocations(gen: Generation, ranked: list[int], needle: str) -> tuple[list, list, int]:
    """Most frequent jieba words directly before and after the phrase, over
    the first COLLOCATION_SAMPLE occurrences in rank order (usually all)."""
    lefts: Counter = Counter()
    rights: Counter = Counter()
    seen = 0
    for d, p in _occurrences(gen, ranked, needle):
        if seen == COLLOCATION_SAMPLE:
            break
        seen += 1
        folded, end = gen.folded(d), p + len(needle)
        a, b = _context(folded, p, end)
        lefts[folded[max(a, p - WINDOW):p]] += 1
        rights[folded[end:min(b, end + WINDOW)]] += 1
    # Copied passages repeat their windows: cut each distinct window once.
    before: Counter = Counter()
    after: Counter = Counter()
    for window, n in lefts.items():
        words = analysis.cut_folded(window, gen.user_dict)
        if words and analysis.is_word(words[-1]):
            before[words[-1]] += n
    for window, n in rights.items():
        words = analysis.cut_folded(window, gen.user_dict)
        if words and analysis.is_word(words[0]):
            after[words[0]] += n
    return before.most_common(COLLOCATIONS), after.most_common(COLLOCATIONS), seen
