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

import importlib.util
import json
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


def _readings() -> dict[int, str]:
    """pypinyin's readings of single characters (code point -> "zhōng,zhòng"),
    read from its data file without importing the package: importing it loads
    its phrase dictionary too (about 40 MiB and 190 000 lists, which every
    full garbage collection of a server walks), and a sort never uses it."""
    spec = importlib.util.find_spec("pypinyin")
    places = list(spec.submodule_search_locations or []) if spec else []
    data = Path(places[0]) / "pinyin_dict.json" if places else None
    if data is not None and data.is_file():
        return {int(cp): readings for cp, readings in json.loads(data.read_text("utf-8")).items()}
    from pypinyin.pinyin_dict import pinyin_dict  # a layout without the data file
    return pinyin_dict


@lru_cache(maxsize=1)
def table() -> dict[int, str | None]:
    """The translate table (built once per process: pypinyin's readings of
    about 42 000 characters, the first reading of each)."""
    han = sorted((*_toneless(readings.split(",")[0]), cp) for cp, readings in _readings().items())
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
    # Comprehensions, not one loop with a branch: 10 000 contexts a sort.
    if left_side:
        kept = [left.rstrip(skip) for left, _ in contexts]
        tails = [k[-TAIL:] for k in kept]
        starts = [len(k) - len(t) for k, t in zip(kept, tails, strict=True)]
    else:
        kept = [right.lstrip(skip) for _, right in contexts]
        tails = [k[:TAIL] for k in kept]
        starts = [len(right) - len(k) for (_, right), k in zip(contexts, kept, strict=True)]
    unique = list(dict.fromkeys(tails))
    found = {}  # per distinct tail: (start, end) of its key word, the word, its key
    for tail, (a, b) in zip(unique, _edge_words(unique, user_dict, last=left_side), strict=True):
        word = tail[a:b]
        found[tail] = (a, b, word, word.translate(tab))
    further_keys: dict[str, str] = {}
    out = []
    append = out.append
    for (left, right), start, tail in zip(contexts, starts, tails, strict=True):
        a, b, word, first = found[tail]
        if b > a:
            a, b = a + start, b + start
            span = (a, b)
        else:
            a = b = start
            span = (0, 0)
        further = left[a - FURTHER if a > FURTHER else 0:a][::-1] if left_side else right[b:b + FURTHER]
        key = further_keys.get(further)
        if key is None:
            key = further_keys[further] = further.translate(tab)
        append(((first, word, key), span))
    return out
