"""Finding and marking hits in stored text, with plain str.find (no re-analysis).

Offsets found in the folded text are valid in the original text (folding
maps one character to one character), so marks land on the original.
Output is data — segments with a `match` flag — never HTML.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .analysis import RAW_SENTENCE_ENDS

SENTENCE_END = RAW_SENTENCE_ENDS + "\n"  # analysis.py decides what ends a sentence
SNIPPET_CHARS = 120
_ENDS = frozenset(SENTENCE_END)


@dataclass(frozen=True)
class Segment:
    text: str
    match: bool

    def to_json(self) -> dict:
        return {"text": self.text, "match": self.match}


def find_all(folded: str, needle: str, start: int = 0, end: int | None = None) -> list[int]:
    """Offsets of non-overlapping occurrences (as `str.count` and `grep -o` count)."""
    out = []
    if not needle:
        return out
    end = len(folded) if end is None else end
    i = folded.find(needle, start, end)
    while i >= 0:
        out.append(i)
        i = folded.find(needle, i + len(needle), end)
    return out


def hit_spans(folded: str, needles: list[str]) -> list[tuple[int, int]]:
    """Every occurrence of every needle, overlapping ones merged (touching
    ones kept apart: 「**」 twice in 「****」 is two hits), in order."""
    spans = sorted((i, i + len(n)) for n in set(needles) if n for i in find_all(folded, n))
    merged: list[list[int]] = []
    for a, b in spans:
        if merged and a < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


def segments(text: str, spans: list[tuple[int, int]], start: int = 0, end: int | None = None) -> list[Segment]:
    """`text[start:end]` cut into plain and matched segments."""
    end = len(text) if end is None else end
    out, pos = [], start
    for a, b in spans:
        if b <= start or a >= end:
            continue
        a, b = max(a, start), min(b, end)
        if a > pos:
            out.append(Segment(text[pos:a], False))
        out.append(Segment(text[a:b], True))
        pos = b
    if pos < end:
        out.append(Segment(text[pos:end], False))
    return out


def sentence_bounds(text: str, offset: int, limit: int = 400) -> tuple[int, int]:
    """The sentence around `offset`: after the previous end mark, through the
    next one (looking at most `limit` characters each way)."""
    start, lo = offset, max(0, offset - limit)
    while start > lo and text[start - 1] not in _ENDS:
        start -= 1
    end, hi = offset, min(len(text), offset + limit)
    while end < hi and text[end] not in _ENDS:
        end += 1
    if end < len(text) and text[end] != "\n":
        end += 1  # keep the 。 with its sentence
    return start, end


def snippets(text: str, folded: str, spans: list[tuple[int, int]],
             sentence_table: tuple[np.ndarray, np.ndarray] | None = None,
             count: int = 3, width: int = SNIPPET_CHARS) -> list[list[Segment]]:
    """Up to `count` passages cut at sentence ends, preferring sentences with
    more distinct terms, shown in document order, every hit (`spans`, from
    hit_spans) marked. A sentence is shown once however often it recurs;
    the title, and the short bare lines of the title block (a title repeated,
    a date line), are shown above the snippets anyway: never as one, the
    opening instead when nothing else has a hit. A long sentence is cut at a clause or word boundary,
    never inside a word where a boundary is near. `sentence_table`, the
    report's sentence starts and lengths from the index, saves finding each
    hit's sentence by scanning."""
    title_end = text.find("\n")
    title_end = len(text) if title_end < 0 else title_end
    heads = _title_block(text)
    heads_end = max((b for _, b in heads), default=0)  # past it, no span is in the title block
    spans_shown = [sp for sp in spans
                   if sp[0] > title_end and (sp[0] >= heads_end or not _within(heads, sp[0]))]
    if not spans_shown:
        return [opening(text, spans, width)] if title_end < len(text) else []
    if sentence_table is not None:
        starts, lengths = sentence_table
        rows = np.searchsorted(starts, [a for a, _ in spans_shown], side="right") - 1
        bounds = [(int(starts[i]), int(starts[i] + lengths[i])) for i in rows.tolist()]
    else:
        bounds = [sentence_bounds(text, a) for a, _ in spans_shown]
    # Group hits by sentence; score by distinct terms, then by hits.
    sentences: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for span, bound in zip(spans_shown, bounds, strict=True):
        sentences.setdefault(bound, []).append(span)

    def score(item):
        (s, _), hits = item
        distinct = {folded[a:b] for a, b in hits}
        return (-len(distinct), -len(hits), s)
    picked, seen = [], set()
    for (s, e), hits in sorted(sentences.items(), key=score):
        key = folded[s:e].strip()
        if key not in seen:  # a sentence repeated in the report is shown once
            seen.add(key)
            picked.append(((s, e), hits))
            if len(picked) == count:
                break
    out = []
    for (s, e), hits in sorted(picked):
        s, e = _fit(text, s, e, hits, width)
        out.append(_passage(text, spans, s, e))
    return out


