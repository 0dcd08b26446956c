"""Render models: result objects cut into small pieces that the templates
print with autoescaping. Nothing here builds HTML."""
from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise

from search.analysis import fold
from search.clean import RemovedSpan
from search.highlight import find_all
from search.kwic import CONTEXT
from search.phrase import PhraseResult
from search.query import QUOTE_CHARS, QueryTooLong, filter_token, parse

_ORDINAL = re.compile(r"[一二三四五六七八九十]{1,2}是")
LEAD_DEPTH = 5   # the outline's 一是… entries: lead words of a sentence, not headings


def needles(q: str) -> list[str]:
    """The folded positive terms of a query (what gets marked)."""
    try:
        return [t.folded for t in parse(q).positive_terms] if q else []
    except QueryTooLong:
        return []


# ------------------------------------------------------------------ report

@dataclass
class Piece:
    text: str
    hit: int | None = None           # index of the hit this piece is part of
    hit_start: bool = False          # the first piece of the hit carries id="hit-N"
    heading: int | None = None       # offset of the inline heading it is part of
    heading_start: bool = False      # the first piece of the heading carries id="h-<offset>"
    lead: bool = False               # the heading is a lead (一是…): only its ordinal is marked
    anchors: list[int] = field(default_factory=list)  # id="o<offset>" anchors before it


@dataclass
class Block:
    kind: str                        # "title", "h2", "h3", "h4" or "p"
    offset: int
    heading: int | None              # id="h-<offset>" when the whole line is a heading
    pieces: list[Piece]


def report_blocks(text: str, outline: list[dict], hits: list[tuple[int, int]],
                  folded_needles: list[str]) -> list[Block]:
    """The report's lines as blocks: headings from the outline (whole-line ones
    as h2–h4, inline ones like 一是… as strong runs), every hit as a numbered
    piece, and an anchor at every offset where a needle starts (the offsets
    phrase lookup links to)."""
    folded = fold(text)
    anchors = sorted({a for a, _ in hits} | {o for n in set(folded_needles) if n
                                             for o in find_all(folded, n)})
    heads = sorted((h["offset"], _head_end(text, h), h["depth"]) for h in outline
                   if 0 <= h["offset"] < len(text))
    head_starts = [h[0] for h in heads]
    blocks: list[Block] = []
    pos = 0
    for number, line in enumerate(text.split("\n")):
        start, end = pos, pos + len(line)
        pos = end + 1
        if not line:
            continue
        lo, hi = bisect_left(head_starts, start), bisect_left(head_starts, end)
        inline = heads[lo:hi]
        whole = None
        if number and inline and inline[0][0] == start and inline[0][1] >= end and inline[0][2] != LEAD_DEPTH:
            whole, inline = inline[0], inline[1:]
        kind = "title" if number == 0 else (f"h{min(whole[2] + 1, 4)}" if whole else "p")
        blocks.append(Block(kind, start, whole[0] if whole else None,
                            _pieces(text, start, end, inline, hits, anchors)))
    return blocks


def _head_end(text: str, heading: dict) -> int:
    """Where an outline entry's marked run ends: a lead (一是…) marks only
    its ordinal, whatever sentence follows; a heading, its text."""
    start = heading["offset"]
    if heading["depth"] == LEAD_DEPTH:
        m = _ORDINAL.match(text, start)
        return m.end() if m else start + min(2, len(heading["text"]))
    return start + len(heading["text"])


def _pieces(text, start, end, inline, hits, anchors) -> list[Piece]:
    """One line cut at every hit, heading and anchor boundary. One pass over
    the cuts with a pointer into the hits: a report that is one long line with
    a hundred thousand hits costs as many steps, not their square."""
    spans = []  # (start, end) clipped to the line, hit number, real start
    for k in range(_first_ending_after(hits, start), len(hits)):
        a, b = hits[k]
        if a >= end:
            break
        spans.append((max(a, start), min(b, end), k, a))
    local_anchors = anchors[bisect_left(anchors, start):bisect_left(anchors, end)]
    heads = [(a, min(b, end)) for a, b, _ in inline]
    leads = {a for a, _, depth in inline if depth == LEAD_DEPTH}
    cuts = {start, end, *local_anchors}
    for s, e, _, _ in spans:
        cuts.update((s, e))
    for a, b in heads:
        cuts.update((a, b))
    cuts = sorted(c for c in cuts if start <= c <= end)
    anchor_set = set(local_anchors)
    out = []
    i = j = 0  # next span that may hold a piece; next heading not yet open
    open_heads: list[tuple[int, int]] = []  # headings begun, in outline order
    for a, b in pairwise(cuts):
        piece = Piece(text[a:b], anchors=[a] if a in anchor_set else [])
        while i < len(spans) and spans[i][1] <= a:
            i += 1
        if i < len(spans) and spans[i][0] <= a and b <= spans[i][1]:  # disjoint, sorted
            piece.hit, piece.hit_start = spans[i][2], a == spans[i][3]
        while j < len(heads) and heads[j][0] <= a:
            open_heads.append(heads[j])
            j += 1
        if open_heads:
            open_heads = [h for h in open_heads if h[1] > a]
            # Every boundary is a cut, so an open heading that goes on past `a` holds the piece.
            found = next((h for h in open_heads if b <= h[1]), None)
            if found:
                piece.heading, piece.heading_start = found[0], a == found[0]
                piece.lead = found[0] in leads
        out.append(piece)
    return out


