"""Corpus folder -> index: add, update and delete reports by content hash.

Files are analysed in parallel worker processes (read -> clean -> meta ->
words and character grams); the main process writes Whoosh and the next
postings generation, then publishes both at once. Until then the previous
generation keeps answering, and a run killed half way changes nothing.
"""
from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
from whoosh import index as whoosh_index
from whoosh.writing import CLEAR, MERGE_SMALL

from . import analysis, dedup, faults
from .clean import clean, corpus_rules
from .corpus import check_settings, file_digest, fingerprint, list_corpus
from .lock import IndexLock, LockBusy
from .meta import extract_meta
from .postings import (DocRecord, Generation, GenerationWriter, OldFormat, current_folder,
                       prune_generations, publish, roll_forward)
from .readers import UnreadableFile, read_document
from .schema import build_schema

IN_PROCESS_BELOW = 24  # fewer changed files than this: no worker processes


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

def analyse(path: Path, doc_id: str, digest: str, size: int, corpus: Path) -> DocRecord:
    """One file -> DocRecord. Raises UnreadableFile with the reason."""
    document = read_document(path)
    report = clean(document.text, corpus_rules(corpus))
    if not report.text.strip():
        raise UnreadableFile("nothing left after removing noise")
    meta = extract_meta(report, path.name, document.headings)
    user_dict = analysis.user_dict_for(corpus)
    outline = [(h.depth, h.text, h.offset) for h in meta.outline]

    folded = analysis.fold(report.text)  # title, "\n", body; folding keeps offsets
    # The title field is the document's title; when that is not the text's first
    # line (a title from the file name), the whole text is the body.
    body = folded[len(report.title) + 1:] if meta.title == report.title else folded
    fields = (body, analysis.fold(meta.title), analysis.fold("\n".join(h[1] for h in outline)))
    counts = [analysis.folded_word_counts(text, user_dict) for text in fields]
    vocab = list(set().union(*counts))
    keys = np.array([analysis.word_key(w) for w in vocab], dtype=np.uint64)
    order = np.argsort(keys)
    tf = np.array([[c[w] for w in vocab] for c in counts], dtype=np.int64).reshape(3, -1)
    lengths = tuple(sum(c.values()) for c in counts)

    grams = np.unique(analysis.gram_keys(analysis.text_codes(folded)))
    sentence_starts, sentence_lengths, sentence_keys = analysis.sentences(folded)
    return DocRecord(
        id=doc_id, hash=digest, size=size, title=meta.title, subtitle=meta.subtitle, text=report.text,
        year=meta.year, period=meta.period, doc_type=meta.doc_type, level=meta.level,
        outline=outline, word_keys=keys[order], word_tf=_u16(tf[:, order]), lengths=lengths,
        gram_keys=grams, sentence_starts=sentence_starts,
        sentence_lengths=sentence_lengths, sentence_keys=sentence_keys,
        text_hash=dedup.text_hash(report.text), sketch=dedup.sketch(fields[0]))


def _u16(counts: np.ndarray) -> np.ndarray:
    return np.minimum(counts, 65535).astype(np.uint16)


def _analyse_job(job: tuple) -> tuple[str, DocRecord | None, str | None]:
    path, doc_id, digest, size, corpus = job
    faults.crash_point("reading")  # in a worker: kills the run too
    try:
        return doc_id, analyse(path, doc_id, digest, size, corpus), None
    except UnreadableFile as exc:
        return doc_id, None, exc.reason
    except Exception as exc:  # a bug or a corrupt file must not stop the run
        return doc_id, None, f"could not analyse: {type(exc).__name__}: {exc}"


def _start_worker(corpus: Path, run_pid: int) -> None:
    # A worker holds copies of the run's locks (forked file descriptors): if
    # the run is killed, the worker must not outlive it and keep them.
    threading.Thread(target=_exit_with_run, args=(run_pid,), daemon=True).start()
    analysis.segmenter(analysis.user_dict_for(corpus))


def _exit_with_run(run_pid: int) -> None:
    while os.getppid() == run_pid:
        time.sleep(0.1)
    os._exit(1)


def _run_jobs(jobs: list[tuple], workers: int, corpus: Path) -> Iterator[tuple]:
    if workers <= 1 or len(jobs) < IN_PROCESS_BELOW:
        yield from map(_analyse_job, jobs)
        return
    ctx = multiprocessing.get_context("spawn" if os.name == "nt" else "fork")
    # An executor, not a Pool: when a worker dies (killed for memory, say) a
    # Pool waits for it for ever, an executor raises BrokenProcessPool.
    pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_start_worker,
                               initargs=(corpus, os.getpid()))
    try:
        yield from pool.map(_analyse_job, jobs, chunksize=4)  # in order: same index every run
    except BrokenProcessPool:
        raise IndexError_("a worker process died while reading the files (out of memory?); "
                          "the index was left as it was") from None
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


# ------------------------------------------------------------------ the run

def open_whoosh(index_dir: Path):
    if whoosh_index.exists_in(index_dir):
        return whoosh_index.open_dir(index_dir)
    return whoosh_index.create_in(index_dir, build_schema())


