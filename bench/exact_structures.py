"""Exact substring structures compared, for per-report counts and positions.

The suffix array per segment as the engine builds it (memory-mapped), with and without
its gram doc postings; fm-index's MultiFMIndex; positional bigram postings (a string is
its rarest pair's positions where the other pairs follow at their offsets). Each is built
in a spawned child (time, peak RSS = VmHWM) on one segment-sized chunk (the first reports
up to 2^24 characters), the whole 10k library and (suffix array) the 100k one, in segments
cut as the engine cuts them; then opened in a fresh child and asked (median of --reps runs)
per-report counts (str.count's) and totals of common strings (的 ， 。 工作 发展), mid ones
(4-character words in ~10% of reports), rare ones (in 1-5), and first50: (report, offset)
of the first 50 occurrences in report order (KWIC). Sizes in bytes per character: on disk,
and RSS growth of opening and querying. Every answer is checked against str.count and
str.find (exit 1 if any differs). "100k (extrapolated)" rows are computed (see extrapolate).
Timings on a busy machine are contended.

    pip install fm-index
    python bench/exact_structures.py [--texts DIR] [--reps 5] [--no-100k] [--out PATH]
"""
from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing as mp
import pickle
import random
import re
import shutil
import statistics
import tempfile
import time
import timeit
from collections import Counter
from pathlib import Path

import numpy as np

from search.analysis import fold, term_gram_keys
from search.matching import _non_overlapping, _overlaps_itself
from search.store import grams, suffix
from search.store.builder import MAX_DOCS, _runs, folded_codes

CACHE = Path(__file__).resolve().parent / ".cache"
TEXTS = CACHE / "cleaned-10000-1" / "texts"
SCALE = CACHE / "cleaned-100000-1"
COMMON = [fold(s) for s in ("的", "，", "。", "工作", "发展")]   # ， folds to ","
FIRST = 50
CJK = re.compile(r"[\u4e00-\u9fff]+")

def load(folder: Path, hi: int | None = None) -> list[str]:
    return [f.read_text(encoding="utf-8") for f in sorted(Path(folder).glob("*.txt"))[:hi]]

def segment_bounds(lengths: list[int]) -> list[tuple[int, int]]:
    """Report ranges [a, b) of segments, cut as SegmentBuilder.fits cuts them."""
    bounds, a, chars = [], 0, 0
    for i, n in enumerate(lengths):
        if i > a and (i - a >= MAX_DOCS or chars + n + 1 > suffix.MAX_CHARS):
            bounds.append((a, i))
            a, chars = i, 0
        chars += n + 1
    return bounds + [(a, len(lengths))]

def starts_of(texts: list[str]) -> np.ndarray:
    return np.concatenate([[0], np.cumsum([len(t) + 1 for t in texts])]).astype(np.int64)

def proc(field: str) -> int:
    """A /proc/self/status figure (VmRSS, VmHWM) in bytes."""
    return int(re.search(rf"{field}:\s+(\d+)", Path("/proc/self/status").read_text())[1]) * 1024

def greedy(pos: np.ndarray, docs: np.ndarray, s: str) -> tuple[np.ndarray, np.ndarray]:
    """The occurrences (sorted positions) that str.count counts."""
    keep = _non_overlapping(pos, docs, len(s)) if _overlaps_itself(s) else slice(None)
    return pos[keep], docs[keep]

# ------------------------------------------------------------ structures
# Each answers counts(s) -> (reports ascending, counts) and first(s, k) -> [(report, offset)].

