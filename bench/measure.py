"""Measuring helpers: child processes with peak memory, a process's memory
split into heap and mapped files, latency statistics, and the CPU that
other processes used while we measured."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

PAGE = os.sysconf("SC_PAGE_SIZE")
TICK = os.sysconf("SC_CLK_TCK")
MB = 1024 * 1024
MIN_OWN_CPU_S = 20.0  # CPU seconds of ours before a run may be refused midway
TREE_EVERY = 5        # polls of a child's memory between two listings of its process tree
PSS_EVERY = 10        # polls between two readings of its PSS (costly: see run_child)


@dataclass
class ChildRun:
    wall_s: float
    peak_tree_rss_mb: float     # largest sum of RSS over the child and its descendants
    peak_tree_pss_mb: float     # same with PSS (shared pages counted once, split)
    max_process_rss_mb: float   # ru_maxrss of the biggest single process (kernel's figure)
    output: dict                # the JSON the child printed on its last stdout line


def _children_map() -> dict[int, list[int]]:
    """ppid -> pids, from /proc/*/stat."""
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(entry))
    return kids


def tree(pid: int) -> list[int]:
    kids, out, todo = _children_map(), [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, ()))
    return out


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * PAGE
    except OSError:
        return 0


def _pss(pid: int) -> int:
    """The process's PSS (shared pages split): the kernel walks its page
    tables for it, 7-10 ms of CPU for a build process of 1 GB."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return _rss(pid)


def run_child(args: list[str], poll_s: float = 0.2, log: Path | None = None,
              stdin: str | None = None) -> ChildRun:
    """Run `python args...`, sampling the memory of its process tree.

    The child must print one JSON object as its last line of stdout."""
    started = time.perf_counter()
    err = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115 (closed below, after the child)
    proc = subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE, stderr=err, text=True,
                            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL)
    if stdin is not None:
        proc.stdin.write(stdin)
        proc.stdin.close()
    peak_rss = peak_pss = 0
    out_chunks: list[str] = []
    # Read stdout in a thread so that the sampling loop never blocks on it.
    reader = threading.Thread(target=lambda: out_chunks.append(proc.stdout.read()), daemon=True)
    reader.start()
    polls = 0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        # RSS every poll (one read of statm), the process tree every second
        # and PSS every PSS_EVERY polls: walking a big build's page tables
        # five times a second took a quarter of a core from the build measured.
        if polls % TREE_EVERY == 0:
            members = tree(proc.pid)
        peak_rss = max(peak_rss, sum(_rss(p) for p in members))
        if polls % PSS_EVERY == 0:
            peak_pss = max(peak_pss, sum(_pss(p) for p in members))
        polls += 1
        time.sleep(poll_s)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    reader.join()
    if log:
        err.close()
    text = "".join(out_chunks).strip()
    if proc.returncode != 0:
        where = f" (see {log})" if log else ""
        raise RuntimeError(f"child {' '.join(args[:2])} failed with exit code {proc.returncode}{where}")
    output = json.loads(text.splitlines()[-1]) if text else {}
    return ChildRun(wall_s=wall, peak_tree_rss_mb=peak_rss / MB, peak_tree_pss_mb=peak_pss / MB,
                    max_process_rss_mb=usage.ru_maxrss / 1024, output=output)


def proc_memory(pid: int) -> dict | None:
    """RSS of a process split as the kernel does: RssAnon (heap), RssFile
    (pages of mapped files, e.g. a memory-mapped index, which the kernel can
    drop and re-read), and VmHWM (its peak RSS), in MiB."""
    wanted = {"VmRSS": "rss_mb", "RssAnon": "rss_anon_mb", "RssFile": "rss_file_mb",
              "RssShmem": "rss_shmem_mb", "VmHWM": "peak_rss_mb"}
    out: dict = {}
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                key, _, value = line.partition(":")
                if key in wanted:
                    out[wanted[key]] = round(int(value.split()[0]) / 1024, 1)
    except OSError:
        return None
    return out


def proc_cpu_s(pid: int) -> float:
    """CPU seconds of a process and of its children it has reaped."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read()
    except OSError:
        return 0.0
    f = stat[stat.rindex(b")") + 2:].split()
    return sum(int(x) for x in f[11:15]) / TICK  # utime stime cutime cstime


def latency(ms: list[float]) -> dict:
    """Median, p95 (linear interpolation) and count of a list of milliseconds."""
    if not ms:
        return {"median_ms": None, "p95_ms": None, "n": 0}
    a = np.asarray(ms, dtype=float)
    return {"median_ms": round(float(np.median(a)), 2),
            "p95_ms": round(float(np.percentile(a, 95)), 2),
            "max_ms": round(float(a.max()), 2), "n": len(ms)}


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def self_peak_rss_mb() -> float:
    return (proc_memory(os.getpid()) or {}).get("peak_rss_mb", 0.0)


def self_rss_mb() -> float:
    return (proc_memory(os.getpid()) or {}).get("rss_mb", 0.0)


# ---------------------------------------------------------------- noise

def _machine_busy_s() -> float:
    """Busy CPU seconds of the whole machine since boot (idle and iowait excluded)."""
    with open("/proc/stat") as fh:
        v = [int(x) for x in fh.readline().split()[1:9]]
    return (sum(v) - v[3] - v[4]) / TICK


def own_cpu_s() -> float:
    """CPU seconds of this process and everything under it, live or reaped."""
    return sum(proc_cpu_s(p) for p in tree(os.getpid()))


class CpuWatch:
    """CPU that other processes used during each step of the run. Our own
    is this process's tree (live children read from /proc, reaped ones in
    its cutime); the rest of the machine's busy time is someone else's."""

    def __init__(self, limit: float = 0.10):
        self.limit = limit
        self.steps: dict[str, dict] = {}
        self._open: tuple[str, float, float, float] | None = None

    def step(self, name: str | None) -> None:
        """End the current step (if any) and start `name` (None: just end)."""
        now, busy, own = time.perf_counter(), _machine_busy_s(), own_cpu_s()
        if self._open:
            prev, t0, busy0, own0 = self._open
            mine = max(0.0, own - own0)
            other = max(0.0, (busy - busy0) - mine)
            self.steps[prev] = {"seconds": round(now - t0, 1), "own_cpu_s": round(mine, 1),
                                "other_cpu_s": round(other, 1),
                                "other_share": round(other / mine, 3) if mine else None}
        self._open = (name, now, busy, own) if name else None

    def total(self) -> dict:
        own = sum(s["own_cpu_s"] for s in self.steps.values())
        other = sum(s["other_cpu_s"] for s in self.steps.values())
        return {"own_cpu_s": round(own, 1), "other_cpu_s": round(other, 1),
                "other_share": round(other / own, 3) if own else None, "limit": self.limit}

    def too_noisy(self, final: bool = True) -> bool:
        """Other processes used more than `limit` of the CPU we used. Before
        the end (final=False), judged only once we used MIN_OWN_CPU_S, so a
        short blip at the start does not decide."""
        t = self.total()
        if t["other_share"] is None or (not final and t["own_cpu_s"] < MIN_OWN_CPU_S):
            return False
        return t["other_share"] > self.limit
