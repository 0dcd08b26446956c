"""Where a draft's sentences occur in the library: as whole sentences
exactly, and as near-copies (a word, a figure or punctuation changed).

Both are answered from the suffix arrays (draft_index), never by reading
the library's sentences one by one:

- exact: a sentence's core (the sentence without the punctuation at its
  ends) looked up as a string; an occurrence counts where a sentence of the
  library starts and ends there (at_boundaries).
- near: chunks of CHUNK characters every STRIDE characters of each core are
  looked up (at most CHUNK_SAMPLE occurrences each: an even sample of a
  chunk every report uses). Each occurrence votes for an alignment, the
  place where the draft sentence would start in that report (a sampled
  chunk's vote weighing less: it is common); the best-voted alignments of
  each sentence (at most CANDIDATES) are read back as short windows of
  text and compared character by character with the sentence (overlap()).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import analysis
from .draft_index import (
    CLASSES,
    WORD,
    at_boundaries,
    pattern_matrix,
    positions_of,
    sample_rows,
    segment_ranges,
    text_at,
)
from .store import Snapshot

PREFIX = 48          # characters of a core searched; the rest is checked on the text
EXACT_CAP = 200_000  # occurrences of one sentence read at most (counts past it are a sample)
CHUNK = 6            # characters in a chunk
STRIDE = 3           # a chunk starts every STRIDE characters of a core
CHUNK_SAMPLE = 400   # occurrences of one chunk used at most
CANDIDATES = 24      # alignments of one sentence read back and compared
TOLERANCE = 12       # alignments this close (characters) in one report are one
PAD = 60             # characters read each side of an alignment
NEAR = 0.8           # overlap from which a library sentence is a near-copy


@dataclass
class Matches:
    """Library sentences matching draft sentences, one row each: the draft
    sentence (`which`), the report (global number), where the library
    sentence starts in its text and its length, the overlap (1.0: the same
    sentence) and the characters of the draft sentence found in it; `texts`,
    for near-copies, the library sentences (folded)."""
    which: np.ndarray
    docs: np.ndarray
    offsets: np.ndarray
    lengths: np.ndarray
    overlaps: np.ndarray
    shared: np.ndarray
    texts: list[str] | None = None

    @classmethod
    def empty(cls) -> Matches:
        z = np.zeros(0, np.int64)
        return cls(z, z, z, z, np.zeros(0), z, [])

    @classmethod
    def concat(cls, parts: list[Matches]) -> Matches:
        parts = [p for p in parts if len(p.which)] or [cls.empty()]
        return cls(*(np.concatenate([getattr(p, f) for p in parts])
                     for f in ("which", "docs", "offsets", "lengths", "overlaps", "shared")))

    def __len__(self) -> int:
        return len(self.which)


def core_bounds(folded: str) -> tuple[int, int]:
    """[a, b) of a sentence without the punctuation and spaces at its ends."""
    a, b = 0, len(folded)
    while a < b and not _is_word(folded[a]):
        a += 1
    while b > a and not _is_word(folded[b - 1]):
        b -= 1
    return a, b


def _is_word(c: str) -> bool:
    cp = ord(c)
    return cp >= 0x10000 or CLASSES[cp] == WORD


_NOT_WORD = {cp: None for cp in range(0x10000) if CLASSES[cp] != WORD}


def words_only(folded: str) -> str:
    """The characters compared: punctuation and spaces left out."""
    return folded.translate(_NOT_WORD)


def overlap(a: str, b: str) -> tuple[float, int]:
    """How much two sentences (folded) have in common, punctuation and spaces
    left out: their longest common subsequence (the characters both have, in
    the same order) over their mean length; and that subsequence's length."""
    x, y = words_only(a), words_only(b)
    if not x or not y or 2 * min(len(x), len(y)) / (len(x) + len(y)) < NEAR:  # cannot reach NEAR
        return 0.0, 0
    shared = common_subsequence(x, y)
    return 2 * shared / (len(x) + len(y)), shared


def common_subsequence(a: str, b: str) -> int:
    """Length of the longest common subsequence of a and b: the bit-parallel
    algorithm (Hyyrö 2004), one big-integer step per character of b."""
    masks: dict[str, int] = {}
    for i, c in enumerate(a):
        masks[c] = masks.get(c, 0) | (1 << i)
    full = (1 << len(a)) - 1
    v = full
    for c in b:
        m = masks.get(c)
        if m:
            u = v & m
            v = ((v + u) | (v - u)) & full
    return len(a) - v.bit_count()


