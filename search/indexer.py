"""Corpus folder -> index: add, update and delete reports by content hash.

Files are analysed in parallel worker processes (workers.py); the main process writes them into new
segments (store/writer.py) and commits the run at once. Until the commit
the previous index keeps answering, and a run killed half way changes
nothing. Work is in proportion to the change: unchanged files are only
hashed, and old segments are only rewritten when the merge policy says so.
"""
from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import analysis, faults
from .corpus import file_digest, list_corpus
from .errors import IndexingError
from .lock import IndexLock
from .settings import Analysis, Settings, load_analysis
from .store import IndexDamaged, IndexWriter
from .store.folder import SKIPPED_FILE, STAMPS_FILE
from .workers import run_jobs

INDEX_PER_TEXT = 3  # the index takes up to this many bytes per byte of text
# Reasons that a change on this machine (not in the file) can cure: tried again every run.
_RETRY_REASONS = ("旧版", "读不出", "无法分析")


@dataclass
class IndexSummary:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    copies: int = 0           # files read in this run whose text was already indexed
    ignored: Counter = field(default_factory=Counter)  # files of other types, by suffix
    rebuilt_because: str | None = None
    reports: int = 0          # in the index after the run, copies not counted
    text_bytes: int = 0       # UTF-8 bytes of the files analysed in this run
    seconds: float = 0.0
    generation: int | None = None
    notes: list[str] = field(default_factory=list)  # what was found and cleared first
    interrupted: bool = False  # Ctrl+C came during the commit: the run finished first

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


Progress = Callable[[int, int, str], None]  # (done, total, file)


# ------------------------------------------------------------------ the run

def index_corpus(corpus: Path, index_dir: Path, rebuild: bool = False,
                 jobs: int | None = None, progress: Progress | None = None) -> IndexSummary:
    """Index a corpus folder with its own settings files (see index_library)."""
    return index_library(Settings.for_corpus(corpus, index_dir), rebuild, jobs, progress)


def index_library(settings: Settings, rebuild: bool = False, jobs: int | None = None,
                  progress: Progress | None = None) -> IndexSummary:
    """Bring the index up to date with the corpus folder, analysing with the
    settings files as they are at the start of the run."""
    started = time.perf_counter()
    corpus, index_dir = settings.corpus_dir, settings.index_dir
    setup = load_analysis(settings)  # a broken rules file or dictionary stops the run before anything changes
    if not corpus.is_dir():
        raise IndexingError(f"语料库文件夹 {corpus}/ 不存在")
    index_dir.mkdir(parents=True, exist_ok=True)
    lock = IndexLock(index_dir).acquire()  # LockBusy: an IndexBusy
    interrupt = signal.getsignal(signal.SIGINT) if threading.current_thread() is threading.main_thread() else None
    try:
        faults.crash_point("locked")
        summary = _update(corpus, index_dir, setup, rebuild, jobs, progress)
        faults.crash_point("finished")
        summary.notes[:0] = lock.notes
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            raise
        raise IndexingError(_disk_full(corpus, index_dir)) from None
    finally:
        if interrupt is not None:
            signal.signal(signal.SIGINT, interrupt)
        lock.release()
    summary.seconds = time.perf_counter() - started
    return summary


def _disk_full(corpus: Path, index_dir: Path) -> str:
    """One line for a full disk (the run's files are already removed)."""
    try:
        free = shutil.disk_usage(index_dir).free
    except OSError:
        free = 0
    need = sum(size for size, _ in list_corpus(corpus).stamps.values()) * INDEX_PER_TEXT
    return (f"磁盘已满：索引约需 {need / 1e6:.0f} MB，{index_dir}/ 所在的磁盘只剩 {free / 1e6:.0f} MB；"
            f"索引保持原样 —— 腾出空间后再运行")


