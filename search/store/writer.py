"""A run's changes to the index, made live at once by one Whoosh commit.

The run holds Whoosh's write lock. Deletions are marked on the live
segments' records (Whoosh keeps them in its table of contents). New
reports go into new segments, one Whoosh sub-writer and one companion file
each, capped in size; then the merge policy may rewrite some segments into
one (Whoosh copies the stored fields, the companions copy their arrays).
Every file of every new segment is on disk before the new table of
contents is written; writing it (a rename) is the commit. Until then the
old table of contents and all its files are untouched, so a run killed
anywhere leaves the old index answering; Whoosh's clean-up after the
commit removes the files of segments no longer listed, ours included.
"""
from __future__ import annotations

import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from whoosh.index import TOC, clean_files
from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter

from .. import dedup, faults
from ..errors import IndexBusy, IndexDamaged
from ..schema import build_schema
from . import policy
from .builder import DocRecord, SegmentBuilder, write_edges
from .cache import ByteBudgetCache
from .folder import (
    open_or_create,
    remove_leftovers,
    stamps,
    verify_changed,
    whoosh_files,
    write_verified,
)
from .segment import SegmentData, companion_path, edges_path, key_of
from .snapshot import INDEX_NAME, Snapshot


class WriteBusy(IndexBusy):
    """Whoosh's own lock is held: something bypassed ours."""


@dataclass
class _Created:
    segment: object            # whoosh Segment
    text_keys: np.ndarray      # uint64 per report
    sketches: np.ndarray       # (n, BINS) uint16
    copies: np.ndarray         # bool per report
    edges: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.uint64))


