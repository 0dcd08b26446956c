"""The server process of the load test, sampled from /proc: its memory (RSS,
heap, mapped files, peak) and CPU seconds, the machine's busy seconds (to
tell what other processes took), and a thread sampling the memory every
SAMPLE_S seconds during a load."""
from __future__ import annotations

import os
import threading
import time

SAMPLE_S = 0.2              # RSS sampling period


def proc_memory(pid: int) -> dict[str, int] | None:
    """Memory fields of /proc/<pid>/status in KiB, None once the process is gone:
    VmRSS (resident), VmHWM (its peak), RssAnon (heap: what could leak) and
    RssFile (pages of the mapped index files, which the kernel can drop)."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            return {k: int(v.split()[0]) for k, _, v in (line.partition(":") for line in fh)
                    if k in ("VmRSS", "VmHWM", "RssAnon", "RssFile")}
    except OSError:
        return None


def proc_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (all its threads)."""
    with open(f"/proc/{pid}/stat", "rb") as fh:
        fields = fh.read().rsplit(b")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_s() -> float:
    with open("/proc/stat") as fh:
        v = [int(x) for x in fh.readline().split()[1:9]]
    return (sum(v) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")


class RssSampler:
    """Samples the server's memory every SAMPLE_S seconds in a thread."""

    def __init__(self, pid: int):
        self.pid = pid
        self.samples: list[tuple[float, dict[str, int]]] = []  # (monotonic s, proc_memory)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            mem = proc_memory(self.pid)
            if mem is None:
                return
            self.samples.append((time.monotonic(), mem))
            self._stop.wait(SAMPLE_S)

    def __enter__(self):  # -> the sampler itself
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
