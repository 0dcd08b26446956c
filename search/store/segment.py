"""One segment's companion data, opened for reading (memory-mapped).

A Whoosh segment `MAIN_<id>` holds the reports' stored fields (the store of
record); its companion `MAIN_<id>.rsc` holds what Whoosh cannot do fast:
the folded texts and their suffix array, doc postings of the commonest
characters and pairs, jieba word postings for BM25F, sentence postings for
grouping copied KWIC lines, MinHash sketches and near-duplicate pairs, and
the per-report metadata as compact arrays. The file is named by its
segment, so Whoosh's own clean-up removes it with the segment.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .container import Container, Damaged, file_crc
from .suffix import SuffixIndex

FORMAT = 9           # bump when the companion file changes
EXTENSION = ".rsc"        # "report search companion"
EDGES_EXTENSION = ".rse"  # its near-duplicate pairs


def companion_path(index_dir: Path, segment_id: str) -> Path:
    return Path(index_dir) / f"{segment_id}{EXTENSION}"


def edges_path(index_dir: Path, segment_id: str) -> Path:
    return Path(index_dir) / f"{segment_id}{EDGES_EXTENSION}"


def key_of(hashes: np.ndarray) -> np.ndarray:
    """uint64 keys from 16-byte hashes (their first 8 bytes)."""
    raw = np.asarray(hashes)
    if raw.dtype.kind == "S":
        raw = np.frombuffer(raw.tobytes(), np.uint8).reshape(-1, 16)
    return np.ascontiguousarray(raw[:, :8]).view("<u8").reshape(-1) if len(raw) else np.zeros(0, np.uint64)


class OldFormat(Damaged):
    """A companion file written by another version of Report Search."""


class Postings:
    """Rows (doc, values…) ordered by key then doc; a key's rows are one run.
    With `starts`, `keys` holds each key once and its run starts there;
    without, `keys` holds one key per row."""

    def __init__(self, keys: np.ndarray, docs: np.ndarray, *values: np.ndarray,
                 starts: np.ndarray | None = None):
        self.keys, self.docs, self.values, self.starts = keys, docs, values, starts

    def run(self, key: int) -> tuple[int, int]:
        k = np.uint64(key)
        i = int(np.searchsorted(self.keys, k, "left"))
        if self.starts is None:
            return i, int(np.searchsorted(self.keys, k, "right"))
        if i == len(self.keys) or self.keys[i] != k:
            return 0, 0
        return int(self.starts[i]), int(self.starts[i + 1])

    def get(self, key: int) -> tuple[np.ndarray, ...]:
        a, b = self.run(key)
        return (self.docs[a:b], *(v[a:b] for v in self.values))

    def rows(self) -> tuple[np.ndarray, ...]:
        keys = np.asarray(self.keys)
        if self.starts is not None:
            keys = np.repeat(keys, np.diff(np.asarray(self.starts).astype(np.int64)))
        return (keys, np.asarray(self.docs).astype(np.int64), *(np.asarray(v) for v in self.values))

    def __len__(self) -> int:
        return len(self.docs)


class Meta:
    """Per-report metadata arrays of a segment."""

    def __init__(self, c: Container):
        vocab = c.info["vocab"]
        self._vocab = {k: np.array(v, dtype=object) for k, v in vocab.items()}
        self.years = c.array("years")
        self.codes = {k: c.array(k) for k in ("types", "levels", "periods")}
        self.lengths = c.array("lengths")
        self.sizes = c.array("sizes")
        self.mtimes = c.array("mtimes")
        self.file_hash = c.array("file_hash")
        self.text_hash = c.array("text_hash")
        self.is_copy = c.array("is_copy")

    def column(self, name: str) -> np.ndarray:
        if name in self.codes:
            vocab = self._vocab[name]
            return vocab[self.codes[name]] if len(vocab) else np.array([], dtype=object)
        return np.asarray(getattr(self, name))

    def names(self, name: str) -> list[str]:
        return list(self._vocab[name])


class SegmentData:
    def __init__(self, path: Path):
        self.path = Path(path)
        c = self.container = Container(path)
        if c.info.get("format") != FORMAT:
            raise OldFormat(self.path, f"written by another version (format {c.info.get('format')})")
        self.info = c.info
        self.n: int = c.info["docs"]
        self.chars: int = c.info["chars"]
        self.fingerprint: str = c.info.get("fingerprint", "")
        self.codes = c.array("codes")
        self.doc_starts = c.array("doc_starts")
        self.suffix = SuffixIndex(self.codes, c.array("sa"), self.doc_starts)
        self.grams = Postings(c.array("gram_keys"), c.array("gram_docs"), c.array("gram_a"),
                              starts=c.array("gram_starts"))
        self.body = Postings(c.array("body_keys"), c.array("body_docs"), c.array("body_a"),
                             starts=c.array("body_starts"))
        self.fields = Postings(c.array("fields_keys"), c.array("fields_docs"),
                               c.array("fields_a"), c.array("fields_b"), starts=c.array("fields_starts"))
        self.sentences = Postings(c.array("sentences_keys"), c.array("sentences_docs"),
                                  c.array("sentences_a"))
        self.sketches = c.array("sketches")
        self.edges_file = Container(self.path.with_suffix(EDGES_EXTENSION))
        self.edges = self.edges_file.array("edges")
        self.whoosh_files: dict[str, list[int]] = c.info.get("whoosh_files", {})
        for name, (size, _) in self.whoosh_files.items():
            try:
                found = (self.path.parent / name).stat().st_size
            except OSError:
                raise Damaged(self.path.parent / name, "missing") from None
            if found != size:
                raise Damaged(self.path.parent / name, f"size {found} bytes, expected {size}")
        self.meta = Meta(c)
        self.id_keys = c.array("id_keys")   # analysis.text_key of each id
        self._blobs = {name: (c.array(f"{name}_blob"), c.array(f"{name}_offsets"))
                       for name in ("ids", "titles")}
        self.heading_ptr = c.array("heading_ptr")
        self.heading_table = c.array("heading_spans")   # (offset in the text, length) per heading

    # ------------------------------------------------------------ strings
    def _string(self, name: str, d: int) -> str:
        blob, offsets = self._blobs[name]
        return bytes(blob[int(offsets[d]):int(offsets[d + 1])]).decode("utf-8", "surrogatepass")

    def strings(self, name: str) -> list[str]:
        """All reports' ids or titles, decoded at once."""
        blob, offsets = self._blobs[name]
        text = bytes(blob).decode("utf-8", "surrogatepass") if len(blob) else ""
        if len(text) == len(blob):  # ASCII: byte offsets are character offsets
            return [text[a:b] for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True)]
        return [bytes(blob[a:b]).decode("utf-8", "surrogatepass")
                for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True)]

    def strings_at(self, name: str, local: np.ndarray) -> list[str]:
        """The ids or titles of many reports: one read of the blob's span."""
        if not len(local):
            return []
        blob, offsets = self._blobs[name]
        starts, ends = np.asarray(offsets)[local], np.asarray(offsets)[local + 1]
        lo = int(starts.min())
        raw = bytes(blob[lo:int(ends.max())])
        return [raw[a:b].decode("utf-8", "surrogatepass")
                for a, b in zip((starts - lo).tolist(), (ends - lo).tolist(), strict=True)]

    def id(self, d: int) -> str:
        return self._string("ids", d)

    def title(self, d: int) -> str:
        return self._string("titles", d)

    def heading_spans(self, d: int) -> list[tuple[int, int]]:
        a, b = int(self.heading_ptr[d]), int(self.heading_ptr[d + 1])
        return [tuple(x) for x in self.heading_table[a:b].tolist()]

    def heading_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Every heading as [start, end) in the segment's text, ordered by start,
        and the furthest end reached so far (a heading may lie inside another)."""
        table = np.asarray(self.heading_table).astype(np.int64)
        doc = np.repeat(np.arange(self.n), np.diff(np.asarray(self.heading_ptr)))
        starts = np.asarray(self.doc_starts)[doc] + table[:, 0] if len(table) else np.zeros(0, np.int64)
        ends = starts + table[:, 1] if len(table) else np.zeros(0, np.int64)
        order = np.argsort(starts, kind="stable")
        return starts[order], np.maximum.accumulate(ends[order]) if len(order) else ends

    # ------------------------------------------------------------ text
    def folded(self, d: int) -> str:
        """Report d's folded text (without the separator after it)."""
        a, b = int(self.doc_starts[d]), int(self.doc_starts[d + 1])
        if b <= a:
            return ""
        units = self.codes[a:b - 1]
        wide = units.dtype.itemsize == 4
        return units.astype(">u4" if wide else ">u2").tobytes().decode(
            "utf-32-be" if wide else "utf-16-be", "surrogatepass")

    def folded_window(self, d: int, a: int, b: int) -> str:
        """Characters [a, b) of report d's folded text (clipped to it)."""
        start, end = int(self.doc_starts[d]), int(self.doc_starts[d + 1]) - 1
        lo, hi = max(start, start + a), min(end, start + b)
        if hi <= lo:
            return ""
        units = self.codes[lo:hi]
        wide = units.dtype.itemsize == 4
        return units.astype(">u4" if wide else ">u2").tobytes().decode(
            "utf-32-be" if wide else "utf-16-be", "surrogatepass")

    def text_length(self, d: int) -> int:
        return max(0, int(self.doc_starts[d + 1]) - int(self.doc_starts[d]) - 1)

    def verify(self) -> None:
        """Check every checksum: the companions' arrays and Whoosh's files."""
        self.container.verify()
        self.edges_file.verify()
        for name, (_, crc) in self.whoosh_files.items():
            if file_crc(self.path.parent / name) != crc:
                raise Damaged(self.path.parent / name, "checksum does not match")

    @property
    def nbytes(self) -> int:
        return self.container.nbytes + self.edges_file.nbytes
