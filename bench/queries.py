"""Deterministic choice of benchmark queries from the cleaned texts.

Candidates come from jieba words (and runs of consecutive words, for
phrases) of a fixed random sample of reports; their document frequency is
then counted exactly over the whole corpus where it matters (rare terms).
Queries are CJK only (no Latin letters, digits or full-width forms), so the
folding our engine does (NFKC + case) and the plain bytes ripgrep and SQLite
see agree.

Classes, --queries Q of each:
  keyword  rare    one word in fewer than 1 % of the reports
           common  one word in most reports (e.g. 党建, 基层党组织)
           and3    three mid-frequency words, all required
           year    a common word with a year filter ("党建 year:2020")
  phrase   rare    a 4–8 character phrase in fewer than 1 % of the reports
           common  a 4–8 character phrase in many reports
About half of the keyword queries use only words of 3+ characters, so that
SQLite's trigram index can answer them; the rest include 2-character words,
which it cannot.
"""
from __future__ import annotations

import bisect
import math
import random
import re
from collections import Counter

from search.analysis import words_raw

CJK = re.compile(r"^[\u4e00-\u9fff]+$")
SAMPLE = 400
WARMUP = {"keyword": "会议", "phrase": "高质量发展"}
YEARS = range(2015, 2026)


class DocFrequency:
    """Exact number of reports containing a string, over all texts."""

    def __init__(self, texts: list[str]):
        self.big = "\x00".join(texts)
        self.starts, pos = [], 0
        for t in texts:
            self.starts.append(pos)
            pos += len(t) + 1
        self.starts.append(pos)

    def __call__(self, needle: str, stop_above: int | None = None) -> int:
        df, i = 0, self.big.find(needle)
        while i >= 0:
            df += 1
            if stop_above is not None and df > stop_above:
                break
            d = bisect.bisect_right(self.starts, i) - 1
            i = self.big.find(needle, self.starts[d + 1])  # on to the next report
        return df


def sample_stats(texts: list[str], rng: random.Random) -> tuple[Counter, Counter, list[int]]:
    """Document frequencies in the sample of words and of 4–8 character
    runs of consecutive words."""
    sample = sorted(rng.sample(range(len(texts)), min(len(texts), SAMPLE)))
    word_df, phrase_df = Counter(), Counter()
    for i in sample:
        tokens = words_raw(texts[i])
        word_df.update({t for t in tokens if len(t) >= 2 and CJK.match(t)})
        grams = set()
        for k in range(len(tokens)):
            run = ""
            for tok in tokens[k:k + 4]:
                if not CJK.match(tok):
                    break
                run += tok
                if len(run) > 8:
                    break
                if len(run) >= 4:
                    grams.add(run)
        phrase_df.update(grams)
    return word_df, phrase_df, sample


def _by_df(counter: Counter, keep) -> list[str]:
    return [w for w, _ in sorted(counter.items(), key=lambda p: (-p[1], p[0])) if keep(w)]


def _half_long(short: list[str], long: list[str], k: int) -> list[str]:
    """k items, half from `long` (3+ characters), half from `short`."""
    half = k // 2
    picked = long[:half] + short[:k - half]
    return picked + [w for w in long[half:] + short[k - half:] if w not in picked][:k - len(picked)]


def _rare(cands: list[str], rng: random.Random, k: int, df: DocFrequency, limit: int,
          long_share: bool = True) -> list[tuple[str, int]]:
    """Shuffled candidates whose exact df is 1..limit-1, half of 3+ characters."""
    cands = list(cands)
    rng.shuffle(cands)
    want_long = k // 2 if long_share else 0
    long, short = [], []
    for c in cands:
        bucket = long if len(c) >= 3 else short
        if len(long) + len(short) >= k and len(long) >= want_long:
            break
        if bucket is short and len(short) >= k - want_long:
            continue
        if bucket is long and len(long) >= k:
            continue
        n = df(c, stop_above=limit)
        if 1 <= n < limit and not any(c in o or o in c for o, _ in long + short):
            bucket.append((c, n))
    return (long + short)[:k]


def _distinct(cands: list[str], k: int, exclude: set[str]) -> list[str]:
    """The first k candidates none of which contains another."""
    out: list[str] = []
    for c in cands:
        if c in exclude or any(c in o or o in c for o in out):
            continue
        out.append(c)
        if len(out) == k:
            break
    return out


def choose(texts: list[str], q: int = 50, seed: int = 1) -> dict:
    rng = random.Random(seed)
    n = len(texts)
    df = DocFrequency(texts)
    limit = max(2, math.ceil(0.01 * n))  # rare: df < 1 % of the reports (at least df 1)
    word_df, phrase_df, sample = sample_stats(texts, rng)
    s = len(sample)
    exclude = set(WARMUP.values())

    common_words = _by_df(word_df, lambda w: w not in exclude and word_df[w] >= 0.2 * s)
    short = [w for w in common_words if len(w) == 2]
    long = [w for w in common_words if len(w) >= 3]
    common = _half_long(short, long, q)
    rest_short = [w for w in short if w not in common]
    rest_long = [w for w in long if w not in common]
    year_terms = _half_long(rest_short, rest_long, q) or common

    rare_words = _rare(_by_df(word_df, lambda w: word_df[w] == 1), rng, q, df, limit)
    mid = _by_df(word_df, lambda w: w not in exclude and 0.05 * s <= word_df[w] <= 0.6 * s)
    and3 = _triples(mid, [texts[i] for i in sample], rng, q)

    phrase_common = _distinct(_by_df(phrase_df, lambda p: phrase_df[p] >= 0.1 * s), q, exclude)
    phrase_rare = [p for p, _ in _rare(_by_df(phrase_df, lambda p: phrase_df[p] == 1), rng, q, df,
                                       limit, long_share=False)]

    keyword = {
        "rare": [_kw([w], df_=c) for w, c in rare_words],
        "common": [_kw([w], df_=df(w)) for w in common],
        "and3": [_kw(t) for t in and3],
        "year": [_kw([w], year=rng.choice(YEARS)) for w in year_terms[:q]],
    }
    return {"keyword": keyword, "phrase": {"rare": phrase_rare, "common": phrase_common},
            "warmup": dict(WARMUP), "rare_df_below": limit, "sample_docs": s}


def _kw(terms: list[str], year: int | None = None, df_: int | None = None) -> dict:
    q = " ".join(terms) + (f" year:{year}" if year else "")
    out = {"q": q, "terms": terms, "year": year}
    if df_ is not None:
        out["df"] = df_
    return out


def _triples(words: list[str], sample_texts: list[str], rng: random.Random, k: int) -> list[list[str]]:
    """k triples of distinct words that occur together in at least one sampled
    report; half of them of 3+ character words only."""
    long = [w for w in words if len(w) >= 3]
    out: list[list[str]] = []
    seen: set[tuple[str, ...]] = set()
    for attempt in range(k * 200):
        if len(out) >= k:
            break
        pool = long if len(out) < k // 2 and len(long) >= 3 else words
        if len(pool) < 3:
            break
        triple = rng.sample(pool, 3)
        key = tuple(sorted(triple))
        if key in seen or any(a in b for a in triple for b in triple if a != b):
            continue
        seen.add(key)
        if any(all(w in t for w in triple) for t in sample_texts):
            out.append(triple)
    return out


def supported_by_trigram(terms: list[str]) -> bool:
    return all(len(t) >= 3 for t in terms)
