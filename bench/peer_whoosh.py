"""The typical Whoosh + jieba.analyse.ChineseAnalyzer setup, the one most
tutorials show, to show what its phrase queries count. Slow (~0.4 MB/s),
so it runs on the first few thousand reports only.

    python bench/peer_whoosh.py build  RAW_TEXTS MANIFEST WHOOSH_DIR DOCS
    python bench/peer_whoosh.py phrase RAW_TEXTS MANIFEST WHOOSH_DIR DOCS QUERIES.json

It indexes the cleaned texts as they are (not folded: its users do not fold).
"""
from __future__ import annotations

import importlib
import json
import shutil
import sys
import time
from pathlib import Path

PHRASE_CLASSES = ("rare", "common", "short", "subword", "crossword", "punct", "latin")


def _docs(manifest_file: Path, limit: int) -> list[dict]:
    return json.loads(Path(manifest_file).read_text("utf-8"))["docs"][:limit]


def _schema():
    from whoosh.fields import ID, TEXT, Schema

    # The typical setup is the peer under test; the engine never uses it (its
    # ChineseAnalyzer breaks phrase queries), so it is loaded only here.
    analyzer = importlib.import_module("jieba.analyse").ChineseAnalyzer()
    return Schema(path=ID(stored=True, unique=True), content=TEXT(stored=True, analyzer=analyzer))


def build(texts: Path, manifest_file: Path, wdir: Path, docs: int) -> dict:
    """As the tutorials do it: one writer, add_document per file, commit."""
    import jieba
    from whoosh import index

    jieba.setLogLevel(60)
    started = time.perf_counter()
    shutil.rmtree(wdir, ignore_errors=True)
    wdir.mkdir(parents=True)
    ix = index.create_in(wdir, _schema())
    writer = ix.writer()
    total = 0
    for d in _docs(manifest_file, docs):
        text = (texts / d["id"]).read_text("utf-8")
        total += len(text.encode("utf-8"))
        writer.add_document(path=d["id"], content=text)
    writer.commit()
    size = sum(p.stat().st_size for p in wdir.rglob("*") if p.is_file())
    return {"seconds": time.perf_counter() - started, "docs": docs, "text_bytes": total, "index_bytes": size}


def phrase(texts: Path, manifest_file: Path, wdir: Path, docs: int, queries_file: Path) -> dict:
    """Phrase queries as users type them, quoted (a Whoosh phrase query) and
    unquoted (all its words), against the true counts (reports containing
    the phrase) on the same subset."""
    import jieba
    from whoosh import index
    from whoosh.qparser import QueryParser

    jieba.setLogLevel(60)
    bodies = [(texts / d["id"]).read_text("utf-8") for d in _docs(manifest_file, docs)]
    items = json.loads(queries_file.read_text("utf-8"))["items"]
    phrases = [it for it in items if it["kind"] == "phrase" and it["cls"] in PHRASE_CLASSES and '"' not in it["q"]]
    ix = index.open_dir(wdir)
    results = []
    with ix.searcher() as searcher:
        parser = QueryParser("content", ix.schema)
        searcher.search(parser.parse('"工作"'), limit=10)  # warm-up
        for it in phrases:
            started = time.perf_counter()
            hits = searcher.search(parser.parse(f'"{it["q"]}"'), limit=10)
            found = len(hits)  # exact number of matching reports
            ms = (time.perf_counter() - started) * 1000
            unquoted = len(searcher.search(parser.parse(it["q"]), limit=10))  # AND of its words
            true = sum(1 for t in bodies if it["q"] in t)
            results.append({"q": it["q"], "cls": it["cls"], "ms": ms, "whoosh_reports": found,
                            "whoosh_unquoted_reports": unquoted, "true_reports": true})
    return {"docs": docs, "results": results}


def summarize(build_out: dict, peak_rss_mb: float, phrase_out: dict) -> dict:
    from measure import latency

    results = phrase_out["results"]
    wrong = [r for r in results if r["whoosh_reports"] != r["true_reports"]]
    unquoted_wrong = [r for r in results if r["whoosh_unquoted_reports"] != r["true_reports"]]
    return {
        "docs": build_out["docs"], "index_s": round(build_out["seconds"], 2),
        "index_mb_per_s": round(build_out["text_bytes"] / 1e6 / build_out["seconds"], 3),
        "index_bytes": build_out["index_bytes"], "peak_rss_mb": round(peak_rss_mb, 1),
        "phrase_queries": len(results), "phrase_queries_wrong": len(wrong),
        "unquoted_queries_wrong": len(unquoted_wrong),
        "wrong_by_class": {c: sum(r["cls"] == c for r in wrong) for c in PHRASE_CLASSES},
        "wrong_examples": [{"q": r["q"], "whoosh": r["whoosh_reports"], "true": r["true_reports"]}
                           for r in wrong[:8]],
        "phrase_latency": latency([r["ms"] for r in results]),
        "note": f"the first {build_out['docs']} reports only; reports found by the quoted phrase "
                "query vs reports containing the phrase",
    }


def main(argv: list[str]) -> None:
    command, *args = argv
    if command == "build":
        out = build(Path(args[0]), Path(args[1]), Path(args[2]), int(args[3]))
    elif command == "phrase":
        out = phrase(Path(args[0]), Path(args[1]), Path(args[2]), int(args[3]), Path(args[4]))
    else:
        raise SystemExit(__doc__)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
