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
 4. the load: --drivers child processes (this file with --client) run
    --clients keep-alive HTTP/1.1 connections in all, one per thread, for
    --seconds, with a weighted mix of search, phrase and report requests;
    meanwhile the server's RSS is sampled every 0.2 s from /proc
    (--rounds repeats this step against the same server);
 5. tables, and the JSON result file. Exit status 1 if any request failed.

Every loop is bounded: each request has a socket timeout, each phase a
deadline, the drivers are killed if they overrun, and the server is killed
in a finally block.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

import numpy as np

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

CACHE = BENCH / ".cache"
MIB = 1024 * 1024
PHRASE_BUDGET_MS = 60.0     # phrase p95 at 10k reports for the JSON API (issue 4)
START_TIMEOUT_S = 300       # server start (it loads the generation)
WARM_TIMEOUT_S = 180        # background warm-up of the texts
SAMPLE_S = 0.2              # RSS sampling period

# ---------------------------------------------------------------- what is asked

# Words and phrases of the generated corpus (make_corpus.py recombines the
# seed reports): common ones occur in most reports, rare ones in a few.
COMMON_TERMS = ("党建", "党支部", "基层党组织", "乡村振兴", "主题教育", "党建引领", "班子成员",
                "充分发挥", "社会主义", "常态化", "示范点", "基层治理", "第一书记", "集体经济",
                "软弱涣散", "两新组织", "组织生活", "三会一课", "党员", "工作", "会议", "群众")
RARE_TERMS = ("远土村", "双田村", "东松村", "黄坪村", "郭红福", "坝寿镇", "董兰宏", "梅桃村",
              "网格员张杰", "住建局田辉")
COMMON_PHRASES = ("基层党组织", "党组织书记", "基层党建", "党建工作", "乡村振兴", "扎实开展",
                  "中国特色", "新时代中国", "学习贯彻", "高质量发展", "压紧压实", "党群服务中心")
RARE_PHRASES = ("凤长县北杨镇坪", "朱晓海走访", "蔡辉带领", "曹振建走访群众", "到竹柏村",
                "万元建成松石", "赵燕同志被", "周兰华带领", "网格员蒋俊福")
# Strings in (nearly) every report, hundreds of thousands of times.
VERY_COMMON = ("的", "工作", "，", "了", "是")
ORDINARY_PHRASES = ("高质量发展", "基层党建", "压紧压实", "党群服务中心", "蔡辉带领", "网格员张杰")
YEARS = tuple(range(2015, 2026))
TYPES = ("汇报", "总结", "述职报告", "讲话", "方案", "计划")
LEVELS = ("省", "市", "县", "区", "乡镇", "村", "机关")
WEIGHTS = {"search": 50, "phrase": 30, "report": 20}  # percent of requests
CHECK_KEYS = {"search": "total", "phrase": "total_occurrences", "report": "id"}


