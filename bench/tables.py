"""Markdown tables from a results JSON (`python bench/run.py --markdown FILE`):
what a user pays per system, then latency per query class with the ratio
ours ÷ best peer, then the correctness checks."""
from __future__ import annotations

import json

import summary
from summary import MB, MIB, SYSTEMS

LABELS = {"ours": "ours", "sqlite_fts5_trigram": "SQLite FTS5 trigram", "tantivy": "tantivy",
          "ripgrep": "ripgrep", "grep": "grep -F -c"}


def _n(v, fmt: str = ".1f", scale: float = 1.0) -> str:
    return "—" if v is None else format(v / scale, fmt)


def _cell(st: dict | None) -> str:
    if not st or not st.get("answered"):
        return "—" if not st else f"— (0 of {st['of']})"
    part = "" if st["answered"] == st["of"] else f" ({st['answered']} of {st['of']})"
    wrong = f" **{st['wrong']} wrong**" if st.get("wrong") else ""
    return f"{st['median_ms']:.1f} / {st['p95_ms']:.1f}{part}{wrong}"


def _ratio(r: dict | None) -> str:
    if not r or not r.get("best_peer"):
        return "—"
    peer = LABELS.get(r["best_peer"], r["best_peer"])
    ratio = f"{_n(r.get('median'), '.2f')} / {r['p95']:.2f}"
    return f"{ratio} ({peer})" if r["winner"] == "ours" else f"**{peer} wins**: {ratio}"


def _size(s: dict, live: str, folder: str) -> str:
    if s.get(live) is None:
        return "—"
    return f"{_n(s[live], '.0f', MIB)} ({_n(s.get(folder), '.0f', MIB)})"


def _memory(server: dict | None) -> str:
    """heap / mapped MiB after warm-up → after the queries."""
    if not server or not server.get("memory_after_queries"):
        return "—"
    w, q = server.get("memory_after_warmup") or {}, server["memory_after_queries"]
    return (f"{_n(w.get('rss_anon_mb'), '.0f')} / {_n(w.get('rss_file_mb'), '.0f')} → "
            f"{_n(q.get('rss_anon_mb'), '.0f')} / {_n(q.get('rss_file_mb'), '.0f')}")


def costs(r: dict) -> list[str]:
    out = [("| system | index MB/s | build s | build peak RSS MiB | index MiB (folder) | after incremental MiB "
            "(folder) | incremental s | incremental peak RSS MiB | server RSS heap / mapped MiB, warm → after queries "
            "| cold start s |"),
           "|---|---|---|---|---|---|---|---|---|---|"]
    for name in SYSTEMS:
        s = r["systems"].get(name)
        if not s or (s["index_mb_per_s"] is None and not s.get("server")):
            continue  # ripgrep and grep: no index, no server
        reused = " (reused)" if s.get("build_reused") else ""
        heap = _memory(s.get("server"))
        out.append(f"| {LABELS[name]} | {_n(s['index_mb_per_s'], '.2f')}{reused} | {_n(s.get('index_s'))} "
                   f"| {_n(s['peak_rss_mb'], '.0f')} | {_size(s, 'index_bytes', 'index_folder_bytes')} "
                   f"| {_size(s, 'index_bytes_after_incremental', 'index_folder_bytes_after_incremental')} "
                   f"| {_n(s['incremental_s'])} | {_n(s['incremental_peak_rss_mb'], '.0f')} | {heap} "
                   f"| {_n(s['cold_start_s'], '.2f')} |")
    return out


def latencies(r: dict) -> list[str]:
    present = [n for n in SYSTEMS if n in r["systems"]]
    ratio = "ours" in present  # the ratio column only when ours was measured
    out = ["| class | " + " | ".join(LABELS[n] for n in present) + (" | ours ÷ best peer (median / p95)" * ratio)
           + " |", "|---|" + "---|" * (len(present) + ratio)]
    classes = list(dict.fromkeys(c for n in present for c in r["systems"][n]["queries"]))
    for cls in classes:
        cells = [_cell(r["systems"][n]["queries"].get(cls)) for n in present]
        cells += [_ratio(r.get("ratios", {}).get(cls))] * ratio
        out.append(f"| {cls} | " + " | ".join(cells) + " |")
    return out


