"""kill -9 a real `reports index` at precise points (search/faults.py) and at
random moments: the index keeps answering with the old or the new state,
and a rerun says what it recovered and equals a clean rebuild.
The full run with a table of figures is bench/crash.py."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys

import pytest
from whoosh import index as whoosh_index

from harness.crash import build_scenario, crash_case, expected_state, random_delays
from search.indexer import index_corpus
from search.lock import LOCK_NAME, IndexLock, LockBusy, pid_alive
from search.searcher import Library

pytestmark = pytest.mark.skipif(os.name == "nt", reason="kill -9 is POSIX")

# (crash point, worker processes): "reading" is hit in a pool worker with 2
# jobs (which then kills the run) and in the main process with 1.
# bench/crash.py runs every point of harness.crash.POINTS on a bigger corpus.
CASES = [("walked", 2), ("reading:12", 2), ("reading:6", 1), ("adding:15", 2),
         ("segment-written", 2), ("merging", 2), ("merged", 2), ("committing", 2),
         ("committed", 2), ("finished", 2)]


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    # 26 changed files: enough for the worker pool (indexer.IN_PROCESS_BELOW)
    return build_scenario(tmp_path_factory.mktemp("crash"), old_docs=60, batches=6, batch_size=2,
                          deleted=6, changed=10, added=16)


@pytest.mark.slow
def test_the_scenario_is_a_real_update_with_a_real_merge(scenario):
    assert scenario.old != scenario.new
    assert scenario.old.results["补充说明"][0] == 0 and scenario.new.results["补充说明"][0] == 10
    old_segments = len(whoosh_index.open_dir(scenario.old_index)._segments())
    assert old_segments == 7  # one tier of seven: the update's new segment makes eight, merged
    index = scenario.base / "clean-update"
    shutil.copytree(scenario.old_index, index)
    summary = index_corpus(scenario.corpus, index, jobs=1)
    assert (summary.added, summary.updated, summary.removed) == (16, 10, 6)
    assert len(whoosh_index.open_dir(index)._segments()) < old_segments


@pytest.mark.slow
@pytest.mark.parametrize("point,jobs", CASES, ids=[f"{p}-j{j}" for p, j in CASES])
def test_kill_at_a_crash_point(scenario, point, jobs):
    r = crash_case(scenario, point, jobs)
    assert r.killed, f"the run never reached {point}"
    assert r.state == expected_state(point), r.state
    assert r.writelock_left  # Whoosh's lock file stays, but its flock died with the run
    assert r.rerun_code == 0, r.rerun_output
    assert f"清除了 pid {r.crashed_pid} 留下的过期锁（已不在运行）" in r.rerun_output
    if point.startswith(("adding", "segment-written", "merging", "merged", "committing")):
        assert "个未写完的段文件" in r.rerun_output
    if point == "committed":  # the commit happened: only its clean-up was missing
        assert "个旧段文件" in r.rerun_output
        assert "重建" not in r.rerun_output
    assert r.equals_rebuild, r.mismatch


@pytest.mark.slow
@pytest.mark.parametrize("delay", random_delays(2, 0.4, 1.6, seed=3))
def test_kill_from_outside_at_a_random_moment(scenario, delay):
    r = crash_case(scenario, None, 2, kill_after=delay)
    assert r.state in ("old", "new"), r.state
    assert r.rerun_code == 0, r.rerun_output
    assert r.equals_rebuild, r.mismatch


# ------------------------------------------------------------ stale locks

def _dead_pid() -> int:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, timeout=30)
    pid = int(proc.stdout)
    assert not pid_alive(pid)
    return pid


@pytest.mark.slow
def test_a_stale_lock_is_cleared_with_a_message(corpus_copy, tmp_path):
    index = tmp_path / "index"
    index_corpus(corpus_copy, index, jobs=1)
    dead = _dead_pid()
    label = {"pid": dead, "host": socket.gethostname(), "started": 0}
    (index / LOCK_NAME).write_text(json.dumps(label), "utf-8")
    summary = index_corpus(corpus_copy, index, jobs=1)
    assert summary.notes == [f"清除了 pid {dead} 留下的过期锁（已不在运行）"]
    assert (index / LOCK_NAME).read_text("utf-8") == ""  # released cleanly: no label
    assert index_corpus(corpus_copy, index, jobs=1).notes == []
    assert Library(index).search("党建").total == 5


def test_a_lock_held_in_this_process_is_busy_and_names_it(tmp_path):
    with IndexLock(tmp_path):
        with pytest.raises(LockBusy, match=rf"另一个进程正在更新索引（pid {os.getpid()}）"):
            IndexLock(tmp_path).acquire()
    with IndexLock(tmp_path) as again:  # released: free again, and not stale
        assert again.notes == []


def _children(pid: int) -> list[int]:
    """Processes whose parent is `pid` (Linux /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat").read()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.append(int(entry))
    return found


@pytest.mark.slow
@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="finds workers through /proc")
def test_a_worker_killed_alone_ends_the_run_with_a_message(scenario):
    """A worker can die on its own (the kernel kills it for memory): the run
    must stop and say so, not wait for it for ever, and the old index stays."""
    import signal
    import time

    from harness.crash import index_command

    index = scenario.base / "worker-killed"
    shutil.rmtree(index, ignore_errors=True)
    shutil.copytree(scenario.old_index, index)
    env = {**os.environ, "REPORTS_PAUSE_AT": "reading", "REPORTS_PAUSE_SECONDS": "20"}
    proc = subprocess.Popen(index_command(scenario.corpus, index, jobs=2), env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while not (workers := _children(proc.pid)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert workers, "the run started no worker"
        time.sleep(0.5)  # let the workers reach the pause
        os.kill(workers[0], signal.SIGKILL)
        output, _ = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 1
    assert "读取文件的一个工作进程意外退出" in output
    from harness.crash import signature
    assert signature(index) == scenario.old
