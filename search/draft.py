"""草稿比对: a draft checked against the library, sentence by sentence.

Each sentence of the draft (split as the index splits texts) is new, 套话
(a common formula: in at least `common_at` distinct reports) or copied (in
one report or a few: those are its sources, with year and overlap). Where a
sentence occurs comes from draft_match: exactly, as a whole sentence, or as
a near-copy. Copies of a report are never indexed twice, and a group of
near-duplicate reports counts once, as everywhere else.

A draft is read by the same readers and cleaned by the same rules as the
library's reports, so its offsets are offsets into its cleaned text.
"""
from __future__ import annotations

import io
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import analysis, draft_match
from .clean import clean
from .draft_index import BOUND, SKIP, WORD
from .draft_index import CLASSES as EDGE_CLASSES
from .draft_match import Matches, core_bounds, words_only
from .errors import DraftError
from .readers import UnreadableFile, read_document
from .readers.base import Extracted
from .readers.docx import read_docx
from .readers.markdown import read_markdown
from .readers.text import decode_bytes
from .searcher import Library
from .settings import Settings, cleaning_rules
from .store import Snapshot

COMMON_AT = 5              # K: a sentence in at least this many distinct reports is 套话
SHORT = 8                  # sentences with fewer characters (punctuation aside) are only
                           # looked up exactly, and never called copied
MAX_DRAFT_CHARS = 100_000  # characters of cleaned text a check takes
SOURCES_SHOWN = 10         # sources listed for a copied sentence
EXAMPLES_SHOWN = 5         # reports listed as examples for a 套话
TOP_REPORTS = 10
DRAFT_SUFFIXES = (".txt", ".md", ".docx")
CLASSES = ("new", "common", "copied")


@dataclass
class Source:
    id: str
    title: str
    year: int | None
    overlap: float       # 1.0: the very sentence; below: a near-copy
    offset: int          # where the sentence starts in the report's text
    text: str            # the report's sentence
    similar: int = 0     # its near-duplicates (counted with it, as one report)

    def to_json(self) -> dict:
        return {"id": self.id, "title": self.title, "year": self.year, "overlap": self.overlap,
                "offset": self.offset, "text": self.text, "similar": self.similar}


@dataclass
class Sentence:
    text: str
    offset: int                      # in the cleaned draft
    cls: str                         # "new" | "common" | "copied"
    sources: list[Source] = field(default_factory=list)
    reports: int = 0                 # distinct reports holding it (near-duplicates once)
    by_year: dict[str, int] = field(default_factory=dict)   # for 套话: reports by year

    def to_json(self) -> dict:
        return {"text": self.text, "offset": self.offset, "class": self.cls,
                "sources": [s.to_json() for s in self.sources], "reports": self.reports,
                "by_year": self.by_year}


@dataclass
class TopReport:
    id: str
    title: str
    year: int | None
    chars: int           # characters of the draft's copied sentences found in it
    sentences: int       # how many of those sentences
    offset: int          # where the first of them stands in the report
    text: str            # that sentence, in the report

    def to_json(self) -> dict:
        return {"id": self.id, "title": self.title, "year": self.year, "chars": self.chars,
                "sentences": self.sentences, "offset": self.offset, "text": self.text}


@dataclass
class CheckResult:
    text: str                        # the cleaned draft
    sentences: list[Sentence]
    share: dict[str, float]          # share of the sentences' characters in each class
    top_reports: list[TopReport]
    common_at: int
    library_reports: int
    elapsed_ms: float = 0.0

    def to_json(self) -> dict:
        return {"text": self.text, "sentences": [s.to_json() for s in self.sentences],
                "share": self.share, "top_reports": [t.to_json() for t in self.top_reports],
                "common_at": self.common_at, "library_reports": self.library_reports,
                "elapsed_ms": round(self.elapsed_ms, 1)}


# ------------------------------------------------------------------ input

def read_upload(name: str, data: bytes) -> str:
    """The text of an uploaded draft (.txt, .md or .docx), read in memory by
    the library's own readers: nothing is written to disk."""
    suffix = Path(name or "").suffix.lower()
    if suffix not in DRAFT_SUFFIXES:
        raise DraftError(f"只能比对 .txt、.md 或 .docx 文件，这个是 {suffix or '无扩展名'}")
    try:
        if suffix == ".docx":
            extracted = read_docx(io.BytesIO(data))
        else:
            text = decode_bytes(data)
            extracted = read_markdown(text) if suffix == ".md" else Extracted(text)
    except UnreadableFile as exc:
        raise DraftError(f"读不出这个文件：{exc.reason}") from None
    return re.sub(r"\r\n|[\r\u2028\u2029\x85]", "\n", extracted.text)


