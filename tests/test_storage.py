"""The index's storage under real use: segments that grow by small runs and
merge, damage on disk found and reported in one line (never answered from),
a full disk, Ctrl+C, a lock file removed under a running run, files changed
while they are read, and unreadable files remembered by their hash."""
from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from harness.corpus_pool import load_pool
from harness.crash import write_reports
from harness.paths import ROOT, copy_seeds
from harness.served import Command
from search import analysis, ranking
from search.indexer import index_corpus
from search.searcher import Library
from search.store import Snapshot
from search.store.policy import SEGMENTS_PER_TIER

NEW = "2024年某村党支部工作总结\n一、主要做法\n一是落实三会一课制度，推动独有提法星火燎原。\n"


def _run(*args: str, env: dict | None = None, **kw) -> subprocess.CompletedProcess:
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith("REPORTS_")}
    return subprocess.run([sys.executable, "-m", "search", *args], cwd=ROOT, capture_output=True,
                          text=True, encoding="utf-8", timeout=300, env={**clean_env, **(env or {})}, **kw)


def _ctrl_c(run: Command, timeout: float) -> str:
    """Ctrl+C to the run's process group (what a terminal sends); its stderr once it
    ended. A run still going after `timeout` fails the test with where each of its
    threads was (faulthandler: the run is started with PYTHONFAULTHANDLER) and its
    signal masks."""
    os.killpg(run.pid, signal.SIGINT)
    try:
        run.proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        status = Path(f"/proc/{run.pid}/status").read_text()
        masks = " ".join(line for line in status.splitlines() if line.startswith(("SigBlk", "SigIgn", "SigCgt")))
        os.kill(run.pid, signal.SIGABRT)  # faulthandler prints every thread's stack, then it ends
        with contextlib.suppress(subprocess.TimeoutExpired):
            run.proc.wait(timeout=20)  # a SIGTERM from stop() now would cut the stacks short
        pytest.fail(f"Ctrl+C did not stop the run within {timeout:g} s ({masks}):\n{run.stop()}")
    return run.stop()


def _files(index) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in index.iterdir() if p.name.startswith("MAIN_")}


# ------------------------------------------------------------ segments

@pytest.mark.slow  # many index runs
def test_small_runs_add_small_segments_and_merges_keep_them_few(tmp_path):
    corpus, index = copy_seeds(tmp_path / "corpus"), tmp_path / "index"
    index_corpus(corpus, index, jobs=1)
    counts = []
    for i in range(2 * SEGMENTS_PER_TIER + 3):
        before = _files(index)
        (corpus / f"new{i:02d}.txt").write_text(NEW.replace("某村", f"第{i}村"), "utf-8")
        summary = index_corpus(corpus, index, jobs=1)
        assert (summary.added, summary.updated, summary.removed) == (1, 0, 0)
        after = _files(index)
        counts.append(len(Snapshot.open(index).parts))
        # What did not change is not rewritten: old files stay as they were, or go in a merge.
        kept = set(before) & set(after)
        assert all(before[name] == after[name] for name in kept)
        if counts[-1] > (counts[-2] if len(counts) > 1 else 1):
            assert len(set(after) - set(before)) == 3  # one new segment: Whoosh's file + 2 companions
    assert max(counts) <= SEGMENTS_PER_TIER
    assert min(counts[SEGMENTS_PER_TIER:]) < SEGMENTS_PER_TIER  # a tier was merged
    fresh = tmp_path / "fresh"
    index_corpus(corpus, fresh, jobs=1)
    for q in ["星火燎原", "党建", "第3村", "三会一课 year:2024"]:
        a, b = Library(index).search(q, per_page=50), Library(fresh).search(q, per_page=50)
        assert [(h.id, round(h.score, 6)) for h in a.hits] == [(h.id, round(h.score, 6)) for h in b.hits]


