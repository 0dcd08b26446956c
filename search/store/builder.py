"""The companion file of a new segment, built from analysed reports and from
the live reports of segments being merged into it.

Reports go in in Whoosh's document order for the segment (the order of
`add_document` and `add_reader`), so local doc numbers agree. Nothing is
re-analysed in a merge: texts, postings and metadata are copied as arrays.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import dedup
from ..analysis import text_key
from . import grams, suffix
from .container import ContainerWriter
from .segment import FORMAT, SegmentData, key_of

MAX_DOCS = (1 << 16) - 1   # local doc numbers are uint16
TF_MAX = 255


@dataclass
class DocRecord:
    """Everything the index keeps of one report, made by the analysis step."""
    id: str
    hash: str                       # content hash of the file
    size: int
    mtime: int                      # the file's modification time when it was hashed (ns)
    title: str
    subtitle: str
    text: str                       # cleaned: title line, then paragraphs
    codes: np.ndarray               # folded_codes of the folded text: the worker folds it once
    year: int | None
    period: str
    doc_type: str
    level: str
    outline: list[tuple[int, str, int]]   # (depth, text, offset in text)
    word_keys: np.ndarray           # uint64 sorted: analysis.word_key of each distinct word
    word_tf: np.ndarray             # uint16 (3, len(word_keys)): body, title, headings
    lengths: tuple[int, int, int]   # word counts of body, title, headings
    sentence_keys: np.ndarray       # uint64, distinct sentences (analysis.sentence_keys)
    sentence_tf: np.ndarray         # uint16: how often each occurs
    text_hash: str                  # dedup.text_hash(text): equal for copies
    sketch: np.ndarray              # dedup.sketch of the folded body (uint16)


class SegmentBuilder:
    def __init__(self) -> None:
        self.docs = 0
        self.chars = 0
        self.wide = False
        self._codes: list[np.ndarray] = []
        self._lengths: list[np.ndarray] = []
        self._body: list[tuple] = []       # (keys, docs, tf)
        self._fields: list[tuple] = []     # (keys, docs, tf title, tf headings)
        self._sentences: list[tuple] = []  # (keys, docs, tf)
        self._sketches: list[np.ndarray] = []
        self._meta: dict[str, list] = {k: [] for k in (
            "ids", "titles", "heading_spans", "years", "types", "levels", "periods",
            "lengths", "sizes", "mtimes", "file_hash", "text_hash", "is_copy")}

    def fits(self, chars: int) -> bool:
        """Whether a report of `chars` characters still fits (one always does)."""
        return not self.docs or (self.docs < MAX_DOCS and self.chars + chars + 1 <= suffix.MAX_CHARS)

    # ------------------------------------------------------------ adding
    def add(self, r: DocRecord, is_copy: bool) -> None:
        """A new report (a copy keeps its metadata but no text or postings)."""
        d = self.docs
        self._append_codes(r.codes if not is_copy else np.zeros(0, ">u2"))
        if not is_copy:
            tf = np.minimum(r.word_tf, TF_MAX).astype(np.uint8)
            body = tf[0] > 0
            self._body.append((r.word_keys[body], np.full(int(body.sum()), d), tf[0, body]))
            other = (tf[1] > 0) | (tf[2] > 0)
            self._fields.append((r.word_keys[other], np.full(int(other.sum()), d),
                                 tf[1, other], tf[2, other]))
            self._sentences.append((r.sentence_keys, np.full(len(r.sentence_keys), d), r.sentence_tf))
        m = self._meta
        m["ids"].append(r.id)
        m["titles"].append(r.title)
        m["heading_spans"].append(_heading_spans(r.text, r.outline) if not is_copy else [])
        m["years"].append(r.year or 0)
        m["types"].append(r.doc_type)
        m["levels"].append(r.level)
        m["periods"].append(r.period)
        m["lengths"].append(r.lengths if not is_copy else (0, 0, 0))
        m["sizes"].append(r.size)
        m["mtimes"].append(r.mtime)
        m["file_hash"].append(bytes.fromhex(r.hash))
        m["text_hash"].append(bytes.fromhex(r.text_hash))
        m["is_copy"].append(is_copy)
        self._sketches.append(r.sketch.astype(np.uint16)[None, :])
        self.docs += 1

    def add_segment(self, seg: SegmentData, live: np.ndarray) -> None:
        """The live reports of an old segment, in order (as Whoosh's add_reader)."""
        keep = np.flatnonzero(live)
        new_doc = np.full(seg.n, -1, np.int64)
        new_doc[keep] = self.docs + np.arange(len(keep))
        starts = seg.doc_starts
        spans = [(int(starts[d]), int(starts[d + 1])) for d in keep.tolist()]
        lengths = np.array([b - a for a, b in spans], np.int64)
        if len(keep):
            codes = np.asarray(seg.codes)
            self._append_codes(np.concatenate([codes[a:b] for a, b in spans]) if spans else codes[:0])
            self._lengths[-1] = lengths  # per-document, not one block
        for rows, target in ((seg.body, self._body), (seg.fields, self._fields),
                             (seg.sentences, self._sentences)):
            keys, docs, *values = rows.rows()
            moved = new_doc[docs]
            ok = moved >= 0
            target.append((keys[ok], moved[ok], *(v[..., ok] for v in values)))
        m, meta = self._meta, seg.meta
        for d in keep.tolist():
            m["ids"].append(seg.id(d))
            m["titles"].append(seg.title(d))
            m["heading_spans"].append(seg.heading_spans(d))
        for name in ("years", "types", "levels", "periods", "sizes", "mtimes", "is_copy"):
            m[name].extend(meta.column(name)[keep].tolist())
        m["lengths"].extend(map(tuple, meta.lengths[:, keep].T.tolist()))
        m["file_hash"].extend(bytes(x) for x in meta.file_hash[keep])
        m["text_hash"].extend(bytes(x) for x in meta.text_hash[keep])
        self._sketches.append(np.asarray(seg.sketches)[keep])
        self.docs += len(keep)

    def _append_codes(self, codes: np.ndarray) -> None:
        if codes.dtype.itemsize == 4 and not self.wide:
            self.wide = True
            self._codes = [c.astype(">u4") for c in self._codes]
        if self.wide and codes.dtype.itemsize == 2:
            codes = codes.astype(">u4")
        self._codes.append(codes)
        self._lengths.append(np.array([len(codes)], np.int64))
        self.chars += len(codes)

    # ------------------------------------------------------------ writing
    def sketches(self) -> np.ndarray:
        return np.concatenate(self._sketches) if self._sketches else np.zeros((0, dedup.BINS), np.uint16)

    def text_keys(self) -> np.ndarray:
        return key_of(_bytes16(self._meta["text_hash"]))

    def copies(self) -> np.ndarray:
        return np.array(self._meta["is_copy"], bool)

    def write(self, path: Path, info: dict) -> int:
        """Build the suffix array and postings and write the companion file."""
        unit = ">u4" if self.wide else ">u2"
        # (concatenate gives native byte order: the suffix array needs big-endian)
        codes = (np.concatenate(self._codes) if self._codes else np.zeros(0, unit)).astype(unit)
        self._codes = []
        doc_starts = np.concatenate([[0], np.cumsum(np.concatenate(self._lengths))]).astype(np.int64) \
            if self._lengths else np.zeros(1, np.int64)
        sa = suffix.build(codes)
        index = suffix.SuffixIndex(codes, sa, doc_starts)
        gram_rows = grams.frequent_grams(codes, index)

        m = self._meta
        vocab = {}
        out = ContainerWriter(path, {})
        out.add("codes", codes)
        out.add("doc_starts", doc_starts, small=True)
        out.add("sa", sa)
        for name, arrays, keyed in (("gram", gram_rows, True), ("body", _sorted(self._body, np.uint8), True),
                                    ("fields", _sorted(self._fields, np.uint8, np.uint8), True),
                                    ("sentences", _sorted(self._sentences, np.uint16), False)):
            keys, docs, *values = arrays
            if keyed:  # most keys have many rows: each key once, with where its rows start
                keys, starts = _runs(keys)
                out.add(f"{name}_starts", starts)
            out.add(f"{name}_keys", keys)
            out.add(f"{name}_docs", docs)
            for part, array in zip(("a", "b"), values, strict=False):
                out.add(f"{name}_{part}", array)
        out.add("id_keys", np.array([text_key(i) for i in m["ids"]], np.uint64), small=True)
        for name in ("ids", "titles"):
            blob, offsets = _blob(m[name])
            out.add(f"{name}_blob", blob, small=True)
            out.add(f"{name}_offsets", offsets, small=True)
        spans = m["heading_spans"]
        out.add("heading_ptr", np.concatenate([[0], np.cumsum([len(x) for x in spans])]).astype(np.int64),
                small=True)
        flat = np.array([x for row in spans for x in row], np.uint32).reshape(-1, 2)
        out.add("heading_spans", flat, small=True)
        out.add("years", np.array(m["years"], np.int16), small=True)
        for name in ("types", "levels", "periods"):
            names = sorted(set(m[name]))
            vocab[name] = names
            index_of = {v: i for i, v in enumerate(names)}
            out.add(name, np.array([index_of[v] for v in m[name]], np.uint8), small=True)
        out.add("lengths", np.array(m["lengths"], np.uint32).reshape(-1, 3).T.copy(), small=True)
        out.add("sizes", np.array(m["sizes"], np.int64), small=True)
        out.add("mtimes", np.array(m["mtimes"], np.int64), small=True)
        out.add("file_hash", _bytes16(m["file_hash"]), small=True)
        out.add("text_hash", _bytes16(m["text_hash"]), small=True)
        out.add("is_copy", np.array(m["is_copy"], bool), small=True)
        out.add("sketches", self.sketches())
        out.info = {**info, "format": FORMAT, "docs": self.docs, "chars": int(len(codes)),
                    "wide": self.wide, "vocab": vocab}
        try:
            return out.close()
        except BaseException:
            out.abandon()
            raise


def write_edges(path: Path, edges: np.ndarray) -> int:
    """A segment's near-duplicate pairs (text-hash keys): a small file of its
    own, written when the run commits and every new report is known."""
    out = ContainerWriter(path, {"format": FORMAT})
    out.add("edges", np.unique(edges.reshape(-1, 2).astype(np.uint64), axis=0), small=True)
    return out.close()


def folded_codes(folded: str) -> np.ndarray:
    """Big-endian code units of a folded text and its closing newline (4 bytes
    when it needs them): the report's part of the segment's text array."""
    data = (folded + "\n").encode("utf-32-be", "surrogatepass")
    codes = np.frombuffer(data, dtype=">u4")
    if len(codes) and int(codes.max()) > 0xFFFF:
        return codes
    return codes.astype(">u2")


def _sorted(parts: list[tuple], *dtypes) -> tuple:
    """Rows of (key, doc, values…) from all parts, ordered by key then doc."""
    if not parts:
        return (np.zeros(0, np.uint64), np.zeros(0, np.uint16), *(np.zeros(0, t) for t in dtypes))
    keys = np.concatenate([p[0] for p in parts]).astype(np.uint64)
    docs = np.concatenate([p[1] for p in parts]).astype(np.int64)
    order = np.lexsort((docs, keys))
    values = [np.concatenate([p[i] for p in parts])[order].astype(t) for i, t in enumerate(dtypes, 2)]
    return (keys[order], docs[order].astype(np.uint16), *values)


def _heading_spans(text: str, outline: list) -> list[tuple[int, int]]:
    """(offset, length) in the text of each outline entry that is a piece of it."""
    spans = []
    for _, heading, offset in outline:
        if heading and text.startswith(heading, offset):
            spans.append((offset, len(heading)))
    return spans


def _runs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct keys of sorted rows and the row where each one's run starts."""
    if not len(keys):
        return keys, np.zeros(1, np.uint32)
    bounds = np.flatnonzero(keys[1:] != keys[:-1]) + 1
    starts = np.concatenate([[0], bounds, [len(keys)]]).astype(np.uint32)
    return keys[starts[:-1]], starts


def _blob(strings: list[str]) -> tuple[np.ndarray, np.ndarray]:
    encoded = [s.encode("utf-8", "surrogatepass") for s in strings]
    offsets = np.concatenate([[0], np.cumsum([len(e) for e in encoded])]).astype(np.int64)
    return np.frombuffer(b"".join(encoded), np.uint8), offsets


def _bytes16(values: list[bytes]) -> np.ndarray:
    return np.frombuffer(b"".join(values), np.uint8).reshape(-1, 16) if values else np.zeros((0, 16), np.uint8)


