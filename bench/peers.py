"""The peers, measured on the same cleaned texts as our engine.

- SQLite FTS5 with the trigram tokenizer (substring matching, bm25, snippet());
- ripgrep over the cleaned text files (`rg --count-matches -F`);
- the typical Whoosh + jieba.analyse.ChineseAnalyzer setup (the one most
  tutorials show), to show what its phrase queries count.

Index builds run as child processes (like ours):

    python bench/peers.py sqlite-build CLEANED_DIR MANIFEST DB
    python bench/peers.py whoosh-build CLEANED_DIR MANIFEST WHOOSH_DIR DOCS
    python bench/peers.py whoosh-phrase CLEANED_DIR MANIFEST WHOOSH_DIR DOCS QUERIES.json

Queries against SQLite and ripgrep run in bench/run.py's process through the
classes below.
"""
from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

MIN_TRIGRAM = 3     # FTS5 trigram cannot answer a term shorter than this
KWIC = 30           # context characters each side, as ours
PER_PAGE = 50


def manifest_ids(manifest_file: Path, limit: int | None = None) -> list[dict]:
    docs = json.loads(Path(manifest_file).read_text("utf-8"))["docs"]
    return docs[:limit] if limit else docs


# ---------------------------------------------------------------- SQLite

def trigram_available() -> bool:
    try:
        con = sqlite3.connect(":memory:")
        con.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='trigram')")
        return True
    except sqlite3.Error:
        return False


def sqlite_build(cleaned: Path, manifest_file: Path, db: Path) -> dict:
    started = time.perf_counter()
    db.unlink(missing_ok=True)
    con = sqlite3.connect(db)
    con.execute("CREATE VIRTUAL TABLE docs USING fts5("
                "name UNINDEXED, year UNINDEXED, body, tokenize='trigram')")
    total = 0
    with con:
        for d in manifest_ids(manifest_file):
            text = (cleaned / d["id"]).read_text("utf-8")
            total += len(text.encode("utf-8"))
            con.execute("INSERT INTO docs(name, year, body) VALUES (?, ?, ?)", (d["id"], d["year"], text))
    con.execute("INSERT INTO docs(docs) VALUES ('optimize')")
    con.commit()
    con.close()
    return {"seconds": time.perf_counter() - started, "text_bytes": total,
            "index_bytes": db.stat().st_size}


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


class SqlitePeer:
    """One open connection, warm after the first query."""

    def __init__(self, db: Path):
        self.con = sqlite3.connect(db)

    @staticmethod
    def supports(terms: list[str]) -> bool:
        return all(len(t) >= MIN_TRIGRAM for t in terms)

    def keyword(self, terms: list[str], year: int | None = None) -> dict | None:
        """Count of matching reports + top 10 by bm25 with snippet(); None if
        trigram cannot answer (a term under 3 characters)."""
        if not self.supports(terms):
            return None
        match = " AND ".join(_fts_phrase(t) for t in terms)
        where, args = "docs MATCH ?", [match]
        if year is not None:
            where += " AND year = ?"
            args.append(year)
        started = time.perf_counter()
        total = self.con.execute(f"SELECT count(*) FROM docs WHERE {where}", args).fetchone()[0]
        top = self.con.execute(
            f"SELECT name, snippet(docs, 2, '<mark>', '</mark>', '…', 24) FROM docs "
            f"WHERE {where} ORDER BY rank LIMIT 10", args).fetchall()
        return {"ms": (time.perf_counter() - started) * 1000, "total": total, "hits": len(top)}

    def phrase(self, phrase: str) -> dict | None:
        """Exact totals and the first 50 KWIC lines: FTS5 finds the reports,
        Python counts and cuts the lines (FTS5 has no occurrence count)."""
        if not self.supports([phrase]):
            return None
        started = time.perf_counter()
        rows = self.con.execute("SELECT name, body FROM docs WHERE docs MATCH ? ORDER BY rank",
                                (_fts_phrase(phrase),)).fetchall()
        occurrences, lines = 0, []
        for _name, body in rows:
            n = body.count(phrase)
            occurrences += n
            p = -len(phrase)
            while len(lines) < PER_PAGE and n:
                p = body.find(phrase, p + len(phrase))
                if p < 0:
                    break
                lines.append(kwic(body, p, len(phrase)))
        return {"ms": (time.perf_counter() - started) * 1000, "occurrences": occurrences,
                "reports": len(rows), "lines": len(lines)}


def kwic(text: str, p: int, length: int) -> tuple[str, str, str]:
    left = text[max(0, p - KWIC):p].rsplit("\n", 1)[-1]
    right = text[p + length:p + length + KWIC].split("\n", 1)[0]
    return left, text[p:p + length], right


