"""Phrase lookup (查提法): every occurrence of a phrase as a KWIC line.

Totals are exact and equal `str.count` over the folded cleaned texts
(non-overlapping occurrences, as `grep -o` counts them). Contexts never cross
a paragraph end. Occurrences at the same place of identical sentences (copied
passages) are one line with a count; the index keeps every sentence's key, so
the lines of the first page are counted without reading every occurrence.
Where the occurrences are and what surrounds them: kwic.py; sort keys
(pinyin, first word left or right): sortkey.py; collocation strength:
colloc.py.
"""
from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from . import analysis, colloc, kwic, sortkey
from .kwic import Occurrences
from .matching import filter_mask
from .query import Filters, check_query_length
from .ranking import rank, sort_order
from .searcher import Library
from .store import Snapshot

# The sorts of a phrase lookup: name -> what the CLI and the pages call it.
PHRASE_SORTS = {"rank": "按相关度", "left": "按前一个词", "right": "按后一个词"}
PER_PAGE = 50
COLLOCATION_SAMPLE = 2000  # occurrences (in rank order) the word lists are counted over
SORT_AT_MOST = 10000      # occurrences (in rank order) a sort by context orders: past this,
                          # making every line of 的 or ， took seconds of a server thread
RANKED_FIRST = SORT_AT_MOST  # reports put in order at first: they hold at least SORT_AT_MOST
                          # occurrences; the rest are ordered only if a page reads past them
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
    type: str = ""
    level: str = ""
    key: tuple[int, int] | None = None  # the sort key word in `left` or `right` (by the sort)

    def to_json(self) -> dict:
        return {"id": self.id, "title": self.title, "year": self.year, "type": self.type,
                "level": self.level, "offset": self.offset, "left": self.left, "match": self.match,
                "right": self.right, "sentence": self.sentence, "count": self.count,
                "also_in": self.also_in, "key": list(self.key) if self.key else None}


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
    before: list[colloc.Collocate]
    after: list[colloc.Collocate]
    by_year: dict[str, int]
    collocations_from: int              # occurrences the word lists were counted over
    lines_from: int = 0                 # occurrences the lines were made from, when fewer than all
    facets: dict[str, dict[str, int]] = field(default_factory=dict)  # occurrences by year/type/level,
                                        # each group counted with its own selection left out
    filters: Filters = field(default_factory=Filters)
    elapsed_ms: float = 0.0

    def to_json(self) -> dict:
        return {"phrase": self.phrase, "total_occurrences": self.total_occurrences,
                "total_reports": self.total_reports, "total_groups": self.total_groups,
                "total_lines": self.total_lines,
                "page": self.page, "pages": self.pages, "sort": self.sort,
                "lines": [line.to_json() for line in self.lines],
                "before": [c.to_json() for c in self.before], "after": [c.to_json() for c in self.after],
                "by_year": self.by_year, "facets": self.facets,
                "collocations_from": self.collocations_from, "lines_from": self.lines_from,
                "elapsed_ms": round(self.elapsed_ms, 2)}


def lookup(library: Library, phrase: str, sort: str = "rank", page: int = 1,
           per_page: int = PER_PAGE, filters: Filters | None = None) -> PhraseResult:
    started = time.perf_counter()
    phrase = check_query_length((phrase or "").strip())
    sort = sort if sort in PHRASE_SORTS else "rank"
    page = max(1, page)
    gen = library.snapshot()
    needle = analysis.fold_query(phrase)

    filters = filters or Filters()
    docs, counts, scores = _matches(library, gen, needle, filters)
    occurrences = Occurrences(
        gen, needle, docs[sort_order(gen, docs, scores, "relevance", RANKED_FIRST)], library.find(gen, needle),
        rest=lambda: docs[sort_order(gen, docs, scores, "relevance")])
    count_of = np.zeros(gen.n, dtype=np.int64)  # occurrences per report, 0 outside the result
    count_of[docs] = counts
    in_one_sentence = needle and not any(c in needle for c in analysis.SENTENCE_ENDS)
    total = int(counts.sum())
    lines_from = total
    if sort == "rank" and in_one_sentence:
        lines, total_lines = _rank_page(gen, occurrences, count_of, page, per_page)
    else:
        lines_from = min(total, SORT_AT_MOST)
        key = ("sorted", gen.token, needle, _filters_key(filters), sort, lines_from)
        lines, total_lines = _sorted_page(gen, occurrences, sort, page, per_page, lines_from,
                                          library.answers, key)
    before, after, looked_at = collocations(gen, occurrences, total)
    years, names = gen.categories("year")
    by_year = np.bincount(years[docs], weights=counts, minlength=len(names)) if len(docs) else []
    result = PhraseResult(
        phrase=phrase, total_occurrences=total, total_reports=len(docs),
        total_groups=_distinct(np.asarray(gen.group)[docs], gen.n),
        lines=lines, total_lines=total_lines, page=page,
        # Not counted to the end: the pages known so far, this one and the next.
        pages=page + 1 if total_lines is None else max(1, math.ceil(total_lines / per_page)),
        sort=sort, before=before, after=after, collocations_from=looked_at,
        lines_from=lines_from, facets=_facets(library, gen, needle, filters), filters=filters,
        by_year={names[i]: int(c) for i, c in enumerate(by_year) if c and names[i]})
    result.elapsed_ms = (time.perf_counter() - started) * 1000
    return result


