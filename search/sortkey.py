"""Sort keys for concordance lines, as AntConc and BCC sort them: by the
first word left (or right) of the phrase, punctuation skipped, in pinyin
order; then by the words further out.

A key is the context mapped through one `str.translate` table, so that
comparing keys as strings compares pinyin: digits, then Latin letters, then
Han characters by (pinyin without tone, tone, code point), each mapped to a
code point of the supplementary private use plane in that order. Punctuation,
spaces and control characters are dropped; anything else keeps its own code
point and sorts first. Contexts are folded (NFKC, lower case) text.
"""
from __future__ import annotations

import string
import unicodedata
from functools import lru_cache
from pathlib import Path

from . import analysis

_BASE = 0xF0000          # 65 534 code points, in order: room for every reading
TAIL = 8                 # characters cut by jieba to find the word next to the phrase
FURTHER = 4              # characters beyond the key word that order lines with the same word
_TONES = {}              # tone-marked vowel -> (plain vowel, tone)
for _plain, _marked in (("a", "āáǎà"), ("e", "ēéěè"), ("i", "īíǐì"), ("o", "ōóǒò"),
                        ("u", "ūúǔù"), ("v", "ǖǘǚǜ"), ("m", "\0ḿ\0\0"), ("n", "\0ńňǹ")):
    for _tone, _ch in enumerate(_marked, 1):
        if _ch != "\0":
            _TONES[_ch] = (_plain, _tone)
_TONES["ü"] = ("v", 5)
_TONES["ê"] = ("e", 5)


def _toneless(reading: str) -> tuple[str, int]:
    """('zhong', 1) for zhōng; 5 for the neutral tone."""
    tone, out = 5, []
    for ch in reading:
        plain, t = _TONES.get(ch, (ch, 0))
        out.append(plain)
        if t and t != 5:
            tone = t
    return "".join(out), tone


@lru_cache(maxsize=1)
def table() -> dict[int, str | None]:
    """The translate table (built once per process: pypinyin's readings of
    about 42 000 characters, the first reading of each)."""
    from pypinyin.pinyin_dict import pinyin_dict

    han = sorted((*_toneless(readings.split(",")[0]), cp) for cp, readings in pinyin_dict.items())
    out: dict[int, str | None] = {}
    rank = 0
    for ch in "0123456789abcdefghijklmnopqrstuvwxyz":
        out[ord(ch)] = chr(_BASE + rank)
        rank += 1
    for _, _, cp in han:
        out[cp] = chr(_BASE + rank)
        rank += 1
    for cp in range(0x10000):
        if unicodedata.category(chr(cp))[0] in "PZ" or unicodedata.category(chr(cp)) in ("Cc", "Cf"):
            out[cp] = None
    return out


def pinyin_key(text: str) -> str:
    """`text` as a string that sorts in pinyin order (punctuation dropped)."""
    return text.translate(table())


# What a key skips at the phrase's edge: the punctuation of folded Chinese
# text (a short list: str.strip scans it for every character it tests).
_EDGE = (string.punctuation + string.whitespace
         + "\u3000、。，；：？！“”‘’《》〈〉【】〔〕「」『』…—–·・～﹏￥\u200b\ufeff")


def _droppable() -> str:
    return _EDGE


def _edge_words(tails: list[str], user_dict: Path | None, last: bool) -> list[tuple[int, int]]:
    """For each tail: the (start, end) of its last (or first) jieba word,
    (0, 0) when it has none. One jieba call for all of them: the tails are
    cut joined by newlines, which no word crosses."""
    out: list[tuple[int, int]] = []
    append, is_word = out.append, analysis.is_word
    pos, a, b = 0, 0, 0
    for token in analysis.cut_folded("\n".join(tails) + "\n", user_dict) if tails else []:
        if token == "\n":
            append((a, b))
            pos = a = b = 0
        elif "\n" in token:  # never seen: jieba keeps newlines apart
            for _ in range(token.count("\n")):
                append((a, b))
            pos = a = b = 0
        else:
            n = len(token)
            if (last or b == 0) and is_word(token):
                a, b = pos, pos + n
            pos += n
    return (out + [(0, 0)] * len(tails))[:len(tails)]


def sort_keys(contexts: list[tuple[str, str]], side: str,
              user_dict: Path | None = None) -> list[tuple[tuple[str, str, str], tuple[int, int]]]:
    """For each (left, right) folded context: the key to sort by for a sort
    by `side` ("left" or "right") — the key word in pinyin order, the word
    itself (so that words read alike stay apart), then the next characters
    further out — and the (start, end) of the key word in that side's
    context ((0, 0) when there is none). Tails are cut once however often
    they recur."""
    tab, skip = table(), _droppable()
    left_side = side == "left"
    places, unique = [], {}
    for left, right in contexts:
        if left_side:
            kept = left.rstrip(skip)
            start = max(0, len(kept) - TAIL)
            tail = kept[start:]
        else:
            kept = right.lstrip(skip)
            start = len(right) - len(kept)
            tail = kept[:TAIL]
        places.append(start)
        unique.setdefault(tail, len(unique))
        places.append(tail)
    tails = list(unique)
    found = []  # per distinct tail: (start, end) of its key word, the word, its key
    for tail, (a, b) in zip(tails, _edge_words(tails, user_dict, last=left_side), strict=True):
        word = tail[a:b]
        found.append((a, b, word, word.translate(tab)))
    further_keys: dict[str, str] = {}
    out = []
    append = out.append
    for i, (left, right) in enumerate(contexts):
        start, tail = places[2 * i], places[2 * i + 1]
        a, b, word, first = found[unique[tail]]
        if b > a:
            a, b = a + start, b + start
        else:
            a = b = start
        further = left[max(0, a - FURTHER):a][::-1] if left_side else right[b:b + FURTHER]
        key = further_keys.get(further)
        if key is None:
            key = further_keys[further] = further.translate(tab)
        append(((first, word, key), (a, b) if b > a else (0, 0)))
    return out