# ---------------------------------------------------------------- ripgrep

class RipgrepPeer:
    """`rg --count-matches -F` over the cleaned files: per-file occurrence
    counts, summed (non-overlapping matches, like `grep -o | wc -l`)."""

    def __init__(self, cleaned: Path):
        self.cleaned = cleaned
        self.rg = shutil.which("rg")

    @property
    def available(self) -> bool:
        return self.rg is not None

    def version(self) -> str:
        out = subprocess.run([self.rg, "--version"], capture_output=True, text=True).stdout
        return out.splitlines()[0] if out else "?"

    def phrase(self, phrase: str) -> dict:
        # --no-ignore/--hidden: the cache folder is git-ignored and hidden.
        cmd = [self.rg, "--no-config", "--no-ignore", "--hidden", "--count-matches",
               "--fixed-strings", "--no-messages", "--", phrase, str(self.cleaned)]
        started = time.perf_counter()
        run = subprocess.run(cmd, capture_output=True, text=True)
        ms = (time.perf_counter() - started) * 1000
        if run.returncode not in (0, 1):  # 1: no match
            raise RuntimeError(f"rg failed: {run.stderr.strip()}")
        counts = [int(line.rsplit(":", 1)[1]) for line in run.stdout.splitlines() if line]
        return {"ms": ms, "occurrences": sum(counts), "reports": len(counts)}


# ---------------------------------------------------------------- Whoosh + jieba

def _whoosh_schema():
    import importlib

    from whoosh.fields import ID, TEXT, Schema

    # The typical setup is the peer under test; the engine never uses it (its
    # ChineseAnalyzer breaks phrase queries), so it is loaded only here.
    analyzer = importlib.import_module("jieba.analyse").ChineseAnalyzer()
    return Schema(path=ID(stored=True, unique=True), content=TEXT(stored=True, analyzer=analyzer))


def whoosh_build(cleaned: Path, manifest_file: Path, wdir: Path, docs: int) -> dict:
    """As the tutorials do it: one writer, add_document per file, commit."""
    import jieba
    from whoosh import index

    jieba.setLogLevel(60)
    started = time.perf_counter()
    shutil.rmtree(wdir, ignore_errors=True)
    wdir.mkdir(parents=True)
    ix = index.create_in(wdir, _whoosh_schema())
    writer = ix.writer()
    total = 0
    for d in manifest_ids(manifest_file, docs):
        text = (cleaned / d["id"]).read_text("utf-8")
        total += len(text.encode("utf-8"))
        writer.add_document(path=d["id"], content=text)
    writer.commit()
    size = sum(p.stat().st_size for p in wdir.rglob("*") if p.is_file())
    return {"seconds": time.perf_counter() - started, "docs": docs, "text_bytes": total, "index_bytes": size}


def whoosh_phrase(cleaned: Path, manifest_file: Path, wdir: Path, docs: int, queries_file: Path) -> dict:
    """Phrase queries as users type them, quoted (a Whoosh phrase query) and
    unquoted (all its words), against the true counts (reports containing
    the phrase) on the same subset."""
    import jieba
    from whoosh import index
    from whoosh.qparser import QueryParser

    jieba.setLogLevel(60)
    texts = [(cleaned / d["id"]).read_text("utf-8") for d in manifest_ids(manifest_file, docs)]
    phrases = [q for qs in json.loads(queries_file.read_text("utf-8"))["phrase"].values() for q in qs]
    ix = index.open_dir(wdir)
    results = []
    with ix.searcher() as searcher:
        parser = QueryParser("content", ix.schema)
        searcher.search(parser.parse('"工作"'), limit=10)  # warm-up
        for phrase in phrases:
            started = time.perf_counter()
            hits = searcher.search(parser.parse(f'"{phrase}"'), limit=10)
            found = len(hits)  # exact number of matching reports
            ms = (time.perf_counter() - started) * 1000
            unquoted = len(searcher.search(parser.parse(phrase), limit=10))  # AND of its words
            true = sum(1 for t in texts if phrase in t)
            results.append({"q": phrase, "ms": ms, "whoosh_reports": found,
                            "whoosh_unquoted_reports": unquoted, "true_reports": true})
    return {"docs": docs, "results": results}


def main(argv: list[str]) -> None:
    command, *args = argv
    if command == "sqlite-build":
        out = sqlite_build(Path(args[0]), Path(args[1]), Path(args[2]))
    elif command == "whoosh-build":
        out = whoosh_build(Path(args[0]), Path(args[1]), Path(args[2]), int(args[3]))
    elif command == "whoosh-phrase":
        out = whoosh_phrase(Path(args[0]), Path(args[1]), Path(args[2]), int(args[3]), Path(args[4]))
    else:
        raise SystemExit(__doc__)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
