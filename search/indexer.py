"""Corpus folder -> index: add, update and delete reports by content hash.

Files are analysed in parallel worker processes (read -> clean -> meta ->
jieba words, sentences, sketch); the main process writes them into new
segments (store/writer.py) and commits the run at once. Until the commit
the previous index keeps answering, and a run killed half way changes
nothing. Work is in proportion to the change: unchanged files are only
hashed, and old segments are only rewritten when the merge policy says so.
"""
from __future__ import annotations

import errno
import json
import multiprocessing
import os
import shutil
import signal
import threading
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable, Iterator

import numpy as np

from . import analysis, dedup, doctypes, faults
from .clean import clean, corpus_rules
from .corpus import check_settings, file_digest, fingerprint, list_corpus
from .lock import IndexLock, LockBusy
from .meta import extract_meta
from .readers import UnreadableFile, read_document
from .store import DocRecord, IndexDamaged, IndexWriter, WriteBusy

IN_PROCESS_BELOW = 24  # fewer changed files than this: no worker processes
IN_FLIGHT_PER_WORKER = 8  # analysed files waiting for the main process, at most
SKIPPED_FILE = "skipped.json"  # files that could not be read, by content hash
INDEX_PER_TEXT = 3  # the index takes up to this many bytes per byte of text
# Reasons that a change on this machine (not in the file) can cure: tried again every run.
_RETRY_REASONS = ("old Word format", "cannot read", "could not analyse", "读不出", "无法分析")


class IndexError_(Exception):
    """An indexing problem explained in the user's terms."""


class IndexBusy(IndexError_):
    pass


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

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


Progress = Callable[[int, int, str], None]  # (done, total, file)


# ----------------------------------------------------------------- analysis

def analyse(path: Path, doc_id: str, digest: str, size: int, corpus: Path, mtime: int = 0) -> DocRecord:
    """One file -> DocRecord. Raises UnreadableFile with the reason."""
    document = read_document(path)
    report = clean(document.text, corpus_rules(corpus))
    if not report.text.strip():
        raise UnreadableFile("去掉噪声后没有剩下正文")
    # The id's name, not the path's: a GBK name is not valid text until decoded.
    meta = extract_meta(report, PurePosixPath(doc_id).name, document.headings,
                        lists=doctypes.load_lists(corpus))
    user_dict = analysis.user_dict_for(corpus)
    outline = [(h.depth, h.text, h.offset) for h in meta.outline]

    folded = analysis.fold(report.text)  # title, "\n", body; folding keeps offsets
    # The title field is the document's title; when that is not the text's first
    # line (a title from the file name), the whole text is the body.
    body = folded[len(report.title) + 1:] if meta.title == report.title else folded
    fields = (body, analysis.fold(meta.title), analysis.fold("\n".join(h[1] for h in outline)))
    keys, tf, lengths = analysis.field_words(fields, user_dict)
    sentence_keys, sentence_tf = analysis.sentence_keys(folded)
    return DocRecord(
        id=doc_id, hash=digest, size=size, mtime=mtime, title=meta.title, subtitle=meta.subtitle, text=report.text,
        year=meta.year, period=meta.period, doc_type=meta.doc_type, level=meta.level,
        outline=outline, word_keys=keys, word_tf=np.minimum(tf, 65535).astype(np.uint16),
        lengths=lengths, sentence_keys=sentence_keys, sentence_tf=sentence_tf,
        text_hash=dedup.text_hash(report.text), sketch=dedup.sketch(fields[0]))


def _analyse_job(job: tuple) -> tuple[str, DocRecord | None, str | None]:
    path, doc_id, digest, size, corpus, mtime = job
    faults.crash_point("reading")  # in a worker: kills the run too
    try:
        record = analyse(path, doc_id, digest, size, corpus, mtime)
        faults.crash_point("analysed")
        # The hash kept must be that of the bytes analysed: a file saved
        # again while it was read is read again next run, never kept stale.
        after, _ = file_digest(path)
        if after != digest:
            return doc_id, None, "读取时文件被改动了，下次运行时重新读取"
        return doc_id, record, None
    except UnreadableFile as exc:
        return doc_id, None, exc.reason
    except OSError as exc:
        return doc_id, None, f"读不出文件：{exc.strerror or exc}"
    except Exception as exc:  # a bug or a corrupt file must not stop the run
        return doc_id, None, f"无法分析：{type(exc).__name__}: {exc}"


def _start_worker(corpus: Path, run_pid: int) -> None:
    # A worker holds copies of the run's locks (forked file descriptors): if
    # the run is killed, the worker must not outlive it and keep them. Ctrl+C
    # is the run's to handle: a worker ignores it and is stopped by the run.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_run, args=(run_pid,), daemon=True).start()
    analysis.segmenter(analysis.user_dict_for(corpus))


def _exit_with_run(run_pid: int) -> None:
    while os.getppid() == run_pid:
        time.sleep(0.1)
    os._exit(1)


