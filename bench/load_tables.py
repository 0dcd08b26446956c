"""What the load test reports: percentiles and per-kind and per-class
summaries of the request records, and the Markdown tables printed at the end."""
from __future__ import annotations

import numpy as np
from load_mix import WEIGHTS

PHRASE_BUDGET_MS = 60.0     # phrase p95 at 10k reports for the JSON API (issue 4)


def pct(ms: list[float], p: float) -> float | None:
    return round(float(np.percentile(np.asarray(ms), p)), 2) if ms else None


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
    def quarters(d: dict) -> str:
        return ", ".join(f"{k} {v}" for k, v in d["peak_by_quarter_of_run"].items())
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
        out += ["", f"First errors ({s['overall']['errors']} in all):"]
        out += [f"- {e}" for e in result["first_errors"][:10]]
    return "\n".join(out)


def phrase_table(ph: dict) -> str:
    out = [(f"/phrase.json alone, one request at a time, 20 each, each counted afresh "
            f"(budget p95 ≤ {PHRASE_BUDGET_MS:.0f} ms); "
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