class SASegment:
    """One segment's suffix array (and gram postings), read as matching.find reads them."""
    def __init__(self, folder: Path, base: int, use_grams: bool):
        def mm(name):
            return np.load(folder / f"{name}.npy", mmap_mode="r")
        self.base, self.starts = base, np.load(folder / "doc_starts.npy")
        self.index = suffix.SuffixIndex(mm("codes"), mm("sa"), self.starts)
        self.grams = tuple(mm(f"gram_{x}") for x in ("keys", "starts", "docs", "tf")) if use_grams else None

    def _run(self, s: str) -> np.ndarray:
        pattern = self.index.encode(s)
        return self.index.positions(*self.index.range(pattern)) if pattern is not None else np.zeros(0, np.int64)

    def counts(self, s):
        if self.grams is not None and len(s) <= 2:
            keys, starts, docs, tf = self.grams
            i = int(np.searchsorted(keys, key := np.uint64(term_gram_keys(s)[0])))
            if i < len(keys) and keys[i] == key:
                a, b = int(starts[i]), int(starts[i + 1])
                return np.asarray(docs[a:b]).astype(np.int64) + self.base, np.asarray(tf[a:b]).astype(np.int64)
        pos = np.sort(self._run(s))                       # as matching.find: all positions, sorted
        d, c = np.unique(greedy(pos, self.index.docs_of(pos), s)[1], return_counts=True)
        return d + self.base, c

    def first(self, s, k):
        pos, m = self._run(s), k
        while True:  # the m smallest positions are a prefix of the sorted run
            few = np.sort(pos if len(pos) <= m else np.partition(pos, m)[:m])
            few, docs = greedy(few, self.index.docs_of(few), s)
            if len(few) >= k or m >= len(pos):
                return [(int(d) + self.base, int(p - self.starts[d])) for p, d in zip(few[:k], docs[:k], strict=True)]
            m *= 4

class Many:
    """Segments in report order: counts concatenated; first() stops when it has k."""
    def __init__(self, parts):
        self.parts = parts

    def counts(self, s):
        docs, counts = zip(*(p.counts(s) for p in self.parts), strict=True)
        return np.concatenate(docs), np.concatenate(counts)

    def first(self, s, k):
        out = []
        for p in self.parts:
            out += p.first(s, k - len(out)) if len(out) < k else []
        return out

class Bigrams:
    """Positional bigram postings: the pairs (a << 16 | b, sorted), where each
    one's positions start, and the positions (int32, ascending per pair)."""
    def __init__(self, folder: Path):
        self.keys, self.ptr, self.pos = (np.load(folder / f"{n}.npy", mmap_mode="r") for n in ("keys", "ptr", "pos"))
        self.starts = np.load(folder / "doc_starts.npy")

    @staticmethod
    def build(texts: list[str], work: Path) -> list:
        t0 = time.perf_counter()
        np.save(work / "doc_starts.npy", starts_of(texts))
        codes = np.frombuffer(("\n".join(texts) + "\n").encode("utf-32-le"), np.uint32)
        keys = (codes[:-1].astype(np.uint32) << 16) | codes[1:].astype(np.uint32)
        order = np.argsort(keys, kind="stable").astype(np.int32)   # stable: positions ascend per pair
        uniq, ptr = _runs(keys[order])
        for name, array in (("keys", uniq), ("ptr", ptr), ("pos", order)):
            np.save(work / f"{name}.npy", array)
        return [("bigram positions", {"build_s": time.perf_counter() - t0, "peak": proc("VmHWM"), "disk": disk(work)})]

    def _slice(self, lo_key: int, hi_key: int) -> np.ndarray:
        """The positions of the pairs in [lo_key, hi_key) (one slice: keys are sorted)."""
        i, j = (int(np.searchsorted(self.keys, np.int64(k))) for k in (lo_key, hi_key))
        return np.asarray(self.pos[self.ptr[i]:self.ptr[j]]) if j > i else np.zeros(0, np.int32)

    def _occurrences(self, s: str) -> np.ndarray:
        c = [ord(x) for x in s]
        if max(c) > 0xFFFF:
            return np.zeros(0, np.int64)
        if len(c) == 1:   # every pair that starts with the character
            return np.sort(self._slice(c[0] << 16, (c[0] + 1) << 16).astype(np.int64))
        lists = sorted(((self._slice(k, k + 1), off) for off, k in enumerate(
            (a << 16) | b for a, b in itertools.pairwise(c))), key=lambda x: len(x[0]))
        cand = lists[0][0].astype(np.int64) - lists[0][1]   # the rarest pair's, then filtered
        for lst, off in lists[1:]:
            if not len(cand):
                break
            want = cand + off
            cand = cand[lst[np.minimum(np.searchsorted(lst, want), len(lst) - 1)] == want]
        return cand

    def _found(self, s):
        pos = self._occurrences(s)
        return greedy(pos, np.searchsorted(self.starts, pos, side="right") - 1, s)

    def counts(self, s):
        return np.unique(self._found(s)[1], return_counts=True)

    def first(self, s, k):
        pos, docs = self._found(s)
        return [(int(d), int(p - self.starts[d])) for p, d in zip(pos[:k], docs[:k], strict=True)]

