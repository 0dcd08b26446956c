"""What a user pays for running our server: `reports serve` started as a
subprocess, its cold start (spawn to the first answer), and its memory
after warm-up and after answering every benchmark query once over its JSON
routes, split into heap (RssAnon) and mapped index files (RssFile)."""
from __future__ import annotations

import http.client
import json
import time
from pathlib import Path
from urllib.parse import urlencode

from measure import latency, proc_cpu_s, proc_memory

from harness.served import Served

START_TIMEOUT_S = 900
IDLE_CPU_S = 0.05   # a second with less CPU than this: the background warm-up is done


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
    server = Served("--index", str(index), "--corpus", str(corpus), cwd=root, src=root, log=log, wait=False)
    try:
        # A server that finds no index it can read would build one, and its memory would show it.
        port = server.wait_banner(START_TIMEOUT_S, refuse="还没有索引")
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
