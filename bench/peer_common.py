"""What every indexed peer's harness does the same way, with its bodies in
memory (as our engine keeps its texts decoded and folded): exact occurrence
counts, KWIC lines, sorts by context, pages, snippets; and the JSON-lines
loop through which bench/run.py sends each worker its queries.

The engine finds the reports (and their rank order); the harness counts the
occurrences in them and cuts the lines, since neither SQLite FTS5 nor
tantivy returns occurrence counts or contexts of a substring.
"""
from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from typing import TextIO

KWIC = 30            # context characters each side, as ours
PER_PAGE = 50        # KWIC lines a page, as ours
SORT_AT_MOST = 10_000  # a sort by context orders the first 10 000 occurrences (as ours)
SNIPPETS = 3         # snippets a hit
SNIPPET_SIDE = 40


def occurrences(body: str, needle: str) -> Iterator[int]:
    """Start offsets of the non-overlapping occurrences (as str.count, rg and grep -o)."""
    p = body.find(needle)
    while p >= 0:
        yield p
        p = body.find(needle, p + len(needle))


def kwic(body: str, p: int, length: int) -> tuple[str, str, str]:
    """Left context, match, right context; never across a paragraph."""
    left = body[max(0, p - KWIC):p].rsplit("\n", 1)[-1]
    right = body[p + length:p + length + KWIC].split("\n", 1)[0]
    return left, body[p:p + length], right


def phrase_answer(bodies, ranked: list[int], needle: str, sort: str, page: int) -> dict:
    """Exact totals over the reports the engine found (in its rank order)
    and one page of KWIC lines: in rank order, or the first SORT_AT_MOST
    occurrences sorted by the context left (read leftwards) or right."""
    counts = [bodies[d].count(needle) for d in ranked]
    total = sum(counts)
    lines: list[tuple[str, str, str]] = []
    first = (page - 1) * PER_PAGE
    if sort == "rank":
        skip = first
        for d, n in zip(ranked, counts, strict=False):
            if skip >= n:
                skip -= n
                continue
            for k, p in enumerate(occurrences(bodies[d], needle)):
                if k < skip:
                    continue
                lines.append(kwic(bodies[d], p, len(needle)))
                if len(lines) == PER_PAGE:
                    break
            skip = 0
            if len(lines) == PER_PAGE:
                break
    else:
        found: list[tuple[str, str, str]] = []
        for d, n in zip(ranked, counts, strict=False):
            if n:
                found.extend(kwic(bodies[d], p, len(needle)) for p in occurrences(bodies[d], needle))
            if len(found) >= SORT_AT_MOST:
                del found[SORT_AT_MOST:]
                break
        key = (lambda line: line[0][::-1]) if sort == "left" else (lambda line: line[2])
        found.sort(key=key)
        lines = found[first:first + PER_PAGE]
    return {"occurrences": total, "reports": len(ranked), "lines": len(lines)}


def snippets(body: str, needles: list[str]) -> list[str]:
    """Up to SNIPPETS windows around the first occurrences, every occurrence
    of every term inside them marked."""
    starts = sorted(p for n in needles for p in list(occurrences(body, n))[:SNIPPETS])[:SNIPPETS]
    out = []
    for p in starts:
        window = body[max(0, p - SNIPPET_SIDE):p + SNIPPET_SIDE]
        for n in needles:
            window = window.replace(n, f"<mark>{n}</mark>")
        out.append(window)
    return out


def timed(fn: Callable[[], dict]) -> dict:
    started = time.perf_counter()
    out = fn()
    out["ms"] = (time.perf_counter() - started) * 1000
    return out


def channel() -> TextIO:
    """The worker's answers go to the original stdout; anything a library
    prints from now on goes to stderr, so it cannot break the protocol.
    Call first thing."""
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8", buffering=1)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    return out


def serve(out: TextIO, handle: Callable[[dict], dict], ready: dict) -> None:
    """The worker's loop: one JSON request a line on stdin, one JSON answer a
    line on `out` (from channel())."""
    out.write(json.dumps(ready) + "\n")
    for line in sys.stdin:
        request = json.loads(line)
        if request.get("op") == "quit":
            break
        try:
            answer = handle(request)
        except Exception as exc:  # noqa: BLE001 (reported to the run, which prints and fails)
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        out.write(json.dumps(answer, ensure_ascii=False) + "\n")
    out.close()


class PeerWorker:
    """A peer's query worker: `keyword(terms, filter)` and `phrase(needle, sort, page)`, each timed."""

    def handle(self, req: dict) -> dict:
        if req["op"] == "keyword":
            return timed(lambda: self.keyword(req["terms"], req.get("filter")))
        return timed(lambda: self.phrase(req["phrase"], req.get("sort", "rank"), req.get("page", 1)))


def peer_main(argv: list[str], doc: str, worker_class, build: Callable, update: Callable) -> None:
    """A peer script's commands: `worker INDEX` (answer requests on stdin),
    `build TEXTS MANIFEST INDEX`, `update INDEX` (changes as JSON on stdin)."""
    from pathlib import Path

    command, *args = argv
    if command == "worker":
        out = channel()
        started = time.perf_counter()
        worker = worker_class(Path(args[0]))
        serve(out, worker.handle, {"ready": True, "load_s": time.perf_counter() - started,
                                   "settings": worker.settings()})
        return
    if command == "build":
        result = build(Path(args[0]), Path(args[1]), Path(args[2]))
    elif command == "update":
        result = update(Path(args[0]), json.load(sys.stdin))
    else:
        raise SystemExit(doc)
    print(json.dumps(result))
