"""Phrase lookup (查提法): every occurrence of a phrase as a KWIC line.

Totals are exact and equal `str.count` over the folded cleaned texts
(non-overlapping occurrences, as `grep -o` counts them). Contexts never cross
a paragraph end. Occurrences at the same place of identical sentences (copied
passages) are one line with a count; the index keeps every sentence's key, so
the lines of the first page are counted without reading every occurrence.
"""
from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np

from . import analysis
from .highlight import find_all
from .matching import filter_mask
from .query import MAX_QUERY_CHARS, Filters, QueryTooLong
from .ranking import rank, sort_docs
from .searcher import Library
from .store import Snapshot

CONTEXT = 30
PHRASE_SORTS = ("rank", "left", "right")
PER_PAGE = 50
COLLOCATIONS = 10
COLLOCATION_SAMPLE = 2000  # occurrences (in rank order) the word lists are counted over
SORT_AT_MOST = 10000      # occurrences (in rank order) a sort by context orders: past this,
                          # making every line of 的 or ， took seconds of a server thread
ALSO_IN_SHOWN = 20         # reports listed for a group of copies
WINDOW = 10               # characters cut by jieba on each side for them
SENTENCE_SHOWN = 300      # characters of a line's sentence shown, at most


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
    also_in: list[dict] = field(default_factory=list)  # other reports of the group: {id, title}

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
    total_groups: int                   # reports, near-duplicates counted once
    lines: list[KwicLine]               # this page
    total_lines: int | None             # after grouping; None when not counted to the end
    page: int
    pages: int
    sort: str
    before: list[tuple[str, int]]
    after: list[tuple[str, int]]
    by_year: dict[str, int]
    collocations_from: int              # occurrences the word lists were counted over
    lines_from: int = 0                 # occurrences the lines were made from, when fewer than all
    elapsed_ms: float = 0.0

    def to_json(self) -> dict:
        return {"phrase": self.phrase, "total_occurrences": self.total_occurrences,
                "total_reports": self.total_reports, "total_groups": self.total_groups,
                "total_lines": self.total_lines,
                "page": self.page, "pages": self.pages, "sort": self.sort,
                "lines": [l.to_json() for l in self.lines],
                "before": [list(p) for p in self.before], "after": [list(p) for p in self.after],
                "by_year": self.by_year, "collocations_from": self.collocations_from,
                "lines_from": self.lines_from,
                "elapsed_ms": round(self.elapsed_ms, 2)}


def lookup(library: Library, phrase: str, sort: str = "rank", page: int = 1,
           per_page: int = PER_PAGE, filters: Filters | None = None) -> PhraseResult:
    started = time.perf_counter()
    phrase = (phrase or "").strip()
    if len(phrase) > MAX_QUERY_CHARS:
        raise QueryTooLong(len(phrase))
    sort = sort if sort in PHRASE_SORTS else "rank"
    page = max(1, page)
    gen = library.snapshot()
    needle = analysis.fold(phrase)

    docs, counts, ranked = _matches(library, gen, needle, filters or Filters())
    count_of = np.zeros(gen.n, dtype=np.int64)  # occurrences per report, 0 outside the result
    count_of[docs] = counts

    in_one_sentence = needle and not any(c in needle for c in analysis.SENTENCE_ENDS)
    total = int(counts.sum())
    lines_from = total
    if sort == "rank" and in_one_sentence:
        lines, total_lines = _rank_page(gen, ranked, needle, count_of, page, per_page)
    else:
        lines_from = min(total, SORT_AT_MOST)
        lines, total_lines = _all_lines_page(gen, ranked, needle, sort, page, per_page,
                                             in_one_sentence, lines_from)
    before, after, looked_at = collocations(gen, ranked, needle)
    years, names = gen.categories("year")
    by_year = np.bincount(years[docs], weights=counts, minlength=len(names)) if len(docs) else []
    result = PhraseResult(
        phrase=phrase, total_occurrences=total, total_reports=len(docs),
        total_groups=len(np.unique(np.asarray(gen.group)[docs])),
        lines=lines, total_lines=total_lines, page=page,
        # Not counted to the end: the pages known so far, this one and the next.
        pages=page + 1 if total_lines is None else max(1, math.ceil(total_lines / per_page)),
        sort=sort, before=before, after=after, collocations_from=looked_at,
        lines_from=lines_from,
        by_year={names[i]: int(c) for i, c in enumerate(by_year) if c and names[i]})
    result.elapsed_ms = (time.perf_counter() - started) * 1000
    return result