# ------------------------------------------------------------------ exact

def exact(snap: Snapshot, cores: list[str]) -> Matches:
    """Every live occurrence of each core as a whole library sentence (at
    most EXACT_CAP of one core: an even sample of them past that)."""
    out: list[Matches] = []
    if not cores:
        return Matches.empty()
    patterns, lengths = pattern_matrix(cores, PREFIX)
    full = np.array([len(c) for c in cores], np.int64)
    words = np.array([len(words_only(c)) for c in cores], np.int64)
    per_part = segment_ranges(snap, patterns, lengths)
    total = sum(hi - lo for lo, hi in per_part)
    step = np.maximum(1, -(-total // EXACT_CAP))
    for part, (lo, hi) in zip(snap.parts, per_part, strict=True):
        data = part.data
        which, rows = sample_rows(lo, hi, step)
        positions = positions_of(data, rows)
        keep = np.ones(len(which), bool)
        for i in np.flatnonzero(full > PREFIX).tolist():  # the rest of a long core
            rows_i = np.flatnonzero(which == i)
            if len(rows_i):
                rest = analysis.text_codes(cores[i][PREFIX:]).astype(np.int64)
                found = text_at(data, positions[rows_i] + PREFIX, len(rest))
                keep[rows_i] = (found == rest).all(axis=1)
        which, positions = which[keep], positions[keep]
        whole = at_boundaries(data, positions, full[which])
        which, positions = which[whole], positions[whole]
        local = data.suffix.docs_of(positions)
        live = ~part.deleted[local]
        which, positions, local = which[live], positions[live], local[live]
        offsets = positions - np.asarray(data.doc_starts)[local]
        out.append(Matches(which, local + part.base, offsets, full[which], np.ones(len(which)), words[which]))
    return Matches.concat(out)


# ------------------------------------------------------------------ near

@dataclass
class _Chunks:
    strings: list[str]
    which: np.ndarray     # draft sentence of each chunk
    at: np.ndarray        # where the chunk starts in its core


def _chunks(cores: list[str], wanted: list[int]) -> _Chunks:
    strings, which, at = [], [], []
    for i in wanted:
        core = cores[i]
        starts = list(range(0, max(1, len(core) - CHUNK + 1), STRIDE))
        if len(core) > CHUNK and starts[-1] != len(core) - CHUNK:
            starts.append(len(core) - CHUNK)
        for s in starts:
            strings.append(core[s:s + CHUNK])
            which.append(i)
            at.append(s)
    return _Chunks(strings, np.array(which, np.int64), np.array(at, np.int64))


def near(snap: Snapshot, cores: list[str], need: dict[int, int]) -> Matches:
    """Library sentences sharing at least NEAR of the characters of each core
    in `need`; a core's candidates are checked until `need[i]` near-duplicate
    groups hold one (enough to call it 套话)."""
    chunks = _chunks(cores, list(need))
    if not chunks.strings:
        return Matches.empty()
    patterns, lengths = pattern_matrix(chunks.strings, CHUNK)
    per_part = segment_ranges(snap, patterns, lengths)
    total = sum(hi - lo for lo, hi in per_part)
    step = np.maximum(1, -(-total // CHUNK_SAMPLE))
    keys, starts, docs, weights = [], [], [], []
    for k, (part, (lo, hi)) in enumerate(zip(snap.parts, per_part, strict=True)):
        data = part.data
        which, rows = sample_rows(lo, hi, step)
        positions = positions_of(data, rows)
        local = data.suffix.docs_of(positions)
        live = ~part.deleted[local]
        which, positions, local = which[live], positions[live], local[live]
        diagonal = positions - chunks.at[which]   # where the sentence would start
        keys.append((chunks.which[which] << 36) | (k << 25) | (diagonal + 2048))
        starts.append(diagonal - np.asarray(data.doc_starts)[local])
        docs.append(local + part.base)
        weights.append(1.0 / step[which])   # a sampled chunk's vote stands for `step` of them
    return _verify(snap, cores, need, *_alignments(np.concatenate(keys), np.concatenate(starts),
                                                   np.concatenate(docs), np.concatenate(weights)))


def _alignments(keys: np.ndarray, starts: np.ndarray, docs: np.ndarray, weights: np.ndarray):
    """Votes grouped into alignments (same sentence, report, and a start
    within TOLERANCE): the CANDIDATES best-voted of each sentence, as
    (sentence, report, start in its text). A vote from a rare chunk weighs
    more than one from a chunk every report uses (1 / its sampling step):
    a copy from one report is found by the words only it has."""
    if not len(keys):
        return (np.zeros(0, np.int64),) * 3
    order = np.argsort(keys, kind="stable")
    keys, starts, docs, weights = keys[order], starts[order], docs[order], weights[order]
    new = np.concatenate([[True], (np.diff(keys) > TOLERANCE) | (docs[1:] != docs[:-1])])
    group = np.cumsum(new) - 1
    votes = np.bincount(group, weights=weights)
    first = np.flatnonzero(new)
    # The median vote (votes are sorted by start within an alignment): a
    # chunk that also occurs in the next sentence must not stretch it.
    start = starts[first + np.bincount(group) // 2]
    which = keys[first] >> 36
    # best-voted first within each sentence, then at most CANDIDATES each
    rank = np.lexsort((-votes, which))
    which, start, d = which[rank], start[rank], docs[first][rank]
    place = np.arange(len(which)) - np.searchsorted(which, which, side="left")
    keep = place < CANDIDATES
    return which[keep], d[keep], start[keep]


def _verify(snap: Snapshot, cores: list[str], need: dict[int, int], which, docs, start) -> Matches:
    """Read each alignment's text and keep the library sentences that overlap
    their draft sentence by at least NEAR (best-voted first, until enough
    groups hold one)."""
    if not len(which):
        return Matches.empty()
    lengths = np.array([len(cores[i]) for i in which.tolist()], np.int64)
    starts = np.maximum(start, 0)
    windows, win_start, _ = snap.windows(docs, starts, PAD, int(lengths.max()) + PAD)
    out, seen = [], set()
    groups: dict[int, set[int]] = {}
    for j, window in enumerate(windows):
        i = int(which[j])
        found = groups.setdefault(i, set())
        if len(found) >= need[i]:
            continue
        region = (int(starts[j] - win_start[j]), int(start[j] - win_start[j] + lengths[j]))
        best = None
        for a, b in _units(window, region):
            score, shared = overlap(cores[i], window[a:b])
            if score >= NEAR and (best is None or score > best[0]):
                best = (score, shared, a, b)
        if best is None:
            continue
        score, shared, a, b = best
        offset = int(win_start[j]) + a
        if (i, int(docs[j]), offset) in seen:
            continue
        seen.add((i, int(docs[j]), offset))
        found.add(int(snap.group[int(docs[j])]))
        # Below 1.0 even when the words are the same: 1.0 is for the whole
        # sentence (exact()), not a clause of a longer one or other punctuation.
        out.append((i, int(docs[j]), offset, b - a, min(round(score, 3), 0.99), shared, window[a:b]))
    if not out:
        return Matches.empty()
    columns = list(zip(*out, strict=True))
    return Matches(*(np.array(c, np.float64 if k == 4 else np.int64) for k, c in enumerate(columns[:6])),
                   texts=list(columns[6]))


_ENDS = analysis.SENTENCE_ENDS + "\n"    # where a sentence ends (folded text)
_CLAUSE_ENDS = _ENDS + ",，、､"  # where a clause ends


def _span(window: str, a: int, b: int, marks: str) -> tuple[int, int]:
    """From the start of the piece holding position a to the end of the one
    holding position b - 1, pieces ending at any of `marks`."""
    start = max(window.rfind(c, 0, a) for c in marks) + 1
    ends = [e for e in (window.find(c, max(b - 1, start)) for c in marks) if e >= 0]
    return start, min(ends) if ends else len(window)


def _units(window: str, region: tuple[int, int]) -> list[tuple[int, int]]:
    """Spans of the window the draft sentence may copy: the library
    sentences it overlaps, and the clauses it overlaps (a sentence split in
    two by a changed comma), each without the punctuation at its ends."""
    ra, rb = max(0, region[0]), min(len(window), region[1])
    inner_a, inner_b = min(ra + 2, rb), max(rb - 2, ra)
    out = []
    for a, b in {_span(window, inner_a, inner_b, _ENDS), _span(window, inner_a, inner_b, _CLAUSE_ENDS)}:
        x, y = core_bounds(window[a:b])
        if y > x:
            out.append((a + x, a + y))
    return out
