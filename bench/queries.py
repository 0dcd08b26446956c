"""Deterministic choice of the benchmark queries from the cleaned texts.

Candidates come from jieba words (and runs of consecutive words) of a fixed
random sample of reports; document frequencies of rare candidates are then
counted exactly over the whole corpus. Every system gets the same strings.

keyword (ranked search: exact total, top 10 with snippets)
  rare     a word of 3+ characters in fewer than 1 % of the reports
  common   a word of 3+ characters in most reports (基层党组织)
  short    the 10 commonest characters and 10 commonest pairs (的 ， 工作)
  and3     three mid-frequency words, all required
  year / type / level   a common word with that filter (党建 year:2020)
phrase (exact totals and the first page of KWIC lines)
  rare, common   4–8 character runs of whole words
  short, subword, crossword, punct, latin   see queries_hard.py
  sort_left, sort_right, page2   the common phrases sorted by the context
                                 left / right of them, or their page 2

Strings are chosen as spelled in the cleaned texts; our engine gets them
so, the other systems folded (bench/corpus_cache.py says why). The exact
keyword totals (reports whose folded text holds every folded term and
that pass the filter) are computed here; phrase totals are ripgrep's.
"""
from __future__ import annotations

import bisect
import math
import random
import re
from collections import Counter
from collections.abc import Callable

from queries_hard import distinct, hard_classes

from search.analysis import cut_folded, fold

CJK = re.compile(r"[\u4e00-\u9fff]+")
SAMPLE = 400
WARMUP = {"keyword": "会议", "phrase": "高质量发展"}
KEYWORD_CLASSES = ("rare", "common", "short", "and3", "year", "type", "level")
PHRASE_CLASSES = ("rare", "common", "short", "subword", "crossword", "punct", "latin",
                  "sort_left", "sort_right", "page2")


class Corpus:
    """All texts in one string: exact document sets of a string."""

    def __init__(self, texts: list[str]):
        self.n = len(texts)
        self.big = "\x00".join(texts)
        self.starts, pos = [], 0
        for t in texts:
            self.starts.append(pos)
            pos += len(t) + 1
        self.starts.append(pos)

    def docs(self, needle: str, stop_above: int | None = None) -> list[int]:
        """Reports whose folded text contains the folded `needle` (at most
        stop_above + 1 of them)."""
        needle = fold(needle)
        out, i = [], self.big.find(needle)
        while i >= 0:
            d = bisect.bisect_right(self.starts, i) - 1
            out.append(d)
            if stop_above is not None and len(out) > stop_above:
                return out
            i = self.big.find(needle, self.starts[d + 1])  # on to the next report
        return out


def raw_tokens(text: str) -> list[str]:
    """jieba's tokens (punctuation included) as spelled in the text: the
    cut is made on the folded text, which has the same length."""
    out, p = [], 0
    for tok in cut_folded(fold(text)):
        out.append(text[p:p + len(tok)])
        p += len(tok)
    return out


def sample_stats(n: int, raw_of: Callable[[int], str], rng: random.Random):
    """The sample's texts and tokens and the document frequencies of its
    words and of its 4–8 character runs of consecutive words."""
    sample = [raw_of(i) for i in sorted(rng.sample(range(n), min(n, SAMPLE)))]
    tokens_by_doc = [raw_tokens(t) for t in sample]
    word_df, phrase_df = Counter(), Counter()
    for tokens in tokens_by_doc:
        word_df.update({t for t in tokens if len(t) >= 2 and CJK.fullmatch(t)})
        grams = set()
        for k in range(len(tokens)):
            run = ""
            for tok in tokens[k:k + 4]:
                if not CJK.fullmatch(tok):
                    break
                run += tok
                if len(run) > 8:
                    break
                if len(run) >= 4:
                    grams.add(run)
        phrase_df.update(grams)
    return sample, tokens_by_doc, word_df, phrase_df


def _by_df(counter: Counter, keep) -> list[str]:
    return [w for w, _ in sorted(counter.items(), key=lambda p: (-p[1], p[0])) if keep(w)]


def _rare(cands: list[str], rng: random.Random, k: int, corpus: Corpus, limit: int) -> list[str]:
    """Shuffled candidates in 1..limit-1 reports."""
    cands = list(cands)
    rng.shuffle(cands)
    out: list[str] = []
    for c in cands:
        if len(out) >= k:
            break
        if any(c in o or o in c for o in out):
            continue
        if 1 <= len(corpus.docs(c, stop_above=limit)) < limit:
            out.append(c)
    return out


