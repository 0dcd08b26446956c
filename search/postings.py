"""Per-generation arrays that make queries fast, written beside the Whoosh index.

- character unigram/bigram postings (doc, count): which reports can contain a
  string — exact for 1–2 characters, verified with str.find above that;
- jieba word postings (doc, tf in body / title / headings) for BM25F ranking;
- the cleaned texts in one UTF-8 blob, decoded per report on demand.

A generation is a folder `gen-<n>` made once and never changed; `CURRENT`
names the live one. The indexer makes generation n+1 from generation n by
dropping changed reports' rows and appending the new ones, so an update
costs a merge of sorted arrays, not a re-analysis of the library.
"""
from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .analysis import fold

CURRENT = "CURRENT"
USER_DICT = "userdict.txt"
FIELDS = ("body", "title", "headings")


@dataclass
class DocRecord:
    """Everything the index keeps of one report, made by the analysis step."""
    id: str
    hash: str
    size: int
    title: str
    text: str                       # cleaned: title line, then paragraphs
    year: int | None
    period: str
    doc_type: str
    level: str
    outline: list[tuple[int, str, int]]   # (depth, text, offset in text)
    words: list[str]                # distinct folded words
    tf: np.ndarray                  # uint16 (3, len(words)): body, title, headings
    lengths: tuple[int, int, int]   # word counts of body, title, headings
    gram_keys: np.ndarray           # uint64, sorted unique
    gram_tf: np.ndarray             # uint32

    def meta(self) -> dict:
        return {"id": self.id, "hash": self.hash, "size": self.size,
                "title": self.title, "year": self.year, "period": self.period,
                "type": self.doc_type, "level": self.level,
                "outline": self.outline, "lengths": list(self.lengths)}


# ------------------------------------------------------------------ reading

class Generation:
    """One immutable, loaded generation. Thread-safe for reading."""

    def __init__(self, folder: Path):
        self.folder = folder
        info = json.loads((folder / "info.json").read_text("utf-8"))
        self.number: int = info["generation"]
        self.whoosh_generation: int = info["whoosh_generation"]
        self.fingerprint: str = info["fingerprint"]
        # The user dictionary the words were cut with; queries must cut alike.
        self.user_dict: Path | None = folder / USER_DICT if (folder / USER_DICT).is_file() else None
        self.docs: list[dict] = json.loads((folder / "docs.json").read_text("utf-8"))
        self.n = len(self.docs)
        self.position = {d["id"]: i for i, d in enumerate(self.docs)}
        self.years = np.array([d["year"] or 0 for d in self.docs], dtype=np.int32)
        lengths = np.array([d["lengths"] for d in self.docs], dtype=np.float64).reshape(-1, 3)
        self.lengths = lengths.T  # (3, n)
        self.avg_lengths = np.maximum(self.lengths.mean(axis=1), 1.0) if self.n else np.ones(3)

        load = lambda name: np.load(folder / f"{name}.npy", mmap_mode="r")
        self.gram_keys = load("gram_keys")
        self.gram_starts = load("gram_starts")
        self.gram_docs = load("gram_docs")
        self.gram_tf = load("gram_tf")
        self.vocab = (folder / "vocab.txt").read_text("utf-8").split("\n") if self.n else []
        self.word_id = {w: i for i, w in enumerate(self.vocab)}
        self.word_starts = load("word_starts")
        self.word_docs = load("word_docs")
        self.word_tf = load("word_tf")  # (3, rows)
        self.text_offsets = load("text_offsets")
        self._blob = np.memmap(folder / "text.bin", dtype=np.uint8, mode="r") \
            if (folder / "text.bin").stat().st_size else np.zeros(0, np.uint8)
        self._texts: list[str | None] = [None] * self.n
        self._folded: list[str | None] = [None] * self.n
        self._categories: dict[str, tuple[np.ndarray, list[str]]] = {}
        self._titles: list[str] | None = None
        self._headings: list[str] | None = None

    def text(self, i: int) -> str:
        t = self._texts[i]
        if t is None:
            a, b = self.text_offsets[i], self.text_offsets[i + 1]
            t = bytes(self._blob[a:b]).decode("utf-8")
            self._texts[i] = t
        return t

    def folded(self, i: int) -> str:
        f = self._folded[i]
        if f is None:
            f = self._folded[i] = fold(self.text(i))
        return f

    def categories(self, key: str) -> tuple[np.ndarray, list[str]]:
        """Per-report codes and their names for a facet ("year", "type", "level")."""
        cached = self._categories.get(key)
        if cached is None:
            values = [str(d[key] or "") for d in self.docs]
            names = sorted(set(values))
            index = {name: i for i, name in enumerate(names)}
            cached = (np.array([index[v] for v in values], dtype=np.int32), names)
            self._categories[key] = cached
        return cached

    def folded_titles(self) -> list[str]:
        if self._titles is None:
            self._titles = [fold(d["title"]) for d in self.docs]
        return self._titles

    def folded_headings(self) -> list[str]:
        if self._headings is None:
            self._headings = [fold("\n".join(h[1] for h in d["outline"])) for d in self.docs]
        return self._headings

    def gram_postings(self, key: int) -> tuple[np.ndarray, np.ndarray]:
        i = int(np.searchsorted(self.gram_keys, key))
        if i == len(self.gram_keys) or int(self.gram_keys[i]) != key:
            return _EMPTY_I32, _EMPTY_U32
        a, b = self.gram_starts[i], self.gram_starts[i + 1]
        return self.gram_docs[a:b], self.gram_tf[a:b]

    def word_postings(self, word: str) -> tuple[np.ndarray, np.ndarray]:
        """Docs and the (3, k) tf rows of body, title, headings for a word."""
        i = self.word_id.get(word)
        if i is None:
            return _EMPTY_I32, np.zeros((3, 0), np.uint16)
        a, b = self.word_starts[i], self.word_starts[i + 1]
        return self.word_docs[a:b], self.word_tf[:, a:b]


