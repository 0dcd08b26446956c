"""Measuring helpers: child processes with peak memory, latency statistics."""
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
MB = 1024 * 1024


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


def _tree(pid: int) -> list[int]:
    kids, out, todo = _children_map(), [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, ()))
    return out


def _rss_pss(pid: int) -> tuple[int, int]:
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1]) * 1024
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1]) * 1024
    except OSError:
        try:
            with open(f"/proc/{pid}/statm") as fh:
                rss = pss = int(fh.read().split()[1]) * PAGE
        except OSError:
            pass
    return rss, pss


def run_child(args: list[str], poll_s: float = 0.2, log: Path | None = None) -> ChildRun:
    """Run `python args...`, sampling the memory of its process tree.

    The child must print one JSON object as its last line of stdout."""
    started = time.perf_counter()
    err = open(log, "w") if log else subprocess.DEVNULL
    proc = subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE, stderr=err, text=True)
    peak_rss = peak_pss = 0
    out_chunks: list[str] = []
    # Read stdout in a thread so that the sampling loop never blocks on it.
    reader = threading.Thread(target=lambda: out_chunks.append(proc.stdout.read()), daemon=True)
    reader.start()
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        rss = pss = 0
        for p in _tree(proc.pid):
            r, s = _rss_pss(p)
            rss, pss = rss + r, pss + s
        peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
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
    """VmHWM of this process (its peak resident set)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def self_rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * PAGE / MB
