"""The client side of the load test: one keep-alive HTTP/1.1 connection a
thread, and a driver process (this file, started by bench/load.py with a
JSON spec) running its share of the client threads until the deadline and
printing every request's record as JSON.

    python bench/load_client.py SPEC_JSON
"""
from __future__ import annotations

import http.client
import json
import os
import sys
import threading
import time
from pathlib import Path

from load_mix import RequestMix, check


class Client:
    """One keep-alive HTTP/1.1 connection, reopened only after a failure or
    when the server closes it."""

    def __init__(self, host: str, port: int, timeout: float):
        self.host, self.port, self.timeout = host, port, timeout
        self.conn: http.client.HTTPConnection | None = None
        self.connections = 0

    def get(self, path: str) -> tuple[int, bytes]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self.connections += 1
        try:
            self.conn.request("GET", path)
            resp = self.conn.getresponse()
            body = resp.read()
            if resp.will_close:
                self.close()
            return resp.status, body
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def drive(spec: dict) -> dict:
    """Run spec["threads"] client threads until spec["seconds"] have passed.
    Every request is recorded: (kind, fmt, cls, ms, error)."""
    ids = json.loads(Path(spec["ids_file"]).read_text("utf-8"))
    results: list[list] = [[] for _ in range(spec["threads"])]
    connections = [0] * spec["threads"]
    barrier = threading.Barrier(spec["threads"] + 1)
    bounds: dict = {}

    def worker(k: int) -> None:
        mix = RequestMix(spec["seed"] * 1000 + k, ids)
        client = Client(spec["host"], spec["port"], spec["timeout"])
        out = results[k]
        barrier.wait()
        deadline = bounds["deadline"]
        try:
            while time.monotonic() < deadline:
                req = mix.next()
                t0 = time.perf_counter()
                try:
                    status, body = client.get(req.path)
                    error = check(req, status, body)
                except Exception as exc:  # noqa: BLE001 (timeout, reset, refused: an error like any other)
                    error = f"{type(exc).__name__}: {exc}"
                ms = (time.perf_counter() - t0) * 1000
                out.append((req.kind, req.fmt, req.cls, round(ms, 3), error and f"{req.path} -> {error}"))
        finally:
            client.close()
            connections[k] = client.connections

    threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(spec["threads"])]
    for t in threads:
        t.start()
    cpu0 = os.times()
    bounds["deadline"] = time.monotonic() + spec["seconds"]
    started = time.time()
    barrier.wait()
    for t in threads:
        # A thread stops by itself at the deadline, after at most one request timeout.
        t.join(timeout=spec["seconds"] + spec["timeout"] + 10)
    ended = time.time()
    cpu1 = os.times()
    return {"started": started, "ended": ended, "threads": spec["threads"],
            "stuck_threads": sum(t.is_alive() for t in threads),
            "connections": sum(connections),
            "cpu_s": round(cpu1.user + cpu1.system - cpu0.user - cpu0.system, 2),
            "requests": [r for rows in results for r in list(rows)]}


def client_main(spec_json: str) -> None:
    print(json.dumps(drive(json.loads(spec_json)), ensure_ascii=False))


if __name__ == "__main__":
    client_main(sys.argv[1])
