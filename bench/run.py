"""Benchmark our engine against its peers, tuned as their users tune them,
on one generated corpus, in one run (bench/README.md says what every number
means and how each peer is set up).

    python bench/run.py --docs 10000 [--out FILE] [--queries 30] [--reuse] [--noisy]
                        [--systems ours,sqlite,tantivy,ripgrep,grep] [--no-whoosh]
    python bench/run.py --markdown FILE        the README tables of a results JSON

Steps: corpus (cached) → cleaned and folded texts (cached) → queries →
builds (each in a child process) → our server: cold start and memory →
the timed queries, every system interleaved query by query, each query
three times → the incremental step (100 reports changed) → checks, JSON,
tables. Exit 1 when any phrase total differs from ripgrep's; exit 3, with
no results written (unless --noisy), when other processes used more than
10 % of the CPU this run used (judged after every step once the run has
used 20 CPU s, and at the end).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository root: harness/

import corpus_cache as cc
import queries as query_choice
import steps
import summary
import tables
import timed
from corpus_cache import (  # load.py imports ensure_corpus from here
    ensure_cleaned,
    ensure_corpus,
    say,
)
from measure import CpuWatch
from peer_grep import Grep, Ripgrep
from peer_sqlite import trigram_available
from server import measure_server

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
ALL = ("ours", "sqlite", "tantivy", "ripgrep", "grep")
NAMES = {"sqlite": "sqlite_fts5_trigram", "tantivy": "tantivy"}
QUERIES_VERSION = "2"


def engine_state() -> dict:
    """Which engine was measured: the commit and any uncommitted files in search/."""
    def git(*a: str) -> str:
        return subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True, check=False).stdout.rstrip()
    dirty = [line[3:] for line in git("status", "--porcelain", "--", "search").splitlines()]
    return {"commit": git("rev-parse", "--short", "HEAD").strip(), "uncommitted_in_search": dirty}


class Run:
    """One benchmark run: its folders, its CPU watch, its results so far."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.systems = [s.strip() for s in args.systems.split(",") if s.strip()]
        unknown = set(self.systems) - set(ALL)
        if unknown:
            raise SystemExit(f"unknown systems: {', '.join(sorted(unknown))} (choose from {', '.join(ALL)})")
        self.watch = CpuWatch(limit=args.cpu_limit)
        self.work = cc.CACHE / f"run-{args.docs}-{args.seed}"
        self.peers_dir = cc.CACHE / f"peers-{args.docs}-{args.seed}"
        self.builds: dict[str, dict] = {}
        self.incremental: dict[str, dict] = {}
        self.server: dict | None = None
        self.workers: dict[str, dict] = {}
        self.engine = engine_state()  # what is measured: as the run starts

    def step(self, name: str | None, final: bool = False) -> None:
        """End the current step; refuse to go on if the machine was too busy."""
        self.watch.step(name)
        if self.watch.too_noisy(final) and not self.args.noisy:
            t = self.watch.total()
            say(f"REFUSED: other processes used {t['other_cpu_s']} CPU s while this run used {t['own_cpu_s']} s "
                f"({t['other_share']:.0%} > {t['limit']:.0%}): the figures would be skewed. Run again on a "
                "quiet machine, or pass --noisy to measure anyway (the output then says it was contended).")
            sys.exit(3)

    # ------------------------------------------------------------ preparation
    def prepare(self) -> None:
        a = self.args
        self.corpus_cache = ensure_corpus(a.docs, a.seed)
        self.cleaned, self.manifest_file = ensure_cleaned(self.corpus_cache, a.docs)
        self.manifest = cc.load_manifest(self.manifest_file)
        self.text_bytes = sum(d["bytes"] for d in self.manifest["docs"])
        if not a.reuse:
            shutil.rmtree(self.work, ignore_errors=True)
        self.work.mkdir(parents=True, exist_ok=True)
        self.queries_file = self.work / "queries.json"
        stamp = f"{QUERIES_VERSION}:{self.manifest['stamp']}:{a.queries}:{a.seed}"
        chosen = json.loads(self.queries_file.read_text("utf-8")) if self.queries_file.is_file() else {}
        if chosen.get("stamp") != stamp:
            started = time.perf_counter()
            folded = cc.load_texts(self.cleaned, self.manifest)
            raw = cc.texts_dir(self.cleaned, folded=False)
            docs = self.manifest["docs"]
            chosen = query_choice.choose(folded, lambda i: (raw / docs[i]["id"]).read_text("utf-8"), docs,
                                         a.queries, a.seed)
            chosen["stamp"] = stamp
            del folded
            self.queries_file.write_text(json.dumps(chosen, ensure_ascii=False, indent=1), "utf-8")
            say(f"queries: chosen in {time.perf_counter() - started:.0f} s")
        self.chosen = chosen
        counts: dict[str, int] = {}
        for it in chosen["items"]:
            counts[f"{it['kind']}/{it['cls']}"] = counts.get(f"{it['kind']}/{it['cls']}", 0) + 1
        say("queries: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        if "ours" in self.systems:
            self.corpus = self.work / "corpus"  # a copy: the incremental step modifies it
            shutil.rmtree(self.corpus, ignore_errors=True)
            shutil.copytree(self.corpus_cache, self.corpus, ignore=shutil.ignore_patterns(".done", ".stats.json"))
        if "sqlite" in self.systems and not trigram_available():
            say("sqlite: this Python's SQLite has no FTS5 trigram tokenizer (needs 3.34+); skipped")
            self.systems.remove("sqlite")

    # ------------------------------------------------------------ builds
    def build(self) -> None:
        if "ours" in self.systems:
            self.step("build_ours")
            self.builds["ours"] = steps.ours_build(self.corpus, self.work)
        for short in ("sqlite", "tantivy"):
            if short in self.systems:
                self.step(f"build_{short}")
                self.builds[NAMES[short]] = steps.peer_build(NAMES[short], self.cleaned, self.manifest_file,
                                                             self.manifest, self.peers_dir, self.args.reuse)
        self.step(None)

    def serve(self) -> None:
        if "ours" not in self.systems:
            return
        self.step("server_ours")
        say("ours: `reports serve`: cold start, memory after warm-up and after every query once…")
        self.server = measure_server(ROOT, self.work / "index", self.corpus, self.chosen["items"],
                                     self.work / "serve.log")
        self.step(None)
        m = self.server["memory_after_queries"]
        say(f"ours: server cold start {self.server['cold_start_s']} s; after the queries heap "
            f"{m['rss_anon_mb']:.0f} MiB, mapped files {m['rss_file_mb']:.0f} MiB")

    # ------------------------------------------------------------ queries
    def query(self) -> None:
        clients: dict[str, timed.WorkerClient] = {}
        systems: list[timed.System] = []
        self.step("start_workers")
        try:
            if "ours" in self.systems:
                clients["ours"] = timed.WorkerClient(
                    "ours", [str(BENCH / "ours.py"), "worker", str(self.work / "index")], self.work / "ours-worker.log")
                systems.append(timed.ours_system(clients["ours"]))
            for short, script in (("sqlite", "peer_sqlite.py"), ("tantivy", "peer_tantivy.py")):
                if short in self.systems:
                    name = NAMES[short]
                    clients[name] = timed.WorkerClient(
                        name, [str(BENCH / script), "worker", str(steps.peer_paths(name, self.peers_dir))],
                        self.work / f"{name}-worker.log")
                    systems.append(timed.peer_system(clients[name]))
            texts = cc.texts_dir(self.cleaned)
            for short, cls in (("ripgrep", Ripgrep), ("grep", Grep)):
                if short in self.systems:
                    peer = cls(texts)
                    if not peer.available:
                        say(f"{short}: not found on the PATH; skipped")
                        continue
                    self.workers[short] = {"version": peer.version()}
                    systems.append(timed.grep_system(peer))
            timed.warm_up(systems, self.chosen["warmup"])
            for name, c in clients.items():
                self.workers[name] = {"cold_start_s": round(c.cold_start_s, 2), "ready": c.ready,
                                      "memory_after_warmup": c.memory()}
            self.step("queries")
            say(f"queries: {len(self.chosen['items'])} queries × {timed.REPS} × {len(systems)} systems, interleaved…")
            self.results = timed.run_interleaved(systems, self.chosen["items"], self.args.seed, say)
            self.step(None)
            for name, c in clients.items():
                self.workers[name]["memory_after_queries"] = c.memory()
            if "ours" in clients:
                self.workers["ours"]["texts"] = clients["ours"].ask(
                    {"op": "verify_texts", "manifest": str(self.manifest_file)})
        finally:
            for c in clients.values():
                c.close()

    # ------------------------------------------------------------ incremental
    def update(self) -> None:
        ids = cc.touched_ids(self.manifest)
        rowid = {d["id"]: i for i, d in enumerate(self.manifest["docs"], 1)}
        touched = [{**t, "rowid": rowid[t["id"]]} for t in cc.touched_texts(self.corpus_cache, ids)]
        if "ours" in self.systems:
            cc.touch_corpus(self.corpus, ids)
            self.step("incremental_ours")
            self.incremental["ours"] = steps.ours_incremental(self.corpus, self.work)
        for short in ("sqlite", "tantivy"):
            if short in self.systems:
                self.step(f"incremental_{short}")
                self.incremental[NAMES[short]] = steps.peer_incremental(NAMES[short], self.peers_dir, self.work,
                                                                        touched)
        self.step(None)

    def whoosh(self) -> dict | None:
        a = self.args
        if a.no_whoosh or "ours" not in self.systems or a.docs > 10000:
            return None
        self.step("whoosh")
        out = steps.whoosh(self.cleaned, self.manifest_file, self.work, self.queries_file, min(a.docs, a.whoosh_docs))
        self.step(None)
        return out

    # ------------------------------------------------------------ results
    def result(self, whoosh: dict | None, started: float) -> dict:
        items = self.chosen["items"]
        truth = summary.ripgrep_totals(items, self.results)
        stats, wrong = summary.class_stats(items, self.results, truth)
        systems = {}
        for name in summary.SYSTEMS:
            if name not in self.results:
                continue
            w = self.workers.get(name, {})
            server = self.server if name == "ours" else (
                {"cold_start_s": w["cold_start_s"], "memory_after_warmup": w["memory_after_warmup"],
                 "memory_after_queries": w["memory_after_queries"], "settings": w["ready"].get("settings"),
                 "note": "the query worker (holds the index open and the bodies in memory)"}
                if "ready" in w else None)
            entry = summary.system_entry(name, self.text_bytes, self.builds.get(name), self.incremental.get(name),
                                         server, stats[name])
            entry["build_reused"] = bool(self.builds.get(name, {}).get("reused"))
            if name == "ours" and w:
                entry.update(query_worker={k: w.get(k) for k in ("cold_start_s", "memory_after_warmup",
                                                                 "memory_after_queries", "ready")},
                             texts_identical_to_peers=w.get("texts"))
            if name in ("ripgrep", "grep"):
                entry["version"] = w["version"]
            systems[name] = entry
        phrase_checked = sum(1 for s, ans in self.results.items() for n in ans
                             if items[n]["kind"] == "phrase" and items[n]["q"] in truth)
        kw_checked = sum(1 for ans in self.results.values() for n, a in ans.items()
                         if items[n]["kind"] == "keyword" and a.get("answered", True))
        phrase_wrong = [w for w in wrong if w["class"].startswith("phrase/")]
        cpu = {"steps": self.watch.steps, "total": self.watch.total()}
        corpus = cc.corpus_stats(self.corpus_cache)
        return {
            "docs": self.args.docs, "seed": self.args.seed, "text_bytes": self.text_bytes,
            "reports_indexed": len(self.manifest["docs"]), "exact_copies_left_out": self.manifest.get("copies"),
            "cores": os.cpu_count(), "queries_per_class": self.args.queries, "reps": timed.REPS,
            "phrase_totals_match_ripgrep": (not phrase_wrong) if truth else None,
            "systems": systems, "ratios": summary.ratios(stats), "targets": summary.targets(systems, self.text_bytes),
            "correctness": {"wrong": wrong, "phrase_answers_checked": phrase_checked,
                            "keyword_answers_checked": kw_checked,
                            "keyword_totals_exact": not [w for w in wrong if w["class"].startswith("keyword/")]},
            "whoosh_jieba_typical": whoosh, "cpu": cpu, "contended": self.watch.too_noisy(),
            "corpus": {k: corpus.get(k) for k in ("chars", "gb18030", "sentences", "distinct", "distinct_share",
                                                  "over_reports", "seed_sentences", "real_sentences")},
            "engine": {**self.engine, **({"changed_during_run_to": now} if (now := engine_state()) != self.engine
                                         else {})},
            "run_seconds": round(time.perf_counter() - started, 1),
            "queries": items, "raw": self.results,
        }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Benchmark ours vs SQLite FTS5 trigram, tantivy, ripgrep, grep.")
    ap.add_argument("--docs", type=int)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--queries", type=int, default=30, help="queries a class (default 30; the short class has 20)")
    ap.add_argument("--systems", default=",".join(ALL), help=f"comma-separated, of {','.join(ALL)} (default all)")
    ap.add_argument("--reuse", action="store_true",
                    help="keep the chosen queries and the peers' indexes of an earlier run with the same texts")
    ap.add_argument("--noisy", action="store_true", help="measure even if other processes use the CPU (says so)")
    ap.add_argument("--cpu-limit", type=float, default=0.10, help=argparse.SUPPRESS)
    ap.add_argument("--no-whoosh", action="store_true", help="skip the Whoosh+jieba peer")
    ap.add_argument("--whoosh-docs", type=int, default=2000, help="reports for the Whoosh+jieba peer (default 2000)")
    ap.add_argument("--out", type=Path, default=None, help="results JSON (default bench/results-N.json)")
    ap.add_argument("--markdown", type=Path, default=None, metavar="FILE", help="print the tables of a results JSON")
    args = ap.parse_args(argv)
    if args.markdown:
        tables.print_file(args.markdown)
        return
    if not args.docs:
        ap.error("--docs is required")
    started = time.perf_counter()
    run = Run(args)
    run.step("prepare")
    run.prepare()
    run.build()
    run.serve()
    run.query()
    run.update()
    whoosh = run.whoosh()
    run.step(None, final=True)  # refused here (no results written) if the machine was busy
    result = run.result(whoosh, started)
    out_file = args.out or BENCH / f"results-{args.docs}.json"
    out_file.write_text(json.dumps(result, ensure_ascii=False, indent=1), "utf-8")
    print()
    print(tables.markdown(result))
    print()
    say(f"results written to {out_file} (run took {result['run_seconds']:.0f} s)")
    if result["phrase_totals_match_ripgrep"] is False:
        say("FAILED: phrase totals differ from ripgrep's (see Correctness above)")
        sys.exit(1)


if __name__ == "__main__":
    main()
