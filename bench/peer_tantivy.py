"""tantivy (PyPI `tantivy`, the Rust engine's Python binding), set up for
exact substrings and jieba ranking.

    python bench/peer_tantivy.py build  TEXTS MANIFEST INDEX_DIR
    python bench/peer_tantivy.py update INDEX_DIR < touched.json
    python bench/peer_tantivy.py worker INDEX_DIR

Fields:
- `words`: the folded jieba words (rjieba with our engine's dictionaries,
  search.analysis.words), space-joined, whitespace tokenizer, frequencies:
  BM25 ranking, as our engine ranks by jieba words;
- `g1` (frequencies) and `g2` (positions): every character and every
  character pair of the folded body, space-joined, whitespace tokenizer. A
  string of 2+ characters is a phrase query of the pairs covering it at
  their offsets; of one character, a term query on g1. Exact substrings.
  tantivy's own `Tokenizer.ngram` would be the natural choice, but it gives
  every gram position 0, so a phrase query over it matches reports holding
  the grams anywhere (checked in every build: `ngram_positions`);
- `rowid`, `year` (integers, indexed and fast), `type`, `level` (raw
  strings), `body` (stored bytes: the texts, which the worker reads once
  into memory, as our engine keeps its texts).
Whitespace in a body becomes U+2424 before cutting, so that grams keep one
position a character and no query (which has no whitespace) matches across it.

Build: one writer (tantivy's default 128 MB budget, one indexing thread a
core), fed by a process pool that cuts the words and grams; default merge
policy; commit, wait for merges.
Keyword: every term a Must clause (its exact gram query, scoring 0), its
jieba words Should clauses on `words` (BM25), a filter a Must term; top 10
with the exact count (count=True, the same pass). Phrase: the gram query,
every match in score order; the harness counts, cuts and sorts lines.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import sys
import threading
import time
from pathlib import Path

import peer_common as pc
import tantivy

from search.analysis import words

SPACE_MARK = "\u2424"
_SPACES = {c: SPACE_MARK for c in range(0x10000) if chr(c).isspace()}
_SPACES.update({c: SPACE_MARK for c in (0x85, 0xA0, 0x1680, 0x202F, 0x205F, 0x3000, *range(0x2000, 0x200B))})
WRITER_HEAP = 128_000_000


def schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_integer_field("rowid", stored=True, indexed=True, fast=True)
    sb.add_integer_field("year", indexed=True, fast=True)
    sb.add_text_field("type", tokenizer_name="raw")
    sb.add_text_field("level", tokenizer_name="raw")
    sb.add_text_field("words", tokenizer_name="whitespace", index_option="freq")
    sb.add_text_field("g1", tokenizer_name="whitespace", index_option="freq")
    sb.add_text_field("g2", tokenizer_name="whitespace", index_option="position")
    sb.add_bytes_field("body", stored=True)
    return sb.build()


def prepare(job: tuple[int, dict, str]) -> tuple[int, dict, str, str, str, str]:
    """The field texts of one report (jieba words, characters, pairs): the
    Python half of the work, run in a process pool."""
    rowid, d, body = job
    marked = body.translate(_SPACES)
    return (rowid, d, body, " ".join(words(body)), " ".join(marked),
            " ".join(marked[i:i + 2] for i in range(len(marked) - 1)))


def document(rowid: int, d: dict, body: str, words_: str, g1: str, g2: str) -> tantivy.Document:
    doc = tantivy.Document(rowid=rowid, year=d["year"] if d["year"] is not None else 0,
                           type=d["type"] or "", level=d["level"] or "")
    doc.add_text("words", words_)
    doc.add_text("g1", g1)
    doc.add_text("g2", g2)
    doc.add_bytes("body", body.encode("utf-8"))
    return doc


IN_FLIGHT = 256  # reports read but not yet indexed: Pool.imap would otherwise read the whole corpus ahead


def _jobs(texts: Path, docs: list[dict], slots: threading.Semaphore):
    for rowid, d in enumerate(docs, 1):
        slots.acquire()  # released when the writer has taken the report
        yield rowid, d, (texts / d["id"]).read_text("utf-8")


def ngram_positions() -> list[int]:
    """Positions tantivy's ngram tokenizer gives the grams of 从严治党 (all 0
    in tantivy-py 0.27: unusable for exact phrase queries)."""
    analyzer = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.ngram(2, 2, False)).build()
    return [t.position for t in analyzer.pre_tokenize("从严治党").tokens]


def build(texts: Path, manifest_file: Path, index_dir: Path) -> dict:
    started = time.perf_counter()
    shutil.rmtree(index_dir, ignore_errors=True)
    index_dir.mkdir(parents=True)
    index = tantivy.Index(schema(), path=str(index_dir))
    writer = index.writer(WRITER_HEAP)
    total = 0
    docs = json.loads(manifest_file.read_text("utf-8"))["docs"]
    # Cutting words and grams is Python: a pool of one process a core does
    # it while tantivy's writer threads index (as a user who tunes it would).
    slots = threading.Semaphore(IN_FLIGHT)
    with multiprocessing.get_context("fork").Pool(os.cpu_count() or 1) as pool:
        for fields in pool.imap(prepare, _jobs(texts, docs, slots), chunksize=4):
            total += len(fields[2].encode("utf-8"))
            writer.add_document(document(*fields))
            slots.release()
    writer.commit()
    writer.wait_merging_threads()
    return {"seconds": time.perf_counter() - started, "text_bytes": total,
            "ngram_positions": ngram_positions(), "tantivy": tantivy.__version__}


def update(index_dir: Path, touched: list[dict]) -> dict:
    started = time.perf_counter()
    index = tantivy.Index.open(str(index_dir))
    writer = index.writer(WRITER_HEAP)
    for d in touched:
        writer.delete_documents_by_term("rowid", d["rowid"])
        writer.add_document(document(*prepare((d["rowid"], d, d["text"]))))
    writer.commit()
    writer.wait_merging_threads()
    return {"seconds": time.perf_counter() - started, "updated": len(touched)}


class Worker(pc.PeerWorker):
    def __init__(self, index_dir: Path):
        self.index = tantivy.Index.open(str(index_dir))
        self.index.reload()
        self.schema = self.index.schema
        self.searcher = self.index.searcher()
        n = self.searcher.num_docs
        hits = self.searcher.search(tantivy.Query.all_query(), n).hits
        self.bodies: list[str] = [""] * (n + 1)
        for _, addr in hits:
            doc = self.searcher.doc(addr)
            self.bodies[doc["rowid"][0]] = doc["body"][0].decode("utf-8")
        self.n = n

    def settings(self) -> dict:
        return {"tantivy": tantivy.__version__, "segments": self.searcher.num_segments,
                "writer_heap": WRITER_HEAP, "ngram_positions": ngram_positions()}

    def grams(self, needle: str) -> tantivy.Query:
        """Exactly the reports containing `needle`."""
        if len(needle) == 1:
            return tantivy.Query.term_query(self.schema, "g1", needle)
        if len(needle) == 2:
            return tantivy.Query.term_query(self.schema, "g2", needle)
        offsets = list(range(0, len(needle) - 1, 2))
        if offsets[-1] != len(needle) - 2:
            offsets.append(len(needle) - 2)
        return tantivy.Query.phrase_query(self.schema, "g2", [(o, needle[o:o + 2]) for o in offsets])

    def _filter(self, flt: dict | None) -> list:
        if not flt:
            return []
        (field, value), = flt.items()
        return [(tantivy.Occur.Must, tantivy.Query.term_query(self.schema, field, value))]

    def _rowids(self, hits) -> list[int]:
        return [int(v) for v in self.searcher.fast_field_values("rowid", [a for _, a in hits])]

    def keyword(self, terms: list[str], flt: dict | None) -> dict:
        clauses = [(tantivy.Occur.Must, tantivy.Query.const_score_query(self.grams(t), 0.0)) for t in terms]
        ranking = {w for t in terms for w in words(t)}
        clauses += [(tantivy.Occur.Should, tantivy.Query.term_query(self.schema, "words", w)) for w in ranking]
        result = self.searcher.search(tantivy.Query.boolean_query(clauses + self._filter(flt)), 10, count=True)
        top = self._rowids(result.hits)
        hits = [pc.snippets(self.bodies[r], terms) for r in top]
        return {"total": result.count, "hits": len(hits), "answered": True}

    def phrase(self, needle: str, sort: str, page: int) -> dict:
        result = self.searcher.search(self.grams(needle), self.n, count=True)
        ranked = self._rowids(result.hits)
        return {**pc.phrase_answer(self.bodies, ranked, needle, sort, page), "answered": True}



def main(argv: list[str]) -> None:
    pc.peer_main(argv, __doc__, Worker, build, update)


if __name__ == "__main__":
    main(sys.argv[1:])
