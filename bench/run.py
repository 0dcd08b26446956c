"""Benchmark our engine against its peers on one generated corpus, in one run.

    python bench/run.py --docs 10000 [--out bench/results-10000.json] [--queries 50]
                        [--seed 1] [--whoosh-docs 2000] [--no-whoosh]

Steps (see bench/README.md for what every number means):
 1. generate the corpus (cached in bench/.cache/corpus-N-SEED/);
 2. clean every report with search.clean and write the cleaned texts to
    bench/.cache/cleaned-N/ (cached while the cleaning code is unchanged);
 3. choose the queries from the cleaned texts (bench/queries.py);
 4. ours: full build in a child process (time, peak memory, index size),
    then warm query latencies in one process with one Library;
 5. SQLite FTS5 trigram and ripgrep on the cleaned texts; Whoosh + jieba's
    ChineseAnalyzer on a subset;
 6. ours again: incremental run after modifying 100 reports;
 7. correctness (our phrase totals against ripgrep's counts, our keyword
    totals against SQLite's), targets; print the tables, write the JSON.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

import make_corpus  # noqa: E402
import queries as query_choice  # noqa: E402
from measure import dir_bytes, latency, run_child  # noqa: E402
from ours import text_hash  # noqa: E402
from peers import RipgrepPeer, SqlitePeer, trigram_available  # noqa: E402

CACHE = BENCH / ".cache"
MB = 1e6            # text throughput in decimal megabytes per second
MIB = 1024 * 1024   # memory and disk in MiB
TOUCHED = 100       # reports modified for the incremental run
CLEANING_SOURCES = ("search/clean.py", "search/clean_rules.toml", "search/meta.py",
                    *sorted(f"search/readers/{p.name}" for p in (ROOT / "search" / "readers").glob("*.py")))

TARGETS = {  # at N = 10 000 on 2 cores (issue #4)
    "index_mb_per_s": 2.0, "peak_rss_mb": 1536, "index_to_text": 4.0, "incremental_s": 15.0,
    "keyword_p95_ms": 30.0, "phrase_p95_ms": 60.0,
}


def engine_state() -> dict:
    """Which engine was measured: the commit and any uncommitted files in search/."""
    git = lambda *a: subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True).stdout.rstrip()  # noqa: E731
    dirty = [line[3:] for line in git("status", "--porcelain", "--", "search").splitlines()]
    return {"commit": git("rev-parse", "--short", "HEAD").strip(), "uncommitted_in_search": dirty}


def say(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# CPU seconds used by other processes during each measured step: a test run
# or a second benchmark on the machine shows up here and skews the figures.
STEPS: dict[str, dict] = {}
_current: list = []


def _cpu_seconds() -> tuple[float, float]:
    """(busy CPU seconds of the whole machine, of this process and its reaped children)."""
    with open("/proc/stat") as fh:
        v = [int(x) for x in fh.readline().split()[1:9]]
    busy = (sum(v) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")  # minus idle and iowait
    t = os.times()
    return busy, t.user + t.system + t.children_user + t.children_system


def step(name: str | None) -> None:
    """End the current step (if any) and start `name` (None: just end)."""
    now, (busy, mine) = time.perf_counter(), _cpu_seconds()
    if _current:
        prev, t0, busy0, mine0 = _current.pop()
        STEPS[prev] = {"seconds": round(now - t0, 1),
                       "other_cpu_s": round(max(0.0, (busy - busy0) - (mine - mine0)), 1)}
    if name:
        _current.append((name, now, busy, mine))


# ---------------------------------------------------------------- corpus

def ensure_corpus(docs: int, seed: int) -> Path:
    folder = CACHE / f"corpus-{docs}-{seed}"
    marker = folder / ".done"
    stamp = f"{make_corpus.GENERATOR_VERSION}:{_seed_digest()}"
    if marker.is_file() and marker.read_text() == stamp:
        say(f"corpus: cached {folder.relative_to(ROOT)}/")
        return folder
    started = time.perf_counter()
    info = make_corpus.make_corpus(docs, folder, seed)
    marker.write_text(stamp)
    say(f"corpus: generated {docs} reports, {info['chars'] / 1e6:.1f} M characters "
        f"({info['gb18030']} GB18030) in {time.perf_counter() - started:.1f} s")
    return folder


def _seed_digest() -> str:
    h = hashlib.sha256()
    for p in sorted(make_corpus.DEFAULT_SEEDS.glob("*.txt")):
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def _clean_one(path: Path) -> tuple[str, str, int | None]:
    from search.clean import clean
    from search.meta import extract_meta
    from search.readers import read_text

    report = clean(read_text(path))
    return path.name, report.text, extract_meta(report, path.name).year


def ensure_cleaned(corpus: Path, docs: int) -> tuple[Path, Path]:
    """Cleaned texts as UTF-8 files (what the peers index) and a manifest
    with year and hash of each. A text already written under another name
    (a copy, which we index once) is left out, so that every engine counts
    over the same distinct texts."""
    folder = CACHE / f"cleaned-{docs}"
    manifest = folder / "manifest.json"
    stamp = (corpus / ".done").read_text() + ":" + corpus.name + ":" + _cleaning_digest() + ":distinct"
    if manifest.is_file() and json.loads(manifest.read_text("utf-8")).get("stamp") == stamp:
        say(f"cleaned texts: cached {folder.relative_to(ROOT)}/")
        return folder, manifest
    started = time.perf_counter()
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    files = sorted(corpus.glob("*.txt"))
    entries = []
    with multiprocessing.get_context("fork").Pool(os.cpu_count() or 1) as pool:
        seen = set()
        for name, text, year in pool.imap(_clean_one, files, chunksize=16):
            digest = text_hash(text)
            if digest in seen:
                continue
            seen.add(digest)
            (folder / name).write_text(text, "utf-8")
            entries.append({"id": name, "year": year, "bytes": len(text.encode("utf-8")), "hash": digest})
    manifest.write_text(json.dumps({"stamp": stamp, "docs": entries, "copies": len(files) - len(entries)},
                                   ensure_ascii=False), "utf-8")
    say(f"cleaned texts: {len(entries)} written ({len(files) - len(entries)} copies left out) "
        f"in {time.perf_counter() - started:.1f} s")
    return folder, manifest


def _cleaning_digest() -> str:
    h = hashlib.sha256()
    for rel in CLEANING_SOURCES:
        h.update((ROOT / rel).read_bytes())
    return h.hexdigest()[:16]


def load_cleaned(folder: Path, manifest: dict) -> list[str]:
    return [(folder / d["id"]).read_text("utf-8") for d in manifest["docs"]]


# ---------------------------------------------------------------- ours

def ours_build(corpus: Path, work: Path) -> dict:
    index_dir = work / "index"
    shutil.rmtree(index_dir, ignore_errors=True)
    run = run_child([str(BENCH / "ours.py"), "build", str(corpus), str(index_dir)],
                    log=work / "ours-build.log")
    out = run.output
    say(f"ours: built {out['reports']} reports in {out['seconds']:.1f} s "
        f"(peak RSS {run.peak_tree_rss_mb:.0f} MB), {out['skipped_count']} skipped")
    return {"seconds": out["seconds"], "wall_s": run.wall_s, "reports": out["reports"],
            "text_bytes_engine": out["text_bytes"], "skipped": out["skipped"],
            "peak_tree_rss_mb": run.peak_tree_rss_mb, "peak_tree_pss_mb": run.peak_tree_pss_mb,
            "max_process_rss_mb": run.max_process_rss_mb, "index_bytes": dir_bytes(index_dir)}


def ours_queries(work: Path, queries_file: Path, manifest_file: Path) -> dict:
    run = run_child([str(BENCH / "ours.py"), "query", str(work / "index"), str(queries_file),
                     str(manifest_file)], log=work / "ours-query.log")
    return run.output


def ours_incremental(corpus: Path, work: Path, manifest: dict) -> dict:
    touched = touch_reports(corpus, [d["id"] for d in manifest["docs"]])
    run = run_child([str(BENCH / "ours.py"), "update", str(corpus), str(work / "index")],
                    log=work / "ours-update.log")
    out = run.output
    say(f"ours: incremental run after modifying {len(touched)} reports: {out['seconds']:.1f} s "
        f"({out['updated']} updated, {out['unchanged']} unchanged)")
    return {"seconds": out["seconds"], "wall_s": run.wall_s, "touched": len(touched),
            "updated": out["updated"], "added": out["added"], "unchanged": out["unchanged"],
            "rebuilt_because": out["rebuilt_because"], "peak_tree_rss_mb": run.peak_tree_rss_mb}


def touch_reports(corpus: Path, ids: list[str]) -> list[str]:
    """Modify the content of 100 reports spread over the corpus: a new
    paragraph in the middle, in the file's own encoding."""
    step = max(1, len(ids) // TOUCHED)
    chosen = ids[::step][:TOUCHED]
    for k, name in enumerate(chosen):
        path = corpus / name
        data = path.read_bytes()
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            text, encoding = data.decode("gb18030"), "gb18030"
        lines = text.split("\n")
        mid = len(lines) // 2
        lines.insert(mid, f"（补充）第{k + 1}次修改：再次召开专题推进会，研究部署下一阶段重点工作，逐项明确责任单位和完成时限。")
        path.write_bytes("\n".join(lines).encode(encoding))
    return chosen


# ---------------------------------------------------------------- peers

def peers_sqlite(cleaned: Path, manifest_file: Path, work: Path, chosen: dict) -> dict | None:
    if not trigram_available():
        say("sqlite: this Python's SQLite has no FTS5 trigram tokenizer (needs 3.34+); skipped")
        return None
    db = work / "fts5.sqlite"
    run = run_child([str(BENCH / "peers.py"), "sqlite-build", str(cleaned), str(manifest_file), str(db)],
                    log=work / "sqlite-build.log")
    say(f"sqlite: FTS5 trigram index built in {run.output['seconds']:.1f} s")
    peer = SqlitePeer(db)
    peer.keyword(["高质量"])  # warm-up
    keyword = {cls: [peer.keyword(item["terms"], item["year"]) for item in items]
               for cls, items in chosen["keyword"].items()}
    phrase = {cls: [peer.phrase(p) for p in items] for cls, items in chosen["phrase"].items()}
    return {"build": {**run.output, "wall_s": run.wall_s, "peak_tree_rss_mb": run.peak_tree_rss_mb},
            "keyword": keyword, "phrase": phrase}


def peers_ripgrep(cleaned: Path, chosen: dict) -> dict | None:
    peer = RipgrepPeer(cleaned)
    if not peer.available:
        say("ripgrep: `rg` not found — install it (e.g. `apt-get install -y ripgrep`); skipped")
        return None
    peer.phrase(chosen["warmup"]["phrase"])  # warm-up (and the page cache)
    phrase = {cls: [peer.phrase(p) for p in items] for cls, items in chosen["phrase"].items()}
    return {"version": peer.version(), "phrase": phrase}


def peers_whoosh(cleaned: Path, manifest_file: Path, work: Path, queries_file: Path, docs: int) -> dict:
    wdir = work / "whoosh"
    say(f"whoosh+jieba: building on the first {docs} reports (slow, single process)…")
    build = run_child([str(BENCH / "peers.py"), "whoosh-build", str(cleaned), str(manifest_file),
                       str(wdir), str(docs)], log=work / "whoosh-build.log")
    say(f"whoosh+jieba: built in {build.output['seconds']:.1f} s")
    phrase = run_child([str(BENCH / "peers.py"), "whoosh-phrase", str(cleaned), str(manifest_file),
                        str(wdir), str(docs), str(queries_file)], log=work / "whoosh-phrase.log")
    return {"build": {**build.output, "wall_s": build.wall_s, "peak_tree_rss_mb": build.peak_tree_rss_mb},
            "phrase": phrase.output}


# ---------------------------------------------------------------- summary

def _ms(rows: list[dict | None]) -> list[float]:
    return [r["ms"] for r in rows if r is not None]


def _classes(by_class: dict[str, list]) -> dict:
    return {cls: latency(_ms(rows)) for cls, rows in by_class.items()}


def _all(by_class: dict[str, list]) -> dict:
    return latency([ms for rows in by_class.values() for ms in _ms(rows)])


def summarize(args, text_bytes: int, chosen: dict, ours_b: dict, ours_q: dict, ours_inc: dict,
              sqlite: dict | None, rg: dict | None, whoosh: dict | None) -> dict:
    ours = {
        "index_s": round(ours_b["seconds"], 2),
        "index_mb_per_s": round(text_bytes / MB / ours_b["seconds"], 3),
        "peak_rss_mb": round(ours_b["peak_tree_rss_mb"], 1),
        "peak_pss_mb": round(ours_b["peak_tree_pss_mb"], 1),
        "max_process_rss_mb": round(ours_b["max_process_rss_mb"], 1),
        "index_bytes": ours_b["index_bytes"],
        "index_to_text": round(ours_b["index_bytes"] / text_bytes, 3),
        "incremental_s": round(ours_inc["seconds"], 2),
        "incremental": ours_inc,
        "skipped": ours_b["skipped"],
        "query_process": {k: None if ours_q.get(k) is None else round(ours_q[k], 1)
                          for k in ("open_ms", "warm_texts_ms", "rss_after_warmup_mb", "rss_end_mb",
                                    "peak_rss_mb")},
        "warmup_ms": {k: round(v["ms"], 1) for k, v in ours_q["warmup"].items()},
        "texts_identical_to_peers": ours_q.get("texts"),
        "queries": {kind: {**_all(ours_q[kind]), "classes": _classes(ours_q[kind])}
                    for kind in ("keyword", "phrase")},
    }
    systems = {"ours": ours}
    correctness: dict = {}
    ratios: dict = {}

    if sqlite:
        systems["sqlite_fts5_trigram"] = _sqlite_summary(sqlite, text_bytes)
        ratios.update(_sqlite_ratios(ours_q, sqlite))
        correctness["keyword_totals_match_sqlite"] = _keyword_vs_sqlite(ours_q, sqlite, chosen)
        correctness["sqlite_phrase_totals_match_ours"] = _phrase_match(ours_q, sqlite)
    if rg:
        systems["ripgrep"] = {"version": rg["version"],
                              "queries": {"phrase": {**_all(rg["phrase"]), "classes": _classes(rg["phrase"])}}}
        correctness["phrase_vs_ripgrep"] = _phrase_match(ours_q, rg)
        for stat in ("median_ms", "p95_ms"):
            ours_v = ours["queries"]["phrase"][stat]
            ratios[f"phrase_{stat[:-3]}_ripgrep_over_ours"] = round(
                systems["ripgrep"]["queries"]["phrase"][stat] / ours_v, 2) if ours_v else None
    if whoosh:
        systems["whoosh_jieba_typical"] = _whoosh_summary(whoosh)

    result = {
        "docs": args.docs, "seed": args.seed, "text_bytes": text_bytes,
        "text_chars_note": "text_bytes = UTF-8 bytes of the cleaned texts (all systems index these)",
        "cores": os.cpu_count(),
        "phrase_totals_match_ripgrep": correctness.get("phrase_vs_ripgrep", {}).get("all_equal"),
        "systems": systems, "ratios": ratios, "correctness": correctness,
        "queries_per_class": args.queries, "rare_df_below": chosen["rare_df_below"],
    }
    result["targets"] = check_targets(result)
    return result


def _sqlite_summary(sqlite: dict, text_bytes: int) -> dict:
    build = sqlite["build"]
    unsupported = {cls: sum(r is None for r in rows) for cls, rows in sqlite["keyword"].items()}
    return {
        "index_s": round(build["seconds"], 2),
        "index_mb_per_s": round(text_bytes / MB / build["seconds"], 3),
        "index_bytes": build["index_bytes"], "index_to_text": round(build["index_bytes"] / text_bytes, 3),
        "peak_rss_mb": round(build["peak_tree_rss_mb"], 1),
        "queries": {kind: {**_all(sqlite[kind]), "classes": _classes(sqlite[kind])}
                    for kind in ("keyword", "phrase")},
        "keyword_unsupported": unsupported,
        "note": "trigram cannot answer terms of 1–2 characters: those queries are unsupported "
                "and left out of its figures; phrase = MATCH for the reports + Python counting "
                "and KWIC lines",
    }


def _sqlite_ratios(ours_q: dict, sqlite: dict) -> dict:
    """sqlite / ours latency, over the queries both answer."""
    out = {}
    for kind in ("keyword", "phrase"):
        ours_ms, peer_ms = [], []
        for cls, rows in sqlite[kind].items():
            for mine, theirs in zip(ours_q[kind][cls], rows):
                if theirs is not None:
                    ours_ms.append(mine["ms"])
                    peer_ms.append(theirs["ms"])
        a, b = latency(ours_ms), latency(peer_ms)
        for stat in ("median_ms", "p95_ms"):
            out[f"{kind}_{stat[:-3]}_sqlite_over_ours"] = round(b[stat] / a[stat], 2) if a[stat] else None
        out[f"{kind}_queries_compared_with_sqlite"] = len(ours_ms)
    return out


def _keyword_vs_sqlite(ours_q: dict, sqlite: dict, chosen: dict) -> dict:
    diffs, compared = [], 0
    for cls, rows in sqlite["keyword"].items():
        for mine, theirs, item in zip(ours_q["keyword"][cls], rows, chosen["keyword"][cls]):
            if theirs is None:
                continue
            compared += 1
            if mine["total"] != theirs["total"]:
                diffs.append({"q": item["q"], "ours": mine["total"], "sqlite": theirs["total"]})
    return {"compared": compared, "all_equal": not diffs, "differences": diffs[:10]}


def _phrase_match(ours_q: dict, peer: dict) -> dict:
    diffs, compared = [], 0
    for cls, rows in peer["phrase"].items():
        for mine, theirs in zip(ours_q["phrase"][cls], rows):
            if theirs is None:
                continue
            compared += 1
            if (mine["occurrences"], mine["reports"]) != (theirs["occurrences"], theirs["reports"]):
                diffs.append({"q": mine["q"], "ours": [mine["occurrences"], mine["reports"]],
                              "peer": [theirs["occurrences"], theirs["reports"]]})
    return {"compared": compared, "all_equal": not diffs, "differences": diffs[:10]}


def _whoosh_summary(whoosh: dict) -> dict:
    build, results = whoosh["build"], whoosh["phrase"]["results"]
    wrong = [r for r in results if r["whoosh_reports"] != r["true_reports"]]
    unquoted_wrong = [r for r in results if r["whoosh_unquoted_reports"] != r["true_reports"]]
    present = [r for r in results if r["true_reports"]]  # phrases that occur in the subset
    return {
        "docs": build["docs"], "index_s": round(build["seconds"], 2),
        "index_mb_per_s": round(build["text_bytes"] / MB / build["seconds"], 3),
        "index_bytes": build["index_bytes"], "index_to_text": round(build["index_bytes"] / build["text_bytes"], 3),
        "peak_rss_mb": round(build["peak_tree_rss_mb"], 1),
        "phrase_totals_correct": not wrong,
        "phrase_queries_wrong": len(wrong), "phrase_queries": len(results),
        "phrase_queries_present": len(present),
        "phrase_queries_present_wrong": sum(r["whoosh_reports"] != r["true_reports"] for r in present),
        "phrase_wrong_examples": [{"q": r["q"], "whoosh": r["whoosh_reports"], "true": r["true_reports"]}
                                  for r in wrong[:8]],
        "unquoted_queries_wrong": len(unquoted_wrong),
        "unquoted_wrong_examples": [{"q": r["q"], "whoosh": r["whoosh_unquoted_reports"],
                                     "true": r["true_reports"]} for r in unquoted_wrong[:8]],
        "queries": {"phrase": latency([r["ms"] for r in results])},
        "note": f"measured on the first {build['docs']} reports only; counts are reports matching "
                "the quoted phrase vs reports containing it",
    }


def check_targets(r: dict) -> list[dict]:
    o = r["systems"]["ours"]
    kw, ph = o["queries"]["keyword"], o["queries"]["phrase"]
    rows = [
        ("index ≥ 2.0 MB/s", o["index_mb_per_s"], o["index_mb_per_s"] >= TARGETS["index_mb_per_s"]),
        ("peak RSS ≤ 1.5 GB", o["peak_rss_mb"], o["peak_rss_mb"] <= TARGETS["peak_rss_mb"]),
        ("index ≤ 4× text", o["index_to_text"], o["index_to_text"] <= TARGETS["index_to_text"]),
        ("incremental 100 reports ≤ 15 s", o["incremental_s"], o["incremental_s"] <= TARGETS["incremental_s"]),
        ("keyword top-10 + snippets p95 ≤ 30 ms", kw["p95_ms"], kw["p95_ms"] <= TARGETS["keyword_p95_ms"]),
        ("phrase totals + 50 lines p95 ≤ 60 ms", ph["p95_ms"], ph["p95_ms"] <= TARGETS["phrase_p95_ms"]),
    ]
    for cls, stats in kw["classes"].items():
        rows.append((f"  keyword/{cls} p95 ≤ 30 ms", stats["p95_ms"], stats["p95_ms"] <= TARGETS["keyword_p95_ms"]))
    for cls, stats in ph["classes"].items():
        rows.append((f"  phrase/{cls} p95 ≤ 60 ms", stats["p95_ms"], stats["p95_ms"] <= TARGETS["phrase_p95_ms"]))
    rg = r["systems"].get("ripgrep")
    if rg:
        rq = rg["queries"]["phrase"]
        faster = ph["median_ms"] < rq["median_ms"] and ph["p95_ms"] < rq["p95_ms"]
        rows.append(("phrase faster than ripgrep (median and p95)",
                     f"{ph['median_ms']}/{ph['p95_ms']} vs {rq['median_ms']}/{rq['p95_ms']} ms", faster))
    if r.get("phrase_totals_match_ripgrep") is not None:
        rows.append(("phrase totals = ripgrep counts", r["phrase_totals_match_ripgrep"],
                     bool(r["phrase_totals_match_ripgrep"])))
    return [{"target": t, "value": v, "ok": bool(ok)} for t, v, ok in rows]


# ---------------------------------------------------------------- tables

def _lat(stats: dict | None) -> str:
    if not stats or stats.get("median_ms") is None:
        return "—"
    return f"{stats['median_ms']:.1f} / {stats['p95_ms']:.1f}"


def tables(r: dict) -> str:
    s = r["systems"]
    o, q, rg, w = s["ours"], s.get("sqlite_fts5_trigram"), s.get("ripgrep"), s.get("whoosh_jieba_typical")
    engine = r.get("engine", {})
    dirty = f", uncommitted: {' '.join(engine['uncommitted_in_search'])}" if engine.get("uncommitted_in_search") else ""
    out = [f"## {r['docs']} reports, {r['text_bytes'] / MB:.1f} MB of cleaned text (UTF-8), "
           f"{r['cores']} cores, {r['queries_per_class']} queries per class", "",
           f"Engine at {engine.get('commit', '?')}{dirty}"
           f"{' (CHANGED during the run)' if engine.get('changed_during_run_to') else ''}. "
           "CPU seconds used by other processes during each step (should be ~0): "
           + ", ".join(f"{k} {v['other_cpu_s']}" for k, v in r.get("steps", {}).items()) + ".", ""]
    out += ["| system | index MB/s | build s | peak RSS MB | index MB (× text) | incremental 100 s "
            "| keyword ms median / p95 | phrase ms median / p95 |",
            "|---|---|---|---|---|---|---|---|"]
    out.append(f"| ours | {o['index_mb_per_s']:.2f} | {o['index_s']:.1f} | {o['peak_rss_mb']:.0f} "
               f"| {o['index_bytes'] / MIB:.0f} ({o['index_to_text']:.2f}×) | {o['incremental_s']:.1f} "
               f"| {_lat(o['queries']['keyword'])} | {_lat(o['queries']['phrase'])} |")
    if q:
        n_unsup = sum(q["keyword_unsupported"].values())
        out.append(f"| SQLite FTS5 trigram | {q['index_mb_per_s']:.2f} | {q['index_s']:.1f} | {q['peak_rss_mb']:.0f} "
                   f"| {q['index_bytes'] / MIB:.0f} ({q['index_to_text']:.2f}×) | — "
                   f"| {_lat(q['queries']['keyword'])} ({n_unsup} unsupported) | {_lat(q['queries']['phrase'])} |")
    if rg:
        out.append(f"| ripgrep (`rg --count-matches -F`) | — | — | — | — | — | — | {_lat(rg['queries']['phrase'])} |")
    if w:
        out.append(f"| Whoosh + jieba ChineseAnalyzer ({w['docs']} reports) | {w['index_mb_per_s']:.2f} "
                   f"| {w['index_s']:.1f} | {w['peak_rss_mb']:.0f} | {w['index_bytes'] / MIB:.0f} "
                   f"({w['index_to_text']:.2f}×) | — | — | {_lat(w['queries']['phrase'])} |")
    out += ["", "Latency by query class, ms median / p95 (n answered):", "",
            "| class | ours | SQLite FTS5 trigram | ripgrep |", "|---|---|---|---|"]
    for kind in ("keyword", "phrase"):
        for cls, stats in o["queries"][kind]["classes"].items():
            qs = q["queries"][kind]["classes"].get(cls) if q else None
            rs = rg["queries"]["phrase"]["classes"].get(cls) if rg and kind == "phrase" else None
            cell = lambda st: f"{_lat(st)} ({st['n']})" if st and st.get("n") else "—"  # noqa: E731
            out.append(f"| {kind}/{cls} | {cell(stats)} | {cell(qs)} | {cell(rs)} |")
    ratios = [f"{k.replace('_over_ours', '')} {v}×" for k, v in r["ratios"].items()
              if k.endswith("_over_ours") and v is not None]
    out += ["", "Latency ratios, peer ÷ ours (> 1: ours is faster; SQLite over the queries it can answer): "
            + ", ".join(ratios)]
    c = r["correctness"]
    out += ["", "Correctness:"]
    if "phrase_vs_ripgrep" in c:
        pv = c["phrase_vs_ripgrep"]
        out.append(f"- phrase totals (occurrences, reports) = ripgrep: {pv['all_equal']} "
                   f"({pv['compared']} phrases){'' if pv['all_equal'] else ' e.g. ' + json.dumps(pv['differences'][:3], ensure_ascii=False)}")
    if "keyword_totals_match_sqlite" in c:
        kv = c["keyword_totals_match_sqlite"]
        out.append(f"- keyword totals = SQLite trigram counts: {kv['all_equal']} ({kv['compared']} queries)"
                   f"{'' if kv['all_equal'] else ' e.g. ' + json.dumps(kv['differences'][:3], ensure_ascii=False)}")
    texts = o.get("texts_identical_to_peers")
    if texts:
        out.append(f"- texts in our index identical to the cleaned files: "
                   f"{texts['differ'] == 0 and texts['missing'] == 0} ({texts['indexed']} indexed, "
                   f"{texts['differ']} differ, {texts['missing']} missing)")
    if w:
        examples = lambda rows: ", ".join(f"{e['q']} {e['whoosh']} vs {e['true']}" for e in rows[:4])  # noqa: E731
        out.append(f"- Whoosh + jieba on {w['docs']} reports, reports found vs reports containing the phrase: "
                   f"quoted phrase query wrong for {w['phrase_queries_wrong']} of {w['phrase_queries']} phrases "
                   f"({w['phrase_queries_present_wrong']} of the {w['phrase_queries_present']} that occur there) "
                   f"(e.g. {examples(w['phrase_wrong_examples'])}); unquoted (all words) wrong for "
                   f"{w['unquoted_queries_wrong']} (e.g. {examples(w['unquoted_wrong_examples'])})")
    out += ["", "Targets (set for 10 000 reports on 2 cores):", "", "| target | value | ok |", "|---|---|---|"]
    out += [f"| {t['target']} | {t['value']} | {'yes' if t['ok'] else '**NO**'} |" for t in r["targets"]]
    return "\n".join(out)


# ---------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Benchmark ours vs SQLite FTS5 trigram, ripgrep, Whoosh+jieba.")
    ap.add_argument("--docs", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--queries", type=int, default=50, help="queries per class (default 50)")
    ap.add_argument("--whoosh-docs", type=int, default=None,
                    help="reports for the Whoosh+jieba peer (default min(N, 2000); it is slow)")
    ap.add_argument("--no-whoosh", action="store_true", help="skip the Whoosh+jieba peer")
    ap.add_argument("--out", type=Path, default=None, help="results JSON (default bench/results-N.json)")
    args = ap.parse_args(argv)
    out_file = args.out or BENCH / f"results-{args.docs}.json"
    whoosh_docs = min(args.docs, args.whoosh_docs or 2000)
    started = time.perf_counter()

    corpus_cache = ensure_corpus(args.docs, args.seed)
    cleaned, manifest_file = ensure_cleaned(corpus_cache, args.docs)
    manifest = json.loads(manifest_file.read_text("utf-8"))
    text_bytes = sum(d["bytes"] for d in manifest["docs"])

    work = CACHE / f"run-{args.docs}-{args.seed}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    corpus = work / "corpus"  # a copy: the incremental step modifies it
    shutil.copytree(corpus_cache, corpus, ignore=shutil.ignore_patterns(".done"))

    texts = load_cleaned(cleaned, manifest)
    chosen = query_choice.choose(texts, args.queries, args.seed)
    del texts
    queries_file = work / "queries.json"
    queries_file.write_text(json.dumps(chosen, ensure_ascii=False, indent=1), "utf-8")
    say("queries: " + ", ".join(f"{kind}/{cls} {len(v)}" for kind in ("keyword", "phrase")
                                for cls, v in chosen[kind].items()))

    engine_before = engine_state()
    step("ours_build")
    ours_b = ours_build(corpus, work)
    step("ours_queries")
    ours_q = ours_queries(work, queries_file, manifest_file)
    say("ours: queries done")
    step("sqlite")
    sqlite = peers_sqlite(cleaned, manifest_file, work, chosen)
    step("ripgrep")
    rg = peers_ripgrep(cleaned, chosen)
    step("whoosh")
    whoosh = None if args.no_whoosh else peers_whoosh(cleaned, manifest_file, work, queries_file, whoosh_docs)
    step("ours_incremental")
    ours_inc = ours_incremental(corpus, work, manifest)
    step(None)
    engine_after = engine_state()

    result = summarize(args, text_bytes, chosen, ours_b, ours_q, ours_inc, sqlite, rg, whoosh)
    result["run_seconds"] = round(time.perf_counter() - started, 1)
    result["engine"] = engine_before
    if engine_after != engine_before:
        result["engine"]["changed_during_run_to"] = engine_after
        say(f"warning: the engine changed during the run ({engine_before} -> {engine_after})")
    result["steps"] = STEPS
    result["queries"] = chosen
    result["raw"] = {"ours": ours_q, "sqlite": sqlite and {k: sqlite[k] for k in ("keyword", "phrase")},
                     "ripgrep": rg and rg["phrase"]}
    out_file.write_text(json.dumps(result, ensure_ascii=False, indent=1), "utf-8")
    print()
    print(tables(result))
    print()
    say(f"results written to {out_file} (run took {result['run_seconds']:.0f} s)")


if __name__ == "__main__":
    main()