def opening(text: str, spans: list[tuple[int, int]], width: int = SNIPPET_CHARS) -> list[Segment]:
    """The first sentences of the body (after the title block), as many as
    fit in `width`; a first sentence longer than that cut at a clause or
    word boundary."""
    heads = _title_block(text)
    start = max([text.find("\n") + 1] + [b + 1 for _, b in heads])
    if start >= len(text):
        start = text.find("\n") + 1
    while start < len(text) and text[start] in " \u3000\n。，、；：！？":  # a line broken before its 。
        start += 1
    end = start
    while end < len(text) and end - start < width:
        nxt = end
        while nxt < len(text) and text[nxt] not in _ENDS:
            nxt += 1
        nxt = min(len(text), nxt + (1 if nxt < len(text) and text[nxt] != "\n" else 0))
        if nxt - start > width and end > start:
            break
        end = nxt
        if end < len(text) and text[end] == "\n":
            break
    if end - start > width:
        end = _boundary_before(text, start + width, start + width * 2 // 3)
    return _passage(text, spans, start, end)


TITLE_BLOCK_LINES = 6   # lines after the title that may still belong to its block
_BARE_LINE = 40          # a line this short without a sentence mark: a title, date, name or salutation


def _title_block(text: str) -> list[tuple[int, int]]:
    """(start, end) of the short lines right after the title that end no
    sentence: a title said again, a subtitle or date line, a speaker, 各位代表："""
    out, pos = [], text.find("\n") + 1
    if not pos:
        return out
    for _ in range(TITLE_BLOCK_LINES):
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end
        line = text[pos:end].strip()
        if line and (len(line) > _BARE_LINE or any(c in line for c in RAW_SENTENCE_ENDS)):
            break
        out.append((pos, end))
        pos = end + 1
        if pos >= len(text):
            break
    return out


def _within(blocks: list[tuple[int, int]], offset: int) -> bool:
    return any(a <= offset < b for a, b in blocks)


def _passage(text: str, spans: list[tuple[int, int]], s: int, e: int) -> list[Segment]:
    """`text[s:e]` marked, with … where it cuts into a sentence."""
    segs = segments(text, spans, s, e)
    if s > 0 and text[s - 1] not in SENTENCE_END:
        segs.insert(0, Segment("…", False))
    if e < len(text) and text[e - 1] not in SENTENCE_END and text[e] != "\n":
        segs.append(Segment("…", False))
    return segs


# A clause mark ends a phrase; after one of these characters a word nearly always begins.
_CLAUSE = frozenset("，、：；,:;（）()“”「」《》—")
_AFTER_WORD = frozenset("的了和与及在对把将从为是等并地得被向于以由")


def _boundary_after(text: str, at: int, hi: int) -> int:
    """Where to start a cut near `at`: after a clause mark, else after a
    particle or preposition, else before a run of digits, looking up to `hi`
    (at < hi); `at` if none is found."""
    for marks in (_CLAUSE, _AFTER_WORD):
        for i in range(at, hi):
            if text[i - 1] in marks if i > 0 else False:
                return i
    return at


def _boundary_before(text: str, at: int, lo: int) -> int:
    """Where to end a cut near `at`: right before a clause mark, else right
    after a particle, looking back to `lo` (lo < at); `at` if none."""
    for i in range(at, lo, -1):
        if text[i] in _CLAUSE and i > lo:
            return i
    for i in range(at, lo, -1):
        if text[i - 1] in _AFTER_WORD:
            return i
    return at


def _fit(text: str, s: int, e: int, hits: list[tuple[int, int]], width: int) -> tuple[int, int]:
    """Shrink a long sentence to about `width` characters around its first
    hit, cut at clause or word boundaries and never through a hit."""
    if e - s <= width:
        return s, e
    first, first_end = hits[0]
    start = max(s, first - width // 3)
    if start > s:  # look for a boundary from a little further back up to the hit
        start = _boundary_after(text, max(s + 1, first - width // 2), first + 1) \
            if first - width // 2 > s else s
        if start > first:
            start = max(s, first - width // 3)
    end = min(e, start + width)
    if end < e:
        end = _boundary_before(text, end, max(first_end, end - width // 4))
    return start, max(end, min(e, first_end))