def _open_writer(index_dir: Path, analysis_print: str, rebuild: bool,
                 summary: IndexSummary) -> IndexWriter:
    """The writer for this run, rebuilding when the old index cannot be extended."""
    if rebuild:
        summary.rebuilt_because = "按要求重建（--rebuild）"
    try:
        writer = IndexWriter(index_dir, analysis_print, rebuild=rebuild)  # WriteBusy: an IndexBusy
    except IndexDamaged as exc:
        if not exc.old_format:
            raise IndexingError(str(exc)) from None
        summary.rebuilt_because = "索引是另一版本的报告检索写的"
        return IndexWriter(index_dir, analysis_print, rebuild=True)
    summary.notes += writer.notes
    if any("另一版本" in note for note in writer.notes):
        summary.rebuilt_because = "索引是另一版本的报告检索写的"
    snapshot = writer.snapshot
    if snapshot is not None and snapshot.fingerprints - {analysis_print}:
        writer.cancel()
        summary.rebuilt_because = "上次运行以来，分词方式、词典、清理规则或文种层级表有了改动"
        writer = IndexWriter(index_dir, analysis_print, rebuild=True)
    return writer


def _update(corpus: Path, index_dir: Path, setup: Analysis, rebuild: bool, jobs: int | None,
            progress: Progress | None) -> IndexSummary:
    summary = IndexSummary()
    writer = _open_writer(index_dir, setup.fingerprint, rebuild, summary)
    try:
        summary = _apply_changes(corpus, index_dir, setup, writer, jobs, progress, summary)
    except BaseException as exc:
        writer.cancel()
        if summary.interrupted and not isinstance(exc, KeyboardInterrupt):
            raise KeyboardInterrupt from exc  # Ctrl+C, then the commit failed: the press still stops
        raise
    return summary


@dataclass
class _Plan:
    """What a run must do: the files to analyse, the reports to drop."""
    indexed: Mapping[str, tuple[int, str]]    # id -> (report number, content hash) in the index now
    todo: list[tuple] = field(default_factory=list)  # (path, id, hash, size, mtime) to analyse
    drop: set[str] = field(default_factory=set)
    rehome: set[str] = field(default_factory=set)    # copies read again: their source goes
    still_skipped: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (hash, reason)
    # id -> (size, mtime, hash): files whose time changed but not their content (a copied
    # folder): remembered, so that the next run does not hash them again
    restamped: dict[str, tuple[int, int, str]] = field(default_factory=dict)


class _Indexed(Mapping):
    """The index's live reports: id -> (report number, content hash), each
    hash sliced out only when asked for (a run that changes 100 files of
    100 000 asks for a hundred)."""

    def __init__(self, numbers: dict[str, int], hexed: Callable[[int], str]):
        self._numbers, self._hexed = numbers, hexed

    def __getitem__(self, doc_id: str) -> tuple[int, str]:
        d = self._numbers[doc_id]
        return d, self._hexed(d)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._numbers

    def __iter__(self):
        return iter(self._numbers)

    def __len__(self) -> int:
        return len(self._numbers)


def _indexed_files(snap) -> tuple[_Indexed, dict[str, tuple[int, int]]]:
    """The index's live reports: id -> (number, content hash), id -> (size, mtime when hashed)."""
    if snap is None or not snap.parts:
        return _Indexed({}, lambda d: ""), {}
    hexed = _hex_rows(np.concatenate([np.asarray(p.data.meta.file_hash) for p in snap.parts]))
    live = np.flatnonzero(snap.live)
    sizes = np.concatenate([np.asarray(p.data.meta.sizes) for p in snap.parts])[live].tolist()
    mtimes = np.concatenate([np.asarray(p.data.meta.mtimes) for p in snap.parts])[live].tolist()
    ids = snap.ids()
    live_ids = [ids[d] for d in live.tolist()]
    numbers = dict(zip(live_ids, live.tolist(), strict=True))
    return _Indexed(numbers, hexed), dict(zip(live_ids, zip(sizes, mtimes, strict=True), strict=True))