def _first_ending_after(hits: list[tuple[int, int]], offset: int) -> int:
    """Index of the first hit that ends after `offset` (hits are sorted, disjoint)."""
    lo, hi = 0, len(hits)
    while lo < hi:
        mid = (lo + hi) // 2
        if hits[mid][1] <= offset:
            lo = mid + 1
        else:
            hi = mid
    return lo


# ---------------------------------------------------------------- original

@dataclass
class RuleCount:
    rule: str
    spans: int
    chars: int


def original_pieces(raw: str, removed: Iterable[RemovedSpan]) -> tuple[list[tuple[str, str | None]], list[RuleCount]]:
    """The raw text as (text, rule) pieces — rule None for kept text — and
    what each rule removed."""
    pieces: list[tuple[str, str | None]] = []
    counts: Counter = Counter()
    chars: Counter = Counter()
    pos = 0
    for span in removed:
        if span.start > pos:
            pieces.append((raw[pos:span.start], None))
        pieces.append((raw[span.start:span.end], span.rule))
        counts[span.rule] += 1
        chars[span.rule] += span.end - span.start
        pos = span.end
    if pos < len(raw):
        pieces.append((raw[pos:], None))
    summary = [RuleCount(rule, n, chars[rule]) for rule, n in counts.most_common()]
    return pieces, summary


# -------------------------------------------------------------- navigation

def page_window(page: int, pages: int, width: int = 2) -> list[int | None]:
    """Page numbers to show, None for a gap: 1 … 4 5 [6] 7 8 … 20."""
    if pages <= 1:
        return []
    shown = {1, pages, *range(max(1, page - width), min(pages, page + width) + 1)}
    out: list[int | None] = []
    for n in sorted(shown):
        if out and n - (out[-1] or 0) > 1:
            out.append(None)
        out.append(n)
    return out


def query_filters(q: str) -> list[tuple[str, str, str]]:
    """Filters written inside the query: (key, value, query without them)."""
    try:
        parsed = parse(q).filters
    except QueryTooLong:
        return []
    out = []
    if parsed.years:
        lo, hi = parsed.years
        out.append(("year", f"{lo}" if lo == hi else f"{lo}-{hi}", _without(q, "year", None)))
    for key, values in (("type", parsed.types), ("level", parsed.levels)):
        for value in sorted(values):
            out.append((key, value, _without(q, key, value)))
    return out


def without_filters(q: str) -> str:
    """The query with every filter written in it (year:, type:, level:) removed."""
    return _without(q, None, None)


def _without(q: str, key: str | None, value: str | None) -> str:
    """`q` without the filter tokens for `key` (any key if None) and `value`
    (any value if None)."""
    kept = []
    for token in q.split():
        found = filter_token(token)  # exactly what the parser takes for a filter
        if not (found and (key is None or found[0] == key) and (value is None or found[1] == value)):
            kept.append(token)
    return " ".join(kept)


def unquoted(q: str) -> str:
    """The query without its quote marks ("" when it has none): what a
    zero-results page offers to search instead."""
    if not any(c in QUOTE_CHARS for c in q):
        return ""
    return " ".join("".join(" " if c in QUOTE_CHARS else c for c in q).split())


# ------------------------------------------------------------------ KWIC

@dataclass
class KwicView:
    line: object                         # the phrase.KwicLine
    left: list[tuple[str, bool]]         # (text, is the sort key)
    right: list[tuple[str, bool]]
    left_cut: bool                       # the context goes on past what is shown
    right_cut: bool


def kwic_lines(result: PhraseResult) -> list[KwicView]:
    """Each line's contexts cut around its sort key (marked when the lines
    are sorted by context), with whether the context was cut short."""
    out = []
    for line in result.lines:
        left, right = [(line.left, False)], [(line.right, False)]
        if line.key and result.sort in ("left", "right"):
            a, b = line.key
            side = line.left if result.sort == "left" else line.right
            parts = [(side[:a], False), (side[a:b], True), (side[b:], False)]
            parts = [p for p in parts if p[0]]
            if result.sort == "left":
                left = parts
            else:
                right = parts
        out.append(KwicView(line, left, right, len(line.left) >= CONTEXT, len(line.right) >= CONTEXT))
    return out