def index_corpus(corpus: Path, index_dir: Path, rebuild: bool = False,
                 jobs: int | None = None, progress: Progress | None = None) -> IndexSummary:
    started = time.perf_counter()
    check_settings(corpus)  # a broken rules file or dictionary stops the run before anything changes
    if not corpus.is_dir():
        raise IndexError_(f"corpus folder {corpus}/ does not exist")
    index_dir.mkdir(parents=True, exist_ok=True)
    try:
        lock = IndexLock(index_dir).acquire()
    except LockBusy as exc:
        raise IndexBusy(str(exc)) from None
    try:
        faults.crash_point("locked")
        # Under the lock no other run writes: what an earlier run left unfinished can go.
        ix = open_whoosh(index_dir)
        notes = lock.notes + roll_forward(index_dir, ix.latest_generation()) + prune_generations(index_dir)
        try:
            # Whoosh's own lock dies with its holder too; it is only held here by
            # something that bypasses our lock (another tool, or a bug).
            writer = ix.writer(timeout=0.5)
        except whoosh_index.LockError:
            raise IndexBusy(f"the index at {index_dir}/ is being written by another "
                            "program; try again when it has finished") from None
        try:
            summary = _update(corpus, index_dir, ix, writer, rebuild, jobs, progress)
        except BaseException:
            writer.cancel()
            raise
        faults.crash_point("finished")
    finally:
        lock.release()
    summary.notes[:0] = notes
    summary.seconds = time.perf_counter() - started
    return summary


def _update(corpus, index_dir, ix, writer, rebuild, jobs, progress) -> IndexSummary:
    summary = IndexSummary()
    analysis_print = fingerprint(corpus)
    folder = current_folder(index_dir)
    try:
        base = Generation(folder) if folder else None
        stale = False
    except OldFormat:
        base, stale = None, True
    if rebuild:
        summary.rebuilt_because = "a rebuild was asked for"
    elif stale:
        summary.rebuilt_because = "the index was written by another version"
    elif base is None and ix.doc_count():
        summary.rebuilt_because = "the search data beside the index is missing"
    elif base is not None and base.fingerprint != analysis_print:
        summary.rebuilt_because = ("the analyzer, the dictionaries or the cleaning rules "
                                   "changed since the last run")
    elif base is not None and base.whoosh_generation != ix.latest_generation():
        summary.rebuilt_because = "the last run was interrupted"
    if summary.rebuilt_because:
        base = None

    listing = list_corpus(corpus)  # a folder it could not list keeps its reports (not in `gone`)
    files = listing.files
    summary.ignored.update(listing.ignored)
    summary.skipped.extend(listing.skipped)
    indexed = {d["id"]: d["hash"] for d in base.docs} if base else {}
    todo = []
    for doc_id, path in files.items():
        try:
            digest, size = file_digest(path)
        except OSError as exc:
            summary.skipped.append((doc_id, f"cannot read: {exc.strerror or exc}"))
            continue
        if indexed.get(doc_id) == digest:
            summary.unchanged += 1
        else:
            todo.append((path, doc_id, digest, size, corpus))
    gone = {doc_id for doc_id in set(indexed) - set(files) if not listing.covers(doc_id)}
    faults.crash_point("walked")

    # The old version of every changed file goes, whether or not the new one reads.
    drop = gone | {job[1] for job in todo if job[1] in indexed}
    # A copy has no text of its own: when its source goes, it is read again.
    rehome = {d["id"] for d in base.docs if d.get("copy_of") in drop} - drop if base else set()
    for doc_id in sorted(rehome):
        path = files[doc_id]
        todo.append((path, doc_id, indexed[doc_id], path.stat().st_size, corpus))
    drop |= rehome
    if not todo and not drop and base is not None:
        writer.cancel()
        summary.reports, summary.generation = base.n - base.copy_count, base.number
        return summary

    for doc_id in drop:
        writer.delete_by_term("id", doc_id)
    number = writer.generation
    generation = GenerationWriter(index_dir, number, base, drop)
    try:
        workers = jobs or os.cpu_count() or 1
        for done, (doc_id, record, reason) in enumerate(_run_jobs(todo, workers, corpus), 1):
            if record is None:
                summary.skipped.append((doc_id, reason))
            else:
                summary.copies += _add(writer, generation, record) is not None
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
        if not summary.changed and base is not None:  # every changed file was unreadable and new
            generation.abandon()
            writer.cancel()
            summary.reports, summary.generation = base.n - base.copy_count, base.number
            return summary
        folder = generation.finish(number, analysis_print, analysis.user_dict_for(corpus))
        faults.crash_point("generation-written")
    except BaseException:
        generation.abandon()
        raise
    if base is None:
        writer.commit(mergetype=faults.merging(CLEAR))  # a rebuild replaces every old segment
    else:
        writer.commit(mergetype=faults.merging(MERGE_SMALL))
    faults.crash_point("committed")
    publish(index_dir, folder)
    summary.generation = number
    summary.reports = sum(d.get("copy_of") is None for d in generation.docs)
    return summary


def _add(writer, generation: GenerationWriter, r: DocRecord) -> str | None:
    """One analysed report into Whoosh (the store of record) and the postings.
    Returns the id of the report it is a copy of, if it is one."""
    writer.add_document(
        id=r.id, title=r.title, subtitle=r.subtitle, headings="\n".join(h[1] for h in r.outline),
        body=r.text, year=r.year or 0, period=r.period, type=r.doc_type,
        level=r.level, hash=r.hash, size=r.size)
    return generation.add(r)