def _plan(snap, listing, index_dir: Path, summary: IndexSummary) -> _Plan:
    files = listing.files
    indexed, stamps = _indexed_files(snap)
    plan = _Plan(indexed)
    remembered = _read_skipped(index_dir) if snap is not None else {}
    restamped = _read_stamps(index_dir) if snap is not None else {}
    # Same size and time (as the listing saw them) as when it was hashed: not
    # read. Compared all at once: most files are so.
    to_check = [doc_id for doc_id, listed in listing.stamps.items() if stamps.get(doc_id) != listed]
    summary.unchanged += len(files) - len(to_check)
    for doc_id in to_check:
        path, listed = files[doc_id], listing.stamps[doc_id]
        try:
            known = indexed.get(doc_id)
            if known is not None and restamped.get(doc_id) == (*listed, known[1]):
                summary.unchanged += 1  # hashed by an earlier run at this size and time
                plan.restamped[doc_id] = restamped[doc_id]
                continue
            digest, size = file_digest(path)
        except OSError as exc:
            summary.skipped.append((doc_id, f"读不出：{exc.strerror or exc}"))
            continue
        if known is not None and known[1] == digest:
            summary.unchanged += 1
            plan.restamped[doc_id] = (*listed, digest)
        elif doc_id not in indexed and remembered.get(doc_id, (None,))[0] == digest:
            summary.skipped.append((doc_id, remembered[doc_id][1]))  # unchanged: not read again
            plan.still_skipped[doc_id] = remembered[doc_id]
        else:
            plan.todo.append((path, doc_id, digest, size, listed[1]))
    gone = {doc_id for doc_id in set(indexed) - set(files) if not listing.covers(doc_id)}
    # The old version of every changed file goes, whether or not the new one reads.
    plan.drop = gone | {job[1] for job in plan.todo if job[1] in indexed}
    if snap is not None:
        _rehome_copies(snap, plan, files)
    return plan


def _rehome_copies(snap, plan: _Plan, files: dict[str, str]) -> None:
    """A copy has no text of its own: when its source goes, it is read again."""
    indexed = plan.indexed
    dropped = {indexed[i][0] for i in plan.drop}
    rehome = set()
    for source, copies in snap.copies_of.items():
        if source in dropped:
            rehome |= {snap.id(c) for c in copies}
    rehome -= plan.drop
    # A copy in a folder that could not be listed cannot be read again: it goes too.
    plan.drop |= {doc_id for doc_id in rehome if doc_id not in files}
    rehome &= set(files)
    for doc_id in sorted(rehome):
        path = files[doc_id]
        st = os.stat(path)
        plan.todo.append((path, doc_id, indexed[doc_id][1], st.st_size, st.st_mtime_ns))
    plan.drop |= rehome
    plan.rehome = rehome


def _apply_changes(corpus: Path, index_dir: Path, setup: Analysis, writer: IndexWriter, jobs: int | None,
                   progress: Progress | None, summary: IndexSummary) -> IndexSummary:
    snap = writer.snapshot
    listing = list_corpus(corpus)  # a folder it could not list keeps its reports (not in `gone`)
    summary.ignored.update(listing.ignored)
    summary.skipped.extend(listing.skipped)
    plan = _plan(snap, listing, index_dir, summary)
    faults.crash_point("walked")
    if not plan.todo and not plan.drop:
        writer.cancel()
        _write_skipped(index_dir, plan, summary)
        summary.reports = snap.report_count if snap is not None else 0
        summary.generation = writer.generation
        return summary

    for doc_id in plan.drop:
        writer.delete(plan.indexed[doc_id][0])
    _add_analysed(snap, plan, setup, writer, jobs or os.cpu_count() or 1, progress, summary)
    summary.removed = len(plan.drop) - summary.updated - len(plan.rehome)
    if not summary.changed and snap is not None and not writer.rebuild:
        writer.cancel()  # every changed file was unreadable and new
        summary.reports, summary.generation = snap.report_count, writer.generation
        _write_skipped(index_dir, plan, summary)
        return summary
    if threading.current_thread() is threading.main_thread():
        # From the commit on, Ctrl+C waits for the run's end (index_library puts
        # the handler back): the run either happened or did not, and says which.
        # The press is kept, not dropped, in summary.interrupted: the CLI and
        # the watcher stop after the run.
        signal.signal(signal.SIGINT, lambda signum, frame: setattr(summary, "interrupted", True))
    _write_words(index_dir, setup.words)
    summary.generation = writer.commit()
    _write_skipped(index_dir, plan, summary)
    summary.reports = _report_count(index_dir)
    return summary


