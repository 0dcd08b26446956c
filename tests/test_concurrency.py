"""Concurrent use: a second `reports index` is refused at once and named, a
serving `reports serve` keeps answering while `reports index` commits and
then serves the new generation, and threads searching one Library get the
results they would get alone."""
from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter

import pytest

from harness.corpus_pool import load_pool
from harness.crash import index_command, write_reports
from harness.paths import ROOT
from harness.served import Served
from search.indexer import index_corpus
from search.phrase import lookup
from search.searcher import Library

MARK = "星火燎原示范点"


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPORTS_")}
    return {**env, "PYTHONUNBUFFERED": "1", **extra}


def _lines(stream) -> queue.Queue:
    """A stream's lines, read in a thread so that waiting for one has a deadline."""
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(ln) for ln in stream], daemon=True).start()
    return lines


def _wait_for(lines: queue.Queue, pattern: str, seconds: float) -> re.Match:
    deadline, seen = time.monotonic() + seconds, []
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            break
        seen.append(line)
        if m := re.search(pattern, line):
            return m
    pytest.fail(f"no line matching {pattern!r} within {seconds} s:\n" + "".join(seen))


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=30)


# ------------------------------------------------------------ (a) second run

@pytest.mark.slow
@pytest.mark.skipif(os.name == "nt", reason="uses SIGKILL")
def test_a_second_index_run_is_refused_at_once_and_names_the_first(corpus_copy, tmp_path):
    index = tmp_path / "index"
    first = subprocess.Popen(index_command(corpus_copy, index, jobs=1), cwd=ROOT,
                             env=_env(REPORTS_PAUSE_AT="walked", REPORTS_PAUSE_SECONDS="60"),
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True, encoding="utf-8")
    try:
        _wait_for(_lines(first.stderr), r"pause point walked", 60)  # holds the lock now
        started = time.monotonic()  # how long merely starting the program takes on this machine now
        subprocess.run([sys.executable, "-m", "search", "--help"], cwd=ROOT, env=_env(),
                       capture_output=True, timeout=60)
        startup = time.monotonic() - started
        started = time.monotonic()
        second = subprocess.run(index_command(corpus_copy, index, jobs=1), cwd=ROOT, env=_env(),
                                capture_output=True, text=True, encoding="utf-8", timeout=60)
        elapsed = time.monotonic() - started
        assert second.returncode == 1
        assert f"另一个进程正在更新索引（pid {first.pid}）" in second.stderr
        assert elapsed < startup + 1.5, f"the second run took {elapsed:.2f} s to give up ({startup:.2f} s to start)"
        assert first.poll() is None  # and the first run was left alone
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    # The killed first run left its label; the next run clears it and says so.
    third = subprocess.run(index_command(corpus_copy, index, jobs=1), cwd=ROOT, env=_env(),
                           capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert third.returncode == 0, third.stderr
    assert f"清除了 pid {first.pid} 留下的过期锁（已不在运行）" in third.stdout
    assert Library(index).search("党建").total == 5


# ------------------------------------------------------------ (b) serve under load

def _get_json(url: str) -> tuple[int, dict | None]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        return exc.code, None


@pytest.mark.slow
def test_serve_keeps_answering_while_index_commits(tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    pool = load_pool(ROOT / "corpus")
    write_reports(corpus, range(60), pool)
    index_corpus(corpus, index, jobs=1)
    old = Library(index)
    queries = ("党建", MARK, "组织建设 乡村振兴")
    old_totals = {q: old.search(q).total for q in queries}

    server = Served("--threads", "8", "--index", str(index), "--corpus", str(corpus), timeout=60)
    indexer = None
    try:
        base = server.url
        def url(q: str) -> str:
            return f"{base}/search.json?q={urllib.parse.quote(q)}"
        assert _get_json(url(queries[0]))[1]["total"] == old_totals[queries[0]]

        # The new reports: 40 more, each with a mark no old report has.
        staging = tmp_path / "staging"
        staging.mkdir()
        write_reports(staging, range(60, 100), pool)
        for path in staging.iterdir():
            path.write_bytes(path.read_bytes() + f"\n{MARK}。\n".encode())
        expected = tmp_path / "expected"
        all_files = tmp_path / "all"
        all_files.mkdir()
        for folder in (corpus, staging):
            for path in folder.iterdir():
                (all_files / path.name).write_bytes(path.read_bytes())
        index_corpus(all_files, expected, jobs=1)
        new = Library(expected)
        new_totals = {q: new.search(q).total for q in queries}
        assert all(new_totals[q] != old_totals[q] for q in queries)

        stop = threading.Event()
        answers: list[tuple[str, int, int | None]] = []
        errors: list[str] = []

        def client(k: int) -> None:
            deadline = time.monotonic() + 120
            i = k
            while not stop.is_set() and time.monotonic() < deadline:
                q = queries[i % len(queries)]
                i += 1
                try:
                    status, data = _get_json(url(q))
                    answers.append((q, status, data["total"] if data else None))
                except Exception as exc:  # a refused or dropped connection is a failure too
                    errors.append(f"{q}: {type(exc).__name__}: {exc}")

        clients = [threading.Thread(target=client, args=(k,)) for k in range(6)]
        for t in clients:
            t.start()
        time.sleep(0.5)
        for path in staging.iterdir():
            os.replace(path, corpus / path.name)
        # Slowed at the steps that matter, so the commit happens under load.
        indexer = subprocess.run(index_command(corpus, index, jobs=2), cwd=ROOT,
                                 env=_env(REPORTS_PAUSE_AT="adding:20,committed,published",
                                          REPORTS_PAUSE_SECONDS="0.7"),
                                 capture_output=True, text=True, encoding="utf-8", timeout=120)
        time.sleep(1.0)
        stop.set()
        for t in clients:
            t.join(timeout=60)
        assert indexer.returncode == 0, indexer.stderr
        assert "新增 40" in indexer.stdout

        assert not errors, errors[:5]
        statuses = Counter(status for _, status, _ in answers)
        assert statuses == {200: len(answers)}, statuses
        assert len(answers) > 30
        seen = Counter(("old" if total == old_totals[q] else "new" if total == new_totals[q]
                        else f"neither: {q} {total}") for q, _, total in answers)
        assert set(seen) <= {"old", "new"}, seen
        assert seen["old"] and seen["new"], seen  # answered on both sides of the switch

        # The same server, not restarted, serves the new generation.
        assert server.proc.poll() is None
        for q in queries:
            assert _get_json(url(q))[1]["total"] == new_totals[q]
    finally:
        server.stop()


# ------------------------------------------------------------ (c) threads

THREAD_QUERIES = ["党建", "组织建设", "三会一课", "压紧压实", "第一书记", "乡村振兴 OR 共同富裕",
                  "党建 -疫情", "工作。一是", "year:2023", "title:述职报告", "heading:存在的问题",
                  "\"压紧压实 责任\"", "党", "治党", "基层 组织 建设", "type:述职报告 党建"]


def test_threads_searching_one_library_get_independent_results(seed_index):
    index = seed_index[1]
    alone = Library(index)
    expected = {q: _result(alone, q) for q in THREAD_QUERIES}
    assert len({json.dumps(v, sort_keys=True, ensure_ascii=False) for v in expected.values()}) > 10

    shared = Library(index)  # cold: the threads race to load the generation and fill caches
    barrier = threading.Barrier(len(THREAD_QUERIES), timeout=60)
    wrong: list[str] = []
    done = Counter()

    def worker(q: str) -> None:
        barrier.wait()
        deadline = time.monotonic() + 30
        for _ in range(15):
            if time.monotonic() > deadline:
                break
            try:
                got = _result(shared, q)
            except Exception as exc:
                wrong.append(f"{q}: {type(exc).__name__}: {exc}")
                return
            if got != expected[q]:
                wrong.append(f"{q}: differs from the result alone")
                return
            done[q] += 1

    threads = [threading.Thread(target=worker, args=(q,)) for q in THREAD_QUERIES]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=90)
    assert not wrong, wrong[:5]
    assert all(done[q] == 15 for q in THREAD_QUERIES), done


def _result(library: Library, q: str) -> dict:
    """A query's search page 1 and 2, newest first, and its phrase lookup,
    without the timings."""
    out = {}
    for page, sort in ((1, "relevance"), (2, "relevance"), (1, "newest")):
        r = library.search(q, page=page, sort=sort).to_json()
        r.pop("elapsed_ms", None)
        out[f"{sort}-{page}"] = r
    if " " not in q and ":" not in q and not q.startswith("\""):
        p = lookup(library, q, per_page=30).to_json()
        p.pop("elapsed_ms", None)
        out["phrase"] = p
    return out
