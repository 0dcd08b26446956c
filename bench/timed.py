"""The timed query run: every system answers every query it can, the
systems interleaved query by query (their order rotated each time), each
query repeated REPS times a system (the median counts), so that a burst of
load on the machine hits every system alike.

Indexed systems run as worker processes (ours, SQLite, tantivy: one each,
JSON lines over a pipe, timed inside the worker around the call alone);
ripgrep and grep are spawned per query by this process.
"""
from __future__ import annotations

import json
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from measure import proc_memory

from search.analysis import fold

REPS = 3
GREP_CLASSES = {"rare", "common", "short", "subword", "crossword", "punct", "latin"}  # totals only


class WorkerClient:
    """A worker process (bench/ours.py, peer_sqlite.py, peer_tantivy.py `worker`)."""

    def __init__(self, name: str, argv: list[str], log: Path, cwd: Path | None = None):
        self.name = name
        self.log = open(log, "w", encoding="utf-8")  # noqa: SIM115 (closed in close())
        self.started = time.perf_counter()
        self.proc = subprocess.Popen([sys.executable, *argv], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log, text=True, encoding="utf-8", bufsize=1, cwd=cwd)
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{name}: the worker exited with {self.proc.wait()} (see {log})")
        self.ready = json.loads(line)
        self.cold_start_s: float | None = None

    def ask(self, request: dict) -> dict:
        self.proc.stdin.write(json.dumps(request, ensure_ascii=False) + "\n")
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.name}: the worker died (see {self.log.name})")
        answer = json.loads(line)
        if self.cold_start_s is None:  # spawn to the first answer
            self.cold_start_s = time.perf_counter() - self.started
        if "error" in answer:
            raise RuntimeError(f"{self.name}: {answer['error']} on {request}")
        return answer

    def memory(self) -> dict | None:
        return proc_memory(self.proc.pid)

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write('{"op": "quit"}\n')
                self.proc.stdin.close()
                self.proc.wait(timeout=60)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        self.log.close()


@dataclass
class System:
    name: str
    answers: Callable[[dict], bool]
    run: Callable[[dict], dict]


def ours_system(client: WorkerClient) -> System:
    def run(item: dict) -> dict:
        if item["kind"] == "keyword":
            return client.ask({"op": "keyword", "q": item["q"]})
        return client.ask({"op": "phrase", "phrase": item["q"], "sort": item["sort"], "page": item["page"]})
    return System("ours", lambda item: True, run)


def peer_system(client: WorkerClient) -> System:
    """SQLite or tantivy: folded strings, as their texts are folded."""
    def run(item: dict) -> dict:
        if item["kind"] == "keyword":
            return client.ask({"op": "keyword", "terms": [fold(t) for t in item["terms"]],
                               "filter": item["filter"]})
        return client.ask({"op": "phrase", "phrase": fold(item["q"]), "sort": item["sort"],
                           "page": item["page"]})
    return System(client.name, lambda item: True, run)


def grep_system(peer) -> System:
    return System(peer.name, lambda item: item["kind"] == "phrase" and item["cls"] in GREP_CLASSES,
                  lambda item: peer.phrase(fold(item["q"])))


def warm_up(systems: list[System], warmup: dict) -> None:
    """One keyword and one phrase query each (and the page cache for grep)."""
    for s in systems:
        for kind, q in (("keyword", warmup["keyword"]), ("phrase", warmup["phrase"])):
            item = {"kind": kind, "cls": "common", "q": q, "terms": [q], "filter": None, "sort": "rank", "page": 1}
            if s.answers(item):
                s.run(item)


def run_interleaved(systems: list[System], items: list[dict], seed: int, say) -> dict[str, dict]:
    """{system: {item n: {ms (median of REPS), ms_all, answer fields}}}."""
    order = list(items)
    random.Random(seed).shuffle(order)  # classes mixed, so slow drift spreads over all of them
    out: dict[str, dict] = {s.name: {} for s in systems}
    started, last = time.perf_counter(), time.perf_counter()
    for idx, item in enumerate(order):
        active = [s for s in systems if s.answers(item)]
        if not active:  # e.g. a keyword query when only ripgrep runs
            continue
        runs: dict[str, list[dict]] = {s.name: [] for s in active}
        for rep in range(REPS):
            k = (idx + rep) % len(active)
            for s in active[k:] + active[:k]:
                runs[s.name].append(s.run(item))
        for name, answers in runs.items():
            first = answers[0]
            same = all({k: v for k, v in a.items() if k != "ms"} == {k: v for k, v in first.items() if k != "ms"}
                       for a in answers)
            out[name][item["n"]] = {**{k: v for k, v in first.items() if k != "ms"},
                                    "ms": statistics.median(a["ms"] for a in answers),
                                    "ms_all": [round(a["ms"], 3) for a in answers], "repeatable": same}
        if time.perf_counter() - last > 30:
            last = time.perf_counter()
            done = (idx + 1) / len(order)
            say(f"queries: {idx + 1}/{len(order)} done, ~{(last - started) / done * (1 - done):.0f} s to go")
    return out
