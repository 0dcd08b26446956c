"""What a user pays for running our server: `reports serve` started as a
subprocess, its cold start (spawn to the first answer), and its memory
after warm-up and after answering every benchmark query once over its JSON
routes, split into heap (RssAnon) and mapped index files (RssFile)."""
from __future__ import annotations

import http.client
import json
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from measure import latency, proc_cpu_s, proc_memory

START_TIMEOUT_S = 900
IDLE_CPU_S = 0.05   # a second with less CPU than this: the background warm-up is done


class Server:
    """`python -m search serve --port 0`, its output in a log file."""

    def __init__(self, root: Path, index: Path, corpus: Path, log: Path):
        self.log = open(log, "w", encoding="utf-8")  # noqa: SIM115 (closed in stop())
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "search", "serve", "--port", "0", "--index", str(index), "--corpus", str(corpus)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8", cwd=root)
        self.pid = self.proc.pid
        self._lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self.log.write(line)
            self.log.flush()
            self._lines.put(line)
        self._lines.put(None)

    def port(self) -> int:
        """The port from the banner ("… open http://127.0.0.1:PORT/")."""
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                line = self._lines.get(timeout=1)
            except queue.Empty:
                continue
            if line is None:
                raise RuntimeError(f"the server exited with {self.proc.wait()} (see {self.log.name})")
            if line.startswith("no index at"):
                raise RuntimeError(f"the server found no index it can read: {line.strip()}")
            if m := re.search(r"http://127\.0\.0\.1:(\d+)/", line):
                return int(m.group(1))
        raise RuntimeError(f"the server did not start within {START_TIMEOUT_S} s (see {self.log.name})")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()


def _get(conn: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
    conn.request("GET", path)
    response = conn.getresponse()
    return response.status, response.read()


def route(item: dict) -> str:
    if item["kind"] == "keyword":
        return "/search.json?" + urlencode({"q": item["q"]})
    return "/phrase.json?" + urlencode({"q": item["q"], "sort": item["sort"], "page": item["page"]})


def wait_idle(pid: int, timeout_s: float = 600) -> float:
    """Seconds until the server's CPU stays idle for a second."""
    t0, last = time.monotonic(), proc_cpu_s(pid)
    while time.monotonic() - t0 < timeout_s:
        time.sleep(1.0)
        now = proc_cpu_s(pid)
        if now - last < IDLE_CPU_S:
            break
        last = now
    return time.monotonic() - t0


def measure_server(root: Path, index: Path, corpus: Path, items: list[dict], log: Path) -> dict:
    server = Server(root, index, corpus, log)
    try:
        port = server.port()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        first = "/search.json?" + urlencode({"q": "会议"})
        while True:  # the first answer after the start
            try:
                status, _ = _get(conn, first)
                if status == 200:
                    break
            except OSError:
                conn.close()
            if time.perf_counter() - server.started > START_TIMEOUT_S:
                raise RuntimeError("the server never answered")
            time.sleep(0.05)
        cold_start_s = time.perf_counter() - server.started
        warm_s = wait_idle(server.pid)
        after_warmup = proc_memory(server.pid)
        by_class: dict[str, list[float]] = {}
        errors = 0
        for item in items:
            t = time.perf_counter()
            status, body = _get(conn, route(item))
            by_class.setdefault(f"{item['kind']}/{item['cls']}", []).append((time.perf_counter() - t) * 1000)
            errors += status != 200 or not json.loads(body)
        after_queries = proc_memory(server.pid)
        conn.close()
        return {"cold_start_s": round(cold_start_s, 2), "warm_wait_s": round(warm_s, 1),
                "memory_after_warmup": after_warmup, "memory_after_queries": after_queries,
                "http_errors": errors, "http_ms": {c: latency(v) for c, v in by_class.items()},
                "cpu_s": round(proc_cpu_s(server.pid), 1)}
    finally:
        server.stop()