def _matches(library: Library, gen: Snapshot, needle: str,
             filters: Filters) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The reports holding the phrase under the filters, its count in each,
    and their scores; kept, so that the next page or another sort of it
    costs no ranking."""
    key = ("phrase", gen.token, needle, _filters_key(filters))

    def make():
        found = library.find(gen, needle)
        keep = filter_mask(gen, filters)[found.docs] & gen.indexed[found.docs]
        docs, counts = found.docs[keep], found.counts[keep]
        return docs, counts, rank(gen, [needle], docs, {needle: (docs, counts)})
    return library.answers.get_or_make(key, make)


def _filters_key(filters: Filters) -> str:
    return repr(sorted((k, sorted(v) if isinstance(v, set) else v) for k, v in vars(filters).items()))


def _rank_page(gen: Snapshot, occurrences: Occurrences, count_of: np.ndarray, page: int,
               per_page: int) -> tuple[list[KwicLine], int | None]:
    """A page in rank order. Lines are made only until the page is full; the
    count of each comes from the postings of its sentence's key. Occurrences
    are read in growing batches; one in a report all of whose occurrences lie
    in sentences already seen is passed over."""
    want = page * per_page
    width = len(occurrences.needle)
    first: dict[tuple[int, int], tuple[int, int, int]] = {}
    known: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    covered = np.zeros(gen.n, dtype=np.int64)   # occurrences in seen sentences
    read, batch = 0, 2 * want + 16
    while len(first) <= want:
        docs, offsets = occurrences.first(read + batch)
        docs, offsets = docs[read:], offsets[read:]
        if not len(docs):
            break
        read += len(docs)
        batch = min(2 * batch, 4096)
        open_ = covered[docs] < count_of[docs]  # reports whose every line is seen: not read
        docs, offsets = docs[open_], offsets[open_]
        starts, _, keys = kwic.sentences(gen, docs, offsets, width)
        known.update(kwic.holders(gen, np.setdiff1d(keys, np.array(list(known), np.uint64))))
        for d, p, start, key in zip(docs.tolist(), offsets.tolist(), starts.tolist(), keys.tolist(),
                                    strict=True):
            if covered[d] >= count_of[d]:
                continue
            group = (key, p - start) if key else (-d - 1, p)  # a long sentence: its own line
            if group in first:
                continue
            first[group] = (d, p, key)
            if key:
                holders, tf = known[key]
                covered[holders] += tf
            else:
                covered[d] += 1
            if len(first) > want:  # one more than needed: there is a next page
                break
    chosen = list(first.values())[(page - 1) * per_page: want]
    counts, reports = [], []
    for d, _, key in chosen:
        holders, tf = known.get(key, (np.zeros(0, np.int64), np.zeros(0, np.int64)))
        inside = count_of[holders] > 0
        counts.append(int(tf[inside].sum()) if inside.any() else 1)
        reports.append(holders[inside][:ALSO_IN_SHOWN + 1].tolist() or [d])
    lines = _lines(gen, [(d, p) for d, p, _ in chosen], width, counts, reports)
    return lines, (len(first) if len(first) <= want else None)


def _sorted_page(gen: Snapshot, occurrences: Occurrences, sort: str, page: int, per_page: int,
                 limit: int, cache, key: tuple) -> tuple[list[KwicLine], int]:
    """The lines of the first `limit` occurrences in rank order, identical
    lines (the same context both ways) grouped, in rank order or sorted by the
    first word left or right of the phrase (sortkey.py). The order is kept
    in `cache` under `key`: the next page costs no sorting."""
    ordered = cache.get(key)
    if ordered is None:
        ordered = _order(gen, occurrences, sort, limit)
        cache.put(key, ordered, size=400 * len(ordered) + 256)
    lo, hi = (page - 1) * per_page, page * per_page
    shown = ordered[lo:hi]
    lines = _lines(gen, [g[1] for g in shown], len(occurrences.needle),
                   [g[0] for g in shown], [g[2] for g in shown])
    for line, group in zip(lines, shown, strict=True):
        span = group[4]
        line.key = span if span and span[1] > span[0] else None
    return lines, len(ordered)


def _order(gen: Snapshot, occurrences: Occurrences, sort: str, limit: int) -> list[list]:
    """[count, (d, p) of the first, reports, context, key span] per group."""
    docs, offsets, contexts = occurrences.contexts(limit)
    groups: dict[tuple, list] = {}
    for d, p, context in zip(docs.tolist(), offsets.tolist(), contexts, strict=True):
        group = groups.get(context)
        if group is None:
            groups[context] = [1, (d, p), [d], context, None]
        else:
            group[0] += 1
            if group[2][-1] != d and len(group[2]) <= ALSO_IN_SHOWN:
                group[2].append(d)
    ordered = list(groups.values())  # first seen first: rank order
    if sort in ("left", "right"):
        keys = sortkey.sort_keys([g[3] for g in ordered], sort, gen.user_dict)
        for group, (_, span) in zip(ordered, keys, strict=True):
            group[4] = span
        order = sorted(range(len(ordered)), key=lambda i: keys[i][0])  # stable: rank order on ties
        ordered = [ordered[i] for i in order]
    return ordered


def _lines(gen: Snapshot, places: list[tuple[int, int]], width: int, counts: list[int],
           reports: list[list[int]]) -> list[KwicLine]:
    """KWIC lines at (report, offset) in the original characters (folding
    keeps offsets; the original is Whoosh's stored text), each standing for
    `counts[i]` identical lines in `reports[i]`."""
    if not places:
        return []
    docs = np.array([d for d, _ in places], np.int64)
    offsets = np.array([p for _, p in places], np.int64)
    around = kwic.contexts(gen, docs, offsets, width)
    starts, ends, _ = kwic.sentences(gen, docs, offsets, width)
    types, type_names = gen.categories("type")
    levels, level_names = gen.categories("level")
    named = [d for d, _ in places] + [m for shown in reports for m in shown[:ALSO_IN_SHOWN + 1]]
    ids, titles = gen.strings_at("ids", named), gen.strings_at("titles", named)
    lines = []
    for i, (d, p) in enumerate(places):
        text = gen.text(d)
        left, right = around[i]
        start = max(int(starts[i]), p - SENTENCE_SHOWN // 2)  # a phrase across sentences: its own start
        end = min(max(int(ends[i]), p + width), start + max(SENTENCE_SHOWN, p + width - start))
        lines.append(KwicLine(
            id=ids[d], title=titles[d], year=int(gen.years[d]) or None, offset=p,
            left=text[p - len(left):p], match=text[p:p + width],
            right=text[p + width:p + width + len(right)], sentence=text[start:end].strip(),
            count=counts[i], type=type_names[types[d]] if len(type_names) else "",
            level=level_names[levels[d]] if len(level_names) else "",
            also_in=[{"id": ids[m], "title": titles[m]}
                     for m in dict.fromkeys(reports[i][:ALSO_IN_SHOWN + 1]) if m != d][:ALSO_IN_SHOWN]))
    return lines


def collocations(gen: Snapshot, occurrences: Occurrences, total: int) -> tuple[list, list, int]:
    """The jieba words right before and after the phrase, over its first
    COLLOCATION_SAMPLE occurrences in rank order (usually all), ranked by
    log-likelihood (colloc.py). jieba cuts each distinct window of WINDOW
    characters once."""
    docs, _, contexts = occurrences.contexts(COLLOCATION_SAMPLE)
    lefts: Counter = Counter()
    rights: Counter = Counter()
    for left, right in contexts:
        lefts[left[-WINDOW:]] += 1
        rights[right[:WINDOW]] += 1
    looked_at = len(docs)
    return (colloc.ranked(_edge_words(lefts, gen.user_dict, -1), gen, looked_at, total),
            colloc.ranked(_edge_words(rights, gen.user_dict, 0), gen, looked_at, total), looked_at)


def _edge_words(windows: Counter, user_dict, edge: int) -> Counter:
    words: Counter = Counter()
    cut = analysis.segmenter(user_dict).cut  # once: finding it checks the dictionary file
    for window, n in windows.items():
        cuts = cut(window) if window else None
        if cuts and analysis.is_word(cuts[edge]):
            words[cuts[edge]] += n
    return words


def _distinct(values: np.ndarray, n: int) -> int:
    """How many distinct values in [0, n) (np.unique hashes or sorts them all)."""
    seen = np.zeros(n, bool)
    seen[values] = True
    return int(np.count_nonzero(seen))


def _facets(library: Library, gen: Snapshot, needle: str, filters: Filters) -> dict[str, dict[str, int]]:
    """Occurrences by year, type and level; each group counted under the
    other groups' selections only, so that several values can be chosen."""
    found = library.find(gen, needle)
    if not len(found.docs):
        return {"year": {}, "type": {}, "level": {}}
    out = {}
    for group in ("year", "type", "level"):
        others = Filters(
            years=None if group == "year" else filters.years,
            types=set() if group == "type" else filters.types,
            levels=set() if group == "level" else filters.levels,
            not_years=[] if group == "year" else filters.not_years,
            not_types=set() if group == "type" else filters.not_types,
            not_levels=set() if group == "level" else filters.not_levels)
        keep = filter_mask(gen, others)[found.docs] & gen.indexed[found.docs]
        codes, names = gen.categories(group)
        counts = np.bincount(codes[found.docs[keep]], weights=found.counts[keep],
                             minlength=len(names)) if len(names) else []
        pairs = [(names[i], int(c)) for i, c in enumerate(counts) if c and names[i]]
        pairs.sort(key=(lambda p: p[0]) if group == "year" else (lambda p: (-p[1], p[0])),
                   reverse=group == "year")
        out[group] = dict(pairs)
    return out
