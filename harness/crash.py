"""Kill a real `reports index` run and check what it leaves: shared by
tests/test_crash.py (a dozen points, small corpus) and bench/crash.py (every
point, random external kills, a bigger corpus, a table of figures).

A scenario is an index of an "old" corpus and the same folder changed into a
"new" corpus (reports deleted, changed and added). The index is copied per
case, an update to the new corpus is killed at one point, and then:
- a fresh Library must answer exactly as the old index or exactly as the
  new one (by a few searches with scores), never a mix and never an error;
- a rerun must succeed, say what it recovered, and leave an index equal to a
  `--rebuild` of the new corpus: same ids and content hashes in the segments'
  companion files and in Whoosh's stored fields, same search results, no
  file that the live commit does not list.
"""
from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from harness.corpus import file_name, make_report
from harness.corpus_pool import load_pool
from harness.paths import ROOT
from search.indexer import index_corpus
from search.searcher import Library
from search.store.folder import CACHES

QUERIES = ("党建", "组织建设 乡村振兴", "补充说明", "压紧压实", "year:2020-2022 工作", "第一书记 -疫情")
CHANGE_MARK = "补充说明：本段为第{i}次修订新增内容。"
RUN_TIMEOUT = 120.0  # seconds for any one `reports index` subprocess

# Where a run is killed (search/faults.py names), in run order, and the state
# it must leave: "old" = the index before the run, "new" = the run's result.
POINTS: dict[str, str] = {
    "locked": "old",              # lock taken, nothing else done
    "walked": "old",              # corpus walked and hashed
    "reading": "old",             # analysing a file (in a worker, or the main process)
    "adding": "old",              # reports going into a new Whoosh segment and its companion
    "segment-written": "old",     # a new segment and its companion on disk, TOC not written
    "merging": "old",             # the merge policy rewriting old segments into one
    "merged": "old",              # the merged segment on disk
    "committing": "old",          # every file written, the new TOC not yet
    "committed": "new",           # new TOC written, old segments' files not yet removed
    "finished": "new",            # all done but the lock not released
}


def expected_state(point: str) -> str:
    return POINTS[point.partition(":")[0]]


@dataclass
class Signature:
    reports: int
    results: dict[str, tuple]

    def __eq__(self, other) -> bool:
        return (self.reports, self.results) == (other.reports, other.results)


@dataclass
class Scenario:
    base: Path
    corpus: Path          # in its new state
    old_index: Path       # index of the old state (several Whoosh segments)
    rebuilt: Path         # `--rebuild` of the new state
    old: Signature
    new: Signature
    new_records: tuple[list, list]
    changed_files: int


@dataclass
class CaseResult:
    point: str
    jobs: int
    killed: bool                  # the run died by SIGKILL (not finished first)
    state: str                    # "old", "new", or what went wrong
    rerun_code: int = -1
    rerun_output: str = ""
    recovery_seconds: float = 0.0
    equals_rebuild: bool = False
    mismatch: str = ""
    leftovers: list[str] = field(default_factory=list)
    crashed_pid: int = 0
    writelock_left: bool = False  # Whoosh's WRITELOCK file still there after the kill


# ------------------------------------------------------------------ corpus

def write_reports(corpus: Path, numbers, pool, seed: int = 1) -> None:
    for i in numbers:
        text, encoding = make_report(pool, seed, i)
        (corpus / file_name(seed, i)).write_bytes(text.encode(encoding))


