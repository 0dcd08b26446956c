"""The index as one reader sees it: the segments of one Whoosh commit.

Reports are numbered across segments in the order of Whoosh's table of
contents (a segment's first report at its `base`); deleted ones keep their
numbers and are masked out. Everything per report is a compact array;
texts come from the segments (folded, memory-mapped) and from Whoosh's
stored fields (the original, the store of record) through a byte-budgeted
cache. A snapshot never changes: a commit makes a new one.
"""
from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index
from whoosh.reading import SegmentReader

from .. import dedup
from ..analysis import USER_DICT_NAME, fold, text_key
from ..errors import IndexDamaged
from .cache import ByteBudgetCache
from .container import Damaged
from .segment import OldFormat, SegmentData, companion_path, key_of

INDEX_NAME = "MAIN"


def _toc_stamp(index_dir: Path, generation: int) -> tuple:
    try:
        st = (Path(index_dir) / f"_{INDEX_NAME}_{generation}.toc").stat()
    except OSError:
        return ()
    return st.st_ino, st.st_mtime_ns, st.st_size


@dataclass
class Part:
    """One live segment of the snapshot."""
    whoosh: object             # whoosh.codec.base.Segment (with its deletions)
    data: SegmentData
    base: int                  # global number of its first report
    deleted: np.ndarray        # bool, local


