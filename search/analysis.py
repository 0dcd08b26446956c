"""Text analysis shared by indexing and querying.

Two views of a text:
- words (jieba, through jieba-rs for speed; identical cuts, pinned by a test)
  decide the *ranking*;
- folded characters (NFKC + case folding, one character for one character, so
  offsets stay valid) decide *matching*: a term matches where the folded text
  contains the folded term as a substring. Folding is per character, so it
  cannot compose "e" + U+0301 into "é"; the readers compose every text (NFC)
  before it is cleaned, which keeps offsets valid and makes a decomposed
  "café" match the query 「café」.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import rjieba

from .errors import SettingsError

# Bump when tokenization or folding changes: an index built with another
# version is rebuilt, since its words would not match the queries' words.
ANALYZER_VERSION = "3"  # 3: texts are NFC-composed before folding (readers/base.py)

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


def fold_query(text: str) -> str:
    """A query's folded form: composed first (NFC), as every text is when read,
    so that a query typed decomposed (e + U+0301) finds the composed text. Only
    for queries: composing may shorten a string, which offsets into a text forbid."""
    return fold(unicodedata.normalize("NFC", text))


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


_END_CODES = np.array([ord(c) for c in SENTENCE_ENDS], dtype=np.uint32)
# The same ends in text as it was written: every character that folds to one
# of them (。！？；!?;, ｡, the small and vertical forms), for code that reads
# the unfolded text (snippets). One rule: sentence keys and snippets agree.
RAW_SENTENCE_ENDS = "".join(sorted(chr(int(c)) for c in np.flatnonzero(np.isin(_FOLD, _END_CODES))))
# Sentence keys: a sum of mixed characters times random odd weights by
# position in the sentence (mod 2**64), then mixed with the length: one
# vector pass over a whole text; equal sentences get equal keys wherever
# they stand, different ones collide about once in 2**64.
_WEIGHTS = np.random.default_rng(20261201).integers(0, 1 << 63, LONG_SENTENCE + 1,
                                                    dtype=np.uint64) * np.uint64(2) + np.uint64(1)


def mix64(z: np.ndarray) -> np.ndarray:
    """splitmix64's finalizer: spreads similar inputs over all 64 bits."""
    z = z ^ (z >> np.uint64(30))
    z = z * np.uint64(0xBF58476D1CE4E5B9)
    z = z ^ (z >> np.uint64(27))
    z = z * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def sentence_spans(folded: str) -> tuple[np.ndarray, np.ndarray]:
    """[start, end) of every sentence, in order: as _SENTENCE finds them (a
    run of non-end characters with the end marks after it, or a run of end
    marks at a line start), without a regex pass."""
    codes = text_codes(folded)
    n = len(codes)
    if not n:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    newline = codes == 10
    end = codes == _END_CODES[0]
    for c in _END_CODES[1:]:
        end |= codes == c
    other = ~(newline | end)
    after_break = np.concatenate([[True], newline[:-1]])
    after_end = np.concatenate([[False], end[:-1]])
    starts = np.flatnonzero((other & (after_break | after_end)) | (end & after_break))
    bounds = np.concatenate([starts, np.flatnonzero(newline), [n]])
    bounds.sort()
    ends = bounds[np.searchsorted(bounds, starts, side="right")]
    return starts.astype(np.int64), ends.astype(np.int64)