def _triples(words: list[str], sample_texts: list[str], rng: random.Random, k: int) -> list[list[str]]:
    """k triples of distinct words that occur together in a sampled report."""
    out: list[list[str]] = []
    seen: set[tuple[str, ...]] = set()
    for _ in range(k * 200):
        if len(out) >= k or len(words) < 3:
            break
        triple = rng.sample(words, 3)
        key = tuple(sorted(triple))
        if key in seen or any(a in b for a in triple for b in triple if a != b):
            continue
        seen.add(key)
        if any(all(w in t for w in triple) for t in sample_texts):
            out.append(triple)
    return out


def choose(folded: list[str], raw_of: Callable[[int], str], metas: list[dict],
           q: int = 30, seed: int = 1) -> dict:
    """`folded`: every folded text; `raw_of(i)`: the cleaned text of report i
    as spelled (only the sampled ones are read)."""
    rng = random.Random(seed)
    corpus = Corpus(folded)
    limit = max(2, math.ceil(0.01 * len(folded)))  # rare: in fewer than 1 % of the reports
    sample, tokens_by_doc, word_df, phrase_df = sample_stats(len(folded), raw_of, rng)
    s = len(sample)
    exclude = set(WARMUP.values())

    long_words = _by_df(word_df, lambda w: len(w) >= 3 and w not in exclude)
    common = distinct([w for w in long_words if word_df[w] >= 0.2 * s], 4 * q, exclude)
    rare_words = _rare([w for w in long_words if word_df[w] == 1], rng, q, corpus, limit)
    mid = _by_df(word_df, lambda w: w not in exclude and 0.05 * s <= word_df[w] <= 0.6 * s)
    and3 = _triples(mid, sample, rng, q)
    phrase_common = distinct(_by_df(phrase_df, lambda p: phrase_df[p] >= 0.1 * s), q, exclude)
    phrase_rare = _rare(_by_df(phrase_df, lambda p: phrase_df[p] == 1), rng, q, corpus, limit)
    hard = hard_classes(sample, tokens_by_doc, q, rng)
    short = hard["short"]

    values = {f: sorted({m[f] for m in metas if m.get(f) not in (None, "", "其他")}, key=str)
              for f in ("year", "type", "level")}
    filtered = {f: [(w, rng.choice(values[f])) for w in (common[q * (i + 1): q * (i + 2)] or common[:q])]
                for i, f in enumerate(("year", "type", "level")) if values[f]}

    keyword = [("rare", [w], None) for w in rare_words] + [("common", [w], None) for w in common[:q]]
    keyword += [("short", [w], None) for w in short] + [("and3", t, None) for t in and3]
    keyword += [(f, [w], (f, v)) for f, pairs in filtered.items() for w, v in pairs]
    items = [_keyword(cls, terms, flt, corpus, metas) for cls, terms, flt in keyword]
    phrases = {"rare": phrase_rare, "common": phrase_common, "short": short,
               **{cls: hard[cls][:q] for cls in ("subword", "crossword", "punct", "latin")}}
    for cls, strings in phrases.items():
        items += [_phrase(cls, p) for p in strings]
    for cls, sort, page in (("sort_left", "left", 1), ("sort_right", "right", 1), ("page2", "rank", 2)):
        items += [_phrase(cls, p, sort, page) for p in phrase_common]
    for i, item in enumerate(items):
        item["n"] = i
    return {"items": items, "warmup": dict(WARMUP), "rare_below_reports": limit, "sample_docs": s}


def _keyword(cls: str, terms: list[str], flt: tuple[str, object] | None, corpus: Corpus,
             metas: list[dict]) -> dict:
    q = " ".join(terms) + (f" {flt[0]}:{flt[1]}" if flt else "")
    docs = set(corpus.docs(terms[0]))
    for t in terms[1:]:
        docs &= set(corpus.docs(t))
    if flt:
        docs = {d for d in docs if metas[d].get(flt[0]) == flt[1]}
    return {"kind": "keyword", "cls": cls, "q": q, "terms": terms,
            "filter": {flt[0]: flt[1]} if flt else None, "true_total": len(docs)}


def _phrase(cls: str, phrase: str, sort: str = "rank", page: int = 1) -> dict:
    return {"kind": "phrase", "cls": cls, "q": phrase, "sort": sort, "page": page}