class Snapshot:
    def __init__(self, index_dir: Path, ix: whoosh_index.FileIndex, toc: whoosh_index.TOC,
                 cache: ByteBudgetCache) -> None:
        self.index_dir = Path(index_dir)
        self.ix = ix
        self.schema = toc.schema
        self.generation: int = toc.generation
        self.cache = cache
        parts, base = [], 0
        for seg in toc.segments:
            path = companion_path(self.index_dir, seg.segment_id())
            try:
                data = SegmentData(path)
            except Damaged as exc:
                raise IndexDamaged(self.index_dir, str(exc), isinstance(exc, OldFormat)) from None
            deleted = np.zeros(data.n, bool)
            gone = [d for d in seg.deleted_docs() if d < data.n] if seg.has_deletions() else []
            deleted[gone] = True
            if seg.doc_count_all() != data.n:
                raise IndexDamaged(self.index_dir, f"{path.name} lists {data.n} reports, "
                                                   f"Whoosh's segment {seg.doc_count_all()}")
            parts.append(Part(seg, data, base, deleted))
            base += data.n
        self.parts = parts
        self.n = base
        self.bases = np.array([p.base for p in parts] + [base], np.int64)
        self._part_index = np.repeat(np.arange(len(parts), dtype=np.int32),
                                     [p.data.n for p in parts]) if parts else np.zeros(0, np.int32)
        ids_digest = hashlib.blake2b(digest_size=8)
        for p in parts:
            ids_digest.update(p.whoosh.segment_id().encode())
            ids_digest.update(p.deleted.tobytes())
        self.token = f"{self.generation}-{ids_digest.hexdigest()}"
        self.fingerprints = {p.data.fingerprint for p in parts}
        cat = lambda f: np.concatenate([f(p) for p in parts]) if parts else np.zeros(0)  # noqa: E731
        self.live = ~cat(lambda p: p.deleted).astype(bool)
        is_copy = cat(lambda p: p.data.meta.is_copy).astype(bool)
        self.years = cat(lambda p: p.data.meta.years).astype(np.int32)
        self.lengths = (np.concatenate([p.data.meta.lengths for p in parts], axis=1).astype(np.float64)
                        if parts else np.zeros((3, 0)))
        self.text_keys = key_of(cat(lambda p: p.data.meta.text_hash).reshape(-1, 16).astype(np.uint8))
        self.id_keys = cat(lambda p: p.data.id_keys).astype(np.uint64)
        self._id_order = np.argsort(self.id_keys, kind="stable")
        self._categories: dict[str, tuple[np.ndarray, list[str]]] = {}
        self._strings: dict[str, list[str]] = {}
        self._readers: dict[int, SegmentReader] = {}
        self._reader_lock = threading.Lock()
        self.derived: dict = {}           # what the searcher computes once per snapshot

        # A copy reads its text from the live report with the same text.
        self.source = np.arange(self.n, dtype=np.int64)
        indexed = self.live & ~is_copy
        copies = np.flatnonzero(self.live & is_copy)
        if len(copies):
            holders = np.flatnonzero(indexed)
            order = holders[np.argsort(self.text_keys[holders], kind="stable")]
            keys = self.text_keys[order]
            at = np.searchsorted(keys, self.text_keys[copies])
            found = (at < len(keys)) & (keys[np.minimum(at, len(keys) - 1)] == self.text_keys[copies])
            self.source[copies[found]] = order[at[found]]
            self.live[copies[~found]] = False   # an orphaned copy (its source went): not shown
        self.indexed = indexed
        self.copies_of: dict[int, list[int]] = {}
        for c in copies[self.live[copies]].tolist():
            self.copies_of.setdefault(int(self.source[c]), []).append(c)
        self.copy_count = int((self.live & ~indexed).sum())
        self.report_count = int(indexed.sum())
        self.avg_lengths = (np.maximum(self.lengths[:, indexed].mean(axis=1), 1.0)
                            if indexed.any() else np.ones(3))
        self.group = self._groups()
        self.user_dict: Path | None = (self.index_dir / USER_DICT_NAME
                                       if (self.index_dir / USER_DICT_NAME).is_file() else None)

    # ------------------------------------------------------------ opening
    @classmethod
    def open(cls, index_dir: Path, cache: ByteBudgetCache | None = None) -> Snapshot | None:
        """The latest commit, or None when there is no index. A commit that
        lands while its files are being opened is retried with the next."""
        index_dir = Path(index_dir)
        try:
            tocs = [p for p in index_dir.iterdir() if p.name.startswith(f"_{INDEX_NAME}_")
                    and p.name.endswith(".toc")]
        except OSError:
            return None
        if not tocs:
            return None
        cache = cache or ByteBudgetCache(64 << 20)
        for attempt in range(5):
            try:
                ix = whoosh_index.open_dir(index_dir, INDEX_NAME)
                stamp = _toc_stamp(index_dir, ix.latest_generation())
                toc = ix._read_toc()
                if stamp != _toc_stamp(index_dir, toc.generation):
                    continue  # replaced while being read
            except Exception as exc:  # Whoosh raises many kinds on a bad table of contents
                if attempt == 4:
                    raise IndexDamaged(index_dir, f"读不出 Whoosh 的目录文件"
                                                  f"（{type(exc).__name__}: {exc}）") from None
                continue
            try:
                snap = cls(index_dir, ix, toc, cache)
                snap.stamp = stamp
                return snap
            except IndexDamaged:
                if ix.latest_generation() == toc.generation:
                    raise          # not a commit racing us: really damaged
        raise IndexDamaged(index_dir, "the index changed five times while it was being opened")

    def is_current(self) -> bool:
        """Whether this is still the latest commit (a rebuilt index's first
        commit has the same number as the old one's: its file is another)."""
        try:
            latest = self.ix.latest_generation()
        except OSError:
            return True
        return latest == self.generation and _toc_stamp(self.index_dir, latest) == self.stamp

    # ------------------------------------------------------------ locating
    def part_of(self, d: int) -> tuple[Part, int]:
        part = self.parts[self._part_index[d]]
        return part, d - part.base

    def find(self, doc_id: str) -> int | None:
        """The live report with this id (path relative to the corpus)."""
        key = np.uint64(text_key(doc_id))
        keys = self.id_keys[self._id_order]
        at = int(np.searchsorted(keys, key))
        while at < len(keys) and keys[at] == key:
            d = int(self._id_order[at])
            if self.live[d] and self.id(d) == doc_id:
                return d
            at += 1
        return None

    def ids(self) -> list[str]:
        return self._all("ids")

    def titles(self) -> list[str]:
        return self._all("titles")

    def joined_titles(self) -> tuple[str, np.ndarray]:
        """Every title folded, joined by newlines, and where each one starts."""
        found = self.derived.get("joined_titles")
        if found is None:
            titles = [fold(t) for t in self.titles()]
            starts = np.concatenate([[0], np.cumsum([len(t) + 1 for t in titles])[:-1]]).astype(np.int64) \
                if titles else np.zeros(0, np.int64)
            found = self.derived["joined_titles"] = ("\n".join(titles), starts)
        return found

    def _all(self, name: str) -> list[str]:
        found = self._strings.get(name)
        if found is None:
            found = self._strings[name] = [s for p in self.parts for s in p.data.strings(name)]
        return found

    def id(self, d: int) -> str:
        part, local = self.part_of(d)
        return part.data.id(local)

    def title(self, d: int) -> str:
        part, local = self.part_of(d)
        return part.data.title(local)

    def strings_at(self, name: str, docs: list[int]) -> dict[int, str]:
        """{report: its id or title} for many reports, segment by segment."""
        docs = np.unique(np.asarray(docs, np.int64))
        which = self._part_index[docs]
        out: dict[int, str] = {}
        for i in np.unique(which).tolist():
            part = self.parts[i]
            mine = docs[which == i]
            out.update(zip(mine.tolist(), part.data.strings_at(name, mine - part.base), strict=True))
        return out

    def categories(self, key: str) -> tuple[np.ndarray, list[str]]:
        """Per-report codes and their names for a facet ("year", "type", "level", "period")."""
        found = self._categories.get(key)
        if found is None:
            if key == "year":
                values = np.where(self.years > 0, self.years, 0)
                names_int, codes = np.unique(values, return_inverse=True)
                names = [str(v) if v else "" for v in names_int.tolist()]
                found = (codes.astype(np.int32), names)
            else:
                column = {"type": "types", "level": "levels", "period": "periods"}[key]
                names = sorted({v for p in self.parts for v in p.data.meta.names(column)})
                at = {v: i for i, v in enumerate(names)}
                codes = [np.array([at[v] for v in p.data.meta.names(column)], np.int32)[p.data.meta.codes[column]]
                         if p.data.n else np.zeros(0, np.int32) for p in self.parts]
                found = (np.concatenate(codes) if codes else np.zeros(0, np.int32), names)
            self._categories[key] = found
        return found

    # ------------------------------------------------------------ texts
    def folded(self, d: int) -> str:
        part, local = self.part_of(int(self.source[d]))
        return part.data.folded(local)

    def folded_window(self, d: int, a: int, b: int) -> str:
        part, local = self.part_of(int(self.source[d]))
        return part.data.folded_window(local, a, b)

    def windows(self, docs: np.ndarray, offsets: np.ndarray, before: int,
                after: int) -> tuple[list[str], np.ndarray, np.ndarray]:
        """For each (report, offset): its folded text from `before` characters
        before the offset to `after` characters after it (clipped to the text);
        with where each window starts in its report and the report's text length."""
        out: list[str] = [""] * len(docs)
        starts_in_doc = np.zeros(len(docs), np.int64)
        lengths_of_text = np.zeros(len(docs), np.int64)
        for rows, _, text, first, lengths, starts, totals in self.spans(docs, offsets, before, after):
            starts_in_doc[rows] = starts
            lengths_of_text[rows] = totals
            for row, a, n in zip(rows.tolist(), first.tolist(), lengths.tolist(), strict=True):
                out[row] = text[a:a + n]
        return out, starts_in_doc, lengths_of_text

    def spans(self, docs: np.ndarray, offsets: np.ndarray, before: int, after: int):
        """The windows of windows(), read with one gather and one decode per
        segment: for each segment, (rows, code units, their text, each row's
        start in it, its length, its start in its report, the report's length).
        A segment's text has one character per code unit."""
        docs = self.source[np.asarray(docs, np.int64)]
        offsets = np.asarray(offsets, np.int64)
        which = np.searchsorted(self.bases, docs, side="right") - 1
        for i in np.unique(which).tolist():
            part = self.parts[i]
            rows = np.flatnonzero(which == i)
            local = docs[rows] - part.base
            starts = np.asarray(part.data.doc_starts)
            text_start = starts[local]
            text_end = np.maximum(starts[local + 1] - 1, text_start)
            lo = np.clip(text_start + offsets[rows] - before, text_start, text_end)
            hi = np.clip(text_start + offsets[rows] + after, lo, text_end)
            lengths = hi - lo
            first = np.concatenate([[0], np.cumsum(lengths)[:-1]])
            index = np.repeat(lo - first, lengths) + np.arange(int(lengths.sum()))
            units = np.asarray(part.data.codes)[index]
            wide = units.dtype.itemsize == 4
            text = units.astype(">u4" if wide else ">u2").tobytes().decode(
                "utf-32-be" if wide else "utf-16-be", "surrogatepass")
            yield rows, units, text, first, lengths, lo - text_start, text_end - text_start

    def stored(self, d: int) -> dict:
        """Whoosh's stored fields of report d (the store of record)."""
        part, local = self.part_of(d)
        key = ("stored", part.whoosh.segment_id(), local)
        found = self.cache.get(key)
        if found is None:
            try:
                with self._reader_lock:
                    reader = self._readers.get(id(part))
                    if reader is None:
                        reader = self._readers[id(part)] = SegmentReader(self.ix.storage, self.schema,
                                                                         part.whoosh)
                    found = reader.stored_fields(local)
            except Exception as exc:  # Whoosh's files: zlib, pickle, struct errors
                raise IndexDamaged(self.index_dir, f"{part.whoosh.segment_id()}.seg cannot be read "
                                                   f"（{type(exc).__name__}: {exc}）") from None
            self.cache.put(key, found, size=2 * len(found.get("body") or "") + 512)
        return found

    def text(self, d: int) -> str:
        """Report d's cleaned text as stored (a copy's is its source's)."""
        return self.stored(int(self.source[d])).get("body") or ""

    # ------------------------------------------------------------ duplicates
    def _groups(self) -> np.ndarray:
        """Near-duplicate group of every report: the smallest number in it. The
        pairs are stored by text (hash keys), so they survive merges."""
        group = np.arange(self.n, dtype=np.int32)
        edges = [p.data.edges for p in self.parts if len(p.data.edges)]
        holders = np.flatnonzero(self.indexed)
        if edges and len(holders):
            pairs = np.concatenate(edges).astype(np.uint64)
            order = holders[np.argsort(self.text_keys[holders], kind="stable")]
            keys = self.text_keys[order]
            at = np.searchsorted(keys, pairs)
            ok = ((at < len(keys)) & (keys[np.minimum(at, len(keys) - 1)] == pairs)).all(axis=1)
            found = order[at[ok]]
            if len(found):
                group = dedup.components(self.n, found)
        return group[self.source]

    def group_members(self) -> dict[int, np.ndarray]:
        found = self.derived.get("group_members")
        if found is None:
            order = np.flatnonzero(self.indexed)
            order = order[np.argsort(self.group[order], kind="stable")]
            keys, starts = np.unique(self.group[order], return_index=True)
            ends = np.append(starts[1:], len(order))
            found = self.derived["group_members"] = {
                int(k): order[a:b] for k, a, b in zip(keys, starts, ends, strict=True) if b - a > 1}
        return found

    def sketch(self, d: int) -> np.ndarray:
        part, local = self.part_of(d)
        return np.asarray(part.data.sketches[local])

    def similar(self, d: int, among: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The other members of d's near-duplicate group (those in `among`, a
        mask, when given), with their estimated overlap with d, closest first."""
        members = self.group_members().get(int(self.group[d]))
        if members is None:
            return []
        members = members[(members != d) & (among[members] if among is not None else True)]
        if not len(members):
            return []
        overlap = dedup.similarity(self.sketch(d)[None, :], np.stack([self.sketch(int(m)) for m in members]))
        order = np.argsort(-overlap, kind="stable")
        return [(int(members[i]), float(overlap[i])) for i in order]

    stamp: tuple = ()  # the table of contents file's (inode, mtime_ns, size)

    @property
    def updated(self) -> float:
        """When this commit was made (seconds since the epoch)."""
        return self.stamp[1] / 1e9 if self.stamp else 0.0

    @property
    def nbytes(self) -> int:
        """Bytes of the files of this commit: Whoosh's and the companions."""
        total = 0
        for p in self.parts:
            total += p.data.nbytes
            for name in p.whoosh.list_files(self.ix.storage) if hasattr(p.whoosh, "list_files") else []:
                if not name.endswith(".rsc"):
                    try:
                        total += self.ix.storage.file_length(name)
                    except OSError:
                        pass
        return total


def check(index_dir: Path) -> tuple[Snapshot | None, int]:
    """Open the index and check every checksum of every file it uses (its
    companions' arrays and Whoosh's segment files). Returns the snapshot and
    the bytes checked; raises IndexDamaged naming the first damaged file."""
    snap = Snapshot.open(index_dir)
    checked = 0
    if snap is not None:
        for part in snap.parts:
            try:
                part.data.verify()
            except Damaged as exc:
                raise IndexDamaged(index_dir, str(exc)) from None
            checked += part.data.nbytes + sum(size for size, _ in part.data.whoosh_files.values())
    return snap, checked