def test_a_few_reports_are_scored_as_when_every_report_is(tmp_path):
    """A word's weight in a few reports comes from their segments' postings,
    its document frequency counted over every segment once and then
    remembered for the snapshot: the same as scoring the whole library."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    pool = load_pool(ROOT / "corpus")
    write_reports(corpus, range(40), pool)
    index_corpus(corpus, index, jobs=1)
    write_reports(corpus, range(40, 64), pool)
    index_corpus(corpus, index, jobs=1)
    snap = Library(index).snapshot()
    assert len(snap.parts) >= 2
    norms = ranking._length_norms(snap)
    few = np.array([3, 17, snap.n - 5])  # in both segments; few enough to be looked up
    assert len(few) * ranking.FEW < snap.n
    for word in ["党建", "工作", "三会一课", "第一书记", "没有这个词语"]:
        key = analysis.word_key(word)
        everyone = ranking._word_tfn(snap, key, norms)
        for _ in range(2):  # counted, then remembered
            got = ranking._tfn_at(snap, key, norms, few)
            if everyone is None:
                assert got is None
                continue
            tfn, df = got
            assert np.allclose(tfn, everyone[few])
            assert df == np.count_nonzero(everyone) > 0


@pytest.mark.slow  # many index runs
def test_a_segment_mostly_deleted_is_rewritten(tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    write_reports(corpus, range(40), load_pool(ROOT / "corpus"))
    index_corpus(corpus, index, jobs=1)
    first = {p.whoosh.segment_id() for p in Snapshot.open(index).parts}
    for path in sorted(corpus.iterdir())[:10]:  # a quarter of its reports go
        path.unlink()
    summary = index_corpus(corpus, index, jobs=1)
    assert summary.removed == 10
    snap = Snapshot.open(index)
    assert not first & {p.whoosh.segment_id() for p in snap.parts}
    assert not any(p.deleted.any() for p in snap.parts) and snap.report_count == 30


# ------------------------------------------------------------ damage

@pytest.fixture
def built(tmp_path):
    corpus, index = copy_seeds(tmp_path / "corpus"), tmp_path / "index"
    assert _run("index", str(corpus), "--index", str(index)).returncode == 0
    return corpus, index


def _one(index, suffix: str):
    return next(p for p in index.iterdir() if p.name.endswith(suffix))


def _flip(path, at: float | str = 0.6, count: int = 16) -> None:
    """Flip `count` bytes at a share of the file, or inside a companion's named array."""
    data = bytearray(path.read_bytes())
    if isinstance(at, str):
        from search.store.container import Container
        c = Container(path)
        start = len(data) - c.nbytes + c._base + c._arrays[at]["offset"]
        count = min(count, c._arrays[at]["nbytes"])
    else:
        start = int(len(data) * at)
    for i in range(start, start + count):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))


DAMAGE = {
    "truncated companion": lambda ix: os.truncate(_one(ix, ".rsc"), 1000),
    "flipped bytes in the suffix array": lambda ix: _flip(_one(ix, ".rsc"), at="sa"),
    "flipped bytes in metadata": lambda ix: _flip(_one(ix, ".rsc"), at="years", count=4),
    "deleted companion": lambda ix: _one(ix, ".rsc").unlink(),
    "deleted near-duplicate pairs": lambda ix: _one(ix, ".rse").unlink(),
    "truncated Whoosh segment": lambda ix: os.truncate(_one(ix, ".seg"), 500),
    "flipped bytes in Whoosh's segment": lambda ix: _flip(_one(ix, ".seg"), at=0.5),
    "bad table of contents": lambda ix: _flip(_one(ix, ".toc"), at=0.3, count=40),
    "emptied table of contents": lambda ix: os.truncate(_one(ix, ".toc"), 0),
}


