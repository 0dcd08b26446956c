"""Text analysis shared by indexing and querying.

Two views of a text:
- words (jieba, through jieba-rs for speed; identical cuts, pinned by a test)
  decide the *ranking*;
- folded characters (NFKC + case folding, one character for one character, so
  offsets stay valid) decide *matching*: a term matches where the folded text
  contains the folded term as a substring.
"""
from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections import Counter
from functools import lru_cache
from pathlib import Path

import numpy as np

# Bump when tokenization or folding changes: an index built with another
# version is rebuilt, since its words would not match the queries' words.
ANALYZER_VERSION = "2"

DOMAIN_DICT = Path(__file__).with_name("dict") / "domain.txt"
USER_DICT_NAME = "userdict.txt"  # optional, in the corpus folder
DEFAULT_WORD_FREQ = 20000  # high enough that a dictionary word is kept whole


# ---------------------------------------------------------------- folding

def _fold_table() -> np.ndarray:
    table = np.arange(0x10000, dtype=np.uint32)
    # A lone surrogate (an undecodable command-line byte) becomes U+FFFD,
    # which no text contains and which the tokenizer accepts.
    table[0xD800:0xE000] = 0xFFFD
    for cp in range(0x10000):
        if 0xD800 <= cp < 0xE000:
            continue
        c = chr(cp)
        folded = unicodedata.normalize("NFKC", c).casefold()
        # Expansions (e.g. ﬁ -> fi) would shift offsets: keep those as they are.
        if folded != c and len(folded) == 1:
            table[cp] = ord(folded)
    return table


_FOLD = _fold_table()


def fold(text: str) -> str:
    """NFKC + casefold, character by character (same length as `text`)."""
    if not text:
        return text
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    bmp = codes < 0x10000
    folded = np.where(bmp, _FOLD[np.where(bmp, codes, 0)], codes)
    return folded.astype(np.uint32).tobytes().decode("utf-32-le")


# ------------------------------------------------------------ char grams

GRAM_SHIFT = 21  # code points fit in 21 bits


def text_codes(folded: str) -> np.ndarray:
    return np.frombuffer(folded.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def term_gram_keys(folded_term: str) -> np.ndarray:
    """The grams whose postings must all contain a document holding the term:
    the unigram for one character, else every bigram."""
    codes = text_codes(folded_term).astype(np.uint64)
    if len(codes) == 1:
        return codes << np.uint64(GRAM_SHIFT)
    return np.unique((codes[:-1] << np.uint64(GRAM_SHIFT)) | (codes[1:] + np.uint64(1)))


# ------------------------------------------------------------ sentences

# Sentence ends in folded text (NFKC turns ！？； into !?;). A line end also
# ends a sentence but belongs to none. Sentences longer than LONG_SENTENCE
# get key 0: they are not grouped as copies, and finding one costs at most
# that many characters each way.
SENTENCE_ENDS = "。!?;"
LONG_SENTENCE = 1000
_SENTENCE = re.compile(r"[^。!?;\n]+[。!?;]*|[。!?;]+")


def sentence_keys(folded: str) -> tuple[np.ndarray, np.ndarray]:
    """The distinct sentence keys of a folded text and how often each occurs
    (identical sentences, i.e. copied passages, share a key)."""
    keys = [text_key(m.group()) for m in _SENTENCE.finditer(folded)
            if len(m.group()) <= LONG_SENTENCE]
    unique, counts = np.unique(np.array(keys, dtype=np.uint64), return_counts=True)
    return unique, np.minimum(counts, 65535).astype(np.uint16)


def sentence_at(folded: str, offset: int) -> tuple[int, int, int]:
    """(start, end, key) of the sentence holding `offset`; (offset, offset, 0)
    between sentences (a line end); key 0 for a long sentence."""
    lo = max(0, offset - LONG_SENTENCE - 1)
    hi = min(len(folded), offset + LONG_SENTENCE + 1)
    for m in _SENTENCE.finditer(folded, lo, hi):
        if m.start() <= offset < m.end():
            start, end = m.start(), m.end()
            cut = (start == lo and lo > 0) or (end == hi and hi < len(folded))
            long = cut or end - start > LONG_SENTENCE
            return start, end, 0 if long else text_key(m.group())
        if m.start() > offset:
            break
    return offset, offset, 0


# ------------------------------------------------------------ dictionaries

def read_dict_lines(path: Path) -> list[tuple[str, int | None]]:
    """`word [freq] [tag]` lines; BOM, CRLF, blank lines and # comments ok."""
    entries = []
    text = path.read_bytes().decode("utf-8-sig")
    for line in text.splitlines():
        parts = line.strip().split()
        if not parts or parts[0].startswith("#"):
            continue
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        entries.append((parts[0], freq))
    return entries


def dictionary_entries(user_dict: Path | None = None) -> list[tuple[str, int]]:
    entries = read_dict_lines(DOMAIN_DICT)
    if user_dict is not None and user_dict.is_file():
        entries += read_dict_lines(user_dict)
    # Text is folded before it is cut, so dictionary words must be folded too.
    return [(fold(w), f or DEFAULT_WORD_FREQ) for w, f in entries]


def user_dict_for(corpus: Path | None) -> Path | None:
    env = os.environ.get("REPORTS_USERDICT")
    if env:
        return Path(env)
    if corpus is not None and (corpus / USER_DICT_NAME).is_file():
        return corpus / USER_DICT_NAME
    return None


def dictionary_fingerprint(user_dict: Path | None = None) -> str:
    h = hashlib.sha256(ANALYZER_VERSION.encode())
    for word, freq in dictionary_entries(user_dict):
        h.update(f"{word}\t{freq}\n".encode())
    return h.hexdigest()[:16]


# ------------------------------------------------------------ segmentation

@lru_cache(maxsize=4)
def segmenter(user_dict: Path | None = None):
    """A jieba-rs segmenter with the main, domain and user dictionaries."""
    import rjieba

    seg = rjieba.Jieba()
    for word, freq in dictionary_entries(user_dict):
        seg.add_word(word, freq, None)
    return seg


_WORD = re.compile(r"\w")  # a token with no letter, digit or CJK char is punctuation


@lru_cache(maxsize=1 << 16)
def is_word(token: str) -> bool:
    return _WORD.search(token) is not None and not token.isspace()


def words(text: str, user_dict: Path | None = None) -> list[str]:
    """Folded jieba words of `text`, punctuation and whitespace dropped."""
    return [w for w in segmenter(user_dict).cut(fold(text)) if is_word(w)]


def words_raw(text: str, user_dict: Path | None = None) -> list[str]:
    """All jieba tokens of the folded text, punctuation included, in order."""
    return cut_folded(fold(text), user_dict)


def cut_folded(folded: str, user_dict: Path | None = None) -> list[str]:
    return segmenter(user_dict).cut(folded) if folded else []


def folded_word_counts(folded: str, user_dict: Path | None = None) -> Counter:
    """How often each jieba word occurs in an already folded text."""
    counts = Counter(cut_folded(folded, user_dict))
    for token in [t for t in counts if not is_word(t)]:  # check distinct tokens only
        del counts[token]
    return counts


def text_key(text: str) -> int:
    """A stable 64-bit key for a (folded) string: postings need no vocabulary."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


# Words recur from report to report: remember their keys (a vocabulary's worth).
word_key = lru_cache(maxsize=1 << 19)(text_key)
