"""Collocations of a phrase: the words right before and after it, ranked by
log-likelihood (Dunning's G², as AntConc and BCC rank them) against each
word's frequency in the whole library, function words left out, counts kept
beside the score.

Frequencies come from the index's word postings (the body of every indexed
report), summed once per word and snapshot.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np

from . import analysis
from .store import Snapshot

SHOWN = 10
CANDIDATES = 60   # words (by count) scored on each side
MIN_COUNT = 2     # a word seen once beside a phrase seen often says nothing
OFTEN = 20        # occurrences from which MIN_COUNT applies
# Particles, conjunctions, prepositions, pronouns, auxiliaries and adverbs
# that sit next to anything: they are never what a drafter looks for.
_FUNCTION_WORDS = """
的 地 得 之 了 着 过 所 和 与 及 以及 并 并且 或 或者 而 而且 且 等 等等 即 如 在 于 对 对于
把 将 被 从 向 以 为 为了 由 按 按照 根据 关于 是 也 都 就 又 还 再 更 很 最 其 其中 这 那
这些 那些 该 此 各 每 我 我们 你 你们 他 他们 它 它们 要 会 能 可 可以 应 应当 应该 不 没有
有 个 上 中 下 里 一 一个 这个 那个 这样 那样 通过 使 让 给 跟 同 向着 着力 方面 之一
"""
FUNCTION_WORDS = frozenset(_FUNCTION_WORDS.split())


@dataclass
class Collocate:
    word: str
    count: int        # occurrences (of those looked at) with this word right next to the phrase
    score: float      # log-likelihood; higher: more bound to the phrase than chance

    def to_json(self) -> list:
        return [self.word, self.count, round(self.score, 1)]


def ranked(pairs: Counter, gen: Snapshot, looked_at: int, total: int) -> list[Collocate]:
    """The words of `pairs` (word -> count over `looked_at` of the phrase's
    `total` occurrences) most bound to the phrase, strongest first."""
    least = MIN_COUNT if looked_at >= OFTEN else 1
    words = [(w, n) for w, n in pairs.most_common()
             if w not in FUNCTION_WORDS and n >= least][:CANDIDATES]
    if not words or not looked_at:
        return []
    corpus = _total_words(gen)
    scale = total / looked_at   # the counts stand for all occurrences
    out = []
    for word, n in words:
        a = n * scale
        # jieba cuts a window as it cut the text, nearly always: never fewer than seen
        score = log_likelihood(a, total, max(_word_frequency(gen, word), a), corpus)
        if score > 0:
            out.append(Collocate(word, n, score))
    out.sort(key=lambda c: (-c.score, -c.count, c.word))
    return out[:SHOWN]


def log_likelihood(a: float, phrase: float, word: float, corpus: float) -> float:
    """G² of the 2×2 table (phrase next to word, phrase elsewhere, word
    elsewhere, neither); signed negative when they meet less than by chance."""
    b, c = max(phrase - a, 0.0), max(word - a, 0.0)
    d = max(corpus - a - b - c, 0.0)
    n = a + b + c + d
    if n <= 0 or a <= 0:
        return 0.0
    g2 = 0.0
    for observed, row, col in ((a, a + b, a + c), (b, a + b, b + d), (c, c + d, a + c), (d, c + d, b + d)):
        if observed > 0:
            g2 += observed * math.log(observed * n / (row * col))
    g2 *= 2
    return g2 if a * n > (a + b) * (a + c) else -g2


def _total_words(gen: Snapshot) -> float:
    found = gen.derived.get("body_words")
    if found is None:
        found = gen.derived["body_words"] = float(gen.lengths[0][gen.indexed].sum()) or 1.0
    return found


def _word_frequency(gen: Snapshot, word: str) -> int:
    """How often jieba's `word` occurs in the bodies of the indexed reports."""
    cache = gen.derived.setdefault("word_freq", {})
    if word in cache:
        return cache[word]
    key = analysis.word_key(word)
    total = 0
    for part in gen.parts:
        docs, tf = part.data.body.get(key)
        if len(docs):
            g = np.asarray(docs).astype(np.int64) + part.base
            total += int(np.asarray(tf)[gen.indexed[g]].sum())
    if len(cache) > 100_000:  # bounded: a server looks up many phrases
        cache.clear()
    cache[word] = total
    return total