@pytest.mark.slow
@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damage_is_reported_in_one_line_and_rebuild_repairs_it(built, damage):
    corpus, index = built
    DAMAGE[damage](index)
    check = _run("check-index", "--index", str(index))
    assert check.returncode == 1
    assert check.stderr.strip().startswith("错误：索引已损坏") and "--rebuild" in check.stderr
    assert len(check.stderr.strip().splitlines()) == 1 and "Traceback" not in check.stderr
    update = _run("index", str(corpus), "--index", str(index))
    assert update.returncode == 1 and "索引已损坏" in update.stderr and "Traceback" not in update.stderr
    found = _run("search", "党建", "--index", str(index))
    if found.returncode == 0:  # damage only a full check sees: never in the table of contents
        assert damage.startswith("flipped bytes in") and damage != "flipped bytes in metadata"
    else:
        assert "索引已损坏" in found.stderr and "Traceback" not in found.stderr
    rebuilt = _run("index", str(corpus), "--index", str(index), "--rebuild")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert _run("check-index", "--index", str(index)).returncode == 0
    assert "5 篇" in _run("search", "党建", "--index", str(index)).stdout


@pytest.mark.slow
def test_a_server_finds_damage_in_the_background_and_stops_answering(built):
    corpus, index = built
    _flip(_one(index, ".rsc"))
    library = Library(index, warm=True)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            library.search("党建")
        except Exception as exc:
            assert "索引已损坏" in str(exc)
            break
        time.sleep(0.05)
    else:
        pytest.fail("the damage was never found")


# ------------------------------------------------------------ the disk

@pytest.mark.slow
def test_a_full_disk_is_one_line_leaves_nothing_and_the_next_run_works(built, tmp_path):
    corpus, index = built
    for i in range(30):
        (corpus / f"extra{i}.txt").write_text(NEW.replace("某村", f"第{i}村") * 40, "utf-8")
    before = sorted(p.name for p in index.iterdir())

    def small_files():  # files over 64 KiB cannot be written: what a full disk does to a run
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 << 10, 64 << 10))
    full = _run("index", str(corpus), "--index", str(index), preexec_fn=small_files)
    assert full.returncode == 1
    assert "磁盘已满" in full.stderr and "Traceback" not in full.stderr, full.stderr
    assert sorted(p.name for p in index.iterdir()) == before  # nothing left behind
    assert "5 篇" in _run("search", "党建", "--index", str(index)).stdout  # the old index answers
    again = _run("index", str(corpus), "--index", str(index))
    assert again.returncode == 0 and "新增 30" in again.stdout


# ------------------------------------------------------------ interruptions