def read_path(path: Path) -> str:
    """The text of a draft file on disk (any format the library reads)."""
    if not Path(path).exists():  # said first: its extension would be the reason otherwise
        raise DraftError(f"没有这个文件：{path}")
    try:
        return read_document(Path(path)).text
    except UnreadableFile as exc:
        raise DraftError(f"读不出 {path}：{exc.reason}") from None


# ------------------------------------------------------------------ the check

def check(library: Library, raw: str, settings: Settings | None = None,
          common_at: int = COMMON_AT) -> CheckResult:
    """Check a draft's text (raw: it is cleaned as a report would be, with the
    settings' cleaning rules; without settings, the built-in ones)."""
    started = time.perf_counter()
    common_at = max(2, int(common_at))
    rules = cleaning_rules(settings) if settings is not None else None
    text = clean(raw or "", rules).text
    if not text.strip():
        raise DraftError("草稿是空的：请粘贴正文或选择文件")
    if len(text) > MAX_DRAFT_CHARS:
        raise DraftError(f"草稿太长：{len(text)} 字，最多 {MAX_DRAFT_CHARS} 字", 413)
    snap = library.snapshot()
    folded = analysis.fold(text)
    spans, cores = _sentences(folded)
    unique = list(dict.fromkeys(cores))
    at = {c: i for i, c in enumerate(unique)}
    found = _found(snap, unique, common_at)
    index = [at[core] for core in cores]
    sentences = [_sentence(snap, text[s:e], s, found, i, unique[i], common_at)
                 for (s, e), i in zip(spans, index, strict=True)]
    result = CheckResult(text, sentences, _share(sentences), _top_reports(snap, sentences, found, index),
                         common_at, snap.report_count)
    result.elapsed_ms = (time.perf_counter() - started) * 1000
    return result


def _sentences(folded: str) -> tuple[list[tuple[int, int]], list[str]]:
    """The draft's sentences as the index cuts them, and their cores; a
    sentence of punctuation only is left out."""
    spans, cores = [], []
    starts, ends = analysis.sentence_spans(folded)
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        a, b = core_bounds(folded[s:e])
        if b > a:
            spans.append((s, e))
            cores.append(folded[s + a:s + b])
    return spans, cores


@dataclass
class _Found:
    """Each draft core's best match in each near-duplicate group it occurs
    in: rows of `m` ordered by core, then best first (overlap, then the
    newest report); core i's rows are `start[i]:start[i + 1]`."""
    m: Matches
    groups: np.ndarray
    start: np.ndarray

    def rows(self, i: int) -> range:
        return range(int(self.start[i]), int(self.start[i + 1]))


def _best(snap: Snapshot, m: Matches, cores: int) -> _Found:
    """One match per (core, near-duplicate group): the closest, then the
    newest report, then the first; ordered by core, then the same way."""
    groups = np.asarray(snap.group)[m.docs].astype(np.int64)
    # overlap (3 decimals) and year as ranks: larger first
    closeness = 1000 - np.round(m.overlaps * 1000).astype(np.int64)
    age = 4095 - np.clip(snap.years[m.docs].astype(np.int64), 0, 4095)
    rank = (closeness << 12) | age
    order = np.lexsort((m.docs, rank, groups, m.which))
    if len(order):
        keep = np.concatenate([[True], (np.diff(m.which[order]) != 0) | (np.diff(groups[order]) != 0)])
        rows = order[keep]
        rows = rows[np.lexsort((m.docs[rows], rank[rows], m.which[rows]))]
    else:
        rows = order
    kept = Matches(*(getattr(m, f)[rows] for f in ("which", "docs", "offsets", "lengths", "overlaps", "shared")))
    start = np.searchsorted(kept.which, np.arange(cores + 1), side="left")
    return _Found(kept, groups[rows], start)


def _found(snap: Snapshot, cores: list[str], common_at: int) -> _Found:
    exact = draft_match.exact(snap, cores)
    counts = np.diff(_best(snap, exact, len(cores)).start)
    need = {i: common_at - int(counts[i]) for i, c in enumerate(cores)
            if len(words_only(c)) >= SHORT and counts[i] < common_at}
    near = draft_match.near(snap, cores, need)
    parts = [exact, near]
    # A near-copy may itself be a formula many reports use in that form: count those too.
    variants = _variants(near, cores, counts, common_at)
    if variants:
        found = draft_match.exact(snap, [text for _, text, _ in variants])
        source = np.array([v[0] for v in variants], np.int64)
        closeness = np.array([v[2] for v in variants])
        found.which, found.overlaps = source[found.which], closeness[found.which]
        parts.append(found)
    return _best(snap, Matches.concat(parts), len(cores))