class FM:
    """fm_index.MultiFMIndex over the reports (report number = list index)."""
    def __init__(self, index):
        self.index = index

    def _doc(self, s, doc):
        pos = np.sort(np.array(self.index.locate(s, doc_id=doc), np.int64))
        return greedy(pos, np.zeros(len(pos), np.int64), s)[0]

    def counts(self, s):
        found = self.index.count(s)
        if _overlaps_itself(s):   # the index counts overlapping occurrences: locate and thin out
            found = {d: len(self._doc(s, d)) for d in found}
        docs, counts = (np.fromiter(x, np.int64, len(found)) for x in (found.keys(), found.values()))
        order = np.argsort(docs)
        return docs[order], counts[order]

    def first(self, s, k):
        out = []
        for d in sorted(self.index.count(s)):
            out += [(d, int(p)) for p in self._doc(s, d)[:k - len(out)]] if len(out) < k else []
        return out

# ------------------------------------------------------------ children: build; open and query
def disk(folder: Path, pattern: str = "*") -> int:
    return sum(f.stat().st_size for f in folder.rglob(pattern) if f.is_file())

def build_sa(texts, work):
    """Segments as the engine writes them: codes and suffix array, then gram postings."""
    t0, bounds = time.perf_counter(), segment_bounds([len(t) for t in texts])
    np.save(work / "bases.npy", np.array([a for a, _ in bounds]))
    for i, (a, b) in enumerate(bounds):
        (seg := work / f"seg{i}").mkdir()
        codes = np.concatenate([folded_codes(t) for t in texts[a:b]])   # native order: back to big-endian
        codes = codes.astype(">u4" if codes.dtype.itemsize == 4 else ">u2")
        for name, array in (("doc_starts", starts_of(texts[a:b])), ("codes", codes), ("sa", suffix.build(codes))):
            np.save(seg / f"{name}.npy", array)
    plain = {"build_s": time.perf_counter() - t0, "peak": proc("VmHWM"), "disk": disk(work), "segments": len(bounds)}
    t0 = time.perf_counter()
    for i in range(len(bounds)):
        seg = work / f"seg{i}"
        keys, docs, tf = grams.frequent_grams(np.load(seg / "codes.npy", mmap_mode="r"), SASegment(seg, 0, False).index)
        keys, starts = _runs(keys)
        for name, array in (("keys", keys), ("starts", starts), ("docs", docs), ("tf", tf)):
            np.save(seg / f"gram_{name}.npy", array)
    gram_s = time.perf_counter() - t0
    return [("suffix array", plain), ("suffix array + grams", dict(
        plain, build_s=plain["build_s"] + gram_s, gram_s=gram_s, peak=proc("VmHWM"), disk=disk(work)))]

def build_fm(texts, work):
    from fm_index import MultiFMIndex
    t0 = time.perf_counter()
    index = MultiFMIndex(texts)
    row = {"build_s": time.perf_counter() - t0, "peak": proc("VmHWM")}
    (work / "fm.pkl").write_bytes(pickle.dumps(index))   # the pickled index: its size on disk
    return [("fm-index", dict(row, disk=disk(work)))]

BUILDERS = {"sa": build_sa, "bigrams": Bigrams.build, "fm": build_fm}

def open_structure(name: str, work: Path):
    if name == "fm-index":
        return FM(pickle.loads((work / "fm.pkl").read_bytes()))
    if name == "bigram positions":
        return Bigrams(work)
    bases = np.load(work / "bases.npy").tolist()
    return Many([SASegment(work / f"seg{i}", b, name.endswith("grams")) for i, b in enumerate(bases)])

def build_child(kind, folder, hi, work, conn):
    texts = load(folder, hi)
    base = proc("VmRSS")   # the interpreter and the texts, before the build
    rows = BUILDERS[kind](texts, Path(work))
    conn.send([(name, dict(row, chars=int(starts_of(texts)[-1]), base_rss=base)) for name, row in rows])