def _span_keys(codes: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Keys of sentences [starts, ends) (each at most LONG_SENTENCE long)."""
    lengths = ends - starts
    if not len(lengths):
        return np.zeros(0, np.uint64)
    first = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    rel = np.arange(int(lengths.sum())) - np.repeat(first, lengths)
    chars = codes[np.repeat(starts, lengths) + rel].astype(np.uint64)
    terms = mix64(chars + np.uint64(0x9E3779B97F4A7C15)) * _WEIGHTS[rel]
    sums = np.add.reduceat(terms, first)
    keys = mix64(sums ^ lengths.astype(np.uint64))
    keys[keys == 0] = 1  # 0 means "no key"
    return keys


def sentence_keys(folded: str) -> tuple[np.ndarray, np.ndarray]:
    """The distinct sentence keys of a folded text and how often each occurs
    (identical sentences, i.e. copied passages, share a key)."""
    _, _, keys = sentence_table(folded)
    unique, counts = np.unique(keys[keys != 0], return_counts=True)
    return unique, np.minimum(counts, 65535).astype(np.uint16)


def sentence_table(folded: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Starts, ends and keys of a folded text's sentences (key 0: too long to
    group), exactly as the index keyed them."""
    starts, ends = sentence_spans(folded)
    keys = np.zeros(len(starts), np.uint64)
    short = (ends - starts) <= LONG_SENTENCE
    keys[short] = _span_keys(text_codes(folded), starts[short], ends[short])
    return starts, ends, keys


# ------------------------------------------------------------ dictionaries

class DictionaryError(SettingsError, ValueError):
    """A dictionary file that cannot be used; the message (Chinese) names the
    file and the line."""

    headline = "词典有误，检索暂不可用。"


MAX_WORD_FREQ = 10**9
_TAG = re.compile(r"[A-Za-z]+")


def read_dict_lines(path: Path, strict: bool = False) -> list[tuple[str, int | None]]:
    """`word [freq] [tag]` lines; BOM, CRLF, blank lines and # comments ok.
    Raises DictionaryError for a file that is not UTF-8, and with `strict` (as
    every index run checks) for a line not of that form: a word with a space in
    it, a frequency that is no number. A generation's copy, checked when it was
    written, is read leniently, as it always was."""
    entries = []
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise DictionaryError(f"词典 {path} 第 {line} 行不是 UTF-8 编码：请把文件另存为 UTF-8"
                              "（带不带 BOM 均可）") from None
    for number, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        parts = line.strip().split()
        if not parts or parts[0].startswith("#"):
            continue
        problem = _dict_line_problem(parts) if strict else None
        if problem:
            raise DictionaryError(f"词典 {path} 第 {number} 行「{line.strip()[:40]}」：{problem}；"
                                  "每行的格式是：词 [词频] [词性]")
        freq = parts[1] if len(parts) > 1 and parts[1].isascii() and parts[1].isdigit() else None
        entries.append((parts[0], min(int(freq), MAX_WORD_FREQ) if freq else None))
    return entries


def _dict_line_problem(parts: list[str]) -> str | None:
    rest = parts[1:]
    if len(rest) > 2:
        return "多了几栏（词里不能有空格）"
    if rest and rest[0].isascii() and rest[0].isdigit():
        if int(rest[0]) > MAX_WORD_FREQ:
            return f"词频 {rest[0]} 太大（最多 {MAX_WORD_FREQ}）"
        rest = rest[1:]
    elif rest and rest[0][:1].isdigit():
        return f"词频「{rest[0]}」不是正整数"
    if rest and not _TAG.fullmatch(rest[0]):
        return f"「{rest[0]}」不是词频也不是词性（词里不能有空格）"
    return None


def dictionary_entries(user_dict: Path | None = None) -> list[tuple[str, int]]:
    """The folded (word, frequency) entries of the domain and user dictionaries."""
    return list(Words.load(user_dict).entries)


def dictionary_fingerprint(user_dict: Path | None = None) -> str:
    return Words.load(user_dict).fingerprint


@dataclass(frozen=True)
class Words:
    """The dictionary words (domain and user dictionary, folded) as read once:
    an indexing run cuts every file with these and fingerprints them."""
    entries: tuple[tuple[str, int], ...]
    fingerprint: str

    @classmethod
    def load(cls, user_dict: Path | None = None, strict: bool = False) -> Words:
        """`strict`: a line not of the form `word [freq] [tag]` is an error (DictionaryError)."""
        raw = read_dict_lines(DOMAIN_DICT, strict)
        if user_dict is not None and user_dict.is_file():
            raw += read_dict_lines(user_dict, strict)
        # Text is folded before it is cut, so dictionary words must be folded too.
        entries = tuple((fold(w), f or DEFAULT_WORD_FREQ) for w, f in raw)
        h = hashlib.sha256(ANALYZER_VERSION.encode())
        for word, freq in entries:
            h.update(f"{word}\t{freq}\n".encode())
        return cls(entries, h.hexdigest()[:16])

    def segmenter(self) -> rjieba.Jieba:
        """A jieba-rs segmenter with these words (one per fingerprint and process)."""
        seg = _SEGMENTERS.get(self.fingerprint)
        if seg is None:
            seg = _SEGMENTERS[self.fingerprint] = _build_segmenter(self.entries)
        return seg


_SEGMENTERS: dict[str, object] = {}


def _build_segmenter(entries: Iterable[tuple[str, int]]):
    import rjieba

    seg = rjieba.Jieba()
    for word, freq in entries:
        seg.add_word(word, freq, None)
    return seg


# ------------------------------------------------------------ segmentation

def segmenter(user_dict: Path | None = None) -> rjieba.Jieba:
    """A jieba-rs segmenter with the main, domain and user dictionaries (a
    dictionary file rewritten is read again)."""
    try:
        stat = user_dict.stat() if user_dict is not None else None
    except OSError:
        stat = None
    return _segmenter(user_dict if stat else None, stat.st_mtime_ns if stat else 0, stat.st_size if stat else 0)


@lru_cache(maxsize=4)
def _segmenter(user_dict: Path | None, _mtime_ns: int, _size: int) -> rjieba.Jieba:
    return _build_segmenter(dictionary_entries(user_dict))


_WORD = re.compile(r"\w")  # a token with no letter, digit or CJK char is punctuation


@lru_cache(maxsize=1 << 16)
def is_word(token: str) -> bool:
    return token.isalnum() or (_WORD.search(token) is not None and not token.isspace())


def words(text: str, user_dict: Path | None = None) -> list[str]:
    """Folded jieba words of `text`, punctuation and whitespace dropped."""
    return [w for w in segmenter(user_dict).cut(fold(text)) if is_word(w)]


def cut_folded(folded: str, user_dict: Path | None = None) -> list[str]:
    return segmenter(user_dict).cut(folded) if folded else []


_KEYS: dict[str, int] = {}  # token -> key (0: punctuation, space): tokens recur from report to report
_KEYS_HELD = 1 << 20


def field_words(fields: tuple[str, ...], user_dict: Path | None = None, seg: rjieba.Jieba | None = None
                ) -> tuple[np.ndarray, np.ndarray, tuple[int, ...]]:
    """jieba word keys of several folded texts (fields of a report): the
    sorted distinct keys, the (fields, keys) counts, and each field's length
    in words. Tokens recur from report to report: each distinct one's key is
    computed once (0 for punctuation and spaces, which are no words)."""
    cut = (seg or segmenter(user_dict)).cut
    keys_parts, count_parts, field_parts, lengths = [], [], [], []
    for f, text in enumerate(fields):
        c = Counter(cut(text)) if text else Counter()
        fresh = [t for t in c if t not in _KEYS]
        if len(_KEYS) + len(fresh) <= _KEYS_HELD:
            _KEYS.update(zip(fresh, map(_token_key, fresh), strict=True))
            key_of = _KEYS.__getitem__
        else:  # a vocabulary's worth is held, not every oddity
            key_of = _held_or_computed
        keys = np.fromiter(map(key_of, c), np.uint64, len(c))
        counts = np.fromiter(c.values(), np.int64, len(c))
        words = keys != 0
        keys_parts.append(keys[words])
        count_parts.append(counts[words])
        field_parts.append(np.full(int(words.sum()), f, np.intp))
        lengths.append(int(counts[words].sum()))
    keys = np.concatenate(keys_parts)
    unique, where = np.unique(keys, return_inverse=True)
    tf = np.zeros((len(fields), len(unique)), np.int64)
    tf[np.concatenate(field_parts), where] = np.concatenate(count_parts)  # a key once a field: no add.at
    return unique, tf, tuple(lengths)


def _held_or_computed(token: str) -> int:
    key = _KEYS.get(token)
    return _token_key(token) if key is None else key


def _token_key(token: str) -> int:
    return text_key(token) if token.isalnum() or is_word(token) else 0


def text_key(text: str) -> int:
    """A stable 64-bit key for a (folded) string: postings need no vocabulary."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


# Words recur from report to report: remember their keys (a vocabulary's worth).
word_key = lru_cache(maxsize=1 << 19)(text_key)
