"""Our engine, driven in a child process so its time and memory are its own.

    python bench/ours.py build  CORPUS INDEX     full build (--rebuild)
    python bench/ours.py update CORPUS INDEX     incremental run
    python bench/ours.py query  INDEX QUERIES.json [MANIFEST.json]

Each prints one JSON line (the last line of stdout) for bench/run.py.
"""
from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import self_peak_rss_mb, self_rss_mb  # noqa: E402


def index(corpus: Path, index_dir: Path, rebuild: bool) -> dict:
    from search.indexer import index_corpus

    started = time.perf_counter()
    summary = index_corpus(corpus, index_dir, rebuild=rebuild)
    return {"seconds": time.perf_counter() - started, "engine_seconds": summary.seconds,
            "added": summary.added, "updated": summary.updated, "removed": summary.removed,
            "unchanged": summary.unchanged, "reports": summary.reports,
            "text_bytes": summary.text_bytes, "skipped": summary.skipped[:20],
            "skipped_count": len(summary.skipped), "rebuilt_because": summary.rebuilt_because}


def warm_texts(gen) -> float | None:
    """Decode and fold every text first, as a server does in the background
    after loading a generation (Library(warm=True)); here synchronously, so
    that no query competes with it. None if the engine has no such step."""
    warm = getattr(gen, "warm", None)
    if not callable(warm):
        return None
    started = time.perf_counter()
    warm()
    return (time.perf_counter() - started) * 1000


def _forget_term_cache(library) -> None:
    """Every timed query does its full work: drop the per-term match cache
    (a query result cache) but keep the loaded texts (the warm state)."""
    masks = getattr(library, "_masks", None)
    if isinstance(masks, dict):
        masks.clear()
    gen = getattr(library, "_gen", None)
    if gen is not None:  # phrase lookup keeps the matches of recent phrases too
        gen.derived.pop("phrase_matches", None)


def _time_search(library, q: str) -> dict:
    _forget_term_cache(library)
    started = time.perf_counter()
    result = library.search(q, per_page=10)
    ms = (time.perf_counter() - started) * 1000
    # Reports matched; near-duplicates fold into one hit, but peers count them all.
    return {"q": q, "ms": ms, "total": result.total + result.merged, "hits": len(result.hits),
            "snippets": sum(len(h.snippets) for h in result.hits)}


def _time_phrase(library, q: str) -> dict:
    from search.phrase import lookup

    _forget_term_cache(library)
    started = time.perf_counter()
    result = lookup(library, q, per_page=50)
    ms = (time.perf_counter() - started) * 1000
    return {"q": q, "ms": ms, "occurrences": result.total_occurrences,
            "reports": result.total_reports, "lines": len(result.lines)}


def query(index_dir: Path, queries_file: Path, manifest_file: Path | None) -> dict:
    from search.searcher import Library

    queries = json.loads(queries_file.read_text("utf-8"))
    rss_before = self_rss_mb()
    started = time.perf_counter()
    library = Library(index_dir)
    gen = library.generation()
    open_ms = (time.perf_counter() - started) * 1000
    warm_texts_ms = warm_texts(gen)
    warm = {"keyword": _time_search(library, queries["warmup"]["keyword"]),
            "phrase": _time_phrase(library, queries["warmup"]["phrase"])}
    rss_warm = self_rss_mb()
    out = {"open_ms": open_ms, "warm_texts_ms": warm_texts_ms, "warmup": warm,
           "rss_before_open_mb": rss_before,
           "rss_after_warmup_mb": rss_warm, "keyword": {}, "phrase": {}}
    for cls, qs in queries["keyword"].items():
        out["keyword"][cls] = [_time_search(library, item["q"]) for item in qs]
    for cls, qs in queries["phrase"].items():
        out["phrase"][cls] = [_time_phrase(library, q) for q in qs]
    out["rss_end_mb"] = self_rss_mb()
    out["peak_rss_mb"] = self_peak_rss_mb()
    if manifest_file:
        out["texts"] = compare_texts(library, json.loads(manifest_file.read_text("utf-8")))
    return out


def compare_texts(library, manifest: dict) -> dict:
    """Are the texts in our index exactly the cleaned texts the peers got?"""
    gen = library.generation()
    expected = {d["id"]: d["hash"] for d in manifest["docs"]}
    differ = [d["id"] for i, d in enumerate(gen.docs)
              if gen.indexed[i] and expected.get(d["id"]) != text_hash(gen.text(i))]
    missing = sorted(set(expected) - set(gen.position))
    return {"indexed": gen.n, "expected": len(expected), "differ": len(differ),
            "differ_examples": differ[:5], "missing": len(missing), "missing_examples": missing[:5]}


def text_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


def main(argv: list[str]) -> None:
    command, *args = argv
    if command in ("build", "update"):
        result = index(Path(args[0]), Path(args[1]), rebuild=command == "build")
    elif command == "query":
        result = query(Path(args[0]), Path(args[1]), Path(args[2]) if len(args) > 2 else None)
    else:
        raise SystemExit(__doc__)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
