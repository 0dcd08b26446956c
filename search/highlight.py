"""Finding and marking hits in stored text, with plain str.find (no re-analysis).

Offsets found in the folded text are valid in the original text (folding
maps one character to one character), so marks land on the original.
Output is data — segments with a `match` flag — never HTML.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SENTENCE_END = "。！？；!?;\n"
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
    hit_spans) marked. `sentence_table`, the report's sentence starts and
    lengths from the index, saves finding each hit's sentence by scanning."""
    if not spans:
        body_start = text.find("\n") + 1
        return [segments(text, [], body_start, min(len(text), body_start + width))] if body_start else []
    if sentence_table is not None:
        starts, lengths = sentence_table
        rows = np.searchsorted(starts, [a for a, _ in spans], side="right") - 1
        bounds = [(int(starts[i]), int(starts[i] + lengths[i])) for i in rows.tolist()]
    else:
        bounds = [sentence_bounds(text, a) for a, _ in spans]
    # Group hits by sentence; score by distinct terms, then by hits.
    sentences: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for span, bound in zip(spans, bounds):
        sentences.setdefault(bound, []).append(span)
    def score(item):
        (s, e), hits = item
        distinct = {folded[a:b] for a, b in hits}
        return (-len(distinct), -len(hits), s)
    picked, seen = [], set()
    for (s, e), hits in sorted(sentences.items(), key=score):
        if folded[s:e] not in seen:  # a sentence repeated in the report is shown once
            seen.add(folded[s:e])
            picked.append(((s, e), hits))
            if len(picked) == count:
                break
    chosen = sorted(picked)
    out = []
    for (s, e), hits in chosen:
        s, e = _fit(s, e, hits, width)
        segs = segments(text, spans, s, e)
        if s > 0 and text[s - 1] not in SENTENCE_END:
            segs.insert(0, Segment("…", False))
        if e < len(text) and text[e - 1] not in SENTENCE_END and text[e] != "\n":
            segs.append(Segment("…", False))
        out.append(segs)
    return out


def _fit(s: int, e: int, hits: list[tuple[int, int]], width: int) -> tuple[int, int]:
    """Shrink a long sentence to `width` characters around its first hit."""
    if e - s <= width:
        return s, e
    first = hits[0][0]
    start = max(s, first - width // 3)
    return start, min(e, start + width)
