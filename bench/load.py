"""Load test of `reports serve`: throughput, latency percentiles, errors and
the server's memory under many concurrent clients, plus the latency of phrase
lookups of very common strings.

    python bench/load.py [--docs 10000] [--clients 50] [--seconds 30] [--threads 8]
                         [--drivers 1] [--rounds 1] [--timeout 30] [--reuse] [--commit REV]
                         [--skip-phrase] [--seed 1] [--out bench/results-load.json]

Steps (see bench/README.md, section "Load"):
 1. the generated corpus (bench/.cache/corpus-N-SEED/, shared with run.py) and
    an index of it built by `reports index` into bench/.cache/load-N-SEED/index
    (kept: --reuse updates it incrementally instead of rebuilding it);
 2. `reports serve --port 0 --threads T` as a subprocess; wait for /healthz,
    for the background warm-up of the texts (the server's CPU goes idle), and
    send one request of each kind;
 3. alone, one request at a time: /phrase.json latency of very common strings
    (的, 工作, ，, 了, 是) against ordinary phrases, 20 requests each, and
    whether 的 pages lazily (page 1 vs page 50 vs every line built);
 4. the load: --drivers child processes (bench/load_client.py) run
    --clients keep-alive HTTP/1.1 connections in all, one per thread, for
    --seconds, with a weighted mix of search, phrase and report requests;
    meanwhile the server's RSS is sampled every 0.2 s from /proc
    (--rounds repeats this step against the same server);
 5. tables, and the JSON result file. Exit status 1 if any request failed.

Every loop is bounded: each request has a socket timeout, each phase a
deadline, the drivers are killed if they overrun, and the server is killed
in a finally block.

The parts: load_mix.py (the traffic and the check of every answer),
load_client.py (the keep-alive client and the driver processes),
load_sampling.py (the server's memory and CPU from /proc), load_tables.py
(the summaries and tables); the server itself is harness.served.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repo root first: its search/, harness/

from load_client import Client
from load_mix import ORDINARY_PHRASES, VERY_COMMON
from load_sampling import RssSampler, machine_busy_s, proc_cpu_s, proc_memory
from load_tables import PHRASE_BUDGET_MS, pct, summarize, tables

from harness.served import Served

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent

CACHE = BENCH / ".cache"
START_TIMEOUT_S = 300       # server start (it loads the generation)
WARM_TIMEOUT_S = 180        # background warm-up of the texts


def say(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ---------------------------------------------------------------- the server

def wait_ready(server: Served, port: int) -> dict:
    """/healthz answers, then the background warm-up finishes (the server's
    CPU stays idle for a second), then one request of each kind."""
    client = Client("127.0.0.1", port, 30)
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            status, body = client.get("/healthz")
            if status == 200:
                health = json.loads(body)
                break
        except OSError:
            pass
        if time.monotonic() > deadline or server.proc.poll() is not None:
            raise RuntimeError(f"/healthz did not answer (see {server.log_path})")
        time.sleep(0.2)
    t0 = time.monotonic()
    last = proc_cpu_s(server.pid)
    while time.monotonic() - t0 < WARM_TIMEOUT_S:
        time.sleep(1.0)
        now = proc_cpu_s(server.pid)
        if now - last < 0.05:
            break
        last = now
    warm_s = time.monotonic() - t0
    warmup = {}
    for path in ("/search.json?q=会议", "/search?q=党建", "/phrase.json?q=高质量发展", "/phrase.json?q=的",
                 "/phrase?q=工作&sort=left", "/search.json?q=党建 乡村振兴&year=2020"):
        t = time.perf_counter()
        status, _ = client.get(quote(path, safe="/?=&"))
        warmup[path] = {"status": status, "ms": round((time.perf_counter() - t) * 1000, 1)}
    client.close()
    return {"health": health, "warm_wait_s": round(warm_s, 1), "warmup": warmup}


# ---------------------------------------------------------------- phrase latency alone

def series(client: Client, path: str, n: int, server_pid: int, cold: bool = False) -> dict:
    """n sequential requests of one path: first, median, p95, the server's CPU
    time per request (less skewed than wall time when other processes compete
    for the cores), and the JSON of the last. `cold`: each request with a
    year range of its own that every report is in, so the server keeps no
    earlier answer to reuse (phrase lookup keeps recent phrases' matches)."""
    ms, data, status = [], None, None
    cpu0 = proc_cpu_s(server_pid)
    for k in range(n):
        t = time.perf_counter()
        status, body = client.get(f"{path}&year=1000-{3000 + k}" if cold else path)
        ms.append((time.perf_counter() - t) * 1000)
        if status != 200:
            break
        data = json.loads(body)
    cpu_ms = (proc_cpu_s(server_pid) - cpu0) * 1000 / len(ms)
    return {"status": status, "n": len(ms), "first_ms": round(ms[0], 2), "median_ms": pct(ms, 50),
            "p95_ms": pct(ms, 95), "server_cpu_ms": round(cpu_ms, 1), "data": data}


def phrase_alone(port: int, server_pid: int, repeat: int = 20) -> dict:
    client = Client("127.0.0.1", port, 60)
    out: dict = {"very_common": {}, "ordinary": {}}
    busy0, srv0, own0, t0 = machine_busy_s(), proc_cpu_s(server_pid), sum(os.times()[:2]), time.monotonic()
    try:
        for group, phrases in (("very_common", VERY_COMMON), ("ordinary", ORDINARY_PHRASES)):
            for p in phrases:
                s = series(client, f"/phrase.json?{urlencode({'q': p})}", repeat, server_pid, cold=True)
                d = s.pop("data") or {}
                out[group][p] = {**s, "accepted": s["status"] == 200,
                                 "total_occurrences": d.get("total_occurrences"),
                                 "total_reports": d.get("total_reports"),
                                 "within_budget": s["p95_ms"] is not None and s["p95_ms"] <= PHRASE_BUDGET_MS}
        # Lazy paging of 的: page 1 and page 50 in rank order make only the
        # lines up to that page (total_lines is null: not counted to the end);
        # sort=left builds and sorts the lines of the first 10 000 occurrences.
        lazy = {}
        for name, args, n in (("page1", {"q": "的"}, repeat), ("page50", {"q": "的", "page": 50}, 10),
                              ("all_lines_sort_left", {"q": "的", "sort": "left"}, 5)):
            s = series(client, f"/phrase.json?{urlencode(args)}", n, server_pid, cold=True)
            d = s.pop("data") or {}
            lazy[name] = {**s, "total_lines": d.get("total_lines"), "lines": len(d.get("lines", [])),
                          "pages": d.get("pages")}
        p1 = lazy["page1"]
        lazy["pages_lazily"] = bool(p1["total_lines"] is None and p1["median_ms"] is not None
                                    and p1["median_ms"] <= PHRASE_BUDGET_MS)
        out["lazy_的"] = lazy
    finally:
        client.close()
    busy = machine_busy_s() - busy0 - (proc_cpu_s(server_pid) - srv0) - (sum(os.times()[:2]) - own0)
    out["seconds"], out["other_cpu_s"] = round(time.monotonic() - t0, 1), round(max(0.0, busy), 1)
    return out


# ---------------------------------------------------------------- load

def run_load(port: int, server_pid: int, ids_file: Path, args) -> dict:
    """Start the driver processes, sample the server meanwhile, gather their records."""
    per = [args.clients // args.drivers + (1 if k < args.clients % args.drivers else 0)
           for k in range(args.drivers)]
    procs = []
    busy0, srv0 = machine_busy_s(), proc_cpu_s(server_pid)
    mem_start = proc_memory(server_pid)
    wall0 = time.monotonic()
    with RssSampler(server_pid) as sampler:
        try:
            for k, threads in enumerate(per):
                spec = {"host": "127.0.0.1", "port": port, "threads": threads, "seconds": args.seconds,
                        "timeout": args.timeout, "seed": args.seed * 10 + k, "ids_file": str(ids_file)}
                procs.append(subprocess.Popen([sys.executable, str(BENCH / "load_client.py"), json.dumps(spec)],
                                              stdout=subprocess.PIPE, text=True, encoding="utf-8", cwd=ROOT))
            outputs = []
            for p in procs:
                left = max(1.0, wall0 + args.seconds + args.timeout + 60 - time.monotonic())
                out, _ = p.communicate(timeout=left)
                if p.returncode != 0:
                    raise RuntimeError(f"a driver process failed with exit code {p.returncode}")
                outputs.append(json.loads(out.strip().splitlines()[-1]))
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
                    p.wait(timeout=10)
    busy1, srv1 = machine_busy_s(), proc_cpu_s(server_pid)
    mem_end = proc_memory(server_pid)
    window = max(o["ended"] for o in outputs) - min(o["started"] for o in outputs)
    driver_cpu = sum(o["cpu_s"] for o in outputs)
    # What the machine did besides the server and the drivers (other agents' tests).
    # Drivers' startup is included in `busy` but not in their cpu_s: a small overcount.
    other = max(0.0, (busy1 - busy0) - (srv1 - srv0) - driver_cpu)
    requests = [r for o in outputs for r in o["requests"]]
    samples = sampler.samples or [(time.monotonic(), mem_end)]
    def mib(kib: int) -> float:
        return round(kib / 1024, 1)

    def peaks(key: str) -> dict:
        """Peak of `key` up to each quarter of the run: still rising at 100 % means not yet bounded."""
        t_first, t_last = samples[0][0], samples[-1][0]
        return {f"{int(q * 100)}%": mib(max(m[key] for t, m in samples if t <= t_first + q * (t_last - t_first)))
                for q in (0.25, 0.5, 0.75, 1.0)}
    return {
        "window_s": round(window, 2), "drivers": args.drivers, "threads_per_driver": per,
        "count": len(requests), "errors": sum(1 for r in requests if r[4]),
        "connections_opened": sum(o["connections"] for o in outputs),
        "stuck_threads": sum(o["stuck_threads"] for o in outputs),
        "cpu": {"server_s": round(srv1 - srv0, 1), "drivers_s": round(driver_cpu, 1),
                "other_s": round(other, 1), "server_cores": round((srv1 - srv0) / window, 2),
                # Less sensitive to the other processes than req/s: what the server does per CPU second.
                "requests_per_server_cpu_s": round(len(requests) / max(srv1 - srv0, 0.01), 1)},
        "rss_mb": {"start": mib(mem_start["VmRSS"]), "end": mib(mem_end["VmRSS"]),
                   "peak_sampled": mib(max(m["VmRSS"] for _, m in samples)), "peak_hwm": mib(mem_end["VmHWM"]),
                   "peak_by_quarter_of_run": peaks("VmRSS")},
        "anon_mb": {"start": mib(mem_start["RssAnon"]), "end": mib(mem_end["RssAnon"]),
                    "peak_sampled": mib(max(m["RssAnon"] for _, m in samples)),
                    "peak_by_quarter_of_run": peaks("RssAnon")},
        "file_mb": {"start": mib(mem_start["RssFile"]), "end": mib(mem_end["RssFile"])},
        "requests": requests,
    }



# ---------------------------------------------------------------- corpus and index

def engine_source(commit: str | None) -> Path:
    """Where the served code comes from: the working tree, or with --commit a
    snapshot of search/ and web/ at that commit in a temporary folder (other
    people's half-done edits in the tree then do not end up measured)."""
    if not commit:
        return ROOT
    dest = Path(tempfile.mkdtemp(prefix="load-engine-"))
    tar = subprocess.run(["git", "archive", "--format=tar", commit, "search", "web"],
                         cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=tar, check=True)
    return dest


def engine_env(src: Path) -> dict:
    return {**os.environ, "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(src), os.environ.get("PYTHONPATH")]))}


def engine_state(commit: str | None) -> dict:
    """Which code was measured: the commit, and the uncommitted files of the tree if it was served."""
    def git(*a: str) -> str:
        return subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()
    if commit:
        return {"commit": git("rev-parse", "--short", commit), "snapshot": True}
    dirty = [line[3:] for line in git("status", "--porcelain", "--", "search", "web").splitlines()]
    return {"commit": git("rev-parse", "--short", "HEAD"), "uncommitted": dirty}


def ensure_index(docs: int, seed: int, reuse: bool, src: Path) -> tuple[Path, Path, Path, dict]:
    from corpus_cache import ensure_corpus  # noqa: I001 (the cache shared with run.py; then the engine)
    from search.searcher import Library

    corpus = ensure_corpus(docs, seed)
    work = CACHE / f"load-{docs}-{seed}"
    index = work / "index"
    info: dict = {"corpus": str(corpus.relative_to(ROOT)), "index": str(index.relative_to(ROOT))}
    work.mkdir(parents=True, exist_ok=True)
    # With --reuse an incremental run: nothing to do when the index is current,
    # a rebuild when the served code reads another index format.
    cmd = [sys.executable, "-m", "search", "index", str(corpus), "--index", str(index)]
    if not reuse:
        shutil.rmtree(index, ignore_errors=True)
        cmd.append("--rebuild")
    say(f"index: {'updating' if reuse else 'building'} {index.relative_to(ROOT)}/ from {docs} reports…")
    t0 = time.perf_counter()
    with open(work / "index.log", "w", encoding="utf-8") as log:
        subprocess.run(cmd, check=True, stdout=log, stderr=subprocess.STDOUT, cwd=src, timeout=3600,
                       env=engine_env(src))
    info["index_s"] = round(time.perf_counter() - t0, 1)
    summary = [line for line in (work / "index.log").read_text("utf-8").splitlines() if line.startswith("新增")]
    say(f"index: done in {info['index_s']} s ({summary[-1] if summary else 'see index.log'})")
    ids = Library(index).snapshot().ids()
    ids_file = work / "ids.json"
    ids_file.write_text(json.dumps(ids, ensure_ascii=False), "utf-8")
    info["reports"] = len(ids)
    return corpus, index, ids_file, info


# ---------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Load test of `reports serve` over loopback.")
    ap.add_argument("--docs", type=int, default=10000, help="generated reports (default 10000)")
    ap.add_argument("--clients", type=int, default=50, help="concurrent keep-alive clients (default 50)")
    ap.add_argument("--seconds", type=float, default=30.0, help="duration of the load (default 30)")
    ap.add_argument("--threads", type=int, default=8, help="waitress threads of the server (default 8)")
    ap.add_argument("--drivers", type=int, default=1,
                    help="client processes the clients are spread over (default 1)")
    ap.add_argument("--rounds", type=int, default=1,
                    help="run the load this many times against the same server (is its memory bounded?)")
    ap.add_argument("--timeout", type=float, default=30.0, help="per-request timeout, seconds (default 30)")
    ap.add_argument("--reuse", action="store_true",
                    help="serve the cached index in bench/.cache/load-N-SEED/ instead of rebuilding it")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--commit", metavar="REV",
                    help="serve search/ and web/ as of this commit (a snapshot in /tmp) instead of the working tree")
    ap.add_argument("--skip-phrase", action="store_true", help="skip the phrase latency measurement")
    ap.add_argument("--out", type=Path, default=BENCH / "results-load.json")
    args = ap.parse_args(argv)
    if not 1 <= args.drivers <= args.clients:
        ap.error("--drivers must be between 1 and --clients")
    if args.rounds < 1 or args.seconds <= 0 or args.timeout <= 0:
        ap.error("--rounds, --seconds and --timeout must be positive")

    started = time.perf_counter()
    engine = engine_state(args.commit)
    src = engine_source(engine["commit"] if args.commit else None)  # the commit resolved once
    try:
        corpus, index, ids_file, info = ensure_index(args.docs, args.seed, args.reuse, src)
        server = Served("--threads", str(args.threads), "--index", str(index), "--corpus", str(corpus), cwd=src,
                        src=src, log=CACHE / f"load-{args.docs}-{args.seed}" / "serve.log", wait=False)
    except BaseException:
        if src != ROOT:
            shutil.rmtree(src, ignore_errors=True)
        raise
    try:
        # A server that finds no index it can read would build one, and its memory would show it.
        port = server.wait_banner(START_TIMEOUT_S, refuse="还没有索引")
        say(f"server: pid {server.pid}, port {port}, {args.threads} threads; waiting for it to warm up…")
        ready = wait_ready(server, port)
        rss_ready = proc_memory(server.pid)["VmRSS"] / 1024
        say(f"server: ready after {ready['warm_wait_s']} s of warm-up, RSS {rss_ready:.0f} MiB")
        phrase = None if args.skip_phrase else phrase_alone(port, server.pid)
        if not args.skip_phrase:
            say("phrase latencies alone: done")
        say(f"load: {args.clients} clients in {args.drivers} process(es) for {args.seconds:g} s…")
        rounds, requests = [], []
        for k in range(args.rounds):
            if args.rounds > 1:
                say(f"load: round {k + 1} of {args.rounds}")
            load = run_load(port, server.pid, ids_file, args)
            requests += load.pop("requests")
            rounds.append(load)
        alive = server.proc.poll() is None
    finally:
        server.stop()
        if src != ROOT:
            shutil.rmtree(src, ignore_errors=True)

    summary = summarize(requests, sum(r["window_s"] for r in rounds))
    result = {
        "reports": info["reports"], "clients": args.clients, "seconds": args.seconds,
        "threads": args.threads, "drivers": args.drivers, "timeout_s": args.timeout,
        "cores": os.cpu_count(), "engine": engine, "setup": info,
        "server": {"alive_after_load": alive, "rss_ready_mb": round(rss_ready, 1), **ready},
        "summary": summary, "phrase_alone": phrase, "rounds": rounds,
        "first_errors": [r[4] for r in requests if r[4]][:20],
        "run_seconds": round(time.perf_counter() - started, 1),
    }
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1), "utf-8")
    print(tables(result))
    say(f"results written to {args.out} (run took {result['run_seconds']:.0f} s)")
    failed = summary["overall"]["errors"] or any(r["stuck_threads"] for r in rounds) or not alive
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