def timed(fn, reps: int) -> float:
    """Median milliseconds of fn() over reps runs."""
    return statistics.median(timeit.repeat(fn, number=1, repeat=reps)) * 1000

def query_child(name, work, groups, reps, conn):
    """Open the structure from disk in a fresh process and ask it everything."""
    rss, t0 = proc("VmRSS"), time.perf_counter()
    structure = open_structure(name, Path(work))
    out = {"open_ms": (time.perf_counter() - t0) * 1000, "queries": {}}
    for group, strings in groups.items():
        for s in strings:
            docs, counts = structure.counts(s)          # warm-up, and the answer to check
            out["queries"][s] = {"group": group, "docs": docs.tolist(), "counts": counts.tolist(),
                                 "first": structure.first(s, FIRST),
                                 "count_ms": timed(lambda s=s: structure.counts(s), reps),
                                 "first_ms": timed(lambda s=s: structure.first(s, FIRST), reps)}
    out["query_rss"] = proc("VmRSS") - rss     # the structure's pages touched, and its heap
    conn.send(out)

def spawn(target, *args):
    """target(*args, conn) in a fresh interpreter (so its VmHWM is its own): what it sends."""
    ctx = mp.get_context("spawn")
    recv, send = ctx.Pipe(duplex=False)
    (p := ctx.Process(target=target, args=(*args, send))).start()
    send.close()
    out = recv.recv()
    p.join()
    return out

# ------------------------------------------------------------ strings and the reference
def pick_strings(texts, chunk_hi, rng):
    import jieba
    jieba.setLogLevel(60)
    jieba.dt.check_initialized()
    df = Counter()
    for i in rng.sample(range(chunk_hi), 1000):
        df.update({w[j:j + 4] for w in CJK.findall(texts[i]) for j in range(len(w) - 3)})
    mid = sorted(w for w, c in df.items() if 80 <= c <= 120 and jieba.dt.FREQ.get(w, 0) > 0)
    rare = []
    while len(rare) < 5:    # 4-6 CJK characters from a report of the chunk, in 1-5 reports
        runs = [w for w in CJK.findall(texts[rng.randrange(chunk_hi)]) if len(w) >= 6]
        if runs:
            w, n = rng.choice(runs), rng.randint(4, 6)
            w = w[(j := rng.randrange(len(w) - n + 1)):j + n]
            rare += [w] if 1 <= sum(w in t for t in texts) <= 5 and w not in rare else []
    check = ["00", "......", "zqxjvk", "发展发展"]   # overlapping themselves, or (probably) absent
    while len(check) < 16:  # and random substrings of 1-8 characters
        t = texts[rng.randrange(len(texts))]
        w = t[(j := rng.randrange(len(t))):j + rng.randint(1, 8)]
        check += [w] if "\n" not in w and w not in check else []
    return {"common": COMMON, "mid": rng.sample(mid, 5), "rare": rare, "check": check}

def reference(texts, s):
    """Reports holding s, its str.count in each, and its first occurrences (str.find)."""
    counts = np.array([t.count(s) for t in texts])
    docs, first = np.flatnonzero(counts), []
    for d in docs[:FIRST]:
        p = texts[d].find(s)
        while p >= 0:
            first.append((int(d), p))
            p = texts[d].find(s, p + len(s))
    return docs.tolist(), counts[docs].tolist(), first[:FIRST]

def verify(rows, texts, scope) -> list[str]:
    bad, refs = [], {s: reference(texts, s) for s in rows[0][1]["queries"]}
    for name, row in rows:
        for s, q in row["queries"].items():
            docs, counts, first = refs[s]
            q["total"], q["reports"] = sum(counts), len(docs)
            if q.pop("docs") != docs or q.pop("counts") != counts:
                bad.append(f"{name} @ {scope}: counts of {s!r} differ")
            if [tuple(x) for x in q.pop("first")] != first:
                bad.append(f"{name} @ {scope}: first positions of {s!r} differ")
    return bad