_EMPTY_I32 = np.zeros(0, np.int32)
_EMPTY_U32 = np.zeros(0, np.uint32)


def current_folder(index_dir: Path) -> Path | None:
    try:
        name = (index_dir / CURRENT).read_text("utf-8").strip()
    except OSError:
        return None
    folder = index_dir / name
    return folder if (folder / "info.json").is_file() else None


# ------------------------------------------------------------------ writing

def _group_starts(sorted_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique keys of a sorted array and the start of each key's run."""
    if len(sorted_keys) == 0:
        return sorted_keys[:0], np.zeros(1, np.int64)
    bounds = np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1
    starts = np.concatenate([[0], bounds, [len(sorted_keys)]]).astype(np.int64)
    return sorted_keys[starts[:-1]], starts


def write_generation(index_dir: Path, number: int, whoosh_generation: int,
                     fingerprint: str, base: Generation | None,
                     drop: set[str], records: list[DocRecord],
                     user_dict: Path | None = None) -> Path:
    """Make generation `number` = base minus `drop` plus `records`, atomically:
    written to a temporary folder, renamed into place, then named CURRENT."""
    tmp = index_dir / f".gen-{number}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)

    keep = np.ones(base.n if base else 0, dtype=bool)
    if base is not None:
        for doc_id in drop:
            if doc_id in base.position:
                keep[base.position[doc_id]] = False
    remap = np.cumsum(keep, dtype=np.int64) - 1  # old position -> new position
    n_kept = int(keep.sum())
    first_new = n_kept

    docs = [d for d, k in zip(base.docs, keep) if k] if base is not None else []
    docs += [r.meta() for r in records]

    # Texts: kept ones copied as raw bytes, new ones encoded.
    with open(tmp / "text.bin", "wb") as out:
        offsets = [0]
        if base is not None:
            for i in np.flatnonzero(keep):
                a, b = base.text_offsets[i], base.text_offsets[i + 1]
                out.write(bytes(base._blob[a:b]))
                offsets.append(offsets[-1] + int(b - a))
        for r in records:
            data = r.text.encode("utf-8")
            out.write(data)
            offsets.append(offsets[-1] + len(data))
    np.save(tmp / "text_offsets.npy", np.array(offsets, dtype=np.int64))

    # Character grams.
    parts_k, parts_d, parts_t = [], [], []
    if base is not None and len(base.gram_docs):
        rows_keys = np.repeat(np.asarray(base.gram_keys), np.diff(base.gram_starts))
        old_docs = np.asarray(base.gram_docs)
        mask = keep[old_docs]
        parts_k.append(rows_keys[mask])
        parts_d.append(remap[old_docs[mask]].astype(np.int32))
        parts_t.append(np.asarray(base.gram_tf)[mask])
    for j, r in enumerate(records):
        parts_k.append(r.gram_keys)
        parts_d.append(np.full(len(r.gram_keys), first_new + j, dtype=np.int32))
        parts_t.append(r.gram_tf.astype(np.uint32))
    keys, gdocs, gtf = _concat(parts_k, np.uint64), _concat(parts_d, np.int32), _concat(parts_t, np.uint32)
    # Stable sort by key keeps docs ascending within a key (rows arrive in doc order
    # per part, and parts are in doc order), and timsort merges the sorted runs fast.
    order = np.argsort(keys, kind="stable")
    ukeys, starts = _group_starts(keys[order])
    np.save(tmp / "gram_keys.npy", ukeys)
    np.save(tmp / "gram_starts.npy", starts)
    np.save(tmp / "gram_docs.npy", gdocs[order])
    np.save(tmp / "gram_tf.npy", gtf[order])
    del keys, gdocs, gtf, order

    # Words: vocabulary only grows within a chain of generations; ids stay put.
    vocab = list(base.vocab) if base is not None else []
    word_id = dict(base.word_id) if base is not None else {}
    parts_w, parts_d, parts_t = [], [], []
    if base is not None and len(base.word_docs):
        rows_words = np.repeat(np.arange(len(base.vocab), dtype=np.int64), np.diff(base.word_starts))
        old_docs = np.asarray(base.word_docs)
        mask = keep[old_docs]
        parts_w.append(rows_words[mask])
        parts_d.append(remap[old_docs[mask]].astype(np.int32))
        parts_t.append(np.asarray(base.word_tf)[:, mask])
    for j, r in enumerate(records):
        ids = np.empty(len(r.words), dtype=np.int64)
        for k, w in enumerate(r.words):
            wid = word_id.get(w)
            if wid is None:
                wid = word_id[w] = len(vocab)
                vocab.append(w)
            ids[k] = wid
        parts_w.append(ids)
        parts_d.append(np.full(len(ids), first_new + j, dtype=np.int32))
        parts_t.append(r.tf.astype(np.uint16).reshape(3, -1))
    wids, wdocs = _concat(parts_w, np.int64), _concat(parts_d, np.int32)
    wtf = np.concatenate(parts_t, axis=1) if parts_t else np.zeros((3, 0), np.uint16)
    order = np.argsort(wids, kind="stable")
    wids = wids[order]
    starts = np.searchsorted(wids, np.arange(len(vocab) + 1)).astype(np.int64)
    (tmp / "vocab.txt").write_text("\n".join(vocab), "utf-8")
    np.save(tmp / "word_starts.npy", starts)
    np.save(tmp / "word_docs.npy", wdocs[order])
    np.save(tmp / "word_tf.npy", np.ascontiguousarray(wtf[:, order]))

    if user_dict is not None:
        shutil.copyfile(user_dict, tmp / USER_DICT)
    (tmp / "docs.json").write_text(json.dumps(docs, ensure_ascii=False), "utf-8")
    info = {"generation": number, "whoosh_generation": whoosh_generation,
            "fingerprint": fingerprint, "reports": len(docs)}
    (tmp / "info.json").write_text(json.dumps(info), "utf-8")

    final = index_dir / f"gen-{number}"
    shutil.rmtree(final, ignore_errors=True)
    os.replace(tmp, final)
    return final


def publish(index_dir: Path, folder: Path, keep_previous: int = 1) -> None:
    """Point CURRENT at `folder` (atomic rename) and prune old generations.
    The previous one stays for readers that are still loading it."""
    tmp = index_dir / f".{CURRENT}.tmp"
    tmp.write_text(folder.name, "utf-8")
    os.replace(tmp, index_dir / CURRENT)
    gens = sorted((p for p in index_dir.glob("gen-*") if p.is_dir()),
                  key=lambda p: int(p.name.split("-")[1]))
    for old in gens[: max(0, gens.index(folder) - keep_previous)] if folder in gens else []:
        shutil.rmtree(old, ignore_errors=True)


def _concat(parts: list[np.ndarray], dtype) -> np.ndarray:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype)