def _run_jobs(jobs: list[tuple], workers: int, corpus: Path) -> Iterator[tuple]:
    """Results in job order (the same index every run), with at most a few
    finished results per worker waiting: memory does not grow with the corpus."""
    if workers <= 1 or len(jobs) < IN_PROCESS_BELOW:
        yield from map(_analyse_job, jobs)
        return
    ctx = multiprocessing.get_context("spawn" if os.name == "nt" else "fork")
    # An executor, not a Pool: when a worker dies (killed for memory, say) a
    # Pool waits for it for ever, an executor raises BrokenProcessPool.
    pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_start_worker,
                               initargs=(corpus, os.getpid()))
    window = workers * IN_FLIGHT_PER_WORKER
    pending = []
    try:
        for job in jobs:
            pending.append(pool.submit(_analyse_job, job))
            if len(pending) >= window:
                yield pending.pop(0).result()
        while pending:
            yield pending.pop(0).result()
    except BrokenProcessPool:
        raise IndexError_("读取文件的一个工作进程意外退出（内存不足？）；"
                          "索引保持原样") from None
    finally:
        # Stop the workers now (a worker blocked on its queue would keep a
        # Ctrl+C'd run waiting at exit); the futures left then fail as broken.
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.terminate()
        pool.shutdown(wait=False)


# ------------------------------------------------------------------ the run

def index_corpus(corpus: Path, index_dir: Path, rebuild: bool = False,
                 jobs: int | None = None, progress: Progress | None = None) -> IndexSummary:
    started = time.perf_counter()
    check_settings(corpus)  # a broken rules file or dictionary stops the run before anything changes
    if not corpus.is_dir():
        raise IndexError_(f"语料库文件夹 {corpus}/ 不存在")
    index_dir.mkdir(parents=True, exist_ok=True)
    try:
        lock = IndexLock(index_dir).acquire()
    except LockBusy as exc:
        raise IndexBusy(str(exc)) from None
    interrupt = signal.getsignal(signal.SIGINT) if threading.current_thread() is threading.main_thread() else None
    try:
        faults.crash_point("locked")
        summary = _update(corpus, index_dir, rebuild, jobs, progress)
        faults.crash_point("finished")
        summary.notes[:0] = lock.notes
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            raise
        raise IndexError_(_disk_full(corpus, index_dir)) from None
    finally:
        lock.release()
        if interrupt is not None:
            signal.signal(signal.SIGINT, interrupt)
    summary.seconds = time.perf_counter() - started
    return summary


def _disk_full(corpus: Path, index_dir: Path) -> str:
    """One line for a full disk (the run's files are already removed)."""
    try:
        free = shutil.disk_usage(index_dir).free
    except OSError:
        free = 0
    need = sum(p.stat().st_size for p in list_corpus(corpus).files.values()) * INDEX_PER_TEXT
    return (f"磁盘已满：索引约需 {need / 1e6:.0f} MB，{index_dir}/ 所在的磁盘只剩 {free / 1e6:.0f} MB；"
            f"索引保持原样 —— 腾出空间后再运行")


def _open_writer(index_dir: Path, analysis_print: str, rebuild: bool,
                 summary: IndexSummary) -> IndexWriter:
    """The writer for this run, rebuilding when the old index cannot be extended."""
    if rebuild:
        summary.rebuilt_because = "按要求重建（--rebuild）"
    try:
        writer = IndexWriter(index_dir, analysis_print, rebuild=rebuild)
    except WriteBusy as exc:
        raise IndexBusy(str(exc)) from None
    except IndexDamaged as exc:
        if not exc.old_format:
            raise IndexError_(str(exc)) from None
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


def _update(corpus, index_dir, rebuild, jobs, progress) -> IndexSummary:
    summary = IndexSummary()
    analysis_print = fingerprint(corpus)
    writer = _open_writer(index_dir, analysis_print, rebuild, summary)
    try:
        summary = _apply_changes(corpus, index_dir, writer, jobs, progress, summary)
    except BaseException:
        writer.cancel()
        raise
    return summary