@pytest.mark.slow
def test_ctrl_c_during_parallel_reading_stops_at_once_and_keeps_the_index(tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    pool = load_pool(ROOT / "corpus")
    write_reports(corpus, range(20), pool)
    index_corpus(corpus, index, jobs=1)
    write_reports(corpus, range(20, 400), pool)
    token = Snapshot.open(index).token
    # Each worker is held at its third report: the signal comes while the run is
    # reading however fast the machine is (a fixed sleep let a quick machine finish first).
    with Command("index", str(corpus), "--index", str(index), "--jobs", "2", new_session=True,
                 env={"REPORTS_PAUSE_AT": "reading:3", "REPORTS_PAUSE_SECONDS": "60",
                      "PYTHONFAULTHANDLER": "1"}) as run:
        run.wait_for("pause point reading:3", "stderr", timeout=120)
        err = _ctrl_c(run, 20)  # far less than the 60 s the worker sleeps
    assert run.proc.returncode == 130
    assert "Traceback" not in err, err
    assert err.strip().splitlines()[-1] == "已中断：索引保持原样", err
    assert Snapshot.open(index).token == token
    assert index_corpus(corpus, index, jobs=2).added == 380


def test_ctrl_c_during_the_commit_lets_the_run_finish_and_says_so(built):
    corpus, index = built
    for i in range(3):
        (corpus / f"extra{i}.txt").write_text(NEW.replace("某村", f"第{i}村"), "utf-8")
    # Held for 3 s with the new table of contents written: the run has happened.
    with Command("index", str(corpus), "--index", str(index), new_session=True,
                 env={"REPORTS_PAUSE_AT": "committed", "REPORTS_PAUSE_SECONDS": "3",
                      "PYTHONFAULTHANDLER": "1"}) as run:
        run.wait_for("pause point committed", "stderr", timeout=120)
        err = _ctrl_c(run, 30)
    assert run.proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "已中断：按下 Ctrl+C 时索引正在提交，本次更新已完成", err
    assert "新增 3" in "".join(run.seen)
    assert Library(index).search("星火燎原").total == 3
    assert index_corpus(corpus, index, jobs=1).changed is False


def test_a_run_in_process_gives_the_ctrl_c_handler_back(built):
    corpus, index = built
    mine = signal.getsignal(signal.SIGINT)
    (corpus / "extra.txt").write_text(NEW, "utf-8")
    assert index_corpus(corpus, index, jobs=1).added == 1  # a commit: the handler was swapped for it
    assert signal.getsignal(signal.SIGINT) is mine
    (corpus / "broken.txt").write_bytes(b"")  # a run that commits nothing
    index_corpus(corpus, index, jobs=1)
    assert signal.getsignal(signal.SIGINT) is mine


@pytest.mark.slow
def test_a_lock_file_removed_during_a_run_does_not_let_a_second_run_in(built):
    corpus, index = built
    (corpus / "new.txt").write_text(NEW, "utf-8")
    env = {"REPORTS_PAUSE_AT": "walked", "REPORTS_PAUSE_SECONDS": "4"}
    first = subprocess.Popen([sys.executable, "-m", "search", "index", str(corpus), "--index", str(index)],
                             cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    assert "pause point walked" in first.stderr.readline()  # the run holds both locks now
    (index / ".lock").unlink()
    second = _run("index", str(corpus), "--index", str(index))
    out, err = first.communicate(timeout=60)
    # Our lock file is new, so the second run gets it; Whoosh's lock stops it.
    assert second.returncode == 1 and "另一个程序正在写" in second.stderr
    assert first.returncode == 0, err
    assert "新增 1" in out
    assert _run("check-index", "--index", str(index)).returncode == 0


@pytest.mark.slow
def test_a_file_saved_while_it_is_read_is_read_again_next_run(built):
    corpus, index = built
    path = corpus / "new.txt"
    path.write_text(NEW, "utf-8")
    env = {**os.environ, "REPORTS_PAUSE_AT": "analysed", "REPORTS_PAUSE_SECONDS": "3"}
    run = subprocess.Popen([sys.executable, "-m", "search", "index", str(corpus), "--index", str(index),
                            "--jobs", "1"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    assert "pause point analysed" in run.stderr.readline()  # read, not yet checked again
    path.write_text(NEW.replace("星火燎原", "燎原之势"), "utf-8")
    out, _ = run.communicate(timeout=60)
    assert "读取时文件被改动了" in out
    assert Library(index).search("星火燎原").total == 0  # never kept under the new file's hash
    index_corpus(corpus, index, jobs=1)
    assert Library(index).search("燎原之势").total == 1


@pytest.mark.slow
def test_unreadable_files_are_skipped_again_without_reading_them(built):
    corpus, index = built
    (corpus / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    first = index_corpus(corpus, index, jobs=1)
    assert [name for name, _ in first.skipped] == ["broken.docx"]
    # A second run that read any file would die at its first "reading" point.
    again = _run("index", str(corpus), "--index", str(index), env={"REPORTS_CRASH_AT": "reading"})
    assert again.returncode == 0, again.stderr
    assert "跳过 broken.docx" in again.stdout
    (corpus / "broken.docx").write_bytes(b"PK\x03\x04 broken in another way")
    changed = _run("index", str(corpus), "--index", str(index), env={"REPORTS_CRASH_AT": "reading"})
    assert changed.returncode == -signal.SIGKILL  # changed, so read again: it reached "reading"