def _variants(near: Matches, cores: list[str], counts: np.ndarray,
              common_at: int) -> list[tuple[int, str, float]]:
    """(core, library sentence, overlap) of the closest near-copies (three a
    core) of cores not yet known to be 套话."""
    out: list[tuple[int, str, float]] = []
    taken: dict[int, set[str]] = {}
    for j in np.lexsort((-near.overlaps, near.which)).tolist():
        i, text = int(near.which[j]), near.texts[j]
        seen = taken.setdefault(i, set())
        if counts[i] < common_at and len(seen) < 3 and text not in seen and text != cores[i]:
            seen.add(text)
            out.append((i, text, float(near.overlaps[j])))
    return out


def _sentence(snap: Snapshot, text: str, offset: int, found: _Found, i: int, core: str,
              common_at: int) -> Sentence:
    rows = found.rows(i)
    if not len(rows):
        return Sentence(text, offset, "new")
    short = len(words_only(core)) < SHORT
    cls = "common" if len(rows) >= common_at or short else "copied"
    shown = rows[:SOURCES_SHOWN if cls == "copied" else EXAMPLES_SHOWN]
    by_year: dict[str, int] = {}
    if cls == "common":
        years = snap.years[found.m.docs[rows.start:rows.stop]]
        values, counts = np.unique(years[years > 0], return_counts=True)
        by_year = {str(y): int(c) for y, c in zip(values.tolist(), counts.tolist(), strict=True)}
    return Sentence(text, offset, cls, [_source(snap, found, r) for r in shown], len(rows), by_year)


def _source(snap: Snapshot, found: _Found, r: int) -> Source:
    m = found.m
    d = int(m.docs[r])
    offset, text = _shown(snap.text(d), int(m.offsets[r]), int(m.lengths[r]))
    members = snap.group_members().get(int(found.groups[r]))
    return Source(snap.id(d), snap.title(d), int(snap.years[d]) or None, float(m.overlaps[r]), offset,
                  text, 0 if members is None else len(members) - 1)


def _shown(text: str, offset: int, length: int) -> tuple[int, str]:
    """A library sentence as it is shown: its core with the brackets and
    quotes around it (（三）…, “…”) and its end marks; where it starts."""
    a, b = offset, offset + length
    while a > 0 and _edge(text[a - 1]) == SKIP and offset - a < 4:
        a -= 1
    while b < len(text) and _edge(text[b]) in (SKIP, BOUND) and text[b] != "\n" and b - offset - length < 4:
        b += 1
    return a, text[a:b]


def _edge(c: str) -> int:
    return WORD if ord(c) > 0xFFFF else int(EDGE_CLASSES[ord(analysis.fold(c))])


def _share(sentences: list[Sentence]) -> dict[str, float]:
    chars = {c: 0 for c in CLASSES}
    for s in sentences:
        chars[s.cls] += len(s.text)
    total = sum(chars.values()) or 1
    return {c: round(n / total, 3) for c, n in chars.items()}


def _top_reports(snap: Snapshot, sentences: list[Sentence], found: _Found,
                 index: list[int]) -> list[TopReport]:
    """The reports holding most of the draft's copied sentences, by characters in common."""
    copied = np.array([s.cls == "copied" for s in sentences], bool)
    rows = [r for s, i in zip(sentences, index, strict=True) if s.cls == "copied" for r in found.rows(i)]
    if not len(rows) or not copied.any():
        return []
    rows = np.array(rows, np.int64)
    _, first, inverse = np.unique(found.groups[rows], return_index=True, return_inverse=True)
    chars = np.bincount(inverse, weights=found.m.shared[rows]).astype(np.int64)
    count = np.bincount(inverse)
    out = []
    for k in np.lexsort((found.m.docs[rows[first]], -chars))[:TOP_REPORTS].tolist():
        r = int(rows[first[k]])
        d, offset = int(found.m.docs[r]), int(found.m.offsets[r])
        offset, text = _shown(snap.text(d), offset, int(found.m.lengths[r]))
        out.append(TopReport(snap.id(d), snap.title(d), int(snap.years[d]) or None, int(chars[k]),
                             int(count[k]), offset, text))
    return out
