"""The hard query strings: where an engine built on words or on trigrams
breaks or slows down.

- short:     the 10 commonest characters and the 10 commonest character
             pairs (的 ， 。 工作 …): huge posting lists, shorter than a trigram;
- subword:   a part of a jieba word that is never a word itself (治党 in 从严治党);
- crossword: a string across a word boundary (建工 in 党建|工作);
- punct:     strings with punctuation inside (工作。一是, ，进一步);
- latin:     Latin letters, digits and full-width forms (PPT, 2023年, （一）).

Strings are spelled as in the texts (（一）, not (一)): our engine folds
them itself; the other systems get them folded, as their texts are.
"""
from __future__ import annotations

import itertools
import random
import re
from collections import Counter

from search.analysis import is_word

CJK = re.compile(r"[\u4e00-\u9fff]+")
RUN_SAMPLE = 150  # sampled reports whose runs of tokens are looked at (a Python loop per token)
SPACE = re.compile(r"\s")
# Chinese characters and full-width punctuation: the short class leaves out
# ASCII symbols such as the * of masked figures.
SHORT = re.compile(r"[\u3001-\u303f\u4e00-\u9fff\uff01-\uff5e]+")
LATIN_PATTERNS = (
    re.compile(r"[A-Za-z]{2,6}"),                 # PPT, GDP, App
    re.compile(r"[0-9]{4}年"),                    # 2023年
    re.compile(r"（[一二三四五六七八九十]）"),      # （一）
    re.compile(r"[A-Za-z0-9]+[\u4e00-\u9fff]"),   # 5G网, 3个
    re.compile(r"[０-９Ａ-Ｚａ-ｚ％]+"),           # full-width digits and letters
    re.compile(r"[0-9]+(?:\.[0-9]+)?%"),          # 12.5%
)


def commonest_short(sample: list[str]) -> list[str]:
    chars, pairs = Counter(), Counter()
    for t in sample:
        chars.update(t)
        pairs.update(t[i:i + 2] for i in range(len(t) - 1))
    return _top(chars) + _top(pairs)


def _top(counts: Counter, k: int = 10) -> list[str]:
    return [s for s, _ in counts.most_common(300) if SHORT.fullmatch(s)][:k]


def _vocab(tokens_by_doc: list[list[str]]) -> set[str]:
    return {t for tokens in tokens_by_doc for t in tokens}


def subword(tokens_by_doc: list[list[str]], k: int) -> list[str]:
    """Inner parts of common words that the sample never has as a whole word."""
    vocab, df = _vocab(tokens_by_doc), Counter()
    for tokens in tokens_by_doc:
        df.update({t for t in tokens if len(t) >= 3 and CJK.fullmatch(t)})
    out: list[str] = []
    for word, _ in df.most_common():
        for size in (2, 3):
            for i in range(len(word) - size + 1):
                part = word[i:i + size]
                if part != word and part not in vocab and not any(part in o or o in part for o in out):
                    out.append(part)
                    break  # one part a word: more words
        if len(out) >= k:
            break
    return out


def crossword(tokens_by_doc: list[list[str]], k: int) -> list[str]:
    """Strings across the boundary of two words, never a word themselves."""
    vocab, df = _vocab(tokens_by_doc), Counter()
    for tokens in tokens_by_doc:
        seen = set()
        for a, b in itertools.pairwise(tokens):
            if len(a) >= 2 and len(b) >= 2 and CJK.fullmatch(a) and CJK.fullmatch(b):
                seen.update((a[-1] + b[0], a[-1] + b[:2], a[-2:] + b[0]))
        df.update(seen)
    return distinct([s for s, _ in df.most_common() if s not in vocab], k)


def punctuated(tokens_by_doc: list[list[str]], k: int, rng: random.Random) -> list[str]:
    """Runs of tokens with punctuation inside, 3–8 characters: half the
    commonest, half drawn among those in 2+ sampled reports."""
    df = Counter()
    for tokens in tokens_by_doc:
        runs = set()
        for i in range(len(tokens)):
            run, words, marks = "", 0, 0
            for tok in tokens[i:i + 5]:
                if SPACE.search(tok):
                    break
                run += tok
                words += is_word(tok)
                marks += not is_word(tok)
                if len(run) > 8:
                    break
                if len(run) >= 3 and words and marks:
                    runs.add(run)
        df.update(runs)
    ranked = [s for s, _ in df.most_common()]
    top = distinct(ranked, k // 2)
    rest = [s for s in ranked if df[s] >= 2 and s not in top]
    rng.shuffle(rest)
    return top + distinct(rest, k - len(top), set(top))


def latin(sample: list[str], k: int) -> list[str]:
    """The commonest strings of each Latin / digit / full-width pattern, in turn."""
    per_pattern = []
    for pattern in LATIN_PATTERNS:
        df = Counter()
        for t in sample:
            df.update(set(pattern.findall(t)))
        per_pattern.append([s for s, _ in df.most_common(4 * k)])
    out: list[str] = []
    for column in itertools.zip_longest(*per_pattern):
        for s in column:
            if s and s not in out and len(out) < k:
                out.append(s)
    return out


def distinct(cands: list[str], k: int, exclude: set[str] | None = None) -> list[str]:
    """The first k candidates none of which contains another."""
    exclude = exclude or set()
    out: list[str] = []
    for c in cands:
        if len(out) >= k:
            break
        if c in exclude or any(c in o or o in c for o in out):
            continue
        out.append(c)
    return out


def hard_classes(sample: list[str], tokens_by_doc: list[list[str]], k: int,
                 rng: random.Random) -> dict[str, list[str]]:
    """k strings of each class (short: 20), no string in two classes."""
    few = tokens_by_doc[:RUN_SAMPLE]
    out = {"short": commonest_short(sample), "latin": latin(sample, k)}
    out["subword"] = subword(tokens_by_doc, k)
    out["crossword"] = crossword(few, k)
    taken = {s for v in out.values() for s in v}
    out["punct"] = [s for s in punctuated(few, 2 * k, rng) if s not in taken][:k]
    return out
