"""Fuzz a real `reports serve` over loopback with generated hostile requests.

    python bench/fuzz.py [--requests 10000] [--seed 1] [--connections 4] [--show 20]

Builds an index of the seed reports (corpus/*.txt) in a temporary folder,
starts `python -m search serve --port 0` on it, and sends requests generated
by the Hypothesis strategies in harness/fuzz.py (the same ones
tests/test_fuzz.py runs a few hundred of): random Unicode with controls,
lone surrogates and invalid UTF-8 percent-encoded in raw URLs, unbalanced
quotes and parentheses, bad field filters, huge and malformed page numbers,
very long queries, traversal in report ids and static paths. Every answer is
checked as in the tests: no 5xx, the status the contract allows, JSON that
parses (with the error envelope on errors), complete HTML with no foreign
script, the security headers. Prints the count by route and status and the
number of server errors; exits 1 if there is any server error, any failed
check, or a traceback in the server's log. A URL longer than waitress's
256 KiB request-head limit gets waitress's own plain-text 431, which is
counted but not checked as an app answer.
"""
from __future__ import annotations

import argparse
import http.client
import queue
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repo root first: its search/, harness/

from hypothesis import HealthCheck, Phase, given, seed, settings

from harness.fuzz import FuzzRequest, problems, requests
from harness.paths import copy_seeds
from harness.served import Served
from search.indexer import index_corpus

# waitress answers a request whose head is longer than this itself, with a
# plain-text 431, before the app sees it (its max_request_header_size).
MAX_REQUEST_HEAD = 262144


def route(url: str) -> str:
    """The route a URL is aimed at, for the table."""
    path = url.split("?", 1)[0]
    if path.startswith("/report/"):
        suffix = ".json" if path.endswith(".json") else "/original" if path.endswith("/original") else ""
        return "/report/<id>" + suffix
    if path.startswith("/static/"):
        return "/static/<file>"
    if path in ("/", "/healthz", "/search", "/search.json", "/phrase", "/phrase.json"):
        return path
    return "(unknown path)"


class Sender:
    """Worker threads, each with one keep-alive connection, answering a queue."""

    def __init__(self, port: int, connections: int):
        self.port = port
        self.todo: queue.Queue[FuzzRequest | None] = queue.Queue(maxsize=1000)
        self.lock = threading.Lock()
        self.counts: Counter[tuple[str, int]] = Counter()
        self.failures: list[tuple[FuzzRequest, list[str]]] = []
        self.threads = [threading.Thread(target=self._work, daemon=True) for _ in range(connections)]
        for t in self.threads:
            t.start()

    def _work(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        while (req := self.todo.get()) is not None:
            try:
                status, headers, body = self._get(conn, req.url)
                found = problems(req, status, headers, body) if status != 431 else []
                if status == 431 and len(req.url) < MAX_REQUEST_HEAD - 1024:
                    found = [f"431 for a request head well under waitress's {MAX_REQUEST_HEAD} bytes"]
                elif status != 431 and len(req.url) > MAX_REQUEST_HEAD:
                    found.append(f"status {status} for a request head over {MAX_REQUEST_HEAD} bytes")
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                status, found = 0, [f"no answer: {exc!r}"]
            with self.lock:
                self.counts[(route(req.url), status)] += 1
                if found:
                    self.failures.append((req, found))
        conn.close()

    @staticmethod
    def _get(conn: http.client.HTTPConnection, url: str):
        for attempt in (1, 2):  # a keep-alive connection the server has closed: once more on a new one
            try:
                conn.request("GET", url)
                response = conn.getresponse()
                return response.status, response.headers, response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                conn.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def finish(self) -> None:
        for _ in self.threads:
            self.todo.put(None)
        for t in self.threads:
            t.join()


def generate(n: int, first_seed: int, sink) -> int:
    """Feed `n` generated requests to `sink`, with Hypothesis (generation only,
    no shrinking); a new seed if one run of it ends early."""
    sent = 0
    run_seed = first_seed
    while sent < n:
        @seed(run_seed)
        @settings(max_examples=n - sent, deadline=None, database=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(requests())
        def feed(req: FuzzRequest) -> None:
            nonlocal sent
            if sent < n:
                sink(req)
                sent += 1

        feed()
        run_seed += 1
    return sent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--show", type=int, default=20, help="failed requests to print")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="reports-fuzz-") as work:
        corpus, index, log = copy_seeds(Path(work) / "corpus"), Path(work) / "index", Path(work) / "server.log"
        index_corpus(corpus, index, jobs=1)
        with Served("--threads", "4", "--index", str(index), "--corpus", str(corpus), cwd=Path(work), log=log,
                    timeout=120) as server:
            sender, total, elapsed = fuzz(server.port, args)
        server_log = log.read_text(encoding="utf-8")
    report(sender, total, elapsed, server_log, args.show)
    return 1 if server_errors(sender) or sender.failures or "Traceback" in server_log or total < args.requests else 0


def fuzz(port: int, args: argparse.Namespace) -> tuple[Sender, int, float]:
    """Send the generated requests: the sender (its counts and failures), how many, in how many seconds."""
    print(f"server on 127.0.0.1:{port}; sending {args.requests} generated requests "
          f"over {args.connections} connections (seed {args.seed})", flush=True)
    sender = Sender(port, args.connections)
    started = time.perf_counter()
    total = generate(args.requests, args.seed, sender.todo.put)
    sender.finish()
    return sender, total, time.perf_counter() - started


def by_status(sender: Sender) -> Counter:
    counts: Counter = Counter()
    for (_, s), n in sender.counts.items():
        counts[s] += n
    return counts


def server_errors(sender: Sender) -> int:
    """5xx answers and requests with no answer."""
    return sum(n for s, n in by_status(sender).items() if s >= 500 or s == 0)


def report(sender: Sender, total: int, elapsed: float, server_log: str, show: int) -> None:
    """The count by route and status, the errors, the first failed checks and traceback."""
    statuses = sorted({s for _, s in sender.counts})
    routes = sorted({r for r, _ in sender.counts})
    width = max(len(r) for r in routes)
    print(f"\n{'route':<{width}} " + " ".join(f"{s:>6}" for s in statuses) + "  total")
    for r in routes:
        row = [sender.counts[(r, s)] for s in statuses]
        print(f"{r:<{width}} " + " ".join(f"{n:>6}" for n in row) + f"  {sum(row):>5}")
    counts = by_status(sender)
    print(f"{'all':<{width}} " + " ".join(f"{counts[s]:>6}" for s in statuses) + f"  {total:>5}")
    if counts[431]:
        print(f"\n431: {counts[431]} requests with a URL over waitress's {MAX_REQUEST_HEAD // 1024} KiB "
              "request-head limit, refused by waitress before the app")
    tracebacks = server_log.count("Traceback")
    print(f"\n{total} requests in {elapsed:.0f} s ({total / elapsed:.0f}/s, generation included)")
    print(f"server errors (5xx or no answer): {server_errors(sender)}")
    print(f"failed checks: {len(sender.failures)}")
    print(f"tracebacks in the server log: {tracebacks}")
    for req, found in sender.failures[:show]:
        print(f"  {req}\n    " + "; ".join(found))
    if tracebacks:
        print(server_log[server_log.index("Traceback"):][:3000])


if __name__ == "__main__":
    sys.exit(main())
