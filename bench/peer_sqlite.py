"""SQLite FTS5 with the trigram tokenizer, set up as its users tune it.

    python bench/peer_sqlite.py build  TEXTS MANIFEST DB      full build
    python bench/peer_sqlite.py update DB < touched.json      the incremental step
    python bench/peer_sqlite.py worker DB                     answer queries (JSON lines)

- `docs`: FTS5 over the folded body, `tokenize='trigram case_sensitive 1'`
  (exact substrings, as ripgrep; the texts are already case-folded), with
  detail=full, which trigram phrase queries need. `meta`: a normal table
  (rowid, name, year, type, level) with an index on each filter column,
  joined by rowid, so a filter uses an index and not an UNINDEXED column.
- Build: one transaction, journal and sync off (a bulk load), then
  'optimize' (merges the b-trees into one, as a read-mostly index wants).
- Worker: `PRAGMA mmap_size` as large as this SQLite allows (the whole file
  up to SQLITE_MAX_MMAP_SIZE), `cache_size` 128 MiB, temp_store in memory;
  every body read once at start into a list (as our engine keeps its texts).
- Keyword: ONE ranked MATCH a query (`ORDER BY rank`, bm25) returning every
  rowid: its length is the exact total, its head the top 10. (count(*) plus
  `ORDER BY rank LIMIT 10` runs the MATCH twice and was no faster: bm25 is
  computed for every match either way.) A filter joins `meta` by rowid. Terms of 1–2 characters, which a
  trigram index cannot look up, are checked on the in-memory bodies of the
  MATCH's rows; a query with no term of 3+ characters has no ranked answer
  from SQLite and is left unanswered.
- Phrase: the ranked MATCH of the phrase for its reports; 1–2 characters:
  a scan of the in-memory bodies. (FTS5's fallbacks are worse: with
  case_sensitive 1, `body GLOB '*的*'` returns no rows at all in SQLite
  3.40 — a wrong answer — and `LIKE '%的%'` scans and decodes every row,
  ~25× slower than the scan at 2 000 reports.) The harness
  counts, cuts and sorts the lines (bench/peer_common.py).
"""
from __future__ import annotations

import json
import sqlite3
import sys
import time
from pathlib import Path

import peer_common as pc

MIN_TRIGRAM = 3
CACHE_KIB = 128 * 1024
FILTERS = ("year", "type", "level")


def trigram_available() -> bool:
    try:
        sqlite3.connect(":memory:").execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='trigram')")
        return True
    except sqlite3.Error:
        return False


def build(texts: Path, manifest_file: Path, db: Path) -> dict:
    started = time.perf_counter()
    for p in (db, db.with_name(db.name + "-journal")):
        p.unlink(missing_ok=True)
    con = sqlite3.connect(db)
    con.executescript("""
        PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
        CREATE TABLE meta(rowid INTEGER PRIMARY KEY, name TEXT UNIQUE, year INTEGER, type TEXT, level TEXT);
        CREATE VIRTUAL TABLE docs USING fts5(body, tokenize = 'trigram case_sensitive 1', detail = full);
    """)
    docs = json.loads(manifest_file.read_text("utf-8"))["docs"]
    total = 0
    with con:
        for rowid, d in enumerate(docs, 1):
            body = (texts / d["id"]).read_text("utf-8")
            total += len(body.encode("utf-8"))
            con.execute("INSERT INTO meta VALUES (?, ?, ?, ?, ?)", (rowid, d["id"], d["year"], d["type"], d["level"]))
            con.execute("INSERT INTO docs(rowid, body) VALUES (?, ?)", (rowid, body))
        for f in FILTERS:
            con.execute(f"CREATE INDEX meta_{f} ON meta({f})")
    con.execute("INSERT INTO docs(docs) VALUES ('optimize')")
    con.commit()
    con.close()
    return {"seconds": time.perf_counter() - started, "text_bytes": total}


def update(db: Path, touched: list[dict]) -> dict:
    """Replace the touched reports' rows in one transaction (FTS5 merges
    its new segments itself: automerge)."""
    started = time.perf_counter()
    con = sqlite3.connect(db)
    with con:
        for d in touched:
            rowid = con.execute("SELECT rowid FROM meta WHERE name = ?", (d["id"],)).fetchone()[0]
            con.execute("DELETE FROM docs WHERE rowid = ?", (rowid,))
            con.execute("INSERT INTO docs(rowid, body) VALUES (?, ?)", (rowid, d["text"]))
            con.execute("UPDATE meta SET year = ?, type = ?, level = ? WHERE rowid = ?",
                        (d["year"], d["type"], d["level"], rowid))
    con.close()
    return {"seconds": time.perf_counter() - started, "updated": len(touched)}


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


class Worker(pc.PeerWorker):
    def __init__(self, db: Path):
        self.con = sqlite3.connect(db, check_same_thread=False)
        size = db.stat().st_size
        self.mmap = self.con.execute(f"PRAGMA mmap_size = {size + (1 << 20)}").fetchone()[0]
        self.con.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        self.con.execute("PRAGMA temp_store = MEMORY")
        rows = self.con.execute("SELECT rowid, body FROM docs").fetchall()
        self.bodies: list[str] = [""] * (max((r for r, _ in rows), default=0) + 1)
        for rowid, body in rows:
            self.bodies[rowid] = body

    def settings(self) -> dict:
        return {"sqlite": sqlite3.sqlite_version, "mmap_size": self.mmap, "cache_size_kib": CACHE_KIB,
                "tokenize": "trigram case_sensitive 1", "detail": "full"}

    def _ranked(self, match: str, flt: dict | None) -> list[int]:
        if not flt:
            return [r for (r,) in self.con.execute(
                "SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY rank", (match,))]
        # A join by rowid: `rowid IN (SELECT … FROM meta …)` was 20–40× slower (planner).
        (field, value), = flt.items()
        return [r for (r,) in self.con.execute(
            f"SELECT docs.rowid FROM docs JOIN meta ON meta.rowid = docs.rowid "
            f"WHERE docs MATCH ? AND meta.{field} = ? ORDER BY rank", (match, value))]

    def _scan(self, needle: str, flt: dict | None) -> list[int]:
        rows = range(1, len(self.bodies))
        if flt:
            (field, value), = flt.items()
            rows = [r for (r,) in self.con.execute(f"SELECT rowid FROM meta WHERE {field} = ?", (value,))]
        return [r for r in rows if needle in self.bodies[r]]

    def keyword(self, terms: list[str], flt: dict | None) -> dict:
        long = [t for t in terms if len(t) >= MIN_TRIGRAM]
        short = [t for t in terms if len(t) < MIN_TRIGRAM]
        if not long:
            return {"answered": False}
        rows = self._ranked(" AND ".join(map(_quoted, long)), flt)
        if short:
            rows = [r for r in rows if all(t in self.bodies[r] for t in short)]
        hits = [pc.snippets(self.bodies[r], terms) for r in rows[:10]]
        return {"total": len(rows), "hits": len(hits), "answered": True}

    def phrase(self, needle: str, sort: str, page: int) -> dict:
        ranked = self._ranked(_quoted(needle), None) if len(needle) >= MIN_TRIGRAM else self._scan(needle, None)
        return {**pc.phrase_answer(self.bodies, ranked, needle, sort, page), "answered": True}



def main(argv: list[str]) -> None:
    pc.peer_main(argv, __doc__, Worker, build, update)


if __name__ == "__main__":
    main(sys.argv[1:])