def say(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


@dataclass
class Request:
    kind: str       # search | phrase | report
    fmt: str        # json | html
    cls: str        # finer class, for the breakdown (e.g. phrase/very-common-sorted)
    path: str


class RequestMix:
    """A deterministic, weighted stream of requests (one per client thread)."""

    def __init__(self, seed: int, ids: list[str]):
        self.rng = random.Random(seed)
        self.ids = ids

    def next(self) -> Request:
        r = self.rng.random() * 100
        if r < WEIGHTS["search"]:
            return self.search()
        if r < WEIGHTS["search"] + WEIGHTS["phrase"]:
            return self.phrase()
        return self.report()

    def _fmt(self) -> str:
        return "json" if self.rng.random() < 0.5 else "html"

    def search(self) -> Request:
        rng, fmt = self.rng, self._fmt()
        n = rng.choice((1, 1, 2, 2, 3))
        terms = rng.sample(COMMON_TERMS, n)
        cls = "common"
        if rng.random() < 0.2:
            terms[-1] = rng.choice(RARE_TERMS)
            cls = "rare"
        args: dict = {"q": " ".join(terms)}
        f = rng.random()
        if f < 0.1:
            args["q"] += f" year:{rng.choice(YEARS)}"
            cls += "+filter"
        elif f < 0.25:  # a filter as a URL parameter, as the facet links make them
            key = rng.choice(("year", "type", "level"))
            args[key] = str(rng.choice(YEARS)) if key == "year" else rng.choice(TYPES if key == "type" else LEVELS)
            cls += "+filter"
        if rng.random() < 0.2:
            args["page"] = rng.randint(2, 5)
            cls += "+page2+"
        if rng.random() < 0.15:
            args["sort"] = rng.choice(("newest", "oldest"))
        path = "/search.json" if fmt == "json" else "/search"
        return Request("search", fmt, cls, f"{path}?{urlencode(args)}")

    def phrase(self) -> Request:
        rng, fmt = self.rng, self._fmt()
        r = rng.random()
        if r < 0.25:
            q, cls = rng.choice(VERY_COMMON), "very-common"
        elif r < 0.7:
            q, cls = rng.choice(COMMON_PHRASES), "common"
        else:
            q, cls = rng.choice(RARE_PHRASES), "rare"
        args: dict = {"q": q}
        s = rng.random()
        if s < 0.2:
            args["sort"] = rng.choice(("left", "right"))
            cls += "-sorted"
        if rng.random() < 0.15:
            args["page"] = rng.randint(2, 4)
        path = "/phrase.json" if fmt == "json" else "/phrase"
        return Request("phrase", fmt, cls, f"{path}?{urlencode(args)}")

    def report(self) -> Request:
        rng, fmt = self.rng, self._fmt()
        doc = quote(rng.choice(self.ids), safe="/")
        path = f"/report/{doc}.json" if fmt == "json" else f"/report/{doc}"
        if rng.random() < 0.3:  # opened from a search: hits marked
            return Request("report", fmt, "marked", f"{path}?{urlencode({'q': rng.choice(COMMON_TERMS)})}")
        return Request("report", fmt, "plain", path)


def check(req: Request, status: int, body: bytes) -> str | None:
    """None if the response is good, else what is wrong with it."""
    if status != 200:
        return f"status {status}: {body[:160]!r}"
    if req.fmt == "json":
        try:
            data = json.loads(body)
        except ValueError as exc:
            return f"JSON does not parse ({exc}): {body[:160]!r}"
        if not isinstance(data, dict) or CHECK_KEYS[req.kind] not in data:
            return f"JSON without {CHECK_KEYS[req.kind]!r}: {body[:160]!r}"
    elif b"</html>" not in body[-200:]:
        return f"HTML page incomplete ({len(body)} bytes)"
    return None


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


# ---------------------------------------------------------------- driver (second process)

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


# ---------------------------------------------------------------- server process

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


class Server:
    """`reports serve` on a free port, its stdout and stderr in a log file."""

    def __init__(self, src: Path, index: Path, corpus: Path, threads: int, log: Path):
        self.log = open(log, "w", encoding="utf-8")  # noqa: SIM115 (closed in stop())
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "search", "serve", "--port", "0", "--threads", str(threads),
             "--index", str(index), "--corpus", str(corpus)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8",
            cwd=src, env=engine_env(src))
        self.pid = self.proc.pid
        self.port: int | None = None
        self._lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self.log.write(line)
            self.log.flush()
            self._lines.put(line)
        self._lines.put(None)

    def wait_port(self) -> int:
        """The port from the banner ("open http://127.0.0.1:PORT/")."""
        deadline = time.monotonic() + START_TIMEOUT_S
        while self.port is None and time.monotonic() < deadline:
            try:
                line = self._lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                raise RuntimeError(f"the server exited with {self.proc.wait()} (see {self.log.name})")
            if line.startswith("no index at"):  # it would build one, and its memory would show it
                raise RuntimeError(f"the server found no index it can read: {line.strip()}")
            m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
            if m:
                self.port = int(m.group(1))
        if self.port is None:
            raise RuntimeError(f"the server did not start within {START_TIMEOUT_S} s (see {self.log.name})")
        return self.port

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()