def _matches(library: Library, gen: Snapshot, needle: str,
             filters: Filters) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """The reports holding the phrase, its count in each, and the reports in
    rank order: exact counts from the index (matching.doc_counts), the answer
    kept so that the next page or another sort of it is cheaper still."""
    key = ("phrase", gen.token, needle, repr(sorted((k, sorted(v) if isinstance(v, set) else v)
                                                   for k, v in vars(filters).items())))

    def make():
        docs, counts = library.counts(gen, needle)
        keep = filter_mask(gen, filters)[docs] & gen.indexed[docs]
        docs, counts = docs[keep], counts[keep]
        scores = rank(gen, [needle], docs, {needle: (docs, counts)})
        ranked = np.array([d for d, _ in sort_docs(gen, docs, scores, "relevance")], np.int64)
        return docs, counts, ranked
    docs, counts, ranked = library.cache.get_or_make(key, make)
    return docs, counts, ranked.tolist()


def _holders(gen: Snapshot, key: int) -> tuple[np.ndarray, np.ndarray]:
    """Live reports holding a sentence (by its key), and how many times each."""
    if not key:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    docs_out, tf_out = [], []
    for part in gen.parts:
        docs, tf = part.data.sentences.get(key)
        if len(docs):
            local = np.asarray(docs).astype(np.int64)
            keep = ~part.deleted[local]
            docs_out.append(local[keep] + part.base)
            tf_out.append(np.asarray(tf)[keep].astype(np.int64))
    if not docs_out:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(docs_out), np.concatenate(tf_out)


def _occurrences(gen: Snapshot, ranked: list[int], needle: str) -> Iterator[tuple[int, int]]:
    """(report, offset) of every occurrence, reports in rank order."""
    for d in ranked:
        for p in find_all(gen.folded(d), needle):
            yield d, p


def _rank_page(gen, ranked, needle, counts, page, per_page) -> tuple[list[KwicLine], int | None]:
    """A page in rank order. Lines are made only until the page is full; the
    count of each comes from the postings of its sentence's key. A report all
    of whose occurrences lie in sentences already seen is skipped unread, so
    even a phrase found in few distinct sentences costs little."""
    want = page * per_page
    first: dict[tuple[int, int], tuple[int, int]] = {}
    covered = np.zeros(gen.n, dtype=np.int64)   # occurrences in seen sentences
    for d in ranked:
        if covered[d] >= counts[d]:
            continue
        folded = gen.folded(d)
        for p in find_all(folded, needle):
            start, _, key = analysis.sentence_at(folded, p)
            group = (key, p - start) if key else (-d - 1, p)  # a long sentence: its own line
            if group in first:
                continue
            first[group] = (d, p)
            if key:
                holders, tf = _holders(gen, key)
                covered[holders] += tf
            else:
                covered[d] += 1
            if len(first) > want:  # one more than needed: there is a next page
                break
        if len(first) > want:
            break
    lines = []
    for (key, _), (d, p) in list(first.items())[(page - 1) * per_page: want]:
        holders, tf = _holders(gen, key if key > 0 else 0)
        inside = counts[holders] > 0
        count = int(tf[inside].sum()) if inside.any() else 1
        lines.append(_line(gen, d, p, len(needle), count,
                           holders[inside][:ALSO_IN_SHOWN + 1].tolist() or [d]))
    return lines, (len(first) if len(first) <= want else None)