# ------------------------------------------------------------ 100k, tables
def extrapolate(results, f_whole, f_chunk):
    """Rows for a library f_whole times the 10k one, linear in characters: build and query
    times (these grow with the occurrences, and the segments). Kept as measured: the peak
    of a segmented build (a segment at a time), first50 of common and mid strings from
    segments (found in the first one)."""
    def scaled(row, f, segmented):
        qs = {s: dict(q, count_ms=q["count_ms"] * f, first_ms=q["first_ms"] * (
                  1 if segmented and q["group"] in ("common", "mid") else f)) for s, q in row["queries"].items()}
        peak = row["peak"] if segmented else row["base_rss"] + (row["peak"] - row["base_rss"]) * f
        return dict(row, build_s=row["build_s"] * f, peak=peak, queries=qs)
    rows = {name: scaled(row, f_whole, name.startswith("suffix")) for name, row in results["whole 10k"].items()
            if name not in results.get("whole 100k", {})}
    # an FM-index per segment instead, queries summed over the segments
    rows["fm-index per segment"] = scaled(results["chunk"]["fm-index"], f_chunk, True)
    return rows

def table(results) -> str:
    head = ("| library | structure | build s | peak RSS MB | disk B/char | RSS querying B/char | open ms | counts 的 ms"
            " | counts common med / max | mid med / max | rare med / max | first50 common med / max | mid | rare |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for scope, rows in results.items():
        for name, r in rows.items():
            cells = [scope, name, f"{r['build_s']:.1f}", f"{r['peak'] / 2**20:.0f}", f"{r['disk'] / r['chars']:.2f}",
                     f"{r['query_rss'] / r['chars']:.2f}", f"{r['open_ms']:.0f}",
                     f"{r['queries'][COMMON[0]]['count_ms']:.2f}"]
            for key, group in [(k, g) for k in ("count_ms", "first_ms") for g in ("common", "mid", "rare")]:
                vals = [q[key] for q in r["queries"].values() if q["group"] == group]
                cells.append(f"{statistics.median(vals):.2f}" + (
                    f" / {max(vals):.2f}" if key == "count_ms" or group == "common" else ""))
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--texts", type=Path, default=TEXTS)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--no-100k", action="store_true", help="do not build the suffix arrays of the 100k library")
    ap.add_argument("--out", type=Path, default=Path("/tmp/exact_structures.json"))
    args = ap.parse_args()
    started, load_before = time.time(), Path("/proc/loadavg").read_text().split()[:3]
    texts = load(args.texts)
    chunk_hi = segment_bounds([len(t) for t in texts])[0][1]
    groups = pick_strings(texts, chunk_hi, random.Random(1))
    print("strings:", json.dumps(groups, ensure_ascii=False), flush=True)
    scopes = [("chunk", args.texts, chunk_hi, list(BUILDERS)), ("whole 10k", args.texts, None, list(BUILDERS))]
    if (SCALE / "manifest.json").exists() and not args.no_100k:
        scopes.append(("whole 100k", SCALE / "texts", None, ["sa"]))
    tmp, results, problems, chars = tempfile.mkdtemp(prefix="exact_structures_"), {}, [], {}
    for scope, folder, hi, scope_kinds in scopes:
        results[scope], scope_texts = {}, texts[:hi] if folder == args.texts else load(folder)
        chars[scope] = int(starts_of(scope_texts)[-1])
        for kind in scope_kinds:
            t0, work = time.time(), tempfile.mkdtemp(prefix=kind, dir=tmp)
            rows = spawn(build_child, kind, folder, hi, work)
            for name, row in rows:
                row.update(spawn(query_child, name, work, groups, args.reps))
            shutil.rmtree(work)
            problems += verify(rows, scope_texts, scope)
            results[scope].update(rows)
            print(f"{scope} {kind}: {time.time() - t0:.0f} s", flush=True)
    shutil.rmtree(tmp)
    big = chars.get("whole 100k", 10 * chars["whole 10k"])   # the 100k library, else the 10k one x10
    results["100k (extrapolated)"] = extrapolate(results, big / chars["whole 10k"], big / chars["chunk"])
    md = table(results)
    print(md, "\n\nmismatches:", problems or "none")
    info = {"strings": groups, "mismatches": problems, "chars": chars, "extrapolated_to_chars": big,
            "seconds": time.time() - started, "results": results, "table": md,
            "loadavg_before_after": [load_before, Path("/proc/loadavg").read_text().split()[:3]]}
    args.out.write_text(json.dumps(info, ensure_ascii=False, indent=1))
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
