"""Our engine, driven in a child process so its time and memory are its own.

    python bench/ours.py build  CORPUS INDEX     full build (--rebuild)
    python bench/ours.py update CORPUS INDEX     incremental run
    python bench/ours.py worker INDEX            answer queries (JSON lines, as the peers)

build/update print one JSON line. Everything goes through the public API
(search.indexer.index_corpus, search.searcher.Library, search.phrase.lookup,
Library.report, Library.stats) except `prepare_library` below: the ONE
function that knows engine internals, to adapt when the engine changes.
"""
from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path

import peer_common as pc
from measure import dir_bytes


def prepare_library(library, warm_texts: bool = False) -> float | None:
    """The one place that touches engine internals:
    - warm_texts: read every segment's arrays once now (checking their
      checksums), as a server does in the background after a new commit
      loads (Library(warm=True)); here synchronously, so that no timed query
      competes with it. Returns its ms.
    - always: empty the cache of answers (a string's reports and offsets, a
      phrase's ranking), so that every timed query does its full work, while
      the texts read from Whoosh (a server's warm state) stay.
    """
    snap = library.snapshot()
    ms = None
    if warm_texts:
        started = time.perf_counter()
        for part in snap.parts:
            part.data.verify()
        ms = (time.perf_counter() - started) * 1000
    library.answers.clear()
    return ms


def text_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


def index(corpus: Path, index_dir: Path, rebuild: bool) -> dict:
    from search.indexer import index_corpus
    from search.searcher import Library

    started = time.perf_counter()
    summary = index_corpus(corpus, index_dir, rebuild=rebuild)
    seconds = time.perf_counter() - started
    stats = Library(index_dir).stats()
    return {"seconds": seconds, "engine_seconds": summary.seconds,
            "added": summary.added, "updated": summary.updated, "removed": summary.removed,
            "unchanged": getattr(summary, "unchanged", None), "reports": summary.reports,
            "text_bytes": summary.text_bytes, "skipped": [str(s) for s in summary.skipped[:20]],
            "skipped_count": len(summary.skipped),
            "rebuilt_because": getattr(summary, "rebuilt_because", None),
            "index_bytes": stats.get("index_bytes"), "index_folder_bytes": dir_bytes(index_dir)}


class Worker:
    def __init__(self, index_dir: Path):
        from search.collector import tune_for_serving
        from search.searcher import Library

        tune_for_serving()  # as `reports serve` does
        started = time.perf_counter()
        self.library = Library(index_dir)
        self.library.snapshot()
        self.open_ms = (time.perf_counter() - started) * 1000
        self.warm_ms = prepare_library(self.library, warm_texts=True)

    def keyword(self, q: str) -> dict:
        result = self.library.search(q, per_page=10)
        # Reports matched: near-duplicates fold into one hit, but the peers count them all.
        return {"total": result.total + result.merged, "hits": len(result.hits),
                "snippets": sum(len(h.snippets) for h in result.hits), "answered": True}

    def phrase(self, phrase: str, sort: str, page: int) -> dict:
        from search.phrase import lookup

        result = lookup(self.library, phrase, sort=sort, page=page, per_page=pc.PER_PAGE)
        return {"occurrences": result.total_occurrences, "reports": result.total_reports,
                "lines": len(result.lines), "answered": True}

    def verify_texts(self, manifest_file: str) -> dict:
        """Are the texts in our index exactly the cleaned texts the peers got?"""
        differ, missing = [], []
        docs = json.loads(Path(manifest_file).read_text("utf-8"))["docs"]
        for d in docs:
            try:
                text = self.library.report(d["id"]).text
            except KeyError:  # UnknownReport is a KeyError
                missing.append(d["id"])
                continue
            if text_hash(text) != d["hash"]:
                differ.append(d["id"])
        return {"expected": len(docs), "differ": len(differ), "differ_examples": differ[:5],
                "missing": len(missing), "missing_examples": missing[:5]}

    def handle(self, req: dict) -> dict:
        if req["op"] == "verify_texts":
            return self.verify_texts(req["manifest"])
        prepare_library(self.library)  # outside the timed call
        if req["op"] == "keyword":
            return pc.timed(lambda: self.keyword(req["q"]))
        return pc.timed(lambda: self.phrase(req["phrase"], req.get("sort", "rank"), req.get("page", 1)))


def main(argv: list[str]) -> None:
    command, *args = argv
    if command == "worker":
        out = pc.channel()
        started = time.perf_counter()
        worker = Worker(Path(args[0]))
        pc.serve(out, worker.handle, {"ready": True, "load_s": time.perf_counter() - started,
                                      "settings": {"open_ms": worker.open_ms, "warm_texts_ms": worker.warm_ms}})
        return
    if command in ("build", "update"):
        result = index(Path(args[0]), Path(args[1]), rebuild=command == "build")
    else:
        raise SystemExit(__doc__)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