def _add_analysed(snap, plan: _Plan, setup: Analysis, writer: IndexWriter, workers: int,
                  progress: Progress | None, summary: IndexSummary) -> None:
    """Analyse the files to do and add each to the writer, copies marked."""
    indexed = plan.indexed
    # The cleaned texts already indexed (and staying), for spotting copies.
    indexed_as = _live_text_hashes(snap, {indexed[i][0] for i in plan.drop}) if snap is not None else set()
    digests = {job[1]: job[2] for job in plan.todo}
    for done, (doc_id, record, reason) in enumerate(run_jobs(plan.todo, workers, setup), 1):
        if record is None:
            summary.skipped.append((doc_id, reason))
            if not reason.startswith(_RETRY_REASONS):
                plan.still_skipped[doc_id] = (digests[doc_id], reason)
        else:
            is_copy = record.text_hash in indexed_as
            indexed_as.add(record.text_hash)
            writer.add(record, is_copy)
            summary.copies += is_copy
            summary.text_bytes += record.size
            if doc_id in plan.rehome:
                pass  # unchanged, already counted
            elif doc_id in indexed:
                summary.updated += 1
            else:
                summary.added += 1
        if progress:
            progress(done, len(plan.todo), doc_id)
        faults.crash_point("adding")


def _live_text_hashes(snap, dropped: set[int]) -> set[str]:
    hashes = np.concatenate([np.asarray(p.data.meta.text_hash) for p in snap.parts]) \
        if snap.parts else np.zeros((0, 16), np.uint8)
    hexed = _hex_rows(hashes)
    return {hexed(d) for d in np.flatnonzero(snap.indexed).tolist() if d not in dropped}


def _hex_rows(hashes: np.ndarray):
    """d -> row d of a (n, width) byte array in hex: one hex string for all
    rows, sliced (a hex() per row of 100 000 costs a run a third of a second)."""
    width = 2 * hashes.shape[1] if hashes.ndim == 2 else 32
    text = np.ascontiguousarray(hashes, dtype=np.uint8).tobytes().hex()
    return lambda d: text[width * d:width * (d + 1)]


def _report_count(index_dir: Path) -> int:
    from .store import Snapshot
    snap = Snapshot.open(index_dir)
    return snap.report_count if snap is not None else 0


# ---------------------------------------------------------------- skipped files

def _read_skipped(index_dir: Path) -> dict[str, tuple[str, str]]:
    """Files skipped by earlier runs: id -> (content hash, reason). A reason
    in English was written by an older version: that file is read again."""
    try:
        data = json.loads((index_dir / SKIPPED_FILE).read_text("utf-8"))
        return {k: (v[0], v[1]) for k, v in data.items() if not str(v[1]).isascii()}
    except (OSError, ValueError, TypeError, IndexError, AttributeError):
        return {}


def _write_words(index_dir: Path, words: analysis.Words) -> None:
    """The dictionary words this run cut the texts with, for the queries' cuts
    (ranking and collocations read them through Snapshot.user_dict): the user
    dictionary may change after the run."""
    tmp = index_dir / f".{analysis.USER_DICT_NAME}.tmp"
    tmp.write_text("".join(f"{word} {freq}\n" for word, freq in words.entries), "utf-8")
    os.replace(tmp, index_dir / analysis.USER_DICT_NAME)


def _read_stamps(index_dir: Path) -> dict[str, tuple[int, int, str]]:
    try:
        data = json.loads((index_dir / STAMPS_FILE).read_text("utf-8"))
        return {k: (int(v[0]), int(v[1]), str(v[2])) for k, v in data.items()}
    except (OSError, ValueError, TypeError, IndexError, AttributeError):
        return {}


def _write_skipped(index_dir: Path, plan: _Plan, summary: IndexSummary) -> None:
    """What the next run need not read again: files that could not be read
    (skipped.json) and files hashed again without a change (stamps.json)."""
    for name, entries in ((SKIPPED_FILE, plan.still_skipped), (STAMPS_FILE, plan.restamped)):
        tmp = index_dir / f".{name}.tmp"
        try:
            if not entries and name == STAMPS_FILE:
                (index_dir / name).unlink(missing_ok=True)
                continue
            tmp.write_text(json.dumps({k: list(v) for k, v in entries.items()}, ensure_ascii=False), "utf-8")
            os.replace(tmp, index_dir / name)
        except OSError:
            pass  # only a cache: the next run reads those files again