def wait_ready(server: Server, port: int) -> dict:
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
            raise RuntimeError(f"/healthz did not answer (see {server.log.name})")
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

def pct(ms: list[float], p: float) -> float | None:
    return round(float(np.percentile(np.asarray(ms), p)), 2) if ms else None


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
                procs.append(subprocess.Popen([sys.executable, __file__, "--client", json.dumps(spec)],
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
    mib = lambda kib: round(kib / 1024, 1)

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


def summarize(requests: list, window: float) -> dict:
    """Per kind (search, phrase, report), per kind and format, and overall:
    count, req/s, p50/p95/p99 ms, errors."""
    def stats(rows: list) -> dict:
        ms = [r[3] for r in rows]
        return {"count": len(rows), "rps": round(len(rows) / window, 1) if window else None,
                "p50_ms": pct(ms, 50), "p95_ms": pct(ms, 95), "p99_ms": pct(ms, 99),
                "max_ms": round(max(ms), 1) if ms else None,
                "errors": sum(1 for r in rows if r[4])}
    groups: dict[str, list] = {}
    classes: dict[str, list] = {}
    for r in requests:
        groups.setdefault(r[0], []).append(r)
        groups.setdefault(f"{r[0]} {r[1]}", []).append(r)
        classes.setdefault(f"{r[0]}/{r[2]}", []).append(r)
    order = [k for kind in WEIGHTS for k in (kind, f"{kind} json", f"{kind} html") if k in groups]
    return {"by_kind": {k: stats(groups[k]) for k in order}, "overall": stats(requests),
            "by_class": {k: stats(v) for k, v in sorted(classes.items())}}


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
    git = lambda *a: subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()
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


# ---------------------------------------------------------------- tables

def _num(v, fmt: str = ".1f") -> str:
    return "—" if v is None else format(v, fmt)


def tables(result: dict) -> str:
    rounds, s, first = result["rounds"], result["summary"], result["rounds"][0]
    window = sum(r["window_s"] for r in rounds)
    out = [f"## Load: {result['reports']} reports, {result['clients']} clients "
           f"({first['drivers']} driver process{'es' if first['drivers'] > 1 else ''}, "
           f"threads {'+'.join(map(str, first['threads_per_driver']))}), waitress --threads {result['threads']}, "
           f"{window:.1f} s" + (f" in {len(rounds)} rounds" if len(rounds) > 1 else ""), "",
           "| requests | count | req/s | p50 ms | p95 ms | p99 ms | max ms | errors |",
           "|---|---|---|---|---|---|---|---|"]
    rows = list(s["by_kind"].items()) + [("**overall**", s["overall"])]
    for name, st in rows:
        out.append(f"| {name} | {st['count']} | {_num(st['rps'])} | {_num(st['p50_ms'])} | {_num(st['p95_ms'])} "
                   f"| {_num(st['p99_ms'])} | {_num(st['max_ms'])} | {st['errors']} |")
    out += ["", ("By class (search: common/rare terms, +filter, +page2+; phrase: very-common = 的 工作 ， 了 是, "
            "-sorted = sort by left or right context):"), "",
            "| class | count | p50 ms | p95 ms | p99 ms | errors |", "|---|---|---|---|---|---|"]
    for name, st in s["by_class"].items():
        out.append(f"| {name} | {st['count']} | {_num(st['p50_ms'])} | {_num(st['p95_ms'])} "
                   f"| {_num(st['p99_ms'])} | {st['errors']} |")
    quarters = lambda d: ", ".join(f"{k} {v}" for k, v in d["peak_by_quarter_of_run"].items())
    out += ["", (f"Server RSS after warm-up: {result['server']['rss_ready_mb']} MiB; peak over its whole life "
                f"(VmHWM): {rounds[-1]['rss_mb']['peak_hwm']} MiB.")]
    for k, load in enumerate(rounds, 1):
        rss, anon, cpu = load["rss_mb"], load["anon_mb"], load["cpu"]
        name = f"Round {k}: " if len(rounds) > 1 else ""
        out += ["", (f"{name}server RSS MiB: start {rss['start']}, peak {rss['peak_sampled']}, end {rss['end']}; "
                    f"peak up to each quarter of the run: {quarters(rss)}. Of which heap (RssAnon): start "
                    f"{anon['start']}, peak {anon['peak_sampled']}, end {anon['end']}, by quarter {quarters(anon)}; "
                    f"mapped index files (RssFile): start {load['file_mb']['start']}, end {load['file_mb']['end']}."),
                (f"CPU seconds: server {cpu['server_s']} ({cpu['server_cores']} cores), drivers {cpu['drivers_s']}, "
                f"other processes {cpu['other_s']} (should be ~0; more means noise); "
                f"{cpu['requests_per_server_cpu_s']} requests per server CPU second. "
                f"{load['count']} requests, {load['errors']} errors, "
                f"{load['connections_opened']} connections opened for {result['clients']} clients.")]
    if result["phrase_alone"]:
        out += ["", phrase_table(result["phrase_alone"])]
    if result["first_errors"]:
        out += ["", f"First errors ({s['overall']['errors']} in all):"] + [f"- {e}" for e in result["first_errors"][:10]]
    return "\n".join(out)

def phrase_table(ph: dict) -> str:
    out = [(f"/phrase.json alone, one request at a time, 20 each, each counted afresh (budget p95 ≤ {PHRASE_BUDGET_MS:.0f} ms); "
           f"other processes used {ph['other_cpu_s']} CPU s in these {ph['seconds']} s (should be ~0):"), "",
           ("| phrase | occurrences | reports | first ms | median ms | p95 ms | server CPU ms/request "
           "| within budget |"), "|---|---|---|---|---|---|---|---|"]
    for group in ("very_common", "ordinary"):
        for p, st in ph[group].items():
            if not st["accepted"]:
                out.append(f"| {p} | status {st['status']} | | | | | | |")
                continue
            out.append(f"| {p} | {st['total_occurrences']} | {st['total_reports']} | {_num(st['first_ms'])} "
                       f"| {_num(st['median_ms'])} | {_num(st['p95_ms'])} | {_num(st['server_cpu_ms'])} "
                       f"| {'yes' if st['within_budget'] else '**NO**'} |")
    lz = ph["lazy_的"]
    out += ["", (f"的 pages lazily: {'yes' if lz['pages_lazily'] else '**NO**'} — page 1 median "
                f"{_num(lz['page1']['median_ms'])} ms (total_lines {lz['page1']['total_lines']}: null means "
                f"not counted to the end), page 50 median {_num(lz['page50']['median_ms'])} ms, sorted by "
                f"left context (the first 10 000 occurrences) median "
                f"{_num(lz['all_lines_sort_left']['median_ms'])} ms ({lz['all_lines_sort_left']['total_lines']} "
                f"lines). Every request here counted the phrase afresh (a year range of its own).")]
    return "\n".join(out)


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
    ap.add_argument("--client", metavar="SPEC", help=argparse.SUPPRESS)  # internal: run as a driver
    args = ap.parse_args(argv)
    if args.client:
        client_main(args.client)
        return 0
    if not 1 <= args.drivers <= args.clients:
        ap.error("--drivers must be between 1 and --clients")
    if args.rounds < 1 or args.seconds <= 0 or args.timeout <= 0:
        ap.error("--rounds, --seconds and --timeout must be positive")

    started = time.perf_counter()
    engine = engine_state(args.commit)
    src = engine_source(engine["commit"] if args.commit else None)  # the commit resolved once
    try:
        corpus, index, ids_file, info = ensure_index(args.docs, args.seed, args.reuse, src)
        server = Server(src, index, corpus, args.threads, CACHE / f"load-{args.docs}-{args.seed}" / "serve.log")
    except BaseException:
        if src != ROOT:
            shutil.rmtree(src, ignore_errors=True)
        raise
    try:
        port = server.wait_port()
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