def build_scenario(base: Path, old_docs: int = 120, batches: int = 5, batch_size: int = 3,
                   deleted: int = 12, changed: int = 20, added: int = 30) -> Scenario:
    """Old corpus: `old_docs` reports indexed at once, then `batches` small
    runs of `batch_size` new reports each, so that Whoosh holds several small
    segments and the next commit really merges them. New corpus: the first
    `deleted` reports gone, the next `changed` ones with a sentence appended,
    `added` new ones."""
    pool = load_pool(ROOT / "corpus")
    corpus = base / "corpus"
    corpus.mkdir(parents=True)
    old_index = base / "old-index"
    write_reports(corpus, range(old_docs), pool)
    index_corpus(corpus, old_index, jobs=1)
    n = old_docs
    for _ in range(batches):
        write_reports(corpus, range(n, n + batch_size), pool)
        index_corpus(corpus, old_index, jobs=1)
        n += batch_size
    old = signature(old_index)

    for i in range(deleted):
        (corpus / file_name(1, i)).unlink()
    for i in range(deleted, deleted + changed):
        path = corpus / file_name(1, i)
        text = path.read_bytes()
        encoding = "utf-8"
        try:
            text.decode("utf-8")
        except UnicodeDecodeError:
            encoding = "gb18030"
        path.write_bytes(text + ("\n" + CHANGE_MARK.format(i=i) + "\n").encode(encoding))
    write_reports(corpus, range(n, n + added), pool)

    rebuilt = base / "rebuilt"
    done = run_index(corpus, rebuilt, rebuild=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return Scenario(base, corpus, old_index, rebuilt, old, signature(rebuilt),
                    records(rebuilt), changed + added)


# ------------------------------------------------------------------ checks

def signature(source: Path | Library) -> Signature:
    """What a reader sees: report count and, per query, the total and the
    first 20 hits with scores (scores change with every report in or out)."""
    library = source if isinstance(source, Library) else Library(source)
    results = {}
    for q in QUERIES:
        r = library.search(q, per_page=20)
        results[q] = (r.total, tuple((h.id, round(h.score, 6)) for h in r.hits))
    return Signature(library.stats()["reports"], results)


def records(index: Path) -> tuple[list, list]:
    """(id, hash) of every live report, from the segments' companion files and
    from Whoosh's stored fields (duplicates would show in the second)."""
    from whoosh import index as whoosh_index

    from search.store import Snapshot
    snap = Snapshot.open(index)
    ours = []
    for part in snap.parts:
        hashes = part.data.meta.file_hash
        ours += [(part.data.id(d), bytes(hashes[d]).hex()) for d in range(part.data.n)
                 if not part.deleted[d]]
    ix = whoosh_index.open_dir(index)
    with ix.searcher() as s:
        stored = sorted((f["id"], f["hash"]) for f in s.all_stored_fields())
    return sorted(ours), stored


def leftovers(index: Path) -> list[str]:
    """Files the live commit does not list: other segments' files, other
    tables of contents, temporary files."""
    from whoosh import index as whoosh_index
    ix = whoosh_index.open_dir(index)
    live = {s.segment_id() for s in ix._read_toc().segments}
    toc = f"_MAIN_{ix.latest_generation()}.toc"
    keep = {".lock", "MAIN_WRITELOCK", *CACHES, toc}
    return sorted(p.name for p in index.iterdir()
                  if p.name not in keep and p.name.partition(".")[0] not in live)


# ------------------------------------------------------------------ runs

def index_command(corpus: Path, index: Path, jobs: int = 2, rebuild: bool = False) -> list[str]:
    return [sys.executable, "-m", "search", "index", str(corpus), "--index", str(index),
            "--jobs", str(jobs)] + (["--rebuild"] if rebuild else [])


def run_index(corpus: Path, index: Path, jobs: int = 2, rebuild: bool = False,
              env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(index_command(corpus, index, jobs, rebuild), cwd=ROOT,
                          env={**os.environ, **(env or {})}, capture_output=True,
                          text=True, encoding="utf-8", timeout=RUN_TIMEOUT)


def killed_run(corpus: Path, index: Path, jobs: int, point: str | None,
               kill_after: float | None, rebuild: bool = False) -> tuple[int, int]:
    """Start an update and let it die at `point`, or SIGKILL it from outside
    after `kill_after` seconds. Returns (pid, exit code)."""
    env = {**os.environ}
    env.pop("REPORTS_PAUSE_AT", None)
    if point:
        env["REPORTS_CRASH_AT"] = point
    proc = subprocess.Popen(index_command(corpus, index, jobs, rebuild), cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if kill_after is not None:
            try:
                proc.wait(timeout=kill_after)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
        return proc.pid, proc.wait(timeout=RUN_TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def crash_case(scenario: Scenario, point: str | None, jobs: int = 2,
               kill_after: float | None = None, rebuild: bool = False) -> CaseResult:
    """One kill of an update (or of a `--rebuild`) and its recovery, in a
    fresh copy of the old index. The rerun is a plain `reports index`."""
    name = (point or f"external kill at {kill_after:.2f} s") + (" (--rebuild)" if rebuild else "")
    slug = "".join(c if c.isalnum() else "-" for c in name)
    index = scenario.base / f"case-{slug}-j{jobs}"
    shutil.rmtree(index, ignore_errors=True)
    shutil.copytree(scenario.old_index, index)
    pid, code = killed_run(scenario.corpus, index, jobs, point, kill_after, rebuild)
    result = CaseResult(name, jobs, killed=code == -signal.SIGKILL, state="", crashed_pid=pid,
                        writelock_left=(index / "MAIN_WRITELOCK").exists())
    try:
        seen = signature(index)
    except Exception as exc:  # the very failure this harness looks for
        seen, result.state = None, f"error: {type(exc).__name__}: {exc}"
    if seen is not None:
        result.state = "old" if seen == scenario.old else "new" if seen == scenario.new else "MIX"
    reader = Library(index)  # open across the rerun: its folders must survive

    started = time.perf_counter()
    rerun = run_index(scenario.corpus, index, jobs)
    result.recovery_seconds = time.perf_counter() - started
    result.rerun_code, result.rerun_output = rerun.returncode, rerun.stdout + rerun.stderr
    if rerun.returncode == 0:
        problems = []
        if records(index) != scenario.new_records:
            problems.append("ids/hashes differ from a rebuild")
        if signature(index) != scenario.new:
            problems.append("search results differ from a rebuild")
        try:
            if signature(reader) != scenario.new:
                problems.append("a reader opened before the rerun does not follow it")
        except Exception as exc:
            problems.append(f"a reader opened before the rerun failed: {exc}")
        result.leftovers = leftovers(index)
        if result.leftovers:
            problems.append("leftover folders: " + ", ".join(result.leftovers))
        result.equals_rebuild = not problems
        result.mismatch = "; ".join(problems)
    return result


def random_delays(count: int, low: float, high: float, seed: int = 7) -> list[float]:
    r = random.Random(seed)
    return [round(r.uniform(low, high), 2) for _ in range(count)]