def _apply_changes(corpus, index_dir, writer: IndexWriter, jobs, progress,
                   summary: IndexSummary) -> IndexSummary:
    snap = writer.snapshot
    listing = list_corpus(corpus)  # a folder it could not list keeps its reports (not in `gone`)
    files = listing.files
    summary.ignored.update(listing.ignored)
    summary.skipped.extend(listing.skipped)
    indexed: dict[str, tuple[int, str]] = {}
    stamps: dict[str, tuple[int, int]] = {}  # id -> (size, mtime) when it was hashed
    if snap is not None and snap.parts:
        hashes = np.concatenate([np.asarray(p.data.meta.file_hash) for p in snap.parts])
        sizes = np.concatenate([np.asarray(p.data.meta.sizes) for p in snap.parts]).tolist()
        mtimes = np.concatenate([np.asarray(p.data.meta.mtimes) for p in snap.parts]).tolist()
        for d, doc_id in enumerate(snap.ids()):
            if snap.live[d]:
                indexed[doc_id] = (d, bytes(hashes[d]).hex())
                stamps[doc_id] = (sizes[d], mtimes[d])
    remembered = _read_skipped(index_dir) if snap is not None else {}
    todo, still_skipped = [], {}
    for doc_id, path in files.items():
        try:
            st = os.stat(path)
            if stamps.get(doc_id) == (st.st_size, st.st_mtime_ns):
                summary.unchanged += 1  # same size and time as when it was hashed: not read
                continue
            digest, size = file_digest(path)
        except OSError as exc:
            summary.skipped.append((doc_id, f"读不出：{exc.strerror or exc}"))
            continue
        known = indexed.get(doc_id)
        if known is not None and known[1] == digest:
            summary.unchanged += 1
        elif doc_id not in indexed and remembered.get(doc_id, (None,))[0] == digest:
            summary.skipped.append((doc_id, remembered[doc_id][1]))  # unchanged: not read again
            still_skipped[doc_id] = remembered[doc_id]
        else:
            todo.append((path, doc_id, digest, size, corpus, st.st_mtime_ns))
    gone = {doc_id for doc_id in set(indexed) - set(files) if not listing.covers(doc_id)}
    faults.crash_point("walked")

    # The old version of every changed file goes, whether or not the new one reads.
    drop = gone | {job[1] for job in todo if job[1] in indexed}
    # A copy has no text of its own: when its source goes, it is read again.
    rehome = set()
    if snap is not None:
        dropped = {indexed[i][0] for i in drop}
        for source, copies in snap.copies_of.items():
            if source in dropped:
                rehome |= {snap.id(c) for c in copies}
        rehome -= drop
        # A copy in a folder that could not be listed cannot be read again: it goes too.
        drop |= {doc_id for doc_id in rehome if doc_id not in files}
        rehome &= set(files)
    for doc_id in sorted(rehome):
        path = files[doc_id]
        st = path.stat()
        todo.append((path, doc_id, indexed[doc_id][1], st.st_size, corpus, st.st_mtime_ns))
    drop |= rehome
    if not todo and not drop:
        writer.cancel()
        _write_skipped(index_dir, still_skipped, summary)
        summary.reports = snap.report_count if snap is not None else 0
        summary.generation = writer.generation
        return summary

    for doc_id in drop:
        writer.delete(indexed[doc_id][0])
    # The cleaned texts already indexed (and staying), for spotting copies.
    indexed_as = _live_text_hashes(snap, {indexed[i][0] for i in drop}) if snap is not None else set()
    digests = {job[1]: job[2] for job in todo}
    workers = jobs or os.cpu_count() or 1
    for done, (doc_id, record, reason) in enumerate(_run_jobs(todo, workers, corpus), 1):
        if record is None:
            summary.skipped.append((doc_id, reason))
            if not reason.startswith(_RETRY_REASONS):
                still_skipped[doc_id] = (digests[doc_id], reason)
        else:
            is_copy = record.text_hash in indexed_as
            indexed_as.add(record.text_hash)
            writer.add(record, is_copy)
            summary.copies += is_copy
            summary.text_bytes += record.size
            if doc_id in rehome:
                pass  # unchanged, already counted
            elif doc_id in indexed:
                summary.updated += 1
            else:
                summary.added += 1
        if progress:
            progress(done, len(todo), doc_id)
        faults.crash_point("adding")
    summary.removed = len(drop) - summary.updated - len(rehome)
    if not summary.changed and snap is not None and not writer.rebuild:
        writer.cancel()  # every changed file was unreadable and new
        summary.reports, summary.generation = snap.report_count, writer.generation
        _write_skipped(index_dir, still_skipped, summary)
        return summary
    if threading.current_thread() is threading.main_thread():
        # From the commit on, Ctrl+C waits for the run's end (index_corpus puts
        # it back): the run either happened or did not, and says which.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    summary.generation = writer.commit()
    _write_skipped(index_dir, still_skipped, summary)
    summary.reports = _report_count(index_dir)
    return summary


def _live_text_hashes(snap, dropped: set[int]) -> set[str]:
    hashes = np.concatenate([np.asarray(p.data.meta.text_hash) for p in snap.parts]) \
        if snap.parts else np.zeros((0, 16), np.uint8)
    return {bytes(hashes[d]).hex() for d in np.flatnonzero(snap.indexed).tolist() if d not in dropped}


def _report_count(index_dir: Path) -> int:
    from .store import Snapshot
    snap = Snapshot.open(index_dir)
    return snap.report_count if snap is not None else 0


# ---------------------------------------------------------------- skipped files

def _read_skipped(index_dir: Path) -> dict[str, tuple[str, str]]:
    """Files skipped by earlier runs: id -> (content hash, reason)."""
    try:
        data = json.loads((index_dir / SKIPPED_FILE).read_text("utf-8"))
        return {k: (v[0], v[1]) for k, v in data.items()}
    except (OSError, ValueError, TypeError, IndexError, AttributeError):
        return {}


def _write_skipped(index_dir: Path, skipped: dict[str, tuple[str, str]], summary: IndexSummary) -> None:
    tmp = index_dir / f".{SKIPPED_FILE}.tmp"
    try:
        tmp.write_text(json.dumps({k: list(v) for k, v in skipped.items()}, ensure_ascii=False), "utf-8")
        os.replace(tmp, index_dir / SKIPPED_FILE)
    except OSError:
        pass  # only a cache: the next run reads those files again