class IndexWriter:
    def __init__(self, index_dir: Path, fingerprint: str, rebuild: bool = False,
                 cache: ByteBudgetCache | None = None):
        self.index_dir = Path(index_dir)
        self.fingerprint = fingerprint
        self.rebuild = rebuild
        self.notes: list[str] = []
        self.ix = open_or_create(self.index_dir, wipe_if_damaged=rebuild, notes=self.notes)
        self._lock = self.ix.lock("WRITELOCK")
        if not self._lock.acquire(blocking=False):
            raise WriteBusy(f"另一个程序正在写 {self.index_dir}/ 中的索引；"
                            "等它写完再试")
        try:
            self.notes += remove_leftovers(self.index_dir, self.ix)
            toc = self.ix._read_toc()
            self.generation = toc.generation
            # A rebuild replaces everything: it reads nothing of the old index.
            self.schema = build_schema() if rebuild else toc.schema
            self.snapshot = None if rebuild else Snapshot(self.index_dir, self.ix, toc,
                                                          cache or ByteBudgetCache(0))
            self._verified = {} if rebuild else verify_changed(self.index_dir, self.snapshot)
        except BaseException:
            self._lock.release()
            raise
        self.kept = [] if rebuild else list(toc.segments)
        self._by_id = {s.segment_id(): s for s in self.kept}
        self.created: list[_Created] = []
        self._sub: SegmentWriter | None = None
        self._builder: SegmentBuilder | None = None
        self._new_files: list[str] = []     # segment ids this run wrote
        self._writing: threading.Thread | None = None  # a closed segment's companion being built
        self._failure: BaseException | None = None
        self._committed = False

    # ------------------------------------------------------------ changes
    def delete(self, d: int) -> None:
        """Mark report d of the snapshot deleted (from the next commit on)."""
        part, local = self.snapshot.part_of(d)
        segment = self._by_id.get(part.whoosh.segment_id())
        if segment is not None:
            segment.delete_document(local)

    def add(self, r: DocRecord, is_copy: bool) -> None:
        chars = 0 if is_copy else len(r.text) + 1
        if self._builder is not None and not self._builder.fits(chars):
            self._close_segment()
        if self._builder is None:
            self._sub = SegmentWriter(self.ix, _lk=False)
            self._new_files.append(self._sub.newsegment.segment_id())
            self._builder = SegmentBuilder()
        self._sub.add_document(
            id=r.id, title=r.title, subtitle=r.subtitle, body=None if is_copy else r.text,
            outline=[tuple(h) for h in r.outline], year=r.year, period=r.period, type=r.doc_type,
            level=r.level, hash=r.hash, size=r.size)
        self._builder.add(r, is_copy)

    def _close_segment(self) -> None:
        """Finish the Whoosh segment now; build its companion (the suffix array:
        seconds of C code that releases the GIL) in a thread while the next
        segment fills. At most one is being built at a time."""
        sub, builder = self._sub, self._builder
        self._sub = self._builder = None
        segment = sub._finalize_segment()
        sub._finish()
        self.created.append(_Created(segment, builder.text_keys(), builder.sketches(), builder.copies()))
        self._wait_for_companion()
        path = companion_path(self.index_dir, segment.segment_id())

        def write() -> None:
            try:
                builder.write(path, {"fingerprint": self.fingerprint,
                                     "whoosh_files": whoosh_files(self.ix.storage, segment)})
                faults.crash_point("segment-written")
            except BaseException as exc:  # re-raised in the run's own thread
                self._failure = exc
        self._writing = threading.Thread(target=write, name="companion-writer", daemon=True)
        self._writing.start()

    def _wait_for_companion(self) -> None:
        if self._writing is not None:
            self._writing.join()
            self._writing = None
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise failure

    # ------------------------------------------------------------ commit
    def commit(self) -> int:
        """Write the remaining segment, the near-duplicate pairs, the merges and
        the new table of contents. Returns the new generation."""
        if self._builder is not None:
            self._close_segment()
        self._wait_for_companion()
        self._find_edges()
        for c in self.created:
            write_edges(edges_path(self.index_dir, c.segment.segment_id()), c.edges)
        final = self._merge(self.kept + [c.segment for c in self.created])
        faults.crash_point("committing")
        generation = self.generation + 1
        TOC(self.schema, final, generation).write(self.ix.storage, INDEX_NAME)
        self._committed = True  # from here on the new generation is the index: cancel() keeps it
        faults.crash_point("committed")
        clean_files(self.ix.storage, INDEX_NAME, generation, final)
        # The segments this run wrote are as written: no need to read them again.
        write_verified(self.index_dir, {s.segment_id(): self._verified.get(s.segment_id())
                                         or stamps(self.index_dir, s.segment_id()) for s in final})
        self._lock.release()
        return generation

    def cancel(self) -> None:
        """Leave the index as it was: remove what this run wrote (once it
        has committed, nothing: its files are the index now)."""
        if self._committed:
            try:
                self._lock.release()
            except Exception:
                pass
            return
        if self._writing is not None:
            self._writing.join()
        try:
            if self._sub is not None:
                self._sub.cancel()
        except Exception:
            pass
        for segid in self._new_files:
            for path in self.index_dir.glob(f"{segid}.*"):
                try:
                    path.unlink()
                except OSError:
                    pass
        shutil.rmtree(self.index_dir / f"{INDEX_NAME}.tmp", ignore_errors=True)
        for path in self.index_dir.glob(f"_{INDEX_NAME}_*.toc.*"):  # a table of contents half written
            path.unlink(missing_ok=True)
        try:
            self._lock.release()
        except Exception:
            pass

    # ------------------------------------------------------------ parts
    def _live(self) -> list[tuple[object, SegmentData, np.ndarray]]:
        """(segment, companion data, live mask) of every segment the commit keeps."""
        out = []
        for seg in self.kept:
            part = next(p for p in self.snapshot.parts if p.whoosh.segment_id() == seg.segment_id())
            live = np.ones(part.data.n, bool)
            live[[d for d in seg.deleted_docs()]] = False
            out.append((seg, part.data, live))
        return out

    def _find_edges(self) -> None:
        """Near-duplicate pairs between each new report and every live one."""
        new = [c for c in self.created]
        if not new:
            return
        old = self._live()
        sketches = [np.asarray(d.sketches) for _, d, _ in old] + [c.sketches for c in new]
        keys = [key_of(np.asarray(d.meta.text_hash)) for _, d, _ in old] + [c.text_keys for c in new]
        eligible = ([live & ~np.asarray(d.meta.is_copy) for _, d, live in old]
                    + [~c.copies for c in new])
        fresh = [np.zeros(len(live), bool) for _, _, live in old] + [~c.copies for c in new]
        pairs = dedup.similar_pairs(np.concatenate(sketches), np.concatenate(eligible),
                                    np.concatenate(fresh))
        all_keys = np.concatenate(keys)
        starts = np.cumsum([0] + [len(k) for k in keys])
        later = pairs.max(axis=1) if len(pairs) else np.zeros(0, np.int64)
        for i, c in enumerate(new):
            j = len(old) + i
            mine = (later >= starts[j]) & (later < starts[j + 1])
            c.edges = all_keys[pairs[mine]].reshape(-1, 2) if mine.any() else np.zeros((0, 2), np.uint64)

    def _merge(self, segments: list) -> list:
        """Apply the merge policy; returns the segments of the new commit."""
        datas = {}
        for seg in segments:
            datas[seg.segment_id()] = _companion(self.index_dir, seg, self.snapshot)
        sizes = []
        for seg in segments:
            data = datas[seg.segment_id()]
            live = _live_mask(seg, data.n)
            starts = np.asarray(data.doc_starts)
            sizes.append(policy.SegmentSize(data.n, int(live.sum()), int((np.diff(starts) * live).sum())))
        groups = policy.plan(sizes)
        merged = {i for g in groups for i in g}
        final = [s for i, s in enumerate(segments) if i not in merged]
        for group in groups:
            faults.crash_point("merging")
            result = self._merge_group([segments[i] for i in group], datas)
            if result is not None:
                final.append(result)
            faults.crash_point("merged")
        return final

    def _merge_group(self, group: list, datas: dict):
        if not any(_live_mask(s, datas[s.segment_id()].n).any() for s in group):
            return None  # every report in them was deleted
        sub = SegmentWriter(self.ix, _lk=False)
        self._new_files.append(sub.newsegment.segment_id())
        builder = SegmentBuilder()
        edges = []
        for seg in group:
            data = datas[seg.segment_id()]
            data.verify()  # read whole anyway: damage must not be copied forward
            reader = SegmentReader(self.ix.storage, self.schema, seg)
            try:
                sub.add_reader(reader)
            finally:
                reader.close()
            builder.add_segment(data, _live_mask(seg, data.n))
            edges.append(np.asarray(data.edges))
        segment = sub._finalize_segment()
        sub._finish()
        if segment.doc_count_all() != builder.docs:
            raise IndexDamaged(self.index_dir, f"merging {len(group)} segments gave Whoosh "
                                               f"{segment.doc_count_all()} reports and the companions {builder.docs}")
        builder.write(companion_path(self.index_dir, segment.segment_id()),
                      {"fingerprint": self.fingerprint, "whoosh_files": whoosh_files(self.ix.storage, segment)})
        live_keys = builder.text_keys()
        pairs = np.concatenate(edges) if edges else np.zeros((0, 2), np.uint64)
        pairs = pairs[np.isin(pairs, live_keys).any(axis=1)] if len(pairs) else pairs
        write_edges(edges_path(self.index_dir, segment.segment_id()), pairs)
        return segment


def _live_mask(seg, n: int) -> np.ndarray:
    live = np.ones(n, bool)
    gone = [d for d in seg.deleted_docs() if d < n] if seg.has_deletions() else []
    live[gone] = False
    return live


def _companion(index_dir: Path, seg, snapshot: Snapshot | None) -> SegmentData:
    for p in snapshot.parts if snapshot else []:
        if p.whoosh.segment_id() == seg.segment_id():
            return p.data
    return SegmentData(companion_path(index_dir, seg.segment_id()))
