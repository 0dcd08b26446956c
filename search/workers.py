"""Reports analysed for an indexing run: one file -> DocRecord (read ->
clean -> meta -> jieba words, sentences, sketch), in worker processes when
there are many, with the rules, lists and words the run loaded at its start."""
from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path, PurePosixPath

import numpy as np

from . import analysis, dedup, faults
from .clean import clean
from .corpus import file_digest
from .errors import IndexingError
from .meta import extract_meta
from .readers import UnreadableFile, read_document
from .settings import Analysis
from .store import DocRecord
from .store.builder import folded_codes

IN_PROCESS_BELOW = 24  # fewer changed files than this: no worker processes
IN_FLIGHT_PER_WORKER = 8  # analysed files waiting for the main process, at most
BATCH = 4  # files handed to a worker at once


def analyse(path: str | Path, doc_id: str, digest: str, size: int, setup: Analysis, mtime: int = 0) -> DocRecord:
    """One file -> DocRecord, with the rules, lists and words of the run's
    start. Raises UnreadableFile with the reason."""
    document = read_document(path)
    report = clean(document.text, setup.rules)
    if not report.text.strip():
        raise UnreadableFile("去掉噪声后没有剩下正文")
    # The id's name, not the path's: a GBK name is not valid text until decoded.
    meta = extract_meta(report, PurePosixPath(doc_id).name, document.headings,
                        lists=setup.lists)
    outline = [(h.depth, h.text, h.offset) for h in meta.outline]

    folded = analysis.fold(report.text)  # title, "\n", body; folding keeps offsets
    # The title field is the document's title; when that is not the text's first
    # line (a title from the file name), the whole text is the body.
    body = folded[len(report.title) + 1:] if meta.title == report.title else folded
    fields = (body, analysis.fold(meta.title), analysis.fold("\n".join(h[1] for h in outline)))
    keys, tf, lengths = analysis.field_words(fields, seg=setup.words.segmenter())
    sentence_keys, sentence_tf = analysis.sentence_keys(folded)
    return DocRecord(
        id=doc_id, hash=digest, size=size, mtime=mtime, title=meta.title, subtitle=meta.subtitle, text=report.text,
        codes=folded_codes(folded),
        year=meta.year, period=meta.period, doc_type=meta.doc_type, level=meta.level,
        outline=outline, word_keys=keys, word_tf=np.minimum(tf, 65535).astype(np.uint16),
        lengths=lengths, sentence_keys=sentence_keys, sentence_tf=sentence_tf,
        text_hash=dedup.text_hash(report.text), sketch=dedup.sketch(fields[0]))


_worker_setup: Analysis | None = None  # a worker process's: the run's, given at its start


def _analyse_job(job: tuple, setup: Analysis | None = None) -> tuple[str, DocRecord | None, str | None]:
    path, doc_id, digest, size, mtime = job
    setup = setup or _worker_setup
    faults.crash_point("reading")  # in a worker: kills the run too
    try:
        record = analyse(path, doc_id, digest, size, setup, mtime)
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


def _start_worker(setup: Analysis, run_pid: int) -> None:
    # A worker holds copies of the run's locks (forked file descriptors): if
    # the run is killed, the worker must not outlive it and keep them. Ctrl+C
    # is the run's to handle: a worker ignores it and is stopped by the run.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_run, args=(run_pid,), daemon=True).start()
    global _worker_setup
    _worker_setup = setup
    setup.words.segmenter()


def _exit_with_run(run_pid: int) -> None:
    while os.getppid() == run_pid:
        time.sleep(0.1)
    os._exit(1)


def _analyse_batch(jobs: list[tuple]) -> list[tuple[str, DocRecord | None, str | None]]:
    return [_analyse_job(job) for job in jobs]


def _result(future: Future) -> list:
    """future.result(), waking now and then: Ctrl+C is handled in the main
    thread, and a signal the kernel gives to one of the executor's threads
    is only acted on when the main thread next runs Python code."""
    while True:
        try:
            return future.result(timeout=0.2)
        except FutureTimeout:
            pass


def run_jobs(jobs: list[tuple], workers: int, setup: Analysis) -> Iterator[tuple]:
    """Results in job order (the same index every run), with at most a few
    finished results per worker waiting: memory does not grow with the corpus.
    Jobs go to the workers a few at a time: one by one, handing them over
    costs the main process (which also writes the index) a twentieth of a build."""
    if workers <= 1 or len(jobs) < IN_PROCESS_BELOW:
        yield from (_analyse_job(job, setup) for job in jobs)
        return
    ctx = multiprocessing.get_context("spawn" if os.name == "nt" else "fork")
    # An executor, not a Pool: when a worker dies (killed for memory, say) a
    # Pool waits for it for ever, an executor raises BrokenProcessPool.
    pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_start_worker,
                               initargs=(setup, os.getpid()))
    window = workers * IN_FLIGHT_PER_WORKER // BATCH
    pending = []
    try:
        for start in range(0, len(jobs), BATCH):
            pending.append(pool.submit(_analyse_batch, jobs[start:start + BATCH]))
            if len(pending) >= window:
                yield from _result(pending.pop(0))
        while pending:
            yield from _result(pending.pop(0))
    except BrokenProcessPool:
        raise IndexingError("读取文件的一个工作进程意外退出（内存不足？）；"
                          "索引保持原样") from None
    finally:
        # Stop the workers now (a worker blocked on its queue would keep a
        # Ctrl+C'd run waiting at exit); the futures left then fail as broken.
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.terminate()
        pool.shutdown(wait=False)