def _all_lines_page(gen, ranked, needle, sort, page, per_page, in_one_sentence,
                    limit: int) -> tuple[list[KwicLine], int]:
    """The lines of the first `limit` occurrences in rank order, grouped (by
    sentence key and place, or — for a phrase that spans sentences — by its
    context), in rank order or sorted by the context left of the phrase (read
    right to left) or right of it."""
    groups: dict[tuple, list] = {}  # key -> [count, (d, p) of the first, reports]
    for d in ranked:
        if limit <= 0:
            break
        folded = gen.folded(d)
        offsets = find_all(folded, needle)[:limit]
        limit -= len(offsets)
        if in_one_sentence:
            keys = []
            for p in offsets:
                start, _, key = analysis.sentence_at(folded, p)
                keys.append((key, p - start) if key else (-d - 1, p))
        else:
            keys = (_context(folded, p, p + len(needle)) for p in offsets)
        for key, p in zip(keys, offsets):
            group = groups.get(key)
            if group is None:
                groups[key] = [1, (d, p), [d]]
            else:
                group[0] += 1
                if group[2][-1] != d and len(group[2]) <= ALSO_IN_SHOWN:
                    group[2].append(d)
    ordered = list(groups.values())  # first seen first: rank order
    if sort != "rank":
        contexts = {id(g): _context(gen.folded(g[1][0]), g[1][1], g[1][1] + len(needle)) for g in ordered}
        if sort == "left":
            ordered.sort(key=lambda g: (contexts[id(g)][0][::-1], contexts[id(g)][1]))
        else:
            ordered.sort(key=lambda g: (contexts[id(g)][1], contexts[id(g)][0][::-1]))
    lines = [_line(gen, d, p, len(needle), count, docs)
             for count, (d, p), docs in ordered[(page - 1) * per_page: page * per_page]]
    return lines, len(groups)


def _context(folded: str, p: int, end: int) -> tuple[str, str]:
    """CONTEXT characters each way, never past a paragraph end."""
    return (folded[max(0, p - CONTEXT):p].rpartition("\n")[2],
            folded[end:end + CONTEXT].partition("\n")[0])


def _line(gen: Snapshot, d: int, p: int, length: int, count: int, docs: list[int]) -> KwicLine:
    """The line at (d, p) in the original characters (folding keeps offsets),
    standing for `count` identical lines in `docs`."""
    text, folded = gen.text(d), gen.folded(d)
    left, right = _context(folded, p, p + length)
    start, end, _ = analysis.sentence_at(folded, p)  # a phrase across sentences: from its own start
    start = max(start, p - SENTENCE_SHOWN // 2)
    end = min(max(end, p + length), start + max(SENTENCE_SHOWN, p + length - start))
    year = int(gen.years[d]) or None
    return KwicLine(id=gen.id(d), title=gen.title(d), year=year, offset=p,
                    left=text[p - len(left):p], match=text[p:p + length],
                    right=text[p + length:p + length + len(right)],
                    sentence=text[start:end].strip(), count=count,
                    also_in=[{"id": gen.id(m), "title": gen.title(m)}
                             for m in dict.fromkeys(docs[:ALSO_IN_SHOWN + 1]) if m != d][:ALSO_IN_SHOWN])


def collocations(gen: Snapshot, ranked: list[int], needle: str) -> tuple[list, list, int]:
    """The jieba words most often directly before and after the phrase, over
    its first COLLOCATION_SAMPLE occurrences in rank order (usually all).
    jieba cuts each distinct window of WINDOW characters once."""
    lefts: Counter = Counter()
    rights: Counter = Counter()
    seen = 0
    for d, p in _occurrences(gen, ranked, needle):
        if seen == COLLOCATION_SAMPLE:
            break
        seen += 1
        left, right = _context(gen.folded(d), p, p + len(needle))
        lefts[left[-WINDOW:]] += 1
        rights[right[:WINDOW]] += 1
    return (_edge_words(lefts, gen.user_dict, -1).most_common(COLLOCATIONS),
            _edge_words(rights, gen.user_dict, 0).most_common(COLLOCATIONS), seen)


def _edge_words(windows: Counter, user_dict, edge: int) -> Counter:
    words: Counter = Counter()
    for window, n in windows.items():
        cut = analysis.cut_folded(window, user_dict)
        if cut and analysis.is_word(cut[edge]):
            words[cut[edge]] += n
    return words