def markdown(r: dict) -> str:
    noise = r.get("cpu", {}).get("total", {})
    share = noise.get("other_share")
    contended = (f"other processes used {noise.get('other_cpu_s')} CPU s, {share:.0%} of this run's "
                 f"{noise.get('own_cpu_s')} s" if share is not None else "other processes' CPU unknown")
    title = (f"## {r['docs']} reports, {r['text_bytes'] / MB:.0f} MB of cleaned text, {r.get('cores')} cores, "
             f"{r.get('queries_per_class')} queries a class (median of {r.get('reps')} runs each)")
    engine = r.get("engine", {})
    changed = engine.get("changed_during_run_to", {}).get("commit")
    conditions = (f"Engine at {engine.get('commit', '?')}"
                  + (f" (changed to {changed} during the run: a step that starts a process runs the code "
                     f"of that moment)" if changed else "") + f"; {contended}"
                  f"{' — CONTENDED: figures skewed, rerun on a quiet machine' if r.get('contended') else ''}. "
                  f"Generated corpus: {r.get('corpus', {}).get('distinct_share', 0):.0%} of sentences distinct.")
    steps = r.get("cpu", {}).get("steps", {})
    busy = [f"{name.replace('_', ' ')} {st['other_share']:.0%}" for name, st in steps.items()
            if st.get("other_share") is not None and name.startswith(("build", "incremental", "queries"))]
    if busy:
        conditions += " Other processes' CPU, as a share of the step's own: " + ", ".join(busy) + "."
    head = [title, "", conditions, ""]
    out = head + [("What a user pays (MiB = 2^20 bytes; index = the live index, folder = all it leaves on disk; "
                   "a peer's server is its query worker, bodies in memory):"), ""] + costs(r)
    out += ["", ("Latency by query class, ms median / p95 (answered of asked, when not all; a wrong answer "
                 "is not counted):"), ""] + latencies(r)
    c = r.get("correctness", {})
    out += ["", "Correctness:",
            (f"- phrase totals = ripgrep's (occurrences and reports; grep: reports) for every system: "
             f"**{r.get('phrase_totals_match_ripgrep')}** ({c.get('phrase_answers_checked', 0)} answers checked)"),
            (f"- keyword totals = the exact count: **{c.get('keyword_totals_exact')}** "
             f"({c.get('keyword_answers_checked', 0)} answers checked)")]
    for w in c.get("wrong", [])[:10]:
        out.append(f"  - {LABELS.get(w['system'], w['system'])} {w['class']} `{w['q']}`: "
                   f"{w['got']} instead of {w['expected']}")
    texts = r["systems"].get("ours", {}).get("texts_identical_to_peers")
    if texts:
        out.append(f"- texts in our index identical to the cleaned texts: "
                   f"{texts['differ'] == 0 and texts['missing'] == 0} ({texts['expected']} checked)")
    w = r.get("whoosh_jieba_typical")
    if w:
        out.append(f"- Whoosh + jieba ChineseAnalyzer on the first {w['docs']} reports: "
                   f"{w['index_mb_per_s']:.2f} MB/s; "
                   f"quoted phrase queries wrong for {w['phrase_queries_wrong']} of {w['phrase_queries']} "
                   f"({', '.join(f'{k} {v}' for k, v in w['wrong_by_class'].items() if v)}), unquoted for "
                   f"{w['unquoted_queries_wrong']}")
    goals = summary.targets(r["systems"], r.get("text_bytes") or 0)  # today's targets, whatever the file says
    missed = [t for t in goals if not t["ok"]]
    if goals:
        out += ["", f"Targets (issue 12, 2 cores): {len(goals) - len(missed)} of {len(goals)} met"
                + ("; missed: " + ", ".join(f"{t['target']} ({t['value']})" for t in missed) if missed else "")]
    return "\n".join(out)


def print_file(path) -> None:
    with open(path, encoding="utf-8") as fh:
        print(markdown(json.load(fh)))
